package dev.mambajvm.bench;

import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.backend.Devices;
import dev.mambajvm.backend.Queue;
import dev.mambajvm.kernels.mamba.StorageType;
import dev.mambajvm.kernels.verify.HostData;
import dev.mambajvm.kernels.ssd.Ssd;
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
 * Mamba-2 SSD prefill at mamba2-2.7b's shape: L 32768, 80 heads of 64, dState 128, one group,
 * batch 1, with float32 or bfloat16 activations (xBC and dt in, y out; the reference Triton
 * kernel's 1.62 ms on an H100 was measured with bf16 inputs). For each type and chunk size: the
 * time of the five launches and the bytes they must move at least (xBC, dt, y once each:
 * bytes(type)·L·(H·P + 2·G·N + H + H·P)), checked first on the first 1024 tokens of two heads
 * against a float64 sequential recurrence. When bf16 is measured the inputs are rounded to bf16 for
 * every type, so both read the same values.
 *
 * <p>Usage: {@code SsdBench [--dtype f32|bf16|f32,bf16] [--matrix fma|tc|fma,tc] [device [seqLen]]}
 * (default f32, the device's default matrix steps ({@code Ssd.tensorCoresByDefault}), cuda:0,
 * 32768). {@code --matrix} picks the chunk-state and chunk-output kernels: float32 FMAs
 * ({@code SsdKernels}), tensor cores ({@code SsdTensorCoreKernels}), or both in turn.
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
        List<String> rest = new ArrayList<>(List.of(args));
        int[] types;
        List<Boolean> matrix;
        String id;
        try {
            types = SelectiveScanBench.dtypes(rest);
            matrix = matrixSteps(rest);
            id = rest.isEmpty() ? "cuda:0" : rest.removeFirst();
            if (rest.size() > 1 || !rest.isEmpty() && !rest.getFirst().matches("[1-9][0-9]{0,8}")) {
                throw new IllegalArgumentException("after the device only seqLen (a positive integer) may follow, got "
                        + rest);
            }
        } catch (IllegalArgumentException e) {
            System.err.println("SsdBench: " + e.getMessage());
            System.exit(2);
            return;
        }
        int seqLen = rest.isEmpty() ? 32768 : Integer.parseInt(rest.getFirst());
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
        if (Arrays.stream(types).anyMatch(t -> t == StorageType.BF16)) {
            HostData.round(StorageType.BF16, xbc);
            HostData.round(StorageType.BF16, dtRaw);
        }
        float[] dtBias = new float[HEADS];
        float[] aLog = new float[HEADS];
        float[] dSkip = new float[HEADS];
        for (int h = 0; h < HEADS; h++) {
            dtBias[h] = 0.5f * r.nextFloat() - 0.25f;
            aLog[h] = (float) Math.log(1 + 15 * r.nextFloat());
            dSkip[h] = r.nextFloat();
        }
        try (ProfilingDevice device = new ProfilingDevice(Devices.open(id))) {
            System.out.println("== " + device.id() + " " + device.name() + ", L " + seqLen);
            Queue q = device.queue();
            for (int type : types) {
                String name = StorageType.name(type);
                try (DeviceBuffer dx = HostData.uploadAs(device, type, xbc); DeviceBuffer ddt = HostData.uploadAs(device, type, dtRaw);
                     DeviceBuffer db = HostData.uploadAs(device, StorageType.F32, dtBias);
                     DeviceBuffer da = HostData.uploadAs(device, StorageType.F32, aLog);
                     DeviceBuffer ds = HostData.uploadAs(device, StorageType.F32, dSkip);
                     DeviceBuffer y = device.allocate((long) seqLen * HEADS * HEAD_DIM * StorageType.bytes(type));
                     DeviceBuffer fin = device.allocate((long) HEADS * HEAD_DIM * D_STATE * Float.BYTES)) {
                    for (int chunk : new int[]{64, 128, 256}) {
                        for (Boolean tc : matrix) {
                            Ssd ssd = tc == null ? new Ssd(device, HEAD_DIM, D_STATE, chunk, type)
                                    : new Ssd(device, HEAD_DIM, D_STATE, chunk, type, tc);
                            String label = name + " chunk " + chunk + (ssd.tensorCores() ? " tensor cores" : " FMA");
                            try (DeviceBuffer dt = device.allocate(Ssd.dtFloats(1, seqLen, HEADS) * Float.BYTES);
                                 DeviceBuffer cum = device.allocate(Ssd.dtFloats(1, seqLen, HEADS) * Float.BYTES);
                                 DeviceBuffer states = device.allocate(ssd.stateFloats(1, seqLen, HEADS) * Float.BYTES);
                                 DeviceBuffer scores = device.allocate(ssd.scoreFloats(1, seqLen, GROUPS) * Float.BYTES)) {
                                Runnable prefill = () -> ssd.prefill(q, dx, ddt, HEADS, 0, db, da, ds, 0f,
                                        Float.POSITIVE_INFINITY, dt, cum, states, scores, fin, y, 1, seqLen, HEADS, GROUPS);
                                prefill.run();
                                q.finish();
                                check(device, type, ssd.tensorCores(), y, xbc, dtRaw, dtBias, aLog, dSkip, width, seqLen);
                                double ms = DeviceTiming.medianMillisWarm(q, REPEATS, prefill);
                                double bytes = (double) StorageType.bytes(type) * seqLen * (width + HEADS + HEADS * HEAD_DIM);
                                System.out.printf(Locale.ROOT, "%s: %.3f ms (min bytes %.0f MB: %.0f GB/s)%n", label,
                                        ms, bytes / 1e6, bytes / (ms * 1e6));
                                System.out.println("  per launch: " + device.launchTimes(prefill));
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * Removes {@code --matrix fma|tc|fma,tc} from the front of args: false for FMAs, true for tensor
     * cores, in the order given; a single null (the device's default) when absent.
     */
    private static List<Boolean> matrixSteps(List<String> args) {
        if (args.isEmpty() || !args.getFirst().equals("--matrix")) {
            return Arrays.asList((Boolean) null);
        }
        args.removeFirst();
        String value = args.isEmpty() ? "" : args.removeFirst();
        return switch (value) {
            case "fma" -> List.of(false);
            case "tc" -> List.of(true);
            case "fma,tc" -> List.of(false, true);
            default -> throw new IllegalArgumentException("--matrix must be fma, tc or fma,tc, got '" + value + "'");
        };
    }

    /**
     * Heads 0 and 79, the first CHECKED_TOKENS tokens (all when seqLen is shorter), against the
     * sequential recurrence in float64.
     * Bound 1e-4 (1e-3 on tensor cores: TF32 operands, see SsdTensorCoreKernels), plus 2^-8 for a
     * bf16 y (rounding each element to nearest moves it by up to 2^-8 of itself); the verify
     * suites check bf16 tightly.
     */
    private static void check(Device device, int type, boolean tensorCores, DeviceBuffer y, float[] xbc, float[] dtRaw, float[] dtBias,
                              float[] aLog, float[] dSkip, int width, int seqLen) {
        int tokens = Math.min(CHECKED_TOKENS, seqLen);
        float[] out = new float[tokens * HEADS * HEAD_DIM];
        int yWidth = HEADS * HEAD_DIM;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate((long) out.length * StorageType.bytes(type));
            device.queue().download(y.slice(0, host.byteSize()), host);
            device.queue().finish();
            for (int i = 0; i < out.length; i++) {
                out[i] = type == StorageType.BF16 ? BFloat16.toFloat(host.getAtIndex(ValueLayout.JAVA_SHORT, i))
                        : host.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            }
        }
        double diff = 0;
        double norm = 0;
        for (int h : new int[]{0, HEADS - 1}) {
            double a = -Math.exp(aLog[h]);
            double[][] s = new double[HEAD_DIM][D_STATE];
            int bOff = HEADS * HEAD_DIM;
            int cOff = bOff + GROUPS * D_STATE;
            for (int t = 0; t < tokens; t++) {
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
        System.out.printf(Locale.ROOT, "checked: relative error %.1e on %d tokens of 2 heads (y %s)%n", rel,
                tokens, StorageType.name(type));
        if (!(rel < (tensorCores ? 1e-3 : 1e-4) + (type == StorageType.BF16 ? 0x1p-8 : 0))) {
            throw new IllegalStateException("SSD (" + StorageType.name(type) + ") wrong on " + device.id()
                    + ": relative error " + rel);
        }
    }
}
