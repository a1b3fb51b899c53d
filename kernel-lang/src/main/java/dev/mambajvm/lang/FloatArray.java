package dev.mambajvm.lang;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** float32 elements. In generated code: {@code float*}. */
public record FloatArray(MemorySegment segment) implements DeviceArray {
    private static final ValueLayout.OfFloat LAYOUT = ValueLayout.JAVA_FLOAT;

    @Override
    public DType dtype() {
        return DType.F32;
    }

    public float get(int index) {
        return segment.getAtIndex(LAYOUT, index);
    }

    public void set(int index, float value) {
        segment.setAtIndex(LAYOUT, index, value);
    }
}
