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
#include <dq/dq.h>

#include "erk_pair.h"
#include "tableaux/bs3.h"

/* Persistent state: the FSAL stage, then the four dense coefficients. */
enum { BS3_FSAL, BS3_R1, BS3_R2, BS3_R3, BS3_R4, BS3_STATE_VECTORS };
/* Scratch: the stage input, k2, k3 (erk_vectors' layout), then `units` step sizes. */
enum { BS3_YTMP, BS3_K2, BS3_K3, BS3_SCRATCH_VECTORS };

static size_t bs3_scratch(size_t comps, size_t units)
{
    return BS3_SCRATCH_VECTORS * comps * units + units;
}

static const erk_pair_t bs3_pair = {
    .no_state = "bs3 has fewer state vectors than it needs",
    .no_scratch = "bs3 has less scratch than it needs",
    .state_vectors = BS3_STATE_VECTORS,
    .scratch = bs3_scratch,
};

static int bs3_fill(dq_ctx_t *ctx)
{
    return erk_fill(ctx, &bs3_pair);
}

/* a31 = 0 and b4 = 0: erk_pair.h skips those terms. */
DQ_SIMD_CLONES static int bs3_step(dq_ctx_t *ctx)
{
    const double *h;
    int rc = erk_begin(ctx, &bs3_pair, &h);
    if (rc)
        return rc;
    double *k[BS3_STAGES];
    erk_vectors(ctx, k, BS3_STAGES);
    double *const r[4] = {dq_state(ctx, BS3_R1), dq_state(ctx, BS3_R2), dq_state(ctx, BS3_R3),
                          dq_state(ctx, BS3_R4)};
    rc = erk_stages(ctx, h, bs3_a, bs3_c, k, BS3_STAGES);
    if (rc == DQ_OK)
        rc = erk_advance(ctx, h, bs3_b, bs3_c, k, BS3_STAGES, r, 1);
    if (rc)
        return rc;
    erk_hermite(ctx, h, k, BS3_STAGES, r, NULL);
    return erk_finish(ctx, h, bs3_e, k, BS3_STAGES);
}

/* y(t + theta h) = r1 + theta (r2 + (1 - theta) (r3 + theta r4)) */
ERK_INLINE double bs3_poly(const double *const *r, size_t i, double s)
{
    return r[0][i] + s * (r[1][i] + (1.0 - s) * (r[2][i] + s * r[3][i]));
}

DQ_SIMD_CLONES static int bs3_dense(dq_ctx_t *ctx, const double *theta, double *out)
{
    return erk_dense(ctx, &bs3_pair, theta, out, bs3_poly);
}

DQ_INTEGRATOR(bs3_desc, .name = "bs3", .category = DQ_CATEGORY_ADAPTIVE, .order = 3,
              .description = "Bogacki-Shampine 3(2) pair, FSAL, with the cubic Hermite "
                             "interpolant as dense output (order 3).",
              .flags = DQ_CAP_ADAPTIVE, .step = bs3_step, .scratch_size = bs3_scratch,
              .state_vectors = BS3_STATE_VECTORS, .init = bs3_fill, .reset = bs3_fill,
              .error_order = 2, .dense = bs3_dense, .dense_order = 3);

DQ_PLUGIN_INTEGRATOR(bs3_desc)
