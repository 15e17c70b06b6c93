/* SPDX-License-Identifier: MIT */
/* system.c -- a model instance with its solvers: construction, settings, prepare, and
 * the accessors of the embedding API. The pieces live beside it: model_check.c (the
 * descriptor), params.c (binding), layout.c (groups and arenas), view.c (callbacks' view). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cable_impl.h"
#include "internal.h"
#include "registry_private.h"
#include "system_impl.h"

/* The block size when none is asked: 256 lanes, or for a cable, whose cells have thousands
 * of components, about 2^17 doubles a vector (1 MiB), so a block's vectors stay in cache. */
static size_t system_default_block(const dq_system_t *sys)
{
    if (!sys->cable)
        return DQ__DEFAULT_BLOCK_UNITS;
    size_t b = ((size_t)1 << 17) / (sys->n_states ? sys->n_states : 1);
    return b < DQ_LANES ? DQ_LANES : b > DQ__DEFAULT_BLOCK_UNITS ? DQ__DEFAULT_BLOCK_UNITS : b;
}

/* What every system needs past its model: solver slots, block size, threads. */
static dq_system_t *system_finish(dq_system_t *sys, dq_error_t *err)
{
    sys->mod_solver = calloc(sys->n_modules, sizeof *sys->mod_solver);
    sys->mod_substeps = calloc(sys->n_modules, sizeof *sys->mod_substeps);
    if (!sys->mod_solver || !sys->mod_substeps) {
        dq_error_set(err, DQ_ENOMEM, NULL, "out of memory");
        dq_system_free(sys);
        return NULL;
    }
    sys->block_units = DQ_UNITS_PADDED(system_default_block(sys));
    sys->noise_refine = 1;
    /* One thread unless asked: an embedding program's model callbacks need not be
     * thread-safe. The command line asks for one per core. */
    sys->threads_wanted = 1;
    return sys;
}

dq_system_t *dq_system_new(const dq_model_desc_t *model, const dq_param_arg_t *args, size_t n_args,
                           dq_error_t *err)
{
    if (!model) {
        dq_error_set(err, DQ_EINVAL, NULL, "no model given");
        return NULL;
    }
    dq_system_t *sys = calloc(1, sizeof *sys);
    if (!sys) {
        dq_error_set(err, DQ_ENOMEM, NULL, "out of memory");
        return NULL;
    }
    if (dq__system_check_model(sys, model, err) || dq__system_bind_params(sys, args, n_args, err)) {
        dq_system_free(sys);
        return NULL;
    }
    return system_finish(sys, err);
}

dq_system_t *dq_system_new_cable(const dq_model_desc_t *model, const dq_param_arg_t *args,
                                 size_t n_args, const dq_morph_t *morph,
                                 const dq_cable_opts_t *opts, dq_error_t *err)
{
    if (!model || !morph || !opts) {
        dq_error_set(err, DQ_EINVAL, NULL, "no model, morphology or cable options given");
        return NULL;
    }
    dq_system_t *sys = calloc(1, sizeof *sys);
    if (!sys) {
        dq_error_set(err, DQ_ENOMEM, NULL, "out of memory");
        return NULL;
    }
    int rc = dq__model_desc_check(model, NULL, &sys->model, err);
    if (rc == DQ_OK && !sys->model.cable)
        rc = dq_error_set(err, DQ_EINVAL, NULL,
                          "model '%s' is not a cable model: it takes no morphology",
                          sys->model.name);
    if (rc == DQ_OK)
        rc = dq__cable_build(sys, morph, opts, err);
    if (rc == DQ_OK)
        rc = dq__system_bind_params(sys, args, n_args, err);
    if (rc == DQ_OK)
        rc = dq__cable_stimuli(sys, opts, err);
    if (rc) {
        dq_system_free(sys);
        return NULL;
    }
    return system_finish(sys, err);
}

