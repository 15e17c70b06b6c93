/* SPDX-License-Identifier: MIT */
/* splitting.c -- operator splitting of a cable model into
 *   the channel part: each compartment's own membrane and gates, no axial coupling, a
 *     stimulus-free local system: the gates by exponential Euler (g' = f, rate d = df/dg)
 *     and V by exponential Euler of C dV/dt = -I (rate -dI/dV / C); junctions are left
 *     alone (no membrane);
 *   the cable part: C dV/dt = axial(V) + I_stim(t), linear, one implicit tree step:
 *     (C + gamma G_axial) dV = h (axial(V) + I_stim), gamma = h (backward Euler, stimulus at
 *     t + h) or h/2 (Crank-Nicolson, stimulus at the midpoint).
 * strang = 0 (Lie): channel dt, then cable dt by backward Euler. Order 1.
 * strang = 1 (Strang): channel dt/2, cable dt by Crank-Nicolson, channel dt/2. Order 2 needs
 *   each part to second order, so the channel half steps take the exponential midpoint rule:
 *   an exponential Euler half step to the midpoint, then the local equation linearised
 *   there (rates and diagonal at the midpoint) solved exactly over the half step. With
 *   plain exponential Euler half steps Strang is first order.
 * The stimulus is read as dq_cable_membrane at the stimulus time minus the same at
 * t = -INFINITY (no stimulus), both at the step's start values.
 * ctx->f is left with the last channel evaluation: -I/C in the V rows (0 at junctions) and
 * the gates' derivatives. */
#include "cable_step.h"

enum { OPT_STRANG };

/* d, the midpoint state (len each), the stimulus, the right-hand side and the pivots (n*units
 * each, n <= comps), offd (n). */
static size_t splitting_scratch(size_t comps, size_t units)
{
    return 5 * comps * units + comps;
}

static int splitting_init(dq_ctx_t *ctx)
{
    if (!dq_cable(ctx))
        return dq_fail(ctx, DQ_EUSAGE, (size_t)-1, CABLE_NEEDS("splitting"));
    return DQ_OK;
}

/* The channel's rates at y into f and d (all rows); time-independent (no stimulus). With
 * `membrane` 0 the V rows of f and d hold I and dI/dV at y already. */
static int splitting_rates(dq_ctx_t *ctx, const dq_cable_t *cb, const double *y, double *f,
                           double *d, int membrane)
{
    int rc = membrane ? dq_cable_membrane(ctx, CABLE_NO_STIM, y, f, d) : DQ_OK;
    if (rc == DQ_OK)
        rc = dq_cable_gates(ctx, CABLE_NO_STIM, y, f, d);
    if (rc == DQ_OK)
        cable_membrane_rates(cb, ctx->units, f, d);
    return rc;
}

/* The channel part over h from y, the rates at y already in f and d. midpoint = 0:
 * exponential Euler; 1: the exponential midpoint rule through ym. */
static int splitting_channel(dq_ctx_t *ctx, const dq_cable_t *cb, double h, int midpoint, double *f,
                             double *d, double *ym)
{
    double *y = ctx->y;
    const size_t len = ctx->len;
    if (midpoint) {
        for (size_t k = 0; k < len; ++k)
            ym[k] = y[k];
        cable_exp_update(ym, ym, f, d, 0.5 * h, 0, len);
        int rc = splitting_rates(ctx, cb, ym, f, d, 1);
        if (rc)
            return rc;
        cable_exp_update(y, ym, f, d, h, 0, len);
    } else {
        cable_exp_update(y, y, f, d, h, 0, len);
    }
    return DQ_OK;
}

DQ_SIMD_CLONES static int splitting_step(dq_ctx_t *ctx)
{
    const dq_cable_t *cb = dq_cable(ctx);
    if (!cb)
        return dq_fail(ctx, DQ_EUSAGE, (size_t)-1, CABLE_NEEDS("splitting"));
    const size_t units = ctx->units, nu = cb->n * units, len = ctx->len;
    const double t = ctx->t, dt = ctx->dt;
    const int strang = ctx->options[OPT_STRANG] != 0.0;
    double *y = ctx->y, *f = ctx->f, *d = ctx->scratch, *ym = d + len, *stim = ym + len;
    double *r = stim + nu, *work = r + nu, *offd = work + nu;
    int rc = dq_pre_integral(ctx);
    /* I_stim = I - (I - I_stim): the membrane at the same values without and with it. */
    if (rc == DQ_OK)
        rc = dq_cable_membrane(ctx, strang ? t + 0.5 * dt : t + dt, y, stim, NULL);
    if (rc == DQ_OK)
        rc = dq_cable_membrane(ctx, CABLE_NO_STIM, y, f, d);
    if (rc)
        return rc;
    DQ_SIMD_LOOP
    for (size_t k = 0; k < nu; ++k)
        stim[k] = f[k] - stim[k];
    rc = splitting_rates(ctx, cb, y, f, d, 0);
    if (rc)
        return rc;
    rc = splitting_channel(ctx, cb, strang ? 0.5 * dt : dt, strang, f, d, ym);
    if (rc)
        return rc;
    const double gamma = strang ? 0.5 * dt : dt;
    dq_cable_axial(cb, units, y, r, 0);
    DQ_SIMD_LOOP
    for (size_t k = 0; k < nu; ++k)
        r[k] = dt * (r[k] + stim[k]);
    dq_cable_solve_v(cb, units, gamma, NULL, r, work, offd);
    cable_add_v(cb, units, 1.0, r, y);
    if (strang) {
        rc = splitting_rates(ctx, cb, y, f, d, 1);
        if (rc == DQ_OK)
            rc = splitting_channel(ctx, cb, 0.5 * dt, 1, f, d, ym);
        if (rc)
            return rc;
    }
    return dq_post_integral(ctx);
}

DQ_INTEGRATOR(splitting_desc, .name = "splitting", .category = DQ_CATEGORY_CABLE, .order = 1,
              .description = "Operator splitting for cable models: channels per compartment "
                             "(exponential Euler for gates and V, no coupling) and the cable "
                             "(axial + stimulus) by an implicit tree step; Lie (order 1) or "
                             "strang=1 (order 2: exponential midpoint half steps, "
                             "Crank-Nicolson cable).",
              .step = splitting_step, .init = splitting_init, .scratch_size = splitting_scratch,
              .options = DQ_OPTIONS({.name = "strang",
                                     .def = 0,
                                     .doc = "1: Strang splitting (second order), 0: Lie",
                                     .min = 0,
                                     .max = 1,
                                     .flags = DQ_OPTION_INTEGER}));

DQ_PLUGIN_INTEGRATOR(splitting_desc)
