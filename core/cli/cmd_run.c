/* SPDX-License-Identifier: MIT */
/* cmd_run.c -- `dqhost run`: a run spec and/or flags in, a trajectory and a summary out.
 *
 * Order of work: read the spec, merge the flags over it, build and check everything
 * (model, parameters, solvers, sub-modules, recording) before any output file exists, then
 * run. A trajectory file is written under a temporary name and renamed when the run
 * succeeds; a run that fails keeps what it recorded as "<path>.partial". */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dq/host/record.h>
#include <dq/host/spec.h>

#include "cli_json.h"

#define RUN_MAX 256

typedef struct run_opts {
    const char *spec_path;
    const char *model, *solver, *dt_text, *t_end_text, *out_path, *format, *record, *units,
        *every, *seed;
    const char *params[RUN_MAX];
    size_t n_params;
    const char *opts[RUN_MAX];
    size_t n_opts;
    const char *submodules[RUN_MAX];
    size_t n_submodules;
    size_t block_units;
    size_t threads; /* 0: automatic */
    int json, quiet;
} run_opts_t;

/* Everything the run needs, merged from the spec and the flags. */
typedef struct run_plan {
    const char *spec_path; /* NULL without a spec */
    const char *model, *model_where;
    const char *solver, *solver_where;
    double dt, t_end;
    const char *dt_where, *t_end_where;
    dq_param_arg_t params[2 * RUN_MAX];
    size_t n_params;
    struct {
        const char *name;
        double value;
        const char *where;
    } opts[2 * RUN_MAX];
    size_t n_opts;
    struct {
        const char *name, *solver, *where;
        unsigned substeps;
    } subs[2 * RUN_MAX];
    size_t n_subs;
    const char *const *rec_states;
    size_t n_rec_states;
    const char *rec_states_where;
    const size_t *rec_units;
    size_t n_rec_units;
    const char *rec_units_where;
    uint64_t every;
    int recording;         /* a trajectory was asked for */
    const char *out_path;  /* NULL: standard output */
    dq_output_format_t format;
    int has_seed;
    uint64_t seed;
} run_plan_t;

/* Memory owned by the run, freed at the end. */
typedef struct run_mem {
    void *blocks[4 * RUN_MAX];
    size_t n;
} run_mem_t;

static void *run_keep(run_mem_t *mem, void *p)
{
    if (p && mem->n < sizeof mem->blocks / sizeof mem->blocks[0])
        mem->blocks[mem->n++] = p;
    else if (p) {
        free(p);
        p = NULL;
    }
    return p;
}

static void run_usage(FILE *out)
{
    fputs("Usage: dqhost run [SPEC.json] [options]\n"
          "\n"
          "Simulates a model from t = 0 to t_end with a solver and prints a summary; with a\n"
          "trajectory requested (spec \"record\"/\"output\", --record, --every, --units or -o)\n"
          "it also records states every k steps to CSV or JSON. Flags override the spec.\n"
          "\n"
          "  --model M             a model from `dqhost models`\n"
          "  --solver S            an integrator name or alias\n"
          "  --dt DT               step size (> 0)\n"
          "  --t-end T             end time (> 0), a whole number of steps of DT\n"
          "  --param K=V           model parameter; a per-unit parameter takes V1,V2,...\n"
          "  --solver-opt K=V      solver option (see dqhost info SOLVER)\n"
          "  --submodule M=S[:K]   give sub-module M its own solver S, with K substeps\n"
          "  --record S1,S2        states to record (default: all)\n"
          "  --every K             record every K steps (default 1)\n"
          "  --units U1,U2         units to record (default: all)\n"
          "  -o, --output FILE     write the trajectory to FILE (default: standard output)\n"
          "  --format csv|json     trajectory format (default: from FILE's extension, else csv)\n"
          "  --seed N              random seed\n"
          "  --threads N           threads (default: one per core for large populations);\n"
          "                        the results are the same bits for every count\n"
          "  --block-units N       units per cache block (default 256)\n"
          "  --json                print the summary as JSON\n"
          "  -q, --quiet           no progress bar, no summary when the trajectory goes to\n"
          "                        standard output\n"
          "\n"
          "Exit status: 0 success, 1 failure while running (the partial trajectory is kept\n"
          "as FILE.partial), 2 invalid input (nothing is written).\n",
          out);
}

