/* SPDX-License-Identifier: MIT */
/* cmd_run.c -- `dqhost run`: a run spec and/or flags in, a trajectory and a summary out.
 *
 * Order of work: read the spec, merge the flags over it, check the run's size and where
 * the trajectory goes, build and check everything (model, parameters, solvers,
 * sub-modules, recording) before any output file exists, then run. A trajectory file is
 * written as run_output.c says (a temporary file renamed when the run succeeds, or in place
 * for a device); a run that fails or is interrupted keeps what it recorded as
 * "<file>.partial".
 *
 * Interrupts. SIGINT, SIGTERM and SIGHUP set a flag that the loop polls between chunks of
 * steps (dq_system_run is the cancellation point: it returns with every unit at the same
 * step). A flag polled inside the driver's step loop would cost no less and be worse: the
 * driver takes each block through all the steps of a call before the next block, so
 * stopping there would leave blocks at different steps; a consistent stop needs every lane
 * to meet at a step boundary, which is what the end of a dq_system_run call is. Chunks are
 * sized by time (RUN_CHUNK_SECONDS), so a run answers within about 0.1 s plus one step. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd_plot.h"
#include "run_mpi.h"
#include "run_prov.h"

/* Prints an error; one at a place in the spec gets the spec's file as its source. */
static void run_error(const run_plan_t *p, dq_error_t *err)
{
    if (err->place == DQ_PLACE_SPEC)
        dq_error_add_source(err, p->spec_path);
    cli_print_error(err);
}

/* The place of a plan item: a `where` is set only for what came from the spec. */
static dq_place_t run_place(const char *where)
{
    return where ? DQ_PLACE_SPEC : DQ_PLACE_NONE;
}

/* Prints the registry's and the system's warnings. */
static void run_on_warning(void *user, const char *source, const char *message)
{
    (void)user;
    (void)source;
    cli_warnf("%s", message);
}

