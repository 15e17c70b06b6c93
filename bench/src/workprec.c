/* SPDX-License-Identifier: MIT */
/* workprec.c -- dq_bench_workprec: the work-precision benchmark of issue #12.
 *
 * For each problem (wp_problem.c: Lorenz, van der Pol mu = 1 and mu = 1000, one HH neuron):
 *  1. a reference y(t1): for the non-stiff problems long-double Gragg-Bulirsch-Stoer
 *     extrapolation at two macro steps and orders (their agreement is printed); for the stiff
 *     van der Pol CVODE BDF and GSL bsimp at rtol 1e-13 (their agreement is printed);
 *  2. every solver that runs the problem (explicit ones: the non-stiff problems; stiff ones:
 *     all) at each tolerance of the ladder rtol = 1e-3 .. 1e-10, atol = rtol * 1e-3: the
 *     error of y(t1), max_i |y_i - ref_i| / max_i |ref_i|; the derivative evaluations; the
 *     minimum over repeats of the integration's time;
 *  3. ratios: dqhost dopri5's evaluations over ARKODE Dormand-Prince's at equal tolerance and
 *     at equal error (ARKODE's evaluations interpolated in log-log at dopri5's error), and
 *     its time per evaluation over Boost.odeint's (controlled dopri5) at equal tolerance.
 * Then the population rows: N = 1 000 HH neurons (I_ext 0-20) for 100 ms on one thread,
 * adaptive dopri5 against fixed-step rk4 (dt 0.01 ms), in ns per unit and evaluation.
 * Output: tables on stdout, DIR/NAME.md and DIR/NAME.csv (every run, for plotting). */
#define _GNU_SOURCE
#include <gnu/libc-version.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "machine.h"
#include "workprec.h"

#ifndef BENCH_RESULTS_DIR
#define BENCH_RESULTS_DIR "bench/results"
#endif
#ifndef BENCH_C_FLAGS
#define BENCH_C_FLAGS ""
#endif

#define WP_MAX_TOLS 12
#define WP_MAX_SOLVERS 16
#define WP_SLOW_S 20.0  /* a run slower than this: the tighter tolerances are skipped */
#define WP_REPEAT_S 0.3 /* repeat a run until this much time was measured (or R times) */
#define WP_MAX_REPEATS 200

typedef struct wp_cell {
    int done;
    wp_run_t run; /* the run with the minimum time */
    double err;
    unsigned repeats;
} wp_cell_t;

typedef struct wp_result {
    const wp_problem_t *p;
    double ref[WP_MAXDIM], ref2[WP_MAXDIM];
    double ref_agree;  /* error of the second reference against the first */
    double ref_rk8pd;  /* GSL rk8pd at rtol 1e-14 against the reference (non-stiff) */
    double ref_s;      /* seconds the references took */
    char ref_how[400]; /* how */
    wp_cell_t cell[WP_MAX_SOLVERS][WP_MAX_TOLS];
    int runs[WP_MAX_SOLVERS]; /* the solver runs this problem */
    /* One unit's cost apart (non-stiff problems): dqhost dopri5 at WP_DIAG_RTOL adaptive,
     * then dopri5 and rk4 at fixed steps, as many as the adaptive run accepted. */
    wp_cell_t diag_dp, diag_rk4;
    unsigned long diag_steps;
} wp_result_t;

static const wp_solver_t *wp_solvers[WP_MAX_SOLVERS];
static size_t wp_n_solvers;
static double wp_tols[WP_MAX_TOLS];
static size_t wp_n_tols;
static unsigned wp_repeats = 5;

static const char *wp_only_solvers; /* --solvers: names or libraries ("dqhost"), or NULL */
static int wp_selected(const char *list, const char *name);

static void wp_add_solvers(const wp_solver_t *t, size_t n)
{
    for (size_t i = 0; i < n && wp_n_solvers < WP_MAX_SOLVERS; ++i) {
        char lib[32];
        snprintf(lib, sizeof lib, "%.*s", (int)strcspn(t[i].name, "/"), t[i].name);
        if (!wp_only_solvers || wp_selected(wp_only_solvers, t[i].name) ||
            wp_selected(wp_only_solvers, lib))
            wp_solvers[wp_n_solvers++] = &t[i];
    }
}

static int wp_solver_index(const char *name)
{
    for (size_t i = 0; i < wp_n_solvers; ++i)
        if (strcmp(wp_solvers[i]->name, name) == 0)
            return (int)i;
    return -1;
}

