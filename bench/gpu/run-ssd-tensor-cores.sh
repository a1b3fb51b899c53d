#!/usr/bin/env bash
# The SSD prefill's two matrix steps on tensor cores (SsdTensorCoreKernels, KernelContext.mmaTf32)
# against the float32-FMA kernels (SsdKernels), in one session:
#   1. every suite on CUDA; BasicsSuite's matmulTf32 checks the MMA fragment layout and the TF32
#      rounding against float64, SsdSuite's "tensor cores" cases the two kernels;
#   2. SsdBench, bf16 activations, both variants at chunks 64/128/256, CUDA;
#   3. the suites and both variants (bf16) on OpenCL-on-NVIDIA, where the tensor-core kernels run the
#      language's FMA fallback (OpenCL has no MMA instruction).
# Runs ON the device machine from the repo root: bash bench/gpu/run-ssd-tensor-cores.sh (carry .device)
# The step timeouts add up to under 10 minutes.
JAVA_HEAP=-Xmx48g . "$(dirname "${BASH_SOURCE[0]}")/preamble.sh"
{
    nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem --format=csv
    echo "### verify cuda:0"
    timeout 140 bash scripts/device-run.sh cli verify --device cuda:0 | grep -E "^==|FAIL|Tf32|tensor cores|passed"
    echo "### exit ${PIPESTATUS[0]}"
    echo "### SsdBench cuda:0"
    timeout 210 bash scripts/device-run.sh dev.mambajvm.bench.SsdBench --dtype bf16 --matrix fma,tc cuda:0
    echo "### exit $?"
    echo "### verify opencl"
    timeout 110 bash scripts/device-run.sh cli verify --device opencl | grep -E "^==|FAIL|Tf32|tensor cores|passed"
    echo "### exit ${PIPESTATUS[0]}"
    echo "### SsdBench opencl"
    timeout 100 bash scripts/device-run.sh dev.mambajvm.bench.SsdBench --dtype bf16 --matrix fma,tc opencl
    echo "### exit $?"
} 2>&1 | grep -v "^WARNING: Using incubator\|OpenJDK VM warning" | tee "$OUT/ssd-tensor-cores.log"
