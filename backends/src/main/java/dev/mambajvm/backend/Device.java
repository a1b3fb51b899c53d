package dev.mambajvm.backend;

import dev.mambajvm.lang.spec.KernelSpec;

import java.util.Map;

/**
 * One device of a backend: allocates buffers, compiles kernels, owns an in-order queue.
 * Closing it frees everything it allocated.
 */
public interface Device extends AutoCloseable {
    BackendKind kind();

    /** e.g. {@code cuda:0}, {@code opencl:1}, {@code jvm}. */
    String id();

    String name();

    /** Facts for {@code mamba-cli devices} (compute units, memory sizes, versions ...), in display order. */
    Map<String, String> properties();

    /** Device memory of {@code bytes} bytes, contents undefined. */
    DeviceBuffer allocate(long bytes);

    /** The device's default in-order queue (CUDA stream, OpenCL command queue). */
    Queue queue();

    /**
     * Compiles {@code spec} for this device with the given {@code @Constant} values; the result is
     * cached per (kernel, constants). A compiler error is a {@link KernelCompilationException}
     * carrying the log and the source: there is no fallback to another backend.
     */
    CompiledKernel compile(KernelSpec spec, Map<String, ? extends Number> constants);

    /** A new, empty launch sequence to record once and replay many times. */
    LaunchSequence newSequence();

    /**
     * Bytes of the buffers {@link #allocate} returned that are not freed yet (the sizes asked for;
     * slices add nothing; {@link MemoryCounter}). Kernels' own scratch, compiled code and driver
     * overhead are not counted. -1 when the device does not count them.
     */
    default long allocatedBytes() {
        return -1;
    }

    /** The most {@link #allocatedBytes()} has been since the device opened or the last reset; -1 when not counted. */
    default long peakAllocatedBytes() {
        return -1;
    }

    /** Starts a new peak at what is allocated now (a benchmark's phase); does nothing when not counted. */
    default void resetPeakAllocatedBytes() {
    }

    @Override
    void close();
}