void dq_system_free(dq_system_t *sys)
{
    if (!sys)
        return;
    dq__lanes_stop(sys);
    dq__system_free_params(sys);
    dq__events_free(sys);
    dq__adaptive_free(sys);
    dq__system_free_layout(sys);
    for (size_t i = 0; sys->mvars && i < sys->n_modules; ++i)
        free(sys->mvars[i].vars);
    free(sys->mvars);
    free(sys->root_options);
    free(sys->state_atol);
    free(sys->mod_solver);
    free(sys->mod_substeps);
    free(sys->states);
    free(sys->state_module);
    free(sys->modules);
    dq__cable_free(sys->cable);
    free(sys);
}

int dq_system_set_solver(dq_system_t *sys, const dq_integrator_entry_t *solver, dq_error_t *err)
{
    if (!solver || !solver->step)
        return dq_error_set(err, DQ_EINVAL, NULL, "no solver given");
    if (sys->prepared)
        return dq_error_set(err, DQ_EUSAGE, NULL, "the solver is set before prepare");
    double *opts = NULL;
    if (solver->n_options) {
        opts = malloc(solver->n_options * sizeof *opts);
        if (!opts)
            return dq_error_set(err, DQ_ENOMEM, NULL, "out of memory");
        for (size_t i = 0; i < solver->n_options; ++i)
            opts[i] = solver->options[i].def;
    }
    free(sys->root_options);
    free(sys->state_atol);
    sys->root_options = opts;
    sys->mod_solver[0] = solver;
    return DQ_OK;
}

void dq_system_set_warning_handler(dq_system_t *sys, dq_warn_fn fn, void *user)
{
    sys->warn = fn;
    sys->warn_user = user;
}

int dq_system_set_solver_option(dq_system_t *sys, const char *name, double value, dq_error_t *err)
{
    const dq_integrator_entry_t *sv = sys->mod_solver[0];
    if (!sv)
        return dq_error_set(err, DQ_EUSAGE, NULL, "set the solver before its options");
    if (sys->prepared)
        return dq_error_set(err, DQ_EUSAGE, NULL, "solver options are set before prepare");
    size_t i = 0;
    while (i < sv->n_options && strcmp(sv->options[i].name, name) != 0)
        ++i;
    if (i == sv->n_options) {
        if (sv->n_options == 0)
            return dq_error_set(err, DQ_EINVAL, NULL, "solver '%s' takes no options (got '%s')",
                                sv->name, name);
        const char *names[64];
        size_t n = sv->n_options < 64 ? sv->n_options : 64;
        for (size_t k = 0; k < n; ++k)
            names[k] = sv->options[k].name;
        dq__unknown_t u = {
            .name = name, .candidates = names, .n_candidates = n, .label = "Options"};
        return dq__error_unknown(err, DQ_EINVAL, NULL, &u, "solver '%s' has no option '%s'.",
                                 sv->name, name);
    }
    const dq_option_desc_t *o = &sv->options[i];
    if (!isfinite(value))
        return dq_error_set(err, DQ_EINVAL, NULL,
                            "option '%s' of solver '%s' must be a finite "
                            "number",
                            o->name, sv->name);
    if ((o->flags & DQ_OPTION_INTEGER) && value != floor(value))
        return dq_error_set(err, DQ_EINVAL, NULL,
                            "option '%s' of solver '%s' must be a whole number, got %.17g", o->name,
                            sv->name, value);
    if (o->min < o->max && !(value >= o->min && value <= o->max))
        return dq_error_set(err, DQ_EINVAL, NULL,
                            "option '%s' of solver '%s' must be in [%g, %g], got %.17g", o->name,
                            sv->name, o->min, o->max, value);
    sys->root_options[i] = value;
    return DQ_OK;
}

