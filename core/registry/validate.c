/* SPDX-License-Identifier: MIT */
/* validate.c -- the one check of integrator and model descriptors, for the registry, the
 * loader (before a file touches the registry) and the state model.
 *
 * Everything a descriptor says about itself is checked here, once, when it arrives: a model
 * whose tables do not fit together is refused when its plugin loads, not when a run first
 * uses it. */
#include <math.h>
#include <stdalign.h>
#include <stdio.h>
#include <string.h>

#include "registry_private.h"
#include "validate_strings.h"

/* Longest lists read before a missing NULL end is assumed. */
#define VALIDATE_ALIASES_MAX 64
#define VALIDATE_MODULES_MAX 1024
#define VALIDATE_READS_MAX 1024

static int validate_category(const dq_integrator_desc_t *d, const char *source, dq_error_t *err)
{
    /* NULL is "no category" (listed as such); anything else must be one of the constants. */
    if (!d->category)
        return DQ_OK;
    if (dq__category_is_known(d->category))
        return DQ_OK;
    dq__unknown_t u = {.name = d->category,
                       .candidates = dq__categories,
                       .n_candidates = DQ__N_CATEGORIES,
                       .label = "Categories"};
    return dq__error_unknown(err, DQ_EDESC, source, &u,
                             "Integrator '%s' has unknown category '%s'.", d->name, d->category);
}

static int validate_aliases(const dq_integrator_desc_t *d, const char *who, const char *source,
                            dq_error_t *err)
{
    int rc = dq__align_check(d->aliases, alignof(const char *), who, "aliases list", source, err);
    for (size_t a = 0; rc == DQ_OK && d->aliases && d->aliases[a]; ++a) {
        const char *alias = d->aliases[a];
        char field[32];
        snprintf(field, sizeof field, "alias %zu", a);
        if (a < VALIDATE_ALIASES_MAX &&
            (rc = dq__text_check(alias, DQ__NAME_MAX, who, field, source, err)))
            return rc;
        if (a == VALIDATE_ALIASES_MAX)
            return dq_error_set(err, DQ_EDESC, source,
                                "Integrator '%s' has more than %d aliases, or an alias list "
                                "without its NULL end.",
                                d->name, VALIDATE_ALIASES_MAX);
        if (!*alias)
            return dq_error_set(err, DQ_EDESC, source, "Integrator '%s' has an empty alias.",
                                d->name);
        if (!dq__name_is_valid(alias))
            return dq_error_set(err, DQ_EDESC, source,
                                "Integrator '%s' has alias '%s' with characters outside "
                                "[A-Za-z0-9_.-].",
                                d->name, alias);
        if (strcmp(alias, d->name) == 0)
            return dq_error_set(err, DQ_EDESC, source,
                                "Integrator '%s' lists its own name as an alias.", d->name);
        for (size_t b = 0; b < a; ++b)
            if (strcmp(alias, d->aliases[b]) == 0)
                return dq_error_set(err, DQ_EDESC, source,
                                    "Integrator '%s' lists alias '%s' twice.", d->name, alias);
    }
    return rc;
}

static int validate_option(const dq_integrator_desc_t *d, size_t i, const char *who,
                           const char *source, dq_error_t *err)
{
    const dq_option_desc_t *o = &d->options[i];
    int rc = dq__element_text_check(who, source, "option", i, o->name, NULL, o->doc, err);
    if (rc)
        return rc;
    if (!dq__identifier_is_valid(o->name))
        return dq_error_set(err, DQ_EDESC, source,
                            "Integrator '%s' has option '%s' whose name is not of [A-Za-z0-9_]+.",
                            d->name, o->name);
    for (size_t j = 0; j < i; ++j)
        if (strcmp(d->options[j].name, o->name) == 0)
            return dq_error_set(err, DQ_EDESC, source, "Integrator '%s' lists option '%s' twice.",
                                d->name, o->name);
    if (o->min > o->max)
        return dq_error_set(err, DQ_EDESC, source,
                            "Integrator '%s' has option '%s' whose min %g is greater than its "
                            "max %g.",
                            d->name, o->name, o->min, o->max);
    if (o->min < o->max && !(o->def >= o->min && o->def <= o->max))
        return dq_error_set(err, DQ_EDESC, source,
                            "Integrator '%s' has option '%s' whose default %g is outside "
                            "[%g, %g].",
                            d->name, o->name, o->def, o->min, o->max);
    if ((o->flags & DQ_OPTION_INTEGER) && o->def != floor(o->def))
        return dq_error_set(err, DQ_EDESC, source,
                            "Integrator '%s' has integer option '%s' whose default %g is not a "
                            "whole number.",
                            d->name, o->name, o->def);
    return DQ_OK;
}

