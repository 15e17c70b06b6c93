/* SPDX-License-Identifier: MIT */
/* run_plan.c -- `dqhost run`'s command line, and the plan merged from the spec and flags. */
#define _POSIX_C_SOURCE 200809L
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_plot.h"
#include "help_text.h"
#include "run.h"

void *run_keep(run_mem_t *mem, void *p)
{
    if (p && mem->n < sizeof mem->blocks / sizeof mem->blocks[0])
        mem->blocks[mem->n++] = p;
    else if (p) {
        free(p);
        p = NULL;
    }
    return p;
}

void run_usage(FILE *out)
{
    fputs(DQ_HELP_RUN, out);
}

/* Accepts "--name value" and "--name=value" (and a short alias). */
static const char *run_opt_value(const char *name, const char *alias, int argc, char **argv, int *i,
                                 int *missing)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) == 0 && a[n] == '=')
        return a + n + 1;
    if (strcmp(a, name) != 0 && !(alias && strcmp(a, alias) == 0))
        return NULL;
    if (*i + 1 >= argc) {
        *missing = 1;
        return NULL;
    }
    return argv[++*i];
}

int run_parse(run_opts_t *o, int argc, char **argv)
{
    static const struct {
        const char *name, *alias;
    } names[] = {{"--model", NULL},
                 {"--solver", NULL},
                 {"--dt", NULL},
                 {"--t-end", NULL},
                 {"--param", NULL},
                 {"--solver-opt", NULL},
                 {"--submodule", NULL},
                 {"--record", NULL},
                 {"--every", NULL},
                 {"--units", NULL},
                 {"--output", "-o"},
                 {"--format", NULL},
                 {"--seed", NULL},
                 {"--block-units", NULL},
                 {"--threads", NULL},
                 {"--max-steps", NULL},
                 {"--noise-refine", NULL},
                 {"--rtol", NULL},
                 {"--atol", NULL},
                 {"--h0", NULL},
                 {"--hmin", NULL},
                 {"--hmax", NULL},
                 {"--max-rejects", NULL},
                 {"--spikes", NULL},
                 {"--replay", NULL},
                 {"--plot", NULL},
                 {"--morphology", NULL},
                 {"--stim", NULL},
                 {"--discretisation", NULL},
                 {"--cm", NULL},
                 {"--Ra", NULL},
                 {"--v-init", NULL}};
    for (int i = 1; i < argc; ++i) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0) {
            o->json = 1;
            continue;
        }
        if (strcmp(a, "--no-provenance") == 0) {
            o->no_provenance = 1;
            continue;
        }
        if (strcmp(a, "--fixed-step") == 0) {
            o->fixed_step = 1;
            continue;
        }
        if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            o->quiet = 1;
            continue;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            run_usage(stdout);
            return 1;
        }
        if (a[0] != '-') {
            if (o->spec_path) {
                cli_errorf("run: more than one run spec ('%s' and '%s')", o->spec_path, a);
                return -1;
            }
            o->spec_path = a;
            continue;
        }
        const char *v = NULL;
        int missing = 0;
        size_t k = 0;
        for (; k < sizeof names / sizeof names[0]; ++k)
            if ((v = run_opt_value(names[k].name, names[k].alias, argc, argv, &i, &missing)) ||
                missing)
                break;
        if (missing) {
            cli_errorf("run: %s needs a value", names[k].name);
            return -1;
        }
        if (!v) {
            cli_errorf("run: unknown argument '%s' (see dqhost run --help)", a);
            return -1;
        }
        const char **lists[] = {o->params, o->opts, o->submodules};
        size_t *counts[] = {&o->n_params, &o->n_opts, &o->n_submodules};
        switch (k) {
        case 0:
            o->model = v;
            break;
        case 1:
            o->solver = v;
            break;
        case 2:
            o->dt_text = v;
            break;
        case 3:
            o->t_end_text = v;
            break;
        case 4:
        case 5:
        case 6:
            if (*counts[k - 4] == RUN_MAX) {
                cli_errorf("run: too many %s options (at most %d)", names[k].name, RUN_MAX);
                return -1;
            }
            lists[k - 4][(*counts[k - 4])++] = v;
            break;
        case 7:
            o->record = v;
            break;
        case 8:
            o->every = v;
            break;
        case 9:
            o->units = v;
            break;
        case 10:
            o->out_path = v;
            break;
        case 11:
            o->format = v;
            break;
        case 12:
            o->seed = v;
            break;
        case 14: {
            uint64_t t;
            if (run_parse_count(v, "run: --threads", 1, &t))
                return -1;
            if (t > 1024) {
                cli_errorf("run: --threads must be at most 1024, got '%s'", v);
                return -1;
            }
            o->threads = (size_t)t;
            break;
        }
        case 15:
            if (run_parse_count(v, "run: --max-steps", 1, &o->max_steps))
                return -1;
            break;
        case 16:
            o->noise_refine = v;
            break;
        case 17:
            o->rtol = v;
            break;
        case 18:
            if (o->n_atols == RUN_MAX) {
                cli_errorf("run: too many --atol options (at most %d)", RUN_MAX);
                return -1;
            }
            o->atols[o->n_atols++] = v;
            break;
        case 19:
            o->h0 = v;
            break;
        case 20:
            o->hmin = v;
            break;
        case 21:
            o->hmax = v;
            break;
        case 22:
            o->max_rejects = v;
            break;
        case 23:
            o->spikes = v;
            break;
        case 24:
            o->replay = v;
            break;
        case 25:
            o->plot = v;
            break;
        case 26:
            o->morphology = v;
            break;
        case 27:
            if (o->n_stims == RUN_MAX) {
                cli_errorf("run: too many --stim options (at most %d)", RUN_MAX);
                return -1;
            }
            o->stims[o->n_stims++] = v;
            break;
        case 28:
            o->discret = v;
            break;
        case 29:
            o->cm = v;
            break;
        case 30:
            o->Ra = v;
            break;
        case 31:
            o->v_init = v;
            break;
        case 13: {
            double b;
            if (cli_parse_double(v, "run: --block-units", &b))
                return -1;
            if (b < 1 || b != floor(b) || b > 1e9) {
                cli_errorf("run: --block-units must be a whole number >= 1, got '%s'", v);
                return -1;
            }
            o->block_units = (size_t)b;
        }
        }
    }
    return 0;
}

