package dev.mambajvm.kernels;

import dev.mambajvm.lang.DType;
import dev.mambajvm.lang.spec.Dialect;
import dev.mambajvm.lang.spec.KernelParam;
import dev.mambajvm.lang.spec.KernelSpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every kernel of the project, as the CUDA backend would hand it to NVRTC, compiles with nvcc for
 * sm_90 (the H100) with no register spills and no stack frame (every private array in registers),
 * and its PTX holds no double-precision instruction:
 * float kernels must not pay for a .f64 that slipped in through a literal or a math call. A kernel
 * with storage-type slots (f32, f16, bf16 arrays side by side, chosen by a {@code @Constant int
 * ...Type}: mamba.StorageType) must read only the slot its constant names: the type branch is
 * resolved at compile time, so the PTX never even loads the other two pointers (or none of the three,
 * where the kernel reads a 64-bit view of the same buffer passed right after them).
 */
class GeneratedCudaCompilesTest {

    private static final Pattern SPILLS = Pattern.compile("(\\d+) bytes stack frame, (\\d+) bytes spill stores, (\\d+) bytes spill loads");
    private static final Pattern F64_INSTRUCTION = Pattern.compile("\\.f64\\b");
    /** A kernel parameter read in PTX: {@code ld.param.u64 %rd1, [name_param_3]}. */
    private static final Pattern PARAM_LOAD = Pattern.compile("ld\\.param\\.\\w+\\s+[^,]+,\\s*\\[\\w+_param_(\\d+)\\]");
    private static Path nvcc;

    @TempDir
    static Path work;

    @BeforeAll
    static void findNvcc() {
        for (String dir : List.of(System.getenv().getOrDefault("CUDA_HOME", "/usr/local/cuda") + "/bin",
                "/usr/local/cuda/bin", "/usr/local/cuda-13.0/bin", "/usr/local/bin", "/usr/bin")) {
            Path p = Path.of(dir, "nvcc");
            if (Files.isExecutable(p)) {
                nvcc = p;
                return;
            }
        }
    }

    @TestFactory
    Stream<DynamicTest> everyKernelCompilesForSm90WithoutSpills() {
        List<KernelSpec> specs = KernelSpec.all(getClass().getClassLoader());
        assertFalse(specs.isEmpty(), "no kernels found on the class path");
        return specs.stream().flatMap(spec -> {
            List<Map<String, ? extends Number>> variants = ExampleConstants.variants(spec);
            return IntStream.range(0, variants.size()).mapToObj(v -> DynamicTest.dynamicTest(
                    spec.displayName() + (variants.size() > 1 ? " " + variants.get(v) : ""),
                    () -> check(spec, variants.get(v), spec.id() + "-" + v)));
        });
    }

    private void check(KernelSpec spec, Map<String, ? extends Number> constants, String fileName) throws Exception {
        assumeTrue(nvcc != null, "nvcc not found (CUDA_HOME, /usr/local/cuda*/bin): generated CUDA not compiled");
        String source = spec.source(Dialect.CUDA, constants);
        Path cu = work.resolve(fileName + ".cu");
        Files.writeString(cu, source);
        String report = run(List.of(nvcc.toString(), "-cubin", "-arch=sm_90", "-Xptxas", "-v", "-o",
                work.resolve(fileName + ".cubin").toString(), cu.toString()), source);
        Matcher m = SPILLS.matcher(report);
        assertTrue(m.find(), "no ptxas resource report for " + spec.displayName() + ":\n" + report);
        // A stack frame without spills is a private array the compiler could not keep in registers
        // (an index it cannot resolve: a loop it did not unroll; see dev.mambajvm.lang.Unroll).
        assertEquals("0", m.group(1), "a stack frame (private array in local memory) in " + spec.displayName() + ":\n" + report);
        assertEquals("0", m.group(2), "spill stores in " + spec.displayName() + ":\n" + report);
        assertEquals("0", m.group(3), "spill loads in " + spec.displayName() + ":\n" + report);

        Path ptx = work.resolve(fileName + ".ptx");
        run(List.of(nvcc.toString(), "-ptx", "-arch=sm_90", "-o", ptx.toString(), cu.toString()), source);
        List<String> f64 = new ArrayList<>();
        for (String line : Files.readAllLines(ptx)) {
            if (F64_INSTRUCTION.matcher(line).find()) {
                f64.add(line.trim());
            }
        }
        assertTrue(f64.isEmpty(), "double-precision PTX in " + spec.displayName() + ": " + f64);
        checkStorageSlots(spec, constants, Files.readString(ptx));
    }

    /**
     * A kernel with a storage-type constant (named {@code ...Type}, one per kernel): in each (f32,
     * f16, bf16) triple of its array parameters the slot of the type is loaded, the other two are
     * not (PTX numbers the launch parameters in order, constants excluded).
     */
    private static void checkStorageSlots(KernelSpec spec, Map<String, ? extends Number> constants, String ptx) {
        List<String> typeConstants = spec.constants().stream().map(KernelParam::name)
                .filter(n -> n.endsWith("Type")).toList();
        if (typeConstants.isEmpty()) {
            return;
        }
        assertEquals(1, typeConstants.size(), spec.displayName() + " has several storage-type constants");
        List<KernelParam> params = spec.launchParams();
        List<Integer> triples = new ArrayList<>();
        for (int i = 0; i + 2 < params.size(); i++) {
            if (params.get(i).arrayType() == DType.F32 && params.get(i + 1).arrayType() == DType.F16
                    && params.get(i + 2).arrayType() == DType.BF16) {
                triples.add(i);
            }
        }
        // Without typed slots, the kernel must read its typed data as 8-byte words (an int64 array,
        // unpacked by StorageType.unpack: SsdTensorCoreKernels.chunkStatesTc).
        assertFalse(triples.isEmpty() && params.stream().noneMatch(q -> q.arrayType() == DType.I64),
                spec.displayName() + " has " + typeConstants.getFirst() + " but no (f32, f16, bf16) array slots"
                        + " and no int64 view to read packed elements through");
        int type = constants.get(typeConstants.getFirst()).intValue();
        Set<Integer> loaded = new HashSet<>();
        Matcher m = PARAM_LOAD.matcher(ptx);
        while (m.find()) {
            loaded.add(Integer.parseInt(m.group(1)));
        }
        for (int first : triples) {
            // A triple may be followed by a 64-bit view of the same buffer (an int64 array), which a
            // specialization may read instead of the typed slot (packed loads: SelectiveScanKernels).
            int view = first + 3;
            boolean viewRead = view < params.size() && params.get(view).arrayType() == DType.I64 && loaded.contains(view);
            for (int slot = 0; slot < 3; slot++) {
                String name = params.get(first + slot).name();
                boolean expected = slot == type && !viewRead;
                assertEquals(expected, loaded.contains(first + slot), spec.displayName() + " " + constants + ": slot "
                        + name + (expected ? " is never read (nor a 64-bit view after it)"
                        : slot == type ? " is read besides its 64-bit view"
                        : " is read, though the type constant names another slot"));
            }
        }
    }

    private static String run(List<String> command, String source) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "nvcc timed out");
        assertEquals(0, p.exitValue(), "nvcc failed:\n" + output + "\n--- source ---\n" + source);
        return output;
    }
}
