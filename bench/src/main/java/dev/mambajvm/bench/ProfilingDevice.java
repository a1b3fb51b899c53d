package dev.mambajvm.bench;

import dev.mambajvm.backend.BackendKind;
import dev.mambajvm.backend.CompiledKernel;
import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.backend.LaunchSequence;
import dev.mambajvm.backend.Queue;
import dev.mambajvm.backend.TimingEvent;
import dev.mambajvm.backend.WorkerGrid;
import dev.mambajvm.lang.spec.KernelSpec;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A device that passes everything to another one, and on request times every kernel launch and
 * device copy with a pair of device events: the per-kernel profile of whatever the model does, seen
 * from outside the model (it only gets this device). Launches recorded into a {@link LaunchSequence}
 * are kept too, and a replay while profiling issues them one by one, so a step recorded as a CUDA
 * Graph is profiled kernel by kernel (the graph's own launch savings are then not in the profile).
 *
 * <p>A pair of events around a launch measures the device's time for it only if the device is busy
 * when the host issues it; otherwise the time the host takes to issue the launch would be in it. So
 * a profile first queues a "blocker" (device copies that take longer than the host needs to issue
 * the whole step), then the step's launches pile up behind it and run back to back. On the JVM
 * backend work runs as it is issued and the events are host clocks: no blocker is needed.
 */
final class ProfilingDevice implements Device {
    /** One profiled kernel (or "copy"): launches and device milliseconds summed. */
    record KernelTime(String name, int launches, double millis) {
    }

    /** What one profiled run saw: per kernel in first-launch order, the span first start to last end. */
    record Profile(List<KernelTime> kernels, double sumMillis, double spanMillis, int blockerCopies) {
    }

    private record Timed(String name, TimingEvent start, TimingEvent end) {
    }

    private final Device inner;
    private final Queue queue;
    private List<Timed> timed;               // non-null while profiling
    private Runnable beforeFirst;            // the blocker, queued before the first timed launch

    ProfilingDevice(Device inner) {
        this.inner = inner;
        this.queue = new ProfilingQueue(inner.queue());
    }

    /**
     * Runs {@code work} with every launch timed, after {@code blockerCopies} copies of
     * {@code blockerBytes} from {@code a} to {@code b} (none on the JVM backend).
     */
    Profile profile(Runnable work, DeviceBuffer a, DeviceBuffer b, long blockerBytes, int blockerCopies) {
        Queue q = inner.queue();
        q.finish();
        timed = new ArrayList<>();
        int copies = kind() == BackendKind.JVM ? 0 : blockerCopies;
        beforeFirst = () -> {
            for (int i = 0; i < copies; i++) {
                q.copy(a, b, blockerBytes);
            }
        };
        List<Timed> seen;
        try {
            work.run();
            q.finish();
            seen = timed;
        } finally {
            timed = null;
            beforeFirst = null;
        }
        Map<String, double[]> byName = new LinkedHashMap<>();   // name -> {launches, ms}
        double sum = 0;
        for (Timed t : seen) {
            double ms = t.end.millisSince(t.start);
            double[] acc = byName.computeIfAbsent(t.name, k -> new double[2]);
            acc[0]++;
            acc[1] += ms;
            sum += ms;
        }
        List<KernelTime> kernels = new ArrayList<>();
        byName.forEach((name, acc) -> kernels.add(new KernelTime(name, (int) acc[0], acc[1])));
        double span = seen.isEmpty() ? 0 : seen.getLast().end.millisSince(seen.getFirst().start);
        return new Profile(List.copyOf(kernels), sum, span, copies);
    }

    /**
     * One run of {@code work} with every launch timed, as one line ("name ms, ..."): for work whose
     * launches each take far longer than the host needs to issue them (a prefill kernel), so no
     * blocker is queued.
     */
    String launchTimes(Runnable work) {
        Profile p = profile(work, null, null, 0, 0);
        StringBuilder line = new StringBuilder();
        for (KernelTime k : p.kernels()) {
            line.append(line.isEmpty() ? "" : ", ").append(k.name())
                    .append(k.launches() > 1 ? " ×" + k.launches() : "")
                    .append(String.format(Locale.ROOT, " %.3f ms", k.millis()));
        }
        return line.toString();
    }

    /** Host milliseconds {@code work} takes to issue (and, where the device is synchronous, run). */
    static double hostMillis(Queue q, Runnable work) {
        q.finish();
        long t0 = System.nanoTime();
        work.run();
        double ms = (System.nanoTime() - t0) / 1e6;
        q.finish();
        return ms;
    }

    private void timed(String name, Runnable issue) {
        List<Timed> into = timed;
        if (into == null) {
            issue.run();
            return;
        }
        if (beforeFirst != null) {
            beforeFirst.run();
            beforeFirst = null;
        }
        Queue q = inner.queue();
        TimingEvent start = q.record();
        issue.run();
        into.add(new Timed(name, start, q.record()));
    }

    private static String nameOf(CompiledKernel kernel) {
        return kernel.spec().displayName();
    }

    private final class ProfilingQueue implements Queue {
        private final Queue q;

        ProfilingQueue(Queue q) {
            this.q = q;
        }

        @Override
        public void upload(MemorySegment src, DeviceBuffer dst) {
            q.upload(src, dst);
        }

        @Override
        public void download(DeviceBuffer src, MemorySegment dst) {
            q.download(src, dst);
        }

        @Override
        public void copy(DeviceBuffer src, DeviceBuffer dst, long bytes) {
            timed("copy", () -> q.copy(src, dst, bytes));
        }

        @Override
        public void launch(CompiledKernel kernel, WorkerGrid grid, Object... args) {
            timed(nameOf(kernel), () -> q.launch(kernel, grid, args));
        }

        @Override
        public TimingEvent record() {
            return q.record();
        }

        @Override
        public void finish() {
            q.finish();
        }
    }

    /** The real sequence, plus its steps kept to be issued one by one when profiling. */
    private final class ProfilingSequence implements LaunchSequence {
        private final LaunchSequence real;
        private final List<Consumer<Queue>> steps = new ArrayList<>();

        ProfilingSequence(LaunchSequence real) {
            this.real = real;
        }

        @Override
        public void launch(CompiledKernel kernel, WorkerGrid grid, Object... args) {
            real.launch(kernel, grid, args);
            Object[] kept = args.clone();
            steps.add(q -> q.launch(kernel, grid, kept));
        }

        @Override
        public void copy(DeviceBuffer src, DeviceBuffer dst, long bytes) {
            real.copy(src, dst, bytes);
            steps.add(q -> q.copy(src, dst, bytes));
        }

        @Override
        public int size() {
            return real.size();
        }

        @Override
        public void replay() {
            if (timed == null) {
                real.replay();
            } else {
                steps.forEach(s -> s.accept(queue));
            }
        }

        @Override
        public void close() {
            steps.clear();
            real.close();
        }
    }

    // ---------------------------------------------------------------- plain delegation

    @Override
    public BackendKind kind() {
        return inner.kind();
    }

    @Override
    public String id() {
        return inner.id();
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public Map<String, String> properties() {
        return inner.properties();
    }

    @Override
    public DeviceBuffer allocate(long bytes) {
        return inner.allocate(bytes);
    }

    @Override
    public Queue queue() {
        return queue;
    }

    @Override
    public CompiledKernel compile(KernelSpec spec, Map<String, ? extends Number> constants) {
        return inner.compile(spec, constants);
    }

    @Override
    public LaunchSequence newSequence() {
        return new ProfilingSequence(inner.newSequence());
    }

    @Override
    public long allocatedBytes() {
        return inner.allocatedBytes();
    }

    @Override
    public long peakAllocatedBytes() {
        return inner.peakAllocatedBytes();
    }

    @Override
    public void resetPeakAllocatedBytes() {
        inner.resetPeakAllocatedBytes();
    }

    @Override
    public void close() {
        inner.close();
    }
}
