package dev.mambajvm.model.config;

/**
 * transformers' config.json for {@code model_type} "mamba", "mamba2" and "falcon_mamba". Defaults are
 * transformers' ({@code MambaConfig}, {@code Mamba2Config}, {@code FalconMambaConfig}) except the
 * sizes, which are required: a default 4096-wide model is never what a file without the field meant.
 */
final class HuggingFaceConfigParser {
    private HuggingFaceConfigParser() {}

    static MambaConfig parse(ConfigFields f) {
        String modelType = f.optString("model_type", null);
        Variant variant = switch (modelType) {
            case "mamba" -> Variant.MAMBA1;
            case "mamba2" -> Variant.MAMBA2;
            case "falcon_mamba" -> Variant.FALCON_MAMBA;
            default -> throw f.error("model_type", "is \"" + modelType + "\" (expected \"mamba\", \"mamba2\" or \"falcon_mamba\")");
        };
        int hidden = f.requirePositiveInt("hidden_size");
        int stateSize = f.requirePositiveInt("state_size");
        int layers = f.requirePositiveInt("num_hidden_layers");
        int vocab = f.requirePositiveInt("vocab_size");
        // Mamba2Config has no intermediate_size: it is always expand * hidden_size.
        int expand = f.optPositiveInt("expand", 2);
        int intermediate = variant == Variant.MAMBA2
                ? expand * hidden
                : f.optPositiveInt("intermediate_size", expand * hidden);
        int convKernel = f.optPositiveInt("conv_kernel", 4);
        int dtRank = timeStepRank(f, hidden);
        double eps = f.optDouble("layer_norm_epsilon", 1e-5);
        // Mamba2Config defaults to untied embeddings, the Mamba-1 configs to tied ones.
        boolean tied = f.optBoolean("tie_word_embeddings", variant != Variant.MAMBA2);
        double mixerEps = f.optDouble("mixer_rms_eps", variant == Variant.FALCON_MAMBA ? 1e-6 : eps);

        int nGroups = 0, headDim = 0, numHeads = 0, chunkSize = 0;
        double[] dtLimit = {0.0, Double.POSITIVE_INFINITY};
        boolean gatedNorm = false, normBeforeGate = false;
        if (variant == Variant.MAMBA2) {
            nGroups = f.optPositiveInt("n_groups", 8);
            headDim = f.optPositiveInt("head_dim", 64);
            if (intermediate % headDim != 0) {
                throw f.error("head_dim", "is " + headDim + " (expected a divisor of intermediate size " + intermediate + ")");
            }
            numHeads = f.optPositiveInt("num_heads", intermediate / headDim);
            chunkSize = f.optPositiveInt("chunk_size", 256);
            dtLimit = f.optRange("time_step_limit", dtLimit);
            gatedNorm = f.optBoolean("rms_norm", true);
            normBeforeGate = f.optBoolean("norm_before_gate", false);
        }
        return new MambaConfig(variant, ConfigFormat.HUGGING_FACE, hidden, layers, vocab,
                f.optPositiveInt("pad_vocab_size_multiple", 1), stateSize, intermediate, convKernel, dtRank,
                f.optBoolean("use_bias", false), f.optBoolean("use_conv_bias", true), eps,
                true, f.optBoolean("residual_in_fp32", true), tied, mixerEps,
                nGroups, headDim, numHeads, chunkSize, dtLimit[0], dtLimit[1], gatedNorm, normBeforeGate);
    }

    /** {@code time_step_rank}: an integer or "auto" = ceil(hidden_size / 16). */
    static int timeStepRank(ConfigFields f, int hidden) {
        return autoRank(f, "time_step_rank", hidden);
    }

    static int autoRank(ConfigFields f, String field, int hidden) {
        Object value = f.raw(field);
        if (value == null || "auto".equals(value)) {
            return (hidden + 15) / 16;
        }
        if (value instanceof String) {
            throw f.wrongType(field, "a positive integer or \"auto\"");
        }
        return f.optPositiveInt(field, 0);
    }
}
