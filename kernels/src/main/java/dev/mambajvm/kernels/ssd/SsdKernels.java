package dev.mambajvm.kernels.ssd;

import dev.mambajvm.kernels.scan.SelectiveScanKernels;
import dev.mambajvm.lang.Constant;
import dev.mambajvm.lang.FloatArray;
import dev.mambajvm.lang.Kernel;
import dev.mambajvm.lang.KernelContext;
import dev.mambajvm.lang.KernelMath;

/**
 * The Mamba-2 SSD (state space duality) scan: prefill in the chunked matrix form, and the decode step.
 * Per sequence b and head h (head dimension P = headDim, state size N = dState, head h reads the
 * B and C of group g = h / (nHeads / nGroups)):
 * <pre>
 *   dt_t   = clamp(softplus(dtRaw[t, h] + dtBias[h]), dtMin, dtMax)
 *   A      = −exp(A_log[h])                                   (one scalar per head)
 *   S_t    = exp(dt_t·A) · S_{t−1} + dt_t · x_t ⊗ B_t[g]        (S: P × N)
 *   y_t[p] = Σ_n C_t[g, n] · S_t[p, n] + D[h] · x_t[p]
 * </pre>
 * Gating by z and the gated RMSNorm are a separate kernel ({@code RmsNorm.gatedRmsNorm}).
 *
 * <p><b>Layout.</b> Token-major, as Mamba-2's in_proj and conv produce it, read in place:
 * xBC (batch·L, nHeads·P + 2·G·N) holds x (columns [0, nHeads·P)), B (next G·N), C (next G·N);
 * dtRaw is read at {@code dtRaw[row · dtStride + dtOffset + h]} (a slice of in_proj's output);
 * y (batch·L, nHeads·P). States are (batch, nHeads, P, N), row-major, n fastest.
 *
 * <p><b>Prefill: four kernels</b> (the SSD algorithm of Mamba-2, {@code ssd_combined.py}). Because
 * A is a scalar per head, the decay from token s to token t in the same chunk is
 * exp(A·(cum_t − cum_s)) with cum the running sum of dt inside the chunk, and the scan over a
 * chunk of Q = chunk tokens becomes matrix products:
 * <ol>
 *   <li>{@link #chunkCumsum}: dt_t and cum_t = A · Σ_{s ≤ t in chunk} dt_s (stored × log2 e), per
 *       (b, h, chunk);</li>
 *   <li>{@link #chunkStates}: each chunk's end state from zero,
 *       Σ_t exp(cum_end − cum_t)·dt_t·x_t ⊗ B_t: a (P × Q)·(Q × N) product per (b, h, chunk);</li>
 *   <li>{@link #statePassing}: the true state at each chunk start, sequentially over chunks
 *       (nChunks steps per state element, cheap), and the final state;</li>
 *   <li>{@link #chunkOutputs}: y = the masked "attention" inside the chunk,
 *       Σ_{s ≤ t} (C_t·B_s)·exp(cum_t − cum_s)·dt_s·x_s, plus the chunk start state seen through C,
 *       exp(cum_t)·C_t·S_start, plus D·x.</li>
 * </ol>
 * The (L × P × N) tensor of per-token states never exists; what crosses HBM besides the inputs and
 * y is one P × N state per chunk (written by 2, rewritten by 3, read by 4).
 */
public final class SsdKernels {
    private SsdKernels() {
    }

    /** log2(e): decays are computed as exp2 of log2-scaled cumulative sums (one SFU instruction). */
    static final float LOG2E = 1.442695f;

    /**
     * Work-items per group of {@link #chunkStates} and {@link #chunkOutputs}: 4 warps. Enough items to
     * load a 16-token tile of x, B and C in one or two coalesced rounds; small enough that P·N / 128
     * accumulators per item (64 at P = 64, N = 128) stay in registers.
     */
    public static final int LOCAL = 128;

    /**
     * Tokens per tile. Chunks (16..256, multiples of 16) are processed in tiles of 16 tokens so local
     * memory does not grow with the chunk: the (Q × Q) attention matrix of a 256-token chunk would
     * need 256 KiB. A 16 × 16 score tile is 1 KiB; a 16-token tile of B or C is 16·(N+1) floats
     * (8.3 KiB at N = 128), of x 16·P floats (4 KiB at P = 64).
     */
    public static final int TILE = 16;

