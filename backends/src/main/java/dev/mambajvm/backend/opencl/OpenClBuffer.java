package dev.mambajvm.backend.opencl;

import dev.mambajvm.backend.DeviceBuffer;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A {@code cl_mem} allocation, or a slice of one.
 *
 * <p>Every slice is addressed as (root {@code cl_mem}, byte offset, byte size): transfers and
 * copies take an offset directly, so they work for any slice. A kernel argument, though, is a bare
 * {@code cl_mem} and OpenCL C has no way to add an offset to it, so a slice at a non-zero offset is
 * passed as a sub-buffer, made on first use and freed with the root. OpenCL only allows sub-buffers
 * whose origin is a multiple of {@code CL_DEVICE_MEM_BASE_ADDR_ALIGN}; other slices cannot be kernel
 * arguments (see {@link #kernelArgument()}).
 */
final class OpenClBuffer implements DeviceBuffer {
    private final OpenClDevice device;
    private final OpenClBuffer root;          // this, for an allocation
    private final MemorySegment rootMem;      // the allocation's cl_mem
    private final long offset;                // bytes from the start of rootMem
    private final long bytes;
    private MemorySegment subBuffer;          // lazily made cl_mem for a slice at offset > 0
    private final List<MemorySegment> subBuffers; // root only: every sub-buffer, released on close
    private boolean released;                 // root only

    /** A new allocation. */
    OpenClBuffer(OpenClDevice device, MemorySegment mem, long bytes) {
        this.device = device;
        this.root = this;
        this.rootMem = mem;
        this.offset = 0;
        this.bytes = bytes;
        this.subBuffers = new ArrayList<>();
    }

    private OpenClBuffer(OpenClBuffer root, long offset, long bytes) {
        this.device = root.device;
        this.root = root;
        this.rootMem = root.rootMem;
        this.offset = offset;
        this.bytes = bytes;
        this.subBuffers = null;
    }

    @Override
    public OpenClDevice device() {
        return device;
    }

    @Override
    public long byteSize() {
        return bytes;
    }

    /** Byte offset of this view inside the root allocation. */
    long offset() {
        return offset;
    }

    /** The root allocation's {@code cl_mem}, for transfers and copies (which take {@link #offset()}). */
    MemorySegment rootMem() {
        checkLive();
        return rootMem;
    }

    @Override
    public DeviceBuffer slice(long offset, long bytes) {
        checkLive();
        if (offset < 0 || bytes < 0 || offset > this.bytes - bytes) {
            throw new IndexOutOfBoundsException("slice [" + offset + ", " + offset + " + " + bytes
                    + ") is outside a buffer of " + this.bytes + " bytes");
        }
        return new OpenClBuffer(root, this.offset + offset, bytes);
    }

    /**
     * The {@code cl_mem} to pass to {@code clSetKernelArg}: the root itself at offset 0 (the kernel
     * is told its length separately, so the extra bytes after a short slice do no harm), otherwise
     * a sub-buffer.
     *
     * @throws IllegalArgumentException when the offset is not a multiple of the device's base
     *                                  address alignment
     */
    MemorySegment kernelArgument() {
        checkLive();
        if (offset == 0) {
            return rootMem;
        }
        if (subBuffer == null) {
            long align = device.baseAddressAlignBytes();
            if (offset % align != 0) {
                throw new IllegalArgumentException("a slice at byte offset " + offset + " cannot be a kernel argument on "
                        + device.id() + ": OpenCL sub-buffers must start at a multiple of CL_DEVICE_MEM_BASE_ADDR_ALIGN = "
                        + align + " bytes (" + align * 8 + " bits); align the slice or copy it to its own buffer");
            }
            // A zero-size region is CL_INVALID_BUFFER_SIZE: keep at least one byte (never read).
            long size = Math.max(1, Math.min(bytes, root.bytes - offset));
            subBuffer = device.cl().createSubBuffer(rootMem, offset, size);
            synchronized (root) {
                root.subBuffers.add(subBuffer);
            }
        }
        return subBuffer;
    }

    /** Frees the allocation and every sub-buffer of its slices; a slice's close does nothing. */
    @Override
    public void close() {
        if (root != this) {
            return;
        }
        List<MemorySegment> toRelease;
        synchronized (this) {
            if (released) {
                return;
            }
            released = true;
            toRelease = List.copyOf(subBuffers);
            subBuffers.clear();
        }
        device.forget(this);
        if (device.isOpen()) {
            for (MemorySegment sub : toRelease) {
                device.cl().releaseMemObject(sub);
            }
            device.cl().releaseMemObject(rootMem);
        }
    }

    /** Called by the device on close, after the queue has drained. */
    void releaseOnDeviceClose() {
        synchronized (this) {
            if (released) {
                return;
            }
            released = true;
        }
        for (MemorySegment sub : subBuffers) {
            device.cl().releaseMemObject(sub);
        }
        device.cl().releaseMemObject(rootMem);
    }

    private void checkLive() {
        synchronized (root) {
            if (root.released) {
                throw new IllegalStateException("buffer of " + root.bytes + " bytes on " + device.id() + " was closed");
            }
        }
    }

    /** Casts {@code buffer} to an OpenCL buffer of {@code device}, or says why it is not one. */
    static OpenClBuffer of(DeviceBuffer buffer, OpenClDevice device, String role) {
        Objects.requireNonNull(buffer, role);
        if (!(buffer instanceof OpenClBuffer b) || b.device != device) {
            throw new IllegalArgumentException(role + " is a buffer of " + buffer.device().id() + ", not of " + device.id());
        }
        return b;
    }

    @Override
    public String toString() {
        return "OpenClBuffer[" + device.id() + ", offset " + offset + ", " + bytes + " bytes]";
    }
}
