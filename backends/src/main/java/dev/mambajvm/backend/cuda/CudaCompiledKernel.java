package dev.mambajvm.backend.cuda;

import dev.mambajvm.backend.CompiledKernel;
import dev.mambajvm.backend.Device;
import dev.mambajvm.lang.spec.KernelParam;
import dev.mambajvm.lang.spec.KernelSpec;

import java.lang.foreign.MemorySegment;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A kernel loaded into a CUDA module: its CUfunction, with the PTX it came from. */
public final class CudaCompiledKernel implements CompiledKernel {
    /** Where the PTX came from. */
    public enum Origin { NVRTC, DISK_CACHE }

    private final KernelSpec spec;
    private final Map<String, ? extends Number> constants;
    private final CudaDevice device;
    private final String source;
    private final String ptx;
    private final List<String> options;
    private final MemorySegment function;
    private final Origin origin;
    private final int generation;
    /** The parameters passed at launch, extracted once: every launch checks its arguments against them. */
    private final List<KernelParam> launchParams;
    /** The slot type of each launch parameter, for {@link KernelArguments#write}. */
    private final KernelArguments.Type[] argTypes;

    CudaCompiledKernel(KernelSpec spec, Map<String, ? extends Number> constants, CudaDevice device, String source,
                       String ptx, List<String> options, MemorySegment function, Origin origin, int generation) {
        this.spec = spec;
        this.constants = Collections.unmodifiableMap(new TreeMap<>(constants));
        this.device = device;
        this.source = source;
        this.ptx = ptx;
        this.options = List.copyOf(options);
        this.function = function;
        this.origin = origin;
        this.generation = generation;
        this.launchParams = spec.launchParams();
        this.argTypes = KernelArguments.types(launchParams);
    }

    List<KernelParam> launchParams() {
        return launchParams;
    }

    /** Not copied (this is on every launch): callers must not modify it. */
    KernelArguments.Type[] argTypes() {
        return argTypes;
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
    public Device device() {
        return device;
    }

    @Override
    public String source() {
        return source;
    }

    /** The PTX the module was loaded from (for tests that grep it, and for debugging). */
    public String ptx() {
        return ptx;
    }

    /** The NVRTC options used. */
    public List<String> options() {
        return options;
    }

    public Origin origin() {
        return origin;
    }

    CudaDevice cudaDevice() {
        return device;
    }

    int generation() {
        return generation;
    }

    /** The CUfunction; throws when the device was closed since. */
    MemorySegment function() {
        device.checkGeneration(generation, "kernel " + spec.displayName());
        return function;
    }

    @Override
    public String toString() {
        return "CudaCompiledKernel[" + spec.displayName() + " " + constants + " on " + device.id() + "]";
    }
}
