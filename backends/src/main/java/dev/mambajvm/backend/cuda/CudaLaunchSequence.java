package dev.mambajvm.backend.cuda;

import dev.mambajvm.backend.CompiledKernel;
import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.backend.LaunchSequence;
import dev.mambajvm.backend.WorkerGrid;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A recorded sequence replayed as a CUDA Graph.
 *
 * <p>The graph is built explicitly on the first {@link #replay()} (rather than by stream capture):
 * one node per step, each depending on the one before (the order the steps were recorded, as on a
 * queue), so we hold every kernel node's handle without having to match captured nodes back to
 * steps. On later replays, a kernel node whose {@link dev.mambajvm.backend.Scalar} arguments changed
 * is updated in the executable graph with {@code cuGraphExecKernelNodeSetParams_v2}, which affects
 * only launches issued after it; then {@code cuGraphLaunch} enqueues the whole graph.
 *
 * <p>Recording after the first replay discards the graph; the next replay builds a new one. Device
 * addresses are fixed when the graph is built: freeing a recorded buffer makes replay throw.
 */
final class CudaLaunchSequence implements LaunchSequence {
    private final CudaDevice device;
    private final int generation;
    private final List<Step> steps = new ArrayList<>();
    /** Holds the argument blocks and node parameter structs for the graph's lifetime. */
    private Arena arena;
    private MemorySegment graph;
    private MemorySegment exec;
    private boolean closed;

    private sealed interface Step permits KernelStep, CopyStep {
    }

    private static final class KernelStep implements Step {
        final CudaCompiledKernel kernel;
        final WorkerGrid grid;
        final List<KernelArguments.Arg> args;
        final boolean hasScalars;
        MemorySegment values;
        MemorySegment params;
        MemorySegment node;
        Number[] issued;

        KernelStep(CudaCompiledKernel kernel, WorkerGrid grid, List<KernelArguments.Arg> args) {
            this.kernel = kernel;
            this.grid = grid;
            this.args = args;
            this.hasScalars = args.stream().anyMatch(a -> a.scalar() != null);
        }
    }

    private record CopyStep(CudaBuffer src, CudaBuffer dst, long bytes) implements Step {
    }

    CudaLaunchSequence(CudaDevice device, int generation) {
        this.device = device;
        this.generation = generation;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("launch sequence is closed");
        }
        device.checkGeneration(generation, "launch sequence");
    }

    @Override
    public synchronized void launch(CompiledKernel kernel, WorkerGrid grid, Object... args) {
        checkOpen();
        CudaCompiledKernel k = CudaQueue.kernelOf(device, kernel);
        List<KernelArguments.Arg> marshalled = KernelArguments.marshal(k.spec(), k.launchParams(), k.argTypes(), device,
                args, device::pointerOf);
        CudaQueue.dims(device, k, grid); // fail now, not at the first replay
        destroyGraph();
        steps.add(new KernelStep(k, grid, marshalled));
    }

    @Override
    public synchronized void copy(DeviceBuffer src, DeviceBuffer dst, long bytes) {
        checkOpen();
        device.pointerOf(src); // checks: a live buffer of this device
        device.pointerOf(dst);
        CudaQueue.checkCopy(src, dst, bytes);
        destroyGraph();
        steps.add(new CopyStep((CudaBuffer) src, (CudaBuffer) dst, bytes));
    }

    @Override
    public synchronized int size() {
        return steps.size();
    }

    @Override
    public synchronized void replay() {
        checkOpen();
        if (steps.isEmpty()) {
            return;
        }
        for (Step s : steps) {
            checkLive(s);
        }
        MemorySegment ctx = device.makeCurrent();
        CudaDriver drv = device.driver;
        if (exec == null) {
            build(ctx);
        } else {
            for (Step s : steps) {
                if (s instanceof KernelStep k && k.hasScalars) {
                    update(k);
                }
            }
        }
        drv.check(drv.cuGraphLaunch(exec, device.stream()), "cuGraphLaunch");
    }

    private static void checkLive(Step s) {
        if (s instanceof KernelStep k) {
            for (KernelArguments.Arg a : k.args) {
                if (a.buffer() instanceof CudaBuffer b && !b.isLive()) {
                    throw new IllegalStateException("kernel " + k.kernel.spec().displayName() + ", argument '"
                            + a.param().name() + "': the buffer was freed after the launch was recorded");
                }
            }
        } else if (s instanceof CopyStep c && (!c.src.isLive() || !c.dst.isLive())) {
            throw new IllegalStateException("a buffer of a recorded copy was freed");
        }
    }

    private void build(MemorySegment ctx) {
        CudaDriver drv = device.driver;
        arena = Arena.ofShared();
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment out = tmp.allocate(ADDRESS);
            drv.check(drv.cuGraphCreate(out, 0), "cuGraphCreate");
            graph = CudaDriver.handle(out);
            MemorySegment dep = tmp.allocate(ADDRESS);
            MemorySegment previous = null;
            for (Step s : steps) {
                MemorySegment deps = previous == null ? MemorySegment.NULL : dep;
                long numDeps = previous == null ? 0 : 1;
                if (previous != null) {
                    dep.set(ADDRESS, 0, previous);
                }
                if (s instanceof KernelStep k) {
                    int n = k.args.size();
                    k.values = arena.allocate(KernelArguments.valuesSize(n), 8);
                    MemorySegment pointers = arena.allocate(ADDRESS, Math.max(1, n));
                    KernelArguments.write(k.args, k.values, pointers);
                    k.issued = new Number[n];
                    for (int i = 0; i < n; i++) {
                        k.issued[i] = k.args.get(i).value();
                    }
                    k.params = kernelParams(k, n == 0 ? MemorySegment.NULL : pointers);
                    int rc = drv.cuGraphAddKernelNode(out, graph, deps, numDeps, k.params);
                    if (rc != CudaDriver.CUDA_SUCCESS) {
                        throw drv.error(rc, drv.nameGraphAddKernelNode, "kernel " + k.kernel.spec().displayName());
                    }
                    k.node = CudaDriver.handle(out);
                    previous = k.node;
                } else {
                    CopyStep c = (CopyStep) s;
                    MemorySegment p = tmp.allocate(CudaDriver.MEMCPY3D); // zeroed: unused fields must be 0/NULL
                    p.set(JAVA_INT, CudaDriver.offset(CudaDriver.MEMCPY3D, "srcMemoryType"), CudaDriver.CU_MEMORYTYPE_DEVICE);
                    p.set(JAVA_LONG, CudaDriver.offset(CudaDriver.MEMCPY3D, "srcDevice"), c.src.pointer());
                    p.set(JAVA_LONG, CudaDriver.offset(CudaDriver.MEMCPY3D, "srcPitch"), c.bytes);
                    p.set(JAVA_LONG, CudaDriver.offset(CudaDriver.MEMCPY3D, "srcHeight"), 1);
                    p.set(JAVA_INT, CudaDriver.offset(CudaDriver.MEMCPY3D, "dstMemoryType"), CudaDriver.CU_MEMORYTYPE_DEVICE);
                    p.set(JAVA_LONG, CudaDriver.offset(CudaDriver.MEMCPY3D, "dstDevice"), c.dst.pointer());
                    p.set(JAVA_LONG, CudaDriver.offset(CudaDriver.MEMCPY3D, "dstPitch"), c.bytes);
                    p.set(JAVA_LONG, CudaDriver.offset(CudaDriver.MEMCPY3D, "dstHeight"), 1);
                    p.set(JAVA_LONG, CudaDriver.offset(CudaDriver.MEMCPY3D, "WidthInBytes"), c.bytes);
                    p.set(JAVA_LONG, CudaDriver.offset(CudaDriver.MEMCPY3D, "Height"), 1);
                    p.set(JAVA_LONG, CudaDriver.offset(CudaDriver.MEMCPY3D, "Depth"), 1);
                    if (c.bytes == 0) {
                        continue; // nothing to copy; a 0-width memcpy node is rejected by the driver
                    }
                    drv.check(drv.cuGraphAddMemcpyNode(out, graph, deps, numDeps, p, ctx), "cuGraphAddMemcpyNode");
                    previous = CudaDriver.handle(out);
                }
            }
            drv.check(drv.cuGraphInstantiate(out, graph, 0), "cuGraphInstantiateWithFlags");
            exec = CudaDriver.handle(out);
        } catch (RuntimeException e) {
            destroyGraph();
            throw e;
        }
    }

    /** A CUDA_KERNEL_NODE_PARAMS_v2 for the step (zeroed: extra, kern and ctx stay NULL). */
    private MemorySegment kernelParams(KernelStep k, MemorySegment pointers) {
        int[] d = CudaQueue.dims(device, k.kernel, k.grid);
        MemorySegment p = arena.allocate(CudaDriver.KERNEL_NODE_PARAMS);
        var L = CudaDriver.KERNEL_NODE_PARAMS;
        p.set(ADDRESS, CudaDriver.offset(L, "func"), k.kernel.function());
        p.set(JAVA_INT, CudaDriver.offset(L, "gridDimX"), d[0]);
        p.set(JAVA_INT, CudaDriver.offset(L, "gridDimY"), d[1]);
        p.set(JAVA_INT, CudaDriver.offset(L, "gridDimZ"), d[2]);
        p.set(JAVA_INT, CudaDriver.offset(L, "blockDimX"), d[3]);
        p.set(JAVA_INT, CudaDriver.offset(L, "blockDimY"), d[4]);
        p.set(JAVA_INT, CudaDriver.offset(L, "blockDimZ"), d[5]);
        p.set(JAVA_INT, CudaDriver.offset(L, "sharedMemBytes"), 0);
        p.set(ADDRESS, CudaDriver.offset(L, "kernelParams"), pointers);
        return p;
    }

    /** Re-reads the step's Scalars; if any changed, writes them and updates the node in the executable graph. */
    private void update(KernelStep k) {
        boolean changed = false;
        for (int i = 0; i < k.args.size(); i++) {
            KernelArguments.Arg a = k.args.get(i);
            if (a.scalar() == null) {
                continue;
            }
            Number now = a.scalar().value();
            if (!now.equals(k.issued[i])) {
                KernelArguments.writeValue(a.type(), now, k.values, i);
                k.issued[i] = now;
                changed = true;
            }
        }
        if (changed) {
            CudaDriver drv = device.driver;
            // The driver copies the values now; launches already enqueued keep the old ones.
            int rc = drv.cuGraphExecKernelNodeSetParams(exec, k.node, k.params);
            if (rc != CudaDriver.CUDA_SUCCESS) {
                throw drv.error(rc, drv.nameGraphExecKernelNodeSetParams, "kernel " + k.kernel.spec().displayName());
            }
        }
    }

    /** Frees the graph (not the recorded steps). Waits for the stream first: a launched graph may still run. */
    synchronized void destroyGraph() {
        if (graph == null && exec == null && arena == null) {
            return;
        }
        CudaDriver drv = device.driver;
        RuntimeException failure = null;
        try {
            device.makeCurrent();
            drv.check(drv.cuStreamSynchronize(device.stream()), "cuStreamSynchronize");
        } catch (RuntimeException e) {
            failure = e;
        }
        if (exec != null) {
            int rc = drv.cuGraphExecDestroy(exec);
            if (rc != CudaDriver.CUDA_SUCCESS && failure == null) {
                failure = drv.error(rc, "cuGraphExecDestroy", null);
            }
            exec = null;
        }
        if (graph != null) {
            int rc = drv.cuGraphDestroy(graph);
            if (rc != CudaDriver.CUDA_SUCCESS && failure == null) {
                failure = drv.error(rc, "cuGraphDestroy", null);
            }
            graph = null;
        }
        if (arena != null) {
            arena.close();
            arena = null;
        }
        for (Step s : steps) {
            if (s instanceof KernelStep k) {
                k.values = null;
                k.params = null;
                k.node = null;
                k.issued = null;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            destroyGraph();
        } finally {
            device.forget(this);
        }
    }
}
