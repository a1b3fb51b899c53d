package dev.mambajvm.backend;

import dev.mambajvm.lang.DType;
import dev.mambajvm.lang.spec.Dialect;
import dev.mambajvm.lang.spec.KernelParam;
import dev.mambajvm.lang.spec.KernelSpec;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

public class LaunchArgumentsTest {
    /** A device that is only an identity and an id: the checker needs nothing else. */
    public record FakeDevice(String id) implements Device {
        public BackendKind kind() {
            throw new UnsupportedOperationException();
        }

        public String name() {
            return id;
        }

        public Map<String, String> properties() {
            return Map.of();
        }

        public DeviceBuffer allocate(long bytes) {
            throw new UnsupportedOperationException();
        }

        public long allocatedBytes() {
            return 0;
        }

        public long peakAllocatedBytes() {
            return 0;
        }

        public Queue queue() {
            throw new UnsupportedOperationException();
        }

        public CompiledKernel compile(KernelSpec spec, Map<String, ? extends Number> constants) {
            throw new UnsupportedOperationException();
        }

        public LaunchSequence newSequence() {
            throw new UnsupportedOperationException();
        }

        public void close() {
        }
    }

    public record FakeBuffer(Device device) implements DeviceBuffer {
        public long byteSize() {
            return 64;
        }

        public DeviceBuffer slice(long offset, long bytes) {
            return this;
        }

        public void close() {
        }
    }

    private static final Device DEVICE = new FakeDevice("fake:0");
    private static final Device OTHER = new FakeDevice("fake:1");
    private static final DeviceBuffer BUF = new FakeBuffer(DEVICE);

    private static final KernelSpec SPEC = new KernelSpec("dev.mambajvm.test.Kernels", "axpy", "Kernels.java:7",
            List.of(new KernelParam("ctx", KernelParam.Kind.CONTEXT, null, null, false),
                    new KernelParam("x", KernelParam.Kind.ARRAY, DType.F32, null, false),
                    new KernelParam("y", KernelParam.Kind.ARRAY, DType.F32, null, true),
                    new KernelParam("n", KernelParam.Kind.SCALAR, null, "int", false),
                    new KernelParam("base", KernelParam.Kind.SCALAR, null, "long", false),
                    new KernelParam("alpha", KernelParam.Kind.SCALAR, null, "float", false),
                    new KernelParam("BLOCK", KernelParam.Kind.CONSTANT, null, "int", false)),
            false, Map.of(Dialect.CUDA, ""));

    private static String fail(Object... args) {
        return assertThrows(IllegalArgumentException.class, () -> LaunchArguments.check(SPEC, DEVICE, args))
                .getMessage();
    }

    private static void assertContains(String message, String... parts) {
        for (String part : parts) {
            assertTrue(message.contains(part), "'" + part + "' not in: " + message);
        }
    }

    @Test
    void acceptsExactTypesAndScalarsOfTheParamType() {
        assertDoesNotThrow(() -> LaunchArguments.check(SPEC, DEVICE, new Object[]{BUF, BUF, 3, 4L, 0.5f}));
        assertDoesNotThrow(() -> LaunchArguments.check(SPEC, SPEC.launchParams(), DEVICE,
                new Object[]{BUF, BUF.slice(0, 8), Scalar.ofInt(3), Scalar.ofLong(4), Scalar.ofFloat(0.5f)}));
    }

    @Test
    void wrongCountListsTheLaunchParams() {
        assertEquals("kernel Kernels.axpy takes 5 launch arguments (f32 array x, f32 array y, int scalar n,"
                + " long scalar base, float scalar alpha), got 4", fail(BUF, BUF, 3, 4L));
        assertContains(fail(BUF, BUF, 3, 4L, 0.5f, 1), "takes 5 launch arguments", "got 6");
        String none = assertThrows(IllegalArgumentException.class,
                () -> LaunchArguments.check(SPEC, DEVICE, null)).getMessage();
        assertContains(none, "got 0");
        KernelSpec one = new KernelSpec("K", "fill", "K.java:1",
                List.of(new KernelParam("out", KernelParam.Kind.ARRAY, DType.F32, null, true)), false, Map.of());
        String single = assertThrows(IllegalArgumentException.class,
                () -> LaunchArguments.check(one, DEVICE, new Object[0])).getMessage();
        assertEquals("kernel K.fill takes 1 launch argument (f32 array out), got 0", single);
    }

