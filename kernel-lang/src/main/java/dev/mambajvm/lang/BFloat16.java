package dev.mambajvm.lang;

/**
 * bfloat16 conversions: a bfloat16 is the upper half of a float32 (1 sign, 8 exponent, 7 mantissa
 * bits). The generated CUDA and OpenCL code uses the same bit manipulation, so all backends round
 * alike.
 */
public final class BFloat16 {
    private BFloat16() {
    }

    public static float toFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** Rounds to nearest, ties to even; NaN stays a (quiet) NaN. */
    public static short fromFloat(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7FFFFFFF) > 0x7F800000) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        int roundingBias = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + roundingBias) >>> 16);
    }
}
