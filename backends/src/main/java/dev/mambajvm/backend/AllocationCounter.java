package dev.mambajvm.backend;

/**
 * The bytes a device has allocated and not yet freed, and the most there have been at once: what
 * {@link Device#allocatedBytes()} and {@link Device#peakAllocatedBytes()} report. A backend calls
 * {@link #allocated} once per successful allocation and {@link #freed} exactly once when that memory
 * is released (by the buffer's close or the device's). Counts the sizes asked for, not the driver's
 * rounding (a 0-byte buffer, which gets a real byte, counts 0). Thread-safe.
 */
public final class AllocationCounter {
    private long current;
    private long peak;

    public synchronized void allocated(long bytes) {
        current += bytes;
        peak = Math.max(peak, current);
    }

    public synchronized void freed(long bytes) {
        current -= bytes;
    }

    public synchronized long current() {
        return current;
    }

    public synchronized long peak() {
        return peak;
    }
}
