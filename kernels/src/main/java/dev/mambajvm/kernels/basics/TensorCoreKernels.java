package dev.mambajvm.kernels.basics;

import dev.mambajvm.lang.FloatArray;
import dev.mambajvm.lang.Kernel;
import dev.mambajvm.lang.KernelContext;
import dev.mambajvm.lang.KernelMath;

/**
 * The smallest complete use of the tensor cores ({@link KernelContext#mmaTf32}): C = A·B (A: m×k,
 * B: k×n, C: m×n, row-major, float32 in memory, TF32 products, float32 sums).
 *
 * <p>A group of 4 warps (128 items) owns a 32 × 16 tile of C, each warp one 16 × 8 piece of it
 * (warp w: rows 16·(w/2), columns 8·(w%2)), held as 4 floats per lane. Per step of 8 along k the
 * group stages 32 × 8 of A and 8 × 16 of B in local memory, rounded to TF32 as they arrive, and
 * every warp issues one 16 × 8 × 8 multiply-accumulate. B is staged column-major (one column's 8
 * k values together) to show the operand strides at work.
 *
 * <p>Why the row stride of 12 floats (8 used + 4 of padding): lane l reads A at row l/4, column
 * l%4, i.e. word 12·(l/4) + l%4. 12·r mod 32 takes 8 different multiples of 4 for r < 8, so the 32
 * lanes hit 32 different banks in one pass; with a stride of 8 lanes 0 and 16 would share a
 * bank. B's reads (column l/4, row l%4: word 12·(l/4) + l%4) are the same pattern.
 */
public final class TensorCoreKernels {
    private TensorCoreKernels() {
    }

    /** Rows and columns of C per group; 4 warps of 16 × 8. */
    public static final int TILE_M = 32;
    public static final int TILE_N = 16;
    /** Items per group: 4 warps. */
    public static final int LOCAL = 128;
    /** Row stride of the staged tiles: 8 values along k, 4 floats of padding (see the class comment). */
    static final int STRIDE = 12;

    /** 1-D launch: ceil(m/32)·ceil(n/16) groups of {@link #LOCAL} items. */
    @Kernel
    public static void matmulTf32(KernelContext ctx, FloatArray a, FloatArray b, FloatArray c, int m, int n, int k) {
        float[] as = ctx.allocateFloatLocalArray(TILE_M * STRIDE);
        float[] bs = ctx.allocateFloatLocalArray(TILE_N * STRIDE);
        float[] acc = new float[4];
        int lid = ctx.localIdx;
        int warp = lid / 32;
        int colTiles = (n + TILE_N - 1) / TILE_N;
        int row0 = (ctx.groupIdx / colTiles) * TILE_M;
        int col0 = (ctx.groupIdx % colTiles) * TILE_N;
        int wm = warp / 2;
        int wn = warp % 2;
        for (int k0 = 0; k0 < k; k0 += 8) {
            // 32 × 8 of A (two per item) and 8 × 16 of B (one per item), zero past the edges.
            for (int i = lid; i < TILE_M * 8; i += LOCAL) {
                int r = i / 8;
                int kk = i % 8;
                as[r * STRIDE + kk] = row0 + r < m && k0 + kk < k
                        ? KernelMath.roundToTf32(a.get((row0 + r) * k + k0 + kk)) : 0.0f;
            }
            int kb = lid / TILE_N;
            int cb = lid % TILE_N;
            bs[cb * STRIDE + kb] = k0 + kb < k && col0 + cb < n ? KernelMath.roundToTf32(b.get((k0 + kb) * n + col0 + cb)) : 0.0f;
            ctx.localBarrier();
            // A(r, kk) = as[(16·wm + r)·12 + kk]; B(kk, j) = bs[(8·wn + j)·12 + kk].
            ctx.mmaTf32(acc, 0, as, wm * 16 * STRIDE, STRIDE, 1, bs, wn * 8 * STRIDE, 1, STRIDE);
            ctx.localBarrier();
        }
        int lane = lid % 32;
        for (int e = 0; e < 4; e++) {
            int row = row0 + wm * 16 + lane / 4 + 8 * (e / 2);
            int col = col0 + wn * 8 + 2 * (lane % 4) + e % 2;
            if (row < m && col < n) {
                c.set(row * n + col, acc[e]);
            }
        }
    }
}
