package dev.mambajvm.backend.cuda;

import dev.mambajvm.backend.CompiledKernel;
import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.backend.Queue;
import dev.mambajvm.backend.TimingEvent;
import dev.mambajvm.backend.WorkerGrid;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.ToLongFunction;

import static java.lang.foreign.ValueLayout.ADDRESS;

/**
 * The device's stream (created with CU_STREAM_NON_BLOCKING). Transfers are asynchronous
 * ({@code cuMemcpy*Async_v2}): native host memory given to {@link #upload}/{@link #download} must
 * stay valid, and unchanged for uploads, until {@link #finish()}. Heap segments (on-heap arrays)
 * cannot be handed to the driver: they are staged through native memory and the call then
 * completes synchronously.
 */
final class CudaQueue implements Queue {
    private final CudaDevice device;
    private final int generation;

    /** {@link CudaDevice#pointerOf}, made once: a method reference per launch could allocate. */
    private final ToLongFunction<DeviceBuffer> pointerOf;

    CudaQueue(CudaDevice device, int generation) {
        this.device = device;
        this.generation = generation;
        this.pointerOf = device::pointerOf;
    }

    /** Argument scratch for {@link #launch}: the queue is used by one thread at a time. */
    private int scratchSlots = 0;
    private MemorySegment scratchValues;
    private MemorySegment scratchPointers;

    private MemorySegment begin() {
        device.checkGeneration(generation, "queue");
        device.makeCurrent();
        return device.stream();
    }

    private CudaBuffer own(DeviceBuffer b, String role) {
        if (!(b instanceof CudaBuffer cb) || cb.device() != device) {
            throw new IllegalArgumentException(role + " buffer " + b + " is not a buffer of " + device.id());
        }
        return cb;
    }

    @Override
    public void upload(MemorySegment src, DeviceBuffer dst) {
        CudaBuffer d = own(dst, "destination");
        long n = src.byteSize();
        if (n > d.byteSize()) {
            throw new IllegalArgumentException("upload of " + n + " bytes into a buffer of " + d.byteSize() + " bytes");
        }
        if (n == 0) {
            return;
        }
        MemorySegment stream = begin();
        CudaDriver drv = device.driver;
        if (src.isNative()) {
            drv.check(drv.cuMemcpyHtoDAsync(d.pointer(), src, n, stream), "cuMemcpyHtoDAsync_v2");
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment staging = a.allocate(n, 16);
            staging.copyFrom(src);
            drv.check(drv.cuMemcpyHtoDAsync(d.pointer(), staging, n, stream), "cuMemcpyHtoDAsync_v2");
            // The staging memory dies with the arena: wait until the copy has read it.
            drv.check(drv.cuStreamSynchronize(stream), "cuStreamSynchronize");
        }
    }

