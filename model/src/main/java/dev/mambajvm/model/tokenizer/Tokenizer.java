package dev.mambajvm.model.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A byte-level BPE tokenizer read from a Hugging Face {@code tokenizer.json} (the GPT-NeoX pipeline
 * that Mamba checkpoints use), giving the same ids as tokenizers' {@code encode(text)} and the same
 * text as its {@code decode(ids)}.
 *
 * <pre>{@code
 * Tokenizer tok = Tokenizer.load(Path.of("checkpoint"));    // a folder with tokenizer.json, or the file
 * int[] ids = tok.encode("Hello, world!");
 * String text = tok.decode(ids);
 * StreamingDecoder out = tok.streamingDecoder();           // for generation: complete characters only
 * }</pre>
 *
 * <p>Encoding, in tokenizers' order: added tokens that are not normalized (special tokens) are cut out
 * of the raw text; each remaining piece is normalized (NFC), then added tokens that are normalized
 * (whitespace runs) are cut out; what is left is split by the GPT-2 regex into words, mapped to
 * byte-level characters and merged by the BPE model; finally the post-processor adds its tokens (none
 * for ByteLevel). Immutable and safe to share between threads.
 */
public final class Tokenizer {

    /** The file name looked for when {@link #load} is given a folder. */
    public static final String FILE_NAME = "tokenizer.json";

    private final Path source;
    private final Normalizer.Form normalization;
    private final AddedTokens rawAdded;
    private final AddedTokens normalizedAdded;
    private final ByteLevel preTokenizer;
    private final Bpe model;
    private final int[] prefix;
    private final int[] suffix;
    /** id to token string: the model's vocabulary overlaid with the added tokens. */
    private final String[] tokens;
    private final Map<String, Integer> ids;
    private final boolean[] special;
    /** id to the bytes it decodes to, computed once: decoding is on the generation path. */
    private final byte[][] bytes;

    Tokenizer(Path source, Normalizer.Form normalization, List<AddedToken> added, ByteLevel preTokenizer,
              Bpe model, Map<String, Integer> vocab, int[] prefix, int[] suffix) {
        this.source = source;
        this.normalization = normalization;
        this.preTokenizer = preTokenizer;
        this.model = model;
        this.prefix = prefix.clone();
        this.suffix = suffix.clone();
        List<AddedToken> raw = new ArrayList<>();
        List<AddedToken> norm = new ArrayList<>();
        for (AddedToken t : added) {
            (t.normalized() ? norm : raw).add(t);
        }
        this.rawAdded = new AddedTokens(raw, AddedToken::content);
        // tokenizers normalizes a normalized token's content too, so it matches the normalized text.
        this.normalizedAdded = new AddedTokens(norm, t -> normalize(t.content()));

        int size = 0;
        for (int id : vocab.values()) {
            size = Math.max(size, id + 1);
        }
        for (AddedToken t : added) {
            size = Math.max(size, t.id() + 1);
        }
        tokens = new String[size];
        special = new boolean[size];
        Map<String, Integer> byToken = new HashMap<>(vocab);
        vocab.forEach((tok, id) -> tokens[id] = tok);
        for (AddedToken t : added) {
            tokens[t.id()] = t.content();
            special[t.id()] = t.special();
            byToken.put(t.content(), t.id());
        }
        ids = Map.copyOf(byToken);
        bytes = new byte[size][];
        for (int id = 0; id < size; id++) {
            bytes[id] = tokens[id] == null ? null : ByteLevel.toBytes(tokens[id]);
        }
    }

    /**
     * Reads {@code path}: a {@code tokenizer.json} file, or a folder holding one.
     *
     * @throws TokenizerException missing, unreadable or malformed file, or a component not supported
     */
    public static Tokenizer load(Path path) {
        return TokenizerJson.load(path);
    }

    /** The file this tokenizer was read from. */
    public Path source() {
        return source;
    }

