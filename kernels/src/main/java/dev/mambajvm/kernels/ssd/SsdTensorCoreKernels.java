package dev.mambajvm.kernels.ssd;

import dev.mambajvm.kernels.mamba.StorageType;
import dev.mambajvm.lang.BFloat16Array;
import dev.mambajvm.lang.Constant;
import dev.mambajvm.lang.DeviceFunction;
import dev.mambajvm.lang.FloatArray;
import dev.mambajvm.lang.HalfArray;
import dev.mambajvm.lang.Kernel;
import dev.mambajvm.lang.KernelContext;
import dev.mambajvm.lang.KernelMath;
import dev.mambajvm.lang.LongArray;
import dev.mambajvm.lang.Unroll;

/**
 * The two matrix steps of the SSD prefill ({@link SsdKernels#chunkStates} and
 * {@link SsdKernels#chunkOutputs}: the same math, inputs, outputs and grids) on tensor cores,
 * through {@link KernelContext#mmaTf32}: 16 × 8 × 8 products of TF32 values summed in float32.
 * They read xBC (and chunkOutputsTc the chunk states) as 8-byte words through {@code LongArray}
 * views of the buffers, so they take the shapes {@link #supports} says.
 *
 * <p><b>Why.</b> At Mamba-2 2.7B's shape (80 heads, P = 64, N = 128) these two steps are ~100
 * GFLOP at L = 32768, and on float32 FMAs they were 9.2 of the 10.8 ms of the whole prefill on an
 * H100 (docs/performance.md): the FMA roof alone is ≥ 1.5 ms. A tensor core does a 16 × 8 × 8
 * product (1024 multiply-adds) per warp instruction. Measured at that shape, L 32768, chunk 128,
 * bf16 (docs/performance.md, "Tensor cores"): chunkStatesTc 0.87 ms and chunkOutputsTc 1.76 ms
 * against 2.80 and 7.02 ms on FMAs. What made the difference for chunkStatesTc was not the
 * multiplies but the loads: staged one 2-byte element per item per round trip it was as slow as
 * the FMA kernel (2.97 ms); as 8-byte words loaded a tile ahead, 3.4× faster.
 *
 * <p><b>Precision.</b> Every operand is rounded to TF32 (10 mantissa bits, relative error ≤ 2^-11)
 * as it is staged in local memory; products are exact and sums float32. bf16 and f16 inputs are
 * exact in TF32 already (x, B, C); what is rounded are the computed operands: the decayed dt·x,
 * the decayed scores, the chunk start states. So the error of y is ~1e-4 relative (measured by
 * {@code SsdSuite}, bound 1e-3), against ~1e-7 on FMAs: meant for 16-bit activations, whose own
 * rounding (2^-9 for bf16) is larger. Mamba-2's Triton kernels round the same operands to bf16.
 *
 * <p><b>Warps.</b> A group is 4 warps (128 items). Each warp owns a block of the output as 16 × 8
 * tiles held in registers, 4 floats per lane per tile (the {@code mmaTf32} layout: lane l holds
 * rows l/4 and l/4 + 8, columns 2(l%4) and 2(l%4) + 1 of each tile).
 *
 * <p><b>Bank-conflict-free padding.</b> In an {@code mmaTf32} the 32 lanes read operand words
 * {@code (l/4)·s + (l%4)} (s the stride between the 8 "l/4" rows or columns) or
 * {@code (l%4)·s + l/4}. The first pattern hits 32 different banks when s ≡ 4, 12, 20 or 28
 * (mod 32), the second when s ≡ 8 or 24 (mod 32): hence the strides {@link #SLICE_STRIDE} = 36 and
 * {@link #padRows} (a width rounded up to ≡ 8 mod 32, or to 24 when that is shorter).
 */
public final class SsdTensorCoreKernels {
    private SsdTensorCoreKernels() {
    }

