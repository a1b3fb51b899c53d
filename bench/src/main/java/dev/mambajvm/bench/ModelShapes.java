package dev.mambajvm.bench;

import dev.mambajvm.model.config.MambaConfig;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The published Mamba checkpoints' shapes, as their state-spaces config.json files give them
 * (defaults of mamba_ssm's Mamba / Mamba2 constructors for what the files leave out):
 * <pre>
 *   mamba-*     d_model 768/1024/1536/2048/2560, n_layer 24/48/48/48/64, vocab 50277 padded to a
 *               multiple of 8 (50280), d_state 16, expand 2, d_conv 4, dt_rank ceil(d_model/16), tied
 *   mamba2-*    d_model 768/2560, n_layer 24/64, vocab 50277 padded to a multiple of 16 (50288),
 *               d_state 128, headdim 64, expand 2, ngroups 1, chunk_size 256, d_conv 4, tied
 * </pre>
 * Only the shapes: the benchmarks fill them with random weights ({@link RandomCheckpoint}).
 */
public final class ModelShapes {
    private static final Map<String, String> CONFIGS = new LinkedHashMap<>();

    static {
        mamba1("mamba-130m", 768, 24);
        mamba1("mamba-370m", 1024, 48);
        mamba1("mamba-790m", 1536, 48);
        mamba1("mamba-1.4b", 2048, 48);
        mamba1("mamba-2.8b", 2560, 64);
        mamba2("mamba2-130m", 768, 24);
        mamba2("mamba2-2.7b", 2560, 64);
    }

    private ModelShapes() {
    }

    private static void mamba1(String name, int dModel, int layers) {
        CONFIGS.put(name, """
                {"d_model": %d, "n_layer": %d, "vocab_size": 50277, "ssm_cfg": {}, "rms_norm": true,
                 "residual_in_fp32": true, "fused_add_norm": true, "pad_vocab_size_multiple": 8, "tie_embeddings": true}
                """.formatted(dModel, layers));
    }

    private static void mamba2(String name, int dModel, int layers) {
        CONFIGS.put(name, """
                {"d_model": %d, "d_intermediate": 0, "n_layer": %d, "vocab_size": 50277,
                 "ssm_cfg": {"layer": "Mamba2", "d_state": 128, "headdim": 64, "expand": 2, "ngroups": 1, "chunk_size": 256},
                 "attn_layer_idx": [], "attn_cfg": {}, "rms_norm": true, "residual_in_fp32": true,
                 "fused_add_norm": true, "pad_vocab_size_multiple": 16, "tie_embeddings": true}
                """.formatted(dModel, layers));
    }

    /** Every model name, smallest Mamba-1 first, then Mamba-2. */
    public static List<String> names() {
        return List.copyOf(CONFIGS.keySet());
    }

    /** The config of {@code name}; IllegalArgumentException listing the names when unknown. */
    public static MambaConfig config(String name) {
        String json = CONFIGS.get(name);
        if (json == null) {
            throw new IllegalArgumentException("unknown model \"" + name + "\" (expected one of " + String.join(", ", names()) + ")");
        }
        return MambaConfig.parse(name + " (built-in shape)", json);
    }

    /** The state-spaces config.json text of {@code name} (what the peer script builds its config from). */
    public static String configJson(String name) {
        config(name);
        return CONFIGS.get(name).strip();
    }
}
