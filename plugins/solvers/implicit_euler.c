/* SPDX-License-Identifier: MIT */
/* implicit_euler.c -- fully implicit backward Euler: solves, per unit,
 *   G(y1) = y1 - y0 - dt * F(t0 + dt, y1) = 0
 * by Newton's method, (I - dt*J(y1)) delta = -G(y1), starting from the explicit Euler
 * predictor. Converged when |delta|_inf <= newton_tol * (1 + |y1|_inf) for every unit of the
 * block; otherwise the step fails naming the worst unit, the iterations and the residual. */
#include <math.h>
#include <stdio.h>

#include <dq/dq.h>
#include <dq/linalg.h>

enum { OPT_TOL, OPT_MAX_ITER };

static const dq_option_desc_t implicit_euler_options[] = {
    {.name = "newton_tol", .def = 1e-10, .doc = "relative size of the last Newton correction",
     .min = 1e-300, .max = 1.0},
    {.name = "newton_max_iter", .def = 50, .doc = "Newton iterations allowed per step",
     .min = 1, .max = 10000, .flags = DQ_OPTION_INTEGER},
};

/* y0, F(y1), per-unit Jacobian blocks, one dense system, its right-hand side. */
static size_t implicit_euler_work(size_t m, size_t units)
{
    return 2 * m * units + m * m * units + m * m + m;
}

static int implicit_euler_step(dq_ctx_t *ctx)
{
    int rc = dq_pre_integral(ctx);
    if (rc == DQ_OK)
        rc = dq_compute_derivative(ctx, ctx->t, ctx->y, ctx->f);
    if (rc)
        return rc;
    const size_t m = ctx->m, units = ctx->units, n = ctx->n;
    double *y0 = ctx->work, *F = y0 + n, *J = F + n, *A = J + m * m * units, *b = A + m * m;
    double *y = ctx->y;
    const double dt = ctx->dt, t1 = ctx->t + ctx->dt, tol = ctx->options[OPT_TOL];
    const int max_iter = (int)ctx->options[OPT_MAX_ITER];
    for (size_t i = 0; i < n; ++i) {
        y0[i] = y[i];
        y[i] += dt * ctx->f[i];
    }
    double worst_res = 0.0;
    size_t worst_unit = 0;
    for (int it = 1; it <= max_iter; ++it) {
        rc = dq_compute_derivative(ctx, t1, y, F);
        if (rc == DQ_OK)
            rc = dq_jacobian(ctx, t1, y, F, J);
        if (rc)
            return rc;
        int converged = 1;
        worst_res = -1.0;
        for (size_t u = 0; u < units; ++u) {
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
            if (!(dmax <= tol * (1.0 + ymax))) {
                converged = 0;
                if (!(res <= worst_res)) { /* also catches NaN */
                    worst_res = res;
                    worst_unit = u;
                }
            }
        }
        if (converged)
            return dq_post_integral(ctx);
    }
    char msg[200];
    snprintf(msg, sizeof msg,
             "Newton iteration did not converge in %d iterations (residual %.3g, "
             "newton_tol %.3g); try a smaller dt or a larger newton_max_iter",
             max_iter, worst_res, tol);
    return dq_fail(ctx, DQ_ENEWTON, worst_unit, msg);
}

DQ_INTEGRATOR(implicit_euler_desc,
              .name = "implicit_euler",
              .category = "implicit",
              .order = 1,
              .description = "Fully implicit backward Euler solved by Newton iteration per unit.",
              .flags = DQ_CAP_JACOBIAN,
              .step = implicit_euler_step,
              .options = implicit_euler_options,
              .n_options = 2,
              .work_size = implicit_euler_work);

DQ_PLUGIN_INTEGRATOR(implicit_euler_desc)
