/* SPDX-License-Identifier: MIT */
/* implicit_rk4.c -- cable models: the voltage by linearised backward Euler on the tree with
 * the gates held and the membrane at t + dt,
 *     (C + dt (G_axial + dI/dV)) dV = dt (-I + I_stim + axial),
 * then the gates by classical RK4 over dt with V held at its new value. braincell's name;
 * the voltage step limits it to first order (braincell registers it as order 4). */
#include "cable_split.h"

static int implicit_rk4_init(dq_ctx_t *ctx)
{
    cable_split_t s = {0};
    return cable_split_begin(ctx, "implicit_rk4", &s);
}

DQ_SIMD_CLONES static int implicit_rk4_step(dq_ctx_t *ctx)
{
    cable_split_t s = {0};
    const double t = ctx->t, dt = ctx->dt;
    int rc = cable_split_begin(ctx, "implicit_rk4", &s);
    if (rc == DQ_OK)
        rc = dq_pre_integral(ctx);
    if (rc == DQ_OK)
        rc = cable_v_theta(ctx, &s, 1.0, t + dt);
    if (rc == DQ_OK)
        rc = cable_gates_rk4(ctx, &s, t, dt);
    return rc ? rc : dq_post_integral(ctx);
}

DQ_INTEGRATOR(
    implicit_rk4_desc, .name = "implicit_rk4", .category = DQ_CATEGORY_CABLE, .order = 1,
    .description = "Cable: V by linearised backward Euler on the tree, then gates by RK4 at the "
                   "new V (braincell's name; the V step limits it to first order).",
    .step = implicit_rk4_step, .init = implicit_rk4_init, .scratch_size = cable_split_scratch);

DQ_PLUGIN_INTEGRATOR(implicit_rk4_desc)
