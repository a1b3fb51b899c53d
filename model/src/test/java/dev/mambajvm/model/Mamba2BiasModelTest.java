package dev.mambajvm.model;

/**
 * Mamba-2 with use_bias = true (the in_proj bias, split like in_proj into its z and xBC | dt parts,
 * and the out_proj bias; the shapes of mamba2-tiny) on the tiny transformers fixture
 * mamba2-bias-tiny: every test of {@link MambaModelTest} (logits vs transformers' float64, greedy
 * generation, prefill + decode vs forward, batching) on the JVM backend and on the first OpenCL device.
 */
class Mamba2BiasModelTest extends MambaModelTest {
    @Override
    String fixtureName() {
        return "mamba2-bias-tiny";
    }
}
