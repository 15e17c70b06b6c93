/* SPDX-License-Identifier: MIT */
/* spec_sections.c -- building dq_spec_t from the document, one section at a time. Unknown
 * keys are errors at every level; names (params, options, modules) must be non-empty. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "spec_impl.h"

static int spec_read_params(dq__spec_ctx_t *c, dq_spec_t *s, const json_t *obj)
{
    const char *key;
    json_t *v;
    size_t i = 0;
    if (dq__spec_read_object(c, ".params", obj))
        return DQ_ESPEC;
    if (json_object_size(obj) == 0)
        return DQ_OK;
    if (!(s->params = calloc(json_object_size(obj), sizeof *s->params)))
        return dq__spec_nomem(c);
    s->n_params = json_object_size(obj);
    json_object_foreach ((json_t *)obj, key, v) {
        dq_spec_param_t *p = &s->params[i++];
        char path[SPEC_PATH_MAX], elem[SPEC_PATH_MAX + 32];
        dq__spec_path_format(path, sizeof path, ".params", key);
        if (!*key)
            return dq__spec_fail(c, path, "expected a non-empty parameter name");
        if (!(p->name = dq__strdup(key)) || !(p->where = dq__spec_path_dup(".params", key)))
            return dq__spec_nomem(c);
        p->stride = 1;
        if (json_is_object(v)) {
            int rc = dq__spec_read_gen(c, path, v, p);
            if (rc)
                return rc;
            continue;
        }
        if (json_is_number(v)) {
            if (!(p->v = malloc(sizeof *p->v)))
                return dq__spec_nomem(c);
            p->v[0] = json_number_value(v);
            p->len = 1;
            continue;
        }
        if (!json_is_array(v) || json_array_size(v) == 0)
            return dq__spec_expected(c, path, "a number or an array of numbers", v);
        if (!(p->v = malloc(json_array_size(v) * sizeof *p->v)))
            return dq__spec_nomem(c);
        for (size_t k = 0; k < json_array_size(v); ++k) {
            const json_t *x = json_array_get(v, k);
            if (!json_is_number(x)) {
                dq__spec_path_index(elem, sizeof elem, path, k);
                return dq__spec_expected(c, elem, "a number", x);
            }
            p->v[k] = json_number_value(x);
            p->len = k + 1;
        }
    }
    return DQ_OK;
}

static int spec_read_options(dq__spec_ctx_t *c, dq_spec_t *s, const json_t *obj)
{
    const char *key;
    json_t *v;
    size_t i = 0;
    if (dq__spec_read_object(c, ".solver_options", obj))
        return DQ_ESPEC;
    if (json_object_size(obj) == 0)
        return DQ_OK;
    if (!(s->solver_options = calloc(json_object_size(obj), sizeof *s->solver_options)))
        return dq__spec_nomem(c);
    s->n_solver_options = json_object_size(obj);
    json_object_foreach ((json_t *)obj, key, v) {
        dq_spec_option_t *o = &s->solver_options[i++];
        char path[SPEC_PATH_MAX];
        dq__spec_path_format(path, sizeof path, ".solver_options", key);
        if (!*key)
            return dq__spec_fail(c, path, "expected a non-empty option name");
        if (!json_is_number(v))
            return dq__spec_expected(c, path, "a number", v);
        if (!(o->name = dq__strdup(key)) || !(o->where = dq__spec_path_dup(".solver_options", key)))
            return dq__spec_nomem(c);
        o->value = json_number_value(v);
    }
    return DQ_OK;
}

static const char *const spec_submodule_keys[] = {"solver", "substeps"};

static int spec_read_submodule(dq__spec_ctx_t *c, dq_spec_submodule_t *m, const char *path,
                               const json_t *obj)
{
    const char *key;
    json_t *x;
    json_object_foreach ((json_t *)obj, key, x) {
        char sub[SPEC_PATH_MAX];
        uint64_t u;
        dq__spec_path_format(sub, sizeof sub, path, key);
        int which = dq__spec_key(c, path, key, spec_submodule_keys, 2);
        if (which < 0)
            return DQ_ESPEC;
        int rc = which == 0 ? dq__spec_read_string(c, sub, x, &m->solver)
                            : dq__spec_read_whole(c, sub, x, 1, UINT_MAX, &u);
        if (rc)
            return rc;
        if (which == 1)
            m->substeps = (unsigned)u;
    }
    return DQ_OK;
}

static int spec_read_submodules(dq__spec_ctx_t *c, dq_spec_t *s, const json_t *obj)
{
    const char *key;
    json_t *v;
    size_t i = 0;
    if (dq__spec_read_object(c, ".submodules", obj))
        return DQ_ESPEC;
    if (json_object_size(obj) == 0)
        return DQ_OK;
    if (!(s->submodules = calloc(json_object_size(obj), sizeof *s->submodules)))
        return dq__spec_nomem(c);
    s->n_submodules = json_object_size(obj);
    json_object_foreach ((json_t *)obj, key, v) {
        dq_spec_submodule_t *m = &s->submodules[i++];
        char path[SPEC_PATH_MAX];
        dq__spec_path_format(path, sizeof path, ".submodules", key);
        if (!*key)
            return dq__spec_fail(c, path, "expected a non-empty module name");
        if (dq__spec_read_object(c, path, v))
            return DQ_ESPEC;
        if (!(m->name = dq__strdup(key)) || !(m->where = dq__spec_path_dup(".submodules", key)))
            return dq__spec_nomem(c);
        int rc = spec_read_submodule(c, m, path, v);
        if (rc)
            return rc;
    }
    return DQ_OK;
}

static const char *const spec_record_keys[] = {"states", "every", "units"};

static int spec_read_record(dq__spec_ctx_t *c, dq_spec_t *s, const json_t *obj)
{
    const char *key;
    json_t *v;
    if (dq__spec_read_object(c, ".record", obj))
        return DQ_ESPEC;
    json_object_foreach ((json_t *)obj, key, v) {
        int rc = DQ_ESPEC;
        switch (dq__spec_key(c, ".record", key, spec_record_keys, 3)) {
        case 0:
            rc = dq__spec_read_states(c, s, v);
            break;
        case 1:
            rc = dq__spec_read_whole(c, ".record.every", v, 1, UINT64_MAX, &s->record_every);
            break;
        case 2:
            rc = dq__spec_read_units(c, s, v);
            break;
        }
        if (rc)
            return rc;
    }
    return DQ_OK;
}

/* .adaptive.atol: one number for every state, or an object of per-state numbers. */
static int spec_read_atol(dq__spec_ctx_t *c, dq_spec_t *s, const json_t *v)
{
    const char *path = ".adaptive.atol", *key;
    json_t *x;
    size_t i = 0;
    if (json_is_number(v))
        return dq__spec_read_positive(c, path, v, &s->atol);
    if (!json_is_object(v))
        return dq__spec_expected(c, path, "a positive number or an object of per-state numbers", v);
    if (json_object_size(v) == 0)
        return DQ_OK;
    if (!(s->state_atol = calloc(json_object_size(v), sizeof *s->state_atol)))
        return dq__spec_nomem(c);
    s->n_state_atol = json_object_size(v);
    json_object_foreach ((json_t *)v, key, x) {
        dq_spec_atol_t *a = &s->state_atol[i++];
        char sub[SPEC_PATH_MAX];
        dq__spec_path_format(sub, sizeof sub, path, key);
        if (!*key)
            return dq__spec_fail(c, sub, "expected a non-empty state name");
        if (dq__spec_read_positive(c, sub, x, &a->value))
            return DQ_ESPEC;
        if (!(a->state = dq__strdup(key)) || !(a->where = dq__spec_path_dup(path, key)))
            return dq__spec_nomem(c);
    }
    return DQ_OK;
}

