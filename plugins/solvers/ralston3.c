/* SPDX-License-Identifier: MIT */
/* ralston3.c -- Ralston's third-order method, the minimum-error three-stage method. Order 3. */
#include <dq/dq.h>
#include <dq/rk.h>

#include "tableaux/ralston3.h"

DQ_SIMD_CLONES static int ralston3_step(dq_ctx_t *ctx)
{
    return dq_rk_step(ctx, &ralston3_tableau);
}

DQ_INTEGRATOR(ralston3_desc, .name = "ralston3", .category = DQ_CATEGORY_EXPLICIT, .order = 3,
              .description = "Ralston's third-order Runge-Kutta method with minimum error bound "
                             "(c = 0, 1/2, 3/4).",
              .step = ralston3_step, .scratch_vectors = DQ_RK_SCRATCH_VECTORS(3));

DQ_PLUGIN_INTEGRATOR(ralston3_desc)
