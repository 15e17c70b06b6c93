/* SPDX-License-Identifier: MIT */
/* main.c -- dq_bench: dqhost beside hand-fused loops and its peers on the same workloads.
 *
 * For each workload (HH population N = 1, 1 000, 100 000 with euler, rk4, ind_exp_euler,
 * exp_euler; the scalar decay with euler and rk4; the noise rows of issue #11: noisy HH with
 * Euler-Maruyama beside euler and Brian2, and the noise cost on ou and decay; issue #14's NEURON
 * and Brian2 beside dqhost and its command line as whole processes, sim_rows.c):
 *  1. check: every implementation runs a short problem and its V(t_end) (unit 0, unit N-1,
 *     the mean, the spike count) must agree with the hand scalar loop's -- 1e-9 relative,
 *     1e-8 for the SIMD build; a disagreement drops that row, with the numbers, not the run;
 *  2. time: R rounds (default 5), each running every implementation once, starting at a
 *     different one each round; each run is a fresh set-up, 2 untimed warm-up steps, then the
 *     timed steps (clock_gettime(CLOCK_MONOTONIC));
 *  3. report: medians of ns per unit-step, and the medians over rounds of the ratio to the
 *     hand-fused loops (scalar and SIMD) timed in the same round, and of the derived ratios
 *     (EM / euler, Brian2 / dqhost, the noise cost) formed from one round's times.
 * A peer with its own noise (Brian2) is checked without noise against the hand loop, then with
 * noise statistically against dqhost (bench_stat_t).
 * Results go to stdout, DIR/NAME.json and DIR/NAME.md; --callgrind adds instruction counts. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "workload.h"

#define BENCH_WARM_STEPS 2
#define BENCH_CHECK_N 1000
#ifndef BENCH_TOL /* -DBENCH_TOL=0 shows what a disagreement looks like */
#define BENCH_TOL 1e-9
#endif
#define BENCH_TOL_SIMD (BENCH_TOL * 10.0)
#define BENCH_STAT_STEPS 2000      /* the statistical check compares V at t = 20 ms */
#define BENCH_STAT_SHORT_STEPS 100 /* and the noise's amplitude at t = 1 ms */
#define BENCH_STAT_TOL 4.0         /* |z| bound of each of its statistics */

static const bench_impl_t *bench_impls[BENCH_MAX_IMPLS];
static size_t bench_n_impls;

const char *bench_scheme_name(bench_scheme_t s)
{
    static const char *const names[] = {
        "euler",          "rk4",      "ind_exp_euler",  "exp_euler",
        "euler_maruyama", "midpoint", "backward_euler", "neuron_fixed_step",
        "staggered"};
    return (unsigned)s < BENCH_N_SCHEMES ? names[s] : "?";
}

static void bench_impls_init(void)
{
    bench_impls[bench_n_impls++] = &bench_impl_hand;
    bench_impls[bench_n_impls++] = &bench_impl_hand_simd;
    bench_impls[bench_n_impls++] = &bench_impl_dqhost;
    bench_impls[bench_n_impls++] = &bench_impl_dqhost_run1;
    bench_impls[bench_n_impls++] = &bench_impl_dqhost_mt;
#ifdef BENCH_HAVE_BOOST
    bench_impls[bench_n_impls++] = &bench_impl_boost;
#endif
#ifdef BENCH_HAVE_SUNDIALS
    bench_impls[bench_n_impls++] = &bench_impl_sundials;
#endif
#ifdef BENCH_HAVE_GSL
    bench_impls[bench_n_impls++] = &bench_impl_gsl;
#endif
    bench_impls[bench_n_impls++] = &bench_impl_brian2_cpp;
    bench_impls[bench_n_impls++] = &bench_impl_brian2_omp;
    bench_impls[bench_n_impls++] = &bench_impl_brian2_cython;
}

const char *bench_model_name(bench_model_t m)
{
    return m == BENCH_HH       ? "hh"
           : m == BENCH_DECAY  ? "decay"
           : m == BENCH_LORENZ ? "lorenz"
           : m == BENCH_CABLE  ? "cable"
                               : "ou";
}

static const bench_impl_t *bench_impl_by_name(const char *name)
{
    for (size_t i = 0; i < bench_n_impls; ++i)
        if (strcmp(bench_impls[i]->name, name) == 0)
            return bench_impls[i];
    return NULL;
}

static double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int bench_cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median of the finite values (NAN when there are none). */
double bench_median(const double *v, size_t n)
{
    double tmp[BENCH_MAX_ROUNDS];
    size_t k = 0;
    for (size_t i = 0; i < n && k < BENCH_MAX_ROUNDS; ++i)
        if (isfinite(v[i]))
            tmp[k++] = v[i];
    if (k == 0)
        return NAN;
    qsort(tmp, k, sizeof tmp[0], bench_cmp_double);
    return k % 2 ? tmp[k / 2] : 0.5 * (tmp[k / 2 - 1] + tmp[k / 2]);
}

static double bench_rel(double a, double b)
{
    const double scale = fmax(fabs(b), 1.0);
    return fabs(a - b) / scale;
}

/* The largest relative deviation of V(t_end) (unit 0, unit N-1, mean) of a from b, relative
 * to max(|b|, 1); infinite when a value is not finite or the spike counts differ. */
double bench_rel_dev(const bench_values_t *a, const bench_values_t *b)
{
    if (!isfinite(a->first) || !isfinite(a->last) || !isfinite(a->mean) || a->spikes != b->spikes)
        return INFINITY;
    return fmax(bench_rel(a->first, b->first),
                fmax(bench_rel(a->last, b->last), bench_rel(a->mean, b->mean)));
}

/* ---- one run ------------------------------------------------------------------------------ */

/* The measured call, kept out of line: callgrind counts instructions only inside it
 * (--toggle-collect=bench_measured_run). */
__attribute__((noinline)) int bench_measured_run(const bench_impl_t *impl, void *state,
                                                 unsigned long steps, char *msg, size_t len)
{
    return impl->run(state, steps, msg, len);
}

/* Set-up, `warm` untimed steps, `steps` timed steps, read, teardown. *seconds gets the time
 * of the timed steps (a self-timed peer's own measurement), *compile_s a peer's compile time
 * (NAN for the rest); when `all` is not NULL, all[0][0..n) gets V of every unit and
 * all[1][0..n) its spike count. 0, or nonzero with msg. */
