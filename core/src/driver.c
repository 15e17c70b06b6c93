/* SPDX-License-Identifier: MIT */
/* driver.c -- the step loop: hands each block to the solver through the context, and the
 * host functions a solver calls back (lifecycle, derivatives, failure reports).
 *
 * Nothing here allocates: the arena, work vectors and view tables were sized in
 * dq_system_prepare. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "system_impl.h"

static dq_system_t *driver_system(dq_ctx_t *ctx) { return ctx->host_data; }

/* Maps a flat index of the current block to its state and unit. */
static void driver_locate(const dq_system_t *sys, size_t index, size_t *state, size_t *unit)
{
    size_t ub = sys->ctx.units;
    *state = index / ub;
    *unit = sys->block * sys->block_units + index % ub;
}

static int driver_module_failed(dq_system_t *sys, size_t module, const char *call, int rc)
{
    return dq_error_set(sys->step_err, rc < 0 ? rc : DQ_EMODEL, NULL,
                        "model '%s': %s of module '%s' failed at t = %.17g: %s",
                        sys->model.name, call, sys->modules[module].name, sys->ctx.t,
                        sys->view_err[0] ? sys->view_err : dq_strerror(rc));
}

static int driver_pre_integral(dq_ctx_t *ctx)
{
    dq_system_t *sys = driver_system(ctx);
    dq__system_view_block(sys, sys->block, ctx->y, ctx->f);
    sys->view.t = ctx->t;
    for (size_t i = 0; i < sys->n_modules; ++i) {
        if (!sys->modules[i].pre_integral)
            continue;
        int rc = sys->modules[i].pre_integral(&sys->view);
        if (rc)
            return driver_module_failed(sys, i, "pre_integral", rc);
    }
    return DQ_OK;
}

static int driver_compute_derivative(dq_ctx_t *ctx, double t, const double *y, double *f)
{
    dq_system_t *sys = driver_system(ctx);
    dq__system_view_block(sys, sys->block, y, f);
    sys->view.t = t;
    for (size_t i = 0; i < sys->n_modules; ++i) {
        if (!sys->modules[i].compute_derivative)
            continue;
        int rc = sys->modules[i].compute_derivative(&sys->view);
        if (rc)
            return driver_module_failed(sys, i, "compute_derivative", rc);
    }
    return DQ_OK;
}

static int driver_post_integral(dq_ctx_t *ctx)
{
    dq_system_t *sys = driver_system(ctx);
    dq__system_view_block(sys, sys->block, ctx->y, ctx->f);
    sys->view.t = ctx->t + ctx->dt;
    /* Children before parents: the reverse of declaration order. */
    for (size_t i = sys->n_modules; i-- > 0;) {
        if (!sys->modules[i].post_integral)
            continue;
        int rc = sys->modules[i].post_integral(&sys->view);
        if (rc)
            return driver_module_failed(sys, i, "post_integral", rc);
    }
    return DQ_OK;
}

static int driver_report(dq_ctx_t *ctx, int code, size_t index, const char *message)
{
    dq_system_t *sys = driver_system(ctx);
    if (code >= 0)
        code = DQ_ESOLVER;
    if (index < ctx->n) {
        size_t s, u;
        driver_locate(sys, index, &s, &u);
        return dq_error_set(sys->step_err, code, sys->states[s]->name,
                            "solver '%s' failed on state '%s' of unit %zu at t = %.17g: %s",
                            sys->solver->name, sys->states[s]->name, u, ctx->t,
                            message ? message : dq_strerror(code));
    }
    return dq_error_set(sys->step_err, code, NULL, "solver '%s' failed at t = %.17g: %s",
                        sys->solver->name, ctx->t, message ? message : dq_strerror(code));
}

/* Runs one analytic callback (jacobian or jacobian_diag) of every module, with the view
 * at (t, y). */
static int driver_analytic(dq_system_t *sys, double t, const double *y, int diag)
{
    dq__system_view_block(sys, sys->block, y, sys->jac_f);
    sys->view.t = t;
    for (size_t i = 0; i < sys->n_modules; ++i) {
        dq_module_fn fn = diag ? sys->modules[i].jacobian_diag : sys->modules[i].jacobian;
        if (!fn)
            continue;
        int rc = fn(&sys->view);
        if (rc)
            return driver_module_failed(sys, i, diag ? "jacobian_diag" : "jacobian", rc);
    }
    return DQ_OK;
}

/* A perturbation scaled to the value, h = sqrt(eps) * max(|y|, 1), rounded so that
 * (y + h) - y == h exactly: the difference quotient then divides by the step taken. */
static double driver_fd_step(double y)
{
    double h = 1.4901161193847656e-8 * (fabs(y) > 1.0 ? fabs(y) : 1.0);
    volatile double yh = y + h;
    return yh - y;
}

/* Finite differences, one column j at a time for every unit of the block at once: the
 * units are independent, so perturbing component j of all of them costs one derivative
 * evaluation and gives column j of every unit's block. With diag set, only d_j is kept. */
