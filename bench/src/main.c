/* SPDX-License-Identifier: MIT */
/* main.c -- dq_bench: dqhost beside hand-fused loops and its peers on the same workloads.
 *
 * For each workload (HH population N = 1, 1 000, 100 000 with euler, rk4, ind_exp_euler,
 * exp_euler; the scalar decay with euler and rk4):
 *  1. check: every implementation runs a short problem and its V(t_end) (unit 0, unit N-1,
 *     the mean, the spike count) must agree with the hand scalar loop's -- 1e-9 relative,
 *     1e-8 for the SIMD build; a disagreement drops that row, with the numbers, not the run;
 *  2. time: R rounds (default 5), each running every implementation once, starting at a
 *     different one each round; each run is a fresh set-up, 2 untimed warm-up steps, then the
 *     timed steps (clock_gettime(CLOCK_MONOTONIC));
 *  3. report: medians of ns per unit-step, and the medians over rounds of the ratio to the
 *     hand-fused loops (scalar and SIMD) timed in the same round.
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

static const bench_impl_t *bench_impls[BENCH_MAX_IMPLS];
static size_t bench_n_impls;

const char *bench_scheme_name(bench_scheme_t s)
{
    static const char *const names[] = {"euler", "rk4", "ind_exp_euler", "exp_euler"};
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
 * of the timed steps. 0, or nonzero with msg. */
static int bench_run_once(const bench_impl_t *impl, const bench_problem_t *p, unsigned long warm,
                          unsigned long steps, bench_values_t *out, double *seconds, char *msg,
                          size_t len)
{
    void *st = impl->setup(p, msg, len);
    if (!st)
        return 1;
    int rc = warm ? impl->run(st, warm, msg, len) : 0;
    double t0 = bench_now();
    if (rc == 0)
        rc = bench_measured_run(impl, st, steps, msg, len);
    double t1 = bench_now();
    if (rc == 0) {
        memset(out, 0, sizeof *out);
        impl->read(st, out);
    }
    impl->teardown(st);
    if (seconds)
        *seconds = t1 - t0;
    return rc;
}

/* ---- workloads ---------------------------------------------------------------------------- */

/* Unit-steps per timed run for N > 1, and steps for N = 1: the hand scalar loop takes about
 * half a second (the SIMD loop a tenth), and the whole suite about three minutes here. */
