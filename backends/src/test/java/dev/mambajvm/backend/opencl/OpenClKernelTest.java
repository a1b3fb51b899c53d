package dev.mambajvm.backend.opencl;

import dev.mambajvm.backend.CompiledKernel;
import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.backend.KernelCompilationException;
import dev.mambajvm.backend.Queue;
import dev.mambajvm.backend.Scalar;
import dev.mambajvm.backend.WorkerGrid;
import dev.mambajvm.lang.spec.KernelSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Compiling and launching: results against a float64 Java reference, specialization, errors. */
class OpenClKernelTest {
    private static OpenClDevice device;

    @BeforeAll
    static void open() {
        device = OpenClTestSupport.firstDevice();
    }

    @AfterAll
    static void close() {
        if (device != null) {
            device.close();
        }
    }

    @ParameterizedTest(name = "n={0}, local={1}, seed={2}")
    @CsvSource({"1, 64, 11", "63, 64, 12", "1000, 64, 13", "4097, 128, 14", "12345, 32, 15"})
    void vectorAddMatchesAFloat64Reference(int n, int local, long seed) {
        Random random = new Random(seed);
        float[] a = new float[n];
        float[] b = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) random.nextGaussian() * 100;
            b[i] = (float) random.nextGaussian();
        }
        CompiledKernel k = device.compile(OpenClTestSupport.vectorAdd(), Map.of());
        Queue q = device.queue();
        try (Arena arena = Arena.ofConfined();
             DeviceBuffer da = device.allocate(n * 4L);
             DeviceBuffer db = device.allocate(n * 4L);
             DeviceBuffer dc = device.allocate(n * 4L)) {
            q.upload(OpenClTestSupport.floats(arena, a), da);
            q.upload(OpenClTestSupport.floats(arena, b), db);
            q.upload(OpenClTestSupport.nanFilled(arena, n), dc); // every element must be written
            // Global size is rounded up past n: the kernel's i < n guard is what keeps it in bounds.
            q.launch(k, WorkerGrid.covering1D(n, local), da, db, dc, n);
            MemorySegment out = arena.allocate(n * 4L);
            q.download(dc, out);
            q.finish();
            float[] c = OpenClTestSupport.toArray(out);
            for (int i = 0; i < n; i++) {
                // One float addition rounds the exact (double) sum once: the results must be identical.
                double reference = (double) a[i] + (double) b[i];
                assertEquals((float) reference, c[i], 0.0f, "element " + i);
            }
        }
    }

    @Test
    void heapSegmentsAreStagedThroughNativeMemory() {
        int n = 100;
        float[] a = new float[n];
        float[] b = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
            b[i] = 0.5f;
        }
        CompiledKernel k = device.compile(OpenClTestSupport.vectorAdd(), Map.of());
        Queue q = device.queue();
        try (DeviceBuffer da = device.allocate(n * 4L); DeviceBuffer db = device.allocate(n * 4L);
             DeviceBuffer dc = device.allocate(n * 4L)) {
            q.upload(MemorySegment.ofArray(a), da);
            q.upload(MemorySegment.ofArray(b), db);
            q.launch(k, WorkerGrid.covering1D(n, 64), da, db, dc, Scalar.ofInt(n));
            float[] c = new float[n];
            q.download(dc, MemorySegment.ofArray(c));
            q.finish();
            for (int i = 0; i < n; i++) {
                assertEquals(i + 0.5f, c[i], 0.0f);
            }
        }
    }

    @Test
    void constantsSpecializeAndAreCachedPerValue() {
        KernelSpec spec = OpenClTestSupport.affine();
        CompiledKernel k1 = device.compile(spec, Map.of("SCALE", 2.5f, "OFFSET", 3));
        CompiledKernel again = device.compile(spec, new java.util.HashMap<>(Map.of("OFFSET", 3, "SCALE", 2.5f)));
        CompiledKernel k2 = device.compile(spec, Map.of("SCALE", -1.0f, "OFFSET", 7));
        assertSame(k1, again, "same constants -> the cached kernel");
        assertNotSame(k1, k2, "different constants -> another variant");
        assertTrue(k1.source().contains("#define SCALE (0x1.4p1f)"), k1.source());
        assertTrue(k2.source().contains("#define OFFSET (7)"), k2.source());

        int n = 300;
        Random random = new Random(77);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = random.nextFloat() * 10 - 5;
        }
        try (Arena arena = Arena.ofConfined(); DeviceBuffer dx = device.allocate(n * 4L);
             DeviceBuffer o1 = device.allocate(n * 4L); DeviceBuffer o2 = device.allocate(n * 4L)) {
            Queue q = device.queue();
            q.upload(OpenClTestSupport.floats(arena, x), dx);
            q.launch(k1, WorkerGrid.covering1D(n, 64), dx, o1, n);
            q.launch(k2, WorkerGrid.covering1D(n, 64), dx, o2, n);
            MemorySegment h1 = arena.allocate(n * 4L);
            MemorySegment h2 = arena.allocate(n * 4L);
            q.download(o1, h1);
            q.download(o2, h2);
            q.finish();
            float[] r1 = OpenClTestSupport.toArray(h1);
            float[] r2 = OpenClTestSupport.toArray(h2);
            for (int i = 0; i < n; i++) {
                // The device may fuse x * SCALE + OFFSET into one fma (one rounding instead of two):
                // compare with the float64 value to within a float32 ulp or two.
                assertEquals(x[i] * 2.5 + 3, r1[i], 2.5e-7 * Math.max(1, Math.abs(x[i] * 2.5 + 3)), "element " + i);
                assertEquals(x[i] * -1.0 + 7, r2[i], 2.5e-7 * Math.max(1, Math.abs(x[i] * -1.0 + 7)), "element " + i);
            }
        }
    }

    @Test
    void syntaxErrorIsAKernelCompilationExceptionWithTheLog() {
        KernelSpec broken = OpenClTestSupport.spec("broken", """
                param=context context
                param=out array f32 write
                """, KernelSpec.CONSTANTS_MARKER + """

                __kernel void broken(__global float* out) {
                    out[get_global_id(0)] = undeclared_variable_xyz
                }
                """);
        KernelCompilationException e = assertThrows(KernelCompilationException.class, () -> device.compile(broken, Map.of()));
        assertTrue(e.getMessage().contains("OpenClTestKernels.broken"), e.getMessage());
        assertTrue(e.getMessage().contains(device.id()), e.getMessage());
        assertTrue(e.getMessage().contains("CL_BUILD_PROGRAM_FAILURE"), e.getMessage());
        assertTrue(e.log().contains("undeclared_variable_xyz"), e.log());
        assertTrue(e.log().toLowerCase().contains("error"), e.log());
        assertTrue(e.source().contains("__kernel void broken"));
    }

    @Test
    void kernelNameMustMatchTheSpec() {
        KernelSpec misnamed = OpenClTestSupport.spec("expectedName", "param=out array f32 write\n",
                KernelSpec.CONSTANTS_MARKER + "\n__kernel void otherName(__global float* out) { }\n");
        KernelCompilationException e = assertThrows(KernelCompilationException.class, () -> device.compile(misnamed, Map.of()));
        assertTrue(e.getMessage().contains("CL_INVALID_KERNEL_NAME"), e.getMessage());
        assertTrue(e.getMessage().contains("expectedName"), e.getMessage());
    }

    @Test
    void wrongArgumentsNameTheParameter() {
        CompiledKernel k = device.compile(OpenClTestSupport.vectorAdd(), Map.of());
        Queue q = device.queue();
        WorkerGrid grid = WorkerGrid.covering1D(16, 16);
        try (DeviceBuffer a = device.allocate(64); DeviceBuffer b = device.allocate(64); DeviceBuffer c = device.allocate(64)) {
            IllegalArgumentException longForInt = assertThrows(IllegalArgumentException.class,
                    () -> q.launch(k, grid, a, b, c, 16L));
            assertTrue(longForInt.getMessage().contains("OpenClTestKernels.vectorAdd"), longForInt.getMessage());
            assertTrue(longForInt.getMessage().contains("'n'"), longForInt.getMessage());
            assertTrue(longForInt.getMessage().contains("expected an Integer"), longForInt.getMessage());

            IllegalArgumentException scalarType = assertThrows(IllegalArgumentException.class,
                    () -> q.launch(k, grid, a, b, c, Scalar.ofFloat(16)));
            assertTrue(scalarType.getMessage().contains("got a Scalar of type float"), scalarType.getMessage());

            IllegalArgumentException numberForArray = assertThrows(IllegalArgumentException.class,
                    () -> q.launch(k, grid, a, 3, c, 16));
            assertTrue(numberForArray.getMessage().contains("'b'"), numberForArray.getMessage());
            assertTrue(numberForArray.getMessage().contains("expected a DeviceBuffer"), numberForArray.getMessage());

            IllegalArgumentException count = assertThrows(IllegalArgumentException.class,
                    () -> q.launch(k, grid, a, b, c));
            assertTrue(count.getMessage().contains("takes 4 launch arguments"), count.getMessage());
            assertTrue(count.getMessage().contains("int scalar n"), count.getMessage());
        }
    }

    @Test
    void driverErrorsNameTheCallTheErrorAndTheLaunch() {
        CompiledKernel k = device.compile(OpenClTestSupport.vectorAdd(), Map.of());
        int tooLarge = (int) device.maxWorkGroupSize() * 2;
        try (DeviceBuffer a = device.allocate(tooLarge * 4L)) {
            OpenClException e = assertThrows(OpenClException.class,
                    () -> device.queue().launch(k, WorkerGrid.of1D(tooLarge, tooLarge), a, a, a, tooLarge));
            assertEquals("clEnqueueNDRangeKernel", e.call());
            assertTrue(e.getMessage().contains("CL_INVALID_WORK_GROUP_SIZE (-54)"), e.getMessage());
            assertTrue(e.getMessage().contains("OpenClTestKernels.vectorAdd"), e.getMessage());
            assertTrue(e.getMessage().contains("local [" + tooLarge + "]"), e.getMessage());
        }
    }
}
