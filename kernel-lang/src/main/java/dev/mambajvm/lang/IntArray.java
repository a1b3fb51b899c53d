package dev.mambajvm.lang;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** int32 elements. In generated code: {@code int*}. */
public record IntArray(MemorySegment segment) implements DeviceArray {
    private static final ValueLayout.OfInt LAYOUT = ValueLayout.JAVA_INT;

    @Override
    public DType dtype() {
        return DType.I32;
    }

    public int get(int index) {
        return segment.getAtIndex(LAYOUT, index);
    }

    public void set(int index, int value) {
        segment.setAtIndex(LAYOUT, index, value);
    }
}