/* Parses a whole number >= min for flag `what`. */
int run_parse_count(const char *text, const char *what, double min, uint64_t *out)
{
    double v;
    if (cli_parse_double(text, what, &v))
        return -1;
    if (v < min || v != floor(v) || v > 9.0e15) {
        cli_errorf("%s: expected a whole number >= %g, got '%s'", what, min, text);
        return -1;
    }
    *out = (uint64_t)v;
    return 0;
}

/* Splits "a,b,c" into a new array of strings (kept in mem). Empty fields are errors. */
static int run_split(const char *text, const char *what, run_mem_t *mem, char ***out, size_t *n)
{
    size_t count = 1;
    for (const char *p = text; *p; ++p)
        count += *p == ',';
    char *copy = run_keep(mem, strdup(text));
    char **items = run_keep(mem, calloc(count, sizeof *items));
    if (!copy || !items) {
        cli_errorf("out of memory");
        return -1;
    }
    size_t k = 0;
    for (char *p = copy, *next; p; p = next) {
        next = strchr(p, ',');
        if (next)
            *next++ = '\0';
        if (!*p) {
            cli_errorf("%s: empty item in '%s'", what, text);
            return -1;
        }
        items[k++] = p;
    }
    *out = items;
    *n = k;
    return 0;
}

/* "K=V1,V2" (or "K=linspace:A:B", *gen set) into a parameter argument (kept in mem). */
static int run_parse_param(const char *text, run_mem_t *mem, dq_param_arg_t *arg,
                           const dq_spec_param_t **gen)
{
    const char *eq = strchr(text, '=');
    if (!eq || eq == text) {
        cli_errorf("run: --param expects NAME=VALUE, got '%s'", text);
        return -1;
    }
    char *name = run_keep(mem, strndup(text, (size_t)(eq - text)));
    char **items;
    size_t n;
    char what[160];
    snprintf(what, sizeof what, "run: --param %s", name ? name : "");
    int g = name ? run_sweep_flag(name, eq + 1, mem, arg, gen) : -1;
    if (g)
        return g < 0 ? -1 : 0;
    if (run_split(eq + 1, what, mem, &items, &n))
        return -1;
    double *v = run_keep(mem, malloc(n * sizeof *v));
    if (!v)
        return -1;
    for (size_t k = 0; k < n; ++k)
        if (cli_parse_double(items[k], what, &v[k]))
            return -1;
    *arg = (dq_param_arg_t){.name = name, .v = v, .len = n, .where = NULL};
    return 0;
}

