package dev.mambajvm.lang;

/**
 * Float math for kernels. {@code java.lang.Math} works in kernels too ({@code (float) Math.exp(x)});
 * these read better and add what {@code Math} lacks ({@link #rsqrt}). On the JVM they compute in
 * double and round once to float; on devices they map to the float functions ({@code expf},
 * {@code exp} on a float in OpenCL), which are accurate to a few ulp.
 */
public final class KernelMath {
    private KernelMath() {
    }

    public static float exp(float x) {
        return (float) Math.exp(x);
    }

    private static final double LN2 = 0.6931471805599453;

    /**
     * 2^x. On GPUs a single special-function instruction (CUDA: {@code ex2}), where
     * {@code exp(x)} needs a multiply and range handling around it: in a loop that is bound by
     * exponentials, pre-scale by log2(e) once and call this. On the JVM, exp of x·ln 2 in double
     * rather than Math.pow(2, x), the general (and slower) function; the double product and exp
     * are far more accurate than the float result needs.
     */
    public static float exp2(float x) {
        return (float) Math.exp(x * LN2);
    }

    /**
     * 2^x, with a result below the smallest normal float (2^-126) flushed to zero. On NVIDIA GPUs
     * this is the bare special-function instruction ({@code ex2.approx.ftz}); {@link #exp2} has
     * the same accuracy for normal results but wraps the instruction in three more (counted
     * in the cubin) to produce subnormal results. In a loop that does little besides
     * exponentials (the selective scan's decays exp(Δ·A)) that is a large share of its
     * instructions. Use it where a value under 2^-126 and zero mean the same: a decay that small
     * leaves nothing of the state it multiplies. The reference CUDA kernels get the same
     * instruction from {@code --use_fast_math}. OpenCL: {@code native_exp2}; the JVM: {@link #exp2},
     * flushed.
     */
    public static float exp2Ftz(float x) {
        float r = exp2(x);
        return r < Float.MIN_NORMAL ? 0.0f : r;
    }

    /** The 13 mantissa bits a TF32 value (1 sign, 8 exponent, 10 mantissa bits) does not have. */
    public static final int TF32_DROPPED_BITS = 0x1fff;

    /**
     * x rounded to the nearest TF32 value (ties away from zero, as CUDA's {@code cvt.rna.tf32.f32}):
     * the input type of {@link KernelContext#mmaTf32}. TF32 keeps float32's range and 10 of its 23
     * mantissa bits, a relative rounding error of at most 2^-11 (bf16 keeps 7). Infinities and NaNs
     * are returned as they are. The same three integer operations on every backend, so every
     * backend rounds to the same bits.
     */
    public static float roundToTf32(float x) {
        int bits = Float.floatToRawIntBits(x);
        if ((bits & 0x7f800000) == 0x7f800000) {
            return x;
        }
        return Float.intBitsToFloat((bits + 0x1000) & ~TF32_DROPPED_BITS);
    }

    public static float log(float x) {
        return (float) Math.log(x);
    }

    public static float sqrt(float x) {
        return (float) Math.sqrt(x);
    }

    /** 1 / sqrt(x), as used by RMSNorm. */
    public static float rsqrt(float x) {
        return (float) (1.0 / Math.sqrt(x));
    }

    public static float tanh(float x) {
        return (float) Math.tanh(x);
    }

    /** log(1 + x), accurate near 0 (softplus). */
    public static float log1p(float x) {
        return (float) Math.log1p(x);
    }

    /** exp(x) - 1, accurate near 0. */
    public static float expm1(float x) {
        return (float) Math.expm1(x);
    }
}
