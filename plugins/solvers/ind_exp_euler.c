/* SPDX-License-Identifier: MIT */
/* ind_exp_euler.c -- per-state exponential Euler: each state component is linearised on
 * its own diagonal derivative lambda = dF_i/dy_i,
 *   y1 = y0 + dt * phi_1(dt*lambda) * f(t0, y0),   phi_1(z) = (e^z - 1)/z,
 * which is exact for decoupled linear states (and is the Rush-Larsen scheme for gating
 * variables). First order in general. Not the IndependentIntegration mixin. */
#include <dq/dq.h>
#include <dq/linalg.h>
#include <dq/simd.h>

DQ_SIMD_CLONES static int ind_exp_euler_step(dq_ctx_t *ctx)
{
    int rc = dq_pre_integral(ctx);
    double *lambda = dq_scratch(ctx, 0);
    /* One model pass when the model gives its diagonal with its derivative (Rush-Larsen
     * for HH gates), two otherwise; without an analytic diagonal the host takes it by
     * finite differences, which is why the descriptor declares DQ_CAP_JACOBIAN. */
    if (rc == DQ_OK)
        rc = dq_compute_derivative_diag(ctx, ctx->t, ctx->y, ctx->f, lambda);
    if (rc)
        return rc;
    double *y = ctx->y;
    const double *f = ctx->f;
    const double dt = ctx->dt;
    const size_t len = ctx->len;
    DQ_SIMD_LOOP
    for (size_t i = 0; i < len; ++i)
        y[i] += dt * dq_phi1(dt * lambda[i]) * f[i];
    return dq_post_integral(ctx);
}

DQ_INTEGRATOR(ind_exp_euler_desc, .name = "ind_exp_euler", .category = DQ_CATEGORY_EXPONENTIAL,
              .order = 1,
              .description = "Independent exponential Euler step (per-state linearization).",
              .flags = DQ_CAP_JACOBIAN, .step = ind_exp_euler_step, .scratch_vectors = 1);

DQ_PLUGIN_INTEGRATOR(ind_exp_euler_desc)