static int driver_fd(dq_ctx_t *ctx, double t, const double *y, const double *fy, double *out,
                     int diag)
{
    dq_system_t *sys = driver_system(ctx);
    const size_t m = ctx->m, units = ctx->units, n = ctx->n;
    double *yp = sys->jac_y, *fp = sys->jac_f;
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
    dq_system_t *sys = driver_system(ctx);
    const size_t m = ctx->m, units = ctx->units;
    if (!sys->analytic_jac)
        return driver_fd(ctx, t, y, fy, J, 0);
    memset(J, 0, m * m * units * sizeof *J);
    for (size_t r = 0; r < m; ++r)
        for (size_t c = 0; c < m; ++c)
            sys->view_jac[r * sys->n_states + c] = J + (r * m + c) * units;
    sys->view.jacobian = sys->view_jac;
    int rc = driver_analytic(sys, t, y, 0);
    sys->view.jacobian = NULL;
    return rc;
}

static int driver_jacobian_diag(dq_ctx_t *ctx, double t, const double *y, const double *fy,
                                double *d)
{
    dq_system_t *sys = driver_system(ctx);
    const size_t m = ctx->m, units = ctx->units;
    if (sys->analytic_diag) {
        for (size_t s = 0; s < m; ++s)
            sys->view_jac_diag[s] = d + s * units;
        sys->view.jacobian_diag = sys->view_jac_diag;
        int rc = driver_analytic(sys, t, y, 1);
        sys->view.jacobian_diag = NULL;
        return rc;
    }
    if (sys->analytic_jac) {
        int rc = driver_jacobian(ctx, t, y, fy, sys->jac_full);
        for (size_t s = 0; rc == DQ_OK && s < m; ++s)
            memcpy(d + s * units, sys->jac_full + (s * m + s) * units, units * sizeof *d);
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

static int driver_report_nonfinite(dq_system_t *sys, dq_error_t *err)
{
    const dq_ctx_t *ctx = &sys->ctx;
    size_t i = 0;
    while (i < ctx->n && isfinite(ctx->y[i]))
        ++i;
    size_t s, u;
    driver_locate(sys, i, &s, &u);
    double t = ctx->t + ctx->dt;
    dq_error_set(err, DQ_ENONFINITE, sys->states[s]->name,
                 "state '%s' of unit %zu became %s at t = %.17g (step %llu) with solver '%s'; "
                 "try a smaller dt or a solver for stiff problems",
                 sys->states[s]->name, u, isnan(ctx->y[i]) ? "NaN" : "infinite", t,
                 (unsigned long long)(sys->step + 1), sys->solver->name);
    dq_error_add_time(err, t);
    return DQ_ENONFINITE;
}

int dq_system_step(dq_system_t *sys, dq_error_t *err)
{
    if (!sys->prepared)
        return dq_error_set(err, DQ_EUSAGE, NULL, "dq_system_prepare was not called");
    dq_ctx_t *ctx = &sys->ctx;
    ctx->abi = (dq_abi_header_t)DQ_ABI_HEADER_INIT(dq_ctx_t);
    ctx->host = &driver_api;
    ctx->host_data = sys;
    ctx->t = sys->t0 + (double)sys->step * sys->dt;
    ctx->dt = sys->dt;
    ctx->step = sys->step;
    ctx->m = sys->m;
    ctx->work = sys->work;
    ctx->options = sys->options;
    ctx->has_jacobian = sys->analytic_jac;
    sys->step_err = err;
    sys->view.dt = sys->dt;
    sys->view.step = sys->step;
    for (size_t b = 0; b < sys->n_blocks; ++b) {
        size_t ub = dq__system_block_len(sys, b);
        size_t base = b * sys->m * sys->block_units;
        sys->block = b;
        ctx->units = ub;
        ctx->n = sys->m * ub;
        ctx->y = sys->y + base;
        ctx->f = sys->f + base;
        ctx->g = sys->g ? sys->g + base : NULL;
        ctx->work_len = sys->solver->work_size ? sys->solver->work_size(sys->m, ub)
                                               : (size_t)sys->solver->work_vectors * ctx->n;
        sys->view_err[0] = '\0';
        int rc = sys->solver->step(ctx);
        if (rc) {
            /* A solver that failed without dq_fail() still gets a message naming it. */
            dq_error_set(err, rc < 0 ? rc : DQ_ESOLVER, NULL,
                         "solver '%s' failed at t = %.17g: %s", sys->solver->name, ctx->t,
                         dq_strerror(rc));
            dq_error_add_time(err, ctx->t);
            sys->step_err = NULL;
            return rc < 0 ? rc : DQ_ESOLVER;
        }
        if (!driver_all_finite(ctx->y, ctx->n)) {
            sys->step_err = NULL;
            return driver_report_nonfinite(sys, err);
        }
    }
    sys->step_err = NULL;
    sys->step++;
    return DQ_OK;
}