/* max_i |y_i - r_i| / max_i |r_i| */
static double wp_error(const wp_problem_t *p, const double *y, const double *r)
{
    double num = 0.0, den = 0.0;
    for (size_t i = 0; i < p->dim; ++i) {
        const double d = fabs(y[i] - r[i]);
        num = isnan(d) || d > num ? d : num;
        den = fmax(den, fabs(r[i]));
    }
    return num / den;
}

/* ---- references ---------------------------------------------------------------------------- */

static void wp_reference(wp_result_t *res)
{
    const wp_problem_t *p = res->p;
    const double t0 = wp_now();
    res->ref_rk8pd = NAN;
    if (!p->stiff) {
        /* macro steps small against each problem's fastest time scale */
        const long double H = p->id == WP_VDP1 ? 0.01L : 0.002L;
        wp_ref_gbs(p, H, 8, res->ref);
        wp_ref_gbs(p, H / 2, 7, res->ref2);
        snprintf(res->ref_how, sizeof res->ref_how,
                 "long-double Gragg-Bulirsch-Stoer extrapolation (modified midpoint, "
                 "n_j = 2j), macro step %g with 8 columns (order 16); second reference: "
                 "macro step %g with 7 columns (order 14)",
                 (double)H, (double)(H / 2));
        wp_run_t r;
        const wp_solver_t *gsl = NULL;
        const size_t ng = wp_gsl_solvers(&gsl);
        for (size_t i = 0; i < ng; ++i)
            if (strcmp(gsl[i].name, "gsl/rk8pd") == 0 &&
                gsl[i].solve(p, 1e-14, 1e-17, gsl[i].arg, &r) == 0)
                res->ref_rk8pd = wp_error(p, r.y, res->ref);
    } else {
        wp_run_t a, b;
        const int ra = wp_sundials_cvode_ref(p, 1e-13, 1e-16, &a);
        const int rb = wp_gsl_bsimp_ref(p, 1e-13, 1e-16, &b);
        if (ra || rb) {
            fprintf(stderr, "workprec: the stiff reference failed: %s %s\n", a.msg, b.msg);
            exit(2);
        }
        memcpy(res->ref, a.y, sizeof a.y);
        memcpy(res->ref2, b.y, sizeof b.y);
        snprintf(res->ref_how, sizeof res->ref_how,
                 "CVODE BDF (dense linear solver, analytic Jacobian) at rtol 1e-13, atol 1e-16 "
                 "(%lu steps); second reference: GSL odeiv2 bsimp (Bader-Deuflhard) at the same "
                 "tolerances (%lu steps)",
                 a.steps, b.steps);
    }
    res->ref_agree = wp_error(p, res->ref2, res->ref);
    res->ref_s = wp_now() - t0;
}

#define WP_DIAG_RTOL 1e-6

/* ---- runs ---------------------------------------------------------------------------------- */

static void wp_measure(const wp_solver_t *s, const wp_problem_t *p, double rtol, wp_cell_t *c,
                       const double *ref)
{
    memset(c, 0, sizeof *c);
    c->done = 1;
    double measured = 0.0;
    for (unsigned k = 0; k < WP_MAX_REPEATS; ++k) {
        wp_run_t r;
        if (s->solve(p, rtol, rtol * WP_ATOL_FACTOR, s->arg, &r) != 0 || !r.ok) {
            c->run = r;
            c->run.ok = 0;
            return;
        }
        if (k == 0 || r.seconds < c->run.seconds) {
            if (k > 0 && r.nfev != c->run.nfev) {
                snprintf(c->run.msg, sizeof c->run.msg,
                         "evaluations differ between repeats: %lu, %lu", c->run.nfev, r.nfev);
                c->run.ok = 0;
                return;
            }
            c->run = r;
        }
        measured += r.seconds;
        c->repeats = k + 1;
        if (k + 1 >= wp_repeats && measured >= WP_REPEAT_S)
            break;
        if (measured > 2.0 && k + 1 >= 1 && r.seconds > 1.0)
            break; /* slow runs: one or two are enough for a minimum of this size */
    }
    c->err = wp_error(p, c->run.y, ref);
}

/* Errors above this are not compared at equal error: Lorenz's chaos saturates them. */
#define WP_ERR_CMP_MAX 1e-2

/* log-log interpolation of (err, evals) points of solver b at error e between two adjacent
 * tolerances; NAN out of range or where the errors are saturated (> WP_ERR_CMP_MAX). */
