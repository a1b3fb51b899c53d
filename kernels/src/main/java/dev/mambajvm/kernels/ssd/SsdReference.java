package dev.mambajvm.kernels.ssd;

/**
 * The Mamba-2 SSD recurrence in float64, one token after another, straight from the math in
 * {@link SsdKernels} (as HF transformers' Mamba2 decode path computes it): the reference the
 * chunked prefill and the decode step are checked against. Layouts as in {@link SsdKernels}.
 */
public final class SsdReference {
    private SsdReference() {
    }

    /** y (batch·L, nHeads·P) and the final state (batch, nHeads, P, N), starting from zero. */
    public record Result(double[] y, double[] finalState) {
    }

    public static Result run(float[] xbc, float[] dtRaw, int dtStride, int dtOffset, float[] dtBias, float[] aLog,
                             float[] dSkip, float dtMin, float dtMax, int batch, int seqLen, int nHeads, int nGroups,
                             int headDim, int dState) {
        int stride = nHeads * headDim + 2 * nGroups * dState;
        int headsPerGroup = nHeads / nGroups;
        double[] y = new double[batch * seqLen * nHeads * headDim];
        double[] state = new double[batch * nHeads * headDim * dState];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < seqLen; t++) {
                int row = b * seqLen + t;
                for (int h = 0; h < nHeads; h++) {
                    int g = h / headsPerGroup;
                    double v = dtRaw[row * dtStride + dtOffset + h] + (double) dtBias[h];
                    double dt = v > 20 ? v : Math.log1p(Math.exp(v));
                    dt = Math.min(Math.max(dt, dtMin), dtMax);
                    double decay = Math.exp(dt * -Math.exp(aLog[h]));
                    for (int p = 0; p < headDim; p++) {
                        double x = xbc[row * stride + h * headDim + p];
                        double acc = 0;
                        for (int n = 0; n < dState; n++) {
                            int s = ((b * nHeads + h) * headDim + p) * dState + n;
                            double bn = xbc[row * stride + nHeads * headDim + g * dState + n];
                            double cn = xbc[row * stride + nHeads * headDim + (nGroups + g) * dState + n];
                            state[s] = decay * state[s] + dt * x * bn;
                            acc += cn * state[s];
                        }
                        y[row * nHeads * headDim + h * headDim + p] = acc + dSkip[h] * x;
                    }
                }
            }
        }
        return new Result(y, state);
    }
}
