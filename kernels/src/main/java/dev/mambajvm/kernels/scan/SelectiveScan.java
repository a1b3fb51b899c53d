package dev.mambajvm.kernels.scan;

import dev.mambajvm.backend.CompiledKernel;
import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.backend.Queue;
import dev.mambajvm.backend.WorkerGrid;
import dev.mambajvm.lang.spec.KernelSpec;

import java.util.Map;

/**
 * Host side of the Mamba-1 selective scan: compiles the three prefill kernels and the decode step
 * for one (dState, chunkLen) and launches them with their grids. See {@link SelectiveScanKernels}
 * for the math, the layouts and why there are three passes.
 */
public final class SelectiveScan {
    /** Work-items per group: any multiple of the warp size works; 128 keeps several groups per SM. */
    static final int LOCAL = 128;

    private final CompiledKernel chunkStates;
    private final CompiledKernel chunkCarry;
    private final CompiledKernel chunkOutputs;
    private final CompiledKernel stateUpdate;
    private final int dState;
    private final int chunkLen;

    /**
     * @param chunkLen tokens per chunk: shorter chunks give more parallel work-items
     *                 (batch · dInner · L / chunkLen) but a longer carry pass (L / chunkLen steps)
     */
    public SelectiveScan(Device device, int dState, int chunkLen) {
        this.dState = dState;
        this.chunkLen = chunkLen;
        Map<String, Integer> both = Map.of("dState", dState, "chunkLen", chunkLen);
        chunkStates = device.compile(KernelSpec.load(SelectiveScanKernels.class, "chunkStates"), both);
        chunkCarry = device.compile(KernelSpec.load(SelectiveScanKernels.class, "chunkCarry"), both);
        chunkOutputs = device.compile(KernelSpec.load(SelectiveScanKernels.class, "chunkOutputs"), both);
        stateUpdate = device.compile(KernelSpec.load(SelectiveScanKernels.class, "stateUpdate"), Map.of("dState", dState));
    }

    public int chunks(int seqLen) {
        return Math.ceilDiv(seqLen, chunkLen);
    }

    /** Bytes of the scratch buffers {@link #prefill} needs: chunk states and ΣΔ per chunk. */
    public long scratchBytes(int batch, int seqLen, int dInner) {
        long perChunk = (long) batch * dInner * chunks(seqLen);
        return perChunk * dState * Float.BYTES + perChunk * Float.BYTES;
    }

    /**
     * Prefill of {@code seqLen} tokens per sequence from a zero state. Buffers as in
     * {@link SelectiveScanKernels#chunkOutputs}; {@code states} and {@code dtSums} are scratch of
     * (batch, dInner, nChunks, dState) and (batch, dInner, nChunks) floats; {@code finalState}
     * receives (batch, dInner, dState).
     */
    public void prefill(Queue q, DeviceBuffer u, DeviceBuffer delta, DeviceBuffer deltaBias, DeviceBuffer aLog,
                        DeviceBuffer xdbl, int xdblStride, int bOffset, int cOffset,
                        DeviceBuffer z, int zStride, int zOffset, DeviceBuffer dSkip,
                        DeviceBuffer states, DeviceBuffer dtSums, DeviceBuffer finalState, DeviceBuffer y,
                        int batch, int seqLen, int dInner) {
        WorkerGrid perChunk = WorkerGrid.covering1D((long) batch * chunks(seqLen) * dInner, LOCAL);
        q.launch(chunkStates, perChunk, u, delta, deltaBias, aLog, xdbl, xdblStride, bOffset, states, dtSums,
                batch, seqLen, dInner);
        q.launch(chunkCarry, WorkerGrid.covering1D((long) batch * dInner * dState, LOCAL), aLog, dtSums, states,
                finalState, batch, seqLen, dInner);
        q.launch(chunkOutputs, perChunk, u, delta, deltaBias, aLog, xdbl, xdblStride, bOffset, cOffset, z, zStride,
                zOffset, dSkip, states, y, batch, seqLen, dInner);
    }

    /** One decode step: {@code state} (batch, dInner, dState) in place, y (batch, dInner). */
    public void step(Queue q, DeviceBuffer u, DeviceBuffer delta, DeviceBuffer deltaBias, DeviceBuffer aLog,
                     DeviceBuffer xdbl, int xdblStride, int bOffset, int cOffset,
                     DeviceBuffer z, int zStride, int zOffset, DeviceBuffer dSkip, DeviceBuffer state, DeviceBuffer y,
                     int batch, int dInner) {
        q.launch(stateUpdate, WorkerGrid.covering1D((long) batch * dInner, LOCAL), u, delta, deltaBias, aLog, xdbl,
                xdblStride, bOffset, cOffset, z, zStride, zOffset, dSkip, state, y, batch, dInner);
    }
}
