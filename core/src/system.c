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
        if (md->n_states && (!md->states || !md->compute_derivative))
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

static int system_unknown_param(const dq_model_desc_t *m, const char *name, dq_error_t *err)
{
    const char *names[64];
    size_t n = m->n_params < 64 ? m->n_params : 64;
    for (size_t i = 0; i < n; ++i)
        names[i] = m->params[i].name;
    const char *best[1];
    char list[512], hint[160] = "";
    system_param_list(m, list, sizeof list);
    if (dq_suggest(name, names, n, 0.6, best, 1))
        snprintf(hint, sizeof hint, " Did you mean '%s'?", best[0]);
    return dq_error_set(err, DQ_EINVAL, NULL, "model '%s' has no parameter '%s'.%s "
                                              "Parameters: %s.",
                        m->name, name, hint, n ? list : "(none)");
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
        size_t i = 0;
        while (i < m->n_params && strcmp(m->params[i].name, args[a].name) != 0)
            ++i;
        if (i == m->n_params)
            return system_unknown_param(m, args[a].name, err);
        const dq_param_desc_t *p = &m->params[i];
        if (args[a].len == 0 || (args[a].len > 1 && !(p->flags & DQ_PARAM_PER_UNIT)))
            return dq_error_set(err, DQ_EINVAL, NULL,
                                "parameter '%s' of model '%s' takes one value, got %zu",
                                p->name, m->name, args[a].len);
        for (size_t k = 0; k < args[a].len; ++k) {
            double v = args[a].v[k];
            if (!isfinite(v))
                return dq_error_set(err, DQ_EINVAL, NULL,
                                    "parameter '%s' of model '%s' must be a finite number",
                                    p->name, m->name);
            if ((p->flags & DQ_PARAM_INTEGER) && (v != floor(v) || fabs(v) > 9.0e15))
                return dq_error_set(err, DQ_EINVAL, NULL,
                                    "parameter '%s' of model '%s' must be a whole number, "
                                    "got %.17g", p->name, m->name, v);
            if ((p->flags & DQ_PARAM_POSITIVE) && !(v > 0.0))
                return dq_error_set(err, DQ_EINVAL, NULL,
                                    "parameter '%s' of model '%s' must be positive, got %.17g",
                                    p->name, m->name, v);
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
            dq_error_set(err, DQ_EINVAL, NULL,
                         "parameter '%s' of model '%s' has %zu values but the model has %zu "
                         "units",
                         sys->model.params[i].name, sys->model.name, sys->params[i].len, units);
            goto fail;
        }
    sys->block_units = DQ__DEFAULT_BLOCK_UNITS;
    return sys;
fail:
    dq_system_free(sys);
    return NULL;
}

void dq_system_free(dq_system_t *sys)
{
    if (!sys)
        return;
    if (sys->data && sys->model.destroy)
        sys->model.destroy(sys->data);
    free(sys->y);
    free(sys->f);
    free(sys->g);
    free(sys->work);
    free(sys->options);
    free(sys->view_jac);
    free(sys->view_jac_diag);
    free(sys->jac_y);
    free(sys->jac_f);
    free(sys->jac_full);
    free(sys->view_value);
    free(sys->view_derivative);
    free(sys->view_diffusion);
    free(sys->param_store);
    free(sys->params);
    free(sys->states);
    free(sys->state_module);
    free(sys->modules);
    free(sys);
}

int dq_system_set_solver(dq_system_t *sys, const dq_integrator_entry_t *solver,
                         dq_error_t *err)
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
    free(sys->options);
    sys->options = opts;
    sys->solver = solver;
    return DQ_OK;
}

int dq_system_set_solver_option(dq_system_t *sys, const char *name, double value,
                                dq_error_t *err)
{
    const dq_integrator_entry_t *sv = sys->solver;
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
    sys->options[i] = value;
    return DQ_OK;
}

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

void dq__system_view_block(dq_system_t *sys, size_t b, const double *y, double *f)
{
    size_t ub = dq__system_block_len(sys, b);
    size_t base = b * sys->m * sys->block_units;
    for (size_t s = 0; s < sys->n_states; ++s) {
        sys->view_value[s] = (double *)y + s * ub;
        sys->view_derivative[s] = f + s * ub;
        sys->view_diffusion[s] = sys->g && (sys->states[s]->flags & DQ_STATE_DIFFUSION)
                                     ? sys->g + base + s * ub
                                     : NULL;
    }
    sys->view.unit0 = b * sys->block_units;
    sys->view.units = ub;
}

