#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fails when a C or C++ source of the tree differs from what .clang-format asks for.
# Installs clang-format (Debian's package) only when it is missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if ! command -v clang-format >/dev/null 2>&1; then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        sudo="sudo"
    fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends clang-format >/dev/null
fi
# Sources under the project's folders, and those at the top level; build trees are skipped.
dirs=()
for d in core sdk plugins tests bench; do
    [ -d "$d" ] && dirs+=("$d")
done
mapfile -d '' files < <({
    find "${dirs[@]}" -name 'build*' -prune -o -type f \( -name '*.c' -o -name '*.h' -o -name '*.cpp' \) -print0
    find . -maxdepth 1 -type f \( -name '*.c' -o -name '*.h' -o -name '*.cpp' \) -print0
} | sort -z)
if [ ${#files[@]} -eq 0 ]; then
    echo "format-check: no sources found" >&2
    exit 1
fi
clang-format --dry-run --Werror "${files[@]}"
echo "format-check: ${#files[@]} files follow .clang-format"
