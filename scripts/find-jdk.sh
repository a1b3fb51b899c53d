# shellcheck shell=bash
# Sourced by ./mamba-cli, ./run-tests and scripts/*.sh: finds a JDK 25 or newer and exports
# JAVA_HOME, PATH (its bin first) and MAVEN_OPTS (with --sun-misc-unsafe-memory-access=allow, which
# keeps Maven 3.8's guava from printing sun.misc.Unsafe warnings on JDK 25).
#
# Order: $JAVA_HOME if it is >= 25; else the highest JDK >= 25 under /usr/lib/jvm; else `java` on
# PATH if it is >= 25. Otherwise it prints what to install and returns (or, run directly, exits) 1.
#
#   . scripts/find-jdk.sh || exit 1

MAMBA_MIN_JDK=${MAMBA_MIN_JDK:-25}

# The full version of the `java` given ("25.0.3", "1.8.0_402"), or nothing.
_mamba_java_version() {
    [[ -x "$1" ]] || return 1
    "$1" -version 2>&1 | sed -n 's/^[^"]* version "\([^"]*\)".*/\1/p' | head -n 1
}

# The feature (major) release of a version string: 25.0.3 -> 25, 25-ea -> 25, 1.8.0_402 -> 8.
_mamba_java_major() {
    local v=$1 major
    major=${v%%[.+-]*}
    if [[ $major == 1 ]]; then
        major=${v#1.}
        major=${major%%[.+_-]*}
    fi
    [[ $major =~ ^[0-9]+$ ]] && printf '%s\n' "$major"
}

# Prints the JDK home (the folder holding bin/java) of the best JDK >= $MAMBA_MIN_JDK.
_mamba_find_jdk() {
    local v major home best="" best_v="" java_on_path
    if [[ -n ${JAVA_HOME:-} ]]; then
        v=$(_mamba_java_version "$JAVA_HOME/bin/java")
        major=$(_mamba_java_major "$v")
        if [[ -n $major && $major -ge $MAMBA_MIN_JDK ]]; then
            printf '%s\n' "${JAVA_HOME%/}"
            return 0
        fi
    fi
    for home in /usr/lib/jvm/*/; do
        home=${home%/}
        [[ -x $home/bin/java && -x $home/bin/javac ]] || continue
        v=$(_mamba_java_version "$home/bin/java")
        major=$(_mamba_java_major "$v")
        [[ -n $major && $major -ge $MAMBA_MIN_JDK ]] || continue
        if [[ -z $best ]] || [[ $(printf '%s\n%s\n' "$best_v" "$v" | sort -V | tail -n 1) == "$v" && $v != "$best_v" ]]; then
            best=$home
            best_v=$v
        fi
    done
    if [[ -n $best ]]; then
        printf '%s\n' "$best"
        return 0
    fi
    java_on_path=$(command -v java 2>/dev/null) || return 1
    v=$(_mamba_java_version "$java_on_path")
    major=$(_mamba_java_major "$v")
    if [[ -n $major && $major -ge $MAMBA_MIN_JDK ]]; then
        # bin/java -> the JDK home (through symlinks such as /usr/bin/java -> /etc/alternatives/java).
        home=$(dirname "$(dirname "$(readlink -f "$java_on_path")")")
        printf '%s\n' "$home"
        return 0
    fi
    return 1
}

if _mamba_jdk_home=$(_mamba_find_jdk); then
    export JAVA_HOME=$_mamba_jdk_home
    case ":$PATH:" in
        ":$JAVA_HOME/bin:"*) ;;
        *) export PATH="$JAVA_HOME/bin:$PATH" ;;
    esac
    case " ${MAVEN_OPTS:-} " in
        *" --sun-misc-unsafe-memory-access=allow "*) ;;
        *) export MAVEN_OPTS="${MAVEN_OPTS:+$MAVEN_OPTS }--sun-misc-unsafe-memory-access=allow" ;;
    esac
    unset _mamba_jdk_home
else
    unset _mamba_jdk_home
    {
        echo "mamba-jvm needs JDK $MAMBA_MIN_JDK or newer; none found in JAVA_HOME, /usr/lib/jvm or PATH."
        echo "Install Temurin $MAMBA_MIN_JDK (https://adoptium.net/installation/linux/, e.g. apt-get install temurin-$MAMBA_MIN_JDK-jdk"
        echo "after adding the Adoptium apt repository) or set JAVA_HOME to a JDK $MAMBA_MIN_JDK."
    } >&2
    # Sourced: return to the caller (which exits); run directly: exit.
    return 1 2>/dev/null || exit 1
fi
