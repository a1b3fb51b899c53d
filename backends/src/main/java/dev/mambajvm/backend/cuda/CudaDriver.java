package dev.mambajvm.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The CUDA driver API calls this backend uses, bound through java.lang.foreign.
 *
 * <p>Symbol names are the exported, versioned ones that {@code cuda.h} (CUDA 13.0) maps the
 * documented names to: a C program calling {@code cuMemAlloc} links {@code cuMemAlloc_v2}, and so
 * must we; binding the unversioned name would silently get the legacy 32-bit-size ABI. Where a
 * newer version exists only on recent drivers ({@code cuEventElapsedTime_v2}, 12.8) the older name
 * is the fallback. Type mapping: {@code CUresult}, {@code CUdevice}, {@code int}, {@code unsigned int}
 * are JAVA_INT; {@code CUdeviceptr} and {@code size_t} are JAVA_LONG; handles ({@code CUcontext},
 * {@code CUstream}, {@code CUmodule}, {@code CUfunction}, {@code CUevent}, {@code CUgraph},
 * {@code CUgraphNode}, {@code CUgraphExec}) and all pointers are ADDRESS.
 *
 * <p>Every wrapper returns the raw CUresult; {@link #check} turns a failure into a
 * {@link CudaException} that names the symbol and the status.
 */
final class CudaDriver {
    // Enum values copied from cuda.h (CUDA 13.0).
    static final int CUDA_SUCCESS = 0;
    static final int CUDA_ERROR_INVALID_VALUE = 1;
    static final int CUDA_ERROR_NOT_READY = 600;
    static final int CU_STREAM_NON_BLOCKING = 0x1;
    static final int CU_EVENT_DEFAULT = 0x0;
    static final int CU_MEMORYTYPE_DEVICE = 0x2;
    static final int CU_JIT_INFO_LOG_BUFFER = 3;
    static final int CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES = 4;
    static final int CU_JIT_ERROR_LOG_BUFFER = 5;
    static final int CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;

    static final int CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 1;
    static final int CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X = 2;
    static final int CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y = 3;
    static final int CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z = 4;
    static final int CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X = 5;
    static final int CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y = 6;
    static final int CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z = 7;
    static final int CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK = 8;
    static final int CU_DEVICE_ATTRIBUTE_WARP_SIZE = 10;
    static final int CU_DEVICE_ATTRIBUTE_CLOCK_RATE = 13;
    static final int CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
    static final int CU_DEVICE_ATTRIBUTE_PCI_BUS_ID = 33;
    static final int CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE = 36;
    static final int CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH = 37;
    static final int CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE = 38;
    static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
    static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
    static final int CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = 97;

    /**
     * CUDA_KERNEL_NODE_PARAMS_v2 (cuda.h): func, grid xyz, block xyz, sharedMemBytes, then (after 4
     * bytes of padding that C inserts to align the pointer) kernelParams, extra, kern, ctx: 72 bytes.
     */
    static final StructLayout KERNEL_NODE_PARAMS = MemoryLayout.structLayout(
            ADDRESS.withName("func"),
            JAVA_INT.withName("gridDimX"), JAVA_INT.withName("gridDimY"), JAVA_INT.withName("gridDimZ"),
            JAVA_INT.withName("blockDimX"), JAVA_INT.withName("blockDimY"), JAVA_INT.withName("blockDimZ"),
            JAVA_INT.withName("sharedMemBytes"),
            MemoryLayout.paddingLayout(4),
            ADDRESS.withName("kernelParams"),
            ADDRESS.withName("extra"),
            ADDRESS.withName("kern"),
            ADDRESS.withName("ctx"));

    /** CUDA_MEMCPY3D (cuda.h, the _v2 layout with size_t fields): 200 bytes. */
    static final StructLayout MEMCPY3D = MemoryLayout.structLayout(
            JAVA_LONG.withName("srcXInBytes"), JAVA_LONG.withName("srcY"), JAVA_LONG.withName("srcZ"),
            JAVA_LONG.withName("srcLOD"),
            JAVA_INT.withName("srcMemoryType"), MemoryLayout.paddingLayout(4),
            ADDRESS.withName("srcHost"), JAVA_LONG.withName("srcDevice"), ADDRESS.withName("srcArray"),
            ADDRESS.withName("reserved0"), JAVA_LONG.withName("srcPitch"), JAVA_LONG.withName("srcHeight"),
            JAVA_LONG.withName("dstXInBytes"), JAVA_LONG.withName("dstY"), JAVA_LONG.withName("dstZ"),
            JAVA_LONG.withName("dstLOD"),
            JAVA_INT.withName("dstMemoryType"), MemoryLayout.paddingLayout(4),
            ADDRESS.withName("dstHost"), JAVA_LONG.withName("dstDevice"), ADDRESS.withName("dstArray"),
            ADDRESS.withName("reserved1"), JAVA_LONG.withName("dstPitch"), JAVA_LONG.withName("dstHeight"),
            JAVA_LONG.withName("WidthInBytes"), JAVA_LONG.withName("Height"), JAVA_LONG.withName("Depth"));

    static long offset(StructLayout layout, String field) {
        return layout.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }

    private final String libraryPath;
    private final MethodHandle cuGetErrorName;
    private final MethodHandle cuGetErrorString;
    private final MethodHandle cuInit;
    private final MethodHandle cuDriverGetVersion;
    private final MethodHandle cuDeviceGet;
    private final MethodHandle cuDeviceGetCount;
    private final MethodHandle cuDeviceGetName;
    private final MethodHandle cuDeviceGetAttribute;
    private final MethodHandle cuDeviceTotalMem;
    private final MethodHandle cuDevicePrimaryCtxRetain;
    private final MethodHandle cuDevicePrimaryCtxRelease;
    private final MethodHandle cuCtxSetCurrent;
    private final MethodHandle cuCtxSynchronize;
    private final MethodHandle cuMemAlloc;
    private final MethodHandle cuMemFree;
    private final MethodHandle cuMemcpyHtoDAsync;
    private final MethodHandle cuMemcpyDtoHAsync;
    private final MethodHandle cuMemcpyDtoDAsync;
    private final MethodHandle cuStreamCreate;
    private final MethodHandle cuStreamDestroy;
    private final MethodHandle cuStreamSynchronize;
    private final MethodHandle cuModuleLoadDataEx;
    private final MethodHandle cuModuleGetFunction;
    private final MethodHandle cuModuleUnload;
    private final MethodHandle cuLaunchKernel;
    private final MethodHandle cuEventCreate;
    private final MethodHandle cuEventRecord;
    private final MethodHandle cuEventSynchronize;
    private final MethodHandle cuEventElapsedTime;
    private final MethodHandle cuEventDestroy;
    private final MethodHandle cuGraphCreate;
    private final MethodHandle cuGraphAddKernelNode;
    private final MethodHandle cuGraphAddMemcpyNode;
    private final MethodHandle cuGraphInstantiate;
    private final MethodHandle cuGraphExecKernelNodeSetParams;
    private final MethodHandle cuGraphLaunch;
    private final MethodHandle cuGraphExecDestroy;
    private final MethodHandle cuGraphDestroy;

    /** The symbol actually bound for each call, for messages (e.g. cuMemAlloc_v2). */
    final String nameEventElapsedTime;
    final String nameGraphAddKernelNode;
    final String nameGraphExecKernelNodeSetParams;

    /** @throws CudaException naming the first required symbol the library lacks */
    CudaDriver(SymbolLookup lib, String libraryPath) {
        this.libraryPath = libraryPath;
        Binder b = new Binder(lib, libraryPath);
        cuGetErrorName = b.bind(FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS), "cuGetErrorName");
        cuGetErrorString = b.bind(FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS), "cuGetErrorString");
        cuInit = b.bind(FunctionDescriptor.of(JAVA_INT, JAVA_INT), "cuInit");
        cuDriverGetVersion = b.bind(FunctionDescriptor.of(JAVA_INT, ADDRESS), "cuDriverGetVersion");
        cuDeviceGet = b.bind(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), "cuDeviceGet");
        cuDeviceGetCount = b.bind(FunctionDescriptor.of(JAVA_INT, ADDRESS), "cuDeviceGetCount");
        cuDeviceGetName = b.bind(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), "cuDeviceGetName");
        cuDeviceGetAttribute = b.bind(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), "cuDeviceGetAttribute");
        cuDeviceTotalMem = b.bind(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), "cuDeviceTotalMem_v2");
        cuDevicePrimaryCtxRetain = b.bind(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), "cuDevicePrimaryCtxRetain");
        cuDevicePrimaryCtxRelease = b.bind(FunctionDescriptor.of(JAVA_INT, JAVA_INT), "cuDevicePrimaryCtxRelease_v2");
        cuCtxSetCurrent = b.bind(FunctionDescriptor.of(JAVA_INT, ADDRESS), "cuCtxSetCurrent");
        cuCtxSynchronize = b.bind(FunctionDescriptor.of(JAVA_INT), "cuCtxSynchronize");
        cuMemAlloc = b.bind(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG), "cuMemAlloc_v2");
        cuMemFree = b.bind(FunctionDescriptor.of(JAVA_INT, JAVA_LONG), "cuMemFree_v2");
        cuMemcpyHtoDAsync = b.bind(FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS), "cuMemcpyHtoDAsync_v2");
        cuMemcpyDtoHAsync = b.bind(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS), "cuMemcpyDtoHAsync_v2");
        cuMemcpyDtoDAsync = b.bind(FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS), "cuMemcpyDtoDAsync_v2");
        cuStreamCreate = b.bind(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), "cuStreamCreate");
        cuStreamDestroy = b.bind(FunctionDescriptor.of(JAVA_INT, ADDRESS), "cuStreamDestroy_v2");
        cuStreamSynchronize = b.bind(FunctionDescriptor.of(JAVA_INT, ADDRESS), "cuStreamSynchronize");
        cuModuleLoadDataEx = b.bind(FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS), "cuModuleLoadDataEx");
        cuModuleGetFunction = b.bind(FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS), "cuModuleGetFunction");
        cuModuleUnload = b.bind(FunctionDescriptor.of(JAVA_INT, ADDRESS), "cuModuleUnload");
        cuLaunchKernel = b.bind(FunctionDescriptor.of(JAVA_INT, ADDRESS,
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                ADDRESS, ADDRESS, ADDRESS), "cuLaunchKernel");
        cuEventCreate = b.bind(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), "cuEventCreate");
        cuEventRecord = b.bind(FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS), "cuEventRecord");
        cuEventSynchronize = b.bind(FunctionDescriptor.of(JAVA_INT, ADDRESS), "cuEventSynchronize");
        cuEventElapsedTime = b.bind(FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS),
                "cuEventElapsedTime_v2", "cuEventElapsedTime");
        nameEventElapsedTime = b.last;
        cuEventDestroy = b.bind(FunctionDescriptor.of(JAVA_INT, ADDRESS), "cuEventDestroy_v2");
        cuGraphCreate = b.bind(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), "cuGraphCreate");
        // The v1 entry point takes the same struct minus the trailing kern/ctx: fine for old drivers.
        cuGraphAddKernelNode = b.bind(FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS),
                "cuGraphAddKernelNode_v2", "cuGraphAddKernelNode");
        nameGraphAddKernelNode = b.last;
        cuGraphAddMemcpyNode = b.bind(FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS),
                "cuGraphAddMemcpyNode");
        cuGraphInstantiate = b.bind(FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG), "cuGraphInstantiateWithFlags");
        cuGraphExecKernelNodeSetParams = b.bind(FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS),
                "cuGraphExecKernelNodeSetParams_v2", "cuGraphExecKernelNodeSetParams");
        nameGraphExecKernelNodeSetParams = b.last;
        cuGraphLaunch = b.bind(FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS), "cuGraphLaunch");
        cuGraphExecDestroy = b.bind(FunctionDescriptor.of(JAVA_INT, ADDRESS), "cuGraphExecDestroy");
        cuGraphDestroy = b.bind(FunctionDescriptor.of(JAVA_INT, ADDRESS), "cuGraphDestroy");
    }

    String libraryPath() {
        return libraryPath;
    }

    /** Binds the first of {@code names} the library exports. */
    private static final class Binder {
        private final SymbolLookup lib;
        private final String path;
        private final Linker linker = Linker.nativeLinker();
        String last;

        Binder(SymbolLookup lib, String path) {
            this.lib = lib;
            this.path = path;
        }

        MethodHandle bind(FunctionDescriptor fd, String... names) {
            for (String n : names) {
                var sym = lib.find(n);
                if (sym.isPresent()) {
                    last = n;
                    return linker.downcallHandle(sym.get(), fd);
                }
            }
            throw new CudaException(path + " does not export " + String.join(" or ", names)
                    + ": the driver is too old for this backend (CUDA 12 or newer is needed)");
        }
    }

    // ---------------------------------------------------------------- errors

    /** Throws a CudaException for a failed call: {@code fn failed: NAME (code)}. */
    void check(int rc, String fn) {
        if (rc != CUDA_SUCCESS) {
            throw error(rc, fn, null);
        }
    }

    CudaException error(int rc, String fn, String detail) {
        String desc = errorString(rc);
        String d = detail == null ? desc : (desc == null ? detail : desc + "; " + detail);
        return new CudaException(fn, rc, errorName(rc), d);
    }

    /** The driver's name for a CUresult, or the built-in table's when the driver cannot say. */
    String errorName(int rc) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(ADDRESS);
            int r = (int) cuGetErrorName.invokeExact(rc, p);
            MemorySegment s = p.get(ADDRESS, 0);
            if (r == CUDA_SUCCESS && !s.equals(MemorySegment.NULL)) {
                return s.reinterpret(256).getString(0);
            }
        } catch (Throwable t) {
            // fall through to the table
        }
        return CudaErrors.cuResultName(rc);
    }

    /** The driver's description of a CUresult, or null. */
    String errorString(int rc) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(ADDRESS);
            int r = (int) cuGetErrorString.invokeExact(rc, p);
            MemorySegment s = p.get(ADDRESS, 0);
            if (r == CUDA_SUCCESS && !s.equals(MemorySegment.NULL)) {
                return s.reinterpret(1024).getString(0);
            }
        } catch (Throwable t) {
            // no description, the name is enough
        }
        return null;
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }

    // ---------------------------------------------------------------- calls (raw CUresult)

    int cuInit(int flags) {
        try { return (int) cuInit.invokeExact(flags); } catch (Throwable t) { throw rethrow(t); }
    }

    int cuDriverGetVersion(MemorySegment out) {
        try { return (int) cuDriverGetVersion.invokeExact(out); } catch (Throwable t) { throw rethrow(t); }
    }

    int cuDeviceGet(MemorySegment out, int ordinal) {
        try { return (int) cuDeviceGet.invokeExact(out, ordinal); } catch (Throwable t) { throw rethrow(t); }
    }

    int cuDeviceGetCount(MemorySegment out) {
        try { return (int) cuDeviceGetCount.invokeExact(out); } catch (Throwable t) { throw rethrow(t); }
    }

    int cuDeviceGetName(MemorySegment buf, int len, int dev) {
        try { return (int) cuDeviceGetName.invokeExact(buf, len, dev); } catch (Throwable t) { throw rethrow(t); }
    }

    int cuDeviceGetAttribute(MemorySegment out, int attrib, int dev) {
        try { return (int) cuDeviceGetAttribute.invokeExact(out, attrib, dev); } catch (Throwable t) { throw rethrow(t); }
    }

    int cuDeviceTotalMem(MemorySegment out, int dev) {
        try { return (int) cuDeviceTotalMem.invokeExact(out, dev); } catch (Throwable t) { throw rethrow(t); }
    }

    int cuDevicePrimaryCtxRetain(MemorySegment out, int dev) {
        try { return (int) cuDevicePrimaryCtxRetain.invokeExact(out, dev); } catch (Throwable t) { throw rethrow(t); }
    }

    int cuDevicePrimaryCtxRelease(int dev) {
        try { return (int) cuDevicePrimaryCtxRelease.invokeExact(dev); } catch (Throwable t) { throw rethrow(t); }
    }

    int cuCtxSetCurrent(MemorySegment ctx) {
        try { return (int) cuCtxSetCurrent.invokeExact(ctx); } catch (Throwable t) { throw rethrow(t); }
    }

    int cuCtxSynchronize() {
        try { return (int) cuCtxSynchronize.invokeExact(); } catch (Throwable t) { throw rethrow(t); }
    }

    int cuMemAlloc(MemorySegment out, long bytes) {
        try { return (int) cuMemAlloc.invokeExact(out, bytes); } catch (Throwable t) { throw rethrow(t); }
    }

    int cuMemFree(long ptr) {
        try { return (int) cuMemFree.invokeExact(ptr); } catch (Throwable t) { throw rethrow(t); }
    }

    int cuMemcpyHtoDAsync(long dst, MemorySegment src, long bytes, MemorySegment stream) {
        try { return (int) cuMemcpyHtoDAsync.invokeExact(dst, src, bytes, stream); } catch (Throwable t) { throw rethrow(t); }
    }

    int cuMemcpyDtoHAsync(MemorySegment dst, long src, long bytes, MemorySegment stream) {
        try { return (int) cuMemcpyDtoHAsync.invokeExact(dst, src, bytes, stream); } catch (Throwable t) { throw rethrow(t); }
    }

    int cuMemcpyDtoDAsync(long dst, long src, long bytes, MemorySegment stream) {
        try { return (int) cuMemcpyDtoDAsync.invokeExact(dst, src, bytes, stream); } catch (Throwable t) { throw rethrow(t); }
    }

    int cuStreamCreate(MemorySegment out, int flags) {
        try { return (int) cuStreamCreate.invokeExact(out, flags); } catch (Throwable t) { throw rethrow(t); }
    }

    int cuStreamDestroy(MemorySegment stream) {
        try { return (int) cuStreamDestroy.invokeExact(stream); } catch (Throwable t) { throw rethrow(t); }
    }

    int cuStreamSynchronize(MemorySegment stream) {
        try { return (int) cuStreamSynchronize.invokeExact(stream); } catch (Throwable t) { throw rethrow(t); }
    }

    int cuModuleLoadDataEx(MemorySegment out, MemorySegment image, int numOptions, MemorySegment options, MemorySegment values) {
        try { return (int) cuModuleLoadDataEx.invokeExact(out, image, numOptions, options, values); } catch (Throwable t) { throw rethrow(t); }
    }

    int cuModuleGetFunction(MemorySegment out, MemorySegment module, MemorySegment name) {
        try { return (int) cuModuleGetFunction.invokeExact(out, module, name); } catch (Throwable t) { throw rethrow(t); }
    }

    int cuModuleUnload(MemorySegment module) {
        try { return (int) cuModuleUnload.invokeExact(module); } catch (Throwable t) { throw rethrow(t); }
    }

    int cuLaunchKernel(MemorySegment f, int gx, int gy, int gz, int bx, int by, int bz, int sharedMem,
                       MemorySegment stream, MemorySegment params, MemorySegment extra) {
        try {
            return (int) cuLaunchKernel.invokeExact(f, gx, gy, gz, bx, by, bz, sharedMem, stream, params, extra);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    int cuEventCreate(MemorySegment out, int flags) {
        try { return (int) cuEventCreate.invokeExact(out, flags); } catch (Throwable t) { throw rethrow(t); }
    }

    int cuEventRecord(MemorySegment event, MemorySegment stream) {
        try { return (int) cuEventRecord.invokeExact(event, stream); } catch (Throwable t) { throw rethrow(t); }
    }

    int cuEventSynchronize(MemorySegment event) {
        try { return (int) cuEventSynchronize.invokeExact(event); } catch (Throwable t) { throw rethrow(t); }
    }

    int cuEventElapsedTime(MemorySegment outMillis, MemorySegment start, MemorySegment end) {
        try { return (int) cuEventElapsedTime.invokeExact(outMillis, start, end); } catch (Throwable t) { throw rethrow(t); }
    }

    int cuEventDestroy(MemorySegment event) {
        try { return (int) cuEventDestroy.invokeExact(event); } catch (Throwable t) { throw rethrow(t); }
    }

    int cuGraphCreate(MemorySegment out, int flags) {
        try { return (int) cuGraphCreate.invokeExact(out, flags); } catch (Throwable t) { throw rethrow(t); }
    }

    int cuGraphAddKernelNode(MemorySegment outNode, MemorySegment graph, MemorySegment deps, long numDeps, MemorySegment params) {
        try { return (int) cuGraphAddKernelNode.invokeExact(outNode, graph, deps, numDeps, params); } catch (Throwable t) { throw rethrow(t); }
    }

    int cuGraphAddMemcpyNode(MemorySegment outNode, MemorySegment graph, MemorySegment deps, long numDeps,
                             MemorySegment copy, MemorySegment ctx) {
        try { return (int) cuGraphAddMemcpyNode.invokeExact(outNode, graph, deps, numDeps, copy, ctx); } catch (Throwable t) { throw rethrow(t); }
    }

    int cuGraphInstantiate(MemorySegment outExec, MemorySegment graph, long flags) {
        try { return (int) cuGraphInstantiate.invokeExact(outExec, graph, flags); } catch (Throwable t) { throw rethrow(t); }
    }

    int cuGraphExecKernelNodeSetParams(MemorySegment exec, MemorySegment node, MemorySegment params) {
        try { return (int) cuGraphExecKernelNodeSetParams.invokeExact(exec, node, params); } catch (Throwable t) { throw rethrow(t); }
    }

    int cuGraphLaunch(MemorySegment exec, MemorySegment stream) {
        try { return (int) cuGraphLaunch.invokeExact(exec, stream); } catch (Throwable t) { throw rethrow(t); }
    }

    int cuGraphExecDestroy(MemorySegment exec) {
        try { return (int) cuGraphExecDestroy.invokeExact(exec); } catch (Throwable t) { throw rethrow(t); }
    }

    int cuGraphDestroy(MemorySegment graph) {
        try { return (int) cuGraphDestroy.invokeExact(graph); } catch (Throwable t) { throw rethrow(t); }
    }

    // ---------------------------------------------------------------- checked conveniences

    /** An int attribute of a device (CU_DEVICE_ATTRIBUTE_*). */
    int attribute(int attrib, int dev) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT);
            check(cuDeviceGetAttribute(out, attrib, dev), "cuDeviceGetAttribute(" + attrib + ")");
            return out.get(JAVA_INT, 0);
        }
    }

    /** Reads back a handle written through an out-parameter. */
    static MemorySegment handle(MemorySegment out) {
        return out.get(ValueLayout.ADDRESS, 0);
    }

    static VarHandle field(StructLayout layout, String name) {
        return layout.varHandle(MemoryLayout.PathElement.groupElement(name));
    }
}
