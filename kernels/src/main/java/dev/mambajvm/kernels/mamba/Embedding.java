package dev.mambajvm.kernels.mamba;

import dev.mambajvm.lang.BFloat16Array;
import dev.mambajvm.lang.Constant;
import dev.mambajvm.lang.FloatArray;
import dev.mambajvm.lang.HalfArray;
import dev.mambajvm.lang.IntArray;
import dev.mambajvm.lang.Kernel;
import dev.mambajvm.lang.KernelContext;

/**
 * Embedding gather: out[i, :] = table[ids[i], :], widened to float32 (the residual stream's type).
 * A pure copy: HBM traffic is n·d·(bytes(table) + 4) plus n ids, no flops.
 */
public final class Embedding {
    private Embedding() {
    }

    /**
     * ids (n) int32; table (vocab, d) in the slot of {@code tableType} ({@link StorageType}, one
     * compiled kernel per type); out (n, d) float32. 2-D launch: global (ceil(d/local)·local, n),
     * local (local, 1), e.g. 256: x = column (coalesced row copy), y = token. An id outside
     * [0, vocab) writes NaN to its row (no exceptions on a GPU; NaN makes the bad token visible
     * downstream instead of reading out of bounds).
     */
    @Kernel
    public static void embed(KernelContext ctx, IntArray ids, FloatArray table, HalfArray tableF16,
                             BFloat16Array tableBf16, FloatArray out, int n, int d, int vocab,
                             @Constant int tableType) {
        int col = ctx.globalIdx;
        int i = ctx.globalIdy;
        if (col >= d || i >= n) {
            return;
        }
        int id = ids.get(i);
        float v = id >= 0 && id < vocab ? StorageType.load(table, tableF16, tableBf16, tableType, id * d + col)
                : Float.intBitsToFloat(0x7fc00000);
        out.set(i * d + col, v);
    }
}
