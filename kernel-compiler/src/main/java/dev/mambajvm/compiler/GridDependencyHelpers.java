package dev.mambajvm.compiler;

import dev.mambajvm.lang.spec.Dialect;

import java.util.Set;

/**
 * The generated side of {@code KernelContext.waitForPreviousKernel} and
 * {@code allowNextKernelToStart}: CUDA's programmatic dependent launch. On sm_90 and newer they
 * are the PTX instructions {@code griddepcontrol.wait} and {@code griddepcontrol.launch_dependents}
 * (what {@code cudaGridDependencySynchronize} and {@code cudaTriggerProgrammaticLaunchCompletion}
 * compile to); the backend launches a kernel that waits with the attribute that lets it start
 * early. Older GPUs and OpenCL run kernels strictly one after another, so both are empty there.
 */
final class GridDependencyHelpers {
    private GridDependencyHelpers() {
    }

    /** Helper name the translator records. */
    static final String NAME = "grid_dependency";
    static final String WAIT = "mamba_wait_previous_kernel";
    static final String TRIGGER = "mamba_allow_next_kernel";

    static String text(CDialect c, Set<String> used) {
        if (!used.contains(NAME)) {
            return "";
        }
        String q = c.deviceFunctionQualifier();
        if (c.dialect() != Dialect.CUDA) {
            return "// In-order queue: the previous kernel has finished before this one starts.\n"
                    + q + " void " + WAIT + "(void) {\n}\n"
                    + q + " void " + TRIGGER + "(void) {\n}\n";
        }
        return q + " void " + WAIT + "() {\n"
                + "#if __CUDA_ARCH__ >= 900\n"
                + "    // Blocks until the previous grid has completed and its writes are visible (a no-op when\n"
                + "    // this launch did not have the programmatic-serialization attribute).\n"
                + "    asm volatile(\"griddepcontrol.wait;\" ::: \"memory\");\n"
                + "#endif\n"
                + "}\n"
                + q + " void " + TRIGGER + "() {\n"
                + "#if __CUDA_ARCH__ >= 900\n"
                + "    asm volatile(\"griddepcontrol.launch_dependents;\" :::);\n"
                + "#endif\n"
                + "}\n";
    }
}
