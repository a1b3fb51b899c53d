package dev.mambajvm.model.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GPT-2's byte-level scheme, as Hugging Face's {@code ByteLevel} pre-tokenizer and decoder apply it.
 *
 * <p>Byte-level BPE works on bytes, but its vocabulary is stored as text: every byte is mapped to a
 * printable character ({@code bytes_to_unicode}: printable Latin-1 bytes map to themselves, the others
 * to U+0100 and up, so a space becomes 'Ġ' and a newline 'Ċ'). Before the mapping, text is split into
 * words by the GPT-2 regex, so merges never cross a word, number or punctuation boundary.
 */
final class ByteLevel {

    /**
     * The GPT-2 split regex, exactly as Hugging Face has it. {@code UNICODE_CHARACTER_CLASS} makes
     * {@code \s} the Unicode White_Space set, as in Oniguruma (which tokenizers uses): without it Java's
     * {@code \s} is ASCII only and U+00A0 or U+2003 would be split like punctuation.
     */
    static final Pattern GPT2_SPLIT = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    /** byte (0..255) to its character. */
    private static final char[] BYTE_TO_CHAR = new char[256];
    /** character to its byte, -1 where the character stands for no byte; indexed by char up to 0x143. */
    private static final int[] CHAR_TO_BYTE;

    static {
        boolean[] printable = new boolean[256];
        for (int b = '!'; b <= '~'; b++) {
            printable[b] = true;
        }
        for (int b = 0xA1; b <= 0xAC; b++) {
            printable[b] = true;
        }
        for (int b = 0xAE; b <= 0xFF; b++) {
            printable[b] = true;
        }
        int next = 0;
        int max = 0;
        for (int b = 0; b < 256; b++) {
            char c = printable[b] ? (char) b : (char) (256 + next++);
            BYTE_TO_CHAR[b] = c;
            max = Math.max(max, c);
        }
        CHAR_TO_BYTE = new int[max + 1];
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        for (int b = 0; b < 256; b++) {
            CHAR_TO_BYTE[BYTE_TO_CHAR[b]] = b;
        }
    }

    private final boolean addPrefixSpace;
    private final boolean useRegex;

    ByteLevel(boolean addPrefixSpace, boolean useRegex) {
        this.addPrefixSpace = addPrefixSpace;
        this.useRegex = useRegex;
    }

    /**
     * One piece of (normalized) text as byte-level words: split by the regex (every character lands
     * in a word: the last alternative, {@code \s+}, catches what the others leave), then each word's
     * UTF-8 bytes mapped to characters.
     */
    List<String> preTokenize(String text) {
        List<String> words = new ArrayList<>();
        if (text.isEmpty()) {
            return words;
        }
        if (addPrefixSpace && !text.startsWith(" ")) {
            text = " " + text;
        }
        if (!useRegex) {
            words.add(toChars(text));
            return words;
        }
        Matcher m = GPT2_SPLIT.matcher(text);
        int end = 0;
        while (m.find()) {
            if (m.start() > end) {
                // Not reachable with this regex; kept so a gap would become a word rather than vanish.
                words.add(toChars(text.substring(end, m.start())));
            }
            words.add(toChars(m.group()));
            end = m.end();
        }
        if (end < text.length()) {
            words.add(toChars(text.substring(end)));
        }
        return words;
    }

    /** The byte-level characters of {@code text}'s UTF-8 bytes. */
    static String toChars(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        char[] chars = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            chars[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        }
        return new String(chars);
    }

    /**
     * The bytes a token stands for, as the ByteLevel decoder sees it: each character mapped back to its
     * byte; a token with any character outside the byte alphabet (an added token such as a run of
     * spaces) is taken as its own UTF-8 text instead, as tokenizers does.
     */
    static byte[] toBytes(String token) {
        byte[] bytes = new byte[token.length()];
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            int b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
            if (b < 0) {
                return token.getBytes(StandardCharsets.UTF_8);
            }
            bytes[i] = (byte) b;
        }
        return bytes;
    }
}
