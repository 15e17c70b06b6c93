/* SPDX-License-Identifier: MIT */
/* erk_pair.h -- what the error-controlled solvers (bs3, dopri5, tsit5, rosenbrock23) share:
 * the checks of their state and scratch, each lane's step size, the FSAL stage of init and
 * reset, the start and the end of a step, the stages of an explicit FSAL pair, its new
 * values, the cubic Hermite part of a dense output, the error estimate and the loop of a
 * continuous extension.
 *
 * A solver describes itself in an erk_pair_t: its persistent state vectors (the FSAL stage
 * F(t, y) is vector 0, the dense output's vectors follow) and its scratch (an explicit pair:
 * vector 0 the stage input, then k_2..k_(s-1)), whose last `units` doubles hold the step
 * sizes when the host gives none (ctx->lane_dt NULL: a pre-2.2 fixed-step driver).
 *
 * The combinations sum left to right from the first nonzero coefficient and skip every zero
 * one, so that they give the bits of the written-out sum a0 k0 + a1 k1 + ... without its
 * zero terms (no 0 * k that could turn -0.0 into +0.0 or an infinite stage into NaN).
 * Everything is always inlined and the coefficients are the tableaux' static constants with a
 * constant count, so gcc unrolls each sum to the written-out expression, folds the zero tests
 * away and vectorises the lane loop as before. Loops run over the whole block, component by
 * component (k*units + u), with each lane's own h[u].
 *
 * Private to plugins/solvers: static functions only, each plugin still exports only
 * dq_plugin_entry. */
#ifndef DQ_SOLVERS_ERK_PAIR_H
#define DQ_SOLVERS_ERK_PAIR_H

#include <stddef.h>
#include <string.h>

#include <dq/dq.h>

/* The most stages erk_stages runs, the most state vectors erk_dense reads */
#define ERK_MAX_STAGES 7
#define ERK_MAX_STATE 8

#if defined(__GNUC__)
#define ERK_INLINE static inline __attribute__((always_inline))
#define ERK_UNROLL _Pragma("GCC unroll 16")
#else
#define ERK_INLINE static inline
#define ERK_UNROLL
#endif

typedef struct erk_pair {
    const char *no_state;   /* dq_fail's message when the state vectors are too few */
    const char *no_scratch; /* dq_fail's message when the scratch is too short */
    size_t state_vectors;   /* persistent vectors of ctx->len doubles, the FSAL stage first
                               (at most ERK_MAX_STATE) */
    size_t (*scratch)(size_t comps, size_t units); /* doubles of scratch, the step sizes last */
} erk_pair_t;

/* What init, reset and dense need: the state vectors. */
ERK_INLINE int erk_check_state(dq_ctx_t *ctx, const erk_pair_t *p)
{
    if (ctx->state == NULL || ctx->state_len < p->state_vectors * ctx->len)
        return dq_fail(ctx, DQ_ESOLVER, (size_t)-1, p->no_state);
    return DQ_OK;
}

/* init and reset: the FSAL stage F(t, y) for every lane (a lane outside reset_mask gets the
 * same bits again); the dense coefficients stay as the last step left them. */
ERK_INLINE int erk_fill(dq_ctx_t *ctx, const erk_pair_t *p)
{
    int rc = erk_check_state(ctx, p);
    return rc ? rc : dq_compute_derivative(ctx, ctx->t, ctx->y, dq_state(ctx, 0));
}

/* The start of a step: the state and the scratch are checked, h points to each lane's step
 * size (ctx->lane_dt, or ctx->dt for every lane in the scratch's last `units` doubles),
 * dq_pre_integral runs and ctx->f gets the FSAL stage: k1 = F(t, y0). */
ERK_INLINE int erk_begin(dq_ctx_t *ctx, const erk_pair_t *p, const double **h)
{
    *h = ctx->lane_dt;
    int rc = erk_check_state(ctx, p);
    if (rc)
        return rc;
    const size_t need = p->scratch(ctx->comps, ctx->units);
    if (ctx->scratch_len < need)
        return dq_fail(ctx, DQ_ESOLVER, (size_t)-1, p->no_scratch);
    if (*h == NULL) {
        double *spare = ctx->scratch + need - ctx->units;
        for (size_t u = 0; u < ctx->units; ++u)
            spare[u] = ctx->dt;
        *h = spare;
    }
    rc = dq_pre_integral(ctx);
    if (rc)
        return rc;
    memcpy(ctx->f, dq_state(ctx, 0), ctx->len * sizeof *ctx->f);
    return DQ_OK;
}