    /** Items per group: 4 warps. */
    public static final int LOCAL = 128;
    /** Output tokens per group of {@link #chunkOutputsTc}: one 16-token tile per warp. */
    public static final int BLOCK = 64;
    /**
     * dState columns of C and of the start state staged at once in {@link #chunkOutputsTc}. Measured
     * on an H100: 64 (two stages at N = 128, 45 KiB of local memory) was 6% slower than 32.
     */
    static final int SLICE = 32;
    /** Row stride of those slices: 32 used + 4 padding (≡ 4 mod 32: conflict-free A reads). */
    static final int SLICE_STRIDE = 36;
    /** Row stride of the 64 × 16 score tile (≡ 20 mod 32: conflict-free A reads). */
    static final int SCORE_STRIDE = 20;

    /**
     * Whether these kernels take this shape: they read xBC (and chunkOutputsTc the float32 states)
     * as 8-byte words of {@link StorageType#perWord} elements, so every row and column block of
     * xBC must start on a word: headDim and dState multiples of 4 for 16-bit activations, of 2 for
     * float32 (every Mamba-2 checkpoint: P = 64, N = 64 or 128).
     */
    public static boolean supports(int headDim, int dState, int ioType) {
        int per = StorageType.perWord(StorageType.require(ioType, "ioType"));
        return headDim % per == 0 && dState % per == 0;
    }

    /**
     * {@code width} padded to a row stride s ≥ width with s ≡ 8 or 24 (mod 32), for operands read as
     * (l%4)·s + l/4. Adds less than 16: local arrays are sized width + 16 per row.
     */
    @DeviceFunction
    static int padRows(int width) {
        return width + ((8 - width % 16) + 16) % 16;
    }

