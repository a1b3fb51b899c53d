package dev.mambajvm.bench.jmh;

import dev.mambajvm.backend.CompiledKernel;
import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.backend.Devices;
import dev.mambajvm.backend.Queue;
import dev.mambajvm.backend.WorkerGrid;
import dev.mambajvm.kernels.mamba.CausalConv1d;
import dev.mambajvm.kernels.mamba.MatVec;
import dev.mambajvm.kernels.mamba.RmsNorm;
import dev.mambajvm.kernels.mamba.StorageType;
import dev.mambajvm.kernels.scan.SelectiveScan;
import dev.mambajvm.lang.BFloat16;
import dev.mambajvm.lang.spec.KernelSpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The decode-step kernels on the JVM backend at mamba-130m's shapes (hidden 768, dInner 1536,
 * dState 16, conv width 4), batch 1, launched as the model launches them (ModelKernels' group sizes
 * for the JVM: one item per group for the reductions). One launch per operation; the JVM queue is
 * synchronous, so the time is the kernel's.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector",
        "--sun-misc-unsafe-memory-access=allow"})
public class KernelBenchmarks {
    static final int HIDDEN = 768;
    static final int D_INNER = 1536;
    static final int D_STATE = 16;
    static final int WIDTH = 4;

    private Device device;
    private Queue q;
    private DeviceBuffer inProj;     // (2·dInner, hidden) bf16
    private DeviceBuffer x;          // (hidden)
    private DeviceBuffer xz;         // (2·dInner)
    private DeviceBuffer normWeight; // (hidden)
    private DeviceBuffer residual;   // (hidden)
    private DeviceBuffer normed;     // (hidden)
    private DeviceBuffer convState;  // (dInner, width − 1)
    private DeviceBuffer convWeight; // (dInner, width)
    private DeviceBuffer convOut;    // (dInner)
    private DeviceBuffer ssmState;   // (dInner, dState)
    private DeviceBuffer aLog;       // (dInner, dState)
    private DeviceBuffer xdbl;       // (dtRank + 2·dState)
    private DeviceBuffer dtProj;     // (dInner, dtRank) bf16
    private DeviceBuffer dtBias;     // (dInner)
    private DeviceBuffer y;          // (dInner)
    private CompiledKernel matvec;
    private CompiledKernel rmsNorm;
    private CompiledKernel convStep;
    private SelectiveScan scan;

    @Setup(Level.Trial)
    public void setUp() {
        device = Devices.open("jvm");
        q = device.queue();
        SplittableRandom r = new SplittableRandom(1);
        short[] w = new short[2 * D_INNER * HIDDEN];
        for (int i = 0; i < w.length; i++) {
            w[i] = BFloat16.fromFloat((float) ((r.nextDouble() * 2 - 1) / Math.sqrt(HIDDEN)));
        }
        inProj = upload(MemorySegment.ofArray(w));
        x = floats(r, HIDDEN, 1);
        xz = floats(r, 2 * D_INNER, 1);
        normWeight = floats(r, HIDDEN, 1);
        residual = floats(r, HIDDEN, 1);
        normed = device.allocate(4L * HIDDEN);
        convState = floats(r, D_INNER * (WIDTH - 1), 1);
        convWeight = floats(r, D_INNER * WIDTH, 0.5f);
        convOut = floats(r, D_INNER, 1);
        ssmState = floats(r, D_INNER * D_STATE, 1);
        aLog = floats(r, D_INNER * D_STATE, 1);
        xdbl = floats(r, HIDDEN / 16 + 2 * D_STATE, 1);
        short[] dtw = new short[D_INNER * (HIDDEN / 16)];
        for (int i = 0; i < dtw.length; i++) {
            dtw[i] = BFloat16.fromFloat((float) ((r.nextDouble() * 2 - 1) / Math.sqrt(HIDDEN / 16.0)));
        }
        dtProj = upload(MemorySegment.ofArray(dtw));
        dtBias = floats(r, D_INNER, 1);
        y = device.allocate(4L * 2 * D_INNER);
        matvec = device.compile(KernelSpec.load(MatVec.class, "matvec"),
                Map.of("wType", StorageType.BF16, "groupSize", 1, "unroll", 4, "batchTile", 1));
        rmsNorm = device.compile(KernelSpec.load(RmsNorm.class, "rmsNorm"),
                Map.of("hiddenType", StorageType.F32, "groupSize", 1, "perItem", HIDDEN));
        convStep = device.compile(KernelSpec.load(CausalConv1d.class, "convDecodeStep"), Map.of("width", WIDTH));
        scan = new SelectiveScan(device, D_STATE, 64);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        device.close();
    }

    /** in_proj: y (2·dInner) = W (2·dInner × hidden, bf16) · x. */
    @Benchmark
    public void matvecInProj() {
        q.launch(matvec, WorkerGrid.of2D(2L * D_INNER, 1, 1, 1), inProj, inProj, inProj, x, HIDDEN, y, 2 * D_INNER, HIDDEN, 1, 0);
    }

    /** residual += hidden; normed = rmsnorm(residual) · weight, one row of hidden. */
    @Benchmark
    public void rmsNormResidual() {
        q.launch(rmsNorm, WorkerGrid.of1D(1, 1), x, x, x, residual, normWeight, normed, HIDDEN, 1e-5f, RmsNorm.ADD_RESIDUAL);
    }

    /** Conv decode step over dInner channels, x read in place from the in_proj row, SiLU. */
    @Benchmark
    public void convDecodeStep() {
        q.launch(convStep, WorkerGrid.covering1D(D_INNER, 128), convState, xz, 2 * D_INNER, 0, convWeight, convWeight,
                convOut, D_INNER, D_INNER, 0, 1);
    }

    /** Selective-scan decode step: delta = dt_proj(dt) + bias, then dInner channels of dState states, gated by z. */
    @Benchmark
    public void selectiveScanStep() {
        int dtRank = HIDDEN / 16;
        int stride = dtRank + 2 * D_STATE;
        scan.step(q, convOut, xdbl, stride, dtRank, dtProj, StorageType.BF16, dtBias, aLog, xdbl, stride,
                dtRank, dtRank + D_STATE, xz, 2 * D_INNER, D_INNER, convOut, ssmState, y, 1, D_INNER);
    }

    private DeviceBuffer floats(SplittableRandom r, int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextDouble() * 2 - 1) * scale;
        }
        return upload(MemorySegment.ofArray(v));
    }

    private DeviceBuffer upload(MemorySegment host) {
        DeviceBuffer b = device.allocate(host.byteSize());
        try (Arena a = Arena.ofConfined()) {
            MemorySegment n = a.allocate(host.byteSize(), 8);
            MemorySegment.copy(host, 0, n, 0, host.byteSize());
            q.upload(n, b);
            q.finish();
        }
        return b;
    }
}