static double wp_evals_at_error(const wp_result_t *res, int b, double e)
{
    double best = NAN;
    for (size_t i = 0; i < wp_n_tols; ++i)
        for (size_t j = 0; j < wp_n_tols; ++j) {
            const wp_cell_t *x = &res->cell[b][i], *y = &res->cell[b][j];
            if (!x->run.ok || !y->run.ok || !(x->err >= e) || !(y->err <= e) || i == j ||
                x->err > WP_ERR_CMP_MAX)
                continue;
            if (x->err == y->err)
                continue;
            /* adjacent tolerances only */
            if (j != i + 1)
                continue;
            const double lx = log(x->err), ly = log(y->err), le = log(e);
            const double w = (le - lx) / (ly - lx);
            best = exp(log((double)x->run.nfev) * (1 - w) + log((double)y->run.nfev) * w);
        }
    return best;
}

typedef struct wp_fixed_arg {
    const char *solver;
    unsigned long steps;
} wp_fixed_arg_t;

static int wp_fixed_solve(const wp_problem_t *p, double rtol, double atol, const void *arg,
                          wp_run_t *out)
{
    const wp_fixed_arg_t *a = arg;
    (void)rtol;
    (void)atol;
    return wp_dqhost_fixed(p, a->solver, a->steps, out);
}

/* The one-unit cost apart: fixed-step dopri5 and rk4 at the adaptive run's step count. */
static void wp_diag(wp_result_t *R)
{
    const int dq = wp_solver_index("dqhost/dopri5");
    size_t t = 0;
    while (t < wp_n_tols && fabs(wp_tols[t] / WP_DIAG_RTOL - 1.0) > 1e-9)
        ++t;
    if (dq < 0 || !R->runs[dq] || t == wp_n_tols || !R->cell[dq][t].run.ok)
        return;
    R->diag_steps = R->cell[dq][t].run.steps;
    if (!R->diag_steps)
        return;
    wp_fixed_arg_t a_dp = {"dopri5", R->diag_steps}, a_rk = {"rk4", R->diag_steps};
    const wp_solver_t s_dp = {"dqhost/dopri5-fixed", "",    "dqhost",
                              WP_EXPLICIT,           &a_dp, wp_fixed_solve};
    const wp_solver_t s_rk = {"dqhost/rk4-fixed", "", "dqhost", WP_EXPLICIT, &a_rk, wp_fixed_solve};
    wp_measure(&s_dp, R->p, WP_DIAG_RTOL, &R->diag_dp, R->ref);
    wp_measure(&s_rk, R->p, WP_DIAG_RTOL, &R->diag_rk4, R->ref);
}

static void wp_diag_print(FILE *f, const wp_result_t *R)
{
    const int dq = wp_solver_index("dqhost/dopri5");
    const int ode = wp_solver_index("odeint/dopri5");
    size_t t = 0;
    while (t < wp_n_tols && fabs(wp_tols[t] / WP_DIAG_RTOL - 1.0) > 1e-9)
        ++t;
    if (!R->diag_steps || t == wp_n_tols)
        return;
    const wp_cell_t *ad = &R->cell[dq][t];
    const wp_cell_t *od = ode >= 0 && R->runs[ode] ? &R->cell[ode][t] : NULL;
    const double ns_ad = ad->run.seconds * 1e9 / (double)ad->run.nfev;
    fprintf(f,
            "One unit's cost apart (rtol %.0e, %lu steps): ns per evaluation, dqhost dopri5 "
            "adaptive %.1f",
            WP_DIAG_RTOL, R->diag_steps, ns_ad);
    const struct {
        const wp_cell_t *c;
        const char *what;
    } rows[] = {{&R->diag_dp, "dqhost dopri5 at fixed steps (as many)"},
                {&R->diag_rk4, "dqhost rk4 at fixed steps (as many)"},
                {od, "odeint dopri5 controlled"}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; ++i) {
        const wp_cell_t *c = rows[i].c;
        if (!c || !c->run.ok || !c->run.nfev) {
            fprintf(f, "; %s: %s", rows[i].what, c && c->run.msg[0] ? c->run.msg : "–");
            continue;
        }
        fprintf(f, "; %s %.1f (%lu evaluations)", rows[i].what,
                c->run.seconds * 1e9 / (double)c->run.nfev, c->run.nfev);
    }
    fprintf(f, ".\n\n");
}

/* ---- machine ------------------------------------------------------------------------------- */

