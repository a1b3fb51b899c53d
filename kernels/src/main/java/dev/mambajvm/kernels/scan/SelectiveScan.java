package dev.mambajvm.kernels.scan;

import dev.mambajvm.backend.BackendKind;
import dev.mambajvm.backend.CompiledKernel;
import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.backend.Devices;
import dev.mambajvm.backend.LaunchTarget;
import dev.mambajvm.backend.WorkerGrid;
import dev.mambajvm.kernels.mamba.StorageType;
import dev.mambajvm.lang.spec.KernelSpec;

import java.util.Map;

/**
 * Host side of the Mamba-1 selective scan: compiles the three prefill kernels and the decode step
 * for one (dState, chunkLen, prefill storage type), each on first use except the carry pass, and
 * launches them with their grids, on a queue or into a launch sequence. See {@link SelectiveScanKernels} for the math, the layouts and why
 * there are three passes.
 */
public final class SelectiveScan {
    /**
     * Work-items per group: any multiple of the warp size works; 128 keeps several groups per SM.
     * In prefill passes 1 and 3 a group is this many channels of one chunk, sharing its staged B
     * and C rows (SelectiveScanKernels, "B and C staged in local memory").
     */
    static final int LOCAL = 128;

    /**
     * Work-items per channel in the decode step on a GPU: 16 = Mamba-1's dState, so each lane owns
     * one state and a channel's 16 states are 64 consecutive bytes; 16 lanes cover a dt_proj row
     * of dtRank 48–160 in 3–10 loads each, and half a warp per channel keeps every warp on two
     * whole channels. (A larger dState is walked n = lane, lane + 16, …; a smaller one idles lanes.)
     */
    public static final int STEP_LANES = 16;
    /**
     * Channels per work-group in the decode step on a GPU: 8 · {@link #STEP_LANES} = 128 items
     * (4 warps). The step is latency-bound and has little work (batch·dInner·16 items: 640 warps at
     * mamba-2.8b), so small groups spread it over more SMs: mamba-130m's dInner 1536 still makes
     * 192 groups for the H100's 132 SMs (16 channels would make 96 and leave SMs idle), and a
     * barrier waits for 4 warps, not 8. The group's state block (8·16 floats, 512 bytes) and
     * dt_proj block (8 contiguous rows) are whole cache lines either way.
     */
    public static final int STEP_CHANNELS = 8;

    /**
     * The decode step's work-group: {@code channels} channels of {@code lanes} work-items each
     * (SelectiveScanKernels.stateUpdate). Any positive sizes compute the same step.
     */
    public record StepShape(int channels, int lanes) {
        public StepShape {
            if (channels < 1 || lanes < 1 || channels * lanes > 1024) {
                throw new IllegalArgumentException("step shape " + channels + " x " + lanes);
            }
        }

        /**
         * GPU and OpenCL devices: {@link #STEP_CHANNELS} × {@link #STEP_LANES}. The JVM backend: one
         * item per group owning a whole channel, which it runs as a plain loop; a group of several
         * items with barriers would be a virtual thread per item meeting at a phaser: over 100×
         * slower for this kernel at mamba-130m's shape (as for the model's reductions:
         * ModelKernels.Groups).
         */
        public static StepShape forDevice(Device device) {
            return device.kind() == BackendKind.JVM ? new StepShape(1, 1) : new StepShape(STEP_CHANNELS, STEP_LANES);
        }
    }

    /**
     * Tokens whose delta, u (and z) a prefill work-item loads before it computes any of them, on a
     * GPU or OpenCL device (SelectiveScanKernels, "Loads ahead"). 8 with packed B,
     * C was the fastest walk at 11 of the 12 benchmark shapes on an H100, against 1, 8 unpacked and
     * 4 packed (docs/performance.md); 4 packed gives pass 3 more registers in float32, not fewer.
     */
    public static final int TOKEN_BATCH = 8;

