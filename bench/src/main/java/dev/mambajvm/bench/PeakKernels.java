package dev.mambajvm.bench;

import dev.mambajvm.lang.FloatArray;
import dev.mambajvm.lang.Kernel;
import dev.mambajvm.lang.KernelContext;

/**
 * The compute roof of the prefill roofline: how many float32 FMAs per second a device does in
 * generated code, the arithmetic every GEMM of this engine uses (bf16/f16 weights are widened to
 * float32). Each work-item runs eight independent FMA chains, enough to hide the FMA latency;
 * a, b make the chains data-dependent so the compiler cannot fold them, and the sum is stored so it
 * cannot drop them.
 */
public final class PeakKernels {
    private PeakKernels() {
    }

    /** 16 FMAs (32 flops) per iteration per work-item; out[globalIdx] = the chains' sum. */
    @Kernel
    public static void fmaChains(KernelContext ctx, FloatArray out, int iterations, float a, float b) {
        int gid = ctx.globalIdx;
        float x0 = gid * 1e-9f;
        float x1 = x0 + 0.1f;
        float x2 = x0 + 0.2f;
        float x3 = x0 + 0.3f;
        float x4 = x0 + 0.4f;
        float x5 = x0 + 0.5f;
        float x6 = x0 + 0.6f;
        float x7 = x0 + 0.7f;
        for (int i = 0; i < iterations; i++) {
            x0 = Math.fma(x0, a, b);
            x1 = Math.fma(x1, a, b);
            x2 = Math.fma(x2, a, b);
            x3 = Math.fma(x3, a, b);
            x4 = Math.fma(x4, a, b);
            x5 = Math.fma(x5, a, b);
            x6 = Math.fma(x6, a, b);
            x7 = Math.fma(x7, a, b);
            x0 = Math.fma(x0, b, a);
            x1 = Math.fma(x1, b, a);
            x2 = Math.fma(x2, b, a);
            x3 = Math.fma(x3, b, a);
            x4 = Math.fma(x4, b, a);
            x5 = Math.fma(x5, b, a);
            x6 = Math.fma(x6, b, a);
            x7 = Math.fma(x7, b, a);
        }
        out.set(gid, x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7);
    }
}
