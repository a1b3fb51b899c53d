package dev.mambajvm.kernels.mamba;

import dev.mambajvm.lang.Constant;
import dev.mambajvm.lang.DeviceFunction;
import dev.mambajvm.lang.FloatArray;
import dev.mambajvm.lang.IntArray;
import dev.mambajvm.lang.Kernel;
import dev.mambajvm.lang.KernelContext;
import dev.mambajvm.lang.KernelMath;

/**
 * On-device reductions over a row of logits (rows, vocab), vocab up to ~256k: greedy argmax and
 * softmax with temperature. Top-k / top-p filtering and the random draw stay on the host for now
 * (they need a sort or a selection, and the host only reads back one row of probabilities).
 *
 * <p>One work-group per row: the {@code groupSize} items stride over the row (coalesced), each
 * keeping a running result in registers, then the group combines the groupSize results in local
 * memory in log2(groupSize) barrier steps. HBM: the row is read once (argmax) or twice (softmax:
 * one pass for max and sum, one to write); vocab·4 bytes per pass. With batch 1 this is a single
 * group on a single SM: fine for a row of 50k–256k floats (≤ 1 MiB), a two-stage split across SMs
 * is the next step if it ever shows in a profile.
 */
public final class Sampling {
    private static final int NEG_INF_BITS = 0xff800000;

    private Sampling() {
    }

    /**
     * Whether (v, i) beats the current best (bv, bi) under torch.argmax's order: NaN is larger than
     * everything (the first NaN wins), otherwise the larger value, ties to the lower index.
     */
    @DeviceFunction
    public static boolean beats(float v, int i, float bv, int bi) {
        boolean vNaN = Float.isNaN(v);
        boolean bNaN = Float.isNaN(bv);
        if (vNaN || bNaN) {
            return vNaN && (!bNaN || i < bi);
        }
        return v > bv || (v == bv && i < bi);
    }

    /**
     * out[r] = argmax(logits[r, :]), ties to the lowest index, NaN counted as the maximum (as
     * torch.argmax). logits (rows, vocab) float32, out (rows) int32. 1-D launch: global
     * rows·groupSize, local groupSize (a power of two). Local memory: groupSize (value, index)
     * pairs. HBM: vocab·4 bytes read per row.
     */
    @Kernel
    public static void argmax(KernelContext ctx, FloatArray logits, IntArray out, int vocab,
                              @Constant int groupSize) {
        float[] vals = ctx.allocateFloatLocalArray(groupSize);
        int[] idxs = ctx.allocateIntLocalArray(groupSize);
        int lid = ctx.localIdx;
        int base = ctx.groupIdx * vocab;
        float best = Float.intBitsToFloat(NEG_INF_BITS);
        int bestIdx = vocab;   // beaten by any real index, so an all −∞ row still gives 0
        for (int i = lid; i < vocab; i += groupSize) {
            float v = logits.get(base + i);
            if (beats(v, i, best, bestIdx)) {
                best = v;
                bestIdx = i;
            }
        }
        vals[lid] = best;
        idxs[lid] = bestIdx;
        ctx.localBarrier();
        for (int stride = groupSize / 2; stride > 0; stride = stride / 2) {
            if (lid < stride && beats(vals[lid + stride], idxs[lid + stride], vals[lid], idxs[lid])) {
                vals[lid] = vals[lid + stride];
                idxs[lid] = idxs[lid + stride];
            }
            ctx.localBarrier();
        }
        if (lid == 0) {
            out.set(ctx.groupIdx, idxs[0]);
        }
    }

    /**
     * probs[r, :] = softmax(logits[r, :] · invTemperature) (invTemperature = 1/T; greedy T = 0 is
     * {@link #argmax}). logits, probs (rows, vocab) float32. First pass: each item keeps an online
     * (max, sum of exp(v − max)) pair, rescaling the sum when the max grows, so max and sum come
     * from one read of the row; the group merges pairs in local memory (2·groupSize floats). Second
     * pass: re-read, write exp(v − max) / sum. 1-D launch as {@link #argmax}. HBM: 2 reads + 1 write
     * of vocab·4 bytes per row; ~2 exp per element.
     */
    @Kernel
    public static void softmax(KernelContext ctx, FloatArray logits, FloatArray probs, int vocab,
                               float invTemperature, @Constant int groupSize) {
        float[] maxes = ctx.allocateFloatLocalArray(groupSize);
        float[] sums = ctx.allocateFloatLocalArray(groupSize);
        int lid = ctx.localIdx;
        int base = ctx.groupIdx * vocab;
        float negInf = Float.intBitsToFloat(NEG_INF_BITS);
        float m = negInf;
        float s = 0.0f;
        for (int i = lid; i < vocab; i += groupSize) {
            float v = logits.get(base + i) * invTemperature;
            if (v > m) {
                s = s * KernelMath.exp(m - v) + 1.0f;
                m = v;
            } else if (m > negInf) {
                s = s + KernelMath.exp(v - m);
            }
        }
        maxes[lid] = m;
        sums[lid] = s;
        ctx.localBarrier();
        for (int stride = groupSize / 2; stride > 0; stride = stride / 2) {
            if (lid < stride) {
                float m1 = maxes[lid];
                float m2 = maxes[lid + stride];
                float mm = Math.max(m1, m2);
                if (mm > negInf) {
                    sums[lid] = sums[lid] * KernelMath.exp(m1 - mm) + sums[lid + stride] * KernelMath.exp(m2 - mm);
                }
                maxes[lid] = mm;
            }
            ctx.localBarrier();
        }
        float rowMax = maxes[0];
        float invSum = 1.0f / sums[0];
        for (int i = lid; i < vocab; i += groupSize) {
            probs.set(base + i, KernelMath.exp(logits.get(base + i) * invTemperature - rowMax) * invSum);
        }
    }
}
