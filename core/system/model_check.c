/* SPDX-License-Identifier: MIT */
/* model_check.c -- a model descriptor's structure: modules, states, reads. Run on every
 * descriptor a system is built from, registered or not (an embedder may pass its own). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "system_impl.h"

static int check_modules(dq_system_t *sys, dq_error_t *err)
{
    const dq_model_desc_t *m = &sys->model;
    while (m->modules[sys->n_modules])
        sys->n_modules++;
    sys->modules = calloc(sys->n_modules, sizeof *sys->modules);
    if (!sys->modules)
        return dq_error_set(err, DQ_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; i < sys->n_modules; ++i) {
        int rc = dq__module_desc_read(m->modules[i], &sys->modules[i], NULL, err);
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
    return DQ_OK;
}

static int check_states(dq_system_t *sys, dq_error_t *err)
{
    const dq_model_desc_t *m = &sys->model;
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
            if (!name || !dq__name_is_valid(name) || strpbrk(name, ".-"))
                return dq_error_set(err, DQ_EDESC, NULL,
                                    "model '%s': state %zu has an invalid name", m->name, s);
            for (size_t j = 0; j < s; ++j)
                if (strcmp(sys->states[j]->name, name) == 0)
                    return dq_error_set(err, DQ_EDESC, NULL,
                                        "model '%s' declares state '%s' twice", m->name, name);
        }
    return DQ_OK;
}

/* Resolves each module's reads to model-wide state indices, once. */
static int check_reads(dq_system_t *sys, dq_error_t *err)
{
    const char **names = malloc(sys->n_states * sizeof *names);
    sys->mvars = calloc(sys->n_modules, sizeof *sys->mvars);
    if (!names || !sys->mvars) {
        free(names);
        return dq_error_set(err, DQ_ENOMEM, NULL, "out of memory");
    }
    for (size_t s = 0; s < sys->n_states; ++s)
        names[s] = sys->states[s]->name;
    int rc = DQ_OK;
    size_t first = 0;
    for (size_t i = 0; rc == DQ_OK && i < sys->n_modules; ++i) {
        const dq_module_desc_t *md = &sys->modules[i];
        dq__module_vars_t *mv = &sys->mvars[i];
        size_t n_reads = 0;
        while (md->reads && md->reads[n_reads])
            ++n_reads;
        mv->n_own = md->n_states;
        mv->n_vars = md->n_states + n_reads;
        mv->vars = malloc((mv->n_vars ? mv->n_vars : 1) * sizeof *mv->vars);
        if (!mv->vars) {
            rc = dq_error_set(err, DQ_ENOMEM, NULL, "out of memory");
            break;
        }
        for (size_t k = 0; k < md->n_states; ++k)
            mv->vars[k] = first + k;
        for (size_t r = 0; rc == DQ_OK && r < n_reads; ++r) {
            size_t s = 0;
            while (s < sys->n_states && strcmp(names[s], md->reads[r]) != 0)
                ++s;
            if (s == sys->n_states) {
                dq__unknown_t u = {.name = md->reads[r], .candidates = names,
                                   .n_candidates = sys->n_states, .label = "States"};
                rc = dq__error_unknown(err, DQ_EDESC, NULL, &u,
                                       "model '%s': module '%s' reads state '%s', which the "
                                       "model does not have.",
                                       sys->model.name, md->name ? md->name : "?",
                                       md->reads[r]);
            } else if (sys->state_module[s] == i) {
                rc = dq_error_set(err, DQ_EDESC, NULL,
                                  "model '%s': module '%s' reads its own state '%s'",
                                  sys->model.name, md->name ? md->name : "?", md->reads[r]);
            }
            mv->vars[md->n_states + r] = s;
        }
        first += md->n_states;
    }
    free(names);
    return rc;
}

int dq__system_check_model(dq_system_t *sys, const dq_model_desc_t *desc, dq_error_t *err)
{
    int rc = dq__model_desc_read(desc, &sys->model, NULL, err);
    if (rc)
        return rc;
    const dq_model_desc_t *m = &sys->model;
    if (!dq__name_is_valid(m->name))
        return dq_error_set(err, DQ_EDESC, NULL, "Model name must be a non-empty string of "
                                                 "[A-Za-z0-9_.-].");
    if (!m->modules || !m->modules[0])
        return dq_error_set(err, DQ_EDESC, NULL, "model '%s' declares no modules", m->name);
    if (m->n_params && !m->params)
        return dq_error_set(err, DQ_EDESC, NULL, "model '%s' declares %zu parameters but no "
                                                 "table", m->name, m->n_params);
    rc = check_modules(sys, err);
    if (rc == DQ_OK)
        rc = check_states(sys, err);
    if (rc == DQ_OK)
        rc = check_reads(sys, err);
    return rc;
}