/* Builds the system from the plan. Returns NULL after reporting. */
static dq_system_t *run_build(dq_cli_t *cli, const run_plan_t *p)
{
    dq_error_t err = {0};
    const dq_model_entry_t *model = dq_registry_lookup_model(cli->reg, p->model, &err);
    if (!model) {
        dq_error_t e = {0};
        dq_error_set_at(&e, err.code, run_place(p->model_where), NULL, "%s%s%s",
                        p->model_where ? p->model_where : "", p->model_where ? ": " : "",
                        err.message);
        run_error(p, &e);
        return NULL;
    }
    const dq_integrator_entry_t *solver = dq_registry_lookup(cli->reg, p->solver, &err);
    if (!solver) {
        dq_error_t e = {0};
        dq_error_set_at(&e, err.code, run_place(p->solver_where), NULL, "%s%s%s",
                        p->solver_where ? p->solver_where : "", p->solver_where ? ": " : "",
                        err.message);
        run_error(p, &e);
        return NULL;
    }
    dq_system_t *sys = model->desc->cable
                           ? run_cable_new(p, model->desc, &err)
                           : dq_system_new(model->desc, p->params, p->n_params, &err);
    if (!sys || dq_system_set_solver(sys, solver, &err))
        goto fail;
    dq_system_set_warning_handler(sys, run_on_warning, NULL);
    for (size_t i = 0; i < p->n_opts; ++i)
        if (dq_system_set_solver_option(sys, p->opts[i].name, p->opts[i].value, &err)) {
            if (p->opts[i].where) {
                dq_error_t e = {0};
                dq_error_set_at(&e, err.code, DQ_PLACE_SPEC, NULL, "%s: %s", p->opts[i].where,
                                err.message);
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
                dq_error_set_at(&e, err.code, run_place(p->subs[i].where), NULL, "%s%s%s",
                                p->subs[i].where ? p->subs[i].where : "",
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

/* The block size of dq_system_set_block_units' default, which an MPI run's shares follow. */
#define RUN_BLOCK_UNITS 256

/* Frees whole (the system of every unit) and builds this rank's share of it: its units of
 * every per-unit parameter, its noise and messages numbered globally. A rank without units
 * steps a copy of unit 0. NULL after reporting. */
static dq_system_t *run_build_share(dq_cli_t *cli, const run_plan_t *p,
                                    const dq_model_desc_t *model, const run_share_t *sh,
                                    run_mem_t *mem, dq_system_t *whole)
{
    dq_system_free(whole);
    run_plan_t *part = malloc(sizeof *part);
    if (!part) {
        cli_errorf("out of memory");
        return NULL;
    }
    *part = *p;
    const size_t first = sh->count ? sh->first : 0, count = sh->count ? sh->count : 1;
    dq_system_t *sys =
        run_plan_slice(part, model, first, count, sh->total, mem) ? NULL : run_build(cli, part);
    free(part);
    dq_error_t err = {0};
    if (sys && dq_system_set_unit_offset(sys, first, &err)) {
        cli_print_error(&err);
        dq_system_free(sys);
        sys = NULL;
    }
    return sys;
}

/* Hands the step control to the system (before prepare). The plan's values were checked
 * when they were read, so only the state names can be wrong here. -1 after reporting. */
static int run_apply_control(dq_system_t *sys, const run_plan_t *p)
{
    dq_error_t err = {0};
    if (run_plan_has_control(p)) {
        const dq_step_control_t c = {.rtol = p->ctl.rtol,
                                     .atol = p->ctl.atol,
                                     .h0 = p->ctl.h0,
                                     .hmin = p->ctl.hmin,
                                     .hmax = p->ctl.hmax,
                                     .max_rejects = p->ctl.max_rejects};
        if (dq_system_set_step_control(sys, &c, &err)) {
            run_error(p, &err);
            return -1;
        }
    }
    for (size_t i = 0; i < p->ctl.n_states; ++i)
        if (dq_system_set_state_atol(sys, p->ctl.states[i].state, p->ctl.states[i].value,
                                     p->ctl.states[i].where, &err)) {
            run_error(p, &err);
            return -1;
        }
    if (p->ctl.fixed_step && dq_system_set_fixed_step(sys, 1, &err)) {
        run_error(p, &err);
        return -1;
    }
    return 0;
}

/* The model's spike events (DQ_EVENT_SPIKE), counted from its descriptor. */
static size_t run_spike_events(const dq_model_entry_t *m)
{
    size_t n = 0;
    for (size_t i = 0; i < m->n_modules; ++i)
        for (size_t e = 0; m->modules[i].events && e < m->modules[i].n_events; ++e)
            n += (m->modules[i].events[e].flags & DQ_EVENT_SPIKE) != 0;
    return n;
}

/* Says which step-control settings a run without error control ignores. */
static void run_warn_unused_control(const run_plan_t *p, const char *solver, int fixed)
{
    const char *given[] = {p->ctl.rtol_where,
                           p->ctl.atol_where,
                           p->ctl.h0_where,
                           p->ctl.hmin_where,
                           p->ctl.hmax_where,
                           p->ctl.max_rejects_where,
                           p->ctl.n_states ? p->ctl.states[0].where : NULL};
    char list[512] = "";
    size_t used = 0;
    for (size_t k = 0; k < sizeof given / sizeof given[0]; ++k) {
        if (!given[k] || strstr(list, given[k]))
            continue;
        used += (size_t)snprintf(list + used, used < sizeof list ? sizeof list - used : 0, "%s%s",
                                 used ? ", " : "", given[k]);
    }
    if (!list[0])
        return;
    if (fixed)
        cli_warnf("the run takes fixed steps (%s): %s %s no effect", p->ctl.fixed_step_where, list,
                  strchr(list, ',') ? "have" : "has");
    else
        cli_warnf("solver '%s' does not control its steps: %s %s no effect", solver, list,
                  strchr(list, ',') ? "have" : "has");
}

/* Refuses a run longer than the step limit (reported). steps x the largest substep count is
 * what the finest solver takes; that is what the limit bounds. */
static int run_check_size(const run_opts_t *o, const run_plan_t *p, unsigned long long steps)
{
    uint64_t limit = o->max_steps ? o->max_steps : RUN_MAX_STEPS_DEFAULT;
    unsigned sub = 1;
    for (size_t i = 0; i < p->n_subs; ++i)
        sub = p->subs[i].substeps > sub ? p->subs[i].substeps : sub;
    if (steps > limit)
        cli_errorf("run: %llu steps (t_end / dt) are more than the limit of %llu; raise it with "
                   "--max-steps N",
                   steps, (unsigned long long)limit);
    else if (steps > limit / sub)
        cli_errorf("run: %llu steps of %u substeps (%.17g solver steps) are more than the limit "
                   "of %llu; raise it with --max-steps N",
                   steps, sub, (double)steps * sub, (unsigned long long)limit);
    else
        return 0;
    return -1;
}

/* Chunks of steps between polls of run_signal (and progress updates) take about this long:
 * long enough that handing each chunk to the threads and bringing each block back into
 * cache costs nothing measurable, short enough that an interrupt is obeyed at once. */
#define RUN_CHUNK_SECONDS 0.05

/* Where the run's output goes, for run_steps: the recorder (rank 0's, or every rank's with
 * parallel HDF5; NULL elsewhere or when nothing is recorded), the spikes, and this process's share
 * of the units. */
typedef struct run_sink {
    dq_recorder_t *rec;
    int recording;     /* a trajectory is recorded (on every rank) */
    uint64_t every;    /* its sampling interval in steps */
    run_spikes_t *sp;  /* the spike file, or spikes dropped */
    int gather_spikes; /* a spike file is written (on every rank) */
    const run_share_t *share;
} run_sink_t;

/* After writing: rank 0's write error, agreed by every rank. Returns DQ_EXIT_OK or
 * DQ_EXIT_FAILURE (err filled). */
static int run_written(int rc, dq_error_t *err)
{
    run_chunk_status_t st = {0};
    if (run_mpi_size() == 1)
        return rc ? DQ_EXIT_FAILURE : DQ_EXIT_OK;
    run_mpi_chunk(&st, rc, err, 0, 0.0, 1);
    if (st.failed)
        *err = st.err;
    return st.failed ? DQ_EXIT_FAILURE : DQ_EXIT_OK;
}

/* Steps the whole run: the first sample, then chunks that stop at every sample of the
 * recorder, adapt to RUN_CHUNK_SECONDS, and end early when a signal was caught. In an MPI
 * run every rank takes the same chunks (the slowest rank's time decides) and they agree on
 * failures and signals after every chunk. *t_done: the time every unit reached (a rank
 * other than the failing one may be further). Returns DQ_EXIT_OK or DQ_EXIT_FAILURE (err
 * filled). */
static int run_steps(dq_system_t *sys, const run_sink_t *sink, unsigned long long steps,
                     run_progress_t *pg, double *t_done, dq_error_t *err)
{
    *t_done = dq_system_time(sys);
    const char *tu = dq_system_time_unit(sys);
    const uint64_t every = sink->every;
    const int adaptive = dq_system_adaptive(sys);
    if (sink->recording &&
        run_written(run_mpi_sample(sink->rec, sys, sink->share, err), err) != DQ_EXIT_OK)
        return DQ_EXIT_FAILURE;
    uint64_t chunk = 1;
    /* One process stops as soon as it sees a signal; ranks only together, after a chunk. */
    const int alone = run_mpi_size() == 1;
    int stop = 0;
    for (unsigned long long k = 0; k < steps && !stop && !(alone && run_signal);) {
        uint64_t todo = steps - k < chunk ? steps - k : chunk;
        if (sink->recording && todo > every - k % every)
            todo = every - k % every; /* stop at the next sample */
        /* Only whole chunks are timed: a recorded run stopping at every step pays nothing. */
        const int whole = todo == chunk;
        double t0 = whole ? run_now() : 0.0;
        int rc = dq_system_run(sys, todo, err);
        run_chunk_status_t st = {0};
        run_mpi_chunk(&st, rc, err, run_signal, whole ? run_now() - t0 : RUN_CHUNK_SECONDS,
                      adaptive);
        if (st.failed) {
            *err = st.err;
            return DQ_EXIT_FAILURE;
        }
        if ((stop = st.signal)) /* agreed: every rank stops after the same chunk */
            run_signal = st.signal;
        *t_done = dq_system_time(sys);
        k += todo;
        rc = sink->recording && k % every == 0 ? run_mpi_sample(sink->rec, sys, sink->share, err)
                                               : DQ_OK;
        if (!rc && sink->gather_spikes)
            rc = run_mpi_spikes(sink->sp, sys, sink->share, err);
        else if (!rc && run_spikes_drain(sink->sp, sys, err))
            rc = DQ_EIO;
        if ((sink->recording && k % every == 0) || sink->gather_spikes
                ? run_written(rc, err) != DQ_EXIT_OK
                : rc != DQ_OK)
            return DQ_EXIT_FAILURE;
        if (st.took < RUN_CHUNK_SECONDS / 2 && chunk < (UINT64_C(1) << 62))
            chunk *= 2;
        else if (st.took > RUN_CHUNK_SECONDS * 2 && chunk > 1)
            chunk /= 2;
        if (pg->enabled)
            run_progress_update(pg, (double)k / (double)steps, dq_system_time(sys), tu);
    }
    return DQ_EXIT_OK;
}

/* "; the spikes up to t = T (N spikes) are kept in 'F'" after a failed run, or "". */
static void run_spikes_kept(char *buf, size_t cap, const dq_system_t *sys, const char *kept,
                            uint64_t spikes)
{
    buf[0] = '\0';
    if (kept)
        snprintf(buf, cap, "; the spikes up to t = %.6g (%llu spike%s) are kept in '%s'",
                 dq_system_time(sys), (unsigned long long)spikes, spikes == 1 ? "" : "s", kept);
}

/* The one line said when a signal stopped the run. */
static void run_report_signal(const dq_system_t *sys, unsigned long long steps, const char *kept,
                              uint64_t samples, const char *spikes)
{
    char where[1200] = "";
    if (kept)
        snprintf(where, sizeof where,
                 "; the trajectory recorded up to t = %.6g (%llu samples) is kept in '%s'",
                 dq_system_time(sys), (unsigned long long)samples, kept);
    cli_note("interrupted by %s at t = %.6g (step %llu of %llu)%s%s", run_signal_name(run_signal),
             dq_system_time(sys), (unsigned long long)dq_system_step_count(sys), steps, where,
             spikes ? spikes : "");
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
    run_output_t out = {0}, sout = {0};
    run_spikes_t sp = {0};
    run_final_t fin = {0};
    run_prov_t prov = {0};
    json_t *replay = NULL;
    int rc = DQ_EXIT_USAGE, signals = 0;
    dq_error_t err = {0};
    if (!p) {
        cli_errorf("out of memory");
        return DQ_EXIT_FAILURE;
    }
    p->reg = cli->reg;
    if (o.replay && o.spec_path) {
        cli_errorf("run: --replay '%s' and the spec '%s' cannot go together (flags may override "
                   "the replayed spec)",
                   o.replay, o.spec_path);
        goto done;
    }
    if (o.replay) { /* the recorded spec stands for a spec file */
        if (!(replay = run_prov_read(o.replay)))
            goto done;
        run_prov_check(replay);
        char *text = json_dumps(json_object_get(replay, "spec"), JSON_COMPACT);
        spec = text ? dq_spec_parse(text, o.replay, &err) : NULL;
        free(text);
        if (!spec) {
            if (err.code)
                cli_print_error(&err);
            else
                cli_errorf("out of memory");
            rc = err.code == DQ_ESPEC ? DQ_EXIT_USAGE : DQ_EXIT_FAILURE;
            goto done;
        }
    } else if (o.spec_path && !(spec = dq_spec_load(o.spec_path, &err))) {
        cli_print_error(&err);
        rc = err.code == DQ_ENOMEM ? DQ_EXIT_FAILURE : DQ_EXIT_USAGE;
        goto done;
    }
    if (run_plan_build(p, spec, &o, &mem))
        goto done;
    const dq_model_entry_t *cable_model = dq_registry_lookup_model(cli->reg, p->model, NULL);
    if (cable_model && run_cable_prepare(p, cable_model->desc)) /* an unknown one: run_build */
        goto done;
    if (p->recording && p->format == DQ_FORMAT_H5 && !p->out_path) {
        cli_errorf("run: HDF5 output cannot go to standard output: give -o NAME.h5");
        goto done;
    }

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
    if (run_check_size(&o, p, steps))
        goto done;
    /* Where the trajectory goes is checked before anything is built or run (by rank 0, the
     * only one that writes, in an MPI run). */
    const int root = run_mpi_rank() == 0;
    if (root && p->recording && p->out_path && run_output_check(&out, p->out_path, "trajectory"))
        goto done;
    if (root && p->spikes_path && !p->spikes_stdout &&
        run_output_check(&sout, p->spikes_path, "spike file"))
        goto done;
    if (out.target && sout.target && strcmp(out.target, sout.target) == 0) {
        cli_errorf("run: the trajectory and the spike file are the same file '%s'", out.target);
        goto done;
    }

    if (!(sys = run_build(cli, p)))
        goto done;
    const dq_model_entry_t *model = dq_registry_lookup_model(cli->reg, p->model, NULL);
    /* In an MPI run, the whole system was built to check the plan alike on every rank; each
     * rank then steps a system of its share. */
    run_share_t share;
    run_mpi_share(&share, dq_system_units(sys),
                  o.block_units ? DQ_UNITS_PADDED(o.block_units) : RUN_BLOCK_UNITS);
    if (run_mpi_size() > 1 && !(sys = run_build_share(cli, p, model->desc, &share, &mem, sys)))
        goto done;
    if (run_cable_states(p, sys))
        goto done;
    if (p->spikes_path && model && run_spike_events(model) == 0) {
        if (p->spikes_where)
            cli_errorf("%s: %s: model '%s' declares no spike events", p->spec_path, p->spikes_where,
                       model->desc->name);
        else
            cli_errorf("model '%s' declares no spike events; --spikes needs one",
                       model->desc->name);
        goto done;
    }
    if (run_apply_control(sys, p))
        goto done;
    if ((o.block_units && dq_system_set_block_units(sys, o.block_units, &err)) ||
        dq_system_set_threads(sys, o.threads, &err) || /* 0 (no --threads): one per core */
        dq_system_set_seed(sys, p->has_seed ? p->seed : 0, &err) ||
        dq_system_set_noise_refine(sys, p->noise_refine ? p->noise_refine : 1, &err)) {
        cli_print_error(&err);
        goto done;
    }
    if (dq_system_prepare(sys, 0.0, p->dt, &err)) {
        run_error(p, &err);
        rc = err.code == DQ_EINVAL || err.code == DQ_EUSAGE ? DQ_EXIT_USAGE : DQ_EXIT_FAILURE;
        goto done;
    }
    if (run_prov_build(&prov, cli, sys, p)) {
        rc = DQ_EXIT_FAILURE;
        goto done;
    }
    if (!dq_system_adaptive(sys)) {
        const dq_integrator_entry_t *root = dq_system_module_solver(sys, 0);
        run_warn_unused_control(p, dq_system_solver_name(sys),
                                p->ctl.fixed_step && root && (root->flags & DQ_CAP_ADAPTIVE));
    }

    /* From here a temporary file may exist: a signal only sets a flag, polled between chunks
     * of steps, so the file is always renamed or removed. */
    run_signal = 0;
    run_signals_install();
    signals = 1;
    /* The recorder checks states and units before any file exists. Only rank 0 writes. */
    FILE *traj = stdout;
    const char *traj_path = NULL;
    if (root && p->recording && p->out_path) {
        if (p->format == DQ_FORMAT_H5 ? !(traj_path = run_output_open_path(&out, "HDF5"))
                                      : !(traj = run_output_open(&out))) {
            rc = run_signal ? 128 + run_signal : DQ_EXIT_USAGE;
            if (run_signal)
                run_report_signal(sys, steps, NULL, 0, NULL);
            goto done;
        }
    }
    /* The spikes are taken after every chunk, with a file or without. */
    FILE *spikes = root && p->spikes_stdout ? stdout : NULL;
    if (root && p->spikes_path && !p->spikes_stdout && !(spikes = run_output_open(&sout))) {
        rc = run_signal ? 128 + run_signal : DQ_EXIT_USAGE;
        if (run_signal)
            run_report_signal(sys, steps, NULL, 0, NULL);
        goto done;
    }
    if (run_spikes_open(&sp, sys, spikes, p->spikes_format == DQ_FORMAT_JSON,
                        p->spikes_path ? p->spikes_path : "", &err)) {
        cli_print_error(&err);
        rc = DQ_EXIT_FAILURE;
        goto done;
    }
    dq_record_opts_t ro = {0};
    if (p->recording) {
        ro = (dq_record_opts_t){.states = p->rec_states,
                                .n_states = p->n_rec_states,
                                .states_where = p->rec_states_where,
                                .units = p->rec_units,
                                .n_units = p->n_rec_units,
                                .units_where = p->rec_units_where,
                                .every = p->every,
                                .format = p->format,
                                /* JSON and HDF5 take the provenance as JSON text, CSV as
                                   comment lines. */
                                .header_comment =
                                    p->no_provenance ? NULL
                                    : p->format == DQ_FORMAT_CSV || p->format == DQ_FORMAT_DEFAULT
                                        ? prov.lines
                                        : prov.json,
                                .t_end = p->t_end};
        int ro_rc = run_mpi_record_opts(&ro, sys, &share);
        if (ro_rc) {
            rc = ro_rc == -2 ? DQ_EXIT_USAGE : DQ_EXIT_FAILURE;
            goto done;
        }
        /* With parallel HDF5 every rank opens the file, after the gate. */
        rec = !root || run_mpi_h5_parallel() ? NULL
              : traj_path                    ? dq_recorder_new_h5(sys, &ro, traj_path, &err)
                                             : dq_recorder_new(sys, &ro, traj, &err);
        if (root && !rec && !run_mpi_h5_parallel()) {
            run_error(p, &err);
            goto done;
        }
    }
    /* Every rank is ready (in an MPI run, a failure before here stops them all). */
    if ((rc = run_mpi_gate(DQ_EXIT_OK)) != DQ_EXIT_OK)
        goto done;
    if (p->recording && run_mpi_h5_parallel() &&
        run_written(run_mpi_h5_open(&rec, sys, &ro, traj_path, &err), &err) != DQ_EXIT_OK) {
        if (root)
            run_error(p, &err);
        rc = DQ_EXIT_USAGE; /* as when rank 0 alone cannot create it */
        goto done;
    }

    /* Run. */
    run_progress_t pg = {.enabled = root && !o.quiet && isatty(2), .start = run_now()};
    pg.next = pg.start + 1.0;
    run_result_t r = {0};
    const run_sink_t sink = {.rec = rec,
                             .recording = p->recording,
                             .every = p->every ? p->every : 1,
                             .sp = &sp,
                             .gather_spikes = p->spikes_path != NULL,
                             .share = &share};
    double t_done;
    rc = run_steps(sys, &sink, steps, &pg, &t_done, &err);
    /* A signal wins over the write error it may have caused (EINTR on a pipe). */
    int stopped = run_signal && dq_system_step_count(sys) < steps;
    r.steps = dq_system_step_count(sys);
    r.wall = run_now() - pg.start;
    run_progress_clear(&pg);
    /* The summary's values, gathered while every rank is still here. */
    if (rc == DQ_EXIT_OK && !stopped && run_mpi_final(&fin, sys, &share)) {
        rc = DQ_EXIT_FAILURE;
        goto done;
    }
    if (rec) {
        dq_error_t ferr = {0};
        if (dq_recorder_finish(rec, rc == DQ_EXIT_OK && !stopped ? &err : &ferr))
            rc = DQ_EXIT_FAILURE;
        r.samples = dq_recorder_samples(rec);
    }
    {
        dq_error_t ferr = {0};
        if (run_spikes_finish(&sp, rc == DQ_EXIT_OK && !stopped ? &err : &ferr))
            rc = DQ_EXIT_FAILURE;
        r.spikes = sp.written;
    }
    if (rc == DQ_EXIT_OK && !stopped &&
        (run_output_commit(&out, &err) || run_output_commit(&sout, &err)))
        rc = DQ_EXIT_FAILURE;
    if (stopped) {
        char kept[1200];
        run_spikes_kept(kept, sizeof kept, sys, run_output_keep_partial(&sout), r.spikes);
        run_report_signal(sys, steps, run_output_keep_partial(&out), r.samples, kept);
        rc = 128 + run_signal;
        goto done;
    }
    if (rc != DQ_EXIT_OK) {
        cli_print_error(&err);
        const char *kept = run_output_keep_partial(&out);
        if (kept)
            cli_note("the trajectory recorded up to t = %.6g (%llu samples) is kept in '%s'",
                     t_done, (unsigned long long)r.samples, kept);
        if ((kept = run_output_keep_partial(&sout)))
            cli_note("the spikes up to t = %.6g (%llu spike%s) are kept in '%s'", t_done,
                     (unsigned long long)r.spikes, r.spikes == 1 ? "" : "s", kept);
        goto done;
    }
    /* The summary goes to stdout unless the trajectory or the spikes do. */
    int data_on_stdout = (p->recording && !p->out_path) || p->spikes_stdout;
    if (root && o.json && !data_on_stdout)
        rc = run_summary_json(sys, &fin, p, o.solver ? o.solver : p->solver, &r, prov.doc);
    else if (root && !(data_on_stdout && o.quiet))
        run_summary_text(data_on_stdout ? stderr : stdout, sys, &fin, p, &r);
    if (rc == DQ_EXIT_OK && root && p->plot_path)
        rc = plot_draw(cli, p->out_path, p->plot_path, NULL, 0);
done:
    run_final_free(&fin);
    run_output_free(&out);
    run_output_free(&sout);
    run_spikes_free(&sp);
    run_prov_free(&prov);
    json_decref(replay);
    if (signals)
        run_signals_restore();
    dq_recorder_free(rec);
    dq_system_free(sys);
    dq_spec_free(spec);
    run_mem_free(&mem);
    run_cable_free(p);
    free(p);
    return rc;
}
