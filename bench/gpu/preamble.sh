# Sourced first by the bench/gpu scripts: . "$(dirname "${BASH_SOURCE[0]}")/preamble.sh"
# Runs from the repository root, writes logs under $OUT (exported: the scripts and benchmarks they
# call write there too), and has a JVM that crashes leave its hs_err log there. A script that needs
# a larger heap sources it as JAVA_HEAP=-Xmx48g . ...: the option goes before the caller's own
# JAVA_OPTS, which therefore still win. (Not "$@": a sourced file given no arguments sees its
# caller's.)
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
export OUT
export JAVA_OPTS="-XX:ErrorFile=$OUT/hs_err_%p.log${JAVA_HEAP:+ $JAVA_HEAP} ${JAVA_OPTS:-}"
