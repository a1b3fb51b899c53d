package dev.mambajvm.model;

import dev.mambajvm.model.config.EosTokens;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
    void refusesBadSettingsNamingThem() {
        Sampler.Settings ok = Sampler.Settings.temperature(1);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ok.withTopK(-1)).getMessage().startsWith("top_k"));
        for (double p : new double[]{-0.1, 1.5, Double.NaN}) {
            assertTrue(assertThrows(IllegalArgumentException.class, () -> ok.withTopP(p)).getMessage().startsWith("top_p"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> ok.withMinP(p)).getMessage().startsWith("min_p"));
        }
        for (double r : new double[]{0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertTrue(assertThrows(IllegalArgumentException.class, () -> ok.withRepetitionPenalty(r)).getMessage()
                    .startsWith("repetition_penalty"));
        }
    }

    // ------------------------------------------------------------ the filters against a reference

    /**
     * The distribution transformers' processors give, written as set definitions over double logits
     * (O(n²), no sorting): penalty, temperature, top-k (tokens with fewer than k strictly larger
     * logits), top-p (tokens whose strictly more probable tokens hold less than P, or none), min-p
     * (probability at least min_p times the largest), each renormalized after the previous.
     */
    static double[] reference(float[] logits, BitSet seen, Sampler.Settings s) {
        int n = logits.length;
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            double l = logits[i];
            x[i] = seen.get(i) ? (l > 0 ? l / s.repetitionPenalty() : l * s.repetitionPenalty()) : l;
        }
        if (s.temperature() == 0) {
            double[] oneHot = new double[n];
            int best = 0;
            for (int i = 0; i < n; i++) {
                best = x[i] > x[best] ? i : best;
            }
            oneHot[best] = 1;
            return oneHot;
        }
        for (int i = 0; i < n; i++) {
            x[i] /= s.temperature();
        }
        boolean[] keep = new boolean[n];
        for (int i = 0; i < n; i++) {
            int larger = 0;
            for (int j = 0; j < n; j++) {
                larger += x[j] > x[i] ? 1 : 0;
            }
            keep[i] = s.topK() == 0 || larger < s.topK();
        }
        if (s.topP() < 1) {
            double[] q = softmax(x, keep);
            boolean[] kept = keep.clone();
            for (int i = 0; i < n; i++) {
                double above = 0;
                for (int j = 0; j < n; j++) {
                    above += q[j] > q[i] ? q[j] : 0;
                }
                kept[i] = keep[i] && (above < s.topP() || above == 0);
            }
            keep = kept;
        }
        if (s.minP() > 0) {
            double[] q = softmax(x, keep);
            double max = Arrays.stream(q).max().orElseThrow();
            for (int i = 0; i < n; i++) {
                keep[i] &= q[i] >= s.minP() * max;
            }
        }
        return softmax(x, keep);
    }

    static double[] softmax(double[] x, boolean[] keep) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < x.length; i++) {
            max = keep[i] ? Math.max(max, x[i]) : max;
        }
        double[] p = new double[x.length];
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            p[i] = keep[i] ? Math.exp(x[i] - max) : 0;
            sum += p[i];
        }
        for (int i = 0; i < x.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    @Test
    void filtersEqualTheReferenceOnSmallVocabularies() {
        SplittableRandom rnd = new SplittableRandom(2024);
        int[] kept = new int[3];   // cases where top-k, top-p, min-p dropped something
        for (int c = 0; c < 3000; c++) {
            int n = 2 + rnd.nextInt(40);
            float[] logits = new float[n];
            boolean ties = rnd.nextBoolean();   // logits in steps of 0.5: many ties
            for (int i = 0; i < n; i++) {
                double g = gaussian(rnd) * 3;
                logits[i] = (float) (ties ? Math.round(2 * g) / 2.0 : g);
            }
            if (rnd.nextInt(10) == 0) {
                logits[rnd.nextInt(n)] = Float.NEGATIVE_INFINITY;
            }
            BitSet seen = new BitSet();
            for (int i = 0; i < n; i++) {
                if (rnd.nextInt(3) == 0) {
                    seen.set(i);
                }
            }
            double t = rnd.nextInt(8) == 0 ? 0 : 0.1 + 3 * rnd.nextDouble();
            int k = rnd.nextBoolean() ? 0 : 1 + rnd.nextInt(n + 2);
            double p = switch (rnd.nextInt(4)) {
                case 0 -> 1;
                case 1 -> 0;
                default -> rnd.nextDouble();
            };
            double minP = rnd.nextBoolean() ? 0 : 0.5 * rnd.nextDouble();
            double r = rnd.nextBoolean() ? 1 : 0.5 + 1.5 * rnd.nextDouble();
            Sampler.Settings s = new Sampler.Settings(t, k, p, minP, r);
            double[] want = reference(logits, seen, s);
            double[] got = Sampler.of(s, c).probabilities(logits, seen);
            String what = "case " + c + " " + s + " logits " + Arrays.toString(logits) + " seen " + seen;
            for (int i = 0; i < n; i++) {
                assertEquals(want[i] == 0, got[i] == 0, what + ": token " + i + " kept differently");
                assertEquals(want[i], got[i], 1e-12, what + ": token " + i);
            }
            long support = Arrays.stream(want).filter(v -> v > 0).count();
            if (t > 0 && support < n) {
                kept[k > 0 ? 0 : p < 1 ? 1 : 2]++;
            }
        }
        // The random cases exercise every filter (not a vacuous comparison of full distributions).
        for (int v : kept) {
            assertTrue(v > 100, Arrays.toString(kept));
        }
    }

    private static double gaussian(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }

    @Test
    void topPKeepsTheSmallestNucleusAndTopKKeepsTies() {
        float[] logits = new float[4];
        double[] w = {0.5, 0.3, 0.15, 0.05};
        for (int i = 0; i < 4; i++) {
            logits[i] = (float) Math.log(w[i]);
        }
        BitSet none = new BitSet();
        // P = 0.75: 0.5 < 0.75 <= 0.5 + 0.3, so the nucleus is {0, 1}, renormalized to 5/8, 3/8.
        double[] p = Sampler.of(Sampler.Settings.temperature(1).withTopP(0.75), 1).probabilities(logits, none);
        assertArrayEquals(new double[]{0.625, 0.375, 0, 0}, p, 1e-6);
        // P = 0: only the most probable token.
        p = Sampler.of(Sampler.Settings.temperature(1).withTopP(0), 1).probabilities(logits, none);
        assertArrayEquals(new double[]{1, 0, 0, 0}, p, 0);
        // min-p 0.35: 0.15 < 0.35 · 0.5 = 0.175 goes, 0.3 stays.
        p = Sampler.of(Sampler.Settings.temperature(1).withMinP(0.35), 1).probabilities(logits, none);
        assertArrayEquals(new double[]{0.625, 0.375, 0, 0}, p, 1e-6);
        // top-k 2 with a tie at the 2nd largest keeps all three.
        float[] tied = {2, 1, 1, 0};
        p = Sampler.of(Sampler.Settings.temperature(1).withTopK(2), 1).probabilities(tied, none);
        double z = Math.exp(2) + 2 * Math.exp(1);
        assertArrayEquals(new double[]{Math.exp(2) / z, Math.exp(1) / z, Math.exp(1) / z, 0}, p, 1e-12);
    }

    @Test
    void greedyAppliesTheRepetitionPenalty() {
        BitSet seen = new BitSet();
        seen.set(0);
        Sampler s = Sampler.of(Sampler.Settings.GREEDY.withRepetitionPenalty(2), 0);
        assertTrue(s.isGreedy() && !s.isPlainArgmax());
        assertEquals(1, s.sample(new float[]{3, 2.5f, -1}, seen));      // 3 / 2 = 1.5 < 2.5
        assertEquals(1, s.sample(new float[]{-1, -1.5f, -3}, seen));    // -1 · 2 = -2 < -1.5
        assertEquals(0, s.sample(new float[]{6, 2.5f, -1}, seen));      // 6 / 2 = 3 > 2.5
        assertEquals(0, Sampler.greedy().sample(new float[]{3, 2.5f, -1}, seen));
        assertTrue(Sampler.greedy().isPlainArgmax());
    }

    @Test
    void eachDrawIsOneValueOfTheSeededStreamThroughTheCdf() {
        // Two tokens kept of three, probabilities q0, 1 − q0: token 0 exactly when the step's uniform value < q0.
        float[] logits = {1, 0, -3};
        Sampler.Settings s = Sampler.Settings.temperature(0.7).withTopK(2).withRepetitionPenalty(1.5);
        BitSet seen = new BitSet();
        seen.set(1);
        double q0 = reference(logits, seen, s)[0];
        Sampler a = Sampler.of(s, 77);
        SplittableRandom r = new SplittableRandom(77);
        for (int i = 0; i < 200; i++) {
            assertEquals(r.nextDouble() < q0 ? 0 : 1, a.sample(logits, seen), "step " + i);
        }
    }

    @Test
    void drawsFollowTheFilteredDistribution() {
        // 60000 draws with every filter on; Pearson's chi-square against the reference distribution must stay
        // under its 0.1% critical value, and no dropped token may be drawn.
        SplittableRandom rnd = new SplittableRandom(5);
        float[] logits = new float[16];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (2 * gaussian(rnd));
        }
        BitSet seen = new BitSet();
        seen.set(Sampler.argmax(logits));
        seen.set(3);
        Sampler.Settings s = new Sampler.Settings(1.3, 10, 0.92, 0.03, 1.4);
        double[] q = reference(logits, seen, s);
        Sampler sampler = Sampler.of(s, 123);
        int n = 60000;
        int[] counts = new int[logits.length];
        for (int i = 0; i < n; i++) {
            counts[sampler.sample(logits, seen)]++;
        }
        double chi2 = 0;
        int df = -1;
        for (int i = 0; i < q.length; i++) {
            if (q[i] == 0) {
                assertEquals(0, counts[i], "token " + i + " was dropped but drawn");
            } else {
                chi2 += (counts[i] - n * q[i]) * (counts[i] - n * q[i]) / (n * q[i]);
                df++;
            }
        }
        assertTrue(df >= 3 && df < logits.length - 3, "the filters keep some, drop some: df " + df);
        // Wilson–Hilferty: the chi-square quantile for z = 3.09 (upper 0.1%).
        double h = 2.0 / (9 * df);
        double critical = df * Math.pow(1 - h + 3.09 * Math.sqrt(h), 3);
        assertTrue(chi2 < critical, "chi2 " + chi2 + " >= " + critical + " (df " + df + "), counts "
                + Arrays.toString(counts) + " vs " + Arrays.toString(q));
    }

    @Test
    void kthLargestEqualsSorting() {
        SplittableRandom rnd = new SplittableRandom(9);
        for (int c = 0; c < 500; c++) {
            double[] a = new double[1 + rnd.nextInt(60)];
            for (int i = 0; i < a.length; i++) {
                a[i] = rnd.nextInt(4) == 0 ? Double.NEGATIVE_INFINITY : rnd.nextInt(10);
            }
            double[] sorted = a.clone();
            Arrays.sort(sorted);
            int k = 1 + rnd.nextInt(a.length);
            assertEquals(sorted[a.length - k], Sampler.kthLargest(a.clone(), k), Arrays.toString(a) + " k " + k);
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
