package dev.mambajvm.backend;

import dev.mambajvm.lang.spec.KernelParam;
import dev.mambajvm.lang.spec.KernelSpec;

import java.util.List;

/**
 * Checks launch arguments against a kernel's {@link KernelSpec#launchParams()}, the same way for
 * every backend, so a wrong argument gets the same message wherever it is launched. Pure Java: the
 * backends keep only what is theirs (laying the checked values out for the driver, or binding
 * them to the Java method).
 *
 * <p>The rules: exactly one argument per launch parameter, in order. An array parameter takes a
 * {@link DeviceBuffer} of the launching device. A scalar parameter takes exactly its boxed type
 * ({@code Integer} for {@code int}, {@code Long} for {@code long}, {@code Float} for {@code float}: a
 * widened or narrowed value would be reinterpreted by the drivers, which copy bytes) or a
 * {@link Scalar} of that type, read with {@link #scalarValue} when the launch is issued.
 *
 * <p>{@link #check} runs on every launch: it allocates nothing unless an argument is wrong (the
 * messages are built only then). Pass it launch parameters extracted once per compiled kernel,
 * since {@code spec.launchParams()} builds a new list at each call.
 */
public final class LaunchArguments {
    private LaunchArguments() {
    }

    /**
     * Checks {@code args} against {@code launchParams}, which must be {@code spec.launchParams()}.
     *
     * @param device the launching device: every buffer argument must belong to it
     * @param args   the launch arguments; null is taken as none
     * @throws IllegalArgumentException naming the kernel, the argument's index and name, what was
     *                                  expected and what was given
     */
    public static void check(KernelSpec spec, List<KernelParam> launchParams, Device device, Object[] args) {
        int n = args == null ? 0 : args.length;
        if (n != launchParams.size()) {
            throw countMismatch(spec, launchParams, n);
        }
        for (int i = 0; i < n; i++) {
            KernelParam p = launchParams.get(i);
            Object v = args[i];
            switch (p.kind()) {
                case ARRAY -> {
                    if (!(v instanceof DeviceBuffer b)) {
                        throw mismatch(spec, i, p, v);
                    }
                    if (b.device() != device) {
                        Device other = b.device();
                        throw argumentError(spec, i, p, "expected a buffer of " + device.id()
                                + ", got a buffer of another device (" + (other == null ? "none" : other.id()) + ")",
                                null);
                    }
                }
                case SCALAR -> {
                    String type = p.scalarType();
                    boolean fits = switch (type) {
                        case "int" -> v instanceof Integer || v instanceof Scalar s && s.type().equals("int");
                        case "long" -> v instanceof Long || v instanceof Scalar s && s.type().equals("long");
                        case "float" -> v instanceof Float || v instanceof Scalar s && s.type().equals("float");
                        default -> throw argumentError(spec, i, p, "unsupported scalar type " + type, null);
                    };
                    if (!fits) {
                        throw mismatch(spec, i, p, v);
                    }
                }
                default -> throw argumentError(spec, i, p, "a " + p.kind() + " parameter is not passed at launch",
                        null);
            }
        }
    }

    /** As {@link #check(KernelSpec, List, Device, Object[])} with {@code spec.launchParams()}: not for a hot path. */
    public static void check(KernelSpec spec, Device device, Object[] args) {
        check(spec, spec.launchParams(), device, args);
    }

    /**
     * The current value of a checked scalar argument: a {@link Scalar}'s {@link Scalar#value()}, or
     * the boxed number itself.
     */
    public static Number scalarValue(Object arg) {
        return arg instanceof Scalar s ? s.value() : (Number) arg;
    }

    /**
     * An error about argument {@code index} found by a backend after {@link #check} (a freed buffer,
     * say), with the same prefix as the checker's own messages: {@code kernel K, argument I 'NAME'
     * (TYPE): WHAT}.
     */
    public static IllegalArgumentException argumentError(KernelSpec spec, int index, KernelParam p, String what,
                                                         Throwable cause) {
        return new IllegalArgumentException("kernel " + spec.displayName() + ", argument " + index + " '" + p.name()
                + "' (" + describe(p) + "): " + what, cause);
    }

    /** What a parameter takes, for messages: {@code an Integer or a Scalar of type int}, {@code a DeviceBuffer}. */
    public static String expectation(KernelParam p) {
        if (p.kind() == KernelParam.Kind.ARRAY) {
            return "a DeviceBuffer";
        }
        String boxed = switch (p.scalarType()) {
            case "int" -> "an Integer";
            case "long" -> "a Long";
            case "float" -> "a Float";
            default -> "a " + p.scalarType();
        };
        return boxed + " or a Scalar of type " + p.scalarType();
    }

    /** {@code f32 array} or {@code int scalar}. */
    public static String describe(KernelParam p) {
        return p.kind() == KernelParam.Kind.ARRAY ? p.arrayType().code() + " array" : p.scalarType() + " scalar";
    }

    private static IllegalArgumentException countMismatch(KernelSpec spec, List<KernelParam> params, int got) {
        StringBuilder list = new StringBuilder();
        for (KernelParam p : params) {
            list.append(list.isEmpty() ? "" : ", ").append(describe(p)).append(' ').append(p.name());
        }
        return new IllegalArgumentException("kernel " + spec.displayName() + " takes " + params.size()
                + (params.size() == 1 ? " launch argument (" : " launch arguments (") + list + "), got " + got);
    }

    private static IllegalArgumentException mismatch(KernelSpec spec, int index, KernelParam p, Object got) {
        return argumentError(spec, index, p, "expected " + expectation(p) + ", got " + typeOf(got), null);
    }

    private static String typeOf(Object arg) {
        return switch (arg) {
            case null -> "null";
            case Scalar s -> "a Scalar of type " + s.type();
            case DeviceBuffer b -> "a DeviceBuffer";
            default -> arg.getClass().getSimpleName() + " " + arg;
        };
    }
}
