package dev.mambajvm.backend;

import dev.mambajvm.backend.jvm.JvmBackend;
import dev.mambajvm.backend.opencl.OpenClBackend;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Allocated and peak bytes as devices count them: sizes as requested, slices not counted, frees subtracted. */
class MemoryCounterTest {

    @Test
    void jvmDeviceCountsItsBuffers() {
        try (Device device = new JvmBackend().devices().getFirst()) {
            check(device);
        }
    }

    @Test
    void openClDeviceCountsItsBuffers() {
        Backend backend = new OpenClBackend();
        assumeTrue(backend.unavailableReason().isEmpty(), "no OpenCL platform on this machine");
        try (Device device = backend.devices().getFirst()) {
            check(device);
        }
    }

    private static void check(Device device) {
        long base = device.allocatedBytes();
        assertEquals(0, base, "a fresh device has nothing allocated");
        DeviceBuffer a = device.allocate(1000);
        DeviceBuffer b = device.allocate(3000);
        a.slice(0, 500).close();   // a slice is a view: neither counted nor freed
        assertEquals(4000, device.allocatedBytes());
        a.close();
        a.close();                 // closing twice frees once
        assertEquals(3000, device.allocatedBytes());
        assertEquals(4000, device.peakAllocatedBytes());
        device.resetPeakAllocatedBytes();
        assertEquals(3000, device.peakAllocatedBytes());
        DeviceBuffer c = device.allocate(500);
        c.close();
        assertEquals(3500, device.peakAllocatedBytes());
        b.close();
        assertEquals(0, device.allocatedBytes());
    }

    @Test
    void counterKeepsTheHighWaterMark() {
        MemoryCounter m = new MemoryCounter();
        m.allocated(10);
        m.allocated(5);
        m.freed(10);
        m.allocated(7);
        assertEquals(12, m.allocatedBytes());
        assertEquals(15, m.peakBytes());
        m.resetPeak();
        assertEquals(12, m.peakBytes());
    }
}