static const double bench_budget[BENCH_N_SCHEMES] = {1e7, 2.5e6, 5e6, 2e5};
static const double bench_steps_n1[BENCH_N_SCHEMES] = {2e6, 6e5, 1.5e6, 5e4};
#define BENCH_DECAY_STEPS 2e7

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
    w->p = (bench_problem_t){
        .model = model, .scheme = scheme, .n = n, .dt = model == BENCH_HH ? HH_DT : DECAY_DT};
    w->steps = steps;
    bench_group_digits(nbuf, sizeof nbuf, n);
    if (model == BENCH_HH) {
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

static int bench_selected(const char *id, const char *only)
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
        for (int s = 0; s < BENCH_N_SCHEMES; ++s) {
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
    return k;
}

/* The instruction-count suite: HH at N = 1 000 for a few hundred steps, the decay. */
static size_t bench_make_cg_workloads(bench_workload_t *w, const char *only)
{
    size_t k = 0;
    for (int s = 0; s < BENCH_N_SCHEMES; ++s) {
        bench_workload_init(&w[k], BENCH_HH, (bench_scheme_t)s, 1000,
                            s == BENCH_EXP_EULER ? 30 : 300);
        k += bench_selected(w[k].id, only);
    }
    for (int s = BENCH_EULER; s <= BENCH_RK4; ++s) {
        bench_workload_init(&w[k], BENCH_DECAY, (bench_scheme_t)s, 1, 100000);
        k += bench_selected(w[k].id, only);
    }
    return k;
}

static void bench_rows_init(bench_workload_t *w)
{
    w->n_rows = 0;
    for (size_t i = 0; i < bench_n_impls; ++i) {
        bench_row_t *r = &w->rows[w->n_rows++];
        memset(r, 0, sizeof *r);
        r->impl = bench_impls[i];
        r->timed_dev = NAN;
        r->med_ns = r->min_ns = r->med_ratio_hand = r->med_ratio_simd = NAN;
        r->ir = r->ir_per_unit_step = r->ir_ratio_hand = r->ir_ratio_simd = NAN;
        r->check_err = NAN;
        if (!r->impl->supports(&w->p, r->msg, sizeof r->msg))
            r->status = ROW_SKIPPED;
    }
}

/* ---- check -------------------------------------------------------------------------------- */

static void bench_check(bench_workload_t *w)
{
    bench_problem_t p = w->p;
    p.n = w->check_n;
    bench_values_t ref[3];
    int have_ref[3] = {0, 0, 0};
    char msg[BENCH_MSG_MAX];
    for (size_t i = 0; i < w->n_rows; ++i) {
        bench_row_t *r = &w->rows[i];
        if (r->status != ROW_OK)
            continue;
        unsigned k = r->impl->ref_substeps(&w->p);
        if (k < 1 || k > 2)
            k = 1;
        r->ref_substeps = k;
        if (!have_ref[k]) {
            bench_problem_t q = p;
            q.dt = p.dt / k;
            if (bench_run_once(&bench_impl_hand, &q, 0, w->check_steps * k, &ref[k], NULL, msg,
                               sizeof msg)) {
                snprintf(r->msg, sizeof r->msg, "reference run failed: %.200s", msg);
                r->status = ROW_FAILED;
                continue;
            }
            have_ref[k] = 1;
        }
        if (bench_run_once(r->impl, &p, 0, w->check_steps, &r->check_vals, NULL, r->msg,
                           sizeof r->msg)) {
            r->status = ROW_FAILED;
            continue;
        }
        r->check_tol = r->impl == &bench_impl_hand_simd ? BENCH_TOL_SIMD : BENCH_TOL;
        r->check_err = bench_rel_dev(&r->check_vals, &ref[k]);
        if (!(r->check_err <= r->check_tol)) {
            r->status = ROW_CHECK_FAILED;
            snprintf(r->msg, sizeof r->msg,
                     "V(t_end) disagrees with the hand loop%s after %lu steps at N=%zu: "
                     "V[0] %.17g vs %.17g, V[N-1] %.17g vs %.17g, mean %.17g vs %.17g, "
                     "spikes %.0f vs %.0f (tolerance %g)",
                     k > 1 ? " at dt/2" : "", w->check_steps, p.n, r->check_vals.first,
                     ref[k].first, r->check_vals.last, ref[k].last, r->check_vals.mean, ref[k].mean,
                     r->check_vals.spikes, ref[k].spikes, r->check_tol);
            fprintf(stderr, "dq_bench: %s: %s: %s\n", w->id, r->impl->name, r->msg);
        }
    }
}

/* ---- timing ------------------------------------------------------------------------------- */

static bench_row_t *bench_row_of(bench_workload_t *w, const bench_impl_t *impl)
{
    for (size_t i = 0; i < w->n_rows; ++i)
        if (w->rows[i].impl == impl)
            return &w->rows[i];
    return NULL;
}

static void bench_time(bench_workload_t *w, unsigned rounds)
{
    const double unit_steps = (double)w->p.n * (double)w->steps;
    for (size_t i = 0; i < w->n_rows; ++i)
        for (unsigned r = 0; r < BENCH_MAX_ROUNDS; ++r)
            w->rows[i].ns[r] = w->rows[i].ratio_hand[r] = w->rows[i].ratio_simd[r] = NAN;
    for (unsigned round = 0; round < rounds; ++round) {
        for (size_t j = 0; j < w->n_rows; ++j) {
            bench_row_t *r = &w->rows[(j + round) % w->n_rows]; /* a new first each round */
            if (r->status != ROW_OK)
                continue;
            bench_values_t v;
            double s = 0.0;
            if (bench_run_once(r->impl, &w->p, BENCH_WARM_STEPS, w->steps, &v, &s, r->msg,
                               sizeof r->msg)) {
                r->status = ROW_FAILED;
                fprintf(stderr, "dq_bench: %s: %s: %s\n", w->id, r->impl->name, r->msg);
                continue;
            }
            r->ns[round] = 1e9 * s / unit_steps;
            if (round == 0)
                r->timed_vals = v;
        }
    }
    const bench_row_t *hand = bench_row_of(w, &bench_impl_hand);
    const bench_row_t *simd = bench_row_of(w, &bench_impl_hand_simd);
    for (size_t i = 0; i < w->n_rows; ++i) {
        bench_row_t *r = &w->rows[i];
        if (r->status != ROW_OK)
            continue;
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
        /* The long runs are compared too, for the record: same scheme and step only. */
        if (hand && hand->status == ROW_OK && r->ref_substeps == 1)
            r->timed_dev = bench_rel_dev(&r->timed_vals, &hand->timed_vals);
    }
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
          "  --no-timing  skip the timed suite (with --callgrind)\n",
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
    bench_workload_init(&w, strcmp(model, "hh") == 0 ? BENCH_HH : BENCH_DECAY, (bench_scheme_t)s, n,
                        steps);
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
            printf("%-24s %10lu steps\n", w[i].id, w[i].steps);
        return 0;
    }
    bench_machine_fill(&run.machine, git);

    char msg[BENCH_MSG_MAX];
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
