package dev.mambajvm.kernels.mamba;

import dev.mambajvm.kernels.basics.ActivationKernels;
import dev.mambajvm.lang.BFloat16Array;
import dev.mambajvm.lang.Constant;
import dev.mambajvm.lang.FloatArray;
import dev.mambajvm.lang.HalfArray;
import dev.mambajvm.lang.Kernel;
import dev.mambajvm.lang.KernelContext;
import dev.mambajvm.lang.KernelMath;

/**
 * RMSNorm, y = x / sqrt(mean(x²) + eps) · weight, with Mamba's fused residual add, the gated
 * variant of Mamba-2 and the weightless in-place norms of Falcon-Mamba's dt, B and C.
 *
 * <p>One work-group per normalized row. At decode (batch 1) that is one work-group, on one SM, for
 * the whole launch, and 30–60 KB that one SM moves in well under a microsecond: the time is
 * latency, the dependent HBM round trips and barriers between the first load and the last store.
 * {@link #rmsNorm} and {@link #gatedRmsNorm} are written for that:
 * <ul>
 *   <li><b>The row stays in registers.</b> Element {@code c = lid + k·groupSize} of the row is
 *       {@code v[k]} of item {@code lid}, {@code k < perItem}: a private array sized by the
 *       {@code @Constant perItem} (the host passes ceil(width / groupSize)), whose loops unroll,
 *       so it lives in registers. Each round k is coalesced (consecutive items, consecutive
 *       addresses). The first loop only loads (row, residual, weight) and has no branch: past the
 *       row an item re-reads the last element, and the next loop zeroes it. So the loads are one
 *       straight run of independent instructions, in flight together: one HBM round trip per
 *       launch, where a load → add → store loop pays one per element (a store to residual may
 *       alias the next load, so the compiler cannot hoist that load above it). The residual
 *       write, the sum of squares and the output then work from registers: nothing is read
 *       twice.</li>
 *   <li><b>Two barriers, whatever the group size.</b> The items' sums of squares go to local
 *       memory; 32 items ({@link #LANES}, a warp) each add one column of that (groupSize / 32, 32)
 *       table, then every item adds the 32 column sums itself (the same address across a warp: a
 *       broadcast). A tree would take log2(groupSize) barrier steps, 10 at 1024 items.</li>
 *   <li><b>The group size</b> is the host's choice, a power of two (so 32 divides it, or it is
 *       below 32). ModelKernels takes the smallest that leaves each item at most 4 elements, up to
 *       1024 on CUDA: 1024 × 3 at d = 2560 (mamba-2.8b), 1024 × 5 at dInner = 5120 (mamba2-2.7b),
 *       256 × 3 at d = 768. Why large: once the loads overlap, what is left per item is serial work
 *       per element (index, select, fma, stores: about a dozen instructions) plus the reduction,
 *       which with two barriers barely grows with the group (32 + groupSize / 32 additions in a
 *       row); 1024 items spread the per-element work over 32 warps instead of 8, which also hide
 *       each other's instruction latencies on the SM's four schedulers. Why not 1024 for every
 *       width: at prefill a 768-wide row would leave a quarter of the items idle.</li>
 * </ul>
 * Registers: three arrays of perItem floats per item (row, residual or z, weight); ptxas (sm_90)
 * gives rmsNorm 32 registers at perItem 3 and 34 at 8, gatedRmsNorm 40 at 5 and 48 at 8, and both
 * 56–64 at 12 and 16, the most a 1024-item group may use (no spills): rows up to 8192 elements
 * (the widest Mamba norm) stay at ≤ 8 per item and full occupancy. With groups of one item (the JVM
 * backend, perItem = width) the kernels are a plain loop over the row, held in a Java array.
 *
 * <p>{@link #segmentRmsNorm} keeps the simple form (short segments, strided loops, a tree).
 */
public final class RmsNorm {
    /** residualMode: no residual; normalize hidden itself (the final norm_f, or any plain RMSNorm). */
    public static final int NO_RESIDUAL = 0;
    /** residualMode: residual += hidden, then normalize residual (every block after the first). */
    public static final int ADD_RESIDUAL = 1;
    /** residualMode: residual = hidden, then normalize it (the first block, where residual is None). */
    public static final int START_RESIDUAL = 2;
    /**
     * Items that add up the columns of the partial sums: a warp, so each round of their reads is
     * 32 consecutive floats (no bank conflict), and 32 + groupSize / 32 additions in a row is the
     * fewest for 1024 items.
     */
    public static final int LANES = 32;

