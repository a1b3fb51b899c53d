package dev.mambajvm.model;

import dev.mambajvm.backend.Backend;
import dev.mambajvm.backend.BackendKind;
import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.Devices;
import dev.mambajvm.model.config.MambaConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The decode step recorded once per state and replayed ({@link MambaModel#decode}'s default) against
 * the same step launched eagerly at every token, on both tiny fixtures, on the JVM backend and on
 * every OpenCL device found (PoCL in CI): logits and greedy tokens, a state prefilled anew or reset
 * after the step was recorded, and the number of launches. The fixture parity, greedy continuation
 * and batching tests of {@link MambaModelTest} run through the recorded step too.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RecordedDecodeTest {
    private static final String[] FIXTURES = {"mamba1-tiny", "mamba2-tiny"};
    private final Map<String, Device> devices = new HashMap<>();
    private final Map<String, MambaModel> models = new HashMap<>();

    static Stream<Arguments> fixturesAndDevices() {
        List<String> ids = new ArrayList<>();
        for (Backend b : Devices.backends()) {
            if (b.kind() != BackendKind.CUDA) {
                b.devices().forEach(d -> ids.add(d.id()));
            }
        }
        return Arrays.stream(FIXTURES).flatMap(f -> ids.stream().map(id -> Arguments.of(f, id)));
    }

    private MambaModel model(String fixture, String deviceId) {
        return models.computeIfAbsent(fixture + "@" + deviceId, key -> {
            Device d = devices.computeIfAbsent(deviceId, Devices::open);
            try {
                return MambaModel.load(d, MambaModelTest.fixture(fixture));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @AfterEach
    void recordedAgain() {
        models.values().forEach(m -> m.setDecodeRecorded(true));
    }

    @AfterAll
    void close() {
        models.values().forEach(MambaModel::close);
        devices.values().forEach(Device::close);
    }

    private static int argmax(float[] row) {
        int best = 0;
        for (int v = 1; v < row.length; v++) {
            if (row[v] > row[best]) {
                best = v;
            }
        }
        return best;
    }

    /** Two sequences of different lengths prefilled into slots 0 and 1 of {@code state}. */
    private static void prefillTwo(MambaModel model, ModelState state, int[] a, int[] b) {
        model.prefill(state, 0, new int[][]{a});
        model.prefill(state, 1, new int[][]{b});
    }

    private static int[] tokens(int seed, int n, int vocab) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = (int) ((seed * 7919L + i * 104729L) % vocab);
        }
        return t;
    }

    /**
     * Batch 2, 6 steps: the replayed step's logits equal the eager step's; then 8 greedy steps, where
     * the replayed step's on-device argmax equals the host argmax of the eager step's logits and the
     * eager greedy step's token.
     */
    @ParameterizedTest
    @MethodSource("fixturesAndDevices")
    void replayedStepEqualsEagerStep(String fixture, String device) {
        MambaModel model = model(fixture, device);
        int vocab = model.vocabSize();
        int[] a = tokens(1, 9, vocab);
        int[] b = tokens(2, 4, vocab);
        try (ModelState replayed = model.newState(2); ModelState eager = model.newState(2);
             ModelState eagerGreedy = model.newState(2)) {
            prefillTwo(model, replayed, a, b);
            prefillTwo(model, eager, a, b);
            prefillTwo(model, eagerGreedy, a, b);
            int[] next = {a[0], b[0]};
            for (int step = 0; step < 6; step++) {
                model.setDecodeRecorded(true);
                float[][] r = model.decode(replayed, next);
                model.setDecodeRecorded(false);
                float[][] e = model.decode(eager, next);
                model.decodeGreedy(eagerGreedy, next);   // keeps its state in step
                for (int s = 0; s < 2; s++) {
                    double err = MambaModelTest.relError(r[s], e[s]);
                    assertTrue(err <= 1e-6, fixture + " on " + device + ", step " + step + ", slot " + s
                            + ": relative error " + err);
                }
                next = new int[]{argmax(e[0]), argmax(e[1])};
            }
            for (int step = 0; step < 8; step++) {
                model.setDecodeRecorded(true);
                int[] r = model.decodeGreedy(replayed, next);
                model.setDecodeRecorded(false);
                float[][] e = model.decode(eager, next);
                int[] eg = model.decodeGreedy(eagerGreedy, next);
                int[] expected = {argmax(e[0]), argmax(e[1])};
                assertArrayEquals(expected, r, fixture + " on " + device + ", greedy step " + step);
                assertArrayEquals(expected, eg, fixture + " on " + device + ", eager greedy step " + step);
                next = r;
            }
        }
    }

    /**
     * Once recorded, the step keeps reading the state's current buffers: after a new prefill into
     * both slots, and after {@link ModelState#reset}, the replayed logits equal those of a fresh
     * state stepped eagerly.
     */
    @ParameterizedTest
    @MethodSource("fixturesAndDevices")
    void replayReadsTheCurrentState(String fixture, String device) {
        MambaModel model = model(fixture, device);
        int vocab = model.vocabSize();
        int[][] steps = {tokens(3, 2, vocab), tokens(4, 2, vocab), tokens(5, 2, vocab)};
        try (ModelState state = model.newState(2)) {
            prefillTwo(model, state, tokens(6, 7, vocab), tokens(7, 3, vocab));
            for (int[] t : steps) {
                model.decode(state, t);   // records the step
            }
            assertNotNull(state.recordedStep(model, false));

            // New sequences into the same slots.
            int[] c = tokens(8, 5, vocab);
            int[] d = tokens(9, 11, vocab);
            prefillTwo(model, state, c, d);
            float[][][] replayed = new float[steps.length][][];
            for (int i = 0; i < steps.length; i++) {
                replayed[i] = model.decode(state, steps[i]);
            }
            model.setDecodeRecorded(false);
            try (ModelState fresh = model.newState(2)) {
                prefillTwo(model, fresh, c, d);
                for (int i = 0; i < steps.length; i++) {
                    compare(fixture + " on " + device + " after a new prefill, step " + i, replayed[i],
                            model.decode(fresh, steps[i]));
                }
            }

            // Back to empty sequences.
            model.setDecodeRecorded(true);
            state.reset();
            for (int i = 0; i < steps.length; i++) {
                replayed[i] = model.decode(state, steps[i]);
            }
            model.setDecodeRecorded(false);
            try (ModelState fresh = model.newState(2)) {
                for (int i = 0; i < steps.length; i++) {
                    compare(fixture + " on " + device + " after reset, step " + i, replayed[i],
                            model.decode(fresh, steps[i]));
                }
            }
        }
    }

    private static void compare(String what, float[][] got, float[][] ref) {
        for (int s = 0; s < ref.length; s++) {
            double err = MambaModelTest.relError(got[s], ref[s]);
            assertTrue(err <= 1e-6, what + ", slot " + s + ": relative error " + err);
        }
    }

    /**
     * The launch count equals the recorded sequence's size, and the count per variant documented in
     * docs/kernels.md: embedding, then per layer the norm and the mixer (Mamba-1: in_proj, conv,
     * x_proj, scan with dt_proj, out_proj; Mamba-2: z and xBC|dt projections, conv, SSD, gated
     * norm, out_proj), then norm_f and lm_head, and the argmax when greedy.
     */
    @ParameterizedTest
    @MethodSource("fixturesAndDevices")
    void launchCountIsTheRecordedStep(String fixture, String device) {
        MambaModel model = model(fixture, device);
        MambaConfig c = model.config();
        int perLayer = 1 + (c.isMamba2() ? 6 : 5);
        int expected = 1 + c.numLayers() * perLayer + 2;
        assertEquals(expected, model.decodeLaunchCount(false), fixture);
        assertEquals(expected + 1, model.decodeLaunchCount(true), fixture);
        try (ModelState state = model.newState(3)) {
            model.decode(state, new int[]{1, 2, 3});
            model.decodeGreedy(state, new int[]{4, 5, 6});
            assertEquals(expected, state.recordedStep(model, false).size(), fixture + " on " + device);
            assertEquals(expected + 1, state.recordedStep(model, true).size(), fixture + " on " + device);
        }
    }
}
