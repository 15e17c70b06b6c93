/* SPDX-License-Identifier: MIT */
/* sde.c -- the measurements behind the SDE checks: populations of independent paths of the
 * battery's SDE problems, run through the embedding API with the host's keyed noise, for the
 * strong order (a ladder of dt on one Brownian path), the weak order (the bias of the mean on
 * a coarse ladder), the moments at T and the reproducibility of the noise. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dq/host/system.h>

#include "conform_impl.h"

#define SDE_SEED 20240611u
/* Ladders: rung j has dt = T / 2^(kmin + j); every rung on the reference's grid. */
#define SDE_STRONG_KMIN_GBM 4
#define SDE_STRONG_KMIN_ADDITIVE 2
#define SDE_WEAK_KMIN 3
/* Moments: dt = T / 2^k. */
#define SDE_MOMENTS_K_GBM 8
#define SDE_MOMENTS_K_OU 6
/* Noise: 16 steps of T/16 on populations of 1000 and 10. */
#define SDE_NOISE_UNITS 1000
#define SDE_NOISE_FEW 10
#define SDE_NOISE_K 4
/* A bias is measured when above this many standard errors. */
#define SDE_SIGNIFICANT 3.0

/* One population run. */
typedef struct sde_run {
    const dq_integrator_entry_t *solver;
    int problem;
    size_t units;
    int k; /* 2^k steps of T / 2^k */
    unsigned refine;
    uint64_t seed;
    size_t threads; /* 0: one per core (the same bits for any count) */
    size_t block;   /* units per block, 0: the host's default */
    double *x;      /* out: X(T) of every unit */
    size_t state;   /* out: the model-wide index of x */
} sde_run_t;

/* Buffers of SDE_BUF doubles each. */
#define SDE_BUF DQ_CONFORM_SDE_WEAK_PATHS
typedef struct sde_bufs {
    double *x, *ref, *other, *W, *J;
} sde_bufs_t;

static void sde_quiet(void *user, const char *source, const char *message)
{
    (void)user;
    (void)source;
    (void)message;
}

/* Returns DQ_OK, DQ_ENOMEM, or the host's code with the reason in why. */
static int sde_integrate(sde_run_t *r, char *why, size_t len)
{
    const conform_sde_problem_t *p = &dq__conform_sde_problems[r->problem];
    const uint64_t steps = (uint64_t)1 << r->k;
    const double n = (double)r->units;
    dq_param_arg_t args[CONFORM_SDE_MAX_PARAMS + 1] = {{.name = "n", .v = &n, .len = 1}};
    for (size_t i = 0; i < p->n_params; ++i)
        args[i + 1] = (dq_param_arg_t){.name = p->param[i], .v = &p->value[i], .len = 1};
    dq_error_t err = {0};
    dq_system_t *sys = dq_system_new(p->model, args, p->n_params + 1, &err);
    int rc = sys ? DQ_OK : err.code ? err.code : DQ_ENOMEM;
    if (sys) {
        dq_system_set_warning_handler(sys, sde_quiet, NULL);
        if ((rc = dq_system_set_solver(sys, r->solver, &err)) == DQ_OK &&
            (rc = dq_system_set_seed(sys, r->seed, &err)) == DQ_OK &&
            (rc = dq_system_set_noise_refine(sys, r->refine, &err)) == DQ_OK &&
            (rc = dq_system_set_threads(sys, r->threads, &err)) == DQ_OK &&
            (rc = dq_system_set_block_units(sys, r->block, &err)) == DQ_OK &&
            (rc = dq_system_prepare(sys, 0.0, p->t_end / (double)steps, &err)) == DQ_OK)
            rc = dq_system_run(sys, steps, &err);
    }
    if (rc == DQ_OK) {
        r->state = (size_t)dq_system_state_index(sys, "x");
        for (size_t u = 0; u < r->units; ++u)
            r->x[u] = dq_system_value(sys, r->state, u);
        for (size_t u = 0; u < r->units && rc == DQ_OK; ++u)
            if (!isfinite(r->x[u])) {
                snprintf(why, len, "'%s' with dt = T/%llu gave %g for path %zu", p->name,
                         (unsigned long long)steps, r->x[u], u);
                rc = DQ_ESOLVER;
            }
    } else if (rc != DQ_ENOMEM) {
        snprintf(why, len, "'%s' with dt = T/%llu failed: %.200s", p->name,
                 (unsigned long long)steps, err.message);
    }
    dq_system_free(sys);
    return rc;
}

