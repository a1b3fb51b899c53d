/**
 * The JVM backend: kernels run as the Java methods they were written as. This is the verification
 * path of mamba-jvm: the same kernel source, the same launch grid, real work-group semantics, but
 * with Java's bounds checks and stack traces instead of a silent GPU fault.
 *
 * <h2>How a launch runs</h2>
 * <ul>
 *   <li>{@link dev.mambajvm.backend.jvm.JvmDevice#compile} finds the {@code static void} method
 *       {@code spec.owner().spec.name()} and keeps a {@link java.lang.invoke.MethodHandle} to it;
 *       there is no code generation.</li>
 *   <li>{@link dev.mambajvm.backend.jvm.JvmQueue#launch} turns each argument into its Java value
 *       ({@code DeviceBuffer} becomes a {@code FloatArray}/{@code HalfArray}/... over the same memory,
 *       scalars are unboxed, {@code @Constant}s are their compile-time values) and binds them to the
 *       handle once, leaving a {@code (KernelContext)void} handle invoked once per work-item.</li>
 *   <li>Work-groups are spread over the cores. A kernel whose descriptor says it uses no barriers
 *       runs each group's work-items one after the other on one thread; a kernel with barriers runs
 *       each work-item of a group on its own virtual thread so that
 *       {@link dev.mambajvm.lang.KernelContext#localBarrier()} really waits for the whole group.</li>
 *   <li>All queue work is synchronous: {@code launch}, {@code upload}, {@code download} and
 *       {@code copy} are complete when they return, so {@code finish()} has nothing to wait for and
 *       a timing event is just {@link java.lang.System#nanoTime()}.</li>
 * </ul>
 */
package dev.mambajvm.backend.jvm;
