/* SPDX-License-Identifier: MIT */
/* spec_sweep.c -- parameter sweeps in a run spec: generators ({"linspace": [a, b]},
 * {"logspace": [a, b]}) as a parameter's value, the top-level "sweep" (a Cartesian product
 * of axes), and the values they make for a unit or a contiguous share of the units.
 *
 * Nothing is expanded when the spec is read: the unit count of a generator in "params" is
 * the model's population parameter, which only the model names. The sweep's count is known
 * here (the product of its axes); that it agrees with the population parameter is checked
 * when the run is built. Expansion is O(units) and allocates nothing (dq_spec_param_fill). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec_impl.h"

/* Units a sweep may make: the population parameter is a double, which counts exactly up to
 * 2^53. */
#define SPEC_SWEEP_MAX_UNITS 9007199254740992ull

static const char *const spec_gen_names[] = {"values", "linspace", "logspace"};

/* [first, last] of a generator at path (".params.I_ext.linspace"). */
static int spec_read_ends(dq__spec_ctx_t *c, const char *path, dq_spec_gen_t gen, const json_t *v,
                          dq_spec_param_t *p)
{
    int pair = json_is_array(v) && json_array_size(v) == 2 &&
               json_is_number(json_array_get(v, 0)) && json_is_number(json_array_get(v, 1));
    if (!pair)
        return dq__spec_expected(c, path, "two numbers [first, last]", v);
    p->gen = gen;
    p->first = json_number_value(json_array_get(v, 0));
    p->last = json_number_value(json_array_get(v, 1));
    if (gen == DQ_SPEC_LOGSPACE && !(p->first > 0 && p->last > 0))
        return dq__spec_expected(c, path, "two numbers > 0 [first, last]", v);
    if (gen == DQ_SPEC_LOGSPACE ? !isfinite(p->last / p->first) : !isfinite(p->last - p->first))
        return dq__spec_fail(c, path, "the range is too wide for a double");
    return DQ_OK;
}

int dq__spec_read_gen(dq__spec_ctx_t *c, const char *path, const json_t *obj, dq_spec_param_t *p)
{
    const char *key;
    json_t *v;
    const char *seen = NULL;
    p->stride = 1;
    json_object_foreach ((json_t *)obj, key, v) {
        char sub[SPEC_PATH_MAX];
        dq__spec_path_format(sub, sizeof sub, path, key);
        int which = dq__spec_key(c, path, key, spec_gen_names + 1, 2);
        if (which < 0)
            return DQ_ESPEC;
        if (seen)
            return dq__spec_fail(c, sub,
                                 "give one of linspace and logspace, not both ('%s' and "
                                 "'%s')",
                                 seen, key);
        seen = spec_gen_names[which + 1];
        if (spec_read_ends(c, sub, (dq_spec_gen_t)(which + 1), v, p))
            return DQ_ESPEC;
    }
    if (!seen)
        return dq__spec_expected(c, path,
                                 "a generator {\"linspace\": [first, last]} or "
                                 "{\"logspace\": [first, last]}",
                                 obj);
    return DQ_OK;
}

/* "values": a non-empty array of numbers. */
static int spec_read_list(dq__spec_ctx_t *c, const char *path, const json_t *v, dq_spec_param_t *p)
{
    size_t n = json_array_size(v);
    if (!json_is_array(v) || n == 0)
        return dq__spec_expected(c, path, "a non-empty array of numbers", v);
    if (!(p->v = malloc(n * sizeof *p->v)))
        return dq__spec_nomem(c);
    for (size_t k = 0; k < n; ++k) {
        const json_t *x = json_array_get(v, k);
        if (!json_is_number(x)) {
            char elem[SPEC_PATH_MAX + 32];
            dq__spec_path_index(elem, sizeof elem, path, k);
            return dq__spec_expected(c, elem, "a number", x);
        }
        p->v[k] = json_number_value(x);
    }
    p->gen = DQ_SPEC_VALUES;
    p->len = n;
    p->count = n;
    return DQ_OK;
}

enum spec_axis_key {
    SPEC_AXIS_PARAMETER,
    SPEC_AXIS_VALUES,
    SPEC_AXIS_LINSPACE,
    SPEC_AXIS_LOGSPACE,
    SPEC_AXIS_N,
    SPEC_N_AXIS_KEYS
};

static const char *const spec_axis_keys[SPEC_N_AXIS_KEYS] = {"parameter", "values", "linspace",
                                                             "logspace", "n"};

/* One axis: {"parameter": P, one of "values" / "linspace" / "logspace", "n" for the two
 * generators}. */
