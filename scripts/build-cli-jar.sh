#!/usr/bin/env bash
# Builds cli/target/mamba-cli.jar (mvn -q -DskipTests package) when it is missing or older than any
# file under */src or any pom.xml. Quiet when the jar is up to date.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
. scripts/find-jdk.sh || exit 1 # keeps a JAVA_HOME that is already >= 25
JAR=cli/target/mamba-cli.jar
stale() {
    [[ ! -f $JAR ]] && return 0
    [[ -n $(find . \( -name .git -o -name target -o -name .device -o -name node_modules \) -prune -o \
        \( -name pom.xml -o -path './*/src/*' \) -type f -newer "$JAR" -print -quit) ]]
}
if stale; then
    . scripts/find-maven.sh || exit 1
    echo "mamba-jvm: building $JAR ..." >&2
    if ! mvn -q -B -DskipTests package >&2; then
        echo "mamba-jvm: the build failed (mvn -q -B -DskipTests package); see the errors above" >&2
        exit 1
    fi
fi