int bench_run_once(const bench_impl_t *impl, const bench_problem_t *p, unsigned long warm,
                   unsigned long steps, bench_values_t *out, double *seconds, double *compile_s,
                   double *const *all, char *msg, size_t len)
{
    void *st = impl->setup(p, msg, len);
    if (!st)
        return 1;
    int rc = 0;
    double secs = NAN, comp = NAN;
    if (impl->run_self_timed) {
        rc = impl->run_self_timed(st, warm, steps, &secs, &comp, msg, len);
    } else {
        rc = warm ? impl->run(st, warm, msg, len) : 0;
        double t0 = bench_now();
        if (rc == 0)
            rc = bench_measured_run(impl, st, steps, msg, len);
        secs = bench_now() - t0;
    }
    if (rc == 0) {
        memset(out, 0, sizeof *out);
        impl->read(st, out);
        if (all && (!impl->read_all || impl->read_all(st, all[0], all[1], p->n))) {
            snprintf(msg, len, "cannot read the state of every unit");
            rc = 1;
        }
    }
    impl->teardown(st);
    if (seconds)
        *seconds = secs;
    if (compile_s)
        *compile_s = comp;
    return rc;
}

/* ---- workloads ---------------------------------------------------------------------------- */

/* Unit-steps per timed run for N > 1, and steps for N = 1: the hand scalar loop takes about
 * half a second (the SIMD loop a tenth), and the whole suite about three minutes here. */
static const double bench_budget[BENCH_N_HH_SCHEMES] = {1e7, 2.5e6, 5e6, 2e5};
static const double bench_steps_n1[BENCH_N_HH_SCHEMES] = {2e6, 6e5, 1.5e6, 5e4};
#define BENCH_DECAY_STEPS 2e7
#define BENCH_LORENZ_STEPS 1e7      /* issue #14: one Lorenz system, dt 1e-3 */
#define BENCH_NOISY_BUDGET 3e7      /* unit-steps: 3x HH euler's, for a steadier EM / euler */
#define BENCH_NOISE_COST_BUDGET 2e8 /* 2 000 steps: the decay rows are about 1 ns a unit-step */

void bench_group_digits(char *out, size_t len, unsigned long v)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%lu", v), o = 0;
    for (int i = 0; i < n && (size_t)o + 2 < len; ++i) {
        if (i > 0 && (n - i) % 3 == 0)
            out[o++] = ' ';
        out[o++] = tmp[i];
    }
    out[o] = '\0';
}

static void bench_workload_init(bench_workload_t *w, bench_model_t model, bench_scheme_t scheme,
                                size_t n, unsigned long steps)
{
    char nbuf[32];
    memset(w, 0, sizeof *w);
    w->kind = BENCH_KIND_PEERS;
    w->p = (bench_problem_t){
        .model = model, .scheme = scheme, .n = n, .dt = model == BENCH_HH ? HH_DT : DECAY_DT};
    w->steps = steps;
    bench_group_digits(nbuf, sizeof nbuf, n);
    if (model == BENCH_LORENZ) { /* issue #14: one system, checked over t = 0..1 */
        w->p.dt = LORENZ_DT;
        snprintf(w->id, sizeof w->id, "lorenz/%s", bench_scheme_name(scheme));
        snprintf(w->label, sizeof w->label, "Lorenz (one system), %s", bench_scheme_name(scheme));
        w->check_n = 1;
        w->check_steps = 1000;
    } else if (model == BENCH_HH) {
        snprintf(w->id, sizeof w->id, "hh/n=%zu/%s", n, bench_scheme_name(scheme));
        snprintf(w->label, sizeof w->label, "HH N=%s, %s", nbuf, bench_scheme_name(scheme));
        w->check_n = n < BENCH_CHECK_N ? n : BENCH_CHECK_N;
        w->check_steps = 1000;
    } else {
        snprintf(w->id, sizeof w->id, "decay/%s", bench_scheme_name(scheme));
        snprintf(w->label, sizeof w->label, "decay (scalar), %s", bench_scheme_name(scheme));
        w->check_n = 1;
        w->check_steps = 100000;
    }
}

/* Noisy HH (sigma = HH_SIGMA) with Euler-Maruyama, and its companions (bench_rows_init). */
static void bench_noisy_init(bench_workload_t *w, size_t n, unsigned long steps)
{
    char nbuf[32];
    memset(w, 0, sizeof *w);
    w->kind = BENCH_KIND_NOISY_HH;
    w->p = (bench_problem_t){
        .model = BENCH_HH, .scheme = BENCH_EM, .n = n, .dt = HH_DT, .sigma = HH_SIGMA};
    w->steps = steps;
    bench_group_digits(nbuf, sizeof nbuf, n);
    snprintf(w->id, sizeof w->id, "hh-noise/n=%zu/euler_maruyama", n);
    snprintf(w->label, sizeof w->label, "HH σ=%g N=%s, euler_maruyama", HH_SIGMA, nbuf);
    w->check_n = n < BENCH_CHECK_N ? n : BENCH_CHECK_N;
    w->check_steps = 1000;
}

/* What generating the noise costs against one drift evaluation: ou euler / EM, decay euler /
 * midpoint, all at population n. */
static void bench_noise_cost_init(bench_workload_t *w, size_t n, unsigned long steps)
{
    char nbuf[32];
    memset(w, 0, sizeof *w);
    w->kind = BENCH_KIND_NOISE_COST;
    w->p = (bench_problem_t){
        .model = BENCH_OU, .scheme = BENCH_EM, .n = n, .dt = OU_DT, .sigma = OU_SIGMA};
    w->steps = steps;
    bench_group_digits(nbuf, sizeof nbuf, n);
    snprintf(w->id, sizeof w->id, "noise-cost/n=%zu", n);
    snprintf(w->label, sizeof w->label, "noise cost N=%s (ou euler, EM; decay euler, midpoint)",
             nbuf);
    w->check_n = n < BENCH_CHECK_N ? n : BENCH_CHECK_N;
    w->check_steps = 1000;
}

int bench_selected(const char *id, const char *only)
{
    if (!only)
        return 1;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", only);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        if (strstr(id, tok))
            return 1;
    return 0;
}

