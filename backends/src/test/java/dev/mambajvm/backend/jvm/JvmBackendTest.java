package dev.mambajvm.backend.jvm;

import dev.mambajvm.backend.BackendKind;
import dev.mambajvm.backend.CompiledKernel;
import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.backend.KernelCompilationException;
import dev.mambajvm.backend.LaunchSequence;
import dev.mambajvm.backend.Queue;
import dev.mambajvm.backend.Scalar;
import dev.mambajvm.backend.TimingEvent;
import dev.mambajvm.backend.WorkerGrid;
import dev.mambajvm.lang.BFloat16;
import dev.mambajvm.lang.BFloat16Array;
import dev.mambajvm.lang.FloatArray;
import dev.mambajvm.lang.HalfArray;
import dev.mambajvm.lang.IntArray;
import dev.mambajvm.lang.KernelContext;
import dev.mambajvm.lang.spec.Dialect;
import dev.mambajvm.lang.spec.KernelSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The JVM backend against small kernels written right here as plain static methods. Their
 * descriptors are written by hand (the kernel compiler is not involved): one {@code param=} line
 * per Java parameter, in the same order.
 */
class JvmBackendTest {

    // ---- kernels --------------------------------------------------------------------------------

    /** c[i] = a[i] + b[i] for i < n; the grid may be larger than n (rounded up to the group size). */
    static void vecAdd(KernelContext ctx, FloatArray a, FloatArray b, FloatArray c, int n) {
        int i = ctx.globalIdx;
        if (i < n) {
            c.set(i, a.get(i) + b.get(i));
        }
    }

    /**
     * out[g] = sum of in[g*GROUP .. g*GROUP+GROUP-1] (missing tail items count 0): a tree reduction
     * in local memory, halving the active items each step with a barrier between steps.
     */
    static void groupSum(KernelContext ctx, FloatArray in, FloatArray out, int n, int GROUP) {
        float[] partial = ctx.allocateFloatLocalArray(GROUP);
        int lid = ctx.localIdx;
        int i = ctx.globalIdx;
        partial[lid] = i < n ? in.get(i) : 0f;
        ctx.localBarrier();
        for (int stride = GROUP / 2; stride > 0; stride >>= 1) {
            if (lid < stride) {
                partial[lid] += partial[lid + stride];
            }
            ctx.localBarrier();
        }
        if (lid == 0) {
            out.set(ctx.groupIdx, partial[0]);
        }
    }

    /**
     * in: rows x cols, row-major; out: cols x rows. x runs over columns, y over rows. A TILE x TILE
     * block goes through local memory (padded by one column, as on a GPU to avoid bank conflicts)
     * so both the read and the write are contiguous along x.
     */
    static void transpose(KernelContext ctx, FloatArray in, FloatArray out, int rows, int cols, int TILE) {
        float[] tile = ctx.allocateFloatLocalArray(TILE * (TILE + 1));
        int c = ctx.globalIdx;
        int r = ctx.globalIdy;
        if (r < rows && c < cols) {
            tile[ctx.localIdy * (TILE + 1) + ctx.localIdx] = in.get(r * cols + c);
        }
        ctx.localBarrier();
        int outRow = ctx.groupIdx * TILE + ctx.localIdy; // a column of in
        int outCol = ctx.groupIdy * TILE + ctx.localIdx; // a row of in
        if (outRow < cols && outCol < rows) {
            out.set(outRow * rows + outCol, tile[ctx.localIdx * (TILE + 1) + ctx.localIdy]);
        }
    }

    static final int ID_FIELDS = 15;

    /** Writes all 15 context fields of each work-item at its linear global index (x fastest). */
    static void ids(KernelContext ctx, IntArray out) {
        int linear = (ctx.globalIdz * ctx.globalGroupSizeY + ctx.globalIdy) * ctx.globalGroupSizeX + ctx.globalIdx;
        int[] v = {ctx.globalIdx, ctx.globalIdy, ctx.globalIdz, ctx.localIdx, ctx.localIdy, ctx.localIdz,
                ctx.groupIdx, ctx.groupIdy, ctx.groupIdz, ctx.globalGroupSizeX, ctx.globalGroupSizeY,
                ctx.globalGroupSizeZ, ctx.localGroupSizeX, ctx.localGroupSizeY, ctx.localGroupSizeZ};
        for (int f = 0; f < ID_FIELDS; f++) {
            out.set(linear * ID_FIELDS + f, v[f]);
        }
    }

