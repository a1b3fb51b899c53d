package dev.mambajvm.kernels.mamba;

import dev.mambajvm.lang.BFloat16Array;
import dev.mambajvm.lang.DeviceFunction;
import dev.mambajvm.lang.FloatArray;
import dev.mambajvm.lang.HalfArray;

/**
 * Storage type codes for kernels that read weights or activations stored as float32, float16 or
 * bfloat16. The kernel language has no generics over element types, so such a kernel takes one
 * array of each type and a {@code @Constant int} code saying which one holds the data; the host
 * passes the real buffer in that slot and any buffer (the same one is fine) in the other two.
 * Because the code is a compile-time constant, the device compiler keeps only one branch of
 * {@link #load} and {@link #store}: the specialization reads (writes) exactly one pointer, like a
 * kernel written for that type.
 */
public final class StorageType {
    public static final int F32 = 0;
    public static final int F16 = 1;
    public static final int BF16 = 2;

    private StorageType() {
    }

    /** Element i of whichever array {@code type} names, widened to float32. */
    @DeviceFunction
    public static float load(FloatArray f32, HalfArray f16, BFloat16Array bf16, int type, int i) {
        if (type == F16) {
            return f16.get(i);
        }
        if (type == BF16) {
            return bf16.get(i);
        }
        return f32.get(i);
    }

    /** Writes v to element i of whichever array {@code type} names, rounded to nearest even for 16-bit types. */
    @DeviceFunction
    public static void store(FloatArray f32, HalfArray f16, BFloat16Array bf16, int type, int i, float v) {
        if (type == F16) {
            f16.set(i, v);
        } else if (type == BF16) {
            bf16.set(i, v);
        } else {
            f32.set(i, v);
        }
    }

    /**
     * Element j of an 8-byte word that holds {@link #perWord}(type) consecutive elements of
     * {@code type}, widened to float32 (little-endian: element 0 in the lowest bits). For kernels
     * that read activations through a {@code LongArray} view of their buffer: one load instruction
     * brings 4 bf16 / f16 values or 2 float32, so a warp's load is 256 contiguous bytes.
     */
    @DeviceFunction
    public static float unpack(long word, int type, int j) {
        if (type == F32) {
            return Float.intBitsToFloat((int) (word >>> (32 * j)));
        }
        int bits = ((int) (word >>> (16 * j))) & 0xFFFF;
        return type == BF16 ? Float.intBitsToFloat(bits << 16) : halfBitsToFloat(bits);
    }

    /**
     * The IEEE binary16 value with these 16 bits as float32 (exact: every half is a float). Written
     * with integer operations so every backend runs the same code (OpenCL C has no half type
     * without an extension).
     */
    @DeviceFunction
    public static float halfBitsToFloat(int bits) {
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1F;
        int mantissa = bits & 0x3FF;
        if (exponent == 0) {
            // Zero or subnormal: mantissa · 2^-24.
            float magnitude = mantissa * 5.9604645e-8f;
            return sign != 0 ? -magnitude : magnitude;
        }
        if (exponent == 0x1F) {
            // Infinity, or NaN made quiet (top mantissa bit set) as the hardware conversions do.
            return Float.intBitsToFloat(sign | 0x7F800000 | (mantissa << 13) | (mantissa != 0 ? 0x400000 : 0));
        }
        // Rebias the exponent from 15 to 127; the 10 mantissa bits become the top of 23.
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    /** Elements per 8-byte word: 4 for 16-bit types, 2 for float32 (see {@link #unpack}); host and kernels. */
    @DeviceFunction
    public static int perWord(int type) {
        return type == F32 ? 2 : 4;
    }

    /** Bytes per element of a storage type, for the host and for docs (2 for 16-bit types, else 4). */
    public static int bytes(int type) {
        return type == F32 ? 4 : 2;
    }

    /** {@code type} itself, or an IllegalArgumentException naming {@code what} when it is not a storage type code. */
    public static int require(int type, String what) {
        if (type != F32 && type != F16 && type != BF16) {
            throw new IllegalArgumentException(what + " must be a StorageType code (0 f32, 1 f16, 2 bf16), got " + type);
        }
        return type;
    }

    public static String name(int type) {
        return type == F16 ? "f16" : type == BF16 ? "bf16" : "f32";
    }
}