/* A tolerance from a flag: a finite number > 0. */
static int run_parse_tolerance(const char *text, const char *flag, double *out)
{
    char what[160];
    snprintf(what, sizeof what, "run: %s", flag);
    if (cli_parse_double(text, what, out))
        return -1;
    if (!(*out > 0.0)) {
        cli_errorf("run: %s must be a positive finite number, got '%s'", flag, text);
        return -1;
    }
    return 0;
}

/* A step length from a flag: a finite number >= 0 (0: the host's default). */
static int run_parse_length(const char *text, const char *flag, double *out)
{
    char what[64];
    snprintf(what, sizeof what, "run: %s", flag);
    if (cli_parse_double(text, what, out))
        return -1;
    if (!(*out >= 0.0)) {
        cli_errorf("run: %s must be a finite number >= 0, got '%s'", flag, text);
        return -1;
    }
    *out = fabs(*out); /* -0 */
    return 0;
}

/* Sets the tolerance of one state, replacing an earlier one of the same name. */
static void run_plan_state_atol(run_plan_t *p, const char *state, double value, const char *where)
{
    size_t k = 0;
    while (k < p->ctl.n_states && strcmp(p->ctl.states[k].state, state) != 0)
        ++k;
    p->ctl.states[k].state = state;
    p->ctl.states[k].value = value;
    p->ctl.states[k].where = where;
    p->ctl.n_states += k == p->ctl.n_states;
}

int run_plan_has_control(const run_plan_t *p)
{
    return p->ctl.rtol_where || p->ctl.atol_where || p->ctl.h0_where || p->ctl.hmin_where ||
           p->ctl.hmax_where || p->ctl.max_rejects_where || p->ctl.n_states;
}

/* The spec's "adaptive" section and output.spikes. Values 0 are the host's defaults, which
 * the plan holds already. */
static void run_plan_spec_control(run_plan_t *p, const dq_spec_t *spec)
{
    const struct {
        double v;
        double *dst;
        const char **where, *path;
    } vals[] = {{spec->rtol, &p->ctl.rtol, &p->ctl.rtol_where, ".adaptive.rtol"},
                {spec->atol, &p->ctl.atol, &p->ctl.atol_where, ".adaptive.atol"},
                {spec->h0, &p->ctl.h0, &p->ctl.h0_where, ".adaptive.h0"},
                {spec->hmin, &p->ctl.hmin, &p->ctl.hmin_where, ".adaptive.hmin"},
                {spec->hmax, &p->ctl.hmax, &p->ctl.hmax_where, ".adaptive.hmax"}};
    for (size_t k = 0; k < sizeof vals / sizeof vals[0]; ++k)
        if (vals[k].v > 0) {
            *vals[k].dst = vals[k].v;
            *vals[k].where = vals[k].path;
        }
    if (spec->max_rejects) {
        p->ctl.max_rejects = spec->max_rejects;
        p->ctl.max_rejects_where = ".adaptive.max_rejects";
    }
    for (size_t i = 0; i < spec->n_state_atol; ++i)
        run_plan_state_atol(p, spec->state_atol[i].state, spec->state_atol[i].value,
                            spec->state_atol[i].where);
    if (spec->fixed_step) {
        p->ctl.fixed_step = 1;
        p->ctl.fixed_step_where = ".adaptive.fixed_step";
    }
    if (spec->spikes_path) {
        p->spikes_path = spec->spikes_path;
        p->spikes_where = ".output.spikes";
    }
    if (spec->plot_path) {
        p->plot_path = spec->plot_path;
        p->plot_where = ".output.plot";
    }
}

