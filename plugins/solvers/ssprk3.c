/* SPDX-License-Identifier: MIT */
/* ssprk3.c -- third-order strong-stability-preserving RK of Shu and Osher. Order 3. */
#include <dq/dq.h>
#include <dq/rk.h>

#include "tableaux/ssprk3.h"

DQ_SIMD_CLONES static int ssprk3_step(dq_ctx_t *ctx)
{
    return dq_rk_step(ctx, &ssprk3_tableau);
}

DQ_INTEGRATOR(ssprk3_desc, .name = "ssprk3", .category = DQ_CATEGORY_EXPLICIT, .order = 3,
              .description = "Shu and Osher's third-order strong-stability-preserving method "
                             "(SSPRK3).",
              .step = ssprk3_step, .scratch_vectors = DQ_RK_SCRATCH_VECTORS(3));

DQ_PLUGIN_INTEGRATOR(ssprk3_desc)
