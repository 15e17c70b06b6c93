/* SPDX-License-Identifier: MIT */
/* cmd_run.c -- `dqhost run`: build a model, advance it with a solver, print the result. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_json.h"

#define RUN_MAX_PARAMS 64

typedef struct run_opts {
    const char *model;
    const char *solver;
    const char *dt_text;
    const char *t_end_text;
    const char *param_text[RUN_MAX_PARAMS];
    size_t n_params;
    const char *opt_text[RUN_MAX_PARAMS];
    size_t n_opts;
    size_t block_units;
    int json;
} run_opts_t;

static void run_usage(FILE *out)
{
    fputs("Usage: dqhost run --model M --solver S --dt DT --t-end T [--param K=V]... [--json]\n"
          "\n"
          "Builds model M, advances it from t = 0 to T in steps of DT with solver S (name or\n"
          "alias) and prints the final value of every state.\n"
          "\n"
          "  --model M         a model from `dqhost list`\n"
          "  --solver S        an integrator name or alias\n"
          "  --dt DT           step size (> 0)\n"
          "  --t-end T         end time (> 0), a whole number of steps of DT\n"
          "  --param K=V       set parameter K; V is a number, or for per-unit parameters a\n"
          "                    comma-separated list with one value per unit (repeatable)\n"
          "  --solver-opt K=V  set a solver option (see dqhost info SOLVER; repeatable)\n"
          "  --block-units N   units per cache block (default 256)\n"
          "  --json            print one JSON object instead of text\n",
          out);
}

/* Accepts "--name value" and "--name=value". Returns the value, or NULL when `a` is not
 * this option; sets *missing when the value is absent. */
