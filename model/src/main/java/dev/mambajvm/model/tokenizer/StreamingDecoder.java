package dev.mambajvm.model.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Decodes ids that arrive one at a time (generation) into text, emitting only whole characters.
 *
 * <p>A byte-level token can end in the middle of a UTF-8 character (an emoji is four bytes, often two
 * or more tokens), so the bytes of an unfinished character at the end are held back until a later
 * token completes them. Bytes that can never become a character are emitted as U+FFFD at once, as the
 * full decode would. The concatenation of every {@link #accept} result and {@link #flush()} equals
 * {@link Tokenizer#decode} of all the ids. Not thread-safe: one per generation.
 */
public final class StreamingDecoder {

    private final Tokenizer tokenizer;
    private final boolean skipSpecialTokens;
    /** Bytes of an unfinished character, at most 3. */
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream(4);

    StreamingDecoder(Tokenizer tokenizer, boolean skipSpecialTokens) {
        this.tokenizer = tokenizer;
        this.skipSpecialTokens = skipSpecialTokens;
    }

    /**
     * Adds one token; returns the text it completes, possibly empty.
     *
     * @throws IllegalArgumentException an id outside the vocabulary
     */
    public String accept(int id) {
        if (skipSpecialTokens && tokenizer.isSpecial(id)) {
            return "";
        }
        pending.writeBytes(tokenizer.bytesOf(id));
        byte[] b = pending.toByteArray();
        int keep = incompleteTail(b);
        pending.reset();
        pending.write(b, b.length - keep, keep);
        return new String(b, 0, b.length - keep, StandardCharsets.UTF_8);
    }

    /** Ends the stream: held-back bytes, which no token completed, as U+FFFD; empty when none. */
    public String flush() {
        String s = pending.toString(StandardCharsets.UTF_8);
        pending.reset();
        return s;
    }

    /** Whether bytes are held back waiting for the rest of a character. */
    public boolean hasPending() {
        return pending.size() > 0;
    }

    /**
     * How many bytes at the end of {@code b} start a character that more bytes could still complete:
     * a lead byte followed by fewer continuation bytes than it announces, each in the range UTF-8
     * allows at its place (so E0 80, which no byte makes valid, is not held). 0 when the end is whole.
     */
    static int incompleteTail(byte[] b) {
        int n = b.length;
        for (int k = 1; k <= 3 && k <= n; k++) {
            int lead = b[n - k] & 0xFF;
            if (lead >= 0x80 && lead < 0xC0) {
                continue; // a continuation byte: look further back for the lead
            }
            int need = lead >= 0xC2 && lead <= 0xDF ? 2 : lead >= 0xE0 && lead <= 0xEF ? 3
                    : lead >= 0xF0 && lead <= 0xF4 ? 4 : 0;
            if (need <= k) {
                return 0; // ASCII, an invalid lead, or a complete character
            }
            for (int j = 1; j < k; j++) {
                int c = b[n - k + j] & 0xFF;
                int lo = 0x80;
                int hi = 0xBF;
                if (j == 1) {
                    if (lead == 0xE0) lo = 0xA0;
                    else if (lead == 0xED) hi = 0x9F;
                    else if (lead == 0xF0) lo = 0x90;
                    else if (lead == 0xF4) hi = 0x8F;
                }
                if (c < lo || c > hi) {
                    return 0;
                }
            }
            return k;
        }
        return 0;
    }
}
