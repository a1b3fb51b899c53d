package dev.mambajvm.backend.opencl;

import dev.mambajvm.backend.CompiledKernel;
import dev.mambajvm.backend.KernelCompilationException;
import dev.mambajvm.lang.spec.Dialect;
import dev.mambajvm.lang.spec.KernelParam;
import dev.mambajvm.lang.spec.KernelSpec;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;

/**
 * One kernel built for one device and one set of {@code @Constant} values: a {@code cl_program}
 * holding the specialized source and the {@code cl_kernel} named {@link KernelSpec#name()}.
 *
 * <p>A {@code cl_kernel} carries its arguments as state ({@code clSetKernelArg} then enqueue), so
 * it must not be launched from two threads at once; the device's queue is single-threaded anyway.
 */
final class OpenClKernel implements CompiledKernel {
    /**
     * {@code -cl-std=CL1.2} and nothing else: no {@code -cl-mad-enable}, {@code -cl-fast-relaxed-math}
     * and the like, which change float results and would break the float64 reference checks.
     */
    static final String BUILD_OPTIONS = "-cl-std=CL1.2";

    private final KernelSpec spec;
    private final Map<String, ? extends Number> constants;
    private final OpenClDevice device;
    private final String source;
    private final MemorySegment program;
    private final MemorySegment kernel;
    /** {@code spec.launchParams()}, extracted once: every launch checks its arguments against them. */
    private final List<KernelParam> launchParams;

    private OpenClKernel(KernelSpec spec, Map<String, ? extends Number> constants, OpenClDevice device, String source,
                         MemorySegment program, MemorySegment kernel) {
        this.spec = spec;
        this.constants = constants;
        this.device = device;
        this.source = source;
        this.program = program;
        this.kernel = kernel;
        this.launchParams = spec.launchParams();
    }

    /**
     * Specializes and builds {@code spec} for {@code device}.
     *
     * @throws KernelCompilationException with the build log and source when the OpenCL compiler
     *                                    rejects it (or the program has no kernel of that name)
     */
    static OpenClKernel build(OpenClDevice device, KernelSpec spec, Map<String, ? extends Number> constants) {
        // FP_CONTRACT stays at its default (on): a * b + c may become one fused multiply-add, as
        // NVRTC does by default. That rounds once instead of twice, so results may differ from
        // the JVM backend in the last bit; checks compare against float64 with a tolerance.
        String source = spec.source(Dialect.OPENCL, constants);
        OpenCl cl = device.cl();
        MemorySegment program = cl.createProgram(device.context(), source);
        try {
            String options = device.supportsOpenClC12() ? BUILD_OPTIONS : "";
            int rc = cl.buildProgram(program, device.handle(), options);
            if (rc != OpenCl.CL_SUCCESS) {
                String log = safeBuildLog(cl, program, device);
                throw new KernelCompilationException("OpenCL build of kernel " + spec.displayName() + " (" + spec.location()
                        + ") for " + device.id() + " (" + device.name() + ") failed: clBuildProgram returned "
                        + ClErrors.describe(rc), log, source);
            }
            MemorySegment kernel;
            try {
                kernel = cl.createKernel(program, spec.name());
            } catch (OpenClException e) {
                throw new KernelCompilationException("OpenCL program of kernel " + spec.displayName() + " for "
                        + device.id() + " has no usable __kernel '" + spec.name() + "': " + e.getMessage(),
                        safeBuildLog(cl, program, device), source);
            }
            return new OpenClKernel(spec, constants, device, source, program, kernel);
        } catch (RuntimeException e) {
            cl.releaseProgram(program);
            throw e;
        }
    }

    private static String safeBuildLog(OpenCl cl, MemorySegment program, OpenClDevice device) {
        try {
            return cl.buildLog(program, device.handle());
        } catch (OpenClException e) {
            return "(no build log: " + e.getMessage() + ")";
        }
    }

    @Override
    public KernelSpec spec() {
        return spec;
    }

    @Override
    public Map<String, ? extends Number> constants() {
        return constants;
    }

    @Override
    public OpenClDevice device() {
        return device;
    }

    @Override
    public String source() {
        return source;
    }

    List<KernelParam> launchParams() {
        return launchParams;
    }

    MemorySegment handle() {
        return kernel;
    }

    void release() {
        device.cl().releaseKernel(kernel);
        device.cl().releaseProgram(program);
    }

    @Override
    public String toString() {
        return "OpenClKernel[" + spec.displayName() + " on " + device.id() + ", constants " + constants + "]";
    }
}
