package dev.mambajvm.model.weights;

import dev.mambajvm.lang.BFloat16Array;
import dev.mambajvm.lang.DType;
import dev.mambajvm.lang.DeviceArray;
import dev.mambajvm.lang.FloatArray;
import dev.mambajvm.lang.HalfArray;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * One named tensor of a checkpoint: a row-major array of {@code shape} elements of {@code dtype},
 * little-endian, in {@code data} (a zero-copy slice of the memory-mapped file, valid until its
 * {@link SafetensorsFile} or {@link Checkpoint} is closed; read-only).
 *
 * @param shape dimensions, outermost first; {@code []} is a scalar. The accessor returns a copy.
 */
public record Tensor(String name, DType dtype, long[] shape, MemorySegment data) {
    public Tensor {
        shape = shape.clone();
        long count = elementCount(shape);
        if (data.byteSize() != count * dtype.byteSize()) {
            throw new IllegalArgumentException(name + ": " + data.byteSize() + " bytes for " + count + " "
                    + dtype + " elements");
        }
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    /** The size of dimension {@code i}. */
    public long dim(int i) {
        return shape[i];
    }

    public long elementCount() {
        return elementCount(shape);
    }

    /** The product of the dimensions; throws ArithmeticException on overflow (callers check first). */
    static long elementCount(long[] shape) {
        long count = 1;
        for (long d : shape) {
            count = Math.multiplyExact(count, d);
        }
        return count;
    }

    /** The data as the lang device array of its dtype (no copy): the JVM backend reads it directly. */
    public DeviceArray deviceArray() {
        return DeviceArray.wrap(dtype, data);
    }

    /** The data as float32 elements; throws when the tensor is another dtype. */
    public FloatArray asFloatArray() {
        requireDtype(DType.F32);
        return new FloatArray(data);
    }

    /** The data as float16 elements; throws when the tensor is another dtype. */
    public HalfArray asHalfArray() {
        requireDtype(DType.F16);
        return new HalfArray(data);
    }

    /** The data as bfloat16 elements; throws when the tensor is another dtype. */
    public BFloat16Array asBFloat16Array() {
        requireDtype(DType.BF16);
        return new BFloat16Array(data);
    }

    /** Element {@code index} (row-major flat index) converted to float, whatever the dtype. */
    public float getFloat(long index) {
        return switch (deviceArray()) {
            case FloatArray a -> a.get(Math.toIntExact(index));
            case HalfArray a -> a.get(Math.toIntExact(index));
            case BFloat16Array a -> a.get(Math.toIntExact(index));
            default -> throw new IllegalStateException(name + ": not a float tensor (" + dtype + ")");
        };
    }

    /** A heap copy of all elements converted to float (tests, small tensors). */
    public float[] toFloatArray() {
        float[] out = new float[Math.toIntExact(elementCount())];
        for (int i = 0; i < out.length; i++) {
            out[i] = getFloat(i);
        }
        return out;
    }

    private void requireDtype(DType expected) {
        if (dtype != expected) {
            throw new IllegalStateException("tensor \"" + name + "\" is " + dtype + ", not " + expected);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape)
                && data.equals(t.data);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + " " + dtype + " " + Arrays.toString(shape);
    }
}
