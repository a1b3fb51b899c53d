#!/usr/bin/env bash
# Selective scan prefill on the GPU machine, CUDA and OpenCL-on-NVIDIA (docs/performance.md), with
# float32 and bfloat16 activations (each shape is measured in both, in one run).
# Runs ON the device machine from the repo root: bash bench/gpu/run-selective-scan.sh (carry .device)
# The step timeouts add up to under 10 minutes.
JAVA_HEAP=-Xmx48g . "$(dirname "${BASH_SOURCE[0]}")/preamble.sh"
{
    nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem --format=csv
    echo "### CUDA"
    timeout 330 bash scripts/device-run.sh dev.mambajvm.bench.SelectiveScanBench --dtype f32,bf16 cuda:0
    echo "### exit $?"
    echo "### OpenCL"
    timeout 250 bash scripts/device-run.sh dev.mambajvm.bench.SelectiveScanBench --dtype f32,bf16 opencl \
        1536:2048 1536:8192 5120:32768
    echo "### exit $?"
} 2>&1 | tee "$OUT/scan.log"