    /**
     * Step 1. dt (batch, nHeads, L) = clamp(softplus(dtRaw + dtBias)); cum (batch, nHeads, L) =
     * log2(e)·A·(inclusive sum of dt inside the token's chunk). One work-item per (b, chunk, h), head
     * fastest (so the dtRaw reads of a warp are consecutive), walking the chunk's tokens in order.
     * Grid: batch · nChunks · nHeads items, any group size. HBM: reads dtRaw once, writes 8 bytes per
     * (token, head).
     */
    @Kernel
    public static void chunkCumsum(KernelContext ctx, FloatArray dtRaw, int dtStride, int dtOffset, FloatArray dtBias,
                                   FloatArray aLog, float dtMin, float dtMax, FloatArray dt, FloatArray cum,
                                   int batch, int seqLen, int nHeads, @Constant int chunk) {
        int nChunks = (seqLen + chunk - 1) / chunk;
        int gid = ctx.globalIdx;
        if (gid >= batch * nChunks * nHeads) {
            return;
        }
        int h = gid % nHeads;
        int c = (gid / nHeads) % nChunks;
        int b = gid / (nHeads * nChunks);
        float a = -KernelMath.exp(aLog.get(h)) * LOG2E;
        float bias = dtBias.get(h);
        int t0 = c * chunk;
        int t1 = Math.min(t0 + chunk, seqLen);
        int out = (b * nHeads + h) * seqLen;
        float sum = 0.0f;
        for (int t = t0; t < t1; t++) {
            float d = SelectiveScanKernels.softplus(dtRaw.get((b * seqLen + t) * dtStride + dtOffset + h) + bias);
            d = Math.min(Math.max(d, dtMin), dtMax);
            sum += d * a;
            dt.set(out + t, d);
            cum.set(out + t, sum);
        }
    }

    /**
     * Step 2. states (batch, nHeads, nChunks, P, N): the state at the end of each chunk when the chunk
     * starts from zero, Σ_t exp(cum_end − cum_t)·dt_t·x_t[p]·B_t[n]. One group of {@link #LOCAL}
     * items per (b, h, chunk): global batch · nHeads · nChunks · LOCAL, local LOCAL.
     *
     * <p>HBM: x and B of the chunk are read once per head (B is shared by the heads of a group: the
     * later heads find it in L2), the P × N result is written once. Per 16-token tile the group
     * stages w_t·x_t (16 × P, already scaled by the decay and dt) and B_t (16 × N) in local memory;
     * each item owns ⌈P·N / 128⌉ output elements (p, n) in registers, element o = lid + k·128, so a
     * warp writes 32 consecutive floats of the state and reads consecutive B words (no bank conflict).
     */
    @Kernel
    public static void chunkStates(KernelContext ctx, FloatArray xbc, FloatArray dt, FloatArray cum, FloatArray states,
                                   int batch, int seqLen, int nHeads, int nGroups,
                                   @Constant int headDim, @Constant int dState, @Constant int chunk) {
        float[] xs = ctx.allocateFloatLocalArray(TILE * headDim);
        float[] bs = ctx.allocateFloatLocalArray(TILE * dState);
        float[] acc = new float[(headDim * dState + LOCAL - 1) / LOCAL];
        int nChunks = (seqLen + chunk - 1) / chunk;
        int lid = ctx.localIdx;
        int grp = ctx.groupIdx;
        int c = grp % nChunks;
        int h = (grp / nChunks) % nHeads;
        int b = grp / (nChunks * nHeads);
        int g = h / (nHeads / nGroups);
        int stride = nHeads * headDim + 2 * nGroups * dState;
        int xCol = h * headDim;
        int bCol = nHeads * headDim + g * dState;
        int hl = (b * nHeads + h) * seqLen;
        int t0 = c * chunk;
        int t1 = Math.min(t0 + chunk, seqLen);
        float cumEnd = cum.get(hl + t1 - 1);
        for (int tt = t0; tt < t1; tt += TILE) {
            for (int i = lid; i < TILE * headDim; i += LOCAL) {
                int t = tt + i / headDim;
                float v = 0.0f;
                if (t < t1) {
                    float w = KernelMath.exp2(cumEnd - cum.get(hl + t)) * dt.get(hl + t);
                    v = w * xbc.get((b * seqLen + t) * stride + xCol + i % headDim);
                }
                xs[i] = v;
            }
            for (int i = lid; i < TILE * dState; i += LOCAL) {
                int t = tt + i / dState;
                bs[i] = t < t1 ? xbc.get((b * seqLen + t) * stride + bCol + i % dState) : 0.0f;
            }
            ctx.localBarrier();
            for (int k = 0; k < (headDim * dState + LOCAL - 1) / LOCAL; k++) {
                int o = lid + k * LOCAL;
                if (o < headDim * dState) {
                    int p = o / dState;
                    int n = o % dState;
                    float s = acc[k];
                    for (int j = 0; j < TILE; j++) {
                        s = Math.fma(xs[j * headDim + p], bs[j * dState + n], s);
                    }
                    acc[k] = s;
                }
            }
            ctx.localBarrier();
        }
        int out = ((b * nHeads + h) * nChunks + c) * headDim * dState;
        for (int k = 0; k < (headDim * dState + LOCAL - 1) / LOCAL; k++) {
            int o = lid + k * LOCAL;
            if (o < headDim * dState) {
                states.set(out + o, acc[k]);
            }
        }
    }

