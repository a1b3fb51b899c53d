package dev.mambajvm.bench;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static dev.mambajvm.bench.BenchJson.number;
import static dev.mambajvm.bench.BenchJson.objects;

/**
 * Markdown tables of one or more runs ({@link BenchJson}), one column per run: decode, prefill,
 * peak memory, and each run's per-kernel profile. A skipped figure shows as "—" with its reason
 * in the notes under the table.
 */
public final class BenchReport {
    /**
     * ms/token of the reference implementation (state-spaces/mamba: Triton step kernels and CUDA
     * graphs, batch 1, fp16), as the benchmarks issue (#8) gives them.
     */
    public static final Map<String, Double> REFERENCE_MS = Map.of(
            "mamba-130m", 0.89, "mamba-1.4b", 2.57, "mamba-2.8b", 4.34, "mamba2-130m", 0.76, "mamba2-2.7b", 4.21);
    public static final String REFERENCE_LABEL = "reference (state-spaces/mamba, fp16, issue #8)";

    private static final int TOP_KERNELS = 8;

    private BenchReport() {
    }

    public static String markdown(List<Map<String, Object>> runs) {
        StringBuilder md = new StringBuilder();
        List<String> notes = new ArrayList<>();
        md.append("Runs:\n\n");
        for (Map<String, Object> run : runs) {
            md.append(String.format(Locale.ROOT, "- **%s**: %s, %s, weights %s, %s; copy %.3g GB/s, compute roof %.3g TFLOP/s%n",
                    run.get("label"), run.get("device"), run.get("deviceName"), run.get("weightsDtype"), run.get("date"),
                    number(run, "copyGBs"), number(run, "computeTflops")));
            for (Object n : run.get("notes") instanceof List<?> l ? l : List.of()) {
                md.append("  - ").append(n).append('\n');
            }
        }

        md.append("\n### Decode: ms per step (one token per sequence), tokens/s, fraction of roofline\n\n");
        header(md, runs, "model", "batch");
        boolean anyBatch1 = false;
        for (String model : models(runs)) {
            for (int batch : keys(runs, model, "decode", "batch")) {
                anyBatch1 |= batch == 1;
                md.append("| ").append(model).append(" | ").append(batch);
                for (Map<String, Object> run : runs) {
                    Map<String, Object> d = entry(run, model, "decode", "batch", batch);
                    md.append(" | ").append(d == null ? "" : d.containsKey("skipped") ? skipped(d, run, model, notes)
                            : String.format(Locale.ROOT, "%.3f ms, %.4g tok/s, %s", number(d, "msPerStep"),
                            number(d, "tokensPerSecond"), percent(number(d, "ofRoofline"))));
                }
                md.append(" |\n");
            }
        }
        if (anyBatch1) {
            md.append("\n").append(REFERENCE_LABEL).append(", batch 1: ");
            List<String> ref = new ArrayList<>();
            for (String model : ModelShapes.names()) {
                if (REFERENCE_MS.containsKey(model)) {
                    ref.add(String.format(Locale.ROOT, "%s %.2f ms", model, REFERENCE_MS.get(model)));
                }
            }
            md.append(String.join(", ", ref)).append(".\n");
        }

        md.append("\n### Prefill, batch 1: ms, tokens/s, fraction of roofline\n\n");
        header(md, runs, "model", "tokens");
        for (String model : models(runs)) {
            for (int length : keys(runs, model, "prefill", "length")) {
                md.append("| ").append(model).append(" | ").append(length);
                for (Map<String, Object> run : runs) {
                    Map<String, Object> p = entry(run, model, "prefill", "length", length);
                    md.append(" | ").append(p == null ? "" : p.containsKey("skipped") ? skipped(p, run, model, notes)
                            : String.format(Locale.ROOT, "%.1f ms, %.4g tok/s, %s", number(p, "ms"),
                            number(p, "tokensPerSecond"), percent(number(p, "ofRoofline"))));
                }
                md.append(" |\n");
            }
        }

        md.append("\n### Peak device memory, MiB (weights included)\n\n");
        header(md, runs, "model", "phase");
        for (String model : models(runs)) {
            for (int batch : keys(runs, model, "decode", "batch")) {
                memoryRow(md, runs, model, "decode", "batch", batch, "decode batch " + batch);
            }
            for (int length : keys(runs, model, "prefill", "length")) {
                memoryRow(md, runs, model, "prefill", "length", length, "prefill " + length);
            }
        }
        if (!notes.isEmpty()) {
            md.append("\nSkipped:\n\n");
            new LinkedHashSet<>(notes).forEach(n -> md.append("- ").append(n).append('\n'));
        }

        for (Map<String, Object> run : runs) {
            for (Map<String, Object> model : objects(run, "models")) {
                if (!(model.get("decodeProfile") instanceof Map<?, ?> profile)) {
                    continue;
                }
                md.append(String.format(Locale.ROOT, "%n### %s, %s: one decode step (batch 1) per kernel, %.3f ms in all%n%n",
                        run.get("label"), model.get("name"), number(profile, "sumMs")));
                md.append("| kernel | launches | ms | share |\n| --- | --- | --- | --- |\n");
                List<Map<String, Object>> kernels = objects(profile, "kernels");
                for (Map<String, Object> k : kernels.subList(0, Math.min(TOP_KERNELS, kernels.size()))) {
                    md.append(String.format(Locale.ROOT, "| %s | %d | %.3f | %.1f%% |%n", k.get("name"),
                            (long) number(k, "launches"), number(k, "ms"), 100 * number(k, "share")));
                }
                if (kernels.size() > TOP_KERNELS) {
                    double rest = kernels.subList(TOP_KERNELS, kernels.size()).stream().mapToDouble(k -> number(k, "ms")).sum();
                    md.append(String.format(Locale.ROOT, "| %d others | | %.3f | |%n", kernels.size() - TOP_KERNELS, rest));
                }
            }
        }
        return md.toString();
    }

