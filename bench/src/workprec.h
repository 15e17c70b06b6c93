/* SPDX-License-Identifier: MIT */
/* workprec.h -- the work-precision benchmark (issue #12): problems, solvers, one run.
 *
 * A problem is a small ODE system y' = f(t, y) of one unit, integrated from t0 to t1; a solver
 * integrates it at a tolerance (rtol, atol = rtol * WP_ATOL_FACTOR for every state and every
 * solver) and reports y(t1), the right-hand-side evaluations (counted in the right-hand side
 * itself, wp_rhs, for every library; dqhost's come from dq_system_unit_stats) and the seconds
 * its integration took (set-up, tolerances and memory not counted). The harness (workprec.c)
 * compares y(t1) with a reference solution (wp_ref.c) and repeats a run for the minimum time.
 *
 * Problems (the same equations as the dqhost model plugins lorenz, van_der_pol and hh):
 *  - Lorenz, sigma 10, rho 28, beta 8/3, y0 (1, 1, 1), t = 0..20 (chaotic);
 *  - van der Pol x' = y, y' = mu (1 - x^2) y - x, y0 (2, 0): mu = 1 on t = 0..20 (non-stiff),
 *    mu = 1000 on t = 0..2000 = 2 mu (stiff; Hairer's VDPOL interval in unscaled time);
 *  - one Hodgkin-Huxley neuron (plugins/models/hh_eq.h), I_ext = 10 uA/cm^2, V0 = -65 mV with
 *    the gates at rest, t = 0..100 ms; state (V, m, h, n). */
#ifndef BENCH_WORKPREC_H
#define BENCH_WORKPREC_H

#include <stddef.h>

#include "workload.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WP_MAXDIM 4
#define WP_ATOL_FACTOR 1e-3 /* atol = rtol * 1e-3, every problem and solver */

typedef enum wp_problem_id {
    WP_LORENZ = 0,
    WP_VDP1,
    WP_VDP1000,
    WP_HH,
    WP_N_PROBLEMS
} wp_problem_id_t;

typedef struct wp_problem {
    wp_problem_id_t id;
    const char *name;  /* "lorenz", "vdp1", "vdp1000", "hh": what --only takes */
    const char *label; /* for tables */
    const char *model; /* the dqhost model plugin */
    int stiff;         /* 1: only the solvers for stiff problems run it */
    size_t dim;
    double t0, t1;
    double y0[WP_MAXDIM];
    double mu;     /* van der Pol */
    double I_ext;  /* HH */
    hh_params_t P; /* HH */
} wp_problem_t;

const wp_problem_t *wp_problem_get(wp_problem_id_t id);

/* Derivative evaluations since the last wp_counters_reset: every peer's right-hand side
 * goes through wp_rhs, its analytic Jacobian (where the library takes one) through wp_jac. */
extern unsigned long wp_nfev, wp_njev;
void wp_counters_reset(void);

/* f = y'(t). */
void wp_rhs(const wp_problem_t *p, double t, const double *y, double *f);
/* The Jacobian df/dy, row-major (J[r * dim + c]). */
void wp_jac(const wp_problem_t *p, double t, const double *y, double *J);

typedef struct wp_run {
    int ok;
    char msg[1200];
    double y[WP_MAXDIM];   /* y(t1) */
    double seconds;        /* the integration alone */
    unsigned long nfev;    /* right-hand-side evaluations */
    unsigned long njev;    /* Jacobian evaluations (stiff solvers), else 0 */
    unsigned long steps;   /* accepted steps, 0 when the library does not say */
    unsigned long rejects; /* rejected steps (error test, and convergence failures) */
    int no_rejects;        /* 1: the library does not say how many steps it rejected */
} wp_run_t;

enum wp_solver_kind {
    WP_EXPLICIT, /* runs the non-stiff problems */
    WP_STIFF     /* runs every problem */
};

typedef struct wp_solver {
    const char *name;  /* "dqhost/dopri5", "arkode/dp5", ... */
    const char *label; /* for tables */
    const char *group; /* "dqhost", "SUNDIALS", "GSL", "Boost" */
    enum wp_solver_kind kind;
    const void *arg; /* the implementation's own (a method, a table) */
    /* Integrates p from t0 to t1 at (rtol, atol); 0 and out->ok = 1, or nonzero with out->msg. */
    int (*solve)(const wp_problem_t *p, double rtol, double atol, const void *arg, wp_run_t *out);
} wp_solver_t;

/* The solvers of each library (wp_sundials.c, wp_gsl.c, wp_boost.cpp, wp_dqhost.c): the
 * count, and the table in *out. */
size_t wp_sundials_solvers(const wp_solver_t **out);
size_t wp_gsl_solvers(const wp_solver_t **out);
size_t wp_boost_solvers(const wp_solver_t **out);
size_t wp_dqhost_solvers(const wp_solver_t **out);
const char *wp_sundials_version(void);
const char *wp_gsl_version(void);
const char *wp_boost_version(void);

/* The solvers that compute the stiff reference (vdp1000): CVODE BDF, GSL bsimp. */
int wp_sundials_cvode_ref(const wp_problem_t *p, double rtol, double atol, wp_run_t *out);
int wp_gsl_bsimp_ref(const wp_problem_t *p, double rtol, double atol, wp_run_t *out);

/* ---- dqhost (wp_dqhost.c) ---- */
/* Loads the build tree's plugins (once); 0, or nonzero with a message. */
int wp_dqhost_load(char *msg, size_t len);
void wp_dqhost_cleanup(void);
/* 1 when the solver plugin is loaded. */
int wp_dqhost_has_solver(const char *name);

/* One unit of p with `solver` at `steps` fixed steps (the same run otherwise); rtol unused. */
int wp_dqhost_fixed(const wp_problem_t *p, const char *solver, unsigned long steps, wp_run_t *out);

/* The population rows: N HH neurons (I_ext = 20 (i + 1/2)/N), t = 0..t1, one thread,
 * dq_system_run. Adaptive (fixed = 0): the solver at (rtol, atol), sampled every `sample`
 * ms; fixed (fixed = 1): steps of dt. Blocks of `block` units (0: the default, 256). The
 * seconds of the run, and the derivative evaluations summed over units (from
 * dq_system_unit_stats; a fixed-step run whose stats count none: steps * stages * N). */
typedef struct wp_pop_opts {
    const char *solver;
    size_t n;
    double t1;
    int fixed;
    double dt;
    double rtol, atol, sample;
    unsigned stages;
    size_t block;
} wp_pop_opts_t;
typedef struct wp_pop {
    int ok;
    char msg[1200];
    double seconds;
    double evaluations; /* summed over units */
    double steps;       /* accepted steps summed over units */
    double rejects;
    double occupancy; /* attempts the units needed / attempts their blocks made (lock step) */
    double mean_V;    /* V(t1) averaged over units, a sanity value */
} wp_pop_t;
int wp_dqhost_population(const wp_pop_opts_t *o, wp_pop_t *out);

/* ---- references (wp_problem.c) ---- */
/* Long-double Gragg-Bulirsch-Stoer extrapolation at a fixed macro step H with K columns
 * (order 2K), for the non-stiff problems: y(t1) into y. */
void wp_ref_gbs(const wp_problem_t *p, long double H, int K, double *y);

double wp_now(void);

#ifdef __cplusplus
}
#endif

#endif
