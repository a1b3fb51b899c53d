package dev.mambajvm.model;

import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.Devices;
import dev.mambajvm.lang.BFloat16;
import dev.mambajvm.lang.DType;
import dev.mambajvm.model.weights.Checkpoint;
import dev.mambajvm.model.weights.SafetensorsWriter;
import dev.mambajvm.model.weights.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Model-level parity of re-written copies of the fixtures, loaded through {@link MambaModel} on the JVM
 * and the first OpenCL device (the copies are written with {@link SafetensorsWriter}):
 * <ul>
 *   <li>a copy in two shards (model.safetensors.index.json) gives the original's logits (1e-7
 *       relative, float32 rounding; measured: identical);</li>
 *   <li>a bfloat16 copy (the matrices stay bf16 on the device, the kernels widen them on load) gives
 *       the logits of a float32 checkpoint whose weights this test rounded to bf16 (1e-5 relative:
 *       only the storage differs; measured: identical), and stays within {@link #BF16_VS_FLOAT64} of
 *       transformers' float64 logits of the unrounded weights. That looser bound is the cost of
 *       rounding every weight to 8 significant bits (relative 2^-9) through two blocks of these
 *       random, large-init fixtures: measured 4.3e-3 (falcon-mamba-tiny) to 1.4e-2 (mamba2-tiny);
 *       the inputs are fixed, so these numbers do not move between runs.</li>
 * </ul>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CheckpointCopiesModelTest {
    private static final List<String> FIXTURES = List.of("mamba1-tiny", "mamba2-tiny", "falcon-mamba-tiny");
    private static final List<String> DEVICES = List.of("jvm", "opencl:0");
    static final double BF16_VS_FLOAT64 = 3e-2;

    @TempDir
    static Path tmp;
    private final Map<String, Device> devices = new HashMap<>();

    @BeforeAll
    void writeCopies() throws Exception {
        for (String name : FIXTURES) {
            Path original = MambaModelTest.fixture(name);
            try (Checkpoint c = Checkpoint.open(original)) {
                writeSharded(c, copyDir(original, name + "-sharded"));
                writeBf16(c, copyDir(original, name + "-bf16"), false);
                writeBf16(c, copyDir(original, name + "-bf16-as-f32"), true);
            }
        }
        for (String id : DEVICES) {
            devices.put(id, Devices.open(id));
        }
    }

    @AfterAll
    void closeDevices() {
        devices.values().forEach(Device::close);
    }

    static Stream<Arguments> cases() {
        return FIXTURES.stream().flatMap(f -> DEVICES.stream().map(d -> Arguments.of(f, d)));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void shardedCopyGivesTheOriginalLogits(String fixture, String device) throws Exception {
        Golden g = Golden.read(MambaModelTest.fixture(fixture));
        float[][][] original = logits(device, MambaModelTest.fixture(fixture), g.inputIds());
        float[][][] sharded = logits(device, tmp.resolve(fixture + "-sharded"), g.inputIds());
        for (int b = 0; b < g.inputIds().length; b++) {
            double err = relError(sharded[b], original[b]);
            System.out.printf("%s %s row %d: sharded vs original %.3e%n", fixture, device, b, err);
            assertTrue(err <= 1e-7, fixture + " " + device + " row " + b + ": " + err);
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void bf16CopyGivesTheLogitsOfBf16RoundedWeights(String fixture, String device) throws Exception {
        Golden g = Golden.read(MambaModelTest.fixture(fixture));
        float[][][] bf16 = logits(device, tmp.resolve(fixture + "-bf16"), g.inputIds());
        float[][][] rounded = logits(device, tmp.resolve(fixture + "-bf16-as-f32"), g.inputIds());
        for (int b = 0; b < g.inputIds().length; b++) {
            double err = relError(bf16[b], rounded[b]);
            double vsGolden = relError(bf16[b], g.logits()[b]);
            System.out.printf("%s %s row %d: bf16 vs bf16-rounded float32 %.3e, vs float64 golden %.3e%n",
                    fixture, device, b, err, vsGolden);
            assertTrue(err <= 1e-5, fixture + " " + device + " row " + b + ": bf16 vs rounded float32 " + err);
            assertTrue(vsGolden <= BF16_VS_FLOAT64, fixture + " " + device + " row " + b + ": vs golden " + vsGolden);
        }
    }

    /**
     * One sequence decoding bf16 weights takes its own GEMV kernel on a GPU/OpenCL device
     * ({@code MatVec.matvecBf16Rows}, packed 8-byte loads, ModelKernels.matvec): the decode step's
     * logits, token by token after a prefill, equal the bf16-rounded float32 copy's (the generic
     * kernel) to float32 rounding of a different summation order.
     */
    @ParameterizedTest
    @MethodSource("cases")
    void bf16CopyDecodesAsBf16RoundedWeights(String fixture, String device) throws Exception {
        int[] ids = Golden.read(MambaModelTest.fixture(fixture)).inputIds()[0];
        int prompt = 5;
        try (MambaModel bf16 = MambaModel.load(devices.get(device), tmp.resolve(fixture + "-bf16"));
             MambaModel rounded = MambaModel.load(devices.get(device), tmp.resolve(fixture + "-bf16-as-f32"));
             ModelState s1 = bf16.newState(1); ModelState s2 = rounded.newState(1)) {
            bf16.prefill(s1, 0, new int[][]{Arrays.copyOf(ids, prompt)});
            rounded.prefill(s2, 0, new int[][]{Arrays.copyOf(ids, prompt)});
            double worst = 0;
            for (int t = prompt; t < ids.length; t++) {
                float[] a = bf16.decode(s1, new int[]{ids[t]})[0];
                float[] b = rounded.decode(s2, new int[]{ids[t]})[0];
                worst = Math.max(worst, MambaModelTest.relError(a, b));
            }
            System.out.printf("%s %s: %d decode steps, bf16 vs bf16-rounded float32, worst %.3e%n",
                    fixture, device, ids.length - prompt, worst);
            assertTrue(worst <= 1e-5, fixture + " " + device + ": decode, bf16 vs rounded float32 " + worst);
        }
    }

    private float[][][] logits(String device, Path dir, int[][] ids) {
        try (MambaModel model = MambaModel.load(devices.get(device), dir); ModelState state = model.newState(ids.length)) {
            return model.forward(state, 0, ids);
        }
    }

    private Path copyDir(Path original, String name) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Files.copy(original.resolve("config.json"), dir.resolve("config.json"));
        return dir;
    }

    /** Tensors alternate between two shards, so that every layer is split over both files. */
    private static void writeSharded(Checkpoint c, Path dir) throws IOException {
        SafetensorsWriter[] shards = {new SafetensorsWriter(), new SafetensorsWriter()};
        String[] files = {"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"};
        List<String> entries = new ArrayList<>();
        int i = 0;
        for (Tensor t : c.tensors().values()) {
            shards[i % 2].add(t);
            entries.add("\"" + t.name() + "\": \"" + files[i % 2] + "\"");
            i++;
        }
        shards[0].write(dir.resolve(files[0]));
        shards[1].write(dir.resolve(files[1]));
        Files.writeString(dir.resolve(Checkpoint.INDEX_FILE),
                "{\"metadata\": {}, \"weight_map\": {" + String.join(", ", entries) + "}}");
    }

    /** Every tensor rounded to bfloat16 (round to nearest even); stored as BF16, or as those values in F32. */
    private static void writeBf16(Checkpoint c, Path dir, boolean asFloat32) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            SafetensorsWriter writer = new SafetensorsWriter();
            for (Tensor t : c.tensors().values()) {
                float[] values = t.toFloatArray();
                MemorySegment data = arena.allocate((asFloat32 ? 4L : 2L) * values.length, 4);
                for (int i = 0; i < values.length; i++) {
                    short bits = BFloat16.fromFloat(values[i]);
                    if (asFloat32) {
                        data.setAtIndex(ValueLayout.JAVA_FLOAT, i, BFloat16.toFloat(bits));
                    } else {
                        data.setAtIndex(ValueLayout.JAVA_SHORT, i, bits);
                    }
                }
                writer.add(t.name(), asFloat32 ? DType.F32 : DType.BF16, t.shape(), data);
            }
            writer.write(dir.resolve(Checkpoint.SINGLE_FILE));
        }
    }

    private static double relError(float[][] got, float[][] ref) {
        double num = 0, den = 0;
        for (int t = 0; t < ref.length; t++) {
            for (int v = 0; v < ref[t].length; v++) {
                double d = (double) got[t][v] - ref[t][v];
                num += d * d;
                den += (double) ref[t][v] * ref[t][v];
            }
        }
        return Math.sqrt(num / den);
    }

    private static double relError(float[][] got, double[][] ref) {
        return MambaModelTest.relError(got, ref);
    }
}