    private RmsNorm() {
    }

    /**
     * hidden (rows, d), stored as {@code hiddenType} ({@link StorageType}: the slot of that type
     * holds it); residual (rows, d) float32, read and/or written per {@code residualMode} (not
     * touched with {@link #NO_RESIDUAL}: pass any buffer); weight (d) float32; out (rows, d) float32.
     * The residual stream is kept in float32 whatever the hidden type (as Mamba's
     * residual_in_fp32). 1-D launch: global rows·groupSize, local groupSize (a power of two);
     * {@code perItem} ≥ ceil(d / groupSize) (larger is correct, only wasteful); d ≥ 1.
     *
     * <p>HBM: hidden, residual (mode {@link #ADD_RESIDUAL}) and weight are read once, all in the
     * first loop; residual (modes 1 and 2) and out are written once, from registers. In between,
     * each item holds perItem elements of the row, of the residual and of the weight in registers;
     * local memory holds only the groupSize + 32 partial sums of squares.
     */
    @Kernel
    public static void rmsNorm(KernelContext ctx, FloatArray hidden, HalfArray hiddenF16, BFloat16Array hiddenBf16,
                               FloatArray residual, FloatArray weight, FloatArray out, int d, float eps,
                               int residualMode, @Constant int hiddenType, @Constant int groupSize,
                               @Constant int perItem) {
        float[] partial = ctx.allocateFloatLocalArray(groupSize);
        float[] columns = ctx.allocateFloatLocalArray(LANES);
        float[] v = new float[perItem];   // v[k]: element lid + k·groupSize of the row (hidden), 0 past d
        float[] r = new float[perItem];   // the residual there (ADD_RESIDUAL)
        float[] w = new float[perItem];   // the weight there
        int lid = ctx.localIdx;
        int base = ctx.groupIdx * d;
        // Loads only, no branch (past the row, c >= d, the last element is re-read and zeroed below):
        // one straight run of independent loads that the compiler issues back to back.
        for (int k = 0; k < perItem; k++) {
            int c = Math.min(lid + k * groupSize, d - 1);
            v[k] = StorageType.load(hidden, hiddenF16, hiddenBf16, hiddenType, base + c);
            r[k] = residualMode == ADD_RESIDUAL ? residual.get(base + c) : 0.0f;
            w[k] = weight.get(c);
        }
        float sumSq = 0.0f;
        for (int k = 0; k < perItem; k++) {
            int c = lid + k * groupSize;
            v[k] = c < d ? v[k] + r[k] : 0.0f;
            if (residualMode != NO_RESIDUAL && c < d) {
                residual.set(base + c, v[k]);
            }
            sumSq = Math.fma(v[k], v[k], sumSq);
        }
        // The group's sum of squares, with two barriers (class comment): columns of (groupSize / lanes, lanes).
        int lanes = groupSize < LANES ? groupSize : LANES;
        partial[lid] = sumSq;
        ctx.localBarrier();
        if (lid < lanes) {
            float column = 0.0f;
            for (int j = 0; j < groupSize / lanes; j++) {
                column = column + partial[lid + j * lanes];
            }
            columns[lid] = column;
        }
        ctx.localBarrier();
        float total = 0.0f;
        for (int j = 0; j < lanes; j++) {
            total = total + columns[j];
        }
        float scale = KernelMath.rsqrt(total / (float) d + eps);
        for (int k = 0; k < perItem; k++) {
            int c = lid + k * groupSize;
            if (c < d) {
                out.set(base + c, v[k] * scale * w[k]);
            }
        }
    }

