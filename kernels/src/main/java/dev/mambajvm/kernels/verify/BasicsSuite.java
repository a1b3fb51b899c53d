package dev.mambajvm.kernels.verify;

import dev.mambajvm.backend.CompiledKernel;
import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.backend.WorkerGrid;
import dev.mambajvm.kernels.basics.ActivationKernels;
import dev.mambajvm.kernels.basics.MatMulKernels;
import dev.mambajvm.kernels.basics.PrecisionKernels;
import dev.mambajvm.kernels.basics.ReductionKernels;
import dev.mambajvm.kernels.basics.TensorCoreKernels;
import dev.mambajvm.kernels.basics.VectorKernels;
import dev.mambajvm.lang.BFloat16;
import dev.mambajvm.lang.KernelMath;
import dev.mambajvm.lang.spec.KernelSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Runs every basics kernel on one device against a float64 reference computed here in plain Java,
 * on fresh random inputs, at sizes that are not multiples of the work-group size. The same suite
 * backs the unit tests (JVM and PoCL) and {@code mamba-cli verify} on GPUs.
 *
 * <p>Bounds are relative errors in float32: element-wise kernels are exact up to one rounding
 * (1e-6); sums and products accumulate (1e-5); transcendental functions are a few ulp (1e-5).
 */
public final class BasicsSuite {
    private final Device device;
    private final Random random;

    public BasicsSuite(Device device, long seed) {
        this.device = device;
        this.random = new Random(seed);
    }

    public List<Check> runAll() {
        List<Check> checks = new ArrayList<>();
        for (int n : new int[]{1, 1000, 65_537}) {
            checks.add(vectorAdd(n));
        }
        checks.add(scale(100_003, 64, 128));
        checks.add(scaleUnrolled(100_003, 4, 128));
        checks.add(scaleUnrolled(777, 8, 64));
        checks.add(groupSum(10_000, 64));
        checks.add(groupSum(3_001, 256));
        checks.add(matmul(37, 53, 70, 16));
        checks.add(matmul(64, 64, 64, 8));
        checks.add(matmulTf32(37, 29, 45));
        checks.add(matmulTf32(64, 48, 128));
        checks.addAll(mixedFma(1001));
        checks.add(siluTimesSoftplus(4099));
        checks.add(powerOfTwoFtz(5003));
        checks.add(causalMovingSum(1000, 4));
        checks.add(causalMovingSum(77, 3));
        return checks;
    }

    private CompiledKernel compile(Class<?> owner, String name, Map<String, ? extends Number> constants) {
        return device.compile(KernelSpec.load(owner, name), constants);
    }

    public Check vectorAdd(int n) {
        float[] a = HostData.uniform(random, n, -1, 1);
        float[] b = HostData.uniform(random, n, -1, 1);
        double[] ref = new double[n];
        for (int i = 0; i < n; i++) {
            ref[i] = (double) a[i] + b[i];
        }
        try (DeviceBuffer da = HostData.upload(device, a); DeviceBuffer db = HostData.upload(device, b);
             DeviceBuffer dc = HostData.poisonedFloats(device, n)) {
            device.queue().launch(compile(VectorKernels.class, "vectorAdd", Map.of()), WorkerGrid.covering1D(n, 128),
                    da, db, dc, n);
            return Check.compare("VectorKernels.vectorAdd", "n=" + n + " local=128",
                    HostData.downloadFloats(device, dc, n), ref, 1e-6);
        }
    }

    /** A grid of {@code groups × local} items, smaller than n: the grid-stride loop covers the rest. */
    public Check scale(int n, int groups, int local) {
        float[] x = HostData.uniform(random, n, -4, 4);
        float alpha = 0.5f + random.nextFloat();
        double[] ref = new double[n];
        for (int i = 0; i < n; i++) {
            ref[i] = (double) alpha * x[i];
        }
        try (DeviceBuffer dx = HostData.upload(device, x); DeviceBuffer dy = HostData.poisonedFloats(device, n)) {
            device.queue().launch(compile(VectorKernels.class, "scale", Map.of()),
                    WorkerGrid.of1D((long) groups * local, local), dx, dy, alpha, n);
            return Check.compare("VectorKernels.scale", "n=" + n + " grid=" + groups + "x" + local,
                    HostData.downloadFloats(device, dy, n), ref, 1e-6);
        }
    }

    public Check scaleUnrolled(int n, int itemsPerThread, int local) {
        float[] x = HostData.uniform(random, n, -4, 4);
        float alpha = 0.5f + random.nextFloat();
        double[] ref = new double[n];
        for (int i = 0; i < n; i++) {
            ref[i] = (double) alpha * x[i];
        }
        try (DeviceBuffer dx = HostData.upload(device, x); DeviceBuffer dy = HostData.poisonedFloats(device, n)) {
            device.queue().launch(compile(VectorKernels.class, "scaleUnrolled", Map.of("itemsPerThread", itemsPerThread)),
                    WorkerGrid.covering1D(Math.ceilDiv(n, itemsPerThread), local), dx, dy, alpha, n);
            return Check.compare("VectorKernels.scaleUnrolled", "n=" + n + " items=" + itemsPerThread + " local=" + local,
                    HostData.downloadFloats(device, dy, n), ref, 1e-6);
        }
    }

