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
 * <p>One work-group per row (per normalized group for the gated one): a row is a few thousand
 * elements, which one group of {@code groupSize} items sweeps in a strided loop (consecutive items
 * read consecutive addresses: coalesced). Each item accumulates its own sum of squares in a register,
 * then the group reduces the {@code groupSize} partials in local memory: log2(groupSize) steps,
 * one barrier each. 256 items: enough loads in flight per SM for a d of 1–8k without leaving most
 * items idle at d = 768, and a power of two for the tree. The second pass re-reads the row (own
 * writes or inputs, hot in L1/L2 at these sizes: a 4096-float row is 16 KiB) instead of holding
 * it in registers, since d is not a compile-time constant.
 */
public final class RmsNorm {
    /** residualMode: no residual; normalize hidden itself (the final norm_f, or any plain RMSNorm). */
    public static final int NO_RESIDUAL = 0;
    /** residualMode: residual += hidden, then normalize residual (every block after the first). */
    public static final int ADD_RESIDUAL = 1;
    /** residualMode: residual = hidden, then normalize it (the first block, where residual is None). */
    public static final int START_RESIDUAL = 2;

    private RmsNorm() {
    }

    /**
     * hidden (rows, d), stored as {@code hiddenType} ({@link StorageType}: the slot of that type
     * holds it); residual (rows, d) float32, read and/or written per {@code residualMode} (not
     * touched with {@link #NO_RESIDUAL}: pass any buffer); weight (d) float32; out (rows, d) float32.
     * The residual stream is kept in float32 whatever the hidden type (as Mamba's
     * residual_in_fp32). 1-D launch: global rows·groupSize, local groupSize (a power of two).
     * HBM: reads hidden (+ residual), writes out (+ residual); the second pass re-reads the row
     * from cache.
     */
    @Kernel
    public static void rmsNorm(KernelContext ctx, FloatArray hidden, HalfArray hiddenF16, BFloat16Array hiddenBf16,
                               FloatArray residual, FloatArray weight, FloatArray out, int d, float eps,
                               int residualMode, @Constant int hiddenType, @Constant int groupSize) {
        float[] partial = ctx.allocateFloatLocalArray(groupSize);
        int lid = ctx.localIdx;
        int base = ctx.groupIdx * d;
        float sumSq = 0.0f;
        for (int c = lid; c < d; c += groupSize) {
            float v = StorageType.load(hidden, hiddenF16, hiddenBf16, hiddenType, base + c);
            if (residualMode == ADD_RESIDUAL) {
                v = v + residual.get(base + c);
            }
            if (residualMode != NO_RESIDUAL) {
                residual.set(base + c, v);
            }
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
        float scale = KernelMath.rsqrt(partial[0] / (float) d + eps);
        for (int c = lid; c < d; c += groupSize) {
            // The same item wrote residual[base + c] above, so it reads its own write back.
            float v = residualMode != NO_RESIDUAL ? residual.get(base + c)
                    : StorageType.load(hidden, hiddenF16, hiddenBf16, hiddenType, base + c);
            out.set(base + c, v * scale * weight.get(c));
        }
    }

    /**
     * Mamba-2's gated RMSNorm (norm_before_gate = False, as HF Mamba2's MambaRMSNormGated):
     * v = y · silu(z); out = v / sqrt(mean_group(v²) + eps) · weight, the mean taken over groups of
     * {@code groupWidth} = dInner / ngroups consecutive channels. y, z, out (rows, dInner) float32;
     * weight (dInner). One work-group per (row, group): 1-D launch, global rows·ngroups·groupSize,
     * local groupSize. HBM: reads y and z once (the second pass re-reads them from cache), writes out.
     */
    @Kernel
    public static void gatedRmsNorm(KernelContext ctx, FloatArray y, FloatArray z, FloatArray weight, FloatArray out,
                                    int dInner, int groupWidth, float eps, @Constant int groupSize) {
        float[] partial = ctx.allocateFloatLocalArray(groupSize);
        int lid = ctx.localIdx;
        int ngroups = dInner / groupWidth;
        int row = ctx.groupIdx / ngroups;
        int wBase = (ctx.groupIdx - row * ngroups) * groupWidth;
        int base = row * dInner + wBase;
        float sumSq = 0.0f;
        for (int c = lid; c < groupWidth; c += groupSize) {
            float v = y.get(base + c) * ActivationKernels.silu(z.get(base + c));
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
        float scale = KernelMath.rsqrt(partial[0] / (float) groupWidth + eps);
        for (int c = lid; c < groupWidth; c += groupSize) {
            float v = y.get(base + c) * ActivationKernels.silu(z.get(base + c));
            out.set(base + c, v * scale * weight.get(wBase + c));
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
