package dev.mambajvm.bench;

import com.fasterxml.jackson.jr.ob.JSON;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/**
 * The model benchmarks' JSON, one file per run, written by {@link ModelBench} and by
 * {@code bench/gpu/peer_transformers.py} alike, read by {@link BenchPlots}:
 * <pre>
 * {"schema": "mamba-jvm-model-bench/1",
 *  "label": "mamba-jvm cuda:0",             the column / legend name
 *  "engine": "mamba-jvm" | "transformers", "backend": "cuda" | "opencl" | "jvm" | "torch",
 *  "device": "cuda:0", "deviceName": "NVIDIA H100 80GB HBM3", "date": ISO-8601, "host": {...},
 *  "weightsDtype": "bf16",
 *  "copyGBs": 3.0e3, "computeTflops": 50.0, "computeRoof": what computeTflops measured,
 *  "notes": [..],
 *  "models": [{"name": "mamba-130m", "variant": "mamba1" | "mamba2", "hidden", "layers", "dState",
 *      "dInner", "vocab", "weightBytes", "stateBytesPerSequence", "loadSeconds",
 *      "decode":  [{"batch", "msPerStep", "tokensPerSecond", "steps", "minBytes", "flops",
 *                   "rooflineMs", "ofRoofline", "peakBytes"}  or  {"batch", "skipped": why}],
 *      "prefill": [{"length", "ms", "tokensPerSecond", "repeats", "minBytes", "flops",
 *                   "rooflineMs", "ofRoofline", "peakBytes"}  or  {"length", "skipped": why}],
 *      "decodeProfile": {"batch": 1, "sumMs", "spanMs", "blockerCopies",
 *                        "kernels": [{"name", "launches", "ms", "share"}]}   (may be absent),
 *      "notes": [..]}]}
 * </pre>
 * Times are device-event milliseconds; msPerStep is one token for each of the batch's sequences;
 * peakBytes is the most device memory allocated during the measurement, weights included
 * (torch.cuda.max_memory_allocated for the peer). "ofRoofline" is {@link Roofline} over measured.
 */
public final class BenchJson {
    public static final String SCHEMA = "mamba-jvm-model-bench/1";

    private BenchJson() {
    }

    /** Writes {@code run} to {@code file} through a temporary file, so a reader never sees half of it. */
    public static void write(Path file, Map<String, Object> run) {
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, JSON.std.with(JSON.Feature.PRETTY_PRINT_OUTPUT).asString(run) + "\n");
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot be written (" + e.getMessage() + ")", e);
        }
    }

    /** Reads a run and checks its schema and the fields the plots and tables use. */
    public static Map<String, Object> read(Path file) {
        Map<String, Object> run;
        try {
            run = JSON.std.mapFrom(Files.readString(file));
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": not a JSON object (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
        if (!SCHEMA.equals(run.get("schema"))) {
            throw new IllegalArgumentException(file + ": \"schema\" is " + run.get("schema") + " (expected \"" + SCHEMA + "\")");
        }
        require(file, run, "label", String.class);
        for (Object m : require(file, run, "models", List.class)) {
            if (!(m instanceof Map<?, ?> model)) {
                throw new IllegalArgumentException(file + ": an entry of \"models\" is not an object");
            }
            require(file, model, "name", String.class);
            require(file, model, "decode", List.class);
            require(file, model, "prefill", List.class);
        }
        return run;
    }

    private static <T> T require(Path file, Map<?, ?> object, String field, Class<T> type) {
        Object v = object.get(field);
        if (!type.isInstance(v)) {
            throw new IllegalArgumentException(file + ": \"" + field + "\" is " + (v == null ? "missing" : v.getClass().getSimpleName())
                    + " (expected " + (type == List.class ? "an array" : "a " + type.getSimpleName().toLowerCase(java.util.Locale.ROOT)) + ")");
        }
        return type.cast(v);
    }

    /** {@code field} of a JSON object as a double, or NaN when absent. */
    public static double number(Map<?, ?> object, String field) {
        return object.get(field) instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    /** The JSON objects of an array field (empty when absent). */
    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> objects(Map<?, ?> object, String field) {
        return object.get(field) instanceof List<?> l ? (List<Map<String, Object>>) l : List.of();
    }
}
