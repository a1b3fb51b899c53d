package dev.mambajvm.backend;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
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
    void autoPicksAGpuThenAnOpenClCpuThenTheJvm() {
        List<Device> present = new ArrayList<>();
        for (Backend b : Devices.backends()) {
            present.addAll(b.devices());
        }
        boolean anyGpu = present.stream().anyMatch(d -> d.kind() == BackendKind.CUDA
                || d.properties().getOrDefault("type", "").contains("GPU"));
        boolean openClCpu = present.stream().anyMatch(d -> d.kind() == BackendKind.OPENCL
                && d.properties().getOrDefault("type", "").contains("CPU"));
        try (Device d = Devices.open("auto")) {
            String type = d.properties().getOrDefault("type", "");
            if (anyGpu) {
                assertTrue(d.kind() == BackendKind.CUDA || type.contains("GPU"), d.id() + " " + d.properties());
            } else if (openClCpu) {
                // CI and this project's machines: PoCL, which runs the kernels ~2.5x faster than the JVM.
                assertEquals(BackendKind.OPENCL, d.kind(), d.id());
                assertTrue(type.contains("CPU"), d.id() + " " + d.properties());
            } else {
                assertEquals(BackendKind.JVM, d.kind(), d.id());
            }
        } finally {
            present.forEach(Device::close);
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
