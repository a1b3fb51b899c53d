package dev.mambajvm.model;

/**
 * Mamba-1 with use_bias = true (in_proj and out_proj biases; the shapes of mamba1-tiny, tied) on the
 * tiny transformers fixture mamba1-bias-tiny: every test of {@link MambaModelTest} (logits vs
 * transformers' float64, greedy generation, prefill + decode vs forward, batching) on the JVM
 * backend and on the first OpenCL device.
 */
class Mamba1BiasModelTest extends MambaModelTest {
    @Override
    String fixtureName() {
        return "mamba1-bias-tiny";
    }
}
