package dev.mambajvm.kernels.ssd;

import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.Devices;
import dev.mambajvm.kernels.mamba.StorageType;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which shapes the tensor-core kernels take, and the error for one they do not. */
class SsdShapeTest {

    @Test
    void tensorCoreKernelsNeedWholeWordsPerRowBlock() {
        assertTrue(SsdTensorCoreKernels.supports(64, 128, StorageType.BF16));
        assertTrue(SsdTensorCoreKernels.supports(6, 16, StorageType.F32));
        assertFalse(SsdTensorCoreKernels.supports(6, 16, StorageType.BF16));
        assertFalse(SsdTensorCoreKernels.supports(64, 10, StorageType.F16));
    }

    @Test
    void askingForTensorCoresAtAShapeTheyDoNotTakeNamesTheShape() {
        try (Device device = Devices.open("jvm")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new Ssd(device, 6, 16, 16, StorageType.BF16, true));
            assertTrue(e.getMessage().contains("headDim (6)") && e.getMessage().contains("multiples of 4"), e.getMessage());
            // The default picks the FMA kernels there instead (and the JVM has no tensor cores anyway).
            assertFalse(new Ssd(device, 6, 16, 16, StorageType.BF16).tensorCores());
        }
    }
}
