/* SPDX-License-Identifier: MIT */
/* sim_rows.c -- issue #14's workloads: the neuron simulators users run instead (NEURON, Brian2)
 * beside dqhost, and dqhost's command line beside a hand-written program, both timed as whole
 * processes.
 *
 * hh-sim/n=N (N = 1 000 and 100 000): the HH population of workload.h through
 *  - ind_exp_euler: the hand-fused loops, dqhost (dq_system_step and dq_system_run, 1
 *    thread), Brian2 `exponential_euler` (cpp_standalone and cython, 1 thread);
 *  - backward_euler: dqhost (step and run) -- beside NEURON's fixed step (V by backward
 *    Euler, the gates staggered by half a step), with hh's rate tables and without;
 *  - rk4: the hand-fused loops, dqhost (step and run), Brian2 `rk4` (cython).
 * The schemes differ, so every row is checked against a reference solution, the hand scalar
 * rk4 loop at dt/100 (dqhost's rk4 to rounding, checked by the rk4 workloads), on 1 000
 * neurons over 1 000 steps: V(t_end) of neuron 0, neuron N-1 and the mean within
 * bench_sim_tol_mv, the spike count within bench_sim_tol_spikes of the reference's. Rows
 * whose scheme has a hand loop (ind_exp_euler, rk4: Brian2's exponential_euler and rk4
 * compute the same arithmetic) must first agree with it to rounding, 1e-9 relative (1e-8 for
 * the SIMD loop), as in every other workload.
 *
 * cli/n=N/SCHEME (N = 100 000; euler, rk4, ind_exp_euler): `dqhost run SPEC --threads 1` and
 * dq_bench_hand_cli, whole processes (peer_cli.c), over a run long enough that start-up is
 * under 1 % of it; checked against the hand scalar loop like every row. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "workload.h"

/* The reference check's tolerances. V(t_end) after 10 ms of first-order schemes at dt =
 * 0.01 ms differs from the reference by up to 0.13 mV (ind_exp_euler; NEURON 0.05), every
 * row with the reference's 888 spikes; a wrong current scale or cell area moves V by
 * millivolts and the spike count by tens. */
const double bench_sim_tol_mv = 0.5;
const double bench_sim_tol_spikes = 0.01; /* relative to the reference's count */
const unsigned bench_sim_ref_substeps = 100;
#define SIM_TOL_SAME 1e-9 /* against the hand loop of the same scheme, as main.c's BENCH_TOL */
#define SIM_BUDGET 5e6    /* unit-steps per timed run: 5 000 steps at N = 1 000 */
#define CLI_CHECK_N 1000

/* Unit-steps of the command-line rows at N = 100 000, per scheme (euler, rk4, ind_exp_euler):
 * about 20 s of dqhost each on this machine, so that its start-up there (0.15-0.2 s at N =
 * 100 000) is under 1 %. */
static const double cli_budget[BENCH_N_HH_SCHEMES] = {3.2e9, 8e8, 2e9, 0};

size_t bench_make_sim_workloads(bench_workload_t *w, int quick, double f, const char *only)
{
    static const size_t ns_full[] = {1000, 100000};
    const size_t n_ns = quick ? 1 : 2;
    char nbuf[32];
    size_t k = 0;
    for (size_t i = 0; i < n_ns; ++i) {
        const size_t n = ns_full[i];
        bench_workload_t *x = &w[k];
        memset(x, 0, sizeof *x);
        x->kind = BENCH_KIND_SIMULATORS;
        x->p = (bench_problem_t){
            .model = BENCH_HH, .scheme = BENCH_IND_EXP_EULER, .n = n, .dt = HH_DT};
        x->steps = (unsigned long)fmax(10.0, round(SIM_BUDGET * f / (double)n));
        bench_group_digits(nbuf, sizeof nbuf, n);
        snprintf(x->id, sizeof x->id, "hh-sim/n=%zu", n);
        snprintf(x->label, sizeof x->label, "HH N=%s, NEURON and Brian2 beside dqhost", nbuf);
        x->check_n = n < 1000 ? n : 1000;
        x->check_steps = 1000;
        k += bench_selected(x->id, only);
    }
    const size_t n = quick ? 1000 : 100000;
    bench_group_digits(nbuf, sizeof nbuf, n);
    for (int s = BENCH_EULER; s <= BENCH_IND_EXP_EULER; ++s) {
        bench_workload_t *x = &w[k];
        memset(x, 0, sizeof *x);
        x->kind = BENCH_KIND_CLI;
        x->p =
            (bench_problem_t){.model = BENCH_HH, .scheme = (bench_scheme_t)s, .n = n, .dt = HH_DT};
        x->steps = (unsigned long)fmax(10.0, round(cli_budget[s] * f / 100000.0));
        snprintf(x->id, sizeof x->id, "cli/n=%zu/%s", n, bench_scheme_name(x->p.scheme));
        snprintf(x->label, sizeof x->label, "HH N=%s, %s, whole processes (command line)", nbuf,
                 bench_scheme_name(x->p.scheme));
        x->check_n = n < CLI_CHECK_N ? n : CLI_CHECK_N;
        x->check_steps = 1000;
        k += bench_selected(x->id, only);
    }
    return k;
}

