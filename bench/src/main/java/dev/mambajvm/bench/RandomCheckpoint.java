package dev.mambajvm.bench;

import dev.mambajvm.lang.BFloat16;
import dev.mambajvm.lang.DType;
import dev.mambajvm.model.config.MambaConfig;
import dev.mambajvm.model.weights.Checkpoint;
import dev.mambajvm.model.weights.Tensor;
import dev.mambajvm.model.weights.WeightLayout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Random weights in a config's real shapes ({@link WeightLayout}), in memory, seeded: every tensor
 * the model loads, in one dtype, so a benchmark moves the same bytes as the published checkpoint
 * without a file of gigabytes. Values follow the models' initialisation closely enough to keep the
 * activations finite and of ordinary size (a NaN or a denormal could change a CPU's speed):
 * <pre>
 *   embeddings              uniform, std 0.02
 *   projection matrices     uniform ±1/√fan_in              (nn.Linear's range)
 *   conv1d weight and bias  uniform ±1/√K
 *   dt bias                 softplus⁻¹(dt), dt log-uniform in [0.001, 0.1]
 *   A_log                   log(1 .. dState) per channel (Mamba-1), log(uniform[1, 16]) per head (Mamba-2)
 *   D, norm weights         1
 * </pre>
 * Filled in parallel, in blocks of 1 Mi elements each with its own generator seeded from
 * (seed, tensor, block): the same seed gives the same weights on any number of cores.
 */
public final class RandomCheckpoint {
    private static final int BLOCK = 1 << 20;

    private RandomCheckpoint() {
    }

    /** The checkpoint of {@code config} with every tensor in {@code dtype} (F32, F16 or BF16). */
    public static Checkpoint of(String label, MambaConfig config, DType dtype, long seed) {
        if (dtype != DType.F32 && dtype != DType.F16 && dtype != DType.BF16) {
            throw new IllegalArgumentException("weights must be f32, f16 or bf16, not " + dtype);
        }
        Arena arena = Arena.ofShared();
        try {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            List<WeightLayout.Expected> expected = WeightLayout.of(config).tensors();
            for (int t = 0; t < expected.size(); t++) {
                WeightLayout.Expected e = expected.get(t);
                long n = elements(e.shape());
                MemorySegment data = arena.allocate(n * dtype.byteSize(), 64);
                Init init = init(e.name(), e.shape(), config);
                long tensorSeed = seed * 0x9E3779B97F4A7C15L + t;
                IntStream.range(0, Math.toIntExact(Math.ceilDiv(n, BLOCK))).parallel().forEach(block -> {
                    SplittableRandom r = new SplittableRandom(tensorSeed * 0x632BE59BD9B4E019L + block);
                    long from = (long) block * BLOCK;
                    int len = (int) Math.min(BLOCK, n - from);
                    fill(data, dtype, from, len, init, r);
                });
                tensors.put(e.name(), new Tensor(e.name(), dtype, e.shape(), data));
            }
            return Checkpoint.inMemory(Path.of(label), config, tensors, arena);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    private static long elements(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Element {@code i} of a tensor, given a generator private to its block. */
    @FunctionalInterface
    private interface Init {
        float value(long i, SplittableRandom r);
    }

    private static Init init(String name, long[] shape, MambaConfig c) {
        if (name.endsWith("embeddings.weight") || name.equals("lm_head.weight")) {
            float a = (float) (0.02 * Math.sqrt(3));
            return (i, r) -> uniform(r, a);
        }
        if (name.endsWith("norm.weight") || name.endsWith("norm_f.weight") || name.endsWith(".D")) {
            return (i, r) -> 1.0f;
        }
        if (name.endsWith("conv1d.weight") || name.endsWith("conv1d.bias")) {
            float a = (float) (1 / Math.sqrt(c.convKernel()));
            return (i, r) -> uniform(r, a);
        }
        if (name.endsWith("dt_proj.bias") || name.endsWith("dt_bias")) {
            return (i, r) -> {
                double dt = Math.exp(Math.log(0.001) + r.nextDouble() * (Math.log(0.1) - Math.log(0.001)));
                return (float) (dt + Math.log(-Math.expm1(-dt)));   // softplus⁻¹
            };
        }
        if (name.endsWith("A_log")) {
            if (c.isMamba2()) {
                return (i, r) -> (float) Math.log(1 + 15 * r.nextDouble());
            }
            int dState = c.stateSize();
            return (i, r) -> (float) Math.log(1 + i % dState);
        }
        if (shape.length == 2) {   // in_proj, x_proj, dt_proj, out_proj: (out, in)
            float a = (float) (1 / Math.sqrt(shape[1]));
            return (i, r) -> uniform(r, a);
        }
        throw new IllegalStateException("no initialisation for tensor \"" + name + "\"");
    }

    /** Uniform in [−a, a): 31 random bits scaled in float (the 2.8b's 2.8 G values take seconds, not minutes). */
    private static float uniform(SplittableRandom r, float a) {
        return r.nextInt() * 0x1.0p-31f * a;
    }

    /** Elements [from, from + len) of a tensor: computed into a heap block, converted, copied in one go. */
    private static void fill(MemorySegment data, DType dtype, long from, int len, Init init, SplittableRandom r) {
        if (dtype == DType.F32) {
            float[] block = new float[len];
            for (int i = 0; i < len; i++) {
                block[i] = init.value(from + i, r);
            }
            MemorySegment.copy(block, 0, data, ValueLayout.JAVA_FLOAT_UNALIGNED, from * Float.BYTES, len);
            return;
        }
        short[] block = new short[len];
        boolean bf16 = dtype == DType.BF16;
        for (int i = 0; i < len; i++) {
            float v = init.value(from + i, r);
            block[i] = bf16 ? BFloat16.fromFloat(v) : Float.floatToFloat16(v);
        }
        MemorySegment.copy(block, 0, data, ValueLayout.JAVA_SHORT_UNALIGNED, from * Short.BYTES, len);
    }
}
