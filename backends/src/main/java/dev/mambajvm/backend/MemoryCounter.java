package dev.mambajvm.backend;

/**
 * Bytes a device has allocated and not yet freed, and the high-water mark of that since the device
 * opened or the last {@link #resetPeak()}: the allocator's view (as torch.cuda.max_memory_allocated),
 * not the driver's, so a context's own overhead and a backend's rounding are not in it. Every
 * {@link Device#allocate} adds its requested size, the buffer's close subtracts it.
 */
public final class MemoryCounter {
    private long allocated;
    private long peak;

    public synchronized void allocated(long bytes) {
        allocated += bytes;
        peak = Math.max(peak, allocated);
    }

    public synchronized void freed(long bytes) {
        allocated -= bytes;
    }

    public synchronized long allocatedBytes() {
        return allocated;
    }

    public synchronized long peakBytes() {
        return peak;
    }

    /** Starts a new high-water mark at what is allocated now. */
    public synchronized void resetPeak() {
        peak = allocated;
    }
}
