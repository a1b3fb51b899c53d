#!/usr/bin/env bash
# On the GPU machine: trains the embedded default model (tools/train_default_model.py) from the
# corpus that tools/kjv_corpus.sh wrote to .device/kjv-raw.txt; everything it writes comes back as
# $OUT/default-model.tgz (with train.log).
# Usage (device run, carry .device): bash bench/gpu/run-train-default-model.sh [train_default_model.py args]
set -euo pipefail
: "${OUT:?run on the device machine, where OUT is set}"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
work=$(mktemp -d)
python3 tools/train_default_model.py --corpus .device/kjv-raw.txt --out "$work/default-model" "$@" 2>&1 \
    | grep -v -E 'Warning|it/s\]' | tee "$OUT/train.log"
tar -C "$work" -czf "$OUT/default-model.tgz" default-model
