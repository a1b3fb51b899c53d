package dev.mambajvm.kernels.scan;

import dev.mambajvm.kernels.mamba.StorageType;
import dev.mambajvm.lang.BFloat16Array;
import dev.mambajvm.lang.Constant;
import dev.mambajvm.lang.DeviceFunction;
import dev.mambajvm.lang.FloatArray;
import dev.mambajvm.lang.HalfArray;
import dev.mambajvm.lang.Kernel;
import dev.mambajvm.lang.KernelContext;
import dev.mambajvm.lang.KernelMath;
import dev.mambajvm.lang.LongArray;
import dev.mambajvm.lang.Unroll;

/**
 * The selective scan of Mamba-1, for prefill: for every channel d and state n,
 * <pre>
 *   Δ_t   = softplus(delta[t, d] + deltaBias[d])
 *   h_t   = exp(Δ_t · A[d, n]) · h_{t-1} + Δ_t · B[t, n] · u[t, d]        A = −exp(A_log)
 *   y_t   = (Σ_n C[t, n] · h_t[n] + D[d] · u[t, d]) · silu(z[t, d])
 * </pre>
 *
 * <p><b>Layout.</b> Token-major, as the projections produce it: u, delta: (batch·L, dInner); z is
 * read in place from the in_proj output (batch·L, 2·dInner) at column offset dInner; B and C are
 * read in place from the x_proj output {@code xdbl} (batch·L, dtRank + 2·dState) at column offsets
 * dtRank and dtRank + dState. One work-item owns one channel, so consecutive work-items read
 * consecutive channels of the same token: every load of u, delta and z is coalesced, and the
 * dState values of B and C at a token are the same for the whole warp (a broadcast).
 *
 * <p><b>Storage types.</b> The prefill kernels read u, delta, B, C (xdbl) and z, and write y, in
 * the storage type {@code ioType} ({@code mamba.StorageType}: f32, f16 or bf16, one array slot per
 * type), as the reference CUDA kernel reads bf16 activations: 16-bit values are widened on load,
 * y is rounded to nearest even on store. Everything else is float32: deltaBias, A_log, D, the
 * arithmetic, the chunk states and the final state.
 *
 * <p><b>What stays on chip.</b> The dState states h[n] and the dState decay rates A[n] of a
 * channel live in registers for the whole walk (private arrays of constant size, indexed only by
 * unrolled loops). The (L × dInner × dState) tensor of states is never written to global memory.
 *
 * <p><b>Parallelism: three kernels.</b> A channel's recurrence is sequential in time, and
 * batch·dInner channels (1536 for mamba-130m at batch 1) are far too few work-items to fill a GPU.
 * So the sequence is cut into chunks of {@code chunkLen} tokens, processed in parallel:
 * <ol>
 *   <li>{@link #chunkStates}: per (batch, chunk, channel), the state the chunk would end in if it
 *       started from zero, and ΣΔ over the chunk (the chunk's decay is exp(A·ΣΔ), because the
 *       product of exp(Δ_t·A) is the exponential of the sum);</li>
 *   <li>{@link #chunkCarry}: per (batch, channel, state), a short sequential pass over the chunks
 *       turns those into each chunk's true initial state, and the final state (kept for decode);</li>
 *   <li>{@link #chunkOutputs}: per (batch, chunk, channel), the walk again from the true initial
 *       state, writing y.</li>
 * </ol>
 * The recurrence runs twice (the price of parallelism over time); u, delta and B are read twice.
 *
 * <p><b>Loads ahead</b> (passes 1 and 3; constant {@code tokenBatch}, chosen by the host:
 * SelectiveScan.PrefillShape). A work-item walks its chunk one
 * token at a time, and each token's arithmetic needs that token's loads: walked naively, every
 * token waits a full memory round trip. So the item first loads delta, u (and z) for the next
 * {@code tokenBatch} tokens into registers, all in flight together, and then computes them: one wait
 * per batch (the loops over the batch are {@code @Unroll}: the batch's arrays are registers only if
 * every index is a constant). A slot of a batch that runs past the chunk's end is skipped.
 * Pass 3 also holds the batch's y in registers and stores it after the batch, so that no store
 * separates two tokens' loads. Neither changes the arithmetic or its order: every walk computes
 * the same bits.
 *
 * <p><b>B and C staged in local memory</b> (passes 1 and 3). B[t, :] and C[t, :] are the same for
 * every channel. Read from global memory at each token, as these passes first did, they cost each
 * warp dState / perWord loads of B (and of C) per token whose latency nothing hides: the loads
 * ahead cannot hold them too (8 tokens of B and C are 64 more registers), and the warps on one SM
 * walk different chunks, so most of those loads miss L1 and wait for L2. So a work-group is 128
 * channels of one chunk (a 2-D grid: (batch, chunk) × channel blocks), and before walking it
 * copies the chunk's B (and C) rows, {@code stageLen} tokens at a time, into local memory as
 * float32: one pass over 2·stageLen·dState contiguous-by-row elements shared by the group's
 * items, all loads in flight together, then a barrier. Each token then reads B and C from local
 * memory, every item the same word (a broadcast, no bank conflict), in a few cycles. With
 * {@code packBC} the copy reads 64-bit words of xdbl, 2 float32 or 4 bf16 per load
 * ({@link #packedAt}), where the layout is aligned to such words (the host checks). Local memory:
 * stageLen · dState floats in pass 1, twice that in pass 3 (16 KB at 128 tokens, dState 16). On an
 * H100 this took 10–25% off the prefill at every benchmark shape (docs/performance.md).
 */
