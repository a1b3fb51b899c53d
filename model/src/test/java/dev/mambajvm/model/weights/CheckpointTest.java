package dev.mambajvm.model.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mambajvm.lang.BFloat16;
import dev.mambajvm.lang.DType;
import dev.mambajvm.lang.FloatArray;
import dev.mambajvm.model.ModelFormatException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
    @TempDir
    Path tmp;

    static Path fixture(String name) throws Exception {
        return Path.of(CheckpointTest.class.getResource("/fixtures/hf/" + name).toURI());
    }

    @Test
    void everyFixtureOpensAndMatchesItsLayout() throws Exception {
        for (String name : List.of("mamba1-tiny", "mamba2-tiny", "falcon-mamba-tiny", "mamba1-bias-tiny",
                "mamba1-untied-tiny", "mamba2-bias-tiny")) {
            try (Checkpoint c = Checkpoint.open(fixture(name))) {
                WeightLayout layout = WeightLayout.of(c.config());
                layout.check(c);
                assertEquals(c.tensors().size(), layout.tensors().size(), name);
                if (c.config().tieWordEmbeddings()) {
                    assertSame(c.tensor(TensorNames.EMBEDDINGS), c.lmHead(), name + ": tied");
                } else {
                    assertSame(c.tensor(TensorNames.LM_HEAD), c.lmHead(), name + ": untied");
                }
            }
        }
    }

    /** Sum of layer 0's A_log read by the reader vs. plain ByteBuffer at offsets taken from the header dump. */
    @Test
    void valuesAgreeWithAnIndependentRead() throws Exception {
        Path dir = fixture("mamba1-tiny");
        ByteBuffer file = ByteBuffer.wrap(Files.readAllBytes(dir.resolve("model.safetensors"))).order(ByteOrder.LITTLE_ENDIAN);
        long headerLength = file.getLong(0);
        assertEquals(2208, headerLength);
        // backbone.layers.0.mixer.A_log: F32 [128, 16], data_offsets [131072, 139264] (python3 header dump)
        double expected = 0;
        for (int i = 0; i < 128 * 16; i++) {
            expected += file.getFloat((int) (8 + headerLength + 131072 + 4L * i));
        }
        try (Checkpoint c = Checkpoint.open(dir)) {
            FloatArray aLog = c.tensor("backbone.layers.0.mixer.A_log").asFloatArray();
            double sum = 0;
            for (int i = 0; i < aLog.length(); i++) {
                sum += aLog.get(i);
            }
            assertEquals(expected, sum);
            assertTrue(expected > 0, "A_log = log(1..16) is positive");
        }
    }

    @Test
    void bf16CopyAgreesWithinRounding() throws Exception {
        Path copy = tmp.resolve("bf16");
        Files.createDirectories(copy);
        Files.copy(fixture("mamba2-tiny").resolve("config.json"), copy.resolve("config.json"));
        try (Checkpoint original = Checkpoint.open(fixture("mamba2-tiny")); Arena arena = Arena.ofConfined()) {
            SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
            for (Tensor t : original.tensors().values()) {
                float[] values = t.toFloatArray();
                MemorySegment bf16 = arena.allocate(2L * values.length, 2);
                for (int i = 0; i < values.length; i++) {
                    bf16.setAtIndex(ValueLayout.JAVA_SHORT, i, BFloat16.fromFloat(values[i]));
                }
                writer.add(t.name(), DType.BF16, t.shape(), bf16);
            }
            writer.write(copy.resolve("model.safetensors"));
            try (Checkpoint c = Checkpoint.open(copy)) {
                WeightLayout.of(c.config()).check(c);
                for (Tensor t : original.tensors().values()) {
                    Tensor b = c.tensor(t.name());
                    assertEquals(DType.BF16, b.dtype());
                    float[] want = t.toFloatArray();
                    for (int i = 0; i < want.length; i++) {
                        // bf16 keeps 8 significant bits: round-to-nearest error <= 2^-9 relative.
                        assertEquals(want[i], b.asBFloat16Array().get(i), Math.abs(want[i]) * 0x1p-8f, t.name() + "[" + i + "]");
                    }
                }
                assertEquals("pt", c.files().getFirst().metadata().get("format"));
            }
        }
    }

    @Test
    void shardedCopyAgreesAndUsesStateSpacesEmbeddingName() throws Exception {
        Path copy = tmp.resolve("sharded");
        Files.createDirectories(copy);
        Files.copy(fixture("mamba1-tiny").resolve("config.json"), copy.resolve("config.json"));
        try (Checkpoint original = Checkpoint.open(fixture("mamba1-tiny"))) {
            List<Tensor> all = new ArrayList<>(original.tensors().values());
            SafetensorsWriter first = new SafetensorsWriter(), second = new SafetensorsWriter();
            StringBuilder index = new StringBuilder("{\"metadata\": {\"total_size\": 1}, \"weight_map\": {");
            for (int i = 0; i < all.size(); i++) {
                Tensor t = all.get(i);
                // The original state-spaces spelling of the embedding: lookups must find it either way.
                String name = t.name().equals(TensorNames.EMBEDDINGS) ? "backbone.embedding.weight" : t.name();
                String shard = i < all.size() / 2 ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
                (i < all.size() / 2 ? first : second).add(name, t.dtype(), t.shape(), t.data());
                index.append(i > 0 ? "," : "").append('"').append(name).append("\": \"").append(shard).append('"');
            }
            first.write(copy.resolve("model-00001-of-00002.safetensors"));
            second.write(copy.resolve("model-00002-of-00002.safetensors"));
            Files.writeString(copy.resolve(Checkpoint.INDEX_FILE), index.append("}}"));
            try (Checkpoint c = Checkpoint.open(copy)) {
                assertEquals(2, c.files().size());
                WeightLayout.of(c.config()).check(c);
                for (Tensor t : all) {
                    assertEquals(-1, c.tensor(t.name()).data().mismatch(t.data()), t.name());
                }
            }
        }
    }

    @Test
    void shapeCheckNamesTensorAndShapes() throws Exception {
        Path copy = tmp.resolve("wrong");
        Files.createDirectories(copy);
        // Claim state_size 8: A_log [128, 16] and x_proj [36, 128] now contradict the config.
        Files.writeString(copy.resolve("config.json"),
                Files.readString(fixture("mamba1-tiny").resolve("config.json")).replace("\"state_size\": 16", "\"state_size\": 8"));
        Files.copy(fixture("mamba1-tiny").resolve("model.safetensors"), copy.resolve("model.safetensors"));
        try (Checkpoint c = Checkpoint.open(copy)) {
            String message = assertThrows(ModelFormatException.class, () -> WeightLayout.of(c.config()).check(c)).getMessage();
            assertTrue(message.contains("tensor \"backbone.layers.0.mixer.A_log\" has shape [128, 16], expected [128, 8]"), message);
            assertTrue(message.contains("tensor \"backbone.layers.1.mixer.x_proj.weight\" has shape [36, 128], expected [20, 128]"), message);
        }
        // Without biases in the config, conv1d.bias is unexplained; untied, lm_head is missing.
        Files.writeString(copy.resolve("config.json"), Files.readString(fixture("mamba1-tiny").resolve("config.json"))
                .replace("\"use_conv_bias\": true", "\"use_conv_bias\": false")
                .replace("\"tie_word_embeddings\": true", "\"tie_word_embeddings\": false"));
        try (Checkpoint c = Checkpoint.open(copy)) {
            String message = assertThrows(ModelFormatException.class, () -> WeightLayout.of(c.config()).check(c)).getMessage();
            assertTrue(message.contains("tensor \"lm_head.weight\" missing (expected shape [512, 64])"), message);
            assertTrue(message.contains("tensor \"backbone.layers.0.mixer.conv1d.bias\" [128] is not expected"), message);
            assertThrows(ModelFormatException.class, c::lmHead);
        }
    }

    @Test
    void missingWeightsAndShards() throws Exception {
        Path dir = tmp.resolve("empty");
        Files.createDirectories(dir);
        Files.copy(fixture("mamba1-tiny").resolve("config.json"), dir.resolve("config.json"));
        assertTrue(assertThrows(ModelFormatException.class, () -> Checkpoint.open(dir)).getMessage().contains("no model.safetensors"));
        Files.writeString(dir.resolve(Checkpoint.INDEX_FILE), "{\"weight_map\": {\"a\": \"gone.safetensors\"}}");
        assertTrue(assertThrows(ModelFormatException.class, () -> Checkpoint.open(dir)).getMessage()
                .contains("shard \"gone.safetensors\" does not exist"));
        Files.writeString(dir.resolve(Checkpoint.INDEX_FILE), "{\"weight_map\": {\"a\": \"../x.safetensors\"}}");
        assertTrue(assertThrows(ModelFormatException.class, () -> Checkpoint.open(dir)).getMessage()
                .contains("outside the checkpoint directory"));
    }
}
