package dev.mambajvm.backend.cuda;

import dev.mambajvm.backend.BackendKind;
import dev.mambajvm.backend.CompiledKernel;
import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.backend.KernelCompilationException;
import dev.mambajvm.backend.LaunchSequence;
import dev.mambajvm.backend.MemoryCounter;
import dev.mambajvm.backend.Queue;
import dev.mambajvm.lang.spec.Dialect;
import dev.mambajvm.lang.spec.KernelSpec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * One CUDA device. Uses the device's primary context (the one the CUDA runtime and other libraries
 * share), retained on first use and released by {@link #close()}; every entry point makes it
 * current on the calling thread first, because the driver API works on the thread's current
 * context and the JVM may call from any thread. A closed device opens again on next use; buffers,
 * kernels and sequences from before the close are dead (using them throws IllegalStateException).
 */
public final class CudaDevice implements Device {
    private final CudaBackend backend;
    final CudaDriver driver;
    private final Nvrtc nvrtc;
    private final int ordinal;
    private final int cuDevice;
    private final String name;
    private final MemoryCounter memory = new MemoryCounter();
    final int ccMajor;
    final int ccMinor;
    final int maxThreadsPerBlock;
    final int[] maxBlockDim;
    final long[] maxGridDim;
    private final Map<String, String> properties;

    private final Object lock = new Object();
    /** Null while closed. */
    private MemorySegment context;
    private MemorySegment stream;
    private CudaQueue queue;
    /** Bumped by every close, so that handles from an earlier opening are recognised as dead. */
    private int generation;
    private final Set<CudaBuffer.Allocation> allocations = Collections.newSetFromMap(new IdentityHashMap<>());
    private final List<MemorySegment> modules = new ArrayList<>();
    private final Set<CudaLaunchSequence> sequences = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<CudaTimingEvent.State> events = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Map<KernelKey, CudaCompiledKernel> kernels = new ConcurrentHashMap<>();

    private record KernelKey(String id, String sourceHash, Map<String, Number> constants) {
    }

    CudaDevice(CudaBackend backend, CudaDriver driver, Nvrtc nvrtc, int ordinal, int cuDevice) {
        this.backend = backend;
        this.driver = driver;
        this.nvrtc = nvrtc;
        this.ordinal = ordinal;
        this.cuDevice = cuDevice;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(256);
            driver.check(driver.cuDeviceGetName(buf, 256, cuDevice), "cuDeviceGetName");
            this.name = buf.getString(0).strip();
            MemorySegment mem = a.allocate(JAVA_LONG);
            driver.check(driver.cuDeviceTotalMem(mem, cuDevice), "cuDeviceTotalMem_v2");
            long totalMem = mem.get(JAVA_LONG, 0);
            ccMajor = driver.attribute(CudaDriver.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, cuDevice);
            ccMinor = driver.attribute(CudaDriver.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, cuDevice);
            maxThreadsPerBlock = driver.attribute(CudaDriver.CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK, cuDevice);
            maxBlockDim = new int[]{
                    driver.attribute(CudaDriver.CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X, cuDevice),
                    driver.attribute(CudaDriver.CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y, cuDevice),
                    driver.attribute(CudaDriver.CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z, cuDevice)};
            maxGridDim = new long[]{
                    driver.attribute(CudaDriver.CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X, cuDevice),
                    driver.attribute(CudaDriver.CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y, cuDevice),
                    driver.attribute(CudaDriver.CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z, cuDevice)};
            Map<String, String> p = new LinkedHashMap<>();
            p.put("name", name);
            p.put("compute capability", ccMajor + "." + ccMinor);
            p.put("multiprocessors", attr(CudaDriver.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT));
            p.put("global memory", totalMem / (1024 * 1024) + " MiB");
            p.put("max threads per block", String.valueOf(maxThreadsPerBlock));
            p.put("shared memory per block", kib(CudaDriver.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK));
            p.put("shared memory per block (opt-in)", kib(CudaDriver.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN));
            p.put("L2 cache", kib(CudaDriver.CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE));
            p.put("warp size", attr(CudaDriver.CU_DEVICE_ATTRIBUTE_WARP_SIZE));
            p.put("clock", mhz(CudaDriver.CU_DEVICE_ATTRIBUTE_CLOCK_RATE));
            p.put("memory clock", mhz(CudaDriver.CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE));
            p.put("memory bus width", attrOrUnknown(CudaDriver.CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH, " bits"));
            p.put("pci bus", attr(CudaDriver.CU_DEVICE_ATTRIBUTE_PCI_BUS_ID));
            this.properties = Collections.unmodifiableMap(p);
        }
    }

    // Optional facts: some attributes are not reported on every driver (clock rates were deprecated
    // in CUDA 12.x and may answer 0 or fail); they must not make the device unusable.
    private String attr(int a) {
        return attrOrUnknown(a, "");
    }

    private String attrOrUnknown(int a, String unit) {
        try {
            return driver.attribute(a, cuDevice) + unit;
        } catch (CudaException e) {
            return "unknown (" + e.codeName() + ")";
        }
    }

    private String kib(int a) {
        try {
            return driver.attribute(a, cuDevice) / 1024 + " KiB";
        } catch (CudaException e) {
            return "unknown (" + e.codeName() + ")";
        }
    }

    private String mhz(int a) {
        try {
            int khz = driver.attribute(a, cuDevice);
            return khz <= 0 ? "unknown" : khz / 1000 + " MHz";
        } catch (CudaException e) {
            return "unknown (" + e.codeName() + ")";
        }
    }

    @Override
    public BackendKind kind() {
        return BackendKind.CUDA;
    }

    @Override
    public String id() {
        return "cuda:" + ordinal;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Map<String, String> properties() {
        return properties;
    }

    /** e.g. 90 for an H100. */
    public int computeCapability() {
        return ccMajor * 10 + ccMinor;
    }

    // ---------------------------------------------------------------- context

    /**
     * Retains the primary context if needed and makes it current on this thread; returns it.
     * Called before every driver call that depends on the current context.
     */
    MemorySegment makeCurrent() {
        MemorySegment ctx;
        synchronized (lock) {
            if (context == null) {
                open();
            }
            ctx = context;
        }
        // Launch path: skip the driver call when this thread already has the context current.
        if (!ctx.equals(CURRENT_ON_THIS_THREAD.get())) {
            driver.check(driver.cuCtxSetCurrent(ctx), "cuCtxSetCurrent");
            CURRENT_ON_THIS_THREAD.set(ctx);
        }
        return ctx;
    }

    /** The context this process last made current on each thread (only mamba-jvm sets contexts). */
    private static final ThreadLocal<MemorySegment> CURRENT_ON_THIS_THREAD = new ThreadLocal<>();

    /** Wraps a direct cuCtxSetCurrent: the per-thread cache no longer knows what is current. */
    private static int forgetCurrent(int result) {
        CURRENT_ON_THIS_THREAD.remove();
        return result;
    }

    private void open() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            driver.check(driver.cuDevicePrimaryCtxRetain(out, cuDevice), "cuDevicePrimaryCtxRetain");
            MemorySegment ctx = CudaDriver.handle(out);
            try {
                driver.check(forgetCurrent(driver.cuCtxSetCurrent(ctx)), "cuCtxSetCurrent");
                // Non-blocking: must not serialise with the legacy default stream other libraries may use.
                driver.check(driver.cuStreamCreate(out, CudaDriver.CU_STREAM_NON_BLOCKING), "cuStreamCreate");
            } catch (CudaException e) {
                driver.cuDevicePrimaryCtxRelease(cuDevice);
                throw e;
            }
            stream = CudaDriver.handle(out);
            context = ctx;
            queue = new CudaQueue(this, generation);
        }
    }

    int generation() {
        synchronized (lock) {
            return generation;
        }
    }

    /** Throws IllegalStateException when a handle of an earlier opening is used. */
    void checkGeneration(int g, String what) {
        synchronized (lock) {
            if (g != generation || context == null) {
                throw new IllegalStateException(what + " belongs to " + id() + " before it was closed");
            }
        }
    }

    MemorySegment stream() {
        synchronized (lock) {
            if (stream == null) {
                throw new IllegalStateException(id() + " is closed");
            }
            return stream;
        }
    }

    // ---------------------------------------------------------------- memory

    @Override
    public DeviceBuffer allocate(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("cannot allocate " + bytes + " bytes");
        }
        makeCurrent();
        synchronized (lock) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment out = a.allocate(JAVA_LONG);
                // cuMemAlloc rejects 0 bytes; a 0-byte buffer still gets a real (1-byte) allocation.
                int rc = driver.cuMemAlloc(out, Math.max(1, bytes));
                if (rc != CudaDriver.CUDA_SUCCESS) {
                    throw driver.error(rc, "cuMemAlloc_v2", "allocating " + bytes + " bytes on " + id());
                }
                CudaBuffer.Allocation alloc = new CudaBuffer.Allocation(out.get(JAVA_LONG, 0), bytes, generation);
                allocations.add(alloc);
                memory.allocated(bytes);
                return new CudaBuffer(this, alloc, 0, bytes, true);
            }
        }
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

    void free(CudaBuffer.Allocation alloc) {
        synchronized (lock) {
            if (alloc.freed || !allocations.remove(alloc)) {
                return;
            }
            alloc.freed = true;
            memory.freed(alloc.bytes);
            if (context != null) {
                driver.check(forgetCurrent(driver.cuCtxSetCurrent(context)), "cuCtxSetCurrent");
                // cuMemFree does not wait for queued work that may still use the memory: wait first.
                driver.check(driver.cuStreamSynchronize(stream), "cuStreamSynchronize");
                driver.check(driver.cuMemFree(alloc.base), "cuMemFree_v2");
            }
        }
    }

    /** The device address of {@code b}, checking that it is a live buffer of this device. */
    long pointerOf(DeviceBuffer b) {
        if (!(b instanceof CudaBuffer cb) || cb.device() != this) {
            throw new IllegalArgumentException("buffer " + b + " belongs to " + b.device().id() + ", not " + id());
        }
        return cb.pointer();
    }

    // ---------------------------------------------------------------- queue, sequences

    @Override
    public Queue queue() {
        makeCurrent();
        synchronized (lock) {
            return queue;
        }
    }

    @Override
    public LaunchSequence newSequence() {
        makeCurrent();
        synchronized (lock) {
            CudaLaunchSequence s = new CudaLaunchSequence(this, generation);
            sequences.add(s);
            return s;
        }
    }

    void forget(CudaLaunchSequence s) {
        synchronized (lock) {
            sequences.remove(s);
        }
    }

    /** Tracks the event's handle (not the event: the Cleaner must be able to see it unreachable). */
    void track(CudaTimingEvent.State e) {
        synchronized (lock) {
            events.add(e);
        }
    }

    /** Destroys an event unless close() already did. */
    void destroyEvent(CudaTimingEvent.State e) {
        synchronized (lock) {
            events.remove(e);
            if (e.destroyed || e.generation != generation || context == null) {
                return;
            }
            e.destroyed = true;
            forgetCurrent(driver.cuCtxSetCurrent(context));
            driver.cuEventDestroy(e.event);
        }
    }

    // ---------------------------------------------------------------- compilation

    /** NVRTC options for this device: PTX for the best architecture NVRTC supports up to the device's. */
    List<String> compileOptions() {
        int arch = nvrtc.targetArch(computeCapability());
        // No --use_fast_math: results are checked against float64 references.
        return List.of("--gpu-architecture=compute_" + arch, "-default-device", "--std=c++17");
    }

    @Override
    public CompiledKernel compile(KernelSpec spec, Map<String, ? extends Number> constants) {
        String source = spec.source(Dialect.CUDA, constants); // checks the constants
        KernelKey key = new KernelKey(spec.id(), CudaModuleCache.hash(source), Collections.unmodifiableMap(new TreeMap<>(constants)));
        CudaCompiledKernel k = kernels.get(key);
        if (k != null && k.generation() == generation()) {
            return k;
        }
        synchronized (lock) {
            k = kernels.get(key);
            if (k != null && k.generation() == generation) {
                return k;
            }
            k = compileUncached(spec, constants, source);
            kernels.put(key, k);
            return k;
        }
    }

    /** Forgets the in-memory kernel cache (modules stay loaded until close): the next compile goes to disk or NVRTC. */
    public void clearKernelCache() {
        kernels.clear();
    }

    private CudaCompiledKernel compileUncached(KernelSpec spec, Map<String, ? extends Number> constants, String source) {
        makeCurrent();
        List<String> options = compileOptions();
        CudaModuleCache cache = backend.diskCache();
        String cacheKey = CudaModuleCache.key(source, options, name, ccMajor + "." + ccMinor, nvrtc.version());
        if (cache != null) {
            Optional<String> cached = cache.read(cacheKey);
            if (cached.isPresent()) {
                try {
                    return load(spec, constants, source, cached.get(), options, CudaCompiledKernel.Origin.DISK_CACHE);
                } catch (CudaException | IllegalStateException e) {
                    // PTX the driver rejects (another driver wrote it, or it is damaged in a way the
                    // checksum cannot see): drop it and compile afresh.
                    System.err.println("mamba-jvm: warning: cached PTX for " + spec.displayName() + " rejected ("
                            + e.getMessage() + "); recompiling");
                    cache.invalidate(cacheKey);
                }
            }
        }
        Nvrtc.Output out = nvrtc.compile(source, spec.displayName() + Dialect.CUDA.extension(), options);
        if (!out.ok()) {
            throw new KernelCompilationException("NVRTC " + nvrtc.version() + " could not compile kernel "
                    + spec.displayName() + " (" + spec.location() + ") for " + id() + " (" + name + ", "
                    + String.join(" ", options) + ")", out.log(), source);
        }
        CudaCompiledKernel k = load(spec, constants, source, out.ptx(), options, CudaCompiledKernel.Origin.NVRTC);
        if (cache != null) {
            cache.write(cacheKey, out.ptx());
        }
        return k;
    }

    private CudaCompiledKernel load(KernelSpec spec, Map<String, ? extends Number> constants, String source, String ptx,
                                    List<String> options, CudaCompiledKernel.Origin origin) {
        final int logSize = 16 * 1024;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment image = a.allocateFrom(ptx, StandardCharsets.UTF_8); // NUL-terminated, as the driver needs
            MemorySegment errorLog = a.allocate(logSize);
            MemorySegment opts = a.allocate(JAVA_INT, 2);
            opts.setAtIndex(JAVA_INT, 0, CudaDriver.CU_JIT_ERROR_LOG_BUFFER);
            opts.setAtIndex(JAVA_INT, 1, CudaDriver.CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES);
            // JIT option values are passed as void*: a size goes in the pointer's bits.
            MemorySegment vals = a.allocate(ADDRESS, 2);
            vals.setAtIndex(ADDRESS, 0, errorLog);
            vals.setAtIndex(ADDRESS, 1, MemorySegment.ofAddress(logSize));
            MemorySegment out = a.allocate(ADDRESS);
            int rc = driver.cuModuleLoadDataEx(out, image, 2, opts, vals);
            if (rc != CudaDriver.CUDA_SUCCESS) {
                String log = errorLog.getString(0).strip();
                String hint = rc == 222 ? "the driver is older than NVRTC " + nvrtc.version()
                        + " (update the driver or point " + CudaLibraries.NVRTC_ENV + " at an older NVRTC)" : "";
                throw driver.error(rc, "cuModuleLoadDataEx", "kernel " + spec.displayName() + " on " + id()
                        + (log.isEmpty() ? "" : "; JIT log: " + log) + (hint.isEmpty() ? "" : "; " + hint));
            }
            MemorySegment module = CudaDriver.handle(out);
            modules.add(module);
            // Kernels are emitted extern "C": the symbol is the plain method name.
            rc = driver.cuModuleGetFunction(out, module, a.allocateFrom(spec.name()));
            if (rc != CudaDriver.CUDA_SUCCESS) {
                throw driver.error(rc, "cuModuleGetFunction", "no kernel '" + spec.name() + "' in the module of "
                        + spec.displayName() + " (is it declared extern \"C\" __global__?)");
            }
            return new CudaCompiledKernel(spec, constants, this, source, ptx, options, CudaDriver.handle(out), origin,
                    generation);
        }
    }

    // ---------------------------------------------------------------- close

    @Override
    public void close() {
        synchronized (lock) {
            if (context == null) {
                return;
            }
            List<RuntimeException> errors = new ArrayList<>();
            Runnable[] steps = {
                    () -> driver.check(forgetCurrent(driver.cuCtxSetCurrent(context)), "cuCtxSetCurrent"),
                    () -> driver.check(driver.cuStreamSynchronize(stream), "cuStreamSynchronize"),
            };
            for (Runnable r : steps) {
                run(r, errors);
            }
            for (CudaLaunchSequence s : List.copyOf(sequences)) {
                run(s::destroyGraph, errors);
            }
            sequences.clear();
            for (CudaTimingEvent.State e : List.copyOf(events)) {
                run(() -> {
                    if (!e.destroyed) {
                        e.destroyed = true;
                        driver.check(driver.cuEventDestroy(e.event), "cuEventDestroy_v2");
                    }
                }, errors);
            }
            events.clear();
            for (MemorySegment m : modules) {
                run(() -> driver.check(driver.cuModuleUnload(m), "cuModuleUnload"), errors);
            }
            modules.clear();
            kernels.clear();
            for (CudaBuffer.Allocation alloc : List.copyOf(allocations)) {
                alloc.freed = true;
                memory.freed(alloc.bytes);
                run(() -> driver.check(driver.cuMemFree(alloc.base), "cuMemFree_v2"), errors);
            }
            allocations.clear();
            MemorySegment s = stream;
            run(() -> driver.check(driver.cuStreamDestroy(s), "cuStreamDestroy_v2"), errors);
            run(() -> driver.check(driver.cuDevicePrimaryCtxRelease(cuDevice), "cuDevicePrimaryCtxRelease_v2"), errors);
            context = null;
            stream = null;
            queue = null;
            generation++;
            if (!errors.isEmpty()) {
                RuntimeException first = errors.getFirst();
                for (int i = 1; i < errors.size(); i++) {
                    first.addSuppressed(errors.get(i));
                }
                throw first;
            }
        }
    }

    private static void run(Runnable r, List<RuntimeException> errors) {
        try {
            r.run();
        } catch (RuntimeException e) {
            errors.add(e);
        }
    }

    @Override
    public String toString() {
        return id() + " (" + name + ")";
    }
}
