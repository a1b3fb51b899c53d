package dev.mambajvm.model;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.mambajvm.model.config.MambaConfig;

import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Mamba-1 model on the tiny transformers fixture (2 layers, hidden 64, dInner 128, dState 16,
 * vocab 512), against transformers' float64 logits and greedy generation, on the JVM backend and
 * on the first OpenCL device (PoCL in CI). The subclasses run the same tests on the other fixtures
 * (Mamba-2, Falcon-Mamba, biases, untied lm_head), each made by tools/make_fixtures.py.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MambaModelTest {
    private FixtureModels models;
    int[][] inputIds;
    double[][][] refLogits;
    private int[] greedyPrompt;
    private int[] greedyContinuation;

    static Path fixture(String name) throws Exception {
        return Path.of(MambaModelTest.class.getResource("/fixtures/hf/" + name).toURI());
    }

    /** The fixture under fixtures/hf the tests run on. */
    String fixtureName() {
        return "mamba1-tiny";
    }

    @BeforeAll
    void load() throws Exception {
        Path dir = fixture(fixtureName());
        Golden golden = Golden.read(dir);
        inputIds = golden.inputIds();
        refLogits = golden.logits();
        greedyPrompt = golden.greedyPrompt();
        greedyContinuation = golden.greedyContinuation();
        models = new FixtureModels(dir);
    }

    @AfterAll
    void close() {
        models.close();
    }

    /** ‖a − ref‖ / ‖ref‖ over all values. */
    static double relError(float[][] got, double[][] ref) {
        double num = 0, den = 0;
        for (int t = 0; t < ref.length; t++) {
            for (int v = 0; v < ref[t].length; v++) {
                double d = got[t][v] - ref[t][v];
                num += d * d;
                den += ref[t][v] * ref[t][v];
            }
        }
        return Math.sqrt(num / den);
    }

    /** ‖a − ref‖ / ‖ref‖ of one row of logits against another float32 run's. */
    static double relError(float[] got, float[] ref) {
        double num = 0, den = 0;
        for (int v = 0; v < ref.length; v++) {
            double d = (double) got[v] - ref[v];
            num += d * d;
            den += (double) ref[v] * ref[v];
        }
        return Math.sqrt(num / den);
    }

    private static float[][] toFloat(double[][] a) {
        float[][] out = new float[a.length][a[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                out[i][j] = (float) a[i][j];
            }
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"jvm", "opencl:0"})
    void logitsMatchTransformersFloat64(String device) {
        MambaModel model = models.get(device);
        try (ModelState state = model.newState(2)) {
            float[][][] logits = model.forward(state, 0, inputIds);   // both rows in one batch
            for (int b = 0; b < inputIds.length; b++) {
                double err = relError(logits[b], refLogits[b]);
                System.out.printf("%s row %d: relative error %.3e vs transformers float64%n", device, b, err);
                assertTrue(err <= 1e-4, device + " row " + b + ": relative error " + err);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jvm", "opencl:0"})
    void greedyGenerationMatchesTransformers(String device) {
        int[] got = models.get(device).generateGreedy(greedyPrompt, greedyContinuation.length);
        assertArrayEquals(greedyContinuation, got, device + ": " + Arrays.toString(got));
    }

    /** Prefill of L tokens then one decode step equals the full forward over L+1 tokens, last position. */
    @ParameterizedTest
    @ValueSource(strings = {"jvm", "opencl:0"})
    void prefillThenDecodeEqualsFullForward(String device) {
        MambaModel model = models.get(device);
        int[] all = new int[inputIds[0].length + inputIds[1].length];
        System.arraycopy(inputIds[0], 0, all, 0, inputIds[0].length);
        System.arraycopy(inputIds[1], 0, all, inputIds[0].length, inputIds[1].length);
        for (int len : new int[]{1, 2, 5, 36, 64, 70}) {   // 64 and 70: the prefill scan runs over two chunks
            int[] prefix = Arrays.copyOf(all, len);
            int[] whole = Arrays.copyOf(all, len + 1);
            float[] stepped;
            try (ModelState state = model.newState(1)) {
                model.prefill(state, 0, new int[][]{prefix});
                stepped = model.decode(state, new int[]{all[len]})[0];
            }
            float[] full;
            try (ModelState state = model.newState(1)) {
                full = model.prefill(state, 0, new int[][]{whole})[0];
            }
            double err = relError(stepped, full);
            System.out.printf("%s prefill %d + decode 1 vs forward %d: relative error %.3e%n", device, len, len + 1, err);
            assertTrue(err <= 1e-5, device + " L=" + len + ": relative error " + err);
        }
    }

    /** Several decode steps from an empty state equal a prefill of the same tokens. */
    @ParameterizedTest
    @ValueSource(strings = {"jvm", "opencl:0"})
    void decodeFromEmptyStateEqualsPrefill(String device) {
        MambaModel model = models.get(device);
        int[] ids = Arrays.copyOf(inputIds[1], 6);
        float[] stepped = null;
        try (ModelState state = model.newState(1)) {
            for (int id : ids) {
                stepped = model.decode(state, new int[]{id})[0];
            }
        }
        float[] full;
        try (ModelState state = model.newState(1)) {
            full = model.prefill(state, 0, new int[][]{ids})[0];
        }
        double err = relError(stepped, full);
        assertTrue(err <= 1e-5, device + ": relative error " + err);
    }

    /**
     * Two sequences of different lengths, prefilled into slots 0 and 1 by separate calls and then
     * decoded together, equal each processed alone; and two of one length prefilled in one call
     * equal each alone.
     */
    @ParameterizedTest
    @ValueSource(strings = {"jvm", "opencl:0"})
    void batchEqualsEachAlone(String device) {
        MambaModel model = models.get(device);
        int[] a = inputIds[0];
        int[] b = Arrays.copyOf(inputIds[1], 20);
        int[][] next = {{5, 77, 300}, {410, 2, 9}};   // decode tokens for a and b
        float[][][] batched = new float[3][][];
        try (ModelState state = model.newState(2)) {
            float[] lastA = model.prefill(state, 0, new int[][]{a})[0];
            float[] lastB = model.prefill(state, 1, new int[][]{b})[0];
            for (int s = 0; s < 3; s++) {
                batched[s] = model.decode(state, new int[]{next[0][s], next[1][s]});
            }
            float[][] alone = new float[2][];
            int[][] seqs = {a, b};
            float[][] lasts = {lastA, lastB};
            for (int q = 0; q < 2; q++) {
                try (ModelState single = model.newState(1)) {
                    assertEquals(0, relError(lasts[q], model.prefill(single, 0, new int[][]{seqs[q]})[0]), 1e-6);
                    for (int s = 0; s < 3; s++) {
                        alone[q] = model.decode(single, new int[]{next[q][s]})[0];
                        double err = relError(batched[s][q], alone[q]);
                        assertTrue(err <= 1e-6, device + " sequence " + q + " step " + s + ": relative error " + err);
                    }
                }
            }
        }
        // One call, two sequences of one length, vs each alone.
        int[][] pair = {Arrays.copyOf(inputIds[0], 30), Arrays.copyOf(inputIds[1], 30)};
        try (ModelState state = model.newState(2)) {
            float[][] together = model.prefill(state, 0, pair);
            for (int q = 0; q < 2; q++) {
                try (ModelState single = model.newState(1)) {
                    double err = relError(together[q], model.prefill(single, 0, new int[][]{pair[q]})[0]);
                    assertTrue(err <= 1e-6, device + " pair " + q + ": relative error " + err);
                }
            }
        }
    }

    /**
     * Nine sequences (on a GPU/OpenCL device the batched GEMV's tiles of 4 sequences, the last one
     * ragged, against the one-sequence bf16 or generic kernel alone), each prefilled with its own
     * prefix, decoded together for two steps: each sequence's logits equal its own decode alone to
     * float32 rounding.
     */
    @ParameterizedTest
    @ValueSource(strings = {"jvm", "opencl:0"})
    void aBatchOfNineDecodesAsEachAlone(String device) {
        MambaModel model = models.get(device);
        int n = 9;
        int[][] prefixes = new int[n][];
        for (int q = 0; q < n; q++) {
            prefixes[q] = Arrays.copyOf(inputIds[q % 2], 3 + 2 * q);
        }
        int[][] next = new int[2][n];
        for (int q = 0; q < n; q++) {
            next[0][q] = inputIds[1][q];
            next[1][q] = inputIds[0][q + 1];
        }
        float[][][] batched = new float[2][][];
        try (ModelState state = model.newState(n)) {
            for (int q = 0; q < n; q++) {
                model.prefill(state, q, new int[][]{prefixes[q]});
            }
            for (int s = 0; s < 2; s++) {
                batched[s] = model.decode(state, next[s]);
            }
        }
        for (int q = 0; q < n; q++) {
            try (ModelState single = model.newState(1)) {
                model.prefill(single, 0, new int[][]{prefixes[q]});
                for (int s = 0; s < 2; s++) {
                    float[] alone = model.decode(single, new int[]{next[s][q]})[0];
                    double err = relError(batched[s][q], alone);
                    assertTrue(err <= 1e-5, device + " sequence " + q + " step " + s + ": relative error " + err);
                }
            }
        }
    }

    @Test
    void differentLengthsInOnePrefillCallAreRefused() {
        MambaModel model = models.get("jvm");
        try (ModelState state = model.newState(2)) {
            var e = assertThrows(IllegalArgumentException.class,
                    () -> model.prefill(state, 0, new int[][]{{1, 2, 3}, {4, 5}}));
            assertTrue(e.getMessage().contains("one length"), e.getMessage());
        }
    }

    @Test
    void unsupportedConfigsAreRefusedClearly() throws Exception {
        MambaConfig m2 = MambaConfig.read(fixture("mamba2-tiny"));
        MambaConfig beforeGate = new MambaConfig(m2.variant(), m2.format(), m2.hiddenSize(), m2.numLayers(),
                m2.vocabSize(), m2.padVocabSizeMultiple(), m2.stateSize(), m2.intermediateSize(), m2.convKernel(),
                m2.timeStepRank(), m2.useBias(), m2.useConvBias(), m2.layerNormEpsilon(), m2.rmsNorm(),
                m2.residualInFp32(), m2.tieWordEmbeddings(), m2.mixerRmsEps(), m2.nGroups(), m2.headDim(),
                m2.numHeads(), m2.chunkSize(), m2.timeStepLimitMin(), m2.timeStepLimitMax(), m2.gatedRmsNorm(), true);
        var e = assertThrows(UnsupportedOperationException.class,
                () -> MambaModel.requireSupported(Path.of("x"), beforeGate));
        assertTrue(e.getMessage().contains("norm_before_gate") && e.getMessage().contains("not supported"),
                e.getMessage());
    }
}
