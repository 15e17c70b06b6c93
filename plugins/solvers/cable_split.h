/* SPDX-License-Identifier: MIT */
/* cable_split.h -- what the split cable solvers (implicit_rk4, implicit_exp_euler, cn_rk4,
 * cn_exp_euler, exp_exp_euler) share: the refusal of a model that is not a cable model,
 * their scratch, and the substeps they compose.
 *
 * A substep advances one part of the mass-matrix system of <dq/cable.h> with the other part
 * held:
 *  - cable_v_theta: the V rows by the linearised theta method with the gates held,
 *        (C + theta dt (G_axial + g_m)) dV = dt (-I + I_stim + axial)  at (t_eval, y),
 *    theta = 1 is linearised backward Euler, theta = 1/2 linearised Crank-Nicolson (second
 *    order when t_eval is the midpoint);
 *  - cable_v_exp: the V rows by the exact exponential of the linearised affine system (the
 *    gates held), V += dt phi_1(dt A) C^{-1} F with CRAM (<dq/cable_expm.h>);
 *  - cable_gates_rk4: the gate rows by classical RK4 over h with V held;
 *  - cable_gates_exp: the gate rows by exponential Euler over h with V held,
 *        g += h phi_1(h d) f,  d = dF_g/dg  (exact for HH-type gates, linear in themselves).
 *
 * Scratch (doubles, n <= comps so n*units <= len): four vectors of len (gate derivatives,
 * their diagonal, the RK4 sum and stage input), then four of n*units (membrane current,
 * dI/dV, pivots, right-hand side), the CRAM work and n off-diagonal entries.
 *
 * Private to plugins/solvers: static functions only, each plugin still exports only
 * dq_plugin_entry. Nothing is allocated; every loop runs over all lanes of the block. */
#ifndef DQ_SOLVERS_CABLE_SPLIT_H
#define DQ_SOLVERS_CABLE_SPLIT_H

#include <stdio.h>
#include <string.h>

#include <dq/cable.h>
#include <dq/cable_expm.h>
#include <dq/dq.h>
#include <dq/linalg.h>
#include <dq/simd.h>

static inline size_t cable_split_scratch(size_t comps, size_t units)
{
    return 8 * comps * units + DQ_CABLE_EXPM_WORK(comps, units) + comps;
}

typedef struct cable_split {
    const dq_cable_t *cb;
    size_t nu;                                /* n*units: the V rows */
    double *f, *d, *acc, *ytmp;               /* len each */
    double *i, *g, *piv, *rhs, *ework, *offd; /* n*units each, then the CRAM work, n */
} cable_split_t;

/* The block's cable and the scratch laid out over it; DQ_EUSAGE naming the solver when the
 * model is not a cable model. */
static inline int cable_split_begin(dq_ctx_t *ctx, const char *name, cable_split_t *s)
{
    s->cb = dq_cable(ctx);
    if (!s->cb) {
        char msg[200];
        snprintf(msg, sizeof msg,
                 "%s needs a cable model (a model with compartments, e.g. 'cell' with a "
                 "morphology)",
                 name);
        return dq_fail(ctx, DQ_EUSAGE, (size_t)-1, msg);
    }
    const size_t len = ctx->len, nu = s->cb->n * ctx->units;
    s->nu = nu;
    s->f = ctx->scratch;
    s->d = s->f + len;
    s->acc = s->d + len;
    s->ytmp = s->acc + len;
    s->i = s->ytmp + len;
    s->g = s->i + nu;
    s->piv = s->g + nu;
    s->rhs = s->piv + nu;
    s->ework = s->rhs + nu;
    s->offd = s->ework + DQ_CABLE_EXPM_WORK(s->cb->n, ctx->units);
    return DQ_OK;
}