    /**
     * Step 2 on tensor cores: states (batch, nHeads, nChunks, P, N) = Σ_t w_t·x_t ⊗ B_t over each
     * chunk, w_t = exp(cum_end − cum_t)·dt_t, as {@link SsdKernels#chunkStates} (same grid: one group
     * of {@link #LOCAL} items per (b, h, chunk)). Both kernels read xBC (of any storage type)
     * through {@code xbcWords}, a {@code LongArray} view of its buffer: see {@link #supports}.
     *
     * <p>The P × N result is an M = P, N = N, K = chunk product. Warps split it 2 × 2: warp w owns
     * rows [w/2 · P'/2, +P'/2) and columns [w%2 · N'/2, +N'/2) (P' = P rounded up to 32, N' = N to
     * 16), i.e. P'/32 × N'/16 tiles of 16 × 8: 2 × 8 tiles, 64 accumulators per lane at P = 64,
     * N = 128. Per 16-token tile the group stages w_t·x_t (16 × P', stride {@link #padRows}(P')) and
     * B_t (16 × N', stride padRows(N')) in local memory (13.3 KiB at P = 64, N = 128), then each warp
     * issues 2 (k steps of 8 tokens) × 16 multiply-accumulates.
     *
     * <p><b>Keeping HBM busy.</b> The first version staged one 2-byte element per item per loop
     * trip, each trip waiting for its load (and for the cum and dt loads and the exp2 of its w):
     * 24 memory round trips per tile, 64 bytes in flight per warp, and the kernel took
     * ~8× its byte time whatever did the multiplies. Now:
     * <ul>
     *   <li>w_t is computed once per token, into local memory, before the tiles (one exp2 per
     *       token instead of one per (token, p));</li>
     *   <li>x and B are loaded as 8-byte words ({@link StorageType#unpack}): a 16-token tile at
     *       P = 64, N = 128 is 768 words, 6 per item, all issued before any is used;</li>
     *   <li>the words of tile k + 1 are loaded into registers while the warps multiply tile k, so
     *       the memory latency hides behind the tensor-core work (a register double buffer:
     *       12 registers per item).</li>
     * </ul>
     * HBM: x and B of the chunk once per head (B mostly from L2: all heads of a group read it),
     * the result once.
     */
    @Kernel
    public static void chunkStatesTc(KernelContext ctx, LongArray xbcWords, FloatArray dt, FloatArray cum,
                                     FloatArray states, int batch, int seqLen, int nHeads, int nGroups,
                                     @Constant int headDim, @Constant int dState, @Constant int chunk,
                                     @Constant int ioType) {
        // w·x as A (p, t) = xs[t·xStride + p]; B (t, n) = bs[t·bStride + n].
        float[] xs = ctx.allocateFloatLocalArray(SsdKernels.TILE * ((headDim + 31) / 32 * 32 + 16));
        float[] bs = ctx.allocateFloatLocalArray(SsdKernels.TILE * ((dState + 15) / 16 * 16 + 16));
        // w_t of the chunk's tokens, and the log2 decay total of each 16-token tile.
        float[] ws = ctx.allocateFloatLocalArray(chunk);
        float[] totals = ctx.allocateFloatLocalArray(chunk / SsdKernels.TILE);
        float[] acc = new float[((headDim + 31) / 32) * ((dState + 15) / 16) * 4];
        // This item's words of the next tile: x, then B (8 bytes each; sized for float32's 2 per
        // word, 16-bit types use half: the unused ones are never touched and take no registers).
        long[] xWord = new long[(SsdKernels.TILE * headDim / 2 + LOCAL - 1) / LOCAL];
        long[] bWord = new long[(SsdKernels.TILE * dState / 2 + LOCAL - 1) / LOCAL];
        int per = StorageType.perWord(ioType);   // elements per 8-byte word
        int xRowWords = headDim / per;
        int bRowWords = dState / per;
        int xSlots = (SsdKernels.TILE * xRowWords + LOCAL - 1) / LOCAL;
        int bSlots = (SsdKernels.TILE * bRowWords + LOCAL - 1) / LOCAL;
        int pp = (headDim + 31) / 32 * 32;
        int nn = (dState + 15) / 16 * 16;
        int xStride = padRows(pp);
        int bStride = padRows(nn);
        int mw = pp / 32;          // 16-row tiles per warp
        int nw = nn / 16;          // 8-column tiles per warp
        int nChunks = (seqLen + chunk - 1) / chunk;
        int lid = ctx.localIdx;
        int warp = lid / 32;
        int pBase = (warp / 2) * (pp / 2);
        int nBase = (warp % 2) * (nn / 2);
        int grp = ctx.groupIdx;
        int c = grp % nChunks;
        int h = (grp / nChunks) % nHeads;
        int b = grp / (nChunks * nHeads);
        int g = h / (nHeads / nGroups);
        int stride = nHeads * headDim + 2 * nGroups * dState;
        int hl = (b * nHeads + h) * seqLen;
        int t0 = c * chunk;
        int t1 = Math.min(t0 + chunk, seqLen);
        int nTiles = (t1 - t0 + SsdKernels.TILE - 1) / SsdKernels.TILE;
        // Word index of token t's x (head h) and B (group g): ((b·L + t)·stride + column) / per.
        int xWord0 = ((b * seqLen + t0) * stride + h * headDim) / per;
        int bWord0 = ((b * seqLen + t0) * stride + nHeads * headDim + g * dState) / per;
        int rowWords = stride / per;

        // Padding columns stay 0: staging writes only columns < P and < N.
        for (int i = lid; i < SsdKernels.TILE * xStride; i += LOCAL) {
            xs[i] = 0.0f;
        }
        for (int i = lid; i < SsdKernels.TILE * bStride; i += LOCAL) {
            bs[i] = 0.0f;
        }
        // cum restarts every tile: its value at a tile's last token is the tile's total.
        for (int i = lid; i < chunk; i += LOCAL) {
            if (t0 + i < t1 && (i % SsdKernels.TILE == SsdKernels.TILE - 1 || t0 + i == t1 - 1)) {
                totals[i / SsdKernels.TILE] = cum.get(hl + t0 + i);
            }
        }
        ctx.localBarrier();
        // w_t = exp2(log2 decay from t to the chunk end) · dt_t; the totals are summed from the last
        // tile back, as the FMA kernel does.
        for (int i = lid; i < chunk; i += LOCAL) {
            if (t0 + i < t1) {
                float toEnd = 0.0f;
                for (int k = nTiles - 1; k >= i / SsdKernels.TILE; k--) {
                    toEnd = totals[k] + toEnd;
                }
                ws[i] = KernelMath.exp2(toEnd - cum.get(hl + t0 + i)) * dt.get(hl + t0 + i);
            }
        }
        ctx.localBarrier();
        // Iteration k stages tile k − 1 (loaded into registers by iteration k − 1), starts the loads
        // of tile k, then multiplies tile k − 1: the words of the next tile travel while the tensor
        // cores work. Tokens past the sequence end read as 0.
        for (int k = 0; k <= nTiles; k++) {
            if (k > 0) {
                int tt = (k - 1) * SsdKernels.TILE;      // the staged tile's first token, from t0
                for (@Unroll int u = 0; u < xSlots; u++) {
                    int i = lid + u * LOCAL;
                    int r = i / xRowWords;
                    if (i < SsdKernels.TILE * xRowWords) {
                        float w = t0 + tt + r < t1 ? ws[tt + r] : 0.0f;
                        for (@Unroll int j = 0; j < per; j++) {
                            xs[r * xStride + (i % xRowWords) * per + j] =
                                    KernelMath.roundToTf32(w * StorageType.unpack(xWord[u], ioType, j));
                        }
                    }
                }
                for (@Unroll int u = 0; u < bSlots; u++) {
                    int i = lid + u * LOCAL;
                    if (i < SsdKernels.TILE * bRowWords) {
                        for (@Unroll int j = 0; j < per; j++) {
                            bs[(i / bRowWords) * bStride + (i % bRowWords) * per + j] =
                                    KernelMath.roundToTf32(StorageType.unpack(bWord[u], ioType, j));
                        }
                    }
                }
                ctx.localBarrier();
            }
            if (k < nTiles) {
                int tt = k * SsdKernels.TILE;
                for (@Unroll int u = 0; u < xSlots; u++) {
                    int i = lid + u * LOCAL;
                    int r = i / xRowWords;
                    xWord[u] = i < SsdKernels.TILE * xRowWords && t0 + tt + r < t1
                            ? xbcWords.get(xWord0 + (tt + r) * rowWords + i % xRowWords) : 0L;
                }
                for (@Unroll int u = 0; u < bSlots; u++) {
                    int i = lid + u * LOCAL;
                    int r = i / bRowWords;
                    bWord[u] = i < SsdKernels.TILE * bRowWords && t0 + tt + r < t1
                            ? xbcWords.get(bWord0 + (tt + r) * rowWords + i % bRowWords) : 0L;
                }
            }
            if (k > 0) {
                for (@Unroll int k0 = 0; k0 < SsdKernels.TILE; k0 += 8) {
                    for (@Unroll int i = 0; i < mw; i++) {
                        for (@Unroll int j = 0; j < nw; j++) {
                            ctx.mmaTf32(acc, (i * nw + j) * 4,
                                    xs, k0 * xStride + pBase + 16 * i, 1, xStride,
                                    bs, k0 * bStride + nBase + 8 * j, bStride, 1);
                        }
                    }
                }
                ctx.localBarrier();
            }
        }
        int out = ((b * nHeads + h) * nChunks + c) * headDim * dState;
        int lane = lid % 32;
        for (int i = 0; i < mw; i++) {
            for (int j = 0; j < nw; j++) {
                for (int e = 0; e < 4; e++) {
                    int p = pBase + 16 * i + lane / 4 + 8 * (e / 2);
                    int n = nBase + 8 * j + 2 * (lane % 4) + e % 2;
                    if (p < headDim && n < dState) {
                        states.set(out + p * dState + n, acc[(i * nw + j) * 4 + e]);
                    }
                }
            }
        }
    }

