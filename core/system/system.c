/* SPDX-License-Identifier: MIT */
/* system.c -- building a model instance and laying out its states (the state model). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "system_impl.h"

static int system_check_model(dq_system_t *sys, const dq_model_desc_t *desc, dq_error_t *err)
{
    int rc = dq__model_desc_read(desc, &sys->model, NULL, err);
    if (rc)
        return rc;
    const dq_model_desc_t *m = &sys->model;
    if (!dq__name_is_valid(m->name))
        return dq_error_set(err, DQ_EDESC, NULL, "Model name must be a non-empty string of "
                                                 "[A-Za-z0-9_.-].");
    if (!m->create)
        return dq_error_set(err, DQ_EDESC, NULL, "model '%s' has no create function", m->name);
    if (!m->modules || !m->modules[0])
        return dq_error_set(err, DQ_EDESC, NULL, "model '%s' declares no modules", m->name);
    if (m->n_params && !m->params)
        return dq_error_set(err, DQ_EDESC, NULL, "model '%s' declares %zu parameters but no "
                                                 "table", m->name, m->n_params);
    while (m->modules[sys->n_modules])
        sys->n_modules++;
    sys->modules = calloc(sys->n_modules, sizeof *sys->modules);
    if (!sys->modules)
        return dq_error_set(err, DQ_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; i < sys->n_modules; ++i) {
        rc = dq__module_desc_read(m->modules[i], &sys->modules[i], NULL, err);
        if (rc)
            return rc;
        const dq_module_desc_t *md = &sys->modules[i];
        /* Parents are declared before children, so declaration order is a valid order
         * for the lifecycle calls (parents first). */
        if (i == 0 ? md->parent != -1 : (md->parent < 0 || (size_t)md->parent >= i))
            return dq_error_set(err, DQ_EDESC, NULL,
                                "model '%s': module %zu has parent %d; module 0 is the root "
                                "(parent -1) and parents come before their children",
                                m->name, i, md->parent);
        if (i > 0 && (!dq__name_is_valid(md->name) || strpbrk(md->name, ".-")))
            return dq_error_set(err, DQ_EDESC, NULL,
                                "model '%s': sub-module %zu needs a name of [A-Za-z0-9_]",
                                m->name, i);
        for (size_t k = 1; i > 0 && k < i; ++k)
            if (strcmp(sys->modules[k].name, md->name) == 0)
                return dq_error_set(err, DQ_EDESC, NULL,
                                    "model '%s' declares sub-module '%s' twice", m->name,
                                    md->name);
        size_t integrated = 0;
        for (size_t k = 0; md->states && k < md->n_states; ++k)
            integrated += !(md->states[k].flags & DQ_STATE_AUX);
        if (md->n_states && (!md->states || (integrated && !md->compute_derivative)))
            return dq_error_set(err, DQ_EDESC, NULL,
                                "model '%s': module '%s' has states but no %s", m->name,
                                md->name ? md->name : "?",
                                md->states ? "compute_derivative" : "state table");
        sys->n_states += md->n_states;
    }
    if (sys->n_states == 0)
        return dq_error_set(err, DQ_EDESC, NULL, "model '%s' declares no states", m->name);
    sys->states = calloc(sys->n_states, sizeof *sys->states);
    sys->state_module = calloc(sys->n_states, sizeof *sys->state_module);
    if (!sys->states || !sys->state_module)
        return dq_error_set(err, DQ_ENOMEM, NULL, "out of memory");
    size_t s = 0;
    for (size_t i = 0; i < sys->n_modules; ++i)
        for (size_t k = 0; k < sys->modules[i].n_states; ++k, ++s) {
            sys->states[s] = &sys->modules[i].states[k];
            sys->state_module[s] = i;
            const char *name = sys->states[s]->name;
            if (!dq__name_is_valid(name))
                return dq_error_set(err, DQ_EDESC, NULL,
                                    "model '%s': state %zu has an invalid name", m->name, s);
            for (size_t j = 0; j < s; ++j)
                if (strcmp(sys->states[j]->name, name) == 0)
                    return dq_error_set(err, DQ_EDESC, NULL,
                                        "model '%s' declares state '%s' twice", m->name, name);
        }
    return DQ_OK;
}

