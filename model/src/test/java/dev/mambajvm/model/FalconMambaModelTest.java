package dev.mambajvm.model;

import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.Devices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Falcon-Mamba on the tiny transformers fixture falcon-mamba-tiny (the Mamba-1 shapes of
 * mamba1-tiny, mixer_rms_eps 1e-6, tied): every test of {@link MambaModelTest} on the JVM backend and
 * on the first OpenCL device; and the same weights run as plain Mamba-1 are far from the golden
 * logits, so the norms of dt, B and C are what the parity rests on.
 */
class FalconMambaModelTest extends MambaModelTest {
    @TempDir
    Path tmp;

    @Override
    String fixtureName() {
        return "falcon-mamba-tiny";
    }

    @Test
    void withoutTheDtBCNormsTheLogitsAreFarOff() throws Exception {
        Path dir = fixture(fixtureName());
        Files.writeString(tmp.resolve("config.json"), Files.readString(dir.resolve("config.json"))
                .replace("\"model_type\": \"falcon_mamba\"", "\"model_type\": \"mamba\""));
        Files.copy(dir.resolve("model.safetensors"), tmp.resolve("model.safetensors"));
        try (Device device = Devices.open("jvm"); MambaModel plain = MambaModel.load(device, tmp);
             ModelState state = plain.newState(1)) {
            float[][] logits = plain.forward(state, 0, new int[][]{inputIds[0]})[0];
            double err = relError(logits, refLogits[0]);
            assertTrue(err > 1e-2, "as plain Mamba-1: relative error " + err);
        }
    }
}