public final class SelectiveScanKernels {
    private SelectiveScanKernels() {
    }

    /**
     * log2(e). The recurrence needs exp(Δ·A) for every token, channel and state, more exponentials
     * than any other operation; exp(x) = 2^(x·log2 e), so A is pre-scaled once per channel and each
     * step pays one {@code exp2}. Passes 1 and 3 call {@code KernelMath.exp2Ftz}: on NVIDIA GPUs
     * the single special-function instruction, where {@code exp2} adds three instructions to keep
     * results under 2^-126 (a decay that leaves nothing of the state either way): three instructions
     * fewer per state and token (pass 3's cubin at 8 tokens ahead: 384 fewer). softplus and SiLU take
     * their e^x the same way. On an H100 this took 6–15% off the prefill (docs/performance.md).
     */
    static final float LOG2E = 1.442695f;

    /**
     * Chunks whose values pass 2 loads before it uses any. Each step of the walk over chunks needs
     * the chunk's local state and Δ sum from memory, and the store of the previous step keeps the
     * compiler from hoisting the next loads (states is read and written): one memory round trip per
     * chunk, measured on an H100 as 35% of the prefill at dInner 5120, L 32768 (1.9 of 5.45 ms,
     * growing linearly with the number of chunks). Loading 8 chunks at once makes it one round trip
     * per 8; the arithmetic and its order are unchanged.
     */
    public static final int CARRY_BATCH = 8;

    /**
     * Element e of a 64-bit word read through a {@code LongArray} view of float32 (e < 2) or bf16
     * (e < 4, ioType BF16) data, as float32; little-endian, so element 0 is the lowest bits. A
     * bf16 is the top half of a float32. With e and ioType known at compile time (unrolled loops,
     * a constant) this is one shift or mask.
     */
    @DeviceFunction
    public static float packedAt(long word, int e, int ioType) {
        if (ioType == StorageType.BF16) {
            int half = (int) (e < 2 ? word : word >>> 32);
            return Float.intBitsToFloat(e % 2 == 0 ? half << 16 : half & 0xFFFF0000);
        }
        return Float.intBitsToFloat((int) (e == 0 ? word : word >>> 32));
    }

    /**
     * softplus(x) = log(1 + e^x), x itself past 20 (where PyTorch's softplus switches too). e^x as
     * exp2Ftz(x·log2 e): two instructions instead of expf's nine or so, at a relative error under
     * 2e-6 for |x| ≤ 20 (mostly the rounding of x·log2 e); log1p stays the accurate one.
     */
    @DeviceFunction
    public static float softplus(float x) {
        return x > 20.0f ? x : KernelMath.log1p(KernelMath.exp2Ftz(x * LOG2E));
    }

    /** SiLU(x) = x · sigmoid(x); e^-x as in {@link #softplus}. */
    @DeviceFunction
    public static float silu(float x) {
        return x / (1.0f + KernelMath.exp2Ftz(-x * LOG2E));
    }

