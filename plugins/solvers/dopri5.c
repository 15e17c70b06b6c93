/* SPDX-License-Identifier: MIT */
/* dopri5.c -- Dormand-Prince 5(4): an error-controlled fifth-order pair, FSAL, with
 * Shampine's fourth-order continuous extension, as in Hairer's DOPRI5. Tableau, estimate and
 * dense coefficients in tableaux/dopri5.h.
 *
 * A step (lane u from t_u over h_u = ctx->lane_dt[u]; stage times ctx->t + c_i*ctx->dt,
 * which the host maps to t_u + c_i*h_u in per-lane mode):
 *   k1 = F(t, y0)                                   (the FSAL state)
 *   k_i = F(t + c_i h, y0 + h sum_{j<i} a_ij k_j)   i = 2..6
 *   y1 = y0 + h sum_i b_i k_i,  k7 = F(t + h, y1)   (kept: the next step's k1)
 *   err = h sum_i e_i k_i = y1 - y1^                (only when ctx->err is set)
 * and the dense coefficients r1..r5 of tableaux/dopri5.h, stored in the state so that the
 * dense output needs neither h nor the stages and survives a reset. Every loop runs over
 * the whole block, component by component, with each lane's own h. */
#include <string.h>

#include <dq/dq.h>

#include "tableaux/dopri5.h"

/* Persistent state: the FSAL stage, then the five dense coefficients. */
enum { DP5_FSAL, DP5_R1, DP5_R2, DP5_R3, DP5_R4, DP5_R5, DP5_STATE_VECTORS };
/* Scratch: the stage input, k2..k6, then `units` step sizes. */
enum { DP5_YTMP, DP5_K2, DP5_K3, DP5_K4, DP5_K5, DP5_K6, DP5_SCRATCH_VECTORS };

static size_t dopri5_scratch(size_t comps, size_t units)
{
    return DP5_SCRATCH_VECTORS * comps * units + units;
}

/* Each lane's step size: ctx->lane_dt, or ctx->dt for every lane from a host that gives
 * none (a pre-2.2 fixed-step driver). */
static const double *dopri5_steps(dq_ctx_t *ctx)
{
    if (ctx->lane_dt)
        return ctx->lane_dt;
    double *h = ctx->scratch + DP5_SCRATCH_VECTORS * ctx->len;
    for (size_t u = 0; u < ctx->units; ++u)
        h[u] = ctx->dt;
    return h;
}

/* What init, reset and dense need: the state vectors. */
static int dopri5_check_state(dq_ctx_t *ctx)
{
    if (ctx->state == NULL || ctx->state_len < DP5_STATE_VECTORS * ctx->len)
        return dq_fail(ctx, DQ_ESOLVER, (size_t)-1, "dopri5 has fewer state vectors than it needs");
    return DQ_OK;
}

/* What a step needs: the state vectors and the scratch. */
static int dopri5_check(dq_ctx_t *ctx)
{
    int rc = dopri5_check_state(ctx);
    if (rc)
        return rc;
    if (ctx->scratch_len < dopri5_scratch(ctx->comps, ctx->units))
        return dq_fail(ctx, DQ_ESOLVER, (size_t)-1, "dopri5 has less scratch than it needs");
    return DQ_OK;
}

/* init and reset: the FSAL stage F(t, y) for every lane (a lane outside reset_mask gets the
 * same bits again); the dense coefficients stay as the last step left them. */
static int dopri5_fill(dq_ctx_t *ctx)
{
    int rc = dopri5_check_state(ctx);
    return rc ? rc : dq_compute_derivative(ctx, ctx->t, ctx->y, dq_state(ctx, DP5_FSAL));
}

#define A(i, j) dopri5_a[((i)-1) * DOPRI5_STAGES + (j)-1]
#define B(i) dopri5_b[(i)-1]
#define C(i) dopri5_c[(i)-1]
#define E(i) dopri5_e[(i)-1]
#define D(i) dopri5_d[(i)-1]