int bench_sim_row(bench_workload_t *w, const bench_impl_t *impl, bench_scheme_t scheme,
                  const char *what)
{
    bench_problem_t p = w->p;
    p.scheme = scheme;
    char label[112];
    snprintf(label, sizeof label, "%s, %s", impl->label, what);
    bench_row_add(w, impl, &p, label);
    return bench_row_index(w, impl, scheme, w->p.model);
}

/* A derived ratio min(num) / min(den), no target. */
static void sim_ratio(bench_workload_t *w, const char *label, const int *num, int n_num, int den)
{
    bench_derived_t *d = bench_derived_add(w, BENCH_DERIVED_RATIO, NAN, 1, label);
    if (!d)
        return;
    for (int i = 0; i < n_num; ++i)
        d->num[d->n_num++] = num[i];
    d->den[d->n_den++] = den;
}

void bench_rows_sim(bench_workload_t *w)
{
    const bench_scheme_t iee = BENCH_IND_EXP_EULER, be = BENCH_BACKWARD_EULER;
    bench_sim_row(w, &bench_impl_hand, iee, "ind_exp_euler");
    bench_sim_row(w, &bench_impl_hand_simd, iee, "ind_exp_euler");
    const int d_iee = bench_sim_row(w, &bench_impl_dqhost, iee, "ind_exp_euler");
    bench_sim_row(w, &bench_impl_dqhost_run1, iee, "ind_exp_euler");
    const int d_be = bench_sim_row(w, &bench_impl_dqhost, be, "backward_euler");
    bench_sim_row(w, &bench_impl_dqhost_run1, be, "backward_euler");
    const int nrn[2] = {
        bench_sim_row(w, &bench_impl_neuron, BENCH_NEURON_FIXED, "fixed step (staggered)"),
        bench_sim_row(w, &bench_impl_neuron_exact, BENCH_NEURON_FIXED, "fixed step (staggered)")};
    const int b_ee[2] = {bench_sim_row(w, &bench_impl_brian2_cpp, iee, "exponential_euler"),
                         bench_sim_row(w, &bench_impl_brian2_cython, iee, "exponential_euler")};
    bench_sim_row(w, &bench_impl_hand, BENCH_RK4, "rk4");
    bench_sim_row(w, &bench_impl_hand_simd, BENCH_RK4, "rk4");
    const int d_rk4 = bench_sim_row(w, &bench_impl_dqhost, BENCH_RK4, "rk4");
    bench_sim_row(w, &bench_impl_dqhost_run1, BENCH_RK4, "rk4");
    const int b_rk4 = bench_sim_row(w, &bench_impl_brian2_cython, BENCH_RK4, "rk4");
    sim_ratio(w, "NEURON (rate tables) / dqhost ind_exp_euler (dq_system_step, 1 thread)", nrn, 1,
              d_iee);
    sim_ratio(w, "NEURON (rate tables) / dqhost backward_euler (dq_system_step, 1 thread)", nrn, 1,
              d_be);
    sim_ratio(w, "NEURON (no tables) / dqhost ind_exp_euler (dq_system_step, 1 thread)", nrn + 1, 1,
              d_iee);
    sim_ratio(w,
              "Brian2 exponential_euler, faster of cpp_standalone and cython / dqhost "
              "ind_exp_euler (dq_system_step, 1 thread)",
              b_ee, 2, d_iee);
    sim_ratio(w, "Brian2 rk4 (cython) / dqhost rk4 (dq_system_step, 1 thread)", &b_rk4, 1, d_rk4);
}

void bench_rows_cli(bench_workload_t *w)
{
    const int hand = bench_sim_row(w, &bench_impl_cli_hand, w->p.scheme, "whole process");
    const int dq = bench_sim_row(w, &bench_impl_cli_dqhost, w->p.scheme, "whole process");
    char label[200];
    snprintf(label, sizeof label,
             "dqhost run --threads 1 / the hand-written SIMD program, %s, whole processes "
             "(start-up included)",
             bench_scheme_name(w->p.scheme));
    bench_derived_t *d = bench_derived_add(w, BENCH_DERIVED_RATIO,
                                           w->p.scheme == BENCH_EULER ? 1.15 : 1.10, 1, label);
    if (d) {
        d->num[d->n_num++] = dq;
        d->den[d->n_den++] = hand;
    }
}

