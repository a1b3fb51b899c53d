package dev.mambajvm.backend;

/**
 * Device memory. A slice shares its parent's memory and is freed with it; closing a slice does
 * nothing.
 */
public interface DeviceBuffer extends AutoCloseable {
    Device device();

    long byteSize();

    /** A view of {@code bytes} bytes starting at {@code offset}; bounds are checked. */
    DeviceBuffer slice(long offset, long bytes);

    @Override
    void close();
}
