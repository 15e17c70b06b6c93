/* SPDX-License-Identifier: MIT */
/* run_sweep.c -- parameter sweeps in `dqhost run`'s plan: the spec's generators
 * ({"linspace": [a, b]}) and sweep axes, --param K=linspace:A:B, and their expansion into
 * one value per unit once the model, and with it the unit count, is known. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"

int run_sweep_spec(run_plan_t *p, const dq_spec_t *spec)
{
    size_t first = p->n_params - spec->n_params;
    for (size_t i = 0; i < spec->n_params; ++i)
        if (spec->params[i].gen != DQ_SPEC_VALUES)
            p->gens[first + i] = &spec->params[i];
    if (p->n_params + spec->n_sweep > sizeof p->params / sizeof p->params[0]) {
        cli_errorf("%s: .sweep: too many parameters (at most %zu with .params)", spec->path,
                   sizeof p->params / sizeof p->params[0]);
        return -1;
    }
    for (size_t i = 0; i < spec->n_sweep; ++i) {
        const dq_spec_param_t *a = &spec->sweep[i];
        p->gens[p->n_params] = a;
        p->params[p->n_params++] = (dq_param_arg_t){a->name, NULL, 0, a->where};
    }
    p->sweep = spec->sweep;
    p->n_sweep = spec->n_sweep;
    p->sweep_units = spec->sweep_units;
    return 0;
}

int run_sweep_flag(const char *name, const char *text, run_mem_t *mem, dq_param_arg_t *arg,
                   const dq_spec_param_t **gen)
{
    dq_spec_gen_t kind = strncmp(text, "linspace:", 9) == 0   ? DQ_SPEC_LINSPACE
                         : strncmp(text, "logspace:", 9) == 0 ? DQ_SPEC_LOGSPACE
                                                              : DQ_SPEC_VALUES;
    if (kind == DQ_SPEC_VALUES)
        return 0;
    const char *ends = text + 9, *colon = strchr(ends, ':');
    char what[160];
    snprintf(what, sizeof what, "run: --param %s", name);
    char *a = colon ? run_keep(mem, strndup(ends, (size_t)(colon - ends))) : NULL;
    dq_spec_param_t *g = run_keep(mem, calloc(1, sizeof *g));
    if (!colon || strchr(colon + 1, ':')) {
        cli_errorf("%s: %.8s needs two numbers FIRST:LAST, got '%s'", what, text, text);
        return -1;
    }
    if (!a || !g) {
        cli_errorf("out of memory");
        return -1;
    }
    if (cli_parse_double(a, what, &g->first) || cli_parse_double(colon + 1, what, &g->last))
        return -1;
    if (kind == DQ_SPEC_LOGSPACE && !(g->first > 0 && g->last > 0)) {
        cli_errorf("%s: logspace needs two numbers > 0, got '%s'", what, text);
        return -1;
    }
    if (kind == DQ_SPEC_LOGSPACE ? !isfinite(g->last / g->first) : !isfinite(g->last - g->first)) {
        cli_errorf("%s: '%s': the range is too wide for a double", what, text);
        return -1;
    }
    g->name = (char *)name; /* kept in mem by the caller */
    g->gen = kind;
    g->stride = 1;
    *arg = (dq_param_arg_t){.name = name, .v = NULL, .len = 0, .where = NULL};
    *gen = g;
    return 1;
}

/* "100 x 3" */
static void run_sweep_counts(const run_plan_t *p, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < p->n_sweep && used < cap; ++i)
        used +=
            (size_t)snprintf(buf + used, cap - used, "%s%zu", i ? " x " : "", p->sweep[i].count);
}

/* The unit count: the population parameter as given, or the sweep's count (which is then
 * given to the model). *units stays 1 when the system is to report the population
 * parameter's bad value (generated parameters then hold one value, which it accepts).
 * 0, or -1 after reporting. */
