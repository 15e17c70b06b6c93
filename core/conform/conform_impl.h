/* SPDX-License-Identifier: MIT */
/* conform_impl.h -- the conformance engine's parts, shared between its files:
 * problems.c (reference problems as data), host.c (the instrumented host), fit.c (order
 * fitting), verdict.c (judging a solver) and model_probe.c, model_jacobian.c and model_verdict.c
 * (judging a model). Not installed. */
#ifndef DQ_CONFORM_IMPL_H
#define DQ_CONFORM_IMPL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <dq/host/conform.h>
#include <dq/model.h>

/* Every reference problem runs CONFORM_UNITS real units, padded to one DQ_LANES block. */
#define CONFORM_UNITS 3
#define CONFORM_LANES DQ_UNITS_PADDED(CONFORM_UNITS)
#define CONFORM_MAX_M 2
#define CONFORM_MAX_LEN (CONFORM_MAX_M * CONFORM_LANES)

/* The battery's tolerances, in one place (the documented ones are in <dq/host/conform.h>). */
#define CONFORM_EXACT 1e-13 /* slack added to the reset check's bound */
#define CONFORM_STIFF_DT 0.01
#define CONFORM_STIFF_BOUND 10.0

/* What a problem is, for the verdicts that depend on it. */
enum conform_problem_flags {
    CONFORM_LINEAR = 1u << 0,   /* F = A y with constant A */
    CONFORM_DIAGONAL = 1u << 1, /* ... and A diagonal: any exponential step is exact */
    CONFORM_COUNTED = 1u << 2,  /* counted in the order check */
    CONFORM_TIMED = 1u << 3,    /* F depends on t: the time check */
    CONFORM_STIFF = 1u << 4     /* the stability probe */
};

/* A reference problem. Component k of unit u is at k*units + u. Linear problems are given
 * by their matrix alone; the others by their right-hand side and Jacobian. */
typedef struct conform_problem {
    const char *name;
    size_t m;
    double t_end;
    uint32_t flags;
    double y0[CONFORM_MAX_M];      /* initial value of unit 0 */
    double y0_step[CONFORM_MAX_M]; /* added per unit, so layout mistakes show */
    double A[CONFORM_MAX_M * CONFORM_MAX_M];
    /* Nonlinear problems: f_i(t, y) and dF_i/dy_j for one unit (m <= CONFORM_MAX_M). */
    void (*deriv)(double t, const double *y, double *f);
    void (*jac)(double t, const double *y, double *J);
    /* The exact solution of one unit from y0, or NULL. */
    void (*exact)(double t, const double *y0, double *y);
} conform_problem_t;

/* The problems: first the DQ_CONFORM_N_PROBLEMS ones of dq_conform_problem_id_t, then the
 * stiff one. */
extern const conform_problem_t dq__conform_problems[];
extern const conform_problem_t *const dq__conform_stiff;

/* Initial values; lanes from `live` on are copies of the last real unit (padding). */
void dq__conform_problem_init(const conform_problem_t *p, double *y, size_t units, size_t live);
/* f = F(t[u], y) per lane u (t has `units` entries). */
void dq__conform_problem_deriv(const conform_problem_t *p, const double *t, const double *y,
                               double *f, size_t units);
/* J[(i*m + j)*units + u] = dF_i/dy_j at (t[u], y) */
void dq__conform_problem_jac(const conform_problem_t *p, const double *t, const double *y,
                             double *J, size_t units);
/* y = the exact solution at t[u] of each lane's initial value (padding: unit live - 1). */
void dq__conform_problem_exact(const conform_problem_t *p, const double *t, double *y, size_t units,
                               size_t live);
/* Max-norm distance between the live units of y and the exact solution at t (or t[u]). */
double dq__conform_problem_error(const conform_problem_t *p, const double *y, double t,
                                 size_t units, size_t live);
double dq__conform_problem_error_at(const conform_problem_t *p, const double *y, const double *t,
                                    size_t units, size_t live);
/* max(1, max-norm of the exact solution at t over the real units): what floors scale by. */
double dq__conform_problem_scale(const conform_problem_t *p, double t);

/* One of the solver's memory regions: the payload between two canary runs (canary.c). */
typedef struct conform_region {
    double *base; /* CANARY_LEN + len + CANARY_LEN doubles */
    double *data;
    size_t len;
    const char *name; /* "ctx->y" */
} conform_region_t;

/* Allocates len doubles, 64-byte aligned, zeroed, between canaries. DQ_OK or DQ_ENOMEM. */
int dq__conform_region_alloc(conform_region_t *r, size_t len, const char *name);
void dq__conform_region_free(conform_region_t *r);
/* Describes the first overwritten canary ("ctx->y[8] (its length is 8)"), or returns 0. */
int dq__conform_region_check(const conform_region_t *r, char *buf, size_t len);
/* 1 when [p, p + len) lies within the payload. */
int dq__conform_region_holds(const conform_region_t *r, const double *p, size_t len);
/* Fills with a NaN pattern unlike the canaries. */
void dq__conform_fill_poison(double *p, size_t n);

