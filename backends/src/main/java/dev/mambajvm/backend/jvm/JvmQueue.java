package dev.mambajvm.backend.jvm;

import dev.mambajvm.backend.CompiledKernel;
import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.backend.Queue;
import dev.mambajvm.backend.TimingEvent;
import dev.mambajvm.backend.WorkerGrid;

import java.lang.foreign.MemorySegment;

/**
 * The JVM device's queue. Everything is synchronous: each call has finished its work when it
 * returns (a launch has run every work-item, a copy has copied), so work is trivially in order,
 * {@link #finish()} has nothing to wait for and a {@link #record() timing event} is the current
 * {@link System#nanoTime()}. Calls from several threads are serialized (one launch at a time uses
 * all the cores anyway).
 */
public final class JvmQueue implements Queue {
    private final JvmDevice device;

    JvmQueue(JvmDevice device) {
        this.device = device;
    }

    @Override
    public synchronized void upload(MemorySegment src, DeviceBuffer dst) {
        JvmBuffer d = device.own(dst, "upload destination");
        if (src.byteSize() > d.byteSize()) {
            throw new IllegalArgumentException("upload of " + src.byteSize() + " bytes into a buffer of " + d.byteSize());
        }
        MemorySegment.copy(src, 0, d.segment(), 0, src.byteSize());
    }

    @Override
    public synchronized void download(DeviceBuffer src, MemorySegment dst) {
        JvmBuffer s = device.own(src, "download source");
        if (dst.byteSize() > s.byteSize()) {
            throw new IllegalArgumentException("download of " + dst.byteSize() + " bytes from a buffer of " + s.byteSize());
        }
        MemorySegment.copy(s.segment(), 0, dst, 0, dst.byteSize());
    }

    @Override
    public synchronized void copy(DeviceBuffer src, DeviceBuffer dst, long bytes) {
        JvmBuffer s = device.own(src, "copy source");
        JvmBuffer d = device.own(dst, "copy destination");
        if (bytes < 0 || bytes > s.byteSize() || bytes > d.byteSize()) {
            throw new IllegalArgumentException("copy of " + bytes + " bytes from a buffer of " + s.byteSize()
                    + " into one of " + d.byteSize());
        }
        // MemorySegment.copy has memmove semantics, so overlapping slices of one buffer are fine.
        MemorySegment.copy(s.segment(), 0, d.segment(), 0, bytes);
    }

    /**
     * Runs the kernel over the grid and returns when every work-item has finished.
     *
     * @throws IllegalArgumentException   naming the kernel and parameter when an argument does not fit
     * @throws KernelExecutionException   naming the work-item when a work-item threw
     */
    @Override
    public synchronized void launch(CompiledKernel kernel, WorkerGrid grid, Object... args) {
        JvmCompiledKernel k = device.own(kernel);
        device.executor().run(k, grid, k.bind(args));
    }

    @Override
    public TimingEvent record() {
        return new JvmTimingEvent(System.nanoTime());
    }

    /** Nothing to wait for: every call has completed before returning. */
    @Override
    public void finish() {
    }
}
