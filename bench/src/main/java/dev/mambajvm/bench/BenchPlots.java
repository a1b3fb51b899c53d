package dev.mambajvm.bench;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

import static dev.mambajvm.bench.BenchJson.number;

/**
 * PNG plots and one markdown report from model-benchmark runs ({@link BenchJson}: ModelBench on
 * each device, peer_transformers.py), run where the JSON was fetched back (a full JDK, headless AWT):
 * <ul>
 *   <li>{@code decode-batchN.png}: decode tokens/s per model, one bar per run (plus the reference
 *       at batch 1);</li>
 *   <li>{@code prefill-MODEL.png}: prefill time against length, log-log, one line per run;</li>
 *   <li>{@code memory-MODEL.png}: peak device memory against prefill length, one line per run;</li>
 *   <li>{@code report.md}: {@link BenchReport}'s tables of all the runs side by side.</li>
 * </ul>
 */
@Command(name = "BenchPlots", mixinStandardHelpOptions = true,
        description = "Plots (PNG) and a markdown report of model-benchmark JSON files.",
        footerHeading = "%nExamples:%n",
        footer = {
                "  bench/plots.sh --out docs/bench-plots /tmp/gpu-out/",
                "  bench/plots.sh --out /tmp/plots models-mamba-jvm-cuda-0.json models-transformers-cuda-0.json"})
public final class BenchPlots implements Callable<Integer> {
    private static final int WIDTH = 1000;
    private static final int HEIGHT = 560;

    @Parameters(arity = "1..*", paramLabel = "JSON|DIR", description = "Run files, or folders whose *.json runs are all read.")
    List<Path> inputs;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder for the PNGs and report.md.")
    Path out;

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(ModelBench.oneLineErrors(new CommandLine(new BenchPlots())).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        List<Map<String, Object>> runs = new ArrayList<>();
        for (Path in : inputs) {
            if (Files.isDirectory(in)) {
                try (Stream<Path> files = Files.list(in)) {
                    for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                        runs.add(BenchJson.read(f));
                    }
                }
            } else if (Files.isRegularFile(in)) {
                runs.add(BenchJson.read(in));
            } else {
                throw new CommandLine.ParameterException(new CommandLine(this), in + ": no such file or folder");
            }
        }
        if (runs.isEmpty()) {
            throw new CommandLine.ParameterException(new CommandLine(this), "no *.json run in " + inputs);
        }
        Files.createDirectories(out);
        List<String> written = new ArrayList<>();
        List<String> models = BenchReport.models(runs);
        for (int batch : batches(runs, models)) {
            written.add(save(decodeChart(runs, models, batch), "decode-batch" + batch));
        }
        for (String model : models) {
            if (!BenchReport.keys(runs, model, "prefill", "length").isEmpty()) {
                written.add(save(lengthChart(runs, model, "ms", "prefill time, ms", true), "prefill-" + model));
                written.add(save(lengthChart(runs, model, "peakBytes", "peak device memory, MiB", false), "memory-" + model));
            }
        }
        Files.writeString(out.resolve("report.md"), BenchReport.markdown(runs));
        written.add("report.md");
        System.out.println("wrote " + written.size() + " files to " + out + ": " + String.join(", ", written));
        return 0;
    }

    private static List<Integer> batches(List<Map<String, Object>> runs, List<String> models) {
        return models.stream().flatMap(m -> BenchReport.keys(runs, m, "decode", "batch").stream()).distinct().sorted().toList();
    }

    /** Bars of tokens/s per model, one series per run; a missing or skipped figure is no bar. */
    static CategoryChart decodeChart(List<Map<String, Object>> runs, List<String> models, int batch) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
                .title("Decode, batch " + batch + ": tokens/s (higher is better)").xAxisTitle("model")
                .yAxisTitle("tokens/s").build();
        style(chart.getStyler());
        chart.getStyler().setLabelsVisible(true);   // the value on each bar: small bars stay readable
        chart.getStyler().setDecimalPattern("#,##0.#");
        for (Map<String, Object> run : runs) {
            List<Double> values = new ArrayList<>();
            for (String model : models) {
                Map<String, Object> d = BenchReport.entry(run, model, "decode", "batch", batch);
                values.add(d == null ? null : nullIfNaN(number(d, "tokensPerSecond")));
            }
            if (values.stream().anyMatch(v -> v != null)) {
                chart.addSeries((String) run.get("label"), models, values);
            }
        }
        if (batch == 1 && models.stream().anyMatch(BenchReport.REFERENCE_MS::containsKey)) {
            chart.addSeries(BenchReport.REFERENCE_LABEL, models, models.stream()
                    .map(m -> BenchReport.REFERENCE_MS.containsKey(m) ? 1e3 / BenchReport.REFERENCE_MS.get(m) : null).toList());
        }
        return chart;
    }

    /** One line per run of {@code field} of the prefill entries against length (log x). */
    static XYChart lengthChart(List<Map<String, Object>> runs, String model, String field, String yTitle, boolean logY) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(model + ", batch 1: " + yTitle + " by prompt length")
                .xAxisTitle("prefill tokens (batch 1)").yAxisTitle(yTitle).build();
        style(chart.getStyler());
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setYAxisLogarithmic(logY);
        for (Map<String, Object> run : runs) {
            List<Double> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            for (int length : BenchReport.keys(runs, model, "prefill", "length")) {
                Map<String, Object> p = BenchReport.entry(run, model, "prefill", "length", length);
                double v = p == null ? Double.NaN : number(p, field);
                if (!Double.isNaN(v) && v > 0) {
                    xs.add((double) length);
                    ys.add(field.equals("peakBytes") ? v / 1048576 : v);
                }
            }
            if (!xs.isEmpty()) {
                chart.addSeries((String) run.get("label"), xs, ys);
            }
        }
        return chart;
    }

    private static void style(Styler s) {
        s.setLegendPosition(Styler.LegendPosition.OutsideS);
        s.setChartBackgroundColor(java.awt.Color.WHITE);
    }

    private static Double nullIfNaN(double v) {
        return Double.isNaN(v) ? null : v;
    }

    private String save(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, String name) throws IOException {
        BitmapEncoder.saveBitmap(chart, out.resolve(name).toString(), BitmapEncoder.BitmapFormat.PNG);
        return name + ".png";
    }
}
