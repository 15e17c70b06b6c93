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

/* d (len), the right-hand side, the diagonal and the elimination's work (n*units each,
 * n <= comps), offd (n), the marks of dq_hines_refactor (n bytes, in comps doubles). */
static size_t staggered_scratch(size_t comps, size_t units)
{
    return 4 * comps * units + 2 * comps;
}

/* The persistent state (two vectors of len, n*units used): the diagonal the pivots belong
 * to and the pivots. NaN marks them stale, so the first step after init (and after a change
 * of dt, which calls init again) factors every node. */
static int staggered_init(dq_ctx_t *ctx)
{
    if (!dq_cable(ctx))
        return dq_fail(ctx, DQ_EUSAGE, (size_t)-1, CABLE_NEEDS("staggered"));
    for (size_t k = 0; k < ctx->len; ++k)
        ctx->state[k] = NAN;
    return DQ_OK;
}

/* The step for blocks of `units` lanes. Always inlined: called with the constant DQ_LANES
 * (a lone cell or a few), every per-compartment loop below is one vector operation without
 * loop control, which is most of a small cell's step. */
static inline __attribute__((always_inline)) int staggered_core(dq_ctx_t *ctx, const dq_cable_t *cb,
                                                                const size_t units)
{
    const size_t nu = cb->n * units, len = ctx->len;
    const double t = ctx->t, dt = ctx->dt;
    const int cn = ctx->options[OPT_CN] != 0.0;
    const double gamma = cn ? 0.5 * dt : dt;
    double *y = ctx->y, *f = ctx->f, *d = ctx->scratch, *r = d + len, *w = r + nu, *dd = w + nu;
    double *offd = dd + nu, *w_prev = ctx->state, *piv = ctx->state + len;
    unsigned char *dirty = (unsigned char *)(offd + cb->n);
    int rc = dq_pre_integral(ctx);
    if (rc == DQ_OK)
        rc = dq_cable_membrane(ctx, t + 0.5 * dt, y, f, d);
    if (rc)
        return rc;
    cable_rhs_v(cb, units, gamma, f, y, r);
    /* The matrix of dq_cable_solve_v, solved with pivots kept from the last step for the
     * nodes whose subtree's diagonal did not change (passive dendrites: all but the soma's
     * path to the root). */
    cable_diag_v(cb, units, gamma, d, w, offd);
    dq_hines_refactor(cb->n, units, cb->parent, offd, offd, w, w_prev, piv, 1, dirty, dd);
    dq_hines_solve_factored(cb->n, units, cb->parent, offd, offd, piv, r);
    cable_add_v(cb, units, cn ? 2.0 : 1.0, r, y);
    rc = dq_cable_gates(ctx, t + dt, y, f, d);
    if (rc)
        return rc;
    cable_exp_update(y, y, f, d, dt, nu, len);
    return dq_post_integral(ctx);
}

DQ_SIMD_CLONES static int staggered_step(dq_ctx_t *ctx)
{
    const dq_cable_t *cb = dq_cable(ctx);
    if (!cb)
        return dq_fail(ctx, DQ_EUSAGE, (size_t)-1, CABLE_NEEDS("staggered"));
    if (ctx->units == DQ_LANES)
        return staggered_core(ctx, cb, DQ_LANES);
    return staggered_core(ctx, cb, ctx->units);
}

DQ_INTEGRATOR(staggered_desc, .name = "staggered", .aliases = DQ_ALIASES("stagger"),
              .category = DQ_CATEGORY_CABLE, .order = 1,
              .description = "NEURON's fixed step for cable models: linearised backward Euler "
                             "for V on the tree (membrane at t+dt/2), then exponential Euler "
                             "for the gates at the new V (staggered half a step); cn=1 is "
                             "Crank-Nicolson for V.",
              .step = staggered_step, .init = staggered_init, .scratch_size = staggered_scratch,
              .state_vectors = 2,
              .options = DQ_OPTIONS({.name = "cn",
                                     .def = 0,
                                     .doc = "1: Crank-Nicolson for V (NEURON's secondorder=2)",
                                     .min = 0,
                                     .max = 1,
                                     .flags = DQ_OPTION_INTEGER}));

DQ_PLUGIN_INTEGRATOR(staggered_desc)
