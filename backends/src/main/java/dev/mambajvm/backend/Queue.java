package dev.mambajvm.backend;

import java.lang.foreign.MemorySegment;

/**
 * An in-order queue of transfers and launches. Work may run asynchronously: host memory handed to
 * {@link #upload}/{@link #download} must stay valid, and results are only visible, after
 * {@link #finish()}.
 */
public interface Queue extends LaunchTarget {
    /** Copies {@code src.byteSize()} bytes from host memory into the start of {@code dst}. */
    void upload(MemorySegment src, DeviceBuffer dst);

    /** Copies {@code dst.byteSize()} bytes from the start of {@code src} into host memory. */
    void download(DeviceBuffer src, MemorySegment dst);

    /** Device-to-device copy of {@code bytes} bytes. */
    @Override
    void copy(DeviceBuffer src, DeviceBuffer dst, long bytes);

    /**
     * Launches a kernel. {@code args} follow the kernel's launch parameters in declaration order
     * (without the context and the {@code @Constant}s): a {@link DeviceBuffer} per array, an
     * {@code Integer}/{@code Long}/{@code Float} or a {@link Scalar} per scalar.
     *
     * @throws IllegalArgumentException naming the parameter when an argument does not fit
     */
    @Override
    void launch(CompiledKernel kernel, WorkerGrid grid, Object... args);

    /** Records a timing event after the work queued so far. */
    TimingEvent record();

    /** Blocks until all queued work is done; reports asynchronous device errors. */
    void finish();
}
