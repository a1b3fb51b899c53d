package dev.mambajvm.lang.spec;

/** The C dialects a kernel is translated to. */
public enum Dialect {
    CUDA(".cu"),
    OPENCL(".cl");

    private final String extension;

    Dialect(String extension) {
        this.extension = extension;
    }

    /** File extension of the generated source resource. */
    public String extension() {
        return extension;
    }
}
