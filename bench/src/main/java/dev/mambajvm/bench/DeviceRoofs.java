package dev.mambajvm.bench;

import dev.mambajvm.backend.CompiledKernel;
import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.backend.Queue;
import dev.mambajvm.backend.WorkerGrid;
import dev.mambajvm.lang.spec.KernelSpec;

import java.util.Map;

/**
 * A device's two roofs, measured in the run that uses them (clocks, drivers and the machine change):
 * the bytes per second of its own device-to-device copy (read + written, as KernelLanguageBench and
 * MatVecBench measure it) and the flops per second of float32 FMA chains in generated code
 * ({@link PeakKernels#fmaChains}). Medians of device-event timings after a warm-up.
 */
record DeviceRoofs(double copyBytesPerSecond, long copyBytes, double flopsPerSecond) {
    private static final int REPEATS = 10;
    private static final int GROUP = 256;

    static DeviceRoofs measure(Device device, long copyBytes) {
        Queue q = device.queue();
        double copyMs;
        try (DeviceBuffer a = device.allocate(copyBytes); DeviceBuffer b = device.allocate(copyBytes)) {
            copyMs = DeviceTiming.medianMillisWarm(q, REPEATS, () -> q.copy(a, b, copyBytes));
        }
        return new DeviceRoofs(2.0 * copyBytes / (copyMs / 1e3), copyBytes, fmaFlopsPerSecond(device));
    }

    /**
     * Grows the grid (then the chains) until one launch takes 20 ms, so the rate is neither launch
     * overhead on a GPU nor minutes on the JVM backend.
     */
    private static double fmaFlopsPerSecond(Device device) {
        Queue q = device.queue();
        CompiledKernel k = device.compile(KernelSpec.load(PeakKernels.class, "fmaChains"), Map.of());
        long items = 4096;
        int iterations = 256;
        long maxItems = 1L << 22;
        try (DeviceBuffer out = device.allocate(4 * maxItems)) {
            while (true) {
                long n = items;
                int it = iterations;
                WorkerGrid grid = WorkerGrid.of1D(n, GROUP);
                double ms = DeviceTiming.medianMillisWarm(q, 3, () -> q.launch(k, grid, out, it, 0.999f, 1e-3f));
                if (ms >= 20 || (items >= maxItems && iterations >= 1 << 16)) {
                    return 32.0 * it * n / (ms / 1e3);
                }
                if (items < maxItems) {
                    items *= 4;
                } else {
                    iterations *= 4;
                }
            }
        }
    }
}
