package dev.mambajvm.compiler;

import dev.mambajvm.lang.spec.Dialect;

import java.util.Set;

/**
 * The generated side of {@code KernelContext.mmaTf32} and {@code KernelMath.roundToTf32}: one
 * warp-level 16 × 8 × 8 matrix multiply-accumulate. In CUDA for sm_80 and newer it is one
 * tensor-core instruction ({@code mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32}), reached by
 * inline PTX; its six input registers per lane are loaded from local (shared) memory here, at the
 * positions the PTX ISA's fragment layout gives each lane. Everywhere else (OpenCL, older GPUs)
 * each work-item computes its own four elements of D with 32 FMAs, the JVM's arithmetic.
 */
final class MatrixHelpers {
    private MatrixHelpers() {
    }

    /** Helper names the translator records. */
    static final String TF32 = "tf32";
    static final String MMA = "mma_tf32";

    static String text(CDialect c, Set<String> used) {
        if (!used.contains(TF32) && !used.contains(MMA)) {
            return "";
        }
        boolean cuda = c.dialect() == Dialect.CUDA;
        String q = c.deviceFunctionQualifier();
        String u32 = c.uint32();
        String asFloat = c.uintAsFloat();
        String asUint = c.floatAsUint();
        StringBuilder sb = new StringBuilder();
        if (used.contains(TF32)) {
            // Round to nearest, ties away (cvt.rna.tf32.f32): add half of the dropped 13 bits, clear them.
            sb.append(q).append(" float mamba_round_tf32(float x) {\n")
                    .append("    ").append(u32).append(" u = ").append(asUint).append("(x);\n")
                    .append("    if ((u & 0x7f800000u) == 0x7f800000u) {\n        return x;\n    }\n")
                    .append("    return ").append(asFloat).append("((u + 0x1000u) & ~0x1fffu);\n}\n");
        }
        if (used.contains(MMA)) {
            String local = cuda ? "" : "__local ";
            String lane = "(" + c.workItem("localId", 0) + " & 31)";
            String fma = c.floatMath().get("fma");
            sb.append("// D (16 x 8, four floats per lane at d) += A (16 x 8) * B (8 x 8), A and B in local memory:\n")
                    .append("// A(m, k) = a[m * ars + k * acs], B(k, n) = b[k * brs + n * bcs]. Lane l owns\n")
                    .append("// D(l/4, 2(l%4)), D(l/4, 2(l%4)+1), D(l/4+8, 2(l%4)), D(l/4+8, 2(l%4)+1).\n");
            sb.append(q).append(" void mamba_mma_tf32(float* d, ").append(local).append("const float* a, int ars, int acs, ")
                    .append(local).append("const float* b, int brs, int bcs) {\n")
                    .append("    int lane = ").append(lane).append(";\n")
                    .append("    int r = lane >> 2;\n")
                    .append("    int c = lane & 3;\n");
            if (cuda) {
                sb.append("""
                        #if __CUDA_ARCH__ >= 800
                            // The tensor core: A's fragment is rows r and r+8 at columns c and c+4, B's is
                            // rows c and c+4 at column r (PTX ISA, "Matrix Fragments for mma.m16n8k8").
                            // Not volatile: then nvcc reuses a fragment loaded for one call in the next
                            // calls that read the same words (chunkStatesTc's PTX, nvcc -ptx -arch=sm_90,
                            // counted ld.shared: 48 per 32 MMAs instead of 192). A warp-wide instruction must not be moved under a
                            // branch some lanes skip; clang marks device inline asm convergent for that,
                            // nvcc documents nothing either way: the CUDA runs of BasicsSuite and
                            // SsdSuite are what shows it holds for these kernels.
                            asm("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 "
                                "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};"
                                : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                                : "r"(__float_as_uint(a[r * ars + c * acs])), "r"(__float_as_uint(a[(r + 8) * ars + c * acs])),
                                  "r"(__float_as_uint(a[r * ars + (c + 4) * acs])), "r"(__float_as_uint(a[(r + 8) * ars + (c + 4) * acs])),
                                  "r"(__float_as_uint(b[c * brs + r * bcs])), "r"(__float_as_uint(b[(c + 4) * brs + r * bcs])));
                        #else
                        """);
            }
            sb.append("    for (int e = 0; e < 4; e++) {\n")
                    .append("        int m = r + 8 * (e >> 1);\n")
                    .append("        int n = 2 * c + (e & 1);\n")
                    .append("        float s = d[e];\n")
                    .append("        for (int k = 0; k < 8; k++) {\n")
                    .append("            s = ").append(fma).append("(a[m * ars + k * acs], b[k * brs + n * bcs], s);\n")
                    .append("        }\n")
                    .append("        d[e] = s;\n")
                    .append("    }\n");
            if (cuda) {
                sb.append("#endif\n");
            }
            sb.append("}\n");
        }
        return sb.toString();
    }
}
