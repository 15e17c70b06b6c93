/* SPDX-License-Identifier: MIT */
/* loader_register.c -- checking a plugin's info block and descriptors, then registering
 * them, all or nothing. */
#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <dq/host/loader.h>

#include "internal.h"
#include "loader_impl.h"
#include "registry_private.h"

/* -- checking ------------------------------------------------------------------------ */

/* Counts a NULL-terminated list of descriptor pointers (the list's alignment was checked
 * by dq__plugin_info_read, each element's is by the descriptor readers). */
static size_t loader_list_count(const void *const *list)
{
    size_t n = 0;
    while (list && list[n])
        ++n;
    return n;
}

/* Reads the info block into the host's layout (`in`) and checks every descriptor with the
 * registry's validator: the registry would refuse them too, but only after earlier
 * descriptors of the file were registered. */
int dq__loader_check_plugin(const dq_plugin_info_t *info, const char *path, dq_plugin_info_t *in,
                            dq_error_t *err)
{
    int rc = dq__plugin_info_read(info, in, path, err);
    if (rc)
        return rc;
    size_t n_int = loader_list_count((const void *const *)in->integrators);
    size_t n_mod = loader_list_count((const void *const *)in->models);
    if (n_int == 0 && n_mod == 0)
        return dq_error_set(err, DQ_EDESC, path,
                            "plugin '%s' declares no integrators and no models", path);
    for (size_t i = 0; i < n_int; ++i) {
        dq_integrator_desc_t d;
        size_t n_options;
        if ((rc = dq__integrator_desc_check(in->integrators[i], path, &d, &n_options, err)))
            return rc;
    }
    for (size_t i = 0; i < n_mod; ++i) {
        dq_model_desc_t m;
        if ((rc = dq__model_desc_check(in->models[i], path, &m, err)))
            return rc;
    }
    return DQ_OK;
}

/* -- registering ------------------------------------------------------------------- */

/* Models cannot be unregistered, so every way a model registration can fail short of
 * memory is found before anything is registered: a clash is reproduced by registering
 * the clashing model, which fails without side effects and gives the registry's message. */
static int loader_precheck_models(dq_registry_t *reg, const dq_plugin_info_t *in,
                                  const dq__origin_t *o, dq_error_t *err)
{
    const char *path = o->path;
    for (size_t i = 0; in->models && in->models[i]; ++i) {
        const char *name = in->models[i]->name;
        for (size_t j = 0; j < i; ++j)
            if (strcmp(in->models[j]->name, name) == 0)
                return dq_error_set(err, DQ_EDESC, path, "plugin '%s' declares model '%s' twice",
                                    path, name);
        if (dq_registry_lookup_model(reg, name, NULL)) {
            int rc = dq__registry_add_model(reg, in->models[i], o, err);
            return rc ? rc
                      : dq_error_set(err, DQ_EEXIST, path, "Model '%s' is already registered.",
                                     name);
        }
    }
    return DQ_OK;
}

/* Registers everything of one file; its warnings (an override, say) go to the record as
 * well as to the registry's handler. */
int dq__loader_register(dq_registry_t *reg, const dq_plugin_info_t *in, const char *path,
                        dq__keep_t *keep, dq_load_record_t *rec, dq_error_t *err)
{
    dq__origin_t o = {
        .path = path, .keep = keep, .warnings = rec->message, .warnings_cap = sizeof rec->message};
    int rc = loader_precheck_models(reg, in, &o, err);
    if (rc)
        return rc;
    size_t n_int = 0;
    for (; in->integrators && in->integrators[n_int]; ++n_int) {
        rc = dq__registry_add(reg, in->integrators[n_int], &o, err);
        if (rc)
            break;
    }
    if (rc) {
        /* Take back this file's integrators, newest first. */
        while (n_int-- > 0)
            dq_registry_unregister(reg, in->integrators[n_int]->name, NULL);
        return rc;
    }
    size_t n_mod = 0;
    for (; in->models && in->models[n_mod]; ++n_mod) {
        rc = dq__registry_add_model(reg, in->models[n_mod], &o, err);
        if (rc) {
            /* Only out of memory gets here (see loader_precheck_models); the models that
             * stayed keep the file loaded through their references. */
            for (size_t i = 0; in->integrators && in->integrators[i]; ++i)
                dq_registry_unregister(reg, in->integrators[i]->name, NULL);
            rec->n_models = n_mod;
            return rc;
        }
    }
    rec->n_integrators = n_int;
    rec->n_models = n_mod;
    return DQ_OK;
}
