package dev.mambajvm.kernels.basics;

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
}
