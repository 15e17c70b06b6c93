/* SPDX-License-Identifier: MIT */
/* run.h -- the parts of `dqhost run`: options and the plan merged from spec and flags
 * (run_plan.c), progress and summaries (run_report.c), the run itself (cmd_run.c). */
#ifndef DQ_CLI_RUN_H
#define DQ_CLI_RUN_H

#include <stdint.h>
#include <stdio.h>

#include <dq/host/record.h>
#include <dq/host/spec.h>

#include "cli_json.h"

#define RUN_MAX 256

typedef struct run_opts {
    const char *spec_path;
    const char *model, *solver, *dt_text, *t_end_text, *out_path, *format, *record, *units, *every,
        *seed;
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
    int recording;        /* a trajectory was asked for */
    const char *out_path; /* NULL: standard output */
    dq_output_format_t format;
    int has_seed;
    uint64_t seed;
} run_plan_t;

/* Memory owned by the run, freed at the end. */
typedef struct run_mem {
    void *blocks[4 * RUN_MAX];
    size_t n;
} run_mem_t;

typedef struct run_result {
    unsigned long long steps;
    double wall;
    uint64_t samples;
} run_result_t;

/* The progress bar: only on a terminal, only once the run has taken a second. */
typedef struct run_progress {
    int enabled, shown;
    double start, next;
} run_progress_t;

/* Keeps p for run_mem_free (frees it and returns NULL when full). */
void *run_keep(run_mem_t *mem, void *p);
void run_mem_free(run_mem_t *mem);
void run_usage(FILE *out);
/* Parses the command line: 0 fine, 1 --help was printed, -1 error (reported). */
int run_parse(run_opts_t *o, int argc, char **argv);
int run_parse_count(const char *text, const char *what, double min, uint64_t *out);
/* Merges the spec (may be NULL) and the flags into the plan. 0, or -1 (reported). */
int run_plan_build(run_plan_t *p, const dq_spec_t *spec, const run_opts_t *o, run_mem_t *mem);

double run_now(void);
void run_progress_update(run_progress_t *pg, double frac, double t, const char *unit);
void run_progress_clear(run_progress_t *pg);
void run_summary_text(FILE *out, const dq_system_t *sys, const run_plan_t *p,
                      const run_result_t *r);
int run_summary_json(const dq_system_t *sys, const run_plan_t *p, const char *requested,
                     const run_result_t *r);

#endif
