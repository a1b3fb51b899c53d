package dev.mambajvm.model;

import dev.mambajvm.backend.CompiledKernel;
import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.backend.LaunchTarget;
import dev.mambajvm.backend.Queue;
import dev.mambajvm.backend.WorkerGrid;
import dev.mambajvm.kernels.mamba.Bias;
import dev.mambajvm.kernels.mamba.CausalConv1d;
import dev.mambajvm.kernels.mamba.Embedding;
import dev.mambajvm.kernels.mamba.Linear;
import dev.mambajvm.kernels.mamba.MatVec;
import dev.mambajvm.kernels.mamba.RmsNorm;
import dev.mambajvm.kernels.mamba.Sampling;
import dev.mambajvm.kernels.mamba.StorageType;
import dev.mambajvm.kernels.scan.SelectiveScan;
import dev.mambajvm.kernels.ssd.Ssd;
import dev.mambajvm.model.config.MambaConfig;
import dev.mambajvm.lang.spec.KernelSpec;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The kernels the model launches, compiled once per device (and per weight type), with one small
 * helper per operation that picks the grid and orders the arguments. Shapes are row-major and
 * token-major: (rows, cols) with rows = batch·L at prefill and batch at decode. Everything here
 * is float32 except the weight matrices ({@link Matrix}), which keep their stored type.
 *
 * <p>The helpers launch into a {@link LaunchTarget}: the device's queue (prefill, run as issued)
 * or, through {@link #into}, a {@link dev.mambajvm.backend.LaunchSequence} (the decode step,
 * recorded once and replayed per token). So the layers have one code path for both.
 */
final class ModelKernels {
    private static final int CONV_LOCAL = 64;
    private static final int EMBED_LOCAL = 64;
    private static final int BIAS_LOCAL = 64;
    private static final int MATVEC_UNROLL = 4;
    private static final int ROWS_PER_GROUP = 4;
    private static final int THREADS_PER_ROW = 64;
    private static final boolean GENERIC_MATVEC = Boolean.getBoolean("mamba.genericMatvec");
    private static final int TILE_K = 16;
    /** Elements of a row per item that the norms' group size aims for (Groups.normGroup). */
    private static final int NORM_PER_ITEM = 4;
    /** Tokens per chunk of the prefill scan (SelectiveScan). */
    static final int SCAN_CHUNK = 64;

    private final Device device;
    /** Where the helpers launch: the queue, or a sequence being recorded. */
    private final LaunchTarget q;
    private final Map<String, CompiledKernel> compiled;
    private final int convWidth;
    final SelectiveScan scan;   // Mamba-1, null for Mamba-2
    final Ssd ssd;              // Mamba-2, null for Mamba-1
    private final Groups groups;

    /**
     * Group sizes of the kernels that reduce or tile in local memory. GPU/OpenCL: the sizes the
     * kernels were tuned for (docs/kernels.md). JVM backend: one item per group (the GEMM's 8x8
     * tile is one item's 8x8 registers), which the JVM backend runs as a plain loop; a larger group
     * with barriers runs each item as a virtual thread meeting at a phaser, many times slower. The
     * kernels and their results are the same.
     *
     * @param norm        the row norms' largest group ({@link #normGroup}): 1024 on CUDA (any CUDA
     *                    GPU's block limit), 256 on OpenCL (what every OpenCL GPU allows)
     * @param segmentNorm Falcon-Mamba's norms: the segments are short (dtRank ≤ 256, dState)
     * @param tile        tileM = tileN of the GEMM
     * @param reg         regM = regN of the GEMM
     */
    private record Groups(int norm, int segmentNorm, int argmax, int matvec, int tile, int reg) {
        static Groups of(Device device) {
            return switch (device.kind()) {
                case JVM -> new Groups(1, 1, 1, 1, 8, 8);
                case CUDA -> new Groups(1024, 32, 256, 128, 64, 4);
                case OPENCL -> new Groups(256, 32, 256, 128, 64, 4);
            };
        }

        /**
         * The group of rmsNorm and gatedRmsNorm for rows of {@code width}: the smallest power of two,
         * from a warp up to {@link #norm}, that leaves each item at most {@link #NORM_PER_ITEM}
         * elements (RmsNorm's class comment says why): 1024 at d = 2560 and 5120, 256 at d = 768.
         * Wider rows than groupSize · 4 (8192 at 1024 items, the widest Mamba norm) still work:
         * perItem grows, and with it the registers (64 at 16 per item, nvcc sm_90: no spills).
         */
        int normGroup(int width) {
            int g = Math.min(32, norm);
            while (g < norm && (long) g * NORM_PER_ITEM < width) {
                g *= 2;
            }
            return g;
        }
    }

