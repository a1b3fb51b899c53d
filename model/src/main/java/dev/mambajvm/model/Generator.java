package dev.mambajvm.model;

import java.util.Arrays;
import java.util.Set;
import java.util.function.IntConsumer;

/**
 * Text generation with one sequence: prefill the prompt, then decode one token at a time, each
 * chosen by a {@link Sampler}, until {@code maxNewTokens} tokens or an end-of-sequence token (which is
 * included in the result, as transformers' generate includes it). Greedy sampling takes the argmax
 * on the device (one int downloaded per step); temperature sampling downloads the logits row.
 *
 * <p>Each token is handed to {@code onToken} as soon as it is chosen (for streaming); the time spent
 * there is not counted in the timings.
 */
public final class Generator {
    private Generator() {
    }

    /**
     * What a generation produced, and how long it took.
     *
     * @param tokens        the new tokens (not the prompt), the end-of-sequence token included when it stopped there
     * @param stoppedAtEos  whether the last token is an end-of-sequence token
     * @param promptTokens  the prompt's length
     * @param prefillNanos  from the start of the prefill to the first token chosen (the time to first token)
     * @param decodeNanos   the decode steps that gave the other tokens (tokens.length − 1 steps)
     */
    public record Result(int[] tokens, boolean stoppedAtEos, int promptTokens, long prefillNanos, long decodeNanos) {
        public int decodeSteps() {
            return Math.max(0, tokens.length - 1);
        }

        /** Prompt tokens per second of prefill. */
        public double prefillTokensPerSecond() {
            return promptTokens / (prefillNanos / 1e9);
        }

        /** Decoded tokens per second (NaN when there was no decode step). */
        public double decodeTokensPerSecond() {
            return decodeSteps() == 0 ? Double.NaN : decodeSteps() / (decodeNanos / 1e9);
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
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt is empty");
        }
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("maxNewTokens must be at least 1, got " + maxNewTokens);
        }
        int[] out = new int[maxNewTokens];
        int n = 0;
        boolean stopped = false;
        long prefill;
        long decode = 0;
        try (ModelState state = model.newState(1)) {
            long t0 = System.nanoTime();
            int next = sampler.isGreedy()
                    ? model.prefillGreedy(state, 0, new int[][]{prompt})[0]
                    : sampler.sample(model.prefill(state, 0, new int[][]{prompt})[0]);
            prefill = System.nanoTime() - t0;
            while (true) {
                out[n++] = next;
                onToken.accept(next);
                if (eos.contains(next)) {
                    stopped = true;
                    break;
                }
                if (n == maxNewTokens) {
                    break;
                }
                long t = System.nanoTime();
                next = sampler.isGreedy()
                        ? model.decodeGreedy(state, new int[]{next})[0]
                        : sampler.sample(model.decode(state, new int[]{next})[0]);
                decode += System.nanoTime() - t;
            }
        }
        return new Result(Arrays.copyOf(out, n), stopped, prompt.length, prefill, decode);
    }
}
