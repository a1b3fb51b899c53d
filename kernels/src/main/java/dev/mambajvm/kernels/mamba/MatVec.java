package dev.mambajvm.kernels.mamba;

import dev.mambajvm.backend.WorkerGrid;
import dev.mambajvm.lang.BFloat16Array;
import dev.mambajvm.lang.Constant;
import dev.mambajvm.lang.FloatArray;
import dev.mambajvm.lang.HalfArray;
import dev.mambajvm.lang.Kernel;
import dev.mambajvm.lang.KernelContext;
import dev.mambajvm.lang.LongArray;

/**
 * Decode-time matrix-vector product y (batch, rows) = W (rows, cols) · x (batch, cols) for each
 * batch entry, W in float32, float16 or bfloat16 (nn.Linear's weight, out_features × in_features).
 *
 * <p>At decode the whole weight must cross HBM once per token for 2 flops per element: the kernel
 * is bandwidth-bound and everything is about keeping HBM busy. One work-group per row (and per tile
 * of {@code batchTile} batch entries): the {@code groupSize} items stride over the row so each
 * round of loads is coalesced, and each item first issues {@code unroll} independent weight loads
 * into registers before using any (see VectorKernels.scaleUnrolled: bytes in flight must cover the
 * latency). The weights loaded are then used for {@code batchTile} batch entries from registers,
 * so W is read ceil(batch / batchTile) times instead of batch times. x is small and re-read from
 * L1/L2. Per-item partial sums are reduced in local memory (groupSize·batchTile floats).
 */
public final class MatVec {
    private MatVec() {
    }

    /**
     * The launch of {@link #matvecBf16Rows}: one group per block of {@code rowsPerGroup} rows, or
     * at most {@code maxGroups} groups (0: no cap) that then loop over the blocks.
     */
    public static WorkerGrid rowsGrid(int rows, int rowsPerGroup, int threadsPerRow, int maxGroups) {
        long groups = Math.ceilDiv(rows, rowsPerGroup);
        if (maxGroups > 0) {
            groups = Math.min(groups, maxGroups);
        }
        int local = rowsPerGroup * threadsPerRow;
        return WorkerGrid.of1D(groups * local, local);
    }

    /**
     * W in the slot of {@code wType} ({@link StorageType}); x (batch, cols) float32, row b at
     * x[b · xStride] (xStride = cols when contiguous; larger to read the first cols columns of a
     * wider row in place); y (batch, rows) float32. {@code accumulate} != 0 adds into y (y += W·x: a fused residual add), else y = W·x.
     * 2-D launch: global (rows·groupSize, ceil(batch/batchTile)), local (groupSize, 1), groupSize a
     * power of two ≥ batchTile. Per row and batch tile, HBM reads cols·bytes(W) + batchTile·cols·4
     * (x, mostly from cache) and writes batchTile floats.
     */
    @Kernel
    public static void matvec(KernelContext ctx, FloatArray w, HalfArray wF16, BFloat16Array wBf16, FloatArray x,
                              int xStride, FloatArray y, int rows, int cols, int batch, int accumulate, @Constant int wType,
                              @Constant int groupSize, @Constant int unroll, @Constant int batchTile) {
        float[] partial = ctx.allocateFloatLocalArray(groupSize * batchTile);
        int lid = ctx.localIdx;
        int row = ctx.groupIdx;
        int b0 = ctx.groupIdy * batchTile;
        int rowBase = row * cols;
        float[] acc = new float[batchTile];
        float[] wv = new float[unroll];
        for (int c0 = lid; c0 < cols; c0 += groupSize * unroll) {
            // unroll independent weight loads in flight before any is used.
            for (int u = 0; u < unroll; u++) {
                int c = c0 + u * groupSize;
                wv[u] = c < cols ? StorageType.load(w, wF16, wBf16, wType, rowBase + c) : 0.0f;
            }
            for (int bb = 0; bb < batchTile; bb++) {
                int b = b0 + bb;
                if (b < batch) {
                    for (int u = 0; u < unroll; u++) {
                        int c = c0 + u * groupSize;
                        if (c < cols) {
                            acc[bb] = Math.fma(wv[u], x.get(b * xStride + c), acc[bb]);
                        }
                    }
                }
            }
        }
        for (int bb = 0; bb < batchTile; bb++) {
            partial[bb * groupSize + lid] = acc[bb];
        }
        ctx.localBarrier();
        for (int stride = groupSize / 2; stride > 0; stride = stride / 2) {
            if (lid < stride) {
                for (int bb = 0; bb < batchTile; bb++) {
                    partial[bb * groupSize + lid] = partial[bb * groupSize + lid] + partial[bb * groupSize + lid + stride];
                }
            }
            ctx.localBarrier();
        }
        if (lid < batchTile) {
            int b = b0 + lid;
            if (b < batch) {
                float v = partial[lid * groupSize];
                int o = b * rows + row;
                y.set(o, accumulate != 0 ? y.get(o) + v : v);
            }
        }
    }

