package dev.mambajvm.model.config;

/**
 * The original state-spaces/mamba config.json (mamba_ssm's {@code MambaConfig} dataclass):
 * <pre>
 * {"d_model": 768, "n_layer": 24, "vocab_size": 50277, "rms_norm": true, "residual_in_fp32": true,
 *  "pad_vocab_size_multiple": 8, "tie_embeddings": true,
 *  "ssm_cfg": {"layer": "Mamba2", "d_state": 128, "d_conv": 4, "expand": 2, "headdim": 64, ...}}
 * </pre>
 * Defaults are mamba_ssm's ({@code Mamba} and {@code Mamba2} constructors). Hybrid models (attention
 * layers, MLP blocks) are rejected: they need tensors this engine does not have.
 */
final class StateSpacesConfigParser {
    private StateSpacesConfigParser() {}

    static MambaConfig parse(ConfigFields f) {
        int hidden = f.requirePositiveInt("d_model");
        int layers = f.requirePositiveInt("n_layer");
        int vocab = f.requirePositiveInt("vocab_size");
        if (f.optInt("d_intermediate", 0) != 0) {
            throw f.error("d_intermediate", "is " + f.raw("d_intermediate") + " (expected 0: blocks with an MLP are not supported)");
        }
        if (f.raw("attn_layer_idx") instanceof java.util.List<?> l && !l.isEmpty()) {
            throw f.error("attn_layer_idx", "is not empty (expected []: hybrid attention layers are not supported)");
        }
        ConfigFields ssm = f.optObject("ssm_cfg");
        String layer = ssm.optString("layer", "Mamba1");
        Variant variant = switch (layer) {
            case "Mamba1" -> Variant.MAMBA1;
            case "Mamba2" -> Variant.MAMBA2;
            default -> throw ssm.error("layer", "is \"" + layer + "\" (expected \"Mamba1\" or \"Mamba2\")");
        };
        boolean mamba2 = variant == Variant.MAMBA2;
        int expand = ssm.optPositiveInt("expand", 2);
        // d_ssm: the part of d_inner that goes through the SSM; mamba_ssm allows d_ssm < d_inner
        // (the rest is an MLP gate), which this engine does not support.
        int intermediate = expand * hidden;
        if (mamba2 && ssm.has("d_ssm") && ssm.optPositiveInt("d_ssm", intermediate) != intermediate) {
            throw ssm.error("d_ssm", "is " + ssm.raw("d_ssm") + " (expected d_inner = expand * d_model = " + intermediate + ")");
        }
        int stateSize = ssm.optPositiveInt("d_state", mamba2 ? 128 : 16);
        int convKernel = ssm.optPositiveInt("d_conv", 4);
        int dtRank = HuggingFaceConfigParser.autoRank(ssm, "dt_rank", hidden);
        double eps = f.optDouble("norm_epsilon", 1e-5);

        int nGroups = 0, headDim = 0, numHeads = 0, chunkSize = 0;
        double[] dtLimit = {0.0, Double.POSITIVE_INFINITY};
        boolean gatedNorm = false, normBeforeGate = false;
        if (mamba2) {
            headDim = ssm.optPositiveInt("headdim", 64);
            if (intermediate % headDim != 0) {
                throw ssm.error("headdim", "is " + headDim + " (expected a divisor of d_inner " + intermediate + ")");
            }
            numHeads = intermediate / headDim;
            nGroups = ssm.optPositiveInt("ngroups", 1);
            chunkSize = ssm.optPositiveInt("chunk_size", 256);
            dtLimit = ssm.optRange("dt_limit", dtLimit);
            gatedNorm = ssm.optBoolean("rmsnorm", true);
            normBeforeGate = ssm.optBoolean("norm_before_gate", false);
        }
        return new MambaConfig(variant, ConfigFormat.STATE_SPACES, hidden, layers, vocab,
                f.optPositiveInt("pad_vocab_size_multiple", 8), stateSize, intermediate, convKernel, dtRank,
                ssm.optBoolean("bias", false), ssm.optBoolean("conv_bias", true), eps,
                f.optBoolean("rms_norm", true), f.optBoolean("residual_in_fp32", true),
                f.optBoolean("tie_embeddings", true), eps,
                nGroups, headDim, numHeads, chunkSize, dtLimit[0], dtLimit[1], gatedNorm, normBeforeGate);
    }
}
