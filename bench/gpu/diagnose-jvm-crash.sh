#!/usr/bin/env bash
# Which native library breaks a plain-JVM run on the GPU machine? (docs/gpu.md, "signal handlers")
# Runs the JVM-backend suite with and without signal chaining (libjsig) and with only some
# backends discovered. Runs ON the device machine: bash bench/gpu/diagnose-jvm-crash.sh (carry .device)
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
case_() {
    echo
    echo "### $*"
    env "$@" timeout 120 bash scripts/device-run.sh cli verify 2>&1 | grep -E "^==|passed|failed|Segmentation|FAIL" 
    echo "### exit ${PIPESTATUS[0]}"
}
{
    case_ MAMBA_NO_JSIG=1 MAMBA_BACKENDS=jvm
    case_ MAMBA_NO_JSIG=1 MAMBA_BACKENDS=jvm,cuda
    case_ MAMBA_NO_JSIG=1 MAMBA_BACKENDS=jvm,opencl
    case_ MAMBA_BACKENDS=jvm,opencl
    case_ MAMBA_BACKENDS=jvm,opencl,cuda
} 2>&1 | tee "$OUT/diagnose.log"
