#!/usr/bin/env bash
# The Mamba-1 and Mamba-2 models against transformers' float64 logits and greedy continuation, on CUDA and on
# OpenCL-on-NVIDIA (docs/gpu.md). Runs ON the device machine from the repo root (carry .device):
#   bash bench/gpu/run-model-parity.sh
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
export JAVA_OPTS="-XX:ErrorFile=$OUT/hs_err_%p.log ${JAVA_OPTS:-}"
timeout 300 bash scripts/device-run.sh dev.mambajvm.bench.ModelParity \
    model/src/test/resources/fixtures/hf/mamba1-tiny cuda:0 opencl 2>&1 | grep -v "^WARNING: Using incubator" | tee -a "$OUT/parity.log"
echo "### exit ${PIPESTATUS[0]}" | tee -a "$OUT/parity.log"
timeout 300 bash scripts/device-run.sh dev.mambajvm.bench.ModelParity \
    model/src/test/resources/fixtures/hf/mamba2-tiny cuda:0 opencl 2>&1 | grep -v "^WARNING: Using incubator" | tee -a "$OUT/parity.log"
echo "### exit ${PIPESTATUS[0]}" | tee -a "$OUT/parity.log"
