package dev.mambajvm.model;

import dev.mambajvm.model.config.EosTokens;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sampler, Perplexity's host math and EosTokens, without a model. */
class SamplerTest {

    @Test
    void greedyIsTheFirstMaximum() {
        assertEquals(1, Sampler.greedy().sample(new float[]{0, 3, 3, -1}));
        assertEquals(1, Sampler.temperature(0, 5).sample(new float[]{Float.NaN, 2, 1}));
    }

    @Test
    void temperatureFollowsTheSoftmaxAndTheSeed() {
        float[] logits = {0, (float) Math.log(3)};   // probabilities 1/4, 3/4 at T = 1
        Sampler s = Sampler.temperature(1, 11);
        int ones = 0, n = 20000;
        for (int i = 0; i < n; i++) {
            ones += s.sample(logits);
        }
        assertEquals(0.75, ones / (double) n, 0.02);
        Sampler a = Sampler.temperature(2, 99), b = Sampler.temperature(2, 99);
        float[] wide = new float[100];
        for (int i = 0; i < wide.length; i++) {
            wide[i] = (float) Math.sin(i);
        }
        for (int i = 0; i < 50; i++) {
            assertEquals(a.sample(wide), b.sample(wide));
        }
        // A tiny temperature is (nearly) greedy.
        assertEquals(1, Sampler.temperature(1e-3, 1).sample(new float[]{0, 1, 0.5f}));
    }

    @Test
    void refusesBadTemperatures() {
        for (double t : new double[]{-1, Double.NaN, Double.POSITIVE_INFINITY, 100.5}) {
            assertThrows(IllegalArgumentException.class, () -> Sampler.temperature(t, 0));
        }
    }

    @Test
    void perplexityOfUniformLogitsIsTheVocabularySize() {
        float[][] logits = new float[3][8];
        Perplexity p = Perplexity.of(logits, new int[]{1, 2, 3, 4});
        assertEquals(4, p.tokens());
        assertEquals(Math.log(8), p.nll(), 1e-12);
        assertEquals(8, p.perplexity(), 1e-9);
        assertThrows(IllegalArgumentException.class, () -> Perplexity.of(logits, new int[]{1}));
    }

    @Test
    void eosFromGenerationConfigThenConfig(@TempDir Path dir) throws Exception {
        assertEquals(Set.of(), EosTokens.read(dir));
        Files.writeString(dir.resolve("config.json"), "{\"eos_token_id\": 0}");
        assertEquals(Set.of(0), EosTokens.read(dir));
        Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": [2, 5]}");
        assertEquals(Set.of(2, 5), EosTokens.read(dir));
        Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": \"x\"}");
        assertTrue(assertThrows(RuntimeException.class, () -> EosTokens.read(dir)).getMessage().contains("eos_token_id"));
    }
}
