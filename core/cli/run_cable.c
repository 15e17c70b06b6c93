/* SPDX-License-Identifier: MIT */
/* run_cable.c -- `dqhost run` for cable models (<dq/host/cable.h>): the morphology, the
 * discretisation, the cable's cm, Ra and v_init and the current clamps, from the spec and
 * the flags; the system built on them; what the summary and the provenance say of them.
 *
 * Decisions:
 *  - Cable settings with a model that is not a cable model are refused, naming the first
 *    one given: they would be silently meaningless.
 *  - --stim replaces the spec's stimuli (all of them): adding to them would leave no way
 *    to remove one from the command line.
 *  - A stimulus at a location that names no section is reported at its place
 *    (".stimuli[1].at", or the --stim flag): the library says which location failed, the
 *    plan knows where it was written. That place is found only when building failed.
 *  - The recording default is "V" (the root compartment): every state of every
 *    compartment is rarely wanted and can be thousands of columns a cell. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dq/cable.h>

#include "cmd_morph.h"
#include "run.h"

static const char *const run_rule_names[] = {"d_lambda", "length", "nseg"};

/* "AT:DELAY:DUR:AMP", split at the last three colons (a location holds none). */
static int run_cable_parse_stim(const char *text, run_mem_t *mem, dq_cable_stim_t *st)
{
    const char *c[3] = {NULL, NULL, NULL};
    const char *end = text + strlen(text);
    int k = 2;
    for (const char *q = end; q > text && k >= 0; --q)
        if (q[-1] == ':')
            c[k--] = q - 1;
    if (k >= 0 || c[0] == text) {
        cli_errorf("run: --stim expects AT:DELAY:DUR:AMP (e.g. soma(0.5):5:40:0.2), got '%s'",
                   text);
        return -1;
    }
    char *copy = run_keep(mem, strdup(text));
    if (!copy) {
        cli_errorf("out of memory");
        return -1;
    }
    static const char *const what[] = {"DELAY", "DUR", "AMP"};
    double v[3];
    for (int i = 0; i < 3; ++i)
        copy[c[i] - text] = '\0';
    for (int i = 0; i < 3; ++i) {
        char label[64];
        snprintf(label, sizeof label, "run: --stim %s", what[i]);
        if (cli_parse_double(copy + (c[i] - text) + 1, label, &v[i]))
            return -1;
        if (i < 2 && v[i] < 0) {
            cli_errorf("run: --stim %s must be >= 0, got '%s'", what[i], copy + (c[i] - text) + 1);
            return -1;
        }
    }
    *st = (dq_cable_stim_t){.at = copy, .delay = v[0], .dur = v[1], .amp = v[2]};
    return 0;
}

/* "d_lambda", "d_lambda:D", "length:L" or "nseg:N" over the spec's discretisation. */
static int run_cable_parse_discret(const char *text, dq_morph_discret_t *o)
{
    const char *colon = strchr(text, ':');
    size_t n = colon ? (size_t)(colon - text) : strlen(text);
    int rule = 0;
    while (rule < 3 &&
           !(strlen(run_rule_names[rule]) == n && !strncmp(text, run_rule_names[rule], n)))
        ++rule;
    if (rule == 3 || (!colon && rule != DQ_MORPH_RULE_DLAMBDA)) {
        cli_errorf("run: --discretisation expects d_lambda[:D], length:L or nseg:N, got '%s'",
                   text);
        return -1;
    }
    o->rule = (dq_morph_rule_t)rule;
    if (!colon)
        return 0;
    char label[64];
    double v;
    snprintf(label, sizeof label, "run: --discretisation %s", run_rule_names[rule]);
    if (cli_parse_double(colon + 1, label, &v))
        return -1;
    if (rule == DQ_MORPH_RULE_NSEG && (v < 1 || v > 32767 || v != floor(v))) {
        cli_errorf("run: --discretisation nseg must be a whole number from 1 to 32767, got '%s'",
                   colon + 1);
        return -1;
    }
    if (!(v > 0)) {
        cli_errorf("run: --discretisation %s must be > 0, got '%s'", run_rule_names[rule],
                   colon + 1);
        return -1;
    }
    if (rule == DQ_MORPH_RULE_DLAMBDA)
        o->d_lambda = v;
    else if (rule == DQ_MORPH_RULE_LENGTH)
        o->max_length = v;
    else
        o->nseg = (int)v;
    return 0;
}

