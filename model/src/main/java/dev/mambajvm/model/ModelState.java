package dev.mambajvm.model;

import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.backend.LaunchSequence;
import dev.mambajvm.model.config.MambaConfig;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The recurrent state of {@code batch} sequences ("slots"): per layer a conv state
 * (batch, convChannels, K−1) (the last K−1 conv inputs, oldest first; convChannels = dInner for
 * Mamba-1, dInner + 2·nGroups·dState (x, B and C) for Mamba-2) and an SSM state (batch, dInner,
 * dState) (Mamba-1) or (batch, nHeads, headDim, dState) (Mamba-2). Constant memory per sequence, whatever its length. Starts at zero
 * (an empty sequence). Also holds the decode work buffers, so a decode step allocates nothing, and
 * the decode step recorded over them (by {@link MambaModel}, on first use): prefill and
 * {@link #reset} write the states in place, so the recorded step always reads the current ones.
 */
public final class ModelState implements AutoCloseable {
    private final int batch;
    private final DeviceBuffer[] conv;
    private final DeviceBuffer[] ssm;
    private final long convSlotBytes;
    private final long ssmSlotBytes;
    private final List<DeviceBuffer> all = new ArrayList<>();
    private final Device device;
    final Activations decode;
    /** The decode step recorded by {@link #recordedBy}: [0] logits only, [1] with the argmax. */
    private final LaunchSequence[] recorded = new LaunchSequence[2];
    private Object recordedBy;

    ModelState(Device device, MambaConfig c, int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be at least 1, got " + batch);
        }
        this.batch = batch;
        this.device = device;
        int layers = c.numLayers();
        convSlotBytes = convSlotBytes(c);
        ssmSlotBytes = ssmSlotBytes(c);
        conv = new DeviceBuffer[layers];
        ssm = new DeviceBuffer[layers];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment zeros = arena.allocate(Math.max(convSlotBytes, ssmSlotBytes) * batch);   // zero-filled
            for (int i = 0; i < layers; i++) {
                conv[i] = zeroed(device, zeros, convSlotBytes * batch);
                ssm[i] = zeroed(device, zeros, ssmSlotBytes * batch);
            }
            device.queue().finish();
        }
        decode = new Activations(device, c, batch, batch, batch, 0);
    }

    private DeviceBuffer zeroed(Device device, MemorySegment zeros, long bytes) {
        DeviceBuffer b = device.allocate(Math.max(4, bytes));
        all.add(b);
        device.queue().upload(zeros.asSlice(0, b.byteSize()), b);
        return b;
    }

    /** Zeroes every slot's conv and SSM state (empty sequences again), in place; waits for the copies. */
    public void reset() {
        long largest = Math.max(convSlotBytes, ssmSlotBytes) * batch;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment zeros = arena.allocate(Math.max(4, largest));
            for (int i = 0; i < conv.length; i++) {
                device.queue().upload(zeros.asSlice(0, conv[i].byteSize()), conv[i]);
                device.queue().upload(zeros.asSlice(0, ssm[i].byteSize()), ssm[i]);
            }
            device.queue().finish();
        }
    }

    /** The decode step {@code model} recorded over this state, or null. */
    LaunchSequence recordedStep(Object model, boolean greedy) {
        return recordedBy == model ? recorded[greedy ? 1 : 0] : null;
    }

    /** Keeps {@code model}'s recorded step (closed with the state); one recorded by another model is dropped. */
    void keepRecordedStep(Object model, boolean greedy, LaunchSequence seq) {
        if (recordedBy != model) {
            closeRecorded();
            recordedBy = model;
        }
        recorded[greedy ? 1 : 0] = seq;
    }

    private void closeRecorded() {
        for (int i = 0; i < recorded.length; i++) {
            if (recorded[i] != null) {
                recorded[i].close();
                recorded[i] = null;
            }
        }
    }

    public int batch() {
        return batch;
    }

    /** Layer {@code layer}'s conv state, (batch, convChannels, K−1). */
    DeviceBuffer conv(int layer) {
        return conv[layer];
    }

    /** Layer {@code layer}'s SSM state, (batch, dInner, dState) or (batch, nHeads, headDim, dState). */
    DeviceBuffer ssm(int layer) {
        return ssm[layer];
    }

    /** Bytes of one slot's conv state in one layer. */
    long convSlotBytes() {
        return convSlotBytes;
    }

    long ssmSlotBytes() {
        return ssmSlotBytes;
    }

    /**
     * Device bytes of one sequence's recurrent state: per layer the conv state (convChannels × (K−1))
     * and the SSM state (dInner × dState, or nHeads × headDim × dState), float32. Constant whatever
     * the sequence's length.
     */
    public static long bytesPerSequence(MambaConfig c) {
        return (convSlotBytes(c) + ssmSlotBytes(c)) * c.numLayers();
    }

    /** One slot's conv state in one layer: Mamba-2 convolves x, B and C (dInner + 2·nGroups·dState channels). */
    private static long convSlotBytes(MambaConfig c) {
        long convChannels = c.isMamba2() ? c.intermediateSize() + 2L * c.nGroups() * c.stateSize() : c.intermediateSize();
        return 4L * convChannels * (c.convKernel() - 1);
    }

    private static long ssmSlotBytes(MambaConfig c) {
        return c.isMamba2() ? 4L * c.numHeads() * c.headDim() * c.stateSize() : 4L * c.intermediateSize() * c.stateSize();
    }

    /** As {@link #bytesPerSequence(MambaConfig)}, for this state's slots. */
    public long bytesPerSequence() {
        return (convSlotBytes + ssmSlotBytes) * conv.length;
    }

    /** Device bytes of the recurrent state (both kinds, all layers, all slots). */
    public long stateBytes() {
        return (convSlotBytes + ssmSlotBytes) * batch * conv.length;
    }

    @Override
    public void close() {
        closeRecorded();   // before the buffers it launches on
        decode.close();
        all.forEach(DeviceBuffer::close);
    }
}
