package dev.mambajvm.backend.jvm;

import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.DeviceBuffer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Device memory of the JVM backend: plain off-heap memory, one {@link MemorySegment}.
 *
 * <p>Each top-level buffer owns its own {@linkplain Arena#ofShared() shared arena}: "shared"
 * because the work-groups of a launch touch it from many threads, and one arena per buffer so that
 * {@link #close()} frees exactly this buffer (a single device-wide arena could only free everything
 * at once). A slice is {@link MemorySegment#asSlice} of its parent: the same memory, no copy, and
 * it dies with its parent (using a slice after the parent is closed throws
 * {@link IllegalStateException}, where a GPU would read freed memory).
 *
 * <p>The kernel's {@code FloatArray} etc. wrap this same segment, so a launch works on the buffer
 * itself: the JVM backend never copies kernel arguments.
 */
public final class JvmBuffer implements DeviceBuffer {
    private final JvmDevice device;
    private final MemorySegment segment;
    /** The arena this buffer owns; null for a slice, which owns nothing. */
    private final Arena arena;
    private final AtomicBoolean closed = new AtomicBoolean();

    JvmBuffer(JvmDevice device, MemorySegment segment, Arena arena) {
        this.device = device;
        this.segment = segment;
        this.arena = arena;
    }

    @Override
    public Device device() {
        return device;
    }

    @Override
    public long byteSize() {
        return segment.byteSize();
    }

    /**
     * The memory itself, for zero-copy host access on the JVM backend (portable code uses the
     * queue's {@code upload}/{@code download} instead).
     */
    public MemorySegment segment() {
        return segment;
    }

    @Override
    public JvmBuffer slice(long offset, long bytes) {
        Objects.checkFromIndexSize(offset, bytes, segment.byteSize());
        return new JvmBuffer(device, segment.asSlice(offset, bytes), null);
    }

    /** Frees a top-level buffer (idempotent); does nothing for a slice. */
    @Override
    public void close() {
        if (arena != null && closed.compareAndSet(false, true)) {
            device.forget(this);
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "JvmBuffer[" + segment.byteSize() + " bytes" + (arena == null ? ", slice" : "") + "]";
    }
}
