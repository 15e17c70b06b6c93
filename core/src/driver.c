/* SPDX-License-Identifier: MIT */
/* driver.c -- the step loop: hands each block of each integration group to its solver
 * through the context, and the host functions a solver calls back (lifecycle, derivatives,
 * Jacobians, failure reports).
 *
 * Nothing here allocates: arenas, work memory, Jacobian scratch and view tables were sized
 * in dq_system_prepare. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "system_impl.h"

static dq__group_t *driver_group(dq_ctx_t *ctx) { return ctx->host_data; }

/* Maps a flat index of the current block of group g to its state and unit. */
static void driver_locate(const dq__group_t *g, size_t index, size_t *state, size_t *unit)
{
    size_t ub = g->ctx.units ? g->ctx.units : 1;
    *state = g->states[index / ub];
    *unit = g->sys->block * g->sys->block_units + index % ub;
}

static int driver_module_failed(dq__group_t *g, size_t module, const char *call, int rc)
{
    dq_system_t *sys = g->sys;
    return dq_error_set(sys->step_err, rc < 0 ? rc : DQ_EMODEL, NULL,
                        "model '%s': %s of module '%s' failed at t = %.17g: %s",
                        sys->model.name, call, sys->modules[module].name, g->ctx.t,
                        sys->view_err[0] ? sys->view_err : dq_strerror(rc));
}

/* Runs one lifecycle callback of every module of the group, parents first (or last). */
static int driver_lifecycle(dq__group_t *g, size_t offset, const char *call, int reverse)
{
    dq_system_t *sys = g->sys;
    for (size_t k = 0; k < g->n_modules; ++k) {
        size_t i = g->modules[reverse ? g->n_modules - 1 - k : k];
        dq_module_fn fn = *(const dq_module_fn *)((const char *)&sys->modules[i] + offset);
        if (!fn)
            continue;
        int rc = fn(&sys->view);
        if (rc)
            return driver_module_failed(g, i, call, rc);
    }
    return DQ_OK;
}

static int driver_pre_integral(dq_ctx_t *ctx)
{
    dq__group_t *g = driver_group(ctx);
    dq__group_view(g, g->sys->block, ctx->y, ctx->f);
    g->sys->view.t = ctx->t;
    return driver_lifecycle(g, offsetof(dq_module_desc_t, pre_integral), "pre_integral", 0);
}

static int driver_compute_derivative(dq_ctx_t *ctx, double t, const double *y, double *f)
{
    dq__group_t *g = driver_group(ctx);
    dq__group_view(g, g->sys->block, y, f);
    g->sys->view.t = t;
    return driver_lifecycle(g, offsetof(dq_module_desc_t, compute_derivative),
                            "compute_derivative", 0);
}

static int driver_post_integral(dq_ctx_t *ctx)
{
    dq__group_t *g = driver_group(ctx);
    dq__group_view(g, g->sys->block, ctx->y, ctx->f);
    g->sys->view.t = ctx->t + ctx->dt;
    /* Children before parents: the reverse of declaration order. */
    return driver_lifecycle(g, offsetof(dq_module_desc_t, post_integral), "post_integral", 1);
}

static int driver_report(dq_ctx_t *ctx, int code, size_t index, const char *message)
{
    dq__group_t *g = driver_group(ctx);
    dq_system_t *sys = g->sys;
    if (code >= 0)
        code = DQ_ESOLVER;
    dq_error_add_time(sys->step_err, ctx->t);
    if (index < ctx->n) {
        size_t s, u;
        driver_locate(g, index, &s, &u);
        return dq_error_set(sys->step_err, code, sys->states[s]->name,
                            "solver '%s' failed on state '%s' of unit %zu at t = %.17g: %s",
                            g->solver->name, sys->states[s]->name, u, ctx->t,
                            message ? message : dq_strerror(code));
    }
    return dq_error_set(sys->step_err, code, NULL, "solver '%s' failed at t = %.17g: %s",
                        g->solver->name, ctx->t, message ? message : dq_strerror(code));
}

