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
#include <dq/dq.h>

#include "erk_pair.h"
#include "tableaux/dopri5.h"

/* Persistent state: the FSAL stage, then the five dense coefficients. */
enum { DP5_FSAL, DP5_R1, DP5_R2, DP5_R3, DP5_R4, DP5_R5, DP5_STATE_VECTORS };
/* Scratch: the stage input, k2..k6 (erk_vectors' layout), then `units` step sizes. */
enum { DP5_YTMP, DP5_K2, DP5_K3, DP5_K4, DP5_K5, DP5_K6, DP5_SCRATCH_VECTORS };

static size_t dopri5_scratch(size_t comps, size_t units)
{
    return DP5_SCRATCH_VECTORS * comps * units + units;
}

static const erk_pair_t dopri5_pair = {
    .no_state = "dopri5 has fewer state vectors than it needs",
    .no_scratch = "dopri5 has less scratch than it needs",
    .state_vectors = DP5_STATE_VECTORS,
    .scratch = dopri5_scratch,
};

static int dopri5_fill(dq_ctx_t *ctx)
{
    return erk_fill(ctx, &dopri5_pair);
}

/* b2 = b7 = 0, d2 = 0 and e2 = 0: erk_pair.h skips those terms. */
DQ_SIMD_CLONES static int dopri5_step(dq_ctx_t *ctx)
{
    const double *h;
    int rc = erk_begin(ctx, &dopri5_pair, &h);
    if (rc)
        return rc;
    double *k[DOPRI5_STAGES];
    erk_vectors(ctx, k, DOPRI5_STAGES);
    double *const r[5] = {dq_state(ctx, DP5_R1), dq_state(ctx, DP5_R2), dq_state(ctx, DP5_R3),
                          dq_state(ctx, DP5_R4), dq_state(ctx, DP5_R5)};
    rc = erk_stages(ctx, h, dopri5_a, dopri5_c, k, DOPRI5_STAGES);
    if (rc == DQ_OK)
        rc = erk_advance(ctx, h, dopri5_b, dopri5_c, k, DOPRI5_STAGES, r, 1);
    if (rc)
        return rc;
    erk_hermite(ctx, h, k, DOPRI5_STAGES, r, dopri5_d);
    return erk_finish(ctx, h, dopri5_e, k, DOPRI5_STAGES);
}

/* y(t + theta h) = r1 + theta (r2 + (1 - theta) (r3 + theta (r4 + (1 - theta) r5))) */
ERK_INLINE double dopri5_poly(const double *const *r, size_t i, double s)
{
    const double s1 = 1.0 - s;
    return r[0][i] + s * (r[1][i] + s1 * (r[2][i] + s * (r[3][i] + s1 * r[4][i])));
}

DQ_SIMD_CLONES static int dopri5_dense(dq_ctx_t *ctx, const double *theta, double *out)
{
    return erk_dense(ctx, &dopri5_pair, theta, out, dopri5_poly);
}

DQ_INTEGRATOR(dopri5_desc, .name = "dopri5", .aliases = DQ_ALIASES("dp5"),
              .category = DQ_CATEGORY_ADAPTIVE, .order = 5,
              .description = "Dormand-Prince 5(4) pair, FSAL, with Shampine's 4th-order dense "
                             "output (as in Hairer's DOPRI5).",
              .flags = DQ_CAP_ADAPTIVE, .step = dopri5_step, .scratch_size = dopri5_scratch,
              .state_vectors = DP5_STATE_VECTORS, .init = dopri5_fill, .reset = dopri5_fill,
              .error_order = 4, .dense = dopri5_dense, .dense_order = 4);

DQ_PLUGIN_INTEGRATOR(dopri5_desc)
