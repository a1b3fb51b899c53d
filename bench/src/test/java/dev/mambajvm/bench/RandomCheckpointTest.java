package dev.mambajvm.bench;

import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.Devices;
import dev.mambajvm.lang.DType;
import dev.mambajvm.model.MambaModel;
import dev.mambajvm.model.ModelState;
import dev.mambajvm.model.config.MambaConfig;
import dev.mambajvm.model.weights.Checkpoint;
import dev.mambajvm.model.weights.Tensor;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Random weights: seeded, in the ranges the class promises, loadable, and giving finite logits. */
class RandomCheckpointTest {
    private static final MambaConfig TINY = MambaConfig.read(Path.of("../model/src/test/resources/fixtures/hf/mamba1-tiny"));
    private static final MambaConfig TINY2 = MambaConfig.read(Path.of("../model/src/test/resources/fixtures/hf/mamba2-tiny"));

    @Test
    void sameSeedSameWeightsOtherSeedOthers() {
        try (Checkpoint a = RandomCheckpoint.of("a", TINY, DType.BF16, 7); Checkpoint b = RandomCheckpoint.of("b", TINY, DType.BF16, 7);
             Checkpoint c = RandomCheckpoint.of("c", TINY, DType.BF16, 8)) {
            for (String name : a.tensors().keySet()) {
                assertEquals(a.tensor(name).data().mismatch(b.tensor(name).data()), -1, name);
            }
            String inProj = "backbone.layers.0.mixer.in_proj.weight";
            assertNotEquals(-1, a.tensor(inProj).data().mismatch(c.tensor(inProj).data()));
        }
    }

    @Test
    void valuesInTheirRanges() {
        try (Checkpoint w = RandomCheckpoint.of("w", TINY, DType.F32, 1)) {
            float[] emb = w.tensor("backbone.embeddings.weight").toFloatArray();
            double sum2 = 0;
            for (float v : emb) {
                assertTrue(Math.abs(v) <= 0.02 * Math.sqrt(3) + 1e-7, "embedding " + v);
                sum2 += v * v;
            }
            assertEquals(0.02, Math.sqrt(sum2 / emb.length), 0.002, "embedding std");
            Tensor aLog = w.tensor("backbone.layers.1.mixer.A_log");
            for (int i = 0; i < aLog.elementCount(); i++) {
                assertEquals((float) Math.log(1 + i % TINY.stateSize()), aLog.getFloat(i), 0, "A_log[" + i + "]");
            }
            for (float v : w.tensor("backbone.layers.0.mixer.D").toFloatArray()) {
                assertEquals(1.0f, v);
            }
            for (float b : w.tensor("backbone.layers.0.mixer.dt_proj.bias").toFloatArray()) {
                double dt = Math.log1p(Math.exp(b));   // softplus
                assertTrue(dt >= 0.001 - 1e-6 && dt <= 0.1 + 1e-6, "dt " + dt);
            }
        }
    }

    @Test
    void modelsOfRandomWeightsGiveFiniteLogits() {
        try (Device device = Devices.open("jvm")) {
            for (MambaConfig c : new MambaConfig[]{TINY, TINY2}) {
                try (Checkpoint w = RandomCheckpoint.of("w", c, DType.BF16, 3); MambaModel model = MambaModel.load(device, w);
                     ModelState state = model.newState(2)) {
                    float[][] logits = model.decode(state, new int[]{1, 2});
                    logits = model.decode(state, new int[]{3, 4});
                    for (float[] row : logits) {
                        for (float v : row) {
                            assertTrue(Float.isFinite(v) && Math.abs(v) < 1e3, "logit " + v);
                        }
                    }
                }
            }
        }
    }
}
