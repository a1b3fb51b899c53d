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
 * Bound: 1e-5 relative (float32 recurrences).
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
        checks.addAll(prefillThenStep(2, 37, 24, 16, 4, 8, StorageType.F32));
        checks.addAll(prefillThenStep(1, 100, 130, 16, 6, 16, StorageType.BF16));
        checks.addAll(prefillThenStep(3, 5, 33, 8, 2, 16, StorageType.F16));
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
     */
    public List<Check> prefillThenStep(int batch, int seqLen, int dInner, int dState, int dtRank, int chunkLen,
                                       int dtProjType) {
        int xdblStride = dtRank + 2 * dState;
        int bOffset = dtRank;
        int cOffset = dtRank + dState;
        int total = seqLen + 1;
        Inputs all = new Inputs(
                gaussian(batch * total * dInner, 1.0),
                HostData.uniform(random, batch * total * dInner, -3.0f, 1.0f),
                gaussian(batch * total * xdblStride, 1.0),
                gaussian(batch * total * 2 * dInner, 1.5));
        float[] deltaBias = HostData.uniform(random, dInner, -0.5f, 0.5f);
        float[] aLog = new float[dInner * dState];
        for (int d = 0; d < dInner; d++) {
            for (int n = 0; n < dState; n++) {
                aLog[d * dState + n] = (float) Math.log(n + 1) + 0.1f * (float) random.nextGaussian();
            }
        }
        float[] dSkip = gaussian(dInner, 1.0);
        // The decode token's delta is dt_proj (dInner, dtRank) times the low-rank dt, xdbl's first
        // dtRank columns: computed here in float64 (and rounded once to float for the reference).
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

        SelectiveScan scan = new SelectiveScan(device, dState, chunkLen);
        String shape = "b=" + batch + " L=" + seqLen + " dInner=" + dInner + " dState=" + dState + " chunk=" + chunkLen
                + " dtRank=" + dtRank + " dt_proj " + StorageType.name(dtProjType);
        int nChunks = scan.chunks(seqLen);
        try (DeviceBuffer u = HostData.upload(device, prefix.u); DeviceBuffer delta = HostData.upload(device, prefix.delta);
             DeviceBuffer bias = HostData.upload(device, deltaBias); DeviceBuffer al = HostData.upload(device, aLog);
             DeviceBuffer xdbl = HostData.upload(device, prefix.xdbl); DeviceBuffer z = HostData.upload(device, prefix.z);
             DeviceBuffer ds = HostData.upload(device, dSkip);
             DeviceBuffer states = HostData.poisonedFloats(device, batch * dInner * nChunks * dState);
             DeviceBuffer dtSums = HostData.poisonedFloats(device, batch * dInner * nChunks);
             DeviceBuffer state = HostData.poisonedFloats(device, batch * dInner * dState);
             DeviceBuffer y = HostData.poisonedFloats(device, batch * seqLen * dInner);
             DeviceBuffer u1 = HostData.upload(device, last.u);
             DeviceBuffer w = HostData.uploadAs(device, dtProjType, dtProj);
             DeviceBuffer xdbl1 = HostData.upload(device, last.xdbl); DeviceBuffer z1 = HostData.upload(device, last.z);
             DeviceBuffer y1 = HostData.poisonedFloats(device, batch * dInner)) {
            scan.prefill(device.queue(), u, delta, bias, al, xdbl, xdblStride, bOffset, cOffset, z, 2 * dInner, dInner,
                    ds, states, dtSums, state, y, batch, seqLen, dInner);
            Check prefillY = Check.compare("SelectiveScan.prefill y", shape,
                    HostData.downloadFloats(device, y, batch * seqLen * dInner), refPrefix.y(), BOUND);
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
