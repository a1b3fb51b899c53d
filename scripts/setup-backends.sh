#!/usr/bin/env bash
# Installs and checks what the accelerated backends need (the counterpart of TornadoVM's setup
# script). The JVM backend needs nothing, so this always exits 0; a missing GPU or driver only makes
# the OpenCL or CUDA backend unavailable (`./mamba-cli devices` says why).
#
#   OpenCL  libOpenCL.so.1 (ocl-icd) and PoCL, the CPU OpenCL the tests run on: apt-get installed
#           when missing and running as root; otherwise a message says what to install.
#           NVIDIA's libnvidia-opencl.so.1 without an ICD file naming it: a project-owned vendors
#           folder (nvidia.icd plus copies of /etc/OpenCL/vendors/*.icd, because OCL_ICD_VENDORS
#           replaces the default folder) and `export OCL_ICD_VENDORS=...` in env.sh.
#   CUDA    libcuda.so.1 (the driver) and NVRTC (libnvrtc.so.13, else .12); NVRTC outside the
#           loader path: `export MAMBA_NVRTC=...` in env.sh (the CUDA backend reads it).
#
# Writes ${XDG_CACHE_HOME:-$HOME/.cache}/mamba-jvm/env.sh, which ./mamba-cli and ./run-tests source.
# Prints a summary (to stderr) the first time and whenever something changed; quiet otherwise.
#
#   scripts/setup-backends.sh [-v|--verbose]
set -euo pipefail

VERBOSE=0
for arg in "$@"; do
    case $arg in
        -v | --verbose) VERBOSE=1 ;;
        -h | --help)
            sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "setup-backends.sh: unknown argument '$arg' (use -v or --help)" >&2
            exit 2
            ;;
    esac
done

CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/mamba-jvm
ENV_FILE=$CACHE/env.sh
LOG=$CACHE/setup-backends.log
STAMP=$CACHE/setup-backends.stamp
OUR_VENDORS=$CACHE/opencl-vendors
SYSTEM_VENDORS=${MAMBA_SYSTEM_ICD_DIR:-/etc/OpenCL/vendors}
mkdir -p "$CACHE"

summary=()   # lines of the summary
env_lines=() # lines of env.sh
notes=()     # things the user should do

# ------------------------------------------------------------------ library lookup

ldcache() {
    { ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null || true; } | grep -F 'x86-64' || true
}
LDCACHE=$(ldcache)

# The path of library $1 as the dynamic loader finds it by name (LD_LIBRARY_PATH, then the cache).
in_loader_path() {
    local dir path
    IFS=: read -r -a _dirs <<<"${LD_LIBRARY_PATH:-}"
    for dir in "${_dirs[@]}"; do
        [[ -n $dir && -e $dir/$1 ]] && { printf '%s\n' "$dir/$1"; return 0; }
    done
    path=$(awk -v n="$1" '$1 == n { print $NF; exit }' <<<"$LDCACHE")
    [[ -n $path ]] && { printf '%s\n' "$path"; return 0; }
    return 1
}

# The path of library $1: the loader's, else the first of the folders $2... holding it.
find_lib() {
    local name=$1 dir
    shift
    in_loader_path "$name" && return 0
    for dir in "$@"; do
        [[ -e $dir/$name ]] && { printf '%s\n' "$dir/$name"; return 0; }
    done
    return 1
}

is_root() { [[ $(id -u) == 0 ]]; }

# ------------------------------------------------------------------ OpenCL: ocl-icd + PoCL

have_pocl() { compgen -G "$SYSTEM_VENDORS/*pocl*.icd" >/dev/null; }

apt_install() {
    export DEBIAN_FRONTEND=noninteractive
    local pkgs=(ocl-icd-libopencl1 pocl-opencl-icd)
    echo "setup-backends: installing ${pkgs[*]} with apt-get (log: $LOG) ..." >&2
    : >"$LOG"
    if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
        apt-get update -q >>"$LOG" 2>&1 || true
    fi
    if apt-get install -y -q --no-install-recommends "${pkgs[@]}" >>"$LOG" 2>&1; then
        return 0
    fi
    echo "--- apt-get install failed; apt-get update and retry" >>"$LOG"
    if apt-get update -q >>"$LOG" 2>&1 \
        && apt-get install -y -q --no-install-recommends "${pkgs[@]}" >>"$LOG" 2>&1; then
        return 0
    fi
    echo "setup-backends: apt-get failed; its log ($LOG):" >&2
    sed 's/^/    /' "$LOG" >&2
    return 1
}

libopencl=$(find_lib libOpenCL.so.1 /usr/lib/x86_64-linux-gnu /usr/lib64 || true)
if [[ -z $libopencl ]] || ! have_pocl; then
    if is_root && command -v apt-get >/dev/null 2>&1; then
        if apt_install; then
            LDCACHE=$(ldcache)
            libopencl=$(find_lib libOpenCL.so.1 /usr/lib/x86_64-linux-gnu /usr/lib64 || true)
        else
            notes+=("OpenCL: installing PoCL failed (log above); the OpenCL backend may be unavailable")
        fi
    elif is_root; then
        notes+=("OpenCL: no apt-get here; install an OpenCL ICD loader (libOpenCL.so.1) and PoCL with the system's package manager")
    else
        notes+=("OpenCL: libOpenCL.so.1 or PoCL missing; as root run: apt-get install -y ocl-icd-libopencl1 pocl-opencl-icd (the JVM backend works without)")
    fi
fi

# ------------------------------------------------------------------ OpenCL: NVIDIA's ICD

