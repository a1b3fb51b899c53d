package dev.mambajvm.kernels.verify;

import dev.mambajvm.backend.CompiledKernel;
import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.backend.WorkerGrid;
import dev.mambajvm.kernels.mamba.Bias;
import dev.mambajvm.kernels.mamba.CausalConv1d;
import dev.mambajvm.kernels.mamba.Embedding;
import dev.mambajvm.kernels.mamba.Linear;
import dev.mambajvm.kernels.mamba.MatVec;
import dev.mambajvm.kernels.mamba.RmsNorm;
import dev.mambajvm.kernels.mamba.Sampling;
import dev.mambajvm.kernels.mamba.StorageType;
import dev.mambajvm.lang.spec.KernelSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Runs every kernel of {@code dev.mambajvm.kernels.mamba} on one device against a float64
 * reference computed here in plain Java, on fresh random inputs, at shapes that are not multiples
 * of any tile or group size, with poisoned outputs. 16-bit inputs are rounded on the host first and
 * the reference uses the rounded values, so every bound measures the kernel's float32 arithmetic.
 *
 * <p>Bounds (relative L2 error against float64): convolutions, norms, products and softmax 1e-5
 * (sums of ≤ a few thousand float32 terms, a few-ulp exp/rsqrt); the embedding gather is a copy and
 * argmax an index: both must match exactly (bound 0).
 */
public final class MambaKernelsSuite {
    private static final int[] TYPES = {StorageType.F32, StorageType.F16, StorageType.BF16};
    private final Device device;
    private final Random random;

    public MambaKernelsSuite(Device device, long seed) {
        this.device = device;
        this.random = new Random(seed);
    }

    public List<Check> runAll() {
        List<Check> checks = new ArrayList<>();
        int k = 4;
        checks.addAll(convPrefill(2, 37, 50, k, true, true, false, 0));
        checks.addAll(convPrefill(1, 5, 2, k, false, false, false, 0));     // L < K-1: zero-padded state
        checks.addAll(convPrefill(3, 64, 129, k, true, false, false, 0));
        checks.addAll(convPrefill(2, 37, 50, k, true, true, true, 0));
        checks.addAll(convPrefill(1, 70, 2, k, false, true, true, 0));
        checks.addAll(convPrefill(2, 130, 33, 3, true, false, true, 0));
        checks.addAll(convPrefill(2, 37, 50, k, true, true, true, 45));    // x read in place from wider rows
        checks.addAll(convDecode(2, 37, k, true, true, 0));
        checks.addAll(convDecode(3, 40, k, true, true, 17));
        checks.add(convPrefillThenDecode(2, 33, 9, k, false));
        checks.add(convPrefillThenDecode(2, 33, 2, k, true));   // L < K-1, channels-last prefill
        checks.addAll(convDecode(3, 100, k, false, false, 0));
        for (int type : new int[]{StorageType.F32, StorageType.BF16, StorageType.F16}) {
            for (int mode : new int[]{RmsNorm.NO_RESIDUAL, RmsNorm.ADD_RESIDUAL, RmsNorm.START_RESIDUAL}) {
                checks.addAll(rmsNorm(3, 1000, type, mode, 256));
            }
        }
        checks.addAll(rmsNorm(5, 77, StorageType.F32, RmsNorm.ADD_RESIDUAL, 64));
        // mamba-2.8b's decode launch: one row, 1024 items x 3 (2560 is not a multiple of 1024)
        checks.addAll(rmsNorm(1, 2560, StorageType.F32, RmsNorm.ADD_RESIDUAL, 1024));
        checks.addAll(rmsNorm(2, 300, StorageType.BF16, RmsNorm.START_RESIDUAL, 1024));   // most items idle
        // perItem far above ceil(d / groupSize): the extra rounds must neither write nor add to the sum
        checks.addAll(rmsNorm(3, 300, StorageType.F32, RmsNorm.ADD_RESIDUAL, 32, 40));
        checks.addAll(rmsNorm(2, 77, StorageType.F16, RmsNorm.NO_RESIDUAL, 16, 9));   // below a warp of lanes
        checks.addAll(rmsNorm(3, 77, StorageType.F32, RmsNorm.ADD_RESIDUAL, 1));      // the JVM model's groups
        checks.add(gatedRmsNorm(3, 96, 2, 64));
        checks.add(gatedRmsNorm(2, 1000, 1, 256));
        checks.add(gatedRmsNorm(5, 600, 4, 128));
        checks.add(gatedRmsNorm(1, 5120, 1, 1024));        // mamba2-2.7b's decode launch: 1024 items x 5
        checks.add(gatedRmsNorm(3, 200, 2, 32, 16));       // groups of 100 channels, perItem 16 (4 needed)
        checks.add(gatedRmsNorm(2, 90, 3, 1));
        checks.addAll(segmentRmsNorm(3, 40, 4, 16, 3, 32));      // Falcon-Mamba's dt | B | C, 4 spare columns
        checks.addAll(segmentRmsNorm(2, 300, 256, 16, 3, 64));   // a 7B's dtRank 256, 12 spare columns
        checks.addAll(segmentRmsNorm(4, 36, 4, 16, 3, 1));
        checks.add(addBias(7, 333));
        checks.add(addBias(1, 64));
        for (int type : TYPES) {
            checks.add(embed(7, 100, 50, type));
            checks.add(matvec(37, 1000, 1, false, type, 128, 4, 1, 0));
            checks.add(matvec(20, 333, 5, true, type, 64, 2, 2, 0));
            checks.add(linear(37, 53, 70, type, 0));
        }
        checks.add(embedOutOfRange(3, 40, 50));
        checks.add(matvecBf16Rows(37, 1000, false, 8, 32, 4, 0));
        checks.add(matvecBf16Rows(13, 336, true, 4, 16, 2, 0));
        checks.add(matvecBf16Rows(45, 200, false, 4, 16, 2, 3));   // 3 groups walk 12 blocks of rows, the last one partly
        checks.add(matvecBf16Rows(45, 200, true, 4, 16, 2, 100));  // a cap above the blocks: one block each
        checks.add(linear(130, 70, 33, StorageType.F32, 0));
        checks.add(linear(64, 64, 64, StorageType.BF16, 0));
        checks.add(matvec(50, 6, 3, false, StorageType.F32, 64, 4, 1, 30));  // x = first 6 columns of rows of 36
        checks.add(linear(70, 50, 6, StorageType.F32, 30));                  // likewise for A
        checks.add(argmax(3, 50_001, 256, false));
        checks.add(argmax(2, 1000, 64, true));
        checks.add(softmax(2, 50_001, 1.0f / 0.7f, 256));
        checks.add(softmax(3, 100, 1.0f, 64));
        return checks;
    }

