#!/usr/bin/env bash
# The GPU-machine run for the kernel language (docs/gpu.md, docs/performance.md). Runs ON the
# device machine from the repo root after scripts/package-device.sh filled .device/ here:
#   device run: bash bench/gpu/run-kernel-language.sh   (carry: .device)
# Each step is independent: a failing step is reported and the next one still runs. Everything goes
# to $OUT/run.log; a JVM crash leaves its hs_err file in $OUT.
. "$(dirname "${BASH_SOURCE[0]}")/preamble.sh"
step() {
    local seconds=$1
    shift
    echo
    echo "### $*"
    timeout "$seconds" "$@" 2>&1
    echo "### exit $?"
}
{
    step 30 nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.mem --format=csv
    step 60 bash scripts/device-run.sh cli devices
    step 60 bash scripts/device-run.sh cli devices --json
    step 90 bash scripts/device-run.sh dev.mambajvm.backend.cuda.CudaSmokeTest
    step 90 bash scripts/device-run.sh cli verify --device cuda:0
    step 90 bash scripts/device-run.sh cli verify --device opencl
    step 90 bash scripts/device-run.sh cli verify --device opencl:0
    step 120 bash scripts/device-run.sh cli verify --device jvm
    step 60 bash scripts/device-run.sh cli kernels --emit cuda ReductionKernels.groupSum --constant groupSize=256
    step 200 bash scripts/device-run.sh dev.mambajvm.bench.KernelLanguageBench cuda:0 opencl
    step 60 python3 bench/gpu/torch_copy.py
} 2>&1 | tee "$OUT/run.log"
