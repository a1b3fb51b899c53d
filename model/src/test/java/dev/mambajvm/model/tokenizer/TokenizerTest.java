package dev.mambajvm.model.tokenizer;

import com.fasterxml.jackson.jr.ob.JSON;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tokenizer against ids and text from Hugging Face tokenizers (golden.json), and its error paths. */
@SuppressWarnings("unchecked")
class TokenizerTest {

    static Path fixture;
    static Tokenizer tok;

    @BeforeAll
    static void load() throws URISyntaxException {
        fixture = Path.of(TokenizerTest.class.getResource("/tokenizer/neox-style/tokenizer.json").toURI()).getParent();
        tok = Tokenizer.load(fixture);
    }

    @TestFactory
    List<DynamicTest> goldenCasesEncodeAndDecodeLikeHuggingFace() throws Exception {
        Map<String, Object> golden = JSON.std.mapFrom(Files.readAllBytes(fixture.resolve("golden.json")));
        List<DynamicTest> tests = new ArrayList<>();
        for (Object c : (List<?>) golden.get("cases")) {
            Map<?, ?> m = (Map<?, ?>) c;
            String text = (String) m.get("text");
            int[] ids = ((List<?>) m.get("ids")).stream().mapToInt(o -> ((Number) o).intValue()).toArray();
            String decoded = (String) m.get("decoded");
            String shown = escape(text);
            String name = "case " + tests.size() + ": \"" + (shown.length() > 40 ? shown.substring(0, 40) + "..." : shown) + "\"";
            tests.add(DynamicTest.dynamicTest(name, () -> {
                assertArrayEquals(ids, tok.encode(text), () -> "ids of " + text);
                assertEquals(decoded, tok.decode(ids), () -> "decode of " + Arrays.toString(ids));
            }));
        }
        assertTrue(tests.size() >= 30, "golden cases: " + tests.size());
        return tests;
    }

    @Test
    void loadsFromTheFileAsFromItsFolder() {
        Tokenizer t = Tokenizer.load(fixture.resolve("tokenizer.json"));
        assertArrayEquals(tok.encode("Hello, world!"), t.encode("Hello, world!"));
        assertEquals(3023, t.vocabSize());
    }

    @Test
    void specialAndAddedTokens() {
        assertEquals(0, tok.id("<|endoftext|>"));
        assertTrue(tok.isSpecial(0));
        assertFalse(tok.isSpecial(3022));
        assertEquals("  ", tok.token(3022));
        assertArrayEquals(new int[] {1, 0}, tok.encode("<|padding|><|endoftext|>"));
        assertEquals("<|endoftext|>hi", tok.decode(tok.encode("<|endoftext|>hi")));
        assertEquals("hi", tok.decode(tok.encode("<|endoftext|>hi"), true));
        // Byte-level vocabulary strings: a space is 'Ġ', byte 0xC3 (the lead byte of "é") is 'Ã'.
        int space = tok.encode(" ")[0];
        assertEquals("Ġ", tok.token(space));
        assertArrayEquals(new byte[] {' '}, tok.tokenBytes(space));
        assertArrayEquals(new byte[] {(byte) 0xC3}, tok.tokenBytes(tok.id("Ã")));
    }

