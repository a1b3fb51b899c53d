package dev.mambajvm.kernels.ssd;

import dev.mambajvm.backend.CompiledKernel;
import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.backend.LaunchTarget;
import dev.mambajvm.backend.WorkerGrid;
import dev.mambajvm.backend.cuda.CudaDevice;
import dev.mambajvm.kernels.mamba.StorageType;
import dev.mambajvm.lang.spec.KernelSpec;

import java.util.Map;

/**
 * Host side of the Mamba-2 SSD: compiles the five prefill kernels and the decode step for one
 * (headDim, dState, chunk, prefill storage type) and launches them with their grids, on a queue or
 * into a launch sequence. See {@link SsdKernels} for the math, the layouts and the tiling.
 */
public final class Ssd {
    /** Group size of the one-item-per-element kernels (cumsum, state passing). */
    static final int LOCAL_1D = 128;

    private final CompiledKernel chunkCumsum;
    private final CompiledKernel chunkStates;
    private final CompiledKernel statePassing;
    private final CompiledKernel chunkScores;
    private final CompiledKernel chunkOutputs;
    private final CompiledKernel stateStep;
    private final int headDim;
    private final int dState;
    private final int chunk;
    private final int ioType;
    private final boolean tensorCores;

    /** An SSD whose prefill reads and writes float32 activations. */
    public Ssd(Device device, int headDim, int dState, int chunk) {
        this(device, headDim, dState, chunk, StorageType.F32);
    }

    /** An SSD whose matrix steps use tensor cores where {@link #tensorCoresByDefault} says so. */
    public Ssd(Device device, int headDim, int dState, int chunk, int ioType) {
        this(device, headDim, dState, chunk, ioType, tensorCoresByDefault(device, headDim, dState, ioType));
    }

    /**
     * Whether the prefill's two matrix steps run on tensor cores ({@link SsdTensorCoreKernels}) unless
     * told otherwise: for 16-bit activations on a CUDA GPU of compute capability 8.0 or newer. Not
     * for float32 activations, whose bound is 1e-5 (TF32 products give ~1e-4), and not where the
     * kernel language has no tensor-core instruction (OpenCL, the JVM): there the same kernels run
     * on FMAs with the TF32 error for no gain worth it (NVIDIA OpenCL, measured: 9.7–11.0 ms against
     * the FMA kernels' 11.0–12.6 at mamba2-2.7b's shape; PoCL not measured). And only for shapes
     * {@link SsdTensorCoreKernels#supports}.
     */
    public static boolean tensorCoresByDefault(Device device, int headDim, int dState, int ioType) {
        return ioType != StorageType.F32 && device instanceof CudaDevice cuda && cuda.computeCapability() >= 80
                && SsdTensorCoreKernels.supports(headDim, dState, ioType);
    }

    /**
     * @param chunk  tokens per chunk, a multiple of {@link SsdKernels#TILE} in [16, 256]: longer chunks
     *               do more of the work as (quadratic) in-chunk attention and pass fewer states
     * @param ioType {@link StorageType} of the prefill's xBC, dtRaw and y; the arithmetic, the scratch
     *               buffers and the states are float32, and the decode {@link #step} reads and writes
     *               float32 whatever this is
     * @param tensorCores chunk states and outputs by {@link SsdTensorCoreKernels} (TF32 products)
     *                    instead of {@link SsdKernels} (float32 FMAs); an IllegalArgumentException
     *                    naming the shape where {@link SsdTensorCoreKernels#supports} says no
     */
    public Ssd(Device device, int headDim, int dState, int chunk, int ioType, boolean tensorCores) {
        if (chunk < SsdKernels.TILE || chunk > 256 || chunk % SsdKernels.TILE != 0) {
            throw new IllegalArgumentException("chunk must be a multiple of " + SsdKernels.TILE + " in [16, 256]: " + chunk);
        }
        if (tensorCores && !SsdTensorCoreKernels.supports(headDim, dState, ioType)) {
            throw new IllegalArgumentException("tensor-core SSD kernels read 8-byte words: headDim (" + headDim
                    + ") and dState (" + dState + ") must be multiples of " + StorageType.perWord(ioType)
                    + " for " + StorageType.name(ioType) + " activations");
        }
        this.headDim = headDim;
        this.dState = dState;
        this.chunk = chunk;
        this.ioType = StorageType.require(ioType, "ioType");
        this.tensorCores = tensorCores;
        Class<?> matrixKernels = tensorCores ? SsdTensorCoreKernels.class : SsdKernels.class;
        String suffix = tensorCores ? "Tc" : "";
        Map<String, Integer> all = Map.of("headDim", headDim, "dState", dState, "chunk", chunk);
        Map<String, Integer> typed = Map.of("headDim", headDim, "dState", dState, "chunk", chunk, "ioType", ioType);
        chunkCumsum = device.compile(KernelSpec.load(SsdKernels.class, "chunkCumsum"), Map.of("ioType", ioType));
        chunkStates = device.compile(KernelSpec.load(matrixKernels, "chunkStates" + suffix), typed);
        statePassing = device.compile(KernelSpec.load(SsdKernels.class, "statePassing"), all);
        chunkScores = device.compile(KernelSpec.load(SsdKernels.class, "chunkScores"), typed);
        chunkOutputs = device.compile(KernelSpec.load(matrixKernels, "chunkOutputs" + suffix), typed);
        stateStep = device.compile(KernelSpec.load(SsdKernels.class, "stateStep"),
                Map.of("headDim", headDim, "dState", dState));
    }