    /**
     * How the prefill passes walk their chunk ({@link SelectiveScanKernels}, "Loads ahead" and "B
     * and C staged in local memory"): {@code tokenBatch} tokens loaded ahead (1: one token at a
     * time), and B, C copied into local memory as 64-bit words when {@code packBC} and the layout
     * allows (else one element per load). Every shape computes the same values in the same order.
     */
    public record PrefillShape(int tokenBatch, boolean packBC) {
        public PrefillShape {
            if (tokenBatch < 1 || tokenBatch > 32) {
                throw new IllegalArgumentException("tokenBatch must be 1..32, got " + tokenBatch);
            }
        }

        /**
         * GPUs (CUDA, OpenCL): {@link #TOKEN_BATCH} tokens ahead, packed B and C. CPUs (the JVM
         * backend, an OpenCL CPU device such as PoCL): one token at a time, scalar loads, which
         * hide no memory latency there to begin with; on PoCL the GPU walk was 1–7% slower at
         * 1536 × 2048 (docs/performance.md).
         */
        public static PrefillShape forDevice(Device device) {
            boolean cpu = device.kind() == BackendKind.JVM || Devices.isCpu(device);
            return cpu ? new PrefillShape(1, false) : new PrefillShape(TOKEN_BATCH, true);
        }
    }

