/* SPDX-License-Identifier: MIT */
/* tsit5.c -- Tsitouras 5(4): an error-controlled fifth-order pair, FSAL, with its own
 * fourth-order continuous extension (Tsitouras 2011). Tableau, estimate and interpolation
 * polynomials in tableaux/tsit5.h.
 *
 * A step (lane u from t_u over h_u = ctx->lane_dt[u]; stage times ctx->t + c_i*ctx->dt,
 * which the host maps to t_u + c_i*h_u in per-lane mode):
 *   k1 = F(t, y0)                                   (the FSAL state)
 *   k_i = F(t + c_i h, y0 + h sum_{j<i} a_ij k_j)   i = 2..6
 *   y1 = y0 + h sum_i b_i k_i,  k7 = F(t + h, y1)   (kept: the next step's k1)
 *   err = h sum_i e_i k_i = y1 - y1^                (only when ctx->err is set)
 * Dense output: y(t + theta h) = y0 + theta (q1 + theta (q2 + theta (q3 + theta q4))) with
 * q_j = h sum_i r_ij k_i, stored in the state with y0 so that it needs neither h nor the
 * stages and survives a reset. Every loop runs over the whole block, component by
 * component, with each lane's own h. */
#include <string.h>

#include <dq/dq.h>

#include "tableaux/tsit5.h"

/* Persistent state: the FSAL stage, then y0 and the four dense coefficients. */
enum { TS5_FSAL, TS5_Y0, TS5_Q1, TS5_Q2, TS5_Q3, TS5_Q4, TS5_STATE_VECTORS };
/* Scratch: the stage input, k2..k6, then `units` step sizes. */
enum { TS5_YTMP, TS5_K2, TS5_K3, TS5_K4, TS5_K5, TS5_K6, TS5_SCRATCH_VECTORS };

static size_t tsit5_scratch(size_t comps, size_t units)
{
    return TS5_SCRATCH_VECTORS * comps * units + units;
}

/* Each lane's step size: ctx->lane_dt, or ctx->dt for every lane from a host that gives
 * none (a pre-2.2 fixed-step driver). */
static const double *tsit5_steps(dq_ctx_t *ctx)
{
    if (ctx->lane_dt)
        return ctx->lane_dt;
    double *h = ctx->scratch + TS5_SCRATCH_VECTORS * ctx->len;
    for (size_t u = 0; u < ctx->units; ++u)
        h[u] = ctx->dt;
    return h;
}

/* What init, reset and dense need: the state vectors. */
static int tsit5_check_state(dq_ctx_t *ctx)
{
    if (ctx->state == NULL || ctx->state_len < TS5_STATE_VECTORS * ctx->len)
        return dq_fail(ctx, DQ_ESOLVER, (size_t)-1, "tsit5 has fewer state vectors than it needs");
    return DQ_OK;
}

/* What a step needs: the state vectors and the scratch. */
static int tsit5_check(dq_ctx_t *ctx)
{
    int rc = tsit5_check_state(ctx);
    if (rc)
        return rc;
    if (ctx->scratch_len < tsit5_scratch(ctx->comps, ctx->units))
        return dq_fail(ctx, DQ_ESOLVER, (size_t)-1, "tsit5 has less scratch than it needs");
    return DQ_OK;
}

/* init and reset: the FSAL stage F(t, y) for every lane (a lane outside reset_mask gets the
 * same bits again); the dense coefficients stay as the last step left them. */
static int tsit5_fill(dq_ctx_t *ctx)
{
    int rc = tsit5_check_state(ctx);
    return rc ? rc : dq_compute_derivative(ctx, ctx->t, ctx->y, dq_state(ctx, TS5_FSAL));
}

#define A(i, j) tsit5_a[((i)-1) * TSIT5_STAGES + (j)-1]
#define B(i) tsit5_b[(i)-1]
#define C(i) tsit5_c[(i)-1]
#define E(i) tsit5_e[(i)-1]
#define R(i, j) tsit5_r[((i)-1) * 4 + (j)-1]