    /** The {@link StorageType} of the prefill's activations. */
    public int ioType() {
        return ioType;
    }

    /** Whether the matrix steps run on tensor cores (TF32 products). */
    public boolean tensorCores() {
        return tensorCores;
    }

    public int chunks(int seqLen) {
        return Math.ceilDiv(seqLen, chunk);
    }

    /** Floats of the dt and cum scratch buffers (each): batch · nHeads · L. */
    public static long dtFloats(int batch, int seqLen, int nHeads) {
        return (long) batch * nHeads * seqLen;
    }

    /** Floats of the chunk-state scratch buffer: batch · nHeads · nChunks · P · N. */
    public long stateFloats(int batch, int seqLen, int nHeads) {
        return (long) batch * nHeads * chunks(seqLen) * headDim * dState;
    }

    /** Floats of the score scratch buffer: batch · nChunks · nGroups · chunk². */
    public long scoreFloats(int batch, int seqLen, int nGroups) {
        return (long) batch * chunks(seqLen) * nGroups * chunk * chunk;
    }

    /** Prefill of {@code seqLen} tokens per sequence from a zero state; see the full overload. */
    public void prefill(LaunchTarget q, DeviceBuffer xbc, DeviceBuffer dtRaw, int dtStride, int dtOffset, DeviceBuffer dtBias,
                        DeviceBuffer aLog, DeviceBuffer dSkip, float dtMin, float dtMax,
                        DeviceBuffer dt, DeviceBuffer cum, DeviceBuffer states, DeviceBuffer scores, DeviceBuffer finalState,
                        DeviceBuffer y,
                        int batch, int seqLen, int nHeads, int nGroups) {
        prefill(q, xbc, dtRaw, dtStride, dtOffset, dtBias, aLog, dSkip, dtMin, dtMax, dt, cum, states, scores, null, finalState,
                y, batch, seqLen, nHeads, nGroups);
    }

