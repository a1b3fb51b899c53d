#!/usr/bin/env bash
# Runs ON the GPU machine, from the repo root, with what scripts/package-device.sh put in .device/:
# unpacks the runtime to /tmp/jre, points the OpenCL ICD loader at NVIDIA's library and the CUDA
# backend at NVRTC, then runs Java on the fat jar.
#
#   scripts/device-run.sh cli devices               dev.mambajvm.cli.MambaCli devices
#   scripts/device-run.sh dev.mambajvm.bench.KernelLanguageBench cuda:0   (the bench jar is on the class path too)
#
# Overridable: MAMBA_JRE_DIR (/tmp/jre), MAMBA_ICD_DIR (/tmp/mamba-icd), MAMBA_NVIDIA_OPENCL,
# MAMBA_NVRTC, JAVA_OPTS (extra JVM options, e.g. -Xmx64g), MAMBA_OVERLAY (a folder of module jars
# put before .device's on the class path: another build's kernels, for A/B runs in one session).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if (($# < 1)); then
    echo "usage: scripts/device-run.sh cli|<main class> [args...]" >&2
    exit 2
fi
[[ -f .device/jre.tgz && -f .device/mamba-cli.jar ]] || {
    echo "device-run: .device/jre.tgz or .device/mamba-cli.jar missing: run scripts/package-device.sh first" >&2
    exit 1
}

JRE=${MAMBA_JRE_DIR:-/tmp/jre}
# Unpack once per package: a newer jre.tgz replaces the runtime.
if [[ ! -x $JRE/bin/java || .device/jre.tgz -nt $JRE/.unpacked ]]; then
    rm -rf "$JRE.tmp"
    mkdir -p "$JRE.tmp"
    tar -xzf .device/jre.tgz -C "$JRE.tmp"
    rm -rf "$JRE"
    mv "$JRE.tmp/jre" "$JRE"
    rmdir "$JRE.tmp"
    touch "$JRE/.unpacked"
fi

# OpenCL: NVIDIA's ICD plus whatever the machine already has (OCL_ICD_VENDORS replaces the folder).
ICD=${MAMBA_ICD_DIR:-/tmp/mamba-icd}
NV_OPENCL=${MAMBA_NVIDIA_OPENCL:-/usr/local/nvidia/lib64/libnvidia-opencl.so.1}
mkdir -p "$ICD"
if compgen -G '/etc/OpenCL/vendors/*.icd' >/dev/null; then
    cp /etc/OpenCL/vendors/*.icd "$ICD"/
fi
[[ -e $NV_OPENCL ]] || echo "device-run: $NV_OPENCL not found; OpenCL will not see the NVIDIA GPU" >&2
printf '%s\n' "$NV_OPENCL" >"$ICD/nvidia.icd"
export OCL_ICD_VENDORS=$ICD
export MAMBA_NVRTC=${MAMBA_NVRTC:-/usr/local/cuda-13.0/targets/x86_64-linux/lib/libnvrtc.so.13}

# Signal chaining: see ./mamba-cli. MAMBA_NO_JSIG=1 leaves it out (to reproduce the crash).
if [[ -z ${MAMBA_NO_JSIG:-} && -f $JRE/lib/libjsig.so ]]; then
    export LD_PRELOAD="$JRE/lib/libjsig.so${LD_PRELOAD:+:$LD_PRELOAD}"
fi

cp=.device/mamba-cli.jar$([[ -f .device/mamba-bench.jar ]] && echo :.device/mamba-bench.jar)
if [[ -n ${MAMBA_OVERLAY:-} ]]; then
    overlay=$(compgen -G "$MAMBA_OVERLAY/*.jar" | paste -sd: - || true)
    [[ -n $overlay ]] || { echo "device-run: no jars in MAMBA_OVERLAY=$MAMBA_OVERLAY" >&2; exit 1; }
    cp=$overlay:$cp
fi
main=$1
shift
if [[ $main == cli ]]; then
    main=dev.mambajvm.cli.MambaCli
fi
# shellcheck disable=SC2086 # JAVA_OPTS is a list of options
exec "$JRE/bin/java" --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector ${JAVA_OPTS:-} \
    -cp "$cp" "$main" "$@"
