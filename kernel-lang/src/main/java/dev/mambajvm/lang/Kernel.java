package dev.mambajvm.lang;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a {@code static void} method as a kernel: its first parameter is a {@link KernelContext},
 * the others are device arrays ({@link FloatArray}, {@link HalfArray}, {@link BFloat16Array},
 * {@link IntArray}, {@link LongArray}) and {@code int}/{@code long}/{@code float} scalars.
 *
 * <p>The kernel compiler (an annotation processor) translates the method body to CUDA C and
 * OpenCL C at build time; the runtime compiles that source for the chosen device (NVRTC, or
 * clBuildProgram) the first time the kernel is launched. On the JVM backend the method itself
 * runs, one call per work-item.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Kernel {
}