/* The step-control flags and --spikes over the spec. 0, or -1 (reported). */
static int run_plan_flag_control(run_plan_t *p, const run_opts_t *o, run_mem_t *mem)
{
    if (o->rtol) {
        if (run_parse_tolerance(o->rtol, "--rtol", &p->ctl.rtol))
            return -1;
        p->ctl.rtol_where = "--rtol";
    }
    for (size_t i = 0; i < o->n_atols; ++i) {
        const char *text = o->atols[i], *eq = strchr(text, '=');
        if (!eq) {
            if (run_parse_tolerance(text, "--atol", &p->ctl.atol))
                return -1;
            p->ctl.atol_where = "--atol";
            continue;
        }
        if (eq == text) {
            cli_errorf("run: --atol expects X or STATE=X, got '%s'", text);
            return -1;
        }
        char *name = run_keep(mem, strndup(text, (size_t)(eq - text)));
        char *flag = run_keep(mem, malloc(strlen(text) + 8));
        double value;
        if (!name || !flag) {
            cli_errorf("out of memory");
            return -1;
        }
        sprintf(flag, "--atol %s", name);
        if (run_parse_tolerance(eq + 1, flag, &value))
            return -1;
        run_plan_state_atol(p, name, value, "--atol");
    }
    const struct {
        const char *text, *flag;
        double *dst;
        const char **where;
    } lengths[] = {{o->h0, "--h0", &p->ctl.h0, &p->ctl.h0_where},
                   {o->hmin, "--hmin", &p->ctl.hmin, &p->ctl.hmin_where},
                   {o->hmax, "--hmax", &p->ctl.hmax, &p->ctl.hmax_where}};
    for (size_t k = 0; k < sizeof lengths / sizeof lengths[0]; ++k) {
        if (!lengths[k].text)
            continue;
        if (run_parse_length(lengths[k].text, lengths[k].flag, lengths[k].dst))
            return -1;
        *lengths[k].where = lengths[k].flag;
    }
    if (o->max_rejects) {
        uint64_t n;
        if (run_parse_count(o->max_rejects, "run: --max-rejects", 1, &n))
            return -1;
        if (n > UINT_MAX) {
            cli_errorf("run: --max-rejects must be at most %u, got '%s'", UINT_MAX, o->max_rejects);
            return -1;
        }
        p->ctl.max_rejects = (unsigned)n;
        p->ctl.max_rejects_where = "--max-rejects";
    }
    if (o->fixed_step) {
        p->ctl.fixed_step = 1;
        p->ctl.fixed_step_where = "--fixed-step";
    }
    if (o->plot) {
        p->plot_path = o->plot;
        p->plot_where = NULL;
    }
    if (o->spikes) {
        p->spikes_path = o->spikes;
        p->spikes_where = NULL;
    }
    /* Limits that contradict each other across the spec and the flags (the spec alone was
     * checked when it was read). */
    const struct {
        double v;
        const char *where;
    } below[] = {{p->ctl.hmin, p->ctl.hmin_where}, {p->ctl.h0, p->ctl.h0_where}};
    for (size_t k = 0; k < 2 && p->ctl.hmax > 0; ++k)
        if (below[k].v > p->ctl.hmax) {
            int in_spec = below[k].where[0] == '.' || p->ctl.hmax_where[0] == '.';
            cli_errorf("%s: %s: %g is larger than %s %g", in_spec ? p->spec_path : "run",
                       below[k].where, below[k].v, p->ctl.hmax_where, p->ctl.hmax);
            return -1;
        }
    if (p->spikes_path) {
        size_t len = strlen(p->spikes_path);
        p->spikes_stdout = strcmp(p->spikes_path, "-") == 0;
        p->spikes_format = len >= 5 && strcmp(p->spikes_path + len - 5, ".json") == 0
                               ? DQ_FORMAT_JSON
                               : DQ_FORMAT_CSV;
    }
    if (p->spikes_stdout && p->recording && !p->out_path) {
        if (p->spikes_where)
            cli_errorf("%s: %s: standard output already takes the trajectory; give one of them "
                       "a file",
                       p->spec_path, p->spikes_where);
        else
            cli_errorf("run: --spikes -: standard output already takes the trajectory; give one "
                       "of them a file");
        return -1;
    }
    if (p->plot_path) {
        const char *why = !p->recording || !p->out_path || strcmp(p->out_path, "-") == 0
                              ? "needs a trajectory written to a file (-o FILE)"
                          : !plot_format_of(p->plot_path)
                              ? "unknown picture format (the name must end in .png, .svg or .pdf)"
                              : NULL;
        if (why && p->plot_where)
            cli_errorf("%s: %s: '%s': %s", p->spec_path, p->plot_where, p->plot_path, why);
        else if (why)
            cli_errorf("run: --plot '%s': %s", p->plot_path, why);
        if (why)
            return -1;
    }
    return 0;
}