    private CompiledKernel compile(Class<?> owner, String name, Map<String, ? extends Number> constants) {
        return device.compile(KernelSpec.load(owner, name), constants);
    }

    private static double silu(double v) {
        return v / (1 + Math.exp(-v));
    }

    /**
     * Causal depthwise conv prefill in either layout, plus the conv state it leaves. Channels-last
     * with {@code pad > 0}: x is read in place from rows of channels + pad floats, at column pad
     * (the other columns hold unrelated values).
     */
    public List<Check> convPrefill(int batch, int channels, int len, int width, boolean hasBias, boolean applySilu,
                                   boolean channelsLast, int pad) {
        float[] x = HostData.uniform(random, batch * channels * len, -2, 2);
        float[] w = HostData.uniform(random, channels * width, -1, 1);
        float[] bias = HostData.uniform(random, channels, -1, 1);
        double[] ref = new double[x.length];
        double[] refState = new double[batch * channels * (width - 1)];
        for (int b = 0; b < batch; b++) {
            for (int c = 0; c < channels; c++) {
                for (int t = 0; t < len; t++) {
                    double acc = hasBias ? bias[c] : 0;
                    for (int j = 0; j < width; j++) {
                        int src = t - width + 1 + j;
                        if (src >= 0) {
                            acc += (double) w[c * width + j] * x[idx(channelsLast, b, c, src, channels, len)];
                        }
                    }
                    ref[idx(channelsLast, b, c, t, channels, len)] = applySilu ? silu(acc) : acc;
                }
                for (int s = 0; s < width - 1; s++) {
                    int src = len - (width - 1) + s;
                    refState[(b * channels + c) * (width - 1) + s] =
                            src >= 0 ? x[idx(channelsLast, b, c, src, channels, len)] : 0;
                }
            }
        }
        String name = channelsLast ? "convPrefillChannelsLast" : "convPrefill";
        float[] xIn = channelsLast ? widen(x, channels, pad) : x;
        try (DeviceBuffer dx = HostData.upload(device, xIn); DeviceBuffer dw = HostData.upload(device, w);
             DeviceBuffer db = HostData.upload(device, bias); DeviceBuffer dout = HostData.poisonedFloats(device, x.length);
             DeviceBuffer dstate = HostData.poisonedFloats(device, refState.length)) {
            WorkerGrid grid = channelsLast ? WorkerGrid.of2D(Math.ceilDiv(channels, 64) * 64L, (long) batch * len, 64, 1)
                    : WorkerGrid.of2D(Math.ceilDiv(len, 64) * 64L, (long) batch * channels, 64, 1);
            CompiledKernel kernel = compile(CausalConv1d.class, name, Map.of("width", width));
            if (channelsLast) {
                device.queue().launch(kernel, grid, dx, channels + pad, pad, dw, db, dout, dstate, channels, len,
                        hasBias ? 1 : 0, applySilu ? 1 : 0);
            } else {
                device.queue().launch(kernel, grid, dx, dw, db, dout, dstate, channels, len, hasBias ? 1 : 0,
                        applySilu ? 1 : 0);
            }
            String shape = "b" + batch + " c" + channels + " L" + len + " K" + width + (hasBias ? " bias" : "")
                    + (applySilu ? " silu" : "") + (pad > 0 ? " xStride" + (channels + pad) + " xOffset" + pad : "");
            return List.of(
                    Check.compare("CausalConv1d." + name, shape, HostData.downloadFloats(device, dout, x.length), ref, 1e-5),
                    Check.compare("CausalConv1d." + name, shape + " state",
                            HostData.downloadFloats(device, dstate, refState.length), refState, 0));
        }
    }

