package dev.mambajvm.bench;

import dev.mambajvm.model.config.MambaConfig;
import dev.mambajvm.model.weights.WeightLayout;

/**
 * The least time a decode step or a prefill can take on a device: its bytes at the device's
 * measured copy bandwidth, or its flops at the device's measured FMA rate, whichever is longer.
 * <ul>
 *   <li>bandwidth: bytes read + written per second by a device-to-device copy (the same accounting
 *       as the bytes below: everything that must cross memory once);</li>
 *   <li>decode, batch b: every weight read once (lm_head is the tied embedding matrix, so the
 *       embeddings count once) plus each sequence's conv + SSM state read and written;
 *       flops 2 per weight of every matrix per sequence;</li>
 *   <li>prefill of L tokens, batch 1: every weight once plus the final state written (the
 *       activations could stay on chip in an ideal kernel); flops 2 per weight of the block
 *       matrices per token, plus lm_head for the last token only.</li>
 * </ul>
 * The scan, conv and norms add a few percent of flops at d_state 16 and are left out: the roofline
 * is a floor, slightly optimistic.
 */
public final class Roofline {
    private Roofline() {
    }

    /** Weights of the projection matrices of all blocks (in_proj, x_proj, dt_proj, out_proj), elements. */
    public static long blockMatrixElements(MambaConfig c) {
        long n = 0;
        for (WeightLayout.Expected e : WeightLayout.of(c).tensors()) {
            long[] s = e.shape();
            if (e.name().endsWith("_proj.weight")) {   // not A_log (dInner, dState): it is not multiplied by activations
                n += s[0] * s[1];
            }
        }
        return n;
    }

    /** Elements of the lm_head (vocab × hidden). */
    public static long lmHeadElements(MambaConfig c) {
        return (long) c.paddedVocabSize() * c.hiddenSize();
    }

    public static long decodeMinBytes(long weightBytes, long stateBytesPerSequence, int batch) {
        return weightBytes + 2L * batch * stateBytesPerSequence;
    }

    public static double decodeFlops(MambaConfig c, int batch) {
        return 2.0 * batch * (blockMatrixElements(c) + lmHeadElements(c));
    }

    public static long prefillMinBytes(long weightBytes, long stateBytesPerSequence) {
        return weightBytes + stateBytesPerSequence;
    }

    public static double prefillFlops(MambaConfig c, int length) {
        return 2.0 * length * blockMatrixElements(c) + 2.0 * lmHeadElements(c);
    }

    /**
     * Milliseconds of the roofline: max(bytes / bandwidth, flops / flop rate).
     *
     * @param bytesPerSecond device copy bandwidth, bytes read + written per second
     * @param flopsPerSecond device FMA rate, flops (2 per FMA) per second
     */
    public static double millis(double bytes, double flops, double bytesPerSecond, double flopsPerSecond) {
        return Math.max(bytes / bytesPerSecond, flops / flopsPerSecond) * 1e3;
    }

    /** roofline / measured: 1 is the hardware's limit, 0.5 half of it. */
    public static double fraction(double rooflineMillis, double measuredMillis) {
        return rooflineMillis / measuredMillis;
    }
}
