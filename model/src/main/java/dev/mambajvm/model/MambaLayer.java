package dev.mambajvm.model;

import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.model.config.MambaConfig;
import dev.mambajvm.model.config.Variant;

/**
 * The Mamba-1 mixer of one block (transformers' MambaMixer), and Falcon-Mamba's (FalconMambaMixer),
 * as kernel launches: reads {@code a.normed} (rows, hidden) and writes {@code a.hidden} (rows, hidden).
 * <pre>
 *   xz    = in_proj(normed) (+ in_proj.bias)        x | z, each (rows, dInner)
 *   u     = silu(conv1d(x) + conv_bias)             causal depthwise, width K
 *   xdbl  = x_proj(u)                               dt | B | C: (rows, dtRank | dState | dState)
 *   Falcon-Mamba only: dt, B, C = rms(dt), rms(B), rms(C)    v / sqrt(mean(v²) + mixer_rms_eps), no weight
 *   delta = dt · dt_proj.weightᵀ                    the dt_proj bias is added inside the scan:
 *   y     = scan(u, softplus(delta + dt_bias), A = −exp(A_log), B, C, D) · silu(z)
 *   out   = out_proj(y) (+ out_proj.bias)
 * </pre>
 * x, z, dt, B and C are read in place (row strides), never copied out; the Falcon norms rewrite
 * them in place. The biases exist only with use_bias. At decode dt_proj runs inside the scan step
 * (a row of it is only dtRank long: SelectiveScanKernels.stateUpdate).
 */
final class MambaLayer implements Mixer {
    private final DeviceWeights.Layer w;
    private final int hidden;
    private final int dInner;
    private final int dState;
    private final int dtRank;
    private final int xzWidth;    // 2·dInner: row stride of xz
    private final int xdblWidth;  // dtRank + 2·dState: row stride of xdbl
    private final boolean normDtBC; // Falcon-Mamba
    private final float mixerEps;

    MambaLayer(MambaConfig c, DeviceWeights.Layer weights) {
        this.w = weights;
        this.hidden = c.hiddenSize();
        this.dInner = c.intermediateSize();
        this.dState = c.stateSize();
        this.dtRank = c.timeStepRank();
        this.xzWidth = 2 * dInner;
        this.xdblWidth = dtRank + 2 * dState;
        this.normDtBC = c.variant() == Variant.FALCON_MAMBA;
        this.mixerEps = (float) c.mixerRmsEps();
    }

    @Override
    public DeviceBuffer norm() {
        return w.norm();
    }

    /**
     * Prefill of {@code batch} sequences of {@code seqLen} tokens from a zero state (rows = batch·seqLen);
     * leaves the final states in convState (batch, dInner, K−1) and ssmState (batch, dInner, dState).
     */
    @Override
    public void prefill(ModelKernels k, Activations a, DeviceBuffer convState, DeviceBuffer ssmState, int batch, int seqLen) {
        int rows = batch * seqLen;
        k.linear(a.normed, hidden, w.inProj(), a.xz, rows);
        k.addBias(a.xz, w.inProjBias(), rows, xzWidth);
        k.convPrefill(a.xz, xzWidth, 0, w.convWeight(), w.convBias(), a.u, convState, dInner, batch, seqLen);
        k.linear(a.u, dInner, w.xProj(), a.xdbl, rows);
        normDtBC(k, a, rows);
        k.linear(a.xdbl, xdblWidth, w.dtProj(), a.delta, rows);
        k.scan.prefill(k.target(), a.u, a.delta, w.dtBias(), w.aLog(), a.xdbl, xdblWidth, dtRank, dtRank + dState,
                a.xz, xzWidth, dInner, w.d(), a.scanStates, a.scanDtSums, ssmState, a.y, batch, seqLen, dInner);
        k.linear(a.y, dInner, w.outProj(), a.hidden, rows);
        k.addBias(a.hidden, w.outProjBias(), rows, hidden);
    }

    /** One token for each of {@code batch} sequences (rows = batch); updates both states in place. */
    @Override
    public void step(ModelKernels k, Activations a, DeviceBuffer convState, DeviceBuffer ssmState, int batch) {
        k.matvec(w.inProj(), a.normed, hidden, a.xz, batch);
        k.addBias(a.xz, w.inProjBias(), batch, xzWidth);
        k.convStep(convState, a.xz, xzWidth, 0, w.convWeight(), w.convBias(), a.u, dInner, batch);
        k.matvec(w.xProj(), a.u, dInner, a.xdbl, batch);
        normDtBC(k, a, batch);
        k.scan.step(k.target(), a.u, a.xdbl, xdblWidth, dtRank, w.dtProj().buffer(), w.dtProj().type(), w.dtBias(),
                w.aLog(), a.xdbl, xdblWidth, dtRank, dtRank + dState, a.xz, xzWidth, dInner, w.d(), ssmState, a.y, batch,
                dInner);
        k.matvec(w.outProj(), a.y, dInner, a.hidden, batch);
        k.addBias(a.hidden, w.outProjBias(), batch, hidden);
    }

    /** Falcon-Mamba: dt, B and C of xdbl (rows, dtRank | dState | dState) normalized in place. */
    private void normDtBC(ModelKernels k, Activations a, int rows) {
        if (normDtBC) {
            k.segmentRmsNorm(a.xdbl, xdblWidth, dtRank, dState, 3, rows, mixerEps);
        }
    }
}