    /** Rows of {@code cols} floats copied into rows of cols + pad at column pad; the rest random. */
    private float[] widen(float[] x, int cols, int pad) {
        int rows = x.length / cols;
        float[] wide = HostData.uniform(random, rows * (cols + pad), -9, 9);
        for (int r = 0; r < rows; r++) {
            System.arraycopy(x, r * cols, wide, r * (cols + pad) + pad, cols);
        }
        return wide;
    }

    private static int idx(boolean channelsLast, int b, int c, int t, int channels, int len) {
        return channelsLast ? (b * len + t) * channels + c : (b * channels + c) * len + t;
    }

    /** One decode step; with {@code pad > 0} x is read in place from rows of channels + pad at column pad. */
    public List<Check> convDecode(int batch, int channels, int width, boolean hasBias, boolean applySilu, int pad) {
        int n = batch * channels;
        float[] state = HostData.uniform(random, n * (width - 1), -2, 2);
        float[] x = HostData.uniform(random, n, -2, 2);
        float[] w = HostData.uniform(random, channels * width, -1, 1);
        float[] bias = HostData.uniform(random, channels, -1, 1);
        double[] ref = new double[n];
        double[] refState = new double[state.length];
        for (int bc = 0; bc < n; bc++) {
            int c = bc % channels;
            double acc = hasBias ? bias[c] : 0;
            for (int j = 0; j < width; j++) {
                float v = j < width - 1 ? state[bc * (width - 1) + j] : x[bc];
                acc += (double) w[c * width + j] * v;
                if (j > 0) {
                    refState[bc * (width - 1) + j - 1] = v;
                }
            }
            ref[bc] = applySilu ? silu(acc) : acc;
        }
        try (DeviceBuffer ds = HostData.upload(device, state); DeviceBuffer dx = HostData.upload(device, widen(x, channels, pad));
             DeviceBuffer dw = HostData.upload(device, w); DeviceBuffer db = HostData.upload(device, bias);
             DeviceBuffer dout = HostData.poisonedFloats(device, n)) {
            device.queue().launch(compile(CausalConv1d.class, "convDecodeStep", Map.of("width", width)),
                    WorkerGrid.covering1D(n, 128), ds, dx, channels + pad, pad, dw, db, dout, n, channels,
                    hasBias ? 1 : 0, applySilu ? 1 : 0);
            String shape = "b" + batch + " c" + channels + " K" + width + (hasBias ? " bias" : "") + (applySilu ? " silu" : "")
                    + (pad > 0 ? " xStride" + (channels + pad) + " xOffset" + pad : "");
            return List.of(
                    Check.compare("CausalConv1d.convDecodeStep", shape, HostData.downloadFloats(device, dout, n), ref, 1e-5),
                    Check.compare("CausalConv1d.convDecodeStep", shape + " state",
                            HostData.downloadFloats(device, ds, state.length), refState, 0));
        }
    }

