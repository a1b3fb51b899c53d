package dev.mambajvm.backend.cuda;

import dev.mambajvm.backend.CompiledKernel;
import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.backend.KernelCompilationException;
import dev.mambajvm.backend.LaunchSequence;
import dev.mambajvm.backend.Queue;
import dev.mambajvm.backend.Scalar;
import dev.mambajvm.backend.TimingEvent;
import dev.mambajvm.backend.WorkerGrid;
import dev.mambajvm.lang.DType;
import dev.mambajvm.lang.spec.Dialect;
import dev.mambajvm.lang.spec.KernelParam;
import dev.mambajvm.lang.spec.KernelSpec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * A self-check of the CUDA backend on a real GPU, for a machine this project's tests cannot assume.
 * Prints PASS/FAIL/SKIP per check and exits non-zero when any check fails:
 * <pre>
 *   java --enable-native-access=ALL-UNNAMED -cp backends/target/classes:kernel-lang/target/classes \
 *       dev.mambajvm.backend.cuda.CudaSmokeTest [deviceOrdinal]
 * </pre>
 */
public final class CudaSmokeTest {
    /** Hand-written CUDA C in the shape the kernel compiler emits: extern "C", constants marker. */
    static final String SOURCE = """
            // mamba-jvm CudaSmokeTest kernels
            KernelSpec.CONSTANTS_MARKER

            extern "C" __global__ void vectorAdd(const float* __restrict__ a, const float* __restrict__ b,
                                                 float* __restrict__ c, int n, float scale) {
                int i = blockIdx.x * blockDim.x + threadIdx.x;
                if (i < n) {
                    c[i] = ALPHA * a[i] + scale * b[i];
                }
            }

            extern "C" __global__ void iota(float* __restrict__ out, int n, long long base) {
                int i = blockIdx.x * blockDim.x + threadIdx.x;
                if (i < n) {
                    out[i] = (float) ((base - 8589934592LL) + i);
                }
            }
            """.replace("KernelSpec.CONSTANTS_MARKER", KernelSpec.CONSTANTS_MARKER);

    static final float ALPHA = 1.5f;

    static KernelSpec vectorAddSpec(String source) {
        return new KernelSpec("dev.mambajvm.backend.cuda.CudaSmokeTest", "vectorAdd", "CudaSmokeTest.java:1",
                List.of(new KernelParam("ctx", KernelParam.Kind.CONTEXT, null, null, false),
                        new KernelParam("a", KernelParam.Kind.ARRAY, DType.F32, null, false),
                        new KernelParam("b", KernelParam.Kind.ARRAY, DType.F32, null, false),
                        new KernelParam("c", KernelParam.Kind.ARRAY, DType.F32, null, true),
                        new KernelParam("n", KernelParam.Kind.SCALAR, null, "int", false),
                        new KernelParam("scale", KernelParam.Kind.SCALAR, null, "float", false),
                        new KernelParam("ALPHA", KernelParam.Kind.CONSTANT, null, "float", false)),
                false, Map.of(Dialect.CUDA, source));
    }

    static KernelSpec iotaSpec(String source) {
        return new KernelSpec("dev.mambajvm.backend.cuda.CudaSmokeTest", "iota", "CudaSmokeTest.java:2",
                List.of(new KernelParam("ctx", KernelParam.Kind.CONTEXT, null, null, false),
                        new KernelParam("out", KernelParam.Kind.ARRAY, DType.F32, null, true),
                        new KernelParam("n", KernelParam.Kind.SCALAR, null, "int", false),
                        new KernelParam("base", KernelParam.Kind.SCALAR, null, "long", false),
                        new KernelParam("ALPHA", KernelParam.Kind.CONSTANT, null, "float", false)),
                false, Map.of(Dialect.CUDA, source));
    }

    private int failures;

    private interface Check {
        void run() throws Exception;
    }

    private static final class Skip extends RuntimeException {
        Skip(String why) {
            super(why);
        }
    }

