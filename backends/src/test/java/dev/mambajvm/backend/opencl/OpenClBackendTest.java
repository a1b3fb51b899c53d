package dev.mambajvm.backend.opencl;

import dev.mambajvm.backend.Backend;
import dev.mambajvm.backend.BackendKind;
import dev.mambajvm.backend.Device;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class OpenClBackendTest {

    @Test
    void missingLoaderMakesTheBackendUnavailableWithTheDocumentedReason() {
        Backend b = new OpenClBackend("libOpenCL-mamba-missing.so.1");
        assertEquals(BackendKind.OPENCL, b.kind());
        String reason = b.unavailableReason().orElseThrow();
        assertTrue(reason.startsWith("libOpenCL-mamba-missing.so.1 not found"), reason);
        assertTrue(reason.contains("install ocl-icd-libopencl1 and an ICD such as pocl-opencl-icd"), reason);
        assertTrue(b.devices().isEmpty());
    }

    @Test
    void discoversDevicesWithTheirFacts() {
        Backend b = new OpenClBackend();
        assumeTrue(b.unavailableReason().isEmpty(), () -> b.unavailableReason().orElseThrow());
        assertTrue(b.properties().get("loader").contains("OpenCL"), b.properties().toString());
        assertFalse(b.devices().isEmpty());
        for (int i = 0; i < b.devices().size(); i++) {
            Device d = b.devices().get(i);
            assertEquals("opencl:" + i, d.id());
            assertEquals(BackendKind.OPENCL, d.kind());
            for (String key : new String[]{"platform", "platform version", "device", "type", "vendor", "OpenCL version",
                    "compute units", "max work-group size", "global memory", "local memory", "max clock"}) {
                assertTrue(d.properties().containsKey(key), key + " in " + d.properties());
            }
            assertEquals(d.name(), d.properties().get("device"));
            System.out.println(d.id() + " " + d.properties());
        }
    }

    @Test
    void parsesVersionStrings() {
        assertEquals(3.0, OpenClDevice.version("OpenCL 3.0 PoCL 5.0", "OpenCL "));
        assertEquals(1.2, OpenClDevice.version("OpenCL C 1.2 pocl", "OpenCL C "));
        assertEquals(0.0, OpenClDevice.version("garbage", "OpenCL "));
    }
}
