package dev.mambajvm.bench.jmh;

import org.junit.jupiter.api.Test;

/**
 * JMH is not part of {@code mvn verify}, so a kernel whose signature changed would only fail when
 * someone runs bench/jmh.sh: each benchmark method runs once here (the kernels' launch arguments are
 * checked against their descriptors at launch).
 */
class KernelBenchmarksTest {

    @Test
    void everyBenchmarkLaunches() {
        KernelBenchmarks b = new KernelBenchmarks();
        b.setUp();
        try {
            b.matvecInProj();
            b.rmsNormResidual();
            b.convDecodeStep();
            b.selectiveScanStep();
        } finally {
            b.tearDown();
        }
    }
}
