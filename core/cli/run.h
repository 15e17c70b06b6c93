/* SPDX-License-Identifier: MIT */
/* run.h -- the parts of `dqhost run`: options and the plan merged from spec and flags
 * (run_plan.c), progress and summaries (run_report.c), the run itself (cmd_run.c). */
#ifndef DQ_CLI_RUN_H
#define DQ_CLI_RUN_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <dq/host/cable.h>
#include <dq/host/record.h>
#include <dq/host/spec.h>

#include "cli_json.h"

#define RUN_MAX 256

/* Bounds on a run's size, so that input cannot ask for a run that never ends. The default
 * step limit is about 70 hours of model time at Hodgkin-Huxley's dt of 0.025 ms, minutes for
 * the cheapest model on one unit; --max-steps N changes it (up to 2^53, where doubles stop
 * counting steps exactly). A step's substeps are bounded so that one step stays short: a run
 * stops between steps when interrupted. */
#define RUN_MAX_STEPS_DEFAULT 10000000000ull      /* 1e10 */
#define RUN_MAX_STEPS_CEILING 9007199254740992ull /* 2^53 */
#define RUN_MAX_SUBSTEPS 1000000u

typedef struct run_opts {
    const char *spec_path;
    const char *model, *solver, *dt_text, *t_end_text, *out_path, *format, *record, *units, *every,
        *seed, *noise_refine;
    /* Step control of error-controlled solvers (NULL: not given). */
    const char *rtol, *h0, *hmin, *hmax, *max_rejects, *spikes;
    const char *plot;           /* --plot FILE */
    const char *atols[RUN_MAX]; /* "X" or "STATE=X", in order */
    size_t n_atols;
    int fixed_step;
    const char *params[RUN_MAX];
    size_t n_params;
    const char *opts[RUN_MAX];
    size_t n_opts;
    const char *submodules[RUN_MAX];
    size_t n_submodules;
    size_t block_units;
    size_t threads;     /* 0: automatic */
    uint64_t max_steps; /* 0: RUN_MAX_STEPS_DEFAULT */
    int json, quiet;
    int no_provenance;  /* --no-provenance */
    const char *replay; /* --replay OUTPUT */
    /* Cable models (run_cable.c): --morphology, --discretisation, --cm, --Ra, --v-init and
     * the --stim flags, as given (NULL: not given). */
    const char *morphology, *discret, *cm, *Ra, *v_init;
    const char *stims[RUN_MAX];
    size_t n_stims;
} run_opts_t;

/* Everything the run needs, merged from the spec and the flags. */
typedef struct run_plan {
    const dq_registry_t *reg; /* the loaded plugins (borrowed from the CLI) */
    const char *spec_path;    /* NULL without a spec */
    const char *model, *model_where;
    const char *solver, *solver_where;
    double dt, t_end;
    const char *dt_where, *t_end_where;
    dq_param_arg_t params[2 * RUN_MAX];
    size_t n_params;
    /* Parameters made by a generator or a sweep axis (run_sweep.c): gens[i] is where
     * params[i]'s values come from (NULL: numbers written out); run_sweep_expand fills
     * params[i] with one value per unit. The spec's sweep axes, in order. [borrowed] */
    const dq_spec_param_t *gens[2 * RUN_MAX];
    const dq_spec_param_t *sweep;
    size_t n_sweep, sweep_units;
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
    unsigned noise_refine; /* 0: not given (1) */
    /* The step control (dq_step_control_t: 0 is the host's default), with where each value
     * came from: a spec path (".adaptive.rtol"), a flag ("--rtol"), or NULL (not given). */
    struct {
        double rtol, atol, h0, hmin, hmax;
        const char *rtol_where, *atol_where, *h0_where, *hmin_where, *hmax_where;
        unsigned max_rejects;
        const char *max_rejects_where;
        struct {
            const char *state, *where;
            double value;
        } states[2 * RUN_MAX];
        size_t n_states;
        int fixed_step;
        const char *fixed_step_where;
    } ctl;
    const char *spikes_path;  /* NULL: no spike file; "-" is turned into spikes_stdout */
    const char *spikes_where; /* ".output.spikes" or NULL (the flag) */
    int spikes_stdout;
    dq_output_format_t spikes_format; /* CSV, or JSON for a ".json" path */
    int no_provenance;      /* the trajectory carries no provenance (--no-provenance, spec) */
    const char *plot_path;  /* picture drawn from the trajectory after the run, or NULL */
    const char *plot_where; /* ".output.plot" or NULL (the flag) */
    /* Cable models (run_cable.c), from the spec and the flags. cable.stim points at stim. */
    const char *morph_path;    /* the morphology file, or NULL */
    const char *morph_where;   /* ".morphology" or NULL (the flag) */
    const char *cable_given;   /* the first cable setting given (".stimuli", "--stim", ...),
                                  named when the model is not a cable model; or NULL */
    const char *discret_where; /* ".discretisation", "--discretisation" or NULL (default) */
    dq_cable_opts_t cable;
    dq_cable_stim_t stim[RUN_MAX];
    const char *stim_where[RUN_MAX]; /* ".stimuli[i]" or "--stim" */
    dq_morph_t *morph;               /* [owned: run_cable_free] loaded by run_cable_prepare */
    const struct dq_cable_desc *cable_desc; /* the model's, once known; NULL: not a cable model */
} run_plan_t;

