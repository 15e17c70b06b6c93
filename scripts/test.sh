#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Sets up, builds and runs every test suite twice: a plain build with warnings as errors,
# then a build with AddressSanitizer and UndefinedBehaviorSanitizer; last, the formatting check.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup-debian.sh"

echo "== plain build (-Wall -Wextra -Werror) =="
"$root/scripts/build.sh" "$root/build" -DDQ_WERROR=ON
ctest --test-dir "$root/build" --output-on-failure -j "$(nproc)"

echo "== sanitizer build (ASan + UBSan) =="
"$root/scripts/build.sh" "$root/build-sanitize" -DDQ_WERROR=ON -DDQ_SANITIZE=ON
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$root/build-sanitize" --output-on-failure -j "$(nproc)"

echo "== ThreadSanitizer build: the suites that step populations on several threads =="
"$root/scripts/build.sh" "$root/build-tsan" -DDQ_WERROR=ON -DDQ_SANITIZE_THREAD=ON
TSAN_OPTIONS=halt_on_error=1 CK_FORK=no \
    ctest --test-dir "$root/build-tsan" --output-on-failure -R '^(system|driver|run)$'

echo "== formatting (.clang-format) =="
"$root/scripts/format-check.sh"
