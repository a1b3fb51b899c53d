#!/usr/bin/env bash
# chunkOutputsTc with 128-token blocks (8 warps: the chunk start state read once per 128 tokens,
# each source tile staged once for 8 warps) against 64-token blocks (4 warps), A/B in one session,
# interleaved twice. The 64-token build is the kernels jar of the commit before, in .device/block64
# (MAMBA_OVERLAY; `git stash; mvn -o -q package -pl kernel-compiler,kernels -am -DskipTests`, copy
# kernels/target/mamba-kernels-*.jar there, `git stash pop`).
# Runs ON the device machine from the repo root: bash bench/gpu/run-ssd-output-block.sh (carry .device)
JAVA_HEAP=-Xmx48g . "$(dirname "${BASH_SOURCE[0]}")/preamble.sh"
{
    nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem --format=csv
    echo "### verify cuda:0"
    timeout 140 bash scripts/device-run.sh cli verify --device cuda:0 | grep -E "^==|FAIL|passed"
    for round in 1 2; do
        for v in block128 block64; do
            echo "### SsdBench cuda:0 $v, round $round"
            MAMBA_OVERLAY=$([[ $v == block64 ]] && echo .device/block64) timeout 100 bash scripts/device-run.sh \
                dev.mambajvm.bench.SsdBench --dtype bf16 --matrix tc cuda:0
        done
    done
    echo "### verify opencl"
    timeout 110 bash scripts/device-run.sh cli verify --device opencl | grep -E "^==|FAIL|passed"
} 2>&1 | grep -v "^WARNING: Using incubator\|OpenJDK VM warning" | tee "$OUT/ssd-output-block.log"
