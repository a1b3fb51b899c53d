#!/usr/bin/env bash
# JMH benchmarks of the JVM backend (docs/performance.md): the decode-step kernels at mamba-130m's
# shapes (KernelBenchmarks) and a whole greedy decode step of mamba-130m's shapes with random weights
# (DecodeBenchmark). Short settings: one fork, 2 warm-up and 3 measured iterations of 2 s, a few
# minutes on 2 cores. Not part of `mvn verify`.
#
#   bench/jmh.sh                                  every benchmark
#   bench/jmh.sh KernelBenchmarks                 a regex of benchmarks
#   bench/jmh.sh DecodeBenchmark -p dtype=f32     JMH options after the regex (java -jar jmh -h)
#
# Results: the table on stdout and bench/target/jmh.json.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/bench/classpath.sh"
args=("$@")
if ((${#args[@]} == 0)); then
    args=(dev.mambajvm.bench.jmh)
fi
exec java --sun-misc-unsafe-memory-access=allow -cp "$BENCH_CP" org.openjdk.jmh.Main -f 1 -wi 2 -w 2s -i 3 -r 2s \
    -rf json -rff "$ROOT/bench/target/jmh.json" "${args[@]}"
