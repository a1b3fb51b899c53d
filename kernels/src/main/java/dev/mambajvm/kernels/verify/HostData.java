package dev.mambajvm.kernels.verify;

import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.lang.BFloat16;

import java.lang.foreign.MemorySegment;
import java.util.Random;

/**
 * Moving test data between Java arrays and device buffers. Outputs start poisoned (NaN, or a bit
 * pattern for 16-bit and integer data) so an element the kernel forgot to write fails the check
 * instead of passing as a zero. The benchmarks use it too.
 */
public final class HostData {
    static final short HALF_POISON = (short) 0x7E00;   // a float16 NaN
    static final short BF16_POISON = (short) 0x7FC1;   // a bfloat16 NaN

    private HostData() {
    }

    static float[] uniform(Random r, int n, float lo, float hi) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = lo + (hi - lo) * r.nextFloat();
        }
        return a;
    }

    static DeviceBuffer upload(Device d, float[] values) {
        return upload(d, MemorySegment.ofArray(values));
    }

    static DeviceBuffer upload(Device d, short[] values) {
        return upload(d, MemorySegment.ofArray(values));
    }

    static DeviceBuffer upload(Device d, int[] values) {
        return upload(d, MemorySegment.ofArray(values));
    }

    /**
     * A new device buffer holding {@code host} (at least one byte: a zero-length buffer is still a
     * real allocation). Heap segments are staged through native memory by the backends.
     */
    private static DeviceBuffer upload(Device d, MemorySegment host) {
        DeviceBuffer b = d.allocate(Math.max(1, host.byteSize()));
        if (host.byteSize() > 0) {
            d.queue().upload(host, b);
            d.queue().finish();
        }
        return b;
    }

    /** The first {@code host.byteSize()} bytes of {@code b}, waited for. */
    private static void download(Device d, DeviceBuffer b, MemorySegment host) {
        if (host.byteSize() > 0) {
            d.queue().download(b, host);
            d.queue().finish();
        }
    }

    static int[] downloadInts(Device d, DeviceBuffer b, int n) {
        int[] a = new int[n];
        download(d, b, MemorySegment.ofArray(a));
        return a;
    }

    static DeviceBuffer poisonedInts(Device d, int n) {
        int[] p = new int[n];
        java.util.Arrays.fill(p, 0x7fc00000);
        return upload(d, p);
    }

    /** Values rounded to a storage type (mamba.StorageType code 0 f32, 1 f16, 2 bf16), as the kernel will read them. */
    static float[] roundTo(int type, float[] a) {
        float[] r = a.clone();
        round(type, r);
        return r;
    }

    /** As {@link #roundTo}, in place. */
    public static void round(int type, float[] a) {
        for (int i = 0; i < a.length; i++) {
            a[i] = type == 1 ? Float.float16ToFloat(Float.floatToFloat16(a[i]))
                    : type == 2 ? BFloat16.toFloat(BFloat16.fromFloat(a[i])) : a[i];
        }
    }

    /** Uploads values stored as the given type (0 f32, 1 f16, 2 bf16); waits for the copy. */
    public static DeviceBuffer uploadAs(Device d, int type, float[] a) {
        return type == 1 ? upload(d, toHalf(a)) : type == 2 ? upload(d, toBf16(a)) : upload(d, a);
    }

    /**
     * The distance from v to the value of the given 16-bit storage type (1 f16, 2 bf16) nearest to
     * it. Rounding v to float first can land one step off the nearest 16-bit value (double
     * rounding), so the neighbours of that rounding are tried too.
     */
    static double distanceToNearest(int type, double v) {
        short s = type == 1 ? Float.floatToFloat16((float) v) : BFloat16.fromFloat((float) v);
        double best = Double.POSITIVE_INFINITY;
        for (int k = -1; k <= 1; k++) {
            short bits = (short) (s + k);
            float c = type == 1 ? Float.float16ToFloat(bits) : BFloat16.toFloat(bits);
            if (!Float.isNaN(c)) {
                best = Math.min(best, Math.abs(c - v));
            }
        }
        return best;
    }

    /** n poisoned elements (NaN) of the given storage type (0 f32, 1 f16, 2 bf16). */
    public static DeviceBuffer poisoned(Device d, int type, int n) {
        return type == 1 ? poisonedShorts(d, n, HALF_POISON) : type == 2 ? poisonedShorts(d, n, BF16_POISON)
                : poisonedFloats(d, n);
    }

    /** n elements of the given storage type (0 f32, 1 f16, 2 bf16), widened to float (poison stays NaN). */
    static float[] downloadAs(Device d, int type, DeviceBuffer b, int n) {
        if (type != 1 && type != 2) {
            return downloadFloats(d, b, n);
        }
        short[] s = downloadShorts(d, b, n);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = type == 1 ? Float.float16ToFloat(s[i]) : BFloat16.toFloat(s[i]);
        }
        return a;
    }

    static DeviceBuffer poisonedFloats(Device d, int n) {
        float[] nan = new float[n];
        java.util.Arrays.fill(nan, Float.NaN);
        return upload(d, nan);
    }

    static DeviceBuffer poisonedShorts(Device d, int n, short poison) {
        short[] p = new short[n];
        java.util.Arrays.fill(p, poison);
        return upload(d, p);
    }

    static float[] downloadFloats(Device d, DeviceBuffer b, int n) {
        float[] a = new float[n];
        download(d, b, MemorySegment.ofArray(a));
        return a;
    }

    static short[] downloadShorts(Device d, DeviceBuffer b, int n) {
        short[] a = new short[n];
        download(d, b, MemorySegment.ofArray(a));
        return a;
    }

    static short[] toHalf(float[] a) {
        short[] s = new short[a.length];
        for (int i = 0; i < a.length; i++) {
            s[i] = Float.floatToFloat16(a[i]);
        }
        return s;
    }

    static short[] toBf16(float[] a) {
        short[] s = new short[a.length];
        for (int i = 0; i < a.length; i++) {
            s[i] = BFloat16.fromFloat(a[i]);
        }
        return s;
    }
}
