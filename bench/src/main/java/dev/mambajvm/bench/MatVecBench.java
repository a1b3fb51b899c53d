package dev.mambajvm.bench;

import dev.mambajvm.backend.CompiledKernel;
import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.backend.Devices;
import dev.mambajvm.backend.Queue;
import dev.mambajvm.backend.WorkerGrid;
import dev.mambajvm.kernels.mamba.MatVec;
import dev.mambajvm.lang.BFloat16;
import dev.mambajvm.lang.spec.KernelSpec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Decode-time matrix-vector product, batch 1, bf16 weights, at mamba-2.8b's in_proj and out_proj
 * shapes (10240×2560 and 2560×10240), against the device-to-device copy bandwidth measured in the
 * same run. The weight (52 MB) nearly fits the H100's 50 MB L2, so the timed launches rotate over
 * four copies of it: every launch reads its weight from HBM. The minimum bytes are the weight once
 * plus x and y; the flops (2 per weight) are negligible.
 *
 * <p>Usage: {@code MatVecBench [device [only]]} (default cuda:0): with {@code only}, just the
 * {@code matvecBf16Rows} variants whose name contains it (e.g. {@code "4 rows x 64 threads unroll 4"}).
 */
public final class MatVecBench {
    private static final int COPIES = 4;
    private static final int REPEATS = 40;
    private static final int BF16 = 2;

    private MatVecBench() {
    }

    public static void main(String[] args) {
        String id = args.length > 0 ? args[0] : "cuda:0";
        // Optional: time only the variants whose name contains this text (the generic kernel always).
        String only = args.length > 1 ? args[1] : "";
        List<String> rows = new ArrayList<>();
        try (Device device = Devices.open(id)) {
            System.out.println("== " + device.id() + " " + device.name());
            double copyGBs = copyBandwidth(device);
            System.out.printf(Locale.ROOT, "copy %.0f GB/s (read + write of 1 GiB)%n", copyGBs);
            for (int[] shape : new int[][]{{10240, 2560}, {2560, 10240}}) {
                rows.add(run(device, shape[0], shape[1], copyGBs, only));
            }
        }
        System.out.println();
        System.out.println("| W (rows × cols, bf16) | best µs (kernel) | GB/s | of copy |");
        System.out.println("| --- | --- | --- | --- |");
        rows.forEach(System.out::println);
    }

