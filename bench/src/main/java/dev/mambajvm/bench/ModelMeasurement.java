package dev.mambajvm.bench;

import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.backend.Queue;
import dev.mambajvm.backend.TimingEvent;
import dev.mambajvm.lang.DType;
import dev.mambajvm.model.MambaModel;
import dev.mambajvm.model.ModelState;
import dev.mambajvm.model.config.MambaConfig;
import dev.mambajvm.model.weights.Checkpoint;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * One model on one device, within a deadline: random weights in its shapes, then decode steps at
 * each batch size, one profiled decode step, and prefills of each length; every figure with its
 * roofline ({@link Roofline}) and the peak device memory of its phase. Returns the model's entry
 * of the run's JSON ({@link BenchJson}). Only MambaModel's public API is used.
 *
 * <p>Budget: decode gets 35% of the model's share (split over the batches:
 * steps are counted to fill that window, at least {@value #MIN_STEPS}), the profile one step, prefill
 * the rest: each length's time is predicted from the one before (linear in L, starting from the
 * warm-up's prefill of {@value #WARM_LENGTH} tokens) and a length that would pass the deadline is
 * skipped with that reason, as is one that fails (out of device memory, say).
 */
final class ModelMeasurement {
    static final int MIN_STEPS = 8;
    static final int MAX_STEPS = 1000;
    private static final int WARM_STEPS = 3;
    private static final int WARM_LENGTH = 16;
    private static final long BLOCKER_BYTES = 64L << 20;

    record Options(List<Integer> batches, List<Integer> lengths, DType dtype, long seed, boolean profile) {
    }

    private final ProfilingDevice device;
    private final DeviceRoofs roofs;
    private final Options options;
    private final Consumer<String> log;

    ModelMeasurement(ProfilingDevice device, DeviceRoofs roofs, Options options, Consumer<String> log) {
        this.device = device;
        this.roofs = roofs;
        this.options = options;
        this.log = log;
    }

    /**
     * Measures one model: {@code shareMillis} for the measurements after loading and warm-up (the
     * first model's kernel compilation is then not taken from its share), never past the run's
     * deadline.
     */
    Map<String, Object> run(String name, MambaConfig c, double shareMillis, long runDeadlineNanos) {
        Map<String, Object> out = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        out.put("name", name);
        out.put("variant", c.isMamba2() ? "mamba2" : "mamba1");
        out.put("hidden", c.hiddenSize());
        out.put("layers", c.numLayers());
        out.put("dState", c.stateSize());
        out.put("dInner", c.intermediateSize());
        out.put("vocab", c.paddedVocabSize());
        List<Object> decode = new ArrayList<>();
        List<Object> prefill = new ArrayList<>();
        long t0 = System.nanoTime();
        MambaModel model;
        try (Checkpoint weights = RandomCheckpoint.of("random " + name, c, options.dtype(), options.seed())) {
            device.resetPeakAllocatedBytes();
            model = MambaModel.load(device, weights);
        } catch (RuntimeException | OutOfMemoryError e) {
            String why = "not loaded: " + oneLine(e);
            log.accept(name + ": " + why);
            notes.add(why);
            out.put("decode", decode);
            out.put("prefill", prefill);
            out.put("notes", notes);
            return out;
        }
        try (model) {
            double loadSeconds = (System.nanoTime() - t0) / 1e9;
            long stateBytes;
            try (ModelState probe = model.newState(1)) {
                stateBytes = probe.bytesPerSequence();
            }
            out.put("weightBytes", model.weightBytes());
            out.put("stateBytesPerSequence", stateBytes);
            out.put("loadSeconds", loadSeconds);
            log.accept(String.format(Locale.ROOT, "%s: %.1f MiB of weights, %.1f KiB of state per sequence, loaded in %.1f s",
                    name, model.weightBytes() / 1048576.0, stateBytes / 1024.0, loadSeconds));
            SplittableRandom random = new SplittableRandom(options.seed());
            long w0 = System.nanoTime();
            double warmPrefillMs = warmUp(model, random);
            log.accept(String.format(Locale.ROOT, "  warm-up (kernel compilation, prefills of %d tokens, %d decode steps) %.1f s",
                    WARM_LENGTH, WARM_STEPS, (System.nanoTime() - w0) / 1e9));
            long deadlineNanos = Math.min(runDeadlineNanos, System.nanoTime() + (long) (shareMillis * 1e6));

            double decodeWindowMs = 0.35 * millisLeft(deadlineNanos) / options.batches().size();
            for (int batch : options.batches()) {
                decode.add(decode(model, c, batch, stateBytes, decodeWindowMs, deadlineNanos, random));
            }
            if (options.profile()) {
                try {
                    out.put("decodeProfile", profile(model, random));
                } catch (RuntimeException e) {
                    notes.add("decode profile failed: " + oneLine(e));
                }
            }
            double previousMs = warmPrefillMs;
            int previousLength = WARM_LENGTH;
            for (int length : options.lengths().stream().sorted().toList()) {
                double predicted = previousMs * Math.max(1.0, (double) length / previousLength);
                Map<String, Object> p = prefill(model, c, length, stateBytes, predicted, deadlineNanos, random);
                prefill.add(p);
                if (p.get("ms") instanceof Double ms) {
                    previousMs = ms;
                    previousLength = length;
                }
            }
        }
        out.put("decode", decode);
        out.put("prefill", prefill);
        out.put("notes", notes);
        return out;
    }

    /**
     * Compiles every kernel (a short prefill, a few decode steps) and returns the host milliseconds of
     * a second short prefill, the first prediction of the prefill lengths' times. (The first prefill
     * stands in for the second where it alone took over 10 s: the JVM backend's GEMM.)
     */
    private double warmUp(MambaModel model, SplittableRandom random) {
        try (ModelState state = model.newState(1)) {
            int[][] ids = {ids(random, model, WARM_LENGTH)};
            Queue q = device.queue();
            double first = ProfilingDevice.hostMillis(q, () -> model.prefillGreedy(state, 0, ids));
            double ms = first > 10_000 ? first : ProfilingDevice.hostMillis(q, () -> model.prefillGreedy(state, 0, ids));
            int[] next = {0};
            for (int i = 0; i < WARM_STEPS; i++) {
                next = model.decodeGreedy(state, next);
            }
            return ms;
        }
    }

    private Map<String, Object> decode(MambaModel model, MambaConfig c, int batch, long stateBytes, double windowMs,
                                       long deadlineNanos, SplittableRandom random) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("batch", batch);
        Queue q = device.queue();
        try {
            device.resetPeakAllocatedBytes();
            try (ModelState state = model.newState(batch)) {
                int[][] tokens = {ids(random, model, batch)};
                for (int i = 0; i < WARM_STEPS; i++) {
                    tokens[0] = model.decodeGreedy(state, tokens[0]);
                }
                double hostMs = ProfilingDevice.hostMillis(q, () -> tokens[0] = model.decodeGreedy(state, tokens[0]));
                double window = Math.min(windowMs, 0.8 * millisLeft(deadlineNanos));
                int steps = (int) Math.min(MAX_STEPS, Math.floor(window / hostMs));
                if (steps < MIN_STEPS) {
                    return skipped(d, batch, String.format(Locale.ROOT,
                            "over the time budget (%d steps of ~%.1f ms would not fit in %.0f ms)", MIN_STEPS, hostMs, window));
                }
                TimingEvent start = q.record();
                for (int i = 0; i < steps; i++) {
                    tokens[0] = model.decodeGreedy(state, tokens[0]);
                }
                TimingEvent end = q.record();
                q.finish();
                double ms = end.millisSince(start) / steps;
                d.put("msPerStep", ms);
                d.put("tokensPerSecond", batch * 1e3 / ms);
                d.put("steps", steps);
                double roofMs = putRoofline(d, Roofline.decodeMinBytes(model.weightBytes(), stateBytes, batch),
                        Roofline.decodeFlops(c, batch), ms);
                log.accept(String.format(Locale.ROOT, "  decode batch %-3d %8.3f ms/step %9.1f tok/s  %5.1f%% of roofline (%d steps)",
                        batch, ms, batch * 1e3 / ms, 100 * roofMs / ms, steps));
                return d;
            }
        } catch (RuntimeException | OutOfMemoryError e) {
            return skipped(d, batch, "failed: " + oneLine(e));
        }
    }

    /** One decode step at batch 1 with every launch timed ({@link ProfilingDevice#profile}). */
    private Map<String, Object> profile(MambaModel model, SplittableRandom random) {
        Queue q = device.queue();
        try (ModelState state = model.newState(1);
             DeviceBuffer a = device.allocate(BLOCKER_BYTES); DeviceBuffer b = device.allocate(BLOCKER_BYTES)) {
            int[][] token = {ids(random, model, 1)};
            token[0] = model.decodeGreedy(state, token[0]);
            double hostMs = ProfilingDevice.hostMillis(q, () -> token[0] = model.decodeGreedy(state, token[0]));
            double copyMs = 2.0 * BLOCKER_BYTES / roofs.copyBytesPerSecond() * 1e3;
            int copies = (int) Math.min(10_000, Math.ceil(1.5 * hostMs / copyMs) + 1);
            ProfilingDevice.Profile p = device.profile(() -> token[0] = model.decodeGreedy(state, token[0]), a, b,
                    BLOCKER_BYTES, copies);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("batch", 1);
            out.put("sumMs", p.sumMillis());
            out.put("spanMs", p.spanMillis());
            out.put("blockerCopies", p.blockerCopies());
            List<Object> kernels = new ArrayList<>();
            p.kernels().stream().sorted((x, y) -> Double.compare(y.millis(), x.millis())).forEach(k -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", k.name());
                m.put("launches", k.launches());
                m.put("ms", k.millis());
                m.put("share", k.millis() / p.sumMillis());
                kernels.add(m);
            });
            out.put("kernels", kernels);
            log.accept(String.format(Locale.ROOT, "  profile of one step: %.3f ms in %d kernels (span %.3f ms)",
                    p.sumMillis(), p.kernels().stream().mapToInt(ProfilingDevice.KernelTime::launches).sum(), p.spanMillis()));
            return out;
        }
    }

    private Map<String, Object> prefill(MambaModel model, MambaConfig c, int length, long stateBytes, double predictedMs,
                                        long deadlineNanos, SplittableRandom random) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("length", length);
        double left = millisLeft(deadlineNanos);
        if (1.2 * predictedMs > left) {
            return skipped(p, length, String.format(Locale.ROOT, "over the time budget (predicted %.1f s, %.1f s left)",
                    predictedMs / 1e3, left / 1e3));
        }
        int repeats = predictedMs * 3 < 0.3 * left && predictedMs < 500 ? 3 : 1;
        Queue q = device.queue();
        int[][] ids = {ids(random, model, length)};
        try {
            device.resetPeakAllocatedBytes();
            double[] ms = new double[repeats];
            try (ModelState state = model.newState(1)) {
                for (int r = 0; r < repeats; r++) {
                    TimingEvent start = q.record();
                    model.prefillGreedy(state, 0, ids);
                    TimingEvent end = q.record();
                    q.finish();
                    ms[r] = end.millisSince(start);
                }
            }
            Arrays.sort(ms);
            double median = ms[repeats / 2];
            p.put("ms", median);
            p.put("tokensPerSecond", length * 1e3 / median);
            p.put("repeats", repeats);
            double roofMs = putRoofline(p, Roofline.prefillMinBytes(model.weightBytes(), stateBytes),
                    Roofline.prefillFlops(c, length), median);
            log.accept(String.format(Locale.ROOT, "  prefill %6d tokens %10.2f ms %10.0f tok/s  %5.1f%% of roofline, peak %.0f MiB",
                    length, median, length * 1e3 / median, 100 * roofMs / median, device.peakAllocatedBytes() / 1048576.0));
            return p;
        } catch (RuntimeException | OutOfMemoryError e) {
            return skipped(p, length, "failed: " + oneLine(e));
        }
    }

    private Map<String, Object> skipped(Map<String, Object> entry, int what, String why) {
        entry.put("skipped", why);
        log.accept("  " + (entry.containsKey("batch") ? "decode batch " : "prefill length ") + what + " skipped: " + why);
        return entry;
    }

    private static int[] ids(SplittableRandom random, MambaModel model, int n) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = random.nextInt(model.vocabSize());
        }
        return ids;
    }

    static double millisLeft(long deadlineNanos) {
        return Math.max(0, (deadlineNanos - System.nanoTime()) / 1e6);
    }

    static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
        return m.lines().findFirst().orElse(m);
    }

    /**
     * Adds a measurement's roofline to its record: the minimum bytes and flops, the time they take at
     * the device's roofs, the fraction of it the measured {@code ms} reached, and the phase's peak
     * device memory. Returns the roofline time.
     */
    private double putRoofline(Map<String, Object> m, long minBytes, double flops, double ms) {
        double roofMs = Roofline.millis(minBytes, flops, roofs.copyBytesPerSecond(), roofs.flopsPerSecond());
        m.put("minBytes", minBytes);
        m.put("flops", flops);
        m.put("rooflineMs", roofMs);
        m.put("ofRoofline", Roofline.fraction(roofMs, ms));
        m.put("peakBytes", device.peakAllocatedBytes());
        return roofMs;
    }
}
