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
import dev.mambajvm.lang.Unroll;

/**
 * The two matrix steps of the SSD prefill ({@link SsdKernels#chunkStates} and
 * {@link SsdKernels#chunkOutputs}: the same math, inputs, outputs and launch order) on tensor cores,
 * through {@link KernelContext#mmaTf32}: 16 × 8 × 8 products of TF32 values summed in float32.
 *
 * <p><b>Why.</b> At Mamba-2 2.7B's shape (80 heads, P = 64, N = 128) these two steps are ~100
 * GFLOP at L = 32768, and on float32 FMAs they were 9.2 of the 10.8 ms of the whole prefill on an
 * H100 (docs/performance.md): the FMA roof alone is ≥ 1.5 ms. A tensor core does a 16 × 8 × 8
 * product (1024 multiply-adds) per warp instruction. Measured: chunkOutputsTc is 2.3× faster than
 * the FMA kernel, chunkStatesTc no faster; what limits them now is not the multiplies
 * (docs/performance.md, "Tensor cores").
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
     * {@code width} padded to a row stride s ≥ width with s ≡ 8 or 24 (mod 32), for operands read as
     * (l%4)·s + l/4. Adds less than 16: local arrays are sized width + 16 per row.
     */
    @DeviceFunction
    static int padRows(int width) {
        return width + ((8 - width % 16) + 16) % 16;
    }

    /**
     * Step 2 on tensor cores: states (batch, nHeads, nChunks, P, N) = Σ_t w_t·x_t ⊗ B_t over each
     * chunk, w_t = exp(cum_end − cum_t)·dt_t, as {@link SsdKernels#chunkStates} (same arguments,
     * same grid: one group of {@link #LOCAL} items per (b, h, chunk)).
     *
     * <p>The P × N result is an M = P, N = N, K = chunk product. Warps split it 2 × 2: warp w owns
     * rows [w/2 · P'/2, +P'/2) and columns [w%2 · N'/2, +N'/2) (P' = P rounded up to 32, N' = N to
     * 16), i.e. P'/32 × N'/16 tiles of 16 × 8: 2 × 8 tiles, 64 accumulators per lane at P = 64,
     * N = 128. Per 16-token tile the group stages w_t·x_t (16 × P', stride {@link #padRows}(P')) and
     * B_t (16 × N', stride padRows(N')) in local memory (13.3 KiB at P = 64, N = 128), then each warp
     * issues 2 (k steps of 8 tokens) × 16 multiply-accumulates, reading per lane 2 × 4 A words and
     * 8 × 2 B words per k step (the compiler keeps a fragment read once for the tiles that share it).
     * Measured on an H100, this kernel takes as long as the FMA one: the multiplies are not what
     * limits either (see docs/performance.md; staging 32 tokens per barrier was 34% slower).
     * HBM as the FMA kernel: x and B of the chunk once per head, the result once.
     */
    @Kernel
    public static void chunkStatesTc(KernelContext ctx, FloatArray xbc, HalfArray xbcF16, BFloat16Array xbcBf16,
                                     FloatArray dt, FloatArray cum, FloatArray states,
                                     int batch, int seqLen, int nHeads, int nGroups,
                                     @Constant int headDim, @Constant int dState, @Constant int chunk,
                                     @Constant int ioType) {
        // w·x as A (p, t) = xs[t·xStride + p]; B (t, n) = bs[t·bStride + n].
        float[] xs = ctx.allocateFloatLocalArray(SsdKernels.TILE * ((headDim + 31) / 32 * 32 + 16));
        float[] bs = ctx.allocateFloatLocalArray(SsdKernels.TILE * ((dState + 15) / 16 * 16 + 16));
        float[] acc = new float[((headDim + 31) / 32) * ((dState + 15) / 16) * 4];
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
        int xCol = h * headDim;
        int bCol = nHeads * headDim + g * dState;
        int hl = (b * nHeads + h) * seqLen;
        int t0 = c * chunk;
        int t1 = Math.min(t0 + chunk, seqLen);
        // log2 decay from the end of tile tt to the end of the chunk: the totals of the later tiles.
        float later = 0.0f;
        for (int tt = t0 + ((t1 - 1 - t0) / SsdKernels.TILE) * SsdKernels.TILE; tt >= t0; tt -= SsdKernels.TILE) {
            float tileEnd = cum.get(hl + Math.min(tt + SsdKernels.TILE, t1) - 1) + later;
            for (int i = lid; i < SsdKernels.TILE * pp; i += LOCAL) {
                int t = tt + i / pp;
                int p = i % pp;
                float v = 0.0f;
                if (t < t1 && p < headDim) {
                    float w = KernelMath.exp2(tileEnd - cum.get(hl + t)) * dt.get(hl + t);
                    v = KernelMath.roundToTf32(w * StorageType.load(xbc, xbcF16, xbcBf16, ioType,
                            (b * seqLen + t) * stride + xCol + p));
                }
                xs[(i / pp) * xStride + p] = v;
            }
            for (int i = lid; i < SsdKernels.TILE * nn; i += LOCAL) {
                int t = tt + i / nn;
                int n = i % nn;
                bs[(i / nn) * bStride + n] = t < t1 && n < dState
                        ? KernelMath.roundToTf32(StorageType.load(xbc, xbcF16, xbcBf16, ioType,
                                (b * seqLen + t) * stride + bCol + n)) : 0.0f;
            }
            ctx.localBarrier();
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
            later = tileEnd;
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
     * Step 4b on tensor cores: y as {@link SsdKernels#chunkOutputs} (same arguments), for a block of
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
     */
    @Kernel
    public static void chunkOutputsTc(KernelContext ctx, FloatArray xbc, HalfArray xbcF16, BFloat16Array xbcBf16,
                                      FloatArray dt, FloatArray cum, FloatArray dSkip, FloatArray states,
                                      FloatArray scores, FloatArray y, HalfArray yF16, BFloat16Array yBf16,
                                      int batch, int seqLen, int nHeads, int nGroups,
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
        int pp = (headDim + 7) / 8 * 8;
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
        int xCol = h * headDim;
        int bCol = nHeads * headDim + g * dState;
        int cCol = bCol + nGroups * dState;
        int hl = (b * nHeads + h) * seqLen;
        int stateBase = ((b * nHeads + h) * nChunks + c) * headDim * dState;
        int scoreBase = ((b * nChunks + c) * nGroups + g) * chunk * chunk;
        int myTile = t0 + SsdKernels.TILE * warp;      // this warp's first token

        // Inter-chunk part, 32 columns of N at a time.
        for (int n0 = 0; n0 < dState; n0 += SLICE) {
            for (int i = lid; i < BLOCK * SLICE; i += LOCAL) {
                int t = t0 + i / SLICE;
                int n = n0 + i % SLICE;
                cs[(i / SLICE) * SLICE_STRIDE + i % SLICE] = t < tEnd && n < dState
                        ? KernelMath.roundToTf32(StorageType.load(xbc, xbcF16, xbcBf16, ioType,
                                (b * seqLen + t) * stride + cCol + n)) : 0.0f;
            }
            for (int i = lid; i < pp * SLICE; i += LOCAL) {
                int p = i / SLICE;
                int n = n0 + i % SLICE;
                ss[p * SLICE_STRIDE + i % SLICE] = p < headDim && n < dState
                        ? KernelMath.roundToTf32(states.get(stateBase + p * dState + n)) : 0.0f;
            }
            ctx.localBarrier();
            for (@Unroll int k0 = 0; k0 < SLICE; k0 += 8) {
                for (@Unroll int j = 0; j < nt; j++) {
                    ctx.mmaTf32(acc, j * 4, cs, SsdKernels.TILE * warp * SLICE_STRIDE + k0, SLICE_STRIDE, 1,
                            ss, 8 * j * SLICE_STRIDE + k0, 1, SLICE_STRIDE);
                }
            }
            ctx.localBarrier();
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

        // Intra-chunk part: source tiles from the block's last tile back to the chunk start.
        for (int k = 0; k < BLOCK / SsdKernels.TILE; k++) {
            between[k] = 0.0f;
        }
        for (int s0 = c0 + ((tEnd - 1 - c0) / SsdKernels.TILE) * SsdKernels.TILE; s0 >= c0; s0 -= SsdKernels.TILE) {
            // The source tile's total, needed only when a token of the block follows it (then the tile is whole).
            float total = s0 + SsdKernels.TILE < tEnd ? cum.get(hl + s0 + SsdKernels.TILE - 1) : 0.0f;
            for (@Unroll int k = 0; k < BLOCK / SsdKernels.TILE; k++) {
                if (t0 + SsdKernels.TILE * k > s0) {
                    between[k] += total;
                }
            }
            for (int i = lid; i < SsdKernels.TILE * pp; i += LOCAL) {
                int s = s0 + i / pp;
                int p = i % pp;
                xs[(i / pp) * xStride + p] = s < tEnd && p < headDim
                        ? KernelMath.roundToTf32(dt.get(hl + s) * StorageType.load(xbc, xbcF16, xbcBf16, ioType,
                                (b * seqLen + s) * stride + xCol + p))
                        : 0.0f;
            }
            // 64 × 16 scores, 8 per item: item lid takes row lid/16 + 8·j (of output tile j/2), column lid % 16.
            for (@Unroll int j = 0; j < BLOCK * SsdKernels.TILE / LOCAL; j++) {
                int row = lid / SsdKernels.TILE + (LOCAL / SsdKernels.TILE) * j;
                int t = t0 + row;
                int s = s0 + lid % SsdKernels.TILE;
                sc[row * SCORE_STRIDE + lid % SsdKernels.TILE] = s <= t && t < tEnd
                        ? KernelMath.roundToTf32(scores.get(scoreBase + (t - c0) * chunk + s - c0)
                                * KernelMath.exp2(cum.get(hl + t) - cum.get(hl + s) + between[(LOCAL / SsdKernels.TILE) * j / SsdKernels.TILE]))
                        : 0.0f;
            }
            ctx.localBarrier();
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

        float d = dSkip.get(h);
        for (int e = 0; e < 4; e++) {
            int t = myTile + lane / 4 + 8 * (e / 2);
            for (int j = 0; j < nt; j++) {
                int p = 8 * j + 2 * (lane % 4) + e % 2;
                if (t < tEnd && p < headDim) {
                    int row = b * seqLen + t;
                    float x = StorageType.load(xbc, xbcF16, xbcBf16, ioType, row * stride + xCol + p);
                    StorageType.store(y, yF16, yBf16, ioType, row * nHeads * headDim + xCol + p,
                            Math.fma(d, x, acc[j * 4 + e]));
                }
            }
        }
    }
}
