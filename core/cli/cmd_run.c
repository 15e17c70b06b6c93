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
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "run.h"

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
    dq_system_t *sys = dq_system_new(model->desc, p->params, p->n_params, &err);
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

    if (!(sys = run_build(cli, p)))
        goto done;
    if ((o.block_units && dq_system_set_block_units(sys, o.block_units, &err)) ||
        dq_system_set_threads(sys, o.threads, &err) || /* 0 (no --threads): one per core */
        dq_system_set_seed(sys, p->has_seed ? p->seed : 0, &err)) {
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
                fprintf(stderr,
                        "dqhost: note: the trajectory recorded up to t = %.6g (%llu "
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
    run_mem_free(&mem);
    free(p);
    return rc;
}