/* "tau, y0, n" into buf. */
static void system_param_list(const dq_model_desc_t *m, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < m->n_params && used < len; ++i)
        used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
                                 m->params[i].name);
}

/* "where: " for messages, or "". */
static const char *system_where(const char *where, char *buf, size_t len)
{
    if (!where || !*where)
        return "";
    snprintf(buf, len, "%s: ", where);
    return buf;
}

static int system_unknown_param(const dq_model_desc_t *m, const char *name, const char *where,
                                dq_error_t *err)
{
    const char *names[64];
    size_t n = m->n_params < 64 ? m->n_params : 64;
    for (size_t i = 0; i < n; ++i)
        names[i] = m->params[i].name;
    const char *best[1];
    char list[512], hint[160] = "", w[256];
    system_param_list(m, list, sizeof list);
    if (dq_suggest(name, names, n, 0.6, best, 1))
        snprintf(hint, sizeof hint, " Did you mean '%s'?", best[0]);
    return dq_error_set(err, DQ_EINVAL, NULL, "%smodel '%s' has no parameter '%s'.%s "
                                              "Parameters: %s.",
                        system_where(where, w, sizeof w), m->name, name, hint,
                        n ? list : "(none)");
}

static int system_set_params(dq_system_t *sys, const dq_param_arg_t *args, size_t n_args,
                             dq_error_t *err)
{
    const dq_model_desc_t *m = &sys->model;
    size_t total = m->n_params;
    for (size_t a = 0; a < n_args; ++a)
        total += args[a].len;
    sys->param_store = calloc(total ? total : 1, sizeof(double));
    sys->params = calloc(m->n_params ? m->n_params : 1, sizeof *sys->params);
    if (!sys->param_store || !sys->params)
        return dq_error_set(err, DQ_ENOMEM, NULL, "out of memory");
    double *store = sys->param_store;
    for (size_t i = 0; i < m->n_params; ++i) {
        *store = m->params[i].def;
        sys->params[i].v = store++;
        sys->params[i].len = 1;
    }
    for (size_t a = 0; a < n_args; ++a) {
        char w[256];
        const char *pre = system_where(args[a].where, w, sizeof w);
        size_t i = 0;
        while (i < m->n_params && strcmp(m->params[i].name, args[a].name) != 0)
            ++i;
        if (i == m->n_params)
            return system_unknown_param(m, args[a].name, args[a].where, err);
        const dq_param_desc_t *p = &m->params[i];
        if (args[a].len == 0 || (args[a].len > 1 && !(p->flags & DQ_PARAM_PER_UNIT)))
            return dq_error_set(err, DQ_EINVAL, NULL,
                                "%sparameter '%s' of model '%s' takes one value, got %zu", pre,
                                p->name, m->name, args[a].len);
        for (size_t k = 0; k < args[a].len; ++k) {
            double v = args[a].v[k];
            if (!isfinite(v))
                return dq_error_set(err, DQ_EINVAL, NULL,
                                    "%sparameter '%s' of model '%s' must be a finite number",
                                    pre, p->name, m->name);
            if ((p->flags & DQ_PARAM_INTEGER) && (v != floor(v) || fabs(v) > 9.0e15))
                return dq_error_set(err, DQ_EINVAL, NULL,
                                    "%sparameter '%s' of model '%s' must be a whole number, "
                                    "got %.17g", pre, p->name, m->name, v);
            if ((p->flags & DQ_PARAM_POSITIVE) && !(v > 0.0))
                return dq_error_set(err, DQ_EINVAL, NULL,
                                    "%sparameter '%s' of model '%s' must be positive, got "
                                    "%.17g", pre, p->name, m->name, v);
            store[k] = v;
        }
        sys->params[i].v = store;
        sys->params[i].len = args[a].len;
        store += args[a].len;
    }
    return DQ_OK;
}