int dq_system_set_module_solver(dq_system_t *sys, const char *module,
                                const dq_integrator_entry_t *solver, unsigned substeps,
                                const char *where, dq_error_t *err)
{
    char wb[256];
    const char *w = dq__where_prefix(where, wb, sizeof wb);
    if (sys->prepared)
        return dq_error_set(err, DQ_EUSAGE, NULL, "sub-module solvers are set before prepare");
    if (sys->cable && (solver || substeps))
        return dq_error_set(err, DQ_EUSAGE, NULL,
                            "model '%s' is a cable model: one solver integrates the whole cable "
                            "(no sub-module solvers)",
                            sys->model.name);
    if (!module)
        module = "";
    size_t i = 1;
    while (i < sys->n_modules && strcmp(sys->modules[i].name, module) != 0)
        ++i;
    if (i == sys->n_modules) {
        if (sys->n_modules == 1) {
            return dq__error_mark_where(
                err, where,
                dq_error_set(err, DQ_EINVAL, NULL,
                             "%smodel '%s' has no sub-module '%s'; it has no sub-modules", w,
                             sys->model.name, module));
        }
        const char *names[64];
        size_t n = 0;
        for (size_t k = 1; k < sys->n_modules && n < 64; ++k)
            names[n++] = sys->modules[k].name;
        dq__unknown_t u = {
            .name = module, .candidates = names, .n_candidates = n, .label = "Sub-modules"};
        return dq__error_mark_where(err, where,
                                    dq__error_unknown(err, DQ_EINVAL, NULL, &u,
                                                      "%smodel '%s' has no sub-module '%s'.", w,
                                                      sys->model.name, module));
    }
    if (solver)
        sys->mod_solver[i] = solver;
    if (substeps)
        sys->mod_substeps[i] = substeps;
    return DQ_OK;
}

int dq_system_resolve_solvers(dq_system_t *sys, dq_registry_t *reg, dq_error_t *err)
{
    sys->reg = reg;
    for (size_t i = 1; i < sys->n_modules; ++i) {
        const char *name = sys->modules[i].solver;
        if (!name || sys->mod_solver[i])
            continue;
        dq_error_t inner = {0};
        const dq_integrator_entry_t *e = dq_registry_lookup(reg, name, &inner);
        if (!e)
            return dq_error_set(err, inner.code, NULL, "model '%s', sub-module '%s': %s",
                                sys->model.name, sys->modules[i].name, inner.message);
        sys->mod_solver[i] = e;
    }
    return DQ_OK;
}

int dq_system_set_threads(dq_system_t *sys, size_t threads, dq_error_t *err)
{
    if (sys->prepared)
        return dq_error_set(err, DQ_EUSAGE, NULL, "the thread count is set before prepare");
    if (threads > 1024)
        return dq_error_set(err, DQ_EINVAL, NULL, "at most 1024 threads, got %zu", threads);
    sys->threads_wanted = threads;
    return DQ_OK;
}

size_t dq_system_threads(const dq_system_t *sys)
{
    return sys->n_lanes;
}

int dq_system_set_block_units(dq_system_t *sys, size_t units, dq_error_t *err)
{
    if (sys->prepared)
        return dq_error_set(err, DQ_EUSAGE, NULL, "the block size is set before prepare");
    if (units > ((size_t)1 << 40))
        return dq_error_set(err, DQ_EINVAL, NULL, "block size %zu is too large", units);
    sys->block_units = DQ_UNITS_PADDED(units ? units : system_default_block(sys));
    return DQ_OK;
}

int dq_system_set_seed(dq_system_t *sys, uint64_t seed, dq_error_t *err)
{
    if (sys->prepared)
        return dq_error_set(err, DQ_EUSAGE, NULL, "the seed is set before prepare");
    sys->seed = seed;
    return DQ_OK;
}

int dq_system_set_unit_offset(dq_system_t *sys, size_t first, dq_error_t *err)
{
    if (sys->prepared)
        return dq_error_set(err, DQ_EUSAGE, NULL, "the unit offset is set before prepare");
    /* The noise counter holds the global unit in 32 bits (dq/host/noise.h). */
    if (first > ((uint64_t)1 << 32) - sys->units)
        return dq_error_set(err, DQ_EINVAL, NULL,
                            "unit offset %zu with %zu units is past 2^32 units", first, sys->units);
    sys->unit_offset = first;
    return DQ_OK;
}