    private void check(String name, Check c) {
        try {
            c.run();
            System.out.println("PASS " + name);
        } catch (Skip s) {
            System.out.println("SKIP " + name + ": " + s.getMessage());
        } catch (Throwable t) {
            failures++;
            System.out.println("FAIL " + name + ": " + t);
            t.printStackTrace(System.out);
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new AssertionError(message);
        }
    }

    public static void main(String[] args) {
        int ordinal = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        System.exit(new CudaSmokeTest().run(ordinal));
    }

    int run(int ordinal) {
        CudaBackend backend = new CudaBackend();
        System.out.println("CUDA backend: " + backend.unavailableReason().map(r -> "UNAVAILABLE: " + r).orElse("available"));
        backend.properties().forEach((k, v) -> System.out.println("  " + k + ": " + v));
        if (backend.unavailableReason().isPresent() || backend.devices().size() <= ordinal) {
            System.out.println("FAIL discovery: no CUDA device " + ordinal);
            return 1;
        }
        for (Device d : backend.devices()) {
            System.out.println(d.id() + ":");
            d.properties().forEach((k, v) -> System.out.println("  " + k + ": " + v));
        }
        CudaDevice device = (CudaDevice) backend.devices().get(ordinal);
        try {
            checks(backend, device);
        } finally {
            check("device close", device::close);
        }
        System.out.println(failures == 0 ? "ALL PASSED" : failures + " CHECK(S) FAILED");
        return failures == 0 ? 0 : 1;
    }

