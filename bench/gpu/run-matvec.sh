#!/usr/bin/env bash
# Decode-time GEMV (bf16 weights) on the GPU machine, CUDA and OpenCL-on-NVIDIA (docs/performance.md).
# Runs ON the device machine from the repo root: bash bench/gpu/run-matvec.sh (carry .device)
. "$(dirname "${BASH_SOURCE[0]}")/preamble.sh"
{
    nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem --format=csv
    for device in cuda:0 opencl; do
        echo "### $device"
        timeout 200 bash scripts/device-run.sh dev.mambajvm.bench.MatVecBench "$device"
        echo "### exit $?"
    done
} 2>&1 | tee "$OUT/matvec.log"
