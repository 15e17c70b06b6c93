/* SPDX-License-Identifier: MIT */
/* stochastic_heun.c -- the stochastic Heun method, the trapezoidal predictor-corrector in
 * drift and diffusion, which converges to the Stratonovich solution of dX = f dt + g o dW:
 *   yt = y0 + h f(t0, y0) + g(t0, y0) dW
 *   y1 = y0 + (h/2) (f(t0, y0) + f(t0 + h, yt)) + (dW/2) (g(t0, y0) + g(t0 + h, yt)),
 * strong order 1 for commutative noise (dqhost's noise is diagonal, hence commutative),
 * weak order 1. Without noise it is heun2 (the same tableau through <dq/rk.h>), bit for bit. */
#include <dq/dq.h>
#include <dq/rk.h>
#include <dq/simd.h>

#include "tableaux/heun2.h"

/* The predictor: heun2's stage input y + h (1 f), exactly y + h f, plus the noise. */
static inline void heun_sde_predict(double *restrict yt, const double *restrict y,
                                    const double *restrict f, const double *restrict g,
                                    const double *restrict dW, double dt, size_t len)
{
    DQ_SIMD_LOOP
    for (size_t i = 0; i < len; ++i)
        yt[i] = (y[i] + dt * f[i]) + g[i] * dW[i];
}

/* The corrector: heun2's y + h (f/2 + f2/2), then the noise, so a component without noise
 * keeps heun2's bits inside a noisy block too. */
static inline void heun_sde_correct(double *restrict y, const double *restrict f,
                                    const double *restrict f2, const double *restrict g,
                                    const double *restrict g2, const double *restrict dW, double dt,
                                    size_t len)
{
    DQ_SIMD_LOOP
    for (size_t i = 0; i < len; ++i)
        y[i] = (y[i] + dt * (0.5 * f[i] + 0.5 * f2[i])) + 0.5 * (g[i] + g2[i]) * dW[i];
}

DQ_SIMD_CLONES static int stochastic_heun_step(dq_ctx_t *ctx)
{
    if (!ctx->g)
        return dq_rk_step(ctx, &heun2_tableau);
    const double t = ctx->t, dt = ctx->dt;
    const size_t len = ctx->len;
    double *g = dq_scratch(ctx, 0), *dW = dq_scratch(ctx, 1), *yt = dq_scratch(ctx, 2);
    double *f2 = dq_scratch(ctx, 3), *g2 = dq_scratch(ctx, 4);
    int rc = dq_pre_integral(ctx);
    if (rc == DQ_OK)
        rc = dq_drift_diffusion(ctx, t, ctx->y, ctx->f, g);
    if (rc == DQ_OK)
        rc = dq_brownian(ctx, dW, NULL);
    if (rc)
        return rc;
    heun_sde_predict(yt, ctx->y, ctx->f, g, dW, dt, len);
    rc = dq_drift_diffusion(ctx, t + dt, yt, f2, g2);
    if (rc)
        return rc;
    heun_sde_correct(ctx->y, ctx->f, f2, g, g2, dW, dt, len);
    return dq_post_integral(ctx);
}

DQ_INTEGRATOR(stochastic_heun_desc, .name = "stochastic_heun", .aliases = DQ_ALIASES("heun_sde"),
              .category = DQ_CATEGORY_STOCHASTIC, .order = 2,
              .description = "Stochastic Heun (Stratonovich): strong order 1 for commutative (e.g. "
                             "diagonal) noise, weak order 1; heun2 without noise.",
              .flags = DQ_CAP_DIFFUSION, .step = stochastic_heun_step,
              .scratch_vectors = 5, /* >= DQ_RK_SCRATCH_VECTORS(2) for the path without noise */
              .strong_order = 1.0, .weak_order = 1.0, .calculus = DQ_CALCULUS_STRATONOVICH);

DQ_PLUGIN_INTEGRATOR(stochastic_heun_desc)