/* The timed suite. */
static size_t bench_make_workloads(bench_workload_t *w, int quick, double scale, const char *only)
{
    static const size_t ns_full[] = {1, 1000, 100000};
    static const size_t ns_quick[] = {1, 1000};
    const size_t *ns = quick ? ns_quick : ns_full;
    const size_t n_ns = quick ? 2 : 3;
    const double f = scale * (quick ? 0.02 : 1.0);
    size_t k = 0;
    for (size_t i = 0; i < n_ns; ++i)
        for (int s = 0; s < BENCH_N_HH_SCHEMES; ++s) {
            const double steps = ns[i] == 1 ? bench_steps_n1[s] * f : bench_budget[s] * f / ns[i];
            bench_workload_init(&w[k], BENCH_HH, (bench_scheme_t)s, ns[i],
                                (unsigned long)fmax(10.0, round(steps)));
            k += bench_selected(w[k].id, only);
        }
    for (int s = BENCH_EULER; s <= BENCH_RK4; ++s) {
        bench_workload_init(&w[k], BENCH_DECAY, (bench_scheme_t)s, 1,
                            (unsigned long)fmax(1000.0, round(BENCH_DECAY_STEPS * f)));
        k += bench_selected(w[k].id, only);
    }
    for (int s = BENCH_EULER; s <= BENCH_RK4; ++s) {
        bench_workload_init(&w[k], BENCH_LORENZ, (bench_scheme_t)s, 1,
                            (unsigned long)fmax(1000.0, round(BENCH_LORENZ_STEPS * f)));
        k += bench_selected(w[k].id, only);
    }
    /* issue #11: the noise rows */
    for (size_t i = 0; i < n_ns; ++i) {
        if (ns[i] == 1)
            continue;
        bench_noisy_init(&w[k], ns[i],
                         (unsigned long)fmax(10.0, round(BENCH_NOISY_BUDGET * f / ns[i])));
        k += bench_selected(w[k].id, only);
    }
    const size_t nc = quick ? 1000 : 100000;
    bench_noise_cost_init(&w[k], nc,
                          (unsigned long)fmax(10.0, round(BENCH_NOISE_COST_BUDGET * f / nc)));
    k += bench_selected(w[k].id, only);
    k += bench_make_sim_workloads(&w[k], quick, f, only);   /* issue #14 */
    k += bench_make_cable_workloads(&w[k], quick, f, only); /* issue #13 */
    return k;
}

/* The instruction-count suite: HH at N = 1 000 for a few hundred steps, the decay. */
static size_t bench_make_cg_workloads(bench_workload_t *w, const char *only)
{
    size_t k = 0;
    for (int s = 0; s < BENCH_N_HH_SCHEMES; ++s) {
        bench_workload_init(&w[k], BENCH_HH, (bench_scheme_t)s, 1000,
                            s == BENCH_EXP_EULER ? 30 : 300);
        k += bench_selected(w[k].id, only);
    }
    for (int s = BENCH_EULER; s <= BENCH_RK4; ++s) {
        bench_workload_init(&w[k], BENCH_DECAY, (bench_scheme_t)s, 1, 100000);
        k += bench_selected(w[k].id, only);
    }
    for (int s = BENCH_EULER; s <= BENCH_RK4; ++s) {
        bench_workload_init(&w[k], BENCH_LORENZ, (bench_scheme_t)s, 1, 100000);
        k += bench_selected(w[k].id, only);
    }
    return k;
}

bench_row_t *bench_row_add(bench_workload_t *w, const bench_impl_t *impl, const bench_problem_t *p,
                           const char *label)
{
    if (w->n_rows >= BENCH_MAX_ROWS)
        return NULL;
    bench_row_t *r = &w->rows[w->n_rows++];
    memset(r, 0, sizeof *r);
    r->impl = impl;
    r->p = *p;
    snprintf(r->label, sizeof r->label, "%s", label ? label : impl->label);
    r->timed_dev = NAN;
    r->med_ns = r->min_ns = r->med_ratio_hand = r->med_ratio_simd = NAN;
    r->ir = r->ir_per_unit_step = r->ir_ratio_hand = r->ir_ratio_simd = NAN;
    r->check_err = NAN;
    r->compile_s = NAN;
    if (!r->impl->supports(&r->p, r->msg, sizeof r->msg))
        r->status = ROW_SKIPPED;
    return r;
}

int bench_row_index(const bench_workload_t *w, const bench_impl_t *impl, bench_scheme_t scheme,
                    bench_model_t model)
{
    for (size_t i = 0; i < w->n_rows; ++i)
        if (w->rows[i].impl == impl && w->rows[i].p.scheme == scheme && w->rows[i].p.model == model)
            return (int)i;
    return -1;
}

bench_derived_t *bench_derived_add(bench_workload_t *w, enum bench_derived_kind kind, double target,
                                   int at_most, const char *label)
{
    if (w->n_derived >= BENCH_MAX_DERIVED)
        return NULL;
    bench_derived_t *d = &w->derived[w->n_derived++];
    memset(d, 0, sizeof *d);
    d->kind = kind;
    d->target = target;
    d->at_most = at_most;
    d->med = d->med_top = d->med_bottom = NAN;
    snprintf(d->label, sizeof d->label, "%s", label);
    return d;
}

/* Noisy HH: the EM rows of the hand loops (with dqhost's noise) and dqhost, euler on the same
 * model (the noise ignored: the drift's cost alone), then Brian2's EM rows -- last, so that in
 * every round dqhost's EM and euler runs follow each other closely, not across Brian2's
 * seconds-long processes; derived EM / euler for each dqhost mode (target <= 1.3) and
 * Brian2 / dqhost (target >= 4). */
