/* SPDX-License-Identifier: MIT */
/* cli_json.c -- JSON forms of registry entries and load records. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_json.h"
#include "utf8.h"

json_t *cli_json_str(const char *s)
{
    if (!s)
        return json_null();
    const unsigned char *u = (const unsigned char *)s;
    size_t bad = 0, len = 0;
    for (uint32_t cp; u[len];) {
        size_t n = dq__utf8_decode(u + len, &cp);
        bad += n == 0;
        len += n ? n : 1;
    }
    if (!bad)
        return json_stringn(s, len);
    /* Each byte that is not UTF-8 becomes U+FFFD (3 bytes), so the document stays valid
     * and the entry stays in it; jansson would refuse the whole string. */
    char *fixed = malloc(len + 2 * bad + 1);
    if (!fixed)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = dq__utf8_decode(u + i, &cp);
        if (n == 0) {
            memcpy(fixed + o, "\xef\xbf\xbd", 3);
            o += 3;
            i += 1;
        } else {
            memcpy(fixed + o, s + i, n);
            o += n;
            i += n;
        }
    }
    json_t *j = json_stringn(fixed, o);
    free(fixed);
    return j;
}

int cli_json_append(json_t *array, json_t *item)
{
    /* json_array_append_new releases item even when it fails. */
    return item && array && json_array_append_new(array, item) == 0 ? 0 : -1;
}

void cli_flag_words(uint32_t flags, const char **out, size_t *n)
{
    static const struct {
        uint32_t bit;
        const char *word;
    } words[] = {
        {DQ_INTEGRATOR_OVERRIDE, "override"}, {DQ_INTEGRATOR_DEPRECATED, "deprecated"},
        {DQ_CAP_JACOBIAN, "jacobian"},        {DQ_CAP_DIFFUSION, "diffusion"},
        {DQ_CAP_ADAPTIVE, "adaptive"},
    };
    *n = 0;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; ++i)
        if (flags & words[i].bit)
            out[(*n)++] = words[i].word;
}

json_t *cli_json_integrator(const dq_integrator_entry_t *e)
{
    json_t *aliases = json_array(), *caps = json_array();
    int bad = 0;
    for (size_t i = 0; e->aliases[i]; ++i)
        bad |= cli_json_append(aliases, cli_json_str(e->aliases[i]));
    const char *words[8];
    size_t n;
    cli_flag_words(e->flags & ~(uint32_t)(DQ_INTEGRATOR_OVERRIDE | DQ_INTEGRATOR_DEPRECATED), words,
                   &n);
    for (size_t i = 0; i < n; ++i)
        bad |= cli_json_append(caps, json_string(words[i]));
    json_t *opts = json_array();
    for (size_t i = 0; i < e->n_options; ++i) {
        const dq_option_desc_t *o = &e->options[i];
        json_t *opt =
            json_pack("{s:o, s:f, s:o, s:b}", "name", cli_json_str(o->name), "default", o->def,
                      "doc", cli_json_str(o->doc), "integer", (o->flags & DQ_OPTION_INTEGER) != 0);
        if (opt && o->min < o->max) {
            json_object_set_new(opt, "min", json_real(o->min));
            json_object_set_new(opt, "max", json_real(o->max));
        }
        bad |= cli_json_append(opts, opt);
    }
    json_t *j = json_pack(
        "{s:o, s:o, s:o, s:i, s:o, s:b, s:b, s:o, s:o, s:o}", "name", cli_json_str(e->name),
        "aliases", aliases, "category", cli_json_str(e->category), "order", e->order, "description",
        cli_json_str(e->description), "override", (e->flags & DQ_INTEGRATOR_OVERRIDE) != 0,
        "deprecated", (e->flags & DQ_INTEGRATOR_DEPRECATED) != 0, "capabilities", caps, "options",
        opts, "origin", cli_json_str(e->origin));
    /* SDE solvers: orders that need not be whole, and the calculus; null for the others. */
    const int sde = (e->flags & DQ_CAP_DIFFUSION) != 0;
    bad |= !j ||
           json_object_set_new(j, "strong_order",
                               sde && e->strong_order > 0 ? json_real(e->strong_order)
                                                          : json_null()) ||
           json_object_set_new(j, "weak_order",
                               sde && e->weak_order > 0 ? json_real(e->weak_order) : json_null()) ||
           json_object_set_new(
               j, "calculus",
               sde && e->calculus
                   ? json_string(e->calculus == DQ_CALCULUS_ITO ? "ito" : "stratonovich")
                   : json_null());
    /* Error-controlled solvers: the embedded and dense-output orders; null for the others
     * (and while unknown). */
    int p, d;
    cli_adaptive_orders(e, &p, &d);
    bad |= !j || json_object_set_new(j, "error_order", p > 0 ? json_integer(p) : json_null()) ||
           json_object_set_new(j, "dense_order", d > 0 ? json_integer(d) : json_null());
    if (bad) {
        json_decref(j);
        return NULL;
    }
    return j;
}

json_t *cli_json_model(const dq_model_entry_t *m)
{
    const dq_model_desc_t *d = m->desc;
    json_t *params = json_array();
    int bad = 0;
    for (size_t i = 0; i < d->n_params; ++i) {
        const dq_param_desc_t *p = &d->params[i];
        bad |= cli_json_append(params, json_pack("{s:o, s:f, s:o, s:o, s:b, s:b, s:b}", "name",
                                                 cli_json_str(p->name), "default", p->def, "unit",
                                                 cli_json_str(p->unit), "doc", cli_json_str(p->doc),
                                                 "per_unit", (p->flags & DQ_PARAM_PER_UNIT) != 0,
                                                 "integer", (p->flags & DQ_PARAM_INTEGER) != 0,
                                                 "positive", (p->flags & DQ_PARAM_POSITIVE) != 0));
    }
    json_t *states = json_array();
    for (size_t k = 0; k < cli_model_state_count(m); ++k) {
        const char *module;
        const dq_state_desc_t *s = cli_model_state_at(m, k, &module);
        bad |= cli_json_append(states,
                               json_pack("{s:o, s:o, s:o, s:o, s:b}", "name", cli_json_str(s->name),
                                         "module", cli_json_str(module), "unit",
                                         cli_json_str(s->unit), "doc", cli_json_str(s->doc),
                                         "diffusion", (s->flags & DQ_STATE_DIFFUSION) != 0));
    }
    json_t *j = json_pack("{s:o, s:o, s:o, s:o, s:o}", "name", cli_json_str(d->name), "description",
                          cli_json_str(d->description), "parameters", params, "states", states,
                          "origin", cli_json_str(m->origin));
    if (bad) {
        json_decref(j);
        return NULL;
    }
    return j;
}

json_t *cli_json_record(const dq_load_record_t *r)
{
    return json_pack("{s:o, s:s, s:s, s:i, s:o, s:i, s:i}", "path", cli_json_str(r->path), "stage",
                     dq_load_stage_name(r->stage), "status",
                     r->code == DQ_OK ? "ok" : dq_err_name(r->code), "code", r->code, "message",
                     cli_json_str(r->message), "integrators", (int)r->n_integrators, "models",
                     (int)r->n_models);
}

int cli_json_emit(json_t *doc)
{
    if (!doc) {
        cli_errorf("out of memory while building JSON output");
        return DQ_EXIT_FAILURE;
    }
    int rc = json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
    json_decref(doc);
    if (rc != 0 || fputc('\n', stdout) == EOF) {
        cli_errorf("cannot write JSON output");
        return DQ_EXIT_FAILURE;
    }
    return DQ_EXIT_OK;
}