/* --cm, --Ra (> 0) and --v-init (any number). */
static int run_cable_parse_value(const char *text, const char *flag, int positive, double *out)
{
    char label[64];
    snprintf(label, sizeof label, "run: %s", flag);
    if (cli_parse_double(text, label, out))
        return -1;
    if (positive && !(*out > 0)) {
        cli_errorf("run: %s must be > 0, got '%s'", flag, text);
        return -1;
    }
    return 0;
}

static void run_cable_given(run_plan_t *p, const char *what)
{
    if (!p->cable_given)
        p->cable_given = what;
}

int run_cable_plan(run_plan_t *p, const dq_spec_t *spec, const run_opts_t *o, run_mem_t *mem)
{
    dq_cable_opts_init(&p->cable);
    if (spec && spec->morphology) {
        p->morph_path = spec->morphology;
        p->morph_where = ".morphology";
        run_cable_given(p, ".morphology");
    }
    if (spec && spec->has_discret) {
        p->cable.discret = spec->discret;
        p->discret_where = ".discretisation";
        run_cable_given(p, ".discretisation");
    }
    if (spec && spec->has_cable) {
        p->cable.cm = spec->cm;
        p->cable.Ra = spec->Ra;
        p->cable.v_init = spec->v_init;
        run_cable_given(p, ".cable");
    }
    if (spec && spec->has_stimuli) {
        if (spec->n_stimuli > RUN_MAX) {
            cli_errorf("%s: .stimuli: %zu stimuli, more than the %d a run takes", spec->path,
                       spec->n_stimuli, RUN_MAX);
            return -1;
        }
        for (size_t i = 0; i < spec->n_stimuli; ++i) {
            const dq_spec_stim_t *s = &spec->stimuli[i];
            p->stim[i] = (dq_cable_stim_t){s->at, s->delay, s->dur, s->amp};
            p->stim_where[i] = s->where;
        }
        p->cable.n_stim = spec->n_stimuli;
        run_cable_given(p, ".stimuli");
    }
    if (o->morphology) {
        p->morph_path = o->morphology;
        p->morph_where = NULL;
        run_cable_given(p, "--morphology");
    }
    if (o->discret) {
        if (run_cable_parse_discret(o->discret, &p->cable.discret))
            return -1;
        p->discret_where = "--discretisation";
        run_cable_given(p, "--discretisation");
    }
    const struct {
        const char *text, *flag;
        int positive;
        double *dst;
    } vals[] = {{o->cm, "--cm", 1, &p->cable.cm},
                {o->Ra, "--Ra", 1, &p->cable.Ra},
                {o->v_init, "--v-init", 0, &p->cable.v_init}};
    for (size_t k = 0; k < sizeof vals / sizeof vals[0]; ++k) {
        if (!vals[k].text)
            continue;
        if (run_cable_parse_value(vals[k].text, vals[k].flag, vals[k].positive, vals[k].dst))
            return -1;
        run_cable_given(p, vals[k].flag);
    }
    if (o->n_stims)
        p->cable.n_stim = 0; /* the flags replace the spec's stimuli */
    for (size_t i = 0; i < o->n_stims; ++i) {
        char *where = run_keep(mem, malloc(strlen(o->stims[i]) + 16));
        if (!where) {
            cli_errorf("out of memory");
            return -1;
        }
        sprintf(where, "--stim '%s'", o->stims[i]);
        if (run_cable_parse_stim(o->stims[i], mem, &p->stim[i]))
            return -1;
        p->stim_where[i] = where;
        p->cable.n_stim = i + 1;
        run_cable_given(p, "--stim");
    }
    p->cable.stim = p->stim;
    return 0;
}

