package dev.mambajvm.compiler;

import dev.mambajvm.lang.DType;
import dev.mambajvm.lang.spec.Dialect;
import dev.mambajvm.lang.spec.KernelParam;
import dev.mambajvm.lang.spec.KernelSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the translator emits for the supported subset, in both dialects. */
class TranslationTest {

    @TempDir
    Path out;

    private static final String KERNELS = """
            package t;
            import dev.mambajvm.lang.*;
            public class Sample {
                static final int TILE = 8;
                static final float EPS = 1e-5f;
                @DeviceFunction
                static float square(float x) { return x * x; }
                @Kernel
                public static void everything(KernelContext ctx, FloatArray a, IntArray bits, LongArray wide,
                                              HalfArray h, BFloat16Array b, float alpha, long offset, int n,
                                              @Constant int width, @Constant float scale) {
                    float[] shared = ctx.allocateFloatLocalArray(TILE * width);
                    int i = ctx.globalIdx;
                    int unsigned = bits.get(i) >>> 3;
                    long w = wide.get(i) + 5L + offset;
                    float x = h.get(i) + b.get(i) * EPS + scale;
                    float[] acc = new float[width];
                    for (int k = 0, j = 1; k < width; k++, j += 2) {
                        acc[k] = Math.max(x, (float) j) + Math.min(k, j);
                    }
                    for (@Unroll int k = 1; k < width; k++) {
                        acc[0] += acc[k];
                    }
                    shared[ctx.localIdx] = square(acc[0]) + (float) Math.exp(alpha);
                    ctx.localBarrier();
                    if (i < n && unsigned != 0) {
                        a.set(i, shared[0] + KernelMath.rsqrt(x) + Float.intBitsToFloat(bits.get(0))
                                + KernelMath.exp2Ftz(x));
                    } else if (i == n) {
                        wide.set(i, w);
                    } else {
                        h.set(i, x);
                        b.set(i, -x);
                    }
                }
                public static class Nested {
                    @Kernel
                    public static void inner(KernelContext ctx, FloatArray a) {
                        a.set(ctx.globalIdy * ctx.globalGroupSizeX + ctx.globalIdx, Other.twice(1.0f));
                    }
                }
            }
            """;

    private static final String OTHER = """
            package t;
            import dev.mambajvm.lang.*;
            public class Other {
                @DeviceFunction
                public static float twice(float v) { return 2.0f * v; }
            }
            """;

    private KernelSpec compileAndLoad(String id) throws Exception {
        InMemoryCompilation.Result r = InMemoryCompilation.compile(out, "t.Sample", KERNELS, "t.Other", OTHER);
        assertTrue(r.success(), () -> "compile errors: " + r.errors());
        try (URLClassLoader loader = new URLClassLoader(new java.net.URL[]{out.toUri().toURL()}, getClass().getClassLoader())) {
            return KernelSpec.load(loader, id);
        }
    }

