package dev.mambajvm.compiler;

import dev.mambajvm.lang.spec.Dialect;

import java.util.Set;

/**
 * The small functions generated code uses to read and write 16-bit floats. Both round to nearest
 * even, as {@code Float.floatToFloat16} and {@code BFloat16.fromFloat} do on the JVM, so every
 * backend stores the same bits. Also the one math function CUDA C has no name for
 * ({@code KernelMath.exp2Ftz}: an instruction, reached by inline PTX like the f16 conversions).
 */
final class ConversionHelpers {
    private ConversionHelpers() {
    }

    static String text(CDialect c, Set<String> used) {
        StringBuilder sb = new StringBuilder();
        boolean cuda = c.dialect() == Dialect.CUDA;
        if (used.contains("f16") && cuda) {
            // PTX converts between f16 and f32 in one instruction; no cuda_fp16.h include needed.
            sb.append("""
                    __device__ static inline float mamba_half_to_float(unsigned short h) {
                        float f;
                        asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h));
                        return f;
                    }
                    __device__ static inline unsigned short mamba_float_to_half(float f) {
                        unsigned short h;
                        asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(f));
                        return h;
                    }
                    """);
        }
        if (used.contains("exp2ftz") && cuda) {
            // KernelMath.exp2Ftz: the bare special-function instruction. exp2f is the same
            // instruction plus three more (counted in the cubin) that keep subnormal results.
            sb.append("""
                    __device__ static inline float mamba_exp2_ftz(float x) {
                        float r;
                        asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(r) : "f"(x));
                        return r;
                    }
                    """);
        }
        if (used.contains("bf16")) {
            // A bfloat16 is the top half of a float32: widening is a shift; narrowing rounds the
            // dropped 16 bits to nearest even, keeping NaNs NaN.
            String q = c.deviceFunctionQualifier();
            String u16 = c.storageType(dev.mambajvm.lang.DType.BF16);
            String u32 = c.uint32();
            String asFloat = c.uintAsFloat();
            String asUint = c.floatAsUint();
            sb.append(q).append(" float mamba_bf16_to_float(").append(u16).append(" b) {\n")
                    .append("    return ").append(asFloat).append("(((").append(u32).append(") b) << 16);\n}\n");
            sb.append(q).append(' ').append(u16).append(" mamba_float_to_bf16(float f) {\n")
                    .append("    ").append(u32).append(" u = ").append(asUint).append("(f);\n")
                    .append("    if ((u & 0x7fffffffu) > 0x7f800000u) {\n")
                    .append("        return (").append(u16).append(") ((u >> 16) | 0x40u);\n    }\n")
                    .append("    return (").append(u16).append(") ((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);\n}\n");
        }
        return sb.toString();
    }
}