static int validate_options(const dq_integrator_desc_t *d, const char *who, const char *source,
                            size_t *count, dq_error_t *err)
{
    size_t n = 0;
    int rc =
        dq__align_check(d->options, alignof(dq_option_desc_t), who, "option table", source, err);
    if (rc)
        return rc;
    for (; d->options && d->options[n].name; ++n) {
        /* Reads at most DQ__OPTIONS_MAX + 1 entries: a table of the maximum size and its
         * end. A longer table, or one without its end, stops here. */
        if (n == DQ__OPTIONS_MAX)
            return dq_error_set(err, DQ_EDESC, source,
                                "Integrator '%s' has more than %d options, or an option table "
                                "without its NULL-name end (DQ_OPTIONS adds it).",
                                d->name, DQ__OPTIONS_MAX);
        if ((rc = validate_option(d, n, who, source, err)))
            return rc;
    }
    *count = n;
    return DQ_OK;
}

int dq__integrator_desc_check(const dq_integrator_desc_t *desc, const char *source,
                              dq_integrator_desc_t *out, size_t *n_options, dq_error_t *err)
{
    int rc = dq__integrator_desc_read(desc, out, source, err);
    if (rc)
        return rc;
    const dq_integrator_desc_t *d = out;
    char who[DQ_ERROR_SOURCE_MAX + DQ__NAME_MAX + 32];
    dq__validate_who(who, sizeof who, "Integrator", NULL, source);
    if (!d->name || !*d->name)
        return dq_error_set(err, DQ_EDESC, source, "Integrator name must be a non-empty string.");
    if ((rc = dq__text_check(d->name, DQ__NAME_MAX, who, "name", source, err)))
        return rc;
    if (!dq__name_is_valid(d->name))
        return dq_error_set(err, DQ_EDESC, source,
                            "Integrator name '%s' has characters outside [A-Za-z0-9_.-].", d->name);
    if (!d->step)
        return dq_error_set(err, DQ_EDESC, source, "Integrator '%s' has no step function.",
                            d->name);
    dq__validate_who(who, sizeof who, "Integrator", d->name, source);
    if ((rc = dq__text_check_opt(d->category, DQ__NAME_MAX, who, "category", source, err)) ||
        (rc = dq__text_check_opt(d->description, DQ__TEXT_MAX, who, "description", source, err)) ||
        (rc = validate_category(d, source, err)) || (rc = validate_aliases(d, who, source, err)) ||
        (rc = dq__validate_sde(d, who, source, err)) ||
        (rc = dq__validate_adaptive(d, who, source, err)))
        return rc;
    return validate_options(d, who, source, n_options, err);
}

/* Names listed in a "did you mean" about reads. */
#define VALIDATE_NAMES_MAX 256

/* -- models -------------------------------------------------------------------------- */

/* What model messages start with: "Model 'x' in '/p.so'" (or without the file). */
typedef struct validate_model {
    const dq_model_desc_t *m;
    const char *source;
    char who[DQ_ERROR_SOURCE_MAX + 160];
} validate_model_t;

