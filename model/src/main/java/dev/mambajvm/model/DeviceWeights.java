package dev.mambajvm.model;

import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.kernels.mamba.StorageType;
import dev.mambajvm.model.config.MambaConfig;
import dev.mambajvm.model.weights.Checkpoint;
import dev.mambajvm.model.weights.Tensor;
import dev.mambajvm.model.weights.TensorNames;
import dev.mambajvm.model.weights.WeightLayout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The checkpoint's tensors on one device, uploaded once. Weight matrices (embeddings, in_proj,
 * x_proj, dt_proj, out_proj, lm_head; Mamba-2's in_proj split in two) keep their stored type (f32, f16 or bf16: the GEMM/GEMV
 * kernels widen on load); the small per-channel vectors (norm weights, conv weight and bias, dt
 * bias, A_log, D) are converted to float32, the only type the norm, conv and scan kernels read
 * (a few KiB per layer).
 */
public final class DeviceWeights implements AutoCloseable {
    /**
     * One Mamba-1 (or Falcon-Mamba) block's weights. Shapes in the comments; convBias is null without
     * use_conv_bias, inProjBias and outProjBias without use_bias.
     */
    public record Layer(
            DeviceBuffer norm,        // (hidden)
            Matrix inProj,            // (2·dInner, hidden)
            DeviceBuffer convWeight,  // (dInner, K)
            DeviceBuffer convBias,    // (dInner) or null
            Matrix xProj,             // (dtRank + 2·dState, dInner)
            Matrix dtProj,            // (dInner, dtRank)
            DeviceBuffer dtBias,      // (dInner)
            DeviceBuffer aLog,        // (dInner, dState)
            DeviceBuffer d,           // (dInner)
            Matrix outProj,           // (hidden, dInner)
            DeviceBuffer inProjBias,  // (2·dInner) or null
            DeviceBuffer outProjBias) { // (hidden) or null
    }

    /**
     * One Mamba-2 block's weights. in_proj is stored split by rows into its z part and its xBC | dt
     * part (two matrices, each contiguous in the checkpoint), so that z lands in its own contiguous
     * buffer, as the gated norm reads it. convBias is null without use_conv_bias.
     */
    public record Layer2(
            DeviceBuffer norm,        // (hidden)
            Matrix zProj,             // (dInner, hidden): in_proj rows [0, dInner)
            Matrix xbcDtProj,         // (dInner + 2·G·N + nHeads, hidden): in_proj rows [dInner, end)
            DeviceBuffer convWeight,  // (dInner + 2·G·N, K)
            DeviceBuffer convBias,    // (dInner + 2·G·N) or null
            DeviceBuffer dtBias,      // (nHeads)
            DeviceBuffer aLog,        // (nHeads)
            DeviceBuffer d,           // (nHeads)
            DeviceBuffer gateNorm,    // (dInner): mixer.norm.weight
            Matrix outProj,           // (hidden, dInner)
            DeviceBuffer zBias,       // (dInner): in_proj.bias [0, dInner), or null
            DeviceBuffer xbcDtBias,   // (dInner + 2·G·N + nHeads): in_proj.bias [dInner, end), or null
            DeviceBuffer outProjBias) { // (hidden) or null
    }

    private final List<DeviceBuffer> owned;
    private final Matrix embeddings;
    private final Matrix lmHead;
    private final DeviceBuffer normF;
    private final List<Layer> layers;
    private final List<Layer2> layers2;

    private DeviceWeights(List<DeviceBuffer> owned, Matrix embeddings, Matrix lmHead, DeviceBuffer normF,
                          List<Layer> layers, List<Layer2> layers2) {
        this.owned = owned;
        this.embeddings = embeddings;
        this.lmHead = lmHead;
        this.normF = normF;
        this.layers = layers;
        this.layers2 = layers2;
    }