    /** y = ALPHA * x + SHIFT; the constants sit between the launch parameters on purpose. */
    static void affine(KernelContext ctx, FloatArray x, FloatArray y, float ALPHA, int n, int SHIFT) {
        int i = ctx.globalIdx;
        if (i < n) {
            y.set(i, ALPHA * x.get(i) + SHIFT);
        }
    }

    /** One work-item (badGroup, badItem) reads index -1 between two barriers; the others wait at the second. */
    static void failing(KernelContext ctx, FloatArray a, int badGroup, int badItem) {
        float[] s = ctx.allocateFloatLocalArray(64);
        s[ctx.localIdx] = ctx.localIdx;
        ctx.localBarrier();
        if (ctx.groupIdx == badGroup && ctx.localIdx == badItem) {
            a.set(0, a.get(-1));
        }
        ctx.localBarrier();
        a.set(ctx.globalIdx, s[63 - ctx.localIdx]);
    }

    /** Items 0..3 of each group pass one barrier more than the others: a divergent barrier bug. */
    static void divergent(KernelContext ctx, FloatArray a) {
        ctx.localBarrier();
        if (ctx.localIdx < 4) {
            ctx.localBarrier();
        }
        a.set(ctx.globalIdx, 1f);
    }

    /** Reads local memory before anything was written to it. */
    static void readsUninitialized(KernelContext ctx, FloatArray f, IntArray i) {
        float[] lf = ctx.allocateFloatLocalArray(8);
        int[] li = ctx.allocateIntLocalArray(8);
        f.set(ctx.globalIdx, lf[ctx.localIdx]);
        i.set(ctx.globalIdx, li[ctx.localIdx]);
    }

    /** y[i] = x[i] + v for i < n. */
    static void addScalar(KernelContext ctx, FloatArray x, FloatArray y, int n, float v) {
        int i = ctx.globalIdx;
        if (i < n) {
            y.set(i, x.get(i) + v);
        }
    }

    /** Narrows float32 to float16 and bfloat16. */
    static void narrow(KernelContext ctx, FloatArray in, HalfArray h, BFloat16Array b, int n) {
        int i = ctx.globalIdx;
        if (i < n) {
            h.set(i, in.get(i));
            b.set(i, in.get(i));
        }
    }

    /** Widens float16 and bfloat16 back to float32. */
    static void widen(KernelContext ctx, HalfArray h, BFloat16Array b, FloatArray fromH, FloatArray fromB, int n) {
        int i = ctx.globalIdx;
        if (i < n) {
            fromH.set(i, h.get(i));
            fromB.set(i, b.get(i));
        }
    }

    // ---- fixture --------------------------------------------------------------------------------

    private Device device;
    private Queue queue;

    @BeforeEach
    void open() {
        device = new JvmBackend().devices().getFirst();
        queue = device.queue();
    }

    @AfterEach
    void close() {
        device.close();
    }

    /** A descriptor as the kernel compiler would write it; the context parameter is added first. */
    static KernelSpec spec(String name, boolean barriers, String... params) {
        String descriptor = "owner=" + JvmBackendTest.class.getName() + "\nname=" + name
                + "\nlocation=JvmBackendTest.java:1\nbarriers=" + barriers + "\nparam=ctx context\n"
                + Arrays.stream(params).map(p -> "param=" + p + "\n").collect(Collectors.joining());
        // An empty EnumMap, not Map.of(): KernelSpec's constructor copies the sources with
        // new EnumMap<>(map), which rejects an empty map that is not an EnumMap.
        return KernelSpec.parse(descriptor, new EnumMap<>(Dialect.class));
    }

    static final KernelSpec VEC_ADD = spec("vecAdd", false,
            "a array f32 read", "b array f32 read", "c array f32 write", "n scalar int");
    static final KernelSpec GROUP_SUM = spec("groupSum", true,
            "in array f32 read", "out array f32 write", "n scalar int", "GROUP constant int");

    private DeviceBuffer upload(float[] host) {
        DeviceBuffer b = device.allocate(4L * host.length);
        queue.upload(MemorySegment.ofArray(host), b);
        return b;
    }