/* sum_j w[j*ws] k_j[i] over j < m with w[j*ws] != 0, left to right from the first such term
 * (0.0 when there is none). */
ERK_INLINE double erk_dot(const double *w, size_t ws, double *const *k, size_t m, size_t i)
{
    double s = 0.0;
    int any = 0;
    ERK_UNROLL
    for (size_t j = 0; j < m; ++j) {
        const double c = w[j * ws];
        if (c != 0.0) {
            s = any ? s + c * k[j][i] : c * k[j][i];
            any = 1;
        }
    }
    return s;
}

/* out = y + h[u] * sum_j w_j k_j, j < m (the zero w_j skipped), over the block. */
ERK_INLINE void erk_combine(dq_ctx_t *ctx, double *out, const double *y, const double *h,
                            const double *w, double *const *k, size_t m)
{
    const size_t comps = ctx->comps, units = ctx->units;
    for (size_t n = 0; n < comps; ++n) {
        const size_t o = n * units;
        DQ_SIMD_LOOP
        for (size_t u = 0; u < units; ++u)
            out[o + u] = y[o + u] + h[u] * erk_dot(w, 1, k, m, o + u);
    }
}

/* Stage m + 1 of an explicit method: ytmp = y + h[u] * sum_{j<m} a_j k_j, then
 * k_m = F(tc, ytmp), tc the stage time ctx->t + c*ctx->dt. */
ERK_INLINE int erk_stage(dq_ctx_t *ctx, double tc, const double *h, double *ytmp, const double *a,
                         double *const *k, size_t m)
{
    erk_combine(ctx, ytmp, ctx->y, h, a, k, m);
    return dq_compute_derivative(ctx, tc, ytmp, k[m]);
}

/* Stages 2..s-1 of an explicit FSAL pair of s <= ERK_MAX_STAGES stages: k_i = F(t + c_i dt,
 * y + h sum_{j<i} a_ij k_j) from the tableau's s*s matrix a and nodes c, the stage input in
 * scratch vector 0. Written out, not a loop, so that with s a constant each stage's count and
 * coefficients are constants too (gcc does not unroll a loop around the block loops). */
ERK_INLINE int erk_stages(dq_ctx_t *ctx, const double *h, const double *a, const double *c,
                          double *const *k, size_t s)
{
    if (s > ERK_MAX_STAGES)
        return dq_fail(ctx, DQ_ESOLVER, (size_t)-1, "erk_stages runs at most 7 stages");
    const double t = ctx->t, dt = ctx->dt;
    double *ytmp = dq_scratch(ctx, 0);
    int rc = DQ_OK;
    if (s > 2)
        rc = erk_stage(ctx, t + c[1] * dt, h, ytmp, a + 1 * s, k, 1);
    if (s > 3 && rc == DQ_OK)
        rc = erk_stage(ctx, t + c[2] * dt, h, ytmp, a + 2 * s, k, 2);
    if (s > 4 && rc == DQ_OK)
        rc = erk_stage(ctx, t + c[3] * dt, h, ytmp, a + 3 * s, k, 3);
    if (s > 5 && rc == DQ_OK)
        rc = erk_stage(ctx, t + c[4] * dt, h, ytmp, a + 4 * s, k, 4);
    if (s > 6 && rc == DQ_OK)
        rc = erk_stage(ctx, t + c[5] * dt, h, ytmp, a + 5 * s, k, 5);
    return rc;
}

/* The stage vectors of an explicit FSAL pair of s stages: k_1 in ctx->f, k_2..k_(s-1) in
 * scratch vectors 1..s-2, k_s = F(t + h, y1) in the FSAL state vector (the next k_1). */
ERK_INLINE void erk_vectors(dq_ctx_t *ctx, double **k, size_t s)
{
    k[0] = ctx->f;
    ERK_UNROLL
    for (size_t j = 1; j + 1 < s; ++j)
        k[j] = dq_scratch(ctx, j);
    k[s - 1] = dq_state(ctx, 0);
}

/* The new values of an explicit pair of s stages: y1 = y0 + h[u] * sum_j b_j k_j, j < s
 * (the zero b_j skipped), in place of ctx->y, with y0 kept in r[0]; with hermite (a
 * constant) also the cubic Hermite coefficients that do not need k_s, r[1] = y1 - y0 and
 * r[2] = h k_1 - r[1]. Then k_s = F(t + c_s dt, y1). */