dq_system_t *dq_system_new(const dq_model_desc_t *model, const dq_param_arg_t *args,
                           size_t n_args, dq_error_t *err)
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
    if (system_check_model(sys, model, err) || system_set_params(sys, args, n_args, err))
        goto fail;
    /* Population models name their size `n`; checking per-unit arrays against it before
     * create() lets the message say where the array came from. */
    for (size_t i = 0; i < sys->model.n_params; ++i) {
        const dq_param_desc_t *pn = &sys->model.params[i];
        if (strcmp(pn->name, "n") != 0 || !(pn->flags & DQ_PARAM_INTEGER))
            continue;
        size_t n_units = (size_t)sys->params[i].v[0];
        for (size_t a = 0; a < n_args; ++a) {
            if (args[a].len > 1 && args[a].len != n_units) {
                char w[256];
                dq_error_set(err, DQ_EINVAL, NULL,
                             "%sparameter '%s' of model '%s' has %zu values but the model has "
                             "%zu units",
                             system_where(args[a].where, w, sizeof w), args[a].name,
                             sys->model.name, args[a].len, n_units);
                goto fail;
            }
        }
    }
    char msg[512] = "";
    size_t units = 0;
    int rc = sys->model.create(sys->params, &units, &sys->data, msg, sizeof msg);
    if (rc) {
        dq_error_set(err, rc < 0 ? rc : DQ_EMODEL, NULL, "model '%s': %s", sys->model.name,
                     msg[0] ? msg : dq_strerror(rc));
        sys->data = NULL;
        goto fail;
    }
    if (units == 0) {
        dq_error_set(err, DQ_EMODEL, NULL, "model '%s' created no units", sys->model.name);
        goto fail;
    }
    sys->units = units;
    for (size_t i = 0; i < sys->model.n_params; ++i)
        if (sys->params[i].len > 1 && sys->params[i].len != units) {
            const char *where = NULL;
            for (size_t a = 0; a < n_args; ++a)
                if (strcmp(args[a].name, sys->model.params[i].name) == 0)
                    where = args[a].where;
            char w[256];
            dq_error_set(err, DQ_EINVAL, NULL,
                         "%sparameter '%s' of model '%s' has %zu values but the model has %zu "
                         "units",
                         system_where(where, w, sizeof w), sys->model.params[i].name,
                         sys->model.name, sys->params[i].len, units);
            goto fail;
        }
    sys->mod_solver = calloc(sys->n_modules, sizeof *sys->mod_solver);
    sys->mod_substeps = calloc(sys->n_modules, sizeof *sys->mod_substeps);
    if (!sys->mod_solver || !sys->mod_substeps) {
        dq_error_set(err, DQ_ENOMEM, NULL, "out of memory");
        goto fail;
    }
    sys->block_units = DQ__DEFAULT_BLOCK_UNITS;
    /* One thread unless asked: an embedding program's model callbacks need not be
     * thread-safe. The command line asks for one per core. */
    sys->threads_wanted = 1;
    return sys;
fail:
    dq_system_free(sys);
    return NULL;
}

static void system_group_cleanup(dq__group_t *g)
{
    free(g->options);
    free(g->modules);
    free(g->states);
    free(g->y);
    free(g->f);
    free(g->g);
}

void dq_system_free(dq_system_t *sys)
{
    if (!sys)
        return;
    if (sys->data && sys->model.destroy)
        sys->model.destroy(sys->data);
    dq__lanes_stop(sys);
    for (size_t i = 0; i < sys->n_groups; ++i)
        system_group_cleanup(&sys->groups[i]);
    free(sys->groups);
    if (sys->aux)
        for (size_t s = 0; s < sys->n_states; ++s)
            free(sys->aux[s]);
    free(sys->aux);
    free(sys->state_group);
    free(sys->state_comp);
    free(sys->root_options);
    free(sys->mod_solver);
    free(sys->mod_substeps);
    free(sys->param_store);
    free(sys->params);
    free(sys->states);
    free(sys->state_module);
    free(sys->modules);
    free(sys);
}

