#!/usr/bin/env bash
# PNG plots and a markdown report of model-benchmark runs (docs/performance.md), on a machine with a
# full JDK: the JSON files that bench/gpu/run-models.sh left under $OUT on the GPU machine, fetched
# back here.
#
#   bench/plots.sh --out docs/gpu-runs/plots /path/to/fetched/out/
#   bench/plots.sh --out /tmp/plots models-mamba-jvm-cuda-0.json models-transformers-cuda-0.json
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/bench/classpath.sh"
exec java -Djava.awt.headless=true -cp "$BENCH_CP" dev.mambajvm.bench.BenchPlots "$@"