enum spec_adaptive_key {
    SPEC_RTOL,
    SPEC_ATOL,
    SPEC_H0,
    SPEC_HMIN,
    SPEC_HMAX,
    SPEC_MAX_REJECTS,
    SPEC_FIXED_STEP,
    SPEC_N_ADAPTIVE_KEYS
};

static const char *const spec_adaptive_keys[SPEC_N_ADAPTIVE_KEYS] = {
    "rtol", "atol", "h0", "hmin", "hmax", "max_rejects", "fixed_step"};

/* "adaptive": the step control. Step limits that contradict each other within the section
 * are refused here (hmin or h0 above a given hmax); with flags the CLI checks them again. */
static int spec_read_adaptive(dq__spec_ctx_t *c, dq_spec_t *s, const json_t *obj)
{
    const char *key;
    json_t *v;
    const json_t *h0 = NULL, *hmin = NULL, *hmax = NULL;
    if (dq__spec_read_object(c, ".adaptive", obj))
        return DQ_ESPEC;
    s->has_adaptive = 1;
    json_object_foreach ((json_t *)obj, key, v) {
        int rc = DQ_ESPEC;
        uint64_t u;
        switch (dq__spec_key(c, ".adaptive", key, spec_adaptive_keys, SPEC_N_ADAPTIVE_KEYS)) {
        case SPEC_RTOL:
            rc = dq__spec_read_positive(c, ".adaptive.rtol", v, &s->rtol);
            break;
        case SPEC_ATOL:
            rc = spec_read_atol(c, s, v);
            break;
        case SPEC_H0:
            rc = dq__spec_read_nonneg(c, ".adaptive.h0", v, &s->h0);
            h0 = v;
            break;
        case SPEC_HMIN:
            rc = dq__spec_read_nonneg(c, ".adaptive.hmin", v, &s->hmin);
            hmin = v;
            break;
        case SPEC_HMAX:
            rc = dq__spec_read_nonneg(c, ".adaptive.hmax", v, &s->hmax);
            hmax = v;
            break;
        case SPEC_MAX_REJECTS:
            rc = dq__spec_read_whole(c, ".adaptive.max_rejects", v, 1, UINT_MAX, &u);
            s->max_rejects = rc ? 0 : (unsigned)u;
            break;
        case SPEC_FIXED_STEP:
            rc = dq__spec_read_bool(c, ".adaptive.fixed_step", v, &s->fixed_step);
            break;
        }
        if (rc)
            return rc;
    }
    if (s->hmax > 0) {
        char shown[SPEC_SHOW_MAX * 2], limit[SPEC_SHOW_MAX * 2];
        dq__spec_show(hmax, limit, sizeof limit);
        if (s->hmin > s->hmax) {
            dq__spec_show(hmin, shown, sizeof shown);
            return dq__spec_fail(c, ".adaptive.hmin", "%s is larger than .adaptive.hmax %s", shown,
                                 limit);
        }
        if (s->h0 > s->hmax) {
            dq__spec_show(h0, shown, sizeof shown);
            return dq__spec_fail(c, ".adaptive.h0", "%s is larger than .adaptive.hmax %s", shown,
                                 limit);
        }
    }
    return DQ_OK;
}

