#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""NEURON on dq_bench's cable workload: n copies of a reconstructed pyramidal cell.

The cell and its discretisation are dqhost's `cell` model on the same SWC file:

- the morphology: NEURON's Import3d (Import3d_SWC_read, Import3d_GUI.instantiate), the reader
  core/morph follows (<dq/host/morph.h>);
- cm 1 uF/cm^2, Ra 35.4 ohm cm, the d_lambda rule: nseg = int((L / (0.1 lambda_f(100)) +
  0.9) / 2) * 2 + 1 for every section (NEURON's stdlib.hoc rule, as dqhost's
  DQ_MORPH_RULE_DLAMBDA);
- hh in the soma (NEURON's hh.mod with its defaults: gnabar 0.12, gkbar 0.036, gl 0.0003
  S/cm^2, ena 50, ek -77, el -54.3 mV) at celsius 6.3 (q10 = 1), pas everywhere else
  (g_pas 0.0001 S/cm^2, e_pas -65 mV): the `cell` model's hh and pas;
- --pulses IClamps at soma(0.5), pulse k from --delay + k --period for --dur ms, --amp nA
  (a train: under a steady current this soma fires once and stays depolarised); v_init
  -65 mV by h.finitialize;
- fixed step (cvode off), secondorder 0 (V by backward Euler, the gates staggered half a
  step, cnexp), CVode.cache_efficient(1); --table 1 keeps hh.mod's rate tables (NEURON's
  default), 0 computes the rates as dqhost does;
- spikes: a NetCon on soma(0.5).v at 0 mV, upward (the `cell` model's "spike" event).

n copies are n cells in one process. One run per process: build the cells, finitialize
(not timed), --warm untimed steps (h.fadvance), then --steps timed steps by
ParallelContext.psolve (NEURON's own loop in C, one thread), timed with
time.perf_counter around psolve alone. Prints one JSON object: the run time, ns per
compartment-step (compartments = segments, the sum of nseg, per cell), soma V at the end of
cell 0 and n-1 and their mean, the spike count, and cell 0's spike times.
"""
import argparse
import json
import math
import sys

from neuron_hh import fixed_step_run, start_neuron  # as the HH rows start, step and time


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--swc", required=False, help="the SWC file")
    ap.add_argument("--n", type=int, default=1, help="cells")
    ap.add_argument("--steps", type=int, default=4000, help="timed steps")
    ap.add_argument("--warm", type=int, default=0, help="untimed steps before them")
    ap.add_argument("--dt", type=float, default=0.025, help="step (ms)")
    ap.add_argument("--delay", type=float, default=2.0, help="first IClamp's delay (ms)")
    ap.add_argument("--dur", type=float, default=3.0, help="IClamp duration (ms)")
    ap.add_argument("--amp", type=float, default=2.0, help="IClamp amplitude (nA)")
    ap.add_argument("--pulses", type=int, default=5, help="IClamps, one every --period ms")
    ap.add_argument("--period", type=float, default=20.0, help="ms between the pulses")
    ap.add_argument("--table", type=int, choices=[0, 1], default=1,
                    help="hh.mod's rate tables (1: NEURON's default)")
    ap.add_argument("--version", action="store_true", help="print NEURON's version as JSON")
    a = ap.parse_args()
    if not a.version and (not a.swc or a.n < 1 or a.steps < 0 or a.warm < 0 or not a.dt > 0):
        ap.error("--swc is needed; --n and --dt must be positive, --steps and --warm not "
                 "negative")
    return a


class Cell:
    """One instantiation of the imported morphology (Import3d fills soma, dend, apic, axon)."""

    def __init__(self, h, i3d):
        i3d.instantiate(self)
        self.secs = [s for s in self.all]


def build(h, a):
    h.load_file("import3d.hoc")
    reader = h.Import3d_SWC_read()
    reader.quiet = 1
    reader.input(a.swc)
    i3d = h.Import3d_GUI(reader, 0)
    cells = []
    for _ in range(a.n):
        c = Cell(h, i3d)
        for sec in c.secs:
            sec.Ra = 35.4
            sec.cm = 1.0
        for sec in c.secs:
            lam = h.lambda_f(100.0, sec=sec)
            sec.nseg = int((sec.L / (0.1 * lam) + 0.9) / 2) * 2 + 1
            if sec in c.soma:
                sec.insert("hh")
            else:
                sec.insert("pas")
                for seg in sec:
                    seg.pas.g = 0.0001
                    seg.pas.e = -65.0
        cells.append(c)
    return cells


def main():
    a = parse_args()
    h = start_neuron(a.version)
    if h is None:
        return 0
    version = h.nrnversion(0)
    cells = build(h, a)
    h.usetable_hh = a.table
    clamps, ncs, tvecs = [], [], []
    for c in cells:
        for k in range(a.pulses):
            ic = h.IClamp(c.soma[0](0.5))
            ic.delay, ic.dur, ic.amp = a.delay + k * a.period, a.dur, a.amp
            clamps.append(ic)
        nc = h.NetCon(c.soma[0](0.5)._ref_v, None, sec=c.soma[0])
        nc.threshold = 0.0
        tv = h.Vector()
        nc.record(tv)
        ncs.append(nc)
        tvecs.append(tv)
    segments = sum(sec.nseg for sec in cells[0].secs)
    run_s = fixed_step_run(h, a.dt, a.warm, a.steps, 1, "neuron_cable")
    v = [c.soma[0](0.5).v for c in cells]
    spikes = sum(len(tv) for tv in tvecs)
    out = {"neuron": version, "n": a.n, "steps": a.steps, "warm": a.warm, "dt_ms": a.dt,
           "table": a.table, "celsius": h.celsius, "secondorder": int(h.secondorder),
           "sections": len(cells[0].secs), "compartments": segments, "run_s": run_s,
           "ns_per_compartment_step":
               1e9 * run_s / (a.n * segments * a.steps) if a.steps else None,
           "first": v[0], "last": v[-1], "mean": math.fsum(v) / a.n, "spikes": float(spikes),
           "spike_times": list(tvecs[0])}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
