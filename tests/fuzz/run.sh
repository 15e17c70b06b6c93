#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs every libFuzzer target of a DQ_FUZZ build on its committed seed corpus.
#   tests/fuzz/run.sh BUILD_DIR [libFuzzer flags...]     (default flags: -runs=20000)
# e.g. tests/fuzz/run.sh build-fuzz -runs=5000000 -jobs=2 for a longer run. New inputs go
# to a temporary directory, not into the committed corpus; a crash input is written to the
# current directory (crash-<sha1>) and the script fails. To add inputs to the corpus, merge:
#   build-fuzz/tests/fuzz/fuzz_spec -merge=1 tests/fuzz/corpus/spec NEW_INPUTS_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: run.sh BUILD_DIR [libFuzzer flags...]}
shift
flags=("$@")
if [ ${#flags[@]} -eq 0 ]; then
    flags=(-runs=20000)
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
for target in spec descriptor morph; do
    extra=()
    if [ -f "$here/$target.dict" ]; then
        extra=(-dict="$here/$target.dict")
    fi
    mkdir -p "$work/$target"
    start=$(date +%s)
    # libFuzzer's log is long; keep it, and show its tail on failure or its last line.
    if ! "$build/tests/fuzz/fuzz_$target" "${flags[@]}" "${extra[@]}" -print_final_stats=1 \
        "$work/$target" "$here/corpus/$target" >"$work/$target.log" 2>&1; then
        tail -n 60 "$work/$target.log" >&2
        echo "fuzz_$target: FAILED (the input is in crash-*/leak-*/timeout-* here)" >&2
        exit 1
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$target.log")
    echo "fuzz_$target: ${runs:-?} runs in $(($(date +%s) - start)) s, no crash"
done