    /**
     * Step 4b on tensor cores: y as {@link SsdKernels#chunkOutputs} (xBC and the states as 8-byte
     * words: {@code xbcWords}, {@code stateWords}), for a block of
     * {@link #BLOCK} = 64 tokens of one chunk of one head per group: global batch · nHeads · nChunks ·
     * ⌈chunk/64⌉ · LOCAL, local LOCAL. Warp w owns the block's 16-token tile w: 16 tokens × P' (P
     * rounded up to 8) as P'/8 tiles of 16 × 8 (32 accumulators per lane at P = 64).
     * <pre>
     *   inter-chunk: Y = C (64 × N) · S_startᵀ (N × P), K = N in slices of 32 columns:
     *                C slice 64 × 32 and S slice P' × 32 staged (stride 36), 4 k steps each;
     *                then row t scaled by exp2(cum up to t from the chunk start)
     *   intra-chunk: Y += M (64 × 16) · (dt·x) (16 × P) for each 16-token source tile from the
     *                block's last tile back to the chunk start, M[t, s] = C_t·B_s (from chunkScores)
     *                · exp2(cum_t − cum_s + whole-tile totals between), 0 for s > t
     * </pre>
     * A warp whose tile lies before a source tile skips its multiplies (all its M would be 0).
     *
     * <p>Why 64 tokens: the chunk start state (P × N floats, 32 KiB at P = 64, N = 128) is read once
     * per group, so per token it costs 1/64 of itself; with the FMA kernel's 16-token groups that
     * read was 4× larger, and on tensor cores reading is what takes the time. Local memory: 18 KiB
     * (the two slices) + 5 KiB (dt·x tile) + 5 KiB (scores) at P = 64.
     *
     * <p>Loads as in {@link #chunkStatesTc}: 8-byte words, each stage's (a slice, a source tile)
     * loaded into registers while the warps multiply the one before (12 words per item for a slice
     * at P = 64, bf16; 2 words, 2 dt and 8 scores for a source tile), and the cum of the item's 8
     * score rows loaded once for all source tiles. Measured on an H100: 3.11 → 1.76 ms at mamba2-2.7b's
     * shape, chunk 128 (docs/performance.md). Still ~4× its bytes: each stage's multiplies are too
     * short to hide a memory latency (16 MMAs per warp per source tile, between two barriers).
     */
    @Kernel
    public static void chunkOutputsTc(KernelContext ctx, LongArray xbcWords, FloatArray dt, FloatArray cum, FloatArray dSkip,
                                      LongArray stateWords, FloatArray scores, FloatArray y, HalfArray yF16,
                                      BFloat16Array yBf16, int batch, int seqLen, int nHeads, int nGroups,
                                      @Constant int headDim, @Constant int dState, @Constant int chunk,
                                      @Constant int ioType) {
        // C slice: A (t, n) = cs[t·36 + n]; state slice: B (n, p) = ss[p·36 + n].
        float[] cs = ctx.allocateFloatLocalArray(BLOCK * SLICE_STRIDE);
        float[] ss = ctx.allocateFloatLocalArray((headDim + 7) / 8 * 8 * SLICE_STRIDE);
        // dt·x: B (s, p) = xs[s·xStride + p]; decayed scores: A (t, s) = sc[t·20 + s].
        float[] xs = ctx.allocateFloatLocalArray(SsdKernels.TILE * ((headDim + 7) / 8 * 8 + 16));
        float[] sc = ctx.allocateFloatLocalArray(BLOCK * SCORE_STRIDE);
        float[] acc = new float[(headDim + 7) / 8 * 4];
        // Per output tile of the block: log2 decay over the whole tiles between it and the source tile.
        float[] between = new float[BLOCK / SsdKernels.TILE];
        // This item's share of the next stage, in registers: C and state words of a slice (8 bytes:
        // 4 bf16 / f16 or 2 float32 of C, 2 float32 of the state; sized for float32) ...
        long[] cWord = new long[(BLOCK * SLICE / 2 + LOCAL - 1) / LOCAL];
        long[] sWord = new long[((headDim + 7) / 8 * 8 * SLICE / 2 + LOCAL - 1) / LOCAL];
        // ... x words and their tokens' dt of a source tile, its scores (8 per item: rows lid/16 + 8j,
        // column lid % 16) and the cum of those 8 rows (the same for every source tile).
        long[] xWord = new long[(SsdKernels.TILE * headDim / 2 + LOCAL - 1) / LOCAL];
        float[] xDt = new float[(SsdKernels.TILE * headDim / 2 + LOCAL - 1) / LOCAL];
        float[] score = new float[BLOCK * SsdKernels.TILE / LOCAL];
        float[] cumRow = new float[BLOCK * SsdKernels.TILE / LOCAL];
        int per = StorageType.perWord(ioType);   // elements per 8-byte word
        int cRowWords = SLICE / per;
        int xRowWords = headDim / per;
        int cSlots = (BLOCK * cRowWords + LOCAL - 1) / LOCAL;
        int xSlots = (SsdKernels.TILE * xRowWords + LOCAL - 1) / LOCAL;
        int pp = (headDim + 7) / 8 * 8;
        int sSlots = (pp * (SLICE / 2) + LOCAL - 1) / LOCAL;
        int nt = pp / 8;
        int xStride = padRows(pp);
        int nChunks = (seqLen + chunk - 1) / chunk;
        int blocks = (chunk + BLOCK - 1) / BLOCK;
        int lid = ctx.localIdx;
        int warp = lid / 32;
        int lane = lid % 32;
        int grp = ctx.groupIdx;
        int blk = grp % blocks;
        int c = (grp / blocks) % nChunks;
        int h = (grp / (blocks * nChunks)) % nHeads;
        int b = grp / (blocks * nChunks * nHeads);
        int c0 = c * chunk;
        int t0 = c0 + blk * BLOCK;
        // Tokens of this block: [t0, tEnd), inside the chunk and the sequence.
        int tEnd = Math.min(Math.min(t0 + BLOCK, c0 + chunk), seqLen);
        if (t0 >= tEnd) {
            return;
        }
        int g = h / (nHeads / nGroups);
        int stride = nHeads * headDim + 2 * nGroups * dState;
        int rowWords = stride / per;
        int xCol = h * headDim;
        int cCol = nHeads * headDim + (nGroups + g) * dState;
        int hl = (b * nHeads + h) * seqLen;
        int stateBase = ((b * nHeads + h) * nChunks + c) * headDim * dState;
        int scoreBase = ((b * nChunks + c) * nGroups + g) * chunk * chunk;
        int myTile = t0 + SsdKernels.TILE * warp;      // this warp's first token

        // Padding columns of the dt·x tile stay 0: staging writes only columns < P.
        for (int i = lid; i < SsdKernels.TILE * xStride; i += LOCAL) {
            xs[i] = 0.0f;
        }
        // Inter-chunk part, 32 columns of N at a time. Iteration k stages slice k − 1, starts the
        // loads of slice k, multiplies slice k − 1 (as in chunkStatesTc).
        int nSlices = (dState + SLICE - 1) / SLICE;
        for (int k = 0; k <= nSlices; k++) {
            if (k > 0) {
                // No bounds checks: the 64·32/per C words and the P'·16 state words (P' a multiple
                // of 8) are whole multiples of LOCAL, so every slot of every item holds a word.
                for (@Unroll int u = 0; u < cSlots; u++) {
                    int i = lid + u * LOCAL;
                    for (@Unroll int j = 0; j < per; j++) {
                        cs[(i / cRowWords) * SLICE_STRIDE + (i % cRowWords) * per + j] =
                                KernelMath.roundToTf32(StorageType.unpack(cWord[u], ioType, j));
                    }
                }
                for (@Unroll int u = 0; u < sSlots; u++) {
                    int i = lid + u * LOCAL;
                    for (@Unroll int j = 0; j < 2; j++) {
                        ss[(i / (SLICE / 2)) * SLICE_STRIDE + (i % (SLICE / 2)) * 2 + j] =
                                KernelMath.roundToTf32(StorageType.unpack(sWord[u], StorageType.F32, j));
                    }
                }
                ctx.localBarrier();
            }
            if (k < nSlices) {
                int n0 = k * SLICE;
                for (@Unroll int u = 0; u < cSlots; u++) {
                    int i = lid + u * LOCAL;
                    int t = t0 + i / cRowWords;
                    int n = n0 + (i % cRowWords) * per;
                    cWord[u] = t < tEnd && n < dState
                            ? xbcWords.get((b * seqLen + t) * rowWords + (cCol + n) / per) : 0L;
                }
                for (@Unroll int u = 0; u < sSlots; u++) {
                    int i = lid + u * LOCAL;
                    int p = i / (SLICE / 2);
                    int n = n0 + (i % (SLICE / 2)) * 2;
                    sWord[u] = p < headDim && n < dState ? stateWords.get((stateBase + p * dState + n) / 2) : 0L;
                }
            }
            if (k > 0) {
                for (@Unroll int k0 = 0; k0 < SLICE; k0 += 8) {
                    for (@Unroll int j = 0; j < nt; j++) {
                        ctx.mmaTf32(acc, j * 4, cs, SsdKernels.TILE * warp * SLICE_STRIDE + k0, SLICE_STRIDE, 1,
                                ss, 8 * j * SLICE_STRIDE + k0, 1, SLICE_STRIDE);
                    }
                }
                ctx.localBarrier();
            }
        }
        // The start state reaches token t decayed by exp2(totals of the chunk's tiles before t's + cum_t).
        float before = 0.0f;
        for (int tt = c0; tt < myTile && tt + SsdKernels.TILE <= tEnd; tt += SsdKernels.TILE) {
            before += cum.get(hl + tt + SsdKernels.TILE - 1);
        }
        for (int e = 0; e < 4; e++) {
            int t = myTile + lane / 4 + 8 * (e / 2);
            float decay = t < tEnd ? KernelMath.exp2(before + cum.get(hl + t)) : 0.0f;
            for (int j = 0; j < nt; j++) {
                acc[j * 4 + e] = acc[j * 4 + e] * decay;
            }
        }

        // Intra-chunk part: source tiles from the block's last tile back to the chunk start,
        // pipelined as the slices (iteration k stages tile k − 1 counted from the last).
        for (int k = 0; k < BLOCK / SsdKernels.TILE; k++) {
            between[k] = 0.0f;
        }
        for (@Unroll int j = 0; j < BLOCK * SsdKernels.TILE / LOCAL; j++) {
            int t = t0 + lid / SsdKernels.TILE + (LOCAL / SsdKernels.TILE) * j;
            cumRow[j] = t < tEnd ? cum.get(hl + t) : 0.0f;
        }
        int sLast = c0 + ((tEnd - 1 - c0) / SsdKernels.TILE) * SsdKernels.TILE;
        int nSources = (sLast - c0) / SsdKernels.TILE + 1;
        float cumCol = 0.0f;       // cum of this item's score column (token s0 + lid % 16)
        float total = 0.0f;        // the source tile's log2 decay total
        for (int k = 0; k <= nSources; k++) {
            if (k > 0) {
                int s0 = sLast - (k - 1) * SsdKernels.TILE;
                for (@Unroll int m = 0; m < BLOCK / SsdKernels.TILE; m++) {
                    if (t0 + SsdKernels.TILE * m > s0) {
                        between[m] += total;
                    }
                }
                for (@Unroll int u = 0; u < xSlots; u++) {
                    int i = lid + u * LOCAL;
                    if (i < SsdKernels.TILE * xRowWords) {
                        for (@Unroll int j = 0; j < per; j++) {
                            xs[(i / xRowWords) * xStride + (i % xRowWords) * per + j] =
                                    KernelMath.roundToTf32(xDt[u] * StorageType.unpack(xWord[u], ioType, j));
                        }
                    }
                }
                for (@Unroll int j = 0; j < BLOCK * SsdKernels.TILE / LOCAL; j++) {
                    int row = lid / SsdKernels.TILE + (LOCAL / SsdKernels.TILE) * j;
                    int s = s0 + lid % SsdKernels.TILE;
                    // row's output tile is j / 2: lid / 16 < 8 and 8·j is a multiple of 8.
                    sc[row * SCORE_STRIDE + lid % SsdKernels.TILE] = s <= t0 + row && t0 + row < tEnd
                            ? KernelMath.roundToTf32(score[j] * KernelMath.exp2(cumRow[j] - cumCol
                                    + between[(LOCAL / SsdKernels.TILE) * j / SsdKernels.TILE]))
                            : 0.0f;
                }
                ctx.localBarrier();
            }
            if (k < nSources) {
                int s0 = sLast - k * SsdKernels.TILE;
                for (@Unroll int u = 0; u < xSlots; u++) {
                    int i = lid + u * LOCAL;
                    int s = s0 + i / xRowWords;
                    boolean in = i < SsdKernels.TILE * xRowWords && s < tEnd;
                    xWord[u] = in ? xbcWords.get((b * seqLen + s) * rowWords + xCol / per + i % xRowWords) : 0L;
                    xDt[u] = in ? dt.get(hl + s) : 0.0f;
                }
                int s = s0 + lid % SsdKernels.TILE;
                for (@Unroll int j = 0; j < BLOCK * SsdKernels.TILE / LOCAL; j++) {
                    int t = t0 + lid / SsdKernels.TILE + (LOCAL / SsdKernels.TILE) * j;
                    score[j] = s <= t && t < tEnd ? scores.get(scoreBase + (t - c0) * chunk + s - c0) : 0.0f;
                }
                cumCol = s < tEnd ? cum.get(hl + s) : 0.0f;
                // Needed only when a token of the block follows the tile (then the tile is whole).
                total = s0 + SsdKernels.TILE < tEnd ? cum.get(hl + s0 + SsdKernels.TILE - 1) : 0.0f;
            }
            if (k > 0) {
                int s0 = sLast - (k - 1) * SsdKernels.TILE;
                if (myTile >= s0) {
                    for (@Unroll int k0 = 0; k0 < SsdKernels.TILE; k0 += 8) {
                        for (@Unroll int j = 0; j < nt; j++) {
                            ctx.mmaTf32(acc, j * 4, sc, SsdKernels.TILE * warp * SCORE_STRIDE + k0, SCORE_STRIDE, 1,
                                    xs, k0 * xStride + 8 * j, xStride, 1);
                        }
                    }
                }
                ctx.localBarrier();
            }
        }

        // y = acc + D·x. Lane l holds columns p, p + 1 (p = 8j + 2(l%4); P is even) of rows l/4 and
        // l/4 + 8 of its tile: both x values come from one 8-byte word.
        float d = dSkip.get(h);
        for (int half = 0; half < 2; half++) {
            int t = myTile + lane / 4 + 8 * half;
            if (t < tEnd) {
                int row = b * seqLen + t;
                for (int j = 0; j < nt; j++) {
                    int p = 8 * j + 2 * (lane % 4);
                    if (p < headDim) {
                        long word = xbcWords.get(row * rowWords + (xCol + p) / per);
                        for (int e = 0; e < 2; e++) {
                            float x = StorageType.unpack(word, ioType, (xCol + p) % per + e);
                            StorageType.store(y, yF16, yBf16, ioType, row * nHeads * headDim + xCol + p + e,
                                    Math.fma(d, x, acc[j * 4 + 2 * half + e]));
                        }
                    }
                }
            }
        }
    }
}
