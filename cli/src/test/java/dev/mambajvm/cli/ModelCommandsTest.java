package dev.mambajvm.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code mamba-cli perplexity} and {@code generate} on the tiny Mamba-1 fixture (a copy of
 * model/src/test/resources/fixtures/hf/mamba1-tiny: random weights, vocabulary 512, golden values
 * from transformers in float64), on the JVM backend.
 */
class ModelCommandsTest {

    static Path tiny;
    static List<List<Integer>> inputIds;
    static List<List<List<Double>>> goldenLogits;
    static List<Integer> greedyPrompt;
    static List<Integer> greedyContinuation;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void fixture() throws Exception {
        tiny = Path.of(ModelCommandsTest.class.getResource("/fixtures/mamba1-tiny/config.json").toURI()).getParent();
        Map<String, Object> golden = (Map<String, Object>) MiniJson.parse(Files.readString(tiny.resolve("golden.json")));
        inputIds = ((List<List<Double>>) golden.get("input_ids")).stream().map(ModelCommandsTest::ints).toList();
        goldenLogits = (List<List<List<Double>>>) golden.get("logits_float64");
        greedyPrompt = ints((List<Double>) golden.get("greedy_prompt"));
        greedyContinuation = ints((List<Double>) golden.get("greedy_continuation"));
    }

    static List<Integer> ints(List<Double> l) {
        return l.stream().map(Double::intValue).toList();
    }

    static String csv(List<Integer> ids) {
        return ids.stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    static MambaCliTest.Run runWithStdin(String stdin, String... args) {
        return MambaCliTest.execute(MambaCliTest.factory(k -> {
            if (k instanceof GenerateCommand g && stdin != null) {
                g.stdin = new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }), args);
    }

    static MambaCliTest.Run run(String... args) {
        return runWithStdin(null, args);
    }

    /** A usage error: exit 2, nothing on stdout, one line on stderr containing {@code message}. */
    static void usageError(String message, String... args) {
        MambaCliTest.Run r = run(args);
        assertEquals(2, r.code(), r.out() + r.err());
        assertEquals("", r.out());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(message), r.err());
    }

    // ------------------------------------------------------------ perplexity

    /** Mean NLL of row 0 computed here, in double, from transformers' float64 logits. */
    static double referenceNll() {
        List<Integer> ids = inputIds.get(0);
        List<List<Double>> logits = goldenLogits.get(0);
        double total = 0;
        for (int t = 0; t + 1 < ids.size(); t++) {
            List<Double> row = logits.get(t);
            double max = row.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
            double sum = row.stream().mapToDouble(v -> Math.exp(v - max)).sum();
            total -= row.get(ids.get(t + 1)) - max - Math.log(sum);
        }
        return total / (ids.size() - 1);
    }

    @Test
    @SuppressWarnings("unchecked")
    void perplexityEqualsTheReferenceFromGoldenLogits() {
        MambaCliTest.Run r = run("perplexity", "--model", tiny.toString(), "--token-ids", csv(inputIds.get(0)),
                "--device", "jvm", "--json");
        assertEquals(0, r.code(), r.err());
        assertEquals(1, r.out().lines().count(), r.out());
        Map<String, Object> o = (Map<String, Object>) MiniJson.parse(r.out());
        assertEquals(List.of("tokens", "nll", "perplexity"), new ArrayList<>(o.keySet()));
        assertEquals(inputIds.get(0).size(), ((Double) o.get("tokens")).intValue());
        double nll = referenceNll();
        assertEquals(nll, (Double) o.get("nll"), 1e-5 * nll);
        assertEquals(Math.exp(nll), (Double) o.get("perplexity"), 1e-5 * Math.exp(nll));
    }

    @Test
    void perplexityTextAndVerbose() {
        MambaCliTest.Run r = run("perplexity", "--model", tiny.toString(), "--token-ids", "331,155,390",
                "--device", "jvm", "--verbose");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("tokens      3\nmean NLL    "), r.out());
        assertTrue(r.out().contains(" nats over 2 predictions\nperplexity  "), r.out());
        assertTrue(r.err().contains("weights        392960 bytes"), r.err());
        // 2 layers x 128 channels x (3 conv + 16 SSM) floats
        assertTrue(r.err().contains("state          19456 bytes (19.0 KiB) per sequence"), r.err());
        long peak = peakBytes(r.err());
        // Weights and one state stay allocated through the pass; the 3-token pass adds its work buffers
        // (logits 3 x 512 floats, activations of 3 rows, scan scratch and states, the state's decode
        // buffers: 41568 bytes when this was written), well under 64 KiB.
        assertTrue(peak >= 392960 + 19456 && peak < 392960 + 19456 + 65536, r.err());
    }

