/* SPDX-License-Identifier: MIT */
/* host_api.c -- the host functions a solver reaches through its context: lifecycle calls,
 * derivatives, failure reports, Jacobians (analytic or by finite differences). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cable_impl.h"
#include "driver_impl.h"
#include "internal.h"

static dq__lane_group_t *host_lg(dq_ctx_t *ctx)
{
    return ctx->host_data;
}

/* A cable system's call at t (per-lane mode: the fraction of each lane's step). */
static void host_cable_call(dq__lane_group_t *lg, double t, dq__cable_call_t *c)
{
    const dq_ctx_t *ctx = &lg->ctx;
    *c = (dq__cable_call_t){.l = lg->lane,
                            .unit0 = ctx->unit0,
                            .units = ctx->units,
                            .t = t,
                            .dt = ctx->dt,
                            .step = ctx->step};
    if (ctx->lane_t) {
        for (size_t u = 0; u < ctx->units; ++u)
            lg->tview[u] = ctx->lane_t[u] + t * ctx->lane_dt[u];
        c->tl = lg->tview;
        c->t = lg->tview[0];
        c->dt = ctx->lane_dt[0];
    }
}

void dq__driver_view(dq__lane_group_t *lg, double t, const double *y, double *f, double *gd)
{
    dq__lane_t *l = lg->lane;
    dq__group_view(l, lg->group, l->block, y, f, gd);
    const dq_ctx_t *ctx = &lg->ctx;
    if (ctx->lane_t) {
        /* Per-lane mode: t is a fraction of each lane's step. */
        const size_t n = ctx->units;
        for (size_t u = 0; u < n; ++u)
            lg->tview[u] = ctx->lane_t[u] + t * ctx->lane_dt[u];
        l->view_lane_t = lg->tview;
        l->view_t = lg->tview[0];
        l->view_dt = ctx->lane_dt[0];
    } else {
        l->view_lane_t = NULL;
        l->view_t = t;
        l->view_dt = ctx->dt;
    }
    l->view_step = ctx->step;
}

void dq__driver_view_at(dq__lane_group_t *lg, const double *tl, const double *y, double *f)
{
    dq__lane_t *l = lg->lane;
    dq__group_view(l, lg->group, l->block, y, f, NULL);
    l->view_lane_t = tl;
    l->view_t = tl[0];
    l->view_dt = lg->ctx.lane_dt ? lg->ctx.lane_dt[0] : lg->ctx.dt;
    l->view_step = lg->ctx.step;
}

static int host_module_failed(dq__lane_group_t *lg, size_t module, const char *call, int rc)
{
    dq__lane_t *l = lg->lane;
    dq_system_t *sys = l->sys;
    return dq_error_set(&l->err, rc < 0 ? rc : DQ_EMODEL, NULL,
                        "model '%s': %s of module '%s' failed at t = %.17g: %s", sys->model.name,
                        call, sys->modules[module].name, l->view_t,
                        l->view_err[0] ? l->view_err : dq_strerror(rc));
}

int dq__driver_lifecycle(dq__lane_group_t *lg, size_t offset, const char *call, int reverse)
{
    const dq__group_t *g = lg->group;
    const dq_system_t *sys = lg->lane->sys;
    for (size_t k = 0; k < g->n_modules; ++k) {
        size_t i = g->modules[reverse ? g->n_modules - 1 - k : k];
        dq_module_fn fn = *(const dq_module_fn *)((const char *)&sys->modules[i] + offset);
        if (!fn)
            continue;
        int rc = fn(dq__module_view(lg->lane, i, g, reverse ? g->n_modules - 1 - k : k));
        if (rc)
            return host_module_failed(lg, i, call, rc);
    }
    return DQ_OK;
}

/* ---- fast calls ------------------------------------------------------------------------ */

/* What each call list runs: the callback's place in dq_module_desc_t, its name for messages,
 * and whether children go first. */
static const struct {
    size_t offset;
    const char *name;
    int reverse;
} host_calls[DQ__N_CALLS] = {
    [DQ__CALL_PRE] = {offsetof(dq_module_desc_t, pre_integral), "pre_integral", 0},
    [DQ__CALL_DERIV] = {offsetof(dq_module_desc_t, compute_derivative), "compute_derivative", 0},
    [DQ__CALL_POST] = {offsetof(dq_module_desc_t, post_integral), "post_integral", 1},
    [DQ__CALL_EVENT] = {offsetof(dq_module_desc_t, event), "event", 0},
};

