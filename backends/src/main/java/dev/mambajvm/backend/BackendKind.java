package dev.mambajvm.backend;

/** The three places a kernel can run. */
public enum BackendKind {
    /** The Java kernel method itself, work-groups spread over the cores: the verification path. */
    JVM,
    /** OpenCL C through any installed ICD (PoCL on CPUs, NVIDIA, AMD, Intel). */
    OPENCL,
    /** CUDA C compiled by NVRTC to PTX, loaded and launched through the CUDA driver API. */
    CUDA
}
