/* SPDX-License-Identifier: MIT */
/* params.c -- parameter binding: defaults, the user's values (checked), the population,
 * and the instance struct the model's callbacks read, as json_unpack binds fields. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "system_impl.h"

static int params_unknown(const dq_model_desc_t *m, const char *name, const char *where,
                          dq_error_t *err)
{
    const char *names[64];
    size_t n = m->n_params < 64 ? m->n_params : 64;
    for (size_t i = 0; i < n; ++i)
        names[i] = m->params[i].name;
    char w[256];
    dq__unknown_t u = {.name = name,
                       .candidates = names,
                       .n_candidates = n,
                       .label = "Parameters",
                       .none = "Parameters: (none)."};
    int rc = dq__error_unknown(err, DQ_EINVAL, NULL, &u, "%smodel '%s' has no parameter '%s'.",
                               dq__where_prefix(where, w, sizeof w), m->name, name);
    return dq__error_mark_where(err, where, rc);
}

static int params_check_value(const dq_model_desc_t *m, const dq_param_desc_t *p, double v,
                              const char *pre, dq_error_t *err)
{
    if (!isfinite(v))
        return dq_error_set(err, DQ_EINVAL, NULL,
                            "%sparameter '%s' of model '%s' must be a finite number", pre, p->name,
                            m->name);
    if ((p->flags & (DQ_PARAM_INTEGER | DQ_PARAM_POPULATION)) &&
        (v != floor(v) || fabs(v) > 9.0e15))
        return dq_error_set(err, DQ_EINVAL, NULL,
                            "%sparameter '%s' of model '%s' must be a whole number, got %.17g", pre,
                            p->name, m->name, v);
    if ((p->flags & (DQ_PARAM_POSITIVE | DQ_PARAM_POPULATION)) && !(v > 0.0))
        return dq_error_set(err, DQ_EINVAL, NULL,
                            "%sparameter '%s' of model '%s' must be positive, got %.17g", pre,
                            p->name, m->name, v);
    return DQ_OK;
}

/* The argument that sets parameter i, or NULL (the last one wins). */
static const dq_param_arg_t *params_arg(const dq_param_arg_t *args, size_t n_args, const char *name)
{
    const dq_param_arg_t *found = NULL;
    for (size_t a = 0; a < n_args; ++a)
        if (strcmp(args[a].name, name) == 0)
            found = &args[a];
    return found;
}

/* Writes parameter i into the instance: a double, or a pointer to its per-unit array
 * (capacity long; padding lanes repeat the last unit). */
static int params_bind(dq_system_t *sys, size_t i, const dq_param_arg_t *a)
{
    const dq_param_desc_t *p = &sys->model.params[i];
    const double *v = a ? a->v : &p->def;
    size_t len = a ? a->len : 1;
    if (p->flags & DQ_PARAM_PER_UNIT) {
        double *arr = dq__alloc_doubles(sys->capacity);
        if (!arr)
            return DQ_ENOMEM;
        for (size_t u = 0; u < sys->capacity; ++u)
            arr[u] = len > 1 ? v[u < sys->units ? u : sys->units - 1] : v[0];
        sys->param_arrays[i] = arr;
        const double *ptr = arr;
        if (sys->data)
            memcpy((char *)sys->data + p->offset, &ptr, sizeof ptr);
    } else if (sys->data) {
        memcpy((char *)sys->data + p->offset, &v[0], sizeof(double));
    }
    return DQ_OK;
}

int dq__system_bind_params(dq_system_t *sys, const dq_param_arg_t *args, size_t n_args,
                           dq_error_t *err)
{
    const dq_model_desc_t *m = &sys->model;
    char w[256];
    /* Every argument names a parameter and has values the parameter accepts. */
    for (size_t a = 0; a < n_args; ++a) {
        const char *pre = dq__where_prefix(args[a].where, w, sizeof w);
        size_t i = 0;
        while (i < m->n_params && strcmp(m->params[i].name, args[a].name) != 0)
            ++i;
        if (i == m->n_params)
            return params_unknown(m, args[a].name, args[a].where, err);
        const dq_param_desc_t *p = &m->params[i];
        if (args[a].len == 0 || (args[a].len > 1 && !(p->flags & DQ_PARAM_PER_UNIT)))
            return dq__error_mark_where(
                err, args[a].where,
                dq_error_set(err, DQ_EINVAL, NULL,
                             "%sparameter '%s' of model '%s' takes one value, got %zu", pre,
                             p->name, m->name, args[a].len));
        for (size_t k = 0; k < args[a].len; ++k) {
            int rc = params_check_value(m, p, args[a].v[k], pre, err);
            if (rc)
                return dq__error_mark_where(err, args[a].where, rc);
        }
    }
    /* The population: the parameter flagged for it, or one unit. */
    sys->units = 1;
    for (size_t i = 0; i < m->n_params; ++i)
        if (m->params[i].flags & DQ_PARAM_POPULATION) {
            const dq_param_arg_t *a = params_arg(args, n_args, m->params[i].name);
            double v = a ? a->v[0] : m->params[i].def;
            if (!a && params_check_value(m, &m->params[i], v, "", err))
                return err ? err->code : DQ_EDESC;
            sys->units = (size_t)v;
        }
    sys->capacity = DQ_UNITS_PADDED(sys->units);
    for (size_t a = 0; a < n_args; ++a)
        if (args[a].len > 1 && args[a].len != sys->units)
            return dq__error_mark_where(
                err, args[a].where,
                dq_error_set(err, DQ_EINVAL, NULL,
                             "%sparameter '%s' of model '%s' has %zu values but "
                             "the model has %zu units",
                             dq__where_prefix(args[a].where, w, sizeof w), args[a].name, m->name,
                             args[a].len, sys->units));
    sys->param_arrays = calloc(m->n_params ? m->n_params : 1, sizeof *sys->param_arrays);
    if (!sys->param_arrays)
        return dq_error_set(err, DQ_ENOMEM, NULL, "out of memory");
    if (m->data_size) {
        sys->data = calloc(1, m->data_size);
        if (!sys->data)
            return dq_error_set(err, DQ_ENOMEM, NULL, "out of memory");
    }
    for (size_t i = 0; i < m->n_params; ++i)
        if (params_bind(sys, i, params_arg(args, n_args, m->params[i].name)))
            return dq_error_set(err, DQ_ENOMEM, NULL, "out of memory for %zu units", sys->units);
    if (m->create) {
        char msg[512] = "";
        int rc = m->create(sys->data, sys->units, msg, sizeof msg);
        if (rc)
            return dq_error_set(err, rc < 0 ? rc : DQ_EMODEL, NULL, "model '%s': %s", m->name,
                                msg[0] ? msg : dq_strerror(rc));
        sys->created = 1;
    }
    return DQ_OK;
}

void dq__system_free_params(dq_system_t *sys)
{
    if (sys->created && sys->model.destroy)
        sys->model.destroy(sys->data);
    free(sys->data);
    for (size_t i = 0; sys->param_arrays && i < sys->model.n_params; ++i)
        free(sys->param_arrays[i]);
    free(sys->param_arrays);
}
