package dev.mambajvm.backend;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * {@link Device#allocatedBytes()} and {@link Device#peakAllocatedBytes()} follow allocate and close
 * on every device present (the JVM and PoCL here and in CI; CUDA devices where there are any):
 * slices add nothing, a second close frees nothing, a reset starts a new peak, and closing the
 * device frees what was left open. {@link MemoryCounterTest} checks the counter itself.
 */
class AllocationAccountingTest {

    @TestFactory
    Stream<DynamicTest> countersFollowAllocateAndClose() {
        List<String> ids = new ArrayList<>();
        for (Backend b : Devices.backends()) {
            b.devices().forEach(d -> ids.add(d.id()));
        }
        assertFalse(ids.isEmpty());
        return ids.stream().map(id -> DynamicTest.dynamicTest(id, () -> check(id)));
    }

    private static void check(String id) {
        Device device = Devices.open(id);
        // A device object may be shared (CUDA reopens the same one): measure from where it stands.
        long base = device.allocatedBytes();
        if (device.kind() != BackendKind.CUDA) {
            assertEquals(0, base, id + ": a fresh device has nothing allocated");
        }
        long peak = device.peakAllocatedBytes();
        DeviceBuffer a = device.allocate(1000);
        DeviceBuffer b = device.allocate(24);
        a.slice(100, 200).close();   // a view: neither allocates nor frees
        assertEquals(base + 1024, device.allocatedBytes(), id);
        assertEquals(Math.max(peak, base + 1024), device.peakAllocatedBytes(), id);
        a.close();
        a.close();
        assertEquals(base + 24, device.allocatedBytes(), id);
        assertEquals(Math.max(peak, base + 1024), device.peakAllocatedBytes(), id + ": the peak stays");
        device.resetPeakAllocatedBytes();
        assertEquals(base + 24, device.peakAllocatedBytes(), id + ": a reset starts the peak from what is allocated");
        DeviceBuffer c = device.allocate(4000);
        DeviceBuffer empty = device.allocate(0);
        assertEquals(base + 4024, device.allocatedBytes(), id);
        assertEquals(base + 4024, device.peakAllocatedBytes(), id);
        b.close();
        c.close();
        empty.close();
        assertEquals(base, device.allocatedBytes(), id);
        device.allocate(512);   // left open: the device's close frees it
        assertEquals(base + 512, device.allocatedBytes(), id);
        device.close();
        assertEquals(0, device.allocatedBytes(), id + " after close");
    }
}
