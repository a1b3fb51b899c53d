package dev.mambajvm.backend.jvm;

import dev.mambajvm.lang.KernelContext;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Phaser;

/**
 * The JVM backend's {@link KernelContext}: the executor writes the ids, the kernel reads them.
 *
 * <p>In a kernel without barriers one context per worker thread is reused for every work-item it
 * runs ({@link #enterGroup} then {@link #enterItem} per item). In a kernel with barriers every
 * work-item is its own virtual thread with its own context.
 */
final class JvmKernelContext extends KernelContext {
    /** Poison for fresh local int arrays: a kernel that reads before writing sees garbage, not 0. */
    static final int INT_POISON = 0xDEADBEEF;

    private final String kernel;
    private Group group;
    /** How many local arrays this work-item has allocated so far: the index of its next one. */
    private int allocations;
    /** How many barriers this work-item has passed; all items of a group must agree at the end. */
    int barriers;

    JvmKernelContext(String kernel, long[] global, int[] local) {
        this.kernel = kernel;
        globalGroupSizeX = (int) global[0];
        globalGroupSizeY = (int) global[1];
        globalGroupSizeZ = (int) global[2];
        localGroupSizeX = local[0];
        localGroupSizeY = local[1];
        localGroupSizeZ = local[2];
    }

    void enterGroup(Group g) {
        group = g;
        groupIdx = g.id[0];
        groupIdy = g.id[1];
        groupIdz = g.id[2];
    }

    void enterItem(int x, int y, int z) {
        localIdx = x;
        localIdy = y;
        localIdz = z;
        globalIdx = groupIdx * localGroupSizeX + x;
        globalIdy = groupIdy * localGroupSizeY + y;
        globalIdz = groupIdz * localGroupSizeZ + z;
        allocations = 0;
        barriers = 0;
    }

    int[] localIds() {
        return new int[]{localIdx, localIdy, localIdz};
    }

    @Override
    public void localBarrier() {
        Phaser phaser = group.barrier;
        if (!group.barriersDeclared) {
            // The descriptor decides how the group runs; a sequential group cannot wait for itself.
            throw new IllegalStateException("kernel " + kernel
                    + " calls localBarrier() but its descriptor says it does not use barriers");
        }
        barriers++;
        if (phaser == null) {
            return;   // a group of one item: nobody else to wait for
        }
        // Phaser gives the memory guarantee a barrier needs: everything an item wrote before it
        // arrived happens-before what every item does after the phase advances. A negative phase
        // means the phaser was terminated because another item of the group failed: unwind.
        if (phaser.arriveAndAwaitAdvance() < 0) {
            throw GroupAborted.INSTANCE;
        }
    }

    @Override
    public float[] allocateFloatLocalArray(int length) {
        return (float[]) group.localArray(allocations++, length, true);
    }

    @Override
    public int[] allocateIntLocalArray(int length) {
        return (int[]) group.localArray(allocations++, length, false);
    }

    /**
     * The state shared by the work-items of one work-group: its ids, its barrier (null when the
     * items run one after the other: the kernel uses none, or the group has one item) and its
     * local memory.
     */
    static final class Group {
        final int[] id;
        final Phaser barrier;
        /** Whether the kernel's descriptor declares barriers (a call is an error otherwise). */
        final boolean barriersDeclared;
        /** The k-th local array allocated by the group's items; created by the first item to ask. */
        private final List<Object> locals = new ArrayList<>(2);

        Group(int x, int y, int z, Phaser barrier, boolean barriersDeclared) {
            this.id = new int[]{x, y, z};
            this.barrier = barrier;
            this.barriersDeclared = barriersDeclared;
        }

        /** Makes this the group (x, y, z), its local arrays poisoned again as if new. */
        void restart(int x, int y, int z) {
            id[0] = x;
            id[1] = y;
            id[2] = z;
            for (Object a : locals) {
                if (a instanceof float[] f) {
                    Arrays.fill(f, Float.NaN);
                } else {
                    Arrays.fill((int[]) a, INT_POISON);
                }
            }
        }

        /**
         * The k-th allocation of a work-item: the same array for every item of the group, as
         * {@code __shared__} / {@code __local} memory is on a GPU. Synchronized because the items
         * of a barrier group run concurrently; the first caller creates it.
         */
        synchronized Object localArray(int k, int length, boolean isFloat) {
            if (k < locals.size()) {
                Object a = locals.get(k);
                int have = a instanceof float[] f ? f.length : ((int[]) a).length;
                if ((a instanceof float[]) != isFloat || have != length) {
                    throw new IllegalStateException("local array #" + k + ": this work-item asks for "
                            + length + (isFloat ? " floats" : " ints") + " but another item of its group got "
                            + have + (a instanceof float[] ? " floats" : " ints")
                            + " (every work-item must make the same local allocations in the same order)");
                }
                return a;
            }
            Object a;
            if (isFloat) {
                float[] f = new float[length];
                Arrays.fill(f, Float.NaN);
                a = f;
            } else {
                int[] i = new int[length];
                Arrays.fill(i, INT_POISON);
                a = i;
            }
            locals.add(a);
            return a;
        }
    }

    /**
     * Thrown out of {@link #localBarrier()} when another work-item of the group failed: it unwinds
     * the kernel of this item, and is not itself reported. No stack trace: it is control flow.
     */
    static final class GroupAborted extends RuntimeException {
        static final GroupAborted INSTANCE = new GroupAborted();

        private GroupAborted() {
            super("another work-item of this work-group failed", null, false, false);
        }
    }
}
