/* SPDX-License-Identifier: MIT */
/* tutorial_em.c -- an SDE solver written against the dqhost SDK, as a third party would:
 * Euler-Maruyama, y1 = y0 + h f(t0, y0) + g(t0, y0) dW, for dX = f dt + g dW (Ito).
 *
 * The host owns the noise: dq_brownian() gives the step's Brownian increments, keyed by
 * the run's seed, the unit and the state, so this plugin's results are the same bits as
 * the built-in euler_maruyama's, for any thread count or block size. */
#include <dq/dq.h>

static int tut_em_step(dq_ctx_t *ctx)
{
    int rc = dq_pre_integral(ctx);
    if (rc)
        return rc;
    /* f into ctx->f; for an SDE solver the host also fills the diffusion slot ctx->g. */
    rc = dq_compute_derivative(ctx, ctx->t, ctx->y, ctx->f);
    if (rc)
        return rc;
    double *y = ctx->y;
    const double *f = ctx->f, *g = ctx->g;
    if (!g) {
        /* The model has no noise: forward Euler. */
        for (size_t i = 0; i < ctx->len; ++i)
            y[i] += ctx->dt * f[i];
        return dq_post_integral(ctx);
    }
    double *dW = dq_scratch(ctx, 0); /* len doubles, declared below */
    rc = dq_brownian(ctx, dW, NULL);
    if (rc)
        return rc;
    /* Over every lane, padding included (the SDK guide says why). */
    for (size_t i = 0; i < ctx->len; ++i)
        y[i] = (y[i] + ctx->dt * f[i]) + g[i] * dW[i];
    return dq_post_integral(ctx);
}

DQ_INTEGRATOR(tut_em_desc, .name = "tut_em", .category = DQ_CATEGORY_STOCHASTIC, .order = 1,
              .description = "Euler-Maruyama from the SDK tutorial.", .flags = DQ_CAP_DIFFUSION,
              .step = tut_em_step, .scratch_vectors = 1, .strong_order = 0.5, .weak_order = 1.0,
              .calculus = DQ_CALCULUS_ITO);

DQ_PLUGIN_INTEGRATOR(tut_em_desc)
