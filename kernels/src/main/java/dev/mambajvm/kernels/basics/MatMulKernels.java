package dev.mambajvm.kernels.basics;

import dev.mambajvm.lang.Constant;
import dev.mambajvm.lang.FloatArray;
import dev.mambajvm.lang.Kernel;
import dev.mambajvm.lang.KernelContext;

/**
 * Matrix multiply C = A·B (A: m×k, B: k×n, C: m×n, row-major, float32), tiled through local memory.
 *
 * <p>Why tiles: computed naively every work-item reads a whole row of A and column of B from global
 * memory, 2k loads for 2k flops. Here a tile×tile work-group first copies a tile×tile block of A
 * and of B into local memory (one load per work-item each), then every item does tile
 * multiply-adds out of local memory. Global traffic drops by a factor of {@code tile}; the tile
 * is bounded by local memory (2·tile² floats: 8 KiB at tile 32) and by the group size (tile²
 * work-items: 1024 at tile 32 is the CUDA maximum).
 */
public final class MatMulKernels {
    private MatMulKernels() {
    }

    /** 2-D launch: global (ceil(n/tile)·tile, ceil(m/tile)·tile), local (tile, tile). x = column, y = row. */
    @Kernel
    public static void matmulTiled(KernelContext ctx, FloatArray a, FloatArray b, FloatArray c,
                                   int m, int n, int k, @Constant int tile) {
        float[] aTile = ctx.allocateFloatLocalArray(tile * tile);
        float[] bTile = ctx.allocateFloatLocalArray(tile * tile);
        int tx = ctx.localIdx;
        int ty = ctx.localIdy;
        int col = ctx.globalIdx;
        int row = ctx.globalIdy;
        float acc = 0.0f;
        for (int t0 = 0; t0 < k; t0 += tile) {
            // Stage one tile of A (rows of this group) and one of B (its columns); zero-pad the edges.
            int aCol = t0 + tx;
            int bRow = t0 + ty;
            aTile[ty * tile + tx] = row < m && aCol < k ? a.get(row * k + aCol) : 0.0f;
            bTile[ty * tile + tx] = bRow < k && col < n ? b.get(bRow * n + col) : 0.0f;
            ctx.localBarrier();
            for (int j = 0; j < tile; j++) {
                acc += aTile[ty * tile + j] * bTile[j * tile + tx];
            }
            // Nobody may overwrite the tiles while a neighbour still reads them.
            ctx.localBarrier();
        }
        if (row < m && col < n) {
            c.set(row * n + col, acc);
        }
    }
}