static double sim_abs(double a, double b)
{
    return fabs(a - b);
}

void bench_sim_check(const bench_workload_t *w, bench_row_t *r)
{
    char msg[BENCH_MSG_MAX];
    bench_problem_t p = r->p;
    p.n = w->check_n < p.n ? w->check_n : p.n;
    r->ref_substeps = 1;
    if (bench_run_once(r->impl, &p, 0, w->check_steps, &r->check_vals, NULL, NULL, NULL, r->msg,
                       sizeof r->msg)) {
        r->status = ROW_FAILED;
        fprintf(stderr, "dq_bench: %s: %s: %s\n", w->id, r->label, r->msg);
        return;
    }
    /* the same arithmetic as a hand loop: to rounding */
    if (p.scheme == BENCH_IND_EXP_EULER || p.scheme == BENCH_RK4) {
        bench_values_t same;
        if (bench_reference(&p, w->check_steps, &same, msg, sizeof msg)) {
            snprintf(r->msg, sizeof r->msg, "reference run failed: %.200s", msg);
            r->status = ROW_FAILED;
            return;
        }
        r->check_tol = r->impl == &bench_impl_hand_simd ? 10.0 * SIM_TOL_SAME : SIM_TOL_SAME;
        r->check_err = bench_rel_dev(&r->check_vals, &same);
        if (!(r->check_err <= r->check_tol)) {
            r->status = ROW_CHECK_FAILED;
            snprintf(r->msg, sizeof r->msg,
                     "V(t_end) disagrees with the hand loop after %lu steps at N=%zu: V[0] %.17g "
                     "vs %.17g, V[N-1] %.17g vs %.17g, mean %.17g vs %.17g, spikes %.0f vs %.0f "
                     "(tolerance %g)",
                     w->check_steps, p.n, r->check_vals.first, same.first, r->check_vals.last,
                     same.last, r->check_vals.mean, same.mean, r->check_vals.spikes, same.spikes,
                     r->check_tol);
            fprintf(stderr, "dq_bench: %s: %s: %s\n", w->id, r->label, r->msg);
            return;
        }
    }
    /* against the reference solution */
    bench_problem_t q = p;
    q.scheme = BENCH_RK4;
    q.dt = p.dt / bench_sim_ref_substeps;
    if (bench_reference(&q, w->check_steps * bench_sim_ref_substeps, &r->ref_vals, msg,
                        sizeof msg)) {
        snprintf(r->msg, sizeof r->msg, "reference run failed: %.200s", msg);
        r->status = ROW_FAILED;
        return;
    }
    const bench_values_t *v = &r->check_vals, *ref = &r->ref_vals;
    r->ref_done = 1;
    r->ref_dv = fmax(sim_abs(v->first, ref->first),
                     fmax(sim_abs(v->last, ref->last), sim_abs(v->mean, ref->mean)));
    r->ref_dspikes = v->spikes - ref->spikes;
    if (!(r->ref_dv <= bench_sim_tol_mv) ||
        !(fabs(r->ref_dspikes) <= bench_sim_tol_spikes * ref->spikes)) {
        r->status = ROW_CHECK_FAILED;
        snprintf(r->msg, sizeof r->msg,
                 "V(t_end) or the spike count too far from the reference (rk4 at dt/%u) after "
                 "%g ms at N=%zu: V[0] %.6f vs %.6f, V[N-1] %.6f vs %.6f, mean %.6f vs %.6f mV "
                 "(tolerance %g mV), spikes %.0f vs %.0f (tolerance %g %%)",
                 bench_sim_ref_substeps, p.dt * (double)w->check_steps, p.n, v->first, ref->first,
                 v->last, ref->last, v->mean, ref->mean, bench_sim_tol_mv, v->spikes, ref->spikes,
                 100.0 * bench_sim_tol_spikes);
        fprintf(stderr, "dq_bench: %s: %s: %s\n", w->id, r->label, r->msg);
    }
}

void bench_sim_peers(bench_run_t *run)
{
    char msg[BENCH_MSG_MAX];
    for (size_t i = 0; i < run->n_w; ++i)
        if (run->w[i].kind == BENCH_KIND_SIMULATORS) {
            const char *v = bench_neuron_version(msg, sizeof msg);
            char *peers = run->machine.peers;
            const size_t o = strlen(peers);
            snprintf(peers + o, sizeof run->machine.peers - o, "%s%s%.160s", o ? ", " : "",
                     v ? "NEURON " : "", v ? v : msg);
            if (!v)
                printf("dq_bench: %s\n", msg);
            return;
        }
}
