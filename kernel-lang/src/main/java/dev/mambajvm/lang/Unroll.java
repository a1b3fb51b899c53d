package dev.mambajvm.lang;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * On the variable of a {@code for} loop ({@code for (@Unroll int j = 0; j < n; j++)}): the
 * generated loop is preceded by {@code #pragma unroll}, asking the device compiler to unroll it
 * completely when its trip count is known at compile time (a {@code @Constant} or a literal
 * bound), and leaving it as it is otherwise.
 *
 * <p>Why a kernel asks: a private array ({@code new float[N]}) stays in registers only if every
 * index into it is a compile-time constant, which in a loop means the loop is unrolled. Compilers
 * unroll short, small loops on their own, but not a loop whose body is large (nvcc keeps such a
 * loop rolled and moves the arrays it indexes to local memory, a stack frame in the ptxas report).
 * No effect on the JVM backend, which runs the Java as written.
 */
@Retention(RetentionPolicy.SOURCE)
@Target(ElementType.LOCAL_VARIABLE)
public @interface Unroll {
}
