/* SPDX-License-Identifier: MIT */
/* spec_cable.c -- the run spec's sections for cable models (<dq/host/cable.h>):
 * "morphology" (a file named relative to the spec), "discretisation" (dq_morph_discret_t),
 * "cable" (cm, Ra, v_init) and "stimuli" (current clamps). Only their form is checked
 * here; that the model is a cable model, that the file is a morphology and that the
 * locations name sections is known when the run is built. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec_impl.h"

int dq__spec_read_morphology(dq__spec_ctx_t *c, dq_spec_t *s, const json_t *v)
{
    char *name = NULL;
    if (dq__spec_read_string(c, ".morphology", v, &name))
        return DQ_ESPEC;
    /* Relative to the spec file's directory, so a spec and its cell move together. */
    const char *slash = strrchr(c->source, '/');
    if (name[0] == '/' || !slash) {
        s->morphology = name;
        return DQ_OK;
    }
    size_t dir = (size_t)(slash - c->source) + 1, len = strlen(name);
    s->morphology = malloc(dir + len + 1);
    if (s->morphology) {
        memcpy(s->morphology, c->source, dir);
        memcpy(s->morphology + dir, name, len + 1);
    }
    free(name);
    return s->morphology ? DQ_OK : dq__spec_nomem(c);
}

enum spec_discret_key {
    SPEC_RULE,
    SPEC_D_LAMBDA,
    SPEC_FREQ,
    SPEC_MAX_LENGTH,
    SPEC_NSEG,
    SPEC_N_DISCRET_KEYS
};

static const char *const spec_discret_keys[SPEC_N_DISCRET_KEYS] = {"rule", "d_lambda", "freq",
                                                                   "max_length", "nseg"};
/* The rule each key belongs to (the rule itself: -1). */
static const int spec_discret_rule_of[SPEC_N_DISCRET_KEYS] = {
    -1, DQ_MORPH_RULE_DLAMBDA, DQ_MORPH_RULE_DLAMBDA, DQ_MORPH_RULE_LENGTH, DQ_MORPH_RULE_NSEG};
static const char *const spec_rule_names[] = {"d_lambda", "length", "nseg"};

/* "discretisation": {"rule": "d_lambda" | "length" | "nseg", and that rule's keys}. A key of
 * another rule is refused rather than ignored: {"rule": "nseg", "max_length": 20} says two
 * things and only one can hold. NEURON's limit of 32767 segments bounds nseg. */
int dq__spec_read_discret(dq__spec_ctx_t *c, dq_spec_t *s, const json_t *obj)
{
    const char *key;
    json_t *v;
    const char *given[SPEC_N_DISCRET_KEYS] = {0};
    if (dq__spec_read_object(c, ".discretisation", obj))
        return DQ_ESPEC;
    s->has_discret = 1;
    dq_morph_discret_t *o = &s->discret;
    json_object_foreach ((json_t *)obj, key, v) {
        char sub[SPEC_PATH_MAX];
        uint64_t n = 0;
        int rc = DQ_OK;
        int which = dq__spec_key(c, ".discretisation", key, spec_discret_keys, SPEC_N_DISCRET_KEYS);
        if (which < 0)
            return DQ_ESPEC;
        dq__spec_path_format(sub, sizeof sub, ".discretisation", key);
        given[which] = key;
        switch (which) {
        case SPEC_RULE: {
            const char *r = json_is_string(v) ? json_string_value(v) : "";
            int k = 0;
            while (k < 3 && strcmp(r, spec_rule_names[k]) != 0)
                ++k;
            if (k == 3)
                return dq__spec_expected(c, sub, "\"d_lambda\", \"length\" or \"nseg\"", v);
            o->rule = (dq_morph_rule_t)k;
            break;
        }
        case SPEC_D_LAMBDA:
            rc = dq__spec_read_positive(c, sub, v, &o->d_lambda);
            break;
        case SPEC_FREQ:
            rc = dq__spec_read_positive(c, sub, v, &o->freq);
            break;
        case SPEC_MAX_LENGTH:
            rc = dq__spec_read_positive(c, sub, v, &o->max_length);
            break;
        case SPEC_NSEG:
            rc = dq__spec_read_whole(c, sub, v, 1, 32767, &n);
            o->nseg = (int)n;
            break;
        }
        if (rc)
            return rc;
    }
    for (int k = 1; k < SPEC_N_DISCRET_KEYS; ++k)
        if (given[k] && spec_discret_rule_of[k] != (int)o->rule) {
            char sub[SPEC_PATH_MAX];
            dq__spec_path_format(sub, sizeof sub, ".discretisation", given[k]);
            return dq__spec_fail(c, sub, "belongs to the rule \"%s\", not to \"%s\"%s",
                                 spec_rule_names[spec_discret_rule_of[k]], spec_rule_names[o->rule],
                                 given[SPEC_RULE] ? "" : " (the default rule)");
        }
    if (o->rule == DQ_MORPH_RULE_LENGTH && !given[SPEC_MAX_LENGTH])
        return dq__spec_fail(c, ".discretisation.max_length",
                             "required by the rule \"length\" (the longest segment, um)");
    return DQ_OK;
}