    /**
     * Prefill of {@code seqLen} tokens per sequence, starting from {@code initialState} (or zero if null).
     * xbc, dtRaw and y hold elements of {@link #ioType}; everything else is float32.
     *
     * @param xbc        conv output (batch·L, nHeads·P + 2·G·N): x, B, C
     * @param dtRaw      dt before bias and softplus, read at [row · dtStride + dtOffset + h]
     * @param dtMin      time_step_limit lower bound (0 by default)
     * @param dtMax      time_step_limit upper bound ({@code Float.POSITIVE_INFINITY} by default)
     * @param dt         scratch, {@link #dtFloats} floats
     * @param cum        scratch, {@link #dtFloats} floats
     * @param states       scratch, {@link #stateFloats} floats
     * @param scores       scratch, {@link #scoreFloats} floats
     * @param initialState (batch, nHeads, P, N) the state before the first token, or null for zero;
     *                     may be the same buffer as finalState
     * @param finalState   out (batch, nHeads, P, N)
     * @param y          out (batch·L, nHeads·P)
     */
    public void prefill(LaunchTarget q, DeviceBuffer xbc, DeviceBuffer dtRaw, int dtStride, int dtOffset, DeviceBuffer dtBias,
                        DeviceBuffer aLog, DeviceBuffer dSkip, float dtMin, float dtMax,
                        DeviceBuffer dt, DeviceBuffer cum, DeviceBuffer states, DeviceBuffer scores, DeviceBuffer initialState,
                        DeviceBuffer finalState, DeviceBuffer y, int batch, int seqLen, int nHeads, int nGroups) {
        checkGroups(nHeads, nGroups);
        int nChunks = chunks(seqLen);
        // Each typed array goes in all three slots of its storage type; the kernel reads only one.
        long seqTiles = Math.ceilDiv(seqLen, SsdKernels.TILE);
        q.launch(chunkCumsum, WorkerGrid.covering1D(batch * seqTiles * nHeads, LOCAL_1D), dtRaw, dtRaw, dtRaw,
                dtStride, dtOffset, dtBias, aLog, dtMin, dtMax, dt, cum, batch, seqLen, nHeads);
        long perChunk = (long) batch * nHeads * nChunks;
        // Both variants of the matrix steps use groups of 128 items (SsdKernels.LOCAL = SsdTensorCoreKernels.LOCAL).
        WorkerGrid stateGrid = WorkerGrid.of1D(perChunk * SsdKernels.LOCAL, SsdKernels.LOCAL);
        if (tensorCores) {
            // The tensor-core kernels read xbc (and the states) as LongArrays of 8-byte words.
            q.launch(chunkStates, stateGrid, xbc, dt, cum, states, batch, seqLen, nHeads, nGroups);
        } else {
            q.launch(chunkStates, stateGrid, xbc, xbc, xbc, dt, cum, states, batch, seqLen, nHeads, nGroups);
        }
        long passingItems = (long) batch * nHeads * Math.ceilDiv(headDim * dState, SsdKernels.PASSING_ELEMENTS);
        q.launch(statePassing, WorkerGrid.covering1D(passingItems, LOCAL_1D), cum, states,
                initialState != null ? initialState : finalState, initialState != null ? 1 : 0, finalState,
                batch, seqLen, nHeads);
        int tiles = chunk / SsdKernels.TILE;
        q.launch(chunkScores, WorkerGrid.of1D((long) batch * nChunks * nGroups * tiles * tiles * SsdKernels.LOCAL,
                SsdKernels.LOCAL), xbc, xbc, xbc, scores, batch, seqLen, nHeads, nGroups);
        // FMA variant: one group per 16-token tile; tensor cores: one per 64-token block.
        long outputGroups = perChunk * (tensorCores ? Math.ceilDiv(chunk, SsdTensorCoreKernels.BLOCK) : tiles);
        WorkerGrid outputGrid = WorkerGrid.of1D(outputGroups * SsdKernels.LOCAL, SsdKernels.LOCAL);
        if (tensorCores) {
            q.launch(chunkOutputs, outputGrid, xbc, dt, cum, dSkip, states, scores, y, y, y,
                    batch, seqLen, nHeads, nGroups);
        } else {
            q.launch(chunkOutputs, outputGrid, xbc, xbc, xbc, dt, cum, dSkip, states, scores, y, y, y,
                    batch, seqLen, nHeads, nGroups);
        }
    }

    /**
     * One decode step, float32 activations (whatever {@link #ioType} is): {@code state} (batch,
     * nHeads, P, N) in place, y (batch, nHeads·P); xbc and dtRaw hold one row per sequence.
     */
    public void step(LaunchTarget q, DeviceBuffer xbc, DeviceBuffer dtRaw, int dtStride, int dtOffset, DeviceBuffer dtBias,
                     DeviceBuffer aLog, DeviceBuffer dSkip, float dtMin, float dtMax, DeviceBuffer state, DeviceBuffer y,
                     int batch, int nHeads, int nGroups) {
        checkGroups(nHeads, nGroups);
        long groups = (long) batch * nHeads * Math.ceilDiv(headDim, SsdKernels.TY);
        q.launch(stateStep, WorkerGrid.of1D(groups * SsdKernels.LOCAL, SsdKernels.LOCAL), xbc, dtRaw, dtStride,
                dtOffset, dtBias, aLog, dSkip, dtMin, dtMax, state, y, batch, nHeads, nGroups);
    }

    private static void checkGroups(int nHeads, int nGroups) {
        if (nGroups <= 0 || nHeads % nGroups != 0) {
            throw new IllegalArgumentException("nHeads (" + nHeads + ") must be a multiple of nGroups (" + nGroups + ")");
        }
    }
}