static int run_sweep_units(run_plan_t *p, const dq_model_desc_t *m, run_mem_t *mem, size_t *units)
{
    const dq_param_desc_t *pop = NULL;
    for (size_t i = 0; i < m->n_params; ++i)
        if (m->params[i].flags & DQ_PARAM_POPULATION)
            pop = &m->params[i];
    size_t at = 0;
    while (pop && at < p->n_params && strcmp(p->params[at].name, pop->name) != 0)
        ++at;
    int given = pop && at < p->n_params;
    double n = pop ? pop->def : 1.0;
    if (given && p->gens[at]) {
        if (p->gens[at]->where)
            cli_errorf("%s: %s: the population parameter '%s' takes one number, not a "
                       "generator",
                       p->spec_path, p->gens[at]->where, pop->name);
        else
            cli_errorf("run: --param %s: the population parameter takes one number, not a "
                       "generator",
                       pop->name);
        return -1;
    }
    if (given && p->params[at].len != 1)
        return 0; /* "takes one value", from the system */
    if (given)
        n = p->params[at].v[0];
    if (p->n_sweep) {
        char counts[256];
        run_sweep_counts(p, counts, sizeof counts);
        if (given && n != (double)p->sweep_units) {
            if (p->params[at].where)
                cli_errorf("%s: %s: %.17g units, but .sweep makes %zu (%s); leave it out or make "
                           "it equal",
                           p->spec_path, p->params[at].where, n, p->sweep_units, counts);
            else
                cli_errorf("run: --param %s: %.17g units, but the sweep of %s makes %zu (%s)",
                           pop->name, n, p->spec_path, p->sweep_units, counts);
            return -1;
        }
        if (!pop && p->sweep_units != 1) {
            cli_errorf("%s: .sweep: model '%s' has one unit (no population parameter), but the "
                       "sweep makes %zu (%s)",
                       p->spec_path, m->name, p->sweep_units, counts);
            return -1;
        }
        if (pop && !given) {
            double *v = run_keep(mem, malloc(sizeof *v));
            if (!v) {
                cli_errorf("out of memory");
                return -1;
            }
            *v = (double)p->sweep_units;
            p->gens[p->n_params] = NULL;
            p->params[p->n_params++] = (dq_param_arg_t){pop->name, v, 1, ".sweep"};
        }
        n = (double)p->sweep_units;
    }
    if (!(n >= 1) || n != floor(n) || n > 9007199254740992.0)
        return 0; /* the system reports the population parameter's value */
    *units = (size_t)n;
    return 0;
}

int run_sweep_expand(run_plan_t *p, run_mem_t *mem)
{
    for (size_t a = 0; a < p->n_sweep; ++a) {
        size_t i = 0;
        while (i < p->n_params && p->gens[i] != &p->sweep[a])
            ++i;
        if (i == p->n_params) {
            cli_errorf("run: --param %s: '%s' is swept by %s (%s); change the sweep there",
                       p->sweep[a].name, p->sweep[a].name, p->spec_path, p->sweep[a].where);
            return -1;
        }
    }
    size_t n_gen = 0;
    for (size_t i = 0; i < p->n_params; ++i)
        n_gen += p->gens[i] != NULL;
    if (!n_gen)
        return 0;
    const dq_model_entry_t *m = p->reg ? dq_registry_lookup_model(p->reg, p->model, NULL) : NULL;
    size_t units = 1;
    if (!m)
        return 0; /* the run reports the unknown model before it reads a parameter */
    if (run_sweep_units(p, m->desc, mem, &units))
        return -1;
    for (size_t i = 0; i < p->n_params; ++i) {
        if (!p->gens[i])
            continue;
        double *v = run_keep(mem, malloc(units * sizeof *v));
        if (!v) {
            cli_errorf("out of memory for %zu values of '%s'", units, p->params[i].name);
            return -1;
        }
        dq_spec_param_fill(p->gens[i], units, 0, units, v);
        p->params[i].v = v;
        p->params[i].len = units;
    }
    return 0;
}