ERK_INLINE int erk_advance(dq_ctx_t *ctx, const double *h, const double *b, const double *c,
                           double *const *k, size_t s, double *const *r, int hermite)
{
    const size_t comps = ctx->comps, units = ctx->units;
    double *y = ctx->y;
    for (size_t n = 0; n < comps; ++n) {
        const size_t o = n * units;
        DQ_SIMD_LOOP
        for (size_t u = 0; u < units; ++u) {
            const size_t i = o + u;
            const double y0 = y[i];
            const double y1 = y0 + h[u] * erk_dot(b, 1, k, s, i);
            r[0][i] = y0;
            if (hermite) {
                const double d = y1 - y0;
                r[1][i] = d;
                r[2][i] = h[u] * k[0][i] - d;
            }
            y[i] = y1;
        }
    }
    return dq_compute_derivative(ctx, ctx->t + c[s - 1] * ctx->dt, y, k[s - 1]);
}

/* After k_s: the last cubic Hermite coefficient r[3] = r[1] - h k_s - r[2] and, when d is
 * not NULL (a tableau's array or NULL, never a variable), r[4] = h[u] * sum_j d_j k_j, j < s
 * (the zero d_j skipped). */
ERK_INLINE void erk_hermite(dq_ctx_t *ctx, const double *h, double *const *k, size_t s,
                            double *const *r, const double *d)
{
    const size_t comps = ctx->comps, units = ctx->units;
    for (size_t n = 0; n < comps; ++n) {
        const size_t o = n * units;
        DQ_SIMD_LOOP
        for (size_t u = 0; u < units; ++u) {
            const size_t i = o + u;
            r[3][i] = r[1][i] - h[u] * k[s - 1][i] - r[2][i];
            if (d)
                r[4][i] = h[u] * erk_dot(d, 1, k, s, i);
        }
    }
}

/* Scaled sums of the stages: out[q][i] = h[u] * sum_j w[q + j*ws] k_j[i], j < s (the zero
 * weights skipped), for q < nq (a constant), in one pass over the block. */
ERK_INLINE void erk_scaled(dq_ctx_t *ctx, const double *h, double *const *k, size_t s,
                           const double *w, size_t ws, double *const *out, size_t nq)
{
    const size_t comps = ctx->comps, units = ctx->units;
    for (size_t n = 0; n < comps; ++n) {
        const size_t o = n * units;
        DQ_SIMD_LOOP
        for (size_t u = 0; u < units; ++u) {
            ERK_UNROLL
            for (size_t q = 0; q < nq; ++q)
                out[q][o + u] = h[u] * erk_dot(w + q, ws, k, s, o + u);
        }
    }
}

/* The end of a step: the estimate err = h[u] * sum_j e_j k_j = y1 - y1^, j < s (the zero e_j
 * skipped) when the host asks for it (ctx->err set), then dq_post_integral. */
ERK_INLINE int erk_finish(dq_ctx_t *ctx, const double *h, const double *e, double *const *k,
                          size_t s)
{
    double *const err[1] = {ctx->err};
    if (err[0])
        erk_scaled(ctx, h, k, s, e, 1, err, 1);
    return dq_post_integral(ctx);
}

/* A continuous extension, y(t + theta h) = poly(v, i, theta) for component-lane i, v[j] the
 * state vector j + 1 (what the last step stored after the FSAL stage). */
typedef double erk_poly_t(const double *const *v, size_t i, double theta);

/* dense(ctx, theta, out): out[i] = poly(v, i, theta[u]) for every lane, from the state alone
 * (it survives a reset). poly is always inlined, so the loop vectorises as written out. */
ERK_INLINE int erk_dense(dq_ctx_t *ctx, const erk_pair_t *p, const double *theta, double *out,
                         erk_poly_t *poly)
{
    int rc = erk_check_state(ctx, p);
    if (rc)
        return rc;
    const double *v[ERK_MAX_STATE];
    ERK_UNROLL
    for (size_t j = 1; j < ERK_MAX_STATE; ++j)
        v[j - 1] = j < p->state_vectors ? dq_state(ctx, j) : NULL;
    const size_t comps = ctx->comps, units = ctx->units;
    for (size_t n = 0; n < comps; ++n) {
        const size_t o = n * units;
        DQ_SIMD_LOOP
        for (size_t u = 0; u < units; ++u)
            out[o + u] = poly(v, o + u, theta[u]);
    }
    return DQ_OK;
}

#endif
