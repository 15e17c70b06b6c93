/* SPDX-License-Identifier: MIT */
/* registry_model.c -- the model catalogue: a second namespace of the registry (no aliases,
 * no override; models are never unregistered). */
#include <stdlib.h>
#include <string.h>

#include <dq/host/registry.h>

#include "internal.h"
#include "registry_impl.h"
#include "registry_private.h"

int dq_registry_register_model(dq_registry_t *reg, const dq_model_desc_t *desc, const char *origin,
                               dq_error_t *err)
{
    dq__origin_t o = {.path = origin};
    return dq__registry_add_model(reg, desc, &o, err);
}

int dq__registry_add_model(dq_registry_t *reg, const dq_model_desc_t *desc, const dq__origin_t *o,
                           dq_error_t *err)
{
    const char *origin = o->path;
    if (!reg || !desc)
        return dq_error_set(err, DQ_EINVAL, origin,
                            "dq_registry_register_model needs a registry and a descriptor.");
    dq_model_desc_t d;
    int rc = dq__model_desc_check(desc, origin, &d, err);
    if (rc)
        return rc;
    int found;
    size_t at = dq__registry_search(reg->model_names, reg->n_models, d.name, &found);
    if (found)
        return dq_error_set(err, DQ_EEXIST, origin, "Model '%s' is already registered by '%s'.",
                            d.name, reg->models[at]->origin);

    size_t n_modules = 0;
    while (d.modules[n_modules])
        ++n_modules;
    registry_model_t *m = calloc(1, sizeof *m);
    dq_module_desc_t *mods = calloc(n_modules, sizeof *mods);
    for (size_t i = 0; mods && i < n_modules; ++i)
        if ((rc = dq__module_desc_read(d.modules[i], &mods[i], origin, err)))
            break;
    if (rc) {
        free(m);
        free(mods);
        return rc;
    }
    char *own_origin = dq__strdup(origin ? origin : DQ_ORIGIN_BUILTIN);
    size_t cap = reg->cap_models;
    size_t cap_names = reg->cap_models;
    if (!m || !mods || !own_origin ||
        !dq__registry_reserve((void **)&reg->models, &cap, reg->n_models + 1,
                              sizeof *reg->models) ||
        !dq__registry_reserve((void **)&reg->model_names, &cap_names, cap,
                              sizeof *reg->model_names)) {
        free(m);
        free(mods);
        free(own_origin);
        return dq_error_set(err, DQ_ENOMEM, origin, "out of memory");
    }
    reg->cap_models = cap;
    m->desc = d;
    m->origin = own_origin;
    m->keep = dq__keep_retain(o->keep);
    m->entry.desc = &m->desc;
    m->entry.origin = own_origin;
    m->modules = mods;
    m->entry.modules = mods;
    m->entry.n_modules = n_modules;
    memmove(&reg->models[at + 1], &reg->models[at], (reg->n_models - at) * sizeof *reg->models);
    memmove(&reg->model_names[at + 1], &reg->model_names[at],
            (reg->n_models - at) * sizeof *reg->model_names);
    reg->models[at] = m;
    reg->model_names[at] = m->desc.name;
    reg->n_models++;
    return DQ_OK;
}

const dq_model_entry_t *dq_registry_lookup_model(const dq_registry_t *reg, const char *name,
                                                 dq_error_t *err)
{
    if (!name)
        name = "";
    int found = 0;
    size_t at = reg ? dq__registry_search(reg->model_names, reg->n_models, name, &found) : 0;
    if (!found) {
        size_t n = reg ? reg->n_models : 0;
        const char *const *names = reg ? reg->model_names : NULL;
        dq__registry_unknown("model", name, names, n, names, n, err);
        return NULL;
    }
    return &reg->models[at]->entry;
}

size_t dq_registry_model_count(const dq_registry_t *reg)
{
    return reg ? reg->n_models : 0;
}

const dq_model_entry_t *dq_registry_model_at(const dq_registry_t *reg, size_t i)
{
    return reg && i < reg->n_models ? &reg->models[i]->entry : NULL;
}