int dq_system_prepare(dq_system_t *sys, double t0, double dt, dq_error_t *err)
{
    if (!sys->solver)
        return dq_error_set(err, DQ_EUSAGE, NULL, "no solver set for model '%s'",
                            sys->model.name);
    if (sys->prepared)
        return dq_error_set(err, DQ_EUSAGE, NULL, "the system is prepared already");
    if (!isfinite(dt) || !(dt > 0.0))
        return dq_error_set(err, DQ_EINVAL, NULL, "dt must be a positive finite number, got %g",
                            dt);
    if (!isfinite(t0))
        return dq_error_set(err, DQ_EINVAL, NULL, "t0 must be finite");
    sys->m = sys->n_states;
    if (sys->block_units > sys->units)
        sys->block_units = sys->units;
    sys->n_blocks = (sys->units + sys->block_units - 1) / sys->block_units;
    size_t total = sys->m * sys->units;
    int noisy = 0;
    for (size_t s = 0; s < sys->n_states; ++s)
        noisy |= (sys->states[s]->flags & DQ_STATE_DIFFUSION) != 0;
    const size_t mB = sys->m * sys->block_units;
    sys->work_len = sys->solver->work_size
                        ? sys->solver->work_size(sys->m, sys->block_units)
                        : (size_t)sys->solver->work_vectors * mB;
    sys->analytic_jac = sys->analytic_diag = 1;
    for (size_t i = 0; i < sys->n_modules; ++i)
        if (sys->modules[i].n_states) {
            sys->analytic_jac &= sys->modules[i].jacobian != NULL;
            sys->analytic_diag &= sys->modules[i].jacobian_diag != NULL;
        }
    /* Jacobian scratch is small next to the arena (two block vectors, and a full block
     * Jacobian only when a diagonal must be read off an analytic one), so it is always
     * there and a solver never triggers an allocation mid-run. */
    sys->jac_y = calloc(mB, sizeof(double));
    sys->jac_f = calloc(mB, sizeof(double));
    if (sys->analytic_jac && !sys->analytic_diag)
        sys->jac_full = calloc(sys->m * mB, sizeof(double));
    sys->view_jac = calloc(sys->n_states * sys->n_states, sizeof(double *));
    sys->view_jac_diag = calloc(sys->n_states, sizeof(double *));
    if (!sys->jac_y || !sys->jac_f || (sys->analytic_jac && !sys->analytic_diag && !sys->jac_full) ||
        !sys->view_jac || !sys->view_jac_diag)
        return dq_error_set(err, DQ_ENOMEM, NULL, "out of memory");
    sys->y = calloc(total, sizeof(double));
    sys->f = calloc(total, sizeof(double));
    sys->g = noisy ? calloc(total, sizeof(double)) : NULL;
    sys->work = sys->work_len ? calloc(sys->work_len, sizeof(double)) : NULL;
    sys->view_value = calloc(sys->n_states, sizeof(double *));
    sys->view_derivative = calloc(sys->n_states, sizeof(double *));
    sys->view_diffusion = calloc(sys->n_states, sizeof(double *));
    if (!sys->y || !sys->f || (noisy && !sys->g) || (sys->work_len && !sys->work) ||
        !sys->view_value || !sys->view_derivative || !sys->view_diffusion)
        return dq_error_set(err, DQ_ENOMEM, NULL, "out of memory for %zu states of %zu units",
                            sys->n_states, sys->units);
    sys->t0 = t0;
    sys->dt = dt;
    sys->step = 0;
    sys->view.value = sys->view_value;
    sys->view.derivative = sys->view_derivative;
    sys->view.diffusion = sys->view_diffusion;
    sys->view.data = sys->data;
    sys->view.n_states = sys->n_states;
    sys->view.errbuf = sys->view_err;
    sys->view.errlen = sizeof sys->view_err;
    sys->view.t = t0;
    sys->view.dt = dt;
    sys->view.step = 0;
    for (size_t b = 0; b < sys->n_blocks; ++b) {
        size_t base = b * sys->m * sys->block_units;
        dq__system_view_block(sys, b, sys->y + base, sys->f + base);
        for (size_t i = 0; i < sys->n_modules; ++i) {
            if (!sys->modules[i].init_state)
                continue;
            sys->view_err[0] = '\0';
            int rc = sys->modules[i].init_state(&sys->view);
            if (rc)
                return dq_error_set(err, rc < 0 ? rc : DQ_EMODEL, NULL,
                                    "model '%s': init_state of module '%s' failed: %s",
                                    sys->model.name, sys->modules[i].name,
                                    sys->view_err[0] ? sys->view_err : dq_strerror(rc));
        }
    }
    sys->prepared = 1;
    return DQ_OK;
}

const char *dq_system_model_name(const dq_system_t *sys) { return sys->model.name; }

const char *dq_system_solver_name(const dq_system_t *sys)
{
    return sys->solver ? sys->solver->name : NULL;
}

double dq_system_dt(const dq_system_t *sys) { return sys->dt; }

double dq_system_time(const dq_system_t *sys) { return sys->t0 + (double)sys->step * sys->dt; }
uint64_t dq_system_step_count(const dq_system_t *sys) { return sys->step; }
size_t dq_system_units(const dq_system_t *sys) { return sys->units; }
size_t dq_system_state_count(const dq_system_t *sys) { return sys->n_states; }

const char *dq_system_state_name(const dq_system_t *sys, size_t state)
{
    return state < sys->n_states ? sys->states[state]->name : NULL;
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
    size_t b = unit / sys->block_units;
    size_t ub = dq__system_block_len(sys, b);
    return sys->y[b * sys->m * sys->block_units + state * ub + unit % sys->block_units];
}