    /** Prefill passes 1 and 3, indexed by packed (1) or scalar (0) B and C copies; compiled on first use. */
    private final CompiledKernel[] chunkStates = new CompiledKernel[2];
    private final CompiledKernel chunkCarry;
    private final CompiledKernel[] chunkOutputs = new CompiledKernel[2];
    /** The decode step per dt_proj storage type (StorageType code), compiled on first use. */
    private final CompiledKernel[] stateUpdate = new CompiledKernel[3];
    private final Device device;
    private final int dState;
    private final int chunkLen;
    private final int ioType;
    private final StepShape stepShape;
    private final PrefillShape prefillShape;

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
        this(device, dState, chunkLen, ioType, StepShape.forDevice(device), PrefillShape.forDevice(device));
    }

    /** As above, the decode {@link #step} with the work-group {@code stepShape} rather than the device's default. */
    public SelectiveScan(Device device, int dState, int chunkLen, int ioType, StepShape stepShape) {
        this(device, dState, chunkLen, ioType, stepShape, PrefillShape.forDevice(device));
    }

    /** As above, and the prefill's walk in {@code prefillShape} rather than the device's default. */
    public SelectiveScan(Device device, int dState, int chunkLen, int ioType, StepShape stepShape,
                         PrefillShape prefillShape) {
        this.device = device;
        this.stepShape = stepShape;
        this.prefillShape = prefillShape;
        this.dState = dState;
        this.chunkLen = chunkLen;
        this.ioType = StorageType.require(ioType, "ioType");
        chunkCarry = device.compile(KernelSpec.load(SelectiveScanKernels.class, "chunkCarry"),
                Map.of("dState", dState, "chunkLen", chunkLen));
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
        int local = passGroupSize();
        // x: one group per (sequence, chunk); y: blocks of `local` channels (SelectiveScanKernels.chunkStates).
        WorkerGrid perChunk = WorkerGrid.of2D((long) batch * chunks(seqLen) * local, Math.ceilDiv(dInner, local),
                local, 1);
        int packed = prefillShape.packBC() && packable(xdblStride, bOffset, cOffset) ? 1 : 0;
        // Each typed array goes in all three slots of its storage type (and xdbl in its 64-bit
        // view); the kernel reads only one.
        q.launch(prefillPass(chunkStates, "chunkStates", packed), perChunk, u, u, u, delta, delta, delta, deltaBias, aLog,
                xdbl, xdbl, xdbl, xdbl, xdblStride, bOffset, states, dtSums, batch, seqLen, dInner);
        q.launch(chunkCarry, WorkerGrid.covering1D((long) batch * dInner * dState, LOCAL), aLog, dtSums, states,
                finalState, batch, seqLen, dInner);
        q.launch(prefillPass(chunkOutputs, "chunkOutputs", packed), perChunk, u, u, u, delta, delta, delta, deltaBias,
                aLog, xdbl, xdbl, xdbl, xdbl, xdblStride, bOffset, cOffset, z, z, z, zStride, zOffset, dSkip, states,
                y, y, y, batch, seqLen, dInner);
    }

    /**
     * Whether B and C can be read as 64-bit words: f32 (2 per word) or bf16 (4 per word)
     * activations, and every row of xdbl, B's and C's first element and dState a whole number of
     * words (xdbl's buffer itself starts on a word, as every allocation does). Otherwise the
     * passes' copies into local memory read one element per load, with the same result.
     */
    public boolean packable(int xdblStride, int bOffset, int cOffset) {
        if (ioType == StorageType.F16) {
            return false;
        }
        int perWord = ioType == StorageType.BF16 ? 4 : 2;
        return xdblStride % perWord == 0 && bOffset % perWord == 0 && cOffset % perWord == 0 && dState % perWord == 0;
    }

    /**
     * Tokens of B and C a prefill group stages in local memory at a time: the whole chunk up to 128
     * (2 · 128 · dState floats, 16 KB at dState 16 for pass 3), in stages of 128 beyond.
     */
    static final int STAGE_LEN = 128;

    /**
     * Items per group of passes 1 and 3: {@link #LOCAL} channels; one on the JVM backend, whose
     * groups of several items with barriers run as a virtual thread per item (the staging's
     * barriers make these kernels such), while a one-item group is a plain loop.
     */
    private int passGroupSize() {
        return device.kind() == BackendKind.JVM ? 1 : LOCAL;
    }

    private CompiledKernel prefillPass(CompiledKernel[] compiled, String name, int packed) {
        if (compiled[packed] == null) {
            compiled[packed] = device.compile(KernelSpec.load(SelectiveScanKernels.class, name),
                    Map.of("dState", dState, "chunkLen", chunkLen, "ioType", ioType,
                            "tokenBatch", prefillShape.tokenBatch(), "packBC", packed, "groupSize", passGroupSize(),
                            "stageLen", Math.min(chunkLen, STAGE_LEN)));
        }
        return compiled[packed];
    }

    /**
     * One decode step, dt_proj included, float32 activations (whatever {@link #ioType} is):
     * {@code state} (batch, dInner, dState) in place, y (batch, dInner). dt (the low-rank dt) is
     * read at dt[b · dtStride + r], r < dtRank; {@code dtProj} (dInner, dtRank) is stored as
     * {@code dtProjType} ({@link StorageType}). Buffers otherwise as in
     * {@link SelectiveScanKernels#stateUpdate}. Grid: batch · ⌈dInner / channels⌉ groups of
     * channels · lanes items ({@link StepShape}).
     */
    public void step(LaunchTarget q, DeviceBuffer u, DeviceBuffer dt, int dtStride, int dtRank, DeviceBuffer dtProj,
                     int dtProjType, DeviceBuffer deltaBias, DeviceBuffer aLog,
                     DeviceBuffer xdbl, int xdblStride, int bOffset, int cOffset,
                     DeviceBuffer z, int zStride, int zOffset, DeviceBuffer dSkip, DeviceBuffer state, DeviceBuffer y,
                     int batch, int dInner) {
        int local = stepShape.channels() * stepShape.lanes();
        long groups = (long) batch * Math.ceilDiv(dInner, stepShape.channels());
        q.launch(stateUpdate(dtProjType), WorkerGrid.of1D(groups * local, local), u, dt, dtStride, dtRank,
                dtProj, dtProj, dtProj, deltaBias, aLog, xdbl, xdblStride, bOffset, cOffset, z, zStride, zOffset, dSkip,
                state, y, batch, dInner);
    }

    private CompiledKernel stateUpdate(int dtProjType) {
        StorageType.require(dtProjType, "dtProjType");
        if (stateUpdate[dtProjType] == null) {
            stateUpdate[dtProjType] = device.compile(KernelSpec.load(SelectiveScanKernels.class, "stateUpdate"),
                    Map.of("dState", dState, "dtProjType", dtProjType, "blockChannels", stepShape.channels(),
                            "lanes", stepShape.lanes()));
        }
        return stateUpdate[dtProjType];
    }
}