    public Check groupSum(int n, int groupSize) {
        float[] x = HostData.uniform(random, n, -1, 1);
        int groups = (n + groupSize - 1) / groupSize;
        double[] ref = new double[groups];
        for (int i = 0; i < n; i++) {
            ref[i / groupSize] += x[i];
        }
        try (DeviceBuffer dx = HostData.upload(device, x); DeviceBuffer dp = HostData.poisonedFloats(device, groups)) {
            device.queue().launch(compile(ReductionKernels.class, "groupSum", Map.of("groupSize", groupSize)),
                    WorkerGrid.covering1D(n, groupSize), dx, dp, n);
            return Check.compare("ReductionKernels.groupSum", "n=" + n + " groupSize=" + groupSize,
                    HostData.downloadFloats(device, dp, groups), ref, 1e-5);
        }
    }

    public Check matmul(int m, int n, int k, int tile) {
        float[] a = HostData.uniform(random, m * k, -1, 1);
        float[] b = HostData.uniform(random, k * n, -1, 1);
        double[] ref = product(a, b, m, n, k);
        try (DeviceBuffer da = HostData.upload(device, a); DeviceBuffer db = HostData.upload(device, b);
             DeviceBuffer dc = HostData.poisonedFloats(device, m * n)) {
            long gx = (long) Math.ceilDiv(n, tile) * tile;
            long gy = (long) Math.ceilDiv(m, tile) * tile;
            device.queue().launch(compile(MatMulKernels.class, "matmulTiled", Map.of("tile", tile)),
                    WorkerGrid.of2D(gx, gy, tile, tile), da, db, dc, m, n, k);
            return Check.compare("MatMulKernels.matmulTiled", m + "x" + k + " * " + k + "x" + n + " tile=" + tile,
                    HostData.downloadFloats(device, dc, m * n), ref, 1e-5);
        }
    }

