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
#include <dq/dq.h>

#include "erk_pair.h"
#include "tableaux/tsit5.h"

/* Persistent state: the FSAL stage, then y0 and the four dense coefficients. */
enum { TS5_FSAL, TS5_Y0, TS5_Q1, TS5_Q2, TS5_Q3, TS5_Q4, TS5_STATE_VECTORS };
/* Scratch: the stage input, k2..k6 (erk_vectors' layout), then `units` step sizes. */
enum { TS5_YTMP, TS5_K2, TS5_K3, TS5_K4, TS5_K5, TS5_K6, TS5_SCRATCH_VECTORS };

static size_t tsit5_scratch(size_t comps, size_t units)
{
    return TS5_SCRATCH_VECTORS * comps * units + units;
}

static const erk_pair_t tsit5_pair = {
    .no_state = "tsit5 has fewer state vectors than it needs",
    .no_scratch = "tsit5 has less scratch than it needs",
    .state_vectors = TS5_STATE_VECTORS,
    .scratch = tsit5_scratch,
};

static int tsit5_fill(dq_ctx_t *ctx)
{
    return erk_fill(ctx, &tsit5_pair);
}

/* b7 = 0 and the zero theta terms of b_2(theta)..b_7(theta) are skipped: q1 = h r_11 k1. */
DQ_SIMD_CLONES static int tsit5_step(dq_ctx_t *ctx)
{
    const double *h;
    int rc = erk_begin(ctx, &tsit5_pair, &h);
    if (rc)
        return rc;
    double *k[TSIT5_STAGES];
    erk_vectors(ctx, k, TSIT5_STAGES);
    double *const y0s[1] = {dq_state(ctx, TS5_Y0)};
    double *const q[4] = {dq_state(ctx, TS5_Q1), dq_state(ctx, TS5_Q2), dq_state(ctx, TS5_Q3),
                          dq_state(ctx, TS5_Q4)};
    rc = erk_stages(ctx, h, tsit5_a, tsit5_c, k, TSIT5_STAGES);
    if (rc == DQ_OK)
        rc = erk_advance(ctx, h, tsit5_b, tsit5_c, k, TSIT5_STAGES, y0s, 0);
    if (rc)
        return rc;
    /* The interpolation polynomials' coefficients q_j = h sum_i r_ij k_i, j = 1..4 */
    erk_scaled(ctx, h, k, TSIT5_STAGES, tsit5_r, 4, q, 4);
    return erk_finish(ctx, h, tsit5_e, k, TSIT5_STAGES);
}

/* y(t + theta h) = y0 + theta (q1 + theta (q2 + theta (q3 + theta q4))) */
ERK_INLINE double tsit5_poly(const double *const *q, size_t i, double s)
{
    return q[0][i] + s * (q[1][i] + s * (q[2][i] + s * (q[3][i] + s * q[4][i])));
}

DQ_SIMD_CLONES static int tsit5_dense(dq_ctx_t *ctx, const double *theta, double *out)
{
    return erk_dense(ctx, &tsit5_pair, theta, out, tsit5_poly);
}

DQ_INTEGRATOR(tsit5_desc, .name = "tsit5", .category = DQ_CATEGORY_ADAPTIVE, .order = 5,
              .description = "Tsitouras 5(4) pair (2011), FSAL, with its own 4th-order dense "
                             "output.",
              .flags = DQ_CAP_ADAPTIVE, .step = tsit5_step, .scratch_size = tsit5_scratch,
              .state_vectors = TS5_STATE_VECTORS, .init = tsit5_fill, .reset = tsit5_fill,
              .error_order = 4, .dense = tsit5_dense, .dense_order = 4);

DQ_PLUGIN_INTEGRATOR(tsit5_desc)
