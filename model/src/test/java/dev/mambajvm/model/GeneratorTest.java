package dev.mambajvm.model;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Generator on the tiny Mamba-1 fixture: a batch gives each prompt exactly what it gets alone
 * (greedy and seeded sampling), finished sequences stop contributing, and greedy with a repetition
 * penalty follows the penalized full-forward logits.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GeneratorTest {
    private FixtureModels models;
    private int[] greedyPrompt;
    private int[] greedyContinuation;

    @BeforeAll
    void load() throws Exception {
        Path dir = MambaModelTest.fixture("mamba1-tiny");
        Golden golden = Golden.read(dir);
        greedyPrompt = golden.greedyPrompt();
        greedyContinuation = golden.greedyContinuation();
        models = new FixtureModels(dir);
    }

    @AfterAll
    void close() {
        models.close();
    }

    /** Prompts of lengths 37, 5, 12, 5 and 1 (two of one length share a prefill call). */
    private List<int[]> prompts() {
        List<int[]> p = new ArrayList<>();
        p.add(greedyPrompt);
        p.add(Arrays.copyOfRange(greedyPrompt, 0, 5));
        p.add(Arrays.copyOfRange(greedyPrompt, 10, 22));
        p.add(Arrays.copyOfRange(greedyPrompt, 20, 25));
        p.add(new int[]{7});
        return p;
    }

    private static List<Sampler> samplers(Sampler.Settings s, int n) {
        List<Sampler> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(Sampler.of(s, 1000 + i));
        }
        return out;
    }

    private static Generator.Result batch(MambaModel m, List<int[]> prompts, int max, Sampler.Settings s, Set<Integer> eos) {
        return Generator.generate(m, prompts, max, samplers(s, prompts.size()), eos, (i, t) -> true);
    }

    private static Generator.Sequence alone(MambaModel m, int[] prompt, int max, Sampler sampler, Set<Integer> eos) {
        return Generator.generate(m, prompt, max, sampler, eos, t -> { }).sequences().getFirst();
    }

    @ParameterizedTest
    @ValueSource(strings = {"jvm", "opencl:0"})
    void batchEqualsAloneTokenForToken(String device) {
        MambaModel m = models.get(device);
        List<int[]> prompts = prompts();
        Sampler.Settings[] settings = {
                Sampler.Settings.GREEDY,
                Sampler.Settings.GREEDY.withRepetitionPenalty(1.3),
                new Sampler.Settings(1.2, 50, 0.95, 0.01, 1.2),
                Sampler.Settings.temperature(2),
        };
        for (Sampler.Settings s : settings) {
            Generator.Result r = batch(m, prompts, 9, s, Set.of());
            List<Sampler> own = samplers(s, prompts.size());
            for (int i = 0; i < prompts.size(); i++) {
                Generator.Sequence a = alone(m, prompts.get(i), 9, own.get(i), Set.of());
                assertArrayEquals(a.tokens(), r.sequences().get(i).tokens(), device + " " + s + " prompt " + i);
                assertEquals(Generator.FinishReason.LENGTH, r.sequences().get(i).finishReason());
            }
            assertEquals(prompts.stream().mapToInt(p -> p.length).sum(), r.promptTokens());
            assertEquals(prompts.size() * 8, r.decodedTokens());
        }
        // The greedy batch's first prompt is transformers' greedy continuation.
        int[] first = batch(m, prompts, 9, Sampler.Settings.GREEDY, Set.of()).sequences().getFirst().tokens();
        assertArrayEquals(Arrays.copyOf(greedyContinuation, 9), first);
    }

    @ParameterizedTest
    @ValueSource(strings = {"jvm", "opencl:0"})
    void finishedSequencesStopWhileTheOthersGoOn(String device) {
        MambaModel m = models.get(device);
        List<int[]> prompts = prompts();
        Sampler.Settings s = Sampler.Settings.temperature(1.5);
        List<int[]> alone = new ArrayList<>();
        List<Sampler> own = samplers(s, prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            alone.add(alone(m, prompts.get(i), 12, own.get(i), Set.of()).tokens());
        }
        int eos = alone.get(1)[3];   // prompt 1 ends at its 4th token (others where they meet it)
        int stopAfter = 5;           // the listener stops prompt 2 after its 5th token
        List<String> events = new ArrayList<>();
        int[] calls = new int[prompts.size()];
        boolean[] over = new boolean[prompts.size()];
        Generator.Result r = Generator.generate(m, prompts, 12, samplers(s, prompts.size()), Set.of(eos),
                new Generator.Listener() {
                    @Override
                    public boolean token(int seq, int token) {
                        assertFalse(over[seq], "a token for finished sequence " + seq);
                        calls[seq]++;
                        return !(seq == 2 && calls[seq] == stopAfter);
                    }

                    @Override
                    public void finished(int seq, Generator.FinishReason reason) {
                        assertFalse(over[seq]);
                        over[seq] = true;
                        events.add(seq + ":" + reason);
                    }
                });
        for (int i = 0; i < prompts.size(); i++) {
            int[] full = alone.get(i);
            int end = full.length;
            Generator.FinishReason why = Generator.FinishReason.LENGTH;
            for (int t = 0; t < full.length; t++) {
                if (i == 2 && t + 1 == stopAfter) {
                    end = t + 1;
                    why = Generator.FinishReason.STOP;
                    break;
                }
                if (full[t] == eos) {
                    end = t + 1;
                    why = Generator.FinishReason.EOS;
                    break;
                }
            }
            Generator.Sequence got = r.sequences().get(i);
            assertArrayEquals(Arrays.copyOf(full, end), got.tokens(), device + " prompt " + i);
            assertEquals(why, got.finishReason(), device + " prompt " + i);
            assertEquals(end, calls[i]);
            assertTrue(events.contains(i + ":" + why), events.toString());
        }
        assertEquals(prompts.size(), events.size());
    }

    @ParameterizedTest
    @ValueSource(strings = {"jvm", "opencl:0"})
    void greedyWithAPenaltyFollowsThePenalizedForwardLogits(String device) {
        MambaModel m = models.get(device);
        int[] prompt = greedyPrompt;
        double penalty = 1.5;
        int steps = 12;
        // Reference: the whole sequence through forward() at every step, penalty in double, argmax.
        int[] ids = prompt.clone();
        int[] want = new int[steps];
        for (int step = 0; step < steps; step++) {
            float[] last;
            try (ModelState state = m.newState(1)) {
                float[][][] all = m.forward(state, 0, new int[][]{ids});
                last = all[0][ids.length - 1];
            }
            BitSet seen = new BitSet();
            Arrays.stream(ids).forEach(seen::set);
            int best = -1;
            double bestValue = Double.NEGATIVE_INFINITY;
            for (int v = 0; v < last.length; v++) {
                double x = seen.get(v) ? (last[v] > 0 ? last[v] / penalty : last[v] * penalty) : last[v];
                if (x > bestValue) {
                    bestValue = x;
                    best = v;
                }
            }
            want[step] = best;
            ids = Arrays.copyOf(ids, ids.length + 1);
            ids[ids.length - 1] = best;
        }
        Sampler s = Sampler.of(Sampler.Settings.GREEDY.withRepetitionPenalty(penalty), 0);
        int[] got = alone(m, prompt, steps, s, Set.of()).tokens();
        assertArrayEquals(want, got, device + ": " + Arrays.toString(got));
        // Not vacuous: the plain greedy continuation repeats (146 146 ...), the penalized one differs.
        assertFalse(Arrays.equals(Arrays.copyOf(greedyContinuation, steps), got));
    }
}
