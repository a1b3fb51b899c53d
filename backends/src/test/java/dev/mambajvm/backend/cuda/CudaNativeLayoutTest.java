package dev.mambajvm.backend.cuda;

import dev.mambajvm.lang.spec.Dialect;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checks what can be checked without a GPU: the struct layouts against cuda.h (compiled with the C
 * compiler), and that the smoke test's CUDA source compiles with nvcc. Skipped where the tools are missing.
 */
class CudaNativeLayoutTest {

    @Test
    void structLayoutsMatchHardCodedExpectations() {
        assertEquals(72, CudaDriver.KERNEL_NODE_PARAMS.byteSize());
        assertEquals(40, CudaDriver.offset(CudaDriver.KERNEL_NODE_PARAMS, "kernelParams"));
        assertEquals(200, CudaDriver.MEMCPY3D.byteSize());
        assertEquals(176, CudaDriver.offset(CudaDriver.MEMCPY3D, "WidthInBytes"));
    }

    @Test
    void structLayoutsMatchCudaHeader(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.isRegularFile(CudaErrorsTest.CUDA_H), "no cuda.h");
        Path cc = which("cc");
        Assumptions.assumeTrue(cc != null, "no C compiler");
        Path c = dir.resolve("layout.c");
        Files.writeString(c, """
                #include <stdio.h>
                #include <stddef.h>
                #include <cuda.h>
                int main(void) {
                  printf("%zu %zu %zu %zu %zu %zu %zu %zu\\n",
                    sizeof(CUDA_KERNEL_NODE_PARAMS), offsetof(CUDA_KERNEL_NODE_PARAMS, kernelParams),
                    offsetof(CUDA_KERNEL_NODE_PARAMS, ctx), offsetof(CUDA_KERNEL_NODE_PARAMS, sharedMemBytes),
                    sizeof(CUDA_MEMCPY3D), offsetof(CUDA_MEMCPY3D, dstMemoryType),
                    offsetof(CUDA_MEMCPY3D, dstDevice), offsetof(CUDA_MEMCPY3D, WidthInBytes));
                  return 0;
                }
                """);
        Path exe = dir.resolve("layout");
        run(List.of(cc.toString(), "-I" + CudaErrorsTest.CUDA_H.getParent(), "-o", exe.toString(), c.toString()), dir);
        String out = run(List.of(exe.toString()), dir).strip();
        var k = CudaDriver.KERNEL_NODE_PARAMS;
        var m = CudaDriver.MEMCPY3D;
        String expected = k.byteSize() + " " + CudaDriver.offset(k, "kernelParams") + " " + CudaDriver.offset(k, "ctx") + " "
                + CudaDriver.offset(k, "sharedMemBytes") + " " + m.byteSize() + " " + CudaDriver.offset(m, "dstMemoryType") + " "
                + CudaDriver.offset(m, "dstDevice") + " " + CudaDriver.offset(m, "WidthInBytes");
        assertEquals(expected, out);
    }

    @Test
    void smokeTestSourceCompilesWithNvcc(@TempDir Path dir) throws Exception {
        Path nvcc = which("nvcc");
        Assumptions.assumeTrue(nvcc != null, "nvcc not on the PATH");
        String src = CudaSmokeTest.vectorAddSpec(CudaSmokeTest.SOURCE).source(Dialect.CUDA, Map.of("ALPHA", CudaSmokeTest.ALPHA));
        Path cu = dir.resolve("smoke.cu");
        Files.writeString(cu, src);
        Path ptx = dir.resolve("smoke.ptx");
        run(List.of(nvcc.toString(), "-ptx", "-arch=sm_90", "--std=c++17", "-o", ptx.toString(), cu.toString()), dir);
        String text = Files.readString(ptx);
        assertTrue(text.contains(".entry vectorAdd"), "no vectorAdd entry");
        assertTrue(text.contains(".entry iota"), "no iota entry");
    }

    private static Path which(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String d : path.split(File.pathSeparator)) {
            Path p = Path.of(d, tool);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    private static String run(List<String> cmd, Path dir) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "timed out: " + cmd);
        assertEquals(0, p.exitValue(), cmd + " failed:\n" + out);
        return out;
    }
}
