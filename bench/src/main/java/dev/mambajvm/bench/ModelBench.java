package dev.mambajvm.bench;

import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.Devices;
import dev.mambajvm.lang.DType;
import dev.mambajvm.model.ModelFormatException;
import dev.mambajvm.model.config.MambaConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The model benchmarks on one device: random weights in the published models' shapes
 * ({@link ModelShapes}), decode and prefill timed with device events, each figure against the
 * roofline of the device's copy bandwidth and FMA rate measured first, peak device memory, and a
 * per-kernel profile of a decode step. Writes {@code models-<label>.json} ({@link BenchJson}, after
 * every model, so a run stopped by a timeout keeps what it finished) and the same as markdown.
 */
@Command(name = "ModelBench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Decode and prefill speed, memory and per-kernel profile of Mamba models of random weights on one device.",
        footerHeading = "%nExamples:%n",
        footer = {
                "  scripts/device-run.sh dev.mambajvm.bench.ModelBench --device cuda:0",
                "  ModelBench --device opencl --models mamba-130m,mamba2-130m --batches 1",
                "  ModelBench --device jvm --models path/to/config.json --lengths 100 --out /tmp/b"})
public final class ModelBench implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--device", required = true, paramLabel = "ID",
            description = "Device: cuda:0, opencl (the first GPU), opencl:N, jvm.")
    String deviceId;

    @Option(names = "--models", split = ",", paramLabel = "NAME",
            description = "Models (default: all): mamba-130m, mamba-370m, mamba-790m, mamba-1.4b, mamba-2.8b, mamba2-130m,"
                    + " mamba2-2.7b, or the config.json (or folder) of any checkpoint, whose shapes get random weights.")
    List<String> models = ModelShapes.names();

    @Option(names = "--batches", split = ",", paramLabel = "N", description = "Decode batch sizes (default: ${DEFAULT-VALUE}).")
    List<Integer> batches = List.of(1, 8, 32);

    @Option(names = "--lengths", split = ",", paramLabel = "L", description = "Prefill lengths, batch 1 (default: ${DEFAULT-VALUE}).")
    List<Integer> lengths = List.of(100, 1024, 8192, 32768);

    @Option(names = "--dtype", paramLabel = "T", description = "Weight matrices: bf16 (default), f16 or f32.")
    String dtype = "bf16";

    @Option(names = "--budget", paramLabel = "SECONDS",
            description = "Time for the whole run (default: ${DEFAULT-VALUE}); shared by the models in proportion to their size"
                    + " (loading and warm-up come out of the whole, not out of a model's share).")
    double budgetSeconds = 200;

    @Option(names = "--out", paramLabel = "DIR", description = "Folder of the JSON and markdown (default: $OUT, else .).")
    Path out;

    @Option(names = "--label", paramLabel = "TEXT", description = "Name of this run in tables and plots (default: mamba-jvm DEVICE).")
    String label;

    @Option(names = "--seed", description = "Seed of the weights and token ids (default: ${DEFAULT-VALUE}).")
    long seed = 1;

    @Option(names = "--copy-mib", paramLabel = "MIB", description = "Buffer size of the copy-bandwidth measurement (default: ${DEFAULT-VALUE}).")
    int copyMib = 1024;

    @Option(names = "--no-profile", description = "Skip the per-kernel profile of a decode step.")
    boolean noProfile;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command with usage errors as one line on stderr, exit 2 (as mamba-cli). */
    static CommandLine commandLine() {
        return oneLineErrors(new CommandLine(new ModelBench()));
    }

    static CommandLine oneLineErrors(CommandLine cl) {
        return cl.setParameterExceptionHandler((e, args) -> {
            e.getCommandLine().getErr().println(e.getCommandLine().getCommandName() + ": " + e.getMessage());
            return 2;
        });
    }

    @Override
    public Integer call() {
        DType weights = switch (dtype) {
            case "bf16" -> DType.BF16;
            case "f16" -> DType.F16;
            case "f32" -> DType.F32;
            default -> throw new ParameterException(spec.commandLine(), "--dtype is \"" + dtype + "\" (expected bf16, f16 or f32)");
        };
        List<MambaConfig> configs = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (String m : models) {
            try {
                if (m.endsWith(".json") || Files.isDirectory(Path.of(m))) {
                    // Any checkpoint's shapes: its config.json (or its folder), named after the folder.
                    Path config = Path.of(m).toAbsolutePath();
                    configs.add(MambaConfig.read(config));
                    names.add((Files.isDirectory(config) ? config : config.getParent()).getFileName().toString());
                } else {
                    configs.add(ModelShapes.config(m));
                    names.add(m);
                }
            } catch (IllegalArgumentException | ModelFormatException e) {
                throw new ParameterException(spec.commandLine(), "--models: " + e.getMessage());
            }
        }
        positive("--batches", batches);
        positive("--lengths", lengths);
        if (!(budgetSeconds > 0) || copyMib < 1) {
            throw new ParameterException(spec.commandLine(), "--budget and --copy-mib must be positive");
        }
        Path dir = out != null ? out : Path.of(System.getenv().getOrDefault("OUT", "."));
        long deadline = System.nanoTime() + (long) (budgetSeconds * 1e9);
        try (Device opened = Devices.open(deviceId)) {
            ProfilingDevice device = new ProfilingDevice(opened);
            String runLabel = label != null ? label : "mamba-jvm " + device.id();
            Path json = dir.resolve("models-" + runLabel.replaceAll("[^A-Za-z0-9.]+", "-") + ".json");
            Files.createDirectories(dir);
            System.out.println("== " + device.id() + " " + device.name() + ", weights " + dtype + ", budget " + budgetSeconds + " s");
            long r0 = System.nanoTime();
            DeviceRoofs roofs = DeviceRoofs.measure(device, (long) copyMib << 20);
            System.out.printf(Locale.ROOT, "copy %.1f GB/s (read + write of %d MiB), fp32 FMA %.1f GFLOP/s (measured in %.1f s)%n",
                    roofs.copyBytesPerSecond() / 1e9, copyMib, roofs.flopsPerSecond() / 1e9, (System.nanoTime() - r0) / 1e9);
            List<String> notes = new ArrayList<>();
            Map<String, Object> run = header(device, runLabel, roofs, notes);
            List<Object> results = new ArrayList<>();
            run.put("models", results);
            ModelMeasurement measure = new ModelMeasurement(device,
                    roofs, new ModelMeasurement.Options(batches, lengths, weights, seed, !noProfile), System.out::println);
            for (int i = 0; i < configs.size(); i++) {
                double left = ModelMeasurement.millisLeft(deadline);
                // 15% of what is left is kept for the remaining models' loading and warm-up.
                double share = 0.85 * left * weight(configs.get(i))
                        / configs.subList(i, configs.size()).stream().mapToDouble(ModelBench::weight).sum();
                if (left < 5_000) {
                    notes.add(names.get(i) + " not run: the run's time budget was spent");
                    System.out.println(names.get(i) + ": not run, the time budget is spent");
                    continue;
                }
                System.out.printf(Locale.ROOT, "-- %s (%.0f s of the budget)%n", names.get(i), share / 1e3);
                results.add(measure.run(names.get(i), configs.get(i), share, deadline));
                BenchJson.write(json, run);
            }
            BenchJson.write(json, run);
            String markdown = BenchReport.markdown(List.of(run));
            Files.writeString(dir.resolve(json.getFileName().toString().replace(".json", ".md")), markdown);
            System.out.println();
            System.out.println(markdown);
            System.out.println("wrote " + json);
            return 0;
        } catch (IOException e) {
            System.err.println("ModelBench: " + e.getMessage());
            return 1;
        } catch (UncheckedIOException | IllegalArgumentException | IllegalStateException e) {
            System.err.println("ModelBench: " + ModelMeasurement.oneLine(e));
            return 1;
        }
    }

    /** A model's share of the budget: its parameters plus a fixed part (load, warm-up, small lengths). */
    private static double weight(MambaConfig c) {
        return 0.3e9 + Roofline.blockMatrixElements(c) + Roofline.lmHeadElements(c);
    }

    private void positive(String option, List<Integer> values) {
        if (values.isEmpty() || values.stream().anyMatch(v -> v < 1)) {
            throw new ParameterException(spec.commandLine(), option + " must be positive integers, got " + values);
        }
    }

    private Map<String, Object> header(Device device, String runLabel, DeviceRoofs roofs, List<String> notes) {
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("schema", BenchJson.SCHEMA);
        run.put("label", runLabel);
        run.put("engine", "mamba-jvm");
        run.put("backend", device.kind().name().toLowerCase(Locale.ROOT));
        run.put("device", device.id());
        run.put("deviceName", device.name());
        run.put("date", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        Map<String, Object> host = new LinkedHashMap<>();
        host.put("java", Runtime.version().toString());
        host.put("cores", Runtime.getRuntime().availableProcessors());
        host.put("maxHeapMiB", Runtime.getRuntime().maxMemory() >> 20);
        run.put("host", host);
        run.put("weightsDtype", dtype);
        run.put("copyGBs", roofs.copyBytesPerSecond() / 1e9);
        run.put("computeTflops", roofs.flopsPerSecond() / 1e12);
        run.put("computeRoof", "float32 FMA chains in generated code (PeakKernels.fmaChains): the arithmetic of this engine's GEMMs");
        run.put("notes", notes);
        return run;
    }
}