static void bench_rows_noisy(bench_workload_t *w)
{
    const bench_impl_t *em[] = {&bench_impl_hand, &bench_impl_hand_simd, &bench_impl_dqhost,
                                &bench_impl_dqhost_run1, &bench_impl_dqhost_mt};
    const bench_impl_t *eu[] = {&bench_impl_hand, &bench_impl_hand_simd, &bench_impl_dqhost,
                                &bench_impl_dqhost_run1, &bench_impl_dqhost_mt};
    const bench_impl_t *peers[] = {&bench_impl_brian2_cpp, &bench_impl_brian2_omp,
                                   &bench_impl_brian2_cython};
    const bench_impl_t *dq[] = {&bench_impl_dqhost, &bench_impl_dqhost_run1, &bench_impl_dqhost_mt};
    char label[160];
    for (size_t i = 0; i < sizeof em / sizeof em[0]; ++i) {
        snprintf(label, sizeof label, "%s, euler_maruyama", em[i]->label);
        bench_row_add(w, em[i], &w->p, label);
    }
    bench_problem_t pe = w->p;
    pe.scheme = BENCH_EULER;
    for (size_t i = 0; i < sizeof eu / sizeof eu[0]; ++i) {
        snprintf(label, sizeof label, "%s, euler (noise ignored)", eu[i]->label);
        bench_row_add(w, eu[i], &pe, label);
    }
    for (size_t i = 0; i < sizeof peers / sizeof peers[0]; ++i) {
        snprintf(label, sizeof label, "%s, euler_maruyama", peers[i]->label);
        bench_row_add(w, peers[i], &w->p, label);
    }
    for (size_t i = 0; i < sizeof dq / sizeof dq[0]; ++i) {
        snprintf(label, sizeof label, "EM / euler on the same model, %s", dq[i]->label);
        bench_derived_t *d = bench_derived_add(w, BENCH_DERIVED_RATIO, 1.3, 1, label);
        d->num[d->n_num++] = bench_row_index(w, dq[i], BENCH_EM, BENCH_HH);
        d->den[d->n_den++] = bench_row_index(w, dq[i], BENCH_EULER, BENCH_HH);
    }
    const int b_cpp = bench_row_index(w, &bench_impl_brian2_cpp, BENCH_EM, BENCH_HH);
    const int b_omp = bench_row_index(w, &bench_impl_brian2_omp, BENCH_EM, BENCH_HH);
    const int b_cy = bench_row_index(w, &bench_impl_brian2_cython, BENCH_EM, BENCH_HH);
    const int d_step = bench_row_index(w, &bench_impl_dqhost, BENCH_EM, BENCH_HH);
    const int d_run1 = bench_row_index(w, &bench_impl_dqhost_run1, BENCH_EM, BENCH_HH);
    const int d_mt = bench_row_index(w, &bench_impl_dqhost_mt, BENCH_EM, BENCH_HH);
    bench_derived_t *d = bench_derived_add(
        w, BENCH_DERIVED_RATIO, 4.0, 0,
        "Brian2 fastest on one thread (cpp_standalone, cython) / dqhost (dq_system_step, 1 "
        "thread)");
    d->num[d->n_num++] = b_cpp;
    d->num[d->n_num++] = b_cy;
    d->den[d->n_den++] = d_step;
    d = bench_derived_add(w, BENCH_DERIVED_RATIO, 4.0, 0,
                          "Brian2 fastest on one thread / dqhost (dq_system_run, 1 thread)");
    d->num[d->n_num++] = b_cpp;
    d->num[d->n_num++] = b_cy;
    d->den[d->n_den++] = d_run1;
    d = bench_derived_add(w, BENCH_DERIVED_RATIO, 4.0, 0,
                          "Brian2 fastest of all / dqhost fastest of all (any thread count)");
    d->num[d->n_num++] = b_cpp;
    d->num[d->n_num++] = b_omp;
    d->num[d->n_num++] = b_cy;
    d->den[d->n_den++] = d_step;
    d->den[d->n_den++] = d_run1;
    d->den[d->n_den++] = d_mt;
}

/* The noise cost: ou with euler (its noise ignored) and EM, the decay with euler and midpoint,
 * through the hand loops and dqhost on one thread; derived (ou EM - ou euler) / (decay
 * midpoint - decay euler) for each dqhost mode: the normals, g and the g dW term against one
 * more drift evaluation of the cheapest model (target <= 1). */
static void bench_rows_noise_cost(bench_workload_t *w)
{
    const bench_impl_t *impls[] = {&bench_impl_hand, &bench_impl_dqhost, &bench_impl_dqhost_run1};
    const struct {
        bench_model_t model;
        bench_scheme_t scheme;
    } probs[] = {{BENCH_OU, BENCH_EULER},
                 {BENCH_OU, BENCH_EM},
                 {BENCH_DECAY, BENCH_EULER},
                 {BENCH_DECAY, BENCH_MIDPOINT}};
    char label[160];
    for (size_t i = 0; i < sizeof impls / sizeof impls[0]; ++i)
        for (size_t j = 0; j < sizeof probs / sizeof probs[0]; ++j) {
            bench_problem_t p = {.model = probs[j].model,
                                 .scheme = probs[j].scheme,
                                 .n = w->p.n,
                                 .dt = probs[j].model == BENCH_OU ? OU_DT : DECAY_DT,
                                 .sigma = probs[j].model == BENCH_OU ? OU_SIGMA : 0.0};
            snprintf(label, sizeof label, "%s, %s %s%s", impls[i]->label, bench_model_name(p.model),
                     bench_scheme_name(p.scheme),
                     p.model == BENCH_OU && p.scheme == BENCH_EULER ? " (noise ignored)" : "");
            bench_row_add(w, impls[i], &p, label);
        }
    for (size_t i = 1; i < sizeof impls / sizeof impls[0]; ++i) {
        snprintf(label, sizeof label,
                 "noise cost / one decay drift evaluation = (ou EM - ou euler) / (decay midpoint "
                 "- decay euler), %s",
                 impls[i]->label);
        bench_derived_t *d = bench_derived_add(w, BENCH_DERIVED_DIFF_RATIO, 1.0, 1, label);
        d->num[d->n_num++] = bench_row_index(w, impls[i], BENCH_EM, BENCH_OU);
        d->num[d->n_num++] = bench_row_index(w, impls[i], BENCH_EULER, BENCH_OU);
        d->den[d->n_den++] = bench_row_index(w, impls[i], BENCH_MIDPOINT, BENCH_DECAY);
        d->den[d->n_den++] = bench_row_index(w, impls[i], BENCH_EULER, BENCH_DECAY);
    }
}

