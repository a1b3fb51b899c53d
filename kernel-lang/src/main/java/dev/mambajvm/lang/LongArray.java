package dev.mambajvm.lang;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** int64 elements. In generated code: {@code long long*} (CUDA) or {@code long*} (OpenCL). */
public record LongArray(MemorySegment segment) implements DeviceArray {
    private static final ValueLayout.OfLong LAYOUT = ValueLayout.JAVA_LONG;

    @Override
    public DType dtype() {
        return DType.I64;
    }

    public long get(int index) {
        return segment.getAtIndex(LAYOUT, index);
    }

    public void set(int index, long value) {
        segment.setAtIndex(LAYOUT, index, value);
    }
}
