#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Sets up, builds and runs every test suite: a plain build with warnings as errors, the MPI
# build (tests/mpi/ under mpirun, and the `run` suite there), the Release build
# users get (-O3), a build with AddressSanitizer and UndefinedBehaviorSanitizer,
# ThreadSanitizer on the threaded suites; then each libFuzzer target for a bounded number of
# runs (clang, ASan + UBSan); last, the formatting check. Prints each stage's time.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup-debian.sh"

SECONDS=0
stage_start=0
stage() {
    if [ -n "${stage_name:-}" ]; then
        echo "-- $stage_name: $((SECONDS - stage_start)) s"
    fi
    stage_name=$1
    stage_start=$SECONDS
    [ -z "$1" ] || echo "== $1 =="
}

stage "plain build (-Wall -Wextra -Werror)"
"$root/scripts/build.sh" "$root/build" -DDQ_WERROR=ON
ctest --test-dir "$root/build" --output-on-failure -j "$(nproc)"

stage "MPI build (-DDQ_MPI=ON): mpirun -np 1, 2, 3 against one process, and the run suite"
"$root/scripts/build.sh" "$root/build-mpi" -DDQ_MPI=ON -DDQ_WERROR=ON
ctest --test-dir "$root/build-mpi" --output-on-failure -j "$(nproc)" -R '^(mpi|run)$'

stage "Release build (-O3, as users build it)"
"$root/scripts/build.sh" "$root/build-release" -DCMAKE_BUILD_TYPE=Release -DDQ_WERROR=ON
ctest --test-dir "$root/build-release" --output-on-failure -j "$(nproc)"

stage "sanitizer build (ASan + UBSan)"
"$root/scripts/build.sh" "$root/build-sanitize" -DDQ_WERROR=ON -DDQ_SANITIZE=ON
# CK_TIMEOUT_MULTIPLIER: the suites that run `dqhost check` over every solver (the cable
# problem included) take several times longer under the sanitizers than the 60 s a test has.
CK_TIMEOUT_MULTIPLIER=5 ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$root/build-sanitize" --output-on-failure -j "$(nproc)"

stage "ThreadSanitizer build: the suites that step populations on several threads"
"$root/scripts/build.sh" "$root/build-tsan" -DDQ_WERROR=ON -DDQ_SANITIZE_THREAD=ON
TSAN_OPTIONS=halt_on_error=1 CK_FORK=no \
    ctest --test-dir "$root/build-tsan" --output-on-failure -R '^(system|driver|run|noise|adaptive|events)$'

stage "fuzz targets (libFuzzer, clang, ASan + UBSan): a bounded run on the seed corpus"
# Only the fuzz targets and the library they test are built. A longer run: see README.md.
CC=clang cmake -S "$root" -B "$root/build-fuzz" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDQ_FUZZ=ON \
    -DDQ_BUILD_TESTS=OFF -DDQ_WERROR=ON >/dev/null
cmake --build "$root/build-fuzz" -j "$(nproc)" --target dq_fuzz
"$root/tests/fuzz/run.sh" "$root/build-fuzz" -runs=50000 -max_total_time=30

stage "formatting (.clang-format)"
"$root/scripts/format-check.sh"
stage ""
echo "test command: ${SECONDS} s in all"