    /**
     * Step 3, in place: states[b, h, c] becomes the state chunk c starts from (zero for the first
     * chunk), finalState (batch, nHeads, P, N) the state after the last token:
     * S_start(c+1) = exp(cum_end(c))·S_start(c) + S_local(c). One work-item per state element
     * (b, h, p, n), element fastest (coalesced), walking the chunks in order: 2 · nChunks · 4 bytes
     * per element, no reuse to exploit. Grid: batch · nHeads · P · N items, any group size.
     */
    @Kernel
    public static void statePassing(KernelContext ctx, FloatArray cum, FloatArray states, FloatArray finalState,
                                    int batch, int seqLen, int nHeads,
                                    @Constant int headDim, @Constant int dState, @Constant int chunk) {
        int nChunks = (seqLen + chunk - 1) / chunk;
        int gid = ctx.globalIdx;
        if (gid >= batch * nHeads * headDim * dState) {
            return;
        }
        int e = gid % (headDim * dState);
        int bh = gid / (headDim * dState);
        float s = 0.0f;
        for (int c = 0; c < nChunks; c++) {
            int at = (bh * nChunks + c) * headDim * dState + e;
            float local = states.get(at);
            states.set(at, s);
            int end = Math.min(c * chunk + chunk, seqLen) - 1;
            s = Math.fma(KernelMath.exp2(cum.get(bh * seqLen + end)), s, local);
        }
        finalState.set(gid, s);
    }