    @Test
    void arrayParamNeedsADeviceBuffer() {
        assertEquals("kernel Kernels.axpy, argument 1 'y' (f32 array): expected a DeviceBuffer, got Integer 3",
                fail(BUF, 3, 3, 4L, 0.5f));
        assertEquals("kernel Kernels.axpy, argument 0 'x' (f32 array): expected a DeviceBuffer, got null",
                fail(null, BUF, 3, 4L, 0.5f));
    }

    @Test
    void arrayParamNeedsABufferOfTheLaunchingDevice() {
        assertEquals("kernel Kernels.axpy, argument 1 'y' (f32 array): expected a buffer of fake:0, got a buffer of"
                + " another device (fake:1)", fail(BUF, new FakeBuffer(OTHER), 3, 4L, 0.5f));
        assertContains(fail(new FakeBuffer(null), BUF, 3, 4L, 0.5f), "argument 0 'x'", "another device (none)");
    }

    @Test
    void scalarParamNeedsItsExactBoxedType() {
        assertEquals("kernel Kernels.axpy, argument 2 'n' (int scalar): expected an Integer or a Scalar of type int,"
                + " got Long 3", fail(BUF, BUF, 3L, 4L, 0.5f));
        assertContains(fail(BUF, BUF, 3, 4, 0.5f), "argument 3 'base' (long scalar)",
                "expected a Long or a Scalar of type long", "got Integer 4");
        assertContains(fail(BUF, BUF, 3, 4L, 0.5), "argument 4 'alpha' (float scalar)",
                "expected a Float or a Scalar of type float", "got Double 0.5");
        assertContains(fail(BUF, BUF, 3, 4L, BUF), "'alpha'", "got a DeviceBuffer");
        assertContains(fail(BUF, BUF, null, 4L, 0.5f), "argument 2 'n'", "got null");
    }

    @Test
    void scalarParamNeedsAScalarOfItsType() {
        assertEquals("kernel Kernels.axpy, argument 2 'n' (int scalar): expected an Integer or a Scalar of type int,"
                + " got a Scalar of type float", fail(BUF, BUF, Scalar.ofFloat(3), 4L, 0.5f));
        assertContains(fail(BUF, BUF, 3, Scalar.ofInt(4), 0.5f), "'base'", "got a Scalar of type int");
    }

    @Test
    void unsupportedScalarTypeAndNonLaunchParamsAreRejected() {
        KernelSpec doubles = new KernelSpec("K", "d", "K.java:1",
                List.of(new KernelParam("v", KernelParam.Kind.SCALAR, null, "double", false)), false, Map.of());
        String e = assertThrows(IllegalArgumentException.class,
                () -> LaunchArguments.check(doubles, DEVICE, new Object[]{1.0})).getMessage();
        assertEquals("kernel K.d, argument 0 'v' (double scalar): unsupported scalar type double", e);
        // Only what launchParams() returns is passed: a constant in the list is a caller's bug.
        e = assertThrows(IllegalArgumentException.class, () -> LaunchArguments.check(SPEC,
                List.of(SPEC.params().get(6)), DEVICE, new Object[]{1})).getMessage();
        assertContains(e, "argument 0 'BLOCK'", "CONSTANT parameter is not passed at launch");
    }

    @Test
    void scalarValueReadsAScalarNowOrTheBoxedNumber() {
        Scalar s = Scalar.ofLong(5);
        assertEquals(5L, LaunchArguments.scalarValue(s));
        s.set(7L);
        assertEquals(7L, LaunchArguments.scalarValue(s));
        Float f = 2.5f;
        assertSame(f, LaunchArguments.scalarValue(f));
    }

    @Test
    void backendErrorsShareThePrefix() {
        RuntimeException cause = new IllegalStateException("freed");
        IllegalArgumentException e = LaunchArguments.argumentError(SPEC, 1, SPEC.params().get(2), "freed", cause);
        assertEquals("kernel Kernels.axpy, argument 1 'y' (f32 array): freed", e.getMessage());
        assertSame(cause, e.getCause());
    }
}
