package dev.mambajvm.kernels;

import dev.mambajvm.lang.spec.KernelSpec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Representative {@code @Constant} values per kernel, the ones the kernel is launched with in
 * practice, so that the generated code can be compiled offline (nvcc) exactly as the runtime would.
 * A kernel may list several variants (e.g. one per storage type of its weights): each is compiled.
 * A new kernel with constants must be added here: the tests fail and say so otherwise.
 */
final class ExampleConstants {
    private ExampleConstants() {
    }

    /** Storage type codes of dev.mambajvm.kernels.mamba.StorageType: f32, f16, bf16. */
    private static final int[] TYPES = {0, 1, 2};

    private static final Map<String, List<Map<String, ? extends Number>>> BY_KERNEL = new HashMap<>();

    static {
        one("ReductionKernels.groupSum", Map.of("groupSize", 256));
        one("MatMulKernels.matmulTiled", Map.of("tile", 16));
        one("ActivationKernels.causalMovingSum", Map.of("width", 4));
        one("VectorKernels.scaleUnrolled", Map.of("itemsPerThread", 8));
        // The selective scan (dev.mambajvm.kernels.scan)
        one("SelectiveScanKernels.chunkCarry", Map.of("dState", 16, "chunkLen", 64));
        // The Mamba-2 SSD (dev.mambajvm.kernels.ssd), Mamba-2 shapes: headdim 64, d_state 128, chunk 256
        one("SsdKernels.statePassing", Map.of("headDim", 64, "dState", 128, "chunk", 256));
        one("SsdKernels.stateStep", Map.of("headDim", 64, "dState", 128));
        // Mamba kernels (dev.mambajvm.kernels.mamba)
        one("CausalConv1d.convPrefill", Map.of("width", 4));
        one("CausalConv1d.convPrefillChannelsLast", Map.of("width", 4));
        one("CausalConv1d.convDecodeStep", Map.of("width", 4));
        // mamba2-2.7b's decode launch (dInner 5120: 1024 items x 5), 8 per item (a row of 8192, the
        // widest Mamba norm) and 16 (wider rows still compile without spills, at 64 registers).
        BY_KERNEL.put("RmsNorm.gatedRmsNorm", List.of(Map.of("groupSize", 1024, "perItem", 5),
                Map.of("groupSize", 1024, "perItem", 8), Map.of("groupSize", 1024, "perItem", 16)));
        one("RmsNorm.segmentRmsNorm", Map.of("groupSize", 32));
        one("Sampling.argmax", Map.of("groupSize", 1024));
        one("MatVec.matvecBf16Rows", Map.of("rowsPerGroup", 8, "threadsPerRow", 32, "unroll", 4));
        one("Sampling.softmax", Map.of("groupSize", 1024));
        List<Map<String, ? extends Number>> rms = new ArrayList<>();
        List<Map<String, ? extends Number>> embed = new ArrayList<>();
        List<Map<String, ? extends Number>> matvec = new ArrayList<>();
        List<Map<String, ? extends Number>> linear = new ArrayList<>();
        List<Map<String, ? extends Number>> scanStep = new ArrayList<>();
        // Prefill scans, one variant per storage type of their activations (ioType).
        List<Map<String, ? extends Number>> scanPrefill = new ArrayList<>();
        List<Map<String, ? extends Number>> ssdCumsum = new ArrayList<>();
        List<Map<String, ? extends Number>> ssdPrefill = new ArrayList<>();
        for (int t : TYPES) {
            // The GPU shape (8 tokens ahead, B and C packed except for f16, which has no packed
            // path) and the JVM's (one token, scalar loads).
            scanPrefill.add(Map.of("dState", 16, "chunkLen", 64, "ioType", t, "tokenBatch", 8, "packBC", t == 1 ? 0 : 1,
                    "groupSize", 128, "stageLen", 64));
            scanPrefill.add(Map.of("dState", 16, "chunkLen", 256, "ioType", t, "tokenBatch", 1, "packBC", 0,
                    "groupSize", 1, "stageLen", 128));
            ssdCumsum.add(Map.of("ioType", t));
            ssdPrefill.add(Map.of("headDim", 64, "dState", 128, "chunk", 256, "ioType", t));
            scanStep.add(Map.of("dState", 16, "dtProjType", t, "blockChannels", 8, "lanes", 16));
            rms.add(Map.of("hiddenType", t, "groupSize", 1024, "perItem", 3));   // mamba-2.8b's d = 2560
            embed.add(Map.of("tableType", t));
            matvec.add(Map.of("wType", t, "groupSize", 128, "unroll", 4, "batchTile", 1));
            matvec.add(Map.of("wType", t, "groupSize", 128, "unroll", 4, "batchTile", 4));
            linear.add(Map.of("wType", t, "tileM", 64, "tileN", 64, "tileK", 16, "regM", 4, "regN", 4));
        }
        rms.add(Map.of("hiddenType", 0, "groupSize", 1024, "perItem", 8));
        BY_KERNEL.put("RmsNorm.rmsNorm", rms);
        BY_KERNEL.put("Embedding.embed", embed);
        BY_KERNEL.put("MatVec.matvec", matvec);
        BY_KERNEL.put("Linear.linear", linear);
        BY_KERNEL.put("SelectiveScanKernels.stateUpdate", scanStep);
        BY_KERNEL.put("SelectiveScanKernels.chunkStates", scanPrefill);
        BY_KERNEL.put("SelectiveScanKernels.chunkOutputs", scanPrefill);
        BY_KERNEL.put("SsdKernels.chunkCumsum", ssdCumsum);
        BY_KERNEL.put("SsdKernels.chunkStates", ssdPrefill);
        BY_KERNEL.put("SsdKernels.chunkScores", ssdPrefill);
        BY_KERNEL.put("SsdKernels.chunkOutputs", ssdPrefill);
        BY_KERNEL.put("SsdTensorCoreKernels.chunkStatesTc", ssdPrefill);
        BY_KERNEL.put("SsdTensorCoreKernels.chunkOutputsTc", ssdPrefill);
    }

    private static void one(String kernel, Map<String, ? extends Number> constants) {
        BY_KERNEL.put(kernel, List.of(constants));
    }

    /** The first (main) variant. */
    static Map<String, ? extends Number> of(KernelSpec spec) {
        return variants(spec).getFirst();
    }

    static List<Map<String, ? extends Number>> variants(KernelSpec spec) {
        if (spec.constants().isEmpty()) {
            return List.of(Map.of());
        }
        List<Map<String, ? extends Number>> values = BY_KERNEL.get(spec.displayName());
        if (values == null) {
            throw new AssertionError("kernel " + spec.displayName() + " has @Constant parameters "
                    + spec.constants() + ": add representative values to ExampleConstants");
        }
        return values;
    }
}
