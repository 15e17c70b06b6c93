/* SPDX-License-Identifier: MIT */
/* rk2.c -- braincell's rk2: the two-stage second-order member with c2 = 2/3. Order 2. */
#include <dq/dq.h>
#include <dq/rk.h>

#include "tableaux/rk2.h"

DQ_SIMD_CLONES static int rk2_step(dq_ctx_t *ctx)
{
    return dq_rk_step(ctx, &rk2_tableau);
}

DQ_INTEGRATOR(rk2_desc, .name = "rk2", .category = DQ_CATEGORY_EXPLICIT, .order = 2,
              .description = "Second-order Runge-Kutta method with c2 = 2/3, b = (1/4, 3/4) "
                             "(braincell's rk2; the ralston2 tableau).",
              .step = rk2_step, .scratch_vectors = DQ_RK_SCRATCH_VECTORS(2));

DQ_PLUGIN_INTEGRATOR(rk2_desc)
