package dev.mambajvm.lang;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A scalar kernel parameter whose value is fixed when the kernel is compiled for a device
 * (specialization). The generated source begins with {@code #define name value}, so loops bounded
 * by it unroll and local arrays sized by it get a compile-time size; the runtime keeps one compiled
 * variant per distinct set of constant values. Only {@code int} and {@code float} parameters can be
 * constants; they are not passed at launch.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface Constant {
}
