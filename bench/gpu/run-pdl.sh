#!/usr/bin/env bash
# Programmatic dependent launch (KernelContext.waitForPreviousKernel; CUDA sm_90): the decode GEMV
# may start while the kernel before it finishes. A/B in one session, MAMBA_CUDA_PDL=0 turning it off:
#   1. `cli devices` says whether the device has it;
#   2. MatVecBench, the model's variant (4 rows x 64, unroll 4) and its capped grids, off then on;
#   3. greedy generation with the embedded model (bf16 weights: its decode graph has the
#      programmatic edges) on cuda:0, off then on: the texts must be identical;
#   4. ModelBench decode of mamba-2.8b and mamba2-2.7b (random bf16 weights), off then on.
# Runs ON the device machine from the repo root: bash bench/gpu/run-pdl.sh (carry .device)
JAVA_HEAP=-Xmx48g . "$(dirname "${BASH_SOURCE[0]}")/preamble.sh"
{
    nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem --format=csv
    echo "### devices"
    timeout 60 bash scripts/device-run.sh cli devices 2>&1 | grep -iE "cuda|programmatic|compute capability"
    for pdl in 0 1; do
        echo "### MatVecBench cuda:0, MAMBA_CUDA_PDL=$pdl"
        MAMBA_CUDA_PDL=$pdl timeout 100 bash scripts/device-run.sh dev.mambajvm.bench.MatVecBench cuda:0 \
            "4 rows x 64 threads unroll 4"
        echo "### exit $?"
    done
    for pdl in 0 1; do
        echo "### generate cuda:0, MAMBA_CUDA_PDL=$pdl"
        MAMBA_CUDA_PDL=$pdl timeout 60 bash scripts/device-run.sh cli generate --prompt 'In the beginning' \
            --max-tokens 200 --temperature 0 --device cuda:0 > "$OUT/generate-pdl$pdl.txt"
        echo "### exit $?"
    done
    cmp "$OUT/generate-pdl0.txt" "$OUT/generate-pdl1.txt" && echo "### generated texts identical ($(wc -c < "$OUT/generate-pdl1.txt") bytes)"
    for pdl in 0 1; do
        echo "### ModelBench cuda:0, MAMBA_CUDA_PDL=$pdl"
        MAMBA_CUDA_PDL=$pdl timeout 110 bash scripts/device-run.sh dev.mambajvm.bench.ModelBench \
            --device cuda:0 --models mamba-2.8b,mamba2-2.7b --batches 1 --lengths 100 --no-profile --budget 60 \
            --out "$OUT/modelbench-pdl$pdl"
        echo "### exit $?"
    done
} 2>&1 | grep -v "^WARNING: Using incubator\|OpenJDK VM warning" | tee "$OUT/pdl.log"
