package dev.mambajvm.kernels.scan;

import dev.mambajvm.backend.CompiledKernel;
import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.backend.LaunchTarget;
import dev.mambajvm.backend.WorkerGrid;
import dev.mambajvm.kernels.mamba.StorageType;
import dev.mambajvm.lang.spec.KernelSpec;

import java.util.Map;

/**
 * Host side of the Mamba-1 selective scan: compiles the three prefill kernels and the decode step
 * for one (dState, chunkLen, prefill storage type) and launches them with their grids, on a queue
 * or into a launch sequence. See {@link SelectiveScanKernels} for the math, the layouts and why
 * there are three passes.
 */
public final class SelectiveScan {
    /** Work-items per group: any multiple of the warp size works; 128 keeps several groups per SM. */
    static final int LOCAL = 128;

    private final CompiledKernel chunkStates;
    private final CompiledKernel chunkCarry;
    private final CompiledKernel chunkOutputs;
    /** The decode step per dt_proj storage type (StorageType code), compiled on first use. */
    private final CompiledKernel[] stateUpdate = new CompiledKernel[3];
    private final Device device;
    private final int dState;
    private final int chunkLen;
    private final int ioType;

    /** A scan whose prefill reads and writes float32 activations. */
    public SelectiveScan(Device device, int dState, int chunkLen) {
        this(device, dState, chunkLen, StorageType.F32);
    }

    /**
     * @param chunkLen tokens per chunk: shorter chunks give more parallel work-items
     *                 (batch · dInner · L / chunkLen) but a longer carry pass (L / chunkLen steps)
     * @param ioType   {@link StorageType} of the prefill's u, delta, xdbl (B, C), z and y; the
     *                 arithmetic, the scratch states and the final state are float32, and the
     *                 decode {@link #step} reads and writes float32 whatever this is
     */
    public SelectiveScan(Device device, int dState, int chunkLen, int ioType) {
        this.device = device;
        this.dState = dState;
        this.chunkLen = chunkLen;
        this.ioType = StorageType.require(ioType, "ioType");
        Map<String, Integer> both = Map.of("dState", dState, "chunkLen", chunkLen);
        Map<String, Integer> typed = Map.of("dState", dState, "chunkLen", chunkLen, "ioType", ioType);
        chunkStates = device.compile(KernelSpec.load(SelectiveScanKernels.class, "chunkStates"), typed);
        chunkCarry = device.compile(KernelSpec.load(SelectiveScanKernels.class, "chunkCarry"), both);
        chunkOutputs = device.compile(KernelSpec.load(SelectiveScanKernels.class, "chunkOutputs"), typed);
    }

    /** The {@link StorageType} of the prefill's activations. */
    public int ioType() {
        return ioType;
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
     * {@link SelectiveScanKernels#chunkOutputs}; u, delta, xdbl, z and y hold elements of
     * {@link #ioType}; {@code states} and {@code dtSums} are scratch of (batch, dInner, nChunks,
     * dState) and (batch, dInner, nChunks) floats; {@code finalState} receives (batch, dInner,
     * dState) floats.
     */
    public void prefill(LaunchTarget q, DeviceBuffer u, DeviceBuffer delta, DeviceBuffer deltaBias, DeviceBuffer aLog,
                        DeviceBuffer xdbl, int xdblStride, int bOffset, int cOffset,
                        DeviceBuffer z, int zStride, int zOffset, DeviceBuffer dSkip,
                        DeviceBuffer states, DeviceBuffer dtSums, DeviceBuffer finalState, DeviceBuffer y,
                        int batch, int seqLen, int dInner) {
        WorkerGrid perChunk = WorkerGrid.covering1D((long) batch * chunks(seqLen) * dInner, LOCAL);
        // Each typed array goes in all three slots of its storage type; the kernel reads only one.
        q.launch(chunkStates, perChunk, u, u, u, delta, delta, delta, deltaBias, aLog, xdbl, xdbl, xdbl, xdblStride,
                bOffset, states, dtSums, batch, seqLen, dInner);
        q.launch(chunkCarry, WorkerGrid.covering1D((long) batch * dInner * dState, LOCAL), aLog, dtSums, states,
                finalState, batch, seqLen, dInner);
        q.launch(chunkOutputs, perChunk, u, u, u, delta, delta, delta, deltaBias, aLog, xdbl, xdbl, xdbl, xdblStride,
                bOffset, cOffset, z, z, z, zStride, zOffset, dSkip, states, y, y, y, batch, seqLen, dInner);
    }

    /**
     * One decode step, dt_proj included, float32 activations (whatever {@link #ioType} is):
     * {@code state} (batch, dInner, dState) in place, y (batch, dInner). dt (the low-rank dt) is read at dt[b · dtStride + r], r < dtRank; {@code dtProj}
     * (dInner, dtRank) is stored as {@code dtProjType} ({@link StorageType}). Buffers otherwise as in
     * {@link SelectiveScanKernels#stateUpdate}.
     */
    public void step(LaunchTarget q, DeviceBuffer u, DeviceBuffer dt, int dtStride, int dtRank, DeviceBuffer dtProj,
                     int dtProjType, DeviceBuffer deltaBias, DeviceBuffer aLog,
                     DeviceBuffer xdbl, int xdblStride, int bOffset, int cOffset,
                     DeviceBuffer z, int zStride, int zOffset, DeviceBuffer dSkip, DeviceBuffer state, DeviceBuffer y,
                     int batch, int dInner) {
        q.launch(stateUpdate(dtProjType), WorkerGrid.covering1D((long) batch * dInner, LOCAL), u, dt, dtStride, dtRank,
                dtProj, dtProj, dtProj, deltaBias, aLog, xdbl, xdblStride, bOffset, cOffset, z, zStride, zOffset, dSkip,
                state, y, batch, dInner);
    }

    private CompiledKernel stateUpdate(int dtProjType) {
        StorageType.require(dtProjType, "dtProjType");
        if (stateUpdate[dtProjType] == null) {
            stateUpdate[dtProjType] = device.compile(KernelSpec.load(SelectiveScanKernels.class, "stateUpdate"),
                    Map.of("dState", dState, "dtProjType", dtProjType));
        }
        return stateUpdate[dtProjType];
    }
}
