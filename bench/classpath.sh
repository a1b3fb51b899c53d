#!/usr/bin/env bash
# Sourced by bench/jmh.sh and bench/plots.sh: builds the bench module and what it needs (tests
# skipped) and sets BENCH_CP to its class path (the module jars of this checkout, then the
# dependencies from the local Maven repository). Nothing is installed into ~/.m2.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/scripts/find-jdk.sh" || exit 1
(cd "$ROOT" && mvn -q -B -pl kernel-compiler,bench -am -DskipTests package dependency:build-classpath \
    -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=runtime >&2) \
    || { echo "bench: the build failed (mvn -pl kernel-compiler,bench -am package); see above" >&2; exit 1; }
BENCH_CP="$ROOT/bench/target/mamba-bench-0.1.0-SNAPSHOT.jar:$(cat "$ROOT/bench/target/classpath.txt")"
export BENCH_CP
