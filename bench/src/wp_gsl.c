/* SPDX-License-Identifier: MIT */
/* wp_gsl.c -- GSL odeiv2 on the work-precision problems: rkf45 and rk8pd through
 * gsl_odeiv2_driver_alloc_y_new, the standard control (gsl_odeiv2_control_standard with
 * a_y = 1, a_dydt = 0: |err_i| <= atol + rtol |y_i|, max over i), driver_apply to t1 (its last
 * step ends at t1). GSL has no automatic first step: it starts at 1e-6 (t1 - t0), as the Boost
 * rows do. bsimp (Bader-Deuflhard, with the analytic Jacobian) computes the second stiff
 * reference. */
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_odeiv2.h>
#include <gsl/gsl_version.h>

#include "workprec.h"

static int gslw_rhs(double t, const double y[], double f[], void *params)
{
    wp_rhs(params, t, y, f);
    return GSL_SUCCESS;
}

static int gslw_jac(double t, const double y[], double *dfdy, double dfdt[], void *params)
{
    const wp_problem_t *p = params;
    wp_jac(p, t, y, dfdy); /* row-major, as GSL wants it */
    for (size_t i = 0; i < p->dim; ++i)
        dfdt[i] = 0.0; /* autonomous */
    return GSL_SUCCESS;
}

static int gslw_solve_type(const wp_problem_t *p, double rtol, double atol,
                           const gsl_odeiv2_step_type *T, wp_run_t *out)
{
    memset(out, 0, sizeof *out);
    gsl_set_error_handler_off();
    gsl_odeiv2_system sys = {gslw_rhs, gslw_jac, p->dim, (void *)p};
    const double h0 = 1e-6 * (p->t1 - p->t0);
    gsl_odeiv2_driver *d = gsl_odeiv2_driver_alloc_y_new(&sys, T, h0, atol, rtol);
    if (!d) {
        snprintf(out->msg, sizeof out->msg, "gsl_odeiv2_driver_alloc_y_new failed");
        return -1;
    }
    double y[WP_MAXDIM], t = p->t0;
    for (size_t i = 0; i < p->dim; ++i)
        y[i] = p->y0[i];
    wp_counters_reset();
    out->seconds = wp_now();
    const int rc = gsl_odeiv2_driver_apply(d, &t, p->t1, y);
    out->seconds = wp_now() - out->seconds;
    if (rc != GSL_SUCCESS) {
        snprintf(out->msg, sizeof out->msg, "gsl_odeiv2_driver_apply: %s at t = %g",
                 gsl_strerror(rc), t);
        gsl_odeiv2_driver_free(d);
        return rc;
    }
    out->nfev = wp_nfev;
    out->njev = wp_njev;
    out->steps = d->e->count - d->e->failed_steps;
    out->rejects = d->e->failed_steps;
    for (size_t i = 0; i < p->dim; ++i)
        out->y[i] = y[i];
    out->ok = 1;
    gsl_odeiv2_driver_free(d);
    return 0;
}

static int gslw_solve(const wp_problem_t *p, double rtol, double atol, const void *arg,
                      wp_run_t *out)
{
    return gslw_solve_type(p, rtol, atol, *(const gsl_odeiv2_step_type *const *)arg, out);
}

int wp_gsl_bsimp_ref(const wp_problem_t *p, double rtol, double atol, wp_run_t *out)
{
    return gslw_solve_type(p, rtol, atol, gsl_odeiv2_step_bsimp, out);
}

/* gsl_odeiv2_step_rkf45 etc. are extern const pointers: not constant expressions, so the
 * table points at them. */
static const wp_solver_t gslw_solvers[] = {
    {"gsl/rkf45", "GSL odeiv2 rkf45 (Fehlberg 4(5)), standard control", "GSL", WP_EXPLICIT,
     &gsl_odeiv2_step_rkf45, gslw_solve},
    {"gsl/rk8pd", "GSL odeiv2 rk8pd (Prince-Dormand 8(7)), standard control", "GSL", WP_EXPLICIT,
     &gsl_odeiv2_step_rk8pd, gslw_solve},
};

size_t wp_gsl_solvers(const wp_solver_t **out)
{
    *out = gslw_solvers;
    return sizeof gslw_solvers / sizeof gslw_solvers[0];
}

const char *wp_gsl_version(void)
{
    return GSL_VERSION;
}
