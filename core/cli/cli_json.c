/* SPDX-License-Identifier: MIT */
/* cli_json.c -- JSON forms of registry entries and load records. */
#include <stdio.h>

#include "cli_json.h"

void cli_flag_words(uint32_t flags, const char **out, size_t *n)
{
    static const struct {
        uint32_t bit;
        const char *word;
    } words[] = {
        {DQ_INTEGRATOR_OVERRIDE, "override"},
        {DQ_INTEGRATOR_DEPRECATED, "deprecated"},
        {DQ_CAP_JACOBIAN, "jacobian"},
        {DQ_CAP_DIFFUSION, "diffusion"},
    };
    *n = 0;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; ++i)
        if (flags & words[i].bit)
            out[(*n)++] = words[i].word;
}

json_t *cli_json_integrator(const dq_integrator_entry_t *e)
{
    json_t *aliases = json_array(), *caps = json_array();
    for (size_t i = 0; e->aliases[i]; ++i)
        json_array_append_new(aliases, json_string(e->aliases[i]));
    const char *words[8];
    size_t n;
    cli_flag_words(e->flags & ~(uint32_t)(DQ_INTEGRATOR_OVERRIDE | DQ_INTEGRATOR_DEPRECATED), words,
                   &n);
    for (size_t i = 0; i < n; ++i)
        json_array_append_new(caps, json_string(words[i]));
    json_t *opts = json_array();
    for (size_t i = 0; i < e->n_options; ++i) {
        const dq_option_desc_t *o = &e->options[i];
        json_t *opt = json_pack("{s:s, s:f, s:s?, s:b}", "name", o->name, "default", o->def, "doc",
                                o->doc, "integer", (o->flags & DQ_OPTION_INTEGER) != 0);
        if (opt && o->min < o->max) {
            json_object_set_new(opt, "min", json_real(o->min));
            json_object_set_new(opt, "max", json_real(o->max));
        }
        json_array_append_new(opts, opt);
    }
    return json_pack("{s:s, s:o, s:s, s:i, s:s, s:b, s:b, s:o, s:o, s:s}", "name", e->name,
                     "aliases", aliases, "category", e->category, "order", e->order, "description",
                     e->description, "override", (e->flags & DQ_INTEGRATOR_OVERRIDE) != 0,
                     "deprecated", (e->flags & DQ_INTEGRATOR_DEPRECATED) != 0, "capabilities", caps,
                     "options", opts, "origin", e->origin);
}

json_t *cli_json_model(const dq_model_entry_t *m)
{
    const dq_model_desc_t *d = m->desc;
    json_t *params = json_array();
    for (size_t i = 0; i < d->n_params; ++i) {
        const dq_param_desc_t *p = &d->params[i];
        json_array_append_new(params,
                              json_pack("{s:s, s:f, s:s?, s:s?, s:b, s:b, s:b}", "name", p->name,
                                        "default", p->def, "unit", p->unit, "doc", p->doc,
                                        "per_unit", (p->flags & DQ_PARAM_PER_UNIT) != 0, "integer",
                                        (p->flags & DQ_PARAM_INTEGER) != 0, "positive",
                                        (p->flags & DQ_PARAM_POSITIVE) != 0));
    }
    json_t *states = json_array();
    for (size_t k = 0; k < cli_model_state_count(m); ++k) {
        const char *module;
        const dq_state_desc_t *s = cli_model_state_at(m, k, &module);
        json_array_append_new(states, json_pack("{s:s, s:s?, s:s?, s:s?, s:b}", "name", s->name,
                                                "module", module, "unit", s->unit, "doc", s->doc,
                                                "diffusion", (s->flags & DQ_STATE_DIFFUSION) != 0));
    }
    return json_pack("{s:s, s:s?, s:o, s:o, s:s}", "name", d->name, "description", d->description,
                     "parameters", params, "states", states, "origin", m->origin);
}

json_t *cli_json_record(const dq_load_record_t *r)
{
    return json_pack("{s:s, s:s, s:s, s:i, s:s, s:i, s:i}", "path", r->path, "stage",
                     dq_load_stage_name(r->stage), "status",
                     r->code == DQ_OK ? "ok" : dq_err_name(r->code), "code", r->code, "message",
                     r->message, "integrators", (int)r->n_integrators, "models", (int)r->n_models);
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
