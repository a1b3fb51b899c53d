package dev.mambajvm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The embedded default model (cli/src/main/resources/dev/mambajvm/cli/default-model, made by
 * tools/train_default_model.py): extracted once into the cache, used when --model is absent, and
 * scoring the validation excerpt as the training script did.
 */
class DefaultModelTest {

    @TempDir
    Path home;

    Map<String, String> env() {
        return Map.of("HOME", home.toString(), "XDG_CACHE_HOME", home.resolve("cache").toString(),
                "HF_HUB_OFFLINE", "1");
    }

    MambaCliTest.Run run(String... args) {
        return HubModelCommandsTest.run(env(), args);
    }

    static byte[] resource(String file) {
        return DefaultModel.resource(file);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> report() throws Exception {
        return (Map<String, Object>) MiniJson.parse(new String(resource("training-report.json"), java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void isABf16MambaOfAtMostTenMegabytes() throws Exception {
        byte[] weights = resource("model.safetensors");
        assertTrue(weights.length <= 10_000_000, "model.safetensors is " + weights.length + " bytes");
        String config = new String(resource("config.json"), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(config.contains("\"model_type\": \"mamba\""), config);
        assertTrue(config.contains("\"dtype\": \"bfloat16\""), config);
        // the safetensors header names BF16 for the matrices
        int headerLength = (int) java.nio.ByteBuffer.wrap(weights, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        String header = new String(weights, 8, headerLength, java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(header.contains("\"BF16\"") && !header.contains("\"F32\""), header);
    }

    @Test
    void extractsOnceIntoTheCacheAndRepairsABrokenCopy() throws Exception {
        Path dir = DefaultModel.directory(env());
        assertTrue(dir.startsWith(home.resolve("cache").resolve("mamba-jvm").resolve("default-model")), dir.toString());
        for (String f : DefaultModel.FILES) {
            assertArrayEquals(resource(f), Files.readAllBytes(dir.resolve(f)), f);
        }
        long modified = Files.getLastModifiedTime(dir.resolve("model.safetensors")).toMillis();
        assertEquals(dir, DefaultModel.directory(env()));
        assertEquals(modified, Files.getLastModifiedTime(dir.resolve("model.safetensors")).toMillis());

        // a truncated file (a crash would never leave one: the folder is renamed into place whole)
        byte[] weights = resource("model.safetensors");
        Files.write(dir.resolve("model.safetensors"), Arrays.copyOf(weights, 1000));
        assertEquals(dir, DefaultModel.directory(env()));
        assertArrayEquals(weights, Files.readAllBytes(dir.resolve("model.safetensors")));
        try (var s = Files.list(dir.getParent())) {
            assertEquals(1, s.count(), "no temporary folders left behind");
        }
    }

    /**
     * The cross-check: the Java engine's perplexity on the validation excerpt equals the
     * number the training script recorded (a float64 forward in transformers of the same bf16
     * weights) within 1e-3 relative; the token count checks the tokenizer on 10 KB of new text.
     */
    @Test
    @SuppressWarnings("unchecked")
    void perplexityOfTheValidationExcerptMatchesTheTrainingReport() throws Exception {
        Map<String, Object> excerpt = (Map<String, Object>) report().get("excerpt");
        Path text = Path.of(DefaultModelTest.class.getResource("/default-model/validation-excerpt.txt").toURI());
        MambaCliTest.Run r = run("perplexity", "--file", text.toString(), "--json", "--device", "jvm");
        assertEquals(0, r.code(), r.err());
        Map<String, Object> got = (Map<String, Object>) MiniJson.parse(r.out().strip());
        assertEquals(((Number) excerpt.get("tokens")).intValue(), ((Number) got.get("tokens")).intValue());
        double expected = ((Number) excerpt.get("perplexity")).doubleValue();
        double actual = ((Number) got.get("perplexity")).doubleValue();
        assertEquals(expected, actual, 1e-3 * expected, "perplexity of the validation excerpt");
    }

    @Test
    void generateWithoutModelUsesTheDefaultAndIsReplayable() {
        MambaCliTest.Run a = run("generate", "--prompt", "In the beginning", "--max-tokens", "12", "--seed", "3",
                "--device", "jvm");
        assertEquals(0, a.code(), a.err());
        assertFalse(a.out().isBlank(), "no text generated");
        Path dir = DefaultModel.directory(env());
        MambaCliTest.Run b = run("generate", "--model", dir.toString(), "--prompt", "In the beginning",
                "--max-tokens", "12", "--seed", "3", "--device", "jvm");
        assertEquals(0, b.code(), b.err());
        assertEquals(a.out(), b.out());
    }

    @Test
    void helpSaysWhatRunsWithoutModel() {
        MambaCliTest.Run r = run("generate", "--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("Without --model: the embedded default model"), r.out());
    }
}
