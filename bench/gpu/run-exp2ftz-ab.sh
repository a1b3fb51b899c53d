#!/usr/bin/env bash
# A/B/C of the selective scan's exp2Ftz and of the GEMV's 64-bit x reads, in one device session,
# each build's module jars in its own folder, put first on the class path (scripts/device-run.sh
# MAMBA_OVERLAY; docs/performance.md):
#   .device/base   before (the commit this session started from)
#   .device/ftz    KernelMath.exp2Ftz for the decays of scan passes 1 and 3; matvecBf16Rows reads x
#                  as 64-bit words
#   (none)         .device's own jar: the same plus exp2Ftz inside softplus and SiLU
# Runs ON the device machine from the repo root (carry .device), in two calls under 10 minutes each:
#   bash bench/gpu/run-exp2ftz-ab.sh scan     the six scan shapes, f32 and bf16, device walk, per build;
#                                             then the three short shapes again in reverse order
#   bash bench/gpu/run-exp2ftz-ab.sh short    the three short shapes, before and after, twice
#   bash bench/gpu/run-exp2ftz-ab.sh matvec   MatVecBench on CUDA, before and after
# (the benchmarks themselves are .device's: the overlays hold only the kernel-side modules)
. "$(dirname "${BASH_SOURCE[0]}")/preamble.sh"
what=${1:?usage: run-exp2ftz-ab.sh scan|short|matvec}
{
    nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem --format=csv
    case $what in
    scan)
        for jars in .device/base .device/ftz none; do
            run "$jars" 140 dev.mambajvm.bench.SelectiveScanBench --dtype f32,bf16 cuda:0
        done
        for jars in none .device/ftz .device/base; do
            run "$jars" 40 dev.mambajvm.bench.SelectiveScanBench --dtype f32,bf16 cuda:0 1536:2048 1536:8192 5120:2048
        done
        ;;
    short)   # the three short shapes again, warmed up and also timed back to back (the bench's newer timing)
        for jars in .device/base none .device/base none; do
            run "$jars" 60 dev.mambajvm.bench.SelectiveScanBench --dtype f32,bf16 cuda:0 1536:2048 1536:8192 5120:2048
        done
        ;;
    matvec)
        for jars in .device/base none; do
            run "$jars" 100 dev.mambajvm.bench.MatVecBench cuda:0
        done
        ;;
    esac
} 2>&1 | grep -v "^WARNING: Using incubator\|OpenJDK VM warning" | tee "$OUT/exp2ftz-ab-$what.log"
