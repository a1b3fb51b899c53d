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
}
