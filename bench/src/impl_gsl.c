/* SPDX-License-Identifier: MIT */
/* impl_gsl.c -- GSL odeiv2: gsl_odeiv2_step_rk4 applied at a fixed step.
 *
 * GSL has no explicit Euler stepper, and its rk4 always estimates the error by step
 * doubling: each apply takes one step of dt and two of dt/2 (11 evaluations of the
 * right-hand side) and returns the two half steps. So it is checked against the reference
 * at dt/2 (ref_substeps 2) and timed per step of dt, as a GSL user pays for it. */
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_odeiv2.h>
#include <gsl/gsl_version.h>

#include "bench.h"
#include "workload.h"

typedef struct gslb_state {
    bench_problem_t p;
    size_t dim;
    hh_params_t P;
    double tau;
    double t;
    double *y, *yerr, *I, *Vprev, *spikes;
    gsl_odeiv2_step *step;
    gsl_odeiv2_system sys;
} gslb_state_t;

static int gslb_rhs_hh(double t, const double y[], double f[], void *params)
{
    const gslb_state_t *s = params;
    (void)t;
    hh_rhs_soa(&s->P, y, f, s->I, s->p.n);
    return GSL_SUCCESS;
}

static int gslb_rhs_decay(double t, const double y[], double f[], void *params)
{
    const gslb_state_t *s = params;
    (void)t;
    f[0] = decay_f(y[0], s->tau);
    return GSL_SUCCESS;
}

static int gslb_supports(const bench_problem_t *p, char *msg, size_t len)
{
    if (p->scheme != BENCH_RK4) {
        snprintf(msg, len, "GSL odeiv2 has no %s stepper", bench_scheme_name(p->scheme));
        return 0;
    }
    if (p->model == BENCH_LORENZ) {
        snprintf(msg, len, "no Lorenz system in this peer");
        return 0;
    }
    return 1;
}

static unsigned gslb_ref_substeps(const bench_problem_t *p)
{
    (void)p;
    return 2;
}

static void gslb_teardown(void *state)
{
    gslb_state_t *s = state;
    if (!s)
        return;
    if (s->step)
        gsl_odeiv2_step_free(s->step);
    free(s->y);
    free(s->yerr);
    free(s->I);
    free(s->Vprev);
    free(s->spikes);
    free(s);
}

static void *gslb_setup(const bench_problem_t *p, char *msg, size_t len)
{
    gsl_set_error_handler_off();
    gslb_state_t *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(msg, len, "out of memory");
        return NULL;
    }
    const size_t n = p->n;
    s->p = *p;
    s->P = hh_params_default();
    s->tau = DECAY_TAU;
    s->dim = p->model == BENCH_HH ? 4 * n : 1;
    s->y = calloc(s->dim, sizeof(double));
    s->yerr = calloc(s->dim, sizeof(double));
    s->I = calloc(n, sizeof(double));
    s->Vprev = calloc(n, sizeof(double));
    s->spikes = calloc(n, sizeof(double));
    s->step = gsl_odeiv2_step_alloc(gsl_odeiv2_step_rk4, s->dim);
    if (!s->y || !s->yerr || !s->I || !s->Vprev || !s->spikes || !s->step) {
        gslb_teardown(s);
        snprintf(msg, len, "out of memory");
        return NULL;
    }
    s->sys = (gsl_odeiv2_system){.function = p->model == BENCH_HH ? gslb_rhs_hh : gslb_rhs_decay,
                                 .jacobian = NULL,
                                 .dimension = s->dim,
                                 .params = s};
    if (p->model == BENCH_HH) {
        hh_init_soa(s->y, s->I, n);
        for (size_t i = 0; i < n; ++i)
            s->Vprev[i] = s->y[i];
    } else {
        s->y[0] = DECAY_Y0;
    }
    return s;
}

static int gslb_run(void *state, unsigned long steps, char *msg, size_t len)
{
    gslb_state_t *s = state;
    const double dt = s->p.dt;
    for (unsigned long k = 0; k < steps; ++k) {
        int rc = gsl_odeiv2_step_apply(s->step, s->t, dt, s->y, s->yerr, NULL, NULL, &s->sys);
        if (rc != GSL_SUCCESS) {
            snprintf(msg, len, "gsl_odeiv2_step_apply: %s", gsl_strerror(rc));
            return 1;
        }
        s->t += dt;
        if (s->p.model == BENCH_HH)
            hh_count_spikes(s->y, s->Vprev, s->spikes, s->p.n);
    }
    return 0;
}

static void gslb_read(const void *state, bench_values_t *out)
{
    const gslb_state_t *s = state;
    const size_t n = s->p.n;
    double sum = 0.0, sp = 0.0;
    for (size_t i = 0; i < n; ++i) {
        sum += s->y[i];
        sp += s->spikes[i];
    }
    out->first = s->y[0];
    out->last = s->y[n - 1];
    out->mean = sum / (double)n;
    out->spikes = s->p.model == BENCH_HH ? sp : 0.0;
}

const char *bench_gsl_version(void)
{
    return GSL_VERSION;
}

const bench_impl_t bench_impl_gsl = {
    .name = "gsl",
    .label = "GSL odeiv2 (rk4 with step doubling)",
    .supports = gslb_supports,
    .ref_substeps = gslb_ref_substeps,
    .setup = gslb_setup,
    .run = gslb_run,
    .read = gslb_read,
    .teardown = gslb_teardown,
};