/* Whether the plan sets any value of the step control (fixed_step aside). */
int run_plan_has_control(const run_plan_t *p);

/* Memory owned by the run, freed at the end. */
typedef struct run_mem {
    void *blocks[4 * RUN_MAX];
    size_t n;
} run_mem_t;

typedef struct run_result {
    unsigned long long steps;
    double wall;
    uint64_t samples;
    uint64_t spikes; /* written to the spike file */
} run_result_t;

/* The progress bar: only on a terminal, only once the run has taken a second. */
typedef struct run_progress {
    int enabled, shown;
    double start, next;
} run_progress_t;

/* Where the trajectory goes (run_output.c): checked before the run, written through a
 * temporary file or in place. */
typedef enum run_out_kind {
    RUN_OUT_REPLACE,  /* temporary file renamed over the target */
    RUN_OUT_COPY,     /* temporary file copied into the target (hard-linked) */
    RUN_OUT_IN_PLACE, /* a device, a FIFO, /dev/fd/N: written directly */
} run_out_kind_t;

typedef struct run_output {
    run_out_kind_t kind;
    const char *what; /* "trajectory" or "spike file", for messages */
    const char *path; /* as given, for messages */
    char *target;     /* [owned] the name written: path with its symlinks followed */
    char *tmp;        /* [owned] the temporary file while it exists */
    char *partial;    /* [owned] where a failed run's record was kept */
    mode_t mode;      /* of the file created */
    FILE *f;
} run_output_t;

/* Decides where path is written and refuses (reported, -1) what cannot be. `what` names
 * the file in messages ("trajectory", "spike file"). Creates nothing. Free with
 * run_output_free whatever it returns. */
int run_output_check(run_output_t *o, const char *path, const char *what);
/* Creates the temporary file, or opens the target in place. NULL after reporting. */
FILE *run_output_open(run_output_t *o);
/* For writers that need a file name (HDF5, named by `format` in messages): creates the
 * temporary file and returns its name; refuses (reported, NULL) a device, FIFO or /dev/fd. */
const char *run_output_open_path(run_output_t *o, const char *format);
/* Closes the stream (reports a failed flush in err). */
int run_output_close(run_output_t *o, dq_error_t *err);
/* After a successful run: renames or copies the temporary file onto the target. */
int run_output_commit(run_output_t *o, dq_error_t *err);
/* After a failed run: renames the temporary file to "<target>.partial" and returns that
 * name, or NULL when nothing was kept (in place, or the rename failed: then it is removed). */