    /**
     * y (rows) = W (rows, cols) · x (cols) for bfloat16 W, batch 1: the decode-time product, tuned
     * for bandwidth. Two changes from {@link #matvec}, both measured on an H100 (docs/performance.md):
     * <ul>
     *   <li><b>8-byte loads.</b> W is read through a {@code LongArray} view of the same buffer: one
     *       load brings four bf16 weights, so a warp's load is 256 contiguous bytes (two full cache
     *       lines) instead of 64. The four values are unpacked with shifts: a bf16 is the top half
     *       of a float32. Needs cols % 4 == 0 (true of every Mamba weight).</li>
     *   <li><b>Several rows per work-group.</b> {@code threadsPerRow} items share a row and
     *       {@code rowsPerGroup} rows share a group, so a group of 256 items reduces 8 rows of 32
     *       partial sums in 5 barrier steps. One row per 256-item group spent more time in its
     *       8-step reduction than in loading a 5 KB row.</li>
     * </ul>
     * Each item issues {@code unroll} 8-byte loads before using any (bytes in flight). x (cols
     * float32) is re-read from cache, also through a 64-bit view ({@code x2}, the x buffer: two
     * floats per load), so that four weights cost three load instructions instead of five.
     * 1-D launch: local rowsPerGroup·threadsPerRow (threadsPerRow a power of two), any number of
     * groups: group g takes the blocks of rows g, g + groups, … (a grid-stride
     * loop), so the host may launch one group per block of rows or only as many groups as the
     * device holds at once (no partly filled last wave); see {@link #rowsGrid}.
     */
    @Kernel
    public static void matvecBf16Rows(KernelContext ctx, LongArray w4, LongArray x2, FloatArray y, int rows, int cols,
                                      int accumulate, @Constant int rowsPerGroup, @Constant int threadsPerRow,
                                      @Constant int unroll) {
        float[] partial = ctx.allocateFloatLocalArray(rowsPerGroup * threadsPerRow);
        int lid = ctx.localIdx;
        int rowInGroup = lid / threadsPerRow;
        int lane = lid % threadsPerRow;
        int groups = ctx.globalGroupSizeX / ctx.localGroupSizeX;
        int quads = cols / 4;
        long[] packed = new long[unroll];
        // Grid-stride over blocks of rows: the same for every item of a group, so all meet the barriers.
        for (int row0 = ctx.groupIdx * rowsPerGroup; row0 < rows; row0 += groups * rowsPerGroup) {
            int row = row0 + rowInGroup;
            float acc = 0.0f;
            if (row < rows) {
                int rowBase = row * quads;
                for (int q0 = lane; q0 < quads; q0 += threadsPerRow * unroll) {
                    for (int u = 0; u < unroll; u++) {
                        int q = q0 + u * threadsPerRow;
                        packed[u] = q < quads ? w4.get(rowBase + q) : 0L;
                    }
                    for (int u = 0; u < unroll; u++) {
                        int q = q0 + u * threadsPerRow;
                        if (q < quads) {
                            long v = packed[u];
                            // Little-endian: weight 4q is the lowest 16 bits.
                            // x[4q .. 4q+3]: two 8-byte words, float 2j in the low half of word j.
                            long x01 = x2.get(2 * q);
                            long x23 = x2.get(2 * q + 1);
                            acc = Math.fma(Float.intBitsToFloat(((int) v) << 16), Float.intBitsToFloat((int) x01), acc);
                            acc = Math.fma(Float.intBitsToFloat(((int) v) & 0xFFFF0000),
                                    Float.intBitsToFloat((int) (x01 >>> 32)), acc);
                            acc = Math.fma(Float.intBitsToFloat(((int) (v >>> 32)) << 16), Float.intBitsToFloat((int) x23), acc);
                            acc = Math.fma(Float.intBitsToFloat(((int) (v >>> 32)) & 0xFFFF0000),
                                    Float.intBitsToFloat((int) (x23 >>> 32)), acc);
                        }
                    }
                }
            }
            // Each item writes only its own slot, and lane 0 reads only its own slot after the last
            // barrier: the next block of rows can start writing without another barrier.
            partial[lid] = acc;
            ctx.localBarrier();
            for (int stride = threadsPerRow / 2; stride > 0; stride = stride / 2) {
                if (lane < stride) {
                    partial[lid] = partial[lid] + partial[lid + stride];
                }
                ctx.localBarrier();
            }
            if (lane == 0 && row < rows) {
                float v = partial[lid];
                y.set(row, accumulate != 0 ? y.get(row) + v : v);
            }
        }
    }
}
