package dev.mambajvm.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.mambajvm.cli.ModelCommandsTest.csv;
import static dev.mambajvm.cli.ModelCommandsTest.ints;
import static dev.mambajvm.cli.ModelCommandsTest.run;
import static dev.mambajvm.cli.ModelCommandsTest.runWithStdin;
import static dev.mambajvm.cli.ModelCommandsTest.usageError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code mamba-cli generate}'s sampling flags, stop strings, batches and limits, on the tiny Mamba-1
 * fixture (vocabulary 512) on the JVM backend; with text, the neox-style tokenizer next to a copy.
 */
class GenerateOptionsTest {

    @TempDir
    static Path withTokenizer;
    static String tiny;
    static List<Integer> greedyPrompt;
    static List<Integer> greedyContinuation;

    @BeforeAll
    static void fixture() throws Exception {
        ModelCommandsTest.fixture();
        Path dir = ModelCommandsTest.tiny;
        tiny = dir.toString();
        greedyPrompt = ModelCommandsTest.greedyPrompt;
        greedyContinuation = ModelCommandsTest.greedyContinuation;
        for (String f : new String[]{"config.json", "generation_config.json", "model.safetensors"}) {
            Files.copy(dir.resolve(f), withTokenizer.resolve(f));
        }
        // 3000 tokens, the model 512: "a b c" encodes to [66, 313, 288], and every id the model gives decodes.
        Files.copy(Path.of(GenerateOptionsTest.class.getResource("/tokenizer/neox-style/tokenizer.json").toURI()),
                withTokenizer.resolve("tokenizer.json"));
    }

    /** generate --json on {@code model} with {@code args}, on the JVM: the objects, one per line. */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> json(String model, String... args) {
        List<String> all = new ArrayList<>(List.of("generate", "--model", model, "--device", "jvm", "--json"));
        all.addAll(List.of(args));
        MambaCliTest.Run r = run(all.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        return r.out().lines().map(l -> (Map<String, Object>) MiniJson.parse(l)).toList();
    }

    @SuppressWarnings("unchecked")
    static List<Integer> ids(Map<String, Object> o) {
        return ints((List<Double>) o.get("token_ids"));
    }

    // ------------------------------------------------------------ sampling

    @Test
    void filtersThatKeepOneTokenAreGreedy() {
        List<Integer> greedy = greedyContinuation.subList(0, 8);
        String prompt = csv(greedyPrompt);
        // Each keeps only the most probable token (no ties in these logits), so any seed draws the argmax.
        for (String[] f : new String[][]{{"--top-k", "1"}, {"--top-p", "0"}, {"--min-p", "1"}}) {
            Map<String, Object> o = json(tiny, "--prompt-ids", prompt, "--max-tokens", "8", "--temperature", "1.5",
                    "--seed", "3", f[0], f[1]).getFirst();
            assertEquals(greedy, ids(o), String.join(" ", f));
            assertEquals(3.0, o.get("seed"));
        }
        // Loose filters leave the draw random: another seed, other tokens.
        List<Integer> a = ids(json(tiny, "--prompt-ids", prompt, "--max-tokens", "12", "--temperature", "1.5",
                "--seed", "3", "--top-k", "100", "--top-p", "0.95", "--min-p", "0.01").getFirst());
        List<Integer> b = ids(json(tiny, "--prompt-ids", prompt, "--max-tokens", "12", "--temperature", "1.5",
                "--seed", "4", "--top-k", "100", "--top-p", "0.95", "--min-p", "0.01").getFirst());
        assertNotEquals(a, b);
    }

    @Test
    void greedyWithARepetitionPenaltyAvoidsTheRepeats() {
        String prompt = csv(greedyPrompt);
        List<Integer> plain = ids(json(tiny, "--prompt-ids", prompt, "--max-tokens", "24", "--temperature", "0",
                "--repetition-penalty", "1").getFirst());
        assertEquals(greedyContinuation, plain);
        MambaCliTest.Run r = run("generate", "--model", tiny, "--prompt-ids", prompt, "--max-tokens", "24",
                "--temperature", "0", "--repetition-penalty", "3", "--device", "jvm", "--json");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("greedy, repetition penalty 3.0"), r.err());
        @SuppressWarnings("unchecked")
        List<Integer> penalized = ids((Map<String, Object>) MiniJson.parse(r.out()));
        assertNotEquals(plain, penalized);
        // Plain greedy repeats 35 twelve times; with the penalty the 24 tokens repeat far less.
        assertTrue(penalized.stream().distinct().count() > plain.stream().distinct().count() + 4, penalized.toString());
    }

    // ------------------------------------------------------------ stop strings