void dq__fast_free(dq__lane_group_t *lg)
{
    for (int c = 0; c < DQ__N_CALLS; ++c) {
        dq__fast_call_t *fc = &lg->fast[c];
        free(fc->mod);
        free((void *)fc->fn);
        free(fc->slot_at);
        free(fc->slot);
        free(fc->comp);
        memset(fc, 0, sizeof *fc);
    }
}

int dq__fast_init(dq__lane_group_t *lg)
{
    dq__lane_t *l = lg->lane;
    const dq_system_t *sys = l->sys;
    const dq__group_t *g = lg->group;
    const size_t nm = g->n_modules, ns = g->moving_at[nm];
    for (int c = 0; c < DQ__N_CALLS; ++c) {
        dq__fast_call_t *fc = &lg->fast[c];
        fc->mod = calloc(nm ? nm : 1, sizeof *fc->mod);
        fc->fn = calloc(nm ? nm : 1, sizeof *fc->fn);
        fc->slot_at = calloc(3 * nm + 1, sizeof *fc->slot_at);
        fc->slot = calloc(3 * ns + 1, sizeof *fc->slot);
        fc->comp = calloc(3 * ns + 1, sizeof *fc->comp);
        if (!fc->mod || !fc->fn || !fc->slot_at || !fc->slot || !fc->comp)
            return DQ_ENOMEM;
        size_t p = 0;
        for (size_t q = 0; q < nm; ++q) {
            const size_t k = host_calls[c].reverse ? nm - 1 - q : q, i = g->modules[k];
            dq_module_fn fn =
                *(const dq_module_fn *)((const char *)&sys->modules[i] + host_calls[c].offset);
            if (!fn || (c == DQ__CALL_EVENT && !sys->modules[i].n_events))
                continue;
            const dq__module_vars_t *mv = &sys->mvars[i];
            double **value = l->mtab + l->mtab_off[i], **der = value + mv->n_vars,
                   **dif = der + mv->n_own;
            fc->mod[fc->n] = i;
            fc->fn[fc->n] = fn;
            /* Values, then derivatives and diffusions of the module's own states. */
            for (int kd = 0; kd < 3; ++kd) {
                fc->slot_at[3 * fc->n + (size_t)kd] = p;
                for (size_t r = g->moving_at[k]; r < g->moving_at[k + 1]; ++r) {
                    const size_t var = g->moving[r], s = mv->vars[var];
                    if (kd > 0 && var >= mv->n_own)
                        continue;
                    if (kd == 2 && !(sys->states[s]->flags & DQ_STATE_DIFFUSION))
                        continue;
                    fc->slot[p] = kd == 0 ? &value[var] : kd == 1 ? &der[var] : &dif[var];
                    fc->comp[p++] = sys->state_comp[s];
                }
            }
            fc->n++;
        }
        fc->slot_at[3 * fc->n] = p;
    }
    return DQ_OK;
}

/* Runs the callbacks of call list c at (t, y, f, gd): the fast way when the lane's tables
 * allow it, else through the view (which then makes the next call fast). */
static int host_call(dq__lane_group_t *lg, int c, double t, const double *y, double *f, double *gd)
{
    dq__fast_call_t *fc = &lg->fast[c];
    dq__lane_t *l = lg->lane;
    if (dq__fast_valid(lg, fc)) {
        l->view_err[0] = '\0';
        for (size_t k = 0; k < fc->n; ++k) {
            int rc = fc->fn[k](dq__fast_view(lg, fc, k, t, y, f, gd));
            if (rc) {
                l->view_t = t;
                return host_module_failed(lg, fc->mod[k], host_calls[c].name, rc);
            }
        }
        return DQ_OK;
    }
    dq__driver_view(lg, t, y, f, gd);
    int rc =
        dq__driver_lifecycle(lg, host_calls[c].offset, host_calls[c].name, host_calls[c].reverse);
    if (rc == DQ_OK && !lg->ctx.lane_t) {
        fc->gen = l->view_gen;
    }
    return rc;
}

