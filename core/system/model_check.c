/* SPDX-License-Identifier: MIT */
/* model_check.c -- a model descriptor checked (by the shared validator) and its modules,
 * states and reads laid out for the system: model-wide state numbers, module variables. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "registry_private.h"
#include "system_impl.h"

/* Copies the (already validated) modules and numbers their states model-wide. */
static int check_tables(dq_system_t *sys, dq_error_t *err)
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
        sys->n_states += sys->modules[i].n_states;
    }
    sys->states = calloc(sys->n_states, sizeof *sys->states);
    sys->state_module = calloc(sys->n_states, sizeof *sys->state_module);
    if (!sys->states || !sys->state_module)
        return dq_error_set(err, DQ_ENOMEM, NULL, "out of memory");
    size_t s = 0;
    for (size_t i = 0; i < sys->n_modules; ++i)
        for (size_t k = 0; k < sys->modules[i].n_states; ++k, ++s) {
            sys->states[s] = &sys->modules[i].states[k];
            sys->state_module[s] = i;
        }
    return DQ_OK;
}

/* Resolves each module's reads to model-wide state indices, once (the validator has made
 * sure every name exists and is another module's). */
static int check_reads(dq_system_t *sys, dq_error_t *err)
{
    sys->mvars = calloc(sys->n_modules, sizeof *sys->mvars);
    if (!sys->mvars)
        return dq_error_set(err, DQ_ENOMEM, NULL, "out of memory");
    size_t first = 0;
    for (size_t i = 0; i < sys->n_modules; ++i) {
        const dq_module_desc_t *md = &sys->modules[i];
        dq__module_vars_t *mv = &sys->mvars[i];
        size_t n_reads = 0;
        while (md->reads && md->reads[n_reads])
            ++n_reads;
        mv->n_own = md->n_states;
        mv->n_vars = md->n_states + n_reads;
        mv->vars = malloc((mv->n_vars ? mv->n_vars : 1) * sizeof *mv->vars);
        if (!mv->vars)
            return dq_error_set(err, DQ_ENOMEM, NULL, "out of memory");
        for (size_t k = 0; k < md->n_states; ++k)
            mv->vars[k] = first + k;
        for (size_t r = 0; r < n_reads; ++r) {
            size_t s = 0;
            while (s < sys->n_states && strcmp(sys->states[s]->name, md->reads[r]) != 0)
                ++s;
            mv->vars[md->n_states + r] = s;
        }
        first += md->n_states;
    }
    return DQ_OK;
}

int dq__system_check_model(dq_system_t *sys, const dq_model_desc_t *desc, dq_error_t *err)
{
    /* The same validator the loader and the registry use: an embedder's own descriptor
     * gets the same checks and messages as a plugin's. */
    int rc = dq__model_desc_check(desc, NULL, &sys->model, err);
    if (rc == DQ_OK && sys->model.cable)
        rc = dq_error_set(err, DQ_EINVAL, NULL,
                          "model '%s' is a cable model: it needs a morphology (a run spec's "
                          "\"morphology\", or dq_system_new_cable)",
                          sys->model.name);
    if (rc == DQ_OK)
        rc = check_tables(sys, err);
    if (rc == DQ_OK)
        rc = check_reads(sys, err);
    return rc;
}
