package dev.mambajvm.kernels;

import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.Devices;
import dev.mambajvm.kernels.verify.MambaKernelsSuite;
import dev.mambajvm.kernels.verify.Check;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Mamba kernels suite on the JVM backend and on every OpenCL device (PoCL here and in CI), each run
 * with a fresh seed (printed, so a failure can be replayed with {@code mamba-cli verify --seed}).
 */
class MambaKernelsOnEveryBackendTest {

    @TestFactory
    Stream<DynamicContainer> mambaKernelsSuite() {
        long seed = System.nanoTime();
        return BasicsOnEveryBackendTest.deviceIds().stream().map(id -> {
            List<Check> checks;
            try (Device device = Devices.open(id)) {
                checks = new MambaKernelsSuite(device, seed).runAll();
            }
            return DynamicContainer.dynamicContainer(id + " (seed " + seed + ")", checks.stream().map(c ->
                    DynamicTest.dynamicTest(c.kernel() + " " + c.shape(), () -> assertTrue(c.passed(), c.toString()))));
        });
    }
}
