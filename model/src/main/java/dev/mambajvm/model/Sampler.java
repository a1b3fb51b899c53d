package dev.mambajvm.model;

import java.util.Arrays;
import java.util.BitSet;
import java.util.SplittableRandom;

/**
 * Picks the next token from a row of logits, with transformers' logits processors in transformers'
 * order, computed in double on the host:
 * <ol>
 *   <li>repetition penalty R over the tokens seen so far (prompt and generated, each once):
 *       a logit l &gt; 0 becomes l / R, else l · R;</li>
 *   <li>temperature T: logits / T (T = 0 is greedy: the argmax of the penalized logits; the
 *       filters below always keep the argmax, so they change nothing then);</li>
 *   <li>top-k: keep the tokens whose logit is at least the k-th largest (ties with it kept);</li>
 *   <li>top-p (nucleus): keep the smallest set of most probable tokens whose probability mass,
 *       renormalized after top-k, is at least P (ties with the last one kept; at least one token);</li>
 *   <li>min-p: drop the tokens whose probability is below min_p times the largest probability;</li>
 *   <li>a draw from the softmax of what is left, with a {@link SplittableRandom} seeded once.</li>
 * </ol>
 * The same seed and the same logits give the same tokens, so a run is replayable on the same
 * backend (another backend's logits may differ in the last bits, and so may a draw near a boundary).
 * Without a penalty, greedy is the argmax of the raw logits, ties to the lowest index: what the
 * device's argmax kernel gives, so {@link Generator} computes it on the device ({@link #isPlainArgmax()}).
 *
 * <p>Not thread-safe: one sampler per sequence.
 */
public final class Sampler {
    /** Temperatures above this are refused: the distribution is uniform long before. */
    public static final double MAX_TEMPERATURE = 100;

    /**
     * What to sample with; the neutral values turn a step off (top-k 0, top-p 1, min-p 0, repetition
     * penalty 1).
     *
     * @param temperature       0 (greedy) to {@value #MAX_TEMPERATURE}
     * @param topK              ≥ 0; 0 or at least the vocabulary size keeps every token
     * @param topP              in [0, 1]; 1 keeps every token, 0 only the most probable
     * @param minP              in [0, 1]
     * @param repetitionPenalty finite and &gt; 0; above 1 discourages repeats, below 1 encourages them
     */
    public record Settings(double temperature, int topK, double topP, double minP, double repetitionPenalty) {
        public static final Settings GREEDY = new Settings(0, 0, 1, 0, 1);

        /** @throws IllegalArgumentException a value outside its range, named as transformers names it */
        public Settings {
            if (!(temperature >= 0 && temperature <= MAX_TEMPERATURE)) {
                throw new IllegalArgumentException("temperature must be in [0, " + (int) MAX_TEMPERATURE + "], got " + temperature);
            }
            if (topK < 0) {
                throw new IllegalArgumentException("top_k must be at least 0 (0 = off), got " + topK);
            }
            if (!(topP >= 0 && topP <= 1)) {
                throw new IllegalArgumentException("top_p must be in [0, 1], got " + topP);
            }
            if (!(minP >= 0 && minP <= 1)) {
                throw new IllegalArgumentException("min_p must be in [0, 1], got " + minP);
            }
            if (!(repetitionPenalty > 0 && repetitionPenalty < Double.POSITIVE_INFINITY)) {
                throw new IllegalArgumentException("repetition_penalty must be finite and > 0, got " + repetitionPenalty);
            }
        }

        public static Settings temperature(double temperature) {
            return new Settings(temperature, 0, 1, 0, 1);
        }

        public Settings withTopK(int k) {
            return new Settings(temperature, k, topP, minP, repetitionPenalty);
        }

        public Settings withTopP(double p) {
            return new Settings(temperature, topK, p, minP, repetitionPenalty);
        }

        public Settings withMinP(double p) {
            return new Settings(temperature, topK, topP, p, repetitionPenalty);
        }

        public Settings withRepetitionPenalty(double r) {
            return new Settings(temperature, topK, topP, minP, r);
        }