static const char *const spec_output_keys[] = {"path", "format", "spikes", "provenance", "plot"};

static int spec_read_output(dq__spec_ctx_t *c, dq_spec_t *s, const json_t *obj)
{
    const char *key;
    json_t *v;
    if (dq__spec_read_object(c, ".output", obj))
        return DQ_ESPEC;
    json_object_foreach ((json_t *)obj, key, v) {
        int rc = DQ_ESPEC;
        switch (dq__spec_key(c, ".output", key, spec_output_keys, 5)) {
        case 0:
            rc = dq__spec_read_string(c, ".output.path", v, &s->output_path);
            break;
        case 1: {
            const char *f = json_is_string(v) ? json_string_value(v) : "";
            rc = DQ_OK;
            if (strcmp(f, "csv") == 0)
                s->output_format = DQ_FORMAT_CSV;
            else if (strcmp(f, "json") == 0)
                s->output_format = DQ_FORMAT_JSON;
            else if (strcmp(f, "h5") == 0)
                s->output_format = DQ_FORMAT_H5;
            else
                rc = dq__spec_expected(c, ".output.format", "\"csv\", \"json\" or \"h5\"", v);
            break;
        }
        case 2:
            rc = dq__spec_read_string(c, ".output.spikes", v, &s->spikes_path);
            break;
        case 3: {
            int on = 1;
            rc = dq__spec_read_bool(c, ".output.provenance", v, &on);
            s->no_provenance = !on;
            break;
        }
        case 4:
            rc = dq__spec_read_string(c, ".output.plot", v, &s->plot_path);
            break;
        }
        if (rc)
            return rc;
    }
    return DQ_OK;
}

