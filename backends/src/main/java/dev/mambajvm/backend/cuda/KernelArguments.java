package dev.mambajvm.backend.cuda;

import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.backend.Scalar;
import dev.mambajvm.lang.spec.KernelParam;
import dev.mambajvm.lang.spec.KernelSpec;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Checks launch arguments against a kernel's launch parameters and lays them out the way
 * {@code cuLaunchKernel} and kernel graph nodes take them: {@code void** kernelParams}, one pointer
 * per parameter to a host copy of its value. Pure Java (no driver calls), so it is unit-tested
 * without a GPU.
 *
 * <p>Each value gets its own 8-byte, 8-aligned slot in a values block: a CUdeviceptr is 8 bytes, an
 * {@code int} and a {@code float} 4 bytes (the driver copies exactly the parameter's size from the
 * pointer, so the rest of the slot is never read).
 */
final class KernelArguments {
    private KernelArguments() {
    }

    static final long SLOT = 8;

    enum Type { POINTER, INT, LONG, FLOAT }

    /** One checked argument: a device pointer, a fixed scalar, or a {@link Scalar} read at each issue. */
    record Arg(KernelParam param, Type type, long pointer, Number fixed, Scalar scalar, DeviceBuffer buffer) {
        /** The value as it is now (a Scalar's current value). */
        Number value() {
            return type == Type.POINTER ? (Number) pointer : scalar != null ? scalar.value() : fixed;
        }
    }

    /**
     * Checks {@code args} against {@code spec.launchParams()}.
     *
     * @param pointerOf the device address of a buffer; throws IllegalArgumentException for a buffer
     *                  of another device or a freed one
     * @throws IllegalArgumentException naming the kernel, the parameter and what was expected
     */
    static List<Arg> marshal(KernelSpec spec, Object[] args, ToLongFunction<DeviceBuffer> pointerOf) {
        return marshal(spec, spec.launchParams(), args, pointerOf);
    }

    /**
     * As above with the launch parameters already extracted: this runs on every launch, so the
     * hot path allocates no strings (messages are built only when an argument is wrong).
     */
    static List<Arg> marshal(KernelSpec spec, List<KernelParam> params, Object[] args,
                             ToLongFunction<DeviceBuffer> pointerOf) {
        Object[] a = args == null ? new Object[0] : args;
        if (a.length != params.size()) {
            throw new IllegalArgumentException("kernel " + spec.displayName() + " takes " + params.size()
                    + " launch argument(s) (" + describe(params) + "), got " + a.length);
        }
        List<Arg> out = new ArrayList<>(params.size());
        for (int i = 0; i < params.size(); i++) {
            KernelParam p = params.get(i);
            Object v = a[i];
            if (v == null) {
                throw new IllegalArgumentException(where(spec, i, p) + ": null (expected " + expectation(p) + ")");
            }
            if (p.kind() == KernelParam.Kind.ARRAY) {
                if (!(v instanceof DeviceBuffer b)) {
                    throw new IllegalArgumentException(where(spec, i, p) + ": expected " + expectation(p) + ", got "
                            + v.getClass().getSimpleName());
                }
                long ptr;
                try {
                    ptr = pointerOf.applyAsLong(b);
                } catch (IllegalArgumentException | IllegalStateException e) {
                    throw new IllegalArgumentException(where(spec, i, p) + ": " + e.getMessage(), e);
                }
                out.add(new Arg(p, Type.POINTER, ptr, null, null, b));
                continue;
            }
            Type t = switch (p.scalarType()) {
                case "int" -> Type.INT;
                case "long" -> Type.LONG;
                case "float" -> Type.FLOAT;
                default -> throw new IllegalArgumentException(where(spec, i, p) + ": unsupported scalar type " + p.scalarType());
            };
            if (v instanceof Scalar s) {
                if (!s.type().equals(p.scalarType())) {
                    throw new IllegalArgumentException(where(spec, i, p) + ": expected " + expectation(p) + ", got a Scalar holding a "
                            + s.type());
                }
                out.add(new Arg(p, t, 0, null, s, null));
                continue;
            }
            boolean fits = switch (t) {
                case INT -> v instanceof Integer;
                case LONG -> v instanceof Long;
                case FLOAT -> v instanceof Float;
                default -> false;
            };
            if (!fits) {
                throw new IllegalArgumentException(where(spec, i, p) + ": expected " + expectation(p) + ", got "
                        + v.getClass().getSimpleName() + " " + v);
            }
            out.add(new Arg(p, t, 0, (Number) v, null, null));
        }
        return out;
    }

    private static String where(KernelSpec spec, int i, KernelParam p) {
        return "kernel " + spec.displayName() + ", argument " + i + " '" + p.name() + "'";
    }

    static String expectation(KernelParam p) {
        if (p.kind() == KernelParam.Kind.ARRAY) {
            return "a DeviceBuffer (" + p.arrayType().code() + " array)";
        }
        String box = switch (p.scalarType()) {
            case "int" -> "Integer";
            case "long" -> "Long";
            case "float" -> "Float";
            default -> p.scalarType();
        };
        return "an " + box + " or a Scalar of type " + p.scalarType();
    }

    private static String describe(List<KernelParam> params) {
        List<String> s = new ArrayList<>();
        for (KernelParam p : params) {
            s.add((p.kind() == KernelParam.Kind.ARRAY ? p.arrayType().code() + "[]" : p.scalarType()) + " " + p.name());
        }
        return String.join(", ", s);
    }

    /** Bytes of the values block for {@code n} arguments. */
    static long valuesSize(int n) {
        return Math.max(1, n) * SLOT;
    }

    /**
     * Writes the current value of every argument into its slot of {@code values} and, into
     * {@code pointers}, the address of each slot (the kernelParams array).
     */
    static void write(List<Arg> args, MemorySegment values, MemorySegment pointers) {
        for (int i = 0; i < args.size(); i++) {
            writeValue(args.get(i), args.get(i).value(), values, i);
            pointers.setAtIndex(ADDRESS, i, values.asSlice(i * SLOT, SLOT));
        }
    }

    static void writeValue(Arg arg, Number v, MemorySegment values, int i) {
        long off = i * SLOT;
        switch (arg.type()) {
            case POINTER, LONG -> values.set(JAVA_LONG, off, v.longValue());
            case INT -> {
                values.set(JAVA_LONG, off, 0L);
                values.set(JAVA_INT, off, v.intValue());
            }
            case FLOAT -> {
                values.set(JAVA_LONG, off, 0L);
                values.set(JAVA_FLOAT, off, v.floatValue());
            }
        }
    }
}