static int validate_param(const validate_model_t *v, size_t i, int *population, dq_error_t *err)
{
    const dq_model_desc_t *m = v->m;
    const dq_param_desc_t *p = &m->params[i];
    const char *who = v->who, *src = v->source;
    int rc = dq__element_text_check(who, src, "parameter", i, p->name, p->unit, p->doc, err);
    if (rc)
        return rc;
    if (!dq__identifier_is_valid(p->name))
        return dq_error_set(err, DQ_EDESC, src,
                            "%s: parameter %zu has no valid name "
                            "([A-Za-z0-9_]+).",
                            who, i);
    for (size_t j = 0; j < i; ++j)
        if (strcmp(m->params[j].name, p->name) == 0)
            return dq_error_set(err, DQ_EDESC, src, "%s lists parameter '%s' twice.", who, p->name);
    int is_pop = (p->flags & DQ_PARAM_POPULATION) != 0;
    if (is_pop) {
        if (*population >= 0)
            return dq_error_set(err, DQ_EDESC, src,
                                "%s flags both '%s' and '%s' as the population size.", who,
                                m->params[*population].name, p->name);
        /* A population is a whole number >= 1 by its flag alone; it is one number. */
        if (p->flags & DQ_PARAM_PER_UNIT)
            return dq_error_set(err, DQ_EDESC, src,
                                "%s: population parameter '%s' cannot be DQ_PARAM_PER_UNIT.", who,
                                p->name);
        if (!(p->def >= 1.0) || p->def != floor(p->def))
            return dq_error_set(
                err, DQ_EDESC, src,
                "%s: population parameter '%s' has default %g, not a whole number >= 1.", who,
                p->name, p->def);
        *population = (int)i;
    }
    if ((p->flags & DQ_PARAM_INTEGER) && p->def != floor(p->def))
        return dq_error_set(err, DQ_EDESC, src,
                            "%s: integer parameter '%s' has default %g, not a whole number.", who,
                            p->name, p->def);
    if ((p->flags & DQ_PARAM_POSITIVE) && !(p->def > 0.0))
        return dq_error_set(err, DQ_EDESC, src,
                            "%s: positive parameter '%s' has default %g, not > 0.", who, p->name,
                            p->def);
    /* Binding: without an instance only the population may exist (it is not bound). */
    if (m->data_size == 0) {
        if (is_pop)
            return DQ_OK;
        return dq_error_set(err, DQ_EDESC, src,
                            "%s has parameter '%s' but no instance struct to bind it into "
                            "(data_size is 0).",
                            who, p->name);
    }
    size_t size = (p->flags & DQ_PARAM_PER_UNIT) ? sizeof(const double *) : sizeof(double);
    size_t align = (p->flags & DQ_PARAM_PER_UNIT) ? alignof(const double *) : alignof(double);
    if (p->offset > m->data_size || size > m->data_size - p->offset)
        return dq_error_set(err, DQ_EDESC, src,
                            "%s binds parameter '%s' at offset %zu (%zu bytes), past the end of "
                            "its %zu-byte instance struct.",
                            who, p->name, p->offset, size, m->data_size);
    if (p->offset % align)
        return dq_error_set(err, DQ_EDESC, src,
                            "%s binds parameter '%s' at offset %zu, not aligned for its type.", who,
                            p->name, p->offset);
    for (size_t j = 0; j < i; ++j) {
        const dq_param_desc_t *q = &m->params[j];
        size_t qsize = (q->flags & DQ_PARAM_PER_UNIT) ? sizeof(const double *) : sizeof(double);
        int q_bound = !(m->data_size == 0 && (q->flags & DQ_PARAM_POPULATION));
        if (q_bound && p->offset < q->offset + qsize && q->offset < p->offset + size)
            return dq_error_set(err, DQ_EDESC, src,
                                "%s binds parameters '%s' and '%s' to overlapping bytes.", who,
                                q->name, p->name);
    }
    return DQ_OK;
}

/* A module's name in messages: the root has none of its own. */
static const char *validate_module_name(const dq_module_desc_t *md, size_t i, char *buf, size_t len)
{
    if (i == 0)
        return "the root module";
    if (md->name && *md->name)
        snprintf(buf, len, "module '%s'", md->name);
    else
        snprintf(buf, len, "module %zu", i);
    return buf;
}

/* The states of modules[0..n), in host layout; finds one by name. */
static int validate_state_find(const dq_module_desc_t *mods, size_t n, const char *name,
                               size_t *module)
{
    for (size_t i = 0; i < n; ++i)
        for (size_t k = 0; k < mods[i].n_states; ++k)
            if (strcmp(mods[i].states[k].name, name) == 0) {
                *module = i;
                return 1;
            }
    return 0;
}

/* Events (since 2.2): a table when the count says so, an event callback, names unique in
 * the model, directions that exist. */
