/**
 * The OpenCL backend: OpenCL C generated from {@code @Kernel} methods, built with
 * {@code clBuildProgram} and run through the system ICD loader, all bound with
 * {@code java.lang.foreign}.
 *
 * <p>Files, bottom up:
 * <ul>
 *   <li>{@code OpenCl}: the downcall handles, one checked Java method per C call;</li>
 *   <li>{@link dev.mambajvm.backend.opencl.ClErrors} and {@link dev.mambajvm.backend.opencl.OpenClException}:
 *       error codes by name;</li>
 *   <li>{@link dev.mambajvm.backend.opencl.OpenClBackend}: discovery of platforms and devices;</li>
 *   <li>{@code OpenClDevice}: context, buffers, kernel cache, queue, cleanup;</li>
 *   <li>{@code OpenClBuffer}: allocations and slices (sub-buffers for kernel arguments);</li>
 *   <li>{@code OpenClKernel}: specialization and build, with the build log on failure;</li>
 *   <li>{@code KernelArguments}: launch arguments checked against the spec ({@link dev.mambajvm.backend.LaunchArguments}), then {@code clSetKernelArg};</li>
 *   <li>{@code OpenClQueue}, {@code OpenClTimingEvent}, {@code OpenClLaunchSequence}: transfers,
 *       launches, profiling markers and replayable sequences.</li>
 * </ul>
 *
 * <p>Threading: discovery and {@code compile} are thread-safe; a device's queue, its buffers and
 * its launch sequences are for one thread at a time.
 */
package dev.mambajvm.backend.opencl;