int run_cable_prepare(run_plan_t *p, const dq_model_desc_t *model)
{
    p->cable_desc = model->cable;
    if (!model->cable) {
        if (!p->cable_given)
            return 0;
        cli_errorf("%s: %s: model '%s' is not a cable model (morphology, discretisation, cable "
                   "and stimuli need a model with compartments, e.g. 'cell')",
                   p->cable_given[0] == '.' ? p->spec_path : "run", p->cable_given, model->name);
        return -1;
    }
    if (!p->morph_path) {
        if (p->spec_path)
            cli_errorf("%s: .morphology: required: model '%s' is a cable model (in the spec or "
                       "as --morphology FILE)",
                       p->spec_path, model->name);
        else
            cli_errorf("run: model '%s' is a cable model: --morphology FILE is required",
                       model->name);
        return -1;
    }
    dq_error_t err = {0};
    if (!(p->morph = dq_morph_load(p->morph_path, &err))) {
        if (err.code == DQ_EIO && p->morph_where)
            cli_errorf("%s: %s: %s", p->spec_path, p->morph_where, err.message);
        else
            morph_print_error(p->morph_path, &err);
        return -1;
    }
    /* The rule on this morphology (the cm and Ra it sees are the run's): its errors are
     * the discretisation's, said at its place before the system hides where they came from. */
    dq_morph_discret_t d = p->cable.discret;
    double v_init;
    run_cable_values(p, &d.cm, &d.Ra, &v_init);
    dq_morph_cable_t *c = dq_morph_cable_new(p->morph, &d, &err);
    if (!c) {
        const char *w = p->discret_where;
        cli_errorf("%s: %s%s%s: %s", w && w[0] == '.' ? p->spec_path : "run", w ? w : "",
                   w ? ": " : "", p->morph_path, err.message);
        return -1;
    }
    dq_morph_cable_free(c);
    if (p->recording && !p->n_rec_states) {
        static const char *const root_v[] = {"V"};
        p->rec_states = root_v;
        p->n_rec_states = 1;
        p->rec_states_where = NULL;
    }
    return 0;
}

void run_cable_free(run_plan_t *p)
{
    dq_morph_free(p->morph);
    p->morph = NULL;
}

/* err := "<where>: <message>" at the place of a stimulus or a recorded location. */
static void run_cable_place(dq_error_t *err, const char *where, const char *suffix,
                            const dq_error_t *why)
{
    dq_error_t e = {0};
    dq_error_set_at(&e, why->code, where[0] == '.' ? DQ_PLACE_SPEC : DQ_PLACE_NONE, NULL,
                    "%s%s: %s", where, suffix, why->message);
    *err = e;
}

dq_system_t *run_cable_new(const run_plan_t *p, const dq_model_desc_t *model, dq_error_t *err)
{
    dq_system_t *sys = dq_system_new_cable(model, p->params, p->n_params, p->morph, &p->cable, err);
    if (sys || !p->cable.n_stim || err->code == DQ_ENOMEM)
        return sys;
    /* Which stimulus: the same system without stimuli locates each one. */
    dq_cable_opts_t bare = p->cable;
    bare.stim = NULL;
    bare.n_stim = 0;
    dq_error_t e = {0};
    dq_system_t *probe = dq_system_new_cable(model, p->params, p->n_params, p->morph, &bare, &e);
    for (size_t i = 0; probe && i < p->cable.n_stim; ++i) {
        dq_error_clear(&e);
        if (dq_system_cable_locate(probe, p->stim[i].at, &e) < 0) {
            run_cable_place(err, p->stim_where[i], p->stim_where[i][0] == '.' ? ".at" : "", &e);
            break;
        }
    }
    dq_system_free(probe);
    return NULL;
}

/* The distinct state names of a cable system without their compartments: "V, m, h, n". */
static void run_cable_state_bases(const dq_system_t *sys, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t s = 0; s < dq_system_state_count(sys); ++s) {
        const char *name = dq_system_state_name(sys, s);
        char item[128];
        snprintf(item, sizeof item, "%.*s", (int)strcspn(name, "["), name);
        size_t len = strlen(item);
        int seen = 0; /* a handful of names, each listed once */
        for (const char *q = buf; !seen && (q = strstr(q, item)); q += len)
            seen = (q == buf || q[-1] == ' ') && (q[len] == ',' || !q[len]);
        if (!seen && used < cap)
            used += (size_t)snprintf(buf + used, cap - used, "%s%s", used ? ", " : "", item);
    }
}