/* Runs the group's analytic jacobian or jacobian_diag callbacks at (t, y). */
static int driver_analytic(dq__group_t *g, double t, const double *y, int diag)
{
    dq__group_view(g, g->sys->block, y, g->jac_f);
    g->sys->view.t = t;
    return diag ? driver_lifecycle(g, offsetof(dq_module_desc_t, jacobian_diag),
                                   "jacobian_diag", 0)
                : driver_lifecycle(g, offsetof(dq_module_desc_t, jacobian), "jacobian", 0);
}

/* A perturbation scaled to the value, h = sqrt(eps) * max(|y|, 1); the quotient divides
 * by the step actually taken, (y + h) - y, which is exact. */
static double driver_fd_step(double y)
{
    return 1.4901161193847656e-8 * (fabs(y) > 1.0 ? fabs(y) : 1.0);
}

/* Finite differences, one column j at a time for every unit of the block at once: the
 * units are independent, so perturbing component j of all of them costs one derivative
 * evaluation and gives column j of every unit's block. With diag set, only d_j is kept. */
static int driver_fd(dq_ctx_t *ctx, double t, const double *y, const double *fy, double *out,
                     int diag)
{
    dq__group_t *g = driver_group(ctx);
    const size_t m = ctx->m, units = ctx->units, n = ctx->n;
    double *yp = g->jac_y, *fp = g->jac_f;
    memcpy(yp, y, n * sizeof *yp);
    for (size_t j = 0; j < m; ++j) {
        const double *yj = y + j * units;
        double *ypj = yp + j * units;
        for (size_t u = 0; u < units; ++u)
            ypj[u] = yj[u] + driver_fd_step(yj[u]);
        int rc = driver_compute_derivative(ctx, t, yp, fp);
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

static int driver_jacobian(dq_ctx_t *ctx, double t, const double *y, const double *fy,
                           double *J)
{
    dq__group_t *g = driver_group(ctx);
    dq_system_t *sys = g->sys;
    const size_t m = ctx->m, units = ctx->units;
    if (!g->analytic_jac)
        return driver_fd(ctx, t, y, fy, J, 0);
    memset(J, 0, m * m * units * sizeof *J);
    /* Entries for states outside the group stay NULL: a module skips them. */
    memset(sys->view_jac, 0, sys->n_states * sys->n_states * sizeof *sys->view_jac);
    for (size_t r = 0; r < m; ++r)
        for (size_t c = 0; c < m; ++c)
            sys->view_jac[g->states[r] * sys->n_states + g->states[c]] =
                J + (r * m + c) * units;
    sys->view.jacobian = sys->view_jac;
    int rc = driver_analytic(g, t, y, 0);
    sys->view.jacobian = NULL;
    return rc;
}

static int driver_jacobian_diag(dq_ctx_t *ctx, double t, const double *y, const double *fy,
                                double *d)
{
    dq__group_t *g = driver_group(ctx);
    dq_system_t *sys = g->sys;
    const size_t m = ctx->m, units = ctx->units;
    if (g->analytic_diag) {
        memset(sys->view_jac_diag, 0, sys->n_states * sizeof *sys->view_jac_diag);
        for (size_t k = 0; k < m; ++k)
            sys->view_jac_diag[g->states[k]] = d + k * units;
        sys->view.jacobian_diag = sys->view_jac_diag;
        int rc = driver_analytic(g, t, y, 1);
        sys->view.jacobian_diag = NULL;
        return rc;
    }
    if (g->analytic_jac) {
        int rc = driver_jacobian(ctx, t, y, fy, g->jac_full);
        for (size_t k = 0; rc == DQ_OK && k < m; ++k)
            memcpy(d + k * units, g->jac_full + (k * m + k) * units, units * sizeof *d);
        return rc;
    }
    return driver_fd(ctx, t, y, fy, d, 1);
}

static const dq_host_api_t driver_api = {
    DQ_ABI_HEADER_INIT(dq_host_api_t),
    driver_pre_integral,
    driver_compute_derivative,
    driver_post_integral,
    driver_report,
    driver_jacobian,
    driver_jacobian_diag,
};

/* x - x is 0 for every finite x and NaN otherwise, so one vectorisable sum tells whether a
 * block holds a NaN or an infinity; the slow search runs only then. */
static int driver_all_finite(const double *y, size_t n)
{
    double acc = 0.0;
    for (size_t i = 0; i < n; ++i)
        acc += y[i] - y[i];
    return acc == 0.0;
}

static int driver_report_nonfinite(dq__group_t *g, dq_error_t *err)
{
    dq_system_t *sys = g->sys;
    const dq_ctx_t *ctx = &g->ctx;
    size_t i = 0;
    while (i < ctx->n && isfinite(ctx->y[i]))
        ++i;
    size_t s, u;
    driver_locate(g, i, &s, &u);
    double t = ctx->t + ctx->dt;
    dq_error_set(err, DQ_ENONFINITE, sys->states[s]->name,
                 "state '%s' of unit %zu became %s at t = %.17g (step %llu) with solver '%s'; "
                 "try a smaller dt or a solver for stiff problems",
                 sys->states[s]->name, u, isnan(ctx->y[i]) ? "NaN" : "infinite", t,
                 (unsigned long long)(sys->step + 1), g->solver->name);
    dq_error_add_time(err, t);
    return DQ_ENONFINITE;
}

/* One solver step of group g on block b, from t over h. */
static int driver_step_block(dq__group_t *g, size_t b, double t, double h, dq_error_t *err)
{
    dq_system_t *sys = g->sys;
    dq_ctx_t *ctx = &g->ctx;
    size_t ub = dq__system_block_len(sys, b);
    size_t base = b * g->m * sys->block_units;
    ctx->t = t;
    ctx->dt = h;
    ctx->units = ub;
    ctx->n = g->m * ub;
    ctx->y = g->y + base;
    ctx->f = g->f + base;
    ctx->g = g->g ? g->g + base : NULL;
    ctx->work_len = g->solver->work_size ? g->solver->work_size(g->m, ub)
                                         : (size_t)g->solver->work_vectors * ctx->n;
    sys->view_err[0] = '\0';
    int rc = g->solver->step(ctx);
    if (rc) {
        /* A solver that failed without dq_fail() still gets a message naming it. */
        dq_error_set(err, rc < 0 ? rc : DQ_ESOLVER, NULL, "solver '%s' failed at t = %.17g: %s",
                     g->solver->name, t, dq_strerror(rc));
        dq_error_add_time(err, t);
        return rc < 0 ? rc : DQ_ESOLVER;
    }
    if (!driver_all_finite(ctx->y, ctx->n))
        return driver_report_nonfinite(g, err);
    return DQ_OK;
}

int dq_system_step(dq_system_t *sys, dq_error_t *err)
{
    if (!sys->prepared)
        return dq_error_set(err, DQ_EUSAGE, NULL, "dq_system_prepare was not called");
    const double t = sys->t0 + (double)sys->step * sys->dt;
    for (size_t gi = 0; gi < sys->n_groups; ++gi) {
        dq_ctx_t *ctx = &sys->groups[gi].ctx;
        ctx->abi = (dq_abi_header_t)DQ_ABI_HEADER_INIT(dq_ctx_t);
        ctx->host = &driver_api;
        ctx->host_data = &sys->groups[gi];
        ctx->step = sys->step;
        ctx->m = sys->groups[gi].m;
        ctx->work = sys->groups[gi].work;
        ctx->options = sys->groups[gi].options;
        ctx->has_jacobian = sys->groups[gi].analytic_jac;
    }
    sys->step_err = err;
    sys->view.dt = sys->dt;
    sys->view.step = sys->step;
    int rc = DQ_OK;
    /* Block by block, so every group's stages for a block run while it is in cache; units
     * are independent, so this order gives the same values as group by group. */
    for (size_t b = 0; rc == DQ_OK && b < sys->n_blocks; ++b) {
        sys->block = b;
        for (size_t gi = 0; rc == DQ_OK && gi < sys->n_groups; ++gi) {
            dq__group_t *g = &sys->groups[gi];
            const double h = sys->dt / g->substeps;
            sys->view.dt = h;
            for (unsigned k = 0; rc == DQ_OK && k < g->substeps; ++k)
                rc = driver_step_block(g, b, t + k * h, h, err);
        }
    }
    sys->step_err = NULL;
    if (rc == DQ_OK)
        sys->step++;
    return rc;
}
