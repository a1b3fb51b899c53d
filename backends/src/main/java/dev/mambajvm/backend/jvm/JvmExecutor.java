package dev.mambajvm.backend.jvm;

import dev.mambajvm.backend.WorkerGrid;
import dev.mambajvm.backend.jvm.JvmKernelContext.Group;
import dev.mambajvm.backend.jvm.JvmKernelContext.GroupAborted;
import dev.mambajvm.lang.KernelContext;

import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Phaser;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs one launch: the grid's work-groups over the cores, each work-group with the semantics the
 * kernel's descriptor asks for.
 *
 * <pre>
 *   grid:   groups(0) x groups(1) x groups(2) work-groups, numbered g = gx + gy*groups(0) + gz*groups(0)*groups(1)
 *   group:  local(0) x local(1) x local(2) work-items, x fastest
 *   ids:    globalIdx = groupIdx * localGroupSizeX + localIdx  (same for y, z)
 * </pre>
 *
 * <p>Scheduling: {@code min(parallelism, groups)} workers (the calling thread and pool threads)
 * take work-group numbers from a shared counter until none are left, so uneven groups balance out.
 * <ul>
 *   <li>Without barriers a worker runs the group's items one after the other, reusing one
 *       {@link JvmKernelContext}: a plain loop, the cheapest correct execution.</li>
 *   <li>With barriers but a single work-item per group, the same loop: a barrier among one item
 *       orders nothing, so {@code localBarrier()} only counts. The model picks one-item groups for
 *       the JVM backend (its reductions and tiles then run as plain loops, no thread per item).</li>
 *   <li>With barriers a worker starts one virtual thread per work-item and joins them: the items
 *       really run concurrently and meet at a {@link Phaser} of {@code localSize} parties, so
 *       {@code localBarrier()} means what it means on a GPU. Virtual threads park cheaply, so a
 *       group of 1024 items costs 1024 small objects, not 1024 OS threads.</li>
 * </ul>
 *
 * <p>Failure: the first work-item to throw is recorded; workers then start no new groups, and the
 * failing item's group {@linkplain Phaser#forceTermination() terminates its phaser}, which releases
 * every item waiting at (or later reaching) a barrier. The launch then throws a
 * {@link KernelExecutionException} naming the item. A work-item that returns normally deregisters
 * from the phaser, so items that still wait at a barrier it skipped are not stuck forever; the
 * group is then reported for calling {@code localBarrier()} a different number of times per item
 * (divergent barriers: on a GPU that hangs or corrupts local memory).
 */
final class JvmExecutor implements AutoCloseable {
    /** Phaser's limit on parties; GPUs allow at most 1024 items per group anyway. */
    private static final int MAX_BARRIER_GROUP = 65535;

    private final int parallelism;
    private final ExecutorService pool;

    JvmExecutor(int parallelism) {
        this.parallelism = parallelism;
        // Daemon platform threads: the launch caller is one worker, the pool supplies the others.
        this.pool = Executors.newFixedThreadPool(Math.max(1, parallelism - 1),
                Thread.ofPlatform().daemon().name("mamba-jvm-worker-", 0).factory());
    }

    int parallelism() {
        return parallelism;
    }

    /** Runs {@code workItem}, a {@code (KernelContext)void} handle, over {@code grid}; returns when all is done. */
    void run(JvmCompiledKernel kernel, WorkerGrid grid, MethodHandle workItem) {
        Launch launch = new Launch(kernel, grid, workItem);
        long groups = launch.groups[0] * launch.groups[1] * launch.groups[2];
        int workers = (int) Math.min(parallelism, groups);
        List<Future<?>> helpers = new ArrayList<>(workers - 1);
        for (int w = 1; w < workers; w++) {
            helpers.add(pool.submit(() -> launch.work(groups)));
        }
        try {
            launch.work(groups);
        } finally {
            await(launch, helpers);
        }
        launch.throwIfFailed();
    }

