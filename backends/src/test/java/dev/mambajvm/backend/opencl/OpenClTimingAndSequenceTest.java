package dev.mambajvm.backend.opencl;

import dev.mambajvm.backend.CompiledKernel;
import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.backend.LaunchSequence;
import dev.mambajvm.backend.Queue;
import dev.mambajvm.backend.Scalar;
import dev.mambajvm.backend.TimingEvent;
import dev.mambajvm.backend.WorkerGrid;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OpenClTimingAndSequenceTest {
    private static OpenClDevice device;

    @BeforeAll
    static void open() {
        device = OpenClTestSupport.firstDevice();
    }

    @AfterAll
    static void close() {
        if (device != null) {
            device.close();
        }
    }

    @Test
    void timingEventsMeasureQueuedWork() {
        int n = 1 << 20;
        CompiledKernel add = device.compile(OpenClTestSupport.vectorAdd(), Map.of());
        Queue q = device.queue();
        try (DeviceBuffer a = device.allocate(n * 4L); DeviceBuffer c = device.allocate(n * 4L)) {
            TimingEvent start = q.record();
            for (int i = 0; i < 3; i++) {
                q.launch(add, WorkerGrid.covering1D(n, 64), a, a, c, n);
            }
            TimingEvent end = q.record();
            q.finish();
            double ms = end.millisSince(start);
            assertTrue(ms > 0 && Double.isFinite(ms), "duration " + ms + " ms");
            assertEquals(ms, end.millisSince(start), 0.0, "timestamps are read once");
            assertEquals(-ms, start.millisSince(end), 0.0);
        }
    }

    @Test
    void sequenceReplaysWithScalarsReadAtEachReplay() {
        int n = 777;
        Random random = new Random(2024);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) random.nextGaussian();
        }
        CompiledKernel addScalar = device.compile(OpenClTestSupport.addScalar(), Map.of());
        Queue q = device.queue();
        Scalar s = Scalar.ofFloat(0.25f);
        Scalar step = Scalar.ofLong(0);
        try (Arena arena = Arena.ofConfined(); DeviceBuffer dx = device.allocate(n * 4L);
             DeviceBuffer tmp = device.allocate(n * 4L); DeviceBuffer out = device.allocate(n * 4L);
             LaunchSequence seq = device.newSequence()) {
            q.upload(OpenClTestSupport.floats(arena, x), dx);
            seq.launch(addScalar, WorkerGrid.covering1D(n, 64), dx, tmp, n, step, s);
            seq.copy(tmp, out, n * 4L);
            assertEquals(2, seq.size());
            // Recording checks arguments at once.
            assertThrows(IllegalArgumentException.class,
                    () -> seq.launch(addScalar, WorkerGrid.covering1D(n, 64), dx, tmp, n, 1, s));

            MemorySegment host = arena.allocate(n * 4L);
            float[] values = {0.25f, -3.5f, 1e3f};
            for (int replay = 0; replay < 3; replay++) {
                s.set(values[replay]);
                step.set((long) replay);
                q.upload(OpenClTestSupport.nanFilled(arena, n), out);
                seq.replay();
                q.download(out, host);
                q.finish();
                float[] r = OpenClTestSupport.toArray(host);
                for (int i = 0; i < n; i++) {
                    float expected = x[i] + values[replay] + (float) replay;
                    assertEquals(expected, r[i], 0.0f, "replay " + replay + ", element " + i);
                }
            }
        }
    }
}
