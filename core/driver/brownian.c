/* SPDX-License-Identifier: MIT */
/* brownian.c -- the host functions of SDE solvers: drift and diffusion into given vectors,
 * the diffusion's derivative, and the Brownian increments of a step built from the keyed
 * normals of noise.c (dq/host/noise.h gives the keying). */
#include <math.h>
#include <string.h>

#include <dq/host/noise.h>

#include "driver_impl.h"
#include "internal.h"
#include "noise_impl.h"

static dq__lane_group_t *sde_lg(dq_ctx_t *ctx)
{
    return ctx->host_data;
}

/* SDE host functions need the scratch only DQ_CAP_DIFFUSION solvers get. */
static int sde_allowed(dq_ctx_t *ctx)
{
    if (sde_lg(ctx)->sde_y)
        return DQ_OK;
    return dq__driver_report(ctx, DQ_EUSAGE, (size_t)-1,
                             "the solver asked for noise but does not declare DQ_CAP_DIFFUSION");
}

/* g of a deterministic component is 0: the models write only their noisy states. */
static void sde_zero_quiet(const dq__lane_group_t *lg, double *g)
{
    const dq__group_t *grp = lg->group;
    const size_t units = lg->ctx.units;
    size_t q = 0;
    for (size_t k = 0; k < grp->m; ++k) {
        if (q < grp->n_noisy && grp->noisy[q] == k) {
            ++q;
            continue;
        }
        memset(g + k * units, 0, units * sizeof *g);
    }
}

int dq__host_drift_diffusion(dq_ctx_t *ctx, double t, const double *y, double *f, double *g)
{
    int rc = sde_allowed(ctx);
    if (rc)
        return rc;
    dq__lane_group_t *lg = sde_lg(ctx);
    sde_zero_quiet(lg, g);
    return dq__driver_eval(lg, t, y, f, lg->group->n_noisy ? g : NULL);
}

/* dg_j/dy_j by a forward difference in y_j, all lanes at once (units are independent). */
static int sde_gdiag_fd(dq__lane_group_t *lg, double t, const double *y, const double *g,
                        double *dg)
{
    const dq__group_t *grp = lg->group;
    const dq_system_t *sys = lg->lane->sys;
    const size_t units = lg->ctx.units, n = lg->ctx.len;
    double *yp = lg->sde_y;
    memcpy(yp, y, n * sizeof *yp);
    for (size_t q = 0; q < grp->n_noisy; ++q) {
        const size_t j = grp->noisy[q];
        if (sys->states[grp->states[j]]->flags & DQ_STATE_ADDITIVE)
            continue;
        const double *yj = y + j * units, *gj = g + j * units;
        double *ypj = yp + j * units, *gpj = lg->sde_g + j * units, *dgj = dg + j * units;
        for (size_t u = 0; u < units; ++u)
            ypj[u] = yj[u] + dq__driver_fd_step(yj[u]);
        int rc = dq__driver_eval(lg, t, yp, lg->sde_f, lg->sde_g);
        if (rc)
            return rc;
        for (size_t u = 0; u < units; ++u)
            dgj[u] = (gpj[u] - gj[u]) / (ypj[u] - yj[u]);
        memcpy(ypj, yj, units * sizeof *ypj);
    }
    return DQ_OK;
}

int dq__host_diffusion_diag(dq_ctx_t *ctx, double t, const double *y, const double *g, double *dg)
{
    int rc = sde_allowed(ctx);
    if (rc)
        return rc;
    dq__lane_group_t *lg = sde_lg(ctx);
    const dq__group_t *grp = lg->group;
    memset(dg, 0, ctx->len * sizeof *dg);
    if (!grp->multiplicative)
        return DQ_OK;
    if (!grp->analytic_gdiag)
        return sde_gdiag_fd(lg, t, y, g, dg);
    dq__lane_t *l = lg->lane;
    const dq_system_t *sys = l->sys;
    memset(l->jdiag, 0, sys->n_states * sizeof *l->jdiag);
    for (size_t q = 0; q < grp->n_noisy; ++q) {
        const size_t s = grp->states[grp->noisy[q]];
        if (!(sys->states[s]->flags & DQ_STATE_ADDITIVE))
            l->jdiag[s] = dg + grp->noisy[q] * ctx->units;
    }
    dq__driver_view(lg, t, y, lg->sde_f, NULL);
    l->diag_on = 1;
    rc = dq__driver_lifecycle(lg, offsetof(dq_module_desc_t, diffusion_diag), "diffusion_diag", 0);
    l->diag_on = 0;
    return rc;
}

/* The normals of counter c and `draw` (0: dW, 1: dZ's own part) for the context's block:
 * kept per block, so the four grid indices one Philox call gives serve four consecutive
 * steps. Laid out [draw][block][noisy comp][4][lanes]. */
static const double *sde_normals(dq__lane_group_t *lg, uint64_t c, uint32_t draw)
{
    const dq__group_t *grp = lg->group;
    const dq_system_t *sys = lg->lane->sys;
    const dq_ctx_t *ctx = &lg->ctx;
    const size_t b = lg->lane->block, per = 4 * grp->n_noisy;
    double *held = grp->noise + draw * per * sys->capacity + per * b * sys->block_units;
    if (grp->noise_tag[2 * b + draw] != c + 1) {
        for (size_t q = 0; q < grp->n_noisy; ++q) {
            const dq__noise_key_t key = {sys->seed, (uint32_t)grp->states[grp->noisy[q]], draw};
            dq__noise_fill(&key, c, (uint32_t)(sys->unit_offset + ctx->unit0), ctx->units,
                           ctx->live, held + 4 * q * ctx->units);
        }
        grp->noise_tag[2 * b + draw] = c + 1;
    }
    return held;
}

