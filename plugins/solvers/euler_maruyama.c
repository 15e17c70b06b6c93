/* SPDX-License-Identifier: MIT */
/* euler_maruyama.c -- the Euler-Maruyama method for dX = f dt + g dW (Ito):
 *   y1 = y0 + h f(t0, y0) + g(t0, y0) dW,   dW = W(t0 + h) - W(t0) ~ N(0, h),
 * strong order 0.5, weak order 1 (1 in the strong sense too for additive noise). Without
 * noise it is forward Euler, bit for bit. */
#include <dq/dq.h>
#include <dq/simd.h>

/* y + h f over every component, as euler forms it; then + g dW on the noisy components
 * only (the others have g = dW = 0). Two passes give the same bits as (y + h f) + g dW in
 * one, each operation being rounded alike, and spare the components without noise. */
DQ_SIMD_CLONES static int em_step(dq_ctx_t *ctx)
{
    int rc = dq_pre_integral(ctx);
    if (rc)
        return rc;
    /* Fills ctx->f and, for a noisy block, the diffusion slot ctx->g. */
    rc = dq_compute_derivative(ctx, ctx->t, ctx->y, ctx->f);
    if (rc)
        return rc;
    double *restrict y = ctx->y;
    const double *restrict f = ctx->f;
    const double dt = ctx->dt;
    const size_t len = ctx->len, units = ctx->units;
    DQ_SIMD_LOOP
    for (size_t i = 0; i < len; ++i)
        y[i] += dt * f[i];
    if (!ctx->g) /* no noise in the block: euler, to the bit */
        return dq_post_integral(ctx);
    double *dW = dq_scratch(ctx, 0);
    rc = dq_brownian(ctx, dW, NULL);
    if (rc)
        return rc;
    for (size_t q = 0; q < ctx->n_noisy; ++q) {
        const size_t at = ctx->noisy[q] * units;
        double *restrict yk = y + at;
        const double *restrict gk = ctx->g + at, *restrict wk = dW + at;
        DQ_SIMD_LOOP
        for (size_t u = 0; u < units; ++u)
            yk[u] += gk[u] * wk[u];
    }
    return dq_post_integral(ctx);
}

DQ_INTEGRATOR(euler_maruyama_desc, .name = "euler_maruyama", .aliases = DQ_ALIASES("em"),
              .category = DQ_CATEGORY_STOCHASTIC, .order = 1,
              .description = "Euler-Maruyama y + f h + g dW (Ito): strong order 0.5 (1 for "
                             "additive noise), weak order 1; forward Euler without noise.",
              .flags = DQ_CAP_DIFFUSION, .step = em_step, .scratch_vectors = 1, .strong_order = 0.5,
              .weak_order = 1.0, .calculus = DQ_CALCULUS_ITO);

DQ_PLUGIN_INTEGRATOR(euler_maruyama_desc)
