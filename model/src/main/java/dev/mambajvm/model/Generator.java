package dev.mambajvm.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.IntConsumer;

/**
 * Text generation for one prompt or a batch: prefill each prompt into its own slot of one
 * {@link ModelState} (prompts of one length together, at most {@link #PREFILL_TOKENS} tokens a call),
 * then decode every sequence together, one token per step, each chosen by its own {@link Sampler},
 * until {@code maxNewTokens} tokens, an end-of-sequence token (included in the result, as
 * transformers' generate includes it) or the listener says stop. A finished sequence's slot keeps
 * being decoded with its last token (the batch's shape is fixed) but its output is ignored and it
 * draws nothing from its random source, so every sequence gets the tokens it would get alone.
 *
 * <p>When every sampler is a plain argmax the argmax is taken on the device (one int per sequence
 * downloaded per step); otherwise the logits rows are downloaded and sampled on the host.
 * Tokens are handed to the listener as soon as they are chosen (for streaming); the time spent there
 * is not counted in the timings.
 */
public final class Generator {
    /** Most prompt tokens in one batched prefill call (a longer prompt still goes alone): bounds the activations. */
    public static final int PREFILL_TOKENS = 8192;

    private Generator() {
    }

    /** Why a sequence stopped: its token limit, an end-of-sequence token, or the listener (a stop string). */
    public enum FinishReason {
        LENGTH, EOS, STOP;

        /** "length", "eos", "stop": transformers' and OpenAI's finish_reason names. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Receives each sequence's tokens as they are chosen. */
    public interface Listener {
        /**
         * The next token of sequence {@code sequence} (its index in the prompts); returning false
         * ends that sequence here, with {@link FinishReason#STOP}.
         */
        boolean token(int sequence, int token);

        /** Called once per sequence, right after its last {@link #token}. */
        default void finished(int sequence, FinishReason reason) {
        }
    }

    /** One sequence's new tokens (not the prompt; the end-of-sequence token included when it stopped there). */
    public record Sequence(int[] tokens, FinishReason finishReason) {
    }

    /**
     * What a generation produced, and how long it took.
     *
     * @param sequences     one per prompt, in the prompts' order
     * @param promptTokens  the prompts' tokens, all together
     * @param prefillNanos  from the start of the prefill to every sequence's first token chosen (the time to first token)
     * @param decodeNanos   the decode steps that gave the other tokens
     */
    public record Result(List<Sequence> sequences, int promptTokens, long prefillNanos, long decodeNanos) {
        /** Tokens chosen by decode steps: each sequence's tokens but its first. */
        public int decodedTokens() {
            int n = 0;
            for (Sequence s : sequences) {
                n += Math.max(0, s.tokens().length - 1);
            }
            return n;
        }

        /** Prompt tokens per second of prefill. */
        public double prefillTokensPerSecond() {
            return promptTokens / (prefillNanos / 1e9);
        }

        /** Decoded tokens per second, all sequences together (NaN when there was no decode step). */
        public double decodeTokensPerSecond() {
            return decodedTokens() == 0 ? Double.NaN : decodedTokens() / (decodeNanos / 1e9);
        }
    }

    /**
     * Generates up to {@code maxNewTokens} (≥ 1) tokens after {@code prompt} (≥ 1 token).
     *
     * @param eos     end-of-sequence ids (may be empty: run to the limit)
     * @param onToken called with each token as it is chosen; may be a no-op
     */
    public static Result generate(MambaModel model, int[] prompt, int maxNewTokens, Sampler sampler,
                                  Set<Integer> eos, IntConsumer onToken) {
        return generate(model, List.of(prompt), maxNewTokens, List.of(sampler), eos, (s, t) -> {
            onToken.accept(t);
            return true;
        });
    }

