package dev.mambajvm.backend.jvm;

import dev.mambajvm.backend.CompiledKernel;
import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.backend.Scalar;
import dev.mambajvm.lang.DeviceArray;
import dev.mambajvm.lang.KernelContext;
import dev.mambajvm.lang.spec.KernelParam;
import dev.mambajvm.lang.spec.KernelSpec;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.List;
import java.util.Map;

/**
 * A kernel "compiled" for the JVM: a {@link MethodHandle} to the kernel's Java method, whose type
 * is {@code (KernelContext, <every other parameter in declaration order>)void}, plus the values of
 * its {@code @Constant}s.
 *
 * <p>{@link #bind} turns launch arguments into the Java values the method takes and binds them, so
 * the executor is left with a {@code (KernelContext)void} handle that it calls once per work-item
 * with {@code invokeExact}: no reflection and no argument array per work-item.
 */
final class JvmCompiledKernel implements CompiledKernel {
    /** The type of a handle with all arguments but the context bound: what the executor invokes. */
    static final MethodType WORK_ITEM = MethodType.methodType(void.class, KernelContext.class);

    private final KernelSpec spec;
    private final Map<String, ? extends Number> constants;
    private final JvmDevice device;
    private final MethodHandle method;

    JvmCompiledKernel(KernelSpec spec, Map<String, ? extends Number> constants, JvmDevice device, MethodHandle method) {
        this.spec = spec;
        this.constants = Map.copyOf(constants);
        this.device = device;
        this.method = method;
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

    /** Empty: the JVM backend runs the Java method and has no generated source. */
    @Override
    public String source() {
        return "";
    }

    /** {@code BasicKernels.vectorAdd (BasicKernels.java:12)}, for messages. */
    String describe() {
        return spec.displayName() + " (" + spec.location() + ")";
    }

    /**
     * The kernel method with every argument but the context bound, of type {@link #WORK_ITEM}.
     * {@code args} are the launch arguments in {@link KernelSpec#launchParams()} order; {@link Scalar}s
     * are read now.
     *
     * @throws IllegalArgumentException naming the kernel and the parameter when an argument does
     *                                  not fit
     */
    MethodHandle bind(Object... args) {
        List<KernelParam> params = spec.params();
        List<KernelParam> launchParams = spec.launchParams();
        if (args == null || args.length != launchParams.size()) {
            throw new IllegalArgumentException("kernel " + spec.displayName() + " takes " + launchParams.size()
                    + " launch arguments (" + String.join(", ", launchParams.stream().map(KernelParam::name).toList())
                    + "), got " + (args == null ? 0 : args.length));
        }
        // One Java value per method parameter after the context (params.get(0) is the context).
        Object[] values = new Object[params.size() - 1];
        int next = 0;
        for (int i = 1; i < params.size(); i++) {
            KernelParam p = params.get(i);
            values[i - 1] = switch (p.kind()) {
                case ARRAY -> array(p, args[next++]);
                case SCALAR -> scalar(p, args[next++]);
                // Constants are not launch arguments: they are the values fixed at compile().
                case CONSTANT -> constants.get(p.name());
                case CONTEXT -> throw new IllegalStateException("second context parameter " + p.name());
            };
        }
        return MethodHandles.insertArguments(method, 1, values);
    }

    private DeviceArray array(KernelParam p, Object arg) {
        if (!(arg instanceof DeviceBuffer buffer)) {
            throw mismatch(p, "a DeviceBuffer", arg);
        }
        if (!(buffer instanceof JvmBuffer jvm) || buffer.device() != device) {
            throw new IllegalArgumentException("kernel " + spec.displayName() + " parameter '" + p.name()
                    + "': the buffer belongs to " + buffer.device().id() + ", not to this JVM device");
        }
        return DeviceArray.wrap(p.arrayType(), jvm.segment());
    }

    private Number scalar(KernelParam p, Object arg) {
        Number value = arg instanceof Scalar s ? s.value() : arg instanceof Number n ? n : null;
        boolean fits = switch (p.scalarType()) {
            case "int" -> value instanceof Integer;
            case "long" -> value instanceof Long;
            case "float" -> value instanceof Float;
            default -> throw new IllegalStateException("scalar of type " + p.scalarType());
        };
        if (!fits) {
            throw mismatch(p, switch (p.scalarType()) {
                case "int" -> "an Integer or an int Scalar";
                case "long" -> "a Long or a long Scalar";
                default -> "a Float or a float Scalar";
            }, arg);
        }
        return value;
    }

    private IllegalArgumentException mismatch(KernelParam p, String expected, Object arg) {
        String what = p.kind() == KernelParam.Kind.ARRAY ? "array " + p.arrayType().code() : "scalar " + p.scalarType();
        String got = arg == null ? "null"
                : arg instanceof Scalar s ? "a Scalar of type " + s.type()
                : arg.getClass().getSimpleName() + " " + arg;
        return new IllegalArgumentException("kernel " + spec.displayName() + " parameter '" + p.name() + "' (" + what
                + ") needs " + expected + ", got " + got);
    }
}