const char *run_output_keep_partial(run_output_t *o);
/* Closes and removes the temporary file if any. */
void run_output_cleanup(run_output_t *o);
void run_output_free(run_output_t *o);
mode_t run_umask(void);

/* The spike file (run_output.c): spikes taken from the system after every chunk of steps
 * through a buffer allocated once, written as
 *   CSV:  unit,t,event            a header line, then one line per spike
 *   JSON: {"model": M, "solver": S, "time_unit": U or null, "events": [names],
 *          "spikes": [{"unit": 0, "t": 1.5, "event": "spike"}, ...]}   one spike a line
 * in the order dq_system_spikes_take gives (time, then unit, then event); times are the
 * shortest text that reads back to the same double. Without a file the spikes are taken
 * and dropped, so the host's buffers do not grow through a long run. */
#define RUN_SPIKE_BUF 4096

typedef struct run_spikes {
    FILE *f; /* NULL: drop the spikes */
    int json;
    size_t n_events;
    char **names;     /* [n_events] [owned] each event's name as written (quoted for the format) */
    dq_spike_t *buf;  /* [RUN_SPIKE_BUF] [owned] */
    uint64_t written; /* spikes written */
    const char *path; /* for messages */
} run_spikes_t;

/* Allocates the buffer and writes the header to f (NULL: no file). -1 after reporting in
 * err (DQ_ENOMEM, DQ_EIO). */
int run_spikes_open(run_spikes_t *sp, const dq_system_t *sys, FILE *f, int json, const char *path,
                    dq_error_t *err);
/* Takes every spike the system holds and writes it. Allocates nothing. -1 (DQ_EIO). */
int run_spikes_drain(run_spikes_t *sp, dq_system_t *sys, dq_error_t *err);
/* Closes the JSON document and flushes (also after a failed run: the .partial file is then
 * complete up to where the run stopped). -1 (DQ_EIO). */
int run_spikes_finish(run_spikes_t *sp, dq_error_t *err);
void run_spikes_free(run_spikes_t *sp);

/* SIGINT, SIGTERM and SIGHUP set run_signal (the signal number) while a run may have files
 * to clean up; the run loop polls it between chunks of steps. */
extern volatile sig_atomic_t run_signal;
void run_signals_install(void);
void run_signals_restore(void);
const char *run_signal_name(int sig);

/* Keeps p for run_mem_free (frees it and returns NULL when full). */
void *run_keep(run_mem_t *mem, void *p);
void run_mem_free(run_mem_t *mem);
/* Cuts the plan's parameters to units first .. first + count - 1 of a population of `total`
 * (an MPI rank's share): every per-unit array of `total` values keeps its share, and the
 * model's population parameter becomes `count`. The plan was checked whole before. 0, or -1
 * when out of memory (reported). */
int run_plan_slice(run_plan_t *p, const dq_model_desc_t *model, size_t first, size_t count,
                   size_t total, run_mem_t *mem);
void run_usage(FILE *out);
/* Parses the command line: 0 fine, 1 --help was printed, -1 error (reported). */
int run_parse(run_opts_t *o, int argc, char **argv);
int run_parse_count(const char *text, const char *what, double min, uint64_t *out);
/* Merges the spec (may be NULL) and the flags into the plan. 0, or -1 (reported). */
int run_plan_build(run_plan_t *p, const dq_spec_t *spec, const run_opts_t *o, run_mem_t *mem);

/* The values the summary reads per unit: the system's own (run_final_local), or in an MPI
 * run gathered from every rank to rank 0 (run_mpi_final), so the summary is computed in the
 * same order over the same numbers either way. */
typedef struct run_final {
    size_t units, n_states, n_events;
    const dq_system_t *sys; /* read from the system, or NULL: from the arrays */
    double *values;         /* [n_states][units] */
    uint64_t *fired;        /* [n_events][units] */
    dq_step_stats_t *stats; /* [units] */
} run_final_t;