static int host_pre_integral(dq_ctx_t *ctx)
{
    dq__lane_group_t *lg = host_lg(ctx);
    if (!lg->group->has_pre || lg->deferred)
        return DQ_OK;
    return host_call(lg, DQ__CALL_PRE, ctx->t, ctx->y, ctx->f, (double *)ctx->g);
}

int dq__driver_eval(dq__lane_group_t *lg, double t, const double *y, double *f, double *gd)
{
    lg->n_eval++;
    if (lg->lane->sys->cable) {
        dq__cable_call_t c;
        host_cable_call(lg, t, &c);
        return dq__cable_derivative(&c, y, f, NULL);
    }
    return host_call(lg, DQ__CALL_DERIV, t, y, f, gd);
}

/* The diffusion goes to the block's slot (ctx->g, NULL unless an SDE solver steps it). */
static int host_compute_derivative(dq_ctx_t *ctx, double t, const double *y, double *f)
{
    return dq__driver_eval(host_lg(ctx), t, y, f, (double *)ctx->g);
}

static int host_post_integral(dq_ctx_t *ctx)
{
    dq__lane_group_t *lg = host_lg(ctx);
    if (!lg->group->has_post || lg->deferred)
        return DQ_OK;
    /* Children before parents: the reverse of declaration order. */
    return host_call(lg, DQ__CALL_POST, ctx->t + ctx->dt, ctx->y, ctx->f, (double *)ctx->g);
}

int dq__driver_report(dq_ctx_t *ctx, int code, size_t index, const char *message)
{
    dq__lane_group_t *lg = host_lg(ctx);
    dq__lane_t *l = lg->lane;
    const dq_system_t *sys = l->sys;
    if (code >= 0)
        code = DQ_ESOLVER;
    dq_error_add_time(&l->err, ctx->t);
    if (index < ctx->len) {
        size_t s = lg->group->states[index / ctx->units],
               u = sys->unit_offset + ctx->unit0 + index % ctx->units;
        return dq_error_set(&l->err, code, sys->states[s]->name,
                            "solver '%s' failed on state '%s' of unit %zu at t = %.17g: %s",
                            lg->group->solver->name, sys->states[s]->name, u, ctx->t,
                            message ? message : dq_strerror(code));
    }
    return dq_error_set(&l->err, code, NULL, "solver '%s' failed at t = %.17g: %s",
                        lg->group->solver->name, ctx->t, message ? message : dq_strerror(code));
}

/* Jacobian calls need the scratch only DQ_CAP_JACOBIAN solvers get. */
static int host_jacobian_allowed(dq_ctx_t *ctx)
{
    dq__lane_group_t *lg = host_lg(ctx);
    if (lg->jac_y)
        return DQ_OK;
    return dq__driver_report(ctx, DQ_EUSAGE, (size_t)-1,
                             "the solver asked for a Jacobian but does not declare "
                             "DQ_CAP_JACOBIAN");
}

/* A perturbation scaled to the value, h = sqrt(eps) * max(|y|, 1); the quotient divides
 * by the step actually taken, (y + h) - y, which is exact. */
double dq__driver_fd_step(double y)
{
    return 1.4901161193847656e-8 * (fabs(y) > 1.0 ? fabs(y) : 1.0);
}

/* Finite differences, one column j at a time for every lane of the block at once: the
 * units are independent, so perturbing component j of all of them costs one derivative
 * evaluation and gives column j of every unit's block. With diag set, only d_j is kept. */
static int host_fd(dq_ctx_t *ctx, double t, const double *y, const double *fy, double *out,
                   int diag)
{
    dq__lane_group_t *lg = host_lg(ctx);
    const size_t m = ctx->comps, units = ctx->units, n = ctx->len;
    double *yp = lg->jac_y, *fp = lg->jac_f;
    memcpy(yp, y, n * sizeof *yp);
    for (size_t j = 0; j < m; ++j) {
        const double *yj = y + j * units;
        double *ypj = yp + j * units;
        for (size_t u = 0; u < units; ++u)
            ypj[u] = yj[u] + dq__driver_fd_step(yj[u]);
        /* Perturbed evaluations leave the diffusion slot alone. */
        int rc = dq__driver_eval(lg, t, yp, fp, NULL);
        if (rc)
            return rc;
        for (size_t i = diag ? j : 0; i < (diag ? j + 1 : m); ++i) {
            const double *fpi = fp + i * units, *fyi = fy + i * units;
            double *col = diag ? out + j * units : out + (i * m + j) * units;
            for (size_t u = 0; u < units; ++u)
                col[u] = (fpi[u] - fyi[u]) / (ypj[u] - yj[u]);
        }
        memcpy(ypj, yj, units * sizeof *ypj);
    }
    return DQ_OK;
}

