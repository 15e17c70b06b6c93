#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `dqhost morph --json` against NEURON itself (Debian's python3-neuron, skipped when it is
# not installed). Each SWC file is read by NEURON's Import3d, nseg set by fixnseg.hoc's
# rule with stdlib.hoc's lambda_f (d_lambda 0.1 at 100 Hz, Ra 100, cm 1); then
#  - the sections' nseg and lengths, every segment's area and every segment's ri() are
#    compared, as sorted lists, to 1e-5 relative (NEURON keeps 3-D points in single
#    precision);
#  - a passive cell (pas 1e-4 S/cm² at -65 mV, IClamp 0.1 nA at soma(0.5) from 1 to 6 ms,
#    dt 0.025 ms, backward Euler: NEURON's secondorder = 0) is held against
#    tests/morph_passive (our compartments stepped with dq_hines_solve): every segment's
#    voltage at 3 ms to 1e-6 mV, sections matched by their first 3-D point and length.
#   morph_neuron.sh BUILD_DIR FILE.swc...
set -euo pipefail
build=$1
shift
. "$(dirname "$0")/neuron_python.sh"
tmp=$(mktemp -d /tmp/dqhost-morph-nrn-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
for f in "$@"; do
    "$build/dqhost" morph "$f" --Ra 100 --json >"$tmp/dq.json"
    "$build/tests/morph_passive" "$f" 3 >"$tmp/v.txt"
    "$py" - "$f" "$tmp/dq.json" "$tmp/v.txt" 3 <<'PY' 2>&1 | grep -v -e DISPLAY -e 'No graphics'
import json, sys
from neuron import h
path, dq_json, v_txt, T = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
h.load_file("stdlib.hoc")
h.load_file("import3d.hoc")
r = h.Import3d_SWC_read()
r.quiet = 1
r.input(path)
h.Import3d_GUI(r, 0).instantiate(None)
for s in h.allsec():
    s.Ra = 100
    s.cm = 1
    # geom_nseg (fixnseg.hoc, which Debian does not install) with stdlib.hoc's lambda_f.
    s.nseg = int((s.L / (0.1 * h.lambda_f(100, sec=s)) + 0.9) / 2) * 2 + 1
root = [s for s in h.allsec() if s.parentseg() is None][0]

# Geometry: nseg and L per section, areas and ri() per segment, as sorted lists.
n_secs = sorted((s.nseg, round(s.L, 4)) for s in h.allsec())
areas = sorted(seg.area() for s in h.allsec() for seg in s)
ris = sorted(seg.ri() for s in h.allsec() for seg in s if not (s == root and seg.x < 1 / s.nseg))
d = json.load(open(dq_json))
c, secs = d["compartments"], d["sections"]
mine_secs = sorted((s["nseg"], round(s["length"], 4)) for s in secs)
mine_areas = sorted(e["area"] for e in c if not e["junction"])
root_first = secs[0]["first"]
mine_ris = sorted(1 / e["g_axial"] for i, e in enumerate(c) if not e["junction"] and i != root_first)
def close(a, b):
    return len(a) == len(b) and all(abs(x - y) <= 1e-5 * max(abs(y), 1e-9) for x, y in zip(a, b))
bad = []
if [n for n, _ in n_secs] != [n for n, _ in mine_secs] or not close([l for _, l in mine_secs], [l for _, l in n_secs]):
    bad.append("sections (nseg, L): NEURON %s, dqhost %s" % (n_secs, mine_secs))
if not close(mine_areas, areas):
    bad.append("areas: NEURON %s, dqhost %s" % (areas[:8], mine_areas[:8]))
if not close(mine_ris, ris):
    bad.append("ri: NEURON %s, dqhost %s" % (ris[:8], mine_ris[:8]))
if bad:
    print("FAIL %s:\n  %s" % (path, "\n  ".join(bad)))
    sys.exit(1)
print("ok   %s: %d sections, %d segments as NEURON's Import3d and geom_nseg" % (path, len(secs), len(areas)))

# A passive cell, backward Euler.
for s in h.allsec():
    s.insert("pas")
    for seg in s:
        seg.pas.g = 1e-4
        seg.pas.e = -65
stim = h.IClamp(root(0.5))
stim.delay, stim.dur, stim.amp = 1, 5, 0.1
h.secondorder = 0
h.dt = 0.025
h.finitialize(-65)
while h.t < T - h.dt / 2:
    h.fadvance()
mine = []
for line in open(v_txt):
    f = [float(x) for x in line.split()]
    mine.append((f[:4], f[4:]))
worst = 0
for s in h.allsec():
    key = [s.x3d(0), s.y3d(0), s.z3d(0), s.L]
    best = min(mine, key=lambda m: sum(abs(a - b) for a, b in zip(m[0], key)))
    if sum(abs(a - b) for a, b in zip(best[0], key)) > 1e-3 or len(best[1]) != s.nseg:
        print("FAIL %s: no section like %s (%s)" % (path, s.name(), key))
        sys.exit(1)
    for seg, v in zip(s, best[1]):
        worst = max(worst, abs(seg.v - v))
ok = worst < 1e-6
print("%s %s: max |V_neuron - V_dqhost| = %.2g mV at t = %g ms (passive, backward Euler)"
      % ("ok  " if ok else "FAIL", path, worst, T))
sys.exit(0 if ok else 1)
PY
    [ "${PIPESTATUS[0]}" = 0 ] || exit 1
done
