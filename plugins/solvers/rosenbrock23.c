/* SPDX-License-Identifier: MIT */
/* rosenbrock23.c -- Shampine & Reichelt's L-stable Rosenbrock (W-) pair of orders 2 and 3,
 * the method of MATLAB's ode23s (SIAM J. Sci. Comput. 18(1), 1997), with the host's
 * Jacobian and its own second-order continuous extension.
 *
 * With d = 1/(2 + sqrt 2), e32 = 6 + sqrt 2, J = dF/dy at (t, y0), T = dF/dt and
 * W = I - h d J, per lane (h = ctx->lane_dt[u]):
 *   F0 = F(t, y0)                                      (the FSAL state)
 *   k1 = W^-1 (F0 + h d T)
 *   F1 = F(t + h/2, y0 + h/2 k1)
 *   k2 = W^-1 (F1 - k1) + k1
 *   y1 = y0 + h k2                                     (order 2, L-stable)
 *   F2 = F(t + h, y1)                                  (kept: the next step's F0)
 *   k3 = W^-1 (F2 - e32 (k2 - F1) - 2 (k1 - F0) + h d T)
 *   err = h/6 (2 k2 - k1 - k3) = y1 - y3               (only when ctx->err is set)
 * where y3 = y0 + h/6 (k1 + 4 k2 + k3) is the third-order solution, so the estimate is
 * O(h^3) (ode23s's h/6 (k1 - 2 k2 + k3) with our sign). Dense output (order 2):
 *   y(t + theta h) = y0 + h (theta (1 - theta) k1 + theta (theta - 2d) k2) / (1 - 2d),
 * stored in the state as y0, h k1/(1 - 2d), h k2/(1 - 2d): it survives a reset.
 *
 * T by a forward difference in time, as ode23s does, at one extra evaluation: F at the
 * stage fraction c = 2^-20, i.e. at t_u + c h_u for lane u (one fraction for the block, so
 * the offset is proportional to each lane's own step), T = (F(t + c h) - F0) / del with
 * del = (t + c h) - t as the host rounds the time, and T = 0 where del rounds to 0. Its
 * truncation error, c h F_tt / 2, enters y1 as O(c h^3), a 1e-6 part of the local error;
 * its rounding error, eps |F| / (c h), enters as about 7e-11 h |F| per step. y1 itself is
 * second order with any W (the pair is a W-method for its main formula), so the accuracy of
 * T and J matters for the third-order solution behind the estimate and for stiff accuracy.
 *
 * Linear algebra: per live lane, W is formed in the Jacobian's place and factored with
 * partial pivoting (the LU and the pivots stay in scratch for the three solves); padding
 * lanes get the last live lane's stages (dq_fill_padding). Everything else runs over the
 * whole block, component by component, with each lane's own h. */
#include <math.h>

#include <dq/dq.h>

#include "erk_pair.h"

/* 1/(2 + sqrt 2) = 1 - 1/sqrt 2, 6 + sqrt 2 and 1/(1 - 2d) = 1 + sqrt 2 */
#define ROS23_D 0.29289321881345247559915563789515096
#define ROS23_E32 7.4142135623730950488016887242096981
#define ROS23_DENSE 2.4142135623730950488016887242096981
/* The stage fraction of the time difference for T */
#define ROS23_TFRAC 0x1p-20

/* Persistent state: the FSAL stage F0, then y0 and the two dense coefficients. */
enum { ROS_FSAL, ROS_Y0, ROS_A, ROS_B, ROS_STATE_VECTORS };
/* Scratch vectors: h d T, k1, F1, k2, one for stage inputs and right-hand sides; then the
 * Jacobian/LU (comps^2 per lane), the pivots (comps per lane) and `units` step sizes. */
enum { ROS_HDT, ROS_K1, ROS_F1, ROS_K2, ROS_TMP, ROS_SCRATCH_VECTORS };

static size_t rosenbrock23_scratch(size_t comps, size_t units)
{
    return ROS_SCRATCH_VECTORS * comps * units + comps * comps * units + comps * units + units;
}

static double *rosenbrock23_jac(dq_ctx_t *ctx)
{
    return ctx->scratch + ROS_SCRATCH_VECTORS * ctx->len;
}

static double *rosenbrock23_piv(dq_ctx_t *ctx)
{
    return rosenbrock23_jac(ctx) + ctx->comps * ctx->len;
}

