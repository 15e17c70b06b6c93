/* SPDX-License-Identifier: MIT */
/* exp_exp_euler.c -- cable models: the voltage by the exponential of the linearised tree
 * operator with the gates held (the membrane current linearised about V_n, the stimulus at
 * t + dt/2):
 *     V_(n+1) = V* + exp(dt A)(V_n - V*) = V_n + dt phi_1(dt A) C^{-1} F_n,
 *     A = -C^{-1}(G_axial + dI/dV),
 * applied with CRAM of degree 16 (eight complex shifted tree solves, <dq/cable_expm.h>);
 * then the gates by exponential Euler over dt at the new V. First order (exact for a
 * passive cable under a constant clamp). Both substeps are exact flows for HH-type gates, so the
 * step is a Lie splitting, conjugate to Strang's: its first-order error is an offset h/2 F_gates in
 * the gates, and V converges at second order when the gates start at rest (F_gates = 0), as the
 * host initialises them; from gates away from rest V is first order as well (tested).
 * (braincell's exp_exp_euler has its matrix exponential commented out.) */
#include "cable_split.h"

static int exp_exp_euler_init(dq_ctx_t *ctx)
{
    cable_split_t s = {0};
    return cable_split_begin(ctx, "exp_exp_euler", &s);
}

DQ_SIMD_CLONES static int exp_exp_euler_step(dq_ctx_t *ctx)
{
    cable_split_t s = {0};
    const double t = ctx->t, dt = ctx->dt;
    int rc = cable_split_begin(ctx, "exp_exp_euler", &s);
    if (rc == DQ_OK)
        rc = dq_pre_integral(ctx);
    if (rc == DQ_OK)
        rc = cable_v_exp(ctx, &s, t + 0.5 * dt);
    if (rc == DQ_OK)
        rc = cable_gates_exp(ctx, &s, t, dt);
    return rc ? rc : dq_post_integral(ctx);
}

DQ_INTEGRATOR(exp_exp_euler_desc, .name = "exp_exp_euler", .category = DQ_CATEGORY_CABLE,
              .order = 1,
              .description = "Cable: V by the exponential of the linearised tree operator (CRAM-16 "
                             "shifted tree solves), then gates by exponential Euler.",
              .step = exp_exp_euler_step, .init = exp_exp_euler_init,
              .scratch_size = cable_split_scratch);

DQ_PLUGIN_INTEGRATOR(exp_exp_euler_desc)
