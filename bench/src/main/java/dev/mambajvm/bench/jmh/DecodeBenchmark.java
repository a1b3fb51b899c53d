package dev.mambajvm.bench.jmh;

import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.Devices;
import dev.mambajvm.bench.ModelShapes;
import dev.mambajvm.bench.RandomCheckpoint;
import dev.mambajvm.lang.DType;
import dev.mambajvm.model.MambaModel;
import dev.mambajvm.model.ModelState;
import dev.mambajvm.model.weights.Checkpoint;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.TimeUnit;

/**
 * End-to-end CPU decode on the JVM backend: one greedy decode step (all 24 blocks, lm_head, argmax)
 * of mamba-130m's shapes with random weights ({@link RandomCheckpoint}, in memory), batch 1. The
 * time per operation is ms per token; each step feeds back the token it produced.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector",
        "--sun-misc-unsafe-memory-access=allow"})
public class DecodeBenchmark {
    @Param({"mamba-130m"})
    public String model;

    @Param({"bf16"})
    public String dtype;

    private Device device;
    private MambaModel mamba;
    private ModelState state;
    private int[] token = {1};

    @Setup(Level.Trial)
    public void setUp() {
        device = Devices.open("jvm");
        DType type = switch (dtype) {
            case "f32" -> DType.F32;
            case "f16" -> DType.F16;
            default -> DType.BF16;
        };
        try (Checkpoint weights = RandomCheckpoint.of("random " + model, ModelShapes.config(model), type, 1)) {
            mamba = MambaModel.load(device, weights);
        }
        state = mamba.newState(1);   // decode from the empty sequence: a step does not depend on the position
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        state.close();
        mamba.close();
        device.close();
    }

    @Benchmark
    public int decodeStep() {
        token = mamba.decodeGreedy(state, token);
        return token[0];
    }
}
