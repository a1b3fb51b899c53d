package dev.mambajvm.backend.jvm;

/**
 * A work-item of a JVM launch threw. The message names the kernel, its source location and the
 * work-item (work-group and local ids per dimension, and the resulting global ids); the cause is
 * what the kernel threw (an {@link IndexOutOfBoundsException} from an array access, say).
 *
 * <p>Only the first failure is kept: once an item fails no new work-group starts, and the other
 * items of a barrier group are released from their barrier, so a failing launch never hangs.
 */
public final class KernelExecutionException extends RuntimeException {
    private final String kernel;
    private final int[] group;
    private final int[] local;

    KernelExecutionException(String message, String kernel, int[] group, int[] local, Throwable cause) {
        super(message, cause);
        this.kernel = kernel;
        this.group = group.clone();
        this.local = local.clone();
    }

    /** The kernel's display name, e.g. {@code BasicKernels.vectorAdd}. */
    public String kernel() {
        return kernel;
    }

    /** Work-group ids {x, y, z} of the failing work-item. */
    public int[] group() {
        return group.clone();
    }

    /** Local ids {x, y, z} of the failing work-item inside its work-group. */
    public int[] local() {
        return local.clone();
    }

    static String ids(int[] v) {
        return "(" + v[0] + "," + v[1] + "," + v[2] + ")";
    }
}