int run_cable_states(const run_plan_t *p, const dq_system_t *sys)
{
    if (!dq_system_cable(sys))
        return 0;
    for (size_t i = 0; i < p->n_rec_states; ++i) {
        const char *name = p->rec_states[i], *at = strchr(name, '@');
        dq_error_t e = {0};
        long comp = at ? dq_system_cable_locate(sys, at + 1, &e) : 0;
        if (comp >= 0 && dq_system_state_index(sys, name) >= 0)
            continue;
        if (comp >= 0) { /* the location holds, the name does not */
            char bases[512], base[128];
            run_cable_state_bases(sys, bases, sizeof bases);
            snprintf(base, sizeof base, "%.*s", (int)strcspn(name, "[@"), name);
            size_t blen = strlen(base);
            const char *q = strstr(bases, base);
            int known = q && (q == bases || q[-1] == ' ') && (q[blen] == ',' || !q[blen]);
            if (known && at)
                dq_error_set(&e, DQ_EINVAL, NULL,
                             "state '%s' is not at '%s' (compartment %ld): its mechanism is not "
                             "in that region",
                             base, at + 1, comp);
            else
                dq_error_set(&e, DQ_EINVAL, NULL,
                             "model '%s' has no state '%s' (a cable model's states are %s, each "
                             "as NAME for the root compartment, NAME[c] for compartment c of "
                             "0 .. %zu, or NAME@LOCATION)",
                             dq_system_model_name(sys), name, bases, dq_system_cable(sys)->n - 1);
        }
        char where[512];
        if (p->rec_states_where && p->rec_states_where[0] == '.')
            snprintf(where, sizeof where, "%s[%zu]", p->rec_states_where, i);
        else
            snprintf(where, sizeof where, "%s", p->rec_states_where ? p->rec_states_where : "run");
        dq_error_t out = {0};
        run_cable_place(&out, where, "", &e);
        if (out.place == DQ_PLACE_SPEC)
            dq_error_add_source(&out, p->spec_path);
        cli_print_error(&out);
        return -1;
    }
    return 0;
}

void run_cable_values(const run_plan_t *p, double *cm, double *Ra, double *v_init)
{
    const dq_cable_desc_t *d = p->cable_desc;
    *cm = isfinite(p->cable.cm) ? p->cable.cm : d && d->cm > 0 ? d->cm : 1.0;
    *Ra = isfinite(p->cable.Ra) ? p->cable.Ra : d && d->Ra > 0 ? d->Ra : 35.4;
    *v_init = isfinite(p->cable.v_init) ? p->cable.v_init
              : d && !isnan(d->v_init)  ? d->v_init
                                        : -65.0;
}

/* The root compartment's state name suffix, "[3]" of "V[3]"; NULL when not a cable system. */
static const char *run_cable_root_suffix(const dq_system_t *sys)
{
    if (!dq_system_cable(sys))
        return NULL;
    long v = dq_system_state_index(sys, "V");
    const char *name = v >= 0 ? dq_system_state_name(sys, (size_t)v) : NULL;
    return name ? strrchr(name, '[') : NULL;
}

int run_cable_state_shown(const dq_system_t *sys, size_t s)
{
    const char *suffix = run_cable_root_suffix(sys), *name = dq_system_state_name(sys, s);
    if (!suffix || !name)
        return 1;
    size_t n = strlen(name), k = strlen(suffix);
    return n >= k && strcmp(name + n - k, suffix) == 0;
}

static size_t run_cable_junctions(const dq_morph_cable_t *c)
{
    size_t j = 0;
    for (size_t i = 0; i < c->n; ++i)
        j += c->junction[i] != 0;
    return j;
}

