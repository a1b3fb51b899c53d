package dev.mambajvm.bench;

import dev.mambajvm.model.config.MambaConfig;
import dev.mambajvm.model.weights.WeightLayout;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The built-in shapes against the published models, and the roofline arithmetic by hand. */
class RooflineTest {

    @Test
    void mamba130mHasThePublishedParameterCount() {
        // state-spaces/mamba-130m: 129,135,360 parameters (embeddings 50280 x 768 tied to lm_head).
        long params = WeightLayout.of(ModelShapes.config("mamba-130m")).tensors().stream()
                .mapToLong(e -> java.util.Arrays.stream(e.shape()).reduce(1, Math::multiplyExact)).sum();
        assertEquals(129_135_360L, params);
    }

    @Test
    void shapesAreThoseOfTheConfigFiles() {
        MambaConfig m28 = ModelShapes.config("mamba-2.8b");
        assertEquals(2560, m28.hiddenSize());
        assertEquals(64, m28.numLayers());
        assertEquals(5120, m28.intermediateSize());
        assertEquals(160, m28.timeStepRank());
        assertEquals(16, m28.stateSize());
        assertEquals(50280, m28.paddedVocabSize());
        MambaConfig m2 = ModelShapes.config("mamba2-130m");
        assertEquals(128, m2.stateSize());
        assertEquals(64, m2.headDim());
        assertEquals(24, m2.numHeads());
        assertEquals(1, m2.nGroups());
        assertEquals(256, m2.chunkSize());
        assertEquals(50288, m2.paddedVocabSize());
        assertThrows(IllegalArgumentException.class, () -> ModelShapes.config("mamba-7b"));
    }

    @Test
    void blockMatricesByHand() {
        // mamba-130m per layer: in_proj 3072x768, x_proj (48 + 32)x1536, dt_proj 1536x48, out_proj 768x1536.
        long perLayer = 3072L * 768 + 80L * 1536 + 1536L * 48 + 768L * 1536;
        assertEquals(24 * perLayer, Roofline.blockMatrixElements(ModelShapes.config("mamba-130m")));
        // mamba2-2.7b per layer: in_proj (2*5120 + 2*1*128 + 80 heads) x 2560 = 10576 x 2560, out_proj 2560x5120.
        long perLayer2 = 10576L * 2560 + 2560L * 5120;
        assertEquals(64 * perLayer2, Roofline.blockMatrixElements(ModelShapes.config("mamba2-2.7b")));
        assertEquals(50280L * 768, Roofline.lmHeadElements(ModelShapes.config("mamba-130m")));
    }

    @Test
    void rooflineArithmetic() {
        assertEquals(1_000_000_000L + 2 * 8 * 1_000_000L, Roofline.decodeMinBytes(1_000_000_000L, 1_000_000L, 8));
        assertEquals(1_000_000_000L + 1_000_000L, Roofline.prefillMinBytes(1_000_000_000L, 1_000_000L));
        // 3 GB at 3 TB/s = 1 ms; 1 TFLOP at 50 TFLOP/s = 20 ms: the longer one is the roof.
        assertEquals(20.0, Roofline.millis(3e9, 1e12, 3e12, 5e13), 1e-12);
        assertEquals(1.0, Roofline.millis(3e9, 1e10, 3e12, 5e13), 1e-12);
        assertEquals(0.25, Roofline.fraction(1.0, 4.0), 0);
        MambaConfig c = ModelShapes.config("mamba-130m");
        assertEquals(2.0 * 32 * (Roofline.blockMatrixElements(c) + 50280L * 768), Roofline.decodeFlops(c, 32), 0);
        assertEquals(2.0 * 1000 * Roofline.blockMatrixElements(c) + 2.0 * 50280 * 768, Roofline.prefillFlops(c, 1000), 0);
    }
}
