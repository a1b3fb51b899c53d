#!/usr/bin/env bash
# Batched decode through the GEMM (8+ sequences) against the generic GEMV, in one device run:
# ModelBench decode only (prefill at 100 tokens), CUDA, then the same with -Dmamba.genericMatvec=true.
# Runs ON the device machine from the repo root (carry .device): bash bench/gpu/run-decode-batched.sh
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
export JAVA_OPTS="-XX:ErrorFile=$OUT/hs_err_%p.log ${JAVA_OPTS:-}"
models=mamba-130m,mamba-1.4b,mamba-2.8b,mamba2-130m,mamba2-2.7b
{
    nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem --format=csv
    echo "### ModelBench cuda:0 (GEMM from batch 8)"
    timeout 150 bash scripts/device-run.sh dev.mambajvm.bench.ModelBench --device cuda:0 --models $models \
        --batches 1,8,32 --lengths 100 --no-profile --budget 110 --out "$OUT"
    echo "### exit $?"
    echo "### ModelBench cuda:0, generic GEMV"
    JAVA_OPTS="$JAVA_OPTS -Dmamba.genericMatvec=true" timeout 120 bash scripts/device-run.sh dev.mambajvm.bench.ModelBench \
        --device cuda:0 --models $models --batches 8,32 --lengths 100 --no-profile --budget 80 \
        --label "mamba-jvm cuda:0 generic GEMV" --out "$OUT"
    echo "### exit $?"
} 2>&1 | grep -v "^WARNING: Using incubator\|OpenJDK VM warning" | tee "$OUT/decode-batched.log"
