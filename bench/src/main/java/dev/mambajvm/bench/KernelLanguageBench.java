package dev.mambajvm.bench;

import dev.mambajvm.backend.CompiledKernel;
import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.backend.Devices;
import dev.mambajvm.backend.LaunchSequence;
import dev.mambajvm.backend.Queue;
import dev.mambajvm.backend.WorkerGrid;
import dev.mambajvm.kernels.basics.VectorKernels;
import dev.mambajvm.lang.spec.KernelSpec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How close generated code gets to the hardware, per device:
 * <ol>
 *   <li>bandwidth of the {@code scale} kernel (y = αx: 4 bytes read + 4 written per element)
 *       against the device's own device-to-device copy of the same bytes;</li>
 *   <li>launch overhead from Java: back-to-back launches of a one-group kernel, host time per launch;</li>
 *   <li>the same launches recorded once in a {@link LaunchSequence} and replayed (a CUDA Graph on
 *       CUDA): device time per kernel.</li>
 * </ol>
 * Times are medians of repeated runs, measured with device events after a warm-up; the scale
 * output is checked against a float64 reference before it is timed.
 *
 * <p>Usage: {@code KernelLanguageBench [device ...]} (default: every CUDA and OpenCL device).
 */
public final class KernelLanguageBench {

    /** 256 Mi floats: 1 GiB per buffer, far past any cache (override: -Dmamba.bench.elements=N). */
    private static final long ELEMENTS = Long.getLong("mamba.bench.elements", 1L << 28);
    private static final int REPEATS = 20;
    private static final int LAUNCHES = 20_000;
    private static final int GRAPH_KERNELS = 1_000;

    private KernelLanguageBench() {
    }

    public static void main(String[] args) {
        List<String> ids = new ArrayList<>(Arrays.asList(args));
        if (ids.isEmpty()) {
            for (var backend : Devices.backends()) {
                if (backend.kind() != dev.mambajvm.backend.BackendKind.JVM) {
                    backend.devices().forEach(d -> ids.add(d.id()));
                }
            }
        }
        List<String> rows = new ArrayList<>();
        for (String id : ids) {
            try (Device device = Devices.open(id)) {
                rows.add(run(device));
            }
        }
        System.out.println();
        System.out.println("| device | copy GB/s | best scale GB/s (kernel) | scale/copy | launch µs | graph µs/kernel |");
        System.out.println("| --- | --- | --- | --- | --- | --- |");
        rows.forEach(System.out::println);
    }