/* A fresh array of the solver's default option values (NULL when it has none). */
static int system_default_options(const dq_integrator_entry_t *solver, double **out)
{
    *out = NULL;
    if (!solver->n_options)
        return DQ_OK;
    double *o = malloc(solver->n_options * sizeof *o);
    if (!o)
        return DQ_ENOMEM;
    for (size_t i = 0; i < solver->n_options; ++i)
        o[i] = solver->options[i].def;
    *out = o;
    return DQ_OK;
}

int dq_system_set_solver(dq_system_t *sys, const dq_integrator_entry_t *solver,
                         dq_error_t *err)
{
    if (!solver || !solver->step)
        return dq_error_set(err, DQ_EINVAL, NULL, "no solver given");
    if (sys->prepared)
        return dq_error_set(err, DQ_EUSAGE, NULL, "the solver is set before prepare");
    double *opts;
    if (system_default_options(solver, &opts))
        return dq_error_set(err, DQ_ENOMEM, NULL, "out of memory");
    free(sys->root_options);
    sys->root_options = opts;
    sys->mod_solver[0] = solver;
    return DQ_OK;
}

void dq_system_set_warning_handler(dq_system_t *sys, dq_warn_fn fn, void *user)
{
    sys->warn = fn;
    sys->warn_user = user;
}

int dq_system_set_solver_option(dq_system_t *sys, const char *name, double value,
                                dq_error_t *err)
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
        const char *names[64], *best[1];
        size_t n = sv->n_options < 64 ? sv->n_options : 64;
        char list[512] = "", hint[160] = "";
        size_t used = 0;
        for (size_t k = 0; k < n; ++k) {
            names[k] = sv->options[k].name;
            if (used < sizeof list)
                used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", k ? ", " : "",
                                         names[k]);
        }
        if (dq_suggest(name, names, n, 0.6, best, 1))
            snprintf(hint, sizeof hint, " Did you mean '%s'?", best[0]);
        return dq_error_set(err, DQ_EINVAL, NULL, "solver '%s' has no option '%s'.%s Options: %s.",
                            sv->name, name, hint, list);
    }
    const dq_option_desc_t *o = &sv->options[i];
    if (!isfinite(value))
        return dq_error_set(err, DQ_EINVAL, NULL, "option '%s' of solver '%s' must be a finite "
                                                  "number", o->name, sv->name);
    if ((o->flags & DQ_OPTION_INTEGER) && value != floor(value))
        return dq_error_set(err, DQ_EINVAL, NULL,
                            "option '%s' of solver '%s' must be a whole number, got %.17g",
                            o->name, sv->name, value);
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
    char w[256];
    const char *pre = system_where(where, w, sizeof w);
    if (sys->prepared)
        return dq_error_set(err, DQ_EUSAGE, NULL, "sub-module solvers are set before prepare");
    size_t i = 1;
    while (i < sys->n_modules && strcmp(sys->modules[i].name ? sys->modules[i].name : "",
                                        module ? module : "") != 0)
        ++i;
    if (i == sys->n_modules) {
        const char *names[64], *best[1];
        size_t n = 0;
        char list[512] = "", hint[160] = "";
        size_t used = 0;
        for (size_t k = 1; k < sys->n_modules && n < 64; ++k) {
            names[n++] = sys->modules[k].name ? sys->modules[k].name : "";
            used += (size_t)snprintf(list + used, used < sizeof list ? sizeof list - used : 0,
                                     "%s%s", k > 1 ? ", " : "", names[n - 1]);
        }
        if (n && dq_suggest(module ? module : "", names, n, 0.6, best, 1))
            snprintf(hint, sizeof hint, " Did you mean '%s'?", best[0]);
        if (n == 0)
            return dq_error_set(err, DQ_EINVAL, NULL,
                                "%smodel '%s' has no sub-module '%s'; it has no sub-modules",
                                pre, sys->model.name, module ? module : "");
        return dq_error_set(err, DQ_EINVAL, NULL,
                            "%smodel '%s' has no sub-module '%s'.%s Sub-modules: %s.", pre,
                            sys->model.name, module ? module : "", hint, list);
    }
    if (solver)
        sys->mod_solver[i] = solver;
    if (substeps)
        sys->mod_substeps[i] = substeps;
    return DQ_OK;
}

