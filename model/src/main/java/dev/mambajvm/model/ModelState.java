package dev.mambajvm.model;

import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.DeviceBuffer;
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
 * (an empty sequence). Also holds the decode work buffers, so a decode step allocates nothing.
 */
public final class ModelState implements AutoCloseable {
    private final int batch;
    private final DeviceBuffer[] conv;
    private final DeviceBuffer[] ssm;
    private final long convSlotBytes;
    private final long ssmSlotBytes;
    private final List<DeviceBuffer> all = new ArrayList<>();
    final Activations decode;

    ModelState(Device device, MambaConfig c, int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be at least 1, got " + batch);
        }
        this.batch = batch;
        int layers = c.numLayers();
        long convChannels = c.isMamba2() ? c.intermediateSize() + 2L * c.nGroups() * c.stateSize() : c.intermediateSize();
        convSlotBytes = 4L * convChannels * (c.convKernel() - 1);
        ssmSlotBytes = c.isMamba2() ? 4L * c.numHeads() * c.headDim() * c.stateSize()
                : 4L * c.intermediateSize() * c.stateSize();
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
     * Device bytes of one sequence's recurrent state: per layer the conv state (dInner × (K−1)) and
     * the SSM state (dInner × dState), float32. Constant whatever the sequence's length.
     */
    public static long bytesPerSequence(MambaConfig c) {
        return 4L * c.intermediateSize() * ((c.convKernel() - 1) + c.stateSize()) * c.numLayers();
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
        decode.close();
        all.forEach(DeviceBuffer::close);
    }
}
