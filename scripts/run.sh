#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Sets up, builds and runs the main job: the seed's decay model with forward Euler.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup-debian.sh"
"$root/scripts/build.sh" "$root/build"
"$root/build/dqhost" list
echo
"$root/build/dqhost" run --model decay --solver euler --dt 0.05 --t-end 10