    /** A copy of x, each element rounded to TF32 as the device rounds it. */
    private static float[] roundedToTf32(float[] x) {
        float[] r = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            r[i] = KernelMath.roundToTf32(x[i]);
        }
        return r;
    }

    /** A (m × k) · B (k × n), row-major, in float64. */
    private static double[] product(float[] a, float[] b, int m, int n, int k) {
        double[] ref = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    s += (double) a[i * k + p] * b[p * n + j];
                }
                ref[i * n + j] = s;
            }
        }
        return ref;
    }

    /**
     * The tensor-core product ({@code KernelContext.mmaTf32}) against float64 sums of the products
     * of the TF32-rounded inputs ({@code KernelMath.roundToTf32} on the host). Bound 1e-6: float32
     * sums of exact products. A device that rounded differently, or placed a fragment element in the
     * wrong row or column, is off by ~1e-4 or more.
     */
    public Check matmulTf32(int m, int n, int k) {
        float[] a = HostData.uniform(random, m * k, -1, 1);
        float[] b = HostData.uniform(random, k * n, -1, 1);
        double[] ref = product(roundedToTf32(a), roundedToTf32(b), m, n, k);
        try (DeviceBuffer da = HostData.upload(device, a); DeviceBuffer db = HostData.upload(device, b);
             DeviceBuffer dc = HostData.poisonedFloats(device, m * n)) {
            long groups = (long) Math.ceilDiv(m, TensorCoreKernels.TILE_M) * Math.ceilDiv(n, TensorCoreKernels.TILE_N);
            device.queue().launch(compile(TensorCoreKernels.class, "matmulTf32", Map.of()),
                    WorkerGrid.of1D(groups * TensorCoreKernels.LOCAL, TensorCoreKernels.LOCAL), da, db, dc, m, n, k);
            return Check.compare("TensorCoreKernels.matmulTf32", m + "x" + k + " * " + k + "x" + n,
                    HostData.downloadFloats(device, dc, m * n), ref, 1e-6);
        }
    }

    /**
     * Three checks: the float32 result against float64, and the float16 and bfloat16 outputs
     * against round-to-nearest-even of the device's own float32 result, bit for bit.
     */
    public List<Check> mixedFma(int n) {
        short[] h = HostData.toHalf(HostData.uniform(random, n, -2, 2));
        short[] b = HostData.toBf16(HostData.uniform(random, n, -2, 2));
        float[] f = HostData.uniform(random, n, -1, 1);
        double[] ref = new double[n];
        for (int i = 0; i < n; i++) {
            ref[i] = (double) Float.float16ToFloat(h[i]) * BFloat16.toFloat(b[i]) + f[i];
        }
        try (DeviceBuffer dh = HostData.upload(device, h); DeviceBuffer db = HostData.upload(device, b);
             DeviceBuffer df = HostData.upload(device, f); DeviceBuffer out = HostData.poisonedFloats(device, n);
             DeviceBuffer outH = HostData.poisonedShorts(device, n, HostData.HALF_POISON);
             DeviceBuffer outB = HostData.poisonedShorts(device, n, HostData.BF16_POISON)) {
            device.queue().launch(compile(PrecisionKernels.class, "mixedFma", Map.of()), WorkerGrid.covering1D(n, 64),
                    dh, db, df, out, outH, outB, n);
            float[] o = HostData.downloadFloats(device, out, n);
            short[] oh = HostData.downloadShorts(device, outH, n);
            short[] ob = HostData.downloadShorts(device, outB, n);
            int halfMismatch = 0;
            int bf16Mismatch = 0;
            for (int i = 0; i < n; i++) {
                halfMismatch += oh[i] == Float.floatToFloat16(o[i]) ? 0 : 1;
                bf16Mismatch += ob[i] == BFloat16.fromFloat(o[i]) ? 0 : 1;
            }
            String shape = "n=" + n;
            return List.of(
                    Check.compare("PrecisionKernels.mixedFma", shape + " f32 out", o, ref, 1e-6),
                    new Check("PrecisionKernels.mixedFma", shape + " f16 out", (double) halfMismatch / n, 0, 0,
                            halfMismatch + " elements not rounded to nearest even"),
                    new Check("PrecisionKernels.mixedFma", shape + " bf16 out", (double) bf16Mismatch / n, 0, 0,
                            bf16Mismatch + " elements not rounded to nearest even"));
        }
    }

    /**
     * 2^x over exponents from well below the subnormal range (-150) to 60. Checked per element,
     * not as a norm (a norm would only see the largest values): a normal result within 1e-6 of
     * 2^x (ex2.approx: 2 ulp, about 2.4e-7), a result whose reference is under 2^-126 either zero
     * or itself under 2^-126 (OpenCL's native_exp2 may keep subnormals; CUDA and the JVM flush).
     */
    public Check powerOfTwoFtz(int n) {
        float[] x = HostData.uniform(random, n, -150, 60);
        x[0] = -126.0f;     // the smallest normal result: kept
        x[1] = -126.5f;     // subnormal: zero, or (OpenCL) a subnormal
        x[2] = 0.0f;
        try (DeviceBuffer dx = HostData.upload(device, x); DeviceBuffer dy = HostData.poisonedFloats(device, n)) {
            device.queue().launch(compile(ActivationKernels.class, "powerOfTwoFtz", Map.of()),
                    WorkerGrid.covering1D(n, 128), dx, dy, n);
            float[] y = HostData.downloadFloats(device, dy, n);
            double worst = 0;
            int unwritten = 0;
            for (int i = 0; i < n; i++) {
                double ref = Math.pow(2.0, x[i]);
                if (Float.isNaN(y[i])) {
                    unwritten++;
                } else if (ref < Float.MIN_NORMAL) {
                    worst = Math.max(worst, y[i] < Float.MIN_NORMAL ? 0 : Math.abs(y[i] - ref) / ref);
                } else {
                    worst = Math.max(worst, Math.abs(y[i] - ref) / ref);
                }
            }
            return new Check("ActivationKernels.powerOfTwoFtz", "n=" + n + " x in [-150, 60]", worst, 1e-6,
                    unwritten, "largest error of one element");
        }
    }

    public Check siluTimesSoftplus(int n) {
        float[] x = HostData.uniform(random, n, -8, 8);
        float[] z = HostData.uniform(random, n, -30, 30);
        double[] ref = new double[n];
        for (int i = 0; i < n; i++) {
            double silu = x[i] / (1 + Math.exp(-x[i]));
            double softplus = z[i] > 20 ? z[i] : Math.log1p(Math.exp(z[i]));
            ref[i] = silu * softplus;
        }
        try (DeviceBuffer dx = HostData.upload(device, x); DeviceBuffer dz = HostData.upload(device, z);
             DeviceBuffer dy = HostData.poisonedFloats(device, n)) {
            device.queue().launch(compile(ActivationKernels.class, "siluTimesSoftplus", Map.of()),
                    WorkerGrid.covering1D(n, 256), dx, dz, dy, n);
            return Check.compare("ActivationKernels.siluTimesSoftplus", "n=" + n,
                    HostData.downloadFloats(device, dy, n), ref, 1e-5);
        }
    }

    public Check causalMovingSum(int n, int width) {
        float[] x = HostData.uniform(random, n, -1, 1);
        float[] w = HostData.uniform(random, width, -1, 1);
        double[] ref = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < width; j++) {
                int src = i - width + 1 + j;
                ref[i] += src >= 0 ? (double) w[j] * x[src] : 0;
            }
        }
        try (DeviceBuffer dx = HostData.upload(device, x); DeviceBuffer dw = HostData.upload(device, w);
             DeviceBuffer dy = HostData.poisonedFloats(device, n)) {
            device.queue().launch(compile(ActivationKernels.class, "causalMovingSum", Map.of("width", width)),
                    WorkerGrid.covering1D(n, 64), dx, dw, dy, n);
            return Check.compare("ActivationKernels.causalMovingSum", "n=" + n + " width=" + width,
                    HostData.downloadFloats(device, dy, n), ref, 1e-5);
        }
    }
}