void run_cable_summary_text(FILE *out, const dq_system_t *sys, const run_plan_t *p)
{
    const dq_morph_cable_t *c = dq_system_cable(sys);
    if (!c)
        return;
    double cm, Ra, v_init;
    run_cable_values(p, &cm, &Ra, &v_init);
    dq_morph_discret_t d = p->cable.discret;
    d.cm = cm;
    d.Ra = Ra;
    char rule[160];
    long v = dq_system_state_index(sys, "V");
    size_t junctions = run_cable_junctions(c);
    fprintf(out,
            "cable: %s, %zu section%s, %zu compartments (%zu junction%s) a cell; %s; Ra %g "
            "ohm cm, cm %g uF/cm2, v_init %g mV; %zu stimul%s\n",
            p->morph_path, c->n_sections, c->n_sections == 1 ? "" : "s", c->n, junctions,
            junctions == 1 ? "" : "s", morph_rule_text(&d, rule, sizeof rule), Ra, cm, v_init,
            p->cable.n_stim, p->cable.n_stim == 1 ? "us" : "i");
    if (v >= 0)
        fprintf(out, "states of the root compartment (%s) below; --json gives all %zu\n",
                dq_system_state_name(sys, (size_t)v), dq_system_state_count(sys));
}

/* The discretisation as the spec writes it: the rule and its own keys. */
static json_t *run_cable_discret_json(const dq_morph_discret_t *d)
{
    if (d->rule == DQ_MORPH_RULE_DLAMBDA)
        return json_pack("{s:s, s:f, s:f}", "rule", "d_lambda", "d_lambda", d->d_lambda, "freq",
                         d->freq);
    if (d->rule == DQ_MORPH_RULE_LENGTH)
        return json_pack("{s:s, s:f}", "rule", "length", "max_length", d->max_length);
    return json_pack("{s:s, s:i}", "rule", "nseg", "nseg", d->nseg);
}

json_t *run_cable_summary_json(const dq_system_t *sys, const run_plan_t *p)
{
    const dq_morph_cable_t *c = dq_system_cable(sys);
    if (!c)
        return NULL;
    double cm, Ra, v_init;
    run_cable_values(p, &cm, &Ra, &v_init);
    long v = dq_system_state_index(sys, "V");
    return json_pack("{s:s, s:I, s:I, s:I, s:o, s:f, s:f, s:f, s:I, s:s?}", "morphology",
                     p->morph_path, "sections", (json_int_t)c->n_sections, "compartments",
                     (json_int_t)c->n, "junctions", (json_int_t)run_cable_junctions(c),
                     "discretisation", run_cable_discret_json(&p->cable.discret), "cm", cm, "Ra",
                     Ra, "v_init", v_init, "stimuli", (json_int_t)p->cable.n_stim, "root",
                     v >= 0 ? dq_system_state_name(sys, (size_t)v) : NULL);
}

int run_cable_prov_spec(json_t *spec, const run_plan_t *p)
{
    if (!p->cable_desc)
        return 0;
    double cm, Ra, v_init;
    run_cable_values(p, &cm, &Ra, &v_init);
    /* An absolute name: a replay reads the spec from the output, wherever that is. */
    char *abs = realpath(p->morph_path, NULL);
    json_t *stim = json_array();
    int bad = !stim;
    for (size_t i = 0; !bad && i < p->cable.n_stim; ++i)
        bad |= json_array_append_new(stim, json_pack("{s:s, s:f, s:f, s:f}", "at", p->stim[i].at,
                                                     "delay", p->stim[i].delay, "dur",
                                                     p->stim[i].dur, "amp", p->stim[i].amp));
    bad |= json_object_set_new(spec, "morphology", json_string(abs ? abs : p->morph_path)) ||
           json_object_set_new(spec, "discretisation", run_cable_discret_json(&p->cable.discret)) ||
           json_object_set_new(spec, "cable",
                               json_pack("{s:f, s:f, s:f}", "cm", cm, "Ra", Ra, "v_init", v_init));
    bad |= json_object_set_new(spec, "stimuli", stim);
    free(abs);
    return bad ? -1 : 0;
}
