package dev.mambajvm.backend.jvm;

import dev.mambajvm.backend.CompiledKernel;
import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.backend.LaunchSequence;
import dev.mambajvm.backend.WorkerGrid;

import java.util.ArrayList;
import java.util.List;

/**
 * A launch sequence on the JVM: the recorded steps are re-issued on the queue at each replay, so
 * {@link dev.mambajvm.backend.Scalar} arguments are read at replay time and the replay has run to
 * completion when {@link #replay()} returns. Arguments are checked when recorded, as a CUDA graph
 * capture would, so a bad argument fails at the line that recorded it.
 */
final class JvmLaunchSequence implements LaunchSequence {
    private final JvmDevice device;
    private final List<Runnable> steps = new ArrayList<>();
    private boolean closed;

    JvmLaunchSequence(JvmDevice device) {
        this.device = device;
    }

    @Override
    public synchronized void launch(CompiledKernel kernel, WorkerGrid grid, Object... args) {
        open();
        device.own(kernel).bind(args); // validate now; bound again (Scalars re-read) at each replay
        Object[] kept = args.clone();
        steps.add(() -> device.queue().launch(kernel, grid, kept));
    }

    @Override
    public synchronized void copy(DeviceBuffer src, DeviceBuffer dst, long bytes) {
        open();
        device.own(src, "copy source");
        device.own(dst, "copy destination");
        steps.add(() -> device.queue().copy(src, dst, bytes));
    }

    @Override
    public synchronized int size() {
        return steps.size();
    }

    @Override
    public synchronized void replay() {
        open();
        for (Runnable step : steps) {
            step.run();
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        steps.clear();
    }

    private void open() {
        if (closed) {
            throw new IllegalStateException("launch sequence is closed");
        }
    }
}
