package dev.mambajvm.kernels.basics;

import dev.mambajvm.lang.BFloat16Array;
import dev.mambajvm.lang.FloatArray;
import dev.mambajvm.lang.HalfArray;
import dev.mambajvm.lang.Kernel;
import dev.mambajvm.lang.KernelContext;

/**
 * 16-bit storage: weights and activations are often float16 or bfloat16 in memory, half the bytes
 * of float32, while arithmetic stays in float32. Reads widen to float; writes round to nearest even.
 */
public final class PrecisionKernels {
    private PrecisionKernels() {
    }

    /** out[i] = h[i] * b[i] + f[i], with h float16, b bfloat16 and f float32; also writes the result as f16 and bf16. */
    @Kernel
    public static void mixedFma(KernelContext ctx, HalfArray h, BFloat16Array b, FloatArray f, FloatArray out,
                                HalfArray outHalf, BFloat16Array outBf16, int n) {
        int i = ctx.globalIdx;
        if (i < n) {
            float v = h.get(i) * b.get(i) + f.get(i);
            out.set(i, v);
            outHalf.set(i, v);
            outBf16.set(i, v);
        }
    }
}
