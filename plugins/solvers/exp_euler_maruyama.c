/* SPDX-License-Identifier: MIT */
/* exp_euler_maruyama.c -- exponential Euler-Maruyama: each component is linearised on its
 * own diagonal derivative lambda = dF_i/dy_i (as ind_exp_euler does), and the noise gets the
 * exact variance of the linearised process over the step:
 *   y1 = y0 + h phi1(lambda h) f(t0, y0) + g(t0, y0) sqrt(phi1(2 lambda h) h) z,
 * z = dW/sqrt(h) ~ N(0, 1), phi1(x) = (e^x - 1)/x; the noise's standard deviation is
 * sqrt((e^(2 lambda h) - 1)/(2 lambda)), g sqrt(h) as lambda -> 0 (expm1 keeps it exact
 * there). For dX = theta (mu - X) dt + sigma dW the step is the exact transition law, so the
 * stationary variance is sigma^2/(2 theta) at any dt. Ito; strong order 0.5, weak order 1;
 * without noise it is ind_exp_euler, bit for bit. */
#include <math.h>

#include <dq/dq.h>
#include <dq/linalg.h>
#include <dq/simd.h>

/* ind_exp_euler's y + h phi1(h lambda) f first, so a component without noise keeps its bits
 * inside a noisy block too; then g dW sqrt(phi1(2 h lambda)), the same as g sqrt(phi1(2 h
 * lambda) h) z without dividing dW by sqrt(h) and multiplying back. */
static inline void eem_update(double *restrict y, const double *restrict f,
                              const double *restrict lambda, const double *restrict g,
                              const double *restrict dW, double dt, size_t len)
{
    const double dt2 = 2.0 * dt;
    DQ_SIMD_LOOP
    for (size_t i = 0; i < len; ++i)
        y[i] = (y[i] + dt * dq_phi1(dt * lambda[i]) * f[i]) +
               g[i] * dW[i] * sqrt(dq_phi1(dt2 * lambda[i]));
}

DQ_SIMD_CLONES static int exp_euler_maruyama_step(dq_ctx_t *ctx)
{
    int rc = dq_pre_integral(ctx);
    double *lambda = dq_scratch(ctx, 0);
    /* As ind_exp_euler: one model pass when the model gives its diagonal with its
     * derivative, the host's finite differences otherwise (hence DQ_CAP_JACOBIAN). */
    if (rc == DQ_OK)
        rc = dq_compute_derivative_diag(ctx, ctx->t, ctx->y, ctx->f, lambda);
    if (rc)
        return rc;
    double *y = ctx->y;
    const double *f = ctx->f;
    const double dt = ctx->dt;
    const size_t len = ctx->len;
    if (!ctx->g) {
        /* ind_exp_euler's loop, so the same bits as ind_exp_euler. */
        DQ_SIMD_LOOP
        for (size_t i = 0; i < len; ++i)
            y[i] += dt * dq_phi1(dt * lambda[i]) * f[i];
        return dq_post_integral(ctx);
    }
    /* derivative_diag filled the diffusion slot with f (its finite differences, if any,
     * leave the slot alone): no second model pass for g. */
    double *dW = dq_scratch(ctx, 1);
    rc = dq_brownian(ctx, dW, NULL);
    if (rc)
        return rc;
    eem_update(y, f, lambda, ctx->g, dW, dt, len);
    return dq_post_integral(ctx);
}

DQ_INTEGRATOR(exp_euler_maruyama_desc, .name = "exp_euler_maruyama",
              .category = DQ_CATEGORY_STOCHASTIC, .order = 1,
              .description = "Exponential Euler-Maruyama (Ito): exponential drift, exact noise "
                             "variance per state; strong order 0.5, weak order 1; exact OU law.",
              .flags = DQ_CAP_DIFFUSION | DQ_CAP_JACOBIAN, .step = exp_euler_maruyama_step,
              .scratch_vectors = 2, .strong_order = 0.5, .weak_order = 1.0,
              .calculus = DQ_CALCULUS_ITO);

DQ_PLUGIN_INTEGRATOR(exp_euler_maruyama_desc)