    /** N of stderr's "peak memory    N bytes ..." line. */
    static long peakBytes(String err) {
        var m = java.util.regex.Pattern.compile("(?m)^peak memory    (\\d+) bytes .* on the device ").matcher(err);
        assertTrue(m.find(), err);
        return Long.parseLong(m.group(1));
    }

    @Test
    void perplexityUsageErrors(@TempDir Path empty) {
        usageError("--model " + empty.resolve("nope") + ": no such folder",
                "perplexity", "--model", empty.resolve("nope").toString(), "--token-ids", "1,2");
        usageError("no config.json in this folder", "perplexity", "--model", empty.toString(), "--token-ids", "1,2");
        usageError("mutually exclusive", "perplexity", "--model", tiny.toString(), "--token-ids", "1,2",
                "--file", "x.txt");
        usageError("Missing required argument", "perplexity", "--model", tiny.toString());
        usageError("--token-ids: 600 is outside the vocabulary (0..511)",
                "perplexity", "--model", tiny.toString(), "--token-ids", "1,600");
        usageError("--token-ids: -1 is outside the vocabulary (0..511)",
                "perplexity", "--model", tiny.toString(), "--token-ids", "-1,2");
        usageError("--token-ids: 'x' is not a token id", "perplexity", "--model", tiny.toString(), "--token-ids", "1,x");
        usageError("perplexity needs at least 2", "perplexity", "--model", tiny.toString(), "--token-ids", "7");
    }

    @Test
    void perplexityFileNeedsATokenizer(@TempDir Path tmp) throws Exception {
        Path text = Files.writeString(tmp.resolve("t.txt"), "a b c");
        usageError("--file needs a tokenizer: no tokenizer.json in " + tiny,
                "perplexity", "--model", tiny.toString(), "--file", text.toString());
    }

    @Test
    void perplexityOfAFileEqualsItsTokenIds(@TempDir Path dir) throws Exception {
        for (String f : new String[]{"config.json", "model.safetensors"}) {
            Files.copy(tiny.resolve(f), dir.resolve(f));
        }
        Files.copy(Path.of(ModelCommandsTest.class.getResource("/tokenizer/neox-style/tokenizer.json").toURI()),
                dir.resolve("tokenizer.json"));
        Path text = Files.writeString(dir.resolve("t.txt"), "a b c");   // [66, 313, 288] with the neox-style tokenizer
        MambaCliTest.Run f = run("perplexity", "--model", dir.toString(), "--file", text.toString(), "--device", "jvm", "--json");
        MambaCliTest.Run ids = run("perplexity", "--model", dir.toString(), "--token-ids", "66,313,288", "--device", "jvm", "--json");
        assertEquals(0, f.code(), f.err());
        assertTrue(f.out().startsWith("{\"tokens\":3,\"nll\":"), f.out());
        assertEquals(ids.out(), f.out());
        usageError("--file " + dir.resolve("missing.txt") + ": no such file",
                "perplexity", "--model", dir.toString(), "--file", dir.resolve("missing.txt").toString());
    }

