package dev.mambajvm.model.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds added tokens in text, the way tokenizers' {@code AddedVocabulary} does: leftmost match first,
 * and of the matches starting there the longest (so 40 spaces with added tokens of 24 and 16 spaces
 * become those two, not 2 x 16 + 8). One instance matches one set of tokens; the tokenizer keeps two,
 * one for the raw text (tokens with {@code normalized: false}, e.g. {@code <|endoftext|>}) and one for
 * the normalized text.
 */
final class AddedTokens {

    /** A piece of text: either plain text for the model ({@code token == null}) or an added token. */
    record Piece(String text, AddedToken token) {
    }

    /** Candidates by first char, longest first. */
    private final Map<Character, List<Entry>> byFirstChar = new HashMap<>();

    private record Entry(String match, AddedToken token) {
    }

    /**
     * @param tokens    the tokens to find
     * @param contentOf the string to match for each token (its content, or its normalized content)
     */
    AddedTokens(List<AddedToken> tokens, java.util.function.Function<AddedToken, String> contentOf) {
        for (AddedToken t : tokens) {
            String m = contentOf.apply(t);
            if (!m.isEmpty()) {
                byFirstChar.computeIfAbsent(m.charAt(0), k -> new ArrayList<>()).add(new Entry(m, t));
            }
        }
        byFirstChar.values().forEach(l -> l.sort(Comparator.comparingInt((Entry e) -> e.match.length()).reversed()));
    }

    boolean isEmpty() {
        return byFirstChar.isEmpty();
    }

    /** {@code text} cut into plain pieces and added tokens, in order; empty plain pieces are left out. */
    List<Piece> split(String text) {
        List<Piece> out = new ArrayList<>();
        if (byFirstChar.isEmpty()) {
            if (!text.isEmpty()) {
                out.add(new Piece(text, null));
            }
            return out;
        }
        int plainStart = 0; // start of the text not yet emitted
        int i = 0;
        while (i < text.length()) {
            Entry e = longestAt(text, i);
            if (e == null) {
                i++;
                continue;
            }
            int start = i;
            int stop = i + e.match.length();
            AddedToken t = e.token;
            // As in tokenizers, a match rejected for single_word is skipped as a whole, not retried shorter.
            if (t.singleWord() && (endsWithWordChar(text, start) || startsWithWordChar(text, stop))) {
                i = stop;
                continue;
            }
            if (t.lstrip()) {
                while (start > plainStart && isWhitespace(text.charAt(start - 1))) {
                    start--;
                }
            }
            if (t.rstrip()) {
                while (stop < text.length() && isWhitespace(text.charAt(stop))) {
                    stop++;
                }
            }
            if (start > plainStart) {
                out.add(new Piece(text.substring(plainStart, start), null));
            }
            out.add(new Piece(text.substring(start, stop), t));
            plainStart = stop;
            i = stop;
        }
        if (plainStart < text.length()) {
            out.add(new Piece(text.substring(plainStart), null));
        }
        return out;
    }

    private Entry longestAt(String text, int i) {
        List<Entry> candidates = byFirstChar.get(text.charAt(i));
        if (candidates != null) {
            for (Entry e : candidates) {
                if (text.startsWith(e.match, i)) {
                    return e;
                }
            }
        }
        return null;
    }

    private static boolean endsWithWordChar(String s, int end) {
        return end > 0 && isWordChar(s.codePointBefore(end));
    }

    private static boolean startsWithWordChar(String s, int start) {
        return start < s.length() && isWordChar(s.codePointAt(start));
    }

    /** Regex {@code \w}, as tokenizers' single_word check uses. */
    private static boolean isWordChar(int cp) {
        return Character.isLetterOrDigit(cp) || cp == '_' || Character.getType(cp) == Character.NON_SPACING_MARK
                || Character.getType(cp) == Character.CONNECTOR_PUNCTUATION;
    }

    /** Unicode White_Space (Rust's {@code char::is_whitespace}); Java's isWhitespace leaves out no-break spaces. */
    static boolean isWhitespace(char c) {
        return Character.isWhitespace(c) && !(c >= 0x1C && c <= 0x1F)
                || c == '\u0085' || c == '\u00A0' || c == '\u2007' || c == '\u202F';
    }
}
