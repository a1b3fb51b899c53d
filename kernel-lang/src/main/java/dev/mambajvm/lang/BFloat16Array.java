package dev.mambajvm.lang;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** bfloat16 elements (the top 16 bits of a float32), read as float and written rounded to nearest even. */
public record BFloat16Array(MemorySegment segment) implements DeviceArray {
    private static final ValueLayout.OfShort LAYOUT = ValueLayout.JAVA_SHORT;

    @Override
    public DType dtype() {
        return DType.BF16;
    }

    public float get(int index) {
        return BFloat16.toFloat(segment.getAtIndex(LAYOUT, index));
    }

    public void set(int index, float value) {
        segment.setAtIndex(LAYOUT, index, BFloat16.fromFloat(value));
    }
}
