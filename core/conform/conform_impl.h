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

/* Every reference problem runs CONFORM_UNITS real units, padded to one DQ_LANES block. */
#define CONFORM_UNITS 3
#define CONFORM_LANES DQ_UNITS_PADDED(CONFORM_UNITS)
#define CONFORM_MAX_M 2
#define CONFORM_MAX_LEN (CONFORM_MAX_M * CONFORM_LANES)

/* The battery's tolerances, in one place. */
#define CONFORM_EXACT 1e-13   /* finest error below this: the solver is exact there */
#define CONFORM_ORDER_TOL 0.2 /* |measured - declared| allowed */
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
void dq__conform_problem_deriv(const conform_problem_t *p, double t, const double *y, double *f,
                               size_t units);
/* J[(i*m + j)*units + u] = dF_i/dy_j */
void dq__conform_problem_jac(const conform_problem_t *p, double t, const double *y, double *J,
                             size_t units);
/* Max-norm distance between the live units of y and the exact solution at t. */
double dq__conform_problem_error(const conform_problem_t *p, const double *y, double t,
                                 size_t units, size_t live);

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
/* The coarsest step size for a solver of declared order. */
double dq__conform_coarsest(const dq_integrator_entry_t *s);
/* "decay 1.00" / "decay exact" / "decay failed" */
void dq__conform_order_word(const dq_conform_result_t *r, int id, char *buf, size_t len);

/* Sets one check (of a solver's or a model's result) and clears *passed on FAIL. */
void dq__conform_check_vset(dq_conform_check_t *c, int *passed, int status, const char *fmt,
                            va_list ap) DQ_PRINTF(4, 0);

#endif
