package dev.mambajvm.lang;

/**
 * Element types of device arrays. {@code F16} and {@code BF16} are storage formats: a kernel reads
 * them as {@code float} and writes a {@code float} rounded to nearest, ties to even.
 */
public enum DType {
    F32(4, "f32"),
    F16(2, "f16"),
    BF16(2, "bf16"),
    I32(4, "i32"),
    I64(8, "i64");

    private final int byteSize;
    private final String code;

    DType(int byteSize, String code) {
        this.byteSize = byteSize;
        this.code = code;
    }

    public int byteSize() {
        return byteSize;
    }

    /** Short name used in kernel descriptors: {@code f32}, {@code f16}, {@code bf16}, {@code i32}, {@code i64}. */
    public String code() {
        return code;
    }

    public static DType fromCode(String code) {
        for (DType t : values()) {
            if (t.code.equals(code)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown element type '" + code + "' (expected f32, f16, bf16, i32 or i64)");
    }
}
