package dev.mambajvm.backend.opencl;

import dev.mambajvm.backend.nativelib.NativeLibrary;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The OpenCL entry points this backend uses, as FFM downcall handles, each behind a small Java
 * method that checks the returned error code. This is the only class that talks to the library.
 *
 * <p>Type mapping (64-bit hosts): every {@code cl_platform_id}, {@code cl_device_id},
 * {@code cl_context}, {@code cl_mem} ... is an opaque pointer ({@link MemorySegment});
 * {@code cl_int}/{@code cl_uint}/{@code cl_bool} are {@code int}; {@code size_t},
 * {@code cl_ulong} and the {@code cl_bitfield}s are {@code long}.
 *
 * <p>Temporaries (error-code slots, info buffers) live in a confined arena per call, so nothing
 * here keeps host memory alive between calls.
 */
final class OpenCl {
    // cl.h constants, only those used.
    static final int CL_SUCCESS = 0;
    static final int CL_DEVICE_NOT_FOUND = -1;
    static final int CL_PLATFORM_NOT_FOUND_KHR = -1001;
    static final int CL_TRUE = 1;
    static final int CL_FALSE = 0;

    static final int CL_PLATFORM_VERSION = 0x0901;
    static final int CL_PLATFORM_NAME = 0x0902;
    static final int CL_PLATFORM_VENDOR = 0x0903;

    static final long CL_DEVICE_TYPE_CPU = 1L << 1;
    static final long CL_DEVICE_TYPE_GPU = 1L << 2;
    static final long CL_DEVICE_TYPE_ACCELERATOR = 1L << 3;
    static final long CL_DEVICE_TYPE_ALL = 0xFFFFFFFFL;

    static final int CL_DEVICE_TYPE = 0x1000;
    static final int CL_DEVICE_MAX_COMPUTE_UNITS = 0x1002;
    static final int CL_DEVICE_MAX_WORK_GROUP_SIZE = 0x1004;
    static final int CL_DEVICE_MAX_CLOCK_FREQUENCY = 0x100C;
    static final int CL_DEVICE_MAX_MEM_ALLOC_SIZE = 0x1010;
    static final int CL_DEVICE_MEM_BASE_ADDR_ALIGN = 0x1019;
    static final int CL_DEVICE_GLOBAL_MEM_SIZE = 0x101F;
    static final int CL_DEVICE_LOCAL_MEM_SIZE = 0x1023;
    static final int CL_DEVICE_NAME = 0x102B;
    static final int CL_DEVICE_VENDOR = 0x102C;
    static final int CL_DRIVER_VERSION = 0x102D;
    static final int CL_DEVICE_VERSION = 0x102F;
    static final int CL_DEVICE_OPENCL_C_VERSION = 0x103D;

    static final long CL_QUEUE_PROFILING_ENABLE = 1L << 1;
    static final long CL_QUEUE_PROPERTIES = 0x1093;

    static final long CL_MEM_READ_WRITE = 1L;
    static final int CL_BUFFER_CREATE_TYPE_REGION = 0x1220;

    static final int CL_PROGRAM_BUILD_LOG = 0x1183;

    static final int CL_PROFILING_COMMAND_END = 0x1283;

    /** {@code struct cl_buffer_region { size_t origin; size_t size; }}. */
    private static final MemoryLayout BUFFER_REGION = MemoryLayout.structLayout(
            JAVA_LONG.withName("origin"), JAVA_LONG.withName("size"));

    private final NativeLibrary library;

    private final MethodHandle clGetPlatformIDs;
    private final MethodHandle clGetPlatformInfo;
    private final MethodHandle clGetDeviceIDs;
    private final MethodHandle clGetDeviceInfo;
    private final MethodHandle clCreateContext;
    private final MethodHandle clCreateCommandQueue;
    private final Optional<MethodHandle> clCreateCommandQueueWithProperties;
    private final MethodHandle clCreateBuffer;
    private final MethodHandle clCreateSubBuffer;
    private final MethodHandle clEnqueueWriteBuffer;
    private final MethodHandle clEnqueueReadBuffer;
    private final MethodHandle clEnqueueCopyBuffer;
    private final MethodHandle clCreateProgramWithSource;
    private final MethodHandle clBuildProgram;
    private final MethodHandle clGetProgramBuildInfo;
    private final MethodHandle clCreateKernel;
    private final MethodHandle clSetKernelArg;
    private final MethodHandle clEnqueueNDRangeKernel;
    private final Optional<MethodHandle> clEnqueueMarkerWithWaitList;
    private final MethodHandle clFinish;
    private final MethodHandle clWaitForEvents;
    private final MethodHandle clGetEventProfilingInfo;
    private final MethodHandle clReleaseMemObject;
    private final MethodHandle clReleaseKernel;
    private final MethodHandle clReleaseProgram;
    private final MethodHandle clReleaseCommandQueue;
    private final MethodHandle clReleaseContext;
    private final MethodHandle clReleaseEvent;