    /** ctx.mmaTf32 and KernelMath.roundToTf32: the tensor-core instruction in CUDA, FMAs in OpenCL. */
    @Test
    void tensorCoreMultiply() throws Exception {
        String source = """
                package t;
                import dev.mambajvm.lang.*;
                public class Mma {
                    @Kernel
                    public static void mma(KernelContext ctx, FloatArray a) {
                        float[] tile = ctx.allocateFloatLocalArray(16 * 12);
                        float[] acc = new float[4];
                        tile[ctx.localIdx] = KernelMath.roundToTf32(a.get(ctx.localIdx));
                        ctx.localBarrier();
                        ctx.mmaTf32(acc, 0, tile, 0, 12, 1, tile, 4, 1, 12);
                        a.set(ctx.localIdx, acc[3]);
                    }
                }
                """;
        InMemoryCompilation.Result r = InMemoryCompilation.compile(out, "t.Mma", source);
        assertTrue(r.success(), () -> "compile errors: " + r.errors());
        KernelSpec spec;
        try (URLClassLoader loader = new URLClassLoader(new java.net.URL[]{out.toUri().toURL()}, getClass().getClassLoader())) {
            spec = KernelSpec.load(loader, "t.Mma.mma");
        }
        String cu = spec.source(Dialect.CUDA, Map.of());
        assertContains(cu, "tile[(int) threadIdx.x] = mamba_round_tf32(a[(int) threadIdx.x]);");
        assertContains(cu, "mamba_mma_tf32(&acc[0], &tile[0], 12, 1, &tile[4], 1, 12);");
        assertContains(cu, "asm(\"mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 \"");
        assertContains(cu, "#if __CUDA_ARCH__ >= 800");
        assertContains(cu, "return __uint_as_float((u + 0x1000u) & ~0x1fffu);");
        String cl = spec.source(Dialect.OPENCL, Map.of());
        assertContains(cl, "static inline void mamba_mma_tf32(float* d, __local const float* a, int ars, int acs, "
                + "__local const float* b, int brs, int bcs) {");
        assertContains(cl, "s = fma(a[m * ars + k * acs], b[k * brs + n * bcs], s);");
        assertContains(cl, "return as_float((u + 0x1000u) & ~0x1fffu);");
        assertFalse(cl.contains("mma.sync"));
    }

    @Test
    void descriptorListsParametersInOrder() throws Exception {
        KernelSpec spec = compileAndLoad("t.Sample.everything");
        assertEquals("t.Sample", spec.owner());
        assertTrue(spec.usesBarriers());
        assertEquals("Sample.java:8", spec.location());
        List<KernelParam> p = spec.params();
        assertEquals(List.of("ctx", "a", "bits", "wide", "h", "b", "alpha", "offset", "n", "width", "scale"),
                p.stream().map(KernelParam::name).toList());
        assertEquals(new KernelParam("a", KernelParam.Kind.ARRAY, DType.F32, null, true), p.get(1));
        assertEquals(new KernelParam("bits", KernelParam.Kind.ARRAY, DType.I32, null, false), p.get(2));
        assertEquals(new KernelParam("offset", KernelParam.Kind.SCALAR, null, "long", false), p.get(7));
        assertEquals(new KernelParam("scale", KernelParam.Kind.CONSTANT, null, "float", false), p.get(10));
        assertEquals(List.of("a", "bits", "wide", "h", "b", "alpha", "offset", "n"),
                spec.launchParams().stream().map(KernelParam::name).toList());
    }

    @Test
    void cudaSource() throws Exception {
        String cu = compileAndLoad("t.Sample.everything").source(Dialect.CUDA, Map.of("width", 4, "scale", 0.5f));
        assertContains(cu, "extern \"C\" __global__ void everything(float* a, const int* bits, long long* wide, "
                + "unsigned short* h, unsigned short* b, float alpha, long long offset, int n)");
        assertContains(cu, "#define width (4)");
        assertContains(cu, "#define scale (0x1.0p-1f)");
        assertContains(cu, "__shared__ float shared[8 * width];");
        assertContains(cu, "int unsigned_ = ((int) ((unsigned int) (bits[i]) >> (3)));");
        assertContains(cu, "long long w = wide[i] + 5LL + offset;");
        assertContains(cu, "float x = mamba_half_to_float(h[i]) + mamba_bf16_to_float(b[i]) * 1.0E-5f + scale;");
        assertContains(cu, "float acc[width] = {0};");
        assertContains(cu, "for (int k = 0, j = 1; k < width; k++, j += 2) {");
        assertContains(cu, "    #pragma unroll\n    for (int k = 1; k < width; k++) {");
        assertEquals(1, cu.split("#pragma unroll", -1).length - 1, "only the @Unroll loop is marked");
        assertContains(cu, "acc[k] = fmaxf(x, (float) j) + min(k, j);");
        assertContains(cu, "shared[(int) threadIdx.x] = square(acc[0]) + (float) expf(alpha);");
        assertContains(cu, "__syncthreads();");
        assertContains(cu, "rsqrtf(x)");
        assertContains(cu, "mamba_exp2_ftz(x)");
        assertContains(cu, "asm(\"ex2.approx.ftz.f32 %0, %1;\" : \"=f\"(r) : \"f\"(x));");
        assertContains(cu, "__int_as_float(bits[0])");
        assertContains(cu, "} else if (i == n) {");
        assertContains(cu, "h[i] = mamba_float_to_half(x);");
        assertContains(cu, "b[i] = mamba_float_to_bf16(-x);");
        assertContains(cu, "__device__ static inline float square(float x) {");
        assertContains(cu, "// L13");
        assertFalse(cu.contains(KernelSpec.CONSTANTS_MARKER));
    }

