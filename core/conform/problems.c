/* SPDX-License-Identifier: MIT */
/* problems.c -- the reference problems of the conformance battery, as data: linear ones by
 * their matrix, nonlinear ones by their right-hand side for one unit, each with its exact
 * solution (see <dq/host/conform.h> for the list). */
#include <math.h>
#include <string.h>

#include "conform_impl.h"

/* y' = y (1 - y): y = 1 / (1 + (1/y0 - 1) e^-t). */
static void logistic_deriv(double t, const double *y, double *f)
{
    (void)t;
    f[0] = y[0] * (1.0 - y[0]);
}

static void logistic_jac(double t, const double *y, double *J)
{
    (void)t;
    J[0] = 1.0 - 2.0 * y[0];
}

static void logistic_exact(double t, const double *y0, double *y)
{
    y[0] = 1.0 / (1.0 + (1.0 / y0[0] - 1.0) * exp(-t));
}

/* y' = -2 t y^2: y = 1 / (1/y0 + t^2). F depends on t, so stage times matter. */
static void riccati_deriv(double t, const double *y, double *f)
{
    f[0] = -2.0 * t * y[0] * y[0];
}

static void riccati_jac(double t, const double *y, double *J)
{
    J[0] = -4.0 * t * y[0];
}

static void riccati_exact(double t, const double *y0, double *y)
{
    y[0] = 1.0 / (1.0 / y0[0] + t * t);
}

static void decay_exact(double t, const double *y0, double *y)
{
    y[0] = y0[0] * exp(-t);
}

/* x' = v, v' = -4x from (x0, 0): x = x0 cos 2t, v = -2 x0 sin 2t. */
static void oscillator_exact(double t, const double *y0, double *y)
{
    y[0] = y0[0] * cos(2.0 * t);
    y[1] = -2.0 * y0[0] * sin(2.0 * t);
}

/* Indexed by dq_conform_problem_id_t; the stiff problem (eigenvalues -1 and -1000) last. */
const conform_problem_t dq__conform_problems[] = {
    {.name = "decay",
     .m = 1,
     .t_end = 1.0,
     .flags = CONFORM_LINEAR | CONFORM_DIAGONAL | CONFORM_COUNTED,
     .y0 = {1.0},
     .y0_step = {0.1},
     .A = {-1.0},
     .exact = decay_exact},
    {.name = "oscillator",
     .m = 2,
     .t_end = 1.0,
     .flags = CONFORM_LINEAR | CONFORM_COUNTED,
     .y0 = {1.0, 0.0},
     .y0_step = {0.1, 0.0},
     .A = {0.0, 1.0, -4.0, 0.0},
     .exact = oscillator_exact},
    {.name = "logistic",
     .m = 1,
     .t_end = 2.0,
     .flags = CONFORM_COUNTED,
     .y0 = {0.1},
     .y0_step = {0.02},
     .deriv = logistic_deriv,
     .jac = logistic_jac,
     .exact = logistic_exact},
    {.name = "riccati",
     .m = 1,
     .t_end = 2.0,
     .flags = CONFORM_TIMED,
     .y0 = {1.0},
     .y0_step = {0.1},
     .deriv = riccati_deriv,
     .jac = riccati_jac,
     .exact = riccati_exact},
    {.name = "stiff",
     .m = 2,
     .t_end = 1.0,
     .flags = CONFORM_LINEAR | CONFORM_STIFF,
     .y0 = {1.0, 0.0},
     .y0_step = {0.1, 0.0},
     .A = {998.0, 1998.0, -999.0, -1999.0}},
};

const conform_problem_t *const dq__conform_stiff = &dq__conform_problems[DQ_CONFORM_N_PROBLEMS];

/* Initial value of component k of unit u; padding lanes repeat the last real unit. */
static double problem_y0(const conform_problem_t *p, size_t k, size_t u, size_t live)
{
    size_t v = u < live ? u : live - 1;
    return p->y0[k] + p->y0_step[k] * (double)v;
}