/* The instrumented host: one run of a solver on one problem. */
typedef struct dq__conform dq__conform_t;

dq__conform_t *dq__conform_new(const dq_integrator_entry_t *solver, dq_conform_result_t *out);
void dq__conform_free(dq__conform_t *c);

/* One integration: `steps` steps of h from t = 0, switching to h2 after `switch_at` steps
 * (a dt change: the host calls reset, or init again); switch_at >= steps keeps h. */
typedef struct conform_run {
    const conform_problem_t *prob;
    double h, h2;
    long steps, switch_at;
    int stiff;       /* failing steps are expected (instability), not a status failure */
    double *final;   /* receives the final y (CONFORM_MAX_LEN doubles), or NULL */
    double *peak;    /* stiff: the largest |y| seen; the run stops past the bound */
    double t_final;  /* out: time reached */
    uint64_t failed; /* out: 1 + the failing step, 0 when every step passed */
} conform_run_t;

/* Returns DQ_OK, the failing call's code, or DQ_ENOMEM. */
int dq__conform_integrate(dq__conform_t *c, conform_run_t *run);

/* The same host call by call (adaptive.c): open allocates the solver's memory for run->prob
 * (run->h the fixed step size, run->stiff when failures are expected) and sets the problem's
 * initial values; close frees it. Between them: */
int dq__conform_open(dq__conform_t *c, const conform_run_t *run);
void dq__conform_close(dq__conform_t *c);
/* Per-lane mode for the calls that follow (lane_t, lane_dt: CONFORM_LANES entries, copied),
 * or fixed steps of run->h at the given t when lane_t is NULL; ctx->err when want_err. */
void dq__conform_lanes(dq__conform_t *c, const double *lane_t, const double *lane_dt, int want_err);
enum { CONFORM_VEC_Y, CONFORM_VEC_F, CONFORM_VEC_STATE, CONFORM_VEC_ERR, CONFORM_VEC_OUT };
/* One of the open run's vectors (len doubles). */
double *dq__conform_vector(dq__conform_t *c, int which, size_t *len);
/* init (if any), one step, reset (or init again) with `mask`, and dense(theta) into
 * CONFORM_VEC_OUT. t is ignored in per-lane mode. Each returns the solver's code. */
int dq__conform_init(dq__conform_t *c, double t);
int dq__conform_step(dq__conform_t *c, double t);
int dq__conform_reset(dq__conform_t *c, double t, const unsigned char *mask);
int dq__conform_dense(dq__conform_t *c, const double *theta);

/* What the runs found, for the verdicts: "" when nothing. */
const char *dq__conform_lifecycle_fail(const dq__conform_t *c);
const char *dq__conform_memory_fail(const dq__conform_t *c);
const char *dq__conform_status_fail(const dq__conform_t *c);
/* Host calls the solver made over all runs. */
unsigned dq__conform_jacobian_calls(const dq__conform_t *c);

/* Order fitting (fit.c): measures problem id's order into out->orders[id], then reruns the
 * coarsest size to compare the bits. *same is 1 (identical), 0 (differ) or -1 (not
 * comparable); diff describes a difference. Returns DQ_OK or DQ_ENOMEM. */
int dq__conform_measure(dq__conform_t *c, const dq_integrator_entry_t *s, dq_conform_result_t *out,
                        int id, int *same, char *diff, size_t diff_len);
/* The first step size of the order ladders (and of the reset and determinism runs). */
double dq__conform_coarsest(const dq_integrator_entry_t *s);
/* "decay 1.00" / "decay exact" / "decay failed" */
void dq__conform_order_word(const dq_conform_result_t *r, int id, char *buf, size_t len);

/* Least-squares slope of log e against log dt over n points, weighted by 1/sigma^2 where
 * sigma[i] is the standard deviation of log2 e[i] (NULL: equal weights). *se receives the
 * slope's standard error (NaN without sigma). Needs n >= 2 and positive e. */
double dq__conform_fit_slope(const double *dt, const double *e, const double *sigma, int n,
                             double *se);

/* ---- SDE solvers: sde_problems.c (problems, closed forms, paths), sde.c (runs and
 * measurements), sde_verdict.c (verdicts) ---- */

/* What a problem's errors are measured against. */
enum conform_sde_reference {
    CONFORM_SDE_REF_EXACT,      /* the exact solution, a function of W(T) */
    CONFORM_SDE_REF_INCREMENTS, /* the exact solution from the increments of a finer grid */
    CONFORM_SDE_REF_SOLVER      /* the same solver on a finer grid (no closed form) */
};

