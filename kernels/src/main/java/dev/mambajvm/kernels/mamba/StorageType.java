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