    /** Waits for the helper workers; they stop early once a failure is recorded. */
    private static void await(Launch launch, List<Future<?>> helpers) {
        boolean interrupted = false;
        for (Future<?> f : helpers) {
            while (true) {
                try {
                    f.get();
                    break;
                } catch (InterruptedException e) {
                    // Stop handing out groups, but still wait: the buffers must not be in use
                    // after launch returns.
                    interrupted = true;
                    launch.fail(null, new int[3], new int[3], e);
                } catch (ExecutionException e) {
                    launch.fail(null, new int[3], new int[3], e.getCause());
                    break;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }

    /** The state of one launch, shared by its workers. */
    private static final class Launch {
        final JvmCompiledKernel kernel;
        final String name;
        final long[] global = new long[3];
        final int[] local = new int[3];
        final long[] groups = new long[3];
        final boolean barriers;
        /** Items run concurrently (barriers among several items); otherwise one after the other. */
        final boolean concurrent;
        final int localSize;
        final MethodHandle workItem;
        final AtomicLong nextGroup = new AtomicLong();
        final AtomicReference<KernelExecutionException> failure = new AtomicReference<>();
        final AtomicInteger failures = new AtomicInteger();

        Launch(JvmCompiledKernel kernel, WorkerGrid grid, MethodHandle workItem) {
            this.kernel = kernel;
            this.name = kernel.spec().displayName();
            this.workItem = workItem;
            this.barriers = kernel.spec().usesBarriers();
            for (int d = 0; d < 3; d++) {
                global[d] = grid.global(d);
                local[d] = grid.local(d);
                groups[d] = grid.groups(d);
                // KernelContext ids are ints, as on the GPUs.
                if (global[d] > Integer.MAX_VALUE) {
                    throw new IllegalArgumentException("kernel " + name + ": global size " + global[d]
                            + " in dimension " + d + " does not fit the int ids of KernelContext");
                }
            }
            this.localSize = grid.localSize();
            this.concurrent = barriers && localSize > 1;
            if (barriers && localSize > MAX_BARRIER_GROUP) {
                throw new IllegalArgumentException("kernel " + name + ": a work-group of " + localSize
                        + " items with barriers is too large (at most " + MAX_BARRIER_GROUP + ")");
            }
        }

        /** A worker: takes group numbers until none are left or something failed. */
        void work(long total) {
            JvmKernelContext reused = concurrent ? null : new JvmKernelContext(name, global, local);
            // One group object (and its local arrays, re-poisoned) per worker for sequential groups:
            // a decode GEMV runs thousands of one-item groups, each only a few hundred FMAs.
            Group sequential = concurrent ? null : new Group(0, 0, 0, null, barriers);
            long g;
            while (failure.get() == null && (g = nextGroup.getAndIncrement()) < total) {
                int gx = (int) (g % groups[0]);
                long rest = g / groups[0];
                int gy = (int) (rest % groups[1]);
                int gz = (int) (rest / groups[1]);
                if (concurrent) {
                    runConcurrently(gx, gy, gz);
                } else {
                    runSequentially(reused, sequential, gx, gy, gz);
                }
            }
        }

        /** No barriers, or a group of one item: the items in a plain loop on this thread, x fastest. */
        private void runSequentially(JvmKernelContext ctx, Group group, int gx, int gy, int gz) {
            group.restart(gx, gy, gz);
            ctx.enterGroup(group);
            for (int z = 0; z < local[2]; z++) {
                for (int y = 0; y < local[1]; y++) {
                    for (int x = 0; x < local[0]; x++) {
                        ctx.enterItem(x, y, z);
                        try {
                            workItem.invokeExact((KernelContext) ctx);
                        } catch (Throwable t) {
                            fail(ctx, group.id.clone(), ctx.localIds(), t);
                            return;
                        }
                    }
                }
            }
        }

        /** Barriers: one virtual thread per item, meeting at the group's phaser. */
        private void runConcurrently(int gx, int gy, int gz) {
            Group group = new Group(gx, gy, gz, new Phaser(localSize), true);
            JvmKernelContext[] items = new JvmKernelContext[localSize];
            Thread[] threads = new Thread[localSize];
            int i = 0;
            for (int z = 0; z < local[2]; z++) {
                for (int y = 0; y < local[1]; y++) {
                    for (int x = 0; x < local[0]; x++, i++) {
                        JvmKernelContext ctx = new JvmKernelContext(name, global, local);
                        ctx.enterGroup(group);
                        ctx.enterItem(x, y, z);
                        items[i] = ctx;
                        threads[i] = Thread.ofVirtual().unstarted(() -> runItem(ctx, group));
                    }
                }
            }
            for (Thread t : threads) {
                t.start();
            }
            boolean interrupted = false;
            for (Thread t : threads) {
                while (true) {
                    try {
                        t.join();
                        break;
                    } catch (InterruptedException e) {
                        interrupted = true;
                        group.barrier.forceTermination();
                        fail(null, group.id, new int[3], e);
                    }
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            checkBarrierCounts(group, items);
        }

        private void runItem(JvmKernelContext ctx, Group group) {
            try {
                workItem.invokeExact((KernelContext) ctx);
            } catch (GroupAborted aborted) {
                return; // another item failed and was recorded; this one just unwinds
            } catch (Throwable t) {
                fail(ctx, group.id, ctx.localIds(), t);
                group.barrier.forceTermination(); // release the items waiting at a barrier
                return;
            }
            // Done: the remaining barriers of this group no longer wait for this item.
            group.barrier.arriveAndDeregister();
        }

        /** All items of a group that finished normally must have passed the same number of barriers. */
        private void checkBarrierCounts(Group group, JvmKernelContext[] items) {
            if (failure.get() != null) {
                return;
            }
            JvmKernelContext first = items[0];
            for (JvmKernelContext ctx : items) {
                if (ctx.barriers != first.barriers) {
                    fail(ctx, group.id, ctx.localIds(), new IllegalStateException("work-item local "
                            + KernelExecutionException.ids(ctx.localIds()) + " called localBarrier() " + ctx.barriers
                            + " times but work-item local " + KernelExecutionException.ids(first.localIds()) + " "
                            + first.barriers + " times: a barrier under control flow that differs between the"
                            + " items of a work-group (on a GPU this hangs or corrupts local memory)"));
                    return;
                }
            }
        }

        void fail(JvmKernelContext ctx, int[] group, int[] local, Throwable cause) {
            failures.incrementAndGet();
            if (failure.get() != null) {
                return;
            }
            String where = ctx == null
                    ? "while running work-group " + KernelExecutionException.ids(group)
                    : "in work-item group " + KernelExecutionException.ids(group) + " local "
                    + KernelExecutionException.ids(local) + " (global "
                    + KernelExecutionException.ids(new int[]{ctx.globalIdx, ctx.globalIdy, ctx.globalIdz}) + ")";
            failure.compareAndSet(null, new KernelExecutionException("kernel " + kernel.describe() + " failed "
                    + where + ": " + cause, name, group, local, cause));
        }

        void throwIfFailed() {
            KernelExecutionException e = failure.get();
            if (e == null) {
                return;
            }
            int others = failures.get() - 1;
            if (others > 0) {
                e.addSuppressed(new RuntimeException(others + " more failure(s) in this launch not shown"));
            }
            throw e;
        }
    }
}
