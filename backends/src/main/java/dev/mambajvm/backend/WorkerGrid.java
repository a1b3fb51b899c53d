package dev.mambajvm.backend;

/**
 * The shape of a launch, in the style of TornadoVM's WorkerGrid: global work-items and work-group
 * size per dimension. The global size must be a multiple of the local size (as OpenCL 1.2 and
 * CUDA require); use {@link #covering1D} to round up and let the kernel guard {@code i < n}.
 */
public record WorkerGrid(int dimensions, long[] global, int[] local) {

    public WorkerGrid {
        if (dimensions < 1 || dimensions > 3 || global.length != dimensions || local.length != dimensions) {
            throw new IllegalArgumentException("a grid has 1 to 3 dimensions, with one global and one local size each");
        }
        global = global.clone();
        local = local.clone();
        for (int d = 0; d < dimensions; d++) {
            if (local[d] < 1 || global[d] < 1) {
                throw new IllegalArgumentException("grid sizes must be positive, got global " + global[d]
                        + " and local " + local[d] + " in dimension " + d);
            }
            if (global[d] % local[d] != 0) {
                throw new IllegalArgumentException("global size " + global[d] + " is not a multiple of local size "
                        + local[d] + " in dimension " + d + " (use WorkerGrid.covering1D to round up)");
            }
        }
    }

    public static WorkerGrid of1D(long global, int local) {
        return new WorkerGrid(1, new long[]{global}, new int[]{local});
    }

    public static WorkerGrid of2D(long globalX, long globalY, int localX, int localY) {
        return new WorkerGrid(2, new long[]{globalX, globalY}, new int[]{localX, localY});
    }

    public static WorkerGrid of3D(long gx, long gy, long gz, int lx, int ly, int lz) {
        return new WorkerGrid(3, new long[]{gx, gy, gz}, new int[]{lx, ly, lz});
    }

    /** The smallest 1-D grid of work-groups of {@code local} items that covers {@code n} items. */
    public static WorkerGrid covering1D(long n, int local) {
        return of1D(Math.max(1, (n + local - 1) / local) * local, local);
    }

    public long global(int d) {
        return d < dimensions ? global[d] : 1;
    }

    public int local(int d) {
        return d < dimensions ? local[d] : 1;
    }

    /** Work-groups in dimension {@code d}. */
    public long groups(int d) {
        return global(d) / local(d);
    }

    public int localSize() {
        return local(0) * local(1) * local(2);
    }
}
