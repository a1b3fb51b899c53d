package dev.mambajvm.model.weights;

import dev.mambajvm.model.ModelFormatException;
import dev.mambajvm.model.config.MambaConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every tensor a checkpoint must have for its config, with its shape (names in transformers'
 * spelling, as in {@link TensorNames}). Checked against transformers' modeling code and the tiny
 * fixtures:
 * <pre>
 * backbone.embeddings.weight           [vocab, hidden]
 * per layer i, backbone.layers.i.:
 *   norm.weight                        [hidden]            (+ norm.bias when LayerNorm)
 *   Mamba-1 / Falcon-Mamba mixer.:
 *     in_proj.weight                   [2*inner, hidden]   x and the gate z  (+ bias if use_bias)
 *     conv1d.weight                    [inner, 1, K]       depthwise         (+ bias [inner] if use_conv_bias)
 *     x_proj.weight                    [dtRank + 2*dState, inner]  dt, B, C
 *     dt_proj.weight, dt_proj.bias     [inner, dtRank], [inner]
 *     A_log                            [inner, dState]
 *     D                                [inner]
 *     out_proj.weight                  [hidden, inner]     (+ bias [hidden] if use_bias)
 *   Mamba-2 mixer.:
 *     in_proj.weight                   [2*inner + 2*groups*dState + heads, hidden]  z, xBC, dt
 *     conv1d.weight                    [inner + 2*groups*dState, 1, K]  over x, B and C (+ bias)
 *     dt_bias, A_log, D                [heads] each
 *     norm.weight                      [inner]             gated RMSNorm (if gatedRmsNorm)
 *     out_proj.weight                  [hidden, inner]
 * backbone.norm_f.weight               [hidden]            (+ bias when LayerNorm)
 * lm_head.weight                       [vocab, hidden]     unless tied
 * </pre>
 * vocab is {@link MambaConfig#paddedVocabSize()}.
 */
public final class WeightLayout {
    /** One expected tensor. */
    public record Expected(String name, long[] shape) {
        public Expected {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        @Override
        public String toString() {
            return name + " " + Arrays.toString(shape);
        }
    }

    private final MambaConfig config;
    private final Map<String, Expected> expected;

    private WeightLayout(MambaConfig config, Map<String, Expected> expected) {
        this.config = config;
        this.expected = expected;
    }

    public static WeightLayout of(MambaConfig c) {
        Map<String, Expected> out = new LinkedHashMap<>();
        long vocab = c.paddedVocabSize(), hidden = c.hiddenSize(), inner = c.intermediateSize();
        long k = c.convKernel(), dState = c.stateSize();
        put(out, TensorNames.EMBEDDINGS, vocab, hidden);
        for (int i = 0; i < c.numLayers(); i++) {
            put(out, TensorNames.layer(i, "norm.weight"), hidden);
            if (!c.rmsNorm()) {
                put(out, TensorNames.layer(i, "norm.bias"), hidden);
            }
            String m = "mixer.";
            long convChannels;
            if (c.isMamba2()) {
                long heads = c.numHeads(), bc = 2L * c.nGroups() * dState;
                convChannels = inner + bc;
                put(out, TensorNames.layer(i, m + "in_proj.weight"), 2 * inner + bc + heads, hidden);
                if (c.useBias()) {
                    put(out, TensorNames.layer(i, m + "in_proj.bias"), 2 * inner + bc + heads);
                }
                put(out, TensorNames.layer(i, m + "dt_bias"), heads);
                put(out, TensorNames.layer(i, m + "A_log"), heads);
                put(out, TensorNames.layer(i, m + "D"), heads);
                if (c.gatedRmsNorm()) {
                    put(out, TensorNames.layer(i, m + "norm.weight"), inner);
                }
            } else {
                long dtRank = c.timeStepRank();
                convChannels = inner;
                put(out, TensorNames.layer(i, m + "in_proj.weight"), 2 * inner, hidden);
                if (c.useBias()) {
                    put(out, TensorNames.layer(i, m + "in_proj.bias"), 2 * inner);
                }
                put(out, TensorNames.layer(i, m + "x_proj.weight"), dtRank + 2 * dState, inner);
                put(out, TensorNames.layer(i, m + "dt_proj.weight"), inner, dtRank);
                put(out, TensorNames.layer(i, m + "dt_proj.bias"), inner);
                put(out, TensorNames.layer(i, m + "A_log"), inner, dState);
                put(out, TensorNames.layer(i, m + "D"), inner);
            }
            put(out, TensorNames.layer(i, m + "conv1d.weight"), convChannels, 1, k);
            if (c.useConvBias()) {
                put(out, TensorNames.layer(i, m + "conv1d.bias"), convChannels);
            }
            put(out, TensorNames.layer(i, m + "out_proj.weight"), hidden, inner);
            if (c.useBias()) {
                put(out, TensorNames.layer(i, m + "out_proj.bias"), hidden);
            }
        }
        put(out, TensorNames.NORM_F, hidden);
        if (!c.rmsNorm()) {
            put(out, TensorNames.NORM_F_BIAS, hidden);
        }
        if (!c.tieWordEmbeddings()) {
            put(out, TensorNames.LM_HEAD, vocab, hidden);
        }
        return new WeightLayout(c, Collections.unmodifiableMap(out));
    }

    private static void put(Map<String, Expected> out, String name, long... shape) {
        out.put(name, new Expected(name, shape));
    }

    /** The expected tensors in a stable order (embeddings, layers, norm_f, lm_head). */
    public List<Expected> tensors() {
        return List.copyOf(expected.values());
    }

    public Expected expected(String name) {
        return expected.get(name);
    }

    /**
     * Checks {@code checkpoint} against the layout: every expected tensor present (in any spelling)
     * with its shape, and no tensor the config does not explain (a stray {@code conv1d.bias} means the
     * config and the weights disagree). A tied checkpoint may still carry {@code lm_head.weight} if its
     * shape is right. Dtypes need no check here: the reader only admits F32, F16 and BF16, all of which
     * the kernels read. All problems are reported in one ModelFormatException, one per line.
     */
    public void check(Checkpoint checkpoint) {
        List<String> problems = new ArrayList<>();
        Set<String> explained = new HashSet<>();
        for (Expected e : expected.values()) {
            var found = checkpoint.find(e.name());
            if (found.isEmpty()) {
                problems.add("tensor \"" + e.name() + "\" missing (expected shape " + Arrays.toString(e.shape) + ")");
                continue;
            }
            Tensor t = found.get();
            explained.add(t.name());
            if (!Arrays.equals(t.shape(), e.shape)) {
                problems.add("tensor \"" + t.name() + "\" has shape " + Arrays.toString(t.shape()) + ", expected "
                        + Arrays.toString(e.shape) + " for this config");
            }
        }
        for (Tensor t : checkpoint.tensors().values()) {
            if (explained.contains(t.name())) {
                continue;
            }
            if (t.name().equals(TensorNames.LM_HEAD) && config.tieWordEmbeddings()) {
                long[] want = {config.paddedVocabSize(), config.hiddenSize()};
                if (!Arrays.equals(t.shape(), want)) {
                    problems.add("tensor \"" + t.name() + "\" has shape " + Arrays.toString(t.shape()) + ", expected "
                            + Arrays.toString(want) + " for this config");
                }
                continue;
            }
            problems.add("tensor \"" + t.name() + "\" " + Arrays.toString(t.shape()) + " is not expected for this config ("
                    + config.variant() + ", use_bias=" + config.useBias() + ", use_conv_bias=" + config.useConvBias() + ")");
        }
        if (!problems.isEmpty()) {
            throw new ModelFormatException(checkpoint.directory() + ": weights do not match config.json:\n  "
                    + String.join("\n  ", problems));
        }
    }
}
