# shellcheck shell=bash
# Sourced after scripts/find-jdk.sh: makes sure `mvn` is on PATH. When it is missing and we are
# root with apt-get, installs Debian's maven package quietly (it brings its own JRE, which does not
# matter: JAVA_HOME from find-jdk.sh is what Maven runs on). Otherwise says what to install.
#
#   . scripts/find-maven.sh || exit 1
if ! command -v mvn >/dev/null 2>&1; then
    _mamba_mvn_log=${XDG_CACHE_HOME:-$HOME/.cache}/mamba-jvm/maven-install.log
    mkdir -p "$(dirname "$_mamba_mvn_log")"
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
        echo "mamba-jvm: installing Maven with apt-get (log: $_mamba_mvn_log) ..." >&2
        if ! { DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends maven \
                || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends maven; }; } \
                >"$_mamba_mvn_log" 2>&1; then
            echo "mamba-jvm: installing Maven failed; the log:" >&2
            sed 's/^/    /' "$_mamba_mvn_log" >&2
        fi
    fi
    unset _mamba_mvn_log
    if ! command -v mvn >/dev/null 2>&1; then
        echo "mamba-jvm needs Maven 3.8 or newer (mvn on PATH): apt-get install maven, or https://maven.apache.org/install.html" >&2
        return 1 2>/dev/null || exit 1
    fi
fi
