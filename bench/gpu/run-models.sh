#!/usr/bin/env bash
# The model benchmarks on the GPU machine (docs/performance.md): ModelBench on CUDA and on OpenCL
# (NVIDIA), then the transformers peer, each writing its JSON and markdown to $OUT. Runs ON the
# device machine from the repo root after scripts/package-device.sh filled .device/ here:
#   device run: bash bench/gpu/run-models.sh                  (carry: .device)
#   device run: bash bench/gpu/run-models.sh cuda peer        a subset of the three steps
#   BENCH_ARGS='--models mamba-130m --batches 1 --lengths 100' bash bench/gpu/run-models.sh
# BENCH_ARGS goes to all three (they share --models, --batches, --lengths, --dtype, --seed; a
# --budget there replaces the per-step budgets below). The default run is budgeted to ~8 minutes:
# 170 s per engine on the device, 110 s for the peer, each stopped by `timeout` a minute later at
# worst; each tool writes its JSON after every model, so a stopped step keeps what it finished.
# Fetch $OUT back and plot it on a machine with a full JDK: bench/plots.sh --out DIR FETCHED_OUT/
. "$(dirname "${BASH_SOURCE[0]}")/preamble.sh"
steps=("$@")
((${#steps[@]})) || steps=(cuda opencl peer)
# shellcheck disable=SC2206,SC2046 # BENCH_ARGS and $(budget N) are lists of options
extra=(${BENCH_ARGS:-})
budget() {   # the step's default budget unless BENCH_ARGS gives one
    [[ " ${extra[*]} " == *" --budget "* ]] || echo "--budget $1"
}
{
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.mem --format=csv
    for step in "${steps[@]}"; do
        echo
        echo "### $step"
        case $step in
            cuda) timeout 200 bash scripts/device-run.sh dev.mambajvm.bench.ModelBench --device cuda:0 $(budget 170) "${extra[@]}" ;;
            opencl) timeout 200 bash scripts/device-run.sh dev.mambajvm.bench.ModelBench --device opencl $(budget 170) "${extra[@]}" ;;
            peer) timeout 140 python3 bench/gpu/peer_transformers.py $(budget 110) "${extra[@]}" ;;
            *) echo "run-models: unknown step \"$step\" (expected cuda, opencl or peer)"; false ;;
        esac
        echo "### exit $?"
    done
} 2>&1 | grep -v "^WARNING: Using incubator\|OpenJDK VM warning" | tee "$OUT/models.log"
