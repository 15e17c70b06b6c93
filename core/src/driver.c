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

static const dq_host_api_t driver_api = {
    DQ_ABI_HEADER_INIT(dq_host_api_t),
    driver_pre_integral,
    driver_compute_derivative,
    driver_post_integral,
    driver_report,
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
        ctx->work_len = (size_t)sys->solver->work_vectors * ctx->n;
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
