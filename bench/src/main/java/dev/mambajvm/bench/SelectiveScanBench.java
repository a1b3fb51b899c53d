package dev.mambajvm.bench;

import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.backend.Devices;
import dev.mambajvm.backend.Queue;
import dev.mambajvm.kernels.mamba.StorageType;
import dev.mambajvm.kernels.verify.HostData;
import dev.mambajvm.kernels.scan.SelectiveScan;
import dev.mambajvm.lang.BFloat16;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Mamba-1 selective scan prefill, batch 1, dState 16, at the shapes of the reference CUDA kernel's
 * published timings (state-spaces/mamba selective_scan_cuda on an H100, measured by the project:
 * see docs/performance.md), with float32 or bfloat16 activations (u, Δ, B, C, z in and y out; the
 * reference kernel reads bf16 and computes in float32, as ours does). For each shape and type: the
 * time of the three-pass scan for several chunk lengths, the bytes it must move at least (u, Δ, z
 * in, y out: 4 elements per token and channel, 16 bytes in f32, 8 in bf16; B and C, shared by all
 * channels, are under 1% and not counted) and the exponentials it must compute (one per token,
 * channel and state), and a check of eight channels against a float64 sequential scan. When bf16
 * is measured the inputs are rounded to bf16 for every type, so both read the same values.
 *
 * <p>Each is also run in several prefill walks ({@code SelectiveScan.PrefillShape}): {@code --walk}
 * takes a comma-separated list of tokens-ahead counts, each with a {@code p} suffix for packed B
 * and C loads (e.g. {@code 1,8p}); by default the device's own walk only.
 *
 * <p>Usage: {@code SelectiveScanBench [--dtype f32|bf16|f32,bf16] [--walk LIST] [device [dInner:L ...]]}
 * (default f32, the device's walk, cuda:0 and the six shapes).
 */
public final class SelectiveScanBench {
    private static final int D_STATE = 16;
    private static final int DT_RANK = 48;
    private static final int REPEATS = 10;
    /**
     * Prefills timed between one pair of events, for the "back to back" figure: as in a model's
     * forward pass, where the scan's launches follow other work and the GPU never waits for the
     * host. Timed alone (after two untimed warm-up runs), a prefill also pays for the host's launch
     * of its first kernel after the start event; at 0.1 ms that is a few percent.
     */
    private static final int CHAINED = 10;

    private SelectiveScanBench() {
    }

    public static void main(String[] args) {
        List<String> rest = new ArrayList<>(List.of(args));
        int[] types;
        List<int[]> shapes = new ArrayList<>();
        List<SelectiveScan.PrefillShape> walks;
        String id;
        try {
            types = dtypes(rest);
            walks = walks(rest);
            id = rest.isEmpty() ? "cuda:0" : rest.removeFirst();
            for (String a : rest) {
                String[] p = a.split(":");
                if (p.length != 2 || !p[0].matches("[1-9][0-9]{0,8}") || !p[1].matches("[1-9][0-9]{0,8}")) {
                    throw new IllegalArgumentException("a shape must be dInner:L (two positive integers), got '" + a + "'");
                }
                shapes.add(new int[]{Integer.parseInt(p[0]), Integer.parseInt(p[1])});
            }
        } catch (IllegalArgumentException e) {
            System.err.println("SelectiveScanBench: " + e.getMessage());
            System.exit(2);
            return;
        }
        List<String> rows = new ArrayList<>();
        try (ProfilingDevice device = new ProfilingDevice(Devices.open(id))) {
            System.out.println("== " + device.id() + " " + device.name());
            if (walks.isEmpty()) {
                walks = List.of(SelectiveScan.PrefillShape.forDevice(device));
            }
            if (shapes.isEmpty()) {
                for (int dInner : new int[]{1536, 5120}) {
                    for (int seqLen : new int[]{2048, 8192, 32768}) {
                        shapes.add(new int[]{dInner, seqLen});
                    }
                }
            }
            for (int[] shape : shapes) {
                rows.addAll(run(device, shape[0], shape[1], types, walks));
            }
        }
        System.out.println();
        System.out.println("| dtype | dInner | L | best ms (chunk, walk) | back to back, best ms (chunk, walk) "
                + "| min bytes GB/s | exp/s (×1e12) |");
        System.out.println("| --- | --- | --- | --- | --- | --- | --- |");
        rows.forEach(System.out::println);
    }

    /**
     * Removes {@code --dtype X} from the front of args: the StorageType codes to measure, f32 by
     * default. An IllegalArgumentException names what was expected.
     */
    static int[] dtypes(List<String> args) {
        if (args.isEmpty() || !args.getFirst().equals("--dtype")) {
            return new int[]{StorageType.F32};
        }
        args.removeFirst();
        String value = args.isEmpty() ? "" : args.removeFirst();
        return switch (value) {
            case "f32" -> new int[]{StorageType.F32};
            case "bf16" -> new int[]{StorageType.BF16};
            case "f32,bf16" -> new int[]{StorageType.F32, StorageType.BF16};
            default -> throw new IllegalArgumentException("--dtype must be f32, bf16 or f32,bf16, got '" + value + "'");
        };
    }

    /**
     * Removes {@code --walk LIST} from the front of args: the prefill walks to measure, or an
     * empty list (the device's own). An IllegalArgumentException names what was expected.
     */
    static List<SelectiveScan.PrefillShape> walks(List<String> args) {
        if (args.isEmpty() || !args.getFirst().equals("--walk")) {
            return List.of();
        }
        args.removeFirst();
        String value = args.isEmpty() ? "" : args.removeFirst();
        List<SelectiveScan.PrefillShape> walks = new ArrayList<>();
        for (String w : value.split(",", -1)) {
            if (!w.matches("([1-9]|[12][0-9]|3[0-2])p?")) {
                throw new IllegalArgumentException("--walk takes tokens ahead (1 to 32), each optionally followed by p "
                        + "(packed B, C loads), comma-separated, e.g. 1,8p; got '" + value + "'");
            }
            boolean packed = w.endsWith("p");
            walks.add(new SelectiveScan.PrefillShape(Integer.parseInt(packed ? w.substring(0, w.length() - 1) : w), packed));
        }
        return walks;
    }

    private static String walkName(SelectiveScan.PrefillShape walk) {
        return walk.tokenBatch() + (walk.packBC() ? "p" : "");
    }

    /** One table row per type in {@code types}. */
    static List<String> run(ProfilingDevice device, int dInner, int seqLen, int[] types,
                            List<SelectiveScan.PrefillShape> walks) {
        int xdblStride = DT_RANK + 2 * D_STATE;
        Random r = new Random(seqLen * 31L + dInner);
        long tokens = seqLen;
        float[] u = spread(r, tokens * dInner, 1);
        float[] delta = uniform(r, tokens * dInner, -3, 1);
        float[] z = spread(r, tokens * 2 * dInner, 1.5);
        float[] xdbl = spread(r, tokens * xdblStride, 1);
        if (Arrays.stream(types).anyMatch(t -> t == StorageType.BF16)) {
            for (float[] a : List.of(u, delta, z, xdbl)) {
                HostData.round(StorageType.BF16, a);
            }
        }
        float[] bias = uniform(r, dInner, -0.5, 0.5);
        float[] dSkip = spread(r, dInner, 1);
        float[] aLog = new float[dInner * D_STATE];
        for (int i = 0; i < aLog.length; i++) {
            aLog[i] = (float) Math.log(i % D_STATE + 1) + 0.1f * (float) r.nextGaussian();
        }
        List<String> rows = new ArrayList<>();
        for (int type : types) {
            rows.add(run(device, dInner, seqLen, type, walks, u, delta, z, xdbl, bias, dSkip, aLog));
        }
        return rows;
    }

    private static String run(ProfilingDevice device, int dInner, int seqLen, int type,
                              List<SelectiveScan.PrefillShape> walks, float[] u, float[] delta, float[] z,
                              float[] xdbl, float[] bias, float[] dSkip, float[] aLog) {
        int xdblStride = DT_RANK + 2 * D_STATE;
        long tokens = seqLen;
        String name = StorageType.name(type);
        Queue q = device.queue();
        String best = "";
        double bestMs = Double.MAX_VALUE;
        String bestChained = "";
        double bestChainedMs = Double.MAX_VALUE;
        try (DeviceBuffer du = HostData.uploadAs(device, type, u); DeviceBuffer dd = HostData.uploadAs(device, type, delta);
             DeviceBuffer dz = HostData.uploadAs(device, type, z); DeviceBuffer dx = HostData.uploadAs(device, type, xdbl);
             DeviceBuffer db = HostData.uploadAs(device, StorageType.F32, bias);
             DeviceBuffer ds = HostData.uploadAs(device, StorageType.F32, dSkip);
             DeviceBuffer da = HostData.uploadAs(device, StorageType.F32, aLog);
             DeviceBuffer y = device.allocate(tokens * dInner * StorageType.bytes(type));
             // NaN, copied over y before each variant: a variant that wrote nothing fails its check.
             DeviceBuffer poison = HostData.poisoned(device, type, Math.toIntExact(tokens * dInner));
             DeviceBuffer state = device.allocate((long) dInner * D_STATE * Float.BYTES)) {
            for (int chunk : new int[]{32, 64, 128, 256}) {
                for (SelectiveScan.PrefillShape walk : walks) {
                    SelectiveScan scan = new SelectiveScan(device, D_STATE, chunk, type,
                            SelectiveScan.StepShape.forDevice(device), walk);
                    int nChunks = scan.chunks(seqLen);
                    try (DeviceBuffer states = device.allocate((long) dInner * nChunks * D_STATE * Float.BYTES);
                         DeviceBuffer dtSums = device.allocate((long) dInner * nChunks * Float.BYTES)) {
                        Runnable prefill = () -> scan.prefill(q, du, dd, db, da, dx, xdblStride, DT_RANK, DT_RANK + D_STATE,
                                dz, 2 * dInner, dInner, ds, states, dtSums, state, y, 1, seqLen, dInner);
                        q.copy(poison, y, tokens * dInner * StorageType.bytes(type));
                        prefill.run();
                        q.finish();
                        check(device, type, y, u, delta, bias, aLog, xdbl, xdblStride, z, dSkip, seqLen, dInner);
                        double ms = DeviceTiming.medianMillisWarm(q, REPEATS, prefill);
                        double chained = DeviceTiming.medianMillis(q, REPEATS, i -> {
                            for (int k = 0; k < CHAINED; k++) {
                                prefill.run();
                            }
                        }) / CHAINED;
                        System.out.printf(Locale.ROOT, "%s dInner %d L %d chunk %d walk %s: %.3f ms, back to back %.3f ms;"
                                        + " per launch: %s%n", name, dInner, seqLen, chunk, walkName(walk), ms, chained,
                                device.launchTimes(prefill));
                        if (ms < bestMs) {
                            bestMs = ms;
                            best = "chunk " + chunk + ", walk " + walkName(walk);
                        }
                        if (chained < bestChainedMs) {
                            bestChainedMs = chained;
                            bestChained = "chunk " + chunk + ", walk " + walkName(walk);
                        }
                    }
                }
            }
        }
        double minBytes = 4.0 * StorageType.bytes(type) * tokens * dInner;
        double exps = (double) tokens * dInner * D_STATE;
        return String.format(Locale.ROOT, "| %s | %d | %d | %.3f (%s) | %.3f (%s) | %.0f | %.2f |", name, dInner, seqLen,
                bestMs, best, bestChainedMs, bestChained, minBytes / (bestMs * 1e6), exps / (bestMs * 1e-3) / 1e12);
    }

    /**
     * Eight channels against a float64 sequential scan (channels are independent, so eight suffice
     * to catch indexing). Bound 1e-4, plus 2^-8 for a bf16 y (rounding each element to nearest
     * moves it by up to 2^-8 of itself); the verify suites check bf16 tightly.
     */
    private static void check(Device device, int type, DeviceBuffer y, float[] u, float[] delta, float[] bias,
                              float[] aLog, float[] xdbl, int xdblStride, float[] z, float[] dSkip, int seqLen,
                              int dInner) {
        float[] out = download(device, type, y, (long) seqLen * dInner);
        double diff = 0;
        double norm = 0;
        for (int k = 0; k < 8; k++) {
            int d = (int) ((long) k * 7919 % dInner);
            double[] h = new double[D_STATE];
            for (int t = 0; t < seqLen; t++) {
                int i = t * dInner + d;
                double x = delta[i] + (double) bias[d];
                double dt = x > 20 ? x : Math.log1p(Math.exp(x));
                double acc = 0;
                for (int n = 0; n < D_STATE; n++) {
                    double a = -Math.exp(aLog[d * D_STATE + n]);
                    h[n] = Math.exp(dt * a) * h[n] + dt * xdbl[t * xdblStride + DT_RANK + n] * u[i];
                    acc += h[n] * xdbl[t * xdblStride + DT_RANK + D_STATE + n];
                }
                double zt = z[t * 2 * dInner + dInner + d];
                double ref = (acc + dSkip[d] * u[i]) * (zt / (1 + Math.exp(-zt)));
                diff += (out[i] - ref) * (out[i] - ref);
                norm += ref * ref;
            }
        }
        double rel = Math.sqrt(diff / norm);
        if (!(rel < 1e-4 + (type == StorageType.BF16 ? 0x1p-8 : 0))) {
            throw new IllegalStateException("selective scan (" + StorageType.name(type) + ") wrong on " + device.id()
                    + ": relative error " + rel);
        }
    }


    private static float[] spread(Random r, long n, double sigma) {
        float[] a = new float[Math.toIntExact(n)];
        for (int i = 0; i < a.length; i++) {
            // Uniform with the given standard deviation: fast to draw for a billion elements.
            a[i] = (float) (sigma * Math.sqrt(3) * (2 * r.nextFloat() - 1));
        }
        return a;
    }

    private static float[] uniform(Random r, long n, double lo, double hi) {
        float[] a = new float[Math.toIntExact(n)];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (lo + (hi - lo) * r.nextDouble());
        }
        return a;
    }

    private static float[] download(Device device, int type, DeviceBuffer b, long n) {
        try (Arena arena = Arena.ofConfined()) {
            if (type == StorageType.BF16) {
                MemorySegment host = arena.allocate(ValueLayout.JAVA_SHORT, n);
                device.queue().download(b, host);
                device.queue().finish();
                short[] s = host.toArray(ValueLayout.JAVA_SHORT);
                float[] f = new float[s.length];
                for (int i = 0; i < s.length; i++) {
                    f[i] = BFloat16.toFloat(s[i]);
                }
                return f;
            }
            MemorySegment host = arena.allocate(ValueLayout.JAVA_FLOAT, n);
            device.queue().download(b, host);
            device.queue().finish();
            return host.toArray(ValueLayout.JAVA_FLOAT);
        }
    }
}
