package dev.mambajvm.backend;

/**
 * Where launches go: a {@link Queue}, which issues them now, or a {@link LaunchSequence}, which
 * records them to replay later. Host code that only launches kernels and copies between device
 * buffers (a model's forward pass, say) takes a target, so the same code runs eagerly or is
 * recorded once and replayed (a CUDA Graph on CUDA).
 */
public interface LaunchTarget {
    /**
     * Launches (or records) a kernel. {@code args} follow the kernel's launch parameters in
     * declaration order (without the context and the {@code @Constant}s): a {@link DeviceBuffer}
     * per array, an {@code Integer}/{@code Long}/{@code Float} or a {@link Scalar} per scalar.
     *
     * @throws IllegalArgumentException naming the parameter when an argument does not fit
     */
    void launch(CompiledKernel kernel, WorkerGrid grid, Object... args);

    /** Device-to-device copy (or its record) of {@code bytes} bytes. */
    void copy(DeviceBuffer src, DeviceBuffer dst, long bytes);
}