static void wp_machine(FILE *f, const char *git)
{
    char cpu[128], date[32], peers[256] = "";
    bench_cpu_model(cpu, sizeof cpu);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
    struct utsname u;
    uname(&u);
    size_t o = 0;
    o += (size_t)snprintf(peers + o, sizeof peers - o, "SUNDIALS %s, GSL %s", wp_sundials_version(),
                          wp_gsl_version());
#ifdef BENCH_HAVE_BOOST
    o += (size_t)snprintf(peers + o, sizeof peers - o, ", Boost %s", wp_boost_version());
#endif
    (void)o;
    double load[1] = {NAN};
    getloadavg(load, 1);
    fprintf(f,
            "Measured %s on **%s**, %ld cores (%s %s), gcc %s, glibc %s, C flags `%s`. "
            "Peers: %s. dqhost at `%s`. Load average at the start: %.2f.\n\n",
            date, cpu, sysconf(_SC_NPROCESSORS_ONLN), u.sysname, u.release, __VERSION__,
            gnu_get_libc_version(), BENCH_C_FLAGS, peers, git ? git : "unknown", load[0]);
}

/* ---- output -------------------------------------------------------------------------------- */

static const char *wp_g3(char *b, size_t len, double v)
{
    if (!isfinite(v))
        snprintf(b, len, "–");
    else if (fabs(v) >= 1000.0 || fabs(v) < 0.01)
        snprintf(b, len, "%.2e", v);
    else
        snprintf(b, len, "%.3g", v);
    return b;
}

static const char *wp_int(char *b, size_t len, double v)
{
    if (!isfinite(v) || v <= 0)
        snprintf(b, len, "–");
    else
        snprintf(b, len, "%.0f", v);
    return b;
}

static void wp_table(FILE *f, const wp_result_t *res)
{
    const wp_problem_t *p = res->p;
    char b1[32], b2[32], b3[32], b4[32], b5[32], b6[32], b7[32];
    fprintf(f, "### %s\n\n", p->label);
    fprintf(f, "Reference: %s. The two references differ by %.1e (max-norm relative)", res->ref_how,
            res->ref_agree);
    if (isfinite(res->ref_rk8pd))
        fprintf(f, "; GSL rk8pd in double at rtol 1e-14, atol 1e-17 is %.1e from it",
                res->ref_rk8pd);
    fprintf(f, " (%.1f s). y(t1) = (", res->ref_s);
    for (size_t i = 0; i < p->dim; ++i)
        fprintf(f, "%s%.15g", i ? ", " : "", res->ref[i]);
    fprintf(f, ").\n\n");
    const int dp = wp_solver_index("arkode/dp5");
    const int ode = wp_solver_index("odeint/dopri5");
    fprintf(f, "| solver | rtol | error | evaluations | Jacobians | steps (rejected) | time µs | "
               "ns / evaluation | evaluations × ARKODE DP5 |\n");
    fprintf(f, "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (size_t s = 0; s < wp_n_solvers; ++s) {
        if (!res->runs[s])
            continue;
        for (size_t t = 0; t < wp_n_tols; ++t) {
            const wp_cell_t *c = &res->cell[s][t];
            if (!c->done)
                continue;
            if (!c->run.ok) {
                fprintf(f, "| %s | %.0e | failed: %s | | | | | | |\n", wp_solvers[s]->name,
                        wp_tols[t], c->run.msg);
                continue;
            }
            const double evals = (double)c->run.nfev;
            double vs_dp = NAN;
            if (dp >= 0 && res->runs[dp] && res->cell[dp][t].run.ok)
                vs_dp = evals / (double)res->cell[dp][t].run.nfev;
            char steps[64];
            if (c->run.steps && c->run.no_rejects)
                snprintf(steps, sizeof steps, "%lu (?)", c->run.steps);
            else if (c->run.steps)
                snprintf(steps, sizeof steps, "%lu (%lu)", c->run.steps, c->run.rejects);
            else
                snprintf(steps, sizeof steps, "–");
            fprintf(f, "| %s | %.0e | %.2e | %s | %s | %s | %s | %s | %s |\n", wp_solvers[s]->name,
                    wp_tols[t], c->err, wp_int(b1, sizeof b1, evals),
                    wp_int(b2, sizeof b2, (double)c->run.njev), steps,
                    wp_g3(b3, sizeof b3, c->run.seconds * 1e6),
                    wp_g3(b4, sizeof b4, c->run.seconds * 1e9 / evals),
                    wp_g3(b5, sizeof b5, vs_dp));
        }
    }
    fprintf(f, "\n");
    wp_diag_print(f, res);
    /* dqhost dopri5 against ARKODE DP5 and odeint */
    const int dq = wp_solver_index("dqhost/dopri5");
    if (dq < 0 || !res->runs[dq] || dp < 0 || !res->runs[dp])
        return;
    fprintf(f, "dqhost dopri5 beside ARKODE DP5 and Boost.odeint (controlled dopri5):\n\n");
    fprintf(f, "| rtol | dopri5 error | ARKODE error | evaluations / ARKODE's, equal tolerance | "
               "evaluations / ARKODE's at dopri5's error | ns per evaluation / odeint's |\n");
    fprintf(f, "|---:|---:|---:|---:|---:|---:|\n");
    for (size_t t = 0; t < wp_n_tols; ++t) {
        const wp_cell_t *a = &res->cell[dq][t], *d = &res->cell[dp][t];
        if (!a->run.ok || !d->run.ok)
            continue;
        const double eq_tol = (double)a->run.nfev / (double)d->run.nfev;
        const double at_err = wp_evals_at_error(res, dp, a->err);
        double per = NAN;
        if (ode >= 0 && res->runs[ode] && res->cell[ode][t].run.ok)
            per = (a->run.seconds / (double)a->run.nfev) /
                  (res->cell[ode][t].run.seconds / (double)res->cell[ode][t].run.nfev);
        fprintf(f, "| %.0e | %.2e | %.2e | %s | %s | %s |\n", wp_tols[t], a->err, d->err,
                wp_g3(b1, sizeof b1, eq_tol), wp_g3(b6, sizeof b6, a->run.nfev / at_err),
                wp_g3(b7, sizeof b7, per));
    }
    fprintf(f, "\n");
}