static const erk_pair_t rosenbrock23_pair = {
    .no_state = "rosenbrock23 has fewer state vectors than it needs",
    .no_scratch = "rosenbrock23 has less scratch than it needs",
    .state_vectors = ROS_STATE_VECTORS,
    .scratch = rosenbrock23_scratch,
};

static int rosenbrock23_fill(dq_ctx_t *ctx)
{
    return erk_fill(ctx, &rosenbrock23_pair);
}

/* The stage input y0 + h/2 k1 as a one-term combination */
static const double rosenbrock23_half[1] = {0.5};

/* W = I - hd J for lane u, in place of J[(i*m + j)*units + u], factored P W = L U with
 * partial pivoting (L unit lower, below the diagonal; U on and above it); piv[k*units + u]
 * is the row swapped with row k. Returns 0, or 1 when W is singular. */
static int rosenbrock23_factor(double *J, double *piv, size_t m, size_t units, size_t u, double hd)
{
#define W(i, j) J[((i)*m + (j)) * units + u]
    for (size_t i = 0; i < m; ++i)
        for (size_t j = 0; j < m; ++j)
            W(i, j) = (i == j ? 1.0 : 0.0) - hd * W(i, j);
    for (size_t k = 0; k < m; ++k) {
        size_t p = k;
        double best = fabs(W(k, k));
        for (size_t i = k + 1; i < m; ++i)
            if (fabs(W(i, k)) > best) {
                best = fabs(W(i, k));
                p = i;
            }
        if (!(best > 0.0)) /* zero or NaN */
            return 1;
        piv[k * units + u] = (double)p;
        if (p != k)
            for (size_t j = 0; j < m; ++j) {
                double s = W(k, j);
                W(k, j) = W(p, j);
                W(p, j) = s;
            }
        const double inv = 1.0 / W(k, k);
        for (size_t i = k + 1; i < m; ++i) {
            const double l = W(i, k) * inv;
            W(i, k) = l;
            for (size_t j = k + 1; j < m; ++j)
                W(i, j) -= l * W(k, j);
        }
    }
    return 0;
#undef W
}

/* x = W^-1 x for lane u (x a block vector, its lane u solved in place). */
static void rosenbrock23_solve(const double *J, const double *piv, size_t m, size_t units, size_t u,
                               double *x)
{
#define W(i, j) J[((i)*m + (j)) * units + u]
#define X(i) x[(i)*units + u]
    for (size_t k = 0; k < m; ++k) {
        const size_t p = (size_t)piv[k * units + u];
        if (p != k) {
            double s = X(k);
            X(k) = X(p);
            X(p) = s;
        }
    }
    for (size_t i = 1; i < m; ++i) {
        double s = X(i);
        for (size_t j = 0; j < i; ++j)
            s -= W(i, j) * X(j);
        X(i) = s;
    }
    for (size_t i = m; i-- > 0;) {
        double s = X(i);
        for (size_t j = i + 1; j < m; ++j)
            s -= W(i, j) * X(j);
        X(i) = s / W(i, i);
    }
#undef X
#undef W
}

/* x = W^-1 x for every live lane; the padding lanes copy the last live one. */
static void rosenbrock23_solve_block(dq_ctx_t *ctx, const double *J, const double *piv, double *x)
{
    for (size_t u = 0; u < ctx->live; ++u)
        rosenbrock23_solve(J, piv, ctx->comps, ctx->units, u, x);
    dq_fill_padding(ctx, x);
}