DQ_SIMD_CLONES static int tsit5_step(dq_ctx_t *ctx)
{
    int rc = tsit5_check(ctx);
    if (rc)
        return rc;
    const size_t comps = ctx->comps, units = ctx->units, len = ctx->len;
    const double t = ctx->t, dt = ctx->dt;
    const double *h = tsit5_steps(ctx);
    double *y = ctx->y, *k1 = ctx->f, *err = ctx->err;
    double *k7 = dq_state(ctx, TS5_FSAL), *y0s = dq_state(ctx, TS5_Y0);
    double *q1 = dq_state(ctx, TS5_Q1), *q2 = dq_state(ctx, TS5_Q2);
    double *q3 = dq_state(ctx, TS5_Q3), *q4 = dq_state(ctx, TS5_Q4);
    double *ytmp = dq_scratch(ctx, TS5_YTMP), *k2 = dq_scratch(ctx, TS5_K2);
    double *k3 = dq_scratch(ctx, TS5_K3), *k4 = dq_scratch(ctx, TS5_K4);
    double *k5 = dq_scratch(ctx, TS5_K5), *k6 = dq_scratch(ctx, TS5_K6);

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
    /* y1 (b7 = 0) */
    for (size_t k = 0; k < comps; ++k) {
        const size_t o = k * units;
        DQ_SIMD_LOOP
        for (size_t u = 0; u < units; ++u) {
            const size_t i = o + u;
            const double y0 = y[i];
            y0s[i] = y0;
            y[i] = y0 + h[u] * (B(1) * k1[i] + B(2) * k2[i] + B(3) * k3[i] + B(4) * k4[i] +
                                B(5) * k5[i] + B(6) * k6[i]);
        }
    }
    rc = dq_compute_derivative(ctx, t + C(7) * dt, y, k7);
    if (rc)
        return rc;
    /* The interpolation polynomials' coefficients (b_i(theta) has no theta term for i > 1) */
    for (size_t k = 0; k < comps; ++k) {
        const size_t o = k * units;
        DQ_SIMD_LOOP
        for (size_t u = 0; u < units; ++u) {
            const size_t i = o + u;
            q1[i] = h[u] * (R(1, 1) * k1[i]);
            q2[i] = h[u] * (R(1, 2) * k1[i] + R(2, 2) * k2[i] + R(3, 2) * k3[i] + R(4, 2) * k4[i] +
                            R(5, 2) * k5[i] + R(6, 2) * k6[i] + R(7, 2) * k7[i]);
            q3[i] = h[u] * (R(1, 3) * k1[i] + R(2, 3) * k2[i] + R(3, 3) * k3[i] + R(4, 3) * k4[i] +
                            R(5, 3) * k5[i] + R(6, 3) * k6[i] + R(7, 3) * k7[i]);
            q4[i] = h[u] * (R(1, 4) * k1[i] + R(2, 4) * k2[i] + R(3, 4) * k3[i] + R(4, 4) * k4[i] +
                            R(5, 4) * k5[i] + R(6, 4) * k6[i] + R(7, 4) * k7[i]);
        }
    }
    if (err)
        for (size_t k = 0; k < comps; ++k) {
            const size_t o = k * units;
            DQ_SIMD_LOOP
            for (size_t u = 0; u < units; ++u) {
                const size_t i = o + u;
                err[i] = h[u] * (E(1) * k1[i] + E(2) * k2[i] + E(3) * k3[i] + E(4) * k4[i] +
                                 E(5) * k5[i] + E(6) * k6[i] + E(7) * k7[i]);
            }
        }
    return dq_post_integral(ctx);
}

/* y(t + theta h) = y0 + theta (q1 + theta (q2 + theta (q3 + theta q4))) */
DQ_SIMD_CLONES static int tsit5_dense(dq_ctx_t *ctx, const double *theta, double *out)
{
    int rc = tsit5_check_state(ctx);
    if (rc)
        return rc;
    const size_t comps = ctx->comps, units = ctx->units;
    const double *y0 = dq_state(ctx, TS5_Y0), *q1 = dq_state(ctx, TS5_Q1);
    const double *q2 = dq_state(ctx, TS5_Q2), *q3 = dq_state(ctx, TS5_Q3);
    const double *q4 = dq_state(ctx, TS5_Q4);
    for (size_t k = 0; k < comps; ++k) {
        const size_t o = k * units;
        DQ_SIMD_LOOP
        for (size_t u = 0; u < units; ++u) {
            const size_t i = o + u;
            const double s = theta[u];
            out[i] = y0[i] + s * (q1[i] + s * (q2[i] + s * (q3[i] + s * q4[i])));
        }
    }
    return DQ_OK;
}

DQ_INTEGRATOR(tsit5_desc, .name = "tsit5", .category = DQ_CATEGORY_ADAPTIVE, .order = 5,
              .description = "Tsitouras 5(4) pair (2011), FSAL, with its own 4th-order dense "
                             "output.",
              .flags = DQ_CAP_ADAPTIVE, .step = tsit5_step, .scratch_size = tsit5_scratch,
              .state_vectors = TS5_STATE_VECTORS, .init = tsit5_fill, .reset = tsit5_fill,
              .error_order = 4, .dense = tsit5_dense, .dense_order = 4);

DQ_PLUGIN_INTEGRATOR(tsit5_desc)
