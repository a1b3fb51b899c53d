#!/usr/bin/env bash
# Writes the King James Bible as printed by Debian's `bible` tool (package bible-kjv, public domain)
# to the file named by $1: the corpus of tools/train_default_model.py.
set -euo pipefail
out=${1:?usage: tools/kjv_corpus.sh OUT_FILE}
if ! command -v bible >/dev/null; then
    if [ "$(id -u)" = 0 ]; then
        apt-get install -y -qq bible-kjv >/dev/null || { apt-get update -qq && apt-get install -y -qq bible-kjv >/dev/null; }
    else
        echo "tools/kjv_corpus.sh: needs Debian's bible-kjv package (apt-get install bible-kjv)" >&2; exit 1
    fi
fi
bible -l100000 'Gen1:1-Rev22:21' > "$out.tmp"
mv "$out.tmp" "$out"
