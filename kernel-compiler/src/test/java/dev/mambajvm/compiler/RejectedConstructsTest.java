package dev.mambajvm.compiler;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Everything outside the kernel subset is a compile error at the kernel's file:line that names the
 * construct. Each case puts one offending line at line 10 of a small kernel class.
 */
class RejectedConstructsTest {

    @TempDir
    Path out;

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("double x = 1.0f;", "double is not supported"),
                Arguments.of("float x = 1.5 > 0 ? 1f : 2f;", "double literal 1.5"),
                Arguments.of("for (int k : new int[]{1, 2}) { }", "enhanced for loop"),
                Arguments.of("switch (n) { case 1: break; default: break; }", "a switch"),
                Arguments.of("try { n++; } finally { n--; }", "try/catch"),
                Arguments.of("Object o = new Object();", "not supported in kernels"),
                Arguments.of("String s = \"a\" + n;", "not supported in kernels"),
                Arguments.of("n = Integer.parseInt(\"3\");", "Integer.parseInt is not supported"),
                Arguments.of("Runnable r = () -> { };", "not supported in kernels"),
                Arguments.of("float y = (float) Math.atan(1f);", "Math.atan is not supported"),
                Arguments.of("n = a.length() > 0 ? 1 : 0;", "length() is host-only"),
                Arguments.of("n = COUNTER;", "not a compile-time constant"),
                Arguments.of("ctx.globalIdx = 3;", "read-only"),
                Arguments.of("outer: for (int k = 0; k < 2; k++) { break outer; }", "labeled"),
                Arguments.of("if (n > 0) { float[] t = ctx.allocateFloatLocalArray(16); }", "top level of the kernel body"),
                Arguments.of("float[] t = new float[n];", "compile-time constant"),
                Arguments.of("long big = (long) n; double d = big;", "double is not supported"),
                Arguments.of("assert n > 0;", "assert"),
                Arguments.of("helperWithBarrier(ctx);", "KernelContext can only be used as ctx.field"),
                Arguments.of("float[] l = ctx.allocateFloatLocalArray(128); ctx.mmaTf32(l, 0, l, 0, 8, 1, l, 0, 8, 1);",
                        "mmaTf32: acc (l) must be a private array"),
                Arguments.of("float[] p = new float[4]; ctx.mmaTf32(p, 0, p, 0, 8, 1, p, 0, 8, 1);",
                        "mmaTf32: a (p) must be a local array"));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void isACompileErrorAtItsLine(String offendingLine, String expectedMessage) {
        String source = """
                package t;
                import dev.mambajvm.lang.*;
                public class K {
                    static int COUNTER = 0;
                    @DeviceFunction
                    static void helperWithBarrier(KernelContext ctx) { }
                    @Kernel
                    public static void k(KernelContext ctx, FloatArray a, int n) {
                        int i = ctx.globalIdx;
                        %s
                    }
                }
                """.formatted(offendingLine);
        InMemoryCompilation.Result r = InMemoryCompilation.compile(out, "t.K", source);
        assertFalse(r.success(), "should not compile: " + offendingLine);
        assertTrue(r.errors().stream().anyMatch(e -> e.startsWith("K.java:10: ") && e.contains(expectedMessage)),
                "expected an error at K.java:10 containing '" + expectedMessage + "', got " + r.errors());
        assertFalse(r.hasResource("META-INF/mamba-kernels.list"), "no kernel output after an error");
    }

    static Stream<Arguments> declarationCases() {
        return Stream.of(
                Arguments.of("@Kernel public void k(KernelContext ctx) { }", "must be static"),
                Arguments.of("@Kernel public static int k(KernelContext ctx) { return 0; }", "must return void"),
                Arguments.of("@Kernel public static void k(FloatArray a, KernelContext ctx) { }", "first parameter"),
                Arguments.of("@Kernel public static void k(KernelContext ctx, @Constant FloatArray a) { }",
                        "@Constant applies to int and float"),
                Arguments.of("@Kernel public static void k(KernelContext ctx, double x) { }", "not supported in kernels"),
                Arguments.of("@DeviceFunction static int f(int x) { return f(x - 1); } @Kernel public static void k(KernelContext ctx, IntArray a) { a.set(0, f(3)); }",
                        "recursive"),
                Arguments.of("@DeviceFunction static void f(KernelContext c) { c.localBarrier(); }", "cannot take a KernelContext"));
    }

    @ParameterizedTest
    @MethodSource("declarationCases")
    void badDeclarationsAreCompileErrors(String declaration, String expectedMessage) {
        String source = """
                package t;
                import dev.mambajvm.lang.*;
                public class D {
                    %s
                }
                """.formatted(declaration);
        InMemoryCompilation.Result r = InMemoryCompilation.compile(out, "t.D", source);
        assertFalse(r.success(), "should not compile: " + declaration);
        assertTrue(r.errors().stream().anyMatch(e -> e.startsWith("D.java:4: ") && e.contains(expectedMessage)),
                "expected an error at D.java:4 containing '" + expectedMessage + "', got " + r.errors());
    }
}