static int validate_events(const validate_model_t *v, const dq_module_desc_t *mods, size_t i,
                           const char *what, dq_error_t *err)
{
    const dq_module_desc_t *md = &mods[i];
    const char *who = v->who, *src = v->source;
    char field[400];
    int rc;
    if (!md->n_events)
        return DQ_OK;
    if (!md->events)
        return dq_error_set(err, DQ_EDESC, src,
                            "%s: %s declares %zu events but its event table is NULL.", who, what,
                            md->n_events);
    if (md->n_events > DQ__STATES_MAX)
        return dq_error_set(err, DQ_EDESC, src,
                            "%s: %s declares %zu events, more than the %d a module may have.", who,
                            what, md->n_events, DQ__STATES_MAX);
    if (!md->event)
        return dq_error_set(err, DQ_EDESC, src,
                            "%s: %s declares events but no event callback to compute them.", who,
                            what);
    snprintf(field, sizeof field, "%s event table", what);
    if ((rc = dq__align_check(md->events, alignof(dq_event_desc_t), who, field, src, err)))
        return rc;
    for (size_t k = 0; k < md->n_events; ++k) {
        const dq_event_desc_t *e = &md->events[k];
        snprintf(field, sizeof field, "%s event", what);
        if ((rc = dq__element_text_check(who, src, field, k, e->name, NULL, e->doc, err)))
            return rc;
        if (!dq__identifier_is_valid(e->name))
            return dq_error_set(err, DQ_EDESC, src,
                                "%s: %s has event %zu without a valid name ([A-Za-z0-9_]+).", who,
                                what, k);
        if (e->direction < -1 || e->direction > 1)
            return dq_error_set(err, DQ_EDESC, src,
                                "%s: event '%s' has direction %d; use DQ_EVENT_UP (1), "
                                "DQ_EVENT_DOWN (-1) or DQ_EVENT_EITHER (0).",
                                who, e->name, e->direction);
        if ((e->flags & DQ_EVENT_RESET) && !md->handle_event)
            return dq_error_set(err, DQ_EDESC, src,
                                "%s: event '%s' is DQ_EVENT_RESET but %s has no handle_event to "
                                "apply it.",
                                who, e->name, what);
        for (size_t j = 0; j <= i; ++j)
            for (size_t q = 0; q < (j == i ? k : mods[j].n_events); ++q)
                if (strcmp(mods[j].events[q].name, e->name) == 0)
                    return dq_error_set(err, DQ_EDESC, src, "%s declares event '%s' twice.", who,
                                        e->name);
    }
    return DQ_OK;
}