        /** "temperature 0.8, top-k 40, repetition penalty 1.1": the steps that are on. */
        @Override
        public String toString() {
            StringBuilder b = new StringBuilder(temperature == 0 ? "greedy" : "temperature " + temperature);
            if (temperature > 0 && topK > 0) {
                b.append(", top-k ").append(topK);
            }
            if (temperature > 0 && topP < 1) {
                b.append(", top-p ").append(topP);
            }
            if (temperature > 0 && minP > 0) {
                b.append(", min-p ").append(minP);
            }
            if (repetitionPenalty != 1) {
                b.append(", repetition penalty ").append(repetitionPenalty);
            }
            return b.toString();
        }
    }

    private final Settings settings;
    private final long seed;
    private final SplittableRandom random;
    /** Scratch rows of vocabulary size, reused from step to step. */
    private double[] scaled = new double[0];
    private double[] scratch = new double[0];

    private Sampler(Settings settings, long seed) {
        this.settings = settings;
        this.seed = seed;
        this.random = settings.temperature() == 0 ? null : new SplittableRandom(seed);
    }

    /** Argmax sampling. */
    public static Sampler greedy() {
        return new Sampler(Settings.GREEDY, 0);
    }

    /**
     * Sampling from softmax(logits / temperature) with a random source seeded by {@code seed};
     * temperature 0 is {@link #greedy()}.
     *
     * @throws IllegalArgumentException a negative, NaN, infinite or larger than {@value #MAX_TEMPERATURE} temperature
     */
    public static Sampler temperature(double temperature, long seed) {
        return of(Settings.temperature(temperature), seed);
    }

    /** A sampler with these settings, its random source seeded by {@code seed} (unused when greedy). */
    public static Sampler of(Settings settings, long seed) {
        return new Sampler(settings, settings.temperature() == 0 ? 0 : seed);
    }

    public Settings settings() {
        return settings;
    }

    public boolean isGreedy() {
        return settings.temperature() == 0;
    }

    /** Whether the pick is the argmax of the raw logits (greedy, no repetition penalty). */
    public boolean isPlainArgmax() {
        return isGreedy() && !penalizes();
    }

    /** Whether {@link #sample} reads the tokens seen so far. */
    public boolean penalizes() {
        return settings.repetitionPenalty() != 1;
    }

    public double temperatureValue() {
        return settings.temperature();
    }

    /** The seed of the random source (0 for greedy). */
    public long seed() {
        return seed;
    }

    /** {@link #sample(float[], BitSet)} with no token seen. */
    public int sample(float[] logits) {
        return sample(logits, new BitSet());
    }

    /**
     * The next token: the argmax of the penalized logits when greedy, else a draw (exactly one value
     * of the random source) from {@link #probabilities}.
     *
     * @param seen the ids of the prompt and of the tokens generated so far (read by the repetition penalty)
     */
    public int sample(float[] logits, BitSet seen) {
        if (isGreedy()) {
            return argmax(penalized(logits, seen));
        }
        double[] w = weights(logits, seen);
        double r = random.nextDouble();   // drawn even when there is no distribution, so every step takes one
        if (w == null) {
            return argmax(penalized(logits, seen));   // NaN or infinite logits: no distribution to draw from
        }
        double sum = 0;
        for (double v : w) {
            sum += v;
        }
        double target = r * sum;
        double acc = 0;
        int last = 0;
        for (int i = 0; i < w.length; i++) {
            if (w[i] > 0) {
                acc += w[i];
                last = i;
                if (target < acc) {
                    return i;
                }
            }
        }
        return last;   // rounding left the target just above the total
    }

    /**
     * The distribution {@link #sample} draws from, [vocab], summing to 1: one-hot at the argmax of
     * the penalized logits when greedy (or when the logits hold NaN or infinities only).
     */
    public double[] probabilities(float[] logits, BitSet seen) {
        double[] w = isGreedy() ? null : weights(logits, seen);
        double[] p = new double[logits.length];
        if (w == null) {
            p[argmax(penalized(logits, seen))] = 1;
            return p;
        }
        double sum = 0;
        for (double v : w) {
            sum += v;
        }
        for (int i = 0; i < w.length; i++) {
            p[i] = w[i] / sum;
        }
        return p;
    }

