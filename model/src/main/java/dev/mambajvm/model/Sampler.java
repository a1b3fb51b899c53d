package dev.mambajvm.model;

import java.util.SplittableRandom;

/**
 * Picks the next token from a row of logits.
 *
 * <ul>
 *   <li>{@link #greedy()}: the argmax, ties to the lowest index (what the device's argmax kernel
 *       gives, so {@link Generator} computes it on the device and downloads one int per step);</li>
 *   <li>{@link #temperature(double, long)} with T &gt; 0: a draw from softmax(logits / T), computed in
 *       double on the host, with a {@link SplittableRandom} seeded once. The same seed and the same
 *       logits give the same tokens, so a run is replayable on the same backend (another backend's
 *       logits may differ in the last bits, and so may a draw near a boundary).</li>
 * </ul>
 * Not thread-safe: one sampler per generation.
 */
public final class Sampler {
    /** Temperatures above this are refused: the distribution is uniform long before. */
    public static final double MAX_TEMPERATURE = 100;

    private final double temperature;
    private final long seed;
    private final SplittableRandom random;

    private Sampler(double temperature, long seed) {
        this.temperature = temperature;
        this.seed = seed;
        this.random = temperature == 0 ? null : new SplittableRandom(seed);
    }

    /** Argmax sampling. */
    public static Sampler greedy() {
        return new Sampler(0, 0);
    }

    /**
     * Sampling from softmax(logits / temperature) with a random source seeded by {@code seed};
     * temperature 0 is {@link #greedy()}.
     *
     * @throws IllegalArgumentException a negative, NaN, infinite or larger than {@value #MAX_TEMPERATURE} temperature
     */
    public static Sampler temperature(double temperature, long seed) {
        if (!(temperature >= 0 && temperature <= MAX_TEMPERATURE)) {
            throw new IllegalArgumentException("temperature must be in [0, " + (int) MAX_TEMPERATURE + "], got " + temperature);
        }
        return new Sampler(temperature, seed);
    }

    public boolean isGreedy() {
        return temperature == 0;
    }

    public double temperatureValue() {
        return temperature;
    }

    /** The seed of the random source (0 for greedy). */
    public long seed() {
        return seed;
    }

    /** The next token: the argmax when greedy, else a draw from softmax(logits / T). */
    public int sample(float[] logits) {
        if (isGreedy()) {
            return argmax(logits);
        }
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l / temperature);
        }
        double[] weights = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < logits.length; i++) {
            double w = Math.exp(logits[i] / temperature - max);
            weights[i] = Double.isNaN(w) ? 0 : w;
            sum += weights[i];
        }
        if (!(sum > 0) || Double.isInfinite(max)) {
            return argmax(logits);   // NaN or infinite logits: no distribution to draw from
        }
        double r = random.nextDouble() * sum;
        double acc = 0;
        int last = 0;
        for (int i = 0; i < weights.length; i++) {
            if (weights[i] > 0) {
                acc += weights[i];
                last = i;
                if (r < acc) {
                    return i;
                }
            }
        }
        return last;   // rounding left r just above the total
    }

    /** The index of the largest value, ties to the lowest index; NaN never wins. */
    public static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best] || Float.isNaN(logits[best]) && !Float.isNaN(logits[i])) {
                best = i;
            }
        }
        return best;
    }
}
