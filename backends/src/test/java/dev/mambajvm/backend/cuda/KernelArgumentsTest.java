package dev.mambajvm.backend.cuda;

import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.backend.Scalar;
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
    /** A buffer stand-in: marshal only needs pointerOf to map it to an address. */
    record FakeBuffer(long address) implements DeviceBuffer {
        public Device device() {
            return null;
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

    private static long addr(DeviceBuffer b) {
        if (b instanceof FakeBuffer f) {
            return f.address();
        }
        throw new IllegalArgumentException("buffer of another device");
    }

    private static List<KernelArguments.Arg> vectorAdd(Object... args) {
        return KernelArguments.marshal(CudaSmokeTest.vectorAddSpec("x"), args, KernelArgumentsTest::addr);
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
            KernelArguments.writeValue(args.get(4), args.get(4).value(), values, 4);
            assertEquals(-1f, values.get(JAVA_FLOAT, 32));
        }
    }

    @Test
    void longScalarIsEightBytes() {
        var args = KernelArguments.marshal(CudaSmokeTest.iotaSpec("x"), new Object[]{new FakeBuffer(8), 3, 1L << 40},
                KernelArgumentsTest::addr);
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
        assertTrue(e.getMessage().contains("Scalar holding a long"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> vectorAdd(b, 3, b, 5, 2f));
        assertTrue(e.getMessage().contains("'b'") && e.getMessage().contains("DeviceBuffer"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> vectorAdd(b, b, b, 5));
        assertTrue(e.getMessage().contains("takes 5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> vectorAdd(b, b, null, 5, 1f));
        assertTrue(e.getMessage().contains("null"), e.getMessage());
        DeviceBuffer foreign = new DeviceBuffer() {
            public Device device() {
                return null;
            }

            public long byteSize() {
                return 4;
            }

            public DeviceBuffer slice(long o, long n) {
                return this;
            }

            public void close() {
            }
        };
        e = assertThrows(IllegalArgumentException.class, () -> vectorAdd(b, foreign, b, 5, 1f));
        assertTrue(e.getMessage().contains("another device"), e.getMessage());
    }
}
