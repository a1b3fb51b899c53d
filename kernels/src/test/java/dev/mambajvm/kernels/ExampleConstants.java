package dev.mambajvm.kernels;

import dev.mambajvm.lang.spec.KernelSpec;

import java.util.Map;

/**
 * Representative {@code @Constant} values per kernel, the ones the kernel is launched with in
 * practice, so that the generated code can be compiled offline (nvcc) exactly as the runtime would.
 * A new kernel with constants must be added here: the tests fail and say so otherwise.
 */
final class ExampleConstants {
    private ExampleConstants() {
    }

    private static final Map<String, Map<String, ? extends Number>> BY_KERNEL = Map.of(
            "ReductionKernels.groupSum", Map.of("groupSize", 256),
            "MatMulKernels.matmulTiled", Map.of("tile", 16),
            "ActivationKernels.causalMovingSum", Map.of("width", 4),
            "VectorKernels.scaleUnrolled", Map.of("itemsPerThread", 8),
            "SelectiveScanKernels.chunkStates", Map.of("dState", 16, "chunkLen", 64),
            "SelectiveScanKernels.chunkCarry", Map.of("dState", 16, "chunkLen", 64),
            "SelectiveScanKernels.chunkOutputs", Map.of("dState", 16, "chunkLen", 64),
            "SelectiveScanKernels.stateUpdate", Map.of("dState", 16));

    static Map<String, ? extends Number> of(KernelSpec spec) {
        if (spec.constants().isEmpty()) {
            return Map.of();
        }
        Map<String, ? extends Number> values = BY_KERNEL.get(spec.displayName());
        if (values == null) {
            throw new AssertionError("kernel " + spec.displayName() + " has @Constant parameters "
                    + spec.constants() + ": add representative values to ExampleConstants");
        }
        return values;
    }
}
