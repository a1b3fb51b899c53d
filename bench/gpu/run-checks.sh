#!/usr/bin/env bash
# Is it still right? The six fixtures' parity (bench/gpu/run-model-parity.sh, full log in
# $OUT/parity.log; its status lines printed here) and `cli verify` on CUDA and on OpenCL-on-NVIDIA.
# Called by the run-*-after.sh scripts after a change to the kernels; about 4 minutes at most.
# Runs ON the device machine from the repo root (carry .device): bash bench/gpu/run-checks.sh
. "$(dirname "${BASH_SOURCE[0]}")/preamble.sh"
timeout 150 bash bench/gpu/run-model-parity.sh >/dev/null 2>&1
grep -E "^==|FAIL|### exit" "$OUT/parity.log"
for device in cuda:0 opencl; do
    echo "### verify $device"
    timeout 60 bash scripts/device-run.sh cli verify --device "$device" | grep -E "FAIL|passed"
done
