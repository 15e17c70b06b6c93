/* SPDX-License-Identifier: MIT */
/* implicit_euler.c -- fully implicit backward Euler: solves, per unit,
 *   G(y1) = y1 - y0 - dt * F(t0 + dt, y1) = 0
 * by Newton's method, (I - dt*J(y1)) delta = -G(y1), starting from the explicit Euler
 * predictor. A unit has converged when |delta|_inf <= newton_tol * (1 + |y1|_inf); from
 * then on it is left alone, so its result does not depend on the other units of its block
 * (each unit takes exactly the iterations it would take alone). When some unit has not
 * converged after newton_max_iter iterations the step fails naming the worst one, the
 * iterations and the residual.
 * A cable model (dq/cable.h) is solved in its mass-matrix form M y' = F:
 *   G(y1) = M (y1 - y0) - dt * F(t0 + dt, y1) = 0,   (M - dt*J(y1)) delta = -G(y1),
 * J's tree, gate diagonal and couplings from the host's cable calls and each Newton system
 * solved in O(n) per cell by dq_cable_solve; the predictor is y0 (M has no inverse where a
 * junction has no capacitance); the stopping rules are the same. */
#include <math.h>
#include <stdio.h>

#include "cable_step.h"

enum { OPT_TOL, OPT_MAX_ITER };

/* Dense: y0, F(y1), per-unit Jacobian blocks, a converged flag per lane, one dense system
 * and its right-hand side. */
static size_t implicit_euler_scratch(size_t comps, size_t units)
{
    return 2 * comps * units + comps * comps * units + units + comps * comps + comps;
}

/* Cable (ABI 2.3, asked for cable models only): y0, the Newton correction, the gates'
 * diagonal, e and q (len each), dI/dV and the pivots (n*units each, n <= comps), four
 * per-lane values, offd (n); F is ctx->f. */
static size_t implicit_euler_cable_scratch(size_t comps, size_t units)
{
    return 7 * comps * units + 4 * units + comps;
}

static int implicit_euler_fail(dq_ctx_t *ctx, int max_iter, double worst_res, size_t worst_unit)
{
    char msg[200];
    snprintf(msg, sizeof msg,
             "Newton iteration did not converge in %d iterations (residual %.3g, "
             "newton_tol %.3g); try a smaller dt or a larger newton_max_iter",
             max_iter, worst_res, ctx->options[OPT_TOL]);
    return dq_fail(ctx, DQ_ENEWTON, worst_unit, msg);
}

DQ_SIMD_CLONES static int implicit_euler_cable(dq_ctx_t *ctx, const dq_cable_t *cb)
{
    const size_t units = ctx->units, n = cb->n, nu = n * units, len = ctx->len;
    double *y0 = ctx->scratch, *b = y0 + len, *dg = b + len, *e = dg + len, *q = e + len;
    double *gm = q + len, *work = gm + nu, *done = work + nu, *res = done + units;
    double *dmax = res + units, *ymax = dmax + units, *offd = ymax + units;
    double *y = ctx->y, *F = ctx->f;
    const double dt = ctx->dt, t1 = ctx->t + ctx->dt, tol = ctx->options[OPT_TOL];
    const int max_iter = (int)ctx->options[OPT_MAX_ITER];
    for (size_t k = 0; k < len; ++k)
        y0[k] = y[k];
    for (size_t u = 0; u < units; ++u)
        done[u] = 0.0;
    double worst_res = 0.0;
    size_t worst_unit = 0;
    for (int it = 1; it <= max_iter; ++it) {
        /* F(t1, y1) and J(y1) for the whole block: converged lanes too, and ignored. */
        int rc = cable_mass_form(ctx, cb, t1, y, F, work, gm, dg, e, q);
        if (rc)
            return rc;
        /* b = -G(y1): the V rows with their capacitance, the gates' rows with 1. */
        for (size_t u = 0; u < units; ++u)
            res[u] = dmax[u] = ymax[u] = 0.0;
        for (size_t k = 0; k < ctx->comps; ++k) {
            const double m = k < n ? cb->cap[k] : 1.0;
            double *bk = b + k * units;
            const double *yk = y + k * units, *y0k = y0 + k * units, *Fk = F + k * units;
            for (size_t u = 0; u < units; ++u) {
                bk[u] = dt * Fk[u] - m * (yk[u] - y0k[u]);
                res[u] = fmax(res[u], fabs(bk[u]));
            }
        }
        dq_cable_solve(cb, units, dt, gm, dg, e, q, b, work, offd);
        for (size_t k = 0; k < ctx->comps; ++k) {
            double *yk = y + k * units;
            const double *bk = b + k * units;
            for (size_t u = 0; u < units; ++u) {
                if (done[u] != 0.0)
                    continue;
                yk[u] += bk[u];
                /* NaN-propagating maxima: a non-finite correction never converges. */
                dmax[u] = fabs(bk[u]) > dmax[u] || isnan(bk[u]) ? fabs(bk[u]) : dmax[u];
                ymax[u] = fmax(ymax[u], fabs(yk[u]));
            }
        }
        int converged = 1;
        worst_res = -1.0;
        for (size_t u = 0; u < units; ++u) {
            if (done[u] != 0.0)
                continue;
            if (dmax[u] <= tol * (1.0 + ymax[u])) {
                done[u] = 1.0;
            } else {
                converged = 0;
                if (u < ctx->live && !(res[u] <= worst_res)) { /* also catches NaN */
                    worst_res = res[u];
                    worst_unit = u;
                }
            }
        }
        if (converged)
            return dq_post_integral(ctx);
    }
    return implicit_euler_fail(ctx, max_iter, worst_res, worst_unit);
}

