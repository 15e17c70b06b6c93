/* SPDX-License-Identifier: MIT */
/* milstein.c -- the Milstein method for diagonal noise (component i has its own Wiener
 * process and g_i depends on y_i alone; terms in dg_i/dy_j, j != i, are not taken), Ito:
 *   y1 = y0 + h f + g dW + (1/2) g g' (dW^2 - h),   g' = dg_i/dy_i at (t0, y0),
 * strong order 1, weak order 1. g' comes from the model's diffusion_diag (0 for additive
 * states, finite differences when the model has none). Without noise it is forward Euler,
 * bit for bit. */
#include <dq/dq.h>
#include <dq/simd.h>

/* Euler-Maruyama's terms in euler's order, then the correction: a component without noise
 * (g = dW = 0) keeps euler's bits inside a noisy block too. */
static inline void milstein_update(double *restrict y, const double *restrict f,
                                   const double *restrict g, const double *restrict dg,
                                   const double *restrict dW, double dt, size_t len)
{
    DQ_SIMD_LOOP
    for (size_t i = 0; i < len; ++i)
        y[i] = ((y[i] + dt * f[i]) + g[i] * dW[i]) + 0.5 * g[i] * dg[i] * (dW[i] * dW[i] - dt);
}

DQ_SIMD_CLONES static int milstein_step(dq_ctx_t *ctx)
{
    int rc = dq_pre_integral(ctx);
    if (rc)
        return rc;
    double *restrict y = ctx->y;
    double *restrict f = ctx->f;
    const double t = ctx->t, dt = ctx->dt;
    const size_t len = ctx->len;
    if (!ctx->g) {
        /* No noise in the block: euler's step, so the same bits as euler. */
        rc = dq_compute_derivative(ctx, t, y, f);
        if (rc)
            return rc;
        DQ_SIMD_LOOP
        for (size_t i = 0; i < len; ++i)
            y[i] += dt * f[i];
        return dq_post_integral(ctx);
    }
    /* g in a vector of its own: the contract does not promise that diffusion_diag (finite
     * differences evaluate the model again) leaves the host's diffusion slot alone. */
    double *g = dq_scratch(ctx, 0), *dg = dq_scratch(ctx, 1), *dW = dq_scratch(ctx, 2);
    rc = dq_drift_diffusion(ctx, t, y, f, g);
    if (rc == DQ_OK)
        rc = dq_diffusion_diag(ctx, t, y, g, dg);
    if (rc == DQ_OK)
        rc = dq_brownian(ctx, dW, NULL);
    if (rc)
        return rc;
    milstein_update(y, f, g, dg, dW, dt, len);
    return dq_post_integral(ctx);
}

DQ_INTEGRATOR(milstein_desc, .name = "milstein", .category = DQ_CATEGORY_STOCHASTIC, .order = 1,
              .description = "Milstein for diagonal noise, Euler-Maruyama + g g' (dW^2 - h)/2 "
                             "(Ito): strong order 1, weak order 1; forward Euler without noise.",
              .flags = DQ_CAP_DIFFUSION, .step = milstein_step, .scratch_vectors = 3,
              .strong_order = 1.0, .weak_order = 1.0, .calculus = DQ_CALCULUS_ITO);

DQ_PLUGIN_INTEGRATOR(milstein_desc)