    @Test
    void helpSaysWhatIsAveraged() {
        MambaCliTest.Run r = run("perplexity", "--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("(N-1 predictions"), r.out());
        assertTrue(r.out().contains("one prefill"), r.out());
    }

    // ------------------------------------------------------------ generate

    @Test
    @SuppressWarnings("unchecked")
    void greedyReproducesTransformers() {
        MambaCliTest.Run r = run("generate", "--model", tiny.toString(), "--prompt-ids", csv(greedyPrompt),
                "--max-tokens", String.valueOf(greedyContinuation.size()), "--temperature", "0", "--device", "jvm", "--json");
        assertEquals(0, r.code(), r.err());
        assertEquals(1, r.out().lines().count(), r.out());
        Map<String, Object> o = (Map<String, Object>) MiniJson.parse(r.out());
        assertEquals(greedyContinuation, ints((List<Double>) o.get("token_ids")));
        assertFalse(o.containsKey("text"), "no tokenizer, no text");
        assertEquals("length", o.get("finish_reason"));
        Map<String, Object> t = (Map<String, Object>) o.get("timings");
        assertEquals(List.of("load_s", "time_to_first_token_s", "prefill_tokens", "prefill_tokens_per_s", "decode_tokens",
                "decode_tokens_per_s"), new ArrayList<>(t.keySet()));
        assertEquals(greedyPrompt.size(), ((Double) t.get("prefill_tokens")).intValue());
        assertEquals(greedyContinuation.size() - 1, ((Double) t.get("decode_tokens")).intValue());
        assertTrue(r.err().contains("first token"), r.err());
        assertTrue(r.err().contains("decode " + (greedyContinuation.size() - 1) + " tokens at "), r.err());
    }

    @Test
    void verboseCountsTheDecodeLaunches() {
        // 2 Mamba-1 layers: embedding, 2 x (norm, in_proj, conv, x_proj, scan with dt_proj, out_proj), norm_f,
        // lm_head, and the argmax when greedy.
        MambaCliTest.Run greedy = run("generate", "--model", tiny.toString(), "--prompt-ids", "331,155",
                "--max-tokens", "2", "--temperature", "0", "--device", "jvm", "--verbose");
        assertEquals(0, greedy.code(), greedy.err());
        assertTrue(greedy.err().contains("decode step    16 kernel launches per token, recorded once and re-issued"),
                greedy.err());
        MambaCliTest.Run sampled = run("generate", "--model", tiny.toString(), "--prompt-ids", "331,155",
                "--max-tokens", "2", "--temperature", "0.5", "--seed", "1", "--device", "jvm", "--verbose");
        assertEquals(0, sampled.code(), sampled.err());
        assertTrue(sampled.err().contains("decode step    15 kernel launches per token"), sampled.err());
    }

    @Test
    void streamsIdsWithoutATokenizer() {
        MambaCliTest.Run r = run("generate", "--model", tiny.toString(), "--prompt-ids", csv(greedyPrompt),
                "--max-tokens", "5", "--temperature", "0", "--device", "jvm");
        assertEquals(0, r.code(), r.err());
        assertEquals(csv(greedyContinuation.subList(0, 5)).replace(',', ' ') + "\n", r.out());
    }

    /** The prefill's work buffers grow with the prompt, so the peak does; weights and state are the floor. */
    @Test
    void generateVerboseReportsPeakMemory() {
        long[] peaks = new long[2];
        String[] prompts = {"331,155,390", csv(greedyPrompt)};
        for (int i = 0; i < 2; i++) {
            MambaCliTest.Run r = run("generate", "--model", tiny.toString(), "--prompt-ids", prompts[i],
                    "--max-tokens", "2", "--temperature", "0", "--device", "jvm", "--verbose");
            assertEquals(0, r.code(), r.err());
            assertTrue(r.err().contains("weights        392960 bytes"), r.err());
            peaks[i] = peakBytes(r.err());
            assertTrue(peaks[i] >= 392960 + 19456, r.err());
        }
        assertTrue(peaks[1] > peaks[0], "37-token prompt " + peaks[1] + " vs 3-token prompt " + peaks[0]);
    }

    @SuppressWarnings("unchecked")
    static List<Integer> sampled(String seed) {
        MambaCliTest.Run r = run("generate", "--model", tiny.toString(), "--prompt-ids", "331,155,390",
                "--max-tokens", "12", "--temperature", "1.5", "--seed", seed, "--device", "jvm", "--json");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("temperature 1.5, seed " + seed), r.err());
        Map<String, Object> o = (Map<String, Object>) MiniJson.parse(r.out());
        assertEquals(Double.parseDouble(seed), o.get("seed"));
        return ints((List<Double>) o.get("token_ids"));
    }

    @Test
    void sameSeedSameTokensOtherSeedOtherTokens() {
        List<Integer> a = sampled("42");
        assertEquals(12, a.size());
        assertEquals(a, sampled("42"));
        // 12 draws at T = 1.5 from a 512-token distribution: equal by chance with negligible probability.
        assertNotEquals(a, sampled("43"));
    }

    @Test
    void withoutASeedTheFreshSeedIsPrinted() {
        MambaCliTest.Run r = run("generate", "--model", tiny.toString(), "--prompt-ids", "331,155",
                "--max-tokens", "2", "--temperature", "0.7", "--device", "jvm");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().matches("(?s).*temperature 0\\.7, seed -?\\d+.*"), r.err());
    }

