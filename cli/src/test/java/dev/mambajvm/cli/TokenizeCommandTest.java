package dev.mambajvm.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code mamba-cli tokenize} with the neox-style fixture (ids from Hugging Face tokenizers). */
class TokenizeCommandTest {

    static Path model;

    @BeforeAll
    static void fixture() throws Exception {
        model = Path.of(TokenizeCommandTest.class.getResource("/tokenizer/neox-style/tokenizer.json").toURI()).getParent();
    }

    static MambaCliTest.Run run(String... args) {
        return MambaCliTest.execute(CommandLine.defaultFactory(), args);
    }

    @Test
    void printsIdsAndQuotedPieces() {
        MambaCliTest.Run r = run("tokenize", "--model", model.toString(), "--text", "Hello, world!");
        assertEquals(0, r.code(), r.err());
        assertEquals("", r.err());
        String[] lines = r.out().split("\n");
        // golden.json: "Hello, world!" -> [1664, 77, 331, 13, 323, 274, 621, 2]
        assertEquals(8, lines.length, r.out());
        // The fixture's vocabulary is small (3000 tokens): "Hello" is more than one token.
        assertEquals("1664  \"He\"", lines[0]);
        assertTrue(lines[1].startsWith("  77  \""), lines[1]);
        assertEquals("   2  \"!\"", lines[7]);
        StringBuilder joined = new StringBuilder();
        for (String l : lines) {
            String q = l.substring(l.indexOf('"') + 1, l.length() - 1);
            joined.append(q);
        }
        assertEquals("Hello, world!", joined.toString());
    }

    @Test
    void escapesWhitespaceAndSplitCharacters() {
        MambaCliTest.Run r = run("tokenize", "--model", model.toString(), "--text", "a\n\t😀");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("\\n"), r.out());
        assertTrue(r.out().contains("\\t"), r.out());
        assertTrue(r.out().contains("\\xf0"), r.out()); // the emoji's bytes are spread over tokens
        byte[] bytes = concat("\\ \"q\" ".getBytes(java.nio.charset.StandardCharsets.UTF_8), new byte[] {(byte) 0x9f},
                "\u200b".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertEquals("\"\\\\ \\\"q\\\" \\x9f\\u200b\"", TokenizeCommand.readable(bytes));
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    @Test
    void jsonHasIdsAndVocabularyPieces() {
        MambaCliTest.Run r = run("tokenize", "--model", model.toString(), "--text", "<|endoftext|>special in text", "--json");
        assertEquals(0, r.code(), r.err());
        Map<?, ?> o = (Map<?, ?>) MiniJson.parse(r.out());
        List<?> ids = (List<?>) o.get("ids");
        List<?> pieces = (List<?>) o.get("pieces");
        assertEquals(List.of(0, 84, 1617, 315, 1121), ids.stream().map(n -> ((Number) n).intValue()).toList());
        assertEquals(5, pieces.size());
        assertEquals("<|endoftext|>", pieces.get(0));
        assertTrue(pieces.stream().anyMatch(p -> ((String) p).startsWith("Ġ")), pieces.toString());
    }

    @Test
    void missingFolderIsAUsageError(@TempDir Path dir) {
        Path nowhere = dir.resolve("nowhere");
        MambaCliTest.Run r = run("tokenize", "--model", nowhere.toString(), "--text", "hi");
        assertEquals(2, r.code());
        assertTrue(r.err().contains(nowhere + ": no such folder"), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
    }

    @Test
    void folderWithoutTokenizerJson(@TempDir Path dir) {
        MambaCliTest.Run r = run("tokenize", "--model", dir.toString(), "--text", "hi");
        assertEquals(1, r.code());
        assertEquals("mamba-cli tokenize: " + dir + ": no tokenizer.json (expected a Hugging Face tokenizer file)\n", r.err());
    }

    @Test
    void malformedTokenizerJson(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("tokenizer.json"), "{ not json");
        MambaCliTest.Run r = run("tokenize", "--model", dir.toString(), "--text", "hi");
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("mamba-cli tokenize: " + dir.resolve("tokenizer.json") + ": malformed JSON"), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
    }

    @Test
    void emptyOrMissingTextIsAUsageError() {
        MambaCliTest.Run empty = run("tokenize", "--model", model.toString(), "--text", "");
        assertEquals(2, empty.code());
        assertTrue(empty.err().contains("--text is empty"), empty.err());
        assertEquals(1, empty.err().lines().count(), empty.err());
        MambaCliTest.Run missing = run("tokenize", "--model", model.toString());
        assertEquals(2, missing.code());
        assertFalse(missing.err().isEmpty());
    }
}