void dq__conform_problem_init(const conform_problem_t *p, double *y, size_t units, size_t live)
{
    for (size_t k = 0; k < p->m; ++k)
        for (size_t u = 0; u < units; ++u)
            y[k * units + u] = problem_y0(p, k, u, live);
}

/* Gathers unit u's components. */
static void problem_gather(const conform_problem_t *p, const double *y, size_t units, size_t u,
                           double *out)
{
    for (size_t k = 0; k < p->m; ++k)
        out[k] = y[k * units + u];
}

void dq__conform_problem_deriv(const conform_problem_t *p, const double *t, const double *y,
                               double *f, size_t units)
{
    const size_t m = p->m;
    for (size_t u = 0; u < units; ++u) {
        double yu[CONFORM_MAX_M], fu[CONFORM_MAX_M];
        problem_gather(p, y, units, u, yu);
        if (p->flags & CONFORM_LINEAR)
            for (size_t i = 0; i < m; ++i) {
                fu[i] = 0.0;
                for (size_t j = 0; j < m; ++j)
                    fu[i] += p->A[i * m + j] * yu[j];
            }
        else
            p->deriv(t[u], yu, fu);
        for (size_t i = 0; i < m; ++i)
            f[i * units + u] = fu[i];
    }
}

void dq__conform_problem_jac(const conform_problem_t *p, const double *t, const double *y,
                             double *J, size_t units)
{
    const size_t m = p->m;
    for (size_t u = 0; u < units; ++u) {
        double yu[CONFORM_MAX_M], Ju[CONFORM_MAX_M * CONFORM_MAX_M];
        problem_gather(p, y, units, u, yu);
        if (p->flags & CONFORM_LINEAR)
            memcpy(Ju, p->A, m * m * sizeof *Ju);
        else
            p->jac(t[u], yu, Ju);
        for (size_t ij = 0; ij < m * m; ++ij)
            J[ij * units + u] = Ju[ij];
    }
}

void dq__conform_problem_exact(const conform_problem_t *p, const double *t, double *y, size_t units,
                               size_t live)
{
    for (size_t u = 0; u < units; ++u) {
        double y0[CONFORM_MAX_M], exact[CONFORM_MAX_M];
        for (size_t k = 0; k < p->m; ++k)
            y0[k] = problem_y0(p, k, u, live);
        p->exact(t[u], y0, exact);
        for (size_t k = 0; k < p->m; ++k)
            y[k * units + u] = exact[k];
    }
}

double dq__conform_problem_error_at(const conform_problem_t *p, const double *y, const double *t,
                                    size_t units, size_t live)
{
    double e = 0.0;
    for (size_t u = 0; u < live; ++u) {
        double y0[CONFORM_MAX_M], exact[CONFORM_MAX_M];
        for (size_t k = 0; k < p->m; ++k)
            y0[k] = problem_y0(p, k, u, live);
        p->exact(t[u], y0, exact);
        for (size_t k = 0; k < p->m; ++k) {
            double d = fabs(y[k * units + u] - exact[k]);
            if (!(d <= e)) /* NaN wins */
                e = d;
        }
    }
    return e;
}

double dq__conform_problem_error(const conform_problem_t *p, const double *y, double t,
                                 size_t units, size_t live)
{
    double tt[CONFORM_LANES];
    for (size_t u = 0; u < live && u < CONFORM_LANES; ++u)
        tt[u] = t;
    return dq__conform_problem_error_at(p, y, tt, units,
                                        live < CONFORM_LANES ? live : CONFORM_LANES);
}

double dq__conform_problem_scale(const conform_problem_t *p, double t)
{
    double s = 1.0;
    for (size_t u = 0; u < CONFORM_UNITS; ++u) {
        double y0[CONFORM_MAX_M], exact[CONFORM_MAX_M];
        for (size_t k = 0; k < p->m; ++k)
            y0[k] = problem_y0(p, k, u, CONFORM_UNITS);
        p->exact(t, y0, exact);
        for (size_t k = 0; k < p->m; ++k)
            s = fmax(s, fabs(exact[k]));
    }
    return s;
}
