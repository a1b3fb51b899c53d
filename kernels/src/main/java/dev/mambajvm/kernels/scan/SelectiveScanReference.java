package dev.mambajvm.kernels.scan;

/**
 * The selective scan in float64, one token after another, exactly as written in the Mamba paper
 * (and mamba.py's sequential scan): the reference the kernels are checked against. Layouts as in
 * {@link SelectiveScanKernels}.
 */
public final class SelectiveScanReference {
    private SelectiveScanReference() {
    }

    /** y (batch·L, dInner) and the final state (batch, dInner, dState), starting from zero. */
    public record Result(double[] y, double[] finalState) {
    }

    public static Result run(float[] u, float[] delta, float[] deltaBias, float[] aLog, float[] xdbl, int xdblStride,
                             int bOffset, int cOffset, float[] z, int zStride, int zOffset, float[] dSkip,
                             int batch, int seqLen, int dInner, int dState) {
        double[] y = new double[batch * seqLen * dInner];
        double[] state = new double[batch * dInner * dState];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < seqLen; t++) {
                int row = b * seqLen + t;
                for (int d = 0; d < dInner; d++) {
                    double x = delta[row * dInner + d] + (double) deltaBias[d];
                    double dt = x > 20 ? x : Math.log1p(Math.exp(x));
                    double ut = u[row * dInner + d];
                    double acc = 0;
                    for (int n = 0; n < dState; n++) {
                        double a = -Math.exp(aLog[d * dState + n]);
                        int s = (b * dInner + d) * dState + n;
                        state[s] = Math.exp(dt * a) * state[s] + dt * xdbl[row * xdblStride + bOffset + n] * ut;
                        acc += state[s] * xdbl[row * xdblStride + cOffset + n];
                    }
                    double zt = z[row * zStride + zOffset + d];
                    y[row * dInner + d] = (acc + dSkip[d] * ut) * (zt / (1 + Math.exp(-zt)));
                }
            }
        }
        return new Result(y, state);
    }
}
