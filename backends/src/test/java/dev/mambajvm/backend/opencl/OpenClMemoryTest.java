package dev.mambajvm.backend.opencl;

import dev.mambajvm.backend.CompiledKernel;
import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.backend.Queue;
import dev.mambajvm.backend.WorkerGrid;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Slices: transfers at any offset, kernel arguments only at aligned offsets. */
class OpenClMemoryTest {
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

    @Test
    void alignedSlicesAreKernelArguments() {
        int align = (int) device.baseAddressAlignBytes();
        int n = 50;
        // floats; n <= align / 4 * 2, so a (at 1 alignment) and c (at 3) do not overlap
        int total = align / 4 * 3 + n + 16;
        float[] host = new float[total];
        for (int i = 0; i < total; i++) {
            host[i] = i;
        }
        CompiledKernel add = device.compile(OpenClTestSupport.vectorAdd(), Map.of());
        Queue q = device.queue();
        try (Arena arena = Arena.ofConfined(); DeviceBuffer buf = device.allocate(total * 4L)) {
            q.upload(OpenClTestSupport.floats(arena, host), buf);
            // Layout of buf in floats: a = [align/4, +n), c = [3*align/4, +n), b = a itself.
            DeviceBuffer a = buf.slice(align, n * 4L);
            DeviceBuffer c = buf.slice(3L * align, n * 4L);
            q.launch(add, WorkerGrid.covering1D(n, 16), a, a, c, n);
            MemorySegment out = arena.allocate(total * 4L);
            q.download(buf, out);
            q.finish();
            float[] r = OpenClTestSupport.toArray(out);
            int a0 = align / 4;
            int c0 = 3 * align / 4;
            for (int i = 0; i < total; i++) {
                float expected = (i >= c0 && i < c0 + n) ? 2f * (a0 + i - c0) : i;
                assertEquals(expected, r[i], 0.0f, "float " + i);
            }
        }
    }

    @Test
    void misalignedSlicesTransferButAreNotKernelArguments() {
        CompiledKernel add = device.compile(OpenClTestSupport.vectorAdd(), Map.of());
        Queue q = device.queue();
        try (Arena arena = Arena.ofConfined(); DeviceBuffer buf = device.allocate(1024)) {
            q.upload(OpenClTestSupport.nanFilled(arena, 256), buf);
            DeviceBuffer odd = buf.slice(4, 16);
            q.upload(OpenClTestSupport.floats(arena, new float[]{1, 2, 3, 4}), odd);
            DeviceBuffer inner = odd.slice(8, 8); // slice of a slice: floats 3 and 4 of the whole buffer
            MemorySegment two = arena.allocate(8);
            q.download(inner, two);
            MemorySegment whole = arena.allocate(1024);
            q.download(buf, whole);
            q.finish();
            assertEquals(3f, OpenClTestSupport.toArray(two)[0]);
            assertEquals(4f, OpenClTestSupport.toArray(two)[1]);
            float[] w = OpenClTestSupport.toArray(whole);
            assertTrue(Float.isNaN(w[0]));
            assertEquals(1f, w[1]);
            assertEquals(4f, w[4]);
            assertTrue(Float.isNaN(w[5]));

            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> q.launch(add, WorkerGrid.of1D(4, 4), odd, odd, odd, 4));
            assertTrue(e.getMessage().contains("CL_DEVICE_MEM_BASE_ADDR_ALIGN"), e.getMessage());
            assertTrue(e.getMessage().contains("byte offset 4"), e.getMessage());
        }
    }

    @Test
    void deviceToDeviceCopyBetweenSlices() {
        Queue q = device.queue();
        try (Arena arena = Arena.ofConfined(); DeviceBuffer src = device.allocate(64); DeviceBuffer dst = device.allocate(64)) {
            q.upload(OpenClTestSupport.floats(arena, new float[]{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}), src);
            q.upload(OpenClTestSupport.nanFilled(arena, 16), dst);
            q.copy(src.slice(8, 16), dst.slice(32, 16), 16);
            MemorySegment out = arena.allocate(64);
            q.download(dst, out);
            q.finish();
            float[] r = OpenClTestSupport.toArray(out);
            assertTrue(Float.isNaN(r[7]));
            assertEquals(2f, r[8]);
            assertEquals(5f, r[11]);
            assertTrue(Float.isNaN(r[12]));
        }
    }

    @Test
    void boundsAndLifetimeAreChecked() {
        DeviceBuffer buf = device.allocate(64);
        assertThrows(IndexOutOfBoundsException.class, () -> buf.slice(60, 8));
        DeviceBuffer slice = buf.slice(0, 32);
        slice.close(); // a slice's close does nothing
        try (Arena arena = Arena.ofConfined()) {
            assertThrows(IllegalArgumentException.class, () -> device.queue().upload(arena.allocate(40), slice));
        }
        buf.close();
        assertThrows(IllegalStateException.class, () -> buf.slice(0, 8));
        assertThrows(IllegalStateException.class, () -> device.queue().copy(slice, slice, 4));
    }
}