static void bench_rows_init(bench_workload_t *w)
{
    w->n_rows = 0;
    w->n_derived = 0;
    if (w->kind == BENCH_KIND_NOISY_HH) {
        bench_rows_noisy(w);
        return;
    }
    if (w->kind == BENCH_KIND_NOISE_COST) {
        bench_rows_noise_cost(w);
        return;
    }
    if (w->kind == BENCH_KIND_CABLE) { /* cable_rows.c */
        bench_rows_cable(w);
        return;
    }
    if (w->kind == BENCH_KIND_SIMULATORS || w->kind == BENCH_KIND_CLI) { /* sim_rows.c */
        (w->kind == BENCH_KIND_CLI ? bench_rows_cli : bench_rows_sim)(w);
        return;
    }
    for (size_t i = 0; i < bench_n_impls; ++i)
        if (!bench_impls[i]->own_noise) /* the Brian2 rows are the noise rows' */
            bench_row_add(w, bench_impls[i], &w->p, NULL);
}

/* ---- check -------------------------------------------------------------------------------- */

static int bench_same_problem(const bench_problem_t *a, const bench_problem_t *b)
{
    return a->model == b->model && a->scheme == b->scheme && a->n == b->n && a->dt == b->dt &&
           a->sigma == b->sigma;
}

/* The hand scalar loop's values after `steps` steps of p, computed once per run. */
int bench_reference(const bench_problem_t *p, unsigned long steps, bench_values_t *out, char *msg,
                    size_t len)
{
    enum { CACHE = 16 };
    static struct {
        bench_problem_t p;
        unsigned long steps;
        bench_values_t v;
    } cache[CACHE];
    static size_t n_cache;
    for (size_t i = 0; i < n_cache; ++i)
        if (cache[i].steps == steps && bench_same_problem(&cache[i].p, p)) {
            *out = cache[i].v;
            return 0;
        }
    if (!bench_impl_hand.supports(p, msg, len) ||
        bench_run_once(&bench_impl_hand, p, 0, steps, out, NULL, NULL, NULL, msg, len))
        return 1;
    if (n_cache < CACHE) {
        cache[n_cache].p = *p;
        cache[n_cache].steps = steps;
        cache[n_cache++].v = *out;
    }
    return 0;
}

/* mean(d) / (sd(d) / sqrt(n)): the z-score of a mean of independent differences. */
static double bench_paired_z(const double *d, size_t n)
{
    if (n < 2)
        return NAN;
    double mean = 0.0, ss = 0.0;
    for (size_t i = 0; i < n; ++i)
        mean += d[i];
    mean /= (double)n;
    for (size_t i = 0; i < n; ++i)
        ss += (d[i] - mean) * (d[i] - mean);
    const double se = sqrt(ss / (double)(n - 1) / (double)n);
    return se > 0.0 ? mean / se : mean == 0.0 ? 0.0 : INFINITY;
}

static void bench_mean_sd(const double *v, size_t n, double *mean, double *sd)
{
    double m = 0.0, ss = 0.0;
    for (size_t i = 0; i < n; ++i)
        m += v[i];
    m /= (double)n;
    for (size_t i = 0; i < n; ++i)
        ss += (v[i] - m) * (v[i] - m);
    *mean = m;
    *sd = n > 1 ? sqrt(ss / (double)(n - 1)) : 0.0;
}

/* The z-scores of the paired differences of a (the peer) and b (dqhost) over n units: of the
 * values and of their squared deviations from the mean. d is scratch for n doubles. */
static void bench_stat_pair(const double *a, const double *b, size_t n, double *d, double *mean,
                            double *sd, double *z_mean, double *z_var)
{
    bench_mean_sd(a, n, &mean[0], &sd[0]);
    bench_mean_sd(b, n, &mean[1], &sd[1]);
    for (size_t i = 0; i < n; ++i)
        d[i] = a[i] - b[i];
    *z_mean = bench_paired_z(d, n);
    for (size_t i = 0; i < n; ++i)
        d[i] = (a[i] - mean[0]) * (a[i] - mean[0]) - (b[i] - mean[1]) * (b[i] - mean[1]);
    *z_var = bench_paired_z(d, n);
}

/* V and spike counts of every unit after `steps` steps of p; 0 or nonzero with msg. */
static int bench_run_all(const bench_impl_t *impl, const bench_problem_t *p, unsigned long steps,
                         double *v, double *spikes, char *msg, size_t len)
{
    bench_values_t vals;
    double *all[2] = {v, spikes};
    return bench_run_once(impl, p, 0, steps, &vals, NULL, NULL, all, msg, len);
}

/* The deviation V(sigma) - V(0) of every unit after `steps` steps, into e; tmp and sp are
 * scratch for n doubles. */
static int bench_run_dev(const bench_impl_t *impl, const bench_problem_t *p, unsigned long steps,
                         double *e, double *tmp, double *sp, char *msg, size_t len)
{
    bench_problem_t q = *p;
    q.sigma = 0.0;
    q.scheme = BENCH_EULER;
    if (bench_run_all(impl, p, steps, e, sp, msg, len) ||
        bench_run_all(impl, &q, steps, tmp, sp, msg, len))
        return 1;
    for (size_t i = 0; i < p->n; ++i)
        e[i] -= tmp[i];
    return 0;
}

/* A peer with its own noise against dqhost (dq_system_step) on the noisy problem
 * (bench_stat_t). 0 when it agrees. */
