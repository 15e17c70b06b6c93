/* SPDX-License-Identifier: MIT */
/* rk4.c -- the classical fourth-order Runge-Kutta method. Order 4. */
#include <dq/dq.h>
#include <dq/rk.h>

#include "tableaux/rk4.h"

DQ_SIMD_CLONES static int rk4_step(dq_ctx_t *ctx)
{
    return dq_rk_step(ctx, &rk4_tableau);
}

DQ_INTEGRATOR(rk4_desc, .name = "rk4", .category = DQ_CATEGORY_EXPLICIT, .order = 4,
              .description = "Classical fourth-order Runge-Kutta method (RK4).", .step = rk4_step,
              .scratch_vectors = DQ_RK_SCRATCH_VECTORS(4));

DQ_PLUGIN_INTEGRATOR(rk4_desc)