int dq_system_set_noise_refine(dq_system_t *sys, unsigned refine, dq_error_t *err)
{
    if (sys->prepared)
        return dq_error_set(err, DQ_EUSAGE, NULL, "the noise refinement is set before prepare");
    if (refine < 1 || refine > 1000000)
        return dq_error_set(err, DQ_EINVAL, NULL,
                            "the noise refinement must be a whole number from 1 to 1000000, got %u",
                            refine);
    sys->noise_refine = refine;
    return DQ_OK;
}

/* The registry's SDE solvers, ", "-separated, into buf ("" when none is known). */
static void system_sde_names(const dq_system_t *sys, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = '\0';
    for (size_t i = 0; sys->reg && i < dq_registry_count(sys->reg); ++i) {
        const dq_integrator_entry_t *e = dq_registry_at(sys->reg, i);
        if (!(e->flags & DQ_CAP_DIFFUSION) || at + strlen(e->name) + 3 >= len)
            continue;
        at += (size_t)snprintf(buf + at, len - at, "%s%s", at ? ", " : "", e->name);
    }
}

/* A deterministic solver keeps the drift only. Says so once per run when some unit's
 * diffusion is actually non-zero (a noise amplitude of 0 is no noise), then drops the
 * diffusion slot, which nothing reads. */
static void system_drop_ignored_noise(dq_system_t *sys)
{
    for (size_t gi = 0; gi < sys->n_groups; ++gi) {
        dq__group_t *g = &sys->groups[gi];
        if (!g->g || (g->solver->flags & DQ_CAP_DIFFUSION))
            continue;
        size_t s;
        if (sys->warn && dq__driver_probe_diffusion(sys, gi, &s)) {
            char names[256], msg[640];
            system_sde_names(sys, names, sizeof names);
            snprintf(msg, sizeof msg,
                     "state '%s' has noise (a non-zero diffusion), but solver '%s' integrates "
                     "the deterministic drift only%s%s",
                     sys->states[s]->name, g->solver->name, names[0] ? "; solvers for SDEs: " : "",
                     names);
            sys->warn(sys->warn_user, sys->states[s]->name, msg);
        }
        /* An ABI 2.0 module may write its diffusion without testing the entry (2.0 always
         * gave one): it keeps its slot. */
        int keep = 0;
        for (size_t k = 0; k < g->n_modules; ++k)
            keep |= sys->modules[g->modules[k]].abi.abi_minor < 1;
        if (keep)
            continue;
        free(g->g);
        g->g = NULL;
        for (size_t i = 0; i < sys->n_lanes; ++i) {
            sys->lanes[i].view_group = NULL;
            sys->lanes[i].lg[gi].ctx.g = NULL;
        }
    }
}

/* What an SDE solver cannot take: multiplicative noise for an additive-noise method, more
 * units or states than the noise keys hold. */
static int system_check_noise(const dq_system_t *sys, dq_error_t *err)
{
    for (size_t i = 0; i < sys->n_modules; ++i) {
        const dq_integrator_entry_t *sv = sys->mod_solver[dq__system_group_root(sys, i)];
        if (!sv || !(sv->flags & DQ_CAP_DIFFUSION))
            continue;
        const dq_module_desc_t *md = &sys->modules[i];
        for (size_t k = 0; k < md->n_states; ++k) {
            const uint32_t fl = md->states[k].flags;
            if (!(fl & DQ_STATE_DIFFUSION) || (fl & DQ_STATE_AUX))
                continue;
            if ((sv->flags & DQ_CAP_ADDITIVE_NOISE_ONLY) && !(fl & DQ_STATE_ADDITIVE))
                return dq_error_set(err, DQ_EINVAL, md->states[k].name,
                                    "solver '%s' is derived for additive noise only, but state "
                                    "'%s' of model '%s' has multiplicative noise (its diffusion "
                                    "is not declared independent of the states); use "
                                    "euler_maruyama, milstein or stochastic_heun",
                                    sv->name, md->states[k].name, sys->model.name);
            if (sys->units > ((size_t)1 << 32) || sys->n_states >= ((size_t)1 << 24))
                return dq_error_set(err, DQ_EINVAL, NULL,
                                    "noise is keyed for at most 2^32 units and 2^24 states; "
                                    "model '%s' has %zu units and %zu states",
                                    sys->model.name, sys->units, sys->n_states);
        }
    }
    return DQ_OK;
}

