package dev.mambajvm.kernels.mamba;

import dev.mambajvm.lang.FloatArray;
import dev.mambajvm.lang.Kernel;
import dev.mambajvm.lang.KernelContext;

/**
 * The bias of a projection, added after the GEMM or GEMV that computed it: checkpoints with
 * {@code use_bias = true} have biases on in_proj and out_proj. A separate launch rather than a
 * bias argument of every product kernel: those checkpoints are rare, and the products stay as they are.
 */
public final class Bias {
    private Bias() {
    }

    /**
     * x (rows, cols) += bias (cols), broadcast over the rows; x and bias float32. 2-D launch: global
     * (ceil(cols/local)·local, rows), local (local, 1), e.g. 64: x = column (coalesced), y = row.
     * HBM: reads and writes x once, reads bias (cached).
     */
    @Kernel
    public static void addBias(KernelContext ctx, FloatArray x, FloatArray bias, int rows, int cols) {
        int col = ctx.globalIdx;
        int row = ctx.globalIdy;
        if (col >= cols || row >= rows) {
            return;
        }
        x.set(row * cols + col, x.get(row * cols + col) + bias.get(col));
    }
}
