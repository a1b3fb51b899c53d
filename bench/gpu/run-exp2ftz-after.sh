#!/usr/bin/env bash
# After exp2Ftz (scan passes 1 and 3, softplus, SiLU) and the GEMV's 64-bit x reads: is it still
# right, and the numbers run-exp2ftz-ab.sh does not take (docs/performance.md, docs/gpu.md).
# Runs ON the device machine from the repo root (carry .device), two calls under 10 minutes each:
#   bash bench/gpu/run-exp2ftz-after.sh check   the six fixtures' parity and the kernel suites on
#                                               CUDA and OpenCL; the scan on OpenCL (three shapes)
#   bash bench/gpu/run-exp2ftz-after.sh more    the GEMV on OpenCL; mamba-2.8b's 32K prefill and
#                                               decode on CUDA before (.device/base) and after
JAVA_HEAP=-Xmx48g . "$(dirname "${BASH_SOURCE[0]}")/preamble.sh"
what=${1:?usage: run-exp2ftz-after.sh check|more}
{
    nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem --format=csv
    case $what in
    check)
        bash bench/gpu/run-checks.sh
        echo "### OpenCL selective scan"
        timeout 90 bash scripts/device-run.sh dev.mambajvm.bench.SelectiveScanBench --dtype f32,bf16 opencl \
            1536:2048 1536:8192 5120:32768
        echo "### exit $?"
        ;;
    more)
        echo "### OpenCL GEMV"
        timeout 120 bash scripts/device-run.sh dev.mambajvm.bench.MatVecBench opencl
        echo "### exit $?"
        for overlay in .device/base none; do
            echo "### ModelBench cuda:0 mamba-2.8b, $overlay"
            MAMBA_OVERLAY=${overlay#none} timeout 130 bash scripts/device-run.sh dev.mambajvm.bench.ModelBench \
                --device cuda:0 --models mamba-2.8b --batches 1 --lengths 32768 --no-profile --budget 100
            echo "### exit $?"
        done
        ;;
    esac
} 2>&1 | grep -v "^WARNING: Using incubator\|OpenJDK VM warning" | tee "$OUT/exp2ftz-after-$what.log"
