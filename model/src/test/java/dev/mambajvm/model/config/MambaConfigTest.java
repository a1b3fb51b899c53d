package dev.mambajvm.model.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mambajvm.model.ModelFormatException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class MambaConfigTest {
    static Path fixture(String name) throws Exception {
        return Path.of(MambaConfigTest.class.getResource("/fixtures/hf/" + name).toURI());
    }

    @Test
    void mamba1Fixture() throws Exception {
        MambaConfig c = MambaConfig.read(fixture("mamba1-tiny"));
        assertEquals(Variant.MAMBA1, c.variant());
        assertEquals(ConfigFormat.HUGGING_FACE, c.format());
        assertEquals(64, c.hiddenSize());
        assertEquals(16, c.stateSize());
        assertEquals(2, c.numLayers());
        assertEquals(128, c.intermediateSize());
        assertEquals(4, c.convKernel());
        assertEquals(4, c.timeStepRank());
        assertFalse(c.useBias());
        assertTrue(c.useConvBias());
        assertEquals(1e-5, c.layerNormEpsilon());
        assertTrue(c.residualInFp32());
        assertTrue(c.tieWordEmbeddings());
        assertEquals(512, c.vocabSize());
        assertEquals(512, c.paddedVocabSize());
    }

    @Test
    void mamba2Fixture() throws Exception {
        MambaConfig c = MambaConfig.read(fixture("mamba2-tiny"));
        assertEquals(Variant.MAMBA2, c.variant());
        assertEquals(128, c.intermediateSize());
        assertEquals(2, c.nGroups());
        assertEquals(16, c.headDim());
        assertEquals(8, c.numHeads());
        assertEquals(16, c.chunkSize());
        assertEquals(0.0, c.timeStepLimitMin());
        assertEquals(Double.POSITIVE_INFINITY, c.timeStepLimitMax());
        assertTrue(c.gatedRmsNorm());
        assertFalse(c.normBeforeGate());
        assertTrue(c.tieWordEmbeddings());
    }

    @Test
    void bareInfinityAndDefaults() {
        MambaConfig c = MambaConfig.parse("config.json", """
                {"model_type": "mamba2", "hidden_size": 64, "state_size": 16, "num_hidden_layers": 2,
                 "vocab_size": 512, "head_dim": 16, "n_groups": 1, "time_step_limit": [0.0, Infinity]}""");
        assertEquals(Double.POSITIVE_INFINITY, c.timeStepLimitMax());
        assertEquals(8, c.numHeads(), "num_heads defaults to intermediate / head_dim");
        assertFalse(c.tieWordEmbeddings(), "Mamba2Config defaults to untied embeddings");
    }

    @Test
    void timeStepRankAutoAndFalconMamba() {
        MambaConfig c = MambaConfig.parse("config.json", """
                {"model_type": "falcon_mamba", "hidden_size": 100, "state_size": 16, "num_hidden_layers": 1,
                 "vocab_size": 10, "time_step_rank": "auto", "expand": 3}""");
        assertEquals(Variant.FALCON_MAMBA, c.variant());
        assertEquals(7, c.timeStepRank(), "ceil(100 / 16)");
        assertEquals(300, c.intermediateSize());
        assertEquals(1e-6, c.mixerRmsEps());
    }

    @Test
    void stateSpacesFormat() {
        MambaConfig m1 = MambaConfig.parse("config.json", """
                {"d_model": 768, "n_layer": 24, "vocab_size": 50277, "ssm_cfg": {}, "rms_norm": true,
                 "residual_in_fp32": true, "fused_add_norm": true, "pad_vocab_size_multiple": 8}""");
        assertEquals(Variant.MAMBA1, m1.variant());
        assertEquals(ConfigFormat.STATE_SPACES, m1.format());
        assertEquals(50280, m1.paddedVocabSize());
        assertEquals(1536, m1.intermediateSize());
        assertEquals(48, m1.timeStepRank());
        assertTrue(m1.tieWordEmbeddings());

        MambaConfig m2 = MambaConfig.parse("config.json", """
                {"d_model": 768, "n_layer": 24, "vocab_size": 50277, "rms_norm": true, "tie_embeddings": true,
                 "ssm_cfg": {"layer": "Mamba2", "d_state": 128, "headdim": 64, "ngroups": 1, "chunk_size": 256},
                 "pad_vocab_size_multiple": 16}""");
        assertEquals(Variant.MAMBA2, m2.variant());
        assertEquals(50288, m2.paddedVocabSize());
        assertEquals(24, m2.numHeads());
        assertEquals(128, m2.stateSize());
        assertEquals(Double.POSITIVE_INFINITY, m2.timeStepLimitMax());
    }

    private static String error(String json) {
        return assertThrows(ModelFormatException.class, () -> MambaConfig.parse("config.json", json)).getMessage();
    }

    @Test
    void errorsNameFileFieldAndExpectation() {
        assertEquals("config.json: \"model_type\" is \"llama\" (expected \"mamba\", \"mamba2\" or \"falcon_mamba\")",
                error("{\"model_type\": \"llama\"}"));
        assertEquals("config.json: \"state_size\" missing (expected an integer)",
                error("{\"model_type\": \"mamba\", \"hidden_size\": 64, \"num_hidden_layers\": 2, \"vocab_size\": 8}"));
        assertEquals("config.json: \"hidden_size\" is a string \"64\" (expected an integer)",
                error("{\"model_type\": \"mamba\", \"hidden_size\": \"64\"}"));
        assertEquals("config.json: \"use_bias\" is the number 1 (expected a boolean)",
                error("{\"model_type\": \"mamba\", \"hidden_size\": 64, \"state_size\": 16, \"num_hidden_layers\": 2,"
                        + " \"vocab_size\": 8, \"use_bias\": 1}"));
        assertEquals("config.json: \"ssm_cfg.layer\" is \"Mamba3\" (expected \"Mamba1\" or \"Mamba2\")",
                error("{\"d_model\": 64, \"n_layer\": 2, \"vocab_size\": 8, \"ssm_cfg\": {\"layer\": \"Mamba3\"}}"));
        assertTrue(error("{\"hidden_size\": 64}").startsWith("config.json: \"model_type\" missing"));
        assertTrue(error("{\"model_type\": ").startsWith("config.json is not valid JSON"));
        assertTrue(error("[1, 2]").startsWith("config.json is not a JSON object"));
        assertTrue(error("{\"model_type\": \"mamba\"} x").startsWith("config.json is not valid JSON"));
        assertTrue(error("{\"model_type\": \"mamba2\", \"hidden_size\": 64, \"state_size\": 16, \"num_hidden_layers\": 2,"
                + " \"vocab_size\": 8, \"head_dim\": 16, \"num_heads\": 4}").contains("num_heads (4) * head_dim (16) must equal intermediate_size (128)"));
    }
}