    /** Ids of {@code text} with the post-processor's special tokens, as tokenizers' {@code encode(text)}. */
    public int[] encode(String text) {
        return encode(text, true);
    }

    /** Ids of {@code text}; {@code addSpecialTokens} as tokenizers' {@code add_special_tokens}. */
    public int[] encode(String text, boolean addSpecialTokens) {
        IntList out = new IntList();
        if (addSpecialTokens) {
            out.addAll(prefix);
        }
        for (AddedTokens.Piece raw : rawAdded.split(text)) {
            if (raw.token() != null) {
                out.add(raw.token().id());
                continue;
            }
            for (AddedTokens.Piece piece : normalizedAdded.split(normalize(raw.text()))) {
                if (piece.token() != null) {
                    out.add(piece.token().id());
                    continue;
                }
                for (String word : preTokenizer.preTokenize(piece.text())) {
                    out.addAll(model.encode(word));
                }
            }
        }
        if (addSpecialTokens) {
            out.addAll(suffix);
        }
        return out.toArray();
    }

    /** The text of {@code ids}, special tokens included, as tokenizers' {@code decode(ids, skip_special_tokens=False)}. */
    public String decode(int[] ids) {
        return decode(ids, false);
    }

    /**
     * The text of {@code ids}: their bytes joined and read as UTF-8, malformed sequences replaced by
     * U+FFFD, as the ByteLevel decoder does.
     *
     * @throws IllegalArgumentException an id outside the vocabulary (tokenizers would drop it silently)
     */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int id : ids) {
            if (skipSpecialTokens && isSpecial(id)) {
                continue;
            }
            b.writeBytes(tokenBytes(id));
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    /** A decoder for ids arriving one at a time, e.g. from generation; special tokens are kept. */
    public StreamingDecoder streamingDecoder() {
        return new StreamingDecoder(this, false);
    }

    /** A decoder for ids arriving one at a time; {@code skipSpecialTokens} drops tokens such as {@code <|endoftext|>}. */
    public StreamingDecoder streamingDecoder(boolean skipSpecialTokens) {
        return new StreamingDecoder(this, skipSpecialTokens);
    }

    /** The token string of {@code id} as in the vocabulary (byte-level characters, e.g. "Ġworld"). */
    public String token(int id) {
        check(id);
        return tokens[id];
    }

    /** The id of a vocabulary or added token string, or -1. */
    public int id(String token) {
        Integer id = ids.get(token);
        return id == null ? -1 : id;
    }

    /** The bytes {@code id} decodes to (a piece of UTF-8, not necessarily whole characters). */
    public byte[] tokenBytes(int id) {
        check(id);
        return bytes[id].clone();
    }

    /** Same as {@link #tokenBytes} without the defensive copy, for the decoders in this package. */
    byte[] bytesOf(int id) {
        check(id);
        return bytes[id];
    }

    /** Whether {@code id} is an added token marked special (e.g. {@code <|endoftext|>}). */
    public boolean isSpecial(int id) {
        check(id);
        return special[id];
    }

    /** One more than the largest id. */
    public int vocabSize() {
        return tokens.length;
    }

    private void check(int id) {
        if (id < 0 || id >= tokens.length || tokens[id] == null) {
            throw new IllegalArgumentException("token id " + id + " is not in the vocabulary of " + source);
        }
    }

    private String normalize(String s) {
        return normalization == null ? s : Normalizer.normalize(s, normalization);
    }

    /** A growable int array; encode runs per prompt and per chat turn, boxing every id is waste. */
    private static final class IntList {
        private int[] a = new int[16];
        private int n;

        void add(int v) {
            if (n == a.length) {
                a = java.util.Arrays.copyOf(a, n * 2);
            }
            a[n++] = v;
        }

        void addAll(int[] vs) {
            for (int v : vs) {
                add(v);
            }
        }

        int[] toArray() {
            return java.util.Arrays.copyOf(a, n);
        }
    }
}
