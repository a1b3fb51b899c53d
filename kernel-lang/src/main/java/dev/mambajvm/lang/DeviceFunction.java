package dev.mambajvm.lang;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a {@code static} helper that kernels may call. It is translated with the same rules as a
 * kernel body and emitted as a {@code __device__} (CUDA) or plain (OpenCL) function before the
 * kernels that call it. It takes no {@link KernelContext} and no device arrays: pass values.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface DeviceFunction {
}
