package dev.mambajvm.bench;

import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.backend.Devices;
import dev.mambajvm.backend.Queue;
import dev.mambajvm.kernels.ssd.Ssd;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Locale;
import java.util.Random;

/**
 * Mamba-2 SSD prefill at mamba2-2.7b's shape: L 32768, 80 heads of 64, dState 128, one group,
 * batch 1, float32 inputs (the kernels read float32; the reference Triton kernel's 1.62 ms on an
 * H100 was measured with bf16 inputs, so this run moves twice its input bytes). For each chunk size:
 * the time of the five launches, checked first on the first 1024 tokens of two heads against a
 * float64 sequential recurrence.
 *
 * <p>Usage: {@code SsdBench [device [seqLen]]} (default cuda:0, 32768).
 */
public final class SsdBench {
    private static final int HEADS = 80;
    private static final int HEAD_DIM = 64;
    private static final int D_STATE = 128;
    private static final int GROUPS = 1;
    private static final int REPEATS = 10;
    private static final int CHECKED_TOKENS = 1024;

    private SsdBench() {
    }

    public static void main(String[] args) {
        String id = args.length > 0 ? args[0] : "cuda:0";
        int seqLen = args.length > 1 ? Integer.parseInt(args[1]) : 32768;
        int width = HEADS * HEAD_DIM + 2 * GROUPS * D_STATE;
        Random r = new Random(7);
        float[] xbc = new float[Math.toIntExact((long) seqLen * width)];
        for (int i = 0; i < xbc.length; i++) {
            xbc[i] = r.nextFloat() * 2 - 1;
        }
        float[] dtRaw = new float[seqLen * HEADS];
        for (int i = 0; i < dtRaw.length; i++) {
            dtRaw[i] = -4 + 3 * r.nextFloat();
        }
        float[] dtBias = new float[HEADS];
        float[] aLog = new float[HEADS];
        float[] dSkip = new float[HEADS];
        for (int h = 0; h < HEADS; h++) {
            dtBias[h] = 0.5f * r.nextFloat() - 0.25f;
            aLog[h] = (float) Math.log(1 + 15 * r.nextFloat());
            dSkip[h] = r.nextFloat();
        }
        try (Device device = Devices.open(id)) {
            System.out.println("== " + device.id() + " " + device.name() + ", L " + seqLen);
            Queue q = device.queue();
            try (DeviceBuffer dx = upload(device, xbc); DeviceBuffer ddt = upload(device, dtRaw);
                 DeviceBuffer db = upload(device, dtBias); DeviceBuffer da = upload(device, aLog);
                 DeviceBuffer ds = upload(device, dSkip);
                 DeviceBuffer y = device.allocate((long) seqLen * HEADS * HEAD_DIM * Float.BYTES);
                 DeviceBuffer fin = device.allocate((long) HEADS * HEAD_DIM * D_STATE * Float.BYTES)) {
                for (int chunk : new int[]{64, 128, 256}) {
                    Ssd ssd = new Ssd(device, HEAD_DIM, D_STATE, chunk);
                    try (DeviceBuffer dt = device.allocate(Ssd.dtFloats(1, seqLen, HEADS) * Float.BYTES);
                         DeviceBuffer cum = device.allocate(Ssd.dtFloats(1, seqLen, HEADS) * Float.BYTES);
                         DeviceBuffer states = device.allocate(ssd.stateFloats(1, seqLen, HEADS) * Float.BYTES);
                         DeviceBuffer scores = device.allocate(ssd.scoreFloats(1, seqLen, GROUPS) * Float.BYTES)) {
                        Runnable prefill = () -> ssd.prefill(q, dx, ddt, HEADS, 0, db, da, ds, 0f, Float.POSITIVE_INFINITY,
                                dt, cum, states, scores, fin, y, 1, seqLen, HEADS, GROUPS);
                        prefill.run();
                        q.finish();
                        check(device, y, xbc, dtRaw, dtBias, aLog, dSkip, width);
                        double ms = DeviceTiming.medianMillisWarm(q, REPEATS, prefill);
                        double bytes = 4.0 * seqLen * (width + HEADS + HEADS * HEAD_DIM);
                        System.out.printf(Locale.ROOT, "chunk %d: %.3f ms (min bytes %.0f MB: %.0f GB/s)%n", chunk, ms,
                                bytes / 1e6, bytes / (ms * 1e6));
                    }
                }
            }
        }
    }

    /** Heads 0 and 79, first CHECKED_TOKENS tokens, against the sequential recurrence in float64. */
    private static void check(Device device, DeviceBuffer y, float[] xbc, float[] dtRaw, float[] dtBias, float[] aLog,
                              float[] dSkip, int width) {
        float[] out;
        int yWidth = HEADS * HEAD_DIM;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(ValueLayout.JAVA_FLOAT, (long) CHECKED_TOKENS * yWidth);
            device.queue().download(y.slice(0, host.byteSize()), host);
            device.queue().finish();
            out = host.toArray(ValueLayout.JAVA_FLOAT);
        }
        double diff = 0;
        double norm = 0;
        for (int h : new int[]{0, HEADS - 1}) {
            double a = -Math.exp(aLog[h]);
            double[][] s = new double[HEAD_DIM][D_STATE];
            int bOff = HEADS * HEAD_DIM;
            int cOff = bOff + GROUPS * D_STATE;
            for (int t = 0; t < CHECKED_TOKENS; t++) {
                double x = dtRaw[t * HEADS + h] + (double) dtBias[h];
                double dt = x > 20 ? x : Math.log1p(Math.exp(x));
                double decay = Math.exp(dt * a);
                for (int p = 0; p < HEAD_DIM; p++) {
                    double xv = xbc[t * width + h * HEAD_DIM + p];
                    double acc = 0;
                    for (int n = 0; n < D_STATE; n++) {
                        s[p][n] = decay * s[p][n] + dt * xv * xbc[t * width + bOff + n];
                        acc += s[p][n] * xbc[t * width + cOff + n];
                    }
                    double ref = acc + dSkip[h] * xv;
                    double d = out[t * yWidth + h * HEAD_DIM + p] - ref;
                    diff += d * d;
                    norm += ref * ref;
                }
            }
        }
        double rel = Math.sqrt(diff / norm);
        System.out.printf(Locale.ROOT, "checked: relative error %.1e on %d tokens of 2 heads%n", rel, CHECKED_TOKENS);
        if (!(rel < 1e-4)) {
            throw new IllegalStateException("SSD wrong on " + device.id() + ": relative error " + rel);
        }
    }

    private static DeviceBuffer upload(Device device, float[] a) {
        DeviceBuffer b = device.allocate((long) a.length * Float.BYTES);
        device.queue().upload(MemorySegment.ofArray(a), b);
        device.queue().finish();
        return b;
    }
}
