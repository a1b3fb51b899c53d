package dev.mambajvm.lang;

/**
 * The work-item's view of the launch, in the style of TornadoVM's {@code KernelContext}.
 *
 * <p>A launch is a grid of work-groups of {@code localGroupSize} work-items each; the grid covers
 * {@code globalGroupSize} work-items per dimension. In generated code every field maps to a
 * built-in: {@code globalIdx} is {@code blockIdx.x * blockDim.x + threadIdx.x} in CUDA and
 * {@code get_global_id(0)} in OpenCL.
 *
 * <p>Kernels only read these fields. The backends own the writes: the JVM backend subclasses this
 * class to give {@link #localBarrier()} and the local-array allocators work-group semantics.
 */
public abstract class KernelContext {
    /** Index of this work-item in the whole grid, per dimension. */
    public int globalIdx, globalIdy, globalIdz;
    /** Index of this work-item inside its work-group (the CUDA thread index). */
    public int localIdx, localIdy, localIdz;
    /** Index of this work-group in the grid (the CUDA block index). */
    public int groupIdx, groupIdy, groupIdz;
    /** Work-items in the whole grid, per dimension. */
    public int globalGroupSizeX, globalGroupSizeY, globalGroupSizeZ;
    /** Work-items per work-group, per dimension (the CUDA block size). */
    public int localGroupSizeX, localGroupSizeY, localGroupSizeZ;

    /**
     * Waits until every work-item of the work-group has reached this barrier; writes to local
     * memory made before it are visible to the whole work-group after it. Every work-item of the
     * group must reach the same barrier (never call it under a condition that differs per item).
     */
    public abstract void localBarrier();

    /**
     * Local (CUDA: shared) memory of {@code length} floats, one array per work-group, shared by all
     * its work-items. The length must be a compile-time constant: a literal, a {@code static final}
     * field or a {@link Constant} parameter. Contents start undefined.
     */
    public abstract float[] allocateFloatLocalArray(int length);

    /** Local (CUDA: shared) memory of {@code length} ints; see {@link #allocateFloatLocalArray}. */
    public abstract int[] allocateIntLocalArray(int length);

    /**
     * One warp-level matrix multiply-accumulate on tensor cores: D (16 × 8) += A (16 × 8) · B (8 × 8),
     * with A and B read from local memory and D held in registers spread over the warp. The
     * shape and the spreading are those of CUDA's {@code mma.sync.m16n8k8} with TF32 inputs and
     * float32 accumulation (sm_80 and newer), which is what this compiles to there; elsewhere the
     * same arithmetic runs as plain FMAs, each work-item computing its own four elements.
     *
     * <p><b>Who calls it.</b> The 32 work-items of a warp together, with the same arguments except
     * {@code acc}: groups must be one-dimensional with a size that is a multiple of 32, and the warp
     * of an item is {@code localIdx / 32}, its lane {@code localIdx % 32}. Never call it under a
     * condition that differs inside a warp.
     *
     * <p><b>Operands.</b> {@code A(m, k) = a[aOffset + m·aRowStride + k·aColStride]} for m < 16,
     * k < 8, and {@code B(k, n) = b[bOffset + k·bRowStride + n·bColStride]} for k < 8, n < 8; both
     * arrays are local memory. The strides make either operand row- or column-major; choose them
     * (and the padding of the local arrays) so that the 32 lanes' reads fall in 32 different banks:
     * lane l reads A rows l/4 and l/4 + 8 at column l%4 (then l%4 + 4), and B row l%4 (then l%4 + 4)
     * at column l/4. Every element of A and B must be a TF32 value, i.e. a float whose 13 lowest
     * mantissa bits are zero ({@link KernelMath#roundToTf32}); tensor cores ignore those bits, so
     * the JVM refuses anything else rather than compute a different product.
     *
     * <p><b>Result.</b> {@code acc[accOffset .. accOffset + 3]}, a private array, holds this lane's
     * four elements of D: (r, 2c), (r, 2c + 1), (r + 8, 2c), (r + 8, 2c + 1) with r = lane / 4,
     * c = lane % 4. Each is accumulated in float32 (the products of TF32 values are exact in
     * float32; the order of the additions differs between tensor cores and this JVM code).
     */
    public final void mmaTf32(float[] acc, int accOffset,
                              float[] a, int aOffset, int aRowStride, int aColStride,
                              float[] b, int bOffset, int bRowStride, int bColStride) {
        if (localGroupSizeY != 1 || localGroupSizeZ != 1 || localGroupSizeX % 32 != 0) {
            throw new IllegalStateException("mmaTf32 needs one-dimensional work-groups of a multiple of 32 items (a"
                    + " warp is 32 consecutive items), not " + localGroupSizeX + " × " + localGroupSizeY + " × "
                    + localGroupSizeZ);
        }
        int lane = localIdx % 32;
        int r = lane / 4;
        int c = lane % 4;
        for (int e = 0; e < 4; e++) {
            int m = r + 8 * (e / 2);
            int n = 2 * c + e % 2;
            float sum = acc[accOffset + e];
            for (int k = 0; k < 8; k++) {
                float x = tf32(a[aOffset + m * aRowStride + k * aColStride], "A", m, k);
                float y = tf32(b[bOffset + k * bRowStride + n * bColStride], "B", k, n);
                sum = Math.fma(x, y, sum);
            }
            acc[accOffset + e] = sum;
        }
    }

    private static float tf32(float v, String operand, int row, int col) {
        if ((Float.floatToRawIntBits(v) & KernelMath.TF32_DROPPED_BITS) != 0 && !Float.isNaN(v)) {
            throw new IllegalArgumentException("mmaTf32: " + operand + "(" + row + ", " + col + ") = " + v
                    + " is not a TF32 value (its 13 lowest mantissa bits are not zero): round it with"
                    + " KernelMath.roundToTf32 before it is stored in local memory");
        }
        return v;
    }
}
