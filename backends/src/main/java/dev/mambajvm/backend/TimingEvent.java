package dev.mambajvm.backend;

/** A point in a queue's timeline, measured on the device (CUDA events, OpenCL profiling). */
public interface TimingEvent {
    /** Milliseconds from {@code earlier} to this event; waits for both to complete. */
    double millisSince(TimingEvent earlier);
}