    /**
     * Pass 1. states: (batch, dInner, nChunks, dState) out; dtSums: (batch, dInner, nChunks) out.
     * u, delta and xdbl in the slots of {@code ioType}; {@code xdbl64} is the same xdbl buffer seen
     * as 64-bit words, read instead of the xdbl slots when {@code packBC} != 0 (see
     * {@link #packedAt}). 2-D grid of (groupSize, 1) groups: x batch · nChunks groups (x, whose
     * limit is 2^31 − 1 groups on CUDA, not y's 65535), y ⌈dInner / groupSize⌉ blocks of
     * groupSize channels (items past dInner only help to stage), so that a group's items share one
     * chunk and its B rows ("B and C staged in local memory" above).
     */
    @Kernel
    public static void chunkStates(KernelContext ctx, FloatArray u, HalfArray uF16, BFloat16Array uBf16,
                                   FloatArray delta, HalfArray deltaF16, BFloat16Array deltaBf16, FloatArray deltaBias,
                                   FloatArray aLog, FloatArray xdbl, HalfArray xdblF16, BFloat16Array xdblBf16,
                                   LongArray xdbl64, int xdblStride, int bOffset, FloatArray states, FloatArray dtSums,
                                   int batch, int seqLen, int dInner,
                                   @Constant int dState, @Constant int chunkLen, @Constant int ioType,
                                   @Constant int tokenBatch, @Constant int packBC, @Constant int groupSize,
                                   @Constant int stageLen) {
        // B[t, :] for stageLen tokens of the chunk, as float32: read from HBM once per group.
        float[] bTile = ctx.allocateFloatLocalArray(stageLen * dState);
        int nChunks = (seqLen + chunkLen - 1) / chunkLen;
        int lid = ctx.localIdx;
        int d = ctx.groupIdy * groupSize + lid;
        int c = ctx.groupIdx % nChunks;
        int b = ctx.groupIdx / nChunks;
        boolean active = d < dInner;
        int perWord = ioType == StorageType.BF16 ? 4 : 2;
        float[] a = new float[dState];
        float[] h = new float[dState];
        // This channel's raw delta and u for the next tokenBatch tokens (registers).
        float[] deltaAhead = new float[tokenBatch];
        float[] uAhead = new float[tokenBatch];
        float bias = 0.0f;
        if (active) {
            for (int n = 0; n < dState; n++) {
                a[n] = -KernelMath.exp(aLog.get(d * dState + n)) * LOG2E;
            }
            bias = deltaBias.get(d);
        }
        float dtSum = 0.0f;
        int t0 = c * chunkLen;
        int t1 = Math.min(t0 + chunkLen, seqLen);
        for (int s0 = t0; s0 < t1; s0 += stageLen) {
            int s1 = Math.min(s0 + stageLen, t1);
            ctx.localBarrier();   // every item is done with the previous stage's rows
            // B rows s0 … s1 − 1: the group's items take elements (packBC: 64-bit words of perWord
            // elements) in turn; each row's dState elements are contiguous in HBM.
            if (packBC != 0) {
                for (int i = lid; i < (s1 - s0) * (dState / perWord); i += groupSize) {
                    int t = i / (dState / perWord);
                    int k = i % (dState / perWord);
                    long bWord = xdbl64.get(((b * seqLen + s0 + t) * xdblStride + bOffset) / perWord + k);
                    for (int e = 0; e < perWord; e++) {
                        bTile[t * dState + k * perWord + e] = packedAt(bWord, e, ioType);
                    }
                }
            } else {
                for (int i = lid; i < (s1 - s0) * dState; i += groupSize) {
                    int at = (b * seqLen + s0 + i / dState) * xdblStride + bOffset + i % dState;
                    bTile[i] = StorageType.load(xdbl, xdblF16, xdblBf16, ioType, at);
                }
            }
            ctx.localBarrier();
            if (active) {
                for (int tb = s0; tb < s1; tb += tokenBatch) {
                    // The batch's loads first, all in flight at once ("Loads ahead" above); a slot
                    // past the end of the stage re-reads its last token (a valid address), unused.
                    for (@Unroll int j = 0; j < tokenBatch; j++) {
                        int i = (b * seqLen + Math.min(tb + j, s1 - 1)) * dInner + d;
                        deltaAhead[j] = StorageType.load(delta, deltaF16, deltaBf16, ioType, i);
                        uAhead[j] = StorageType.load(u, uF16, uBf16, ioType, i);
                    }
                    for (@Unroll int j = 0; j < tokenBatch; j++) {
                        if (tb + j < s1) {
                            int at = (tb + j - s0) * dState;
                            float dt = softplus(deltaAhead[j] + bias);
                            float du = dt * uAhead[j];
                            dtSum += dt;
                            for (int n = 0; n < dState; n++) {
                                h[n] = KernelMath.exp2Ftz(dt * a[n]) * h[n] + du * bTile[at + n];
                            }
                        }
                    }
                }
            }
        }
        if (active) {
            int s = ((b * dInner + d) * nChunks + c) * dState;
            for (int n = 0; n < dState; n++) {
                states.set(s + n, h[n]);
            }
            dtSums.set((b * dInner + d) * nChunks + c, dtSum);
        }
    }