/* The exact solution on the path of the run just made, into ref (and, for gbm, the other
 * calculus's into other). */
static int sde_reference(int problem, int calculus, const sde_run_t *run, uint64_t n_grid,
                         sde_bufs_t *b)
{
    const conform_sde_problem_t *p = &dq__conform_sde_problems[problem];
    const conform_sde_path_t path = {.seed = run->seed,
                                     .units = run->units,
                                     .state = run->state,
                                     .n_grid = n_grid,
                                     .t_end = p->t_end};
    int rc = dq__conform_sde_path(&path, b->W, problem == DQ_SDE_PROBLEM_OU ? b->J : NULL);
    if (rc)
        return rc;
    dq__conform_sde_exact(problem, calculus, p->t_end, b->W, b->J, run->units, b->ref);
    const int other =
        calculus == DQ_CALCULUS_STRATONOVICH ? DQ_CALCULUS_ITO : DQ_CALCULUS_STRATONOVICH;
    dq__conform_sde_exact(problem, other, p->t_end, b->W, b->J, run->units, b->other);
    return DQ_OK;
}

/* Mean and standard error of the mean of d[0..n). */
static void sde_mean_se(const double *d, size_t n, double *mean, double *se)
{
    double s = 0.0;
    for (size_t i = 0; i < n; ++i)
        s += d[i];
    const double m = s / (double)n;
    double ss = 0.0;
    for (size_t i = 0; i < n; ++i)
        ss += (d[i] - m) * (d[i] - m);
    *mean = m;
    *se = sqrt(ss / (double)(n - 1) / (double)n);
}

/* mean |x - y| (absolute) or mean (x - y), with its standard error; d is scratch. */
static void sde_error(const double *x, const double *y, size_t n, int absolute, double *d,
                      double *mean, double *se)
{
    for (size_t i = 0; i < n; ++i)
        d[i] = absolute ? fabs(x[i] - y[i]) : x[i] - y[i];
    sde_mean_se(d, n, mean, se);
}

/* Runs the ladder of o (problem, dt from T/2^kmin) and fills the errors against the
 * problem's reference. Returns DQ_OK (with o->status FAILED and why on a failed run) or
 * DQ_ENOMEM. */
