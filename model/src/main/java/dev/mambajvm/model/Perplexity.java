package dev.mambajvm.model;

/**
 * Perplexity of a token sequence under a model: the mean negative log-likelihood (natural log) of
 * tokens 2..N, each predicted from its prefix (N − 1 predictions: the first token has no prefix), and
 * perplexity = exp(mean NLL). The log-softmax is computed in double on the host from the float32
 * logits of one {@link MambaModel#forward} over the whole sequence (one prefill: host and device
 * memory grow as N × vocab floats; no sliding window yet).
 *
 * @param tokens     N, the length of the sequence
 * @param nll        mean negative log-likelihood in nats over the N − 1 predictions
 * @param perplexity exp(nll)
 */
public record Perplexity(int tokens, double nll, double perplexity) {

    /** Runs the model over {@code ids} (at least 2 tokens) and scores them. */
    public static Perplexity of(MambaModel model, int[] ids) {
        requireTwo(ids);
        float[][] logits;
        try (ModelState state = model.newState(1)) {
            logits = model.forward(state, 0, new int[][]{ids})[0];
        }
        return of(logits, ids);
    }

    /** Scores {@code ids} given {@code logits[t]}, the next-token logits after ids[0..t] (at least N − 1 rows). */
    public static Perplexity of(float[][] logits, int[] ids) {
        requireTwo(ids);
        double total = 0;
        for (int t = 0; t + 1 < ids.length; t++) {
            total -= logSoftmax(logits[t], ids[t + 1]);
        }
        double nll = total / (ids.length - 1);
        return new Perplexity(ids.length, nll, Math.exp(nll));
    }

    /** log softmax(row)[index], in double: row[index] − max − log Σ exp(row − max). */
    public static double logSoftmax(float[] row, int index) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : row) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : row) {
            sum += Math.exp(v - max);
        }
        return row[index] - max - Math.log(sum);
    }

    private static void requireTwo(int[] ids) {
        if (ids.length < 2) {
            throw new IllegalArgumentException("perplexity needs at least 2 tokens (the first one is only context), got "
                    + ids.length);
        }
    }
}
