package dev.mambajvm.model;

/**
 * The Mamba-2 model on the tiny transformers fixture mamba2-tiny (2 layers, hidden 64, 8 heads × 16,
 * 2 groups, dState 16, chunk 16, conv 4, vocab 512, tied): every test of {@link MambaModelTest}
 * (logits vs transformers' float64, greedy generation, prefill + decode vs forward, batching) on
 * the JVM backend and on the first OpenCL device. The prefill lengths of 36, 64 and 70 tokens run
 * the SSD over several 16-token chunks.
 */
class Mamba2ModelTest extends MambaModelTest {
    @Override
    String fixtureName() {
        return "mamba2-tiny";
    }
}
