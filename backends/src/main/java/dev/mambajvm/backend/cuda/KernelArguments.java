package dev.mambajvm.backend.cuda;

import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.backend.LaunchArguments;
import dev.mambajvm.backend.Scalar;
import dev.mambajvm.lang.spec.KernelParam;
import dev.mambajvm.lang.spec.KernelSpec;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Lays launch arguments, checked by {@link LaunchArguments}, out the way {@code cuLaunchKernel} and
 * kernel graph nodes take them: {@code void** kernelParams}, one pointer per parameter to a host
 * copy of its value. Pure Java (no driver calls), so it is unit-tested without a GPU.
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
     * The slot type of each launch parameter, worked out once per compiled kernel; null for a scalar
     * type {@link LaunchArguments#check} rejects (so a launch fails there, not at compile).
     */
    static Type[] types(List<KernelParam> params) {
        Type[] t = new Type[params.size()];
        for (int i = 0; i < t.length; i++) {
            KernelParam p = params.get(i);
            t[i] = p.kind() == KernelParam.Kind.ARRAY ? Type.POINTER : switch (String.valueOf(p.scalarType())) {
                case "int" -> Type.INT;
                case "long" -> Type.LONG;
                case "float" -> Type.FLOAT;
                default -> null;
            };
        }
        return t;
    }

    /**
     * Checks {@code args} against {@code params} ({@code spec.launchParams()}, {@code types} from
     * {@link #types}) and keeps them as {@link Arg}s, for a launch sequence to write at each build.
     *
     * @param pointerOf the device address of a buffer of {@code device}; throws
     *                  IllegalStateException for a freed one
     * @throws IllegalArgumentException naming the kernel, the argument and what was expected
     */
    static List<Arg> marshal(KernelSpec spec, List<KernelParam> params, Type[] types, Device device, Object[] args,
                             ToLongFunction<DeviceBuffer> pointerOf) {
        LaunchArguments.check(spec, params, device, args);
        List<Arg> out = new ArrayList<>(types.length);
        for (int i = 0; i < types.length; i++) {
            KernelParam p = params.get(i);
            Object v = args[i];
            if (types[i] == Type.POINTER) {
                DeviceBuffer b = (DeviceBuffer) v;
                out.add(new Arg(p, Type.POINTER, pointer(spec, i, p, b, pointerOf), null, null, b));
            } else if (v instanceof Scalar s) {
                out.add(new Arg(p, types[i], 0, null, s, null));
            } else {
                out.add(new Arg(p, types[i], 0, (Number) v, null, null));
            }
        }
        return out;
    }

    /**
     * Checks {@code args} as {@link #marshal} does and writes their current values straight into
     * {@code values}, and the slots' addresses into {@code pointers} (the kernelParams array): the
     * queue's launch path, which allocates nothing unless an argument is wrong.
     */
    static void write(KernelSpec spec, List<KernelParam> params, Type[] types, Device device, Object[] args,
                      ToLongFunction<DeviceBuffer> pointerOf, MemorySegment values, MemorySegment pointers) {
        LaunchArguments.check(spec, params, device, args);
        for (int i = 0; i < types.length; i++) {
            Object v = args[i];
            if (types[i] == Type.POINTER) {
                writePointer(pointer(spec, i, params.get(i), (DeviceBuffer) v, pointerOf), values, i);
            } else {
                writeValue(types[i], LaunchArguments.scalarValue(v), values, i);
            }
            setSlotAddress(values, pointers, i);
        }
    }

    private static long pointer(KernelSpec spec, int i, KernelParam p, DeviceBuffer b,
                                ToLongFunction<DeviceBuffer> pointerOf) {
        try {
            return pointerOf.applyAsLong(b);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw LaunchArguments.argumentError(spec, i, p, e.getMessage(), e);
        }
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
            Arg a = args.get(i);
            if (a.type() == Type.POINTER) {
                writePointer(a.pointer(), values, i);
            } else {
                writeValue(a.type(), a.value(), values, i);
            }
            setSlotAddress(values, pointers, i);
        }
    }

    /** kernelParams[i] = &values[i] (a 64-bit address: CUDA runs on 64-bit hosts only). */
    private static void setSlotAddress(MemorySegment values, MemorySegment pointers, int i) {
        pointers.setAtIndex(JAVA_LONG, i, values.address() + i * SLOT);
    }

    static void writePointer(long pointer, MemorySegment values, int i) {
        values.set(JAVA_LONG, i * SLOT, pointer);
    }

    /** Writes a scalar ({@code type} other than POINTER) into slot {@code i}, zeroing the slot's unused bytes. */
    static void writeValue(Type type, Number v, MemorySegment values, int i) {
        long off = i * SLOT;
        switch (type) {
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
