/* SPDX-License-Identifier: MIT */
/* backward_euler.c -- linearly implicit (Rosenbrock) backward Euler: per unit,
 *   (I - dt*J) delta = dt * f(t0, y0),   y1 = y0 + delta,   J = dF/dy at (t0, y0).
 * One linear solve per unit and step; A-stable, first order; for a linear system it is the
 * backward Euler step exactly: y1 = (I - dt*A)^-1 y0. */
#include <dq/dq.h>
#include <dq/linalg.h>

/* The units' Jacobian blocks, then one dense system and its right-hand side. */
static size_t backward_euler_scratch(size_t comps, size_t units)
{
    return comps * comps * units + comps * comps + comps;
}

static int backward_euler_step(dq_ctx_t *ctx)
{
    int rc = dq_pre_integral(ctx);
    if (rc == DQ_OK)
        rc = dq_compute_derivative(ctx, ctx->t, ctx->y, ctx->f);
    const size_t m = ctx->comps, units = ctx->units;
    double *J = ctx->scratch, *A = J + m * m * units, *b = A + m * m;
    if (rc == DQ_OK)
        rc = dq_jacobian(ctx, ctx->t, ctx->y, ctx->f, J);
    if (rc)
        return rc;
    const double dt = ctx->dt;
    /* Unit by unit: each unit's solve reads its own lane only, so its bits do not depend on
     * where it sits in the block; the padding lanes are filled from the last unit. */
    for (size_t u = 0; u < ctx->live; ++u) {
        for (size_t i = 0; i < m; ++i) {
            for (size_t j = 0; j < m; ++j)
                A[i * m + j] = (i == j) - dt * J[(i * m + j) * units + u];
            b[i] = dt * ctx->f[i * units + u];
        }
        if (dq_linalg_solve(A, m, b, 1))
            return dq_fail(ctx, DQ_ESOLVER, u, "the matrix I - dt*J is singular");
        for (size_t i = 0; i < m; ++i)
            ctx->y[i * units + u] += b[i];
    }
    dq_fill_padding(ctx, ctx->y);
    return dq_post_integral(ctx);
}

DQ_INTEGRATOR(backward_euler_desc, .name = "backward_euler", .category = DQ_CATEGORY_IMPLICIT,
              .order = 1,
              .description = "Backward (implicit) Euler method via local Jacobian linearization.",
              .flags = DQ_CAP_JACOBIAN, .step = backward_euler_step,
              .scratch_size = backward_euler_scratch);

DQ_PLUGIN_INTEGRATOR(backward_euler_desc)
