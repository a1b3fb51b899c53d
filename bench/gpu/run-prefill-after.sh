#!/usr/bin/env bash
# After a change to the prefill kernels, in one device run (docs/performance.md, docs/gpu.md): the
# six fixtures' parity and the kernel suites on CUDA and OpenCL (is it still right?), the Mamba-1
# selective scan on CUDA in three walks at four chunk lengths (f32 and bf16, the six shapes), the
# device's own walk on OpenCL, and the model prefill of mamba-2.8b and mamba2-2.7b on CUDA.
# Runs ON the device machine from the repo root (carry .device): bash bench/gpu/run-prefill-after.sh
# The step timeouts add up to under 10 minutes.
JAVA_HEAP=-Xmx48g . "$(dirname "${BASH_SOURCE[0]}")/preamble.sh"
{
    nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem --format=csv
    bash bench/gpu/run-checks.sh
    echo "### CUDA selective scan"
    timeout 170 bash scripts/device-run.sh dev.mambajvm.bench.SelectiveScanBench --dtype f32,bf16 --walk 1,4p,8p cuda:0
    echo "### exit $?"
    echo "### OpenCL selective scan"
    timeout 70 bash scripts/device-run.sh dev.mambajvm.bench.SelectiveScanBench --dtype f32,bf16 opencl \
        1536:2048 1536:8192 5120:32768
    echo "### exit $?"
    echo "### ModelBench cuda:0 prefill"
    timeout 120 bash scripts/device-run.sh dev.mambajvm.bench.ModelBench --device cuda:0 --models mamba-2.8b,mamba2-2.7b \
        --batches 1 --lengths 2048,32768 --no-profile --budget 100
    echo "### exit $?"
} 2>&1 | grep -v "^WARNING: Using incubator\|OpenJDK VM warning" | tee "$OUT/prefill-after.log"
