package dev.mambajvm.backend.opencl;

import dev.mambajvm.backend.Backend;
import dev.mambajvm.lang.spec.Dialect;
import dev.mambajvm.lang.spec.KernelSpec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Hand-written kernel specs (what the kernel compiler would emit) and device lookup for the tests. */
final class OpenClTestSupport {
    private OpenClTestSupport() {
    }

    /** The first OpenCL device; the test is skipped (not failed) when this machine has no OpenCL platform. */
    static OpenClDevice firstDevice() {
        Backend backend = new OpenClBackend();
        assumeTrue(backend.unavailableReason().isEmpty(), () -> "no OpenCL: " + backend.unavailableReason().orElseThrow());
        return (OpenClDevice) backend.devices().getFirst();
    }

    /** A spec named {@code name} with the given {@code param=} lines and OpenCL source (which must hold the marker). */
    static KernelSpec spec(String name, String params, String openClSource) {
        String descriptor = "owner=test.OpenClTestKernels\nname=" + name + "\nlocation=OpenClTestSupport.java:1\n"
                + "barriers=false\n" + params;
        return KernelSpec.parse(descriptor, Map.of(Dialect.OPENCL, openClSource));
    }

    /** c[i] = a[i] + b[i] for i < n; the grid may be larger than n. */
    static KernelSpec vectorAdd() {
        return spec("vectorAdd", """
                param=context context
                param=a array f32 read
                param=b array f32 read
                param=c array f32 write
                param=n scalar int
                """, KernelSpec.CONSTANTS_MARKER + """

                __kernel void vectorAdd(__global const float* a, __global const float* b, __global float* c, int n) {
                    int i = get_global_id(0);
                    if (i < n) {
                        c[i] = a[i] + b[i];
                    }
                }
                """);
    }

    /** out[i] = x[i] * SCALE + OFFSET, both @Constant. */
    static KernelSpec affine() {
        return spec("affine", """
                param=context context
                param=x array f32 read
                param=out array f32 write
                param=n scalar int
                param=SCALE constant float
                param=OFFSET constant int
                """, KernelSpec.CONSTANTS_MARKER + """

                __kernel void affine(__global const float* x, __global float* out, int n) {
                    int i = get_global_id(0);
                    if (i < n) {
                        out[i] = x[i] * SCALE + (float) OFFSET;
                    }
                }
                """);
    }

    /** out[i] = x[i] + s, with a float scalar s (the value a LaunchSequence re-reads). */
    static KernelSpec addScalar() {
        return spec("addScalar", """
                param=context context
                param=x array f32 read
                param=out array f32 write
                param=n scalar int
                param=step scalar long
                param=s scalar float
                """, KernelSpec.CONSTANTS_MARKER + """

                __kernel void addScalar(__global const float* x, __global float* out, int n, long step, float s) {
                    int i = get_global_id(0);
                    if (i < n) {
                        out[i] = x[i] + s + (float) step;
                    }
                }
                """);
    }

    static MemorySegment floats(Arena arena, float[] values) {
        return arena.allocateFrom(JAVA_FLOAT, values);
    }

    static MemorySegment nanFilled(Arena arena, int n) {
        MemorySegment s = arena.allocate(JAVA_FLOAT, n);
        for (int i = 0; i < n; i++) {
            s.setAtIndex(JAVA_FLOAT, i, Float.NaN);
        }
        return s;
    }

    static float[] toArray(MemorySegment s) {
        return s.toArray(JAVA_FLOAT);
    }
}
