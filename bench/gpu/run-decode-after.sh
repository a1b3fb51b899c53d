#!/usr/bin/env bash
# After a change to the decode kernels, in one device run (docs/performance.md, docs/gpu.md):
# the six fixtures' parity and the kernel suites on CUDA and OpenCL (is it still right?), then
# ModelBench's decode (prefill only at 100 tokens) on CUDA, the same with the generic GEMV forced
# (-Dmamba.genericMatvec=true: the A/B of the bf16 batch-1 GEMV in one run), and on OpenCL.
# Runs ON the device machine from the repo root (carry .device): bash bench/gpu/run-decode-after.sh
. "$(dirname "${BASH_SOURCE[0]}")/preamble.sh"
{
    nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem --format=csv
    bash bench/gpu/run-checks.sh
    echo "### ModelBench cuda:0"
    timeout 200 bash scripts/device-run.sh dev.mambajvm.bench.ModelBench --device cuda:0 --lengths 100 --budget 150
    echo "### exit $?"
    echo "### ModelBench cuda:0, generic GEMV"
    JAVA_OPTS="$JAVA_OPTS -Dmamba.genericMatvec=true" timeout 100 bash scripts/device-run.sh dev.mambajvm.bench.ModelBench \
        --device cuda:0 --batches 1 --lengths 100 --no-profile --budget 60 --label "mamba-jvm cuda:0 generic GEMV"
    echo "### exit $?"
    echo "### ModelBench opencl"
    timeout 130 bash scripts/device-run.sh dev.mambajvm.bench.ModelBench --device opencl --lengths 100 --budget 100
    echo "### exit $?"
} 2>&1 | grep -v "^WARNING: Using incubator\|OpenJDK VM warning" | tee "$OUT/decode-after.log"
