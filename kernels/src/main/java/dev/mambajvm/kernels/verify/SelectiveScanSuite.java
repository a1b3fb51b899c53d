package dev.mambajvm.kernels.verify;

import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.kernels.mamba.StorageType;
import dev.mambajvm.kernels.scan.SelectiveScan;
import dev.mambajvm.kernels.scan.SelectiveScanReference;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The Mamba-1 selective scan on one device against {@link SelectiveScanReference} (float64), on
 * fresh random inputs with realistic ranges (Δ after softplus between ~0.05 and ~1.3, A_log around
 * log(1..dState) as Mamba initializes it). Checks y and the final state of a prefill at sequence
 * lengths that are not multiples of the chunk, and that prefill followed by one decode step equals
 * the reference over the longer sequence; the decode step computes its delta from the low-rank dt
 * and dt_proj (stored as f32, f16 or bf16), the reference gets that delta from a float64 product.
 * The prefill's activations (u, delta, B, C, z in, y out) are stored as f32, bf16 or f16; for 16-bit
 * storage the inputs are rounded to that type first and the reference reads the same rounded values,
 * so the arithmetic is checked as tightly as in float32.
 * Bound: 1e-5 relative (float32 recurrences) for float32 outputs: y, the final state, the decode
 * step. A y stored in 16 bits is rounded by up to 2^-8 (bf16) or 2^-11 (f16) of itself, far more
 * than 1e-5; it is checked by the error beyond that rounding ({@link Check#compareRounded}), at
 * most twice the float32 error before the store: 2e-5.
 */
public final class SelectiveScanSuite {
    private static final double BOUND = 1e-5;
    private final Device device;
    private final Random random;

    public SelectiveScanSuite(Device device, long seed) {
        this.device = device;
        this.random = new Random(seed);
    }

    public List<Check> runAll() {
        List<Check> checks = new ArrayList<>();
        // batch, L, dInner, dState, dtRank, chunkLen, dt_proj type, prefill activation type
        checks.addAll(prefillThenStep(2, 37, 24, 16, 4, 8, StorageType.F32, StorageType.F32));
        checks.addAll(prefillThenStep(1, 100, 130, 16, 6, 16, StorageType.BF16, StorageType.F32));
        checks.addAll(prefillThenStep(3, 5, 33, 8, 2, 16, StorageType.F16, StorageType.F32));
        // bf16 activations: L not a multiple of the chunk, dInner not a multiple of the 128-item group
        checks.addAll(prefillThenStep(2, 45, 40, 16, 4, 16, StorageType.BF16, StorageType.BF16));
        checks.addAll(prefillThenStep(1, 130, 150, 16, 5, 32, StorageType.F32, StorageType.BF16));
        checks.addAll(prefillThenStep(3, 6, 33, 8, 2, 16, StorageType.BF16, StorageType.BF16));   // L < chunk
        checks.addAll(prefillThenStep(1, 50, 20, 16, 3, 16, StorageType.F16, StorageType.F16));
        checks.addAll(prefillThenStep(2, 150, 20, 16, 3, 8, StorageType.F32, StorageType.F32));   // 19 chunks: the carry's batches of 8, the last ragged
        // The decode step in its GPU work-group shape on every device (on the JVM backend too, where
        // it runs with real barriers): dInner not a multiple of the channel block, dtRank not a
        // multiple of the lanes, batch > 1, dState below and above the lanes.
        SelectiveScan.StepShape gpu = new SelectiveScan.StepShape(SelectiveScan.STEP_CHANNELS, SelectiveScan.STEP_LANES);
        checks.addAll(prefillThenStep(3, 20, 37, 16, 21, 16, StorageType.BF16, StorageType.F32, gpu));
        checks.addAll(prefillThenStep(2, 9, 13, 8, 35, 16, StorageType.F32, StorageType.F32, gpu));
        checks.addAll(prefillThenStep(2, 9, 19, 24, 5, 16, StorageType.F16, StorageType.F32, gpu));
        // And in the one-item-per-channel shape (the JVM backend's) on every device.
        SelectiveScan.StepShape jvm = new SelectiveScan.StepShape(1, 1);
        checks.addAll(prefillThenStep(3, 20, 37, 16, 21, 16, StorageType.BF16, StorageType.F32, jvm));
        // The prefill walks of every device on every device: loads ahead (batches ragged against
        // the chunk and against L) and packed B, C (dtRank 4, dState 16: rows and offsets whole
        // 64-bit words for f32 and bf16); dtRank 5 asks for packing the layout does not allow, and
        // f16 has no packed path (both fall back to scalar loads).
        SelectiveScan.PrefillShape gpuWalk = new SelectiveScan.PrefillShape(SelectiveScan.TOKEN_BATCH, true);
        for (int io : new int[]{StorageType.F32, StorageType.BF16}) {
            checks.addAll(prefillThenStep(2, 45, 40, 16, 4, 16, StorageType.F32, io, gpu, gpuWalk));
            checks.addAll(prefillThenStep(1, 150, 20, 16, 4, 8, StorageType.F32, io, jvm, gpuWalk));   // 19 chunks
            checks.addAll(prefillThenStep(2, 45, 40, 16, 4, 16, StorageType.F32, io, gpu,
                    new SelectiveScan.PrefillShape(3, true)));
            checks.addAll(prefillThenStep(2, 45, 40, 16, 5, 16, StorageType.F32, io, gpu, gpuWalk));
            checks.addAll(prefillThenStep(1, 30, 20, 16, 4, 4, StorageType.F32, io, jvm, gpuWalk));   // tokenBatch > chunk
        }
        checks.addAll(prefillThenStep(2, 45, 40, 16, 4, 16, StorageType.F32, StorageType.F16, gpu, gpuWalk));
        checks.addAll(prefillThenStep(2, 45, 40, 16, 4, 16, StorageType.F32, StorageType.BF16, gpu,
                new SelectiveScan.PrefillShape(1, false)));
        // Chunks longer than a stage of B and C rows (SelectiveScan.STAGE_LEN): 300 tokens in a
        // chunk of 256 (two stages, the second partial) and one of 44 (one partial stage).
        checks.addAll(prefillThenStep(1, 300, 20, 16, 4, 256, StorageType.F32, StorageType.BF16, gpu, gpuWalk));
        return checks;
    }

    /** Inputs for batch sequences of seqLen tokens; row r = b·seqLen + t. */
    private record Inputs(float[] u, float[] delta, float[] xdbl, float[] z) {
        /** The first {@code len} tokens of each sequence. */
        Inputs prefix(int batch, int seqLen, int len, int dInner, int xdblStride) {
            return new Inputs(rows(u, batch, seqLen, len, dInner, 0), rows(delta, batch, seqLen, len, dInner, 0),
                    rows(xdbl, batch, seqLen, len, xdblStride, 0), rows(z, batch, seqLen, len, 2 * dInner, 0));
        }

        /** Token {@code t} of each sequence: one row per sequence. */
        Inputs token(int batch, int seqLen, int t, int dInner, int xdblStride) {
            return new Inputs(rows(u, batch, seqLen, 1, dInner, t), rows(delta, batch, seqLen, 1, dInner, t),
                    rows(xdbl, batch, seqLen, 1, xdblStride, t), rows(z, batch, seqLen, 1, 2 * dInner, t));
        }

        private static float[] rows(float[] a, int batch, int seqLen, int len, int width, int from) {
            float[] out = new float[batch * len * width];
            for (int b = 0; b < batch; b++) {
                System.arraycopy(a, (b * seqLen + from) * width, out, b * len * width, len * width);
            }
            return out;
        }
    }

    /**
     * @param dtProjType how the decode step's dt_proj weight is stored ({@link StorageType}); the
     *                   reference reads the same rounded values
     * @param ioType     how the prefill's u, delta, xdbl, z and y are stored ({@link StorageType}); the
     *                   decode step reads the same rounded values as float32
     */
    public List<Check> prefillThenStep(int batch, int seqLen, int dInner, int dState, int dtRank, int chunkLen,
                                       int dtProjType, int ioType) {
        return prefillThenStep(batch, seqLen, dInner, dState, dtRank, chunkLen, dtProjType, ioType,
                SelectiveScan.StepShape.forDevice(device));
    }

    /** As above, the decode step in the work-group shape {@code stepShape}. */
    public List<Check> prefillThenStep(int batch, int seqLen, int dInner, int dState, int dtRank, int chunkLen,
                                       int dtProjType, int ioType, SelectiveScan.StepShape stepShape) {
        return prefillThenStep(batch, seqLen, dInner, dState, dtRank, chunkLen, dtProjType, ioType, stepShape,
                SelectiveScan.PrefillShape.forDevice(device));
    }

    /** As above, and the prefill's walk in {@code prefillShape}. */
    public List<Check> prefillThenStep(int batch, int seqLen, int dInner, int dState, int dtRank, int chunkLen,
                                       int dtProjType, int ioType, SelectiveScan.StepShape stepShape,
                                       SelectiveScan.PrefillShape prefillShape) {
        int xdblStride = dtRank + 2 * dState;
        int bOffset = dtRank;
        int cOffset = dtRank + dState;
        int total = seqLen + 1;
        Inputs all = new Inputs(
                HostData.roundTo(ioType, gaussian(batch * total * dInner, 1.0)),
                HostData.roundTo(ioType, HostData.uniform(random, batch * total * dInner, -3.0f, 1.0f)),
                HostData.roundTo(ioType, gaussian(batch * total * xdblStride, 1.0)),
                HostData.roundTo(ioType, gaussian(batch * total * 2 * dInner, 1.5)));
        float[] deltaBias = HostData.uniform(random, dInner, -0.5f, 0.5f);
        float[] aLog = new float[dInner * dState];
        for (int d = 0; d < dInner; d++) {
            for (int n = 0; n < dState; n++) {
                aLog[d * dState + n] = (float) Math.log(n + 1) + 0.1f * (float) random.nextGaussian();
            }
        }
        float[] dSkip = gaussian(dInner, 1.0);
        // The decode token's delta is dt_proj (dInner, dtRank) times the low-rank dt, xdbl's first
        // dtRank columns: computed here in float64 (and rounded once to float for the reference; the
        // step reads float32, so this delta is not rounded to ioType).
        float[] dtProj = HostData.roundTo(dtProjType,
                HostData.uniform(random, dInner * dtRank, -1.5f / (float) Math.sqrt(dtRank), 1.5f / (float) Math.sqrt(dtRank)));
        for (int b = 0; b < batch; b++) {
            int row = b * total + seqLen;
            for (int d = 0; d < dInner; d++) {
                double delta = 0;
                for (int r = 0; r < dtRank; r++) {
                    delta += (double) dtProj[d * dtRank + r] * all.xdbl[row * xdblStride + r];
                }
                all.delta[row * dInner + d] = (float) delta;
            }
        }
        Inputs prefix = all.prefix(batch, total, seqLen, dInner, xdblStride);
        Inputs last = all.token(batch, total, seqLen, dInner, xdblStride);
        SelectiveScanReference.Result refPrefix = SelectiveScanReference.run(prefix.u, prefix.delta, deltaBias, aLog,
                prefix.xdbl, xdblStride, bOffset, cOffset, prefix.z, 2 * dInner, dInner, dSkip, batch, seqLen, dInner, dState);
        SelectiveScanReference.Result refAll = SelectiveScanReference.run(all.u, all.delta, deltaBias, aLog, all.xdbl,
                xdblStride, bOffset, cOffset, all.z, 2 * dInner, dInner, dSkip, batch, total, dInner, dState);
        double[] refLastY = new double[batch * dInner];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(refAll.y(), (b * total + seqLen) * dInner, refLastY, b * dInner, dInner);
        }

        SelectiveScan scan = new SelectiveScan(device, dState, chunkLen, ioType, stepShape, prefillShape);
        String shape = "b=" + batch + " L=" + seqLen + " dInner=" + dInner + " dState=" + dState + " chunk=" + chunkLen
                + " dtRank=" + dtRank + " dt_proj " + StorageType.name(dtProjType)
                + (ioType != StorageType.F32 ? " io " + StorageType.name(ioType) : "")
                + " step " + stepShape.channels() + "x" + stepShape.lanes()
                + " walk " + prefillShape.tokenBatch() + (prefillShape.packBC() && scan.packable(xdblStride, bOffset, cOffset)
                ? " packed" : "");
        int nChunks = scan.chunks(seqLen);
        try (DeviceBuffer u = HostData.uploadAs(device, ioType, prefix.u);
             DeviceBuffer delta = HostData.uploadAs(device, ioType, prefix.delta);
             DeviceBuffer bias = HostData.upload(device, deltaBias); DeviceBuffer al = HostData.upload(device, aLog);
             DeviceBuffer xdbl = HostData.uploadAs(device, ioType, prefix.xdbl);
             DeviceBuffer z = HostData.uploadAs(device, ioType, prefix.z);
             DeviceBuffer ds = HostData.upload(device, dSkip);
             DeviceBuffer states = HostData.poisonedFloats(device, batch * dInner * nChunks * dState);
             DeviceBuffer dtSums = HostData.poisonedFloats(device, batch * dInner * nChunks);
             DeviceBuffer state = HostData.poisonedFloats(device, batch * dInner * dState);
             DeviceBuffer y = HostData.poisoned(device, ioType, batch * seqLen * dInner);
             DeviceBuffer u1 = HostData.upload(device, last.u);
             DeviceBuffer w = HostData.uploadAs(device, dtProjType, dtProj);
             DeviceBuffer xdbl1 = HostData.upload(device, last.xdbl); DeviceBuffer z1 = HostData.upload(device, last.z);
             DeviceBuffer y1 = HostData.poisonedFloats(device, batch * dInner)) {
            scan.prefill(device.queue(), u, delta, bias, al, xdbl, xdblStride, bOffset, cOffset, z, 2 * dInner, dInner,
                    ds, states, dtSums, state, y, batch, seqLen, dInner);
            float[] yOut = HostData.downloadAs(device, ioType, y, batch * seqLen * dInner);
            Check prefillY = ioType == StorageType.F32
                    ? Check.compare("SelectiveScan.prefill y", shape, yOut, refPrefix.y(), BOUND)
                    : Check.compareRounded("SelectiveScan.prefill y", shape, yOut, refPrefix.y(), ioType, BOUND);
            Check prefillState = Check.compare("SelectiveScan.prefill state", shape,
                    HostData.downloadFloats(device, state, batch * dInner * dState), refPrefix.finalState(), BOUND);
            scan.step(device.queue(), u1, xdbl1, xdblStride, dtRank, w, dtProjType, bias, al, xdbl1, xdblStride,
                    bOffset, cOffset, z1, 2 * dInner, dInner, ds, state, y1, batch, dInner);
            Check stepY = Check.compare("SelectiveScan.step y", shape + " +1",
                    HostData.downloadFloats(device, y1, batch * dInner), refLastY, BOUND);
            Check stepState = Check.compare("SelectiveScan.step state", shape + " +1",
                    HostData.downloadFloats(device, state, batch * dInner * dState), refAll.finalState(), BOUND);
            return List.of(prefillY, prefillState, stepY, stepState);
        }
    }

    private float[] gaussian(int n, double sigma) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (sigma * random.nextGaussian());
        }
        return a;
    }
}
