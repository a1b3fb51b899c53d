package dev.mambajvm.backend.cuda;

import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.DeviceBuffer;

/**
 * Device memory from {@code cuMemAlloc_v2}, or a slice of it: a slice is the parent's address plus
 * an offset, bounds-checked against the parent, and shares the parent's allocation (closing a slice
 * does nothing; closing the buffer that allocated frees the memory for all its slices).
 */
public final class CudaBuffer implements DeviceBuffer {
    /** One cuMemAlloc; {@code freed} is guarded by the device's lock. */
    static final class Allocation {
        final long base;
        final long bytes;
        final int generation;
        volatile boolean freed;

        Allocation(long base, long bytes, int generation) {
            this.base = base;
            this.bytes = bytes;
            this.generation = generation;
        }
    }

    private final CudaDevice device;
    private final Allocation allocation;
    private final long offset;
    private final long bytes;
    /** True for the buffer allocate() returned, false for slices. */
    private final boolean owner;

    CudaBuffer(CudaDevice device, Allocation allocation, long offset, long bytes, boolean owner) {
        this.device = device;
        this.allocation = allocation;
        this.offset = offset;
        this.bytes = bytes;
        this.owner = owner;
    }

    @Override
    public Device device() {
        return device;
    }

    @Override
    public long byteSize() {
        return bytes;
    }

    /** The CUdeviceptr of the first byte; throws IllegalStateException once the memory is freed. */
    public long pointer() {
        if (allocation.freed) {
            throw new IllegalStateException("buffer of " + bytes + " bytes on " + device.id() + " was freed");
        }
        return allocation.base + offset;
    }

    boolean isLive() {
        return !allocation.freed;
    }

    @Override
    public DeviceBuffer slice(long offset, long bytes) {
        if (offset < 0 || bytes < 0 || offset > this.bytes || bytes > this.bytes - offset) {
            throw new IndexOutOfBoundsException("slice [" + offset + ", " + offset + " + " + bytes
                    + ") does not fit in a buffer of " + this.bytes + " bytes");
        }
        return new CudaBuffer(device, allocation, this.offset + offset, bytes, false);
    }

    /** Frees the memory if this is the buffer {@link CudaDevice#allocate} returned; a slice's close does nothing. */
    @Override
    public void close() {
        if (owner) {
            device.free(allocation);
        }
    }

    @Override
    public String toString() {
        return "CudaBuffer[" + device.id() + ", " + bytes + " bytes" + (offset != 0 ? " at +" + offset : "") + "]";
    }
}