nv_opencl=$(find_lib libnvidia-opencl.so.1 /usr/local/nvidia/lib64 /usr/lib/x86_64-linux-gnu || true)
vendors_dir=$SYSTEM_VENDORS
if [[ -n $nv_opencl ]] && ! grep -qs 'libnvidia-opencl' "$SYSTEM_VENDORS"/*.icd; then
    # OCL_ICD_VENDORS replaces the default folder: copy the system's ICD files next to ours.
    rm -rf "$OUR_VENDORS.tmp"
    mkdir -p "$OUR_VENDORS.tmp"
    if compgen -G "$SYSTEM_VENDORS/*.icd" >/dev/null; then
        cp "$SYSTEM_VENDORS"/*.icd "$OUR_VENDORS.tmp"/
    fi
    printf '%s\n' "$nv_opencl" >"$OUR_VENDORS.tmp/nvidia.icd"
    rm -rf "$OUR_VENDORS"
    mv "$OUR_VENDORS.tmp" "$OUR_VENDORS"
    vendors_dir=$OUR_VENDORS
    env_lines+=("export OCL_ICD_VENDORS=$OUR_VENDORS")
else
    rm -rf "$OUR_VENDORS"
fi

icds=()
if compgen -G "$vendors_dir/*.icd" >/dev/null; then
    for f in "$vendors_dir"/*.icd; do
        icds+=("$(basename "$f") -> $(head -n 1 "$f")")
    done
fi
summary+=("OpenCL loader  ${libopencl:-not found}")
if ((${#icds[@]})); then
    summary+=("OpenCL ICDs    ${icds[0]}")
    for ((i = 1; i < ${#icds[@]}; i++)); do
        summary+=("               ${icds[i]}")
    done
    [[ $vendors_dir == "$OUR_VENDORS" ]] && summary+=("               (from $OUR_VENDORS: NVIDIA had no ICD file)")
else
    summary+=("OpenCL ICDs    none in $SYSTEM_VENDORS")
fi

# ------------------------------------------------------------------ CUDA: driver and NVRTC

libcuda=$(find_lib libcuda.so.1 /usr/local/nvidia/lib64 /usr/lib/x86_64-linux-gnu /usr/lib64 || true)
if [[ -n $libcuda ]]; then
    if in_loader_path libcuda.so.1 >/dev/null; then
        summary+=("CUDA driver    $libcuda")
    else
        summary+=("CUDA driver    $libcuda (outside the loader path: MAMBA_LIBCUDA)")
        env_lines+=("export MAMBA_LIBCUDA=$libcuda")
    fi
else
    summary+=("CUDA driver    not found (no NVIDIA driver: the CUDA backend is unavailable)")
fi

python_sites() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import site, sys
for p in site.getsitepackages() + [site.getusersitepackages()]: print(p)' 2>/dev/null || true
    fi
    compgen -G '/usr/local/lib/python3*/dist-packages' || true
    compgen -G '/usr/local/lib/python3*/site-packages' || true
    compgen -G '/usr/lib/python3/dist-packages' || true
    compgen -G "$HOME/.local/lib/python3*/site-packages" || true
}

nvrtc_dirs=()
for home in "${CUDA_HOME:-}" "${CUDA_PATH:-}"; do
    [[ -n $home ]] && nvrtc_dirs+=("$home/targets/x86_64-linux/lib" "$home/lib64")
done
# Newest toolkit first.
while IFS= read -r d; do
    [[ -n $d ]] && nvrtc_dirs+=("$d/targets/x86_64-linux/lib")
done < <(compgen -G '/usr/local/cuda*' | sort -rV || true)
while IFS= read -r d; do
    [[ -n $d ]] && nvrtc_dirs+=("$d/lib64")
done < <(compgen -G '/usr/local/cuda*' | sort -rV || true)
while IFS= read -r d; do
    [[ -n $d ]] && nvrtc_dirs+=("$d/nvidia/cuda_nvrtc/lib" "$d/nvidia/cu13/lib")
done < <(python_sites | awk '!seen[$0]++')

nvrtc=""
for name in libnvrtc.so.13 libnvrtc.so.12; do
    nvrtc=$(find_lib "$name" "${nvrtc_dirs[@]}" || true)
    [[ -n $nvrtc ]] && break
done
if [[ -z $nvrtc ]]; then
    summary+=("NVRTC          not found (libnvrtc.so.13/.12: the CUDA backend cannot compile kernels)")
elif [[ $(in_loader_path "$(basename "$nvrtc")" || true) == "$nvrtc" ]]; then
    summary+=("NVRTC          $nvrtc")
else
    summary+=("NVRTC          $nvrtc (outside the loader path: MAMBA_NVRTC)")
    env_lines+=("export MAMBA_NVRTC=$nvrtc")
fi

# ------------------------------------------------------------------ env.sh, summary

{
    echo "# Written by scripts/setup-backends.sh; sourced by ./mamba-cli and ./run-tests. Do not edit."
    for l in "${env_lines[@]+"${env_lines[@]}"}"; do
        echo "$l"
    done
} >"$ENV_FILE.tmp"
mv "$ENV_FILE.tmp" "$ENV_FILE"
if ((${#env_lines[@]})); then
    summary+=("env            $ENV_FILE (${#env_lines[@]} setting(s))")
fi
for n in "${notes[@]+"${notes[@]}"}"; do
    summary+=("note           $n")
done

text=$(printf '%s\n' "mamba-jvm backends (JVM always; scripts/setup-backends.sh -v shows this again):" \
    "${summary[@]/#/  }")
hash=$( { printf '%s\n' "$text"; cat "$ENV_FILE"; } | cksum)
if ((VERBOSE)) || [[ ! -f $STAMP || $(cat "$STAMP") != "$hash" ]]; then
    printf '%s\n' "$text" >&2
fi
printf '%s\n' "$hash" >"$STAMP"
exit 0
