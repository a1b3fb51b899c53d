package dev.mambajvm.model.weights;

import dev.mambajvm.lang.DType;

/** The safetensors dtype codes this engine reads, and back. */
final class SafetensorsDType {
    private SafetensorsDType() {}

    /** F32, F16, BF16; null for anything else (F64, I64, F8_E4M3, ...: no kernel reads those). */
    static DType parse(String code) {
        return switch (code) {
            case "F32" -> DType.F32;
            case "F16" -> DType.F16;
            case "BF16" -> DType.BF16;
            default -> null;
        };
    }

    static String code(DType dtype) {
        return switch (dtype) {
            case F32 -> "F32";
            case F16 -> "F16";
            case BF16 -> "BF16";
            default -> throw new IllegalArgumentException("safetensors weights must be F32, F16 or BF16, not " + dtype);
        };
    }
}