    /**
     * Prefill over L tokens, then {@code 3} decode steps from the state it left, against the float64
     * convolution of the whole L + 3 tokens: the state hand-over between the two kernels.
     */
    public Check convPrefillThenDecode(int batch, int channels, int len, int width, boolean channelsLast) {
        int steps = 3;
        int total = len + steps;
        float[] xs = HostData.uniform(random, batch * channels * total, -2, 2);   // (batch, channels, total)
        float[] w = HostData.uniform(random, channels * width, -1, 1);
        float[] bias = HostData.uniform(random, channels, -1, 1);
        float[] prefix = new float[batch * channels * len];
        for (int b = 0; b < batch; b++) {
            for (int c = 0; c < channels; c++) {
                for (int t = 0; t < len; t++) {
                    prefix[idx(channelsLast, b, c, t, channels, len)] = xs[(b * channels + c) * total + t];
                }
            }
        }
        int n = batch * channels;
        double[] ref = new double[n * steps];
        for (int bc = 0; bc < n; bc++) {
            int c = bc % channels;
            for (int s = 0; s < steps; s++) {
                int t = len + s;
                double acc = bias[c];
                for (int j = 0; j < width; j++) {
                    int src = t - width + 1 + j;
                    acc += src >= 0 ? (double) w[c * width + j] * xs[bc * total + src] : 0;
                }
                ref[s * n + bc] = silu(acc);
            }
        }
        float[] got = new float[n * steps];
        String prefill = channelsLast ? "convPrefillChannelsLast" : "convPrefill";
        try (DeviceBuffer dx = HostData.upload(device, prefix); DeviceBuffer dw = HostData.upload(device, w);
             DeviceBuffer db = HostData.upload(device, bias); DeviceBuffer dout = HostData.poisonedFloats(device, prefix.length);
             DeviceBuffer dstate = HostData.poisonedFloats(device, n * (width - 1));
             DeviceBuffer dstep = HostData.poisonedFloats(device, n)) {
            WorkerGrid grid = channelsLast ? WorkerGrid.of2D(Math.ceilDiv(channels, 64) * 64L, (long) batch * len, 64, 1)
                    : WorkerGrid.of2D(Math.ceilDiv(len, 64) * 64L, (long) n, 64, 1);
            CompiledKernel kernel = compile(CausalConv1d.class, prefill, Map.of("width", width));
            if (channelsLast) {
                device.queue().launch(kernel, grid, dx, channels, 0, dw, db, dout, dstate, channels, len, 1, 1);
            } else {
                device.queue().launch(kernel, grid, dx, dw, db, dout, dstate, channels, len, 1, 1);
            }
            for (int s = 0; s < steps; s++) {
                float[] xt = new float[n];
                for (int bc = 0; bc < n; bc++) {
                    xt[bc] = xs[bc * total + len + s];
                }
                try (DeviceBuffer dxt = HostData.upload(device, xt)) {
                    device.queue().launch(compile(CausalConv1d.class, "convDecodeStep", Map.of("width", width)),
                            WorkerGrid.covering1D(n, 64), dstate, dxt, channels, 0, dw, db, dstep, n, channels, 1, 1);
                    System.arraycopy(HostData.downloadFloats(device, dstep, n), 0, got, s * n, n);
                }
            }
        }
        return Check.compare("CausalConv1d." + prefill + "+convDecodeStep",
                "b" + batch + " c" + channels + " L" + len + "+" + steps + " K" + width, got, ref, 1e-5);
    }

    /** rmsNorm with the perItem the host would pick, ceil(d / groupSize). */
    public List<Check> rmsNorm(int rows, int d, int type, int mode, int groupSize) {
        return rmsNorm(rows, d, type, mode, groupSize, Math.ceilDiv(d, groupSize));
    }

    public List<Check> rmsNorm(int rows, int d, int type, int mode, int groupSize, int perItem) {
        float[] hidden = HostData.roundTo(type, HostData.uniform(random, rows * d, -3, 3));
        float[] residual = HostData.uniform(random, rows * d, -3, 3);
        float[] weight = HostData.uniform(random, d, 0.5f, 1.5f);
        float eps = 1e-5f;
        double[] ref = new double[rows * d];
        double[] refRes = new double[rows * d];
        for (int r = 0; r < rows; r++) {
            double ss = 0;
            for (int c = 0; c < d; c++) {
                int i = r * d + c;
                double v = mode == RmsNorm.ADD_RESIDUAL ? (double) hidden[i] + residual[i] : hidden[i];
                // The kernel stores the residual in float32: the reference normalizes that rounded value.
                refRes[i] = mode == RmsNorm.NO_RESIDUAL ? residual[i] : v;
                ss += v * v;
            }
            double scale = 1 / Math.sqrt(ss / d + eps);
            for (int c = 0; c < d; c++) {
                ref[r * d + c] = refRes[r * d + c] * scale * weight[c];
                if (mode == RmsNorm.NO_RESIDUAL) {
                    ref[r * d + c] = hidden[r * d + c] * scale * weight[c];
                }
            }
        }
        try (DeviceBuffer dh = HostData.uploadAs(device, type, hidden); DeviceBuffer dr = HostData.upload(device, residual);
             DeviceBuffer dw = HostData.upload(device, weight); DeviceBuffer dout = HostData.poisonedFloats(device, rows * d)) {
            device.queue().launch(compile(RmsNorm.class, "rmsNorm",
                            Map.of("hiddenType", type, "groupSize", groupSize, "perItem", perItem)),
                    WorkerGrid.of1D((long) rows * groupSize, groupSize), dh, dh, dh, dr, dw, dout, d, eps, mode);
            String shape = rows + "x" + d + " " + StorageType.name(type) + " mode" + mode + " group" + groupSize
                    + " perItem" + perItem;
            List<Check> checks = new ArrayList<>();
            checks.add(Check.compare("RmsNorm.rmsNorm", shape, HostData.downloadFloats(device, dout, rows * d), ref, 1e-5));
            checks.add(Check.compare("RmsNorm.rmsNorm", shape + " residual",
                    HostData.downloadFloats(device, dr, rows * d), refRes, 1e-6));
            return checks;
        }
    }