/* Padding lanes become copies of the block's last real unit, states and aux alike. */
static void system_pad_block(dq__lane_t *l, size_t b)
{
    const dq_system_t *sys = l->sys;
    size_t live = dq__block_live(sys, b), lanes = dq__block_lanes(sys, b);
    for (size_t s = 0; live < lanes && s < sys->n_states; ++s)
        for (size_t u = live; u < lanes; ++u)
            l->val[s][u] = l->val[s][live - 1];
}

/* init_state of every module, parents first, on every block. */
static int system_init_states(dq_system_t *sys, dq_error_t *err)
{
    dq__lane_t *l = &sys->lanes[0];
    l->view_t = sys->t0;
    l->view_dt = sys->dt;
    l->view_step = 0;
    dq__group_t *root = &sys->groups[sys->n_groups - 1];
    for (size_t b = 0; b < sys->n_blocks; ++b) {
        size_t base = b * root->m * sys->block_units;
        dq__group_view(l, root, b, root->y + base, root->f + base, NULL);
        if (sys->cable) {
            dq__cable_call_t c = {.l = l,
                                  .unit0 = b * sys->block_units,
                                  .units = dq__block_lanes(sys, b),
                                  .t = sys->t0,
                                  .dt = sys->dt};
            int rc = dq__cable_init(&c, root->y + base);
            if (rc)
                return dq_error_set(err, rc, NULL, "%s", l->err.message);
        }
        for (size_t i = 0; !sys->cable && i < sys->n_modules; ++i) {
            if (!sys->modules[i].init_state)
                continue;
            int rc = sys->modules[i].init_state(dq__module_view(l, i, NULL, 0));
            if (rc)
                return dq_error_set(err, rc < 0 ? rc : DQ_EMODEL, NULL,
                                    "model '%s': init_state of module '%s' failed: %s",
                                    sys->model.name, sys->modules[i].name,
                                    l->view_err[0] ? l->view_err : dq_strerror(rc));
        }
        system_pad_block(l, b);
    }
    return DQ_OK;
}

int dq_system_prepare(dq_system_t *sys, double t0, double dt, dq_error_t *err)
{
    if (!sys->mod_solver[0])
        return dq_error_set(err, DQ_EUSAGE, NULL, "no solver set for model '%s'", sys->model.name);
    if (sys->prepared)
        return dq_error_set(err, DQ_EUSAGE, NULL, "the system is prepared already");
    if (!isfinite(dt) || !(dt > 0.0))
        return dq_error_set(err, DQ_EINVAL, NULL, "dt must be a positive finite number, got %g",
                            dt);
    if (!isfinite(t0))
        return dq_error_set(err, DQ_EINVAL, NULL, "t0 must be finite");
    for (size_t i = 1; i < sys->n_modules; ++i)
        if (sys->modules[i].solver && !sys->mod_solver[i])
            return dq_error_set(err, DQ_EUSAGE, NULL,
                                "model '%s': sub-module '%s' names solver '%s', which was not "
                                "resolved (dq_system_resolve_solvers)",
                                sys->model.name, sys->modules[i].name, sys->modules[i].solver);
    int rc = system_check_noise(sys, err);
    if (rc)
        return rc;
    if (sys->block_units > sys->capacity)
        sys->block_units = sys->capacity;
    sys->n_blocks = (sys->units + sys->block_units - 1) / sys->block_units;
    rc = dq__system_layout(sys);
    if (rc == DQ_OK)
        rc = dq__events_layout(sys);
    if (rc)
        return dq_error_set(err, DQ_ENOMEM, NULL, "out of memory for %zu states of %zu units",
                            sys->n_states, sys->units);
    sys->dt = dt;
    if ((rc = dq__adaptive_layout(sys, err)))
        return rc;
    if ((rc = dq__lanes_start(sys)))
        return dq_error_set(err, DQ_ENOMEM, NULL, "out of memory for %zu states of %zu units",
                            sys->n_states, sys->units);
    sys->t0 = t0;
    sys->step = 0;
    rc = system_init_states(sys, err);
    if (rc == DQ_OK)
        rc = dq__solvers_init(sys, err);
    if (rc == DQ_OK)
        rc = dq__adaptive_start(sys, err);
    if (rc)
        return rc;
    system_drop_ignored_noise(sys);
    sys->prepared = 1;
    return DQ_OK;
}