/* F_V = -I + I_stim + axial at (t, y) into s->rhs, dI/dV into s->g. */
static inline int cable_split_fv(dq_ctx_t *ctx, cable_split_t *s, double t, const double *y)
{
    int rc = dq_cable_membrane(ctx, t, y, s->i, s->g);
    if (rc)
        return rc;
    dq_cable_axial(s->cb, ctx->units, y, s->rhs, 0);
    double *r = s->rhs;
    const double *i = s->i;
    DQ_SIMD_LOOP
    for (size_t j = 0; j < s->nu; ++j)
        r[j] -= i[j];
    return DQ_OK;
}

/* V += dV, (C + theta dt (G + g_m)) dV = dt F_V(t_eval, y): the gates of y held. */
static inline int cable_v_theta(dq_ctx_t *ctx, cable_split_t *s, double theta, double t_eval)
{
    double *y = ctx->y, *r = s->rhs;
    const double dt = ctx->dt;
    int rc = cable_split_fv(ctx, s, t_eval, y);
    if (rc)
        return rc;
    DQ_SIMD_LOOP
    for (size_t j = 0; j < s->nu; ++j)
        r[j] *= dt;
    dq_cable_solve_v(s->cb, ctx->units, theta * dt, s->g, r, s->piv, s->offd);
    DQ_SIMD_LOOP
    for (size_t j = 0; j < s->nu; ++j)
        y[j] += r[j];
    return DQ_OK;
}

/* V += dt phi_1(dt A) C^{-1} F_V(t_eval, y), A = -C^{-1}(G + g_m): the gates of y held. */
static inline int cable_v_exp(dq_ctx_t *ctx, cable_split_t *s, double t_eval)
{
    double *y = ctx->y, *x = s->piv;
    int rc = cable_split_fv(ctx, s, t_eval, y);
    if (rc)
        return rc;
    memset(x, 0, s->nu * sizeof *x);
    dq_cable_expm(s->cb, ctx->units, ctx->dt, s->g, s->rhs, x, s->ework);
    DQ_SIMD_LOOP
    for (size_t j = 0; j < s->nu; ++j)
        y[j] += x[j];
    return DQ_OK;
}

/* The gate rows of ctx->y by classical RK4 from t over h, V rows held. */
static inline int cable_gates_rk4(dq_ctx_t *ctx, cable_split_t *s, double t, double h)
{
    double *y = ctx->y, *f = s->f, *acc = s->acc, *yt = s->ytmp;
    const size_t len = ctx->len, g0 = s->nu;
    memcpy(yt, y, len * sizeof *y);
    /* stage inputs y + c h k_(i-1) and the weights of the sum */
    static const double c[4] = {0.5, 0.5, 1.0, 0.0}, w[4] = {1.0, 2.0, 2.0, 1.0};
    static const double tc[4] = {0.0, 0.5, 0.5, 1.0};
    for (int k = 0; k < 4; ++k) {
        int rc = dq_cable_gates(ctx, t + tc[k] * h, yt, f, NULL);
        if (rc)
            return rc;
        const double wk = w[k], ch = c[k] * h;
        if (k == 0) {
            DQ_SIMD_LOOP
            for (size_t j = g0; j < len; ++j)
                acc[j] = f[j];
        } else {
            DQ_SIMD_LOOP
            for (size_t j = g0; j < len; ++j)
                acc[j] += wk * f[j];
        }
        if (k < 3) {
            DQ_SIMD_LOOP
            for (size_t j = g0; j < len; ++j)
                yt[j] = y[j] + ch * f[j];
        }
    }
    const double h6 = h / 6.0;
    DQ_SIMD_LOOP
    for (size_t j = g0; j < len; ++j)
        y[j] += h6 * acc[j];
    return DQ_OK;
}

/* The gate rows of ctx->y by exponential Euler from t over h, V rows held. */
static inline int cable_gates_exp(dq_ctx_t *ctx, cable_split_t *s, double t, double h)
{
    double *y = ctx->y;
    const double *f = s->f, *d = s->d;
    int rc = dq_cable_gates(ctx, t, y, s->f, s->d);
    if (rc)
        return rc;
    DQ_SIMD_LOOP
    for (size_t j = s->nu; j < ctx->len; ++j)
        y[j] += h * dq_phi1(h * d[j]) * f[j];
    return DQ_OK;
}

#endif
