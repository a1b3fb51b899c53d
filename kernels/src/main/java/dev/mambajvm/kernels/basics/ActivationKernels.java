package dev.mambajvm.kernels.basics;

import dev.mambajvm.lang.Constant;
import dev.mambajvm.lang.DeviceFunction;
import dev.mambajvm.lang.FloatArray;
import dev.mambajvm.lang.Kernel;
import dev.mambajvm.lang.KernelContext;
import dev.mambajvm.lang.KernelMath;

/**
 * Device functions and specialization. SiLU and softplus are the two non-linearities of Mamba
 * (gating and the Δ projection); a causal moving sum of constant width is the skeleton of Mamba's
 * depthwise convolution.
 */
public final class ActivationKernels {
    private ActivationKernels() {
    }

    /** SiLU(x) = x · sigmoid(x). */
    @DeviceFunction
    public static float silu(float x) {
        return x / (1.0f + KernelMath.exp(-x));
    }

    /** softplus(x) = log(1 + e^x), returned as x itself past 20 where e^x would dominate (as PyTorch does). */
    @DeviceFunction
    public static float softplus(float x) {
        return x > 20.0f ? x : KernelMath.log1p(KernelMath.exp(x));
    }

    /** y[i] = silu(x[i]) · softplus(z[i]). */
    @Kernel
    public static void siluTimesSoftplus(KernelContext ctx, FloatArray x, FloatArray z, FloatArray y, int n) {
        int i = ctx.globalIdx;
        if (i < n) {
            y.set(i, silu(x.get(i)) * softplus(z.get(i)));
        }
    }

    /**
     * y[i] = 2^x[i], subnormal results flushed to zero ({@code KernelMath.exp2Ftz}: the selective
     * scan's decay, one special-function instruction on NVIDIA GPUs). Here to be checked alone,
     * over the whole float range of results, on every backend.
     */
    @Kernel
    public static void powerOfTwoFtz(KernelContext ctx, FloatArray x, FloatArray y, int n) {
        int i = ctx.globalIdx;
        if (i < n) {
            y.set(i, KernelMath.exp2Ftz(x.get(i)));
        }
    }

    /**
     * y[i] = Σ_{j<width} w[j] · x[i - width + 1 + j] (x before 0 counts as 0): a causal filter.
     * {@code width} is a compile-time constant, so the loop unrolls and the {@code width}
     * weights live in registers: a private array indexed only by unrolled loop counters.
     */
    @Kernel
    public static void causalMovingSum(KernelContext ctx, FloatArray x, FloatArray w, FloatArray y, int n,
                                       @Constant int width) {
        int i = ctx.globalIdx;
        if (i >= n) {
            return;
        }
        float[] weights = new float[width];
        for (int j = 0; j < width; j++) {
            weights[j] = w.get(j);
        }
        float acc = 0.0f;
        for (int j = 0; j < width; j++) {
            int src = i - width + 1 + j;
            if (src >= 0) {
                acc = Math.fma(weights[j], x.get(src), acc);
            }
        }
        y.set(i, acc);
    }
}
