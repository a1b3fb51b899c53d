package dev.mambajvm.backend.cuda;

import dev.mambajvm.backend.TimingEvent;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * A CUevent recorded on the device's stream. TimingEvent has no close(), so the event is destroyed
 * when this object becomes unreachable (a Cleaner) or when the device closes, whichever is first.
 */
final class CudaTimingEvent implements TimingEvent {
    private static final Cleaner CLEANER = Cleaner.create();

    /** The part the Cleaner holds: must not refer back to the CudaTimingEvent. */
    static final class State {
        final MemorySegment event;
        final int generation;
        volatile boolean destroyed;

        State(MemorySegment event, int generation) {
            this.event = event;
            this.generation = generation;
        }
    }

    private final CudaDevice device;
    final State state;

    CudaTimingEvent(CudaDevice device, MemorySegment stream) {
        this.device = device;
        CudaDriver drv = device.driver;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            drv.check(drv.cuEventCreate(out, CudaDriver.CU_EVENT_DEFAULT), "cuEventCreate");
            MemorySegment ev = CudaDriver.handle(out);
            int rc = drv.cuEventRecord(ev, stream);
            if (rc != CudaDriver.CUDA_SUCCESS) {
                drv.cuEventDestroy(ev);
                throw drv.error(rc, "cuEventRecord", null);
            }
            this.state = new State(ev, device.generation());
        }
        device.track(state);
        State s = state;
        CudaDevice d = device;
        CLEANER.register(this, () -> {
            try {
                d.destroyEvent(s);
            } catch (RuntimeException e) {
                // Nothing sensible to do on a cleaner thread.
            }
        });
    }

    @Override
    public double millisSince(TimingEvent earlier) {
        if (!(earlier instanceof CudaTimingEvent e) || e.device != device) {
            throw new IllegalArgumentException("events of different devices or backends cannot be compared");
        }
        device.checkGeneration(state.generation, "timing event");
        device.checkGeneration(e.state.generation, "timing event");
        device.makeCurrent();
        CudaDriver drv = device.driver;
        drv.check(drv.cuEventSynchronize(e.state.event), "cuEventSynchronize");
        drv.check(drv.cuEventSynchronize(state.event), "cuEventSynchronize");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ms = a.allocate(JAVA_FLOAT);
            drv.check(drv.cuEventElapsedTime(ms, e.state.event, state.event), drv.nameEventElapsedTime);
            return ms.get(JAVA_FLOAT, 0);
        }
    }
}
