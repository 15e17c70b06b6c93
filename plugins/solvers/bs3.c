/* SPDX-License-Identifier: MIT */
/* bs3.c -- Bogacki-Shampine 3(2): an error-controlled third-order pair, FSAL, with the
 * cubic Hermite interpolant as its continuous extension. Tableau in tableaux/bs3.h.
 *
 * A step (lane u from t_u over h_u = ctx->lane_dt[u]; stage times ctx->t + c*ctx->dt, which
 * the host maps to t_u + c*h_u in per-lane mode):
 *   k1 = F(t, y0)                        (the FSAL state: init, reset or the last step)
 *   k2 = F(t + h/2, y0 + h (1/2 k1))
 *   k3 = F(t + 3h/4, y0 + h (3/4 k2))
 *   y1 = y0 + h (2/9 k1 + 1/3 k2 + 4/9 k3)
 *   k4 = F(t + h, y1)                    (kept: the next step's k1)
 *   err = h sum_i e_i k_i = y1 - y1^     (only when ctx->err is set)
 * Dense output (order 3): the Hermite cubic through (y0, h k1) and (y1, h k4),
 *   y(t + theta h) = r1 + theta (r2 + (1 - theta) (r3 + theta r4)),
 *   r1 = y0, r2 = y1 - y0, r3 = h k1 - r2, r4 = r2 - h k4 - r3,
 * stored in the state during the step, so that it needs neither h nor the FSAL vector and
 * survives a reset. Every loop runs over the whole block, component by component, with each
 * lane's own h: a lane's bits never depend on its neighbours. */
#include <string.h>

#include <dq/dq.h>

#include "tableaux/bs3.h"

/* Persistent state: the FSAL stage, then the four dense coefficients. */
enum { BS3_FSAL, BS3_R1, BS3_R2, BS3_R3, BS3_R4, BS3_STATE_VECTORS };
/* Scratch: the stage input, k2, k3, then `units` step sizes. */
enum { BS3_YTMP, BS3_K2, BS3_K3, BS3_SCRATCH_VECTORS };

static size_t bs3_scratch(size_t comps, size_t units)
{
    return BS3_SCRATCH_VECTORS * comps * units + units;
}

/* Each lane's step size: ctx->lane_dt, or ctx->dt for every lane from a host that gives
 * none (a pre-2.2 fixed-step driver). */
static const double *bs3_steps(dq_ctx_t *ctx)
{
    if (ctx->lane_dt)
        return ctx->lane_dt;
    double *h = ctx->scratch + BS3_SCRATCH_VECTORS * ctx->len;
    for (size_t u = 0; u < ctx->units; ++u)
        h[u] = ctx->dt;
    return h;
}

/* What init, reset and dense need: the state vectors. */
static int bs3_check_state(dq_ctx_t *ctx)
{
    if (ctx->state == NULL || ctx->state_len < BS3_STATE_VECTORS * ctx->len)
        return dq_fail(ctx, DQ_ESOLVER, (size_t)-1, "bs3 has fewer state vectors than it needs");
    return DQ_OK;
}

/* What a step needs: the state vectors and the scratch. */
static int bs3_check(dq_ctx_t *ctx)
{
    int rc = bs3_check_state(ctx);
    if (rc)
        return rc;
    if (ctx->scratch_len < bs3_scratch(ctx->comps, ctx->units))
        return dq_fail(ctx, DQ_ESOLVER, (size_t)-1, "bs3 has less scratch than it needs");
    return DQ_OK;
}

/* init and reset: the FSAL stage F(t, y) for every lane (a lane outside reset_mask gets the
 * same bits again); the dense coefficients stay as the last step left them. */
static int bs3_fill(dq_ctx_t *ctx)
{
    int rc = bs3_check_state(ctx);
    return rc ? rc : dq_compute_derivative(ctx, ctx->t, ctx->y, dq_state(ctx, BS3_FSAL));
}

#define A(i, j) bs3_a[((i)-1) * BS3_STAGES + (j)-1]
#define C(i) bs3_c[(i)-1]
#define E(i) bs3_e[(i)-1]