    /**
     * Mamba-2's gated RMSNorm (norm_before_gate = False, as HF Mamba2's MambaRMSNormGated):
     * v = y · silu(z); out = v / sqrt(mean_group(v²) + eps) · weight, the mean taken over groups of
     * {@code groupWidth} = dInner / ngroups consecutive channels. y, z, out (rows, dInner) float32;
     * weight (dInner). One work-group per (row, group): 1-D launch, global rows·ngroups·groupSize,
     * local groupSize (a power of two); {@code perItem} ≥ ceil(groupWidth / groupSize).
     *
     * <p>HBM: y, z and the group's weights are read once, all in the first loop; out is written
     * once, from registers. In between, each item holds perItem values of y (then y · silu(z), so
     * SiLU is computed once per element), z and weight in registers; local memory holds the
     * partial sums of squares. Layout and reduction as in {@link #rmsNorm}.
     */
    @Kernel
    public static void gatedRmsNorm(KernelContext ctx, FloatArray y, FloatArray z, FloatArray weight, FloatArray out,
                                    int dInner, int groupWidth, float eps, @Constant int groupSize,
                                    @Constant int perItem) {
        float[] partial = ctx.allocateFloatLocalArray(groupSize);
        float[] columns = ctx.allocateFloatLocalArray(LANES);
        float[] v = new float[perItem];   // v[k]: y at channel lid + k·groupSize of the group, then y · silu(z)
        float[] g = new float[perItem];   // z there
        float[] w = new float[perItem];   // the weight there
        int lid = ctx.localIdx;
        int ngroups = dInner / groupWidth;
        int row = ctx.groupIdx / ngroups;
        int wBase = (ctx.groupIdx - row * ngroups) * groupWidth;
        int base = row * dInner + wBase;
        // Loads only, no branch (past the group, the last channel is re-read and zeroed below).
        for (int k = 0; k < perItem; k++) {
            int c = Math.min(lid + k * groupSize, groupWidth - 1);
            v[k] = y.get(base + c);
            g[k] = z.get(base + c);
            w[k] = weight.get(wBase + c);
        }
        float sumSq = 0.0f;
        for (int k = 0; k < perItem; k++) {
            v[k] = lid + k * groupSize < groupWidth ? v[k] * ActivationKernels.silu(g[k]) : 0.0f;
            sumSq = Math.fma(v[k], v[k], sumSq);
        }
        // The group's sum of squares, with two barriers (class comment): columns of (groupSize / lanes, lanes).
        int lanes = groupSize < LANES ? groupSize : LANES;
        partial[lid] = sumSq;
        ctx.localBarrier();
        if (lid < lanes) {
            float column = 0.0f;
            for (int j = 0; j < groupSize / lanes; j++) {
                column = column + partial[lid + j * lanes];
            }
            columns[lid] = column;
        }
        ctx.localBarrier();
        float total = 0.0f;
        for (int j = 0; j < lanes; j++) {
            total = total + columns[j];
        }
        float scale = KernelMath.rsqrt(total / (float) groupWidth + eps);
        for (int k = 0; k < perItem; k++) {
            int c = lid + k * groupSize;
            if (c < groupWidth) {
                out.set(base + c, v[k] * scale * w[k]);
            }
        }
    }

    /**
     * Falcon-Mamba's norms of dt, B and C (transformers' {@code rms_forward}: no weight), in place:
     * each row of x (rows, rowStride) starts with {@code segments} consecutive segments, the first
     * {@code firstWidth} wide and the others {@code width} wide (x_proj's output dt | B | C: dtRank,
     * dState, dState); each is replaced by v / sqrt(mean(v²) + eps). Columns past the segments are
     * not touched. One work-group per (row, segment): 1-D launch, global rows·segments·groupSize,
     * local groupSize (a power of two; the segments are short, so 32 is enough). Each item
     * rewrites only the elements it read. HBM: reads and writes the segments once.
     */
    @Kernel
    public static void segmentRmsNorm(KernelContext ctx, FloatArray x, int rowStride, int firstWidth, int width,
                                      int segments, float eps, @Constant int groupSize) {
        float[] partial = ctx.allocateFloatLocalArray(groupSize);
        int lid = ctx.localIdx;
        int row = ctx.groupIdx / segments;
        int segment = ctx.groupIdx - row * segments;
        int w = segment == 0 ? firstWidth : width;
        int base = row * rowStride + (segment == 0 ? 0 : firstWidth + (segment - 1) * width);
        float sumSq = 0.0f;
        for (int c = lid; c < w; c += groupSize) {
            float v = x.get(base + c);
            sumSq = Math.fma(v, v, sumSq);
        }
        partial[lid] = sumSq;
        ctx.localBarrier();
        for (int stride = groupSize / 2; stride > 0; stride = stride / 2) {
            if (lid < stride) {
                partial[lid] = partial[lid] + partial[lid + stride];
            }
            ctx.localBarrier();
        }
        float scale = KernelMath.rsqrt(partial[0] / (float) w + eps);
        for (int c = lid; c < w; c += groupSize) {
            x.set(base + c, x.get(base + c) * scale);
        }
    }
}
