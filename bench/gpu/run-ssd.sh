#!/usr/bin/env bash
# The Mamba-2 SSD on the GPU machine: every suite (SSD included, f32/bf16/f16 activations) on CUDA
# and OpenCL-on-NVIDIA, then the SSD prefill at mamba2-2.7b's shape with float32 and bfloat16
# activations (docs/gpu.md, docs/performance.md).
# Runs ON the device machine from the repo root: bash bench/gpu/run-ssd.sh (carry .device)
# The step timeouts add up to under 10 minutes.
JAVA_HEAP=-Xmx48g . "$(dirname "${BASH_SOURCE[0]}")/preamble.sh"
{
    nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem --format=csv
    for device in cuda:0 opencl; do
        echo "### verify $device"
        timeout 120 bash scripts/device-run.sh cli verify --device "$device" | grep -E "^==|FAIL|Ssd|passed"
        echo "### exit ${PIPESTATUS[0]}"
    done
    for device in cuda:0 opencl; do
        echo "### SsdBench $device"
        timeout 170 bash scripts/device-run.sh dev.mambajvm.bench.SsdBench --dtype f32,bf16 "$device"
        echo "### exit $?"
    done
} 2>&1 | grep -v "^WARNING: Using incubator\|OpenJDK VM warning" | tee "$OUT/ssd.log"
