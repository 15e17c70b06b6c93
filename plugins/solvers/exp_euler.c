/* SPDX-License-Identifier: MIT */
/* exp_euler.c -- coupled exponential Euler (exponential Rosenbrock-Euler):
 *   y1 = y0 + dt * phi_1(dt*J) f + dt^2 * phi_2(dt*J) w,
 *   J = dF/dy and w = dF/dt at (t0, y0), per unit,
 * with both terms read off the exponential of one augmented matrix
 *   exp([[dt*J, dt^2*w, dt*f], [0, 0, 1], [0, 0, 0]]): last column = phi_1 dt f + phi_2 dt^2 w
 * (scaling and squaring with a Pade approximant), so a singular J needs no inverse.
 * w comes from one extra derivative evaluation at t0 + h; for an autonomous model it is
 * exactly zero and the smaller matrix [[dt*J, dt*f], [0, 0]] is used. Exact for linear
 * autonomous systems; second order with the exact Jacobian, also when F depends on t. */
#include <math.h>

#include <dq/dq.h>
#include <dq/linalg.h>

/* The units' Jacobian blocks, F(t0 + h, y0) (then dF/dt), then the augmented matrix, its
 * exponential and expm work for the larger (m + 2) form. */
static size_t exp_euler_work(size_t m, size_t units)
{
    size_t a = m + 2;
    return m * m * units + m * units + 2 * a * a + DQ_LINALG_EXPM_WORK(a);
}

static int exp_euler_step(dq_ctx_t *ctx)
{
    int rc = dq_pre_integral(ctx);
    if (rc == DQ_OK)
        rc = dq_compute_derivative(ctx, ctx->t, ctx->y, ctx->f);
    const size_t m = ctx->m, units = ctx->units, n = ctx->n;
    double *J = ctx->work, *w = J + m * m * units, *M = w + n;
    if (rc == DQ_OK)
        rc = dq_jacobian(ctx, ctx->t, ctx->y, ctx->f, J);
    /* dF/dt by a forward difference in t alone; the step h is what t + h really adds. */
    const double t = ctx->t, dt = ctx->dt;
    volatile double th = t + 1.4901161193847656e-8 * (fabs(t) > 1.0 ? fabs(t) : 1.0);
    const double h = th - t;
    if (rc == DQ_OK)
        rc = dq_compute_derivative(ctx, th, ctx->y, w);
    if (rc)
        return rc;
    int autonomous = 1;
    for (size_t i = 0; i < n; ++i) {
        w[i] = (w[i] - ctx->f[i]) / h;
        autonomous &= w[i] == 0.0;
    }
    const size_t a = autonomous ? m + 1 : m + 2, last = a - 1;
    double *E = M + a * a, *scratch = E + a * a;
    for (size_t u = 0; u < units; ++u) {
        for (size_t i = 0; i < a * a; ++i)
            M[i] = 0.0;
        for (size_t i = 0; i < m; ++i) {
            for (size_t j = 0; j < m; ++j)
                M[i * a + j] = dt * J[(i * m + j) * units + u];
            M[i * a + last] = dt * ctx->f[i * units + u];
            if (!autonomous)
                M[i * a + m] = dt * dt * w[i * units + u];
        }
        if (!autonomous)
            M[m * a + last] = 1.0;
        if (dq_linalg_expm(M, a, E, scratch))
            return dq_fail(ctx, DQ_ENONFINITE, u,
                           "the Jacobian or the derivative is not finite");
        for (size_t i = 0; i < m; ++i)
            ctx->y[i * units + u] += E[i * a + last];
    }
    return dq_post_integral(ctx);
}

DQ_INTEGRATOR(exp_euler_desc,
              .name = "exp_euler",
              .category = "exponential",
              .order = 2,
              .description = "Coupled exponential Euler step linearizing the full state vector.",
              .flags = DQ_CAP_JACOBIAN,
              .step = exp_euler_step,
              .work_size = exp_euler_work);

DQ_PLUGIN_INTEGRATOR(exp_euler_desc)
