/* SPDX-License-Identifier: MIT */
/* dq/rk.h -- header-only explicit Runge-Kutta step from a Butcher tableau.
 *
 * An explicit s-stage method with tableau (A, b, c), A strictly lower triangular, advances
 * y' = F(t, y) from y0 = y(t) to y(t + dt) by
 *
 *   k_1 = F(t, y0)
 *   k_i = F(t + c_i dt, y0 + dt * sum_{j<i} a_ij k_j)        i = 2..s
 *   y1  = y0 + dt * sum_{i=1..s} b_i k_i
 *
 * dq_rk_step() runs one such step on the block in ctx, with the solver contract of
 * <dq/integrator.h>: dq_pre_integral() once, dq_compute_derivative() s times, the new
 * values written into ctx->y, dq_post_integral() once. The first nonzero code from the host
 * is returned unchanged.
 *
 * Memory: k_1 is written into ctx->f, so after the step the derivative slot holds
 * F(t, y0), as braincell leaves it. k_2..k_s and one stage-input vector live in the scratch
 * memory, so the solver declares .scratch_vectors = DQ_RK_SCRATCH_VECTORS(s). Nothing is
 * allocated. Each sum is formed first and then scaled by dt (y0 + dt * sum), as braincell
 * does, so a tableau gives braincell's numbers; zero coefficients are skipped.
 *
 * Errors: DQ_ESOLVER (through dq_fail) when the tableau has 0 or more than
 * DQ_RK_MAX_STAGES stages or ctx->scratch holds fewer than DQ_RK_SCRATCH_VECTORS(s) vectors.
 *
 * The tableau is read, never written. [borrowed: the caller's static data] */
#ifndef DQ_RK_H
#define DQ_RK_H

#include <stddef.h>
#include <string.h>

#include <dq/context.h>
#include <dq/error.h>
#include <dq/simd.h>

