/* SPDX-License-Identifier: MIT */
/* midpoint.c -- the explicit midpoint method: k2 at the midpoint, y1 = y0 + dt*k2. Order 2. */
#include <dq/dq.h>
#include <dq/rk.h>

#include "tableaux/midpoint.h"

DQ_SIMD_CLONES static int midpoint_step(dq_ctx_t *ctx)
{
    return dq_rk_step(ctx, &midpoint_tableau);
}

DQ_INTEGRATOR(midpoint_desc, .name = "midpoint", .category = DQ_CATEGORY_EXPLICIT, .order = 2,
              .description = "Explicit midpoint method (second-order Runge-Kutta, c2 = 1/2).",
              .step = midpoint_step, .scratch_vectors = DQ_RK_SCRATCH_VECTORS(2));

DQ_PLUGIN_INTEGRATOR(midpoint_desc)
