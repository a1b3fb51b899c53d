package dev.mambajvm.backend.opencl;

import dev.mambajvm.backend.CompiledKernel;
import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.backend.Scalar;
import dev.mambajvm.lang.spec.KernelParam;

import java.lang.foreign.MemorySegment;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Checks launch arguments against a kernel's launch parameters and hands them to
 * {@code clSetKernelArg}.
 *
 * <p>The generated OpenCL C kernel takes exactly {@link dev.mambajvm.lang.spec.KernelSpec#launchParams()},
 * in order: the context becomes built-ins ({@code get_global_id}) and the {@code @Constant}s
 * become {@code #define}s, so neither is an argument. Argument {@code i} is therefore
 * {@code clSetKernelArg} index {@code i}.
 *
 * <p>Scalars must match the declared type exactly (an {@code Integer} for {@code int}, which is a
 * 4-byte {@code cl_int}; a {@code Long} for {@code long}, an 8-byte {@code cl_long}; a {@code Float}
 * for {@code float}): OpenCL copies the argument's bytes as they are, so a widened or narrowed
 * value would be silently reinterpreted.
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
        List<KernelParam> params = kernel.spec().launchParams();
        if (args.length != params.size()) {
            throw new IllegalArgumentException("kernel " + kernel.spec().displayName() + " takes " + params.size()
                    + " launch arguments (" + describe(params) + "), got " + args.length);
        }
        for (int i = 0; i < args.length; i++) {
            checkOne(kernel, params.get(i), i, args[i], device);
        }
        return kernel;
    }

    /** Checks, then sets every argument; {@code slot} is 8 bytes of scratch, reused per argument. */
    static OpenClKernel set(CompiledKernel compiled, OpenClDevice device, Object[] args, MemorySegment slot) {
        OpenClKernel kernel = check(compiled, device, args);
        List<KernelParam> params = kernel.spec().launchParams();
        OpenCl cl = device.cl();
        for (int i = 0; i < args.length; i++) {
            Object arg = args[i];
            switch (params.get(i).kind()) {
                case ARRAY -> {
                    slot.set(ADDRESS, 0, OpenClBuffer.of((DeviceBuffer) arg, device, "argument").kernelArgument());
                    cl.setKernelArg(kernel.handle(), i, ADDRESS.byteSize(), slot);
                }
                case SCALAR -> {
                    Number v = arg instanceof Scalar s ? s.value() : (Number) arg;
                    switch (params.get(i).scalarType()) {
                        case "int" -> {
                            slot.set(JAVA_INT, 0, v.intValue());
                            cl.setKernelArg(kernel.handle(), i, 4, slot);
                        }
                        case "long" -> {
                            slot.set(JAVA_LONG, 0, v.longValue());
                            cl.setKernelArg(kernel.handle(), i, 8, slot);
                        }
                        case "float" -> {
                            slot.set(JAVA_FLOAT, 0, v.floatValue());
                            cl.setKernelArg(kernel.handle(), i, 4, slot);
                        }
                        default -> throw new IllegalStateException("scalar type " + params.get(i).scalarType());
                    }
                }
                default -> throw new IllegalStateException("parameter kind " + params.get(i).kind() + " at launch");
            }
        }
        return kernel;
    }

    private static void checkOne(OpenClKernel kernel, KernelParam p, int index, Object arg, OpenClDevice device) {
        String where = "kernel " + kernel.spec().displayName() + ", parameter '" + p.name() + "' (launch argument "
                + index + ", " + describe(p) + ")";
        switch (p.kind()) {
            case ARRAY -> {
                if (!(arg instanceof DeviceBuffer buffer)) {
                    throw new IllegalArgumentException(where + ": expected a DeviceBuffer, got " + typeOf(arg));
                }
                if (!(buffer instanceof OpenClBuffer b) || b.device() != device) {
                    throw new IllegalArgumentException(where + ": expected a buffer of " + device.id() + ", got one of "
                            + buffer.device().id());
                }
            }
            case SCALAR -> {
                String type = p.scalarType();
                boolean ok = switch (arg) {
                    case Scalar s -> s.type().equals(type);
                    case Integer ignored -> type.equals("int");
                    case Long ignored -> type.equals("long");
                    case Float ignored -> type.equals("float");
                    case null, default -> false;
                };
                if (!ok) {
                    throw new IllegalArgumentException(where + ": expected " + boxed(type) + " or a Scalar of " + type
                            + ", got " + typeOf(arg));
                }
            }
            default -> throw new IllegalStateException("parameter kind " + p.kind() + " is not passed at launch");
        }
    }

    private static String boxed(String type) {
        return switch (type) {
            case "int" -> "an Integer";
            case "long" -> "a Long";
            case "float" -> "a Float";
            default -> type;
        };
    }

    private static String typeOf(Object arg) {
        return switch (arg) {
            case null -> "null";
            case Scalar s -> "a Scalar of " + s.type();
            case DeviceBuffer b -> "a DeviceBuffer";
            default -> arg.getClass().getSimpleName() + " " + arg;
        };
    }

    private static String describe(KernelParam p) {
        return p.kind() == KernelParam.Kind.ARRAY ? p.arrayType().code() + " array" : p.scalarType() + " scalar";
    }

    private static String describe(List<KernelParam> params) {
        return String.join(", ", params.stream().map(p -> describe(p) + " " + p.name()).toList());
    }
}