DQ_SIMD_CLONES static int bs3_step(dq_ctx_t *ctx)
{
    int rc = bs3_check(ctx);
    if (rc)
        return rc;
    const size_t comps = ctx->comps, units = ctx->units, len = ctx->len;
    const double t = ctx->t, dt = ctx->dt;
    const double *h = bs3_steps(ctx);
    double *y = ctx->y, *k1 = ctx->f, *err = ctx->err;
    double *k4 = dq_state(ctx, BS3_FSAL), *r1 = dq_state(ctx, BS3_R1);
    double *r2 = dq_state(ctx, BS3_R2), *r3 = dq_state(ctx, BS3_R3), *r4 = dq_state(ctx, BS3_R4);
    double *ytmp = dq_scratch(ctx, BS3_YTMP), *k2 = dq_scratch(ctx, BS3_K2);
    double *k3 = dq_scratch(ctx, BS3_K3);

    rc = dq_pre_integral(ctx);
    if (rc)
        return rc;
    memcpy(k1, k4, len * sizeof *k1);
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
        for (size_t u = 0; u < units; ++u)
            ytmp[o + u] = y[o + u] + h[u] * (A(3, 2) * k2[o + u]);
    }
    rc = dq_compute_derivative(ctx, t + C(3) * dt, ytmp, k3);
    if (rc)
        return rc;
    /* y1 and the dense coefficients that do not need k4 */
    for (size_t k = 0; k < comps; ++k) {
        const size_t o = k * units;
        DQ_SIMD_LOOP
        for (size_t u = 0; u < units; ++u) {
            const size_t i = o + u;
            const double y0 = y[i];
            const double y1 = y0 + h[u] * (A(4, 1) * k1[i] + A(4, 2) * k2[i] + A(4, 3) * k3[i]);
            const double d = y1 - y0;
            r1[i] = y0;
            r2[i] = d;
            r3[i] = h[u] * k1[i] - d;
            y[i] = y1;
        }
    }
    rc = dq_compute_derivative(ctx, t + C(4) * dt, y, k4);
    if (rc)
        return rc;
    for (size_t k = 0; k < comps; ++k) {
        const size_t o = k * units;
        DQ_SIMD_LOOP
        for (size_t u = 0; u < units; ++u)
            r4[o + u] = r2[o + u] - h[u] * k4[o + u] - r3[o + u];
    }
    if (err)
        for (size_t k = 0; k < comps; ++k) {
            const size_t o = k * units;
            DQ_SIMD_LOOP
            for (size_t u = 0; u < units; ++u) {
                const size_t i = o + u;
                err[i] = h[u] * (E(1) * k1[i] + E(2) * k2[i] + E(3) * k3[i] + E(4) * k4[i]);
            }
        }
    return dq_post_integral(ctx);
}

DQ_SIMD_CLONES static int bs3_dense(dq_ctx_t *ctx, const double *theta, double *out)
{
    int rc = bs3_check_state(ctx);
    if (rc)
        return rc;
    const size_t comps = ctx->comps, units = ctx->units;
    const double *r1 = dq_state(ctx, BS3_R1), *r2 = dq_state(ctx, BS3_R2);
    const double *r3 = dq_state(ctx, BS3_R3), *r4 = dq_state(ctx, BS3_R4);
    for (size_t k = 0; k < comps; ++k) {
        const size_t o = k * units;
        DQ_SIMD_LOOP
        for (size_t u = 0; u < units; ++u) {
            const size_t i = o + u;
            const double s = theta[u];
            out[i] = r1[i] + s * (r2[i] + (1.0 - s) * (r3[i] + s * r4[i]));
        }
    }
    return DQ_OK;
}

DQ_INTEGRATOR(bs3_desc, .name = "bs3", .category = DQ_CATEGORY_ADAPTIVE, .order = 3,
              .description = "Bogacki-Shampine 3(2) pair, FSAL, with the cubic Hermite "
                             "interpolant as dense output (order 3).",
              .flags = DQ_CAP_ADAPTIVE, .step = bs3_step, .scratch_size = bs3_scratch,
              .state_vectors = BS3_STATE_VECTORS, .init = bs3_fill, .reset = bs3_fill,
              .error_order = 2, .dense = bs3_dense, .dense_order = 3);

DQ_PLUGIN_INTEGRATOR(bs3_desc)
