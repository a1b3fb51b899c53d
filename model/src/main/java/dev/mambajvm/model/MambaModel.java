package dev.mambajvm.model;

import dev.mambajvm.backend.CompiledKernel;
import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.backend.LaunchSequence;
import dev.mambajvm.backend.LaunchTarget;
import dev.mambajvm.backend.Queue;
import dev.mambajvm.backend.WorkerGrid;
import dev.mambajvm.kernels.mamba.RmsNorm;
import dev.mambajvm.model.config.MambaConfig;
import dev.mambajvm.model.config.Variant;
import dev.mambajvm.model.weights.Checkpoint;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A Mamba-1, Falcon-Mamba or Mamba-2 language model (transformers' MambaForCausalLM,
 * FalconMambaForCausalLM, Mamba2ForCausalLM) on one device; one code path for every backend (JVM,
 * OpenCL, CUDA), the mixer picked by the config's variant ({@link MambaLayer} for the first two,
 * {@link Mamba2Layer}):
 * <pre>
 *   hidden = embeddings[ids]
 *   per block:  residual = residual + hidden (float32);  hidden = mixer(rmsnorm(residual) · norm.weight)
 *   logits = lm_head(rmsnorm(residual + hidden) · norm_f.weight)      lm_head: the embeddings when tied
 * </pre>
 * A prompt is processed whole ({@link #forward}, {@link #prefill}: GEMMs, the conv over all tokens,
 * the chunked parallel scan or Mamba-2's chunked SSD), then one token at a time ({@link #decode}: GEMVs, the conv and scan
 * recurrences), from a {@link ModelState} that holds each sequence's conv and SSM state. The decode
 * step is recorded once per state as a {@link LaunchSequence} and replayed for every token (a CUDA
 * Graph on CUDA): only the token ids go up before a replay and the logits (or argmax tokens) come
 * down after it; {@link #decodeLaunchCount} says how many launches it holds.
 *
 * <pre>{@code
 * try (Device device = Devices.open("jvm"); MambaModel model = MambaModel.load(device, dir);
 *      ModelState state = model.newState(1)) {
 *     float[][] last = model.prefill(state, 0, new int[][]{promptIds});   // [1][vocab]
 *     float[][] next = model.decode(state, new int[]{nextId});             // [1][vocab]
 * }
 * int[] tokens = model.generateGreedy(promptIds, 20);
 * }</pre>
 *
 * Batching: a prefill call takes sequences of one length (they go to consecutive slots of the
 * state); sequences of different lengths are prefilled by separate calls into their own slots and
 * then decoded together, since a decode step does not depend on the position.
 */
public final class MambaModel implements AutoCloseable {
    private final Device device;
    private final MambaConfig config;
    private final DeviceWeights weights;
    private final List<Mixer> layers;
    private final ModelKernels k;
    private final int hidden;
    private final int vocab;
    private final float eps;
    private boolean decodeRecorded = true;

    private MambaModel(Device device, MambaConfig config, DeviceWeights weights) {
        this.device = device;
        this.config = config;
        this.weights = weights;
        this.hidden = config.hiddenSize();
        this.vocab = config.paddedVocabSize();
        this.eps = (float) config.layerNormEpsilon();
        List<Mixer> ls = new ArrayList<>();
        for (DeviceWeights.Layer w : weights.layers()) {
            ls.add(new MambaLayer(config, w));
        }
        for (DeviceWeights.Layer2 w : weights.layers2()) {
            ls.add(new Mamba2Layer(config, w));
        }
        this.layers = List.copyOf(ls);
        this.k = new ModelKernels(device, config);
    }

    /** Loads the checkpoint directory (config.json, safetensors) onto {@code device}. */
    public static MambaModel load(Device device, Path directory) {
        try (Checkpoint checkpoint = Checkpoint.open(directory)) {
            return load(device, checkpoint);
        }
    }

    /** Uploads an open checkpoint (which may be closed afterwards). */
    public static MambaModel load(Device device, Checkpoint checkpoint) {
        requireSupported(checkpoint.directory(), checkpoint.config());
        DeviceWeights weights = DeviceWeights.upload(device, checkpoint);
        try {
            return new MambaModel(device, checkpoint.config(), weights);
        } catch (RuntimeException e) {
            weights.close();
            throw e;
        }
    }

    /**
     * What this implementation runs: Mamba-1, Falcon-Mamba and Mamba-2 with RMSNorm blocks, with or
     * without in/out_proj biases; Mamba-2 with the gated norm applied after the gate (transformers'
     * Mamba2Mixer) and nHeads · headDim = dInner.
     */
    static void requireSupported(Path directory, MambaConfig c) {
        String why = null;
        if (c.variant() == Variant.MAMBA2 && !c.gatedRmsNorm()) {
            why = "Mamba-2 without the gated RMSNorm (rmsnorm = false) is not supported yet";
        } else if (c.variant() == Variant.MAMBA2 && c.normBeforeGate()) {
            why = "Mamba-2 with norm_before_gate = true is not supported yet";
        } else if (c.variant() == Variant.MAMBA2 && c.numHeads() * c.headDim() != c.intermediateSize()) {
            why = "Mamba-2 with num_heads * head_dim (" + c.numHeads() + " * " + c.headDim()
                    + ") != intermediate size (" + c.intermediateSize() + ") is not supported";
        } else if (!c.rmsNorm()) {
            why = "LayerNorm blocks (rms_norm = false) are not supported; only RMSNorm";
        }
        if (why != null) {
            throw new UnsupportedOperationException(directory + ": " + why);
        }
    }

    public MambaConfig config() {
        return config;
    }

    public Device device() {
        return device;
    }

    /** Columns of the logits: the embedding rows (config's vocab size, padded for state-spaces checkpoints). */
    public int vocabSize() {
        return vocab;
    }

    /** Bytes of the weights as stored on the device (matrices in their checkpoint type, vectors as float32). */
    public long weightBytes() {
        return weights.bytes();
    }

    /** Bytes of one sequence's recurrent state on the device: conv + SSM state of every layer. */
    public long stateBytesPerSequence() {
        return ModelState.bytesPerSequence(config);
    }

    /** A zero state (empty sequences) for {@code batch} slots. */
    public ModelState newState(int batch) {
        return new ModelState(device, config, batch);
    }

    /**
     * Logits at every position, [n][L][vocab], of n sequences of L tokens each; their final states
     * go to slots {@code slot .. slot+n-1} of {@code state} (overwriting them).
     */
    public float[][][] forward(ModelState state, int slot, int[][] ids) {
        int n = ids.length, len = ids[0].length;
        try (Arena host = Arena.ofConfined(); Activations a = prefillOnDevice(state, slot, ids, true, host)) {
            float[] flat = download(a.logits, (long) n * len * vocab, host);
            float[][][] out = new float[n][len][];
            for (int s = 0; s < n; s++) {
                for (int t = 0; t < len; t++) {
                    out[s][t] = java.util.Arrays.copyOfRange(flat, (s * len + t) * vocab, (s * len + t + 1) * vocab);
                }
            }
            return out;
        }
    }

    /** As {@link #forward} but only the logits of each sequence's last token: [n][vocab]. */
    public float[][] prefill(ModelState state, int slot, int[][] ids) {
        try (Arena host = Arena.ofConfined(); Activations a = prefillOnDevice(state, slot, ids, false, host)) {
            return rows(download(a.logits, (long) ids.length * vocab, host), ids.length);
        }
    }

    /** As {@link #prefill}, then the argmax of each sequence's last logits (on the device): [n]. */
    public int[] prefillGreedy(ModelState state, int slot, int[][] ids) {
        try (Arena host = Arena.ofConfined(); Activations a = prefillOnDevice(state, slot, ids, false, host)) {
            k.argmax(a.logits, a.tokens, ids.length, vocab);
            return downloadInts(a.tokens, ids.length, host);
        }
    }

    /** One token per slot (tokens.length == state.batch()); returns the next-token logits [batch][vocab]. */
    public float[][] decode(ModelState state, int[] tokens) {
        try (Arena host = Arena.ofConfined()) {
            stepOnDevice(state, tokens, false, host);
            return rows(download(state.decode.logits, (long) tokens.length * vocab, host), tokens.length);
        }
    }

    /** As {@link #decode} but returns each slot's argmax token (computed on the device). */
    public int[] decodeGreedy(ModelState state, int[] tokens) {
        try (Arena host = Arena.ofConfined()) {
            stepOnDevice(state, tokens, true, host);
            return downloadInts(state.decode.tokens, tokens.length, host);
        }
    }

    /**
     * Whether {@link #decode} and {@link #decodeGreedy} replay the step recorded once per state (the
     * default: a CUDA Graph on CUDA, the recorded launches re-issued elsewhere) or launch it anew at
     * each token. Both launch the same kernels with the same arguments, so their results are equal;
     * the eager path is there to compare against.
     */
    public void setDecodeRecorded(boolean recorded) {
        this.decodeRecorded = recorded;
    }

    /**
     * Kernel launches of one decode step (whatever the batch): the embedding, per layer the norm and
     * the mixer's launches, the final norm and lm_head, and the argmax when {@code greedy}. Counted
     * by recording the step, not from a formula.
     */
    public int decodeLaunchCount(boolean greedy) {
        try (ModelState state = newState(1)) {
            LaunchCounter counter = new LaunchCounter();
            launchStep(k.into(counter), state, greedy);
            return counter.launches;
        }
    }

    /**
     * Greedy generation (transformers' generate(do_sample=False)): the {@code maxNewTokens} tokens
     * after {@code prompt}. Does not stop at an end-of-sequence token.
     */
    public int[] generateGreedy(int[] prompt, int maxNewTokens) {
        int[] out = new int[maxNewTokens];
        if (maxNewTokens == 0) {
            return out;
        }
        try (ModelState state = newState(1)) {
            int next = prefillGreedy(state, 0, new int[][]{prompt})[0];
            for (int i = 0; i < maxNewTokens; i++) {
                out[i] = next;
                if (i + 1 < maxNewTokens) {
                    next = decodeGreedy(state, new int[]{next})[0];
                }
            }
        }
        return out;
    }

    /**
     * The prefill forward pass, top to bottom; leaves the logits in the returned activations
     * ((n·L, vocab) with {@code everyPosition}, else (n, vocab)), which the caller closes.
     */
    private Activations prefillOnDevice(ModelState state, int slot, int[][] ids, boolean everyPosition, Arena host) {
        int n = ids.length;
        int len = checkPrompts(state, slot, ids);
        int rows = n * len;
        Queue q = k.queue();
        Activations a = new Activations(device, config, rows, everyPosition ? rows : n, n, len);
        try (DeviceBuffer convTmp = device.allocate(state.convSlotBytes() * n);
             DeviceBuffer ssmTmp = device.allocate(state.ssmSlotBytes() * n)) {
            q.upload(ints(ids, host), a.ids);
            // hidden (rows, H) = embeddings[ids]
            k.embed(a.ids, weights.embeddings(), a.hidden, rows);
            for (int i = 0; i < layers.size(); i++) {
                Mixer layer = layers.get(i);
                // residual (rows, H) = hidden (block 0) or residual + hidden; normed = rmsnorm(residual) · norm.weight
                k.rmsNorm(a.hidden, a.residual, layer.norm(), a.normed, rows, hidden, eps,
                        i == 0 ? RmsNorm.START_RESIDUAL : RmsNorm.ADD_RESIDUAL);
                // hidden (rows, H) = mixer(normed); the n final states, then into their slots
                layer.prefill(k, a, convTmp, ssmTmp, n, len);
                q.copy(convTmp, state.conv(i).slice(slot * state.convSlotBytes(), convTmp.byteSize()), convTmp.byteSize());
                q.copy(ssmTmp, state.ssm(i).slice(slot * state.ssmSlotBytes(), ssmTmp.byteSize()), ssmTmp.byteSize());
            }
            // normed (rows, H) = rmsnorm(residual + hidden) · norm_f.weight
            k.rmsNorm(a.hidden, a.residual, weights.normF(), a.normed, rows, hidden, eps, RmsNorm.ADD_RESIDUAL);
            if (everyPosition) {
                // logits (rows, vocab) = normed · lm_headᵀ
                k.linear(a.normed, hidden, weights.lmHead(), a.logits, rows);
            } else {
                // lastNormed (n, H) = each sequence's last row; logits (n, vocab) = lastNormed · lm_headᵀ
                long rowBytes = 4L * hidden;
                for (int s = 0; s < n; s++) {
                    q.copy(a.normed.slice(((long) s * len + len - 1) * rowBytes, rowBytes),
                            a.lastNormed.slice(s * rowBytes, rowBytes), rowBytes);
                }
                k.linear(a.lastNormed, hidden, weights.lmHead(), a.logits, n);
            }
            q.finish();   // the scratch states and the host ids must outlive the work
            return a;
        } catch (RuntimeException e) {
            a.close();
            throw e;
        }
    }

    /**
     * The decode step for one token per slot: uploads the tokens, then replays the state's recorded
     * step (recording it on first use) or launches it; leaves the logits in state.decode.logits
     * (batch, vocab) and, when {@code greedy}, their argmax in state.decode.tokens (batch).
     */
    private void stepOnDevice(ModelState state, int[] tokens, boolean greedy, Arena host) {
        int b = state.batch();
        if (tokens.length != b) {
            throw new IllegalArgumentException("decode takes one token per slot: " + b + " slots, got " + tokens.length);
        }
        checkIds(tokens);
        // The one host-to-device transfer of a step, outside the recorded launches: they read a.ids.
        k.queue().upload(ints(new int[][]{tokens}, host), state.decode.ids.slice(0, 4L * b));
        if (decodeRecorded) {
            recordedStep(state, greedy).replay();
        } else {
            launchStep(k, state, greedy);
        }
    }

    /**
     * The state's decode step, recorded on first use. The sequence holds the state's own buffers
     * (its conv and SSM states, which prefill and {@link ModelState#reset} write in place, and its
     * decode activations), so it stays valid for the state's life.
     */
    private LaunchSequence recordedStep(ModelState state, boolean greedy) {
        LaunchSequence seq = state.recordedStep(this, greedy);
        if (seq == null) {
            seq = device.newSequence();
            try {
                launchStep(k.into(seq), state, greedy);
            } catch (RuntimeException e) {
                seq.close();
                throw e;
            }
            state.keepRecordedStep(this, greedy, seq);
        }
        return seq;
    }

    /**
     * The decode forward pass of one token per slot (ids in state.decode.ids), launched into {@code t}'s
     * target: the queue (eager) or a sequence being recorded. Launches only: no transfers, no waits.
     */
    private void launchStep(ModelKernels t, ModelState state, boolean greedy) {
        int b = state.batch();
        Activations a = state.decode;
        // hidden (b, H) = embeddings[tokens]
        t.embed(a.ids, weights.embeddings(), a.hidden, b);
        for (int i = 0; i < layers.size(); i++) {
            Mixer layer = layers.get(i);
            // residual (b, H) = hidden (block 0) or residual + hidden; normed = rmsnorm(residual) · norm.weight
            t.rmsNorm(a.hidden, a.residual, layer.norm(), a.normed, b, hidden, eps,
                    i == 0 ? RmsNorm.START_RESIDUAL : RmsNorm.ADD_RESIDUAL);
            // hidden (b, H) = mixer(normed), conv and SSM states advanced by one token
            layer.step(t, a, state.conv(i), state.ssm(i), b);
        }
        // logits (b, vocab) = (rmsnorm(residual + hidden) · norm_f.weight) · lm_headᵀ
        t.rmsNorm(a.hidden, a.residual, weights.normF(), a.normed, b, hidden, eps, RmsNorm.ADD_RESIDUAL);
        t.matvec(weights.lmHead(), a.normed, hidden, a.logits, b);
        if (greedy) {
            t.argmax(a.logits, a.tokens, b, vocab);
        }
    }

    /** A launch target that only counts what is launched into it ({@link #decodeLaunchCount}). */
    private static final class LaunchCounter implements LaunchTarget {
        int launches;

        @Override
        public void launch(CompiledKernel kernel, WorkerGrid grid, Object... args) {
            launches++;
        }

        @Override
        public void copy(DeviceBuffer src, DeviceBuffer dst, long bytes) {
            throw new IllegalStateException("the decode step makes no copies");
        }
    }

    /** The common length of the prompts; checks the slots and the ids. */
    private int checkPrompts(ModelState state, int slot, int[][] ids) {
        if (ids.length == 0 || ids[0].length == 0) {
            throw new IllegalArgumentException("prefill needs at least one sequence of at least one token");
        }
        int len = ids[0].length;
        for (int[] seq : ids) {
            if (seq.length != len) {
                throw new IllegalArgumentException("one prefill call takes sequences of one length (got " + len
                        + " and " + seq.length + "): prefill sequences of other lengths into their own slots with "
                        + "separate calls, then decode them together");
            }
            checkIds(seq);
        }
        if (slot < 0 || slot + ids.length > state.batch()) {
            throw new IllegalArgumentException("slots " + slot + ".." + (slot + ids.length - 1) + " outside a state of "
                    + state.batch() + " slots");
        }
        return len;
    }

    private void checkIds(int[] ids) {
        for (int id : ids) {
            if (id < 0 || id >= vocab) {
                throw new IllegalArgumentException("token id " + id + " outside the vocabulary [0, " + vocab + ")");
            }
        }
    }

    private static MemorySegment ints(int[][] ids, Arena host) {
        int total = 0;
        for (int[] s : ids) {
            total += s.length;
        }
        MemorySegment m = host.allocate(ValueLayout.JAVA_INT, total);
        long at = 0;
        for (int[] s : ids) {
            MemorySegment.copy(s, 0, m, ValueLayout.JAVA_INT, at, s.length);
            at += 4L * s.length;
        }
        return m;
    }

    private float[] download(DeviceBuffer b, long count, Arena host) {
        MemorySegment m = host.allocate(ValueLayout.JAVA_FLOAT, count);
        k.queue().download(b.slice(0, 4 * count), m);
        k.queue().finish();
        return m.toArray(ValueLayout.JAVA_FLOAT);
    }

    private int[] downloadInts(DeviceBuffer b, int count, Arena host) {
        MemorySegment m = host.allocate(ValueLayout.JAVA_INT, count);
        k.queue().download(b.slice(0, 4L * count), m);
        k.queue().finish();
        return m.toArray(ValueLayout.JAVA_INT);
    }

    private float[][] rows(float[] flat, int n) {
        float[][] out = new float[n][];
        for (int s = 0; s < n; s++) {
            out[s] = java.util.Arrays.copyOfRange(flat, s * vocab, (s + 1) * vocab);
        }
        return out;
    }

    /** Frees the weights; states made by {@link #newState} are closed by their owner. */
    @Override
    public void close() {
        weights.close();
    }
}
