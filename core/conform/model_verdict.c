/* SPDX-License-Identifier: MIT */
/* model_verdict.c -- judging a model plugin: builds it through the embedding API with the
 * probe solver and wrapped callbacks (model_probe.c), runs it, and turns what the
 * instruments saw into verdicts naming the module and state at fault. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dq/host/system.h>

#include "cable_problem.h"
#include "model_probe.h"

#define MODEL_STEPS 10
#define MODEL_DT 1e-4
#define MODEL_SMALL_BLOCK 8
#define MODEL_LARGE_BLOCK 256

static const char *const model_check_names[DQ_CONFORM_N_MODEL_CHECKS] = {
    "run",       "derivative", "jacobian", "jacobian_diag", "derivative_diag",
    "lifecycle", "determinism"};

const char *dq_conform_model_check_name(int id)
{
    return id >= 0 && id < DQ_CONFORM_N_MODEL_CHECKS ? model_check_names[id] : NULL;
}

void dq_conform_model_result_init(dq_conform_model_result_t *out, const dq_model_entry_t *model)
{
    if (!out)
        return;
    memset(out, 0, sizeof *out);
    if (model) {
        snprintf(out->model, sizeof out->model, "%s",
                 model->desc && model->desc->name ? model->desc->name : "");
        snprintf(out->origin, sizeof out->origin, "%s",
                 model->origin ? model->origin : DQ_ORIGIN_BUILTIN);
    }
    for (int i = 0; i < DQ_CONFORM_N_MODEL_CHECKS; ++i) {
        out->checks[i].status = DQ_CONFORM_SKIP;
        snprintf(out->checks[i].detail, sizeof out->checks[i].detail, "not run");
    }
    out->passed = 1;
}

void dq_conform_model_set(dq_conform_model_result_t *out, dq_conform_model_check_id_t id,
                          int status, const char *fmt, ...)
{
    if (!out || (int)id < 0 || id >= DQ_CONFORM_N_MODEL_CHECKS)
        return;
    va_list ap;
    va_start(ap, fmt);
    dq__conform_check_vset(&out->checks[id], &out->passed, status, fmt, ap);
    va_end(ap);
}

void dq_conform_model_update(dq_conform_model_result_t *out)
{
    if (!out)
        return;
    out->passed = 1;
    for (int i = 0; i < DQ_CONFORM_N_MODEL_CHECKS; ++i)
        if (out->checks[i].status == DQ_CONFORM_FAIL)
            out->passed = 0;
}

/* One run of the wrapped model with the probe: MODEL_STEPS Euler steps in blocks of
 * `block` units. Fills vals (states x units) when given. */
typedef struct model_run {
    size_t block;
    int check;
    double *vals;       /* out: [states * units] [owned: free] */
    const char **names; /* out: [states], the model's static strings [owned: free] */
    size_t units;       /* out */
    size_t states;      /* out */
    size_t blocks;      /* out */
} model_run_t;

static int model_build(probe_session_t *s, const dq_integrator_entry_t *probe, model_run_t *run,
                       dq_system_t **out, dq_error_t *err)
{
    double pop = DQ_CONFORM_MODEL_UNITS;
    dq_param_arg_t args[1];
    size_t n_args = 0;
    for (size_t k = 0; k < s->desc.n_params; ++k)
        if (s->desc.params[k].flags & DQ_PARAM_POPULATION)
            args[n_args++] = (dq_param_arg_t){s->desc.params[k].name, &pop, 1, "check"};
    dq_system_t *sys = NULL;
    if (s->desc.cable) {
        /* A cable model runs on the cable problem's cell (cable_problems.c). */
        const char *cell = dq__conform_cable_problem.morphology;
        dq_morph_t *morph = dq_morph_parse_json(cell, strlen(cell), "conform_cell", err);
        sys = morph ? dq__conform_cable_on(&s->desc, args, n_args, morph, 0, err) : NULL;
        dq_morph_free(morph);
    } else {
        sys = dq_system_new(&s->desc, args, n_args, err);
    }
    if (!sys)
        return err ? err->code : DQ_EMODEL;
    int rc = dq_system_set_solver(sys, probe, err);
    for (size_t i = 1; rc == DQ_OK && i < s->n_modules; ++i)
        if (s->orig[i].solver) /* the author's own solver: the probe takes its place too */
            rc = dq_system_set_module_solver(sys, s->orig[i].name, probe, 0, "check", err);
    if (rc == DQ_OK)
        rc = dq_system_set_solver_option(sys, "check", run->check, err);
    if (rc == DQ_OK)
        rc = dq_system_set_block_units(sys, run->block, err);
    if (rc == DQ_OK)
        rc = dq_system_prepare(sys, 0.0, MODEL_DT, err);
    if (rc != DQ_OK) {
        dq_system_free(sys);
        return rc;
    }
    *out = sys;
    return DQ_OK;
}

