package dev.mambajvm.backend;

/**
 * A task graph: launches (and copies) recorded once and replayed many times, the basis of a fast
 * per-token decode. The CUDA backend captures it into a CUDA Graph on the first replay and, on
 * later replays, updates only the kernel nodes whose {@link Scalar} arguments changed; the other
 * backends re-issue the recorded launches.
 */
public interface LaunchSequence extends LaunchTarget, AutoCloseable {
    /** Records a launch; arguments as for {@link Queue#launch}, {@link Scalar}s read at each replay. */
    @Override
    void launch(CompiledKernel kernel, WorkerGrid grid, Object... args);

    /** Records a device-to-device copy. */
    @Override
    void copy(DeviceBuffer src, DeviceBuffer dst, long bytes);

    /** Number of recorded steps. */
    int size();

    /** Enqueues the whole sequence on the device's queue; does not wait. */
    void replay();

    @Override
    void close();
}
