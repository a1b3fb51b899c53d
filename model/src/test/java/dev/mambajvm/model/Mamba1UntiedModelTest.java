package dev.mambajvm.model;

/**
 * Mamba-1 with an untied lm_head (tie_word_embeddings false: its own lm_head.weight) and no conv bias
 * (use_conv_bias false) on the tiny transformers fixture mamba1-untied-tiny: every test of
 * {@link MambaModelTest} (logits vs transformers' float64, greedy generation, prefill + decode vs
 * forward, batching) on the JVM backend and on the first OpenCL device.
 */
class Mamba1UntiedModelTest extends MambaModelTest {
    @Override
    String fixtureName() {
        return "mamba1-untied-tiny";
    }
}