static int bench_stat_check(const bench_workload_t *w, bench_row_t *r)
{
    static double *ref; /* dqhost's V, spikes and deviation, once per problem */
    static bench_problem_t ref_p;
    bench_problem_t p = r->p;
    p.n = w->check_n;
    const size_t n = p.n;
    bench_stat_t *st = &r->stat;
    memset(st, 0, sizeof *st);
    st->n = n;
    st->steps = BENCH_STAT_STEPS;
    st->short_steps = BENCH_STAT_SHORT_STEPS;
    st->tol = BENCH_STAT_TOL;
    double *a = malloc(5 * n * sizeof *a);
    if (!a) {
        snprintf(r->msg, sizeof r->msg, "out of memory");
        return 1;
    }
    double *a_sp = a + n, *a_e = a + 2 * n, *tmp = a + 3 * n, *d = a + 4 * n;
    if (!ref || !bench_same_problem(&ref_p, &p)) {
        free(ref);
        ref = malloc(3 * n * sizeof *ref);
        if (!ref ||
            bench_run_all(&bench_impl_dqhost, &p, st->steps, ref, ref + n, r->msg, sizeof r->msg) ||
            bench_run_dev(&bench_impl_dqhost, &p, st->short_steps, ref + 2 * n, tmp, d, r->msg,
                          sizeof r->msg)) {
            free(ref);
            ref = NULL;
            free(a);
            return 1;
        }
        ref_p = p;
    }
    if (bench_run_all(r->impl, &p, st->steps, a, a_sp, r->msg, sizeof r->msg) ||
        bench_run_dev(r->impl, &p, st->short_steps, a_e, tmp, d, r->msg, sizeof r->msg)) {
        free(a);
        return 1;
    }
    double sd_sp[2], z_var_sp;
    bench_stat_pair(a, ref, n, d, st->mean, st->sd, &st->z[0], &st->z[1]);
    bench_stat_pair(a_sp, ref + n, n, d, st->spikes, sd_sp, &st->z[2], &z_var_sp);
    bench_stat_pair(a_e, ref + 2 * n, n, d, st->dev_mean, st->dev_sd, &st->z[3], &st->z[4]);
    st->done = 1;
    free(a);
    for (int i = 0; i < BENCH_STAT_Z; ++i)
        if (!(fabs(st->z[i]) <= st->tol)) {
            snprintf(r->msg, sizeof r->msg,
                     "disagrees with dqhost statistically over %zu units: at t = %g ms V's mean "
                     "%.4g vs %.4g, SD %.4g vs %.4g, spikes per unit %.4g vs %.4g (z %.2f, "
                     "%.2f, %.2f); V(sigma) - V(0) at t = %g ms: mean %.3g vs %.3g, SD %.4g vs "
                     "%.4g (z %.2f, %.2f); |z| must be <= %g",
                     n, p.dt * (double)st->steps, st->mean[0], st->mean[1], st->sd[0], st->sd[1],
                     st->spikes[0], st->spikes[1], st->z[0], st->z[1], st->z[2],
                     p.dt * (double)st->short_steps, st->dev_mean[0], st->dev_mean[1],
                     st->dev_sd[0], st->dev_sd[1], st->z[3], st->z[4], st->tol);
            return 1;
        }
    return 0;
}

static void bench_check(bench_workload_t *w)
{
    char msg[BENCH_MSG_MAX];
    if (w->kind == BENCH_KIND_CABLE) { /* spike times against NEURON's: cable_rows.c */
        bench_cable_check(w);
        return;
    }
    for (size_t i = 0; i < w->n_rows; ++i) {
        bench_row_t *r = &w->rows[i];
        if (r->status != ROW_OK)
            continue;
        if (w->kind == BENCH_KIND_SIMULATORS) { /* against a reference solution: sim_rows.c */
            bench_sim_check(w, r);
            continue;
        }
        bench_problem_t p = r->p;
        p.n = w->check_n < p.n ? w->check_n : p.n;
        /* A peer with its own noise: first without noise, to the last digits. */
        r->check_det = r->impl->own_noise && p.sigma != 0.0;
        if (r->check_det) {
            p.sigma = 0.0;
            if (p.scheme == BENCH_EM)
                p.scheme = BENCH_EULER;
        }
        unsigned k = r->impl->ref_substeps(&r->p);
        if (k < 1 || k > 2)
            k = 1;
        r->ref_substeps = k;
        bench_problem_t q = p;
        q.dt = p.dt / k;
        bench_values_t ref;
        if (bench_reference(&q, w->check_steps * k, &ref, msg, sizeof msg)) {
            snprintf(r->msg, sizeof r->msg, "reference run failed: %.200s", msg);
            r->status = ROW_FAILED;
            continue;
        }
        if (bench_run_once(r->impl, &p, 0, w->check_steps, &r->check_vals, NULL, NULL, NULL, r->msg,
                           sizeof r->msg)) {
            r->status = ROW_FAILED;
            fprintf(stderr, "dq_bench: %s: %s: %s\n", w->id, r->label, r->msg);
            continue;
        }
        r->check_tol = r->impl == &bench_impl_hand_simd || r->impl == &bench_impl_cli_hand
                           ? BENCH_TOL_SIMD
                           : BENCH_TOL;
        r->check_err = bench_rel_dev(&r->check_vals, &ref);
        if (!(r->check_err <= r->check_tol)) {
            r->status = ROW_CHECK_FAILED;
            snprintf(r->msg, sizeof r->msg,
                     "V(t_end) disagrees with the hand loop%s%s after %lu steps at N=%zu: "
                     "V[0] %.17g vs %.17g, V[N-1] %.17g vs %.17g, mean %.17g vs %.17g, "
                     "spikes %.0f vs %.0f (tolerance %g)",
                     k > 1 ? " at dt/2" : "", r->check_det ? " without noise" : "", w->check_steps,
                     p.n, r->check_vals.first, ref.first, r->check_vals.last, ref.last,
                     r->check_vals.mean, ref.mean, r->check_vals.spikes, ref.spikes, r->check_tol);
            fprintf(stderr, "dq_bench: %s: %s: %s\n", w->id, r->label, r->msg);
            continue;
        }
        if (r->check_det && bench_stat_check(w, r)) {
            r->status = r->stat.done ? ROW_CHECK_FAILED : ROW_FAILED;
            fprintf(stderr, "dq_bench: %s: %s: %s\n", w->id, r->label, r->msg);
        }
    }
}

/* ---- timing ------------------------------------------------------------------------------- */

/* The row of impl on the same problem as r, or NULL. */
static const bench_row_t *bench_row_like(const bench_workload_t *w, const bench_impl_t *impl,
                                         const bench_row_t *r)
{
    for (size_t i = 0; i < w->n_rows; ++i)
        if (w->rows[i].impl == impl && bench_same_problem(&w->rows[i].p, &r->p))
            return &w->rows[i];
    return NULL;
}

/* The smallest of the rows' times in one round; NAN if any of them has none. */
static double bench_min_ns(const bench_workload_t *w, const int *idx, int n, unsigned round)
{
    double m = INFINITY;
    for (int i = 0; i < n; ++i) {
        if (idx[i] < 0 || w->rows[idx[i]].status != ROW_OK)
            continue; /* a row that is not there (no Brian2, one core) is left out */
        m = fmin(m, w->rows[idx[i]].ns[round]);
    }
    return isfinite(m) ? m : NAN;
}

static double bench_row_ns(const bench_workload_t *w, int idx, unsigned round)
{
    return idx >= 0 && w->rows[idx].status == ROW_OK ? w->rows[idx].ns[round] : NAN;
}

