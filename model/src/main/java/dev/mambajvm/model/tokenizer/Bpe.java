package dev.mambajvm.model.tokenizer;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The BPE model: a word (byte-level characters) starts as one symbol per character and pairs of
 * neighbouring symbols are merged, lowest merge rank first, until no pair has a merge.
 *
 * <p>Ties go to the leftmost pair, which is what tokenizers' priority queue of (rank, position) does.
 * Words repeat a lot in text, so results are cached (thread-safe; the cache stops growing at
 * {@link #CACHE_CAPACITY} entries instead of evicting, as tokenizers' cache does).
 */
final class Bpe {

    static final int CACHE_CAPACITY = 10_000;

    private final Map<String, Integer> vocab;
    /** (left id, right id) packed into a long, to (rank, merged id) packed into a long. */
    private final Map<Long, Long> merges;
    private final Integer unkId;
    private final boolean ignoreMerges;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    /**
     * @param vocab  token to id
     * @param merges merge pairs in rank order (rank = index), each as its two token strings
     * @param unkId  id for a character missing from the vocabulary, or null to drop it (tokenizers'
     *               behaviour without {@code unk_token}; byte-level vocabularies hold every byte anyway)
     * @throws IllegalArgumentException a merge naming a token, or producing one, not in the vocabulary
     */
    Bpe(Map<String, Integer> vocab, java.util.List<String[]> merges, Integer unkId, boolean ignoreMerges) {
        this.vocab = Map.copyOf(vocab);
        this.unkId = unkId;
        this.ignoreMerges = ignoreMerges;
        Map<Long, Long> m = new HashMap<>(merges.size() * 2);
        for (int rank = 0; rank < merges.size(); rank++) {
            String a = merges.get(rank)[0];
            String b = merges.get(rank)[1];
            Integer ia = vocab.get(a);
            Integer ib = vocab.get(b);
            Integer merged = vocab.get(a + b);
            if (ia == null || ib == null || merged == null) {
                String missing = ia == null ? a : ib == null ? b : a + b;
                throw new IllegalArgumentException("merge " + rank + " (\"" + a + "\" \"" + b + "\"): token \""
                        + missing + "\" is not in the vocabulary");
            }
            // A pair listed twice keeps its first (lowest) rank.
            m.putIfAbsent(pair(ia, ib), ((long) rank << 32) | merged);
        }
        this.merges = m;
    }

    private static long pair(int a, int b) {
        return ((long) a << 32) | (b & 0xFFFFFFFFL);
    }

    /** The ids of one byte-level word. */
    int[] encode(String word) {
        int[] cached = cache.get(word);
        if (cached != null) {
            return cached;
        }
        int[] ids = merge(word);
        if (cache.size() < CACHE_CAPACITY) {
            cache.put(word, ids);
        }
        return ids;
    }

    private int[] merge(String word) {
        if (ignoreMerges) {
            Integer whole = vocab.get(word);
            if (whole != null) {
                return new int[] {whole};
            }
        }
        int[] symbols = new int[word.length()];
        int n = 0;
        for (int i = 0; i < word.length(); ) {
            int cp = word.codePointAt(i);
            String ch = new String(Character.toChars(cp));
            i += ch.length();
            Integer id = vocab.get(ch);
            if (id == null) {
                id = unkId;
            }
            if (id != null) {
                symbols[n++] = id;
            }
        }
        // Quadratic in the word length; words are short (the regex splits text at every boundary),
        // and a long run of one character is still only a few thousand steps.
        while (n > 1) {
            long best = Long.MAX_VALUE;
            int at = -1;
            for (int i = 0; i + 1 < n; i++) {
                Long rm = merges.get(pair(symbols[i], symbols[i + 1]));
                if (rm != null && rm < best) {
                    best = rm;
                    at = i;
                }
            }
            if (at < 0) {
                break;
            }
            symbols[at] = (int) best;
            System.arraycopy(symbols, at + 2, symbols, at + 1, n - at - 2);
            n--;
        }
        return java.util.Arrays.copyOf(symbols, n);
    }
}