const char *dq_system_model_name(const dq_system_t *sys)
{
    return sys->model.name;
}

const char *dq_system_solver_name(const dq_system_t *sys)
{
    return sys->mod_solver[0] ? sys->mod_solver[0]->name : NULL;
}

double dq_system_dt(const dq_system_t *sys)
{
    return sys->dt;
}
double dq_system_time(const dq_system_t *sys)
{
    return sys->t0 + (double)sys->step * sys->dt;
}
uint64_t dq_system_step_count(const dq_system_t *sys)
{
    return sys->step;
}
size_t dq_system_units(const dq_system_t *sys)
{
    return sys->units;
}
size_t dq_system_state_count(const dq_system_t *sys)
{
    return sys->n_states;
}
size_t dq_system_module_count(const dq_system_t *sys)
{
    return sys->n_modules;
}
const char *dq_system_time_unit(const dq_system_t *sys)
{
    return sys->model.time_unit;
}

const char *dq_system_module_name(const dq_system_t *sys, size_t module)
{
    return module < sys->n_modules ? sys->modules[module].name : NULL;
}

const dq_integrator_entry_t *dq_system_module_solver(const dq_system_t *sys, size_t module)
{
    if (!sys->prepared || module >= sys->n_modules)
        return NULL;
    return sys->mod_solver[dq__system_group_root(sys, module)];
}

int dq_system_module_is_independent(const dq_system_t *sys, size_t module)
{
    return module > 0 && module < sys->n_modules && sys->mod_solver[module] != NULL;
}

unsigned dq_system_module_substeps(const dq_system_t *sys, size_t module)
{
    if (module >= sys->n_modules)
        return 0;
    unsigned k = sys->mod_substeps[dq__system_group_root(sys, module)];
    return k ? k : 1;
}

const char *dq_system_state_name(const dq_system_t *sys, size_t state)
{
    return state < sys->n_states ? sys->states[state]->name : NULL;
}

uint32_t dq_system_state_flags(const dq_system_t *sys, size_t state)
{
    return state < sys->n_states ? sys->states[state]->flags : 0;
}

long dq_system_state_index(const dq_system_t *sys, const char *name)
{
    /* A cable's thousands of states: by compartment, not by a scan of every name. */
    if (sys->cable)
        return dq__cable_state_index(sys, name);
    for (size_t s = 0; s < sys->n_states; ++s)
        if (strcmp(sys->states[s]->name, name) == 0)
            return (long)s;
    return -1;
}

double dq__system_stored_value(const dq_system_t *sys, size_t state, size_t unit)
{
    int gi = sys->state_group[state];
    if (gi < 0)
        return sys->aux[state][unit];
    const dq__group_t *g = &sys->groups[gi];
    size_t b = unit / sys->block_units;
    size_t ub = dq__block_lanes(sys, b);
    /* Adaptive runs: the values at the sample time, from the continuous extension. */
    const double *y = sys->ad.on ? sys->ad.yo : g->y;
    return y[b * g->m * sys->block_units + sys->state_comp[state] * ub + unit % sys->block_units];
}

double dq_system_value(const dq_system_t *sys, size_t state, size_t unit)
{
    if (!sys->prepared || state >= sys->n_states || unit >= sys->units)
        return NAN;
    if (sys->cable)
        return dq__cable_value(sys, state, unit);
    return dq__system_stored_value(sys, state, unit);
}