static void bench_derive(bench_workload_t *w, unsigned rounds)
{
    for (size_t i = 0; i < w->n_derived; ++i) {
        bench_derived_t *d = &w->derived[i];
        double top[BENCH_MAX_ROUNDS], bottom[BENCH_MAX_ROUNDS];
        for (unsigned r = 0; r < rounds; ++r) {
            if (d->kind == BENCH_DERIVED_RATIO) {
                top[r] = bench_min_ns(w, d->num, d->n_num, r);
                bottom[r] = bench_min_ns(w, d->den, d->n_den, r);
            } else {
                top[r] = bench_row_ns(w, d->num[0], r) - bench_row_ns(w, d->num[1], r);
                bottom[r] = bench_row_ns(w, d->den[0], r) - bench_row_ns(w, d->den[1], r);
            }
            d->v[r] = top[r] / bottom[r];
        }
        d->med = bench_median(d->v, rounds);
        d->med_top = bench_median(top, rounds);
        d->med_bottom = bench_median(bottom, rounds);
    }
}

static void bench_time(bench_workload_t *w, unsigned rounds)
{
    for (size_t i = 0; i < w->n_rows; ++i)
        for (unsigned r = 0; r < BENCH_MAX_ROUNDS; ++r)
            w->rows[i].ns[r] = w->rows[i].ratio_hand[r] = w->rows[i].ratio_simd[r] = NAN;
    for (unsigned round = 0; round < rounds; ++round) {
        for (size_t j = 0; j < w->n_rows; ++j) {
            bench_row_t *r = &w->rows[(j + round) % w->n_rows]; /* a new first each round */
            if (r->status != ROW_OK)
                continue;
            bench_values_t v;
            double s = 0.0, comp = NAN;
            if (bench_run_once(r->impl, &r->p, BENCH_WARM_STEPS, w->steps, &v, &s, &comp, NULL,
                               r->msg, sizeof r->msg)) {
                r->status = ROW_FAILED;
                fprintf(stderr, "dq_bench: %s: %s: %s\n", w->id, r->label, r->msg);
                continue;
            }
            /* per unit-step, or per compartment-step on a cable workload */
            r->ns[round] = 1e9 * s /
                           ((double)r->p.n * (double)w->steps *
                            (w->compartments > 0.0 ? w->compartments : 1.0));
            if (isfinite(comp)) /* the first round builds afresh: the largest is the real one */
                r->compile_s = isfinite(r->compile_s) ? fmax(r->compile_s, comp) : comp;
            if (round == 0)
                r->timed_vals = v;
        }
    }
    for (size_t i = 0; i < w->n_rows; ++i) {
        bench_row_t *r = &w->rows[i];
        if (r->status != ROW_OK)
            continue;
        const bench_row_t *hand = bench_row_like(w, &bench_impl_hand, r);
        const bench_row_t *simd = bench_row_like(w, &bench_impl_hand_simd, r);
        for (unsigned round = 0; round < rounds; ++round) {
            r->ratio_hand[round] =
                hand && hand->status == ROW_OK ? r->ns[round] / hand->ns[round] : NAN;
            r->ratio_simd[round] =
                simd && simd->status == ROW_OK ? r->ns[round] / simd->ns[round] : NAN;
        }
        r->med_ns = bench_median(r->ns, rounds);
        r->min_ns = r->ns[0];
        for (unsigned round = 1; round < rounds; ++round)
            r->min_ns = fmin(r->min_ns, r->ns[round]);
        r->med_ratio_hand = bench_median(r->ratio_hand, rounds);
        r->med_ratio_simd = bench_median(r->ratio_simd, rounds);
        /* The long runs are compared too, for the record: same scheme and step, same noise. */
        if (hand && hand->status == ROW_OK && r->ref_substeps == 1 && !r->check_det)
            r->timed_dev = bench_rel_dev(&r->timed_vals, &hand->timed_vals);
    }
    bench_derive(w, rounds);
}

/* ---- main --------------------------------------------------------------------------------- */

static void bench_usage(FILE *to)
{
    fputs("usage: dq_bench [--rounds R] [--quick] [--scale X] [--only ID[,ID...]]\n"
          "                [--out DIR] [--name NAME] [--git DESC] [--callgrind] [--list]\n"
          "  --rounds R   interleaved rounds (default 5; 1 with --quick)\n"
          "  --quick      smoke run: N = 1 and 1 000, 2% of the steps (NAME quick)\n"
          "  --scale X    multiply every step count by X\n"
          "  --only IDS   workloads whose id contains one of IDS (see --list)\n"
          "  --out DIR    where NAME.json and NAME.md go (default " BENCH_RESULTS_DIR ")\n"
          "  --name NAME  default: latest; quick with --quick; partial with --only, --scale\n"
          "  --git DESC   the dqhost revision, recorded with the results\n"
          "  --callgrind  also count instructions with valgrind --tool=callgrind\n"
          "  --no-timing  skip the timed suite (with --callgrind)\n"
          "  --python PY  the Python that runs Brian2 and NEURON (default /usr/bin/python3)\n"
          "  --no-brian2  leave the Brian2 rows out\n"
          "  --no-neuron  leave the NEURON rows out\n",
          to);
}

/* --child MODEL:SCHEME:N:STEPS:IMPL, what bench_callgrind runs under valgrind. */
static int bench_child(const char *spec)
{
    char model[16], scheme[32], impl_name[32];
    size_t n;
    unsigned long steps;
    if (sscanf(spec, "%15[^:]:%31[^:]:%zu:%lu:%31s", model, scheme, &n, &steps, impl_name) != 5) {
        fprintf(stderr, "dq_bench: bad --child '%s'\n", spec);
        return 2;
    }
    int s = 0;
    while (s < BENCH_N_SCHEMES && strcmp(bench_scheme_name((bench_scheme_t)s), scheme))
        ++s;
    const bench_impl_t *impl = bench_impl_by_name(impl_name);
    if (s == BENCH_N_SCHEMES || !impl) {
        fprintf(stderr, "dq_bench: unknown scheme or implementation in '%s'\n", spec);
        return 2;
    }
    bench_workload_t w;
    bench_workload_init(&w,
                        strcmp(model, "hh") == 0       ? BENCH_HH
                        : strcmp(model, "lorenz") == 0 ? BENCH_LORENZ
                                                       : BENCH_DECAY,
                        (bench_scheme_t)s, n, steps);
    int rc = bench_callgrind_child(&w, impl);
    bench_dqhost_cleanup();
    return rc;
}