/* Accepts "--name value" and "--name=value" (and a short alias). */
static const char *run_opt_value(const char *name, const char *alias, int argc, char **argv,
                                 int *i, int *missing)
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

static int run_parse_count(const char *text, const char *what, double min, uint64_t *out);

static int run_parse(run_opts_t *o, int argc, char **argv)
{
    static const struct {
        const char *name, *alias;
    } names[] = {{"--model", NULL},     {"--solver", NULL},  {"--dt", NULL},
                 {"--t-end", NULL},     {"--param", NULL},   {"--solver-opt", NULL},
                 {"--submodule", NULL}, {"--record", NULL},  {"--every", NULL},
                 {"--units", NULL},     {"--output", "-o"},  {"--format", NULL},
                 {"--seed", NULL},      {"--block-units", NULL}, {"--threads", NULL}};
    for (int i = 1; i < argc; ++i) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0) {
            o->json = 1;
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
        case 0: o->model = v; break;
        case 1: o->solver = v; break;
        case 2: o->dt_text = v; break;
        case 3: o->t_end_text = v; break;
        case 4:
        case 5:
        case 6:
            if (*counts[k - 4] == RUN_MAX) {
                cli_errorf("run: too many %s options (at most %d)", names[k].name, RUN_MAX);
                return -1;
            }
            lists[k - 4][(*counts[k - 4])++] = v;
            break;
        case 7: o->record = v; break;
        case 8: o->every = v; break;
        case 9: o->units = v; break;
        case 10: o->out_path = v; break;
        case 11: o->format = v; break;
        case 12: o->seed = v; break;
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
        default: {
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
static int run_parse_count(const char *text, const char *what, double min, uint64_t *out)
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

/* "K=V1,V2" into a parameter argument (values kept in mem). */
static int run_parse_param(const char *text, run_mem_t *mem, dq_param_arg_t *arg)
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
    if (!name || run_split(eq + 1, what, mem, &items, &n))
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

/* Merges the spec (may be NULL) and the flags into the plan. Returns 0 or -1 (reported). */
static int run_plan_build(run_plan_t *p, const dq_spec_t *spec, const run_opts_t *o,
                          run_mem_t *mem)
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
        for (size_t i = 0; i < spec->n_params; ++i)
            p->params[p->n_params++] = (dq_param_arg_t){spec->params[i].name, spec->params[i].v,
                                                        spec->params[i].len,
                                                        spec->params[i].where};
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
        if (run_parse_param(o->params[i], mem, &arg))
            return -1;
        size_t k = 0; /* a flag replaces the spec's value of the same name */
        while (k < p->n_params && strcmp(p->params[k].name, arg.name) != 0)
            ++k;
        p->params[k] = arg;
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
    if (o->format) {
        if (strcmp(o->format, "csv") == 0)
            p->format = DQ_FORMAT_CSV;
        else if (strcmp(o->format, "json") == 0)
            p->format = DQ_FORMAT_JSON;
        else {
            cli_errorf("run: --format must be csv or json, got '%s'", o->format);
            return -1;
        }
        p->recording = 1;
    }
    if (o->seed) {
        if (run_parse_count(o->seed, "run: --seed", 0, &p->seed))
            return -1;
        p->has_seed = 1;
    }
    if (p->format == DQ_FORMAT_DEFAULT) {
        size_t len = p->out_path ? strlen(p->out_path) : 0;
        p->format = len >= 5 && strcmp(p->out_path + len - 5, ".json") == 0 ? DQ_FORMAT_JSON
                                                                           : DQ_FORMAT_CSV;
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
    return 0;
}

/* Prints an error; one that names a JSON path belongs to the spec file. */
static void run_error(const run_plan_t *p, dq_error_t *err)
{
    if (p->spec_path && err->message[0] == '.')
        dq_error_add_source(err, p->spec_path);
    cli_print_error(err);
}

static double run_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Prints the registry's and the system's warnings. */
static void run_on_warning(void *user, const char *source, const char *message)
{
    (void)user;
    (void)source;
    cli_warnf("%s", message);
}

/* The progress bar: only on a terminal, only once the run has taken a second. */
typedef struct run_progress {
    int enabled, shown;
    double start, next;
} run_progress_t;

static void run_progress_update(run_progress_t *pg, double frac, double t, const char *unit)
{
    double now = run_now();
    if (now < pg->next)
        return;
    pg->next = now + 0.1;
    if (now - pg->start < 1.0)
        return;
    pg->shown = 1;
    int width = 30, fill = (int)(frac * width);
    double eta = frac > 0 ? (now - pg->start) * (1.0 - frac) / frac : 0.0;
    fprintf(stderr, "\r[%.*s%*s] %3d%%  t = %-10.6g%s  eta %.0f s ", fill,
            "==============================", width - fill, "", (int)(frac * 100.0), t,
            unit ? unit : "", eta);
    fflush(stderr);
}

static void run_progress_clear(run_progress_t *pg)
{
    if (pg->shown)
        fprintf(stderr, "\r%*s\r", 72, "");
}

typedef struct run_result {
    unsigned long long steps;
    double wall;
    uint64_t samples;
} run_result_t;

/* Firing rates from counting states: events per unit time, in Hz for ms and s models. */
static double run_rate_scale(const char *time_unit)
{
    if (time_unit && strcmp(time_unit, "ms") == 0)
        return 1000.0;
    return 1.0;
}

static void run_summary_text(FILE *out, const dq_system_t *sys, const run_plan_t *p,
                             const run_result_t *r)
{
    size_t units = dq_system_units(sys);
    const char *tu = dq_system_time_unit(sys);
    fprintf(out, "model %s, solver %s, dt %.6g%s%s, %llu steps to t = %.6g%s%s (%zu unit%s)\n",
            dq_system_model_name(sys), dq_system_solver_name(sys), p->dt, tu ? " " : "",
            tu ? tu : "", r->steps, dq_system_time(sys), tu ? " " : "", tu ? tu : "", units,
            units == 1 ? "" : "s");
    for (size_t i = 1; i < dq_system_module_count(sys); ++i) {
        const dq_integrator_entry_t *e = dq_system_module_solver(sys, i);
        if (!dq_system_module_is_independent(sys, i))
            continue;
        fprintf(out, "sub-module %s: solver %s, %u substep%s\n", dq_system_module_name(sys, i),
                e ? e->name : "?", dq_system_module_substeps(sys, i),
                dq_system_module_substeps(sys, i) == 1 ? "" : "s");
    }
    double sps = r->wall > 0 ? (double)r->steps / r->wall : 0.0;
    fprintf(out, "wall time %.3f s: %.4g steps/s, %.4g unit-steps/s\n", r->wall, sps,
            sps * (double)units);
    if (p->recording)
        fprintf(out, "trajectory: %llu samples -> %s (%s)\n", (unsigned long long)r->samples,
                p->out_path ? p->out_path : "standard output",
                p->format == DQ_FORMAT_JSON ? "json" : "csv");
    for (size_t s = 0; s < dq_system_state_count(sys); ++s) {
        const char *name = dq_system_state_name(sys, s);
        if (dq_system_state_flags(sys, s) & DQ_STATE_COUNT) {
            double sum = 0, lo = INFINITY, hi = -INFINITY, scale = run_rate_scale(tu);
            for (size_t u = 0; u < units; ++u) {
                double rate = dq_system_value(sys, s, u) / dq_system_time(sys) * scale;
                sum += rate;
                lo = fmin(lo, rate);
                hi = fmax(hi, rate);
            }
            const char *ru = tu && (!strcmp(tu, "ms") || !strcmp(tu, "s")) ? "Hz" : "per unit time";
            fprintf(out, "rate of %s: mean %.4g %s (min %.4g, max %.4g)\n", name,
                    sum / (double)units, ru, lo, hi);
        }
    }
    for (size_t s = 0; s < dq_system_state_count(sys); ++s) {
        fprintf(out, "%s = ", dq_system_state_name(sys, s));
        if (units == 1) {
            fprintf(out, "%.6g\n", dq_system_value(sys, s, 0));
            continue;
        }
        size_t shown = units <= 8 ? units : 5;
        fprintf(out, "[");
        for (size_t u = 0; u < shown; ++u)
            fprintf(out, "%s%.6g", u ? ", " : "", dq_system_value(sys, s, u));
        if (shown < units)
            fprintf(out, ", ... (%zu values; --json prints all)", units);
        fprintf(out, "]\n");
    }
}

static int run_summary_json(const dq_system_t *sys, const run_plan_t *p, const char *requested,
                            const run_result_t *r)
{
    json_t *final = json_object(), *rates = json_object(), *subs = json_object();
    size_t units = dq_system_units(sys);
    const char *tu = dq_system_time_unit(sys);
    for (size_t s = 0; s < dq_system_state_count(sys); ++s) {
        json_t *arr = json_array();
        double sum = 0;
        for (size_t u = 0; u < units; ++u) {
            double v = dq_system_value(sys, s, u);
            sum += v;
            json_array_append_new(arr, json_real(v));
        }
        json_object_set_new(final, dq_system_state_name(sys, s), arr);
        if (dq_system_state_flags(sys, s) & DQ_STATE_COUNT)
            json_object_set_new(rates, dq_system_state_name(sys, s),
                                json_real(sum / (double)units / dq_system_time(sys) *
                                          run_rate_scale(tu)));
    }
    for (size_t i = 1; i < dq_system_module_count(sys); ++i) {
        const dq_integrator_entry_t *e = dq_system_module_solver(sys, i);
        if (!dq_system_module_is_independent(sys, i))
            continue;
        json_object_set_new(subs, dq_system_module_name(sys, i),
                            json_pack("{s:s, s:i}", "solver", e ? e->name : "?", "substeps",
                                      (int)dq_system_module_substeps(sys, i)));
    }
    double sps = r->wall > 0 ? (double)r->steps / r->wall : 0.0;
    json_t *doc = json_pack("{s:s, s:s, s:s, s:f, s:f, s:I, s:f, s:I, s:o, s:o, s:o, s:f, s:f, "
                            "s:f}",
                            "model", dq_system_model_name(sys), "solver",
                            dq_system_solver_name(sys), "solver_requested", requested, "dt",
                            p->dt, "t_end", p->t_end, "steps", (json_int_t)r->steps, "t",
                            dq_system_time(sys), "units", (json_int_t)units, "submodules", subs,
                            "final", final, "rates_hz", rates, "wall_time_s", r->wall,
                            "steps_per_s", sps, "unit_steps_per_s", sps * (double)units);
    if (doc && p->recording)
        json_object_set_new(doc, "trajectory",
                            json_pack("{s:s?, s:s, s:I}", "path", p->out_path, "format",
                                      p->format == DQ_FORMAT_JSON ? "json" : "csv", "samples",
                                      (json_int_t)r->samples));
    if (doc && tu)
        json_object_set_new(doc, "time_unit", json_string(tu));
    if (doc && p->has_seed)
        json_object_set_new(doc, "seed", json_integer((json_int_t)p->seed));
    return cli_json_emit(doc);
}

/* Builds the system from the plan. Returns NULL after reporting. */
static dq_system_t *run_build(dq_cli_t *cli, const run_plan_t *p, const char **solver_name)
{
    dq_error_t err = {0};
    const dq_model_entry_t *model = dq_registry_lookup_model(cli->reg, p->model, &err);
    if (!model) {
        dq_error_t e = {0};
        dq_error_set(&e, err.code, NULL, "%s%s%s", p->model_where ? p->model_where : "",
                     p->model_where ? ": " : "", err.message);
        run_error(p, &e);
        return NULL;
    }
    const dq_integrator_entry_t *solver = dq_registry_lookup(cli->reg, p->solver, &err);
    if (!solver) {
        dq_error_t e = {0};
        dq_error_set(&e, err.code, NULL, "%s%s%s", p->solver_where ? p->solver_where : "",
                     p->solver_where ? ": " : "", err.message);
        run_error(p, &e);
        return NULL;
    }
    *solver_name = solver->name;
    dq_system_t *sys = dq_system_new(model->desc, p->params, p->n_params, &err);
    if (!sys || dq_system_set_solver(sys, solver, &err))
        goto fail;
    dq_system_set_warning_handler(sys, run_on_warning, NULL);
    for (size_t i = 0; i < p->n_opts; ++i)
        if (dq_system_set_solver_option(sys, p->opts[i].name, p->opts[i].value, &err)) {
            if (p->opts[i].where) {
                dq_error_t e = {0};
                dq_error_set(&e, err.code, NULL, "%s: %s", p->opts[i].where, err.message);
                err = e;
            }
            goto fail;
        }
    for (size_t i = 0; i < p->n_subs; ++i) {
        const dq_integrator_entry_t *sub = NULL;
        if (p->subs[i].solver) {
            sub = dq_registry_lookup(cli->reg, p->subs[i].solver, &err);
            if (!sub) {
                dq_error_t e = {0};
                dq_error_set(&e, err.code, NULL, "%s%s%s", p->subs[i].where ? p->subs[i].where : "",
                             p->subs[i].where ? ".solver: " : "", err.message);
                err = e;
                goto fail;
            }
        }
        if (dq_system_set_module_solver(sys, p->subs[i].name, sub, p->subs[i].substeps,
                                        p->subs[i].where, &err))
            goto fail;
    }
    if (dq_system_resolve_solvers(sys, cli->reg, &err))
        goto fail;
    return sys;
fail:
    run_error(p, &err);
    dq_system_free(sys);
    return NULL;
}

int cmd_run(dq_cli_t *cli, int argc, char **argv)
{
    run_opts_t o = {0};
    int prc = run_parse(&o, argc, argv);
    if (prc)
        return prc > 0 ? DQ_EXIT_OK : DQ_EXIT_USAGE;

    run_mem_t mem = {0};
    run_plan_t *p = calloc(1, sizeof *p);
    dq_spec_t *spec = NULL;
    dq_system_t *sys = NULL;
    dq_recorder_t *rec = NULL;
    FILE *out = NULL;
    char *tmp_path = NULL;
    int rc = DQ_EXIT_USAGE;
    dq_error_t err = {0};
    if (!p) {
        cli_errorf("out of memory");
        return DQ_EXIT_FAILURE;
    }
    if (o.spec_path && !(spec = dq_spec_load(o.spec_path, &err))) {
        cli_print_error(&err);
        rc = err.code == DQ_ENOMEM ? DQ_EXIT_FAILURE : DQ_EXIT_USAGE;
        goto done;
    }
    if (run_plan_build(p, spec, &o, &mem))
        goto done;

    double ratio = p->t_end / p->dt, whole = nearbyint(ratio);
    if (whole < 1.0 || fabs(whole * p->dt - p->t_end) > 1e-9 * p->t_end || whole > 9.0e15) {
        if (p->t_end_where && p->spec_path)
            cli_errorf("%s: %s: %.15g is not a whole number of steps of dt %.15g (%.10g steps)",
                       p->spec_path, p->t_end_where, p->t_end, p->dt, ratio);
        else
            cli_errorf("run: --t-end %s is not a whole number of steps of --dt %s (%.10g steps)",
                       o.t_end_text ? o.t_end_text : "", o.dt_text ? o.dt_text : "", ratio);
        goto done;
    }
    unsigned long long steps = (unsigned long long)whole;

    const char *solver_name = NULL;
    if (!(sys = run_build(cli, p, &solver_name)))
        goto done;
    if ((o.block_units && dq_system_set_block_units(sys, o.block_units, &err)) ||
        dq_system_set_threads(sys, o.threads, &err)) { /* 0 (no --threads): one per core */
        cli_print_error(&err);
        goto done;
    }
    if (dq_system_prepare(sys, 0.0, p->dt, &err)) {
        run_error(p, &err);
        rc = err.code == DQ_EINVAL || err.code == DQ_EUSAGE ? DQ_EXIT_USAGE : DQ_EXIT_FAILURE;
        goto done;
    }

    /* The recorder checks states and units before any file exists. */
    FILE *traj = stdout;
    if (p->recording && p->out_path) {
        tmp_path = malloc(strlen(p->out_path) + 16);
        if (!tmp_path) {
            cli_errorf("out of memory");
            goto done;
        }
        sprintf(tmp_path, "%s.tmp.XXXXXX", p->out_path);
        int fd = mkstemp(tmp_path);
        /* mkstemp creates 0600; the trajectory gets the mode any new file would get. */
        mode_t mask = umask(0);
        umask(mask);
        if (fd >= 0)
            fchmod(fd, 0666 & ~mask);
        if (fd < 0 || !(out = fdopen(fd, "w"))) {
            cli_errorf("cannot write trajectory '%s': %s", p->out_path, strerror(errno));
            if (fd >= 0)
                close(fd);
            free(tmp_path);
            tmp_path = NULL;
            rc = DQ_EXIT_FAILURE;
            goto done;
        }
        traj = out;
    }
    if (p->recording) {
        dq_record_opts_t ro = {.states = p->rec_states,
                               .n_states = p->n_rec_states,
                               .states_where = p->rec_states_where,
                               .units = p->rec_units,
                               .n_units = p->n_rec_units,
                               .units_where = p->rec_units_where,
                               .every = p->every,
                               .format = p->format};
        rec = dq_recorder_new(sys, &ro, traj, &err);
        if (!rec) {
            run_error(p, &err);
            goto done;
        }
    }

    /* Run. */
    run_progress_t pg = {.enabled = !o.quiet && isatty(2), .start = run_now()};
    pg.next = pg.start + 1.0;
    run_result_t r = {0};
    const char *tu = dq_system_time_unit(sys);
    rc = DQ_EXIT_OK;
    if (rec && dq_recorder_sample(rec, &err))
        rc = DQ_EXIT_FAILURE;
    /* Steps go in chunks: a recorded run stops at each sample, a run with a progress bar
     * about every 1% of the way, any other run takes all its steps in one go (each block
     * through every step while it is in cache). */
    uint64_t chunk = steps;
    if (rec)
        chunk = p->every ? p->every : 1;
    else if (pg.enabled && steps >= 100)
        chunk = steps / 100;
    for (unsigned long long k = 0; rc == DQ_EXIT_OK && k < steps;) {
        uint64_t todo = steps - k < chunk ? steps - k : chunk;
        if (dq_system_run(sys, todo, &err) || (rec && dq_recorder_sample(rec, &err))) {
            rc = DQ_EXIT_FAILURE;
            break;
        }
        k += todo;
        if (pg.enabled)
            run_progress_update(&pg, (double)k / (double)steps, dq_system_time(sys), tu);
    }
    r.steps = dq_system_step_count(sys);
    r.wall = run_now() - pg.start;
    run_progress_clear(&pg);
    if (rec) {
        dq_error_t ferr = {0};
        if (dq_recorder_finish(rec, rc == DQ_EXIT_OK ? &err : &ferr))
            rc = DQ_EXIT_FAILURE;
        r.samples = dq_recorder_samples(rec);
    }
    if (out) {
        int bad = fclose(out) != 0;
        out = NULL;
        if (bad && rc == DQ_EXIT_OK) {
            dq_error_set(&err, DQ_EIO, NULL, "cannot write trajectory '%s': %s", p->out_path,
                         strerror(errno));
            rc = DQ_EXIT_FAILURE;
        }
    }
    if (rc != DQ_EXIT_OK) {
        cli_print_error(&err);
        if (tmp_path) {
            char partial[4096];
            snprintf(partial, sizeof partial, "%s.partial", p->out_path);
            if (rename(tmp_path, partial) == 0)
                fprintf(stderr, "dqhost: note: the trajectory recorded up to t = %.6g (%llu "
                                "samples) is kept in '%s'\n",
                        dq_system_time(sys), (unsigned long long)r.samples, partial);
            else
                unlink(tmp_path);
            free(tmp_path);
            tmp_path = NULL;
        }
        goto done;
    }
    if (tmp_path) {
        if (rename(tmp_path, p->out_path) != 0) {
            cli_errorf("cannot write trajectory '%s': %s", p->out_path, strerror(errno));
            unlink(tmp_path);
            free(tmp_path);
            tmp_path = NULL;
            rc = DQ_EXIT_FAILURE;
            goto done;
        }
        free(tmp_path);
        tmp_path = NULL;
    }
    /* The summary goes to stdout unless the trajectory does. */
    int traj_on_stdout = p->recording && !p->out_path;
    if (o.json && !traj_on_stdout)
        rc = run_summary_json(sys, p, o.solver ? o.solver : p->solver, &r);
    else if (!(traj_on_stdout && o.quiet))
        run_summary_text(traj_on_stdout ? stderr : stdout, sys, p, &r);
done:
    if (out)
        fclose(out);
    if (tmp_path) {
        unlink(tmp_path);
        free(tmp_path);
    }
    dq_recorder_free(rec);
    dq_system_free(sys);
    dq_spec_free(spec);
    for (size_t i = 0; i < mem.n; ++i)
        free(mem.blocks[i]);
    free(p);
    return rc;
}
