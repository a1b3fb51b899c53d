package dev.mambajvm.kernels.basics;

import dev.mambajvm.lang.Constant;
import dev.mambajvm.lang.FloatArray;
import dev.mambajvm.lang.Kernel;
import dev.mambajvm.lang.KernelContext;

/**
 * Element-wise kernels: one work-item per element, no reuse, so their speed is set by memory
 * bandwidth alone (8 bytes read and 4 written per element of vectorAdd). They are the yardstick
 * for "how close to a device-to-device copy does generated code get".
 */
public final class VectorKernels {
    private VectorKernels() {
    }

    /** c[i] = a[i] + b[i] for i < n. The grid may be larger than n (rounded up to the group size). */
    @Kernel
    public static void vectorAdd(KernelContext ctx, FloatArray a, FloatArray b, FloatArray c, int n) {
        int i = ctx.globalIdx;
        if (i < n) {
            c.set(i, a.get(i) + b.get(i));
        }
    }

    /**
     * y[i] = alpha * x[i] for i < n, with a grid-stride loop: a fixed grid (a few waves of groups
     * per compute unit) walks any n, so each work-item issues several independent loads.
     */
    @Kernel
    public static void scale(KernelContext ctx, FloatArray x, FloatArray y, float alpha, int n) {
        for (int i = ctx.globalIdx; i < n; i += ctx.globalGroupSizeX) {
            y.set(i, alpha * x.get(i));
        }
    }

    /**
     * y[i] = alpha * x[i], {@code itemsPerThread} elements per work-item.
     *
     * <p>Why more than one: to keep HBM busy, the bytes in flight must cover its latency. An H100
     * moves about 3 TB/s and a load takes the order of a microsecond, so a few MB must be in flight;
     * one 4-byte load per work-item, even with every SM full (132 × 2048 work-items), is 1 MB.
     * Here each work-item first issues all its loads into registers (a private array indexed by an
     * unrolled loop), then does the math and the stores: itemsPerThread independent loads in flight
     * per work-item. Consecutive work-items touch consecutive elements in each round, so every
     * load of a warp is one coalesced 128-byte transaction. A work-group covers
     * {@code localGroupSizeX * itemsPerThread} elements.
     */
    @Kernel
    public static void scaleUnrolled(KernelContext ctx, FloatArray x, FloatArray y, float alpha, int n,
                                     @Constant int itemsPerThread) {
        int base = ctx.groupIdx * ctx.localGroupSizeX * itemsPerThread + ctx.localIdx;
        float[] v = new float[itemsPerThread];
        for (int k = 0; k < itemsPerThread; k++) {
            int i = base + k * ctx.localGroupSizeX;
            v[k] = i < n ? x.get(i) : 0.0f;
        }
        for (int k = 0; k < itemsPerThread; k++) {
            int i = base + k * ctx.localGroupSizeX;
            if (i < n) {
                y.set(i, alpha * v[k]);
            }
        }
    }
}