    private float[] downloadFloats(DeviceBuffer b, int n) {
        float[] host = new float[n];
        queue.download(b, MemorySegment.ofArray(host));
        queue.finish();
        return host;
    }

    private DeviceBuffer nanFilled(int n) {
        float[] poison = new float[n];
        Arrays.fill(poison, Float.NaN);
        return upload(poison);
    }

    private static float[] random(Random rnd, int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (rnd.nextFloat() * 2 - 1) * scale;
        }
        return v;
    }

    // ---- tests ----------------------------------------------------------------------------------

    @Test
    void backendAndDevice() {
        JvmBackend backend = new JvmBackend();
        assertEquals(BackendKind.JVM, backend.kind());
        assertTrue(backend.unavailableReason().isEmpty());
        String vector = backend.properties().get("vector api");
        // Surefire does not add the incubator module, so this is normally the "not enabled" text.
        assertTrue(vector.startsWith("not enabled (--add-modules jdk.incubator.vector)")
                || vector.startsWith("FloatVector.SPECIES_PREFERRED"), vector);
        Device d = backend.devices().getFirst();
        assertEquals("jvm", d.id());
        assertEquals(BackendKind.JVM, d.kind());
        assertTrue(d.properties().containsKey("worker threads"));
        d.close();
    }

    @Test
    void vectorAddWithRaggedTail() {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        int n = 1000 + rnd.nextInt(5000) * 64 + 1 + rnd.nextInt(63); // never a multiple of 64
        float[] a = random(rnd, n, 100), b = random(rnd, n, 100);
        DeviceBuffer da = upload(a), db = upload(b);
        DeviceBuffer dc = nanFilled(n + 16); // 16 extra floats the kernel must not touch
        CompiledKernel k = device.compile(VEC_ADD, Map.of());
        assertEquals("", k.source());
        queue.launch(k, WorkerGrid.covering1D(n, 64), da, db, dc, n);
        float[] c = downloadFloats(dc, n + 16);
        for (int i = 0; i < n; i++) {
            double ref = (double) a[i] + b[i];
            assertEquals(ref, c[i], Math.ulp((float) ref), "seed " + seed + " i " + i);
        }
        for (int i = n; i < n + 16; i++) {
            assertTrue(Float.isNaN(c[i]), "seed " + seed + ": wrote past n at " + i);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {64, 256})
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void groupSumReductionWithBarriers(int group) {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        int n = group * (20 + rnd.nextInt(40)) + 1 + rnd.nextInt(group - 1); // ragged last group
        int groups = (n + group - 1) / group;
        float[] in = random(rnd, n, 1);
        DeviceBuffer din = upload(in);
        DeviceBuffer dout = nanFilled(groups);
        CompiledKernel k = device.compile(GROUP_SUM, Map.of("GROUP", group));
        queue.launch(k, WorkerGrid.covering1D(n, group), din, dout, n);
        float[] out = downloadFloats(dout, groups);
        for (int g = 0; g < groups; g++) {
            double ref = 0, abs = 0;
            for (int i = g * group; i < Math.min(n, (g + 1) * group); i++) {
                ref += in[i];
                abs += Math.abs(in[i]);
            }
            // A tree of log2(group) float additions: each level adds at most one rounding per term.
            double tolerance = (Math.log(group) / Math.log(2) + 1) * Math.ulp(1f) * abs;
            assertEquals(ref, out[g], tolerance, "seed " + seed + " group " + g);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void tiledTranspose2D() {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        int tile = 8;
        int rows = 37 + rnd.nextInt(30), cols = 53 + rnd.nextInt(30); // not multiples of the tile
        float[] in = random(rnd, rows * cols, 10);
        DeviceBuffer din = upload(in);
        DeviceBuffer dout = nanFilled(rows * cols);
        KernelSpec spec = spec("transpose", true, "in array f32 read", "out array f32 write",
                "rows scalar int", "cols scalar int", "TILE constant int");
        CompiledKernel k = device.compile(spec, Map.of("TILE", tile));
        long gx = (cols + tile - 1) / tile * tile, gy = (rows + tile - 1) / tile * tile;
        queue.launch(k, WorkerGrid.of2D(gx, gy, tile, tile), din, dout, rows, cols);
        float[] out = downloadFloats(dout, rows * cols);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                assertEquals(in[r * cols + c], out[c * rows + r], "seed " + seed + " at " + r + "," + c);
            }
        }
    }

    @Test
    void idsIn3D() {
        int[] global = {8, 6, 4}, local = {4, 3, 2};
        int items = global[0] * global[1] * global[2];
        DeviceBuffer out = device.allocate(4L * items * ID_FIELDS);
        CompiledKernel k = device.compile(spec("ids", false, "out array i32 write"), Map.of());
        queue.launch(k, WorkerGrid.of3D(global[0], global[1], global[2], local[0], local[1], local[2]), out);
        int[] v = new int[items * ID_FIELDS];
        queue.download(out, MemorySegment.ofArray(v));
        for (int z = 0; z < global[2]; z++) {
            for (int y = 0; y < global[1]; y++) {
                for (int x = 0; x < global[0]; x++) {
                    int base = ((z * global[1] + y) * global[0] + x) * ID_FIELDS;
                    int[] expected = {x, y, z, x % local[0], y % local[1], z % local[2],
                            x / local[0], y / local[1], z / local[2], global[0], global[1], global[2],
                            local[0], local[1], local[2]};
                    assertEquals(Arrays.toString(expected), Arrays.toString(Arrays.copyOfRange(v, base, base + ID_FIELDS)),
                            "item " + x + "," + y + "," + z);
                }
            }
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void singleWorkerRunsBarrierKernelsToo() {
        // One worker thread: groups run one at a time, their items still concurrently (virtual threads).
        try (Device one = new JvmBackend(1).devices().getFirst()) {
            int n = 64 * 10;
            float[] in = new float[n];
            Arrays.fill(in, 0.5f);
            DeviceBuffer din = one.allocate(4L * n), dout = one.allocate(4L * 10);
            one.queue().upload(MemorySegment.ofArray(in), din);
            one.queue().launch(one.compile(GROUP_SUM, Map.of("GROUP", 64)), WorkerGrid.of1D(n, 64), din, dout, n);
            float[] out = new float[10];
            one.queue().download(dout, MemorySegment.ofArray(out));
            for (float v : out) {
                assertEquals(32f, v);
            }
        }
    }

    @Test
    void constantsArePassedAsJavaArguments() {
        KernelSpec spec = spec("affine", false, "x array f32 read", "y array f32 write",
                "ALPHA constant float", "n scalar int", "SHIFT constant int");
        int n = 300;
        float[] x = random(new Random(), n, 5);
        DeviceBuffer dx = upload(x), dy = nanFilled(n);
        CompiledKernel k = device.compile(spec, Map.of("ALPHA", 1.5f, "SHIFT", -3));
        queue.launch(k, WorkerGrid.covering1D(n, 32), dx, dy, n);
        float[] y = downloadFloats(dy, n);
        for (int i = 0; i < n; i++) {
            assertEquals(1.5f * x[i] + -3, y[i], "i " + i);
        }
        // Cached per (kernel, constants).
        assertSame(k, device.compile(spec, Map.of("SHIFT", -3, "ALPHA", 1.5f)));
        assertNotSame(k, device.compile(spec, Map.of("ALPHA", 2f, "SHIFT", -3)));
        // Constants are checked as for the GPU backends.
        assertThrows(IllegalArgumentException.class, () -> device.compile(spec, Map.of("ALPHA", 1.5f)));
        assertThrows(IllegalArgumentException.class, () -> device.compile(spec, Map.of("ALPHA", 1.5, "SHIFT", 1)));
        assertThrows(IllegalArgumentException.class,
                () -> device.compile(spec, Map.of("ALPHA", 1f, "SHIFT", 1, "BETA", 2)));
    }

    @Test
    void missingMethodIsACompilationError() {
        KernelCompilationException e = assertThrows(KernelCompilationException.class,
                () -> device.compile(spec("vecAdd", false, "a array f32 read"), Map.of()));
        assertTrue(e.getMessage().contains("vecAdd"), e.getMessage());
        assertThrows(KernelCompilationException.class,
                () -> device.compile(spec("noSuchKernel", false), Map.of()));
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void failingWorkItemOfBarrierKernelFailsTheLaunchWithoutHanging() {
        KernelSpec spec = spec("failing", true, "a array f32 write", "badGroup scalar int", "badItem scalar int");
        CompiledKernel k = device.compile(spec, Map.of());
        DeviceBuffer a = device.allocate(4L * 64 * 8);
        KernelExecutionException e = assertThrows(KernelExecutionException.class,
                () -> queue.launch(k, WorkerGrid.of1D(64 * 8, 64), a, 2, 5));
        String m = e.getMessage();
        assertTrue(m.contains("JvmBackendTest.failing"), m);
        assertTrue(m.contains("group (2,0,0) local (5,0,0)"), m);
        assertEquals("JvmBackendTest.failing", e.kernel());
        assertEquals(5, e.local()[0]);
        assertInstanceOf(IndexOutOfBoundsException.class, e.getCause());
        // The device is still usable afterwards.
        queue.launch(k, WorkerGrid.of1D(64 * 8, 64), a, -1, -1);
        float[] out = downloadFloats(a, 64 * 8);
        assertEquals(63f, out[0]);
        assertEquals(0f, out[64 * 8 - 1]);
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void failingWorkItemWithoutBarriersNamesTheItem() {
        CompiledKernel k = device.compile(VEC_ADD, Map.of());
        DeviceBuffer a = device.allocate(4 * 100), c = device.allocate(4 * 100);
        // n is larger than the buffers: the item with global id 100 reads out of bounds.
        KernelExecutionException e = assertThrows(KernelExecutionException.class,
                () -> queue.launch(k, WorkerGrid.of1D(128, 32), a, a, c, 128));
        assertInstanceOf(IndexOutOfBoundsException.class, e.getCause());
        assertTrue(e.getMessage().contains("JvmBackendTest.vecAdd"), e.getMessage());
        assertTrue(e.getMessage().contains("(global (10"), e.getMessage()); // 100..127: the first failing item
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void barrierInKernelDeclaredWithoutBarriers() {
        KernelSpec wrong = spec("groupSum", false,
                "in array f32 read", "out array f32 write", "n scalar int", "GROUP constant int");
        CompiledKernel k = device.compile(wrong, Map.of("GROUP", 64));
        DeviceBuffer in = device.allocate(4 * 128), out = device.allocate(4 * 2);
        KernelExecutionException e = assertThrows(KernelExecutionException.class,
                () -> queue.launch(k, WorkerGrid.of1D(128, 64), in, out, 128));
        IllegalStateException cause = assertInstanceOf(IllegalStateException.class, e.getCause());
        assertEquals("kernel JvmBackendTest.groupSum calls localBarrier() but its descriptor says it does not use barriers",
                cause.getMessage());
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void divergentBarriersAreReportedNotHung() {
        CompiledKernel k = device.compile(spec("divergent", true, "a array f32 write"), Map.of());
        DeviceBuffer a = device.allocate(4 * 64);
        KernelExecutionException e = assertThrows(KernelExecutionException.class,
                () -> queue.launch(k, WorkerGrid.of1D(64, 32), a));
        assertTrue(e.getCause().getMessage().contains("called localBarrier() "), e.getCause().getMessage());
    }

    @Test
    void localMemoryStartsPoisoned() {
        CompiledKernel k = device.compile(spec("readsUninitialized", false, "f array f32 write", "i array i32 write"),
                Map.of());
        DeviceBuffer f = device.allocate(4 * 16), i = device.allocate(4 * 16);
        queue.launch(k, WorkerGrid.of1D(16, 8), f, i);
        for (float v : downloadFloats(f, 16)) {
            assertTrue(Float.isNaN(v));
        }
        int[] ints = new int[16];
        queue.download(i, MemorySegment.ofArray(ints));
        for (int v : ints) {
            assertEquals(0xDEADBEEF, v);
        }
    }

    @Test
    void wrongArgumentsNameTheParameter() {
        CompiledKernel k = device.compile(VEC_ADD, Map.of());
        DeviceBuffer a = device.allocate(64);
        WorkerGrid grid = WorkerGrid.of1D(16, 16);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> queue.launch(k, grid, a, a, a, 16L));
        assertTrue(e.getMessage().contains("JvmBackendTest.vecAdd") && e.getMessage().contains("'n'")
                && e.getMessage().contains("Integer"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> queue.launch(k, grid, a, 3, a, 16));
        assertTrue(e.getMessage().contains("'b'") && e.getMessage().contains("DeviceBuffer"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> queue.launch(k, grid, a, a, a, Scalar.ofFloat(1)));
        assertTrue(e.getMessage().contains("'n'") && e.getMessage().contains("Scalar of type float"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> queue.launch(k, grid, a, a, a));
        assertTrue(e.getMessage().contains("takes 4 launch arguments"), e.getMessage());
    }

    @Test
    void launchSequenceReplaysWithCurrentScalars() {
        int n = 200;
        float[] x = random(new Random(), n, 10);
        DeviceBuffer dx = upload(x), dy = nanFilled(n), dz = nanFilled(n);
        KernelSpec spec = spec("addScalar", false, "x array f32 read", "y array f32 write", "n scalar int",
                "v scalar float");
        CompiledKernel k = device.compile(spec, Map.of());
        Scalar v = Scalar.ofFloat(1f);
        try (LaunchSequence seq = device.newSequence()) {
            seq.launch(k, WorkerGrid.covering1D(n, 64), dx, dy, Scalar.ofInt(n), v);
            seq.copy(dy, dz, 4L * n);
            assertEquals(2, seq.size());
            // Bad arguments fail when recorded.
            assertThrows(IllegalArgumentException.class, () -> seq.launch(k, WorkerGrid.covering1D(n, 64), dx, dy, n, 1.0));
            assertEquals(2, seq.size());
            seq.replay();
            queue.finish();
            float[] z = downloadFloats(dz, n);
            for (int i = 0; i < n; i++) {
                assertEquals(x[i] + 1f, z[i]);
            }
            v.set(2.5f);
            seq.replay();
            z = downloadFloats(dz, n);
            for (int i = 0; i < n; i++) {
                assertEquals(x[i] + 2.5f, z[i]);
            }
        }
    }

    @Test
    void halfAndBFloat16RoundTrip() {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        int n = 777;
        float[] in = random(rnd, n, 300);
        in[0] = 1f / 3; // a value that must round
        in[1] = 65504f; // largest float16
        DeviceBuffer din = upload(in);
        DeviceBuffer h = device.allocate(2L * n), b = device.allocate(2L * n);
        DeviceBuffer fromH = nanFilled(n), fromB = nanFilled(n);
        WorkerGrid grid = WorkerGrid.covering1D(n, 128);
        queue.launch(device.compile(spec("narrow", false, "in array f32 read", "h array f16 write",
                "b array bf16 write", "n scalar int"), Map.of()), grid, din, h, b, n);
        queue.launch(device.compile(spec("widen", false, "h array f16 read", "b array bf16 read",
                "fromH array f32 write", "fromB array f32 write", "n scalar int"), Map.of()), grid, h, b, fromH, fromB, n);
        float[] rh = downloadFloats(fromH, n), rb = downloadFloats(fromB, n);
        for (int i = 0; i < n; i++) {
            assertEquals(Float.float16ToFloat(Float.floatToFloat16(in[i])), rh[i], "seed " + seed + " f16 " + i);
            assertEquals(BFloat16.toFloat(BFloat16.fromFloat(in[i])), rb[i], "seed " + seed + " bf16 " + i);
            // And the rounding is to nearest: half an ulp of the format at most (10 and 7 fraction bits).
            assertEquals(in[i], rh[i], Math.abs(in[i]) * 0x1p-11f + 0x1p-25f, "f16 " + i);
            assertEquals(in[i], rb[i], Math.abs(in[i]) * 0x1p-8f, "bf16 " + i);
        }
    }

    @Test
    void buffersSlicesAndTiming() {
        DeviceBuffer whole = device.allocate(4 * 32);
        DeviceBuffer tail = whole.slice(4 * 16, 4 * 16);
        float[] ones = new float[16];
        Arrays.fill(ones, 1f);
        TimingEvent start = queue.record();
        queue.upload(MemorySegment.ofArray(ones), tail);
        TimingEvent end = queue.record();
        assertTrue(end.millisSince(start) >= 0);
        float[] all = downloadFloats(whole, 32);
        assertTrue(Float.isNaN(all[0]), "fresh memory is poisoned, not zero");
        assertEquals(1f, all[16]);
        assertEquals(1f, all[31]);
        assertThrows(IndexOutOfBoundsException.class, () -> whole.slice(4 * 30, 16));
        tail.close(); // no-op for a slice
        whole.close();
        assertThrows(IllegalStateException.class, () -> downloadFloats(tail, 1));
    }
}