    @Test
    void stopStringCutsTheTextAndEndsTheGeneration() {
        String model = withTokenizer.toString();
        Map<String, Object> full = json(model, "--prompt", "a b c", "--max-tokens", "24", "--temperature", "0").getFirst();
        String text = (String) full.get("text");
        assertTrue(text.length() >= 12, text);
        String stop = text.substring(text.length() / 2, text.length() / 2 + 2);
        int at = text.indexOf(stop);
        Map<String, Object> cut = json(model, "--prompt", "a b c", "--max-tokens", "24", "--temperature", "0",
                "--stop", "\u0001never", "--stop", stop).getFirst();
        assertEquals(text.substring(0, at), cut.get("text"));
        assertEquals("stop", cut.get("finish_reason"));
        List<Integer> all = ids(full);
        List<Integer> some = ids(cut);
        assertTrue(some.size() < all.size() && all.subList(0, some.size()).equals(some), some + " vs " + all);
        // Streaming prints the same cut text (held back until the stop string was decided).
        MambaCliTest.Run streamed = run("generate", "--model", model, "--prompt", "a b c", "--max-tokens", "24",
                "--temperature", "0", "--stop", stop, "--device", "jvm");
        assertEquals(0, streamed.code(), streamed.err());
        assertEquals(text.substring(0, at) + "\n", streamed.out());
        assertTrue(streamed.err().contains("stopped at a stop string"), streamed.err());
        // A stop string that never shows changes nothing.
        Map<String, Object> none = json(model, "--prompt", "a b c", "--max-tokens", "24", "--temperature", "0",
                "--stop", "\u0001never").getFirst();
        assertEquals(full.get("token_ids"), none.get("token_ids"));
        assertEquals(text, none.get("text"));
        assertEquals("length", none.get("finish_reason"));
    }

    // ------------------------------------------------------------ batches

    @Test
    void aBatchEqualsEachPromptAlone() {
        String[] prompts = {csv(greedyPrompt), "331,155,390", csv(greedyPrompt.subList(3, 9)), "7"};
        for (String[] sampling : new String[][]{{"--temperature", "0"},
                {"--temperature", "1.2", "--seed", "10", "--top-k", "60", "--repetition-penalty", "1.2"}}) {
            List<String> batch = new ArrayList<>(List.of("--max-tokens", "7", "--batch-size", "3"));
            batch.addAll(List.of(sampling));
            for (String p : prompts) {
                batch.addAll(List.of("--prompt-ids", p));
            }
            List<Map<String, Object>> lines = json(tiny, batch.toArray(String[]::new));
            assertEquals(prompts.length, lines.size());
            for (int i = 0; i < prompts.length; i++) {
                List<String> alone = new ArrayList<>(List.of("--max-tokens", "7", "--prompt-ids", prompts[i]));
                alone.addAll(List.of(sampling));
                if (sampling.length > 2) {
                    alone.set(alone.indexOf("--seed") + 1, String.valueOf(10 + i));   // prompt i samples with seed S + i
                }
                Map<String, Object> one = json(tiny, alone.toArray(String[]::new)).getFirst();
                assertEquals(one.get("token_ids"), lines.get(i).get("token_ids"), "prompt " + i + " " + List.of(sampling));
                assertEquals(one.get("finish_reason"), lines.get(i).get("finish_reason"));
                assertEquals(one.get("seed"), lines.get(i).get("seed"));
            }
        }
        // Text mode: each continuation after its header, in order.
        MambaCliTest.Run r = run("generate", "--model", tiny, "--prompt-ids", prompts[0], "--prompt-ids", prompts[1],
                "--max-tokens", "3", "--temperature", "0", "--device", "jvm");
        assertEquals(0, r.code(), r.err());
        String first = run("generate", "--model", tiny, "--prompt-ids", prompts[0], "--max-tokens", "3",
                "--temperature", "0", "--device", "jvm").out();
        String second = run("generate", "--model", tiny, "--prompt-ids", prompts[1], "--max-tokens", "3",
                "--temperature", "0", "--device", "jvm").out();
        assertEquals("=== prompt 1/2 (length) ===\n" + first + "=== prompt 2/2 (length) ===\n" + second, r.out());
        assertTrue(r.err().contains("2 prompts in 1 batch"), r.err());
    }

    @Test
    void promptFileIsOnePromptPerLine() throws Exception {
        String model = withTokenizer.toString();
        Path file = Files.writeString(withTokenizer.resolve("prompts.txt"), "a b c\nb c\r\nc\n");
        List<Map<String, Object>> lines = json(model, "--prompt-file", file.toString(), "--max-tokens", "5",
                "--temperature", "0");
        assertEquals(3, lines.size());
        String[] texts = {"a b c", "b c", "c"};
        for (int i = 0; i < texts.length; i++) {
            Map<String, Object> one = json(model, "--prompt", texts[i], "--max-tokens", "5", "--temperature", "0").getFirst();
            assertEquals(one.get("token_ids"), lines.get(i).get("token_ids"));
            assertEquals(one.get("text"), lines.get(i).get("text"));
        }
        // The same prompts as repeated --prompt.
        List<Map<String, Object>> repeated = json(model, "--prompt", "a b c", "--prompt", "b c", "--prompt", "c",
                "--max-tokens", "5", "--temperature", "0");
        for (int i = 0; i < texts.length; i++) {
            assertEquals(lines.get(i).get("token_ids"), repeated.get(i).get("token_ids"));
        }
        Path gap = Files.writeString(withTokenizer.resolve("gap.txt"), "a b c\n\nc\n");
        usageError("--prompt-file " + gap + " line 2 is empty",
                "generate", "--model", model, "--prompt-file", gap.toString(), "--max-tokens", "1", "--temperature", "0");
        Path nothing = Files.writeString(withTokenizer.resolve("nothing.txt"), "");
        usageError("--prompt-file " + nothing + " is empty",
                "generate", "--model", model, "--prompt-file", nothing.toString(), "--max-tokens", "1", "--temperature", "0");
        Path missing = withTokenizer.resolve("missing.txt");
        usageError("--prompt-file " + missing + ": no such file",
                "generate", "--model", model, "--prompt-file", missing.toString(), "--max-tokens", "1", "--temperature", "0");
        Path latin1 = Files.write(withTokenizer.resolve("latin1.txt"), new byte[]{'a', (byte) 0xE9, '\n'});
        usageError("--prompt-file " + latin1 + ": not UTF-8 text",
                "generate", "--model", model, "--prompt-file", latin1.toString(), "--max-tokens", "1", "--temperature", "0");
        usageError("--prompt-file needs a tokenizer",
                "generate", "--model", tiny, "--prompt-file", file.toString(), "--max-tokens", "1", "--temperature", "0");
    }

