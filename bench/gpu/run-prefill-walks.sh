#!/usr/bin/env bash
# The prefill walks on the GPU machine, CUDA (docs/performance.md, "Loads ahead and packed loads"):
# the Mamba-1 selective scan at the six shapes in f32 and bf16, each chunk length in four walks
# (1 token at a time with scalar B/C loads, the old kernel; 8 ahead; 4 and 8 ahead with packed B/C),
# then the Mamba-2 SSD in bf16 per launch (its state passing loads 8 chunks ahead, as the scan's
# chunk carry does). Both chunk passes' load-ahead is timed here for the first time.
# Runs ON the device machine from the repo root: bash bench/gpu/run-prefill-walks.sh (carry .device)
# The step timeouts add up to under 10 minutes.
JAVA_HEAP=-Xmx48g . "$(dirname "${BASH_SOURCE[0]}")/preamble.sh"
{
    nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem --format=csv
    echo "### CUDA selective scan"
    timeout 390 bash scripts/device-run.sh dev.mambajvm.bench.SelectiveScanBench --dtype f32,bf16 --walk 1,8,4p,8p cuda:0
    echo "### exit $?"
    echo "### CUDA SSD"
    timeout 150 bash scripts/device-run.sh dev.mambajvm.bench.SsdBench --dtype bf16 cuda:0
    echo "### exit $?"
} 2>&1 | tee "$OUT/prefill-walks.log"