    /**
     * Generates up to {@code maxNewTokens} (≥ 1) tokens after each prompt (≥ 1 token each), the
     * prompts together in one batch.
     *
     * @param samplers one per prompt (a sampler holds its sequence's random source)
     * @param eos      end-of-sequence ids (may be empty: run to the limit)
     */
    public static Result generate(MambaModel model, List<int[]> prompts, int maxNewTokens, List<Sampler> samplers,
                                  Set<Integer> eos, Listener listener) {
        int n = prompts.size();
        if (n == 0) {
            throw new IllegalArgumentException("no prompt");
        }
        if (samplers.size() != n || samplers.stream().distinct().count() != n) {
            throw new IllegalArgumentException("one sampler per prompt, each its own: " + n + " prompts, "
                    + samplers.size() + " samplers");
        }
        int promptTokens = 0;
        for (int[] p : prompts) {
            if (p.length == 0) {
                throw new IllegalArgumentException("the prompt is empty");
            }
            promptTokens += p.length;
        }
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("maxNewTokens must be at least 1, got " + maxNewTokens);
        }
        boolean onDevice = samplers.stream().allMatch(Sampler::isPlainArgmax);
        BitSet[] seen = new BitSet[n];
        for (int i = 0; i < n; i++) {
            if (samplers.get(i).penalizes()) {
                seen[i] = new BitSet(model.vocabSize());
                for (int id : prompts.get(i)) {
                    seen[i].set(id);
                }
            }
        }
        int[] slotOf = new int[n];
        int[] next = new int[n];
        int[][] out = new int[n][Math.min(maxNewTokens, 64)];
        int[] count = new int[n];
        FinishReason[] reason = new FinishReason[n];
        long prefill;
        long decode = 0;
        try (ModelState state = model.newState(n)) {
            long t0 = System.nanoTime();
            int slot = 0;
            for (List<Integer> group : byLength(prompts)) {
                int len = prompts.get(group.getFirst()).length;
                int perCall = Math.max(1, PREFILL_TOKENS / len);
                for (int from = 0; from < group.size(); from += perCall) {
                    List<Integer> call = group.subList(from, Math.min(group.size(), from + perCall));
                    int[][] ids = new int[call.size()][];
                    for (int j = 0; j < ids.length; j++) {
                        ids[j] = prompts.get(call.get(j));
                        slotOf[call.get(j)] = slot + j;
                    }
                    if (onDevice) {
                        int[] picked = model.prefillGreedy(state, slot, ids);
                        for (int j = 0; j < ids.length; j++) {
                            next[call.get(j)] = picked[j];
                        }
                    } else {
                        float[][] rows = model.prefill(state, slot, ids);
                        for (int j = 0; j < ids.length; j++) {
                            int s = call.get(j);
                            next[s] = samplers.get(s).sample(rows[j], seen(seen, s));
                        }
                    }
                    slot += ids.length;
                }
            }
            prefill = System.nanoTime() - t0;
            int[] slotTokens = new int[n];
            int active = n;
            while (true) {
                for (int s = 0; s < n; s++) {
                    if (reason[s] != null) {
                        continue;   // finished: its slot keeps its last token
                    }
                    int token = next[s];
                    if (count[s] == out[s].length) {
                        out[s] = Arrays.copyOf(out[s], Math.min(maxNewTokens, 2 * out[s].length));
                    }
                    out[s][count[s]++] = token;
                    if (seen[s] != null) {
                        seen[s].set(token);
                    }
                    slotTokens[slotOf[s]] = token;
                    boolean go = listener.token(s, token);
                    FinishReason f = !go ? FinishReason.STOP : eos.contains(token) ? FinishReason.EOS
                            : count[s] == maxNewTokens ? FinishReason.LENGTH : null;
                    if (f != null) {
                        reason[s] = f;
                        active--;
                        listener.finished(s, f);
                    }
                }
                if (active == 0) {
                    break;
                }
                long t = System.nanoTime();
                if (onDevice) {
                    int[] picked = model.decodeGreedy(state, slotTokens);
                    for (int s = 0; s < n; s++) {
                        next[s] = picked[slotOf[s]];
                    }
                } else {
                    float[][] rows = model.decode(state, slotTokens);
                    for (int s = 0; s < n; s++) {
                        if (reason[s] == null) {
                            next[s] = samplers.get(s).sample(rows[slotOf[s]], seen(seen, s));
                        }
                    }
                }
                decode += System.nanoTime() - t;
            }
        }
        List<Sequence> sequences = new ArrayList<>(n);
        for (int s = 0; s < n; s++) {
            sequences.add(new Sequence(Arrays.copyOf(out[s], count[s]), reason[s]));
        }
        return new Result(List.copyOf(sequences), promptTokens, prefill, decode);
    }

    private static BitSet seen(BitSet[] seen, int s) {
        return seen[s] != null ? seen[s] : EMPTY;
    }

    private static final BitSet EMPTY = new BitSet(0);

    /** The prompts' indices grouped by length, groups in order of first appearance, indices ascending. */
    private static List<List<Integer>> byLength(List<int[]> prompts) {
        Map<Integer, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < prompts.size(); i++) {
            groups.computeIfAbsent(prompts.get(i).length, k -> new ArrayList<>()).add(i);
        }
        return new ArrayList<>(groups.values());
    }
}