    static String run(Device device, int rows, int cols, double copyGBs, String only) {
        Random r = new Random(rows * 31L + cols);
        short[] w = new short[rows * cols];
        for (int i = 0; i < w.length; i++) {
            w[i] = BFloat16.fromFloat(r.nextFloat() * 2 - 1);
        }
        float[] x = new float[cols];
        for (int i = 0; i < cols; i++) {
            x[i] = r.nextFloat() * 2 - 1;
        }
        Queue q = device.queue();
        List<DeviceBuffer> weights = new ArrayList<>();
        for (int c = 0; c < COPIES; c++) {
            weights.add(upload(device, MemorySegment.ofArray(w)));
        }
        double bytes = (double) rows * cols * 2 + cols * 4.0 + rows * 4.0;
        String best = "";
        double bestUs = Double.MAX_VALUE;
        try (DeviceBuffer dx = upload(device, MemorySegment.ofArray(x)); DeviceBuffer y = device.allocate(rows * 4L);
             DeviceBuffer dummy = device.allocate(16)) {
            List<Variant> variants = new ArrayList<>();
            // The generic kernel as the model launches it at batch > 1 (and did at batch 1 before).
            CompiledKernel generic = device.compile(KernelSpec.load(MatVec.class, "matvec"),
                    Map.of("wType", BF16, "groupSize", 128, "unroll", 4, "batchTile", 1));
            WorkerGrid genericGrid = WorkerGrid.of2D((long) rows * 128, 1, 128, 1);
            variants.add(new Variant("matvec groupSize 128 unroll 4",
                    wi -> q.launch(generic, genericGrid, dummy, dummy, wi, dx, cols, y, rows, cols, 1, 0)));
            // One group per block of rows, or only as many groups as the device holds at once
            // (multiprocessors x 2048 / local items, and half that), which then loop over the blocks.
            int sms = multiprocessors(device);
            for (int rowsPerGroup : new int[]{2, 4, 8}) {
                for (int unroll : new int[]{4, 8}) {
                    int threadsPerRow = 64;
                    CompiledKernel k = device.compile(KernelSpec.load(MatVec.class, "matvecBf16Rows"),
                            Map.of("rowsPerGroup", rowsPerGroup, "threadsPerRow", threadsPerRow, "unroll", unroll));
                    int resident = sms * (2048 / (rowsPerGroup * threadsPerRow));
                    for (int cap : sms > 0 ? new int[]{0, resident, resident / 2} : new int[]{0}) {
                        WorkerGrid grid = MatVec.rowsGrid(rows, rowsPerGroup, threadsPerRow, cap);
                        String name = "matvecBf16Rows " + rowsPerGroup + " rows x " + threadsPerRow
                                + " threads unroll " + unroll + (cap > 0 ? ", " + cap + " groups" : "");
                        if (!name.contains(only)) {
                            continue;
                        }
                        variants.add(new Variant(name, wi -> q.launch(k, grid, wi, dx, y, rows, cols, 0)));
                    }
                }
            }
            for (Variant v : variants) {
                v.launch.accept(weights.getFirst());
                check(device, y, w, x, rows, cols);
                double median = 1e3 * DeviceTiming.medianMillis(q, REPEATS, i -> v.launch.accept(weights.get(i % COPIES)));
                // As in the decode graph: launches back to back, one pair of events around 8 of them.
                double chained = 1e3 / 8 * DeviceTiming.medianMillis(q, REPEATS / 4, i -> {
                    for (int j = 0; j < 8; j++) {
                        v.launch.accept(weights.get(j % COPIES));
                    }
                });
                // Steady state: the start event is recorded behind a first launch, so the host's
                // latency to enqueue that launch (paid above, once per 8) is not timed; 7 follow.
                double steady = 1e3 / 7 * DeviceTiming.medianMillisBehind(q, REPEATS / 4,
                        i -> v.launch.accept(weights.getFirst()), i -> {
                            for (int j = 1; j < 8; j++) {
                                v.launch.accept(weights.get(j % COPIES));
                            }
                        });
                System.out.printf(Locale.ROOT, "%dx%d %s: %.1f µs  %.0f GB/s  %.1f%% of copy; back to back %.1f µs, %.1f%%;"
                                + " steady %.1f µs, %.1f%%%n",
                        rows, cols, v.name, median, bytes / (median * 1e3), 100 * bytes / (median * 1e3) / copyGBs,
                        chained, 100 * bytes / (chained * 1e3) / copyGBs, steady, 100 * bytes / (steady * 1e3) / copyGBs);
                if (median < bestUs) {
                    bestUs = median;
                    best = v.name;
                }
            }
        } finally {
            weights.forEach(DeviceBuffer::close);
        }
        double gbs = bytes / (bestUs * 1e3);
        return String.format(Locale.ROOT, "| %d × %d | %.1f (%s) | %.0f | %.1f%% |", rows, cols, bestUs, best, gbs,
                100 * gbs / copyGBs);
    }

    /** Streaming multiprocessors (CUDA) or compute units (OpenCL); 0 when the device does not say. */
    static int multiprocessors(Device device) {
        String n = device.properties().getOrDefault("multiprocessors", device.properties().get("compute units"));
        try {
            return n == null ? 0 : Integer.parseInt(n.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private record Variant(String name, java.util.function.Consumer<DeviceBuffer> launch) {
    }

    private static void check(Device device, DeviceBuffer y, short[] w, float[] x, int rows, int cols) {
        float[] out = new float[rows];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(ValueLayout.JAVA_FLOAT, rows);
            device.queue().download(y, host);
            device.queue().finish();
            MemorySegment.copy(host, ValueLayout.JAVA_FLOAT, 0, out, 0, rows);
        }
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < rows; i++) {
            double ref = 0;
            for (int c = 0; c < cols; c++) {
                ref += (double) BFloat16.toFloat(w[i * cols + c]) * x[c];
            }
            diff += (out[i] - ref) * (out[i] - ref);
            norm += ref * ref;
        }
        double rel = Math.sqrt(diff / norm);
        if (!(rel < 1e-5)) {
            throw new IllegalStateException("matvec wrong on " + device.id() + ": relative error " + rel);
        }
    }

    private static double copyBandwidth(Device device) {
        long bytes = 1L << 30;
        Queue q = device.queue();
        try (DeviceBuffer a = device.allocate(bytes); DeviceBuffer b = device.allocate(bytes)) {
            q.copy(a, b, bytes);
            q.finish();
            return 2.0 * bytes / (DeviceTiming.medianMillis(q, 10, i -> q.copy(a, b, bytes)) * 1e6);
        }
    }

    private static DeviceBuffer upload(Device device, MemorySegment host) {
        DeviceBuffer b = device.allocate(host.byteSize());
        device.queue().upload(host, b);
        device.queue().finish();
        return b;
    }
}
