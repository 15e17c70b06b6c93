/* SPDX-License-Identifier: MIT */
/* exp_euler.c -- coupled exponential Euler (exponential Rosenbrock-Euler):
 *   y1 = y0 + dt * phi_1(dt*J) f(t0, y0),   J = dF/dy at (t0, y0), per unit,
 * with phi_1(dt*J)*dt*f read off the exponential of the augmented matrix
 *   exp([[dt*J, dt*f], [0, 0]]) = [[e^{dt J}, phi_1(dt J) dt f], [0, 1]]
 * (scaling and squaring with a Pade approximant), so a singular J needs no inverse.
 * Exact for linear systems; second order with the exact Jacobian. */
#include <dq/dq.h>
#include <dq/linalg.h>

/* The unit's Jacobian blocks, then the augmented matrix, its exponential and expm work. */
static size_t exp_euler_work(size_t m, size_t units)
{
    size_t a = m + 1;
    return m * m * units + 2 * a * a + DQ_LINALG_EXPM_WORK(a);
}

static int exp_euler_step(dq_ctx_t *ctx)
{
    int rc = dq_pre_integral(ctx);
    if (rc == DQ_OK)
        rc = dq_compute_derivative(ctx, ctx->t, ctx->y, ctx->f);
    const size_t m = ctx->m, units = ctx->units, a = m + 1;
    double *J = ctx->work, *M = J + m * m * units, *E = M + a * a, *scratch = E + a * a;
    if (rc == DQ_OK)
        rc = dq_jacobian(ctx, ctx->t, ctx->y, ctx->f, J);
    if (rc)
        return rc;
    const double dt = ctx->dt;
    for (size_t u = 0; u < units; ++u) {
        for (size_t i = 0; i < m; ++i) {
            for (size_t j = 0; j < m; ++j)
                M[i * a + j] = dt * J[(i * m + j) * units + u];
            M[i * a + m] = dt * ctx->f[i * units + u];
        }
        for (size_t j = 0; j < a; ++j)
            M[m * a + j] = 0.0;
        if (dq_linalg_expm(M, a, E, scratch))
            return dq_fail(ctx, DQ_ENONFINITE, u,
                           "the Jacobian or the derivative is not finite");
        for (size_t i = 0; i < m; ++i)
            ctx->y[i * units + u] += E[i * a + m];
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