    /**
     * Step 4. y (batch·L, nHeads·P) for a 16-token tile of one chunk of one head. One group of
     * {@link #LOCAL} items per (b, h, chunk, tile): global batch · nHeads · nChunks · (chunk / 16) · LOCAL,
     * local LOCAL (tiles past the end of the sequence return at once). Each item owns ⌈16·P / 128⌉
     * outputs (t, p), o = lid + k·128 (a warp writes consecutive p of a token: coalesced), in registers.
     *
     * <p>Local memory, all of it reused across the loop: cs = C of the 16 output tokens (16 × N, row
     * stride N + 1 so that the score loop, where neighbouring items read different rows, is free of
     * bank conflicts), bs = B of 16 source tokens (same shape), xs = dt_s·x_s of 16 source tokens
     * (16 × P; first used for 16-column slices of the chunk start state), sc = the 16 × 16 masked,
     * decayed score tile. 21.6 KiB at P = 64, N = 128.
     *
     * <p>HBM: C and x of the tile once; the chunk start state (P × N) once per tile (the 16 tiles of a
     * chunk share it through L2); B and x of every source tile s ≤ t (on average (chunk/16 + 1)/2
     * source tiles per output tile; after the first head of a group, B comes from L2).
     */
    @Kernel
    public static void chunkOutputs(KernelContext ctx, FloatArray xbc, FloatArray dt, FloatArray cum, FloatArray dSkip,
                                    FloatArray states, FloatArray y, int batch, int seqLen, int nHeads, int nGroups,
                                    @Constant int headDim, @Constant int dState, @Constant int chunk) {
        float[] cs = ctx.allocateFloatLocalArray(TILE * (dState + 1));
        float[] bs = ctx.allocateFloatLocalArray(TILE * (dState + 1));
        float[] xs = ctx.allocateFloatLocalArray(TILE * headDim);
        float[] sc = ctx.allocateFloatLocalArray(TILE * TILE);
        float[] acc = new float[(TILE * headDim + LOCAL - 1) / LOCAL];
        int nChunks = (seqLen + chunk - 1) / chunk;
        int tiles = chunk / TILE;
        int lid = ctx.localIdx;
        int grp = ctx.groupIdx;
        int tile = grp % tiles;
        int c = (grp / tiles) % nChunks;
        int h = (grp / (tiles * nChunks)) % nHeads;
        int b = grp / (tiles * nChunks * nHeads);
        int t0 = c * chunk + tile * TILE;
        if (t0 >= seqLen) {
            return;
        }
        int g = h / (nHeads / nGroups);
        int stride = nHeads * headDim + 2 * nGroups * dState;
        int xCol = h * headDim;
        int bCol = nHeads * headDim + g * dState;
        int cCol = bCol + nGroups * dState;
        int hl = (b * nHeads + h) * seqLen;
        int stateBase = ((b * nHeads + h) * nChunks + c) * headDim * dState;

        // C of the 16 output tokens, zero past the end of the sequence.
        for (int i = lid; i < TILE * dState; i += LOCAL) {
            int t = t0 + i / dState;
            cs[(i / dState) * (dState + 1) + i % dState] =
                    t < seqLen ? xbc.get((b * seqLen + t) * stride + cCol + i % dState) : 0.0f;
        }
        // Inter-chunk part: Σ_n C_t[n]·S_start[p, n], over 16-column slices of the state staged in xs.
        for (int n0 = 0; n0 < dState; n0 += TILE) {
            ctx.localBarrier();
            for (int i = lid; i < TILE * headDim; i += LOCAL) {
                int p = i / TILE;
                int j = i % TILE;
                xs[j * headDim + p] = n0 + j < dState ? states.get(stateBase + p * dState + n0 + j) : 0.0f;
            }
            ctx.localBarrier();
            for (int k = 0; k < (TILE * headDim + LOCAL - 1) / LOCAL; k++) {
                int o = lid + k * LOCAL;
                if (o < TILE * headDim) {
                    int t = o / headDim;
                    int p = o % headDim;
                    float s = acc[k];
                    for (int j = 0; j < TILE; j++) {
                        if (n0 + j < dState) {
                            s = Math.fma(cs[t * (dState + 1) + n0 + j], xs[j * headDim + p], s);
                        }
                    }
                    acc[k] = s;
                }
            }
        }
        // The state reaches token t decayed by exp(cum_t) (cum restarts at each chunk).
        for (int k = 0; k < (TILE * headDim + LOCAL - 1) / LOCAL; k++) {
            int o = lid + k * LOCAL;
            int t = t0 + o / headDim;
            if (o < TILE * headDim && t < seqLen) {
                acc[k] = acc[k] * KernelMath.exp2(cum.get(hl + t));
            }
        }
        // Intra-chunk part: source tiles from the chunk start up to and including this tile.
        for (int s0 = c * chunk; s0 <= t0; s0 += TILE) {
            ctx.localBarrier();
            for (int i = lid; i < TILE * dState; i += LOCAL) {
                int s = s0 + i / dState;
                bs[(i / dState) * (dState + 1) + i % dState] =
                        s < seqLen ? xbc.get((b * seqLen + s) * stride + bCol + i % dState) : 0.0f;
            }
            for (int i = lid; i < TILE * headDim; i += LOCAL) {
                int s = s0 + i / headDim;
                xs[i] = s < seqLen ? dt.get(hl + s) * xbc.get((b * seqLen + s) * stride + xCol + i % headDim) : 0.0f;
            }
            ctx.localBarrier();
            for (int i = lid; i < TILE * TILE; i += LOCAL) {
                int t = t0 + i / TILE;
                int s = s0 + i % TILE;
                float v = 0.0f;
                if (s <= t && t < seqLen) {
                    int ct = (i / TILE) * (dState + 1);
                    int bt = (i % TILE) * (dState + 1);
                    for (int n = 0; n < dState; n++) {
                        v = Math.fma(cs[ct + n], bs[bt + n], v);
                    }
                    v = v * KernelMath.exp2(cum.get(hl + t) - cum.get(hl + s));
                }
                sc[i] = v;
            }
            ctx.localBarrier();
            for (int k = 0; k < (TILE * headDim + LOCAL - 1) / LOCAL; k++) {
                int o = lid + k * LOCAL;
                if (o < TILE * headDim) {
                    int t = o / headDim;
                    int p = o % headDim;
                    float s = acc[k];
                    for (int j = 0; j < TILE; j++) {
                        s = Math.fma(sc[t * TILE + j], xs[j * headDim + p], s);
                    }
                    acc[k] = s;
                }
            }
        }
        float d = dSkip.get(h);
        for (int k = 0; k < (TILE * headDim + LOCAL - 1) / LOCAL; k++) {
            int o = lid + k * LOCAL;
            int t = t0 + o / headDim;
            if (o < TILE * headDim && t < seqLen) {
                int row = b * seqLen + t;
                float x = xbc.get(row * stride + xCol + o % headDim);
                y.set(row * nHeads * headDim + xCol + o % headDim, Math.fma(d, x, acc[k]));
            }
        }
    }