    /** Checks the checkpoint against its config ({@link WeightLayout}) and uploads it; waits for the copies. */
    public static DeviceWeights upload(Device device, Checkpoint checkpoint) {
        MambaConfig c = checkpoint.config();
        WeightLayout.of(c).check(checkpoint);
        List<DeviceBuffer> owned = new ArrayList<>();
        try (Arena staging = Arena.ofConfined()) {
            Uploader up = new Uploader(device, checkpoint, staging, owned);
            Matrix embeddings = up.matrix(TensorNames.EMBEDDINGS);
            Matrix lmHead = c.tieWordEmbeddings() ? embeddings : up.matrix(TensorNames.LM_HEAD);
            List<Layer> layers = new ArrayList<>();
            List<Layer2> layers2 = new ArrayList<>();
            for (int i = 0; i < c.numLayers() && c.isMamba2(); i++) {
                String m = "mixer.";
                String inProj = TensorNames.layer(i, m + "in_proj.weight");
                int inRows = Math.toIntExact(checkpoint.tensor(inProj).dim(0));
                int dInner = c.intermediateSize();
                layers2.add(new Layer2(
                        up.floats(TensorNames.layer(i, "norm.weight")),
                        up.matrixRows(inProj, 0, dInner),
                        up.matrixRows(inProj, dInner, inRows),
                        up.floats(TensorNames.layer(i, m + "conv1d.weight")),
                        c.useConvBias() ? up.floats(TensorNames.layer(i, m + "conv1d.bias")) : null,
                        up.floats(TensorNames.layer(i, m + "dt_bias")),
                        up.floats(TensorNames.layer(i, m + "A_log")),
                        up.floats(TensorNames.layer(i, m + "D")),
                        up.floats(TensorNames.layer(i, m + "norm.weight")),
                        up.matrix(TensorNames.layer(i, m + "out_proj.weight")),
                        c.useBias() ? up.floats(TensorNames.layer(i, m + "in_proj.bias"), 0, dInner) : null,
                        c.useBias() ? up.floats(TensorNames.layer(i, m + "in_proj.bias"), dInner, inRows) : null,
                        c.useBias() ? up.floats(TensorNames.layer(i, m + "out_proj.bias")) : null));
            }
            for (int i = 0; i < c.numLayers() && !c.isMamba2(); i++) {
                String m = "mixer.";
                layers.add(new Layer(
                        up.floats(TensorNames.layer(i, "norm.weight")),
                        up.matrix(TensorNames.layer(i, m + "in_proj.weight")),
                        up.floats(TensorNames.layer(i, m + "conv1d.weight")),
                        c.useConvBias() ? up.floats(TensorNames.layer(i, m + "conv1d.bias")) : null,
                        up.matrix(TensorNames.layer(i, m + "x_proj.weight")),
                        up.matrix(TensorNames.layer(i, m + "dt_proj.weight")),
                        up.floats(TensorNames.layer(i, m + "dt_proj.bias")),
                        up.floats(TensorNames.layer(i, m + "A_log")),
                        up.floats(TensorNames.layer(i, m + "D")),
                        up.matrix(TensorNames.layer(i, m + "out_proj.weight")),
                        c.useBias() ? up.floats(TensorNames.layer(i, m + "in_proj.bias")) : null,
                        c.useBias() ? up.floats(TensorNames.layer(i, m + "out_proj.bias")) : null));
            }
            DeviceBuffer normF = up.floats(TensorNames.NORM_F);
            device.queue().finish();   // the mapped file and the staging arena must outlive the copies
            return new DeviceWeights(owned, embeddings, lmHead, normF, List.copyOf(layers), List.copyOf(layers2));
        } catch (RuntimeException e) {
            owned.forEach(DeviceBuffer::close);
            throw e;
        }
    }

    private record Uploader(Device device, Checkpoint checkpoint, Arena staging, List<DeviceBuffer> owned) {
        /** A 2-D tensor as stored (f32/f16/bf16), straight from the mapped file. */
        Matrix matrix(String name) {
            Tensor t = checkpoint.tensor(name);
            return matrixRows(name, 0, Math.toIntExact(t.dim(0)));
        }

        /** Rows [from, to) of a 2-D tensor as stored: a contiguous byte range of the mapped file. */
        Matrix matrixRows(String name, int from, int to) {
            Tensor t = checkpoint.tensor(name);
            int type = switch (t.dtype()) {
                case F32 -> StorageType.F32;
                case F16 -> StorageType.F16;
                case BF16 -> StorageType.BF16;
                default -> throw new IllegalStateException(name + ": " + t.dtype() + " is not a float type");
            };
            long rowBytes = t.data().byteSize() / t.dim(0);
            return new Matrix(copy(t.data().asSlice(from * rowBytes, (to - from) * rowBytes)), type, to - from,
                    Math.toIntExact(t.dim(1)));
        }

        /** Any tensor converted to float32 (flattened). */
        DeviceBuffer floats(String name) {
            return floats(name, 0, Math.toIntExact(checkpoint.tensor(name).elementCount()));
        }

        /** Elements [from, to) of a tensor (flattened), converted to float32. */
        DeviceBuffer floats(String name, int from, int to) {
            float[] values = Arrays.copyOfRange(checkpoint.tensor(name).toFloatArray(), from, to);
            MemorySegment host = staging.allocate(ValueLayout.JAVA_FLOAT, values.length);
            MemorySegment.copy(values, 0, host, ValueLayout.JAVA_FLOAT, 0, values.length);
            return copy(host);
        }

        private DeviceBuffer copy(MemorySegment host) {
            DeviceBuffer b = device.allocate(host.byteSize());
            owned.add(b);
            device.queue().upload(host, b);
            return b;
        }
    }

    /** (vocab, hidden). */
    public Matrix embeddings() {
        return embeddings;
    }

    /** (vocab, hidden): the embeddings when tied. */
    public Matrix lmHead() {
        return lmHead;
    }

    /** (hidden). */
    public DeviceBuffer normF() {
        return normF;
    }

    /** Mamba-1 blocks (empty for a Mamba-2 model). */
    public List<Layer> layers() {
        return layers;
    }

    /** Mamba-2 blocks (empty for a Mamba-1 model). */
    public List<Layer2> layers2() {
        return layers2;
    }

    /** Bytes on the device. */
    public long bytes() {
        return owned.stream().mapToLong(DeviceBuffer::byteSize).sum();
    }

    @Override
    public void close() {
        owned.forEach(DeviceBuffer::close);
    }
}
