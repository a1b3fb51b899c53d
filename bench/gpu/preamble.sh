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
# run OVERLAY_FOLDER|none TIMEOUT MAIN ARGS...: scripts/device-run.sh under a timeout, between ###
# lines, with OVERLAY_FOLDER's jars first on the class path (MAMBA_OVERLAY; none: .device's own),
# for A/B runs of two builds in one session.
run() {
    local overlay=$1 limit=$2
    shift 2
    echo "### $overlay: $*"
    MAMBA_OVERLAY=${overlay#none} timeout "$limit" bash scripts/device-run.sh "$@"
    echo "### exit $?"
}