    @Test
    void openclSource() throws Exception {
        String cl = compileAndLoad("t.Sample.everything").source(Dialect.OPENCL, Map.of("width", 2, "scale", 1.0f));
        assertContains(cl, "__kernel void everything(__global float* a, __global const int* bits, __global long* wide, "
                + "__global half* h, __global ushort* b, float alpha, long offset, int n)");
        assertContains(cl, "__local float shared[8 * width];");
        assertContains(cl, "    #pragma unroll\n    for (int k = 1; k < width; k++) {");
        assertContains(cl, "long w = wide[i] + 5L + offset;");
        assertContains(cl, "float x = vload_half(i, h) + mamba_bf16_to_float(b[i]) * 1.0E-5f + scale;");
        assertContains(cl, "shared[(int) get_local_id(0)] = square(acc[0]) + (float) exp(alpha);");
        assertContains(cl, "barrier(CLK_LOCAL_MEM_FENCE);");
        assertContains(cl, "vstore_half_rte(x, i, h);");
        assertContains(cl, "acc[k] = fmax(x, (float) j) + min(k, j);");
        assertContains(cl, "native_exp2(x)");
        assertFalse(cl.contains("asm"), "no PTX in OpenCL C");
    }

    @Test
    void deviceFunctionsOfOtherClassesAndNestedKernels() throws Exception {
        KernelSpec spec = compileAndLoad("t.Sample$Nested.inner");
        assertEquals("Sample.Nested.inner", spec.displayName());
        String cu = spec.source(Dialect.CUDA, Map.of());
        assertContains(cu, "__device__ static inline float twice(float v) {");
        assertContains(cu, "a[(int) (blockIdx.y * blockDim.y + threadIdx.y) * (int) (gridDim.x * blockDim.x) "
                + "+ (int) (blockIdx.x * blockDim.x + threadIdx.x)] = twice(1.0f);");
        assertTrue(cu.indexOf("twice(float v)") < cu.indexOf("void inner("), "callee before caller");
        assertFalse(spec.usesBarriers());
    }

    @Test
    void constantsAreChecked() throws Exception {
        KernelSpec spec = compileAndLoad("t.Sample.everything");
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> spec.source(Dialect.CUDA, Map.of("width", 4)));
        assertContains(missing.getMessage(), "@Constant float scale");
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> spec.source(Dialect.CUDA, Map.of("width", 4, "scale", 1f, "tile", 3)));
        assertContains(unknown.getMessage(), "'tile'");
        IllegalArgumentException wrongType = assertThrows(IllegalArgumentException.class,
                () -> spec.source(Dialect.CUDA, Map.of("width", 4.0f, "scale", 1f)));
        assertContains(wrongType.getMessage(), "needs an Integer");
    }

    @Test
    void listNamesEveryKernel() throws Exception {
        compileAndLoad("t.Sample.everything");
        InMemoryCompilation.Result r = new InMemoryCompilation.Result(true, List.of(), out);
        assertEquals("t.Sample$Nested.inner\nt.Sample.everything\n", r.resource(KernelSpec.LIST));
    }

    private static void assertContains(String haystack, String needle) {
        assertTrue(haystack.contains(needle), () -> "expected to find\n  " + needle + "\nin\n" + haystack);
    }
}