#ifdef __cplusplus
extern "C" {
#endif

/* C99 restrict, spelled __restrict in C++ (g++ and clang++ accept it). */
#ifndef DQ_RESTRICT
#ifdef __cplusplus
#define DQ_RESTRICT __restrict
#else
#define DQ_RESTRICT restrict
#endif
#endif

#define DQ_RK_MAX_STAGES 8

/* The helpers below are forced inline: a solver compiled as SIMD clones (DQ_SIMD_CLONES) then
 * gets them in each clone, at its vector width, with the tableau's constants folded in; as
 * separate functions they ran at the baseline width, a quarter of a one-unit rk4 step. */
#if defined(__GNUC__)
#define DQ_RK_INLINE static inline __attribute__((always_inline))
#else
#define DQ_RK_INLINE static inline
#endif

/* An explicit Butcher tableau of `stages` = s stages: a is s*s row-major (a[i*s + j] is
 * a_{i+1,j+1}; only the strictly lower triangle is read), b and c have s entries (c[0] is
 * not read: the first stage is at t). */
typedef struct dq_rk_tableau {
    unsigned stages;
    const double *a;
    const double *b;
    const double *c;
} dq_rk_tableau_t;

/* Scratch vectors of length ctx->len an s-stage method needs: k_2..k_s plus one stage
 * input. */
#define DQ_RK_SCRATCH_VECTORS(s) (s)

/* The loops over len live in helpers with restrict parameters: gcc ignores restrict on
 * block-scope pointers and would version every loop for aliasing. Each helper makes one
 * pass over memory for up to four terms, summing left to right, so the bits are those of
 * sum_j w_j k_j formed first and then scaled by dt. */

/* out = y0 + dt * (w0 k0 + ... ), for 1 to 4 terms. */
DQ_RK_INLINE void dq__rk_set(double *DQ_RESTRICT out, const double *DQ_RESTRICT y0, double dt,
                             const double *w, const double *const *k, unsigned m, size_t len)
{
    const double *DQ_RESTRICT k0 = k[0], *DQ_RESTRICT k1 = m > 1 ? k[1] : k[0];
    const double *DQ_RESTRICT k2 = m > 2 ? k[2] : k[0], *DQ_RESTRICT k3 = m > 3 ? k[3] : k[0];
    const double w0 = w[0], w1 = m > 1 ? w[1] : 0.0, w2 = m > 2 ? w[2] : 0.0,
                 w3 = m > 3 ? w[3] : 0.0;
    switch (m) {
    case 1:
        DQ_SIMD_LOOP
        for (size_t i = 0; i < len; ++i)
            out[i] = y0[i] + dt * (w0 * k0[i]);
        break;
    case 2:
        DQ_SIMD_LOOP
        for (size_t i = 0; i < len; ++i)
            out[i] = y0[i] + dt * (w0 * k0[i] + w1 * k1[i]);
        break;
    case 3:
        DQ_SIMD_LOOP
        for (size_t i = 0; i < len; ++i)
            out[i] = y0[i] + dt * (w0 * k0[i] + w1 * k1[i] + w2 * k2[i]);
        break;
    default:
        DQ_SIMD_LOOP
        for (size_t i = 0; i < len; ++i)
            out[i] = y0[i] + dt * (w0 * k0[i] + w1 * k1[i] + w2 * k2[i] + w3 * k3[i]);
        break;
    }
}

/* acc = w0 k0 + ... (first call, first) or acc += w0 k0 + ... (later), 1 to 4 terms. */
DQ_RK_INLINE void dq__rk_sum(double *DQ_RESTRICT acc, int first, const double *w,
                             const double *const *k, unsigned m, size_t len)
{
    const double *DQ_RESTRICT k0 = k[0], *DQ_RESTRICT k1 = m > 1 ? k[1] : k[0];
    const double *DQ_RESTRICT k2 = m > 2 ? k[2] : k[0], *DQ_RESTRICT k3 = m > 3 ? k[3] : k[0];
    const double w0 = w[0], w1 = m > 1 ? w[1] : 0.0, w2 = m > 2 ? w[2] : 0.0,
                 w3 = m > 3 ? w[3] : 0.0;
    if (first) {
        DQ_SIMD_LOOP
        for (size_t i = 0; i < len; ++i) {
            double v = w0 * k0[i];
            if (m > 1)
                v += w1 * k1[i];
            if (m > 2)
                v += w2 * k2[i];
            if (m > 3)
                v += w3 * k3[i];
            acc[i] = v;
        }
        return;
    }
    DQ_SIMD_LOOP
    for (size_t i = 0; i < len; ++i) {
        double v = acc[i] + w0 * k0[i];
        if (m > 1)
            v += w1 * k1[i];
        if (m > 2)
            v += w2 * k2[i];
        if (m > 3)
            v += w3 * k3[i];
        acc[i] = v;
    }
}

/* y += dt * (w0 k0 + ... ), 1 to 4 terms, in place. */
DQ_RK_INLINE void dq__rk_add(double *DQ_RESTRICT y, double dt, const double *w,
                             const double *const *k, unsigned m, size_t len)
{
    const double *DQ_RESTRICT k0 = k[0], *DQ_RESTRICT k1 = m > 1 ? k[1] : k[0];
    const double *DQ_RESTRICT k2 = m > 2 ? k[2] : k[0], *DQ_RESTRICT k3 = m > 3 ? k[3] : k[0];
    const double w0 = w[0], w1 = m > 1 ? w[1] : 0.0, w2 = m > 2 ? w[2] : 0.0,
                 w3 = m > 3 ? w[3] : 0.0;
    DQ_SIMD_LOOP
    for (size_t i = 0; i < len; ++i) {
        double v = w0 * k0[i];
        if (m > 1)
            v += w1 * k1[i];
        if (m > 2)
            v += w2 * k2[i];
        if (m > 3)
            v += w3 * k3[i];
        y[i] += dt * v;
    }
}

/* out = base + dt * acc (base may be y0; acc and out distinct), or y += dt * acc. */
DQ_RK_INLINE void dq__rk_finish(double *DQ_RESTRICT out, const double *DQ_RESTRICT base, double dt,
                                const double *DQ_RESTRICT acc, size_t len)
{
    DQ_SIMD_LOOP
    for (size_t i = 0; i < len; ++i)
        out[i] = base[i] + dt * acc[i];
}

/* Gathers the nonzero weights of row w[0..m) and their vectors; returns how many. */
DQ_RK_INLINE unsigned dq__rk_nonzero(const double *w, double *const *k, unsigned m, double *wz,
                                     const double **kz)
{
    unsigned c = 0;
    for (unsigned j = 0; j < m; ++j)
        if (w[j] != 0.0) {
            wz[c] = w[j];
            kz[c++] = k[j];
        }
    return c;
}

/* out = y0 + dt * sum_j w_j k_j over the nonzero w_j (out = y0 when there are none); y0 is
 * left alone unless out == y0 (in place). `scratch` holds a sum of more than four terms. */
DQ_RK_INLINE void dq__rk_combine_into(double *out, const double *y0, double dt, const double *w,
                                      double *const *k, unsigned m, double *scratch, size_t len)
{
    double wz[DQ_RK_MAX_STAGES];
    const double *kz[DQ_RK_MAX_STAGES];
    unsigned c = dq__rk_nonzero(w, k, m, wz, kz);
    if (c == 0) {
        if (out != y0)
            memcpy(out, y0, len * sizeof *out);
        return;
    }
    if (c <= 4) {
        if (out == y0)
            dq__rk_add(out, dt, wz, kz, c, len);
        else
            dq__rk_set(out, y0, dt, wz, kz, c, len);
        return;
    }
    /* More than four terms: sum in chunks of four into scratch, then finish. */
    for (unsigned j = 0; j < c; j += 4)
        dq__rk_sum(scratch, j == 0, wz + j, kz + j, c - j < 4 ? c - j : 4, len);
    if (out == y0) {
        DQ_SIMD_LOOP
        for (size_t i = 0; i < len; ++i)
            out[i] += dt * scratch[i];
    } else {
        dq__rk_finish(out, y0, dt, scratch, len);
    }
}

/* One explicit Runge-Kutta step of ctx->dt with tableau tab (see the top of this file). */
DQ_RK_INLINE int dq_rk_step(dq_ctx_t *ctx, const dq_rk_tableau_t *tab)
{
    const unsigned s = tab->stages;
    const size_t len = ctx->len;
    const double t = ctx->t;
    const double dt = ctx->dt;
    if (s == 0 || s > DQ_RK_MAX_STAGES)
        return dq_fail(ctx, DQ_ESOLVER, (size_t)-1, "Runge-Kutta tableau must have 1 to 8 stages");
    if (ctx->scratch_len < (size_t)DQ_RK_SCRATCH_VECTORS(s) * len)
        return dq_fail(ctx, DQ_ESOLVER, (size_t)-1,
                       "Runge-Kutta step has fewer scratch vectors than its stages need");

    /* k[0] is the derivative slot; scratch vector 0 is the stage input, then k_2..k_s. */
    double *k[DQ_RK_MAX_STAGES];
    double *ytmp = dq_scratch(ctx, 0);
    k[0] = ctx->f;
    for (unsigned i = 1; i < s; ++i)
        k[i] = dq_scratch(ctx, i);

    int rc = dq_pre_integral(ctx);
    if (rc)
        return rc;
    rc = dq_compute_derivative(ctx, t, ctx->y, k[0]);
    if (rc)
        return rc;

    for (unsigned i = 1; i < s; ++i) {
        dq__rk_combine_into(ytmp, ctx->y, dt, tab->a + (size_t)i * s, k, i, k[s - 1], len);
        rc = dq_compute_derivative(ctx, t + tab->c[i] * dt, ytmp, k[i]);
        if (rc)
            return rc;
    }

    /* y += dt * sum b_i k_i, in one pass for up to four stages (the stage input, free now,
     * holds a longer sum). */
    dq__rk_combine_into(ctx->y, ctx->y, dt, tab->b, k, s, ytmp, len);
    return dq_post_integral(ctx);
}

#ifdef __cplusplus
}
#endif

#endif
