/* SPDX-License-Identifier: MIT */
/* cn_exp_euler.c -- cable models, second order by Strang splitting: the gates by exponential
 * Euler over dt/2 at V_n; the voltage by linearised Crank-Nicolson (theta = 1/2) on the tree
 * with the half-step gates held and the membrane at t + dt/2; the gates by exponential
 * Euler over dt/2 at V_(n+1). Exponential Euler is exact for gates linear in themselves
 * (HH's), which keeps the splitting second order. (braincell's cn_exp_euler uses
 * theta = 1, backward Euler, and is first order.) */
#include "cable_split.h"

static int cn_exp_euler_init(dq_ctx_t *ctx)
{
    cable_split_t s = {0};
    return cable_split_begin(ctx, "cn_exp_euler", &s);
}

DQ_SIMD_CLONES static int cn_exp_euler_step(dq_ctx_t *ctx)
{
    cable_split_t s = {0};
    const double t = ctx->t, dt = ctx->dt;
    int rc = cable_split_begin(ctx, "cn_exp_euler", &s);
    if (rc == DQ_OK)
        rc = dq_pre_integral(ctx);
    if (rc == DQ_OK)
        rc = cable_gates_exp(ctx, &s, t, 0.5 * dt);
    if (rc == DQ_OK)
        rc = cable_v_theta(ctx, &s, 0.5, t + 0.5 * dt);
    if (rc == DQ_OK)
        rc = cable_gates_exp(ctx, &s, t + 0.5 * dt, 0.5 * dt);
    return rc ? rc : dq_post_integral(ctx);
}

DQ_INTEGRATOR(cn_exp_euler_desc, .name = "cn_exp_euler", .category = DQ_CATEGORY_CABLE, .order = 2,
              .description = "Cable: Strang splitting, gates by exponential Euler half steps "
                             "around a linearised Crank-Nicolson V step on the tree.",
              .step = cn_exp_euler_step, .init = cn_exp_euler_init,
              .scratch_size = cable_split_scratch);

DQ_PLUGIN_INTEGRATOR(cn_exp_euler_desc)
