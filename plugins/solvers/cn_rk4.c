/* SPDX-License-Identifier: MIT */
/* cn_rk4.c -- cable models, second order by Strang splitting: the gates by classical RK4
 * over dt/2 at V_n; the voltage by linearised Crank-Nicolson (theta = 1/2) on the tree with
 * the half-step gates held and the membrane at t + dt/2,
 *     (C + dt/2 (G_axial + dI/dV)) dV = dt (-I + I_stim + axial);
 * the gates by RK4 over dt/2 at V_(n+1). (braincell's cn_rk4 uses theta = 1, backward
 * Euler, and is first order.) */
#include "cable_split.h"

static int cn_rk4_init(dq_ctx_t *ctx)
{
    cable_split_t s = {0};
    return cable_split_begin(ctx, "cn_rk4", &s);
}

DQ_SIMD_CLONES static int cn_rk4_step(dq_ctx_t *ctx)
{
    cable_split_t s = {0};
    const double t = ctx->t, dt = ctx->dt;
    int rc = cable_split_begin(ctx, "cn_rk4", &s);
    if (rc == DQ_OK)
        rc = dq_pre_integral(ctx);
    if (rc == DQ_OK)
        rc = cable_gates_rk4(ctx, &s, t, 0.5 * dt);
    if (rc == DQ_OK)
        rc = cable_v_theta(ctx, &s, 0.5, t + 0.5 * dt);
    if (rc == DQ_OK)
        rc = cable_gates_rk4(ctx, &s, t + 0.5 * dt, 0.5 * dt);
    return rc ? rc : dq_post_integral(ctx);
}

DQ_INTEGRATOR(cn_rk4_desc, .name = "cn_rk4", .category = DQ_CATEGORY_CABLE, .order = 2,
              .description = "Cable: Strang splitting, gates by RK4 half steps around a linearised "
                             "Crank-Nicolson V step on the tree.",
              .step = cn_rk4_step, .init = cn_rk4_init, .scratch_size = cable_split_scratch);

DQ_PLUGIN_INTEGRATOR(cn_rk4_desc)
