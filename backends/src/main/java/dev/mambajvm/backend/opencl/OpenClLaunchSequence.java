package dev.mambajvm.backend.opencl;

import dev.mambajvm.backend.CompiledKernel;
import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.backend.LaunchSequence;
import dev.mambajvm.backend.WorkerGrid;

import java.util.ArrayList;
import java.util.List;

/**
 * OpenCL has no graph object (command buffers are an extension), so a sequence is a list of
 * recorded steps re-enqueued on every replay. Arguments are checked when recorded, so a bad launch
 * fails at the line that recorded it; {@link dev.mambajvm.backend.Scalar}s are read again at each
 * replay, since the replay goes through {@link OpenClQueue#launch}.
 */
final class OpenClLaunchSequence implements LaunchSequence {
    private sealed interface Step permits Launch, Copy {
    }

    private record Launch(CompiledKernel kernel, WorkerGrid grid, Object[] args) implements Step {
    }

    private record Copy(DeviceBuffer src, DeviceBuffer dst, long bytes) implements Step {
    }

    private final OpenClDevice device;
    private final List<Step> steps = new ArrayList<>();
    private boolean closed;

    OpenClLaunchSequence(OpenClDevice device) {
        this.device = device;
    }

    @Override
    public void launch(CompiledKernel kernel, WorkerGrid grid, Object... args) {
        checkOpen();
        KernelArguments.check(kernel, device, args);
        steps.add(new Launch(kernel, grid, args.clone()));
    }

    @Override
    public void copy(DeviceBuffer src, DeviceBuffer dst, long bytes) {
        checkOpen();
        OpenClBuffer s = OpenClBuffer.of(src, device, "copy source");
        OpenClBuffer d = OpenClBuffer.of(dst, device, "copy destination");
        if (bytes < 0 || bytes > s.byteSize() || bytes > d.byteSize()) {
            throw new IllegalArgumentException("copy of " + bytes + " bytes from a buffer of " + s.byteSize()
                    + " bytes into one of " + d.byteSize() + " bytes");
        }
        steps.add(new Copy(src, dst, bytes));
    }

    @Override
    public int size() {
        return steps.size();
    }

    @Override
    public void replay() {
        checkOpen();
        OpenClQueue queue = device.queue();
        for (Step step : steps) {
            switch (step) {
                case Launch l -> queue.launch(l.kernel(), l.grid(), l.args());
                case Copy c -> queue.copy(c.src(), c.dst(), c.bytes());
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        steps.clear();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("launch sequence on " + device.id() + " was closed");
        }
    }
}
