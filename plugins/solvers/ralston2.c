/* SPDX-License-Identifier: MIT */
/* ralston2.c -- Ralston's second-order method, the minimum-error two-stage method. Order 2. */
#include <dq/dq.h>
#include <dq/rk.h>

#include "tableaux/ralston2.h"

DQ_SIMD_CLONES static int ralston2_step(dq_ctx_t *ctx)
{
    return dq_rk_step(ctx, &ralston2_tableau);
}

DQ_INTEGRATOR(ralston2_desc, .name = "ralston2", .category = DQ_CATEGORY_EXPLICIT, .order = 2,
              .description = "Ralston's second-order method with minimum error bound (c2 = 2/3).",
              .step = ralston2_step, .scratch_vectors = DQ_RK_SCRATCH_VECTORS(2));

DQ_PLUGIN_INTEGRATOR(ralston2_desc)
