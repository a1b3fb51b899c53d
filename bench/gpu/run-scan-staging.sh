#!/usr/bin/env bash
# Scan passes 1 and 3 reading B and C from rows staged in local memory (one group = one chunk and
# 128 channels: SelectiveScanKernels, "B and C staged in local memory"), against the build before,
# in one device session:
#   .device/base   the kernels jar of f61c519 (B and C read from global memory per token), put
#                  first on the class path (scripts/device-run.sh MAMBA_OVERLAY)
#   (none)         .device's own jar
# Runs ON the device machine from the repo root (carry .device):
#   bash bench/gpu/run-scan-staging.sh first   cli verify on CUDA and OpenCL-on-NVIDIA, MatVecBench's
#        model variant on both (its steady back-to-back figure is new this session), the scan before
#        and after (B, C staged with scalar loads), short shapes bf16, long shapes f32 and bf16
#   bash bench/gpu/run-scan-staging.sh after   staging with packed loads: the fixtures' parity and
#        cli verify (bench/gpu/run-checks.sh), the six shapes, f32 and bf16
#   bash bench/gpu/run-scan-staging.sh swapped  the final code, whose grid has the (batch, chunk)
#        groups in x and the channel blocks in y (CUDA's y limit is 65535 groups): cli verify on
#        CUDA, the six shapes in bf16 and the short ones in f32, walk 8p
. "$(dirname "${BASH_SOURCE[0]}")/preamble.sh"
short="1536:2048 1536:8192 5120:2048"
long="1536:32768 5120:8192 5120:32768"
scan=dev.mambajvm.bench.SelectiveScanBench
what=${1:?usage: run-scan-staging.sh first|after|swapped}
{
    nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem --format=csv
    if [[ $what == swapped ]]; then
        run none 60 cli verify --device cuda:0 | grep -E "FAIL|passed|###|rror"
        run none 120 $scan --dtype bf16 --walk 8p cuda:0
        run none 40 $scan --dtype f32 --walk 8p cuda:0 $short
        exit
    fi
    if [[ $what == after ]]; then
        bash bench/gpu/run-checks.sh
        run none 200 $scan --dtype f32,bf16 --walk 8p,4p cuda:0
        run .device/base 60 $scan --dtype bf16 --walk 8p cuda:0 $short
        run none 80 $scan --dtype f32,bf16 --walk 8p opencl 1536:2048 1536:8192 5120:32768
        exit
    fi
    run none 60 cli verify --device cuda:0 | grep -E "FAIL|passed|###|rror"
    run none 75 cli verify --device opencl | grep -E "FAIL|passed|###|rror"
    run none 40 dev.mambajvm.bench.MatVecBench cuda:0 "4 rows x 64 threads unroll 4"
    run none 40 dev.mambajvm.bench.MatVecBench opencl "4 rows x 64 threads unroll 4"
    run .device/base 45 $scan --dtype bf16 --walk 8p cuda:0 $short
    run none 70 $scan --dtype bf16 --walk 8p,4p cuda:0 $short
    run .device/base 90 $scan --dtype f32,bf16 --walk 8p cuda:0 $long
    run none 90 $scan --dtype f32,bf16 --walk 8p cuda:0 $long
    run none 30 $scan --dtype f32 --walk 8p cuda:0 $short
} 2>&1 | grep -v "^WARNING: Using incubator\|OpenJDK VM warning" | tee "$OUT/scan-staging-$what.log"