    @Override
    public void download(DeviceBuffer src, MemorySegment dst) {
        CudaBuffer s = own(src, "source");
        long n = dst.byteSize();
        if (n > s.byteSize()) {
            throw new IllegalArgumentException("download of " + n + " bytes from a buffer of " + s.byteSize() + " bytes");
        }
        if (n == 0) {
            return;
        }
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("download into a read-only segment");
        }
        MemorySegment stream = begin();
        CudaDriver drv = device.driver;
        if (dst.isNative()) {
            drv.check(drv.cuMemcpyDtoHAsync(dst, s.pointer(), n, stream), "cuMemcpyDtoHAsync_v2");
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment staging = a.allocate(n, 16);
            drv.check(drv.cuMemcpyDtoHAsync(staging, s.pointer(), n, stream), "cuMemcpyDtoHAsync_v2");
            drv.check(drv.cuStreamSynchronize(stream), "cuStreamSynchronize");
            dst.copyFrom(staging);
        }
    }

    @Override
    public void copy(DeviceBuffer src, DeviceBuffer dst, long bytes) {
        CudaBuffer s = own(src, "source");
        CudaBuffer d = own(dst, "destination");
        checkCopy(s, d, bytes);
        if (bytes == 0) {
            return;
        }
        MemorySegment stream = begin();
        CudaDriver drv = device.driver;
        drv.check(drv.cuMemcpyDtoDAsync(d.pointer(), s.pointer(), bytes, stream), "cuMemcpyDtoDAsync_v2");
    }

    static void checkCopy(DeviceBuffer s, DeviceBuffer d, long bytes) {
        if (bytes < 0 || bytes > s.byteSize() || bytes > d.byteSize()) {
            throw new IllegalArgumentException("copy of " + bytes + " bytes from a buffer of " + s.byteSize()
                    + " bytes to one of " + d.byteSize() + " bytes");
        }
    }

    @Override
    public void launch(CompiledKernel kernel, WorkerGrid grid, Object... args) {
        CudaCompiledKernel k = kernelOf(device, kernel);
        KernelArguments.Type[] types = k.argTypes();
        int n = types.length;
        // cuLaunchKernel copies the argument values before returning, so one scratch block per
        // queue serves every launch: no allocation on the launch path.
        if (n > scratchSlots) {
            scratchSlots = Math.max(n, 2 * scratchSlots);
            scratchValues = Arena.ofAuto().allocate(KernelArguments.valuesSize(scratchSlots), 8);
            scratchPointers = Arena.ofAuto().allocate(ADDRESS, scratchSlots);
        }
        MemorySegment pointers = scratchPointers;
        KernelArguments.write(k.spec(), k.launchParams(), types, device, args, pointerOf, scratchValues, pointers);
        int[] dims = dims(device, k, grid);
        MemorySegment function = k.function();
        MemorySegment stream = begin();
        CudaDriver drv = device.driver;
        int rc = drv.cuLaunchKernel(function, dims[0], dims[1], dims[2], dims[3], dims[4], dims[5], 0, stream,
                n == 0 ? MemorySegment.NULL : pointers, MemorySegment.NULL);
        if (rc != CudaDriver.CUDA_SUCCESS) {
            throw drv.error(rc, "cuLaunchKernel", "kernel " + k.spec().displayName() + " on " + device.id()
                    + ", grid " + dims[0] + "x" + dims[1] + "x" + dims[2] + ", block " + dims[3] + "x" + dims[4]
                    + "x" + dims[5]);
        }
    }

    static CudaCompiledKernel kernelOf(CudaDevice device, CompiledKernel kernel) {
        if (!(kernel instanceof CudaCompiledKernel k) || k.cudaDevice() != device) {
            throw new IllegalArgumentException("kernel " + kernel + " was not compiled for " + device.id());
        }
        return k;
    }

    /** Grid (blocks) and block (threads) sizes, checked against the device's limits. */
    static int[] dims(CudaDevice device, CudaCompiledKernel k, WorkerGrid grid) {
        int[] d = new int[6];
        for (int i = 0; i < 3; i++) {
            long groups = grid.groups(i);
            int local = grid.local(i);
            if (groups > device.maxGridDim[i]) {
                throw new IllegalArgumentException("kernel " + k.spec().displayName() + ": " + groups
                        + " blocks in dimension " + i + " exceed the device's limit of " + device.maxGridDim[i]);
            }
            if (local > device.maxBlockDim[i]) {
                throw new IllegalArgumentException("kernel " + k.spec().displayName() + ": block size " + local
                        + " in dimension " + i + " exceeds the device's limit of " + device.maxBlockDim[i]);
            }
            d[i] = (int) groups;
            d[3 + i] = local;
        }
        if ((long) d[3] * d[4] * d[5] > device.maxThreadsPerBlock) {
            throw new IllegalArgumentException("kernel " + k.spec().displayName() + ": " + ((long) d[3] * d[4] * d[5])
                    + " threads per block exceed the device's limit of " + device.maxThreadsPerBlock);
        }
        return d;
    }

    @Override
    public TimingEvent record() {
        MemorySegment stream = begin();
        return new CudaTimingEvent(device, stream);
    }

    @Override
    public void finish() {
        MemorySegment stream = begin();
        CudaDriver drv = device.driver;
        int rc = drv.cuStreamSynchronize(stream);
        if (rc != CudaDriver.CUDA_SUCCESS) {
            throw drv.error(rc, "cuStreamSynchronize", "work queued on " + device.id()
                    + " failed (asynchronous error from an earlier launch or copy)");
        }
    }
}