    /** The logits after the repetition penalty, in double (the scratch row). */
    private double[] penalized(float[] logits, BitSet seen) {
        int n = logits.length;
        if (scaled.length != n) {
            scaled = new double[n];
            scratch = new double[n];
        }
        double r = settings.repetitionPenalty();
        for (int i = 0; i < n; i++) {
            double l = logits[i];
            scaled[i] = r != 1 && seen.get(i) ? (l > 0 ? l / r : l * r) : l;
        }
        return scaled;
    }

    /**
     * Unnormalized probabilities exp(x − max x) after the penalty, temperature and filters, 0 for a
     * dropped token (a view of the scratch row); null when there is no distribution (no finite maximum).
     */
    private double[] weights(float[] logits, BitSet seen) {
        double[] x = penalized(logits, seen);
        int n = x.length;
        double t = settings.temperature();
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            x[i] /= t;
            max = Math.max(max, Double.isNaN(x[i]) ? Double.NEGATIVE_INFINITY : x[i]);
        }
        if (Double.isInfinite(max)) {
            return null;
        }
        // top-k: the k-th largest logit is the floor (NaN counts as −∞)
        double floor = Double.NEGATIVE_INFINITY;
        int k = settings.topK();
        if (k > 0 && k < n) {
            for (int i = 0; i < n; i++) {
                scratch[i] = Double.isNaN(x[i]) ? Double.NEGATIVE_INFINITY : x[i];
            }
            floor = kthLargest(scratch, k);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double w = x[i] >= floor ? Math.exp(x[i] - max) : 0;   // NaN >= floor is false
            x[i] = w;
            sum += w;
        }
        double p = settings.topP();
        if (p < 1) {
            // A token whose probability is below (1 − P) / n is never in the nucleus: every token at or
            // below it holds less than 1 − P together, so the mass above it is more than P. Sort only the rest.
            double bound = (1 - p) / n * sum / 2;   // halved: a margin for rounding, still exact
            int m = 0;
            for (int i = 0; i < n; i++) {
                if (x[i] > 0 && x[i] >= bound) {
                    scratch[m++] = x[i];
                }
            }
            Arrays.sort(scratch, 0, m);
            double cut = scratch[0];
            double acc = 0;
            for (int j = m - 1; j >= 0; j--) {
                acc += scratch[j];
                if (acc >= p * sum) {
                    cut = scratch[j];
                    break;
                }
            }
            for (int i = 0; i < n; i++) {
                if (x[i] < cut) {
                    x[i] = 0;
                }
            }
        }
        double minP = settings.minP();
        if (minP > 0) {
            // The largest weight is exp(0) = 1, and every filter keeps it: drop w < min_p · 1.
            for (int i = 0; i < n; i++) {
                if (x[i] < minP) {
                    x[i] = 0;
                }
            }
        }
        return x;
    }

    /** The k-th largest value of {@code a} (1 ≤ k ≤ a.length, no NaN), reordering {@code a}: quickselect. */
    static double kthLargest(double[] a, int k) {
        int lo = 0;
        int hi = a.length - 1;
        int target = k - 1;   // its index once a is sorted in descending order
        while (lo < hi) {
            double pivot = a[(lo + hi) >>> 1];
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (a[i] > pivot) {
                    i++;
                }
                while (a[j] < pivot) {
                    j--;
                }
                if (i <= j) {
                    double s = a[i];
                    a[i++] = a[j];
                    a[j--] = s;
                }
            }
            // now a[lo..j] >= pivot >= a[i..hi], and a[j+1..i-1] == pivot
            if (target <= j) {
                hi = j;
            } else if (target >= i) {
                lo = i;
            } else {
                return a[target];
            }
        }
        return a[target];
    }

    /** "temperature 0.8, seed 7, top-k 40": the settings and the seed, for stderr. */
    public String describe() {
        String s = settings.toString();
        if (isGreedy()) {
            return s;
        }
        String head = "temperature " + settings.temperature();
        return head + ", seed " + seed + s.substring(head.length());
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

    /** As {@link #argmax(float[])}, in double. */
    static int argmax(double[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) {
            if (x[i] > x[best] || Double.isNaN(x[best]) && !Double.isNaN(x[i])) {
                best = i;
            }
        }
        return best;
    }
}
