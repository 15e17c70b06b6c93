/* SPDX-License-Identifier: MIT */
/* ralston4.c -- Ralston's fourth-order method, the minimum-error four-stage method. Order 4. */
#include <dq/dq.h>
#include <dq/rk.h>

#include "tableaux/ralston4.h"

DQ_SIMD_CLONES static int ralston4_step(dq_ctx_t *ctx)
{
    return dq_rk_step(ctx, &ralston4_tableau);
}

DQ_INTEGRATOR(ralston4_desc, .name = "ralston4", .category = DQ_CATEGORY_EXPLICIT, .order = 4,
              .description = "Ralston's fourth-order Runge-Kutta method with minimum error bound "
                             "(c = 0, 2/5, 7/8 - 3*sqrt(5)/16, 1).",
              .step = ralston4_step, .scratch_vectors = DQ_RK_SCRATCH_VECTORS(4));

DQ_PLUGIN_INTEGRATOR(ralston4_desc)
