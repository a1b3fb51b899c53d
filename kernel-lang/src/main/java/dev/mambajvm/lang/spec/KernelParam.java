package dev.mambajvm.lang.spec;

import dev.mambajvm.lang.DType;

/**
 * One parameter of a kernel, as the kernel compiler saw it.
 *
 * @param name        the Java parameter name (kept in the generated code)
 * @param kind        context, device array, launch-time scalar or compile-time constant
 * @param arrayType   element type, for arrays; null otherwise
 * @param scalarType  {@code int}, {@code long} or {@code float}, for scalars and constants; null otherwise
 * @param written     for arrays: whether the kernel writes it (read-only arrays become {@code const})
 */
public record KernelParam(String name, Kind kind, DType arrayType, String scalarType, boolean written) {

    public enum Kind { CONTEXT, ARRAY, SCALAR, CONSTANT }

    /** Whether the caller passes a value for it at launch (arrays and scalars, not context or constants). */
    public boolean passedAtLaunch() {
        return kind == Kind.ARRAY || kind == Kind.SCALAR;
    }

    String toLine() {
        return switch (kind) {
            case CONTEXT -> name + " context";
            case ARRAY -> name + " array " + arrayType.code() + (written ? " write" : " read");
            case SCALAR -> name + " scalar " + scalarType;
            case CONSTANT -> name + " constant " + scalarType;
        };
    }

    static KernelParam parse(String line) {
        String[] f = line.trim().split(" ");
        return switch (f[1]) {
            case "context" -> new KernelParam(f[0], Kind.CONTEXT, null, null, false);
            case "array" -> new KernelParam(f[0], Kind.ARRAY, DType.fromCode(f[2]), null, f[3].equals("write"));
            case "scalar" -> new KernelParam(f[0], Kind.SCALAR, null, f[2], false);
            case "constant" -> new KernelParam(f[0], Kind.CONSTANT, null, f[2], false);
            default -> throw new IllegalArgumentException("bad kernel parameter line: " + line);
        };
    }
}
