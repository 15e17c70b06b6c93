/* SPDX-License-Identifier: MIT */
/* implicit_exp_euler.c -- cable models: the voltage by linearised backward Euler on the
 * tree with the gates held and the membrane at t + dt (as implicit_rk4), then the gates by
 * exponential Euler over dt at the new V, g += expm1(d dt)/d f. First order. */
#include "cable_split.h"

static int implicit_exp_euler_init(dq_ctx_t *ctx)
{
    cable_split_t s = {0};
    return cable_split_begin(ctx, "implicit_exp_euler", &s);
}

DQ_SIMD_CLONES static int implicit_exp_euler_step(dq_ctx_t *ctx)
{
    cable_split_t s = {0};
    const double t = ctx->t, dt = ctx->dt;
    int rc = cable_split_begin(ctx, "implicit_exp_euler", &s);
    if (rc == DQ_OK)
        rc = dq_pre_integral(ctx);
    if (rc == DQ_OK)
        rc = cable_v_theta(ctx, &s, 1.0, t + dt);
    if (rc == DQ_OK)
        rc = cable_gates_exp(ctx, &s, t, dt);
    return rc ? rc : dq_post_integral(ctx);
}

DQ_INTEGRATOR(implicit_exp_euler_desc, .name = "implicit_exp_euler", .category = DQ_CATEGORY_CABLE,
              .order = 1,
              .description = "Cable: V by linearised backward Euler on the tree, then gates by "
                             "exponential Euler at the new V.",
              .step = implicit_exp_euler_step, .init = implicit_exp_euler_init,
              .scratch_size = cable_split_scratch);

DQ_PLUGIN_INTEGRATOR(implicit_exp_euler_desc)