static void wp_csv(FILE *f, const wp_result_t *res, size_t n_res)
{
    fprintf(f, "problem,solver,rtol,atol,error,evaluations,jacobians,steps,rejected,seconds,"
               "repeats,ok\n");
    for (size_t r = 0; r < n_res; ++r)
        for (size_t s = 0; s < wp_n_solvers; ++s)
            for (size_t t = 0; t < wp_n_tols; ++t) {
                const wp_cell_t *c = &res[r].cell[s][t];
                if (!res[r].runs[s] || !c->done)
                    continue;
                fprintf(f, "%s,%s,%.0e,%.0e,%.6e,%lu,%lu,%lu,%lu,%.6e,%u,%d\n", res[r].p->name,
                        wp_solvers[s]->name, wp_tols[t], wp_tols[t] * WP_ATOL_FACTOR, c->err,
                        c->run.nfev, c->run.njev, c->run.steps, c->run.rejects, c->run.seconds,
                        c->repeats, c->run.ok);
            }
}

/* ---- targets ------------------------------------------------------------------------------- */

enum { WP_POP_RK4, WP_POP_DP_FIXED, WP_POP_AD, WP_POP_AD_SAMPLED, WP_POP_AD_B8, WP_POP_N };

typedef struct wp_pop_rows {
    int done;
    double rtol, sample, t1;
    size_t n;
    char label[WP_POP_N][160];
    wp_pop_opts_t opts[WP_POP_N];
    wp_pop_t r[WP_POP_N];
} wp_pop_rows_t;

