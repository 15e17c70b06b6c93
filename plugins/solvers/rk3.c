/* SPDX-License-Identifier: MIT */
/* rk3.c -- Kutta's third-order method, braincell's rk3. Order 3. */
#include <dq/dq.h>
#include <dq/rk.h>

#include "tableaux/rk3.h"

DQ_SIMD_CLONES static int rk3_step(dq_ctx_t *ctx)
{
    return dq_rk_step(ctx, &rk3_tableau);
}

DQ_INTEGRATOR(rk3_desc, .name = "rk3", .category = DQ_CATEGORY_EXPLICIT, .order = 3,
              .description = "Kutta's third-order Runge-Kutta method "
                             "(c = 0, 1/2, 1; b = 1/6, 2/3, 1/6).",
              .step = rk3_step, .scratch_vectors = DQ_RK_SCRATCH_VECTORS(3));

DQ_PLUGIN_INTEGRATOR(rk3_desc)
