package dev.mambajvm.backend;

import dev.mambajvm.lang.spec.KernelSpec;

import java.util.Map;

/** A kernel compiled for one device with one set of {@code @Constant} values. */
public interface CompiledKernel {
    KernelSpec spec();

    Map<String, ? extends Number> constants();

    Device device();

    /** The exact source the device compiler was given (empty for the JVM backend). */
    String source();
}