static void wp_targets(FILE *f, const wp_result_t *res, size_t n_res, const wp_pop_rows_t *pop)
{
    const int dq = wp_solver_index("dqhost/dopri5");
    const int dp = wp_solver_index("arkode/dp5");
    const int ode = wp_solver_index("odeint/dopri5");
    fprintf(f, "### Targets (issue #12)\n\n");
    for (size_t r = 0; r < n_res; ++r) {
        const wp_result_t *R = &res[r];
        if (R->p->stiff || dq < 0 || !R->runs[dq])
            continue;
        double worst_tol = 0.0, worst_err = 0.0, log_err = 0.0, per_med[WP_MAX_TOLS];
        size_t n_tol = 0, n_err = 0, n_per = 0;
        for (size_t t = 0; t < wp_n_tols; ++t) {
            const wp_cell_t *a = &R->cell[dq][t];
            if (!a->run.ok)
                continue;
            if (dp >= 0 && R->runs[dp] && R->cell[dp][t].run.ok) {
                worst_tol = fmax(worst_tol, (double)a->run.nfev / (double)R->cell[dp][t].run.nfev);
                ++n_tol;
            }
            const double at = dp >= 0 && R->runs[dp] ? wp_evals_at_error(R, dp, a->err) : NAN;
            if (isfinite(at)) {
                worst_err = fmax(worst_err, (double)a->run.nfev / at);
                log_err += log((double)a->run.nfev / at);
                ++n_err;
            }
            if (ode >= 0 && R->runs[ode] && R->cell[ode][t].run.ok)
                per_med[n_per++] = (a->run.seconds / (double)a->run.nfev) /
                                   (R->cell[ode][t].run.seconds / (double)R->cell[ode][t].run.nfev);
        }
        /* median of the per-evaluation ratios */
        for (size_t i = 1; i < n_per; ++i)
            for (size_t j = i; j > 0 && per_med[j - 1] > per_med[j]; --j) {
                const double x = per_med[j];
                per_med[j] = per_med[j - 1];
                per_med[j - 1] = x;
            }
        const double med = n_per ? (n_per % 2 ? per_med[n_per / 2]
                                              : 0.5 * (per_med[n_per / 2 - 1] + per_med[n_per / 2]))
                                 : NAN;
        if (!n_tol) {
            fprintf(f, "- %s: no tolerance where both dqhost dopri5 and ARKODE DP5 succeeded\n",
                    R->p->name);
            continue;
        }
        fprintf(f,
                "- %s: dopri5 evaluations / ARKODE DP5's, worst over %zu tolerances: **%.2f** "
                "at equal tolerance, **%.2f** at equal error (geometric mean %.2f; %zu points "
                "inside ARKODE's range) (target <= 1: %s); ns per evaluation / odeint's, median "
                "over %zu "
                "tolerances: **%.2f** (target <= 1: %s)\n",
                R->p->name, n_tol, worst_tol, n_err ? worst_err : NAN,
                n_err ? exp(log_err / (double)n_err) : NAN, n_err,
                n_tol && worst_tol <= 1.0 && (!n_err || worst_err <= 1.0) ? "met" : "**not met**",
                n_per, med, n_per && med <= 1.0 ? "met" : "**not met**");
    }
    if (pop && pop->done) {
        const double n = (double)pop->n;
        const wp_pop_t *ad = &pop->r[WP_POP_AD], *rk = &pop->r[WP_POP_RK4];
        if (ad->ok && rk->ok) {
            const double ns_ad = ad->seconds * 1e9 / ad->evaluations;
            const double ns_rk = rk->seconds * 1e9 / rk->evaluations;
            fprintf(f,
                    "- HH population N = %.0f, %g ms, one thread: adaptive dopri5 (rtol %.0e, "
                    "one sample) %.2f ns per unit and evaluation (%.0f evaluations per unit, "
                    "%.0f steps, %.0f rejected), fixed-step rk4 (dt 0.01 ms) %.2f ns per unit "
                    "and stage: ratio **%.2f** (target <= 1.3: %s)\n",
                    n, pop->t1, pop->rtol, ns_ad, ad->evaluations / n, ad->steps / n,
                    ad->rejects / n, ns_rk, ns_ad / ns_rk,
                    ns_ad / ns_rk <= 1.3 ? "met" : "**not met**");
        } else {
            fprintf(f, "- HH population: %s\n", ad->ok ? rk->msg : ad->msg);
        }
    }
    fprintf(f, "\n");
}

static void wp_pop_table(FILE *f, const wp_pop_rows_t *pop)
{
    if (!pop->done)
        return;
    const double n = (double)pop->n;
    fprintf(f,
            "### HH population, N = %zu (I_ext = 20 (i + 1/2)/N), t = 0..%g ms, one thread, "
            "dq_system_run\n\n",
            pop->n, pop->t1);
    fprintf(f, "| run | time ms | evaluations per unit | steps per unit (rejected) | "
               "ns / (unit · evaluation) | lane occupancy | mean V(t1) |\n"
               "|---|---:|---:|---:|---:|---:|---:|\n");
    for (size_t i = 0; i < WP_POP_N; ++i) {
        const wp_pop_t *r = &pop->r[i];
        if (!r->ok) {
            fprintf(f, "| %s | failed: %s | | | | | |\n", pop->label[i], r->msg);
            continue;
        }
        fprintf(f, "| %s | %.1f | %.0f | %.0f (%.0f) | %.2f | %.2f | %.4f |\n", pop->label[i],
                r->seconds * 1e3, r->evaluations / n, r->steps / n, r->rejects / n,
                r->seconds * 1e9 / r->evaluations, r->occupancy, r->mean_V);
    }
    fprintf(f, "\nLane occupancy: the step attempts the units needed over those their blocks made "
               "(a block's lanes attempt together until the last of them reaches the sample time; "
               "1 for fixed steps).\n\n");
}

/* 1 when `name` is one of the comma-separated words of `list`. */
static int wp_selected(const char *list, const char *name)
{
    const size_t len = strlen(name);
    for (const char *w = list; *w;) {
        const size_t wl = strcspn(w, ",");
        if (wl == len && strncmp(w, name, len) == 0)
            return 1;
        w += wl + (w[wl] == ',');
    }
    return 0;
}