    ModelKernels(Device device, MambaConfig c) {
        this(device, device.queue(), new HashMap<>(), c.convKernel(),
                c.isMamba2() ? null : new SelectiveScan(device, c.stateSize(), SCAN_CHUNK),
                c.isMamba2() ? new Ssd(device, c.headDim(), c.stateSize(), c.chunkSize()) : null,
                Groups.of(device));
    }

    private ModelKernels(Device device, LaunchTarget q, Map<String, CompiledKernel> compiled, int convWidth,
                         SelectiveScan scan, Ssd ssd, Groups groups) {
        this.device = device;
        this.q = q;
        this.compiled = compiled;
        this.convWidth = convWidth;
        this.scan = scan;
        this.ssd = ssd;
        this.groups = groups;
    }

    /** These kernels (and their compiled cache) launching into {@code target} (a launch sequence to record into, say). */
    ModelKernels into(LaunchTarget target) {
        return new ModelKernels(device, target, compiled, convWidth, scan, ssd, groups);
    }

    /** The device's queue: uploads, downloads and waits (launches go to {@link #target()}). */
    Queue queue() {
        return device.queue();
    }

    /** Where this instance's helpers launch (for the scan and SSD hosts, which take it as an argument). */
    LaunchTarget target() {
        return q;
    }

    private CompiledKernel kernel(Class<?> owner, String name, Map<String, Integer> constants) {
        String key = owner.getSimpleName() + "." + name + new TreeMap<>(constants);
        return compiled.computeIfAbsent(key, k -> device.compile(KernelSpec.load(owner, name), constants));
    }

    /** out (n, d) = table[ids] (ids (n) int32; table (vocab, d)). */
    void embed(DeviceBuffer ids, Matrix table, DeviceBuffer out, int n) {
        q.launch(kernel(Embedding.class, "embed", Map.of("tableType", table.type())),
                WorkerGrid.of2D(Math.ceilDiv(table.cols(), EMBED_LOCAL) * (long) EMBED_LOCAL, n, EMBED_LOCAL, 1),
                ids, table.buffer(), table.buffer(), table.buffer(), out, n, table.cols(), table.rows());
    }

    /** out (rows, d) = rmsnorm(x) · weight, x = hidden or the residual per {@code mode} (RmsNorm.*_RESIDUAL). */
    void rmsNorm(DeviceBuffer hidden, DeviceBuffer residual, DeviceBuffer weight, DeviceBuffer out,
                 int rows, int d, float eps, int mode) {
        int group = groups.normGroup(d);
        q.launch(kernel(RmsNorm.class, "rmsNorm", Map.of("hiddenType", StorageType.F32, "groupSize", group,
                        "perItem", Math.ceilDiv(d, group))),
                WorkerGrid.of1D((long) rows * group, group),
                hidden, hidden, hidden, residual, weight, out, d, eps, mode);
    }

    /**
     * Mamba-2's gated norm: out (rows, dInner) = rmsnorm over groups of {@code groupWidth} channels of
     * y · silu(z), times weight (dInner); y, z contiguous (rows, dInner).
     */
    void gatedRmsNorm(DeviceBuffer y, DeviceBuffer z, DeviceBuffer weight, DeviceBuffer out,
                      int rows, int dInner, int groupWidth, float eps) {
        int group = groups.normGroup(groupWidth);
        q.launch(kernel(RmsNorm.class, "gatedRmsNorm", Map.of("groupSize", group, "perItem", Math.ceilDiv(groupWidth, group))),
                WorkerGrid.of1D((long) rows * (dInner / groupWidth) * group, group),
                y, z, weight, out, dInner, groupWidth, eps);
    }

    /**
     * Falcon-Mamba's weightless norms, in place: in each row of x (rows, rowStride), the first
     * segment (firstWidth) and the {@code segments − 1} after it (width each) are each replaced by
     * v / sqrt(mean(v²) + eps).
     */
    void segmentRmsNorm(DeviceBuffer x, int rowStride, int firstWidth, int width, int segments, int rows, float eps) {
        q.launch(kernel(RmsNorm.class, "segmentRmsNorm", Map.of("groupSize", groups.segmentNorm())),
                WorkerGrid.of1D((long) rows * segments * groups.segmentNorm(), groups.segmentNorm()),
                x, rowStride, firstWidth, width, segments, eps);
    }

    /** x (rows, cols) += bias (cols): a projection's bias (use_bias). bias may be null: then nothing. */
    void addBias(DeviceBuffer x, DeviceBuffer bias, int rows, int cols) {
        if (bias == null) {
            return;
        }
        q.launch(kernel(Bias.class, "addBias", Map.of()),
                WorkerGrid.of2D(Math.ceilDiv(cols, BIAS_LOCAL) * (long) BIAS_LOCAL, rows, BIAS_LOCAL, 1),
                x, bias, rows, cols);
    }