static const char *run_opt_value(const char *name, int argc, char **argv, int *i, int *missing)
{
    size_t n = strlen(name);
    const char *a = argv[*i];
    if (strncmp(a, name, n) != 0)
        return NULL;
    if (a[n] == '=')
        return a + n + 1;
    if (a[n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = 1;
        return NULL;
    }
    return argv[++*i];
}

static int run_parse(run_opts_t *o, int argc, char **argv)
{
    static const char *const names[] = {"--model", "--solver",      "--dt",
                                        "--t-end", "--param",       "--block-units",
                                        "--solver-opt"};
    for (int i = 1; i < argc; ++i) {
        if (strcmp(argv[i], "--json") == 0) {
            o->json = 1;
            continue;
        }
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            run_usage(stdout);
            return 1;
        }
        const char *v = NULL;
        int missing = 0;
        size_t k = 0;
        for (; k < sizeof names / sizeof names[0]; ++k)
            if ((v = run_opt_value(names[k], argc, argv, &i, &missing)) || missing)
                break;
        if (missing) {
            cli_errorf("run: %s needs a value", names[k]);
            return -1;
        }
        if (!v) {
            cli_errorf("run: unknown argument '%s' (see dqhost run --help)", argv[i]);
            return -1;
        }
        switch (k) {
        case 0: o->model = v; break;
        case 1: o->solver = v; break;
        case 2: o->dt_text = v; break;
        case 3: o->t_end_text = v; break;
        case 4:
            if (o->n_params == RUN_MAX_PARAMS) {
                cli_errorf("run: too many --param options (at most %d)", RUN_MAX_PARAMS);
                return -1;
            }
            o->param_text[o->n_params++] = v;
            break;
        case 6:
            if (o->n_opts == RUN_MAX_PARAMS) {
                cli_errorf("run: too many --solver-opt options (at most %d)", RUN_MAX_PARAMS);
                return -1;
            }
            o->opt_text[o->n_opts++] = v;
            break;
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
    const char *need = !o->model ? "--model" : !o->solver ? "--solver" : !o->dt_text ? "--dt"
                       : !o->t_end_text ? "--t-end" : NULL;
    if (need) {
        cli_errorf("run: %s is required (see dqhost run --help)", need);
        return -1;
    }
    return 0;
}

/* "K=V[,V...]" into args[i] with values in store (owned by the caller). */
static int run_parse_param(const char *text, dq_param_arg_t *arg, double **store)
{
    const char *eq = strchr(text, '=');
    if (!eq || eq == text) {
        cli_errorf("run: --param expects NAME=VALUE, got '%s'", text);
        return -1;
    }
    size_t count = 1;
    for (const char *p = eq + 1; *p; ++p)
        count += *p == ',';
    char *name = strndup(text, (size_t)(eq - text));
    char *values = strdup(eq + 1);
    double *v = malloc(count * sizeof *v);
    if (!name || !values || !v) {
        free(name);
        free(values);
        free(v);
        cli_errorf("out of memory");
        return -1;
    }
    char what[160];
    snprintf(what, sizeof what, "run: --param %s", name);
    size_t k = 0;
    int bad = 0;
    /* strtok_r would skip empty fields ("1,,2"); split by hand so they are errors. */
    for (char *p = values, *next; !bad && p; p = next, ++k) {
        next = strchr(p, ',');
        if (next)
            *next++ = '\0';
        bad = cli_parse_double(p, what, &v[k]) != 0;
    }
    free(values);
    if (bad) {
        free(name);
        free(v);
        return -1;
    }
    arg->name = name;
    arg->v = v;
    arg->len = count;
    arg->where = NULL;
    *store = v;
    return 0;
}

static double run_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void run_print_text(const dq_system_t *sys, const dq_integrator_entry_t *solver,
                           const char *model, double dt, unsigned long long steps, double wall)
{
    size_t units = dq_system_units(sys);
    printf("model %s, solver %s, dt %.6g, %llu steps to t = %.6g (%zu unit%s, %.3f s)\n", model,
           solver->name, dt, steps, dq_system_time(sys), units, units == 1 ? "" : "s", wall);
    for (size_t s = 0; s < dq_system_state_count(sys); ++s) {
        printf("%s = ", dq_system_state_name(sys, s));
        if (units == 1) {
            printf("%.6g\n", dq_system_value(sys, s, 0));
            continue;
        }
        size_t shown = units <= 8 ? units : 5;
        printf("[");
        for (size_t u = 0; u < shown; ++u)
            printf("%s%.6g", u ? ", " : "", dq_system_value(sys, s, u));
        if (shown < units)
            printf(", ... (%zu values; --json prints all)", units);
        printf("]\n");
    }
}

static int run_print_json(const dq_system_t *sys, const dq_integrator_entry_t *solver,
                          const run_opts_t *o, double dt, double t_end,
                          unsigned long long steps, double wall)
{
    json_t *final = json_object();
    size_t units = dq_system_units(sys);
    for (size_t s = 0; s < dq_system_state_count(sys); ++s) {
        json_t *arr = json_array();
        for (size_t u = 0; u < units; ++u)
            json_array_append_new(arr, json_real(dq_system_value(sys, s, u)));
        json_object_set_new(final, dq_system_state_name(sys, s), arr);
    }
    return cli_json_emit(json_pack("{s:s, s:s, s:s, s:f, s:f, s:I, s:f, s:I, s:o, s:f}", "model",
                                   o->model, "solver", solver->name, "solver_requested",
                                   o->solver, "dt", dt, "t_end", t_end, "steps",
                                   (json_int_t)steps, "t", dq_system_time(sys), "units",
                                   (json_int_t)units, "final", final, "wall_time_s", wall));
}

int cmd_run(dq_cli_t *cli, int argc, char **argv)
{
    run_opts_t o = {0};
    int prc = run_parse(&o, argc, argv);
    if (prc)
        return prc > 0 ? DQ_EXIT_OK : DQ_EXIT_USAGE;

    double dt, t_end;
    if (cli_parse_double(o.dt_text, "run: --dt", &dt) ||
        cli_parse_double(o.t_end_text, "run: --t-end", &t_end))
        return DQ_EXIT_USAGE;
    if (!(dt > 0.0)) {
        cli_errorf("run: --dt must be a positive finite number, got '%s'", o.dt_text);
        return DQ_EXIT_USAGE;
    }
    if (!(t_end > 0.0)) {
        cli_errorf("run: --t-end must be a positive finite number, got '%s'", o.t_end_text);
        return DQ_EXIT_USAGE;
    }
    double ratio = t_end / dt;
    double whole = nearbyint(ratio);
    if (whole < 1.0 || fabs(whole * dt - t_end) > 1e-9 * t_end || whole > 9.0e15) {
        cli_errorf("run: --t-end %s is not a whole number of steps of --dt %s (%.10g steps)",
                   o.t_end_text, o.dt_text, ratio);
        return DQ_EXIT_USAGE;
    }
    unsigned long long steps = (unsigned long long)whole;

    dq_error_t err = {0};
    const dq_model_entry_t *model = dq_registry_lookup_model(cli->reg, o.model, &err);
    if (!model) {
        cli_print_error(&err);
        return DQ_EXIT_USAGE;
    }
    const dq_integrator_entry_t *solver = dq_registry_lookup(cli->reg, o.solver, &err);
    if (!solver) {
        cli_print_error(&err);
        return DQ_EXIT_USAGE;
    }

    dq_param_arg_t args[RUN_MAX_PARAMS];
    double *stores[RUN_MAX_PARAMS];
    size_t n_args = 0;
    int rc = DQ_EXIT_OK;
    dq_system_t *sys = NULL;
    for (; n_args < o.n_params; ++n_args)
        if (run_parse_param(o.param_text[n_args], &args[n_args], &stores[n_args])) {
            rc = DQ_EXIT_USAGE;
            goto done;
        }
    sys = dq_system_new(model->desc, args, n_args, &err);
    if (!sys || dq_system_set_solver(sys, solver, &err) ||
        (o.block_units && dq_system_set_block_units(sys, o.block_units, &err))) {
        cli_print_error(&err);
        rc = err.code == DQ_ENOMEM ? DQ_EXIT_FAILURE : DQ_EXIT_USAGE;
        goto done;
    }
    for (size_t i = 0; i < o.n_opts; ++i) {
        const char *text = o.opt_text[i], *eq = strchr(text, '=');
        if (!eq || eq == text) {
            cli_errorf("run: --solver-opt expects NAME=VALUE, got '%s'", text);
            rc = DQ_EXIT_USAGE;
            goto done;
        }
        char name[128], what[160];
        snprintf(name, sizeof name, "%.*s", (int)(eq - text), text);
        snprintf(what, sizeof what, "run: --solver-opt %s", name);
        double value;
        if (cli_parse_double(eq + 1, what, &value)) {
            rc = DQ_EXIT_USAGE;
            goto done;
        }
        if (dq_system_set_solver_option(sys, name, value, &err)) {
            cli_print_error(&err);
            rc = DQ_EXIT_USAGE;
            goto done;
        }
    }
    if (dq_system_prepare(sys, 0.0, dt, &err)) {
        cli_print_error(&err);
        rc = DQ_EXIT_FAILURE;
        goto done;
    }
    double start = run_now();
    for (unsigned long long k = 0; k < steps; ++k)
        if (dq_system_step(sys, &err)) {
            cli_print_error(&err);
            rc = DQ_EXIT_FAILURE;
            goto done;
        }
    double wall = run_now() - start;
    if (o.json)
        rc = run_print_json(sys, solver, &o, dt, t_end, steps, wall);
    else
        run_print_text(sys, solver, o.model, dt, steps, wall);
done:
    dq_system_free(sys);
    for (size_t i = 0; i < n_args; ++i) {
        free((char *)args[i].name);
        free(stores[i]);
    }
    return rc;
}
