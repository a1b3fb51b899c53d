package dev.mambajvm.kernels.mamba;

import dev.mambajvm.kernels.basics.ActivationKernels;
import dev.mambajvm.lang.Constant;
import dev.mambajvm.lang.FloatArray;
import dev.mambajvm.lang.Kernel;
import dev.mambajvm.lang.KernelContext;

/**
 * Mamba's causal depthwise convolution over time, width {@code width} (K, 4 in every released
 * model): out[b,c,t] = act(bias[c] + Σ_{j<K} w[c,j] · x[b,c,t−K+1+j]), x before t = 0 counting 0,
 * act = SiLU or identity.
 *
 * <p>Shapes: weight (channels, K) (PyTorch's Conv1d weight (channels, 1, K) squeezed), bias
 * (channels), conv state (batch, channels, K−1): the last K−1 inputs of each channel, oldest first,
 * zero-padded on the left when L < K−1. Both prefill layouts write the same state layout, so
 * {@link #convDecodeStep} continues either.
 *
 * <p>Bias and SiLU are int flags (0/1) rather than {@code @Constant}s: both are uniform branches
 * on every work-item, negligible next to the loads, and one compiled kernel serves all four
 * variants. With {@code hasBias == 0} the bias buffer is never read (pass any buffer).
 *
 * <p>Memory: each output is K multiply-adds on K inputs, so the kernel is bound by HBM (read x once,
 * write out once). Neighbouring work-items share K−1 of their K inputs; those repeats hit L1, not
 * HBM. K is a compile-time constant so the tap loops unroll and the K weights live in registers.
 */
public final class CausalConv1d {
    private CausalConv1d() {
    }

    /**
     * Prefill, channels-first (Mamba-1: x = in_proj output transposed): x, out (batch, channels, L).
     * 2-D launch: global (ceil(L/local)·local, batch·channels), local (local, 1), e.g. local 128.
     * x = time (consecutive items read consecutive addresses: coalesced), y = b·channels + c.
     * The work-item at t = 0 of each channel also writes that channel's K−1 state entries.
     */
    @Kernel
    public static void convPrefill(KernelContext ctx, FloatArray x, FloatArray weight, FloatArray bias,
                                   FloatArray out, FloatArray convState, int channels, int seqLen,
                                   int hasBias, int applySilu, @Constant int width) {
        int t = ctx.globalIdx;
        int bc = ctx.globalIdy;
        int c = bc % channels;
        int rowBase = bc * seqLen;
        if (t < seqLen) {
            // K weights of this channel in registers (every item of the group reads the same ones: one broadcast load).
            float[] w = new float[width];
            for (int j = 0; j < width; j++) {
                w[j] = weight.get(c * width + j);
            }
            float acc = hasBias != 0 ? bias.get(c) : 0.0f;
            for (int j = 0; j < width; j++) {
                int src = t - width + 1 + j;
                if (src >= 0) {
                    acc = Math.fma(w[j], x.get(rowBase + src), acc);
                }
            }
            out.set(rowBase + t, applySilu != 0 ? ActivationKernels.silu(acc) : acc);
        }
        if (t == 0) {
            for (int s = 0; s < width - 1; s++) {
                int src = seqLen - (width - 1) + s;
                convState.set(bc * (width - 1) + s, src >= 0 ? x.get(rowBase + src) : 0.0f);
            }
        }
    }

    /**
     * Prefill, channels-last (token-major, as a projection writes it): x (batch·L rows, read at
     * x[row · xStride + xOffset + c]: in place inside in_proj's output, e.g. Mamba-1's x half of
     * (batch·L, 2·dInner) with xStride 2·dInner, xOffset 0, or Mamba-2's xBC), out (batch, L,
     * channels) contiguous; no transposes or copies needed. 2-D launch: global (ceil(channels/local)·local, batch·L), local
     * (local, 1). x = channel (coalesced), y = b·L + t. The item at t = L−1 writes the state.
     */
    @Kernel
    public static void convPrefillChannelsLast(KernelContext ctx, FloatArray x, int xStride, int xOffset,
                                               FloatArray weight, FloatArray bias, FloatArray out, FloatArray convState, int channels, int seqLen,
                                               int hasBias, int applySilu, @Constant int width) {
        int c = ctx.globalIdx;
        int bt = ctx.globalIdy;
        if (c >= channels) {
            return;
        }
        int b = bt / seqLen;
        int t = bt - b * seqLen;
        int batchBase = b * seqLen;
        float[] w = new float[width];
        for (int j = 0; j < width; j++) {
            w[j] = weight.get(c * width + j);
        }
        float acc = hasBias != 0 ? bias.get(c) : 0.0f;
        for (int j = 0; j < width; j++) {
            int src = t - width + 1 + j;
            if (src >= 0) {
                acc = Math.fma(w[j], x.get((batchBase + src) * xStride + xOffset + c), acc);
            }
        }
        out.set(bt * channels + c, applySilu != 0 ? ActivationKernels.silu(acc) : acc);
        if (t == seqLen - 1) {
            for (int s = 0; s < width - 1; s++) {
                int src = seqLen - (width - 1) + s;
                convState.set((b * channels + c) * (width - 1) + s,
                        src >= 0 ? x.get((batchBase + src) * xStride + xOffset + c) : 0.0f);
            }
        }
    }

    /**
     * Decode: one new input per channel. state (batch, channels, K−1) in/out, x read at
     * x[b · xStride + xOffset + c] (in place in the projection's output row; xStride = channels,
     * xOffset = 0 when contiguous), out (batch, channels). The window [state…, x] sits in registers; out = act(bias + w·window), then
     * the state becomes window[1..K). 1-D launch over n = batch·channels items.
     * HBM: (K−1) floats read and written per channel plus x and out: purely bandwidth-bound.
     */
    @Kernel
    public static void convDecodeStep(KernelContext ctx, FloatArray convState, FloatArray x, int xStride,
                                      int xOffset, FloatArray weight,
                                      FloatArray bias, FloatArray out, int n, int channels, int hasBias,
                                      int applySilu, @Constant int width) {
        int bc = ctx.globalIdx;
        if (bc >= n) {
            return;
        }
        int c = bc % channels;
        float[] window = new float[width];
        for (int j = 0; j < width - 1; j++) {
            window[j] = convState.get(bc * (width - 1) + j);
        }
        window[width - 1] = x.get((bc / channels) * xStride + xOffset + c);
        float acc = hasBias != 0 ? bias.get(c) : 0.0f;
        for (int j = 0; j < width; j++) {
            acc = Math.fma(weight.get(c * width + j), window[j], acc);
        }
        for (int j = 0; j < width - 1; j++) {
            convState.set(bc * (width - 1) + j, window[j + 1]);
        }
        out.set(bc, applySilu != 0 ? ActivationKernels.silu(acc) : acc);
    }
}