    /**
     * Pass 2, in place: states[b, d, c, :] becomes the state chunk c starts from; finalState
     * (batch, dInner, dState) gets the state after the last token. Grid: batch · dInner · dState
     * work-items (state fastest), any group size; each walks the nChunks chunks in order, loading
     * {@link #CARRY_BATCH} chunks ahead (each item reads an element before it writes it).
     */
    @Kernel
    public static void chunkCarry(KernelContext ctx, FloatArray aLog, FloatArray dtSums, FloatArray states,
                                  FloatArray finalState, int batch, int seqLen, int dInner,
                                  @Constant int dState, @Constant int chunkLen) {
        int nChunks = (seqLen + chunkLen - 1) / chunkLen;
        int gid = ctx.globalIdx;
        if (gid >= batch * dInner * dState) {
            return;
        }
        int n = gid % dState;
        int bd = gid / dState;
        int d = bd % dInner;
        float a = -KernelMath.exp(aLog.get(d * dState + n));
        float[] local = new float[CARRY_BATCH];
        float[] dtSum = new float[CARRY_BATCH];
        float h = 0.0f;
        for (int c0 = 0; c0 < nChunks; c0 += CARRY_BATCH) {
            // The next CARRY_BATCH chunks' loads first, all in flight at once (see CARRY_BATCH).
            for (int j = 0; j < CARRY_BATCH; j++) {
                int c = Math.min(c0 + j, nChunks - 1);
                local[j] = states.get((bd * nChunks + c) * dState + n);
                dtSum[j] = dtSums.get(bd * nChunks + c);
            }
            for (int j = 0; j < CARRY_BATCH; j++) {
                if (c0 + j < nChunks) {
                    states.set((bd * nChunks + c0 + j) * dState + n, h);
                    h = KernelMath.exp(a * dtSum[j]) * h + local[j];
                }
            }
        }
        finalState.set(gid, h);
    }