#define CONFORM_SDE_MAX_PARAMS 4

typedef struct conform_sde_problem {
    const char *name;
    const dq_model_desc_t *model; /* one state "x"; parameters: these, and the population "n" */
    double t_end;
    int reference; /* enum conform_sde_reference */
    size_t n_params;
    const char *param[CONFORM_SDE_MAX_PARAMS];
    double value[CONFORM_SDE_MAX_PARAMS];
} conform_sde_problem_t;

/* The reference grid of ou and sine: the finest dt / CONFORM_SDE_REFINE. */
#define CONFORM_SDE_REFINE 16u

/* By dq_conform_sde_problem_id_t. */
extern const conform_sde_problem_t dq__conform_sde_problems[];

/* 1 for the geometric Brownian motions (multiplicative noise: the calculus matters). */
int dq__conform_sde_is_gbm(int problem);
/* "gbm (a = 0.5, b = 0.7, x0 = 1)" */
void dq__conform_sde_describe(int problem, char *buf, size_t len);

/* Closed forms at t: E X(t), Var X(t) in the given calculus, and the solution without
 * noise (of the drift alone). */
double dq__conform_sde_mean(int problem, int calculus, double t);
double dq__conform_sde_variance(int problem, int calculus, double t);
double dq__conform_sde_noiseless(int problem, double t);

/* The Brownian path of units 0 .. units-1 of state `state` with `seed` on a grid of n_grid
 * intervals over [0, t_end] (noise-grid index i covers the i-th interval). */
typedef struct conform_sde_path {
    uint64_t seed;
    size_t units;
    size_t state; /* model-wide state index (dq_system_state_index) */
    uint64_t n_grid;
    double t_end;
} conform_sde_path_t;

/* W[u] = W(t_end) and, when J is not NULL, J[u] = the integral of e^(-theta (t_end - s)) dW(s)
 * that ou's solution needs. DQ_OK, DQ_ENOMEM or DQ_EINVAL (a path the host cannot key). */
int dq__conform_sde_path(const conform_sde_path_t *p, double *W, double *J);
/* The exact solution at t on the path (W, J) into x. */
void dq__conform_sde_exact(int problem, int calculus, double t, const double *W, const double *J,
                           size_t units, double *x);

/* What the measurements leave for the verdicts beyond the result. */
typedef struct conform_sde_found {
    /* strong: mean |X_dt(T) - X(T)| against the other calculus's solution (gbm) and against
     * the solution without noise, per dt; their slopes (NaN when not measured). */
    double other[DQ_CONFORM_SDE_RUNGS], noiseless[DQ_CONFORM_SDE_RUNGS];
    double other_order, noiseless_order;
    char strong_fail[DQ_CONFORM_DETAIL_MAX]; /* a run that failed; "" */
    char weak_fail[DQ_CONFORM_DETAIL_MAX];
    char moments_fail[DQ_CONFORM_N_SDE_PROBLEMS][DQ_CONFORM_DETAIL_MAX];
    char noise_fail[DQ_CONFORM_DETAIL_MAX]; /* the first property broken; "" */
    char noise_pass[DQ_CONFORM_DETAIL_MAX];
} conform_sde_found_t;

/* Runs the measurements on a DQ_CAP_DIFFUSION solver into out->sde and found. Returns DQ_OK
 * (whatever they found) or DQ_ENOMEM. */
int dq__conform_sde_measure(const dq_integrator_entry_t *s, dq_conform_result_t *out,
                            conform_sde_found_t *found);
/* The SDE part of dq_conform_result_init. */
void dq__conform_sde_init(dq_conform_result_t *out, const dq_integrator_entry_t *s);
/* Measures and judges: the SDE checks of dq_conform_run. DQ_OK or DQ_ENOMEM. */
int dq__conform_sde_checks(const dq_integrator_entry_t *s, dq_conform_result_t *out);

/* ---- error-controlled solvers (adaptive.c) ---- */

/* The adaptive part of dq_conform_result_init: expectations from the declared orders; the
 * checks SKIP for a solver without DQ_CAP_ADAPTIVE. s may be NULL. */
void dq__conform_adaptive_init(dq_conform_result_t *out, const dq_integrator_entry_t *s);
/* Measures and judges embedded, dense and tolerance (nothing without DQ_CAP_ADAPTIVE).
 * DQ_OK or DQ_ENOMEM. */
int dq__conform_adaptive_checks(dq__conform_t *c, const dq_integrator_entry_t *s,
                                dq_conform_result_t *r);

/* Sets one check (of a solver's or a model's result) and clears *passed on FAIL. */
void dq__conform_check_vset(dq_conform_check_t *c, int *passed, int status, const char *fmt,
                            va_list ap) DQ_PRINTF(4, 0);

#endif