static const char *const spec_cable_keys[] = {"cm", "Ra", "v_init"};

/* "cable": {"cm": µF/cm² > 0, "Ra": Ω·cm > 0, "v_init": mV}, each optional. */
int dq__spec_read_cable(dq__spec_ctx_t *c, dq_spec_t *s, const json_t *obj)
{
    const char *key;
    json_t *v;
    if (dq__spec_read_object(c, ".cable", obj))
        return DQ_ESPEC;
    s->has_cable = 1;
    json_object_foreach ((json_t *)obj, key, v) {
        int rc = DQ_ESPEC;
        switch (dq__spec_key(c, ".cable", key, spec_cable_keys, 3)) {
        case 0:
            rc = dq__spec_read_positive(c, ".cable.cm", v, &s->cm);
            break;
        case 1:
            rc = dq__spec_read_positive(c, ".cable.Ra", v, &s->Ra);
            break;
        case 2:
            rc = dq__spec_read_number(c, ".cable.v_init", v, &s->v_init);
            break;
        }
        if (rc)
            return rc;
    }
    return DQ_OK;
}

static const char *const spec_stim_keys[] = {"at", "delay", "dur", "amp"};
/* What each key is, said when a required one is missing ("delay" has a default). */
static const char *const spec_stim_what[] = {"the location, e.g. \"soma(0.5)\"", NULL,
                                             "the duration, ms", "the current, nA"};

static int spec_read_stim(dq__spec_ctx_t *c, dq_spec_stim_t *st, const char *path,
                          const json_t *obj)
{
    const char *key;
    json_t *v;
    int seen[4] = {0, 1, 0, 0};
    if (dq__spec_read_object(c, path, obj))
        return DQ_ESPEC;
    if (!(st->where = dq__strdup(path)))
        return dq__spec_nomem(c);
    json_object_foreach ((json_t *)obj, key, v) {
        char sub[SPEC_PATH_MAX];
        int rc = DQ_ESPEC, which = dq__spec_key(c, path, key, spec_stim_keys, 4);
        if (which < 0)
            return DQ_ESPEC;
        dq__spec_path_format(sub, sizeof sub, path, key);
        switch (which) {
        case 0:
            rc = dq__spec_read_string(c, sub, v, &st->at);
            break;
        case 1:
            rc = dq__spec_read_nonneg(c, sub, v, &st->delay);
            break;
        case 2:
            rc = dq__spec_read_nonneg(c, sub, v, &st->dur);
            break;
        case 3:
            rc = dq__spec_read_number(c, sub, v, &st->amp);
            break;
        }
        if (rc)
            return rc;
        seen[which] = 1;
    }
    for (int k = 0; k < 4; ++k)
        if (!seen[k]) {
            char sub[SPEC_PATH_MAX];
            dq__spec_path_format(sub, sizeof sub, path, spec_stim_keys[k]);
            return dq__spec_fail(c, sub, "required (%s)", spec_stim_what[k]);
        }
    return DQ_OK;
}

/* "stimuli": an array (maybe empty) of {"at", "delay" (default 0), "dur", "amp"}. */
int dq__spec_read_stimuli(dq__spec_ctx_t *c, dq_spec_t *s, const json_t *v)
{
    if (!json_is_array(v))
        return dq__spec_expected(c, ".stimuli", "an array of stimuli", v);
    s->has_stimuli = 1;
    size_t n = json_array_size(v);
    if (n == 0)
        return DQ_OK;
    if (!(s->stimuli = calloc(n, sizeof *s->stimuli)))
        return dq__spec_nomem(c);
    s->n_stimuli = n;
    for (size_t i = 0; i < n; ++i) {
        char path[64];
        dq__spec_path_index(path, sizeof path, ".stimuli", i);
        int rc = spec_read_stim(c, &s->stimuli[i], path, json_array_get(v, i));
        if (rc)
            return rc;
    }
    return DQ_OK;
}
