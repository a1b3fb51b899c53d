package dev.mambajvm.backend.jvm;

import dev.mambajvm.backend.BackendKind;
import dev.mambajvm.backend.CompiledKernel;
import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.backend.KernelCompilationException;
import dev.mambajvm.backend.LaunchSequence;
import dev.mambajvm.backend.MemoryCounter;
import dev.mambajvm.lang.BFloat16Array;
import dev.mambajvm.lang.FloatArray;
import dev.mambajvm.lang.HalfArray;
import dev.mambajvm.lang.IntArray;
import dev.mambajvm.lang.KernelContext;
import dev.mambajvm.lang.LongArray;
import dev.mambajvm.lang.spec.KernelParam;
import dev.mambajvm.lang.spec.KernelSpec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one JVM device ({@code jvm}): memory is off-heap {@link MemorySegment}s, kernels are their
 * own Java methods, and launches spread work-groups over all available processors.
 *
 * <pre>{@code
 * try (Device dev = new JvmBackend().devices().getFirst()) {
 *     CompiledKernel add = dev.compile(KernelSpec.load(BasicKernels.class, "vectorAdd"), Map.of());
 *     DeviceBuffer a = dev.allocate(4L * n), b = ..., c = ...;
 *     dev.queue().upload(hostA, a);  ...
 *     dev.queue().launch(add, WorkerGrid.covering1D(n, 256), a, b, c, n);
 *     dev.queue().download(c, hostC);   // synchronous: the launch has already finished
 * }
 * }</pre>
 */
public final class JvmDevice implements Device {
    /** Fresh buffers are filled with this byte: 0xFFFFFFFF is a NaN float, so unwritten output shows. */
    private static final byte ALLOCATION_POISON = (byte) 0xFF;
    /** Alignment of every allocation: a cache line, more than any element type needs. */
    private static final long ALIGNMENT = 64;

    private final Map<String, String> properties;
    private final JvmExecutor executor;
    private final JvmQueue queue = new JvmQueue(this);
    /** Compiled kernels per (spec, constants); the spec (not only its id) is the key so that two
     *  descriptors of one method, as tests build them, do not share an entry. */
    private final Map<CacheKey, JvmCompiledKernel> compiled = new ConcurrentHashMap<>();
    /** Live top-level buffers, freed when the device closes. */
    private final Set<JvmBuffer> buffers = ConcurrentHashMap.newKeySet();
    private final MemoryCounter memory = new MemoryCounter();
    private volatile boolean closed;

    private record CacheKey(KernelSpec spec, Map<String, ? extends Number> constants) {
    }

    JvmDevice(int parallelism) {
        this.executor = new JvmExecutor(parallelism);
        Map<String, String> p = new LinkedHashMap<>();
        p.put("worker threads", Integer.toString(parallelism));
        p.put("max heap", (Runtime.getRuntime().maxMemory() >> 20) + " MiB");
        p.put("device memory", "off-heap MemorySegments (one shared Arena per buffer)");
        p.put("kernels without barriers", "work-items of a group in a loop on one thread");
        p.put("kernels with barriers", "one virtual thread per work-item, Phaser barrier");
        this.properties = java.util.Collections.unmodifiableMap(p);
    }

    @Override
    public BackendKind kind() {
        return BackendKind.JVM;
    }

    @Override
    public String id() {
        return "jvm";
    }

    @Override
    public String name() {
        return "JVM (" + executor.parallelism() + " threads, Java " + Runtime.version().feature() + ")";
    }

    @Override
    public Map<String, String> properties() {
        return properties;
    }

