package dev.mambajvm.backend.opencl;

import dev.mambajvm.backend.CompiledKernel;
import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.backend.LaunchArguments;
import dev.mambajvm.lang.spec.KernelParam;

import java.lang.foreign.MemorySegment;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Hands launch arguments, checked by {@link LaunchArguments}, to {@code clSetKernelArg}.
 *
 * <p>The generated OpenCL C kernel takes exactly {@link dev.mambajvm.lang.spec.KernelSpec#launchParams()},
 * in order: the context becomes built-ins ({@code get_global_id}) and the {@code @Constant}s
 * become {@code #define}s, so neither is an argument. Argument {@code i} is therefore
 * {@code clSetKernelArg} index {@code i}. A scalar is copied as its declared type's bytes: an
 * {@code int} is a 4-byte {@code cl_int}, a {@code long} an 8-byte {@code cl_long}, a {@code float}
 * 4 bytes.
 */
final class KernelArguments {
    private KernelArguments() {
    }

    /** Throws {@link IllegalArgumentException} naming the kernel and parameter when {@code args} do not fit. */
    static OpenClKernel check(CompiledKernel compiled, OpenClDevice device, Object[] args) {
        if (!(compiled instanceof OpenClKernel kernel) || kernel.device() != device) {
            throw new IllegalArgumentException("kernel " + compiled.spec().displayName() + " was compiled for "
                    + compiled.device().id() + ", not for " + device.id());
        }
        LaunchArguments.check(kernel.spec(), kernel.launchParams(), device, args);
        return kernel;
    }

    /** Checks, then sets every argument; {@code slot} is 8 bytes of scratch, reused per argument. */
    static OpenClKernel set(CompiledKernel compiled, OpenClDevice device, Object[] args, MemorySegment slot) {
        OpenClKernel kernel = check(compiled, device, args);
        List<KernelParam> params = kernel.launchParams();
        OpenCl cl = device.cl();
        for (int i = 0; i < params.size(); i++) {
            KernelParam p = params.get(i);
            Object arg = args[i];
            if (p.kind() == KernelParam.Kind.ARRAY) {
                slot.set(ADDRESS, 0, OpenClBuffer.of((DeviceBuffer) arg, device, "argument").kernelArgument());
                cl.setKernelArg(kernel.handle(), i, ADDRESS.byteSize(), slot);
                continue;
            }
            Number v = LaunchArguments.scalarValue(arg);
            switch (p.scalarType()) {
                case "int" -> {
                    slot.set(JAVA_INT, 0, v.intValue());
                    cl.setKernelArg(kernel.handle(), i, 4, slot);
                }
                case "long" -> {
                    slot.set(JAVA_LONG, 0, v.longValue());
                    cl.setKernelArg(kernel.handle(), i, 8, slot);
                }
                default -> { // float: the checker accepts no other scalar type
                    slot.set(JAVA_FLOAT, 0, v.floatValue());
                    cl.setKernelArg(kernel.handle(), i, 4, slot);
                }
            }
        }
        return kernel;
    }
}
