package dev.mambajvm.model.config;

import dev.mambajvm.model.JsonFiles;
import dev.mambajvm.model.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The hyper-parameters of a Mamba checkpoint, read from its config.json: transformers' {@code mamba},
 * {@code mamba2} and {@code falcon_mamba} model types, or the original state-spaces format. Field
 * names follow transformers. Everything here is validated: a record that exists is self-consistent.
 *
 * @param variant             the mixer architecture
 * @param format              which project wrote config.json (decides {@link #paddedVocabSize()})
 * @param hiddenSize          d_model: width of the residual stream
 * @param numLayers           number of Mamba blocks
 * @param vocabSize           vocabulary size as written in config.json
 * @param padVocabSizeMultiple state-spaces pads the embedding rows up to a multiple of this
 * @param stateSize           d_state: SSM state per channel (Mamba-1) or per head (Mamba-2)
 * @param intermediateSize    d_inner = expand * hidden unless given
 * @param convKernel          d_conv: width of the causal depthwise convolution
 * @param timeStepRank        dt_rank (Mamba-1 x_proj → dt_proj bottleneck); "auto" = ceil(hidden / 16)
 * @param useBias             in_proj and out_proj have biases
 * @param useConvBias         conv1d has a bias
 * @param layerNormEpsilon    epsilon of the block norms and norm_f
 * @param rmsNorm             block norms are RMSNorm (true) or LayerNorm with a bias (state-spaces {@code rms_norm: false})
 * @param residualInFp32      the residual stream is kept in float32 whatever the weights' type
 * @param tieWordEmbeddings   lm_head reuses the embedding matrix (no {@code lm_head.weight} tensor)
 * @param mixerRmsEps         epsilon of the norms inside the mixer: Falcon-Mamba's B/C/dt norms,
 *                            Mamba-2's gated norm (layer_norm_epsilon unless given)
 * @param nGroups             Mamba-2: groups sharing B and C (0 for Mamba-1)
 * @param headDim             Mamba-2: channels per head (0 for Mamba-1)
 * @param numHeads            Mamba-2: heads, intermediate / head_dim unless given (0 for Mamba-1)
 * @param chunkSize           Mamba-2: SSD chunk length (0 for Mamba-1)
 * @param timeStepLimitMin    Mamba-2: dt is clamped to [min, max] after softplus; (0, +inf) = no clamp
 * @param timeStepLimitMax    see {@code timeStepLimitMin}
 * @param gatedRmsNorm        Mamba-2: the mixer has the gated RMSNorm {@code mixer.norm.weight}
 * @param normBeforeGate      Mamba-2: norm(x) * silu(z) instead of norm(x * silu(z))
 */
public record MambaConfig(
        Variant variant,
        ConfigFormat format,
        int hiddenSize,
        int numLayers,
        int vocabSize,
        int padVocabSizeMultiple,
        int stateSize,
        int intermediateSize,
        int convKernel,
        int timeStepRank,
        boolean useBias,
        boolean useConvBias,
        double layerNormEpsilon,
        boolean rmsNorm,
        boolean residualInFp32,
        boolean tieWordEmbeddings,
        double mixerRmsEps,
        int nGroups,
        int headDim,
        int numHeads,
        int chunkSize,
        double timeStepLimitMin,
        double timeStepLimitMax,
        boolean gatedRmsNorm,
        boolean normBeforeGate) {

    public static final String FILE_NAME = "config.json";

    public MambaConfig {
        if (variant == null || format == null) {
            throw new IllegalArgumentException("variant and format are required");
        }
        // Dimensions are checked by the parsers with field names; these are the cross-field rules.
        if (variant == Variant.MAMBA2) {
            if (numHeads * headDim != intermediateSize) {
                throw new IllegalArgumentException("num_heads (" + numHeads + ") * head_dim (" + headDim
                        + ") must equal intermediate_size (" + intermediateSize + ")");
            }
            if (numHeads % nGroups != 0) {
                throw new IllegalArgumentException("num_heads (" + numHeads + ") must be a multiple of n_groups (" + nGroups + ")");
            }
        }
    }

    /** Reads {@code config.json} of a checkpoint directory, or the given file. */
    public static MambaConfig read(Path dirOrFile) {
        Path file = Files.isDirectory(dirOrFile) ? dirOrFile.resolve(FILE_NAME) : dirOrFile;
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ModelFormatException(file + ": cannot be read (" + e + ")", e);
        }
        return parse(file.toString(), bytes);
    }

    /** Parses config.json text; {@code source} names the file in error messages. */
    public static MambaConfig parse(String source, String json) {
        return fromJson(source, JsonFiles.readObject(source, json));
    }

    /** Parses config.json bytes (UTF-8); {@code source} names the file in error messages. */
    public static MambaConfig parse(String source, byte[] json) {
        return fromJson(source, JsonFiles.readObject(source, json));
    }

    private static MambaConfig fromJson(String source, Map<String, Object> json) {
        ConfigFields fields = new ConfigFields(source, "", json);
        try {
            if (fields.has("model_type")) {
                return HuggingFaceConfigParser.parse(fields);
            }
            if (fields.has("d_model")) {
                return StateSpacesConfigParser.parse(fields);
            }
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(source + ": " + e.getMessage(), e);
        }
        throw fields.error("model_type", "missing (expected \"mamba\", \"mamba2\" or \"falcon_mamba\"; or a state-spaces config with \"d_model\")");
    }

    /**
     * Rows of the embedding (and lm_head) matrix. state-spaces rounds {@code vocab_size} up to a
     * multiple of {@code pad_vocab_size_multiple} (50277 → 50280); transformers configs already hold
     * the row count in {@code vocab_size} and never pad.
     */
    public int paddedVocabSize() {
        if (format == ConfigFormat.HUGGING_FACE) {
            return vocabSize;
        }
        int m = padVocabSizeMultiple;
        return (vocabSize + m - 1) / m * m;
    }

    /** Mamba-1 and Falcon-Mamba share the tensor layout; Mamba-2 differs. */
    public boolean isMamba2() {
        return variant == Variant.MAMBA2;
    }
}
