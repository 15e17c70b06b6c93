/* SPDX-License-Identifier: MIT */
/* cable_rows.c -- issue #13's workloads: a reconstructed pyramidal cell (examples/pyramid.swc,
 * 153 compartments by d_lambda 0.1 at 100 Hz), hh in the soma and pas elsewhere, a train of
 * current pulses at soma(0.5), dt = 0.025 ms, on one thread:
 *
 *   cable/pyramid/n=1     one cell, 4 000 steps (100 ms, five spikes)
 *   cable/pyramid/n=1000  1 000 copies in one population (dqhost) or one process (NEURON),
 *                         200 steps (5 ms, the first spike at 4.6 ms)
 *
 * Rows: dqhost's `staggered` through dq_system_step and dq_system_run, and NEURON's fixed step
 * (secondorder 0, cache_efficient; bench/peers/neuron_cable.py, timing psolve alone) with and
 * without hh's rate tables. Times are per compartment-step: the harness divides by the
 * compartments of a cell (segments; the zero-area junctions dqhost adds are left out, as
 * NEURON's count leaves out its own). Before any timing, every row must give cell 0's soma
 * spike times within bench_cable_tol_ms of NEURON's without tables (the same arithmetic of
 * the rates as dqhost's; of dqhost's step row when NEURON is off), the same spike count and
 * the same compartments. Derived: NEURON (the faster row) / dqhost, issue #13's target >= 2. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "workload.h"

const double bench_cable_tol_ms = 0.05;
#define CABLE_STEPS_N1 4000.0
#define CABLE_STEPS_N1000 200.0
#define CABLE_CHECK_STEPS 4000 /* 100 ms: the five pulses */

size_t bench_make_cable_workloads(bench_workload_t *w, int quick, double f, const char *only)
{
    /* --quick: 100 copies (NEURON builds 1 000 cells in Python for about 20 s a process) */
    const size_t ns[] = {1, quick ? 100 : 1000};
    const double steps[] = {CABLE_STEPS_N1, CABLE_STEPS_N1000};
    size_t k = 0;
    for (size_t i = 0; i < 2; ++i) {
        bench_workload_t *x = &w[k];
        char nbuf[32];
        memset(x, 0, sizeof *x);
        x->kind = BENCH_KIND_CABLE;
        x->p = (bench_problem_t){
            .model = BENCH_CABLE, .scheme = BENCH_STAGGERED, .n = ns[i], .dt = CABLE_DT};
        x->steps = (unsigned long)fmax(10.0, round(steps[i] * f));
        bench_group_digits(nbuf, sizeof nbuf, ns[i]);
        snprintf(x->id, sizeof x->id, "cable/pyramid/n=%zu", ns[i]);
        snprintf(x->label, sizeof x->label,
                 "pyramid x %.8s, staggered vs NEURON (ns per compartment-step)", nbuf);
        x->check_n = 1;
        x->check_steps = CABLE_CHECK_STEPS;
        k += bench_selected(x->id, only);
    }
    return k;
}

void bench_rows_cable(bench_workload_t *w)
{
    const int d_step = bench_sim_row(w, &bench_impl_dqhost, BENCH_STAGGERED, "staggered");
    const int d_run = bench_sim_row(w, &bench_impl_dqhost_run1, BENCH_STAGGERED, "staggered");
    /* The check's reference first: NEURON without tables computes the rates as dqhost does. */
    const int nrn[2] = {
        bench_sim_row(w, &bench_impl_neuron_exact, BENCH_NEURON_FIXED, "fixed step (staggered)"),
        bench_sim_row(w, &bench_impl_neuron, BENCH_NEURON_FIXED, "fixed step (staggered)")};
    const int den[2] = {d_step, d_run};
    static const char *const labels[2] = {
        "NEURON, faster of tables and no tables / dqhost staggered (dq_system_step, 1 thread)",
        "NEURON, faster of tables and no tables / dqhost staggered (dq_system_run, 1 thread)"};
    for (int i = 0; i < 2; ++i) {
        bench_derived_t *d = bench_derived_add(w, BENCH_DERIVED_RATIO, 2.0, 0, labels[i]);
        if (!d)
            return;
        d->num[d->n_num++] = nrn[0];
        d->num[d->n_num++] = nrn[1];
        d->den[d->n_den++] = den[i];
    }
}