static int model_run(probe_session_t *s, const dq_integrator_entry_t *probe, model_run_t *run,
                     dq_error_t *err)
{
    dq_system_t *sys = NULL;
    s->stepping = 0;
    memset(s->init, 0, sizeof s->init);
    memset(s->pre, 0, sizeof s->pre);
    memset(s->post, 0, sizeof s->post);
    int rc = model_build(s, probe, run, &sys, err);
    if (rc == DQ_OK) {
        run->units = dq_system_units(sys);
        run->states = dq_system_state_count(sys);
        run->vals = malloc((run->states * run->units + 1) * sizeof *run->vals);
        run->names = malloc((run->states + 1) * sizeof *run->names);
        if (!run->vals || !run->names)
            rc = dq_error_set(err, DQ_ENOMEM, NULL, "out of memory");
        for (size_t st = 0; rc == DQ_OK && st < run->states; ++st)
            run->names[st] = dq_system_state_name(sys, st);
    }
    for (int k = 0; rc == DQ_OK && k < MODEL_STEPS; ++k)
        rc = dq_system_step(sys, err);
    if (rc != DQ_OK) {
        dq_system_free(sys);
        return rc;
    }
    run->blocks = (run->units + run->block - 1) / run->block;
    for (size_t st = 0; st < run->states; ++st)
        for (size_t u = 0; u < run->units; ++u)
            run->vals[st * run->units + u] = dq_system_value(sys, st, u);
    /* Lifecycle counts, for modules stepped by the root's solver (one call per block and
     * step; an independent module's substeps would multiply them). */
    for (size_t i = 0; i < s->n_modules; ++i) {
        const dq_module_desc_t *m = &s->orig[i];
        const char *name = i ? m->name : s->model;
        int independent = 0;
        for (int j = (int)i; j > 0 && j < (int)s->n_modules; j = s->orig[j].parent)
            independent |= dq_system_module_is_independent(sys, (size_t)j);
        const unsigned long want = (unsigned long)(MODEL_STEPS * run->blocks);
        if (m->init_state && s->init[i] == 0)
            dq__probe_fail(s, DQ_MCHECK_LIFECYCLE, "module '%s': init_state never ran", name);
        if (m->pre_integral && !independent && s->pre[i] != want)
            dq__probe_fail(s, DQ_MCHECK_LIFECYCLE,
                           "module '%s': pre_integral ran %lu times in %d steps of %zu blocks "
                           "(expected %lu)",
                           name, s->pre[i], MODEL_STEPS, run->blocks, want);
        if (m->post_integral && !independent && s->post[i] != want)
            dq__probe_fail(s, DQ_MCHECK_LIFECYCLE,
                           "module '%s': post_integral ran %lu times in %d steps of %zu blocks "
                           "(expected %lu)",
                           name, s->post[i], MODEL_STEPS, run->blocks, want);
    }
    dq_system_free(sys);
    return DQ_OK;
}

/* The first state/unit where two runs differ, described into buf; 0 when the same bits. */
static int model_compare(const model_run_t *a, const model_run_t *b, const char *how, char *buf,
                         size_t len)
{
    for (size_t st = 0; st < a->states; ++st)
        for (size_t u = 0; u < a->units; ++u) {
            double x = a->vals[st * a->units + u], y = b->vals[st * a->units + u];
            if (memcmp(&x, &y, sizeof x) == 0)
                continue;
            snprintf(buf, len, "state '%s' of unit %zu after %d steps: %.17g %s, %.17g",
                     a->names[st], u, MODEL_STEPS, x, how, y);
            return 1;
        }
    return 0;
}

static void model_runs_free(model_run_t *runs)
{
    for (int k = 0; k < 3; ++k) {
        free(runs[k].vals);
        free(runs[k].names);
    }
}

static void model_verdict(dq_conform_model_result_t *out, probe_session_t *s, int id,
                          const char *pass)
{
    if (s->n_fail[id] > 1)
        dq_conform_model_set(out, (dq_conform_model_check_id_t)id, DQ_CONFORM_FAIL,
                             "%s (%lu faults in all)", s->fail[id], s->n_fail[id]);
    else if (s->n_fail[id])
        dq_conform_model_set(out, (dq_conform_model_check_id_t)id, DQ_CONFORM_FAIL, "%s",
                             s->fail[id]);
    else if (pass)
        dq_conform_model_set(out, (dq_conform_model_check_id_t)id, DQ_CONFORM_PASS, "%s", pass);
}

