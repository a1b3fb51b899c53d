package dev.mambajvm.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --model ORG/NAME} of generate, perplexity and tokenize against {@link LoopbackHub} serving the
 * tiny Mamba-1 fixture (and the neox-style tokenizer): the environment (HF_ENDPOINT, HF_HOME,
 * HF_HUB_OFFLINE) goes in through {@link ModelOption#env}, never the process's.
 */
class HubModelCommandsTest {
    static final String COMMIT = "89abcdef0123456789abcdef0123456789abcdef";

    @TempDir
    Path tmp;
    Path tiny;
    Path tokenizer;
    LoopbackHub hub;

    @BeforeEach
    void start() throws Exception {
        ModelCommandsTest.fixture();   // the golden greedy prompt and continuation
        tiny = Path.of(getClass().getResource("/fixtures/mamba1-tiny/config.json").toURI()).getParent();
        tokenizer = Path.of(getClass().getResource("/tokenizer/neox-style/tokenizer.json").toURI());
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String f : List.of("config.json", "generation_config.json", "model.safetensors")) {
            files.put(f, Files.readAllBytes(tiny.resolve(f)));
        }
        files.put("tokenizer.json", Files.readAllBytes(tokenizer));
        hub = new LoopbackHub("org/tiny", COMMIT, files);
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    Map<String, String> env(String... extra) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("HOME", tmp.toString());
        env.put("HF_HOME", tmp.resolve("hf").toString());
        env.put("HF_ENDPOINT", hub.endpoint());
        for (int i = 0; i < extra.length; i += 2) {
            env.put(extra[i], extra[i + 1]);
        }
        return env;
    }

    static MambaCliTest.Run run(Map<String, String> env, String... args) {
        return MambaCliTest.execute(MambaCliTest.factory(k -> {
            if (k instanceof ModelOption m) {
                m.env = env;
            }
        }), args);
    }

    String[] greedy(String model) {
        return new String[] {"generate", "--model", model, "--prompt-ids", ModelCommandsTest.csv(ModelCommandsTest.greedyPrompt),
                "--max-tokens", String.valueOf(ModelCommandsTest.greedyContinuation.size()), "--temperature", "0",
                "--device", "jvm", "--json"};
    }

    @Test
    @SuppressWarnings("unchecked")
    void generateDownloadsARepoOnceThenRunsFromTheCache() throws Exception {
        MambaCliTest.Run r = run(env(), greedy("org/tiny"));
        assertEquals(0, r.code(), r.err());
        Map<String, Object> o = (Map<String, Object>) MiniJson.parse(r.out());
        assertEquals(ModelCommandsTest.greedyContinuation, ModelCommandsTest.ints((List<Double>) o.get("token_ids")));
        Path repo = tmp.resolve("hf/hub/models--org--tiny");
        assertTrue(r.err().startsWith("downloading org/tiny (commit 89abcdef0123) into " + repo + "\n"), r.err());
        assertTrue(r.err().contains("  model.safetensors (385.9 KiB)\n"), r.err());
        assertEquals(-1, Files.mismatch(repo.resolve("snapshots").resolve(COMMIT).resolve("model.safetensors"),
                tiny.resolve("model.safetensors")));

        int requests = hub.requests.size();
        r = run(env("HF_HUB_OFFLINE", "1"), greedy("org/tiny"));
        assertEquals(0, r.code(), r.err());
        assertEquals(ModelCommandsTest.greedyContinuation,
                ModelCommandsTest.ints((List<Double>) ((Map<String, Object>) MiniJson.parse(r.out())).get("token_ids")));
        assertTrue(r.err().startsWith("load "), "nothing downloaded: " + r.err());
        assertEquals(requests, hub.requests.size());
    }

    @Test
    void perplexityAndTokenizeOfARepoEqualThoseOfTheLocalFolder() throws Exception {
        Path local = Files.createDirectories(tmp.resolve("local"));
        for (String f : List.of("config.json", "generation_config.json", "model.safetensors")) {
            Files.copy(tiny.resolve(f), local.resolve(f));
        }
        Files.copy(tokenizer, local.resolve("tokenizer.json"));
        String[] ppl = {"perplexity", "--model", "", "--token-ids", "331,155,390,7", "--device", "jvm", "--json"};
        String[] tok = {"tokenize", "--model", "", "--text", "Hello, world!"};
        ppl[2] = local.toString();
        tok[2] = local.toString();
        MambaCliTest.Run localPpl = run(env(), ppl);
        MambaCliTest.Run localTok = run(env(), tok);
        assertEquals(List.of(), hub.requests, "a local folder needs no hub");
        ppl[2] = "org/tiny";
        tok[2] = "org/tiny";
        MambaCliTest.Run tokRun = run(env(), tok);
        assertEquals(0, tokRun.code(), tokRun.err());
        assertEquals(localTok.out(), tokRun.out());
        assertTrue(hub.requests.stream().noneMatch(s -> s.contains("safetensors")), "tokenize fetches no weights: " + hub.requests);
        MambaCliTest.Run pplRun = run(env(), ppl);
        assertEquals(0, pplRun.code(), pplRun.err());
        assertEquals(localPpl.out(), pplRun.out());
    }

    @Test
    void errorsAreOneLine() {
        MambaCliTest.Run r = run(env(), greedy("org/nope"));
        assertEquals(2, r.code(), r.err());
        assertEquals("mamba-cli generate: --model org/nope: repo not found on " + hub.endpoint() + ", or it is private or gated and"
                + " needs HF_TOKEN (no token: set HF_TOKEN, or log in with `hf auth login`) (HTTP 401) (see 'mamba-cli generate --help')\n",
                r.err());

        r = run(env("HF_HUB_OFFLINE", "1"), greedy("org/tiny"));
        assertEquals(1, r.code(), r.err());
        assertEquals("mamba-cli generate: error: org/tiny is not in the Hugging Face cache (" + tmp.resolve("hf/hub/models--org--tiny")
                + ") and HF_HUB_OFFLINE is set: run `huggingface-cli download org/tiny` on a machine with network, copy the"
                + " folder models--org--tiny of its Hugging Face cache into " + tmp.resolve("hf/hub")
                + ", or pass a local checkpoint folder\n", r.err());

        r = run(env(), "tokenize", "--model", "not/a/repo", "--text", "x");
        assertEquals(2, r.code(), r.err());
        assertEquals("mamba-cli tokenize: --model not/a/repo: no such folder, and not a Hugging Face repo id (ORG/NAME or"
                + " ORG/NAME@REVISION) (see 'mamba-cli tokenize --help')\n", r.err());

        int requests = hub.requests.size();
        r = run(env("HF_ENDPOINT", "ftp://x"), "perplexity", "--model", "org/tiny", "--token-ids", "1,2");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("mamba-cli perplexity: HF_ENDPOINT 'ftp://x' is not an http(s) URL"), r.err());
        assertEquals(requests, hub.requests.size());
    }

    @Test
    void helpOfTheModelCommandsShowsARepoId() {
        for (String command : List.of("generate", "perplexity", "tokenize")) {
            MambaCliTest.Run r = run(env(), command, "--help");
            assertEquals(0, r.code());
            assertTrue(r.out().contains("--model state-spaces/mamba-130m-hf"), command + ":\n" + r.out());
            assertTrue(r.out().contains("Hugging Face repo id"), command + ":\n" + r.out());
        }
    }
}