int dq_system_resolve_solvers(dq_system_t *sys, dq_registry_t *reg, dq_error_t *err)
{
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

size_t dq_system_threads(const dq_system_t *sys) { return sys->n_lanes; }

int dq_system_set_block_units(dq_system_t *sys, size_t units, dq_error_t *err)
{
    if (sys->prepared)
        return dq_error_set(err, DQ_EUSAGE, NULL, "the block size is set before prepare");
    sys->block_units = units ? units : DQ__DEFAULT_BLOCK_UNITS;
    return DQ_OK;
}

size_t dq__system_block_len(const dq_system_t *sys, size_t b)
{
    size_t start = b * sys->block_units;
    size_t left = sys->units - start;
    return left < sys->block_units ? left : sys->block_units;
}

void dq__group_view(dq__lane_t *l, const dq__group_t *g, size_t b, const double *y, double *f)
{
    const dq_system_t *sys = l->sys;
    size_t ub = dq__system_block_len(sys, b);
    if (l->view_group == g && l->view_block == b) {
        /* Same group and block as the last call: other groups' and aux pointers hold. */
        for (size_t k = 0; k < g->m; ++k) {
            size_t s = g->states[k], off = k * ub;
            l->view_value[s] = (double *)y + off;
            l->view_derivative[s] = f + off;
        }
        return;
    }
    size_t unit0 = b * sys->block_units;
    for (size_t s = 0; s < sys->n_states; ++s) {
        int gi = sys->state_group[s];
        if (gi < 0) {
            l->view_value[s] = sys->aux[s] + unit0;
            l->view_derivative[s] = NULL;
            l->view_diffusion[s] = NULL;
            continue;
        }
        const dq__group_t *h = &sys->groups[gi];
        size_t base = b * h->m * sys->block_units, off = sys->state_comp[s] * ub;
        if (h == g) {
            l->view_value[s] = (double *)y + off;
            l->view_derivative[s] = f + off;
        } else {
            l->view_value[s] = h->y + base + off;
            l->view_derivative[s] = h->f + base + off;
        }
        l->view_diffusion[s] = h->g && (sys->states[s]->flags & DQ_STATE_DIFFUSION)
                                   ? h->g + base + off
                                   : NULL;
    }
    l->view.unit0 = unit0;
    l->view.units = ub;
    l->view_group = g;
    l->view_block = b;
}

/* Which solver owns module i: its own, or the nearest ancestor's. */
static size_t system_group_root(const dq_system_t *sys, size_t i)
{
    while (i > 0 && !sys->mod_solver[i])
        i = (size_t)sys->modules[i].parent;
    return i;
}

/* Builds the groups: one per module with a solver, ordered children before parents
 * (reverse declaration order, since parents are declared first), so an independent
 * sub-module is stepped before the module that contains it. */
static int system_build_groups(dq_system_t *sys, dq_error_t *err)
{
    for (size_t i = 0; i < sys->n_modules; ++i)
        sys->n_groups += sys->mod_solver[i] != NULL;
    sys->groups = calloc(sys->n_groups, sizeof *sys->groups);
    sys->state_group = malloc(sys->n_states * sizeof *sys->state_group);
    sys->state_comp = calloc(sys->n_states, sizeof *sys->state_comp);
    sys->aux = calloc(sys->n_states, sizeof *sys->aux);
    if (!sys->groups || !sys->state_group || !sys->state_comp || !sys->aux)
        return DQ_ENOMEM;
    size_t gi = 0;
    for (size_t i = sys->n_modules; i-- > 0;) {
        if (!sys->mod_solver[i])
            continue;
        dq__group_t *g = &sys->groups[gi];
        g->sys = sys;
        g->root = i;
        g->solver = sys->mod_solver[i];
        g->substeps = sys->mod_substeps[i] ? sys->mod_substeps[i] : 1;
        g->modules = malloc(sys->n_modules * sizeof *g->modules);
        g->states = malloc(sys->n_states * sizeof *g->states);
        if (!g->modules || !g->states)
            return DQ_ENOMEM;
        for (size_t k = 0; k < sys->n_modules; ++k)
            if (system_group_root(sys, k) == i)
                g->modules[g->n_modules++] = k;
        for (size_t s = 0; s < sys->n_states; ++s) {
            if (system_group_root(sys, sys->state_module[s]) != i)
                continue;
            if (sys->states[s]->flags & DQ_STATE_AUX)
                continue;
            sys->state_group[s] = (int)gi;
            sys->state_comp[s] = g->m;
            g->states[g->m++] = s;
        }
        if (i == 0) {
            g->options = sys->root_options;
            sys->root_options = NULL;
        } else if (system_default_options(g->solver, &g->options)) {
            return DQ_ENOMEM;
        }
        gi++;
    }
    for (size_t s = 0; s < sys->n_states; ++s)
        if (sys->states[s]->flags & DQ_STATE_AUX) {
            sys->state_group[s] = -1;
            sys->aux[s] = calloc(sys->units, sizeof(double));
            if (!sys->aux[s])
                return DQ_ENOMEM;
        }
    (void)err;
    return DQ_OK;
}

/* The arena of one group; work memory and Jacobian scratch are per lane (driver.c). */
static int system_alloc_group(dq_system_t *sys, dq__group_t *g)
{
    const size_t mB = g->m * sys->block_units, total = g->m * sys->units;
    int noisy = 0;
    g->analytic_jac = g->analytic_diag = g->fused_diag = 1;
    for (size_t k = 0; k < g->m; ++k)
        noisy |= (sys->states[g->states[k]]->flags & DQ_STATE_DIFFUSION) != 0;
    for (size_t k = 0; k < g->n_modules; ++k) {
        const dq_module_desc_t *md = &sys->modules[g->modules[k]];
        g->has_pre |= md->pre_integral != NULL;
        g->has_post |= md->post_integral != NULL;
        if (md->n_states) {
            g->analytic_jac &= md->jacobian != NULL;
            g->analytic_diag &= md->jacobian_diag != NULL;
            g->fused_diag &= md->compute_derivative_diag != NULL;
        }
    }
    g->work_len = g->solver->work_size ? g->solver->work_size(g->m, sys->block_units)
                                       : (size_t)g->solver->work_vectors * mB;
    /* calloc(0) may return NULL: ask for at least one element everywhere. */
    g->y = calloc(total + 1, sizeof(double));
    g->f = calloc(total + 1, sizeof(double));
    g->g = noisy ? calloc(total + 1, sizeof(double)) : NULL;
    if (!g->y || !g->f || (noisy && !g->g))
        return DQ_ENOMEM;
    return DQ_OK;
}

/* Says once per run that a solver will ignore a diffusion coefficient. */
static void system_warn_diffusion(dq_system_t *sys)
{
    for (size_t gi = 0; gi < sys->n_groups; ++gi) {
        const dq__group_t *g = &sys->groups[gi];
        if (g->solver->flags & DQ_CAP_DIFFUSION)
            continue;
        for (size_t k = 0; k < g->m; ++k) {
            const dq_state_desc_t *st = sys->states[g->states[k]];
            if (!(st->flags & DQ_STATE_DIFFUSION) || !sys->warn)
                continue;
            char msg[512];
            snprintf(msg, sizeof msg,
                     "state '%s' has a diffusion coefficient, but solver '%s' integrates the "
                     "deterministic drift only",
                     st->name, g->solver->name);
            sys->warn(sys->warn_user, st->name, msg);
        }
    }
}

int dq_system_prepare(dq_system_t *sys, double t0, double dt, dq_error_t *err)
{
    if (!sys->mod_solver[0])
        return dq_error_set(err, DQ_EUSAGE, NULL, "no solver set for model '%s'",
                            sys->model.name);
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
    if (sys->block_units > sys->units)
        sys->block_units = sys->units;
    sys->n_blocks = (sys->units + sys->block_units - 1) / sys->block_units;
    int rc = system_build_groups(sys, err);
    for (size_t gi = 0; rc == DQ_OK && gi < sys->n_groups; ++gi)
        rc = system_alloc_group(sys, &sys->groups[gi]);
    if (rc == DQ_OK)
        rc = dq__lanes_start(sys);
    if (rc)
        return dq_error_set(err, DQ_ENOMEM, NULL, "out of memory for %zu states of %zu units",
                            sys->n_states, sys->units);
    sys->t0 = t0;
    sys->dt = dt;
    sys->step = 0;
    dq__lane_t *l = &sys->lanes[0];
    l->view.t = t0;
    l->view.dt = dt;
    dq__group_t *root = &sys->groups[sys->n_groups - 1];
    for (size_t b = 0; b < sys->n_blocks; ++b) {
        size_t base = b * root->m * sys->block_units;
        dq__group_view(l, root, b, root->y + base, root->f + base);
        for (size_t i = 0; i < sys->n_modules; ++i) {
            if (!sys->modules[i].init_state)
                continue;
            l->view_err[0] = '\0';
            rc = sys->modules[i].init_state(&l->view);
            if (rc)
                return dq_error_set(err, rc < 0 ? rc : DQ_EMODEL, NULL,
                                    "model '%s': init_state of module '%s' failed: %s",
                                    sys->model.name, sys->modules[i].name,
                                    l->view_err[0] ? l->view_err : dq_strerror(rc));
        }
    }
    system_warn_diffusion(sys);
    sys->prepared = 1;
    return DQ_OK;
}

const char *dq_system_model_name(const dq_system_t *sys) { return sys->model.name; }

const char *dq_system_solver_name(const dq_system_t *sys)
{
    return sys->mod_solver[0] ? sys->mod_solver[0]->name : NULL;
}

double dq_system_dt(const dq_system_t *sys) { return sys->dt; }
double dq_system_time(const dq_system_t *sys) { return sys->t0 + (double)sys->step * sys->dt; }
uint64_t dq_system_step_count(const dq_system_t *sys) { return sys->step; }
size_t dq_system_units(const dq_system_t *sys) { return sys->units; }
size_t dq_system_state_count(const dq_system_t *sys) { return sys->n_states; }
size_t dq_system_module_count(const dq_system_t *sys) { return sys->n_modules; }
const char *dq_system_time_unit(const dq_system_t *sys) { return sys->model.time_unit; }

const char *dq_system_module_name(const dq_system_t *sys, size_t module)
{
    return module < sys->n_modules ? sys->modules[module].name : NULL;
}

const dq_integrator_entry_t *dq_system_module_solver(const dq_system_t *sys, size_t module)
{
    if (!sys->prepared || module >= sys->n_modules)
        return NULL;
    return sys->mod_solver[system_group_root(sys, module)];
}

int dq_system_module_is_independent(const dq_system_t *sys, size_t module)
{
    return module > 0 && module < sys->n_modules && sys->mod_solver[module] != NULL;
}

unsigned dq_system_module_substeps(const dq_system_t *sys, size_t module)
{
    if (module >= sys->n_modules)
        return 0;
    unsigned k = sys->mod_substeps[system_group_root(sys, module)];
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
    for (size_t s = 0; s < sys->n_states; ++s)
        if (strcmp(sys->states[s]->name, name) == 0)
            return (long)s;
    return -1;
}

double dq_system_value(const dq_system_t *sys, size_t state, size_t unit)
{
    if (!sys->prepared || state >= sys->n_states || unit >= sys->units)
        return NAN;
    int gi = sys->state_group[state];
    if (gi < 0)
        return sys->aux[state][unit];
    const dq__group_t *g = &sys->groups[gi];
    size_t b = unit / sys->block_units;
    size_t ub = dq__system_block_len(sys, b);
    return g->y[b * g->m * sys->block_units + sys->state_comp[state] * ub +
                unit % sys->block_units];
}
