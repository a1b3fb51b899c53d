package dev.mambajvm.bench;

import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.backend.Devices;
import dev.mambajvm.backend.Queue;
import dev.mambajvm.kernels.scan.SelectiveScan;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Mamba-1 selective scan prefill, batch 1, dState 16, float32, at the shapes of the reference CUDA
 * kernel's published timings (state-spaces/mamba selective_scan_cuda on an H100, measured by the
 * project: see docs/performance.md). For each shape: the time of the three-pass scan for several
 * chunk lengths, the bytes it must move at least (u, Δ, z in, y out: 16 bytes per token and
 * channel) and the exponentials it must compute (one per token, channel and state), and a check of
 * eight channels against a float64 sequential scan.
 *
 * <p>Usage: {@code SelectiveScanBench [device [dInner:L ...]]} (default cuda:0 and the six shapes).
 */
public final class SelectiveScanBench {
    private static final int D_STATE = 16;
    private static final int DT_RANK = 48;
    private static final int REPEATS = 10;

    private SelectiveScanBench() {
    }

    public static void main(String[] args) {
        String id = args.length > 0 ? args[0] : "cuda:0";
        List<String> rows = new ArrayList<>();
        try (Device device = Devices.open(id)) {
            System.out.println("== " + device.id() + " " + device.name());
            List<int[]> shapes = new ArrayList<>();
            for (int i = 1; i < args.length; i++) {
                String[] p = args[i].split(":");
                shapes.add(new int[]{Integer.parseInt(p[0]), Integer.parseInt(p[1])});
            }
            if (shapes.isEmpty()) {
                for (int dInner : new int[]{1536, 5120}) {
                    for (int seqLen : new int[]{2048, 8192, 32768}) {
                        shapes.add(new int[]{dInner, seqLen});
                    }
                }
            }
            for (int[] shape : shapes) {
                rows.add(run(device, shape[0], shape[1]));
            }
        }
        System.out.println();
        System.out.println("| dInner | L | best ms (chunk) | min bytes GB/s | exp/s (×1e12) |");
        System.out.println("| --- | --- | --- | --- | --- |");
        rows.forEach(System.out::println);
    }

    static String run(Device device, int dInner, int seqLen) {
        int xdblStride = DT_RANK + 2 * D_STATE;
        Random r = new Random(seqLen * 31L + dInner);
        long tokens = seqLen;
        float[] u = spread(r, tokens * dInner, 1);
        float[] delta = uniform(r, tokens * dInner, -3, 1);
        float[] z = spread(r, tokens * 2 * dInner, 1.5);
        float[] xdbl = spread(r, tokens * xdblStride, 1);
        float[] bias = uniform(r, dInner, -0.5, 0.5);
        float[] dSkip = spread(r, dInner, 1);
        float[] aLog = new float[dInner * D_STATE];
        for (int i = 0; i < aLog.length; i++) {
            aLog[i] = (float) Math.log(i % D_STATE + 1) + 0.1f * (float) r.nextGaussian();
        }
        Queue q = device.queue();
        String best = "";
        double bestMs = Double.MAX_VALUE;
        try (DeviceBuffer du = upload(device, u); DeviceBuffer dd = upload(device, delta); DeviceBuffer dz = upload(device, z);
             DeviceBuffer dx = upload(device, xdbl); DeviceBuffer db = upload(device, bias);
             DeviceBuffer ds = upload(device, dSkip); DeviceBuffer da = upload(device, aLog);
             DeviceBuffer y = device.allocate(tokens * dInner * Float.BYTES);
             DeviceBuffer state = device.allocate((long) dInner * D_STATE * Float.BYTES)) {
            for (int chunk : new int[]{32, 64, 128, 256}) {
                SelectiveScan scan = new SelectiveScan(device, D_STATE, chunk);
                int nChunks = scan.chunks(seqLen);
                try (DeviceBuffer states = device.allocate((long) dInner * nChunks * D_STATE * Float.BYTES);
                     DeviceBuffer dtSums = device.allocate((long) dInner * nChunks * Float.BYTES)) {
                    Runnable prefill = () -> scan.prefill(q, du, dd, db, da, dx, xdblStride, DT_RANK, DT_RANK + D_STATE,
                            dz, 2 * dInner, dInner, ds, states, dtSums, state, y, 1, seqLen, dInner);
                    prefill.run();
                    q.finish();
                    check(device, y, u, delta, bias, aLog, xdbl, xdblStride, z, dSkip, seqLen, dInner);
                    double ms = DeviceTiming.medianMillis(q, REPEATS, i -> prefill.run());
                    System.out.printf(Locale.ROOT, "dInner %d L %d chunk %d: %.3f ms%n", dInner, seqLen, chunk, ms);
                    if (ms < bestMs) {
                        bestMs = ms;
                        best = "chunk " + chunk;
                    }
                }
            }
        }
        double minBytes = 16.0 * tokens * dInner;
        double exps = (double) tokens * dInner * D_STATE;
        return String.format(Locale.ROOT, "| %d | %d | %.3f (%s) | %.0f | %.2f |", dInner, seqLen, bestMs, best,
                minBytes / (bestMs * 1e6), exps / (bestMs * 1e-3) / 1e12);
    }

    /** Eight channels against a float64 sequential scan (channels are independent, so eight suffice to catch indexing). */
    private static void check(Device device, DeviceBuffer y, float[] u, float[] delta, float[] bias, float[] aLog,
                              float[] xdbl, int xdblStride, float[] z, float[] dSkip, int seqLen, int dInner) {
        float[] out = download(device, y, (long) seqLen * dInner);
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
        if (!(rel < 1e-4)) {
            throw new IllegalStateException("selective scan wrong on " + device.id() + ": relative error " + rel);
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

    private static DeviceBuffer upload(Device device, float[] a) {
        DeviceBuffer b = device.allocate((long) a.length * Float.BYTES);
        device.queue().upload(MemorySegment.ofArray(a), b);
        device.queue().finish();
        return b;
    }

    private static float[] download(Device device, DeviceBuffer b, long n) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(ValueLayout.JAVA_FLOAT, n);
            device.queue().download(b, host);
            device.queue().finish();
            return host.toArray(ValueLayout.JAVA_FLOAT);
        }
    }
}
