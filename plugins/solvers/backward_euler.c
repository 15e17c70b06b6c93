/* SPDX-License-Identifier: MIT */
/* backward_euler.c -- linearly implicit (Rosenbrock) backward Euler: per unit,
 *   (I - dt*J) delta = dt * f(t0, y0),   y1 = y0 + delta,   J = dF/dy at (t0, y0).
 * One linear solve per unit and step; A-stable, first order; for a linear system it is the
 * backward Euler step exactly: y1 = (I - dt*A)^-1 y0.
 * A cable model (dq/cable.h) takes the same step in its mass-matrix form M y' = F,
 *   (M - dt*J) delta = dt * F(t0, y0),   y1 = y0 + delta,
 * with J's tree, gate diagonal and couplings from the host's cable calls, solved in O(n) per
 * cell by dq_cable_solve (the host refuses the dense Jacobian of a cable model). */
#include "cable_step.h"

/* Dense: the units' Jacobian blocks, then one dense system and its right-hand side. */
static size_t backward_euler_scratch(size_t comps, size_t units)
{
    return comps * comps * units + comps * comps + comps;
}

/* Cable (ABI 2.3, asked for cable models only): the right-hand side, the gates' diagonal, e
 * and q (len each), dI/dV and the pivots (n*units each, n <= comps), offd (n). */
static size_t backward_euler_cable_scratch(size_t comps, size_t units)
{
    return 6 * comps * units + comps;
}

DQ_SIMD_CLONES static int backward_euler_cable(dq_ctx_t *ctx, const dq_cable_t *cb)
{
    const size_t units = ctx->units, nu = cb->n * units, len = ctx->len;
    double *r = ctx->scratch, *dg = r + len, *e = dg + len, *q = e + len, *gm = q + len;
    double *work = gm + nu, *offd = work + nu, *y = ctx->y, *f = ctx->f;
    const double t = ctx->t, dt = ctx->dt;
    /* F(t0, y0) into ctx->f, J's parts beside it. */
    int rc = cable_mass_form(ctx, cb, t, y, f, work, gm, dg, e, q);
    if (rc)
        return rc;
    DQ_SIMD_LOOP
    for (size_t k = 0; k < len; ++k)
        r[k] = dt * f[k];
    dq_cable_solve(cb, units, dt, gm, dg, e, q, r, work, offd);
    DQ_SIMD_LOOP
    for (size_t k = 0; k < len; ++k)
        y[k] += r[k];
    return dq_post_integral(ctx);
}

static int backward_euler_step(dq_ctx_t *ctx)
{
    int rc = dq_pre_integral(ctx);
    if (rc)
        return rc;
    const dq_cable_t *cb = dq_cable(ctx);
    if (cb)
        return backward_euler_cable(ctx, cb);
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
              .scratch_size = backward_euler_scratch,
              .cable_scratch_size = backward_euler_cable_scratch);

DQ_PLUGIN_INTEGRATOR(backward_euler_desc)