    @Test
    @SuppressWarnings("unchecked")
    void textPromptWithATokenizerNextToTheModel(@TempDir Path dir) throws Exception {
        for (String f : new String[]{"config.json", "generation_config.json", "model.safetensors"}) {
            Files.copy(tiny.resolve(f), dir.resolve(f));
        }
        // The neox-style tokenizer has 3000 tokens, the model 512: "a b c" encodes to [66, 313, 288], all
        // inside the model's vocabulary, and every id the model produces (< 512) decodes.
        Path tokenizer = Path.of(ModelCommandsTest.class.getResource("/tokenizer/neox-style/tokenizer.json").toURI());
        Files.copy(tokenizer, dir.resolve("tokenizer.json"));
        MambaCliTest.Run ids = run("generate", "--model", tiny.toString(), "--prompt-ids", "66,313,288",
                "--max-tokens", "6", "--temperature", "0", "--device", "jvm", "--json");
        MambaCliTest.Run text = run("generate", "--model", dir.toString(), "--prompt", "a b c",
                "--max-tokens", "6", "--temperature", "0", "--device", "jvm", "--json");
        assertEquals(0, text.code(), text.err());
        Map<String, Object> a = (Map<String, Object>) MiniJson.parse(ids.out());
        Map<String, Object> b = (Map<String, Object>) MiniJson.parse(text.out());
        assertEquals(a.get("token_ids"), b.get("token_ids"));
        assertTrue(b.get("text") instanceof String s && !s.isEmpty(), text.out());
        // Streaming prints the same text; the prompt can also come from stdin.
        MambaCliTest.Run streamed = runWithStdin("a b c", "generate", "--model", dir.toString(), "--prompt", "-",
                "--max-tokens", "6", "--temperature", "0", "--device", "jvm");
        assertEquals(0, streamed.code(), streamed.err());
        assertEquals(b.get("text") + "\n", streamed.out());
        // A text whose tokens fall outside the model's vocabulary is refused.
        MambaCliTest.Run hello = run("generate", "--model", dir.toString(), "--prompt", "Hello",
                "--max-tokens", "1", "--temperature", "0", "--device", "jvm");
        assertEquals(2, hello.code());
        assertTrue(hello.err().contains("--prompt: token 1664 is outside the vocabulary (0..511)"), hello.err());
    }

    @Test
    void stopsAtTheEndOfSequenceToken(@TempDir Path dir) throws Exception {
        for (String f : new String[]{"config.json", "model.safetensors"}) {
            Files.copy(tiny.resolve(f), dir.resolve(f));
        }
        // generation_config.json wins over config.json: make the 3rd greedy token (473) the end of sequence.
        Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": [2, 473]}");
        MambaCliTest.Run r = run("generate", "--model", dir.toString(), "--prompt-ids", csv(greedyPrompt),
                "--max-tokens", "10", "--temperature", "0", "--device", "jvm", "--json");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("{\"token_ids\":[146,146,473],\"finish_reason\":\"eos\""), r.out());
        assertTrue(r.err().contains("stopped at end-of-sequence"), r.err());
    }

    @Test
    void generateUsageErrors(@TempDir Path empty) {
        String m = tiny.toString();
        usageError("--prompt is empty", "generate", "--model", m, "--prompt", "", "--max-tokens", "1", "--temperature", "0");
        usageError("--prompt-ids is empty", "generate", "--model", m, "--prompt-ids", "", "--max-tokens", "1", "--temperature", "0");
        usageError("--max-tokens must be between 1 and 1000000, got 0",
                "generate", "--model", m, "--prompt-ids", "1", "--max-tokens", "0", "--temperature", "0");
        usageError("--temperature must be between 0 (greedy) and 100, got -0.5",
                "generate", "--model", m, "--prompt-ids", "1", "--max-tokens", "1", "--temperature", "-0.5");
        usageError("got NaN", "generate", "--model", m, "--prompt-ids", "1", "--max-tokens", "1", "--temperature", "NaN");
        usageError("got 1000.0", "generate", "--model", m, "--prompt-ids", "1", "--max-tokens", "1", "--temperature", "1000");
        usageError("--prompt-ids: 512 is outside the vocabulary (0..511)",
                "generate", "--model", m, "--prompt-ids", "1,512", "--max-tokens", "1", "--temperature", "0");
        usageError("mutually exclusive",
                "generate", "--model", m, "--prompt-ids", "1", "--prompt", "a", "--max-tokens", "1", "--temperature", "0");
        usageError("Missing required argument", "generate", "--model", m, "--max-tokens", "1", "--temperature", "0");
        usageError("--prompt needs a tokenizer: no tokenizer.json in " + m,
                "generate", "--model", m, "--prompt", "hi", "--max-tokens", "1", "--temperature", "0");
        usageError("no config.json in this folder",
                "generate", "--model", empty.toString(), "--prompt-ids", "1", "--max-tokens", "1", "--temperature", "0");
    }

    @Test
    void anUnknownDeviceIsOneLineAndExit1() {
        MambaCliTest.Run r = run("generate", "--model", tiny.toString(), "--prompt-ids", "1", "--max-tokens", "1",
                "--temperature", "0", "--device", "tpu");
        assertEquals(1, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("unknown device 'tpu'"), r.err());
    }
}