    /**
     * Pass 3: y (batch·L, dInner) from the chunk's true initial state. z is read at
     * z[row · zStride + zOffset + d], C at xdbl[row · xdblStride + cOffset + n]. u, delta, xdbl,
     * z and y in the slots of {@code ioType}; xdbl64, packBC, the grid and the staging as in
     * {@link #chunkStates}, with C staged beside B.
     */
    @Kernel
    public static void chunkOutputs(KernelContext ctx, FloatArray u, HalfArray uF16, BFloat16Array uBf16,
                                    FloatArray delta, HalfArray deltaF16, BFloat16Array deltaBf16, FloatArray deltaBias,
                                    FloatArray aLog, FloatArray xdbl, HalfArray xdblF16, BFloat16Array xdblBf16,
                                    LongArray xdbl64, int xdblStride, int bOffset, int cOffset,
                                    FloatArray z, HalfArray zF16, BFloat16Array zBf16, int zStride, int zOffset,
                                    FloatArray dSkip, FloatArray states,
                                    FloatArray y, HalfArray yF16, BFloat16Array yBf16,
                                    int batch, int seqLen, int dInner,
                                    @Constant int dState, @Constant int chunkLen, @Constant int ioType,
                                    @Constant int tokenBatch, @Constant int packBC, @Constant int groupSize,
                                    @Constant int stageLen) {
        float[] bTile = ctx.allocateFloatLocalArray(stageLen * dState);
        float[] cTile = ctx.allocateFloatLocalArray(stageLen * dState);
        int nChunks = (seqLen + chunkLen - 1) / chunkLen;
        int lid = ctx.localIdx;
        int d = ctx.groupIdy * groupSize + lid;
        int c = ctx.groupIdx % nChunks;
        int b = ctx.groupIdx / nChunks;
        boolean active = d < dInner;
        int perWord = ioType == StorageType.BF16 ? 4 : 2;
        float[] a = new float[dState];
        float[] h = new float[dState];
        // This channel's raw delta, u and z for the next tokenBatch tokens, and its y for them: the
        // stores wait for the end of the batch, so that no store sits between two tokens' loads
        // (the compiler may not move a load above a store to memory it cannot prove distinct).
        float[] deltaAhead = new float[tokenBatch];
        float[] uAhead = new float[tokenBatch];
        float[] zAhead = new float[tokenBatch];
        float[] yAhead = new float[tokenBatch];
        float bias = 0.0f;
        float skip = 0.0f;
        if (active) {
            int s = ((b * dInner + d) * nChunks + c) * dState;
            for (int n = 0; n < dState; n++) {
                a[n] = -KernelMath.exp(aLog.get(d * dState + n)) * LOG2E;
                h[n] = states.get(s + n);
            }
            bias = deltaBias.get(d);
            skip = dSkip.get(d);
        }
        int t0 = c * chunkLen;
        int t1 = Math.min(t0 + chunkLen, seqLen);
        for (int s0 = t0; s0 < t1; s0 += stageLen) {
            int s1 = Math.min(s0 + stageLen, t1);
            ctx.localBarrier();   // every item is done with the previous stage's rows
            // B and C rows s0 … s1 − 1, as in chunkStates: element (or word) (t, n) of both per turn.
            if (packBC != 0) {
                for (int i = lid; i < (s1 - s0) * (dState / perWord); i += groupSize) {
                    int t = i / (dState / perWord);
                    int k = i % (dState / perWord);
                    int row = (b * seqLen + s0 + t) * xdblStride;
                    long bWord = xdbl64.get((row + bOffset) / perWord + k);
                    long cWord = xdbl64.get((row + cOffset) / perWord + k);
                    for (int e = 0; e < perWord; e++) {
                        bTile[t * dState + k * perWord + e] = packedAt(bWord, e, ioType);
                        cTile[t * dState + k * perWord + e] = packedAt(cWord, e, ioType);
                    }
                }
            } else {
                for (int i = lid; i < (s1 - s0) * dState; i += groupSize) {
                    int row = (b * seqLen + s0 + i / dState) * xdblStride + i % dState;
                    bTile[i] = StorageType.load(xdbl, xdblF16, xdblBf16, ioType, row + bOffset);
                    cTile[i] = StorageType.load(xdbl, xdblF16, xdblBf16, ioType, row + cOffset);
                }
            }
            ctx.localBarrier();
            if (active) {
                for (int tb = s0; tb < s1; tb += tokenBatch) {
                    for (@Unroll int j = 0; j < tokenBatch; j++) {
                        int row = b * seqLen + Math.min(tb + j, s1 - 1);
                        deltaAhead[j] = StorageType.load(delta, deltaF16, deltaBf16, ioType, row * dInner + d);
                        uAhead[j] = StorageType.load(u, uF16, uBf16, ioType, row * dInner + d);
                        zAhead[j] = StorageType.load(z, zF16, zBf16, ioType, row * zStride + zOffset + d);
                    }
                    for (@Unroll int j = 0; j < tokenBatch; j++) {
                        if (tb + j < s1) {
                            int at = (tb + j - s0) * dState;
                            float dt = softplus(deltaAhead[j] + bias);
                            float du = dt * uAhead[j];
                            float acc = 0.0f;
                            for (int n = 0; n < dState; n++) {
                                h[n] = KernelMath.exp2Ftz(dt * a[n]) * h[n] + du * bTile[at + n];
                                acc += h[n] * cTile[at + n];
                            }
                            yAhead[j] = (acc + skip * uAhead[j]) * silu(zAhead[j]);
                        }
                    }
                    for (@Unroll int j = 0; j < tokenBatch; j++) {
                        if (tb + j < s1) {
                            StorageType.store(y, yF16, yBf16, ioType, (b * seqLen + tb + j) * dInner + d, yAhead[j]);
                        }
                    }
                }
            }
        }
    }

