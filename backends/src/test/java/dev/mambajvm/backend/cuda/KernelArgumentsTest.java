package dev.mambajvm.backend.cuda;

import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.backend.LaunchArgumentsTest;
import dev.mambajvm.backend.Scalar;
import dev.mambajvm.lang.spec.KernelParam;
import dev.mambajvm.lang.spec.KernelSpec;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KernelArgumentsTest {
    /** The launching device: only its identity and id matter to the checks. */
    static final Device DEVICE = new LaunchArgumentsTest.FakeDevice("cuda:fake");

    /** A buffer stand-in of {@link #DEVICE}: marshal only needs pointerOf to map it to an address. */
    record FakeBuffer(long address) implements DeviceBuffer {
        public Device device() {
            return DEVICE;
        }

        public long byteSize() {
            return 1024;
        }

        public DeviceBuffer slice(long offset, long bytes) {
            return new FakeBuffer(address + offset);
        }

        public void close() {
        }
    }

    /** Address 0 stands for a freed buffer, as CudaBuffer.pointer() throws for one. */
    private static long addr(DeviceBuffer b) {
        if (b instanceof FakeBuffer f && f.address() != 0) {
            return f.address();
        }
        throw new IllegalStateException("buffer was freed");
    }

    private static List<KernelArguments.Arg> marshal(KernelSpec spec, Object... args) {
        List<KernelParam> params = spec.launchParams();
        return KernelArguments.marshal(spec, params, KernelArguments.types(params), DEVICE, args,
                KernelArgumentsTest::addr);
    }

    private static List<KernelArguments.Arg> vectorAdd(Object... args) {
        return marshal(CudaSmokeTest.vectorAddSpec("x"), args);
    }

    /** The queue's path: check and write straight into the slots. */
    private static void writeVectorAdd(MemorySegment values, MemorySegment pointers, Object... args) {
        KernelSpec spec = CudaSmokeTest.vectorAddSpec("x");
        List<KernelParam> params = spec.launchParams();
        KernelArguments.write(spec, params, KernelArguments.types(params), DEVICE, args, KernelArgumentsTest::addr,
                values, pointers);
    }

    @Test
    void marshalsAndWritesKernelParams() {
        Scalar scale = Scalar.ofFloat(2.5f);
        var args = vectorAdd(new FakeBuffer(0x1000), new FakeBuffer(0x2000), new FakeBuffer(0x3000).slice(16, 8), 77, scale);
        assertEquals(5, args.size());
        try (Arena a = Arena.ofConfined()) {
            MemorySegment values = a.allocate(KernelArguments.valuesSize(5), 8);
            MemorySegment ptrs = a.allocate(ADDRESS, 5);
            KernelArguments.write(args, values, ptrs);
            assertEquals(0x1000L, values.get(JAVA_LONG, 0));
            assertEquals(0x2000L, values.get(JAVA_LONG, 8));
            assertEquals(0x3010L, values.get(JAVA_LONG, 16));
            assertEquals(77, values.get(JAVA_INT, 24));
            assertEquals(2.5f, values.get(JAVA_FLOAT, 32));
            for (int i = 0; i < 5; i++) {
                assertEquals(values.address() + 8L * i, ptrs.getAtIndex(ADDRESS, i).address());
            }
            scale.set(-1f);
            KernelArguments.writeValue(args.get(4).type(), args.get(4).value(), values, 4);
            assertEquals(-1f, values.get(JAVA_FLOAT, 32));
        }
    }

    @Test
    void queuePathWritesTheSameLayoutAsMarshalledArgs() {
        Scalar scale = Scalar.ofFloat(2.5f);
        Object[] launch = {new FakeBuffer(0x1000), new FakeBuffer(0x2000), new FakeBuffer(0x3000).slice(16, 8), 77, scale};
        try (Arena a = Arena.ofConfined()) {
            MemorySegment expected = a.allocate(KernelArguments.valuesSize(5), 8);
            KernelArguments.write(vectorAdd(launch), expected, a.allocate(ADDRESS, 5));
            MemorySegment values = a.allocate(KernelArguments.valuesSize(5), 8);
            values.fill((byte) 0x5a); // stale bytes from an earlier launch must not survive in a slot
            MemorySegment ptrs = a.allocate(ADDRESS, 5);
            writeVectorAdd(values, ptrs, launch);
            assertEquals(-1L, values.mismatch(expected));
            for (int i = 0; i < 5; i++) {
                assertEquals(values.address() + 8L * i, ptrs.getAtIndex(ADDRESS, i).address());
            }
            scale.set(4f); // a Scalar is read at each launch
            writeVectorAdd(values, ptrs, launch);
            assertEquals(4f, values.get(JAVA_FLOAT, 32));
            // A wrong argument is reported as on the sequence path.
            var e = assertThrows(IllegalArgumentException.class,
                    () -> writeVectorAdd(values, ptrs, launch[0], launch[1], launch[2], 77L, scale));
            assertTrue(e.getMessage().contains("'n'") && e.getMessage().contains("Integer"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> writeVectorAdd(values, ptrs, launch[0], new FakeBuffer(0), launch[2], 77, scale));
            assertTrue(e.getMessage().contains("argument 1 'b'") && e.getMessage().contains("freed"), e.getMessage());
        }
    }

    @Test
    void longScalarIsEightBytes() {
        var args = marshal(CudaSmokeTest.iotaSpec("x"), new FakeBuffer(8), 3, 1L << 40);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment values = a.allocate(KernelArguments.valuesSize(3), 8);
            KernelArguments.write(args, values, a.allocate(ADDRESS, 3));
            assertEquals(1L << 40, values.get(JAVA_LONG, 16));
        }
    }

    @Test
    void mismatchesNameKernelParameterAndExpectation() {
        FakeBuffer b = new FakeBuffer(1);
        var e = assertThrows(IllegalArgumentException.class, () -> vectorAdd(b, b, b, 5, 2.0));
        assertTrue(e.getMessage().contains("CudaSmokeTest.vectorAdd") && e.getMessage().contains("'scale'")
                && e.getMessage().contains("Float") && e.getMessage().contains("Double"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> vectorAdd(b, b, b, 5L, 2f));
        assertTrue(e.getMessage().contains("'n'") && e.getMessage().contains("Integer"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> vectorAdd(b, b, b, Scalar.ofLong(5), 2f));
        assertTrue(e.getMessage().contains("got a Scalar of type long"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> vectorAdd(b, 3, b, 5, 2f));
        assertTrue(e.getMessage().contains("'b'") && e.getMessage().contains("DeviceBuffer"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> vectorAdd(b, b, b, 5));
        assertTrue(e.getMessage().contains("takes 5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> vectorAdd(b, b, null, 5, 1f));
        assertTrue(e.getMessage().contains("null"), e.getMessage());
        DeviceBuffer foreign = new LaunchArgumentsTest.FakeBuffer(new LaunchArgumentsTest.FakeDevice("cuda:other"));
        e = assertThrows(IllegalArgumentException.class, () -> vectorAdd(b, foreign, b, 5, 1f));
        assertTrue(e.getMessage().contains("another device"), e.getMessage());
        // A freed buffer (pointerOf throws IllegalStateException) is an argument error naming the argument.
        e = assertThrows(IllegalArgumentException.class, () -> vectorAdd(b, b, new FakeBuffer(0), 5, 1f));
        assertTrue(e.getMessage().contains("argument 2 'c'") && e.getMessage().contains("freed"), e.getMessage());
    }
}
