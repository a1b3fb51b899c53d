package dev.mambajvm.backend.jvm;

import dev.mambajvm.backend.CompiledKernel;
import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.backend.LaunchArguments;
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
    /** {@code spec.launchParams()}, extracted once: every launch checks its arguments against them. */
    private final List<KernelParam> launchParams;

    JvmCompiledKernel(KernelSpec spec, Map<String, ? extends Number> constants, JvmDevice device, MethodHandle method) {
        this.spec = spec;
        this.constants = Map.copyOf(constants);
        this.device = device;
        this.method = method;
        this.launchParams = spec.launchParams();
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
     * {@code args} are the launch arguments in {@link KernelSpec#launchParams()} order, checked by
     * {@link LaunchArguments}; {@link Scalar}s are read now.
     *
     * @throws IllegalArgumentException naming the kernel and the parameter when an argument does
     *                                  not fit
     */
    MethodHandle bind(Object... args) {
        LaunchArguments.check(spec, launchParams, device, args);
        List<KernelParam> params = spec.params();
        // One Java value per method parameter after the context (params.get(0) is the context).
        Object[] values = new Object[params.size() - 1];
        int next = 0;
        for (int i = 1; i < params.size(); i++) {
            KernelParam p = params.get(i);
            values[i - 1] = switch (p.kind()) {
                case ARRAY -> DeviceArray.wrap(p.arrayType(),
                        device.own((DeviceBuffer) args[next++], "argument").segment());
                case SCALAR -> LaunchArguments.scalarValue(args[next++]);
                // Constants are not launch arguments: they are the values fixed at compile().
                case CONSTANT -> constants.get(p.name());
                case CONTEXT -> throw new IllegalStateException("second context parameter " + p.name());
            };
        }
        return MethodHandles.insertArguments(method, 1, values);
    }
}