    OpenCl(NativeLibrary library) {
        if (ADDRESS.byteSize() != 8) {
            throw new UnsupportedOperationException("the OpenCL backend needs a 64-bit JVM (size_t is mapped to long)");
        }
        this.library = library;
        // Descriptors mirror the C prototypes in cl.h argument by argument.
        clGetPlatformIDs = h("clGetPlatformIDs", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
        clGetPlatformInfo = h("clGetPlatformInfo", JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS);
        clGetDeviceIDs = h("clGetDeviceIDs", JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS);
        clGetDeviceInfo = h("clGetDeviceInfo", JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS);
        clCreateContext = h("clCreateContext", ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS);
        clCreateCommandQueue = h("clCreateCommandQueue", ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS);
        clCreateCommandQueueWithProperties = library.optionalDowncall("clCreateCommandQueueWithProperties",
                FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        clCreateBuffer = h("clCreateBuffer", ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS);
        clCreateSubBuffer = h("clCreateSubBuffer", ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS);
        clEnqueueWriteBuffer = h("clEnqueueWriteBuffer", JAVA_INT,
                ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_INT, ADDRESS, ADDRESS);
        clEnqueueReadBuffer = h("clEnqueueReadBuffer", JAVA_INT,
                ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_INT, ADDRESS, ADDRESS);
        clEnqueueCopyBuffer = h("clEnqueueCopyBuffer", JAVA_INT,
                ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS);
        clCreateProgramWithSource = h("clCreateProgramWithSource", ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
        clBuildProgram = h("clBuildProgram", JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS);
        clGetProgramBuildInfo = h("clGetProgramBuildInfo", JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS);
        clCreateKernel = h("clCreateKernel", ADDRESS, ADDRESS, ADDRESS, ADDRESS);
        clSetKernelArg = h("clSetKernelArg", JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS);
        clEnqueueNDRangeKernel = h("clEnqueueNDRangeKernel", JAVA_INT,
                ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS);
        clEnqueueMarkerWithWaitList = library.optionalDowncall("clEnqueueMarkerWithWaitList",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
        clFinish = h("clFinish", JAVA_INT, ADDRESS);
        clWaitForEvents = h("clWaitForEvents", JAVA_INT, JAVA_INT, ADDRESS);
        clGetEventProfilingInfo = h("clGetEventProfilingInfo", JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS);
        clReleaseMemObject = h("clReleaseMemObject", JAVA_INT, ADDRESS);
        clReleaseKernel = h("clReleaseKernel", JAVA_INT, ADDRESS);
        clReleaseProgram = h("clReleaseProgram", JAVA_INT, ADDRESS);
        clReleaseCommandQueue = h("clReleaseCommandQueue", JAVA_INT, ADDRESS);
        clReleaseContext = h("clReleaseContext", JAVA_INT, ADDRESS);
        clReleaseEvent = h("clReleaseEvent", JAVA_INT, ADDRESS);
    }

    private MethodHandle h(String name, ValueLayout result, ValueLayout... args) {
        return library.downcall(name, FunctionDescriptor.of(result, args));
    }

    NativeLibrary library() {
        return library;
    }

    static void check(String call, int code) {
        if (code != CL_SUCCESS) {
            throw new OpenClException(call, code);
        }
    }

    static void check(String call, int code, String detail) {
        if (code != CL_SUCCESS) {
            throw new OpenClException(call, code, detail);
        }
    }

    /** Invokes a handle, turning the checked {@code Throwable} of {@code invokeExact} into an error. */
    private static AssertionError bug(Throwable t) {
        return new AssertionError("OpenCL downcall failed unexpectedly", t);
    }

    // ---- platforms and devices ----

    /** All platforms the ICD loader found; empty when it found none. */
    List<MemorySegment> platformIds() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment count = a.allocate(JAVA_INT);
            int rc = (int) clGetPlatformIDs.invokeExact(0, MemorySegment.NULL, count);
            if (rc == CL_PLATFORM_NOT_FOUND_KHR) {
                return List.of();
            }
            check("clGetPlatformIDs", rc);
            int n = count.get(JAVA_INT, 0);
            if (n == 0) {
                return List.of();
            }
            MemorySegment ids = a.allocate(ADDRESS, n);
            check("clGetPlatformIDs", (int) clGetPlatformIDs.invokeExact(n, ids, MemorySegment.NULL));
            return addresses(ids, n);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw bug(t);
        }
    }

    String platformInfo(MemorySegment platform, int param) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment size = a.allocate(JAVA_LONG);
            check("clGetPlatformInfo", (int) clGetPlatformInfo.invokeExact(platform, param, 0L, MemorySegment.NULL, size));
            MemorySegment value = a.allocate(size.get(JAVA_LONG, 0) + 1);
            check("clGetPlatformInfo", (int) clGetPlatformInfo.invokeExact(platform, param, value.byteSize(), value, MemorySegment.NULL));
            return value.getString(0, StandardCharsets.UTF_8).trim();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw bug(t);
        }
    }