    /** Off-heap memory, 64-byte aligned, filled with 0xFF bytes (NaN as floats) rather than zeros. */
    @Override
    public JvmBuffer allocate(long bytes) {
        checkOpen();
        if (bytes < 0) {
            throw new IllegalArgumentException("negative allocation size " + bytes);
        }
        Arena arena = Arena.ofShared();
        MemorySegment segment = arena.allocate(bytes, ALIGNMENT);
        segment.fill(ALLOCATION_POISON);
        JvmBuffer buffer = new JvmBuffer(this, segment, arena);
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
    public JvmQueue queue() {
        return queue;
    }

    /**
     * Finds the kernel's Java method and returns a handle to it; cached per (kernel, constants).
     * The constants are checked with {@link KernelSpec#defines} exactly as the GPU backends do, so
     * a missing, unknown or mistyped constant fails here too.
     *
     * @throws IllegalArgumentException    for bad constants
     * @throws KernelCompilationException  when the class or a method matching the descriptor is missing
     */
    @Override
    public CompiledKernel compile(KernelSpec spec, Map<String, ? extends Number> constants) {
        checkOpen();
        spec.defines(constants);
        CacheKey key = new CacheKey(spec, Map.copyOf(constants));
        return compiled.computeIfAbsent(key, k -> new JvmCompiledKernel(spec, k.constants(), this, findMethod(spec)));
    }

    @Override
    public LaunchSequence newSequence() {
        checkOpen();
        return new JvmLaunchSequence(this);
    }

    /** Frees every buffer still open and stops the worker threads. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (JvmBuffer b : List.copyOf(buffers)) {
            b.close();
        }
        compiled.clear();
        executor.close();
    }

    // ---- package-private plumbing ------------------------------------------------------------

    JvmExecutor executor() {
        checkOpen();
        return executor;
    }

    void forget(JvmBuffer buffer) {
        if (buffers.remove(buffer)) {
            memory.freed(buffer.byteSize());
        }
    }

    JvmBuffer own(DeviceBuffer buffer, String role) {
        if (buffer instanceof JvmBuffer b && b.device() == this) {
            return b;
        }
        throw new IllegalArgumentException(role + " " + buffer + " does not belong to this JVM device");
    }

    JvmCompiledKernel own(CompiledKernel kernel) {
        if (kernel instanceof JvmCompiledKernel k && k.device() == this) {
            return k;
        }
        throw new IllegalArgumentException("kernel " + kernel.spec().displayName() + " was compiled for "
                + kernel.device().id() + ", not for this JVM device");
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the JVM device is closed");
        }
    }

    /**
     * The {@code static void} method {@code spec.owner().spec.name()} whose parameter types are what
     * the descriptor says: {@link KernelContext}, then per parameter its array record or primitive.
     * The class is loaded through the thread's context class loader (the application's kernels are
     * not necessarily visible to this library's loader).
     */
    private static MethodHandle findMethod(KernelSpec spec) {
        List<KernelParam> params = spec.params();
        if (params.isEmpty() || params.getFirst().kind() != KernelParam.Kind.CONTEXT) {
            throw failed(spec, "the descriptor's first parameter must be the KernelContext");
        }
        Class<?>[] types = new Class<?>[params.size()];
        for (int i = 0; i < types.length; i++) {
            KernelParam p = params.get(i);
            types[i] = switch (p.kind()) {
                case CONTEXT -> KernelContext.class;
                case ARRAY -> switch (p.arrayType()) {
                    case F32 -> FloatArray.class;
                    case F16 -> HalfArray.class;
                    case BF16 -> BFloat16Array.class;
                    case I32 -> IntArray.class;
                    case I64 -> LongArray.class;
                };
                case SCALAR, CONSTANT -> switch (p.scalarType()) {
                    case "int" -> int.class;
                    case "long" -> long.class;
                    case "float" -> float.class;
                    default -> throw failed(spec, "parameter " + p.name() + " has unknown type " + p.scalarType());
                };
            };
        }
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader == null) {
            loader = JvmDevice.class.getClassLoader();
        }
        Class<?> owner;
        try {
            owner = Class.forName(spec.owner(), true, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            throw failed(spec, "class " + spec.owner() + " cannot be loaded: " + e);
        }
        Method method;
        try {
            method = owner.getDeclaredMethod(spec.name(), types);
        } catch (NoSuchMethodException e) {
            String found = Arrays.stream(owner.getDeclaredMethods()).filter(m -> m.getName().equals(spec.name()))
                    .map(Method::toString).toList().toString();
            throw failed(spec, "no method " + spec.name() + Arrays.stream(types).map(Class::getSimpleName).toList()
                    + " in " + owner.getName() + " (methods of that name: " + found + ")");
        }
        if (!Modifier.isStatic(method.getModifiers()) || method.getReturnType() != void.class) {
            throw failed(spec, method + " must be static void");
        }
        try {
            method.setAccessible(true); // kernels may be private or package-private
            return MethodHandles.lookup().unreflect(method);
        } catch (RuntimeException | IllegalAccessException e) {
            throw failed(spec, "cannot access " + method + ": " + e);
        }
    }

    private static KernelCompilationException failed(KernelSpec spec, String why) {
        return new KernelCompilationException("kernel " + spec.displayName() + " (" + spec.location()
                + ") cannot run on the JVM: " + why, why, "");
    }
}
