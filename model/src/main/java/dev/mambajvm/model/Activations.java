package dev.mambajvm.model;

import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.model.config.MambaConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * The float32 work buffers of one forward pass over {@code rows} tokens (batch·L at prefill, batch
 * at decode), token-major. Reused by every layer: each layer reads {@code normed} and leaves its
 * output in {@code hidden}.
 */
final class Activations implements AutoCloseable {
    final int rows;
    final DeviceBuffer ids;        // (rows) int32
    final DeviceBuffer hidden;     // (rows, hidden): embeddings, then each mixer's output
    final DeviceBuffer residual;   // (rows, hidden): the float32 residual stream
    final DeviceBuffer normed;     // (rows, hidden): rmsnorm(residual) · weight, the mixer's input
    final DeviceBuffer xz;         // (rows, 2·dInner): in_proj output, x | z
    final DeviceBuffer u;          // (rows, dInner): silu(conv(x)), the scan input
    final DeviceBuffer xdbl;       // (rows, dtRank + 2·dState): x_proj output, dt | B | C
    final DeviceBuffer delta;      // (rows, dInner): dt_proj(dt) without bias
    final DeviceBuffer y;          // (rows, dInner): scan output, gated
    final DeviceBuffer lastNormed; // (logitRows, hidden): the rows lm_head reads when not every row
    final DeviceBuffer logits;     // (logitRows, vocab)
    final DeviceBuffer tokens;     // (logitRows) int32: argmax output
    final DeviceBuffer scanStates; // (batch, dInner, chunks, dState): prefill scan scratch, null at decode
    final DeviceBuffer scanDtSums; // (batch, dInner, chunks)
    private final List<DeviceBuffer> all = new ArrayList<>();

    /**
     * @param scanBatch, scanLen sequences and tokens per sequence of a prefill (scanLen 0 at decode:
     *                           no scan scratch)
     */
    Activations(Device device, MambaConfig c, int rows, int logitRows, int scanBatch, int scanLen) {
        this.rows = rows;
        int h = c.hiddenSize(), di = c.intermediateSize();
        ids = alloc(device, rows);
        hidden = alloc(device, (long) rows * h);
        residual = alloc(device, (long) rows * h);
        normed = alloc(device, (long) rows * h);
        xz = alloc(device, (long) rows * 2 * di);
        u = alloc(device, (long) rows * di);
        xdbl = alloc(device, (long) rows * (c.timeStepRank() + 2L * c.stateSize()));
        delta = alloc(device, (long) rows * di);
        y = alloc(device, (long) rows * di);
        lastNormed = alloc(device, (long) logitRows * h);
        logits = alloc(device, (long) logitRows * c.paddedVocabSize());
        tokens = alloc(device, logitRows);
        if (scanLen > 0) {
            long perChunk = (long) scanBatch * di * Math.ceilDiv(scanLen, ModelKernels.SCAN_CHUNK);
            scanStates = alloc(device, perChunk * c.stateSize());
            scanDtSums = alloc(device, perChunk);
        } else {
            scanStates = null;
            scanDtSums = null;
        }
    }

    /** 4-byte elements (float32 or int32). */
    private DeviceBuffer alloc(Device device, long elements) {
        DeviceBuffer b = device.allocate(Math.max(1, elements) * 4);
        all.add(b);
        return b;
    }

    @Override
    public void close() {
        all.forEach(DeviceBuffer::close);
    }
}