int dq__host_brownian(dq_ctx_t *ctx, double *dW, double *dZ)
{
    int rc = sde_allowed(ctx);
    if (rc)
        return rc;
    dq__lane_group_t *lg = sde_lg(ctx);
    const dq__group_t *grp = lg->group;
    const dq_system_t *sys = lg->lane->sys;
    const size_t units = ctx->units;
    const unsigned R = sys->noise_refine;
    const double h = ctx->dt / R, sh = sqrt(h), zh = 0.5 * h * sh;
    const double inv_sqrt3 = 0.57735026918962576451;
    const uint64_t first = (ctx->step * grp->substeps + lg->substep) * R;
    /* Sums start from 0; with one interval only the components without noise need it. */
    if (R > 1) {
        memset(dW, 0, ctx->len * sizeof *dW);
        if (dZ)
            memset(dZ, 0, ctx->len * sizeof *dZ);
    } else {
        sde_zero_quiet(lg, dW);
        if (dZ)
            sde_zero_quiet(lg, dZ);
    }
    for (unsigned r = 0; r < R; ++r) {
        const uint64_t i = first + r, c = i / 4;
        const size_t j = (size_t)(i % 4);
        const double *held0 = sde_normals(lg, c, 0);
        const double *held1 = dZ ? sde_normals(lg, c, 1) : NULL;
        for (size_t q = 0; q < grp->n_noisy; ++q) {
            const size_t k = grp->noisy[q];
            const double *restrict z0 = held0 + (4 * q + j) * units;
            double *restrict w = dW + k * units;
            if (R == 1) {
                /* One interval: no sums (and no clearing) needed. */
#pragma omp simd
                for (size_t u = 0; u < units; ++u)
                    w[u] = sh * z0[u];
                if (dZ) {
                    const double *restrict z1 = held1 + (4 * q + j) * units;
                    double *restrict z = dZ + k * units;
#pragma omp simd
                    for (size_t u = 0; u < units; ++u)
                        z[u] = zh * (z0[u] + inv_sqrt3 * z1[u]);
                }
                continue;
            }
            if (dZ) {
                /* dZ over the step: each interval adds h (W - W(start)) before its own
                 * increment, then its own dZ_i. */
                const double *restrict z1 = held1 + (4 * q + j) * units;
                double *restrict z = dZ + k * units;
#pragma omp simd
                for (size_t u = 0; u < units; ++u)
                    z[u] += h * w[u] + zh * (z0[u] + inv_sqrt3 * z1[u]);
            }
#pragma omp simd
            for (size_t u = 0; u < units; ++u)
                w[u] += sh * z0[u];
        }
    }
    return DQ_OK;
}

int dq__driver_probe_diffusion(dq_system_t *sys, size_t gi, size_t *state)
{
    dq__lane_t *l = &sys->lanes[0];
    dq__lane_group_t *lg = &l->lg[gi];
    const dq__group_t *grp = lg->group;
    for (size_t b = 0; b < sys->n_blocks; ++b) {
        l->block = b;
        dq__driver_ctx_block(lg, b);
        lg->ctx.t = sys->t0;
        lg->ctx.dt = sys->dt / grp->substeps;
        lg->ctx.step = 0;
        double *gd = grp->g + b * grp->m * sys->block_units;
        /* A model that cannot evaluate here fails at its first step instead. */
        if (dq__driver_eval(lg, sys->t0, lg->ctx.y, lg->ctx.f, gd))
            return 0;
        for (size_t q = 0; q < grp->n_noisy; ++q) {
            const double *gk = gd + grp->noisy[q] * lg->ctx.units;
            for (size_t u = 0; u < lg->ctx.live; ++u)
                if (gk[u] != 0.0) {
                    *state = grp->states[grp->noisy[q]];
                    return 1;
                }
        }
    }
    return 0;
}

int dq_noise_normals(uint64_t seed, uint64_t unit0, size_t n, size_t state, uint64_t index,
                     double *z0, double *z1)
{
    if (state >= ((size_t)1 << 24) || unit0 > ((uint64_t)1 << 32) ||
        n > ((uint64_t)1 << 32) - unit0)
        return DQ_EINVAL;
    /* Eight lanes at a time, the way the driver's blocks see them. */
    double buf[4 * DQ_LANES];
    const uint64_t c = index / 4;
    const size_t j = (size_t)(index % 4);
    for (size_t u = 0; u < n; u += DQ_LANES) {
        const size_t live = n - u < DQ_LANES ? n - u : DQ_LANES;
        for (uint32_t draw = 0; draw < (z1 ? 2u : 1u); ++draw) {
            const dq__noise_key_t key = {seed, (uint32_t)state, draw};
            dq__noise_fill(&key, c, (uint32_t)(unit0 + u), DQ_LANES, live, buf);
            memcpy((draw ? z1 : z0) + u, buf + j * DQ_LANES, live * sizeof *buf);
        }
    }
    return DQ_OK;
}
