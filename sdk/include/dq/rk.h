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
 * F(t, y0), as braincell leaves it. k_2..k_s and one stage-input vector live in the work
 * memory, so the solver declares .work_vectors = DQ_RK_WORK_VECTORS(s). Nothing is
 * allocated. Each sum is formed first and then scaled by dt (y0 + dt * sum), as braincell
 * does, so a tableau gives braincell's numbers; zero coefficients are skipped.
 *
 * Errors: DQ_ESOLVER (through dq_fail) when the tableau has 0 or more than
 * DQ_RK_MAX_STAGES stages or ctx->work holds fewer than DQ_RK_WORK_VECTORS(s) vectors.
 *
 * The tableau is read, never written. [borrowed: the caller's static data] */
#ifndef DQ_RK_H
#define DQ_RK_H

#include <stddef.h>

#include <dq/context.h>
#include <dq/error.h>

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

/* An explicit Butcher tableau of `stages` = s stages: a is s*s row-major (a[i*s + j] is
 * a_{i+1,j+1}; only the strictly lower triangle is read), b and c have s entries (c[0] is
 * not read: the first stage is at t). */
typedef struct dq_rk_tableau {
    unsigned stages;
    const double *a;
    const double *b;
    const double *c;
} dq_rk_tableau_t;

/* Work vectors of length n an s-stage method needs: k_2..k_s plus one stage input. */
#define DQ_RK_WORK_VECTORS(s) (s)

/* out = alpha * x */
static inline void dq__rk_scale(double *DQ_RESTRICT out, double alpha, const double *DQ_RESTRICT x,
                                size_t n)
{
    for (size_t i = 0; i < n; ++i)
        out[i] = alpha * x[i];
}

/* out += alpha * x */
static inline void dq__rk_axpy(double *DQ_RESTRICT out, double alpha, const double *DQ_RESTRICT x,
                               size_t n)
{
    for (size_t i = 0; i < n; ++i)
        out[i] += alpha * x[i];
}

/* out = y0 + dt * out */
static inline void dq__rk_stage_input(double *DQ_RESTRICT out, const double *DQ_RESTRICT y0,
                                      double dt, size_t n)
{
    for (size_t i = 0; i < n; ++i)
        out[i] = y0[i] + dt * out[i];
}

/* out = y0 */
static inline void dq__rk_copy(double *DQ_RESTRICT out, const double *DQ_RESTRICT y0, size_t n)
{
    for (size_t i = 0; i < n; ++i)
        out[i] = y0[i];
}

/* acc = sum_j w[j] * k[j] over the nonzero w[j], j < m. Returns 0 when every w[j] is zero
 * (acc untouched). The test on w[j] is per coefficient, outside the loops over n. */
static inline int dq__rk_combine(double *DQ_RESTRICT acc, const double *w, double *const *k,
                                 unsigned m, size_t n)
{
    int any = 0;
    for (unsigned j = 0; j < m; ++j) {
        if (w[j] == 0.0)
            continue;
        if (any)
            dq__rk_axpy(acc, w[j], k[j], n);
        else
            dq__rk_scale(acc, w[j], k[j], n);
        any = 1;
    }
    return any;
}

/* One explicit Runge-Kutta step of ctx->dt with tableau tab (see the top of this file). */
static inline int dq_rk_step(dq_ctx_t *ctx, const dq_rk_tableau_t *tab)
{
    const unsigned s = tab->stages;
    const size_t n = ctx->n;
    const double t = ctx->t;
    const double dt = ctx->dt;
    if (s == 0 || s > DQ_RK_MAX_STAGES)
        return dq_fail(ctx, DQ_ESOLVER, (size_t)-1, "Runge-Kutta tableau must have 1 to 8 stages");
    if (ctx->work_len < (size_t)DQ_RK_WORK_VECTORS(s) * n)
        return dq_fail(ctx, DQ_ESOLVER, (size_t)-1,
                       "Runge-Kutta step has fewer work vectors than its stages need");

    /* k[0] is the derivative slot; work vector 0 is the stage input, then k_2..k_s. */
    double *k[DQ_RK_MAX_STAGES];
    double *ytmp = dq_work(ctx, 0);
    k[0] = ctx->f;
    for (unsigned i = 1; i < s; ++i)
        k[i] = dq_work(ctx, i);

    int rc = dq_pre_integral(ctx);
    if (rc)
        return rc;
    rc = dq_compute_derivative(ctx, t, ctx->y, k[0]);
    if (rc)
        return rc;

    /* The loops over n live in helpers with restrict parameters: gcc ignores restrict on
     * block-scope pointers and would version every loop for aliasing. */
    for (unsigned i = 1; i < s; ++i) {
        if (dq__rk_combine(ytmp, tab->a + (size_t)i * s, k, i, n))
            dq__rk_stage_input(ytmp, ctx->y, dt, n);
        else
            dq__rk_copy(ytmp, ctx->y, n);
        rc = dq_compute_derivative(ctx, t + tab->c[i] * dt, ytmp, k[i]);
        if (rc)
            return rc;
    }

    /* The stage input is free now: it accumulates sum b_i k_i. */
    if (dq__rk_combine(ytmp, tab->b, k, s, n))
        dq__rk_axpy(ctx->y, dt, ytmp, n);
    return dq_post_integral(ctx);
}

#ifdef __cplusplus
}
#endif

#endif
