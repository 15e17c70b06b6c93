#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The cable model `cell` run by `dqhost run` (solver staggered, NEURON's fixed step) against
# NEURON 8.2 itself on the same cells (Debian's python3-neuron; skipped, exit 77, when it is
# not installed): subthreshold soma V to 0.1 mV at every step, spike times to 0.02 ms, and a
# convergence table of both against NEURON at dt 0.001 ms. The checks are in
# tests/cable_neuron.py (its docstring says what and why).
#   cable_neuron.sh BUILD_DIR MORPHOLOGY...
set -euo pipefail
build=$1
shift
. "$(dirname "$0")/neuron_python.sh"
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp /tmp/dqhost-cable-nrn-XXXXXX)
trap 'rm -f "$out"' EXIT
status=0
for f in "$@"; do
    rc=0
    "$py" "$here/cable_neuron.py" check "$build" "$f" >"$out" 2>&1 || rc=$?
    # NEURON's notes about graphics are not ours to show.
    grep -v -e DISPLAY -e 'No graphics' "$out" || true
    [ "$rc" = 0 ] || status=1
done
exit $status