    private void checks(CudaBackend backend, CudaDevice device) {
        // A nonce makes this run's source unique, so the first compile really goes through NVRTC.
        String source = "// run " + System.nanoTime() + "\n" + SOURCE;
        Map<String, Float> constants = Map.of("ALPHA", ALPHA);
        CompiledKernel[] add = new CompiledKernel[1];
        CompiledKernel[] iota = new CompiledKernel[1];
        Queue q = device.queue();

        check("compile vectorAdd with NVRTC " + device.compileOptions(), () -> {
            long t0 = System.nanoTime();
            add[0] = device.compile(vectorAddSpec(source), constants);
            System.out.printf("     compiled in %.1f ms%n", (System.nanoTime() - t0) / 1e6);
            CudaCompiledKernel k = (CudaCompiledKernel) add[0];
            require(k.origin() == CudaCompiledKernel.Origin.NVRTC, "expected a fresh NVRTC compile, got " + k.origin());
            require(k.ptx().contains(".entry vectorAdd"), "PTX lacks '.entry vectorAdd'");
            require(k.ptx().contains(".target sm_"), "PTX lacks a .target line");
            require(device.compile(vectorAddSpec(source), constants) == add[0], "second compile is not the cached kernel");
            iota[0] = device.compile(iotaSpec(source), constants);
        });
        if (add[0] == null) {
            return;
        }

        int n = 1_000_003; // not a multiple of the block size
        int block = 256;
        Random rnd = new Random(42);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ha = arena.allocate(JAVA_FLOAT, n);
            MemorySegment hb = arena.allocate(JAVA_FLOAT, n);
            MemorySegment hc = arena.allocate(JAVA_FLOAT, n);
            for (int i = 0; i < n; i++) {
                ha.setAtIndex(JAVA_FLOAT, i, rnd.nextFloat() * 2 - 1);
                hb.setAtIndex(JAVA_FLOAT, i, rnd.nextFloat() * 2 - 1);
            }
            DeviceBuffer a = device.allocate(4L * n);
            DeviceBuffer b = device.allocate(4L * n);
            DeviceBuffer c = device.allocate(4L * n);
            DeviceBuffer d = device.allocate(4L * n);

            check("vectorAdd n=" + n + " vs float64 reference", () -> {
                q.upload(ha, a);
                q.upload(hb, b);
                poison(q, arena, c, n);
                q.launch(add[0], WorkerGrid.covering1D(n, block), a, b, c, n, 0.75f);
                q.download(c, hc);
                q.finish();
                verify(ha, hb, hc, 0, n, 0.75f);
            });

            check("iota with a long argument", () -> {
                poison(q, arena, c, n);
                q.launch(iota[0], WorkerGrid.covering1D(n, block), c, n, 8589934592L + 1000L);
                q.download(c, hc);
                q.finish();
                for (int i = 0; i < n; i += 9973) {
                    require(hc.getAtIndex(JAVA_FLOAT, i) == (float) (1000L + i), "iota[" + i + "] = "
                            + hc.getAtIndex(JAVA_FLOAT, i));
                }
            });

            check("argument mismatch is an IllegalArgumentException", () -> {
                try {
                    q.launch(add[0], WorkerGrid.covering1D(n, block), a, b, c, n, 0.75); // Double, not Float
                    throw new AssertionError("no exception");
                } catch (IllegalArgumentException e) {
                    require(e.getMessage().contains("scale"), "message does not name the parameter: " + e.getMessage());
                }
            });

            check("slices (offset 4096 floats, 100001 elements)", () -> {
                int off = 4096;
                int m = 100_001;
                poison(q, arena, c, n);
                q.launch(add[0], WorkerGrid.covering1D(m, block), a.slice(4L * off, 4L * m), b.slice(4L * off, 4L * m),
                        c.slice(4L * off, 4L * m), m, -2f);
                q.download(c, hc);
                q.finish();
                verify(ha, hb, hc, off, m, -2f);
                require(Float.isNaN(hc.getAtIndex(JAVA_FLOAT, off - 1)), "slice wrote before its start");
                require(Float.isNaN(hc.getAtIndex(JAVA_FLOAT, off + m)), "slice wrote past its end");
                try {
                    a.slice(4L * n - 4, 8);
                    throw new AssertionError("out-of-bounds slice accepted");
                } catch (IndexOutOfBoundsException expected) {
                    // bounds checked
                }
            });

            check("timing with events", () -> {
                WorkerGrid g = WorkerGrid.covering1D(n, block);
                q.launch(add[0], g, a, b, c, n, 1f); // warm up
                TimingEvent start = q.record();
                int reps = 20;
                for (int r = 0; r < reps; r++) {
                    q.launch(add[0], g, a, b, c, n, 1f);
                }
                TimingEvent end = q.record();
                double ms = end.millisSince(start);
                require(ms > 0 && ms < 10_000, "implausible elapsed time " + ms + " ms");
                System.out.printf("     %d launches: %.3f ms, %.1f GB/s%n", reps, ms, reps * 12.0 * n / (ms * 1e6));
            });

            check("launch sequence (CUDA graph) with a Scalar changed between 3 replays", () -> {
                Scalar scale = Scalar.ofFloat(1f);
                try (LaunchSequence seq = device.newSequence()) {
                    seq.launch(add[0], WorkerGrid.covering1D(n, block), a, b, c, n, scale);
                    seq.copy(c, d, 4L * n);
                    require(seq.size() == 2, "size " + seq.size());
                    float[] scales = {1f, 2.5f, -3f};
                    for (float s : scales) {
                        scale.set(s);
                        poison(q, arena, c, n);
                        poison(q, arena, d, n);
                        seq.replay();
                        q.download(d, hc);
                        q.finish();
                        verify(ha, hb, hc, 0, n, s);
                    }
                    // Replay without a change: the graph is relaunched as is.
                    poison(q, arena, d, n);
                    seq.replay();
                    q.download(d, hc);
                    q.finish();
                    verify(ha, hb, hc, 0, n, -3f);
                }
            });

            check("disk cache hit after clearing the in-memory cache", () -> {
                CudaModuleCache cache = backend.diskCache();
                if (cache == null) {
                    throw new Skip("disk cache disabled (" + CudaModuleCache.ENV + "=off)");
                }
                device.clearKernelCache();
                CudaCompiledKernel k = (CudaCompiledKernel) device.compile(vectorAddSpec(source), constants);
                require(k.origin() == CudaCompiledKernel.Origin.DISK_CACHE, "expected DISK_CACHE, got " + k.origin()
                        + " (cache directory " + cache.directory() + ")");
                require(k.ptx().equals(((CudaCompiledKernel) add[0]).ptx()), "cached PTX differs");
                poison(q, arena, c, n);
                q.launch(k, WorkerGrid.covering1D(n, block), a, b, c, n, 0.5f);
                q.download(c, hc);
                q.finish();
                verify(ha, hb, hc, 0, n, 0.5f);

                // A damaged cache file must be detected and recompiled, not break the run.
                String key = CudaModuleCache.key(k.source(), k.options(), device.name(),
                        device.ccMajor + "." + device.ccMinor, backend.properties().get("nvrtc version"));
                Path f = cache.file(key);
                require(Files.isRegularFile(f), "no cache file at " + f);
                Files.writeString(f, Files.readString(f).substring(0, 200) + "garbage");
                device.clearKernelCache();
                CudaCompiledKernel k2 = (CudaCompiledKernel) device.compile(vectorAddSpec(source), constants);
                require(k2.origin() == CudaCompiledKernel.Origin.NVRTC, "damaged file not recompiled: " + k2.origin());
            });

            check("compile error is a KernelCompilationException with the log", () -> {
                String bad = KernelSpec.CONSTANTS_MARKER + "\nextern \"C\" __global__ void vectorAdd(const float* a, "
                        + "const float* b, float* c, int n, float scale) { c[0] = undeclared_variable; }\n";
                try {
                    device.compile(new KernelSpec("dev.mambajvm.backend.cuda.CudaSmokeTest.Broken", "vectorAdd",
                            "CudaSmokeTest.java:3", vectorAddSpec(bad).params(), false, Map.of(Dialect.CUDA, bad)), constants);
                    throw new AssertionError("no exception");
                } catch (KernelCompilationException e) {
                    require(e.log().contains("undeclared_variable"), "log does not mention the error: " + e.log());
                    require(e.getMessage().contains(device.id()), "message does not name the device");
                    System.out.println("     log: " + e.log().lines().filter(l -> l.contains("error")).findFirst().orElse(e.log()));
                }
            });

            check("free buffers", () -> {
                a.close();
                b.close();
                c.close();
                d.close();
                try {
                    q.launch(add[0], WorkerGrid.covering1D(n, block), a, b, c, n, 1f);
                    throw new AssertionError("launch with a freed buffer accepted");
                } catch (IllegalArgumentException expected) {
                    // freed memory is refused before it reaches the driver
                }
            });
        }
    }

    /** Fills a buffer with NaN, so that an element a kernel failed to write cannot pass. */
    private static void poison(Queue q, Arena arena, DeviceBuffer buf, int n) {
        MemorySegment nan = arena.allocate(JAVA_FLOAT, n);
        nan.fill((byte) 0xFF); // 0xFFFFFFFF is a NaN
        q.upload(nan, buf);
        q.finish();
    }

    private static void verify(MemorySegment ha, MemorySegment hb, MemorySegment hc, int off, int n, float scale) {
        for (int i = off; i < off + n; i++) {
            double x = ha.getAtIndex(JAVA_FLOAT, i);
            double y = hb.getAtIndex(JAVA_FLOAT, i);
            double want = (double) ALPHA * x + (double) scale * y;
            double got = hc.getAtIndex(JAVA_FLOAT, i);
            double tol = 1e-6 * (Math.abs(ALPHA * x) + Math.abs(scale * y)) + 1e-30;
            if (!(Math.abs(got - want) <= tol)) {
                throw new AssertionError("element " + i + ": got " + got + ", want " + want + " (scale " + scale + ")");
            }
        }
    }
}