    /** 0.37 as "37%", 0.0042 as "0.42%". */
    static String percent(double fraction) {
        double p = 100 * fraction;
        return String.format(Locale.ROOT, p >= 10 ? "%.0f%%" : p >= 1 ? "%.1f%%" : "%.2f%%", p);
    }

    private static void memoryRow(StringBuilder md, List<Map<String, Object>> runs, String model, String kind, String key,
                                  int value, String phase) {
        md.append("| ").append(model).append(" | ").append(phase);
        for (Map<String, Object> run : runs) {
            Map<String, Object> e = entry(run, model, kind, key, value);
            double peak = e == null ? Double.NaN : number(e, "peakBytes");
            md.append(" | ").append(Double.isNaN(peak) || peak < 0 ? "—" : String.format(Locale.ROOT, peak < 100 << 20 ? "%.1f" : "%.0f", peak / 1048576));
        }
        md.append(" |\n");
    }

    private static String skipped(Map<String, Object> e, Map<String, Object> run, String model, List<String> notes) {
        notes.add(run.get("label") + ", " + model + ", " + (e.containsKey("batch") ? "decode batch " + e.get("batch")
                : "prefill " + e.get("length")) + ": " + e.get("skipped"));
        return "—";
    }

    private static void header(StringBuilder md, List<Map<String, Object>> runs, String first, String second) {
        md.append("| ").append(first).append(" | ").append(second);
        runs.forEach(r -> md.append(" | ").append(r.get("label")));
        md.append(" |\n| --- | ---");
        runs.forEach(r -> md.append(" | ---"));
        md.append(" |\n");
    }

    /** Model names in every run, the built-in order first. */
    static List<String> models(List<Map<String, Object>> runs) {
        Set<String> seen = new LinkedHashSet<>();
        for (Map<String, Object> run : runs) {
            objects(run, "models").forEach(m -> seen.add((String) m.get("name")));
        }
        List<String> ordered = new ArrayList<>(ModelShapes.names().stream().filter(seen::contains).toList());
        seen.stream().filter(n -> !ordered.contains(n)).forEach(ordered::add);
        return ordered;
    }

    /** The batches or lengths any run has for {@code model}, ascending. */
    static List<Integer> keys(List<Map<String, Object>> runs, String model, String kind, String key) {
        Set<Integer> out = new TreeSet<>();
        for (Map<String, Object> run : runs) {
            Map<String, Object> m = model(run, model);
            if (m != null) {
                objects(m, kind).forEach(e -> out.add((int) number(e, key)));
            }
        }
        return List.copyOf(out);
    }

    static Map<String, Object> model(Map<String, Object> run, String name) {
        return objects(run, "models").stream().filter(m -> name.equals(m.get("name"))).findFirst().orElse(null);
    }

    /** The decode or prefill entry of {@code model} whose {@code key} is {@code value}, or null. */
    static Map<String, Object> entry(Map<String, Object> run, String model, String kind, String key, int value) {
        Map<String, Object> m = model(run, model);
        return m == null ? null : objects(m, kind).stream().filter(e -> (int) number(e, key) == value).findFirst().orElse(null);
    }
}
