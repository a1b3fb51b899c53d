#!/usr/bin/env bash
# Warp shuffles (KernelContext.warpShuffleXor), first measurements, in one device session, at commit
# 41add02 (reverted in the commit after it: run it there, the later code has no lanes or warps variants):
#   .device/base   the kernels jar of the commit this session started from (f61c519), put first
#                  on the class path for the scan's A/B (scripts/device-run.sh MAMBA_OVERLAY)
#   (none)         .device's own jar: matvecBf16Warps; scan passes 1 and 3 with lanes per channel
# Runs ON the device machine from the repo root (carry .device): bash bench/gpu/run-shuffles.sh first
#   1. cli verify on CUDA and on OpenCL-on-NVIDIA (the shuffle's inline-PTX path there);
#   2. MatVecBench on CUDA: every matvecBf16Rows and matvecBf16Warps variant, timed alone, back to
#      back, and steady (behind a first launch);
#   3. SelectiveScanBench, bf16, the three short shapes: before (walk 8p), after (walks 8p, 8px2,
#      8px4, 4px2), before again; then 5120 x 32768 with 8p and 8px2.
. "$(dirname "${BASH_SOURCE[0]}")/preamble.sh"
what=${1:?usage: run-shuffles.sh first}
short="1536:2048 1536:8192 5120:2048"
{
    nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem --format=csv
    case $what in
    first)
        run none 60 cli verify --device cuda:0 | grep -E "FAIL|passed|###|rror"
        run none 75 cli verify --device opencl | grep -E "FAIL|passed|###|rror"
        run none 140 dev.mambajvm.bench.MatVecBench cuda:0
        run .device/base 45 dev.mambajvm.bench.SelectiveScanBench --dtype bf16 --walk 8p cuda:0 $short
        run none 120 dev.mambajvm.bench.SelectiveScanBench --dtype bf16 --walk 8p,8px2,8px4,4px2 cuda:0 $short
        run .device/base 45 dev.mambajvm.bench.SelectiveScanBench --dtype bf16 --walk 8p cuda:0 $short
        run none 50 dev.mambajvm.bench.SelectiveScanBench --dtype bf16 --walk 8p,8px2 cuda:0 5120:32768
        ;;
    esac
} 2>&1 | grep -v "^WARNING: Using incubator\|OpenJDK VM warning" | tee "$OUT/shuffles-$what.log"