    /** gatedRmsNorm with the perItem the host would pick, ceil(dInner / ngroups / groupSize). */
    public Check gatedRmsNorm(int rows, int dInner, int ngroups, int groupSize) {
        return gatedRmsNorm(rows, dInner, ngroups, groupSize, Math.ceilDiv(dInner / ngroups, groupSize));
    }

    public Check gatedRmsNorm(int rows, int dInner, int ngroups, int groupSize, int perItem) {
        int width = dInner / ngroups;
        float[] y = HostData.uniform(random, rows * dInner, -3, 3);
        float[] z = HostData.uniform(random, rows * dInner, -4, 4);
        float[] weight = HostData.uniform(random, dInner, 0.5f, 1.5f);
        float eps = 1e-6f;
        double[] ref = new double[rows * dInner];
        for (int r = 0; r < rows; r++) {
            for (int g = 0; g < ngroups; g++) {
                int base = r * dInner + g * width;
                double ss = 0;
                for (int c = 0; c < width; c++) {
                    double v = y[base + c] * silu(z[base + c]);
                    ss += v * v;
                }
                double scale = 1 / Math.sqrt(ss / width + eps);
                for (int c = 0; c < width; c++) {
                    ref[base + c] = y[base + c] * silu(z[base + c]) * scale * weight[g * width + c];
                }
            }
        }
        try (DeviceBuffer dy = HostData.upload(device, y); DeviceBuffer dz = HostData.upload(device, z);
             DeviceBuffer dw = HostData.upload(device, weight); DeviceBuffer dout = HostData.poisonedFloats(device, y.length)) {
            device.queue().launch(compile(RmsNorm.class, "gatedRmsNorm", Map.of("groupSize", groupSize, "perItem", perItem)),
                    WorkerGrid.of1D((long) rows * ngroups * groupSize, groupSize), dy, dz, dw, dout, dInner, width, eps);
            return Check.compare("RmsNorm.gatedRmsNorm", rows + "x" + dInner + " ngroups" + ngroups + " group" + groupSize
                            + " perItem" + perItem,
                    HostData.downloadFloats(device, dout, y.length), ref, 1e-5);
        }
    }