static int sde_ladder(const dq_integrator_entry_t *s, int calculus, int kmin, int strong,
                      dq_conform_sde_order_t *o, conform_sde_found_t *f, sde_bufs_t *b, char *why,
                      size_t why_len)
{
    const conform_sde_problem_t *p = &dq__conform_sde_problems[o->problem];
    const int kmax = kmin + DQ_CONFORM_SDE_RUNGS - 1;
    const size_t M = strong ? DQ_CONFORM_SDE_PATHS : DQ_CONFORM_SDE_WEAK_PATHS;
    /* A weak error needs an unbiased reference only: ou's from the finest dt's increments. */
    o->refine = p->reference == CONFORM_SDE_REF_EXACT ||
                        (!strong && p->reference == CONFORM_SDE_REF_INCREMENTS)
                    ? 1
                    : CONFORM_SDE_REFINE;
    o->paths = M;
    o->t_end = p->t_end;
    const uint64_t n_grid = ((uint64_t)1 << kmax) * o->refine;
    int kref = kmax;
    while (((uint64_t)1 << kref) < n_grid)
        ++kref;
    double *d = b->W; /* free once the reference is built */
    int rc;
    if (p->reference == CONFORM_SDE_REF_SOLVER) {
        /* The same solver on the reference grid, one step per interval. */
        sde_run_t ref = {.solver = s,
                         .problem = o->problem,
                         .units = M,
                         .k = kref,
                         .refine = 1,
                         .seed = SDE_SEED,
                         .x = b->ref};
        if ((rc = sde_integrate(&ref, why, why_len)) != DQ_OK) {
            o->status = DQ_ORDER_FAILED;
            return rc == DQ_ENOMEM ? rc : DQ_OK;
        }
    }
    for (int j = 0; j < DQ_CONFORM_SDE_RUNGS; ++j) {
        const int k = kmin + j;
        sde_run_t run = {.solver = s,
                         .problem = o->problem,
                         .units = M,
                         .k = k,
                         .refine = (unsigned)(n_grid >> k),
                         .seed = SDE_SEED,
                         .x = b->x};
        if ((rc = sde_integrate(&run, why, why_len)) != DQ_OK) {
            o->status = DQ_ORDER_FAILED;
            return rc == DQ_ENOMEM ? rc : DQ_OK;
        }
        if (j == 0 && p->reference != CONFORM_SDE_REF_SOLVER &&
            (rc = sde_reference(o->problem, calculus, &run, n_grid, b)) != DQ_OK)
            return rc;
        o->dt[j] = p->t_end / (double)((uint64_t)1 << k);
        sde_error(b->x, b->ref, M, strong, d, &o->error[j], &o->se[j]);
        if (!strong || !f)
            continue;
        double se;
        if (dq__conform_sde_is_gbm(o->problem))
            sde_error(b->x, b->other, M, 1, d, &f->other[j], &se);
        const double calm = dq__conform_sde_noiseless(o->problem, p->t_end);
        for (size_t u = 0; u < M; ++u)
            d[u] = fabs(b->x[u] - calm);
        sde_mean_se(d, M, &f->noiseless[j], &se);
    }
    return DQ_OK;
}

/* Strong order: the least-squares slope over the ladder. */
static int sde_strong(const dq_integrator_entry_t *s, dq_conform_sde_t *sde, conform_sde_found_t *f,
                      sde_bufs_t *b)
{
    dq_conform_sde_order_t *o = &sde->strong;
    const int kmin =
        dq__conform_sde_is_gbm(o->problem) ? SDE_STRONG_KMIN_GBM : SDE_STRONG_KMIN_ADDITIVE;
    int rc =
        sde_ladder(s, sde->calculus_used, kmin, 1, o, f, b, f->strong_fail, sizeof f->strong_fail);
    if (rc || o->status == DQ_ORDER_FAILED)
        return rc;
    const int n = DQ_CONFORM_SDE_RUNGS;
    if (!(o->error[n - 1] >= CONFORM_EXACT)) {
        o->status = DQ_ORDER_EXACT;
        return DQ_OK;
    }
    o->status = DQ_ORDER_MEASURED;
    o->order = dq__conform_fit_slope(o->dt, o->error, NULL, n, NULL);
    int other = dq__conform_sde_is_gbm(o->problem), noiseless = 1;
    for (int j = 0; j < n; ++j) {
        other &= f->other[j] > 0.0;
        noiseless &= f->noiseless[j] > 0.0;
    }
    if (other)
        f->other_order = dq__conform_fit_slope(o->dt, f->other, NULL, n, NULL);
    if (noiseless)
        f->noiseless_order = dq__conform_fit_slope(o->dt, f->noiseless, NULL, n, NULL);
    return DQ_OK;
}

/* Weak order: the weighted slope over the dt whose bias is above SDE_SIGNIFICANT standard
 * errors, with a bound of 3 standard errors of the slope. */
