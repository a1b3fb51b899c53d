package dev.mambajvm.backend.opencl;

import dev.mambajvm.backend.TimingEvent;

import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;

/**
 * A {@code cl_event} of a marker (or, before OpenCL 1.2, a 1-byte copy) enqueued after the work
 * queued so far; its {@code CL_PROFILING_COMMAND_END} is the device time at which that work was
 * done. The timestamp is read once, then the event is released; an event never read is released
 * when it becomes unreachable.
 */
final class OpenClTimingEvent implements TimingEvent {
    private static final Cleaner CLEANER = Cleaner.create();

    private final OpenClDevice device;
    private final MemorySegment event;
    private final Cleaner.Cleanable release;
    private long endNanos = -1;

    OpenClTimingEvent(OpenClDevice device, MemorySegment event) {
        this.device = device;
        this.event = event;
        OpenCl cl = device.cl();
        // The action must not capture `this`, or the event would never become unreachable.
        this.release = CLEANER.register(this, () -> cl.releaseEvent(event));
    }

    /** Device timestamp (ns) at which the recorded point was reached; waits for it. */
    synchronized long endNanos() {
        if (endNanos < 0) {
            OpenCl cl = device.cl();
            cl.waitForEvent(event);
            endNanos = cl.profilingInfo(event, OpenCl.CL_PROFILING_COMMAND_END);
            release.clean();
        }
        return endNanos;
    }

    @Override
    public double millisSince(TimingEvent earlier) {
        if (!(earlier instanceof OpenClTimingEvent e) || e.device != device) {
            throw new IllegalArgumentException("both timing events must come from the queue of " + device.id());
        }
        return (endNanos() - e.endNanos()) / 1e6;
    }
}
