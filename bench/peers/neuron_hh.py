#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""NEURON on dq_bench's Hodgkin-Huxley population (deterministic, fixed step).

N single-compartment cells, each a section with NEURON's built-in `hh` mechanism, on the
equations, parameters and initial state of plugins/models/hh.c and hh_eq.h:

- hh.mod's constants are hh.c's (gnabar 0.12 S/cm^2 = 120 mS/cm^2, gkbar 0.036, gl 0.0003,
  ena 50 mV, ek -77 mV, cm 1 uF/cm^2) except el_hh, NEURON's -54.3 mV, set to hh.c's
  -54.387 mV; celsius = 6.3 makes hh.mod's q10 = 3^((celsius - 6.3)/10) exactly 1. Its rate
  functions are hh_eq.h's (vtrap(x, y) = x/(e^(x/y) - 1) is hh_linexp); every run first
  compares NEURON's own rates_hh (minf, mtau, hinf, htau, ninf, ntau) with hh_eq.h's
  formulas on a grid of V from -100 to 60 mV, the tables off, and fails when they differ
  by more than 1e-12 relative.
- Membrane current density I_ext = 20 (i + 1/2)/N uA/cm^2 through an IClamp (del 0, dur
  1e9 ms) on a cell of area 1e5 um^2 = 1e-3 cm^2 (L = diam = sqrt(1e5/pi) um, nseg 1), so
  that amp in nA equals I_ext in uA/cm^2 (1 nA / 1e-3 cm^2 = 1 uA/cm^2).
- V(0) = -65 mV with the gates at rest: h.finitialize(-65), whose hh INITIAL sets every
  gate to its steady state at -65 mV.
- Fixed step (cvode off), secondorder = 0: NEURON's default staggered scheme (V by backward
  Euler with the gates at the half step, the gates by hh.mod's cnexp, exact exponential
  integration at fixed V). --table 1 keeps hh.mod's rate tables (NEURON's default:
  usetable_hh = 1, linear interpolation on 1 mV steps); --table 0 computes the rates.
- Spikes: a NetCon on each cell's v with threshold 0 mV, recorded into a Vector: NEURON's
  upward crossings of 0 mV, as hh.c counts them.