/* "4.625 24.8 ..." */
static void cable_times(const bench_values_t *v, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
    for (int i = 0; i < v->n_spike_t && o + 12 < len; ++i)
        o += (size_t)snprintf(buf + o, len - o, "%s%.3f", i ? " " : "", v->spike_t[i]);
}

/* 0 when a and b have the same spike count, the same compartments and spike times within
 * the tolerance; else a message. */
static int cable_agree(const bench_values_t *a, const bench_values_t *b, double *worst)
{
    *worst = 0.0;
    if (a->n_spike_t != b->n_spike_t || a->spikes != b->spikes ||
        a->compartments != b->compartments) {
        *worst = INFINITY;
        return 1;
    }
    for (int i = 0; i < a->n_spike_t; ++i)
        *worst = fmax(*worst, fabs(a->spike_t[i] - b->spike_t[i]));
    return !(*worst <= bench_cable_tol_ms);
}

void bench_cable_check(bench_workload_t *w)
{
    /* The reference: the first row that runs of NEURON without tables, then dqhost's. */
    static const int order[] = {2, 0};
    const bench_row_t *ref = NULL;
    for (size_t i = 0; i < w->n_rows; ++i) {
        bench_row_t *r = &w->rows[i];
        if (r->status != ROW_OK)
            continue;
        bench_problem_t p = r->p;
        p.n = w->check_n;
        r->ref_substeps = 1;
        if (bench_run_once(r->impl, &p, 0, w->check_steps, &r->check_vals, NULL, NULL, NULL, r->msg,
                           sizeof r->msg)) {
            r->status = ROW_FAILED;
            fprintf(stderr, "dq_bench: %s: %s: %s\n", w->id, r->label, r->msg);
        }
    }
    for (size_t k = 0; k < sizeof order / sizeof order[0] && !ref; ++k)
        if ((size_t)order[k] < w->n_rows && w->rows[order[k]].status == ROW_OK)
            ref = &w->rows[order[k]];
    if (!ref)
        return;
    w->compartments = ref->check_vals.compartments;
    for (size_t i = 0; i < w->n_rows; ++i) {
        bench_row_t *r = &w->rows[i];
        if (r->status != ROW_OK)
            continue;
        r->ref_vals = ref->check_vals;
        r->ref_dv = fabs(r->check_vals.first - ref->check_vals.first);
        r->ref_dspikes = r->check_vals.spikes - ref->check_vals.spikes;
        double worst;
        if (!cable_agree(&r->check_vals, &ref->check_vals, &worst)) {
            r->check_err = worst;
            r->check_tol = bench_cable_tol_ms;
            continue;
        }
        char got[120], want[120];
        cable_times(&r->check_vals, got, sizeof got);
        cable_times(&ref->check_vals, want, sizeof want);
        r->status = ROW_CHECK_FAILED;
        snprintf(r->msg, sizeof r->msg,
                 "soma spike times of cell 0 over %g ms differ from %s's by more than %g ms: "
                 "[%.120s] vs [%.120s] (%.0f vs %.0f spikes, %.0f vs %.0f compartments)",
                 w->p.dt * (double)w->check_steps, ref->impl->name, bench_cable_tol_ms, got, want,
                 r->check_vals.spikes, ref->check_vals.spikes, r->check_vals.compartments,
                 ref->check_vals.compartments);
        fprintf(stderr, "dq_bench: %s: %s: %s\n", w->id, r->label, r->msg);
    }
}
