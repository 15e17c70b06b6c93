/* SPDX-License-Identifier: MIT */
/* heun3.c -- Heun's third-order method. Order 3. */
#include <dq/dq.h>
#include <dq/rk.h>

#include "tableaux/heun3.h"

DQ_SIMD_CLONES static int heun3_step(dq_ctx_t *ctx)
{
    return dq_rk_step(ctx, &heun3_tableau);
}

DQ_INTEGRATOR(heun3_desc, .name = "heun3", .category = DQ_CATEGORY_EXPLICIT, .order = 3,
              .description = "Heun's third-order Runge-Kutta method "
                             "(c = 0, 1/3, 2/3; b = 1/4, 0, 3/4).",
              .step = heun3_step, .scratch_vectors = DQ_RK_SCRATCH_VECTORS(3));

DQ_PLUGIN_INTEGRATOR(heun3_desc)