One run per process: build the cells, h.finitialize(-65) (not timed), `--warm` untimed
steps (h.fadvance), then `--steps` timed steps by ParallelContext.psolve (NEURON's own
stepping loop in C, one thread), timed with time.perf_counter around the psolve call alone.
Prints one JSON object on stdout; --dump-v writes V(t_end) in mV of every cell, then its
spike count (float64). Run it with the system Python (Debian's python3-neuron).
"""
import argparse
import json
import math
import os
import sys
import time


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1000, help="cells")
    ap.add_argument("--steps", type=int, default=1000, help="timed steps")
    ap.add_argument("--warm", type=int, default=2, help="untimed steps before them")
    ap.add_argument("--dt", type=float, default=0.01, help="step (ms)")
    ap.add_argument("--table", type=int, choices=[0, 1], default=1,
                    help="hh.mod's rate tables (1: NEURON's default)")
    ap.add_argument("--cache-efficient", type=int, choices=[0, 1], default=1,
                    help="CVode.cache_efficient: the cells' data in contiguous arrays (1, the "
                    "setting for speed) or NEURON's default per-cell layout (0)")
    ap.add_argument("--dump-v", help="write V(t_end) in mV of every cell, then its spike "
                    "count, here (float64)")
    ap.add_argument("--version", action="store_true", help="print NEURON's version as JSON")
    a = ap.parse_args()
    if a.n < 1 or a.steps < 0 or a.warm < 0 or not a.dt > 0:
        ap.error("--n and --dt must be positive, --steps and --warm not negative")
    return a


def linexp(x):  # x / (1 - e^(-x/10)), hh_eq.h's hh_linexp
    return 10.0 if x == 0.0 else x / -math.expm1(-x / 10.0)


def hh_eq_rates(v):
    """hh_eq.h's rates at V: (x_inf, tau_x) for m, h, n."""
    am, bm = 0.1 * linexp(v + 40.0), 4.0 * math.exp(-(v + 65.0) / 18.0)
    ah, bh = 0.07 * math.exp(-(v + 65.0) / 20.0), 1.0 / (1.0 + math.exp(-(v + 35.0) / 10.0))
    an, bn = 0.01 * linexp(v + 55.0), 0.125 * math.exp(-(v + 65.0) / 80.0)
    return [(a / (a + b), 1.0 / (a + b)) for a, b in ((am, bm), (ah, bh), (an, bn))]


def check_rates(h, sec):
    """NEURON's rates_hh against hh_eq.h's, tables off; the largest relative difference."""
    worst = 0.0
    for k in range(161):
        v = -100.0 + k + 0.25  # off the grid points and the removable singularities
        h.rates_hh(v, sec=sec)
        got = [(h.minf_hh, h.mtau_hh), (h.hinf_hh, h.htau_hh), (h.ninf_hh, h.ntau_hh)]
        for (gi, gt), (wi, wt) in zip(got, hh_eq_rates(v)):
            worst = max(worst, abs(gi - wi) / abs(wi), abs(gt - wt) / abs(wt))
    return worst


def start_neuron(version_only):
    """NEURON without its GUI, stdrun.hoc loaded, celsius 6.3 (hh's q10 = 1); with
    version_only, prints its version as JSON and returns None. neuron_cable.py starts so
    too."""
    os.environ.setdefault("NEURON_MODULE_OPTIONS", "-nogui")
    from neuron import h
    if version_only:
        print(json.dumps({"neuron": h.nrnversion(0), "python": sys.version.split()[0],
                          "full": h.nrnversion(2)}))
        return None
    h.load_file("stdrun.hoc")
    h.celsius = 6.3  # q10 = 1
    return h


def fixed_step_run(h, dt, warm, steps, cache_efficient, who):
    """NEURON's fixed step (cvode off, secondorder 0) from finitialize(-65): `warm` untimed
    fadvance steps, then `steps` by ParallelContext.psolve, whose seconds it returns (the
    time of psolve alone, by time.perf_counter). neuron_cable.py runs its cells so too."""
    h.cvode_active(0)
    h.CVode().cache_efficient(cache_efficient)
    h.secondorder = 0
    h.dt = dt
    h.steps_per_ms = 1.0 / dt
    pc = h.ParallelContext()
    pc.set_maxstep(10)  # psolve needs a positive minimum delay; these NetCons have no target
    h.finitialize(-65.0)
    for _ in range(warm):
        h.fadvance()
    t_start = h.t
    t0 = time.perf_counter()
    if steps:
        pc.psolve(t_start + steps * dt)
    run_s = time.perf_counter() - t0
    taken = round((h.t - t_start) / dt)
    if taken != steps:
        raise SystemExit("%s: psolve took %d steps, not %d" % (who, taken, steps))
    return run_s


def main():
    a = parse_args()
    h = start_neuron(a.version)
    if h is None:
        return 0
    version = h.nrnversion(0)
    h.usetable_hh = 0
    side = math.sqrt(1e5 / math.pi)  # um: area pi d L = 1e5 um^2 = 1e-3 cm^2
    cells, clamps, ncs, tvecs = [], [], [], []
    for i in range(a.n):
        sec = h.Section(name="cell%d" % i)
        sec.L = sec.diam = side
        sec.nseg = 1
        sec.cm = 1.0
        sec.insert("hh")
        seg = sec(0.5)
        seg.gnabar_hh, seg.gkbar_hh, seg.gl_hh = 0.12, 0.036, 0.0003
        seg.el_hh = -54.387
        seg.ena, seg.ek = 50.0, -77.0
        ic = h.IClamp(seg)
        ic.delay, ic.dur = 0.0, 1e9
        ic.amp = 20.0 * (i + 0.5) / a.n  # nA on 1e-3 cm^2: uA/cm^2
        nc = h.NetCon(seg._ref_v, None, sec=sec)
        nc.threshold = 0.0
        tv = h.Vector()
        nc.record(tv)
        cells.append(sec)
        clamps.append(ic)
        ncs.append(nc)
        tvecs.append(tv)
    area = cells[0](0.5).area()
    if abs(area - 1e5) > 1e-6 * 1e5:
        raise SystemExit("neuron_hh: cell area %.17g um^2, not 1e5" % area)
    rate_err = check_rates(h, cells[0])
    if not rate_err <= 1e-12:
        raise SystemExit("neuron_hh: NEURON's hh rates differ from hh_eq.h's by %.3g "
                         "relative" % rate_err)
    h.usetable_hh = a.table
    run_s = fixed_step_run(h, a.dt, a.warm, a.steps, a.cache_efficient, "neuron_hh")
    v = [c(0.5).v for c in cells]
    sp = [float(len(tv)) for tv in tvecs]
    out = {"neuron": version, "n": a.n, "steps": a.steps, "warm": a.warm, "dt_ms": a.dt,
           "table": a.table, "cache_efficient": a.cache_efficient, "celsius": h.celsius, "secondorder": int(h.secondorder),
           "area_um2": area, "rate_check_rel": rate_err, "run_s": run_s,
           "ns_per_cell_step": 1e9 * run_s / (a.n * a.steps) if a.steps else None,
           "first": v[0], "last": v[-1], "mean": math.fsum(v) / a.n, "spikes": sum(sp)}
    if a.dump_v:
        import array
        with open(a.dump_v, "wb") as f:
            array.array("d", v + sp).tofile(f)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