    /**
     * The decode step (one token per sequence), Mamba-1, with dt_proj folded in: state (batch,
     * dInner, dState) is updated in place and y (batch, dInner) written.
     * <pre>
     *   delta[b, d] = Σ_{r < dtRank} dtProj[d, r] · dt[b · dtStride + r]     dt_proj without its bias
     * </pre>
     * then as {@link #chunkOutputs} for one token. dtProj (dInner, dtRank) is in the slot of
     * {@code dtProjType} ({@code mamba.StorageType}); dt is the low-rank dt, in place in x_proj's
     * output (dtStride = its row width); u (batch, dInner); z, B, C read in place as in
     * {@link #chunkOutputs} with one row per sequence; all activations here are float32 (the
     * prefill's {@code ioType} is not a parameter of the step).
     *
     * <p>Why dt_proj is here and not a GEMV launch: a row of dt_proj is only dtRank (⌈hidden/16⌉,
     * 48–160) values, too short for a work-group of its own (the GEMV's groups would be mostly idle
     * and spend their time reducing), while the channel that needs delta[b, d] can read its row in
     * dtRank multiply-adds. One launch per layer and token fewer, and delta never goes through
     * global memory.
     *
     * <p><b>Work-group: a block of channels.</b> The step moves little (mamba-2.8b: 5120·16 float32
     * states read and written, 5120·160 bf16 of dt_proj read, 2.3 MB, under 1 µs at HBM speed) but
     * one work-item per channel gives only batch·dInner items (40 warps for 132 SMs), each walking
     * dtRank dependent FMAs and then dState states in sequence: latency, not bandwidth, sets the
     * time. So a group of {@code blockChannels · lanes} items shares {@code blockChannels}
     * consecutive channels d of one sequence b, {@code lanes} items per channel (item = channel ·
     * lanes + lane); 1-D grid of batch · ⌈dInner / blockChannels⌉ groups, block fastest.
     * <ol>
     *   <li>delta: the block's dt_proj rows are contiguous in HBM (blockChannels · dtRank values);
     *       lane k of a channel reads r = k, k + lanes, …, so each round of loads covers runs of
     *       {@code lanes} consecutive elements: coalesced, every byte of the block read once. dt is
     *       the same for every channel (L1 broadcasts). The lanes' partial sums meet in local memory
     *       and every lane of the channel adds up all of them itself (a broadcast read, one barrier
     *       instead of a tree's log2(lanes)).</li>
     *   <li>state: lane k updates states n = k, k + lanes, … (registers), so the group reads and
     *       writes blockChannels · dState consecutive floats of the state: coalesced, once each.
     *       A_log is read the same way; B and C are the same for the whole group (broadcasts).
     *       exp(Δ·A) is one {@code exp2} of A pre-scaled by log2(e). The lanes' C·h partial sums
     *       meet in local memory, and lane 0 of each channel writes y[b, d].</li>
     * </ol>
     * HBM per group: its dt_proj block and its state block, read once (the state written once);
     * A_log, u, z, D and the bias are small and per channel, B, C and dt per sequence (cache hits
     * after the first group). Every load that does not depend on delta (state, A_log, B, C, u, z,
     * D, the bias) is issued before the dt_proj loop and used only after it, so its latency
     * overlaps that loop's (a GPU issues in order: an exp(A_log) there would stall the item before
     * its first dt_proj load). Registers: the item's ⌈dState/lanes⌉ states with their A_log, B and
     * C. Local memory: 2 · blockChannels · lanes floats (the two sets of partial sums, separate so
     * that the second needs no barrier before it is written).
     *
     * <p>Shape: on GPUs the host launches 8 channels × 16 lanes, 128 items (SelectiveScan
     * STEP_CHANNELS, STEP_LANES say why those sizes): one state per lane at Mamba-1's dState 16,
     * two channels per warp. With blockChannels = lanes = 1 (the JVM backend's shape: a one-item
     * group runs as a plain loop there, no thread per item) it is one item per channel walking its
     * whole row and all its states. Any dInner (a partial last block), dtRank and batch.
     */
    @Kernel
    public static void stateUpdate(KernelContext ctx, FloatArray u, FloatArray dt, int dtStride, int dtRank,
                                   FloatArray dtProj, HalfArray dtProjF16, BFloat16Array dtProjBf16,
                                   FloatArray deltaBias, FloatArray aLog, FloatArray xdbl, int xdblStride, int bOffset,
                                   int cOffset, FloatArray z, int zStride, int zOffset, FloatArray dSkip,
                                   FloatArray state, FloatArray y, int batch, int dInner, @Constant int dState,
                                   @Constant int dtProjType, @Constant int blockChannels, @Constant int lanes) {
        // (blockChannels, lanes) partial sums: of delta, then of C·h.
        float[] deltaPartial = ctx.allocateFloatLocalArray(blockChannels * lanes);
        float[] yPartial = ctx.allocateFloatLocalArray(blockChannels * lanes);
        // This lane's states n = lane + lanes·i (one at dState = lanes): h, A_log, B[n], C[n].
        float[] h = new float[(dState + lanes - 1) / lanes];
        float[] aLogN = new float[(dState + lanes - 1) / lanes];
        float[] bn = new float[(dState + lanes - 1) / lanes];
        float[] cn = new float[(dState + lanes - 1) / lanes];
        int lid = ctx.localIdx;
        int channel = lid / lanes;
        int lane = lid % lanes;
        int blocks = (dInner + blockChannels - 1) / blockChannels;
        int b = ctx.groupIdx / blocks;
        int d = (ctx.groupIdx % blocks) * blockChannels + channel;
        // Items past dInner (the last block) or past the batch load nothing and store nothing, but
        // still reach both barriers.
        boolean active = d < dInner && b < batch;
        int bd = b * dInner + d;
        float ut = 0.0f;
        float bias = 0.0f;
        float zt = 0.0f;
        float skip = 0.0f;
        if (active) {
            ut = u.get(bd);
            bias = deltaBias.get(d);
            zt = z.get(b * zStride + zOffset + d);
            skip = dSkip.get(d);
            for (int i = 0; i < (dState + lanes - 1) / lanes; i++) {
                int n = lane + lanes * i;
                if (n < dState) {
                    h[i] = state.get(bd * dState + n);
                    aLogN[i] = aLog.get(d * dState + n);
                    bn[i] = xdbl.get(b * xdblStride + bOffset + n);
                    cn[i] = xdbl.get(b * xdblStride + cOffset + n);
                }
            }
        }
        float partial = 0.0f;
        if (active) {
            // The block's rows are contiguous: each round the group reads runs of lanes elements.
            for (int r = lane; r < dtRank; r += lanes) {
                partial = Math.fma(StorageType.load(dtProj, dtProjF16, dtProjBf16, dtProjType, d * dtRank + r),
                        dt.get(b * dtStride + r), partial);
            }
        }
        deltaPartial[lid] = partial;
        ctx.localBarrier();
        // Every lane needs delta: each adds its channel's lanes partials itself (the same words for
        // the channel's lanes, a broadcast) rather than a tree that costs log2(lanes) barriers.
        float delta = 0.0f;
        for (int k = 0; k < lanes; k++) {
            delta += deltaPartial[channel * lanes + k];
        }
        float dtSoft = softplus(delta + bias);
        float du = dtSoft * ut;
        float acc = 0.0f;
        if (active) {
            for (int i = 0; i < (dState + lanes - 1) / lanes; i++) {
                int n = lane + lanes * i;
                if (n < dState) {
                    // A·log2(e), so that exp(Δ·A) is one exp2.
                    float a = -KernelMath.exp(aLogN[i]) * LOG2E;
                    float hn = Math.fma(KernelMath.exp2(dtSoft * a), h[i], du * bn[i]);
                    state.set(bd * dState + n, hn);
                    acc = Math.fma(cn[i], hn, acc);
                }
            }
        }
        yPartial[lid] = acc;
        ctx.localBarrier();
        if (active && lane == 0) {
            float sum = 0.0f;
            for (int k = 0; k < lanes; k++) {
                sum += yPartial[lid + k];
            }
            y.set(bd, (sum + skip * ut) * silu(zt));
        }
    }
}
