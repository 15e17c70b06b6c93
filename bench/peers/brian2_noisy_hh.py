#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Brian2 on dq_bench's Hodgkin-Huxley population, with or without input noise.

--method picks Brian's state updater: euler (Euler-Maruyama with noise; the noise rows),
exponential_euler or rk4 (without noise; issue #14's simulator rows).

The equations, parameters and initial state are those of plugins/models/hh.c and hh_eq.h
(time in ms, V in mV, rates in 1/ms; Brian holds them in SI units):

    C dV = (I - gNa m^3 h (V - ENa) - gK n^4 (V - EK) - gL (V - EL)) dt + sigma dW
    dx   = (ax(V) (1 - x) - bx(V) x) dt                 for x = m, h, n

with hh.c's defaults, V(0) = -65 mV, the gates at steady state for it, and
I_i = 20 (i + 1/2) / N uA/cm^2 (10 for N = 1). sigma is in uA/cm^2 sqrt(ms), so V's
diffusion is g = sigma / C in mV/sqrt(ms), as in hh.c. Brian's white noise xi has units
1/sqrt(second) and its `euler` state updater (Euler-Maruyama for additive noise) adds
g_B xi sqrt(dt) with xi ~ N(0, 1) and dt in seconds; g_B = sigma/C * (uA/cm^2 sqrt(ms)) / (uF/cm^2)
= sigma/C mV/sqrt(ms) is the same per-step increment g sqrt(dt_ms) z. Spikes are counted as
upward crossings of 0 mV (Brian's threshold 'v > 0*mV' with the refractory condition
'v > 0*mV', as Brian's own HH examples do), each adding 1 to a per-neuron `nspikes`.

One run per process: build (cpp_standalone: code generation and make into --work;
cython: the extensions compiled into --work/cython on the first run() call), `--warm`
untimed steps, then `--steps` timed steps. The time is Brian's own measurement of the
stepping loop (device._last_run_time: Network::run in the standalone binary, the Python
loop of Network.run for the runtime target), so code generation, compilation, the
binary's start-up and writing results are not counted. compile_s is given apart:
cpp_standalone's code generation and make (make_s alone too), cython's first run() call
(code generation, Cython and the C compiler, and the `--warm` steps).
Prints one JSON object on stdout. Run it with the system Python (/usr/bin/python3, Debian's
python3-brian).
"""
import argparse
import json
import os
import sys
import time


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--target", choices=["cpp_standalone", "cython"], required=False)
    ap.add_argument("--n", type=int, default=1000, help="neurons")
    ap.add_argument("--steps", type=int, default=1000, help="timed steps")
    ap.add_argument("--warm", type=int, default=2, help="untimed steps before them")
    ap.add_argument("--dt", type=float, default=0.01, help="step (ms)")
    ap.add_argument("--sigma", type=float, default=0.0,
                    help="noise (uA/cm^2 sqrt(ms)); 0: no noise term at all")
    ap.add_argument("--method", choices=["euler", "exponential_euler", "rk4"], default="euler",
                    help="Brian's state updater (with noise: euler only)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1,
                    help="OpenMP threads (cpp_standalone; 1 = no OpenMP)")
    ap.add_argument("--work", help="build directory (a fresh one compiles everything)")
    ap.add_argument("--dump-v", help="write V(t_end) in mV of every neuron, then its spike "
                    "count, here (float64)")
    ap.add_argument("--make-jobs", type=int, default=2, help="make -j for cpp_standalone")
    ap.add_argument("--version", action="store_true", help="print Brian2's version as JSON")
    a = ap.parse_args()
    if not a.version and (a.target is None or a.work is None):
        ap.error("--target and --work are required")
    if a.sigma != 0.0 and a.method != "euler":
        ap.error("--sigma needs --method euler (Euler-Maruyama)")
    if a.n < 1 or a.steps < 0 or a.warm < 0 or a.threads < 1:
        ap.error("--n and --threads must be positive, --steps and --warm not negative")
    return a


def main():
    a = parse_args()
    import brian2 as b2
    from brian2 import (NeuronGroup, Network, defaultclock, device, mV, ms, prefs, uA, uF,
                        mS, cm)

    if a.version:
        try:
            import Cython
            cython = Cython.__version__
        except ImportError:
            cython = ""
        print(json.dumps({"brian2": b2.__version__, "cython": cython,
                          "python": sys.version.split()[0]}))
        return 0
    prefs.logging.file_log = False
    prefs.logging.console_log_level = "WARNING"
    fresh = not os.path.exists(a.work)
    os.makedirs(a.work, exist_ok=True)
    if a.target == "cpp_standalone":
        b2.set_device("cpp_standalone", directory=a.work, build_on_run=False)
        prefs.devices.cpp_standalone.openmp_threads = a.threads if a.threads > 1 else 0
        prefs.devices.cpp_standalone.extra_make_args_unix = ["-j%d" % a.make_jobs]
    else:
        if a.threads != 1:
            raise SystemExit("brian2_noisy_hh: the cython target runs on one thread")
        prefs.codegen.target = "cython"
        prefs.codegen.runtime.cython.cache_dir = os.path.join(a.work, "cython")
        prefs.codegen.runtime.cython.multiprocess_safe = False
    b2.seed(a.seed)
    defaultclock.dt = a.dt * ms

    # hh.c's parameters, per unit area.
    C = 1.0 * uF / cm**2
    gNa, gK, gL = 120.0 * mS / cm**2, 36.0 * mS / cm**2, 0.3 * mS / cm**2
    ENa, EK, EL = 50.0 * mV, -77.0 * mV, -54.387 * mV
    sigma_V = a.sigma * (uA / cm**2) * b2.sqrt(ms) / C  # g = sigma / C, in V/sqrt(s)
    noise = " + sigma_V*xi" if a.sigma != 0.0 else ""
    # alpha_m = 0.1 (V+40)/(1 - e^(-(V+40)/10)) = 1/exprel(-(V+40)/10), as Brian's examples
    # write it (finite at V = -40 mV); alpha_n likewise with 0.1.
    eqs = f"""
    dv/dt = (I - gNa*m**3*h*(v - ENa) - gK*n**4*(v - EK) - gL*(v - EL))/C{noise} : volt
    dm/dt = alpha_m*(1 - m) - beta_m*m : 1
    dh/dt = alpha_h*(1 - h) - beta_h*h : 1
    dn/dt = alpha_n*(1 - n) - beta_n*n : 1
    alpha_m = 1.0/exprel(-(v + 40*mV)/(10*mV))/ms : Hz
    beta_m = 4.0*exp(-(v + 65*mV)/(18*mV))/ms : Hz
    alpha_h = 0.07*exp(-(v + 65*mV)/(20*mV))/ms : Hz
    beta_h = 1.0/(1.0 + exp(-(v + 35*mV)/(10*mV)))/ms : Hz
    alpha_n = 0.1/exprel(-(v + 55*mV)/(10*mV))/ms : Hz
    beta_n = 0.125*exp(-(v + 65*mV)/(80*mV))/ms : Hz
    I : amp/meter**2 (constant)
    nspikes : 1
    """
    ns = dict(C=C, gNa=gNa, gK=gK, gL=gL, ENa=ENa, EK=EK, EL=EL, sigma_V=sigma_V)
    G = NeuronGroup(a.n, eqs, method=a.method, threshold="v > 0*mV",
                    refractory="v > 0*mV", reset="nspikes += 1", namespace=ns, name="hh")
    # The initial state as hh.c computes it: V0 and x_inf(V0) = alpha/(alpha + beta).
    import math
    V0 = -65.0

    def linexp(x):  # x / (1 - e^(-x/10)), hh_eq.h's hh_linexp
        return 10.0 if x == 0.0 else x / -math.expm1(-x / 10.0)

    am, bm = 0.1 * linexp(V0 + 40.0), 4.0 * math.exp(-(V0 + 65.0) / 18.0)
    ah, bh = 0.07 * math.exp(-(V0 + 65.0) / 20.0), 1.0 / (1.0 + math.exp(-(V0 + 35.0) / 10.0))
    an, bn = 0.01 * linexp(V0 + 55.0), 0.125 * math.exp(-(V0 + 65.0) / 80.0)
    G.v = V0 * mV
    G.m = am / (am + bm)
    G.h = ah / (ah + bh)
    G.n = an / (an + bn)
    G.I = "20.0*(i + 0.5)/N * uA/cm**2"
    G.nspikes = 0
    net = Network(G)

    out = {"brian2": b2.__version__, "target": a.target, "threads": a.threads, "n": a.n,
           "steps": a.steps, "warm": a.warm, "dt_ms": a.dt, "method": a.method, "sigma": a.sigma, "seed": a.seed,
           "fresh_build": fresh,
           "cxx_flags": " ".join(prefs.codegen.cpp.extra_compile_args_gcc)}
    t0 = time.time()
    if a.target == "cpp_standalone":
        if a.warm:
            net.run(a.warm * defaultclock.dt)
        net.run(a.steps * defaultclock.dt)
        device.build(directory=a.work, compile=True, run=True, clean=False, with_output=False)
        wall = time.time() - t0
        run_binary = device.timers["run_binary"] or 0.0
        out["compile_s"] = wall - run_binary  # code generation and make
        out["make_s"] = device.timers["compile"]["make"]
        out["run_binary_s"] = run_binary
    else:
        if a.warm:  # compiles every code object
            net.run(a.warm * defaultclock.dt)
            out["compile_s"] = time.time() - t0
        else:
            out["compile_s"] = None
        net.run(a.steps * defaultclock.dt)
    run_s = float(device._last_run_time)
    out["run_s"] = run_s
    out["ns_per_neuron_step"] = 1e9 * run_s / (a.n * a.steps) if a.steps else None

    import numpy as np
    v = np.asarray(G.v[:] / mV, dtype=np.float64)
    sp = np.asarray(G.nspikes[:], dtype=np.float64)
    out["values"] = {"first": float(v[0]), "last": float(v[-1]), "mean": float(v.mean()),
                     "spikes": float(sp.sum())}
    out["v_sd"] = float(v.std())
    if a.dump_v:
        np.concatenate([v, sp]).astype("<f8").tofile(a.dump_v)
        out["v_file"] = a.dump_v
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