static int host_jacobian_into(dq_ctx_t *ctx, double t, const double *y, const double *fy, double *J)
{
    dq__lane_group_t *lg = host_lg(ctx);
    dq__lane_t *l = lg->lane;
    const dq__group_t *g = lg->group;
    const size_t m = ctx->comps, units = ctx->units, ns = l->sys->n_states;
    if (!g->analytic_jac)
        return host_fd(ctx, t, y, fy, J, 0);
    memset(J, 0, m * m * units * sizeof *J);
    /* Entries for states outside the group stay NULL: a module skips them. */
    memset(l->jac, 0, ns * ns * sizeof *l->jac);
    for (size_t r = 0; r < m; ++r)
        for (size_t c = 0; c < m; ++c)
            l->jac[g->states[r] * ns + g->states[c]] = J + (r * m + c) * units;
    dq__driver_view(lg, t, y, lg->jac_f, NULL);
    l->jac_on = 1;
    int rc = dq__driver_lifecycle(lg, offsetof(dq_module_desc_t, jacobian), "jacobian", 0);
    l->jac_on = 0;
    return rc;
}

static int host_jacobian(dq_ctx_t *ctx, double t, const double *y, const double *fy, double *J)
{
    host_lg(ctx)->n_jac++;
    if (host_lg(ctx)->lane->sys->cable)
        return dq__driver_report(ctx, DQ_EUSAGE, (size_t)-1,
                                 "it uses dense Jacobians (dq_jacobian); on cable models use a "
                                 "cable solver or a solver with structured support");
    int rc = host_jacobian_allowed(ctx);
    return rc ? rc : host_jacobian_into(ctx, t, y, fy, J);
}

/* Points the lane's diagonal table at d (len doubles) for the group's states. */
static void host_diag_table(dq__lane_group_t *lg, double *d)
{
    dq__lane_t *l = lg->lane;
    memset(l->jdiag, 0, l->sys->n_states * sizeof *l->jdiag);
    for (size_t k = 0; k < lg->group->m; ++k)
        l->jdiag[lg->group->states[k]] = d + k * lg->ctx.units;
}

static int host_jacobian_diag_into(dq_ctx_t *ctx, double t, const double *y, const double *fy,
                                   double *d)
{
    dq__lane_group_t *lg = host_lg(ctx);
    const dq__group_t *g = lg->group;
    const size_t m = ctx->comps, units = ctx->units;
    if (lg->lane->sys->cable) {
        /* The diagonal comes with the derivative; lg->jac_f takes the derivative. */
        dq__cable_call_t c;
        host_cable_call(lg, t, &c);
        return dq__cable_derivative(&c, y, lg->jac_f, d);
    }
    if (g->analytic_diag) {
        host_diag_table(lg, d);
        dq__driver_view(lg, t, y, lg->jac_f, NULL);
        lg->lane->diag_on = 1;
        int rc =
            dq__driver_lifecycle(lg, offsetof(dq_module_desc_t, jacobian_diag), "jacobian_diag", 0);
        lg->lane->diag_on = 0;
        return rc;
    }
    if (g->analytic_jac) {
        int rc = host_jacobian_into(ctx, t, y, fy, lg->jac_full);
        for (size_t k = 0; rc == DQ_OK && k < m; ++k)
            memcpy(d + k * units, lg->jac_full + (k * m + k) * units, units * sizeof *d);
        return rc;
    }
    return host_fd(ctx, t, y, fy, d, 1);
}

static int host_jacobian_diag(dq_ctx_t *ctx, double t, const double *y, const double *fy, double *d)
{
    host_lg(ctx)->n_jac++;
    int rc = host_jacobian_allowed(ctx);
    return rc ? rc : host_jacobian_diag_into(ctx, t, y, fy, d);
}

