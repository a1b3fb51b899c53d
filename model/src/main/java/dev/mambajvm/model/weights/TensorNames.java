package dev.mambajvm.model.weights;

import java.util.List;

/**
 * Tensor names of a Mamba checkpoint, in transformers' spelling, and the other spellings found in
 * the wild: state-spaces checkpoints call the embedding {@code backbone.embedding.weight} where
 * transformers says {@code backbone.embeddings.weight}. Everything else is spelled the same.
 */
public final class TensorNames {
    public static final String EMBEDDINGS = "backbone.embeddings.weight";
    public static final String NORM_F = "backbone.norm_f.weight";
    public static final String NORM_F_BIAS = "backbone.norm_f.bias";
    /** Absent when the embeddings are tied: lm_head is then the embedding matrix. */
    public static final String LM_HEAD = "lm_head.weight";

    private TensorNames() {}

    /** {@code backbone.layers.<layer>.<suffix>}, e.g. {@code layer(0, "mixer.A_log")}. */
    public static String layer(int layer, String suffix) {
        return "backbone.layers." + layer + "." + suffix;
    }

    /** {@code name} followed by its other spellings, to try in that order. */
    public static List<String> spellings(String name) {
        return switch (name) {
            case EMBEDDINGS -> List.of(EMBEDDINGS, "backbone.embedding.weight");
            case "backbone.embedding.weight" -> List.of(name, EMBEDDINGS);
            default -> List.of(name);
        };
    }
}
