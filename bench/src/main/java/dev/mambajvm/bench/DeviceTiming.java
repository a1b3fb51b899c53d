package dev.mambajvm.bench;

import dev.mambajvm.backend.Queue;
import dev.mambajvm.backend.TimingEvent;

import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * Timing on the device, the way every benchmark here measures: events recorded on the queue around
 * the work (not host clocks around asynchronous calls), repeated, the median reported.
 */
final class DeviceTiming {
    private DeviceTiming() {
    }

    /** Median milliseconds of {@code repeats} runs of {@code work} (given the repeat index). */
    static double medianMillis(Queue q, int repeats, IntConsumer work) {
        return medianMillisBehind(q, repeats, i -> { }, work);
    }

    /**
     * As {@link #medianMillis(Queue, int, IntConsumer)}, with {@code before} enqueued ahead of the
     * start event each run (untimed, but it keeps the device busy while the host enqueues
     * {@code work}, so the host's launch latency is not part of the time).
     */
    static double medianMillisBehind(Queue q, int repeats, IntConsumer before, IntConsumer work) {
        double[] ms = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            before.accept(i);
            TimingEvent start = q.record();
            work.accept(i);
            TimingEvent end = q.record();
            ms[i] = end.millisSince(start);
        }
        Arrays.sort(ms);
        return ms[repeats / 2];
    }

    /** The same after two untimed runs (module load, first-touch, clocks ramping up). */
    static double medianMillisWarm(Queue q, int repeats, Runnable work) {
        work.run();
        work.run();
        q.finish();
        return medianMillis(q, repeats, i -> work.run());
    }
}