    /** The platform's devices of every type; empty when it has none. */
    List<MemorySegment> deviceIds(MemorySegment platform) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment count = a.allocate(JAVA_INT);
            int rc = (int) clGetDeviceIDs.invokeExact(platform, CL_DEVICE_TYPE_ALL, 0, MemorySegment.NULL, count);
            if (rc == CL_DEVICE_NOT_FOUND) {
                return List.of();
            }
            check("clGetDeviceIDs", rc);
            int n = count.get(JAVA_INT, 0);
            MemorySegment ids = a.allocate(ADDRESS, Math.max(1, n));
            check("clGetDeviceIDs", (int) clGetDeviceIDs.invokeExact(platform, CL_DEVICE_TYPE_ALL, n, ids, MemorySegment.NULL));
            return addresses(ids, n);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw bug(t);
        }
    }

    /** A device fact as raw bytes (the caller knows whether it is a string, cl_uint, cl_ulong or size_t). */
    private MemorySegment deviceInfo(Arena a, MemorySegment device, int param) throws Throwable {
        MemorySegment size = a.allocate(JAVA_LONG);
        check("clGetDeviceInfo", (int) clGetDeviceInfo.invokeExact(device, param, 0L, MemorySegment.NULL, size),
                "param 0x" + Integer.toHexString(param));
        // +8 so a string is NUL-terminated and a scalar read is in bounds even if the size is short.
        MemorySegment value = a.allocate(size.get(JAVA_LONG, 0) + 8, 8);
        check("clGetDeviceInfo", (int) clGetDeviceInfo.invokeExact(device, param, size.get(JAVA_LONG, 0), value, MemorySegment.NULL),
                "param 0x" + Integer.toHexString(param));
        return value;
    }

    String deviceString(MemorySegment device, int param) {
        try (Arena a = Arena.ofConfined()) {
            return deviceInfo(a, device, param).getString(0, StandardCharsets.UTF_8).trim();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw bug(t);
        }
    }

    /** A {@code cl_uint} fact. */
    int deviceUint(MemorySegment device, int param) {
        try (Arena a = Arena.ofConfined()) {
            return deviceInfo(a, device, param).get(JAVA_INT, 0);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw bug(t);
        }
    }

    /** A {@code cl_ulong}, {@code size_t} or {@code cl_bitfield} fact (all 8 bytes on 64-bit hosts). */
    long deviceUlong(MemorySegment device, int param) {
        try (Arena a = Arena.ofConfined()) {
            return deviceInfo(a, device, param).get(JAVA_LONG, 0);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw bug(t);
        }
    }

    // ---- context, queue, memory ----

    MemorySegment createContext(MemorySegment device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment devices = a.allocateFrom(ADDRESS, device);
            MemorySegment err = a.allocate(JAVA_INT);
            MemorySegment ctx = (MemorySegment) clCreateContext.invokeExact(MemorySegment.NULL, 1, devices,
                    MemorySegment.NULL, MemorySegment.NULL, err);
            check("clCreateContext", err.get(JAVA_INT, 0));
            return ctx;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw bug(t);
        }
    }

    /**
     * An in-order queue with profiling enabled. {@code clCreateCommandQueueWithProperties} is used
     * only on OpenCL 2.0+ platforms: the ICD loader exports it regardless, but dispatching it to a
     * 1.x driver is undefined.
     */
    MemorySegment createProfilingQueue(MemorySegment context, MemorySegment device, boolean platform20) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = a.allocate(JAVA_INT);
            MemorySegment queue;
            if (platform20 && clCreateCommandQueueWithProperties.isPresent()) {
                // cl_queue_properties[]: key, value, ..., 0
                MemorySegment props = a.allocateFrom(JAVA_LONG, CL_QUEUE_PROPERTIES, CL_QUEUE_PROFILING_ENABLE, 0L);
                queue = (MemorySegment) clCreateCommandQueueWithProperties.get().invokeExact(context, device, props, err);
                check("clCreateCommandQueueWithProperties", err.get(JAVA_INT, 0));
            } else {
                queue = (MemorySegment) clCreateCommandQueue.invokeExact(context, device, CL_QUEUE_PROFILING_ENABLE, err);
                check("clCreateCommandQueue", err.get(JAVA_INT, 0));
            }
            return queue;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw bug(t);
        }
    }

    MemorySegment createBuffer(MemorySegment context, long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = a.allocate(JAVA_INT);
            MemorySegment mem = (MemorySegment) clCreateBuffer.invokeExact(context, CL_MEM_READ_WRITE, bytes,
                    MemorySegment.NULL, err);
            check("clCreateBuffer", err.get(JAVA_INT, 0), bytes + " bytes");
            return mem;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw bug(t);
        }
    }

    /** A {@code cl_mem} for bytes [origin, origin + size) of {@code buffer}; origin must be aligned. */
    MemorySegment createSubBuffer(MemorySegment buffer, long origin, long size) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment region = a.allocate(BUFFER_REGION);
            region.set(JAVA_LONG, 0, origin);
            region.set(JAVA_LONG, 8, size);
            MemorySegment err = a.allocate(JAVA_INT);
            MemorySegment mem = (MemorySegment) clCreateSubBuffer.invokeExact(buffer, CL_MEM_READ_WRITE,
                    CL_BUFFER_CREATE_TYPE_REGION, region, err);
            check("clCreateSubBuffer", err.get(JAVA_INT, 0), "origin " + origin + ", size " + size);
            return mem;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw bug(t);
        }
    }

    void enqueueWrite(MemorySegment queue, MemorySegment buffer, boolean blocking, long offset, long size, MemorySegment host) {
        try {
            check("clEnqueueWriteBuffer", (int) clEnqueueWriteBuffer.invokeExact(queue, buffer, blocking ? CL_TRUE : CL_FALSE,
                    offset, size, host, 0, MemorySegment.NULL, MemorySegment.NULL));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw bug(t);
        }
    }

    void enqueueRead(MemorySegment queue, MemorySegment buffer, boolean blocking, long offset, long size, MemorySegment host) {
        try {
            check("clEnqueueReadBuffer", (int) clEnqueueReadBuffer.invokeExact(queue, buffer, blocking ? CL_TRUE : CL_FALSE,
                    offset, size, host, 0, MemorySegment.NULL, MemorySegment.NULL));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw bug(t);
        }
    }

    /** {@code eventOut} is NULL or a slot receiving the copy's {@code cl_event}. */
    void enqueueCopy(MemorySegment queue, MemorySegment src, MemorySegment dst, long srcOffset, long dstOffset,
                     long size, MemorySegment eventOut) {
        try {
            check("clEnqueueCopyBuffer", (int) clEnqueueCopyBuffer.invokeExact(queue, src, dst, srcOffset, dstOffset,
                    size, 0, MemorySegment.NULL, eventOut));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw bug(t);
        }
    }

    // ---- programs and kernels ----

    MemorySegment createProgram(MemorySegment context, String source) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment strings = a.allocateFrom(ADDRESS, a.allocateFrom(source, StandardCharsets.UTF_8));
            MemorySegment err = a.allocate(JAVA_INT);
            // lengths NULL: the string is NUL-terminated.
            MemorySegment program = (MemorySegment) clCreateProgramWithSource.invokeExact(context, 1, strings,
                    MemorySegment.NULL, err);
            check("clCreateProgramWithSource", err.get(JAVA_INT, 0));
            return program;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw bug(t);
        }
    }

    /** Returns the error code instead of throwing: a build failure is reported with its log by the caller. */
    int buildProgram(MemorySegment program, MemorySegment device, String options) {
        try (Arena a = Arena.ofConfined()) {
            return (int) clBuildProgram.invokeExact(program, 1, a.allocateFrom(ADDRESS, device),
                    a.allocateFrom(options, StandardCharsets.UTF_8), MemorySegment.NULL, MemorySegment.NULL);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw bug(t);
        }
    }

    String buildLog(MemorySegment program, MemorySegment device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment size = a.allocate(JAVA_LONG);
            check("clGetProgramBuildInfo", (int) clGetProgramBuildInfo.invokeExact(program, device, CL_PROGRAM_BUILD_LOG,
                    0L, MemorySegment.NULL, size));
            MemorySegment log = a.allocate(size.get(JAVA_LONG, 0) + 1);
            check("clGetProgramBuildInfo", (int) clGetProgramBuildInfo.invokeExact(program, device, CL_PROGRAM_BUILD_LOG,
                    size.get(JAVA_LONG, 0), log, MemorySegment.NULL));
            return log.getString(0, StandardCharsets.UTF_8).strip();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw bug(t);
        }
    }

    MemorySegment createKernel(MemorySegment program, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = a.allocate(JAVA_INT);
            MemorySegment kernel = (MemorySegment) clCreateKernel.invokeExact(program,
                    a.allocateFrom(name, StandardCharsets.UTF_8), err);
            check("clCreateKernel", err.get(JAVA_INT, 0), "kernel '" + name + "'");
            return kernel;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw bug(t);
        }
    }

    /** OpenCL copies {@code size} bytes from {@code value} before returning, so the slot can be reused. */
    void setKernelArg(MemorySegment kernel, int index, long size, MemorySegment value) {
        try {
            check("clSetKernelArg", (int) clSetKernelArg.invokeExact(kernel, index, size, value), "argument " + index);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw bug(t);
        }
    }

    /** {@code global} and {@code local} hold {@code dims} size_t values each. */
    int enqueueNDRange(MemorySegment queue, MemorySegment kernel, int dims, MemorySegment global, MemorySegment local) {
        try {
            return (int) clEnqueueNDRangeKernel.invokeExact(queue, kernel, dims, MemorySegment.NULL, global, local,
                    0, MemorySegment.NULL, MemorySegment.NULL);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw bug(t);
        }
    }

    // ---- synchronization and timing ----

    boolean hasMarkerWithWaitList() {
        return clEnqueueMarkerWithWaitList.isPresent();
    }

    /** A marker after all work queued so far (OpenCL 1.2); its event completes when that work has. */
    void enqueueMarker(MemorySegment queue, MemorySegment eventOut) {
        try {
            check("clEnqueueMarkerWithWaitList",
                    (int) clEnqueueMarkerWithWaitList.orElseThrow().invokeExact(queue, 0, MemorySegment.NULL, eventOut));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw bug(t);
        }
    }

    void finish(MemorySegment queue) {
        try {
            check("clFinish", (int) clFinish.invokeExact(queue));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw bug(t);
        }
    }

    void waitForEvent(MemorySegment event) {
        try (Arena a = Arena.ofConfined()) {
            check("clWaitForEvents", (int) clWaitForEvents.invokeExact(1, a.allocateFrom(ADDRESS, event)));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw bug(t);
        }
    }

    /** A {@code cl_ulong} device timestamp in nanoseconds. */
    long profilingInfo(MemorySegment event, int param) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment value = a.allocate(JAVA_LONG);
            check("clGetEventProfilingInfo", (int) clGetEventProfilingInfo.invokeExact(event, param, 8L, value,
                    MemorySegment.NULL));
            return value.get(JAVA_LONG, 0);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw bug(t);
        }
    }

    // ---- release ----

    void releaseMemObject(MemorySegment m) {
        release("clReleaseMemObject", clReleaseMemObject, m);
    }

    void releaseKernel(MemorySegment k) {
        release("clReleaseKernel", clReleaseKernel, k);
    }

    void releaseProgram(MemorySegment p) {
        release("clReleaseProgram", clReleaseProgram, p);
    }

    void releaseCommandQueue(MemorySegment q) {
        release("clReleaseCommandQueue", clReleaseCommandQueue, q);
    }

    void releaseContext(MemorySegment c) {
        release("clReleaseContext", clReleaseContext, c);
    }

    void releaseEvent(MemorySegment e) {
        release("clReleaseEvent", clReleaseEvent, e);
    }

    private static void release(String call, MethodHandle handle, MemorySegment object) {
        try {
            check(call, (int) handle.invokeExact(object));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw bug(t);
        }
    }

    private static List<MemorySegment> addresses(MemorySegment array, int n) {
        List<MemorySegment> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(array.getAtIndex(ADDRESS, i));
        }
        return List.copyOf(out);
    }
}
