package dev.mambajvm.backend.jvm;

import dev.mambajvm.backend.TimingEvent;

/**
 * A point in time on the JVM queue. Queue work is synchronous, so "after the work queued so far"
 * is simply "now": the event is a {@link System#nanoTime()} reading taken when it is recorded.
 */
record JvmTimingEvent(long nanos) implements TimingEvent {

    @Override
    public double millisSince(TimingEvent earlier) {
        if (!(earlier instanceof JvmTimingEvent e)) {
            throw new IllegalArgumentException("cannot compare a JVM timing event with " + earlier);
        }
        return (nanos - e.nanos) / 1e6;
    }
}