int main(int argc, char **argv)
{
    unsigned rounds = 0;
    int quick = 0, callgrind = 0, timing = 1, list = 0;
    double scale = 1.0;
    const char *only = NULL, *out = BENCH_RESULTS_DIR, *name = NULL, *git = "";
    const char *python = "/usr/bin/python3";
    int no_brian2 = 0, no_neuron = 0;
    bench_impls_init();
    for (int i = 1; i < argc; ++i) {
        const char *a = argv[i];
        const int more = i + 1 < argc;
        if (strcmp(a, "--rounds") == 0 && more)
            rounds = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (strcmp(a, "--quick") == 0)
            quick = 1;
        else if (strcmp(a, "--scale") == 0 && more)
            scale = strtod(argv[++i], NULL);
        else if (strcmp(a, "--only") == 0 && more)
            only = argv[++i];
        else if (strcmp(a, "--out") == 0 && more)
            out = argv[++i];
        else if (strcmp(a, "--name") == 0 && more)
            name = argv[++i];
        else if (strcmp(a, "--git") == 0 && more)
            git = argv[++i];
        else if (strcmp(a, "--callgrind") == 0)
            callgrind = 1;
        else if (strcmp(a, "--no-timing") == 0)
            timing = 0;
        else if (strcmp(a, "--list") == 0)
            list = 1;
        else if (strcmp(a, "--python") == 0 && more)
            python = argv[++i];
        else if (strcmp(a, "--no-brian2") == 0)
            no_brian2 = 1;
        else if (strcmp(a, "--no-neuron") == 0)
            no_neuron = 1;
        else if (strcmp(a, "--child") == 0 && more)
            return bench_child(argv[++i]);
        else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            bench_usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "dq_bench: unknown or incomplete option '%s'\n", a);
            bench_usage(stderr);
            return 2;
        }
    }
    if (rounds == 0)
        rounds = quick ? 1 : 5;
    if (rounds > BENCH_MAX_ROUNDS || !(scale > 0.0)) {
        fprintf(stderr, "dq_bench: --rounds must be 1..%d and --scale positive\n",
                BENCH_MAX_ROUNDS);
        return 2;
    }
    if (!name) /* only a full run is "latest" */
        name = quick ? "quick" : only || scale != 1.0 || !timing ? "partial" : "latest";

    static bench_workload_t w[BENCH_MAX_WORKLOADS], cg[BENCH_MAX_WORKLOADS];
    bench_run_t run = {.rounds = rounds, .quick = quick, .w = w};
    run.n_w = timing ? bench_make_workloads(w, quick, scale, only) : 0;
    if (list) {
        const size_t k = bench_make_workloads(w, quick, scale, only);
        for (size_t i = 0; i < k; ++i)
            printf("%-34s %10lu steps\n", w[i].id, w[i].steps);
        return 0;
    }
    bench_brian2_configure(no_brian2 ? NULL : python);
    bench_neuron_configure(no_neuron ? NULL : python);
    bench_machine_fill(&run.machine, git);

    char msg[BENCH_MSG_MAX];
    for (size_t i = 0; i < run.n_w; ++i)
        if (w[i].kind == BENCH_KIND_NOISY_HH || w[i].kind == BENCH_KIND_SIMULATORS) {
            /* name the Brian2 that ran, or why none did */
            const char *bv = bench_brian2_version(msg, sizeof msg);
            const size_t o = strlen(run.machine.peers);
            snprintf(run.machine.peers + o, sizeof run.machine.peers - o, "%s%s%.160s",
                     o ? ", " : "", bv ? "Brian2 " : "", bv ? bv : msg);
            if (!bv)
                printf("dq_bench: %s\n", msg);
            break;
        }
    bench_sim_peers(&run); /* NEURON's version, when its rows run */
    if (bench_simd_selftest(msg, sizeof msg))
        fprintf(stderr, "dq_bench: SIMD self-test: %s\n", msg);
    else
        snprintf(msg, sizeof msg, "ok; loops run the %s clone", bench_simd_isa());
    snprintf(run.machine.simd_selftest, sizeof run.machine.simd_selftest, "%s", msg);

    printf("dq_bench: %s, %ld cores, %s; %u round%s\n", run.machine.cpu, run.machine.cores,
           run.machine.cc, rounds, rounds == 1 ? "" : "s");
    const double t_all = bench_now();
    for (size_t i = 0; i < run.n_w; ++i) {
        const double t0 = bench_now();
        bench_rows_init(&w[i]);
        bench_check(&w[i]);
        bench_time(&w[i], rounds);
        w[i].wall_s = bench_now() - t0;
        bench_print_workload(&w[i]);
        fflush(stdout);
    }
    if (callgrind) {
        char self[4096];
        ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
        if (len <= 0) {
            fprintf(stderr, "dq_bench: cannot find my own executable for valgrind\n");
            return 1;
        }
        self[len] = '\0';
        run.cg = cg;
        run.n_cg = bench_make_cg_workloads(cg, only);
        for (size_t i = 0; i < run.n_cg; ++i)
            bench_rows_init(&cg[i]);
        char tmpdir[] = "/tmp/dq_bench_cg.XXXXXX";
        if (!mkdtemp(tmpdir) || bench_callgrind(cg, run.n_cg, self, tmpdir)) {
            fprintf(stderr, "dq_bench: the callgrind pass failed\n");
            return 1;
        }
    }
    run.total_s = bench_now() - t_all;
    bench_dqhost_cleanup();
    bench_brian2_cleanup();
    bench_cli_cleanup();

    char path[4096];
    snprintf(path, sizeof path, "%s/%s.json", out, name);
    int rc = bench_write_json(&run, path);
    snprintf(path, sizeof path, "%s/%s.md", out, name);
    rc |= bench_write_markdown(&run, path);
    if (rc)
        return 1;
    printf("dq_bench: %.0f s; wrote %s/%s.json and %s/%s.md\n", run.total_s, out, name, out, name);
    for (size_t i = 0; i < run.n_w; ++i)
        for (size_t j = 0; j < w[i].n_rows; ++j)
            if (w[i].rows[j].status == ROW_CHECK_FAILED || w[i].rows[j].status == ROW_FAILED)
                rc = 3;
    return rc;
}
