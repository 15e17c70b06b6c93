/* SPDX-License-Identifier: MIT */
/* wp_dqhost.c -- dqhost on the work-precision problems, as an embedding program uses it: the
 * build tree's plugins loaded once, then per run a system of the problem's model plugin
 * (lorenz, van_der_pol with mu, hh with I_ext; one unit), the adaptive solver, one thread,
 * dq_system_set_step_control(rtol, atol), prepared with the sampling interval dt = t1 - t0,
 * and one dq_system_run(sys, 1): y(t1) is then the solver's continuous extension at t1
 * (dq_system_value), the evaluations, accepted and rejected steps dq_system_unit_stats'.
 * The population rows (wp_dqhost_population) run N HH neurons through dq_system_run. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dq/host/loader.h>
#include <dq/host/registry.h>
#include <dq/host/system.h>

#include "workprec.h"

#ifndef BENCH_PLUGIN_DIR
#error "BENCH_PLUGIN_DIR must name the build tree's plugin directory"
#endif

static dq_registry_t *dqw_reg;
static dq_loader_t *dqw_loader;

void wp_dqhost_cleanup(void)
{
    dq_registry_free(dqw_reg); /* before the loader: entries borrow plugin memory */
    dq_loader_free(dqw_loader);
    dqw_reg = NULL;
    dqw_loader = NULL;
}

int wp_dqhost_load(char *msg, size_t len)
{
    if (dqw_reg)
        return 0;
    dq_error_t err = {0};
    dqw_reg = dq_registry_new();
    dqw_loader = dqw_reg ? dq_loader_new(dqw_reg, &err) : NULL;
    if (!dqw_loader || dq_loader_load_dir(dqw_loader, BENCH_PLUGIN_DIR, &err) != DQ_OK) {
        snprintf(msg, len, "cannot load plugins from '%s': %s", BENCH_PLUGIN_DIR,
                 err.message[0] ? err.message : "out of memory");
        wp_dqhost_cleanup();
        return 1;
    }
    return 0;
}

int wp_dqhost_has_solver(const char *name)
{
    char msg[1200];
    dq_error_t err = {0};
    return !wp_dqhost_load(msg, sizeof msg) && dq_registry_lookup(dqw_reg, name, &err) != NULL;
}

/* A system of `model` with args, `solver` on one thread, the step control, prepared at t0
 * with interval dt; NULL with a message. fixed: run an adaptive solver at fixed steps. */
static dq_system_t *dqw_system(const char *model_name, const dq_param_arg_t *args, size_t n_args,
                               const char *solver_name, int fixed, double rtol, double atol,
                               double t0, double dt, size_t block, char *msg, size_t len)
{
    dq_error_t err = {0};
    if (wp_dqhost_load(msg, len))
        return NULL;
    const dq_model_entry_t *model = dq_registry_lookup_model(dqw_reg, model_name, &err);
    const dq_integrator_entry_t *solver =
        model ? dq_registry_lookup(dqw_reg, solver_name, &err) : NULL;
    dq_system_t *sys = solver ? dq_system_new(model->desc, args, n_args, &err) : NULL;
    const dq_step_control_t control = {.rtol = rtol, .atol = atol};
    if (!sys || dq_system_set_solver(sys, solver, &err) != DQ_OK ||
        dq_system_set_threads(sys, 1, &err) != DQ_OK ||
        dq_system_set_block_units(sys, block, &err) != DQ_OK ||
        (fixed && (solver->flags & DQ_CAP_ADAPTIVE) &&
         dq_system_set_fixed_step(sys, 1, &err) != DQ_OK) ||
        (!fixed && dq_system_set_step_control(sys, &control, &err) != DQ_OK) ||
        dq_system_prepare(sys, t0, dt, &err) != DQ_OK) {
        snprintf(msg, len, "%s", err.message[0] ? err.message : "out of memory");
        dq_system_free(sys);
        return NULL;
    }
    if (!fixed && !dq_system_adaptive(sys)) {
        snprintf(msg, len, "'%s' does not run adaptively in this build (dq_system_adaptive 0)",
                 solver_name);
        dq_system_free(sys);
        return NULL;
    }
    return sys;
}

/* One unit of p with `solver`: adaptive at (rtol, atol) when steps == 0, else `steps` fixed
 * steps of (t1 - t0) / steps. */
