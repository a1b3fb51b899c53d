package dev.mambajvm.backend.opencl;

import dev.mambajvm.backend.BackendKind;
import dev.mambajvm.backend.CompiledKernel;
import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.backend.LaunchSequence;
import dev.mambajvm.backend.MemoryCounter;
import dev.mambajvm.lang.spec.KernelSpec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One OpenCL device. Discovery only reads its facts; the {@code cl_context} and queue are made on
 * first use, so listing devices costs nothing on the driver side.
 *
 * <p>Host-side structures that live as long as the device (the queue's scratch) come from one
 * shared arena, closed with the device. {@link #close()} drains the queue, then releases kernels,
 * programs, buffers, the queue and the context, in that order.
 *
 * <p>{@link #compile} is thread-safe; the queue and buffers are meant for one thread at a time.
 */
final class OpenClDevice implements Device {
    /** Cache key: constants in a sorted map, so {@code Map.of} and {@code HashMap} with equal entries match. */
    private record KernelKey(String kernelId, Map<String, Number> constants) {
    }

    private final OpenCl cl;
    private final String id;
    private final MemorySegment device;
    private final String name;
    private final Map<String, String> properties;
    private final long baseAddressAlignBytes;
    private final long maxWorkGroupSize;
    private final double platformVersion;
    private final double openClCVersion;

    private final Arena arena = Arena.ofShared();
    private final Map<KernelKey, OpenClKernel> kernels = new HashMap<>();
    private final Set<OpenClBuffer> buffers = Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    private final MemoryCounter memory = new MemoryCounter();
    private MemorySegment context;
    private OpenClQueue queue;
    private boolean closed;

    OpenClDevice(OpenCl cl, int index, MemorySegment platform, MemorySegment device) {
        this.cl = cl;
        this.id = "opencl:" + index;
        this.device = device;
        this.name = cl.deviceString(device, OpenCl.CL_DEVICE_NAME);
        String platformVersionText = cl.platformInfo(platform, OpenCl.CL_PLATFORM_VERSION);
        String cVersionText = cl.deviceString(device, OpenCl.CL_DEVICE_OPENCL_C_VERSION);
        this.platformVersion = version(platformVersionText, "OpenCL ");
        this.openClCVersion = version(cVersionText, "OpenCL C ");
        // CL_DEVICE_MEM_BASE_ADDR_ALIGN is in bits.
        this.baseAddressAlignBytes = Math.max(1, cl.deviceUint(device, OpenCl.CL_DEVICE_MEM_BASE_ADDR_ALIGN) / 8);
        this.maxWorkGroupSize = cl.deviceUlong(device, OpenCl.CL_DEVICE_MAX_WORK_GROUP_SIZE);

        Map<String, String> p = new LinkedHashMap<>();
        p.put("platform", cl.platformInfo(platform, OpenCl.CL_PLATFORM_NAME));
        p.put("platform version", platformVersionText);
        p.put("device", name);
        p.put("type", typeName(cl.deviceUlong(device, OpenCl.CL_DEVICE_TYPE)));
        p.put("vendor", cl.deviceString(device, OpenCl.CL_DEVICE_VENDOR));
        p.put("OpenCL version", cl.deviceString(device, OpenCl.CL_DEVICE_VERSION));
        p.put("OpenCL C version", cVersionText);
        p.put("driver version", cl.deviceString(device, OpenCl.CL_DRIVER_VERSION));
        p.put("compute units", Integer.toString(cl.deviceUint(device, OpenCl.CL_DEVICE_MAX_COMPUTE_UNITS)));
        p.put("max work-group size", Long.toString(maxWorkGroupSize));
        p.put("global memory", bytes(cl.deviceUlong(device, OpenCl.CL_DEVICE_GLOBAL_MEM_SIZE)));
        p.put("max allocation", bytes(cl.deviceUlong(device, OpenCl.CL_DEVICE_MAX_MEM_ALLOC_SIZE)));
        p.put("local memory", bytes(cl.deviceUlong(device, OpenCl.CL_DEVICE_LOCAL_MEM_SIZE)));
        p.put("max clock", cl.deviceUint(device, OpenCl.CL_DEVICE_MAX_CLOCK_FREQUENCY) + " MHz");
        p.put("base address alignment", baseAddressAlignBytes + " bytes");
        this.properties = Collections.unmodifiableMap(p);
    }

    @Override
    public BackendKind kind() {
        return BackendKind.OPENCL;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Map<String, String> properties() {
        return properties;
    }

    @Override
    public synchronized DeviceBuffer allocate(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("cannot allocate " + bytes + " bytes");
        }
        // OpenCL has no empty buffers (CL_INVALID_BUFFER_SIZE): a 0-byte buffer gets 1 byte.
        MemorySegment mem = cl.createBuffer(context(), Math.max(1, bytes));
        OpenClBuffer buffer = new OpenClBuffer(this, mem, bytes);
        buffers.add(buffer);
        memory.allocated(bytes);
        return buffer;
    }

    @Override
    public long allocatedBytes() {
        return memory.allocatedBytes();
    }

    @Override
    public long peakAllocatedBytes() {
        return memory.peakBytes();
    }

    @Override
    public void resetPeakAllocatedBytes() {
        memory.resetPeak();
    }

    @Override
    public synchronized OpenClQueue queue() {
        checkOpen();
        if (queue == null) {
            queue = new OpenClQueue(this, cl.createProfilingQueue(context(), device, platformVersion >= 2.0), arena);
        }
        return queue;
    }

    @Override
    public synchronized CompiledKernel compile(KernelSpec spec, Map<String, ? extends Number> constants) {
        checkOpen();
        KernelKey key = new KernelKey(spec.id(), Collections.unmodifiableMap(new TreeMap<>(constants)));
        OpenClKernel kernel = kernels.get(key);
        if (kernel == null) {
            kernel = OpenClKernel.build(this, spec, key.constants());
            kernels.put(key, kernel);
        }
        return kernel;
    }

    @Override
    public LaunchSequence newSequence() {
        checkOpen();
        return new OpenClLaunchSequence(this);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        if (queue != null) {
            cl.finish(queue.handle());
        }
        for (OpenClKernel k : kernels.values()) {
            k.release();
        }
        kernels.clear();
        for (OpenClBuffer b : new ArrayList<>(buffers)) {
            b.releaseOnDeviceClose();
            memory.freed(b.byteSize());
        }
        buffers.clear();
        if (queue != null) {
            cl.releaseCommandQueue(queue.handle());
            queue = null;
        }
        if (context != null) {
            cl.releaseContext(context);
            context = null;
        }
        closed = true;
        arena.close();
    }

    // ---- for the other classes of this package ----

    OpenCl cl() {
        return cl;
    }

    MemorySegment handle() {
        return device;
    }

    synchronized MemorySegment context() {
        checkOpen();
        if (context == null) {
            context = cl.createContext(device);
        }
        return context;
    }

    synchronized boolean isOpen() {
        return !closed;
    }

    synchronized void forget(OpenClBuffer buffer) {
        if (buffers.remove(buffer)) {
            memory.freed(buffer.byteSize());
        }
    }

    long baseAddressAlignBytes() {
        return baseAddressAlignBytes;
    }

    long maxWorkGroupSize() {
        return maxWorkGroupSize;
    }

    boolean platformAtLeast12() {
        return platformVersion >= 1.2;
    }

    boolean supportsOpenClC12() {
        return openClCVersion >= 1.2;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("OpenCL device " + id + " was closed");
        }
    }

    /** {@code "OpenCL 3.0 PoCL ..."} with prefix {@code "OpenCL "} gives 3.0; 0 when unparseable. */
    static double version(String text, String prefix) {
        if (!text.startsWith(prefix)) {
            return 0;
        }
        String rest = text.substring(prefix.length()).split(" ", 2)[0];
        try {
            String[] mm = rest.split("\\.");
            return Integer.parseInt(mm[0]) + Integer.parseInt(mm[1]) / 10.0;
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private static String typeName(long type) {
        List<String> names = new ArrayList<>();
        if ((type & OpenCl.CL_DEVICE_TYPE_GPU) != 0) {
            names.add("GPU");
        }
        if ((type & OpenCl.CL_DEVICE_TYPE_CPU) != 0) {
            names.add("CPU");
        }
        if ((type & OpenCl.CL_DEVICE_TYPE_ACCELERATOR) != 0) {
            names.add("accelerator");
        }
        return names.isEmpty() ? "other (0x" + Long.toHexString(type) + ")" : String.join(", ", names);
    }

    private static String bytes(long n) {
        if (n >= 1L << 30) {
            return String.format(java.util.Locale.ROOT, "%.1f GiB", n / (double) (1L << 30));
        }
        if (n >= 1L << 20) {
            return String.format(java.util.Locale.ROOT, "%.1f MiB", n / (double) (1L << 20));
        }
        return String.format(java.util.Locale.ROOT, "%.1f KiB", n / 1024.0);
    }

    @Override
    public String toString() {
        return id + " (" + name + ")";
    }
}