static int spec_read_axis(dq__spec_ctx_t *c, const char *path, const json_t *obj,
                          dq_spec_param_t *p)
{
    const char *key, *gen = NULL;
    json_t *v;
    const json_t *n = NULL;
    char sub[SPEC_PATH_MAX];
    if (dq__spec_read_object(c, path, obj))
        return DQ_ESPEC;
    json_object_foreach ((json_t *)obj, key, v) {
        int which = dq__spec_key(c, path, key, spec_axis_keys, SPEC_N_AXIS_KEYS), rc = DQ_OK;
        dq__spec_path_format(sub, sizeof sub, path, key);
        if (which < 0)
            return DQ_ESPEC;
        if (which == SPEC_AXIS_PARAMETER) {
            rc = dq__spec_read_string(c, sub, v, &p->name);
        } else if (which == SPEC_AXIS_N) {
            n = v;
        } else if (gen) {
            rc = dq__spec_fail(c, sub,
                               "give one of values, linspace and logspace, not both ('%s' "
                               "and '%s')",
                               gen, key);
        } else {
            gen = spec_axis_keys[which];
            rc = which == SPEC_AXIS_VALUES
                     ? spec_read_list(c, sub, v, p)
                     : spec_read_ends(c, sub, (dq_spec_gen_t)(which - SPEC_AXIS_VALUES), v, p);
        }
        if (rc)
            return rc;
    }
    if (!p->name)
        return dq__spec_fail(c, path, "\"parameter\" is required: the name of the parameter swept");
    if (!gen)
        return dq__spec_fail(c, path,
                             "give the axis's points: one of values, linspace and "
                             "logspace");
    dq__spec_path_format(sub, sizeof sub, path, "n");
    if (p->gen == DQ_SPEC_VALUES && n)
        return dq__spec_fail(c, sub, "not used with values (the list gives the count, %zu)",
                             p->len);
    if (p->gen != DQ_SPEC_VALUES) {
        uint64_t u;
        if (!n)
            return dq__spec_fail(c, path,
                                 "%s needs \"n\", the number of points (a whole number "
                                 ">= 1)",
                                 gen);
        if (dq__spec_read_whole(c, sub, n, 1, SPEC_SWEEP_MAX_UNITS, &u))
            return DQ_ESPEC;
        p->count = (size_t)u;
    }
    if (!(p->where = dq__spec_path_dup(path, "parameter")))
        return dq__spec_nomem(c);
    return DQ_OK;
}

int dq__spec_read_sweep(dq__spec_ctx_t *c, dq_spec_t *s, const json_t *v)
{
    size_t n = json_array_size(v);
    if (!json_is_array(v) || n == 0)
        return dq__spec_expected(c, ".sweep", "a non-empty array of axes", v);
    if (!(s->sweep = calloc(n, sizeof *s->sweep)))
        return dq__spec_nomem(c);
    s->n_sweep = n;
    for (size_t i = 0; i < n; ++i) {
        char path[64];
        dq__spec_path_index(path, sizeof path, ".sweep", i);
        if (spec_read_axis(c, path, json_array_get(v, i), &s->sweep[i]))
            return DQ_ESPEC;
        for (size_t j = 0; j < i; ++j)
            if (strcmp(s->sweep[j].name, s->sweep[i].name) == 0)
                return dq__spec_fail(c, s->sweep[i].where, "'%s' is swept twice (also by %s)",
                                     s->sweep[i].name, s->sweep[j].where);
    }
    /* Row-major: the last axis varies fastest. */
    size_t stride = 1;
    for (size_t i = n; i-- > 0;) {
        s->sweep[i].stride = stride;
        if (s->sweep[i].count > SPEC_SWEEP_MAX_UNITS / stride)
            return dq__spec_fail(c, ".sweep", "the axes make more than 2^53 units");
        stride *= s->sweep[i].count;
    }
    s->sweep_units = stride;
    return DQ_OK;
}

int dq__spec_check_swept(dq__spec_ctx_t *c, const dq_spec_t *s, int params_last)
{
    for (size_t i = 0; i < s->n_sweep; ++i)
        for (size_t k = 0; k < s->n_params; ++k) {
            if (strcmp(s->sweep[i].name, s->params[k].name) != 0)
                continue;
            if (params_last)
                return dq__spec_fail(c, s->params[k].where,
                                     "'%s' is also swept by %s; give it in one place",
                                     s->params[k].name, s->sweep[i].where);
            return dq__spec_fail(c, s->sweep[i].where,
                                 "'%s' is also given in %s; give it in one place", s->sweep[i].name,
                                 s->params[k].where);
        }
    return DQ_OK;
}

/* The point's value: k of m points. */
static double spec_point(const dq_spec_param_t *p, size_t k, size_t m)
{
    switch (p->gen) {
    case DQ_SPEC_LINSPACE:
        if (m == 1 || k == 0)
            return p->first;
        if (k == m - 1)
            return p->last;
        return p->first + ((p->last - p->first) * (double)k) / (double)(m - 1);
    case DQ_SPEC_LOGSPACE:
        if (m == 1 || k == 0)
            return p->first;
        if (k == m - 1)
            return p->last;
        return p->first * pow(p->last / p->first, (double)k / (double)(m - 1));
    case DQ_SPEC_VALUES:
        break;
    }
    return p->v[p->len == 1 ? 0 : k];
}

double dq_spec_param_value(const dq_spec_param_t *p, size_t units, size_t unit)
{
    if (!p->count)
        return spec_point(p, unit, units);
    return spec_point(p, (unit / (p->stride ? p->stride : 1)) % p->count, p->count);
}

void dq_spec_param_fill(const dq_spec_param_t *p, size_t units, size_t first, size_t count,
                        double *out)
{
    for (size_t i = 0; i < count; ++i)
        out[i] = dq_spec_param_value(p, units, first + i);
}
