package dev.mambajvm.kernels.mamba;

import dev.mambajvm.lang.BFloat16Array;
import dev.mambajvm.lang.Constant;
import dev.mambajvm.lang.FloatArray;
import dev.mambajvm.lang.HalfArray;
import dev.mambajvm.lang.Kernel;
import dev.mambajvm.lang.KernelContext;

/**
 * Prefill matrix-matrix product C (m, n) = A (m, k) · Wᵀ, W (n, k) the nn.Linear weight
 * (out_features × in_features), A and C float32, W float32/float16/bfloat16.
 *
 * <p>Tiling, two levels. A work-group computes a tileM × tileN block of C (64 × 64). Per step of
 * tileK (16) along k it copies a tileM × tileK slice of A and a tileN × tileK slice of W from HBM
 * into local memory, each element once, then every item reads them tileK times out of local
 * memory. Each of the (tileM/regM)·(tileN/regN) items (16 × 16 = 256) owns a regM × regN (4 × 4)
 * register tile of C: per k it loads regM values of A and regN of W from local memory and does
 * regM·regN multiply-adds, so local-memory traffic per flop falls by 4× against one output per
 * item, and HBM traffic per flop is 1/tileM + 1/tileN of the naive kernel's.
 *
 * <p>Why these sizes: 64 × 64 × 16 takes 2·16·65·4 = 8.3 KiB of local memory (several groups fit
 * per SM), 256 items per group, 16 accumulators + 8 operands per item (no spills); tileK = 16 makes
 * each A/W slice row 64 contiguous bytes. Slices are stored k-major (transposed) with a row
 * padding of one float, so the transposing stores hit 16 different banks and the compute reads
 * (items owning rows ty + i·16 and columns tx + j·16, strided rather than blocked) are either
 * broadcasts (A) or consecutive words (W): no bank conflicts. Ragged edges are zero-padded on load
 * and masked on store. No tensor cores: speed is measured later.
 */
public final class Linear {
    private Linear() {
    }

    /**
     * Row r of A starts at a[r · aStride] (aStride = k when A is contiguous; larger to read the
     * first k columns of a wider matrix in place, e.g. dt from x_proj's output, or every L-th row).
     * 2-D launch: global (ceil(n/tileN)·(tileN/regN), ceil(m/tileM)·(tileM/regM)), local
     * (tileN/regN, tileM/regM). x = column of C, y = row. tileM·tileK and tileN·tileK must be
     * multiples of the group size (true for 64, 64, 16, 4, 4).
     * HBM: reads m·k·4·ceil(n/tileN) + n·k·bytes(W)·ceil(m/tileM), writes m·n·4; 2·m·n·k flops.
     */
    @Kernel
    public static void linear(KernelContext ctx, FloatArray a, int aStride, FloatArray w, HalfArray wF16, BFloat16Array wBf16,
                              FloatArray c, int m, int n, int k, @Constant int wType, @Constant int tileM,
                              @Constant int tileN, @Constant int tileK, @Constant int regM, @Constant int regN) {
        float[] aTile = ctx.allocateFloatLocalArray(tileK * (tileM + 1));
        float[] wTile = ctx.allocateFloatLocalArray(tileK * (tileN + 1));
        int threadsX = tileN / regN;
        int threadsY = tileM / regM;
        int tx = ctx.localIdx;
        int ty = ctx.localIdy;
        int tid = ty * threadsX + tx;
        int rowBase = ctx.groupIdy * tileM;
        int colBase = ctx.groupIdx * tileN;
        float[] acc = new float[regM * regN];
        float[] aReg = new float[regM];
        float[] wReg = new float[regN];
        for (int k0 = 0; k0 < k; k0 += tileK) {
            // Stage A[rowBase.., k0..] and W[colBase.., k0..]: consecutive items read consecutive k (coalesced),
            // stored transposed (k-major) so the compute loop below reads rows of the tiles.
            for (int e = 0; e < tileM * tileK / (threadsX * threadsY); e++) {
                int idx = tid + e * threadsX * threadsY;
                int r = idx / tileK;
                int kk = idx - r * tileK;
                int gr = rowBase + r;
                int gk = k0 + kk;
                aTile[kk * (tileM + 1) + r] = gr < m && gk < k ? a.get(gr * aStride + gk) : 0.0f;
            }
            for (int e = 0; e < tileN * tileK / (threadsX * threadsY); e++) {
                int idx = tid + e * threadsX * threadsY;
                int r = idx / tileK;
                int kk = idx - r * tileK;
                int gn = colBase + r;
                int gk = k0 + kk;
                wTile[kk * (tileN + 1) + r] = gn < n && gk < k
                        ? StorageType.load(w, wF16, wBf16, wType, gn * k + gk) : 0.0f;
            }
            ctx.localBarrier();
            for (int kk = 0; kk < tileK; kk++) {
                for (int i = 0; i < regM; i++) {
                    aReg[i] = aTile[kk * (tileM + 1) + ty + i * threadsY];
                }
                for (int j = 0; j < regN; j++) {
                    wReg[j] = wTile[kk * (tileN + 1) + tx + j * threadsX];
                }
                for (int i = 0; i < regM; i++) {
                    for (int j = 0; j < regN; j++) {
                        acc[i * regN + j] = Math.fma(aReg[i], wReg[j], acc[i * regN + j]);
                    }
                }
            }
            // Nobody may overwrite the tiles while a neighbour still reads them.
            ctx.localBarrier();
        }
        for (int i = 0; i < regM; i++) {
            int row = rowBase + ty + i * threadsY;
            for (int j = 0; j < regN; j++) {
                int col = colBase + tx + j * threadsX;
                if (row < m && col < n) {
                    c.set(row * n + col, acc[i * regN + j]);
                }
            }
        }
    }
}
