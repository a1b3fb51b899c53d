package dev.mambajvm.compiler;

import dev.mambajvm.lang.spec.Dialect;

import java.util.Set;

/**
 * The generated side of {@code KernelContext.warpShuffleXor}: lane l gets the value of lane
 * l ^ mask of its warp.
 * <ul>
 *   <li>CUDA: {@code __shfl_xor_sync} over the full warp, one {@code shfl.sync.bfly.b32}
 *       instruction. The exchange array is not touched (the compiler drops it).</li>
 *   <li>OpenCL C has no warp shuffle in 1.2 (sub-group shuffles are an extension PoCL 3.1 does not
 *       have). On NVIDIA the OpenCL compiler takes inline PTX, so the backend defines
 *       {@code MAMBA_NVIDIA_PTX} and the helper is the same instruction as CUDA's. Anywhere else
 *       the values go through local memory between two barriers: correct on any device, and the
 *       reason the language asks every work-item of the group to make the call.</li>
 * </ul>
 */
final class WarpHelpers {
    private WarpHelpers() {
    }

    /** Helper name the translator records. */
    static final String SHUFFLE_XOR = "shuffle_xor";

    static String text(CDialect c, Set<String> used) {
        if (!used.contains(SHUFFLE_XOR)) {
            return "";
        }
        if (c.dialect() == Dialect.CUDA) {
            return """
                    // KernelContext.warpShuffleXor: a register exchange between the lanes of a warp.
                    __device__ static inline float mamba_shuffle_xor(float v, int mask, const float* exchange) {
                        return __shfl_xor_sync(0xffffffffu, v, mask);
                    }
                    """;
        }
        return """
                // KernelContext.warpShuffleXor: lane l gets lane (l ^ mask)'s value. Every work-item of the
                // group calls it (the exchange through local memory waits at barriers).
                static inline float mamba_shuffle_xor(float v, int mask, __local float* exchange) {
                #ifdef MAMBA_NVIDIA_PTX
                    uint r;
                    asm volatile("shfl.sync.bfly.b32 %0, %1, %2, 0x1f, 0xffffffff;" : "=r"(r) : "r"(as_uint(v)), "r"(mask));
                    return as_float(r);
                #else
                    int lid = (int) get_local_id(0);
                    exchange[lid] = v;
                    barrier(CLK_LOCAL_MEM_FENCE);
                    float partner = exchange[lid ^ mask];
                    barrier(CLK_LOCAL_MEM_FENCE);
                    return partner;
                #endif
                }
                """;
    }
}
