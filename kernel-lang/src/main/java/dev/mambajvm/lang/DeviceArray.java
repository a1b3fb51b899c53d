package dev.mambajvm.lang;

import java.lang.foreign.MemorySegment;

/**
 * A kernel's view of a device array: off-heap memory of {@link #length()} elements of one
 * {@link DType}. On the JVM backend the segment is the buffer itself (no copy); on GPUs the
 * generated code sees a pointer and these Java methods never run.
 */
public sealed interface DeviceArray permits FloatArray, HalfArray, BFloat16Array, IntArray, LongArray {
    MemorySegment segment();

    DType dtype();

    default long length() {
        return segment().byteSize() / dtype().byteSize();
    }

    /** Wraps {@code segment} as the array type of {@code dtype}. */
    static DeviceArray wrap(DType dtype, MemorySegment segment) {
        return switch (dtype) {
            case F32 -> new FloatArray(segment);
            case F16 -> new HalfArray(segment);
            case BF16 -> new BFloat16Array(segment);
            case I32 -> new IntArray(segment);
            case I64 -> new LongArray(segment);
        };
    }
}