enum spec_top_key {
    SPEC_MODEL,
    SPEC_PARAMS,
    SPEC_SOLVER,
    SPEC_SOLVER_OPTIONS,
    SPEC_DT,
    SPEC_T_END,
    SPEC_SUBMODULES,
    SPEC_RECORD,
    SPEC_OUTPUT,
    SPEC_SEED,
    SPEC_NOISE_REFINE,
    SPEC_ADAPTIVE,
    SPEC_SWEEP,
    SPEC_MORPHOLOGY,
    SPEC_DISCRETISATION,
    SPEC_CABLE,
    SPEC_STIMULI,
    SPEC_N_TOP_KEYS
};

static const char *const spec_top_keys[SPEC_N_TOP_KEYS] = {
    "model",      "params",     "solver",         "solver_options", "dt",           "t_end",
    "submodules", "record",     "output",         "seed",           "noise_refine", "adaptive",
    "sweep",      "morphology", "discretisation", "cable",          "stimuli"};

int dq__spec_read_top(dq__spec_ctx_t *c, dq_spec_t *s, const json_t *root)
{
    const char *key;
    json_t *v;
    json_object_foreach ((json_t *)root, key, v) {
        int rc = DQ_ESPEC;
        switch (dq__spec_key(c, "", key, spec_top_keys, SPEC_N_TOP_KEYS)) {
        case SPEC_MODEL:
            rc = dq__spec_read_string(c, ".model", v, &s->model);
            break;
        case SPEC_PARAMS:
            rc = spec_read_params(c, s, v);
            if (!rc)
                rc = dq__spec_check_swept(c, s, 1);
            break;
        case SPEC_SOLVER:
            rc = dq__spec_read_string(c, ".solver", v, &s->solver);
            break;
        case SPEC_SOLVER_OPTIONS:
            rc = spec_read_options(c, s, v);
            break;
        case SPEC_DT:
            rc = dq__spec_read_positive(c, ".dt", v, &s->dt);
            s->has_dt = rc == DQ_OK;
            break;
        case SPEC_T_END:
            rc = dq__spec_read_positive(c, ".t_end", v, &s->t_end);
            s->has_t_end = rc == DQ_OK;
            break;
        case SPEC_SUBMODULES:
            rc = spec_read_submodules(c, s, v);
            break;
        case SPEC_RECORD:
            rc = spec_read_record(c, s, v);
            break;
        case SPEC_OUTPUT:
            rc = spec_read_output(c, s, v);
            break;
        case SPEC_SEED:
            rc = dq__spec_read_whole(c, ".seed", v, 0, UINT64_MAX, &s->seed);
            s->has_seed = rc == DQ_OK;
            break;
        case SPEC_NOISE_REFINE: {
            uint64_t r = 0;
            rc = dq__spec_read_whole(c, ".noise_refine", v, 1, 1000000, &r);
            s->noise_refine = (unsigned)r;
            s->has_noise_refine = rc == DQ_OK;
            break;
        }
        case SPEC_ADAPTIVE:
            rc = spec_read_adaptive(c, s, v);
            break;
        case SPEC_SWEEP:
            rc = dq__spec_read_sweep(c, s, v);
            if (!rc)
                rc = dq__spec_check_swept(c, s, 0);
            break;
        case SPEC_MORPHOLOGY:
            rc = dq__spec_read_morphology(c, s, v);
            break;
        case SPEC_DISCRETISATION:
            rc = dq__spec_read_discret(c, s, v);
            break;
        case SPEC_CABLE:
            rc = dq__spec_read_cable(c, s, v);
            break;
        case SPEC_STIMULI:
            rc = dq__spec_read_stimuli(c, s, v);
            break;
        }
        if (rc)
            return rc;
    }
    return DQ_OK;
}