static int host_derivative_diag(dq_ctx_t *ctx, double t, const double *y, double *f, double *d)
{
    dq__lane_group_t *lg = host_lg(ctx);
    int rc = host_jacobian_allowed(ctx);
    if (rc)
        return rc;
    if (lg->lane->sys->cable) {
        dq__cable_call_t c;
        host_cable_call(lg, t, &c);
        lg->n_eval++;
        return dq__cable_derivative(&c, y, f, d);
    }
    if (!lg->group->fused_diag) {
        rc = host_compute_derivative(ctx, t, y, f);
        return rc ? rc : host_jacobian_diag_into(ctx, t, y, f, d);
    }
    dq__driver_view(lg, t, y, f, (double *)ctx->g);
    host_diag_table(lg, d);
    lg->lane->diag_on = 1;
    rc = dq__driver_lifecycle(lg, offsetof(dq_module_desc_t, compute_derivative_diag),
                              "compute_derivative_diag", 0);
    lg->lane->diag_on = 0;
    return rc;
}

/* ---- cable models (ABI 2.3) ----------------------------------------------------------- */

static const dq_cable_t *host_cable(dq_ctx_t *ctx)
{
    const dq__cable_t *cb = host_lg(ctx)->lane->sys->cable;
    return cb ? &cb->pub : NULL;
}

/* The cable call for ctx, or DQ_EUSAGE reported when the model is not a cable model. */
static int host_cable_begin(dq_ctx_t *ctx, double t, const char *what, dq__cable_call_t *c)
{
    dq__lane_group_t *lg = host_lg(ctx);
    if (!lg->lane->sys->cable) {
        char msg[160];
        snprintf(msg, sizeof msg, "%s needs a cable model (a model with compartments)", what);
        return dq__driver_report(ctx, DQ_EUSAGE, (size_t)-1, msg);
    }
    host_cable_call(lg, t, c);
    return DQ_OK;
}

static int host_cable_membrane(dq_ctx_t *ctx, double t, const double *y, double *i, double *g)
{
    dq__cable_call_t c;
    int rc = host_cable_begin(ctx, t, "dq_cable_membrane", &c);
    if (rc)
        return rc;
    /* The statistics count a membrane pass as a derivative evaluation, a coupling pass as
     * a Jacobian one. */
    host_lg(ctx)->n_eval++;
    return dq__cable_membrane(&c, y, i, g);
}

static int host_cable_gates(dq_ctx_t *ctx, double t, const double *y, double *f, double *d)
{
    dq__cable_call_t c;
    int rc = host_cable_begin(ctx, t, "dq_cable_gates", &c);
    return rc ? rc : dq__cable_gates(&c, y, f, d);
}

static int host_cable_couplings(dq_ctx_t *ctx, double t, const double *y, double *e, double *q)
{
    dq__cable_call_t c;
    int rc = host_cable_begin(ctx, t, "dq_cable_couplings", &c);
    if (rc)
        return rc;
    host_lg(ctx)->n_jac++;
    return dq__cable_couplings(&c, y, e, q);
}

/* A group whose modules have no pre_integral (or post_integral) gets a table whose entry
 * returns at once: the solver's call then costs a call, not the lane-group lookups. */
static int host_nothing(dq_ctx_t *ctx)
{
    (void)ctx;
    return DQ_OK;
}

#define HOST_API(pre, post)                                                                        \
    {                                                                                              \
        .abi = DQ_ABI_HEADER_INIT(dq_host_api_t), .pre_integral = pre,                             \
        .compute_derivative = host_compute_derivative, .post_integral = post,                      \
        .report = dq__driver_report, .jacobian = host_jacobian,                                    \
        .jacobian_diag = host_jacobian_diag, .derivative_diag = host_derivative_diag,              \
        .drift_diffusion = dq__host_drift_diffusion, .diffusion_diag = dq__host_diffusion_diag,    \
        .brownian = dq__host_brownian, .cable = host_cable, .cable_membrane = host_cable_membrane, \
        .cable_gates = host_cable_gates, .cable_couplings = host_cable_couplings                   \
    }

/* [has_pre][has_post] */
static const dq_host_api_t host_apis[2][2] = {
    {HOST_API(host_nothing, host_nothing), HOST_API(host_nothing, host_post_integral)},
    {HOST_API(host_pre_integral, host_nothing), HOST_API(host_pre_integral, host_post_integral)},
};

const dq_host_api_t *dq__host_api_for(const dq__group_t *g)
{
    return &host_apis[g->has_pre != 0][g->has_post != 0];
}
