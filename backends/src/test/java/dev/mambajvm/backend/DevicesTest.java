package dev.mambajvm.backend;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Discovery and selection as a user meets them on this machine: the JVM, PoCL, no CUDA. */
class DevicesTest {

    @Test
    void discoveryListsEveryBackendJvmFirst() {
        List<Backend> backends = Devices.backends();
        assertEquals(List.of(BackendKind.JVM, BackendKind.OPENCL, BackendKind.CUDA),
                backends.stream().map(Backend::kind).toList());
        assertEquals("jvm", backends.getFirst().devices().getFirst().id());
        assertTrue(backends.getFirst().unavailableReason().isEmpty());
    }

    @Test
    void jvmAndCpuNameTheJvmDevice() {
        try (Device d = Devices.open("jvm")) {
            assertEquals(BackendKind.JVM, d.kind());
        }
        try (Device d = Devices.open(" CPU ")) {
            assertEquals("jvm", d.id());
        }
    }

    @Test
    void autoPicksAGpuOrTheJvm() {
        try (Device d = Devices.open("auto")) {
            // On this machine (no GPU) auto must not pick PoCL's CPU device: it falls back to the JVM.
            boolean gpu = d.kind() == BackendKind.CUDA
                    || d.properties().getOrDefault("type", "").contains("GPU");
            assertTrue(gpu || d.kind() == BackendKind.JVM, d.id() + " " + d.properties());
        }
    }

    @Test
    void malformedSelectorsNameWhatIsAccepted() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Devices.open("tpu:0"));
        assertTrue(e.getMessage().contains("expected auto, jvm, cpu, opencl, opencl:N, cuda or cuda:N"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Devices.open("opencl:first"));
        assertTrue(e.getMessage().contains("must be a device number"), e.getMessage());
    }

    @Test
    void anAbsentDeviceIsAnErrorNotAFallback() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Devices.open("opencl:99"));
        assertTrue(e.getMessage().startsWith("no device 'opencl:99'"), e.getMessage());
        assertTrue(e.getMessage().contains("OPENCL devices present"), e.getMessage());
        boolean cudaPresent = !Devices.backends().get(2).devices().isEmpty();
        if (!cudaPresent) {
            e = assertThrows(IllegalArgumentException.class, () -> Devices.open("cuda"));
            assertTrue(e.getMessage().contains("CUDA unavailable: libcuda.so.1"), e.getMessage());
            assertFalse(e.getMessage().contains("Exception"), e.getMessage());
        }
    }
}