static int dqw_run(const wp_problem_t *p, const char *solver, unsigned long steps, double rtol,
                   double atol, wp_run_t *out)
{
    static const char *const names[WP_N_PROBLEMS][WP_MAXDIM] = {
        [WP_LORENZ] = {"x", "y", "z"},
        [WP_VDP1] = {"x", "y"},
        [WP_VDP1000] = {"x", "y"},
        [WP_HH] = {"V", "m", "h", "n"},
    };
    memset(out, 0, sizeof *out);
    const double one = 1.0, mu = p->mu, I = p->I_ext;
    dq_param_arg_t args[2] = {{.name = "n", .v = &one, .len = 1}};
    size_t n_args = 1;
    if (p->id == WP_VDP1 || p->id == WP_VDP1000)
        args[n_args++] = (dq_param_arg_t){.name = "mu", .v = &mu, .len = 1};
    else if (p->id == WP_HH)
        args[n_args++] = (dq_param_arg_t){.name = "I_ext", .v = &I, .len = 1};
    const double T = p->t1 - p->t0;
    dq_system_t *sys = dqw_system(p->model, args, n_args, solver, steps != 0, rtol, atol, p->t0,
                                  steps ? T / (double)steps : T, 0, out->msg, sizeof out->msg);
    if (!sys)
        return -1;
    long idx[WP_MAXDIM];
    for (size_t i = 0; i < p->dim; ++i)
        if ((idx[i] = dq_system_state_index(sys, names[p->id][i])) < 0) {
            snprintf(out->msg, sizeof out->msg, "model '%s' has no state '%s'", p->model,
                     names[p->id][i]);
            dq_system_free(sys);
            return -1;
        }
    /* the initial values must be the problem's (to rounding: hh.c computes the gates' rest
     * values with its own exp) */
    for (size_t i = 0; i < p->dim; ++i)
        if (fabs(dq_system_value(sys, (size_t)idx[i], 0) - p->y0[i]) >
            1e-14 * fmax(1.0, fabs(p->y0[i]))) {
            snprintf(out->msg, sizeof out->msg, "model '%s' starts at %s = %.17g, not %.17g",
                     p->model, names[p->id][i], dq_system_value(sys, (size_t)idx[i], 0), p->y0[i]);
            dq_system_free(sys);
            return -1;
        }
    dq_error_t err = {0};
    out->seconds = wp_now();
    const int rc = dq_system_run(sys, steps ? steps : 1, &err);
    out->seconds = wp_now() - out->seconds;
    if (rc != DQ_OK) {
        snprintf(out->msg, sizeof out->msg, "%s", err.message);
        dq_system_free(sys);
        return rc;
    }
    for (size_t i = 0; i < p->dim; ++i)
        out->y[i] = dq_system_value(sys, (size_t)idx[i], 0);
    dq_step_stats_t st = {0};
    dq_system_unit_stats(sys, 0, &st);
    out->nfev = (unsigned long)st.evaluations;
    out->njev = (unsigned long)st.jacobians;
    out->steps = (unsigned long)st.accepted;
    out->rejects = (unsigned long)st.rejected;
    out->ok = 1;
    dq_system_free(sys);
    return 0;
}

static int dqw_solve(const wp_problem_t *p, double rtol, double atol, const void *arg,
                     wp_run_t *out)
{
    return dqw_run(p, arg, 0, rtol, atol, out);
}

int wp_dqhost_fixed(const wp_problem_t *p, const char *solver, unsigned long steps, wp_run_t *out)
{
    return dqw_run(p, solver, steps, 0.0, 0.0, out);
}

int wp_dqhost_population(const wp_pop_opts_t *o, wp_pop_t *out)
{
    memset(out, 0, sizeof *out);
    const size_t n = o->n;
    double *I = malloc(n * sizeof *I);
    if (!I) {
        snprintf(out->msg, sizeof out->msg, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; ++i)
        I[i] = hh_iext(i, n);
    const double nd = (double)n;
    const dq_param_arg_t args[] = {{.name = "n", .v = &nd, .len = 1},
                                   {.name = "I_ext", .v = I, .len = n}};
    const double interval = o->fixed ? o->dt : o->sample;
    dq_system_t *sys = dqw_system("hh", args, 2, o->solver, o->fixed, o->rtol, o->atol, 0.0,
                                  interval, o->block, out->msg, sizeof out->msg);
    free(I);
    if (!sys)
        return -1;
    const uint64_t k = (uint64_t)(o->t1 / interval + 0.5);
    dq_error_t err = {0};
    out->seconds = wp_now();
    const int rc = dq_system_run(sys, k, &err);
    out->seconds = wp_now() - out->seconds;
    if (rc != DQ_OK) {
        snprintf(out->msg, sizeof out->msg, "%s", err.message);
        dq_system_free(sys);
        return rc;
    }
    const long sV = dq_system_state_index(sys, "V");
    /* Lane occupancy: a block's lanes attempt steps together until the last of them reaches
     * the sample time, so the block does max_u (attempts_u) attempts for every unit. */
    const size_t B = o->block ? (o->block + 7) / 8 * 8 : 256;
    double sum = 0.0, useful = 0.0, done = 0.0, blk_max = 0.0;
    for (size_t u = 0; u < n; ++u) {
        dq_step_stats_t st = {0};
        dq_system_unit_stats(sys, u, &st);
        out->evaluations += (double)st.evaluations;
        out->steps += (double)st.accepted;
        out->rejects += (double)st.rejected;
        sum += sV >= 0 ? dq_system_value(sys, (size_t)sV, u) : 0.0;
        const double att = (double)(st.accepted + st.rejected);
        useful += att;
        blk_max = fmax(blk_max, att);
        if ((u + 1) % B == 0 || u + 1 == n) {
            done += blk_max * (double)((u % B) + 1);
            blk_max = 0.0;
        }
    }
    out->occupancy = done > 0 ? useful / done : NAN;
    /* a fixed-step run whose stats count no evaluations: steps times stages */
    if (o->fixed && out->evaluations == 0.0) {
        out->steps = (double)k * nd;
        out->evaluations = out->steps * o->stages;
    }
    out->mean_V = sum / nd;
    out->ok = 1;
    dq_system_free(sys);
    return 0;
}

static const wp_solver_t dqw_solvers[] = {
    {"dqhost/dopri5", "dqhost dopri5 (Dormand-Prince 5(4))", "dqhost", WP_EXPLICIT, "dopri5",
     dqw_solve},
    {"dqhost/tsit5", "dqhost tsit5 (Tsitouras 5(4))", "dqhost", WP_EXPLICIT, "tsit5", dqw_solve},
    {"dqhost/bs3", "dqhost bs3 (Bogacki-Shampine 3(2))", "dqhost", WP_EXPLICIT, "bs3", dqw_solve},
    {"dqhost/rosenbrock23", "dqhost rosenbrock23 (Shampine-Reichelt)", "dqhost", WP_STIFF,
     "rosenbrock23", dqw_solve},
};

size_t wp_dqhost_solvers(const wp_solver_t **out)
{
    *out = dqw_solvers;
    return sizeof dqw_solvers / sizeof dqw_solvers[0];
}