    /**
     * Weightless in-place norms of the segments of each row (Falcon-Mamba's dt | B | C). Row 0 is
     * scaled by 1e-3, so that eps (1e-6) matters in it; the columns past the segments must come back
     * unchanged (bound 0).
     */
    public List<Check> segmentRmsNorm(int rows, int rowStride, int firstWidth, int width, int segments, int groupSize) {
        int used = firstWidth + (segments - 1) * width;
        float[] x = HostData.uniform(random, rows * rowStride, -3, 3);
        for (int c = 0; c < rowStride; c++) {
            x[c] *= 1e-3f;
        }
        float eps = 1e-6f;
        double[] ref = new double[rows * used];
        double[] spareRef = new double[rows * (rowStride - used)];
        for (int r = 0; r < rows; r++) {
            for (int s = 0, start = 0; s < segments; start += s == 0 ? firstWidth : width, s++) {
                int w = s == 0 ? firstWidth : width;
                double ss = 0;
                for (int c = 0; c < w; c++) {
                    double v = x[r * rowStride + start + c];
                    ss += v * v;
                }
                double scale = 1 / Math.sqrt(ss / w + eps);
                for (int c = 0; c < w; c++) {
                    ref[r * used + start + c] = x[r * rowStride + start + c] * scale;
                }
            }
            for (int c = used; c < rowStride; c++) {
                spareRef[r * (rowStride - used) + c - used] = x[r * rowStride + c];
            }
        }
        try (DeviceBuffer dx = HostData.upload(device, x)) {
            device.queue().launch(compile(RmsNorm.class, "segmentRmsNorm", Map.of("groupSize", groupSize)),
                    WorkerGrid.of1D((long) rows * segments * groupSize, groupSize), dx, rowStride, firstWidth, width,
                    segments, eps);
            float[] got = HostData.downloadFloats(device, dx, x.length);
            float[] segmentsGot = new float[ref.length];
            float[] spareGot = new float[spareRef.length];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(got, r * rowStride, segmentsGot, r * used, used);
                System.arraycopy(got, r * rowStride + used, spareGot, r * (rowStride - used), rowStride - used);
            }
            String shape = rows + "x" + rowStride + " segments " + firstWidth + "+" + (segments - 1) + "x" + width
                    + " group" + groupSize;
            return List.of(Check.compare("RmsNorm.segmentRmsNorm", shape, segmentsGot, ref, 1e-5),
                    Check.compare("RmsNorm.segmentRmsNorm", shape + " spare columns", spareGot, spareRef, 0));
        }
    }

    public Check addBias(int rows, int cols) {
        float[] x = HostData.uniform(random, rows * cols, -3, 3);
        float[] bias = HostData.uniform(random, cols, -1, 1);
        double[] ref = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            ref[i] = (double) x[i] + bias[i % cols];
        }
        try (DeviceBuffer dx = HostData.upload(device, x); DeviceBuffer db = HostData.upload(device, bias)) {
            int local = 64;
            device.queue().launch(compile(Bias.class, "addBias", Map.of()),
                    WorkerGrid.of2D((long) Math.ceilDiv(cols, local) * local, rows, local, 1), dx, db, rows, cols);
            // One float32 addition per element: within half an ulp of the float64 sum.
            return Check.compare("Bias.addBias", rows + "x" + cols, HostData.downloadFloats(device, dx, x.length), ref, 1e-7);
        }
    }

    public Check embed(int n, int d, int vocab, int type) {
        float[] table = HostData.roundTo(type, HostData.uniform(random, vocab * d, -1, 1));
        int[] ids = new int[n];
        double[] ref = new double[n * d];
        for (int i = 0; i < n; i++) {
            ids[i] = i == 0 ? vocab - 1 : random.nextInt(vocab);
            for (int c = 0; c < d; c++) {
                ref[i * d + c] = table[ids[i] * d + c];
            }
        }
        try (DeviceBuffer dt = HostData.uploadAs(device, type, table); DeviceBuffer di = HostData.upload(device, ids);
             DeviceBuffer dout = HostData.poisonedFloats(device, n * d)) {
            device.queue().launch(compile(Embedding.class, "embed", Map.of("tableType", type)),
                    WorkerGrid.of2D(Math.ceilDiv(d, 64) * 64L, n, 64, 1), di, dt, dt, dt, dout, n, d, vocab);
            return Check.compare("Embedding.embed", "n" + n + " d" + d + " vocab" + vocab + " " + StorageType.name(type),
                    HostData.downloadFloats(device, dout, n * d), ref, 0);
        }
    }

    /** Ids −1, vocab and a valid one: the two bad rows must be NaN, the good one copied. Output starts at 0. */
    public Check embedOutOfRange(int n, int d, int vocab) {
        float[] table = HostData.uniform(random, vocab * d, -1, 1);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = i % 3 == 0 ? -1 : i % 3 == 1 ? vocab : random.nextInt(vocab);
        }
        try (DeviceBuffer dt = HostData.upload(device, table); DeviceBuffer di = HostData.upload(device, ids);
             DeviceBuffer dout = HostData.upload(device, new float[n * d])) {
            device.queue().launch(compile(Embedding.class, "embed", Map.of("tableType", StorageType.F32)),
                    WorkerGrid.of2D(Math.ceilDiv(d, 64) * 64L, n, 64, 1), di, dt, dt, dt, dout, n, d, vocab);
            float[] out = HostData.downloadFloats(device, dout, n * d);
            int wrong = 0;
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < d; c++) {
                    float v = out[i * d + c];
                    boolean ok = ids[i] < 0 || ids[i] >= vocab ? Float.isNaN(v) : v == table[ids[i] * d + c];
                    wrong += ok ? 0 : 1;
                }
            }
            return new Check("Embedding.embed", "n" + n + " d" + d + " ids -1 and vocab", (double) wrong / (n * d), 0, 0,
                    wrong == 0 ? "" : wrong + " elements not NaN / not copied");
        }
    }

    /** The packed-bf16, several-rows-per-group GEMV at ragged shapes (rows not a multiple of rowsPerGroup). */
    public Check matvecBf16Rows(int rows, int cols, boolean accumulate, int rowsPerGroup, int threadsPerRow, int unroll,
                                int maxGroups) {
        float[] w = HostData.roundTo(StorageType.BF16, HostData.uniform(random, rows * cols, -1, 1));
        float[] x = HostData.uniform(random, cols, -1, 1);
        float[] y0 = HostData.uniform(random, rows, -1, 1);
        double[] ref = new double[rows];
        for (int r = 0; r < rows; r++) {
            double s = accumulate ? y0[r] : 0;
            for (int c = 0; c < cols; c++) {
                s += (double) w[r * cols + c] * x[c];
            }
            ref[r] = s;
        }
        try (DeviceBuffer dw = HostData.uploadAs(device, StorageType.BF16, w); DeviceBuffer dx = HostData.upload(device, x);
             DeviceBuffer dy = accumulate ? HostData.upload(device, y0) : HostData.poisonedFloats(device, rows)) {
            device.queue().launch(compile(MatVec.class, "matvecBf16Rows", Map.of("rowsPerGroup", rowsPerGroup,
                            "threadsPerRow", threadsPerRow, "unroll", unroll)),
                    MatVec.rowsGrid(rows, rowsPerGroup, threadsPerRow, maxGroups),
                    dw, dx, dy, rows, cols, accumulate ? 1 : 0);
            return Check.compare("MatVec.matvecBf16Rows", rows + "x" + cols + (accumulate ? " +=" : "") + " rows/group "
                            + rowsPerGroup + " threads/row " + threadsPerRow + " u" + unroll
                            + (maxGroups > 0 ? " ≤" + maxGroups + " groups" : ""),
                    HostData.downloadFloats(device, dy, rows), ref, 1e-5);
        }
    }

    /** With {@code pad > 0}, x row b is read in place from rows of cols + pad floats (xStride). */
    public Check matvec(int rows, int cols, int batch, boolean accumulate, int type, int groupSize, int unroll, int batchTile,
                        int pad) {
        float[] w = HostData.roundTo(type, HostData.uniform(random, rows * cols, -1, 1));
        float[] x = HostData.uniform(random, batch * cols, -1, 1);
        float[] y0 = HostData.uniform(random, batch * rows, -1, 1);
        double[] ref = new double[batch * rows];
        for (int b = 0; b < batch; b++) {
            for (int r = 0; r < rows; r++) {
                double s = accumulate ? y0[b * rows + r] : 0;
                for (int c = 0; c < cols; c++) {
                    s += (double) w[r * cols + c] * x[b * cols + c];
                }
                ref[b * rows + r] = s;
            }
        }
        try (DeviceBuffer dw = HostData.uploadAs(device, type, w); DeviceBuffer dx = HostData.upload(device, widenRight(x, cols, pad));
             DeviceBuffer dy = accumulate ? HostData.upload(device, y0) : HostData.poisonedFloats(device, batch * rows)) {
            device.queue().launch(compile(MatVec.class, "matvec", Map.of("wType", type, "groupSize", groupSize,
                            "unroll", unroll, "batchTile", batchTile)),
                    WorkerGrid.of2D((long) rows * groupSize, Math.ceilDiv(batch, batchTile), groupSize, 1),
                    dw, dw, dw, dx, cols + pad, dy, rows, cols, batch, accumulate ? 1 : 0);
            return Check.compare("MatVec.matvec", rows + "x" + cols + " batch" + batch + (accumulate ? " +=" : "") + " "
                            + StorageType.name(type) + " g" + groupSize + " u" + unroll + " bt" + batchTile
                            + (pad > 0 ? " xStride" + (cols + pad) : ""),
                    HostData.downloadFloats(device, dy, batch * rows), ref, 1e-5);
        }
    }

    /** With {@code pad > 0}, row i of A is read in place from rows of k + pad floats (aStride). */
    public Check linear(int m, int n, int k, int type, int pad) {
        float[] a = HostData.uniform(random, m * k, -1, 1);
        float[] w = HostData.roundTo(type, HostData.uniform(random, n * k, -1, 1));
        double[] ref = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    s += (double) a[i * k + p] * w[j * k + p];
                }
                ref[i * n + j] = s;
            }
        }
        int tileM = 64;
        int tileN = 64;
        int reg = 4;
        try (DeviceBuffer da = HostData.upload(device, widenRight(a, k, pad)); DeviceBuffer dw = HostData.uploadAs(device, type, w);
             DeviceBuffer dc = HostData.poisonedFloats(device, m * n)) {
            device.queue().launch(compile(Linear.class, "linear", Map.of("wType", type, "tileM", tileM, "tileN", tileN,
                            "tileK", 16, "regM", reg, "regN", reg)),
                    WorkerGrid.of2D((long) Math.ceilDiv(n, tileN) * (tileN / reg), (long) Math.ceilDiv(m, tileM) * (tileM / reg),
                            tileN / reg, tileM / reg),
                    da, k + pad, dw, dw, dw, dc, m, n, k);
            return Check.compare("Linear.linear", m + "x" + k + " * (" + n + "x" + k + ")^T " + StorageType.name(type)
                            + (pad > 0 ? " aStride" + (k + pad) : ""),
                    HostData.downloadFloats(device, dc, m * n), ref, 1e-5);
        }
    }

    /** Rows of {@code cols} floats copied to the start of rows of cols + pad; the rest random. */
    private float[] widenRight(float[] x, int cols, int pad) {
        int rows = x.length / cols;
        float[] wide = HostData.uniform(random, rows * (cols + pad), -9, 9);
        for (int r = 0; r < rows; r++) {
            System.arraycopy(x, r * cols, wide, r * (cols + pad), cols);
        }
        return wide;
    }

    /** Logits drawn from few distinct values so ties are common; with {@code nans}, NaNs in one row. */
    public Check argmax(int rows, int vocab, int groupSize, boolean nans) {
        float[] logits = new float[rows * vocab];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = random.nextInt(40) - 20;
        }
        if (nans) {
            logits[vocab - 3] = Float.NaN;
            logits[vocab - 1] = Float.NaN;
            for (int c = 0; c < vocab; c++) {
                logits[vocab + c] = Float.NEGATIVE_INFINITY;
            }
        }
        int[] ref = new int[rows];
        for (int r = 0; r < rows; r++) {
            int best = 0;
            for (int c = 1; c < vocab; c++) {
                float v = logits[r * vocab + c];
                float bv = logits[r * vocab + best];
                if (!Float.isNaN(bv) && (Float.isNaN(v) || v > bv)) {
                    best = c;
                }
            }
            ref[r] = best;
        }
        try (DeviceBuffer dl = HostData.upload(device, logits); DeviceBuffer dout = HostData.poisonedInts(device, rows)) {
            device.queue().launch(compile(Sampling.class, "argmax", Map.of("groupSize", groupSize)),
                    WorkerGrid.of1D((long) rows * groupSize, groupSize), dl, dout, vocab);
            int[] out = HostData.downloadInts(device, dout, rows);
            int wrong = 0;
            StringBuilder note = new StringBuilder();
            for (int r = 0; r < rows; r++) {
                if (out[r] != ref[r]) {
                    wrong++;
                    note.append("row ").append(r).append(": ").append(out[r]).append(" != ").append(ref[r]).append(' ');
                }
            }
            return new Check("Sampling.argmax", rows + "x" + vocab + " group" + groupSize + (nans ? " NaN/-inf rows" : ""),
                    (double) wrong / rows, 0, 0, note.toString().trim());
        }
    }

    public Check softmax(int rows, int vocab, float invTemperature, int groupSize) {
        float[] logits = HostData.uniform(random, rows * vocab, -10, 10);
        double[] ref = new double[rows * vocab];
        for (int r = 0; r < rows; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < vocab; c++) {
                max = Math.max(max, (double) logits[r * vocab + c] * invTemperature);
            }
            double sum = 0;
            for (int c = 0; c < vocab; c++) {
                sum += Math.exp((double) logits[r * vocab + c] * invTemperature - max);
            }
            for (int c = 0; c < vocab; c++) {
                ref[r * vocab + c] = Math.exp((double) logits[r * vocab + c] * invTemperature - max) / sum;
            }
        }
        try (DeviceBuffer dl = HostData.upload(device, logits); DeviceBuffer dp = HostData.poisonedFloats(device, rows * vocab)) {
            device.queue().launch(compile(Sampling.class, "softmax", Map.of("groupSize", groupSize)),
                    WorkerGrid.of1D((long) rows * groupSize, groupSize), dl, dp, vocab, invTemperature);
            return Check.compare("Sampling.softmax", rows + "x" + vocab + " 1/T=" + invTemperature + " group" + groupSize,
                    HostData.downloadFloats(device, dp, rows * vocab), ref, 1e-5);
        }
    }
}
