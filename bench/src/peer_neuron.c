/* SPDX-License-Identifier: MIT */
/* peer_neuron.c -- NEURON 8.2 (Debian's neuron and python3-neuron) as a peer on issue #14's
 * simulator rows.
 *
 * Each run is one process, bench/peers/neuron_hh.py under the configured Python: N
 * single-compartment cells with NEURON's hh (constants and rates checked against hh_eq.h by
 * the script, celsius 6.3 so that q10 = 1), I_ext as an IClamp on a 1e-3 cm^2 cell (nA =
 * uA/cm^2), h.finitialize(-65), the untimed steps, then the timed steps by psolve at a fixed
 * step (cvode off, secondorder 0: NEURON's default staggered scheme). The script times the
 * stepping alone and prints JSON with V(t_end) and the spike counts (NetCon at 0 mV).
 * Two rows: hh.mod's rate tables on (NEURON's default) and off (the rates computed, as every
 * other implementation computes them). Check runs (no warm-up) are remembered.
 *
 * On the cable workloads (cable_rows.c) the same two rows run bench/peers/neuron_cable.py
 * instead: n copies of examples/pyramid.swc by Import3d, d_lambda 0.1 at 100 Hz, hh in the
 * soma and pas elsewhere, the pulses of workload.h, which prints cell 0's spike times and the
 * compartments (segments) of a cell as well. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "peer_proc.h"
#include "workload.h"

#ifndef BENCH_CABLE_SWC
#error "BENCH_CABLE_SWC must name examples/pyramid.swc"
#endif
#ifndef BENCH_PEERS_DIR
#error "BENCH_PEERS_DIR must name bench/peers"
#endif
#define PN_SCRIPT BENCH_PEERS_DIR "/neuron_hh.py"
#define PN_CABLE_SCRIPT BENCH_PEERS_DIR "/neuron_cable.py"

static char pn_python[1024]; /* "" : the rows are off */
static int pn_version_state; /* 0 not asked, 1 ok, -1 cannot run */
static char pn_version[160];
static char pn_version_msg[BENCH_MSG_MAX];

typedef struct pn_state {
    bench_problem_t p;
    int table; /* hh.mod's rate tables */
    bench_values_t vals;
} pn_state_t;

enum { PN_MEMO = 8 };
static struct {
    int table;
    bench_problem_t p;
    unsigned long steps;
    bench_values_t vals;
} pn_memo[PN_MEMO];
static size_t pn_n_memo;

void bench_neuron_configure(const char *python)
{
    snprintf(pn_python, sizeof pn_python, "%s", python ? python : "");
}

const char *bench_neuron_version(char *msg, size_t len)
{
    if (pn_version_state == 0) {
        pn_version_state = -1;
        char out[1024], v[40], py[40];
        if (!pn_python[0]) {
            snprintf(pn_version_msg, sizeof pn_version_msg, "NEURON rows off (--no-neuron)");
        } else if (!bench_peer_script_version(pn_python, PN_SCRIPT, "NEURON", "neuron",
                                              "neuron python3-neuron", out, sizeof out, v, sizeof v,
                                              pn_version_msg, sizeof pn_version_msg)) {
            bench_peer_json_str(out, "python", py, sizeof py);
            snprintf(pn_version, sizeof pn_version, "%.39s (Python %.39s)", v, py);
            pn_version_state = 1;
        }
    }
    if (pn_version_state < 0) {
        snprintf(msg, len, "%s", pn_version_msg);
        return NULL;
    }
    return pn_version;
}

static int pn_supports(const bench_problem_t *p, char *msg, size_t len)
{
    if ((p->model != BENCH_HH && p->model != BENCH_CABLE) || p->scheme != BENCH_NEURON_FIXED ||
        p->sigma != 0.0) {
        snprintf(msg, len,
                 "the NEURON scripts run deterministic HH and the cable cell with their fixed "
                 "step only");
        return 0;
    }
    return bench_neuron_version(msg, len) != NULL;
}

static unsigned pn_ref_substeps(const bench_problem_t *p)
{
    (void)p;
    return 1;
}

static void *pn_setup_table(const bench_problem_t *p, int table, char *msg, size_t len)
{
    pn_state_t *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(msg, len, "out of memory");
        return NULL;
    }
    s->p = *p;
    s->table = table;
    return s;
}

static void *pn_setup(const bench_problem_t *p, char *msg, size_t len)
{
    return pn_setup_table(p, 1, msg, len);
}

static void *pn_setup_exact(const bench_problem_t *p, char *msg, size_t len)
{
    return pn_setup_table(p, 0, msg, len);
}

static void pn_teardown(void *state)
{
    free(state);
}

/* The "spike_times" array of the script's JSON into v (the first BENCH_SPIKE_TIMES). */
static void pn_spike_times(const char *js, bench_values_t *v)
{
    v->n_spike_t = 0;
    const char *p = strstr(js, "\"spike_times\"");
    p = p ? strchr(p, '[') : NULL;
    while (p && *p && *p != ']' && v->n_spike_t < BENCH_SPIKE_TIMES) {
        char *end;
        const double t = strtod(p + 1, &end);
        if (end == p + 1)
            break;
        v->spike_t[v->n_spike_t++] = t;
        p = end;
        while (*p == ' ')
            ++p;
    }
}

