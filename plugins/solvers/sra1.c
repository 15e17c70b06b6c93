/* SPDX-License-Identifier: MIT */
/* sra1.c -- Rossler's SRA1 (SIAM J. Numer. Anal. 48, 2010) for additive noise, dX = f(t, X)
 * dt + g(t) dW, where Ito and Stratonovich agree. With I1 = dW and I10 = the integral over
 * the step of W(s) - W(t0) ds (both from dq_brownian):
 *   H2 = y0 + (3/4) h f(t0, y0) + (3/2) g(t0 + h) I10/h
 *   y1 = y0 + h (f(t0, y0)/3 + 2 f(t0 + 3h/4, H2)/3) + (I1 - I10/h) g(t0 + h) + (I10/h) g(t0),
 * strong order 1.5, weak order 2. Two stages force this drift tableau (c2 = 3/4, b = (1/3,
 * 2/3)): the order-1.5 conditions alpha.B0e = 1 and alpha.(B0e)^2 = 3/2 fix alpha2 = 2/3,
 * then alpha.c = 1/2 fixes c2. Without noise it is that second-order Runge-Kutta method
 * (through <dq/rk.h>), not ralston2 (c2 = 2/3): the two agree on linear autonomous problems
 * up to rounding only. The host refuses noisy states that are not DQ_STATE_ADDITIVE. */
#include <dq/dq.h>
#include <dq/rk.h>
#include <dq/simd.h>

/* SRA1's drift part (what some textbooks call Ralston's method), and its path without noise. */
/* clang-format off */
static const double sra1_a[2 * 2] = {
    0.0,       0.0,
    3.0 / 4.0, 0.0,
};
/* clang-format on */
static const double sra1_b[2] = {1.0 / 3.0, 2.0 / 3.0};
static const double sra1_c[2] = {0.0, 3.0 / 4.0};
static const dq_rk_tableau_t sra1_tableau = {.stages = 2, .a = sra1_a, .b = sra1_b, .c = sra1_c};

/* H2 = (y + h (3/4 f)) + (3/2) g1 I10/h: <dq/rk.h>'s stage input, then the noise. */
static inline void sra1_stage(double *restrict H2, const double *restrict y,
                              const double *restrict f, const double *restrict g1,
                              const double *restrict dZ, double dt, double rdt, size_t len)
{
    const double a21 = sra1_a[2];
    DQ_SIMD_LOOP
    for (size_t i = 0; i < len; ++i)
        H2[i] = (y[i] + dt * (a21 * f[i])) + 1.5 * g1[i] * (dZ[i] * rdt);
}

/* y1 = (y + h (b1 f + b2 f2)) + (I1 - I10/h) g1 + (I10/h) g0: <dq/rk.h>'s final sum first,
 * so a component without noise keeps the bits of the path without noise. */
static inline void sra1_finish(double *restrict y, const double *restrict f,
                               const double *restrict f2, const double *restrict g0,
                               const double *restrict g1, const double *restrict dW,
                               const double *restrict dZ, double dt, double rdt, size_t len)
{
    const double b1 = sra1_b[0], b2 = sra1_b[1];
    DQ_SIMD_LOOP
    for (size_t i = 0; i < len; ++i) {
        const double z = dZ[i] * rdt;
        y[i] = (y[i] + dt * (b1 * f[i] + b2 * f2[i])) + ((dW[i] - z) * g1[i] + z * g0[i]);
    }
}

DQ_SIMD_CLONES static int sra1_step(dq_ctx_t *ctx)
{
    if (!ctx->g)
        return dq_rk_step(ctx, &sra1_tableau);
    const double t = ctx->t, dt = ctx->dt, rdt = 1.0 / dt;
    const size_t len = ctx->len;
    double *g0 = dq_scratch(ctx, 0), *g1 = dq_scratch(ctx, 1), *dW = dq_scratch(ctx, 2);
    double *dZ = dq_scratch(ctx, 3), *H2 = dq_scratch(ctx, 4), *f2 = dq_scratch(ctx, 5);
    int rc = dq_pre_integral(ctx);
    if (rc == DQ_OK)
        rc = dq_drift_diffusion(ctx, t, ctx->y, ctx->f, g0);
    /* g(t0 + h): additive noise does not depend on y, so y0 serves; the drift this call
     * also computes is not used (f2 is overwritten below). */
    if (rc == DQ_OK)
        rc = dq_drift_diffusion(ctx, t + dt, ctx->y, f2, g1);
    if (rc == DQ_OK)
        rc = dq_brownian(ctx, dW, dZ);
    if (rc)
        return rc;
    sra1_stage(H2, ctx->y, ctx->f, g1, dZ, dt, rdt, len);
    rc = dq_compute_derivative(ctx, t + sra1_c[1] * dt, H2, f2);
    if (rc)
        return rc;
    sra1_finish(ctx->y, ctx->f, f2, g0, g1, dW, dZ, dt, rdt, len);
    return dq_post_integral(ctx);
}

DQ_INTEGRATOR(sra1_desc, .name = "sra1", .category = DQ_CATEGORY_STOCHASTIC, .order = 2,
              .description = "Rossler's SRA1 for additive noise (Ito, = Stratonovich there): "
                             "strong order 1.5, weak order 2; RK2 with c2 = 3/4 without noise.",
              .flags = DQ_CAP_DIFFUSION | DQ_CAP_ADDITIVE_NOISE_ONLY, .step = sra1_step,
              .scratch_vectors = 6, /* >= DQ_RK_SCRATCH_VECTORS(2) for the path without noise */
              .strong_order = 1.5, .weak_order = 2.0, .calculus = DQ_CALCULUS_ITO);

DQ_PLUGIN_INTEGRATOR(sra1_desc)