/* Merges the spec (may be NULL) and the flags into the plan. Returns 0 or -1 (reported). */
int run_plan_build(run_plan_t *p, const dq_spec_t *spec, const run_opts_t *o, run_mem_t *mem)
{
    p->spec_path = spec ? spec->path : NULL;
    if (spec) {
        p->model = spec->model;
        p->model_where = ".model";
        p->solver = spec->solver;
        p->solver_where = ".solver";
        if (spec->has_dt) {
            p->dt = spec->dt;
            p->dt_where = ".dt";
        }
        if (spec->has_t_end) {
            p->t_end = spec->t_end;
            p->t_end_where = ".t_end";
        }
        /* params holds RUN_MAX from the spec (its parameters, sweep axes and the population
         * parameter a sweep sets) and RUN_MAX more from --param flags. */
        if (spec->n_params + spec->n_sweep + 1 > RUN_MAX) {
            cli_errorf("%s: .params: too many parameters (%zu and %zu swept; at most %d in all)",
                       spec->path, spec->n_params, spec->n_sweep, RUN_MAX - 1);
            return -1;
        }
        for (size_t i = 0; i < spec->n_params; ++i)
            p->params[p->n_params++] = (dq_param_arg_t){spec->params[i].name, spec->params[i].v,
                                                        spec->params[i].len, spec->params[i].where};
        if (run_sweep_spec(p, spec))
            return -1;
        for (size_t i = 0; i < spec->n_solver_options; ++i) {
            p->opts[p->n_opts].name = spec->solver_options[i].name;
            p->opts[p->n_opts].value = spec->solver_options[i].value;
            p->opts[p->n_opts++].where = spec->solver_options[i].where;
        }
        for (size_t i = 0; i < spec->n_submodules; ++i) {
            p->subs[p->n_subs].name = spec->submodules[i].name;
            p->subs[p->n_subs].solver = spec->submodules[i].solver;
            p->subs[p->n_subs].substeps = spec->submodules[i].substeps;
            p->subs[p->n_subs++].where = spec->submodules[i].where;
        }
        if (spec->record_states) {
            p->rec_states = (const char *const *)spec->record_states;
            p->n_rec_states = spec->n_record_states;
            p->rec_states_where = ".record.states";
            p->recording = 1;
        }
        if (spec->record_units) {
            p->rec_units = spec->record_units;
            p->n_rec_units = spec->n_record_units;
            p->rec_units_where = ".record.units";
            p->recording = 1;
        }
        if (spec->record_every) {
            p->every = spec->record_every;
            p->recording = 1;
        }
        if (spec->output_path) {
            p->out_path = spec->output_path;
            p->recording = 1;
        }
        p->format = spec->output_format;
        p->has_seed = spec->has_seed;
        p->seed = spec->seed;
        p->noise_refine = spec->has_noise_refine ? spec->noise_refine : 0;
        p->no_provenance = spec->no_provenance;
        run_plan_spec_control(p, spec);
    }
    if (o->model) {
        p->model = o->model;
        p->model_where = NULL;
    }
    if (o->solver) {
        p->solver = o->solver;
        p->solver_where = NULL;
    }
    if (o->dt_text) {
        if (cli_parse_double(o->dt_text, "run: --dt", &p->dt))
            return -1;
        p->dt_where = NULL;
        if (!(p->dt > 0.0)) {
            cli_errorf("run: --dt must be a positive finite number, got '%s'", o->dt_text);
            return -1;
        }
    }
    if (o->t_end_text) {
        if (cli_parse_double(o->t_end_text, "run: --t-end", &p->t_end))
            return -1;
        p->t_end_where = NULL;
        if (!(p->t_end > 0.0)) {
            cli_errorf("run: --t-end must be a positive finite number, got '%s'", o->t_end_text);
            return -1;
        }
    }
    for (size_t i = 0; i < o->n_params; ++i) {
        dq_param_arg_t arg;
        const dq_spec_param_t *gen = NULL;
        if (run_parse_param(o->params[i], mem, &arg, &gen))
            return -1;
        size_t k = 0; /* a flag replaces the spec's value of the same name */
        while (k < p->n_params && strcmp(p->params[k].name, arg.name) != 0)
            ++k;
        p->params[k] = arg;
        p->gens[k] = gen;
        p->n_params += k == p->n_params;
    }
    for (size_t i = 0; i < o->n_opts; ++i) {
        const char *text = o->opts[i], *eq = strchr(text, '=');
        if (!eq || eq == text) {
            cli_errorf("run: --solver-opt expects NAME=VALUE, got '%s'", text);
            return -1;
        }
        char *name = run_keep(mem, strndup(text, (size_t)(eq - text)));
        char what[160];
        snprintf(what, sizeof what, "run: --solver-opt %s", name ? name : "");
        double value;
        if (!name || cli_parse_double(eq + 1, what, &value))
            return -1;
        p->opts[p->n_opts].name = name;
        p->opts[p->n_opts].value = value;
        p->opts[p->n_opts++].where = NULL;
    }
    for (size_t i = 0; i < o->n_submodules; ++i) {
        const char *text = o->submodules[i], *eq = strchr(text, '=');
        if (!eq || eq == text || !eq[1]) {
            cli_errorf("run: --submodule expects MODULE=SOLVER[:SUBSTEPS], got '%s'", text);
            return -1;
        }
        char *name = run_keep(mem, strndup(text, (size_t)(eq - text)));
        char *solver = run_keep(mem, strdup(eq + 1));
        if (!name || !solver)
            return -1;
        char *colon = strchr(solver, ':');
        uint64_t k = 0;
        if (colon) {
            *colon = '\0';
            if (run_parse_count(colon + 1, "run: --submodule substeps", 1, &k))
                return -1;
            if (k > RUN_MAX_SUBSTEPS) {
                cli_errorf("run: --submodule substeps: %s is more than the limit of %u substeps "
                           "per step",
                           colon + 1, RUN_MAX_SUBSTEPS);
                return -1;
            }
        }
        p->subs[p->n_subs].name = name;
        p->subs[p->n_subs].solver = *solver ? solver : NULL;
        p->subs[p->n_subs].substeps = (unsigned)k;
        p->subs[p->n_subs++].where = NULL;
    }
    if (o->record) {
        char **items;
        if (run_split(o->record, "run: --record", mem, &items, &p->n_rec_states))
            return -1;
        p->rec_states = (const char *const *)items;
        p->rec_states_where = "--record";
        p->recording = 1;
    }
    if (o->units) {
        char **items;
        size_t n;
        if (run_split(o->units, "run: --units", mem, &items, &n))
            return -1;
        size_t *units = run_keep(mem, malloc(n * sizeof *units));
        if (!units)
            return -1;
        for (size_t k = 0; k < n; ++k) {
            uint64_t u;
            if (run_parse_count(items[k], "run: --units", 0, &u))
                return -1;
            units[k] = (size_t)u;
        }
        p->rec_units = units;
        p->n_rec_units = n;
        p->rec_units_where = "--units";
        p->recording = 1;
    }
    if (o->every) {
        if (run_parse_count(o->every, "run: --every", 1, &p->every))
            return -1;
        p->recording = 1;
    }
    if (o->out_path) {
        p->out_path = o->out_path;
        p->recording = 1;
    }
    /* "-" is standard output, in the spec as with -o. */
    if (p->out_path && strcmp(p->out_path, "-") == 0)
        p->out_path = NULL;
    if (o->format) {
        if (strcmp(o->format, "csv") == 0)
            p->format = DQ_FORMAT_CSV;
        else if (strcmp(o->format, "json") == 0)
            p->format = DQ_FORMAT_JSON;
        else if (strcmp(o->format, "h5") == 0)
            p->format = DQ_FORMAT_H5;
        else {
            cli_errorf("run: --format must be csv, json or h5, got '%s'", o->format);
            return -1;
        }
        p->recording = 1;
    }
    if (o->seed) {
        if (run_parse_count(o->seed, "run: --seed", 0, &p->seed))
            return -1;
        p->has_seed = 1;
    }
    if (o->no_provenance)
        p->no_provenance = 1;
    if (o->noise_refine) {
        uint64_t r;
        if (run_parse_count(o->noise_refine, "run: --noise-refine", 1, &r))
            return -1;
        if (r > 1000000) {
            cli_errorf("run: --noise-refine must be at most 1000000, got '%s'", o->noise_refine);
            return -1;
        }
        p->noise_refine = (unsigned)r;
    }
    if (run_plan_flag_control(p, o, mem) || run_cable_plan(p, spec, o, mem))
        return -1;
    /* An -o name ending in .h5 is HDF5 unless --format says otherwise: the spec's format
     * was chosen for the spec's path, and CSV text in a .h5 file is never what is meant. */
    if (!o->format && o->out_path && p->out_path) {
        size_t olen = strlen(p->out_path);
        if (olen >= 3 && strcmp(p->out_path + olen - 3, ".h5") == 0)
            p->format = DQ_FORMAT_H5;
    }
    if (p->format == DQ_FORMAT_DEFAULT) {
        size_t len = p->out_path ? strlen(p->out_path) : 0;
        p->format = len >= 5 && strcmp(p->out_path + len - 5, ".json") == 0 ? DQ_FORMAT_JSON
                    : len >= 3 && strcmp(p->out_path + len - 3, ".h5") == 0 ? DQ_FORMAT_H5
                                                                            : DQ_FORMAT_CSV;
    }
    for (size_t i = 0; i < p->n_subs; ++i)
        if (p->subs[i].substeps > RUN_MAX_SUBSTEPS) { /* only the spec's can be, here */
            cli_errorf("%s: %s.substeps: %u is more than the limit of %u substeps per step",
                       p->spec_path, p->subs[i].where, p->subs[i].substeps, RUN_MAX_SUBSTEPS);
            return -1;
        }
    /* What is still missing, named the way the user can supply it. */
    static const char *const flags[] = {"--model", "--solver", "--dt", "--t-end"};
    static const char *const keys[] = {".model", ".solver", ".dt", ".t_end"};
    int missing[] = {!p->model, !p->solver, !(p->dt > 0), !(p->t_end > 0)};
    for (int k = 0; k < 4; ++k) {
        if (!missing[k])
            continue;
        if (spec)
            cli_errorf("%s: %s: required (in the spec or as %s)", spec->path, keys[k], flags[k]);
        else
            cli_errorf("run: %s is required (see dqhost run --help)", flags[k]);
        return -1;
    }
    return run_sweep_expand(p, mem);
}

int run_plan_slice(run_plan_t *p, const dq_model_desc_t *model, size_t first, size_t count,
                   size_t total, run_mem_t *mem)
{
    for (size_t i = 0; i < p->n_params; ++i)
        if (p->params[i].len > 1 && p->params[i].len == total) {
            p->params[i].v += first;
            p->params[i].len = count;
        }
    for (size_t i = 0; i < model->n_params; ++i) {
        if (!(model->params[i].flags & DQ_PARAM_POPULATION))
            continue;
        double *n = run_keep(mem, malloc(sizeof *n));
        if (!n || p->n_params == sizeof p->params / sizeof p->params[0]) {
            cli_errorf("out of memory");
            return -1;
        }
        *n = (double)count; /* the last argument of a name wins */
        p->params[p->n_params++] = (dq_param_arg_t){model->params[i].name, n, 1, NULL};
    }
    return 0;
}

void run_mem_free(run_mem_t *mem)
{
    for (size_t i = 0; i < mem->n; ++i)
        free(mem->blocks[i]);
    mem->n = 0;
}
