/* SPDX-License-Identifier: MIT */
/* staggered.c -- NEURON's fixed-step scheme for cable models: V at whole steps, the gates at
 * half steps. A step from t:
 *   1. I and dI/dV from the membrane at t + dt/2 (the stimulus there, as NEURON evaluates
 *      it), with the current V and gates;
 *   2. (C + dt (G_axial + dI/dV)) dV = dt (-I + axial(V)), solved on the tree (Hines);
 *      V += dV;
 *   3. the gates by exponential Euler over dt at the new V: with f and d = df/dg there,
 *      g += (exp(d dt) - 1)/d * f (f dt when d = 0).
 * Option cn = 1 is NEURON's secondorder = 2 (Crank-Nicolson for V): step 2 solves with dt/2
 * for V at t + dt/2 and takes V(t + dt) = 2 V(t + dt/2) - V(t). Declared order 1 (cn = 0);
 * the test suite measures both. On a passive cable step 2 is the backward Euler step
 * exactly. ctx->f is left with I - I_stim in the V rows and the gates' derivatives. */
#include "cable_step.h"

enum { OPT_CN };

/* d (len), the right-hand side and the pivots (n*units each, n <= comps), offd (n). */
static size_t staggered_scratch(size_t comps, size_t units)
{
    return 3 * comps * units + comps;
}

static int staggered_init(dq_ctx_t *ctx)
{
    if (!dq_cable(ctx))
        return dq_fail(ctx, DQ_EUSAGE, (size_t)-1, CABLE_NEEDS("staggered"));
    return DQ_OK;
}

static int staggered_step(dq_ctx_t *ctx)
{
    const dq_cable_t *cb = dq_cable(ctx);
    if (!cb)
        return dq_fail(ctx, DQ_EUSAGE, (size_t)-1, CABLE_NEEDS("staggered"));
    const size_t units = ctx->units, nu = cb->n * units, len = ctx->len;
    const double t = ctx->t, dt = ctx->dt;
    const int cn = ctx->options[OPT_CN] != 0.0;
    const double gamma = cn ? 0.5 * dt : dt;
    double *y = ctx->y, *f = ctx->f, *d = ctx->scratch, *r = d + len, *work = r + nu;
    double *offd = work + nu;
    int rc = dq_pre_integral(ctx);
    if (rc == DQ_OK)
        rc = dq_cable_membrane(ctx, t + 0.5 * dt, y, f, d);
    if (rc)
        return rc;
    cable_rhs_v(cb, units, gamma, f, y, r);
    dq_cable_solve_v(cb, units, gamma, d, r, work, offd);
    cable_add_v(cb, units, cn ? 2.0 : 1.0, r, y);
    rc = dq_cable_gates(ctx, t + dt, y, f, d);
    if (rc)
        return rc;
    cable_exp_update(y, y, f, d, dt, nu, len);
    return dq_post_integral(ctx);
}

DQ_INTEGRATOR(staggered_desc, .name = "staggered", .aliases = DQ_ALIASES("stagger"),
              .category = DQ_CATEGORY_CABLE, .order = 1,
              .description = "NEURON's fixed step for cable models: linearised backward Euler "
                             "for V on the tree (membrane at t+dt/2), then exponential Euler "
                             "for the gates at the new V (staggered half a step); cn=1 is "
                             "Crank-Nicolson for V.",
              .step = staggered_step, .init = staggered_init, .scratch_size = staggered_scratch,
              .options = DQ_OPTIONS({.name = "cn",
                                     .def = 0,
                                     .doc = "1: Crank-Nicolson for V (NEURON's secondorder=2)",
                                     .min = 0,
                                     .max = 1,
                                     .flags = DQ_OPTION_INTEGER}));

DQ_PLUGIN_INTEGRATOR(staggered_desc)
