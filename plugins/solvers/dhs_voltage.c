/* SPDX-License-Identifier: MIT */
/* dhs_voltage.c -- backward Euler for cable models, V first, then the gates. A step from t:
 *   1. I and dI/dV from the membrane at t + dt (the stimulus there), with the current V and
 *      the gates held at their start values;
 *   2. (C + dt (G_axial + dI/dV)) dV = dt (-I + axial(V)) on the tree; V += dV;
 *   3. each gate by one linearised backward Euler step at the new V: with f and d = df/dg
 *      at (new V, old g), g_new = (g + dt (f - d g)) / (1 - dt d) = g + dt f / (1 - dt d).
 * First order. Dendritic hierarchical scheduling (DHS) is a GPU ordering of the elimination
 * in step 2; here the elimination is the serial Hines order and the cells run side by side
 * in SIMD lanes. ctx->f is left with I - I_stim in the V rows and the gates' derivatives. */
#include "cable_step.h"

/* d (len), the right-hand side and the pivots (n*units each, n <= comps), offd (n). */
static size_t dhs_voltage_scratch(size_t comps, size_t units)
{
    return 3 * comps * units + comps;
}

static int dhs_voltage_init(dq_ctx_t *ctx)
{
    if (!dq_cable(ctx))
        return dq_fail(ctx, DQ_EUSAGE, (size_t)-1, CABLE_NEEDS("dhs_voltage"));
    return DQ_OK;
}

DQ_SIMD_CLONES static int dhs_voltage_step(dq_ctx_t *ctx)
{
    const dq_cable_t *cb = dq_cable(ctx);
    if (!cb)
        return dq_fail(ctx, DQ_EUSAGE, (size_t)-1, CABLE_NEEDS("dhs_voltage"));
    const size_t units = ctx->units, nu = cb->n * units, len = ctx->len;
    const double t1 = ctx->t + ctx->dt, dt = ctx->dt;
    double *y = ctx->y, *f = ctx->f, *d = ctx->scratch, *r = d + len, *work = r + nu;
    double *offd = work + nu;
    int rc = dq_pre_integral(ctx);
    if (rc == DQ_OK)
        rc = dq_cable_membrane(ctx, t1, y, f, d);
    if (rc)
        return rc;
    cable_rhs_v(cb, units, dt, f, y, r);
    dq_cable_solve_v(cb, units, dt, d, r, work, offd);
    cable_add_v(cb, units, 1.0, r, y);
    rc = dq_cable_gates(ctx, t1, y, f, d);
    if (rc)
        return rc;
    cable_implicit_update(y, f, d, dt, nu, len);
    return dq_post_integral(ctx);
}

DQ_INTEGRATOR(dhs_voltage_desc, .name = "dhs_voltage", .category = DQ_CATEGORY_CABLE, .order = 1,
              .description = "Backward Euler for cable models: V on the tree (membrane at t+dt, "
                             "gates held), then each gate by linearised backward Euler at the new "
                             "V; dendritic hierarchical scheduling is a GPU ordering of this "
                             "elimination; here cells run side by side in SIMD lanes.",
              .step = dhs_voltage_step, .init = dhs_voltage_init,
              .scratch_size = dhs_voltage_scratch);

DQ_PLUGIN_INTEGRATOR(dhs_voltage_desc)