DQ_SIMD_CLONES static int dopri5_step(dq_ctx_t *ctx)
{
    int rc = dopri5_check(ctx);
    if (rc)
        return rc;
    const size_t comps = ctx->comps, units = ctx->units, len = ctx->len;
    const double t = ctx->t, dt = ctx->dt;
    const double *h = dopri5_steps(ctx);
    double *y = ctx->y, *k1 = ctx->f, *err = ctx->err;
    double *k7 = dq_state(ctx, DP5_FSAL), *r1 = dq_state(ctx, DP5_R1);
    double *r2 = dq_state(ctx, DP5_R2), *r3 = dq_state(ctx, DP5_R3);
    double *r4 = dq_state(ctx, DP5_R4), *r5 = dq_state(ctx, DP5_R5);
    double *ytmp = dq_scratch(ctx, DP5_YTMP), *k2 = dq_scratch(ctx, DP5_K2);
    double *k3 = dq_scratch(ctx, DP5_K3), *k4 = dq_scratch(ctx, DP5_K4);
    double *k5 = dq_scratch(ctx, DP5_K5), *k6 = dq_scratch(ctx, DP5_K6);

    rc = dq_pre_integral(ctx);
    if (rc)
        return rc;
    memcpy(k1, k7, len * sizeof *k1);
    for (size_t k = 0; k < comps; ++k) {
        const size_t o = k * units;
        DQ_SIMD_LOOP
        for (size_t u = 0; u < units; ++u)
            ytmp[o + u] = y[o + u] + h[u] * (A(2, 1) * k1[o + u]);
    }
    rc = dq_compute_derivative(ctx, t + C(2) * dt, ytmp, k2);
    if (rc)
        return rc;
    for (size_t k = 0; k < comps; ++k) {
        const size_t o = k * units;
        DQ_SIMD_LOOP
        for (size_t u = 0; u < units; ++u) {
            const size_t i = o + u;
            ytmp[i] = y[i] + h[u] * (A(3, 1) * k1[i] + A(3, 2) * k2[i]);
        }
    }
    rc = dq_compute_derivative(ctx, t + C(3) * dt, ytmp, k3);
    if (rc)
        return rc;
    for (size_t k = 0; k < comps; ++k) {
        const size_t o = k * units;
        DQ_SIMD_LOOP
        for (size_t u = 0; u < units; ++u) {
            const size_t i = o + u;
            ytmp[i] = y[i] + h[u] * (A(4, 1) * k1[i] + A(4, 2) * k2[i] + A(4, 3) * k3[i]);
        }
    }
    rc = dq_compute_derivative(ctx, t + C(4) * dt, ytmp, k4);
    if (rc)
        return rc;
    for (size_t k = 0; k < comps; ++k) {
        const size_t o = k * units;
        DQ_SIMD_LOOP
        for (size_t u = 0; u < units; ++u) {
            const size_t i = o + u;
            ytmp[i] = y[i] + h[u] * (A(5, 1) * k1[i] + A(5, 2) * k2[i] + A(5, 3) * k3[i] +
                                     A(5, 4) * k4[i]);
        }
    }
    rc = dq_compute_derivative(ctx, t + C(5) * dt, ytmp, k5);
    if (rc)
        return rc;
    for (size_t k = 0; k < comps; ++k) {
        const size_t o = k * units;
        DQ_SIMD_LOOP
        for (size_t u = 0; u < units; ++u) {
            const size_t i = o + u;
            ytmp[i] = y[i] + h[u] * (A(6, 1) * k1[i] + A(6, 2) * k2[i] + A(6, 3) * k3[i] +
                                     A(6, 4) * k4[i] + A(6, 5) * k5[i]);
        }
    }
    rc = dq_compute_derivative(ctx, t + C(6) * dt, ytmp, k6);
    if (rc)
        return rc;
    /* y1 (b2 = 0) and the dense coefficients that do not need k7 */
    for (size_t k = 0; k < comps; ++k) {
        const size_t o = k * units;
        DQ_SIMD_LOOP
        for (size_t u = 0; u < units; ++u) {
            const size_t i = o + u;
            const double y0 = y[i];
            const double y1 = y0 + h[u] * (B(1) * k1[i] + B(3) * k3[i] + B(4) * k4[i] +
                                           B(5) * k5[i] + B(6) * k6[i]);
            const double d = y1 - y0;
            r1[i] = y0;
            r2[i] = d;
            r3[i] = h[u] * k1[i] - d;
            y[i] = y1;
        }
    }
    rc = dq_compute_derivative(ctx, t + C(7) * dt, y, k7);
    if (rc)
        return rc;
    for (size_t k = 0; k < comps; ++k) {
        const size_t o = k * units;
        DQ_SIMD_LOOP
        for (size_t u = 0; u < units; ++u) {
            const size_t i = o + u;
            r4[i] = r2[i] - h[u] * k7[i] - r3[i];
            r5[i] = h[u] * (D(1) * k1[i] + D(3) * k3[i] + D(4) * k4[i] + D(5) * k5[i] +
                            D(6) * k6[i] + D(7) * k7[i]);
        }
    }
    if (err)
        for (size_t k = 0; k < comps; ++k) {
            const size_t o = k * units;
            DQ_SIMD_LOOP
            for (size_t u = 0; u < units; ++u) {
                const size_t i = o + u;
                err[i] = h[u] * (E(1) * k1[i] + E(3) * k3[i] + E(4) * k4[i] + E(5) * k5[i] +
                                 E(6) * k6[i] + E(7) * k7[i]);
            }
        }
    return dq_post_integral(ctx);
}

/* y(t + theta h) = r1 + theta (r2 + (1 - theta) (r3 + theta (r4 + (1 - theta) r5))) */
DQ_SIMD_CLONES static int dopri5_dense(dq_ctx_t *ctx, const double *theta, double *out)
{
    int rc = dopri5_check_state(ctx);
    if (rc)
        return rc;
    const size_t comps = ctx->comps, units = ctx->units;
    const double *r1 = dq_state(ctx, DP5_R1), *r2 = dq_state(ctx, DP5_R2);
    const double *r3 = dq_state(ctx, DP5_R3), *r4 = dq_state(ctx, DP5_R4);
    const double *r5 = dq_state(ctx, DP5_R5);
    for (size_t k = 0; k < comps; ++k) {
        const size_t o = k * units;
        DQ_SIMD_LOOP
        for (size_t u = 0; u < units; ++u) {
            const size_t i = o + u;
            const double s = theta[u], s1 = 1.0 - s;
            out[i] = r1[i] + s * (r2[i] + s1 * (r3[i] + s * (r4[i] + s1 * r5[i])));
        }
    }
    return DQ_OK;
}

DQ_INTEGRATOR(dopri5_desc, .name = "dopri5", .aliases = DQ_ALIASES("dp5"),
              .category = DQ_CATEGORY_ADAPTIVE, .order = 5,
              .description = "Dormand-Prince 5(4) pair, FSAL, with Shampine's 4th-order dense "
                             "output (as in Hairer's DOPRI5).",
              .flags = DQ_CAP_ADAPTIVE, .step = dopri5_step, .scratch_size = dopri5_scratch,
              .state_vectors = DP5_STATE_VECTORS, .init = dopri5_fill, .reset = dopri5_fill,
              .error_order = 4, .dense = dopri5_dense, .dense_order = 4);

DQ_PLUGIN_INTEGRATOR(dopri5_desc)
