#!/usr/bin/env bash
# The GPU-machine run for the kernel language (docs/gpu.md, docs/performance.md). Runs ON the
# device machine from the repo root after scripts/package-device.sh filled .device/ here:
#   device run: bash bench/gpu/run-kernel-language.sh   (carry: .device)
# Each step is independent: a failing step is reported and the next one still runs.
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
step() {
    local name=$1 seconds=$2
    shift 2
    echo
    echo "### $name: $*"
    timeout "$seconds" "$@" 2>&1 | tee "$OUT/$name.txt"
    echo "### $name exit ${PIPESTATUS[0]}"
}
step gpu 30 nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.mem --format=csv
step devices 60 bash scripts/device-run.sh cli devices
step devices-json 60 bash scripts/device-run.sh cli devices --json
step cuda-smoke 90 bash scripts/device-run.sh dev.mambajvm.backend.cuda.CudaSmokeTest
step verify 150 bash scripts/device-run.sh cli verify
step bench 180 bash scripts/device-run.sh dev.mambajvm.bench.KernelLanguageBench
step torch-copy 60 python3 bench/gpu/torch_copy.py
