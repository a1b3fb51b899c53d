package dev.mambajvm.backend.opencl;

import dev.mambajvm.backend.CompiledKernel;
import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.backend.Queue;
import dev.mambajvm.backend.TimingEvent;
import dev.mambajvm.backend.WorkerGrid;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The device's in-order {@code cl_command_queue}, created with profiling enabled so that
 * {@link #record()} can read device timestamps.
 *
 * <p>Not thread-safe: use one queue from one thread at a time. Launches reuse per-queue scratch
 * memory for argument values and sizes, and a {@code cl_kernel}'s arguments are shared state.
 *
 * <p>Transfers from and to native memory are asynchronous (the memory must stay valid until
 * {@link #finish()}); heap segments cannot be handed to the driver, so they are staged through a
 * native copy and the transfer blocks.
 */
final class OpenClQueue implements Queue {
    private final OpenClDevice device;
    private final OpenCl cl;
    private final MemorySegment queue;
    private final MemorySegment argSlot;     // 8 bytes: one kernel argument value at a time
    private final MemorySegment globalSizes; // size_t[3]
    private final MemorySegment localSizes;  // size_t[3]
    private final MemorySegment eventSlot;   // cl_event out-parameter
    private OpenClBuffer timestampScratch;   // pre-1.2 platforms only: target of the 1-byte timing copy

    OpenClQueue(OpenClDevice device, MemorySegment queue, Arena arena) {
        this.device = device;
        this.cl = device.cl();
        this.queue = queue;
        this.argSlot = arena.allocate(8, 8);
        this.globalSizes = arena.allocate(JAVA_LONG, 3);
        this.localSizes = arena.allocate(JAVA_LONG, 3);
        this.eventSlot = arena.allocate(ADDRESS);
    }

    MemorySegment handle() {
        return queue;
    }

    @Override
    public void upload(MemorySegment src, DeviceBuffer dst) {
        OpenClBuffer d = OpenClBuffer.of(dst, device, "upload destination");
        long n = src.byteSize();
        if (n > d.byteSize()) {
            throw new IllegalArgumentException("upload of " + n + " bytes into a buffer of " + d.byteSize() + " bytes");
        }
        if (n == 0) {
            return; // OpenCL rejects zero-size transfers
        }
        if (src.isNative()) {
            cl.enqueueWrite(queue, d.rootMem(), false, d.offset(), n, src);
        } else {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment staged = a.allocate(n, 8).copyFrom(src);
                cl.enqueueWrite(queue, d.rootMem(), true, d.offset(), n, staged);
            }
        }
    }

    @Override
    public void download(DeviceBuffer src, MemorySegment dst) {
        OpenClBuffer s = OpenClBuffer.of(src, device, "download source");
        long n = dst.byteSize();
        if (n > s.byteSize()) {
            throw new IllegalArgumentException("download of " + n + " bytes from a buffer of " + s.byteSize() + " bytes");
        }
        if (n == 0) {
            return;
        }
        if (dst.isNative()) {
            cl.enqueueRead(queue, s.rootMem(), false, s.offset(), n, dst);
        } else {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment staged = a.allocate(n, 8);
                cl.enqueueRead(queue, s.rootMem(), true, s.offset(), n, staged);
                dst.copyFrom(staged);
            }
        }
    }

    @Override
    public void copy(DeviceBuffer src, DeviceBuffer dst, long bytes) {
        OpenClBuffer s = OpenClBuffer.of(src, device, "copy source");
        OpenClBuffer d = OpenClBuffer.of(dst, device, "copy destination");
        if (bytes < 0 || bytes > s.byteSize() || bytes > d.byteSize()) {
            throw new IllegalArgumentException("copy of " + bytes + " bytes from a buffer of " + s.byteSize()
                    + " bytes into one of " + d.byteSize() + " bytes");
        }
        if (bytes == 0) {
            return;
        }
        cl.enqueueCopy(queue, s.rootMem(), d.rootMem(), s.offset(), d.offset(), bytes, MemorySegment.NULL);
    }

    @Override
    public void launch(CompiledKernel kernel, WorkerGrid grid, Object... args) {
        OpenClKernel k = KernelArguments.set(kernel, device, args, argSlot);
        int dims = grid.dimensions();
        for (int d = 0; d < dims; d++) {
            globalSizes.setAtIndex(JAVA_LONG, d, grid.global(d));
            localSizes.setAtIndex(JAVA_LONG, d, grid.local(d));
        }
        int rc = cl.enqueueNDRange(queue, k.handle(), dims, globalSizes, localSizes);
        // Name the kernel and the grid: CL_INVALID_WORK_GROUP_SIZE alone does not say which launch.
        OpenCl.check("clEnqueueNDRangeKernel", rc, "kernel " + k.spec().displayName() + ", global "
                + Arrays.toString(Arrays.copyOf(grid.global(), dims)) + ", local "
                + Arrays.toString(Arrays.copyOf(grid.local(), dims)) + ", device max work-group size "
                + device.maxWorkGroupSize());
    }

    @Override
    public TimingEvent record() {
        if (device.platformAtLeast12() && cl.hasMarkerWithWaitList()) {
            cl.enqueueMarker(queue, eventSlot);
        } else {
            // OpenCL 1.1 has no marker with an event we can profile: time a 1-byte copy instead.
            if (timestampScratch == null) {
                timestampScratch = (OpenClBuffer) device.allocate(2);
            }
            MemorySegment mem = timestampScratch.rootMem();
            cl.enqueueCopy(queue, mem, mem, 0, 1, 1, eventSlot);
        }
        return new OpenClTimingEvent(device, eventSlot.get(ADDRESS, 0));
    }

    @Override
    public void finish() {
        cl.finish(queue);
    }
}
