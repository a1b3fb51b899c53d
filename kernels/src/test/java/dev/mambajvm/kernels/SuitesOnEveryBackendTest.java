package dev.mambajvm.kernels;

import dev.mambajvm.backend.Backend;
import dev.mambajvm.backend.BackendKind;
import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.Devices;
import dev.mambajvm.kernels.verify.BasicsSuite;
import dev.mambajvm.kernels.verify.Check;
import dev.mambajvm.kernels.verify.MambaKernelsSuite;
import dev.mambajvm.kernels.verify.SelectiveScanSuite;
import dev.mambajvm.kernels.verify.SsdSuite;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The verification suites on the JVM backend and on every OpenCL device (PoCL here and in CI), each run
 * with a fresh seed (printed, so a failure can be replayed with {@code mamba-cli verify --seed}).
 */
class SuitesOnEveryBackendTest {

    static List<String> deviceIds() {
        List<String> ids = new ArrayList<>();
        for (Backend b : Devices.backends()) {
            if (b.kind() != BackendKind.CUDA) {
                b.devices().forEach(d -> ids.add(d.id()));
            }
        }
        return ids;
    }

    @Test
    void ciHasTheJvmAndAnOpenClDevice() {
        // CI installs PoCL through ./run-tests; without it the OpenCL half of this suite would be skipped silently.
        List<String> ids = deviceIds();
        assertTrue(ids.contains("jvm"), "devices: " + ids);
        assertTrue(ids.stream().anyMatch(i -> i.startsWith("opencl:")),
                "no OpenCL device: install PoCL (scripts/setup-backends.sh does, as root). Devices: " + ids);
    }

    @TestFactory
    Stream<DynamicContainer> basicsSuite() {
        return onEveryDevice((device, seed) -> new BasicsSuite(device, seed).runAll());
    }

    @TestFactory
    Stream<DynamicContainer> mambaKernelsSuite() {
        return onEveryDevice((device, seed) -> new MambaKernelsSuite(device, seed).runAll());
    }

    @TestFactory
    Stream<DynamicContainer> selectiveScanSuite() {
        return onEveryDevice((device, seed) -> new SelectiveScanSuite(device, seed).runAll());
    }

    @TestFactory
    Stream<DynamicContainer> ssdSuite() {
        return onEveryDevice((device, seed) -> new SsdSuite(device, seed).runAll());
    }

    private static Stream<DynamicContainer> onEveryDevice(java.util.function.BiFunction<Device, Long, List<Check>> suite) {
        long seed = System.nanoTime();
        return deviceIds().stream().map(id -> {
            List<Check> checks;
            try (Device device = Devices.open(id)) {
                checks = suite.apply(device, seed);
            }
            return DynamicContainer.dynamicContainer(id + " (seed " + seed + ")", checks.stream().map(c ->
                    DynamicTest.dynamicTest(c.kernel() + " " + c.shape(), () -> assertTrue(c.passed(), c.toString()))));
        });
    }
}
