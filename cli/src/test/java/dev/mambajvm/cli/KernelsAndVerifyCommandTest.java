package dev.mambajvm.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code kernels} and {@code verify} against the real kernels of this build. */
class KernelsAndVerifyCommandTest {

    @Test
    void listsEveryKernelWithItsParameters() {
        MambaCliTest.Run r = MambaCliTest.run("kernels");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("VectorKernels.vectorAdd"), r.out());
        assertTrue(r.out().contains("(f32[] a, f32[] b, f32[] c (written), int n)"), r.out());
        assertTrue(r.out().contains("constants: int groupSize  barriers"), r.out());
    }

    @Test
    void emitsCudaAndOpenClWithConstantsBakedIn() {
        MambaCliTest.Run cuda = MambaCliTest.run("kernels", "--emit", "cuda", "ReductionKernels.groupSum",
                "--constant", "groupSize=128");
        assertEquals(0, cuda.code(), cuda.err());
        assertTrue(cuda.out().contains("#define groupSize (128)"), cuda.out());
        assertTrue(cuda.out().contains("extern \"C\" __global__ void groupSum("), cuda.out());
        MambaCliTest.Run cl = MambaCliTest.run("kernels", "--emit", "opencl", "vectorAdd");
        assertEquals(0, cl.code(), cl.err());
        assertTrue(cl.out().contains("__kernel void vectorAdd(__global const float* a"), cl.out());
    }

    @Test
    void userMistakesAreOneLineUsageErrors() {
        MambaCliTest.Run missing = MambaCliTest.run("kernels", "--emit", "cuda", "ReductionKernels.groupSum");
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("needs a value for @Constant int groupSize"), missing.err());
        assertTrue(missing.err().contains("--constant groupSize=<int>"), missing.err());
        MambaCliTest.Run badValue = MambaCliTest.run("kernels", "--emit", "cuda", "groupSum", "--constant", "groupSize=big");
        assertEquals(2, badValue.code());
        assertTrue(badValue.err().contains("expected an integer"), badValue.err());
        MambaCliTest.Run unknown = MambaCliTest.run("kernels", "--emit", "cuda", "noSuchKernel");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("no kernel named 'noSuchKernel'"), unknown.err());
        MambaCliTest.Run dialect = MambaCliTest.run("kernels", "--emit", "metal", "vectorAdd");
        assertEquals(2, dialect.code());
        assertTrue(dialect.err().contains("--emit takes cuda or opencl"), dialect.err());
        for (MambaCliTest.Run r : new MambaCliTest.Run[]{missing, badValue, unknown, dialect}) {
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertFalse(r.err().contains("\tat "), r.err());
        }
    }

    @Test
    void verifyRunsTheSuiteOnTheJvm() {
        MambaCliTest.Run r = MambaCliTest.run("verify", "--device", "jvm", "--seed", "5");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("== jvm"), r.out());
        assertTrue(r.out().contains("PASS   MatMulKernels.matmulTiled"), r.out());
        assertTrue(r.out().strip().endsWith("passed, 0 failed"), r.out());
    }

    @Test
    void verifyOfAnAbsentDeviceIsOneLine() {
        MambaCliTest.Run r = MambaCliTest.run("verify", "--device", "opencl:42");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("no device 'opencl:42'"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }
}
