/* SPDX-License-Identifier: MIT */
/* heun2.c -- Heun's second-order method, the explicit trapezoidal rule. Order 2. */
#include <dq/dq.h>
#include <dq/rk.h>

#include "tableaux/heun2.h"

DQ_SIMD_CLONES static int heun2_step(dq_ctx_t *ctx)
{
    return dq_rk_step(ctx, &heun2_tableau);
}

DQ_INTEGRATOR(heun2_desc, .name = "heun2", .category = DQ_CATEGORY_EXPLICIT, .order = 2,
              .description = "Heun's second-order method (explicit trapezoidal rule, c2 = 1).",
              .step = heun2_step, .scratch_vectors = DQ_RK_SCRATCH_VECTORS(2));

DQ_PLUGIN_INTEGRATOR(heun2_desc)
