package dev.mambajvm.kernels.basics;

import dev.mambajvm.lang.Constant;
import dev.mambajvm.lang.FloatArray;
import dev.mambajvm.lang.Kernel;
import dev.mambajvm.lang.KernelContext;

/**
 * A work-group reduction in local memory: the pattern behind RMSNorm, softmax and argmax.
 *
 * <p>Each group sums {@code groupSize} consecutive elements. Every work-item loads one element
 * from global memory (HBM) into local memory (SRAM), then the group halves the active range each
 * step: log2(groupSize) steps, each ending in a barrier so that no item reads a partial sum before
 * its neighbour has written it. HBM is read once and written once per group; all the adds happen
 * on chip.
 */
public final class ReductionKernels {
    private ReductionKernels() {
    }

    /**
     * partial[g] = sum of x[g*groupSize .. g*groupSize + groupSize - 1] (elements past n count 0).
     * Launch with a local size of exactly {@code groupSize}, a power of two.
     */
    @Kernel
    public static void groupSum(KernelContext ctx, FloatArray x, FloatArray partial, int n, @Constant int groupSize) {
        // One slot per work-item, in local memory shared by the group.
        float[] sums = ctx.allocateFloatLocalArray(groupSize);
        int lid = ctx.localIdx;
        int i = ctx.globalIdx;
        sums[lid] = i < n ? x.get(i) : 0.0f;
        ctx.localBarrier();
        // Tree reduction: after the step with stride s, sums[0..s) holds the partial sums.
        for (int stride = groupSize / 2; stride > 0; stride = stride / 2) {
            if (lid < stride) {
                sums[lid] = sums[lid] + sums[lid + stride];
            }
            ctx.localBarrier();
        }
        if (lid == 0) {
            partial.set(ctx.groupIdx, sums[0]);
        }
    }
}