static int implicit_euler_step(dq_ctx_t *ctx)
{
    int rc = dq_pre_integral(ctx);
    if (rc)
        return rc;
    const dq_cable_t *cb = dq_cable(ctx);
    if (cb)
        return implicit_euler_cable(ctx, cb);
    if (rc == DQ_OK)
        rc = dq_compute_derivative(ctx, ctx->t, ctx->y, ctx->f);
    if (rc)
        return rc;
    const size_t m = ctx->comps, units = ctx->units, len = ctx->len;
    double *y0 = ctx->scratch, *F = y0 + len, *J = F + len, *done = J + m * m * units;
    double *A = done + units, *b = A + m * m;
    double *y = ctx->y;
    const double dt = ctx->dt, t1 = ctx->t + ctx->dt, tol = ctx->options[OPT_TOL];
    const int max_iter = (int)ctx->options[OPT_MAX_ITER];
    for (size_t i = 0; i < len; ++i) {
        y0[i] = y[i];
        y[i] += dt * ctx->f[i];
    }
    for (size_t u = 0; u < units; ++u)
        done[u] = 0.0;
    double worst_res = 0.0;
    size_t worst_unit = 0;
    for (int it = 1; it <= max_iter; ++it) {
        /* F and J for the whole block: converged lanes are evaluated too, and ignored. */
        rc = dq_compute_derivative(ctx, t1, y, F);
        if (rc == DQ_OK)
            rc = dq_jacobian(ctx, t1, y, F, J);
        if (rc)
            return rc;
        int converged = 1;
        worst_res = -1.0;
        /* The live lanes only; the padding is filled from the last unit at the end. */
        for (size_t u = 0; u < ctx->live; ++u) {
            if (done[u] != 0.0)
                continue;
            double res = 0.0, ymax = 0.0, dmax = 0.0;
            for (size_t i = 0; i < m; ++i) {
                size_t k = i * units + u;
                for (size_t j = 0; j < m; ++j)
                    A[i * m + j] = (i == j) - dt * J[(i * m + j) * units + u];
                b[i] = -(y[k] - y0[k] - dt * F[k]);
                res = fmax(res, fabs(b[i]));
            }
            if (dq_linalg_solve(A, m, b, 1))
                return dq_fail(ctx, DQ_ENEWTON, u, "the Newton matrix I - dt*J is singular");
            for (size_t i = 0; i < m; ++i) {
                size_t k = i * units + u;
                y[k] += b[i];
                dmax = fmax(dmax, fabs(b[i]));
                ymax = fmax(ymax, fabs(y[k]));
            }
            if (dmax <= tol * (1.0 + ymax)) {
                done[u] = 1.0;
            } else {
                converged = 0;
                if (!(res <= worst_res)) { /* also catches NaN */
                    worst_res = res;
                    worst_unit = u;
                }
            }
        }
        if (converged) {
            dq_fill_padding(ctx, y);
            return dq_post_integral(ctx);
        }
    }
    return implicit_euler_fail(ctx, max_iter, worst_res, worst_unit);
}

DQ_INTEGRATOR(implicit_euler_desc, .name = "implicit_euler", .category = DQ_CATEGORY_IMPLICIT,
              .order = 1,
              .description = "Fully implicit backward Euler solved by Newton iteration per unit.",
              .flags = DQ_CAP_JACOBIAN, .step = implicit_euler_step,
              .scratch_size = implicit_euler_scratch,
              .cable_scratch_size = implicit_euler_cable_scratch,
              .options = DQ_OPTIONS({.name = "newton_tol",
                                     .def = 1e-10,
                                     .doc = "relative size of the last Newton correction",
                                     .min = 1e-300,
                                     .max = 1.0},
                                    {.name = "newton_max_iter",
                                     .def = 50,
                                     .doc = "Newton iterations allowed per step",
                                     .min = 1,
                                     .max = 10000,
                                     .flags = DQ_OPTION_INTEGER}));

DQ_PLUGIN_INTEGRATOR(implicit_euler_desc)