/* One module against those before it (states and names of earlier modules are valid). */
static int validate_module(const validate_model_t *v, const dq_module_desc_t *mods, size_t i,
                           size_t *n_states, dq_error_t *err)
{
    const dq_module_desc_t *md = &mods[i];
    const char *who = v->who, *src = v->source;
    char buf[160];
    const char *what = validate_module_name(md, i, buf, sizeof buf);
    /* Parents are declared before children, so declaration order is a valid order for the
     * lifecycle calls (parents first). */
    if (i == 0 ? md->parent != -1 : (md->parent < 0 || (size_t)md->parent >= i))
        return dq_error_set(err, DQ_EDESC, src,
                            "%s: %s has parent %d; module 0 is the root (parent -1) and parents "
                            "come before their children.",
                            who, what, md->parent);
    char field[256];
    snprintf(field, sizeof field, "module %zu name", i);
    int rc = i > 0 ? dq__text_check_opt(md->name, DQ__NAME_MAX, who, field, src, err) : DQ_OK;
    if (rc)
        return rc;
    if (i > 0 && !dq__identifier_is_valid(md->name))
        return dq_error_set(err, DQ_EDESC, src, "%s: module %zu needs a name of [A-Za-z0-9_]+.",
                            who, i);
    for (size_t k = 1; i > 0 && k < i; ++k)
        if (strcmp(mods[k].name, md->name) == 0)
            return dq_error_set(err, DQ_EDESC, src, "%s lists module '%s' twice.", who, md->name);
    if (md->n_states && !md->states)
        return dq_error_set(err, DQ_EDESC, src,
                            "%s: %s declares %zu states but its state table is NULL.", who, what,
                            md->n_states);
    if (md->n_states > DQ__STATES_MAX)
        return dq_error_set(err, DQ_EDESC, src,
                            "%s: %s declares %zu states, more than the %d a module may have.", who,
                            what, md->n_states, DQ__STATES_MAX);
    snprintf(field, sizeof field, "%s state table", what);
    if ((rc = dq__align_check(md->states, alignof(dq_state_desc_t), who, field, src, err)))
        return rc;
    snprintf(field, sizeof field, "%s solver", what);
    if ((rc = dq__text_check_opt(md->solver, DQ__NAME_MAX, who, field, src, err)))
        return rc;
    if (md->solver && !dq__name_is_valid(md->solver))
        return dq_error_set(err, DQ_EDESC, src,
                            "%s: %s names solver '%s', which is not an integrator name.", who, what,
                            md->solver);
    size_t integrated = 0;
    for (size_t k = 0; k < md->n_states; ++k) {
        const dq_state_desc_t *s = &md->states[k];
        size_t owner;
        snprintf(field, sizeof field, "%s state", what);
        if ((rc = dq__element_text_check(who, src, field, k, s->name, s->unit, s->doc, err)))
            return rc;
        if (!dq__identifier_is_valid(s->name))
            return dq_error_set(err, DQ_EDESC, src,
                                "%s: %s has state %zu without a valid name ([A-Za-z0-9_]+).", who,
                                what, k);
        for (size_t j = 0; j < k; ++j)
            if (strcmp(md->states[j].name, s->name) == 0)
                return dq_error_set(err, DQ_EDESC, src, "%s declares state '%s' twice.", who,
                                    s->name);
        if (validate_state_find(mods, i, s->name, &owner))
            return dq_error_set(err, DQ_EDESC, src, "%s declares state '%s' twice.", who, s->name);
        integrated += !(s->flags & DQ_STATE_AUX);
    }
    /* A cable model's root holds V, whose derivative the host writes (validate_cable.c). */
    if (integrated && !md->compute_derivative && !(i == 0 && v->m->cable))
        return dq_error_set(err, DQ_EDESC, src,
                            "%s: %s has integrated states but no compute_derivative.", who, what);
    if ((rc = validate_events(v, mods, i, what, err)))
        return rc;
    *n_states += md->n_states;
    return DQ_OK;
}

/* Reads come last: they may name states of modules declared after the reader. */
static int validate_reads(const validate_model_t *v, const dq_module_desc_t *mods, size_t n,
                          size_t i, dq_error_t *err)
{
    const dq_module_desc_t *md = &mods[i];
    char buf[160];
    const char *what = validate_module_name(md, i, buf, sizeof buf);
    char field[256];
    snprintf(field, sizeof field, "%s reads list", what);
    int rc = dq__align_check(md->reads, alignof(const char *), v->who, field, v->source, err);
    for (size_t r = 0; rc == DQ_OK && md->reads && md->reads[r]; ++r) {
        const char *name = md->reads[r];
        size_t owner;
        snprintf(field, sizeof field, "%s reads[%zu]", what, r);
        if (r < VALIDATE_READS_MAX &&
            (rc = dq__text_check(name, DQ__NAME_MAX, v->who, field, v->source, err)))
            return rc;
        if (r == VALIDATE_READS_MAX)
            return dq_error_set(err, DQ_EDESC, v->source,
                                "%s: %s reads more than %d states, or its reads list lacks its "
                                "NULL end.",
                                v->who, what, VALIDATE_READS_MAX);
        if (!dq__identifier_is_valid(name))
            return dq_error_set(err, DQ_EDESC, v->source,
                                "%s: %s reads '%s', which is not a state name ([A-Za-z0-9_]+).",
                                v->who, what, name);
        if (!validate_state_find(mods, n, name, &owner)) {
            const char *names[VALIDATE_NAMES_MAX];
            size_t n_names = 0;
            for (size_t j = 0; j < n; ++j)
                for (size_t k = 0; k < mods[j].n_states && n_names < VALIDATE_NAMES_MAX; ++k)
                    names[n_names++] = mods[j].states[k].name;
            dq__unknown_t u = {
                .name = name, .candidates = names, .n_candidates = n_names, .label = "States"};
            return dq__error_unknown(err, DQ_EDESC, v->source, &u,
                                     "%s: %s reads '%s', which no module of the model declares.",
                                     v->who, what, name);
        }
        if (owner == i)
            return dq_error_set(err, DQ_EDESC, v->source, "%s: %s reads its own state '%s'.",
                                v->who, what, name);
        for (size_t q = 0; q < r; ++q)
            if (strcmp(md->reads[q], name) == 0)
                return dq_error_set(err, DQ_EDESC, v->source, "%s: %s reads '%s' twice.", v->who,
                                    what, name);
    }
    return rc;
}