/* Allocates fin for `units` units of sys's states and events. -1 when out of memory. */
int run_final_alloc(run_final_t *fin, const dq_system_t *sys, size_t units);
/* Copies the first `count` units of sys into fin from unit `at` on. */
void run_final_copy(run_final_t *fin, const dq_system_t *sys, size_t count, size_t at);
/* fin reading sys itself (no copy). Returns 0. */
int run_final_local(run_final_t *fin, const dq_system_t *sys);
void run_final_free(run_final_t *fin);
/* Writes n spikes (units already global) to the spike file, or drops them. -1 (DQ_EIO). */
int run_spikes_write(run_spikes_t *sp, const dq_spike_t *s, size_t n, dq_error_t *err);
/* Parameter sweeps in the plan (run_sweep.c). run_sweep_spec marks the spec's generator
 * parameters (just copied into p->params, in order) and appends its sweep axes;
 * run_sweep_flag reads a --param value "linspace:A:B" or "logspace:A:B" (1: it was one,
 * *arg and *gen filled, kept in mem; 0: not a generator; -1: reported); run_sweep_expand,
 * once flags are merged, sets the model's population parameter to the sweep's count when it
 * is not given (and refuses another), then fills each generated parameter with one value
 * per unit: O(units), once. A caller holding one share of the units (an MPI rank) can
 * instead fill its share from p->gens with dq_spec_param_fill. 0, or -1 (reported). */
int run_sweep_spec(run_plan_t *p, const dq_spec_t *spec);
int run_sweep_flag(const char *name, const char *text, run_mem_t *mem, dq_param_arg_t *arg,
                   const dq_spec_param_t **gen);
int run_sweep_expand(run_plan_t *p, run_mem_t *mem);

/* Cable models (run_cable.c). run_cable_plan merges the spec's cable sections and the
 * flags into the plan (called by run_plan_build); run_cable_prepare, once the model is
 * known, refuses cable settings for another model and a cable model without a morphology,
 * loads the morphology and makes "V" the default recording; run_cable_new builds the
 * system (a stimulus location that names no section is reported at its place, with the
 * closest section); run_cable_states checks recorded locations ("V@dend[3](0.5)") the same
 * way. 0 / a system, or -1 / NULL after reporting. */
int run_cable_plan(run_plan_t *p, const dq_spec_t *spec, const run_opts_t *o, run_mem_t *mem);
int run_cable_prepare(run_plan_t *p, const dq_model_desc_t *model);
dq_system_t *run_cable_new(const run_plan_t *p, const dq_model_desc_t *model, dq_error_t *err);
int run_cable_states(const run_plan_t *p, const dq_system_t *sys);
void run_cable_free(run_plan_t *p);
/* Whether the text summary shows state s: every state of other systems, the root
 * compartment's of a cable system (its other compartments' are in --json). */
int run_cable_state_shown(const dq_system_t *sys, size_t s);
/* The summary's cable line(s) and its "cable" key; nothing for other systems. */
void run_cable_summary_text(FILE *out, const dq_system_t *sys, const run_plan_t *p);
json_t *run_cable_summary_json(const dq_system_t *sys, const run_plan_t *p);
/* The resolved spec's cable keys (morphology as an absolute path, discretisation, cable,
 * stimuli) added to spec; 0 or -1 (out of memory). */
int run_cable_prov_spec(json_t *spec, const run_plan_t *p);
/* The cable settings used: the run's values, else the model's, else NEURON's defaults. */
void run_cable_values(const run_plan_t *p, double *cm, double *Ra, double *v_init);

double run_now(void);
void run_progress_update(run_progress_t *pg, double frac, double t, const char *unit);
void run_progress_clear(run_progress_t *pg);
void run_summary_text(FILE *out, const dq_system_t *sys, const run_final_t *fin,
                      const run_plan_t *p, const run_result_t *r);
/* prov: the run's provenance (run_prov.h), written as "provenance"; may be NULL. */
int run_summary_json(const dq_system_t *sys, const run_final_t *fin, const run_plan_t *p,
                     const char *requested, const run_result_t *r, json_t *prov);

#endif