static int sde_weak(const dq_integrator_entry_t *s, dq_conform_sde_t *sde, conform_sde_found_t *f,
                    sde_bufs_t *b)
{
    dq_conform_sde_order_t *o = &sde->weak;
    int rc = sde_ladder(s, sde->calculus_used, SDE_WEAK_KMIN, 0, o, NULL, b, f->weak_fail,
                        sizeof f->weak_fail);
    if (rc || o->status == DQ_ORDER_FAILED)
        return rc;
    double dt[DQ_CONFORM_SDE_RUNGS], e[DQ_CONFORM_SDE_RUNGS], sigma[DQ_CONFORM_SDE_RUNGS];
    int n = 0;
    for (int j = 0; j < DQ_CONFORM_SDE_RUNGS; ++j) {
        const double a = fabs(o->error[j]);
        if (!(a > SDE_SIGNIFICANT * o->se[j]))
            continue;
        dt[n] = o->dt[j];
        e[n] = a;
        sigma[n++] = o->se[j] / (a * log(2.0)); /* of log2 |e| */
    }
    if (n < 2) {
        o->status = DQ_ORDER_EXACT;
        return DQ_OK;
    }
    double se;
    o->status = DQ_ORDER_MEASURED;
    o->order = dq__conform_fit_slope(dt, e, sigma, n, &se);
    o->bound = 3.0 * se;
    return DQ_OK;
}

/* Mean and variance at T against the closed forms. */
static int sde_moments(const dq_integrator_entry_t *s, dq_conform_sde_t *sde, int problem,
                       conform_sde_found_t *f, sde_bufs_t *b)
{
    const conform_sde_problem_t *p = &dq__conform_sde_problems[problem];
    dq_conform_moments_t *m = &sde->moments[problem];
    const size_t M = DQ_CONFORM_SDE_PATHS;
    const int k = dq__conform_sde_is_gbm(problem) ? SDE_MOMENTS_K_GBM : SDE_MOMENTS_K_OU;
    sde_run_t run = {.solver = s,
                     .problem = problem,
                     .units = M,
                     .k = k,
                     .refine = 1,
                     .seed = SDE_SEED,
                     .x = b->x};
    m->paths = M;
    m->t_end = p->t_end;
    m->dt = p->t_end / (double)((uint64_t)1 << k);
    m->mean_exact = dq__conform_sde_mean(problem, sde->calculus_used, p->t_end);
    m->var_exact = dq__conform_sde_variance(problem, sde->calculus_used, p->t_end);
    int rc = sde_integrate(&run, f->moments_fail[problem], sizeof f->moments_fail[problem]);
    if (rc == DQ_ENOMEM)
        return rc;
    if (rc) {
        m->status = DQ_CONFORM_FAIL;
        return DQ_OK;
    }
    double mean, se;
    sde_mean_se(b->x, M, &mean, &se);
    double s2 = 0.0, s4 = 0.0;
    for (size_t u = 0; u < M; ++u) {
        const double d = b->x[u] - mean, d2 = d * d;
        s2 += d2;
        s4 += d2 * d2;
    }
    const double m2 = s2 / (double)M, m4 = s4 / (double)M;
    m->mean = mean;
    m->mean_se = se;
    m->var = s2 / (double)(M - 1);
    m->var_se = sqrt(fmax(m4 - m2 * m2, 0.0) / (double)M);
    const int ok = fabs(m->mean - m->mean_exact) <= DQ_CONFORM_MOMENTS_BOUND * m->mean_se &&
                   fabs(m->var - m->var_exact) <= DQ_CONFORM_MOMENTS_BOUND * m->var_se;
    m->status = ok ? DQ_CONFORM_PASS : DQ_CONFORM_FAIL;
    return DQ_OK;
}

/* The first unit of [0, n) where a and b differ, or n. */
static size_t sde_differ(const double *a, const double *b, size_t n)
{
    for (size_t u = 0; u < n; ++u)
        if (memcmp(&a[u], &b[u], sizeof *a) != 0)
            return u;
    return n;
}

/* Reproducibility: against run A (1000 units, one thread, blocks of 256), an identical run,
 * another seed, blocks of 8, two threads (blocks of 8), and a population of 10. */