    @Test
    void decodeRejectsUnknownIds() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {5000}));
        assertTrue(e.getMessage().contains("5000"), e.getMessage());
    }

    @Test
    void randomStringsRoundTripToTheirNfcForm() {
        Random r = new Random(20240601);
        int[][] ranges = {{0x20, 0x7E}, {0x09, 0x0D}, {0xA0, 0x17F}, {0x300, 0x36F}, {0x391, 0x3C9}, {0x410, 0x44F},
                {0x4E00, 0x4FFF}, {0x3040, 0x30FF}, {0xAC00, 0xACFF}, {0x1F600, 0x1F64F}, {0x2000, 0x206F}};
        for (int i = 0; i < 500; i++) {
            StringBuilder s = new StringBuilder();
            int len = r.nextInt(40);
            boolean asciiOnly = i % 3 == 0;
            for (int j = 0; j < len; j++) {
                int[] range = asciiOnly ? ranges[r.nextInt(2)] : ranges[r.nextInt(ranges.length)];
                s.appendCodePoint(range[0] + r.nextInt(range[1] - range[0] + 1));
            }
            if (r.nextInt(10) == 0) {
                int at = s.offsetByCodePoints(0, r.nextInt(s.codePointCount(0, s.length()) + 1));
                s.insert(at, "<|endoftext|>");
            }
            String text = s.toString();
            String expected = Normalizer.normalize(text, Normalizer.Form.NFC);
            assertEquals(expected, tok.decode(tok.encode(text)), () -> "round trip of " + escape(text));
        }
    }

    @Test
    void streamingNeverEmitsBrokenCharactersAndAddsUpToTheFullDecode() {
        String text = "emoji 😀🚀👩\u200d💻 flags 🇫🇷, 日本語のテキスト, 中文分词测试, 한국어 and ü";
        int[] ids = tok.encode(text);
        StreamingDecoder d = tok.streamingDecoder();
        StringBuilder all = new StringBuilder();
        int heldBack = 0;
        for (int id : ids) {
            String piece = d.accept(id);
            assertFalse(piece.contains("\uFFFD"), () -> "replacement char after id " + id);
            for (int i = 0; i < piece.length(); i++) {
                char c = piece.charAt(i);
                // A surrogate must come in its pair, never split over two emissions.
                if (Character.isHighSurrogate(c)) {
                    assertTrue(i + 1 < piece.length() && Character.isLowSurrogate(piece.charAt(i + 1)), piece);
                } else if (Character.isLowSurrogate(c)) {
                    assertTrue(i > 0 && Character.isHighSurrogate(piece.charAt(i - 1)), piece);
                }
            }
            heldBack += d.hasPending() ? 1 : 0;
            all.append(piece);
        }
        all.append(d.flush());
        assertTrue(heldBack > 0, "the text should split some character over tokens");
        assertEquals(tok.decode(ids), all.toString());
        assertEquals(text, all.toString());
    }

    @Test
    void streamingFlushReplacesAnUnfinishedCharacter() {
        // The first byte of "😀" (F0) alone: the byte-level char for 0xF0 is 'ð', a vocabulary token.
        int f0 = tok.id("ð");
        assertTrue(f0 >= 0);
        StreamingDecoder d = tok.streamingDecoder();
        assertEquals("", d.accept(f0));
        assertTrue(d.hasPending());
        assertEquals("\uFFFD", d.flush());
        assertEquals(tok.decode(new int[] {f0}), "\uFFFD");
    }

    @Test
    void incompleteTailFollowsUtf8Rules() {
        assertEquals(0, StreamingDecoder.incompleteTail(new byte[] {'a'}));
        assertEquals(1, StreamingDecoder.incompleteTail(new byte[] {'a', (byte) 0xE6}));
        assertEquals(2, StreamingDecoder.incompleteTail(new byte[] {(byte) 0xE6, (byte) 0x97}));
        assertEquals(0, StreamingDecoder.incompleteTail(new byte[] {(byte) 0xE6, (byte) 0x97, (byte) 0xA5}));
        assertEquals(3, StreamingDecoder.incompleteTail(new byte[] {(byte) 0xF0, (byte) 0x9F, (byte) 0x98}));
        assertEquals(0, StreamingDecoder.incompleteTail(new byte[] {(byte) 0xE0, (byte) 0x80})); // never valid
        assertEquals(0, StreamingDecoder.incompleteTail(new byte[] {(byte) 0x80})); // stray continuation
    }

    // ------------------------------------------------------------ errors

    @Test
    void unsupportedComponentsAreNamed(@TempDir Path dir) throws Exception {
        assertError(dir, j -> j.put("pre_tokenizer", Map.of("type", "Metaspace")),
                "pre_tokenizer type \"Metaspace\" is not supported (supported: ByteLevel)");
        assertError(dir, j -> j.put("normalizer", Map.of("type", "Lowercase")),
                "normalizer type \"Lowercase\" is not supported");
        assertError(dir, j -> j.put("decoder", Map.of("type", "WordPiece")),
                "decoder type \"WordPiece\" is not supported (supported: ByteLevel)");
        assertError(dir, j -> ((Map<String, Object>) j.get("model")).put("type", "Unigram"),
                "model type \"Unigram\" is not supported (supported: BPE)");
        assertError(dir, j -> j.put("post_processor", Map.of("type", "BertProcessing")),
                "post_processor type \"BertProcessing\" is not supported");
        assertError(dir, j -> j.put("pre_tokenizer", null), "pre_tokenizer is missing (supported: ByteLevel)");
        assertError(dir, j -> j.put("truncation", Map.of("max_length", 8)), "truncation is set");
        assertError(dir, j -> ((Map<String, Object>) j.get("model")).put("byte_fallback", true), "byte_fallback");
    }

    /** The fixture changed by {@code edit}, written to {@code dir}, must fail to load with {@code expected}. */
    private static void assertError(Path dir, java.util.function.Consumer<Map<String, Object>> edit, String expected)
            throws Exception {
        Map<String, Object> json = fixtureJson();
        edit.accept(json);
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, JSON.std.asString(json));
        TokenizerException e = assertThrows(TokenizerException.class, () -> Tokenizer.load(dir));
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    private static Map<String, Object> fixtureJson() throws Exception {
        return JSON.std.mapFrom(Files.readAllBytes(fixture.resolve("tokenizer.json")));
    }

    @Test
    void malformedAndMissingFiles(@TempDir Path dir) throws Exception {
        TokenizerException noFile = assertThrows(TokenizerException.class, () -> Tokenizer.load(dir));
        assertEquals(dir + ": no tokenizer.json (expected a Hugging Face tokenizer file)", noFile.getMessage());

        Path missing = dir.resolve("nope.json");
        assertEquals(missing + ": no such file",
                assertThrows(TokenizerException.class, () -> Tokenizer.load(missing)).getMessage());

        Path bad = dir.resolve("tokenizer.json");
        Files.writeString(bad, "{\"model\": {\"vocab\": ");
        TokenizerException malformed = assertThrows(TokenizerException.class, () -> Tokenizer.load(dir));
        assertTrue(malformed.getMessage().startsWith(bad + ": malformed JSON: "), malformed.getMessage());
        assertFalse(malformed.getMessage().contains("\n"), malformed.getMessage());

        Files.writeString(bad, "[1, 2]");
        TokenizerException notObject = assertThrows(TokenizerException.class, () -> Tokenizer.load(dir));
        assertEquals(bad + ": the top level should be a JSON object, not an array", notObject.getMessage());

        Files.writeString(bad, "{\"pre_tokenizer\": {\"type\": \"ByteLevel\"}, \"decoder\": {\"type\": \"ByteLevel\"},"
                + " \"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [[\"a\", \"b\"]]}}");
        TokenizerException badMerge = assertThrows(TokenizerException.class, () -> Tokenizer.load(dir));
        assertTrue(badMerge.getMessage().contains("token \"b\" is not in the vocabulary"), badMerge.getMessage());
    }

    @Test
    void templateProcessingAddsItsTokens(@TempDir Path dir) throws Exception {
        Map<String, Object> json = fixtureJson();
        json.put("post_processor", Map.of("type", "TemplateProcessing",
                "single", List.of(Map.of("SpecialToken", Map.of("id", "<|endoftext|>", "type_id", 0)),
                        Map.of("Sequence", Map.of("id", "A", "type_id", 0))),
                "pair", List.of(),
                "special_tokens", Map.of("<|endoftext|>",
                        Map.of("id", "<|endoftext|>", "ids", List.of(0), "tokens", List.of("<|endoftext|>")))));
        Files.writeString(dir.resolve("tokenizer.json"), JSON.std.asString(json));
        Tokenizer t = Tokenizer.load(dir);
        int[] plain = tok.encode("Hello");
        int[] withBos = t.encode("Hello");
        assertEquals(0, withBos[0]);
        assertArrayEquals(plain, Arrays.copyOfRange(withBos, 1, withBos.length));
        assertArrayEquals(plain, t.encode("Hello", false));
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().forEach(cp -> b.append(cp >= 0x20 && cp < 0x7F ? String.valueOf((char) cp) : String.format("\\u{%x}", cp)));
        return b.toString();
    }
}
