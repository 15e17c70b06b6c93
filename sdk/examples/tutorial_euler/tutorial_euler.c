/* SPDX-License-Identifier: MIT */
/* tutorial_euler.c -- the seed's tutorial_euler as a third-party plugin: forward Euler
 * written from scratch, registered under its own name with an alias and override. */
#include <dq/dq.h>

static int tutorial_euler_step(dq_ctx_t *ctx)
{
    int rc = dq_pre_integral(ctx); /* 1. before */
    if (rc)
        return rc;
    rc = dq_compute_derivative(ctx, ctx->t, ctx->y, ctx->f); /* 2. fill derivatives */
    if (rc)
        return rc;
    for (size_t i = 0; i < ctx->len; ++i) /* 3. y <- y + dt * f */
        ctx->y[i] = ctx->y[i] + ctx->dt * ctx->f[i];
    return dq_post_integral(ctx); /* 4. after */
}

DQ_INTEGRATOR(tutorial_euler, .name = "tutorial_euler", .aliases = DQ_ALIASES("tut_euler"),
              .category = DQ_CATEGORY_EXPLICIT, .order = 1,
              .description = "Forward Euler built in the advanced integration tutorial.",
              .flags = DQ_INTEGRATOR_OVERRIDE, /* keeps re-registration safe, as in the seed */
              .step = tutorial_euler_step);

DQ_PLUGIN_INTEGRATOR(tutorial_euler)
