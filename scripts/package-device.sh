#!/usr/bin/env bash
# Packs what the GPU machine (which has no Java) needs into the git-ignored .device/:
#   .device/mamba-cli.jar   the fat jar (built first when missing or stale)
#   .device/mamba-bench.jar the benchmarks (thin jar)
#   .device/jre.tgz         a jlink'ed runtime: the modules jdeps finds in the jar, plus
#                           jdk.incubator.vector (loaded with --add-modules, invisible to jdeps)
#                           and java.net.http (hub downloads of `--model ORG/NAME`)
# scripts/device-run.sh runs it there. Extra modules: MAMBA_JLINK_MODULES=jdk.jfr,jdk.management
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
. scripts/find-jdk.sh || exit 1
scripts/build-cli-jar.sh
JAR=cli/target/mamba-cli.jar

deps=$("$JAVA_HOME/bin/jdeps" --ignore-missing-deps --multi-release 25 --print-module-deps "$JAR")
modules=$(printf '%s\n' ${deps//,/ } java.base java.net.http jdk.incubator.vector ${MAMBA_JLINK_MODULES:+${MAMBA_JLINK_MODULES//,/ }} \
    | awk 'NF && !seen[$0]++' | paste -sd, -)
echo "jlink modules: $modules"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$JAVA_HOME/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
    --compress=zip-9 --output "$tmp/jre"
"$tmp/jre/bin/java" --add-modules jdk.incubator.vector -version >/dev/null 2>&1 \
    || { echo "package-device: the jlink'ed runtime does not start" >&2; exit 1; }

mkdir -p .device
tar -C "$tmp" -czf .device/jre.tgz.tmp jre
mv .device/jre.tgz.tmp .device/jre.tgz
cp "$JAR" .device/mamba-cli.jar.tmp
mv .device/mamba-cli.jar.tmp .device/mamba-cli.jar
# The benchmarks: a thin jar, its dependencies are in the fat jar.
mvn -q -B -pl kernel-compiler,bench -am -DskipTests package   # kernel-compiler: an annotation processor, which -am does not follow
cp bench/target/mamba-bench-*.jar .device/mamba-bench.jar

size() { stat -c %s "$1"; }
jre=$(size .device/jre.tgz)
jar=$(size .device/mamba-cli.jar)
total=$((jre + jar))
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
printf '%-22s %s\n' ".device/jre.tgz" "$(mib "$jre")" ".device/mamba-cli.jar" "$(mib "$jar")" "total" "$(mib "$total")"
limit=$((48 * 1024 * 1024))
if ((total > limit)); then
    echo "package-device: $(mib "$total") is over the $(mib "$limit") budget (the device transfer allows 64 MiB)" >&2
    exit 1
fi