    static String run(Device device) {
        System.out.println("== " + device.id() + " " + device.name());
        long elements = ELEMENTS;
        long bytes = elements * Float.BYTES;
        Queue q = device.queue();
        try (DeviceBuffer x = device.allocate(bytes); DeviceBuffer y = device.allocate(bytes)) {
            fillRandom(device, x, elements);
            CompiledKernel scale = device.compile(KernelSpec.load(VectorKernels.class, "scale"), Map.of());
            WorkerGrid grid = WorkerGrid.covering1D(elements, 256);
            float alpha = 1.5f;
            q.launch(scale, grid, x, y, alpha, (int) elements);
            checkScale(device, x, y, elements, alpha);

            double copyMs = DeviceTiming.medianMillisWarm(q, REPEATS, () -> q.copy(x, y, bytes));
            double copyGBs = 2.0 * bytes / (copyMs * 1e6);
            System.out.printf(Locale.ROOT, "copy  %.3f ms  %.0f GB/s (read + write of %d MiB)%n", copyMs, copyGBs, bytes >> 20);
            // scale: one element per work-item; scaleUnrolled: several, loads first (see its comment).
            double bestGBs = 0;
            String bestName = "";
            for (int items : new int[]{1, 2, 4, 8, 16}) {
                CompiledKernel k = items == 1 ? scale
                        : device.compile(KernelSpec.load(VectorKernels.class, "scaleUnrolled"), Map.of("itemsPerThread", items));
                WorkerGrid g = WorkerGrid.covering1D(Math.ceilDiv(elements, items), 256);
                Runnable launch = () -> q.launch(k, g, x, y, alpha, (int) elements);
                if (items > 1) {
                    launch.run();
                    checkScale(device, x, y, elements, alpha);
                }
                double ms = DeviceTiming.medianMillisWarm(q, REPEATS, launch);
                double gbs = 2.0 * bytes / (ms * 1e6);
                String name = items == 1 ? "scale" : "scaleUnrolled items=" + items;
                System.out.printf(Locale.ROOT, "%-26s %.3f ms  %.0f GB/s  = %.1f%% of copy%n", name, ms, gbs, 100 * gbs / copyGBs);
                if (gbs > bestGBs) {
                    bestGBs = gbs;
                    bestName = name;
                }
            }
            double scaleGBs = bestGBs;

            // Launch overhead: one group of 32 items doing one element; the host issues launches
            // as fast as it can and the time per launch is host wall time over the batch.
            CompiledKernel tiny = device.compile(KernelSpec.load(VectorKernels.class, "vectorAdd"), Map.of());
            WorkerGrid one = WorkerGrid.of1D(32, 32);
            for (int i = 0; i < 1000; i++) {
                q.launch(tiny, one, x, x, y, 1);
            }
            q.finish();
            double[] launchUs = new double[5];
            for (int r = 0; r < launchUs.length; r++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < LAUNCHES; i++) {
                    q.launch(tiny, one, x, x, y, 1);
                }
                q.finish();
                launchUs[r] = (System.nanoTime() - t0) / 1e3 / LAUNCHES;
            }
            Arrays.sort(launchUs);
            System.out.printf(Locale.ROOT, "launch %.2f µs per launch (median of 5 batches of %d)%n", launchUs[2], LAUNCHES);

            double graphUs;
            try (LaunchSequence seq = device.newSequence()) {
                for (int i = 0; i < GRAPH_KERNELS; i++) {
                    seq.launch(tiny, one, x, x, y, 1);
                }
                seq.replay();
                q.finish();
                graphUs = DeviceTiming.medianMillisWarm(q, REPEATS, seq::replay) * 1e3 / GRAPH_KERNELS;
            }
            System.out.printf(Locale.ROOT, "graph  %.2f µs per kernel (replays of %d kernels)%n", graphUs, GRAPH_KERNELS);
            return String.format(Locale.ROOT, "| %s %s | %.0f | %.0f (%s) | %.1f%% | %.2f | %.2f |", device.id(),
                    device.name(), copyGBs, scaleGBs, bestName, 100 * scaleGBs / copyGBs, launchUs[2], graphUs);
        }
    }


    private static void fillRandom(Device device, DeviceBuffer x, long elements) {
        long chunk = Math.min(elements, 1 << 24);
        java.util.Random r = new java.util.Random(42);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(ValueLayout.JAVA_FLOAT, chunk);
            for (long i = 0; i < chunk; i++) {
                host.setAtIndex(ValueLayout.JAVA_FLOAT, i, r.nextFloat() * 2 - 1);
            }
            for (long off = 0; off < elements; off += chunk) {
                long n = Math.min(chunk, elements - off);
                device.queue().upload(host.asSlice(0, n * Float.BYTES), x.slice(off * Float.BYTES, n * Float.BYTES));
            }
            device.queue().finish();
        }
    }

    /** The timed kernel must be right: compare a strided sample of y with 1.5·x in float64. */
    private static void checkScale(Device device, DeviceBuffer x, DeviceBuffer y, long elements, float alpha) {
        long sample = Math.min(elements, 1 << 20);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment hx = arena.allocate(ValueLayout.JAVA_FLOAT, sample);
            MemorySegment hy = arena.allocate(ValueLayout.JAVA_FLOAT, sample);
            long offset = (elements - sample) * Float.BYTES;
            device.queue().download(x.slice(offset, sample * Float.BYTES), hx);
            device.queue().download(y.slice(offset, sample * Float.BYTES), hy);
            device.queue().finish();
            double diff = 0;
            double norm = 0;
            for (long i = 0; i < sample; i++) {
                double ref = (double) alpha * hx.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                double d = hy.getAtIndex(ValueLayout.JAVA_FLOAT, i) - ref;
                diff += d * d;
                norm += ref * ref;
            }
            double rel = Math.sqrt(diff / norm);
            if (!(rel < 1e-6)) {
                throw new IllegalStateException("scale kernel wrong on " + device.id() + ": relative error " + rel);
            }
            System.out.printf(Locale.ROOT, "scale checked: relative error %.1e on the last %d elements%n", rel, sample);
        }
    }
}
