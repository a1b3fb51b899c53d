#!/usr/bin/env bash
# The Mamba-1, Mamba-2 and Falcon-Mamba models (and the use_bias and untied lm_head fixtures) against
# transformers' float64 logits and greedy continuation, on CUDA and on OpenCL-on-NVIDIA
# (docs/gpu.md). Runs ON the device machine from the repo root (carry .device):
#   bash bench/gpu/run-model-parity.sh
. "$(dirname "${BASH_SOURCE[0]}")/preamble.sh"
for fixture in mamba1-tiny mamba2-tiny falcon-mamba-tiny mamba1-bias-tiny mamba1-untied-tiny mamba2-bias-tiny; do
    timeout 300 bash scripts/device-run.sh dev.mambajvm.bench.ModelParity \
        model/src/test/resources/fixtures/hf/$fixture cuda:0 opencl 2>&1 | grep -v "^WARNING: Using incubator" | tee -a "$OUT/parity.log"
    echo "### exit ${PIPESTATUS[0]}" | tee -a "$OUT/parity.log"
done