static void model_judge_analytic(dq_conform_model_result_t *out, probe_session_t *s, int id,
                                 const char *callback)
{
    char pass[DQ_CONFORM_DETAIL_MAX];
    if (!s->analytic[id] && !s->n_fail[id]) {
        dq_conform_model_set(out, (dq_conform_model_check_id_t)id, DQ_CONFORM_SKIP,
                             "no module has %s", callback);
        return;
    }
    snprintf(pass, sizeof pass,
             "%s agrees with central differences (%lu module evaluations, at the initial and "
             "a perturbed state)",
             callback, s->analytic[id]);
    model_verdict(out, s, id, pass);
}

static int model_checks(const dq_model_entry_t *entry, probe_session_t *s,
                        dq_conform_model_result_t *out)
{
    dq_error_t err = {0};
    int rc = dq__probe_session_init(s, entry->desc, &err);
    if (rc != DQ_OK) {
        if (rc != DQ_ENOMEM)
            dq_conform_model_set(out, DQ_MCHECK_RUN, DQ_CONFORM_FAIL, "%s", err.message);
        return rc == DQ_ENOMEM ? rc : DQ_OK;
    }
    dq_registry_t *reg = dq_registry_new();
    if (!reg || dq_registry_register(reg, &dq__probe_solver, NULL, &err) != DQ_OK) {
        dq_registry_free(reg);
        return DQ_ENOMEM;
    }
    const dq_integrator_entry_t *probe = dq_registry_lookup(reg, dq__probe_solver.name, NULL);
    model_run_t runs[3] = {{.block = MODEL_SMALL_BLOCK, .check = 1},
                           {.block = MODEL_SMALL_BLOCK},
                           {.block = MODEL_LARGE_BLOCK}};
    dq__probe_begin(s);
    for (int k = 0; rc == DQ_OK && k < 3; ++k) {
        rc = model_run(s, probe, &runs[k], &err);
    }
    dq__probe_end();
    dq_registry_free(reg);
    out->units = runs[0].units;
    out->states = runs[0].states;
    if (s->oom || rc == DQ_ENOMEM) {
        model_runs_free(runs);
        return DQ_ENOMEM;
    }
    if (rc != DQ_OK)
        dq_conform_model_set(out, DQ_MCHECK_RUN, DQ_CONFORM_FAIL, "%s", err.message);
    else
        dq_conform_model_set(out, DQ_MCHECK_RUN, DQ_CONFORM_PASS,
                             "%zu units, %d steps of dt = %g in blocks of %d and %d", out->units,
                             MODEL_STEPS, MODEL_DT, MODEL_SMALL_BLOCK, MODEL_LARGE_BLOCK);
    model_verdict(out, s, DQ_MCHECK_DERIVATIVE,
                  rc == DQ_OK ? "finite derivatives, no value written" : NULL);
    model_judge_analytic(out, s, DQ_MCHECK_JACOBIAN, "jacobian");
    model_judge_analytic(out, s, DQ_MCHECK_JACOBIAN_DIAG, "jacobian_diag");
    model_judge_analytic(out, s, DQ_MCHECK_DERIVATIVE_DIAG, "compute_derivative_diag");
    model_verdict(out, s, DQ_MCHECK_LIFECYCLE,
                  rc == DQ_OK ? "init_state before the first step, pre_integral and "
                                "post_integral once per block and step, no state changed "
                                "out of turn"
                              : NULL);
    if (rc == DQ_OK) {
        char diff[DQ_CONFORM_DETAIL_MAX];
        if (model_compare(&runs[0], &runs[1], "in one run and in an identical one", diff,
                          sizeof diff) ||
            model_compare(&runs[0], &runs[2], "in blocks of 8 units and in blocks of 256", diff,
                          sizeof diff))
            dq_conform_model_set(out, DQ_MCHECK_DETERMINISM, DQ_CONFORM_FAIL, "%s", diff);
        else
            dq_conform_model_set(out, DQ_MCHECK_DETERMINISM, DQ_CONFORM_PASS,
                                 "the same bits from two runs and from blocks of 8 and 256");
    }
    model_runs_free(runs);
    return DQ_OK;
}

int dq_conform_model_run(const dq_model_entry_t *model, dq_conform_model_result_t *out,
                         dq_error_t *err)
{
    if (!model || !model->desc || !out)
        return dq_error_set(err, DQ_EINVAL, NULL, "dq_conform_model_run: no model or no result");
    dq_conform_model_result_init(out, model);
    probe_session_t *s = calloc(1, sizeof *s);
    int rc = s ? model_checks(model, s, out) : DQ_ENOMEM;
    if (s)
        dq__probe_session_cleanup(s);
    free(s);
    dq_conform_model_update(out);
    if (rc)
        return dq_error_set(err, rc, NULL, "out of memory while checking model '%s'", out->model);
    return DQ_OK;
}