/* ---- main ---------------------------------------------------------------------------------- */

static void wp_usage(FILE *f)
{
    fprintf(f,
            "usage: dq_bench_workprec [--quick] [--only PROBLEM,...] [--solvers NAME,...] "
            "[--repeats R] "
            "[--no-population] [--pop-n N] [--out DIR] [--name NAME] [--git DESC]\n"
            "  problems: lorenz vdp1 vdp1000 hh; tolerances rtol = 1e-3 .. 1e-10 "
            "(--quick: 1e-3 .. 1e-6, 1 repeat, N = 1000 population on 10 ms), "
            "atol = rtol * 1e-3\n"
            "  solvers: dqhost/dopri5, arkode/dp5, ... or a library: dqhost, arkode, cvode, gsl, "
            "odeint (the ratios need dqhost/dopri5, arkode/dp5, odeint/dopri5)\n");
}

int main(int argc, char **argv)
{
    const char *out_dir = BENCH_RESULTS_DIR, *name = "workprec", *git = NULL, *only = NULL;
    int quick = 0, population = 1;
    size_t pop_n = 1000;
    for (int i = 1; i < argc; ++i) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--quick") == 0)
            quick = 1;
        else if (strcmp(a, "--no-population") == 0)
            population = 0;
        else if (strcmp(a, "--only") == 0 && v)
            only = argv[++i];
        else if (strcmp(a, "--solvers") == 0 && v)
            wp_only_solvers = argv[++i];
        else if (strcmp(a, "--repeats") == 0 && v)
            wp_repeats = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (strcmp(a, "--pop-n") == 0 && v)
            pop_n = strtoul(argv[++i], NULL, 10);
        else if (strcmp(a, "--out") == 0 && v)
            out_dir = argv[++i];
        else if (strcmp(a, "--name") == 0 && v)
            name = argv[++i];
        else if (strcmp(a, "--git") == 0 && v)
            git = argv[++i];
        else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            wp_usage(stdout);
            return 0;
        } else {
            wp_usage(stderr);
            return 2;
        }
    }
    if (wp_repeats == 0)
        wp_repeats = 1;
    if (quick)
        wp_repeats = 1;
    for (int e = 3; e <= (quick ? 6 : 10); ++e)
        wp_tols[wp_n_tols++] = pow(10.0, -e);

    const wp_solver_t *t;
    size_t n;
    char msg[1200];
    if (wp_dqhost_load(msg, sizeof msg)) {
        fprintf(stderr, "workprec: %s\n", msg);
        return 2;
    }
    n = wp_dqhost_solvers(&t);
    for (size_t i = 0; i < n; ++i) {
        if (wp_dqhost_has_solver(t[i].arg))
            wp_add_solvers(&t[i], 1);
        else
            fprintf(stderr,
                    "workprec: dqhost has no solver '%s' (not built yet): its rows are "
                    "skipped\n",
                    (const char *)t[i].arg);
    }
    n = wp_sundials_solvers(&t);
    wp_add_solvers(t, n);
    n = wp_gsl_solvers(&t);
    wp_add_solvers(t, n);
#ifdef BENCH_HAVE_BOOST
    n = wp_boost_solvers(&t);
    wp_add_solvers(t, n);
