#!/usr/bin/env bash
# Where the decode GEMV lets the next kernel start (KernelContext.allowNextKernelToStart), A/B/C/D
# in one session, each variant twice, interleaved (clocks drift):
#   off    MAMBA_CUDA_PDL=0: plain launches
#   start  the committed kernel: trigger at the start, wait after the first weight loads
#   none   no explicit trigger (the next kernel may start when this one's blocks have exited)
#   late   trigger after each block's loads, before its reduction
# "none" and "late" are kernel jars built from edited MatVec.java, in .device/none and .device/late
# (MAMBA_OVERLAY): delete the allowNextKernelToStart() call at the top of matvecBf16Rows (none), or
# move it to just before "// Each item writes only its own slot" (late), then
# `mvn -o -q package -pl kernel-compiler,kernels -am -DskipTests` and copy
# kernels/target/mamba-kernels-*.jar there. Then ModelBench decode of mamba-2.8b and mamba2-2.7b
# per variant.
# Runs ON the device machine from the repo root: bash bench/gpu/run-pdl-ab.sh (carry .device)
JAVA_HEAP=-Xmx48g . "$(dirname "${BASH_SOURCE[0]}")/preamble.sh"
run_variant() { # variant, then the command
    local v=$1
    shift
    case $v in
    off) MAMBA_CUDA_PDL=0 "$@" ;;
    start) "$@" ;;
    *) MAMBA_OVERLAY=.device/$v "$@" ;;
    esac
}
{
    nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem --format=csv
    for round in 1 2; do
        for v in off start none late; do
            echo "### MatVecBench cuda:0, $v, round $round"
            run_variant $v timeout 60 bash scripts/device-run.sh dev.mambajvm.bench.MatVecBench cuda:0 \
                "4 rows x 64 threads unroll 4" | grep "matvecBf16Rows"
        done
    done
    for v in off start none late; do
        echo "### ModelBench cuda:0, $v"
        run_variant $v timeout 80 bash scripts/device-run.sh dev.mambajvm.bench.ModelBench \
            --device cuda:0 --models mamba-2.8b,mamba2-2.7b --batches 1 --lengths 100 --no-profile --budget 40 \
            --out "$OUT/modelbench-$v" | grep -E "^\| mamba.* \| 1 \|"
    done
} 2>&1 | grep -v "^WARNING: Using incubator\|OpenJDK VM warning" | tee "$OUT/pdl-ab.log"
