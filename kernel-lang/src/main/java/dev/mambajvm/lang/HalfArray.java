package dev.mambajvm.lang;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** IEEE float16 elements, read as float and written rounded to nearest even. In generated code: {@code unsigned short*} converted with {@code cvt} (CUDA) or {@code vload_half}/{@code vstore_half_rte} (OpenCL). */
public record HalfArray(MemorySegment segment) implements DeviceArray {
    private static final ValueLayout.OfShort LAYOUT = ValueLayout.JAVA_SHORT;

    @Override
    public DType dtype() {
        return DType.F16;
    }

    public float get(int index) {
        return Float.float16ToFloat(segment.getAtIndex(LAYOUT, index));
    }

    public void set(int index, float value) {
        segment.setAtIndex(LAYOUT, index, Float.floatToFloat16(value));
    }
}
