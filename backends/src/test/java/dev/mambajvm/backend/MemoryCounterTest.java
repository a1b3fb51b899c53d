package dev.mambajvm.backend;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The counter the devices keep ({@link AllocationAccountingTest} checks it on every device). */
class MemoryCounterTest {

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
