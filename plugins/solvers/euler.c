/* SPDX-License-Identifier: MIT */
/* euler.c -- forward (explicit) Euler: y1 = y0 + dt * f(t0, y0). Order 1. */
#include <dq/dq.h>

/* The seed's four steps: pre_integral, fill derivatives, y <- y + dt*f, post_integral. */
DQ_SIMD_CLONES static int euler_step(dq_ctx_t *ctx)
{
    int rc = dq_pre_integral(ctx);
    if (rc)
        return rc;
    rc = dq_compute_derivative(ctx, ctx->t, ctx->y, ctx->f);
    if (rc)
        return rc;
    double *restrict y = ctx->y;
    const double *restrict f = ctx->f;
    const double dt = ctx->dt;
    const size_t len = ctx->len;
    DQ_SIMD_LOOP
    for (size_t i = 0; i < len; ++i)
        y[i] += dt * f[i];
    return dq_post_integral(ctx);
}

DQ_INTEGRATOR(euler_desc, .name = "euler", .aliases = DQ_ALIASES("explicit"),
              .category = DQ_CATEGORY_EXPLICIT, .order = 1,
              .description = "Forward (explicit) Euler method.", .step = euler_step);

DQ_PLUGIN_INTEGRATOR(euler_desc)