static int pn_run_self_timed(void *state, unsigned long warm, unsigned long steps, double *seconds,
                             double *compile_s, char *msg, size_t len)
{
    pn_state_t *s = state;
    const bench_problem_t *p = &s->p;
    *seconds = *compile_s = NAN;
    if (warm == 0) /* a check run: deterministic, the same values every time */
        for (size_t i = 0; i < pn_n_memo; ++i)
            if (pn_memo[i].table == s->table && pn_memo[i].steps == steps &&
                pn_memo[i].p.n == p->n && pn_memo[i].p.dt == p->dt &&
                pn_memo[i].p.model == p->model) {
                s->vals = pn_memo[i].vals;
                return 0;
            }
    const char *tmp = bench_peer_tmpdir(msg, len);
    if (!tmp)
        return 1;
    char log[4400], out[8192], tail[400];
    snprintf(log, sizeof log, "%s/neuron-t%d-n%zu-k%lu-w%lu.log", tmp, s->table, p->n, steps, warm);
    char a_n[32], a_steps[32], a_warm[32], a_dt[32];
    snprintf(a_n, sizeof a_n, "%zu", p->n);
    snprintf(a_steps, sizeof a_steps, "%lu", steps);
    snprintf(a_warm, sizeof a_warm, "%lu", warm);
    snprintf(a_dt, sizeof a_dt, "%.17g", p->dt);
    const int cable = p->model == BENCH_CABLE;
    const char *script = cable ? PN_CABLE_SCRIPT : PN_SCRIPT;
    char a_delay[32], a_dur[32], a_amp[32], a_pulses[32], a_period[32];
    snprintf(a_delay, sizeof a_delay, "%.17g", CABLE_DELAY);
    snprintf(a_dur, sizeof a_dur, "%.17g", CABLE_DUR);
    snprintf(a_amp, sizeof a_amp, "%.17g", CABLE_AMP);
    snprintf(a_pulses, sizeof a_pulses, "%d", CABLE_PULSES);
    snprintf(a_period, sizeof a_period, "%.17g", CABLE_PERIOD);
    char *argv[] = {pn_python, (char *)script, "--n",  a_n,  "--steps", a_steps,
                    "--warm",  a_warm,         "--dt", a_dt, "--table", s->table ? "1" : "0",
                    NULL,      NULL,           NULL,   NULL, NULL,      NULL,
                    NULL,      NULL,           NULL,   NULL, NULL,      NULL,
                    NULL};
    if (cable) {
        char *more[] = {"--swc", BENCH_CABLE_SWC, "--delay",  a_delay,  "--dur",    a_dur,
                        "--amp", a_amp,           "--pulses", a_pulses, "--period", a_period};
        memcpy(argv + 12, more, sizeof more);
    }
    const int rc = bench_peer_spawn(argv, log, out, sizeof out);
    const double run_s = bench_peer_json_num(out, "run_s");
    if (rc != 0 || !isfinite(run_s)) {
        bench_peer_tail(log, tail, sizeof tail, 300);
        snprintf(msg, len, "%s failed (exit %d): %s", script, rc, tail);
        return 1;
    }
    if (cable) {
        s->vals.compartments = bench_peer_json_num(out, "compartments");
        pn_spike_times(out, &s->vals);
    }
    s->vals.first = bench_peer_json_num(out, "first");
    s->vals.last = bench_peer_json_num(out, "last");
    s->vals.mean = bench_peer_json_num(out, "mean");
    s->vals.spikes = bench_peer_json_num(out, "spikes");
    *seconds = run_s;
    if (warm == 0 && pn_n_memo < PN_MEMO) {
        pn_memo[pn_n_memo].table = s->table;
        pn_memo[pn_n_memo].p = *p;
        pn_memo[pn_n_memo].steps = steps;
        pn_memo[pn_n_memo++].vals = s->vals;
    }
    return 0;
}

static int pn_run(void *state, unsigned long steps, char *msg, size_t len)
{
    double secs, comp;
    return pn_run_self_timed(state, 0, steps, &secs, &comp, msg, len);
}

static void pn_read(const void *state, bench_values_t *out)
{
    *out = ((const pn_state_t *)state)->vals;
}

const bench_impl_t bench_impl_neuron = {
    .name = "neuron",
    .label = "NEURON, hh with its rate tables (default)",
    .supports = pn_supports,
    .ref_substeps = pn_ref_substeps,
    .setup = pn_setup,
    .run = pn_run,
    .read = pn_read,
    .teardown = pn_teardown,
    .run_self_timed = pn_run_self_timed,
};

const bench_impl_t bench_impl_neuron_exact = {
    .name = "neuron_exact",
    .label = "NEURON, hh without tables (usetable_hh = 0)",
    .supports = pn_supports,
    .ref_substeps = pn_ref_substeps,
    .setup = pn_setup_exact,
    .run = pn_run,
    .read = pn_read,
    .teardown = pn_teardown,
    .run_self_timed = pn_run_self_timed,
};