    // ------------------------------------------------------------ limits and bad input

    @Test
    void limitsAndBadValuesAreOneLineUsageErrors() {
        String[] base = {"generate", "--model", tiny, "--prompt-ids", "1,2,3,4,5", "--temperature", "0.5"};
        usageError("--max-tokens must be between 1 and 1000000, got 1000001", with(base, "--max-tokens", "1000001"));
        usageError("--prompt-ids has 5 tokens, more than --max-prompt-tokens 4", with(base, "--max-prompt-tokens", "4"));
        usageError("--prompt-ids 3 has 5 tokens, more than --max-prompt-tokens 4", "generate", "--model", tiny,
                "--prompt-ids", "1,2", "--prompt-ids", "1,2,3", "--prompt-ids", "1,2,3,4,5", "--max-prompt-tokens", "4",
                "--max-tokens", "1", "--temperature", "0");
        usageError("--max-prompt-tokens must be at least 1, got 0", with(base, "--max-prompt-tokens", "0"));
        usageError("--top-k must be at least 0 (0 = all tokens), got -1", with(base, "--top-k", "-1"));
        usageError("--top-p must be between 0 and 1 (1 = all tokens), got 1.5", with(base, "--top-p", "1.5"));
        usageError("--top-p must be between 0 and 1 (1 = all tokens), got NaN", with(base, "--top-p", "NaN"));
        usageError("--min-p must be between 0 (off) and 1, got -0.1", with(base, "--min-p", "-0.1"));
        usageError("--repetition-penalty must be a finite number > 0 (1 = off), got 0.0", with(base, "--repetition-penalty", "0"));
        usageError("--repetition-penalty must be a finite number > 0 (1 = off), got NaN", with(base, "--repetition-penalty", "NaN"));
        usageError("--repetition-penalty must be a finite number > 0 (1 = off), got Infinity",
                with(base, "--repetition-penalty", "Infinity"));
        usageError("--batch-size must be at least 1, got 0", with(base, "--batch-size", "0"));
        usageError("--stop needs a tokenizer to decode the text: no tokenizer.json in " + tiny, with(base, "--stop", "x"));
        usageError("--stop is empty", with(base, "--stop", ""));
        usageError("--top-k", with(base, "--top-k", "x"));   // picocli: not an int
        usageError("--prompt-ids 2 is empty", with(base, "--prompt-ids", ""));
        String model = withTokenizer.toString();
        usageError("--prompt 2 is empty", "generate", "--model", model, "--prompt", "a", "--prompt", "",
                "--max-tokens", "1", "--temperature", "0");
        MambaCliTest.Run twice = runWithStdin("a", "generate", "--model", model, "--prompt", "-", "--prompt", "-",
                "--max-tokens", "1", "--temperature", "0", "--device", "jvm");
        assertEquals(2, twice.code());
        assertTrue(twice.err().contains("--prompt - (stdin) can be given once"), twice.err());
    }

    /** base + more, and --max-tokens 1 unless more gives it. */
    private static String[] with(String[] base, String... more) {
        List<String> all = new ArrayList<>(List.of(base));
        all.addAll(List.of(more));
        if (!all.contains("--max-tokens")) {
            all.addAll(List.of("--max-tokens", "1"));
        }
        return all.toArray(String[]::new);
    }

    @Test
    void helpDescribesTheNewOptions() {
        MambaCliTest.Run r = run("generate", "--help");
        assertEquals(0, r.code());
        for (String s : new String[]{"--top-k", "--top-p", "--min-p", "--repetition-penalty", "--stop", "--prompt-file",
                "one per line", "--max-prompt-tokens", "(default: 32768)", "JSON Lines", "seed S + i", "\nExamples:\n",
                "--prompt-file prompts.txt"}) {
            assertTrue(r.out().contains(s), s + " missing in:\n" + r.out());
        }
    }
}