DQ_SIMD_CLONES static int rosenbrock23_step(dq_ctx_t *ctx)
{
    const size_t comps = ctx->comps, units = ctx->units, len = ctx->len;
    const double t = ctx->t, dt = ctx->dt, d = ROS23_D;
    double *y = ctx->y, *f0 = ctx->f, *err = ctx->err;
    const double *h;
    int rc = erk_begin(ctx, &rosenbrock23_pair, &h);
    if (rc)
        return rc;
    double *f2 = dq_state(ctx, ROS_FSAL), *y0s = dq_state(ctx, ROS_Y0);
    double *da = dq_state(ctx, ROS_A), *db = dq_state(ctx, ROS_B);
    double *hdT = dq_scratch(ctx, ROS_HDT), *k1 = dq_scratch(ctx, ROS_K1);
    double *f1 = dq_scratch(ctx, ROS_F1), *k2 = dq_scratch(ctx, ROS_K2);
    double *tmp = dq_scratch(ctx, ROS_TMP);
    double *J = rosenbrock23_jac(ctx), *piv = rosenbrock23_piv(ctx);

    /* T: F at the time fraction c into tmp; each lane's time offset as the host forms it. */
    const double tc = t + ROS23_TFRAC * dt;
    rc = dq_compute_derivative(ctx, tc, y, tmp);
    if (rc == DQ_OK)
        rc = dq_jacobian(ctx, t, y, f0, J);
    if (rc)
        return rc;
    const double *lt = ctx->lane_t;
    for (size_t k = 0; k < comps; ++k) {
        const size_t o = k * units;
        DQ_SIMD_LOOP
        for (size_t u = 0; u < units; ++u) {
            const double t0 = lt ? lt[u] : t;
            const double step = lt ? h[u] : dt;
            const double del = (t0 + ROS23_TFRAC * step) - t0;
            const double T = del > 0.0 ? (tmp[o + u] - f0[o + u]) / del : 0.0;
            hdT[o + u] = h[u] * d * T;
            k1[o + u] = f0[o + u] + hdT[o + u];
        }
    }
    for (size_t u = 0; u < ctx->live; ++u)
        if (rosenbrock23_factor(J, piv, comps, units, u, h[u] * d))
            return dq_fail(ctx, DQ_ESOLVER, u, "the matrix I - h*d*J is singular");
    rosenbrock23_solve_block(ctx, J, piv, k1);
    double *const k1f1[2] = {k1, f1};
    rc = erk_stage(ctx, t + 0.5 * dt, h, tmp, rosenbrock23_half, k1f1, 1);
    if (rc)
        return rc;
    for (size_t i = 0; i < len; ++i)
        k2[i] = f1[i] - k1[i];
    rosenbrock23_solve_block(ctx, J, piv, k2);
    for (size_t k = 0; k < comps; ++k) {
        const size_t o = k * units;
        DQ_SIMD_LOOP
        for (size_t u = 0; u < units; ++u) {
            const size_t i = o + u;
            const double y0 = y[i], s2 = k2[i] + k1[i];
            k2[i] = s2;
            y0s[i] = y0;
            da[i] = h[u] * k1[i] * ROS23_DENSE;
            db[i] = h[u] * s2 * ROS23_DENSE;
            y[i] = y0 + h[u] * s2;
        }
    }
    rc = dq_compute_derivative(ctx, t + dt, y, f2);
    if (rc)
        return rc;
    if (err) {
        DQ_SIMD_LOOP
        for (size_t i = 0; i < len; ++i)
            tmp[i] = f2[i] - ROS23_E32 * (k2[i] - f1[i]) - 2.0 * (k1[i] - f0[i]) + hdT[i];
        rosenbrock23_solve_block(ctx, J, piv, tmp);
        for (size_t k = 0; k < comps; ++k) {
            const size_t o = k * units;
            DQ_SIMD_LOOP
            for (size_t u = 0; u < units; ++u) {
                const size_t i = o + u;
                err[i] = h[u] / 6.0 * (2.0 * k2[i] - k1[i] - tmp[i]);
            }
        }
    }
    return dq_post_integral(ctx);
}

/* y(t + theta h) = y0 + theta ((1 - theta) a + (theta - 2d) b) */
ERK_INLINE double rosenbrock23_poly(const double *const *v, size_t i, double s)
{
    return v[0][i] + s * ((1.0 - s) * v[1][i] + (s - 2.0 * ROS23_D) * v[2][i]);
}

DQ_SIMD_CLONES static int rosenbrock23_dense(dq_ctx_t *ctx, const double *theta, double *out)
{
    return erk_dense(ctx, &rosenbrock23_pair, theta, out, rosenbrock23_poly);
}

DQ_INTEGRATOR(rosenbrock23_desc, .name = "rosenbrock23", .category = DQ_CATEGORY_ADAPTIVE,
              .order = 2,
              .description = "Shampine-Reichelt L-stable Rosenbrock 2(3) pair (MATLAB's ode23s), "
                             "host Jacobian, 2nd-order dense output.",
              .flags = DQ_CAP_ADAPTIVE | DQ_CAP_JACOBIAN, .step = rosenbrock23_step,
              .scratch_size = rosenbrock23_scratch, .state_vectors = ROS_STATE_VECTORS,
              .init = rosenbrock23_fill, .reset = rosenbrock23_fill, .error_order = 2,
              .dense = rosenbrock23_dense, .dense_order = 2);

DQ_PLUGIN_INTEGRATOR(rosenbrock23_desc)
