package dev.mambajvm.kernels.verify;

import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.kernels.mamba.StorageType;
import dev.mambajvm.kernels.ssd.Ssd;
import dev.mambajvm.kernels.ssd.SsdReference;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The Mamba-2 SSD ({@link Ssd}) on one device against {@link SsdReference} (float64 sequential
 * recurrence), on fresh random inputs with realistic ranges (dt after softplus between ~0.05 and
 * ~1.3, A = −exp(A_log) in [1, 16] as Mamba-2 initializes it). Shapes with several groups and
 * nHeads ≠ G, sequence lengths that are not multiples of the chunk and shorter than it, chunks of one
 * and of several 16-token tiles, a finite time_step_limit. Checks y and the final state of a
 * prefill, and that prefill followed by one decode step equals the reference over L + 1 tokens
 * (y of the new token and the state after it), and a prompt prefilled in two pieces, the second
 * starting from the first one's final state. The prefill's activations (xBC, dt in, y out) are
 * stored as f32, bf16 or f16; for 16-bit storage the inputs are rounded to that type first and the
 * reference reads the same rounded values, so the arithmetic is checked as tightly as in float32.
 * Bound: 1e-5 relative L2 error (float32 arithmetic, sums of at most a few hundred terms) for
 * float32 outputs: y, the states, the decode step. A y stored in 16 bits is rounded by up to 2^-8
 * (bf16) or 2^-11 (f16) of itself, far more than 1e-5; it is checked by the error beyond that
 * rounding ({@link Check#compareRounded}), at most twice the float32 error before the store: 2e-5.
 *
 * <p>Each case runs with the matrix steps on FMAs ({@code SsdKernels}) and the 16-bit cases also on
 * tensor cores ({@code SsdTensorCoreKernels}, whichever the device: elsewhere than CUDA the same
 * kernels run the same TF32 products on FMAs). Tensor-core bound: 1e-3. Their operands
 * are rounded to TF32 (relative error ≤ 2^-11 ≈ 4.9e-4 each); a sum of such products errs by
 * about that fraction of its size, less where the rounding errors of its terms cancel.
 */
public final class SsdSuite {
    private static final double BOUND = 1e-5;
    private static final double TENSOR_CORE_BOUND = 1e-3;
    private static final float INF = Float.POSITIVE_INFINITY;
    private final Device device;
    private final Random random;

    public SsdSuite(Device device, long seed) {
        this.device = device;
        this.random = new Random(seed);
    }

    public List<Check> runAll() {
        List<Check> checks = new ArrayList<>();
        int f32 = StorageType.F32;
        int bf16 = StorageType.BF16;
        boolean fma = false;
        boolean tc = true;
        // batch, L, nHeads, nGroups, headDim, dState, chunk, dtMin, dtMax, activation type, tensor cores
        checks.addAll(prefillThenStep(2, 37, 6, 2, 12, 16, 16, 0.0f, INF, f32, fma));
        checks.addAll(prefillThenStep(1, 5, 4, 1, 16, 8, 16, 0.0f, INF, f32, fma));       // L < chunk
        checks.addAll(prefillThenStep(3, 50, 4, 2, 16, 32, 32, 0.0f, INF, f32, fma));     // two tiles per chunk
        checks.addAll(prefillThenStep(1, 70, 3, 3, 8, 24, 48, 0.1f, 0.6f, f32, fma));     // G = nHeads, clamped dt, N % 16 ≠ 0
        checks.addAll(prefillThenStep(1, 300, 4, 2, 64, 128, 256, 0.0f, INF, f32, fma));  // Mamba-2 head shape and chunk
        checks.addAll(twoPieces(2, 21, 40, 4, 2, 16, 32, 16, f32, fma));                  // prefill from a cached state
        checks.addAll(prefillThenStep(1, 300, 2, 1, 8, 16, 16, 0.0f, INF, f32, fma));    // 19 chunks: state passing in batches of 8, the last ragged
        checks.addAll(prefillThenStep(2, 40, 2, 1, 5, 7, 16, 0.0f, INF, f32, fma));      // P·N = 35: state passing's last item has 2 of its 4 elements
        // bf16 activations: L and P not multiples of the 16-token and 16-column tiles, N % 16 ≠ 0,
        // several tiles per chunk, Mamba-2's head shape; one f16 case
        checks.addAll(prefillThenStep(2, 37, 6, 2, 12, 16, 16, 0.0f, INF, bf16, fma));
        checks.addAll(prefillThenStep(1, 70, 3, 3, 8, 24, 48, 0.1f, 0.6f, bf16, fma));
        checks.addAll(prefillThenStep(1, 100, 2, 1, 64, 128, 64, 0.0f, INF, bf16, fma));
        checks.addAll(prefillThenStep(3, 50, 4, 2, 16, 32, 32, 0.0f, INF, StorageType.F16, fma));
        checks.addAll(twoPieces(2, 21, 40, 4, 2, 16, 32, 16, bf16, fma));
        // The same on tensor cores, plus: chunks of several 64-token blocks, the last one partial
        // (L 300, chunk 256), P and N that are not multiples of the warp tiles (P 20: 24 columns of
        // 8 in chunkOutputsTc, 32 rows in chunkStatesTc; N 40: a 32-column slice and a partial one).
        checks.addAll(prefillThenStep(2, 37, 6, 2, 12, 16, 16, 0.0f, INF, bf16, tc));
        checks.addAll(prefillThenStep(1, 70, 3, 3, 8, 24, 48, 0.1f, 0.6f, bf16, tc));
        checks.addAll(prefillThenStep(1, 100, 2, 1, 64, 128, 64, 0.0f, INF, bf16, tc));
        checks.addAll(prefillThenStep(1, 300, 2, 1, 64, 128, 256, 0.0f, INF, bf16, tc));
        checks.addAll(prefillThenStep(1, 200, 2, 1, 20, 40, 128, 0.0f, INF, bf16, tc));
        checks.addAll(prefillThenStep(3, 50, 4, 2, 16, 32, 32, 0.0f, INF, StorageType.F16, tc));
        checks.addAll(prefillThenStep(1, 70, 3, 3, 8, 24, 48, 0.1f, 0.6f, f32, tc));     // float32 words: 2 per load
        checks.addAll(twoPieces(2, 21, 40, 4, 2, 16, 32, 16, bf16, tc));
        return checks;
    }

    private static float[] rows(float[] a, int batch, int seqLen, int len, int width, int from) {
        float[] out = new float[batch * len * width];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(a, (b * seqLen + from) * width, out, b * len * width, len * width);
        }
        return out;
    }

    /**
     * @param ioType how the prefill's xBC, dt and y are stored ({@link StorageType}); the decode step
     *               reads the same rounded values as float32
     */
    public List<Check> prefillThenStep(int batch, int seqLen, int nHeads, int nGroups, int headDim, int dState,
                                       int chunk, float dtMin, float dtMax, int ioType, boolean tensorCores) {
        int dInner = nHeads * headDim;
        int convDim = dInner + 2 * nGroups * dState;
        // dt read in place from in_proj's output (z, xBC, dt): row stride 2·dInner + 2·G·N + nHeads.
        int dtStride = dInner + convDim + nHeads;
        int dtOffset = dInner + convDim;
        int total = seqLen + 1;
        float[] xbcAll = HostData.roundTo(ioType, gaussian(batch * total * convDim, 1.0));
        float[] dtAll = gaussian(batch * total * dtStride, 1.0);
        float[] dtSlice = HostData.uniform(random, batch * total * nHeads, -3.0f, 1.0f);
        for (int r = 0; r < batch * total; r++) {
            System.arraycopy(dtSlice, r * nHeads, dtAll, r * dtStride + dtOffset, nHeads);
        }
        dtAll = HostData.roundTo(ioType, dtAll);
        float[] dtBias = HostData.uniform(random, nHeads, -0.5f, 0.5f);
        float[] aLog = new float[nHeads];
        for (int h = 0; h < nHeads; h++) {
            aLog[h] = (float) Math.log(1 + 15 * random.nextDouble());
        }
        float[] dSkip = gaussian(nHeads, 1.0);

        float[] xbc = rows(xbcAll, batch, total, seqLen, convDim, 0);
        float[] dtRaw = rows(dtAll, batch, total, seqLen, dtStride, 0);
        float[] xbc1 = rows(xbcAll, batch, total, 1, convDim, seqLen);
        float[] dtRaw1 = rows(dtAll, batch, total, 1, dtStride, seqLen);
        SsdReference.Result refPrefix = SsdReference.run(xbc, dtRaw, dtStride, dtOffset, dtBias, aLog, dSkip, dtMin,
                dtMax, batch, seqLen, nHeads, nGroups, headDim, dState);
        SsdReference.Result refAll = SsdReference.run(xbcAll, dtAll, dtStride, dtOffset, dtBias, aLog, dSkip, dtMin,
                dtMax, batch, total, nHeads, nGroups, headDim, dState);
        double[] refLastY = new double[batch * dInner];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(refAll.y(), (b * total + seqLen) * dInner, refLastY, b * dInner, dInner);
        }

        Ssd ssd = new Ssd(device, headDim, dState, chunk, ioType, tensorCores);
        double bound = tensorCores ? TENSOR_CORE_BOUND : BOUND;
        String shape = "b=" + batch + " L=" + seqLen + " H=" + nHeads + " G=" + nGroups + " P=" + headDim
                + " N=" + dState + " chunk=" + chunk + (dtMax < INF ? " dt∈[" + dtMin + "," + dtMax + "]" : "")
                + ioSuffix(ioType) + (tensorCores ? " tensor cores" : "");
        int stateSize = batch * nHeads * headDim * dState;
        try (DeviceBuffer x = HostData.uploadAs(device, ioType, xbc); DeviceBuffer dr = HostData.uploadAs(device, ioType, dtRaw);
             DeviceBuffer bias = HostData.upload(device, dtBias); DeviceBuffer al = HostData.upload(device, aLog);
             DeviceBuffer ds = HostData.upload(device, dSkip);
             DeviceBuffer dt = HostData.poisonedFloats(device, (int) Ssd.dtFloats(batch, seqLen, nHeads));
             DeviceBuffer cum = HostData.poisonedFloats(device, (int) Ssd.dtFloats(batch, seqLen, nHeads));
             DeviceBuffer states = HostData.poisonedFloats(device, (int) ssd.stateFloats(batch, seqLen, nHeads));
             DeviceBuffer scores = HostData.poisonedFloats(device, (int) ssd.scoreFloats(batch, seqLen, nGroups));
             DeviceBuffer state = HostData.poisonedFloats(device, stateSize);
             DeviceBuffer y = HostData.poisoned(device, ioType, batch * seqLen * dInner);
             DeviceBuffer x1 = HostData.upload(device, xbc1); DeviceBuffer dr1 = HostData.upload(device, dtRaw1);
             DeviceBuffer y1 = HostData.poisonedFloats(device, batch * dInner)) {
            ssd.prefill(device.queue(), x, dr, dtStride, dtOffset, bias, al, ds, dtMin, dtMax, dt, cum, states, scores, state, y,
                    batch, seqLen, nHeads, nGroups);
            Check prefillY = yCheck("Ssd.prefill y", shape, HostData.downloadAs(device, ioType, y, batch * seqLen * dInner),
                    refPrefix.y(), ioType, bound);
            Check prefillState = Check.compare("Ssd.prefill state", shape,
                    HostData.downloadFloats(device, state, stateSize), refPrefix.finalState(), bound);
            ssd.step(device.queue(), x1, dr1, dtStride, dtOffset, bias, al, ds, dtMin, dtMax, state, y1,
                    batch, nHeads, nGroups);
            Check stepY = Check.compare("Ssd.step y", shape + " +1",
                    HostData.downloadFloats(device, y1, batch * dInner), refLastY, bound);
            Check stepState = Check.compare("Ssd.step state", shape + " +1",
                    HostData.downloadFloats(device, state, stateSize), refAll.finalState(), bound);
            return List.of(prefillY, prefillState, stepY, stepState);
        }
    }

    /**
     * A prompt prefilled in two pieces: the second prefill starts from the first one's final state
     * (the same buffer as its own final state), against the reference over both pieces.
     */
    public List<Check> twoPieces(int batch, int len1, int len2, int nHeads, int nGroups, int headDim, int dState,
                                 int chunk, int ioType, boolean tensorCores) {
        int dInner = nHeads * headDim;
        int convDim = dInner + 2 * nGroups * dState;
        int total = len1 + len2;
        float[] xbcAll = HostData.roundTo(ioType, gaussian(batch * total * convDim, 1.0));
        float[] dtAll = HostData.roundTo(ioType, HostData.uniform(random, batch * total * nHeads, -3.0f, 1.0f));
        float[] dtBias = HostData.uniform(random, nHeads, -0.5f, 0.5f);
        float[] aLog = new float[nHeads];
        for (int h = 0; h < nHeads; h++) {
            aLog[h] = (float) Math.log(1 + 15 * random.nextDouble());
        }
        float[] dSkip = gaussian(nHeads, 1.0);
        SsdReference.Result ref = SsdReference.run(xbcAll, dtAll, nHeads, 0, dtBias, aLog, dSkip, 0.0f, INF,
                batch, total, nHeads, nGroups, headDim, dState);
        double[] refY2 = new double[batch * len2 * dInner];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(ref.y(), (b * total + len1) * dInner, refY2, b * len2 * dInner, len2 * dInner);
        }
        Ssd ssd = new Ssd(device, headDim, dState, chunk, ioType, tensorCores);
        double bound = tensorCores ? TENSOR_CORE_BOUND : BOUND;
        String shape = "b=" + batch + " L=" + len1 + "+" + len2 + " H=" + nHeads + " G=" + nGroups + " P=" + headDim
                + " N=" + dState + " chunk=" + chunk + ioSuffix(ioType) + (tensorCores ? " tensor cores" : "");
        int stateSize = batch * nHeads * headDim * dState;
        try (DeviceBuffer x1 = HostData.uploadAs(device, ioType, rows(xbcAll, batch, total, len1, convDim, 0));
             DeviceBuffer d1 = HostData.uploadAs(device, ioType, rows(dtAll, batch, total, len1, nHeads, 0));
             DeviceBuffer x2 = HostData.uploadAs(device, ioType, rows(xbcAll, batch, total, len2, convDim, len1));
             DeviceBuffer d2 = HostData.uploadAs(device, ioType, rows(dtAll, batch, total, len2, nHeads, len1));
             DeviceBuffer bias = HostData.upload(device, dtBias); DeviceBuffer al = HostData.upload(device, aLog);
             DeviceBuffer ds = HostData.upload(device, dSkip);
             DeviceBuffer dt = HostData.poisonedFloats(device, (int) Ssd.dtFloats(batch, total, nHeads));
             DeviceBuffer cum = HostData.poisonedFloats(device, (int) Ssd.dtFloats(batch, total, nHeads));
             DeviceBuffer states = HostData.poisonedFloats(device, (int) ssd.stateFloats(batch, total, nHeads));
             DeviceBuffer scores = HostData.poisonedFloats(device, (int) ssd.scoreFloats(batch, total, nGroups));
             DeviceBuffer state = HostData.poisonedFloats(device, stateSize);
             DeviceBuffer y1 = HostData.poisoned(device, ioType, batch * len1 * dInner);
             DeviceBuffer y2 = HostData.poisoned(device, ioType, batch * len2 * dInner)) {
            ssd.prefill(device.queue(), x1, d1, nHeads, 0, bias, al, ds, 0.0f, INF, dt, cum, states, scores, state, y1,
                    batch, len1, nHeads, nGroups);
            ssd.prefill(device.queue(), x2, d2, nHeads, 0, bias, al, ds, 0.0f, INF, dt, cum, states, scores, state, state, y2,
                    batch, len2, nHeads, nGroups);
            return List.of(
                    yCheck("Ssd.prefill y (from a state)", shape,
                            HostData.downloadAs(device, ioType, y2, batch * len2 * dInner), refY2, ioType, bound),
                    Check.compare("Ssd.prefill state (from a state)", shape,
                            HostData.downloadFloats(device, state, stateSize), ref.finalState(), bound));
        }
    }

    private static String ioSuffix(int ioType) {
        return ioType != StorageType.F32 ? " io " + StorageType.name(ioType) : "";
    }

    /** y against the reference: the bound, or for 16-bit storage twice it beyond its rounding (see the class comment). */
    private static Check yCheck(String kernel, String shape, float[] y, double[] ref, int ioType, double bound) {
        return ioType == StorageType.F32 ? Check.compare(kernel, shape, y, ref, bound)
                : Check.compareRounded(kernel, shape, y, ref, ioType, bound);
    }

    private float[] gaussian(int n, double sigma) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (sigma * random.nextGaussian());
        }
        return a;
    }
}