    /**
     * The decode step, one token per sequence: state (batch, nHeads, P, N) updated in place, y (batch,
     * nHeads·P). xbc (batch, nHeads·P + 2·G·N) and dtRaw (batch rows of dtStride) as in prefill with
     * one row per sequence. One work-item per (b, h, p), p fastest, its N states walked in a loop
     * (read once, written once: the minimum traffic; a warp's loads are N floats apart, so each
     * load instruction touches 32 lines that the next N − 1 iterations find in L1). dt and the decay
     * exp(dt·A) are computed once per item (P-fold redundant, a few instructions).
     * Grid: batch · nHeads · P items, any group size.
     */
    @Kernel
    public static void stateStep(KernelContext ctx, FloatArray xbc, FloatArray dtRaw, int dtStride, int dtOffset,
                                 FloatArray dtBias, FloatArray aLog, FloatArray dSkip, float dtMin, float dtMax,
                                 FloatArray state, FloatArray y, int batch, int nHeads, int nGroups,
                                 @Constant int headDim, @Constant int dState) {
        int gid = ctx.globalIdx;
        if (gid >= batch * nHeads * headDim) {
            return;
        }
        int p = gid % headDim;
        int h = (gid / headDim) % nHeads;
        int b = gid / (headDim * nHeads);
        int g = h / (nHeads / nGroups);
        int stride = nHeads * headDim + 2 * nGroups * dState;
        int bCol = b * stride + nHeads * headDim + g * dState;
        int cCol = bCol + nGroups * dState;
        float d = SelectiveScanKernels.softplus(dtRaw.get(b * dtStride + dtOffset + h) + dtBias.get(h));
        d = Math.min(Math.max(d, dtMin), dtMax);
        float decay = KernelMath.exp2(-KernelMath.exp(aLog.get(h)) * LOG2E * d);
        float x = xbc.get(b * stride + h * headDim + p);
        float dx = d * x;
        float acc = 0.0f;
        for (int n = 0; n < dState; n++) {
            float s = Math.fma(decay, state.get(gid * dState + n), dx * xbc.get(bCol + n));
            state.set(gid * dState + n, s);
            acc = Math.fma(xbc.get(cCol + n), s, acc);
        }
        y.set(gid, Math.fma(dSkip.get(h), x, acc));
    }
}