#endif

    wp_result_t *res = calloc(WP_N_PROBLEMS, sizeof *res);
    if (!res)
        return 2;
    size_t n_res = 0;
    for (int id = 0; id < WP_N_PROBLEMS; ++id) {
        const wp_problem_t *p = wp_problem_get((wp_problem_id_t)id);
        if (only && !wp_selected(only, p->name))
            continue;
        wp_result_t *R = &res[n_res++];
        R->p = p;
        fprintf(stderr, "workprec: %s: reference ...", p->name);
        wp_reference(R);
        fprintf(stderr, " %.1f s, the two agree to %.1e\n", R->ref_s, R->ref_agree);
        for (size_t s = 0; s < wp_n_solvers; ++s) {
            const wp_solver_t *S = wp_solvers[s];
            if (p->stiff && S->kind != WP_STIFF)
                continue;
            R->runs[s] = 1;
            for (size_t k = 0; k < wp_n_tols; ++k) {
                wp_cell_t *c = &R->cell[s][k];
                wp_measure(S, p, wp_tols[k], c, R->ref);
                fprintf(stderr, "workprec: %s %s rtol %.0e: %s err %.2e evals %lu %.3g ms\n",
                        p->name, S->name, wp_tols[k], c->run.ok ? "ok" : c->run.msg, c->err,
                        c->run.nfev, c->run.seconds * 1e3);
                if (!c->run.ok || c->run.seconds > WP_SLOW_S)
                    break; /* the tighter tolerances would fail or take too long */
            }
        }
        if (!p->stiff)
            wp_diag(R);
    }

    wp_pop_rows_t pop = {0};
    if (population) {
        pop.n = pop_n;
        pop.rtol = 1e-6;
        pop.sample = 1.0;
        const double t1 = pop.t1 = quick ? 10.0 : 100.0;
        const double atol = pop.rtol * WP_ATOL_FACTOR;
        const unsigned R = quick ? 1 : 3;
        const wp_pop_opts_t base = {
            .solver = "dopri5", .n = pop_n, .t1 = t1, .rtol = pop.rtol, .atol = atol, .sample = t1};
        for (int i = 0; i < WP_POP_N; ++i)
            pop.opts[i] = base;
        pop.opts[WP_POP_RK4] = (wp_pop_opts_t){
            .solver = "rk4", .n = pop_n, .t1 = t1, .fixed = 1, .dt = 0.01, .stages = 4};
        pop.opts[WP_POP_DP_FIXED] = pop.opts[WP_POP_RK4];
        pop.opts[WP_POP_DP_FIXED].solver = "dopri5";
        pop.opts[WP_POP_DP_FIXED].stages = 7;
        pop.opts[WP_POP_AD_SAMPLED].sample = pop.sample;
        pop.opts[WP_POP_AD_B8].block = 8;
        snprintf(pop.label[WP_POP_RK4], sizeof pop.label[0], "rk4, fixed dt 0.01 ms");
        snprintf(pop.label[WP_POP_DP_FIXED], sizeof pop.label[0], "dopri5, fixed dt 0.01 ms");
        snprintf(pop.label[WP_POP_AD], sizeof pop.label[0],
                 "dopri5 adaptive, rtol %.0e, atol %.0e, one sample at %g ms", pop.rtol, atol, t1);
        snprintf(pop.label[WP_POP_AD_SAMPLED], sizeof pop.label[0],
                 "dopri5 adaptive, the same, sampled every %g ms", pop.sample);
        snprintf(pop.label[WP_POP_AD_B8], sizeof pop.label[0],
                 "dopri5 adaptive, one sample, blocks of 8 units (default 256)");
        for (unsigned r = 0; r < R; ++r)
            for (int i = 0; i < WP_POP_N; ++i) {
                wp_pop_t x;
                wp_dqhost_population(&pop.opts[i], &x);
                if (r == 0 || (x.ok && x.seconds < pop.r[i].seconds))
                    pop.r[i] = x;
            }
        pop.done = 1;
    }

    char path[1024];
    snprintf(path, sizeof path, "%s/%s.md", out_dir, name);
    FILE *md = fopen(path, "w");
    FILE *outs[2] = {stdout, md};
    for (int o = 0; o < 2; ++o) {
        FILE *f = outs[o];
        if (!f)
            continue;
        fprintf(f, "## Work-precision (issue #12)\n\n");
        wp_machine(f, git);
        fprintf(f,
                "Tolerances rtol = %.0e .. %.0e, atol = rtol × %.0e for every state, problem "
                "and solver. Error: max_i |y_i(t1) − ref_i| / max_i |ref_i| at the end of the "
                "interval. Evaluations: every right-hand-side call (counted in the right-hand "
                "side for the peers, dq_system_unit_stats for dqhost), rejected steps and "
                "starting-step rules included; analytic Jacobians are counted apart. Time: the "
                "integration alone (no set-up), minimum over up to %u repeats%s.\n\n",
                wp_tols[0], wp_tols[wp_n_tols - 1], WP_ATOL_FACTOR, wp_repeats,
                quick ? " (quick run: one)" : "");
        wp_targets(f, res, n_res, &pop);
        for (size_t r = 0; r < n_res; ++r)
            wp_table(f, &res[r]);
        wp_pop_table(f, &pop);
    }
    if (md)
        fclose(md);
    else
        fprintf(stderr, "workprec: cannot write '%s'\n", path);
    snprintf(path, sizeof path, "%s/%s.csv", out_dir, name);
    FILE *csv = fopen(path, "w");
    if (csv) {
        wp_csv(csv, res, n_res);
        fclose(csv);
    }
    free(res);
    wp_dqhost_cleanup();
    return 0;
}
