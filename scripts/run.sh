#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Sets up, builds and runs the main job: examples/hh.json, 1000 Hodgkin-Huxley neurons with
# input currents spread over 0-20 uA/cm^2 for 200 ms of model time. The trajectory goes to
# build/run/hh_trajectory.csv; the summary (firing rates, wall time) to the terminal.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup-debian.sh"
"$root/scripts/build.sh" "$root/build" -DCMAKE_BUILD_TYPE=Release
mkdir -p "$root/build/run"
cd "$root/build/run"
"$root/build/dqhost" run "$root/examples/hh.json"
echo "trajectory: $root/build/run/hh_trajectory.csv"