static int sde_noise(const dq_integrator_entry_t *s, int problem, conform_sde_found_t *f,
                     sde_bufs_t *b)
{
    const size_t N = SDE_NOISE_UNITS;
    char *why = f->noise_fail;
    const size_t len = sizeof f->noise_fail;
    sde_run_t a = {.solver = s,
                   .problem = problem,
                   .units = N,
                   .k = SDE_NOISE_K,
                   .refine = 1,
                   .seed = SDE_SEED,
                   .threads = 1,
                   .block = 256,
                   .x = b->ref};
    int rc = sde_integrate(&a, why, len);
    struct {
        const char *what;
        uint64_t seed;
        size_t units, threads, block;
    } const other[] = {
        {"two runs with one seed", SDE_SEED, N, 1, 256},
        {"blocks of 256 and of 8 units", SDE_SEED, N, 1, 8},
        {"1 and 2 threads (blocks of 8)", SDE_SEED, N, 2, 8},
        {"a population of 1000 and one of 10", SDE_SEED, SDE_NOISE_FEW, 1, 256},
        {NULL, SDE_SEED + 1, N, 1, 256},
    };
    for (size_t i = 0; rc == DQ_OK && i < sizeof other / sizeof other[0]; ++i) {
        sde_run_t r = a;
        r.seed = other[i].seed;
        r.units = other[i].units;
        r.threads = other[i].threads;
        r.block = other[i].block;
        r.x = b->x;
        if ((rc = sde_integrate(&r, why, len)) != DQ_OK)
            break;
        if (other[i].what) {
            size_t u = sde_differ(a.x, r.x, r.units);
            if (u < r.units) {
                snprintf(why, len,
                         "%s give different bits: path %zu of '%s' ends at %.17g and %.17g "
                         "(%d steps of T/%d)",
                         other[i].what, u, dq__conform_sde_problems[problem].name, a.x[u], r.x[u],
                         1 << SDE_NOISE_K, 1 << SDE_NOISE_K);
                return DQ_OK;
            }
            continue;
        }
        size_t same = 0, first = N;
        for (size_t u = 0; u < N; ++u)
            if (memcmp(&a.x[u], &r.x[u], sizeof *a.x) == 0 && same++ == 0)
                first = u;
        if (same) {
            snprintf(why, len,
                     "seeds %u and %u give the same bits for %zu of %zu paths (first: path %zu, "
                     "%.17g): the noise does not follow the seed",
                     SDE_SEED, SDE_SEED + 1, same, N, first, a.x[first]);
            return DQ_OK;
        }
    }
    if (rc != DQ_OK)
        return rc == DQ_ENOMEM ? rc : DQ_OK;
    snprintf(f->noise_pass, sizeof f->noise_pass,
             "the same bits from two runs with one seed, from 1 and 2 threads, from blocks of 8 "
             "and 256 units, and for paths 0..%d in populations of %d and %zu; another seed "
             "moved every path ('%s', %d steps of T/%d)",
             SDE_NOISE_FEW - 1, SDE_NOISE_FEW, N, dq__conform_sde_problems[problem].name,
             1 << SDE_NOISE_K, 1 << SDE_NOISE_K);
    return DQ_OK;
}

static void sde_bufs_free(sde_bufs_t *b)
{
    free(b->x);
    free(b->ref);
    free(b->other);
    free(b->W);
    free(b->J);
}

int dq__conform_sde_measure(const dq_integrator_entry_t *s, dq_conform_result_t *out,
                            conform_sde_found_t *found)
{
    dq_conform_sde_t *sde = &out->sde;
    sde_bufs_t b = {malloc(SDE_BUF * sizeof(double)), malloc(SDE_BUF * sizeof(double)),
                    malloc(SDE_BUF * sizeof(double)), malloc(SDE_BUF * sizeof(double)),
                    malloc(SDE_BUF * sizeof(double))};
    int rc = b.x && b.ref && b.other && b.W && b.J ? DQ_OK : DQ_ENOMEM;
    const int problem = sde->weak.problem;
    if (rc == DQ_OK)
        rc = sde_strong(s, sde, found, &b);
    if (rc == DQ_OK)
        rc = sde_weak(s, sde, found, &b);
    if (rc == DQ_OK)
        rc = sde_moments(s, sde, DQ_SDE_PROBLEM_OU, found, &b);
    if (rc == DQ_OK && !sde->additive_only)
        rc = sde_moments(s, sde, DQ_SDE_PROBLEM_GBM, found, &b);
    if (rc == DQ_OK)
        rc = sde_noise(s, problem, found, &b);
    sde_bufs_free(&b);
    return rc;
}