    /** c (m, w.rows) = a (m, w.cols) · wᵀ; row i of a starts at a[i · aStride]. Prefill (GEMM). */
    void linear(DeviceBuffer a, int aStride, Matrix w, DeviceBuffer c, int m) {
        int tile = groups.tile(), reg = groups.reg();
        q.launch(kernel(Linear.class, "linear", Map.of("wType", w.type(), "tileM", tile, "tileN", tile,
                        "tileK", TILE_K, "regM", reg, "regN", reg)),
                WorkerGrid.of2D((long) Math.ceilDiv(w.rows(), tile) * (tile / reg),
                        (long) Math.ceilDiv(m, tile) * (tile / reg), tile / reg, tile / reg),
                a, aStride, w.buffer(), w.buffer(), w.buffer(), c, m, w.rows(), w.cols());
    }

    /**
     * y (batch, w.rows) = x (batch, w.cols) · wᵀ; row b of x starts at x[b · xStride]. Decode (GEMV).
     * One sequence with bf16 weights (the common decode) takes {@code MatVec.matvecBf16Rows}: 8-byte
     * weight loads, {@value #ROWS_PER_GROUP} rows of {@value #THREADS_PER_ROW} items per group (close
     * to the best of both mamba-2.8b shapes on CUDA and OpenCL, docs/performance.md); batches take
     * the generic kernel, which reuses each weight for 4 sequences from registers. (The prefill GEMM
     * instead, from 8 sequences on, was 1.8–7.7× slower on an H100: its 64-row tiles leave 3–160
     * groups for 132 SMs; docs/performance.md.) The system property {@code mamba.genericMatvec=true}
     * forces the generic kernel (A/B runs of the benchmarks).
     */
    void matvec(Matrix w, DeviceBuffer x, int xStride, DeviceBuffer y, int batch) {
        if (batch == 1 && w.type() == StorageType.BF16 && w.cols() % 4 == 0 && groups.matvec() > 1 && !GENERIC_MATVEC) {
            q.launch(kernel(MatVec.class, "matvecBf16Rows", Map.of("rowsPerGroup", ROWS_PER_GROUP,
                            "threadsPerRow", THREADS_PER_ROW, "unroll", MATVEC_UNROLL)),
                    MatVec.rowsGrid(w.rows(), ROWS_PER_GROUP, THREADS_PER_ROW, 0), w.buffer(), x, y, w.rows(), w.cols(), 0);
            return;
        }
        int batchTile = batch >= 4 && groups.matvec() >= 4 ? 4 : 1;
        q.launch(kernel(MatVec.class, "matvec", Map.of("wType", w.type(), "groupSize", groups.matvec(),
                        "unroll", MATVEC_UNROLL, "batchTile", batchTile)),
                WorkerGrid.of2D((long) w.rows() * groups.matvec(), Math.ceilDiv(batch, batchTile), groups.matvec(), 1),
                w.buffer(), w.buffer(), w.buffer(), x, xStride, y, w.rows(), w.cols(), batch, 0);
    }

    /**
     * out (batch·L, channels) = silu(causal depthwise conv(x) + bias), x read at
     * x[row · xStride + xOffset + c]; convState (batch, channels, K−1) receives the last K−1 inputs.
     * bias may be null.
     */
    void convPrefill(DeviceBuffer x, int xStride, int xOffset, DeviceBuffer weight, DeviceBuffer bias,
                     DeviceBuffer out, DeviceBuffer convState, int channels, int batch, int seqLen) {
        q.launch(kernel(CausalConv1d.class, "convPrefillChannelsLast", Map.of("width", convWidth)),
                WorkerGrid.of2D(Math.ceilDiv(channels, CONV_LOCAL) * (long) CONV_LOCAL, (long) batch * seqLen, CONV_LOCAL, 1),
                x, xStride, xOffset, weight, bias == null ? weight : bias, out, convState, channels, seqLen,
                bias == null ? 0 : 1, 1);
    }

    /** One token: out (batch, channels) = silu(conv([convState, x]) + bias), convState shifted in place. */
    void convStep(DeviceBuffer convState, DeviceBuffer x, int xStride, int xOffset, DeviceBuffer weight,
                  DeviceBuffer bias, DeviceBuffer out, int channels, int batch) {
        int n = batch * channels;
        q.launch(kernel(CausalConv1d.class, "convDecodeStep", Map.of("width", convWidth)),
                WorkerGrid.covering1D(n, 128), convState, x, xStride, xOffset, weight, bias == null ? weight : bias,
                out, n, channels, bias == null ? 0 : 1, 1);
    }

    /** out (rows) int32 = argmax of each row of logits (rows, vocab), ties to the lowest index. */
    void argmax(DeviceBuffer logits, DeviceBuffer out, int rows, int vocab) {
        q.launch(kernel(Sampling.class, "argmax", Map.of("groupSize", groups.argmax())),
                WorkerGrid.of1D((long) rows * groups.argmax(), groups.argmax()), logits, out, vocab);
    }
}
