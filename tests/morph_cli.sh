#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `dqhost morph` as a user runs it: the summary of the examples, the JSON form, the error
# line "FILE:LINE: message" and the exit statuses (0 ok, 2 a bad file or usage, as every
# dqhost command).
#   morph_cli.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
dq=$1/dqhost
src=$2
tmp=$(mktemp -d /tmp/dqhost-morph-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL $*"; exit 1; }
status() { local rc=0; "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?; echo "$rc"; }

# The summary: sections, compartments, regions, root, deepest path.
out=$("$dq" morph "$src/examples/small_cell.swc")
grep -qx 'soma: three points (a sphere)' <<<"$out" || fail "no soma line: $out"
grep -qx 'sections: 11' <<<"$out" || fail "not 11 sections: $out"
grep -q '^compartments: 30 (27 segments, 3 junctions' <<<"$out" || fail "compartments: $out"
grep -qE '^soma +1 +1 +16\.00 +804\.25$' <<<"$out" || fail "soma row: $out"
grep -qE '^apical +5 ' <<<"$out" || fail "no apical row"
grep -qx "root: section 'soma', compartment 0" <<<"$out" || fail "root: $out"
grep -qx '  soma -> apic\[0\] -> apic\[1\] -> apic\[3\]' <<<"$out" || fail "deepest: $out"
echo "ok   summary of examples/small_cell.swc"

# Ball and stick, 5 segments a section: 1 + 5 + 5 and the soma's x = 1 junction.
out=$("$dq" morph "$src/examples/ball_and_stick.morph.json" --nseg 5)
grep -q '^compartments: 11 (10 segments, 1 junctions' <<<"$out" || fail "ball and stick: $out"
# d_lambda at 100 Hz gives the 1000 um dendrite of diameter 2 fifteen segments.
"$dq" morph "$src/examples/ball_and_stick.morph.json" --json >"$tmp/bs.json"
python3 - "$tmp/bs.json" <<'PY' || fail "JSON form"
import json, math, sys
d = json.load(open(sys.argv[1]))
assert d["discretisation"]["rule"] == "d_lambda", d["discretisation"]
assert [s["nseg"] for s in d["sections"]] == [1, 15], d["sections"]
c = d["compartments"]
assert len(c) == 17 and c[0]["parent"] == -1
assert all(0 <= e["parent"] < i for i, e in enumerate(c) if i), "parent order"
assert c[1]["junction"] and c[1]["area"] == 0
area = sum(e["area"] for e in c)
assert abs(area - math.pi * (20 * 20 + 2 * 1000)) < 1e-9 * area, area
PY
echo "ok   JSON form (nseg by d_lambda, parent order, areas)"

# Errors: FILE:LINE: message, status 1; usage, status 2.
printf '1 1 0 0 0 1 -1\n# comment\n2 3 1 0 0 0 1\n' >"$tmp/zero.swc"
[ "$(status "$dq" morph "$tmp/zero.swc")" = 2 ] || fail "zero radius not status 2"
grep -qx "dqhost: error: $tmp/zero.swc:3: radius 0 of point 2: must be > 0" "$tmp/err" ||
    fail "zero radius message: $(cat "$tmp/err")"
printf '1 1 0 0 0 1 -1\n2 3 1 0 0 1 3\n3 3 2 0 0 1 2\n' >"$tmp/cycle.swc"
[ "$(status "$dq" morph "$tmp/cycle.swc")" = 2 ] || fail "cycle not status 2"
grep -qx "dqhost: error: $tmp/cycle.swc:2: point 2 is on a cycle of parents (2 -> 3 -> 2)" \
    "$tmp/err" || fail "cycle message: $(cat "$tmp/err")"
printf '{"soma": {"length": 1,\n  "diameter" 2}}\n' >"$tmp/syntax.json"
[ "$(status "$dq" morph "$tmp/syntax.json")" = 2 ] || fail "JSON syntax not status 2"
grep -q "^dqhost: error: $tmp/syntax.json:2:[0-9]*: " "$tmp/err" ||
    fail "JSON syntax message: $(cat "$tmp/err")"
[ "$(status "$dq" morph "$tmp/none.swc")" = 2 ] || fail "missing file not status 2"
grep -q "cannot open morphology '$tmp/none.swc'" "$tmp/err" || fail "missing: $(cat "$tmp/err")"
[ -s "$tmp/out" ] && fail "output on failure"
for args in "" "--bogus x.swc" "x.swc y.swc" "x.swc --nseg 0" "x.swc --nseg 3 --seg-length 5" \
    "x.swc --Ra -2" "x.swc --nseg 3 --freq 50" "x.swc --d-lambda"; do
    # shellcheck disable=SC2086
    [ "$(status "$dq" morph $args)" = 2 ] || fail "'morph $args' not status 2"
    grep -q '^dqhost: error: morph: ' "$tmp/err" || fail "'morph $args': $(cat "$tmp/err")"
done
[ "$(status "$dq" morph --help)" = 0 ] || fail "--help"
grep -q '^Usage: dqhost morph FILE.swc|FILE.json' "$tmp/out" || fail "--help text"
echo "ok   errors name FILE:LINE, status 2"
