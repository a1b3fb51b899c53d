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
    // Mamba-1 (null for Mamba-2):
    final DeviceBuffer xz;         // (rows, 2·dInner): in_proj output, x | z
    final DeviceBuffer u;          // (rows, dInner): silu(conv(x)), the scan input
    final DeviceBuffer xdbl;       // (rows, dtRank + 2·dState): x_proj output, dt | B | C
    final DeviceBuffer delta;      // (rows, dInner): dt_proj(dt) without bias; null at decode (in the scan step)
    // Mamba-2 (null for Mamba-1):
    final DeviceBuffer z;          // (rows, dInner): the gate, in_proj rows [0, dInner)
    final DeviceBuffer xbcDt;      // (rows, convDim + nHeads): the rest of in_proj, xBC | dt
    final DeviceBuffer xbc;        // (rows, convDim): silu(conv(xBC)), x | B | C
    final DeviceBuffer gated;      // (rows, dInner): gatedRmsNorm(y, z), out_proj's input
    final DeviceBuffer ssdDt;      // SSD prefill scratch (Ssd.dtFloats), null at decode
    final DeviceBuffer ssdCum;     // SSD prefill scratch (Ssd.dtFloats)
    final DeviceBuffer ssdStates;  // SSD prefill scratch (Ssd.stateFloats)
    final DeviceBuffer ssdScores;  // SSD prefill scratch (Ssd.scoreFloats)
    // Both:
    final DeviceBuffer y;          // (rows, dInner): scan output (Mamba-1: gated)
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
        boolean m2 = c.isMamba2();
        xz = m2 ? null : alloc(device, (long) rows * 2 * di);
        u = m2 ? null : alloc(device, (long) rows * di);
        xdbl = m2 ? null : alloc(device, (long) rows * (c.timeStepRank() + 2L * c.stateSize()));
        delta = m2 || scanLen == 0 ? null : alloc(device, (long) rows * di);
        long convDim = di + 2L * c.nGroups() * c.stateSize();
        z = m2 ? alloc(device, (long) rows * di) : null;
        xbcDt = m2 ? alloc(device, rows * (convDim + c.numHeads())) : null;
        xbc = m2 ? alloc(device, rows * convDim) : null;
        gated = m2 ? alloc(device, (long) rows * di) : null;
        y = alloc(device, (long) rows * di);
        lastNormed = alloc(device, (long) logitRows * h);
        logits = alloc(device, (long) logitRows * c.paddedVocabSize());
        tokens = alloc(device, logitRows);
        if (m2 && scanLen > 0) {
            long chunks = Math.ceilDiv(scanLen, c.chunkSize());
            ssdDt = alloc(device, (long) scanBatch * c.numHeads() * scanLen);
            ssdCum = alloc(device, (long) scanBatch * c.numHeads() * scanLen);
            ssdStates = alloc(device, scanBatch * c.numHeads() * chunks * c.headDim() * c.stateSize());
            ssdScores = alloc(device, scanBatch * chunks * c.nGroups() * c.chunkSize() * c.chunkSize());
        } else {
            ssdDt = null;
            ssdCum = null;
            ssdStates = null;
            ssdScores = null;
        }
        if (scanLen > 0 && !m2) {
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