static int validate_modules(const validate_model_t *v, dq_error_t *err)
{
    const dq_model_desc_t *m = v->m;
    size_t n = 0;
    while (m->modules[n]) {
        if (++n > VALIDATE_MODULES_MAX)
            return dq_error_set(err, DQ_EDESC, v->source,
                                "%s has more than %d modules, or a module list without its "
                                "NULL end.",
                                v->who, VALIDATE_MODULES_MAX);
    }
    dq_module_desc_t *mods = calloc(n, sizeof *mods);
    if (!mods)
        return dq_error_set(err, DQ_ENOMEM, v->source, "out of memory checking %s", v->who);
    int rc = DQ_OK;
    size_t n_states = 0;
    for (size_t i = 0; rc == DQ_OK && i < n; ++i) {
        char field[32];
        snprintf(field, sizeof field, "module %zu descriptor", i);
        rc = dq__align_check(m->modules[i], alignof(dq_module_desc_t), v->who, field, v->source,
                             err);
        if (rc == DQ_OK)
            rc = dq__module_desc_read(m->modules[i], &mods[i], v->source, err);
        if (rc == DQ_OK)
            rc = validate_module(v, mods, i, &n_states, err);
    }
    for (size_t i = 0; rc == DQ_OK && i < n; ++i)
        rc = validate_reads(v, mods, n, i, err);
    if (rc == DQ_OK && n_states == 0)
        rc = dq_error_set(err, DQ_EDESC, v->source, "%s declares no states.", v->who);
    free(mods);
    return rc;
}

int dq__model_desc_check(const dq_model_desc_t *desc, const char *source, dq_model_desc_t *out,
                         dq_error_t *err)
{
    int rc = dq__model_desc_read(desc, out, source, err);
    if (rc)
        return rc;
    const dq_model_desc_t *m = out;
    validate_model_t v = {.m = m, .source = source};
    dq__validate_who(v.who, sizeof v.who, "Model", NULL, source);
    if (!m->name || !*m->name)
        return dq_error_set(err, DQ_EDESC, source, "Model name must be a non-empty string.");
    if ((rc = dq__text_check(m->name, DQ__NAME_MAX, v.who, "name", source, err)))
        return rc;
    if (!dq__name_is_valid(m->name))
        return dq_error_set(err, DQ_EDESC, source,
                            "Model name '%s' has characters outside [A-Za-z0-9_.-].", m->name);
    dq__validate_who(v.who, sizeof v.who, "Model", m->name, source);
    if ((rc =
             dq__text_check_opt(m->description, DQ__TEXT_MAX, v.who, "description", source, err)) ||
        (rc = dq__text_check_opt(m->time_unit, DQ__NAME_MAX, v.who, "time_unit", source, err)))
        return rc;
    if (m->n_params && !m->params)
        return dq_error_set(err, DQ_EDESC, source,
                            "%s declares %zu parameters but its parameter table is NULL.", v.who,
                            m->n_params);
    if (m->n_params > DQ__PARAMS_MAX)
        return dq_error_set(err, DQ_EDESC, source,
                            "%s declares %zu parameters, more than the %d a model may have.", v.who,
                            m->n_params, DQ__PARAMS_MAX);
    if ((rc = dq__align_check(m->params, alignof(dq_param_desc_t), v.who, "parameter table", source,
                              err)) ||
        (rc = dq__align_check(m->modules, alignof(const dq_module_desc_t *), v.who, "module list",
                              source, err)))
        return rc;
    int population = -1;
    for (size_t i = 0; i < m->n_params; ++i)
        if ((rc = validate_param(&v, i, &population, err)))
            return rc;
    if (!m->modules || !m->modules[0])
        return dq_error_set(err, DQ_EDESC, source, "%s has %s.", v.who,
                            m->modules ? "an empty module list" : "no module list (NULL)");
    if ((rc = validate_modules(&v, err)))
        return rc;
    return dq__validate_cable(m, v.who, source, err);
}
