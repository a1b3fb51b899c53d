package dev.mambajvm.kernels.ssd;

import dev.mambajvm.kernels.mamba.StorageType;
import dev.mambajvm.kernels.scan.SelectiveScanKernels;
import dev.mambajvm.lang.BFloat16Array;
import dev.mambajvm.lang.Constant;
import dev.mambajvm.lang.FloatArray;
import dev.mambajvm.lang.HalfArray;
import dev.mambajvm.lang.Kernel;
import dev.mambajvm.lang.KernelContext;
import dev.mambajvm.lang.KernelMath;
import dev.mambajvm.lang.Unroll;

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
 * <p><b>Storage types.</b> The prefill kernels read xBC and dtRaw, and write y, in the storage
 * type {@code ioType} ({@code mamba.StorageType}: f32, f16 or bf16, one array slot per type), as
 * Mamba-2's kernels take bf16 activations: 16-bit values are widened as they are loaded (into
 * registers or the local-memory tiles), y is rounded to nearest even on store. Everything else is
 * float32: dtBias, A_log, D, the arithmetic, the dt / cum / chunk-state / score scratch and the
 * final state. The decode step {@link #stateStep} reads and writes float32.
 *
 * <p><b>Prefill: four steps, five kernels</b> (the SSD algorithm of Mamba-2, {@code ssd_combined.py}). Because
 * A is a scalar per head, the decay from token s to token t in the same chunk is
 * exp(A·(cum_t − cum_s)) with cum the running sum of dt inside the chunk, and the scan over a
 * chunk of Q = chunk tokens becomes matrix products:
 * <ol>
 *   <li>{@link #chunkCumsum}: dt_t and the running sums of dt·A (stored × log2 e), per
 *       (b, h, chunk);</li>
 *   <li>{@link #chunkStates}: each chunk's end state from zero,
 *       Σ_t exp(cum_end − cum_t)·dt_t·x_t ⊗ B_t: a (P × Q)·(Q × N) product per (b, h, chunk);</li>
 *   <li>{@link #statePassing}: the true state at each chunk start, sequentially over chunks
 *       (nChunks steps per state element, cheap), and the final state;</li>
 *   <li>{@link #chunkScores}: C_t·B_s for the token pairs of a chunk, once per group of heads;</li>
 *   <li>{@link #chunkOutputs}: y = the masked "attention" inside the chunk,
 *       Σ_{s ≤ t} (C_t·B_s)·exp(cum_t − cum_s)·dt_s·x_s, plus the chunk start state seen through C,
 *       exp(cum_t)·C_t·S_start, plus D·x.</li>
 * </ol>
 * <b>Precision of the decays.</b> cum_t − cum_s is a difference of two sums that grow along the
 * chunk (to ~ −3000 in log2 units at Q = 256 with strong decays), while the decays that matter have
 * |cum_t − cum_s| of at most a few tens: a float32 difference of the chunk-wide sums loses
 * ulp(|cum|) ≈ 2.4e-4 absolute, i.e. a relative error of ~1.7e-4 in exactly the terms that
 * dominate y (measured: the error of y grew linearly with the chunk, 4.7e-6 at 256). So the sums
 * restart every 16-token tile: cum_t = Σ dt·A from the tile's start to t (≤ 16 terms), and a
 * decay between tiles is (cum_t − cum_s) + the sum of the whole-tile totals in between, added up
 * fresh (tile by tile, walking backwards) by whoever needs it. Every exponent is then accurate
 * relative to its own size, as in the stable {@code segsum} of Mamba-2's reference code.
 *
 * <p>The (L × P × N) tensor of per-token states never exists; what crosses HBM besides the inputs and
 * y is one P × N state per chunk (written by 2, rewritten by 3, read by 4b) and the Q × Q scores of
 * each chunk per group (4a → 4b).
 */
public final class SsdKernels {
    private SsdKernels() {
    }

    /** log2(e): decays are computed as exp2 of log2-scaled cumulative sums (one SFU instruction). */
    static final float LOG2E = 1.442695f;

    /**
     * Work-items per group of {@link #chunkStates} and {@link #chunkOutputs}: 4 warps, seen as a
     * {@link #TX} × {@link #TY} grid (tx = lid % 16 fastest). Enough items to load a 16-token tile of
     * x, B and C in a few coalesced rounds; few enough that each owns a register tile of outputs
     * (64 accumulators in chunkStates at P = 64, N = 128) without spilling.
     */
    public static final int LOCAL = 128;
    /** Columns of the item grid: along N in chunkStates, along P in chunkOutputs (16 consecutive floats). */
    public static final int TX = 16;
    /** Rows of the item grid: along P in chunkStates, along tokens in chunkOutputs. */
    public static final int TY = 8;

    /**
     * Tokens per tile. Chunks (16..256, multiples of 16) are processed in tiles of 16 tokens so local
     * memory does not grow with the chunk: the (Q × Q) attention matrix of a 256-token chunk would
     * need 256 KiB. A 16 × 16 score tile is 1 KiB; a 16-token tile of B or C is 16·(N+1) floats
     * (8.3 KiB at N = 128), of x 16·P floats (4 KiB at P = 64).
     */
    public static final int TILE = 16;

    /** State elements per work-item of {@link #statePassing}. */
    public static final int PASSING_ELEMENTS = 4;

    /**
     * Step 1. dt (batch, nHeads, L) = clamp(softplus(dtRaw + dtBias), dtMin, dtMax); cum (batch, nHeads, L)
     * = log2(e)·A·(inclusive sum of dt inside the token's 16-token tile; tiles start at multiples of
     * 16, so cum at a tile's last token is that tile's total: see "Precision" above). Because the
     * sums restart every tile, the tiles are independent: one work-item per (b, tile, h), head
     * fastest (a warp reads consecutive heads of a row: coalesced). Its 16 raw values are loaded
     * first into a private array (registers), all in flight at once, then summed in order. (Before,
     * one item per (b, chunk, h) walked the chunk's tiles: 20k items at mamba2-2.7b's L 32768, 0.18 ms
     * for 26 MB on an H100. This version has 8× the items and was no faster, 0.17–0.20 ms
     * (docs/performance.md): what costs is elsewhere, most likely the stores, where the 32 lanes of
     * a warp write 32 rows L floats apart.) Grid: batch · ⌈L/16⌉ · nHeads items, any group size.
     * HBM: reads the dt slice of in_proj's output once (bytes(ioType) per (token, head)), writes 8
     * bytes per (token, head).
     */
    @Kernel
    public static void chunkCumsum(KernelContext ctx, FloatArray dtRaw, HalfArray dtRawF16, BFloat16Array dtRawBf16,
                                   int dtStride, int dtOffset, FloatArray dtBias,
                                   FloatArray aLog, float dtMin, float dtMax, FloatArray dt, FloatArray cum,
                                   int batch, int seqLen, int nHeads, @Constant int ioType) {
        float[] raw = new float[TILE];
        int nTiles = (seqLen + TILE - 1) / TILE;
        int gid = ctx.globalIdx;
        if (gid >= batch * nTiles * nHeads) {
            return;
        }
        int h = gid % nHeads;
        int tt = ((gid / nHeads) % nTiles) * TILE;
        int b = gid / (nHeads * nTiles);
        float a = -KernelMath.exp(aLog.get(h)) * LOG2E;
        float bias = dtBias.get(h);
        int out = (b * nHeads + h) * seqLen;
        for (@Unroll int j = 0; j < TILE; j++) {
            raw[j] = tt + j < seqLen
                    ? StorageType.load(dtRaw, dtRawF16, dtRawBf16, ioType, (b * seqLen + tt + j) * dtStride + dtOffset + h)
                    : 0.0f;
        }
        float sum = 0.0f;
        for (@Unroll int j = 0; j < TILE; j++) {
            if (tt + j < seqLen) {
                float d = SelectiveScanKernels.softplus(raw[j] + bias);
                d = Math.min(Math.max(d, dtMin), dtMax);
                sum = Math.fma(d, a, sum);
                dt.set(out + tt + j, d);
                cum.set(out + tt + j, sum);
            }
        }
    }

    /**
     * Step 2. states (batch, nHeads, nChunks, P, N): the state at the end of each chunk when the chunk
     * starts from zero, Σ_t exp(cum_end − cum_t)·dt_t·x_t[p]·B_t[n], a (P × Q)·(Q × N) product. One
     * group of {@link #LOCAL} items per (b, h, chunk): global batch · nHeads · nChunks · LOCAL, local LOCAL.
     *
     * <p>HBM: x and B of the chunk are read once per head (B is shared by the heads of a group: the
     * later heads find it in L2), the P × N result is written once. Per 16-token tile the group
     * stages w_t·x_t (16 × P, already scaled by the decay w_t = exp(cum_end − cum_t)·dt_t; the tiles
     * are walked from the chunk's end backwards, so the decay over the later tiles is a running
     * sum of tile totals) and B_t
     * (16 × N) in local memory, zero-padded to whole multiples of the item layout (12 KiB at
     * P = 64, N = 128). The items form a 16 (n) × 8 (p) grid; each owns a register tile of
     * ⌈P/8⌉ × ⌈N/16⌉ outputs, p = ty + 8·i, n = tx + 16·j (8 × 8 = 64 accumulators at P = 64,
     * N = 128): per token it reads 8 + 8 floats from local memory for 64 FMAs (a warp reads 2
     * distinct x words and 16 consecutive B words: broadcasts, no bank conflicts).
     */
    @Kernel
    public static void chunkStates(KernelContext ctx, FloatArray xbc, HalfArray xbcF16, BFloat16Array xbcBf16,
                                   FloatArray dt, FloatArray cum, FloatArray states,
                                   int batch, int seqLen, int nHeads, int nGroups,
                                   @Constant int headDim, @Constant int dState, @Constant int chunk,
                                   @Constant int ioType) {
        float[] xs = ctx.allocateFloatLocalArray(TILE * ((headDim + TY - 1) / TY) * TY);
        float[] bs = ctx.allocateFloatLocalArray(TILE * ((dState + TX - 1) / TX) * TX);
        float[] acc = new float[((headDim + TY - 1) / TY) * ((dState + TX - 1) / TX)];
        float[] xv = new float[(headDim + TY - 1) / TY];
        float[] bv = new float[(dState + TX - 1) / TX];
        int rp = (headDim + TY - 1) / TY;
        int rn = (dState + TX - 1) / TX;
        int pp = rp * TY;
        int nn = rn * TX;
        int nChunks = (seqLen + chunk - 1) / chunk;
        int lid = ctx.localIdx;
        int tx = lid % TX;
        int ty = lid / TX;
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
        // log2 decay from the end of tile tt to the end of the chunk: the totals of the later tiles.
        float later = 0.0f;
        for (int tt = t0 + ((t1 - 1 - t0) / TILE) * TILE; tt >= t0; tt -= TILE) {
            float tileEnd = cum.get(hl + Math.min(tt + TILE, t1) - 1) + later;
            for (int i = lid; i < TILE * pp; i += LOCAL) {
                int t = tt + i / pp;
                int p = i % pp;
                float v = 0.0f;
                if (t < t1 && p < headDim) {
                    float w = KernelMath.exp2(tileEnd - cum.get(hl + t)) * dt.get(hl + t);
                    v = w * StorageType.load(xbc, xbcF16, xbcBf16, ioType, (b * seqLen + t) * stride + xCol + p);
                }
                xs[i] = v;
            }
            for (int i = lid; i < TILE * nn; i += LOCAL) {
                int t = tt + i / nn;
                int n = i % nn;
                bs[i] = t < t1 && n < dState
                        ? StorageType.load(xbc, xbcF16, xbcBf16, ioType, (b * seqLen + t) * stride + bCol + n) : 0.0f;
            }
            ctx.localBarrier();
            for (int j = 0; j < TILE; j++) {
                for (int r = 0; r < rp; r++) {
                    xv[r] = xs[j * pp + ty + TY * r];
                }
                for (int q = 0; q < rn; q++) {
                    bv[q] = bs[j * nn + tx + TX * q];
                }
                for (int r = 0; r < rp; r++) {
                    for (int q = 0; q < rn; q++) {
                        acc[r * rn + q] = Math.fma(xv[r], bv[q], acc[r * rn + q]);
                    }
                }
            }
            ctx.localBarrier();
            later = tileEnd;
        }
        int out = ((b * nHeads + h) * nChunks + c) * headDim * dState;
        for (int r = 0; r < rp; r++) {
            for (int q = 0; q < rn; q++) {
                int p = ty + TY * r;
                int n = tx + TX * q;
                if (p < headDim && n < dState) {
                    states.set(out + p * dState + n, acc[r * rn + q]);
                }
            }
        }
    }

    /**
     * Step 3, in place: states[b, h, c] becomes the state chunk c starts from, finalState (batch,
     * nHeads, P, N) the state after the last token. The first chunk starts from initialState (batch,
     * nHeads, P, N) when hasInitialState ≠ 0 (continuing a cached state: a long prompt prefilled in
     * pieces), else from zero (initialState is then not read). initialState may be finalState: each
     * item reads its element before it writes it.
     * S_start(c+1) = exp(Σ_chunk dt·A)·S_start(c) + S_local(c), the exponent summed from the chunk's
     * tile totals (up to 16 broadcast loads). One work-item per {@link #PASSING_ELEMENTS} state
     * elements of one (b, h): e, e + q, e + 2q, e + 3q with q = ⌈P·N/4⌉ (so each of its loads is
     * coalesced across a warp), walking the chunks in order: 2 · nChunks · 4 bytes per element, no
     * reuse to exploit. The walk loads {@code SelectiveScanKernels.CARRY_BATCH} chunks ahead: one
     * memory round trip per chunk cost 5.5 of the 17.5 ms of mamba2-2.7b's shape at L 32768 on an
     * H100 (chunk 256; 17.8 ms at chunk 64). Why 4 elements per item: the chunk totals (chunk/16
     * loads and adds per chunk) are summed once for 4 elements instead of for each, and each item has
     * 4 × 8 loads in flight. Measured at mamba2-2.7b's shape on an H100: 0.87 → 0.66 ms at chunk
     * 128, 0.75 → 0.45 ms at chunk 256 (docs/performance.md). Grid: batch · nHeads · ⌈P·N/4⌉
     * items, any group size.
     */
    @Kernel
    public static void statePassing(KernelContext ctx, FloatArray cum, FloatArray states, FloatArray initialState,
                                    int hasInitialState, FloatArray finalState, int batch, int seqLen, int nHeads,
                                    @Constant int headDim, @Constant int dState, @Constant int chunk) {
        int nChunks = (seqLen + chunk - 1) / chunk;
        int quarter = (headDim * dState + PASSING_ELEMENTS - 1) / PASSING_ELEMENTS;
        int gid = ctx.globalIdx;
        if (gid >= batch * nHeads * quarter) {
            return;
        }
        int bh = gid / quarter;
        int e0 = gid % quarter;
        float[] local = new float[SelectiveScanKernels.CARRY_BATCH * PASSING_ELEMENTS];
        float[] total = new float[SelectiveScanKernels.CARRY_BATCH];
        float[] s = new float[PASSING_ELEMENTS];
        for (@Unroll int k = 0; k < PASSING_ELEMENTS; k++) {
            int e = e0 + k * quarter;
            s[k] = hasInitialState != 0 && e < headDim * dState ? initialState.get(bh * headDim * dState + e) : 0.0f;
        }
        for (int c0 = 0; c0 < nChunks; c0 += SelectiveScanKernels.CARRY_BATCH) {
            // The next CARRY_BATCH chunks' loads first, all in flight at once (as in the Mamba-1 chunkCarry).
            for (@Unroll int j = 0; j < SelectiveScanKernels.CARRY_BATCH; j++) {
                int c = Math.min(c0 + j, nChunks - 1);
                for (@Unroll int k = 0; k < PASSING_ELEMENTS; k++) {
                    int e = e0 + k * quarter;
                    local[j * PASSING_ELEMENTS + k] = e < headDim * dState
                            ? states.get((bh * nChunks + c) * headDim * dState + e) : 0.0f;
                }
                int end = Math.min(c * chunk + chunk, seqLen);
                float sum = 0.0f;
                for (int tt = c * chunk; tt < end; tt += TILE) {
                    sum += cum.get(bh * seqLen + Math.min(tt + TILE, end) - 1);
                }
                total[j] = sum;
            }
            for (@Unroll int j = 0; j < SelectiveScanKernels.CARRY_BATCH; j++) {
                if (c0 + j < nChunks) {
                    float decay = KernelMath.exp2(total[j]);
                    for (@Unroll int k = 0; k < PASSING_ELEMENTS; k++) {
                        int e = e0 + k * quarter;
                        if (e < headDim * dState) {
                            states.set((bh * nChunks + c0 + j) * headDim * dState + e, s[k]);
                            s[k] = Math.fma(decay, s[k], local[j * PASSING_ELEMENTS + k]);
                        }
                    }
                }
            }
        }
        for (@Unroll int k = 0; k < PASSING_ELEMENTS; k++) {
            int e = e0 + k * quarter;
            if (e < headDim * dState) {
                finalState.set(bh * headDim * dState + e, s[k]);
            }
        }
    }

    /**
     * Step 4a. scores (batch, nChunks, nGroups, chunk, chunk): CB[t, s] = C_t·B_s for the tokens t, s
     * of a chunk, computed once per group of heads (the H/G heads of a group share B and C, so
     * computing C·Bᵀ inside {@link #chunkOutputs} would repeat it H/G times: 80 times in Mamba-2
     * 2.7B, where these dot products over N are two thirds of the intra-chunk flops). Only the 16 × 16
     * tiles on and below the diagonal are written (s-tile ≤ t-tile); entries of tokens past the end
     * of the sequence are 0. One group of {@link #LOCAL} items per (b, chunk, g, t-tile, s-tile):
     * global batch · nChunks · nGroups · (chunk/16)² · LOCAL, local LOCAL (tiles above the diagonal or
     * past the end return at once).
     *
     * <p>Local memory: C of the 16 t-tokens and B of the 16 s-tokens (16 × N each, 16.1 KiB at
     * N = 128, rows padded by one float: the 16 items of a row read 16 different rows, which then
     * sit in 16 different banks). Item (tx, ty) computes (t = ty + 8k, s = tx), k < 2, sharing its
     * B reads. HBM: B and C once per tile pair (L2 serves the repeats), 1 KiB of scores written.
     */
    @Kernel
    public static void chunkScores(KernelContext ctx, FloatArray xbc, HalfArray xbcF16, BFloat16Array xbcBf16,
                                   FloatArray scores, int batch, int seqLen, int nHeads, int nGroups,
                                   @Constant int headDim, @Constant int dState, @Constant int chunk,
                                   @Constant int ioType) {
        float[] cs = ctx.allocateFloatLocalArray(TILE * (((dState + TX - 1) / TX) * TX + 1));
        float[] bs = ctx.allocateFloatLocalArray(TILE * (((dState + TX - 1) / TX) * TX + 1));
        float[] cv = new float[TILE / TY];
        int nn = ((dState + TX - 1) / TX) * TX;
        int ns = nn + 1;
        int nChunks = (seqLen + chunk - 1) / chunk;
        int tiles = chunk / TILE;
        int lid = ctx.localIdx;
        int tx = lid % TX;
        int ty = lid / TX;
        int grp = ctx.groupIdx;
        int sTile = grp % tiles;
        int tTile = (grp / tiles) % tiles;
        int g = (grp / (tiles * tiles)) % nGroups;
        int c = (grp / (tiles * tiles * nGroups)) % nChunks;
        int b = grp / (tiles * tiles * nGroups * nChunks);
        int t0 = c * chunk + tTile * TILE;
        int s0 = c * chunk + sTile * TILE;
        if (sTile > tTile || t0 >= seqLen) {
            return;
        }
        int stride = nHeads * headDim + 2 * nGroups * dState;
        int bCol = nHeads * headDim + g * dState;
        int cCol = bCol + nGroups * dState;
        for (int i = lid; i < TILE * nn; i += LOCAL) {
            int j = i / nn;
            int n = i % nn;
            cs[j * ns + n] = t0 + j < seqLen && n < dState
                    ? StorageType.load(xbc, xbcF16, xbcBf16, ioType, (b * seqLen + t0 + j) * stride + cCol + n) : 0.0f;
            bs[j * ns + n] = s0 + j < seqLen && n < dState
                    ? StorageType.load(xbc, xbcF16, xbcBf16, ioType, (b * seqLen + s0 + j) * stride + bCol + n) : 0.0f;
        }
        ctx.localBarrier();
        for (int k = 0; k < TILE / TY; k++) {
            cv[k] = 0.0f;
        }
        for (int n = 0; n < nn; n++) {
            float bn = bs[tx * ns + n];
            for (int k = 0; k < TILE / TY; k++) {
                cv[k] = Math.fma(cs[(ty + TY * k) * ns + n], bn, cv[k]);
            }
        }
        int base = ((b * nChunks + c) * nGroups + g) * chunk * chunk;
        for (int k = 0; k < TILE / TY; k++) {
            scores.set(base + (tTile * TILE + ty + TY * k) * chunk + sTile * TILE + tx, cv[k]);
        }
    }

    /**
     * Step 4b. y (batch·L, nHeads·P) for a 16-token tile of one chunk of one head. One group of
     * {@link #LOCAL} items per (b, h, chunk, tile): global batch · nHeads · nChunks · (chunk / 16) · LOCAL,
     * local LOCAL (tiles past the end of the sequence return at once, before any barrier).
     * <pre>
     *   y[t, p] = exp(cum_t) · Σ_n C_t[n]·S_start[p, n]                      (inter-chunk)
     *           + Σ_{s ≤ t, s in chunk} (C_t·B_s)·exp(cum_t − cum_s) · dt_s·x_s[p]   (intra-chunk)
     *           + D·x_t[p]
     * </pre>
     * The items form a 16 (p) × 8 (t) grid; each owns a register tile of 2 tokens × ⌈P/16⌉ columns,
     * t = ty + 8·k, p = tx + 16·r (8 accumulators at P = 64), so a warp writes 16 consecutive floats
     * of y for 2 tokens, and per source token reads 2 + ⌈P/16⌉ local words for 2·⌈P/16⌉ FMAs.
     *
     * <p>Local memory (13.1 KiB at P = 64, N = 128, all reused across the loops):
     * cs = C of the 16 output tokens (16 × N, zero-padded to a multiple of 16 columns, for the
     * inter-chunk part); xs = dt_s·x_s of 16 source tokens (16 × P), first used for 16-column
     * slices of the chunk start state; sc = the 16 × 16 masked, decayed score tile
     * CB[t, s]·exp(cum_t − cum_s), CB read from {@link #chunkScores} (shared by the heads of a group).
     * The tile is 16 tokens because the (Q × Q) score matrix of a whole chunk would not fit
     * (256 KiB at Q = 256), while a 16 × 16 score tile is one coalesced read round of 2 per item.
     *
     * <p>HBM: C and x of the tile once; the chunk start state (P × N) once per tile (the chunk/16
     * tiles of a chunk share it through L2); x and a 1 KiB score tile for every source tile s ≤ t
     * (on average (chunk/16 + 1)/2 source tiles per output tile; x from L2 after the first tile
     * that reads it).
     */
    @Kernel
    public static void chunkOutputs(KernelContext ctx, FloatArray xbc, HalfArray xbcF16, BFloat16Array xbcBf16,
                                    FloatArray dt, FloatArray cum, FloatArray dSkip, FloatArray states, FloatArray scores,
                                    FloatArray y, HalfArray yF16, BFloat16Array yBf16, int batch, int seqLen,
                                    int nHeads, int nGroups,
                                    @Constant int headDim, @Constant int dState, @Constant int chunk,
                                    @Constant int ioType) {
        float[] cs = ctx.allocateFloatLocalArray(TILE * (((dState + TX - 1) / TX) * TX + 1));
        float[] xs = ctx.allocateFloatLocalArray(TILE * ((headDim + TX - 1) / TX) * TX);
        float[] sc = ctx.allocateFloatLocalArray(TILE * TILE);
        float[] acc = new float[(TILE / TY) * ((headDim + TX - 1) / TX)];
        float[] cv = new float[TILE / TY];
        float[] xv = new float[(headDim + TX - 1) / TX];
        int rp = (headDim + TX - 1) / TX;
        int pp = rp * TX;
        int nn = ((dState + TX - 1) / TX) * TX;
        int ns = nn + 1;
        int nChunks = (seqLen + chunk - 1) / chunk;
        int tiles = chunk / TILE;
        int lid = ctx.localIdx;
        int tx = lid % TX;
        int ty = lid / TX;
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
        int scoreBase = ((b * nChunks + c) * nGroups + g) * chunk * chunk;

        // C of the 16 output tokens, zero past the end of the sequence and in the padding columns.
        for (int i = lid; i < TILE * nn; i += LOCAL) {
            int t = t0 + i / nn;
            int n = i % nn;
            cs[(i / nn) * ns + n] = t < seqLen && n < dState
                    ? StorageType.load(xbc, xbcF16, xbcBf16, ioType, (b * seqLen + t) * stride + cCol + n) : 0.0f;
        }
        // Inter-chunk part: Σ_n C_t[n]·S_start[p, n], over 16-column slices of the state staged in xs
        // (xs[j·pp + p] = S_start[p, n0 + j]; a read round covers 16 consecutive n of 8 rows p).
        for (int n0 = 0; n0 < nn; n0 += TILE) {
            ctx.localBarrier();
            for (int i = lid; i < TILE * pp; i += LOCAL) {
                int p = i / TILE;
                int j = i % TILE;
                xs[j * pp + p] = p < headDim && n0 + j < dState ? states.get(stateBase + p * dState + n0 + j) : 0.0f;
            }
            ctx.localBarrier();
            for (int j = 0; j < TILE; j++) {
                for (int k = 0; k < TILE / TY; k++) {
                    cv[k] = cs[(ty + TY * k) * ns + n0 + j];
                }
                for (int r = 0; r < rp; r++) {
                    xv[r] = xs[j * pp + tx + TX * r];
                }
                for (int k = 0; k < TILE / TY; k++) {
                    for (int r = 0; r < rp; r++) {
                        acc[k * rp + r] = Math.fma(cv[k], xv[r], acc[k * rp + r]);
                    }
                }
            }
        }
        // The start state reaches token t decayed by exp2(totals of the chunk's earlier tiles + cum_t).
        float before = 0.0f;
        for (int tt = c * chunk; tt < t0; tt += TILE) {
            before += cum.get(hl + tt + TILE - 1);
        }
        for (int k = 0; k < TILE / TY; k++) {
            int t = t0 + ty + TY * k;
            float decay = t < seqLen ? KernelMath.exp2(before + cum.get(hl + t)) : 0.0f;
            for (int r = 0; r < rp; r++) {
                acc[k * rp + r] = acc[k * rp + r] * decay;
            }
        }
        // Intra-chunk part: source tiles from this tile back to the chunk start; between = log2 decay
        // over the whole tiles between source tile and output tile (the source tile's own total
        // included, as cum_s is relative to the source tile's start).
        float between = 0.0f;
        for (int s0 = t0; s0 >= c * chunk; s0 -= TILE) {
            if (s0 < t0) {
                between += cum.get(hl + s0 + TILE - 1);
            }
            ctx.localBarrier();
            for (int i = lid; i < TILE * pp; i += LOCAL) {
                int s = s0 + i / pp;
                int p = i % pp;
                xs[i] = s < seqLen && p < headDim
                        ? dt.get(hl + s) * StorageType.load(xbc, xbcF16, xbcBf16, ioType, (b * seqLen + s) * stride + xCol + p)
                        : 0.0f;
            }
            for (int i = lid; i < TILE * TILE; i += LOCAL) {
                int t = t0 + i / TILE;
                int s = s0 + i % TILE;
                sc[i] = s <= t && t < seqLen
                        ? scores.get(scoreBase + (t - c * chunk) * chunk + s - c * chunk)
                                * KernelMath.exp2(cum.get(hl + t) - cum.get(hl + s) + between)
                        : 0.0f;
            }
            ctx.localBarrier();
            for (int j = 0; j < TILE; j++) {
                for (int k = 0; k < TILE / TY; k++) {
                    cv[k] = sc[(ty + TY * k) * TILE + j];
                }
                for (int r = 0; r < rp; r++) {
                    xv[r] = xs[j * pp + tx + TX * r];
                }
                for (int k = 0; k < TILE / TY; k++) {
                    for (int r = 0; r < rp; r++) {
                        acc[k * rp + r] = Math.fma(cv[k], xv[r], acc[k * rp + r]);
                    }
                }
            }
        }
        float d = dSkip.get(h);
        for (int k = 0; k < TILE / TY; k++) {
            int t = t0 + ty + TY * k;
            for (int r = 0; r < rp; r++) {
                int p = tx + TX * r;
                if (t < seqLen && p < headDim) {
                    int row = b * seqLen + t;
                    float x = StorageType.load(xbc, xbcF16, xbcBf16, ioType, row * stride + xCol + p);
                    float out = Math.fma(d, x, acc[k * rp + r]);
                    StorageType.store(y, yF16, yBf16, ioType, row * nHeads * headDim + xCol + p, out);
                }
            }
        }
    }

    /**
     * The decode step, one token per sequence: state (batch, nHeads, P, N) updated in place, y (batch,
     * nHeads·P). xbc (batch, nHeads·P + 2·G·N) and dtRaw (batch rows of dtStride) as in prefill, one
     * row per sequence. One group of {@link #LOCAL} items per (b, h, 8 rows p of the state): global
     * batch · nHeads · ⌈P/8⌉ · LOCAL, local LOCAL. Item (tx, ty) updates S[p = p0 + ty, n = tx + 16·q],
     * so a warp reads and writes two runs of 16 consecutive floats (coalesced) and the B and C words
     * it needs are the same for the 8 rows (L1 broadcasts). The state is read once and written once:
     * 8·batch·nHeads·P·N bytes, all this step must move besides x, B, C and y. Each item's partial
     * y_t[p] = Σ_q C[n]·S[p, n] is reduced over the 16 items of its row through local memory
     * (128 floats). dt and the decay exp(dt·A) are recomputed by every item (a few instructions,
     * cheaper than a barrier to share them).
     */
    @Kernel
    public static void stateStep(KernelContext ctx, FloatArray xbc, FloatArray dtRaw, int dtStride, int dtOffset,
                                 FloatArray dtBias, FloatArray aLog, FloatArray dSkip, float dtMin, float dtMax,
                                 FloatArray state, FloatArray y, int batch, int nHeads, int nGroups,
                                 @Constant int headDim, @Constant int dState) {
        float[] partial = ctx.allocateFloatLocalArray(LOCAL);
        int rowBlocks = (headDim + TY - 1) / TY;
        int lid = ctx.localIdx;
        int tx = lid % TX;
        int ty = lid / TX;
        int grp = ctx.groupIdx;
        int p = (grp % rowBlocks) * TY + ty;
        int h = (grp / rowBlocks) % nHeads;
        int b = grp / (rowBlocks * nHeads);
        int g = h / (nHeads / nGroups);
        int stride = nHeads * headDim + 2 * nGroups * dState;
        int bCol = b * stride + nHeads * headDim + g * dState;
        int cCol = bCol + nGroups * dState;
        float d = SelectiveScanKernels.softplus(dtRaw.get(b * dtStride + dtOffset + h) + dtBias.get(h));
        d = Math.min(Math.max(d, dtMin), dtMax);
        float decay = KernelMath.exp2(-KernelMath.exp(aLog.get(h)) * LOG2E * d);
        float x = p < headDim ? xbc.get(b * stride + h * headDim + p) : 0.0f;
        float dx = d * x;
        int row = ((b * nHeads + h) * headDim + p) * dState;
        float acc = 0.0f;
        if (p < headDim) {
            for (int n = tx; n < dState; n += TX) {
                float s = Math.fma(decay, state.get(row + n), dx * xbc.get(bCol + n));
                state.set(row + n, s);
                acc = Math.fma(xbc.get(cCol + n), s, acc);
            }
        }
        partial[lid] = acc;
        ctx.localBarrier();
        if (tx == 0 && p < headDim) {
            float sum = 0.0f;
            for (int j = 0; j < TX; j++) {
                sum += partial[lid + j];
            }
            y.set((b * nHeads + h) * headDim + p, Math.fma(dSkip.get(h), x, sum));
        }
    }
}
