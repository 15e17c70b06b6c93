/* SPDX-License-Identifier: MIT */
/* cmd_check.c -- `dqhost check`: the conformance battery of <dq/host/conform.h> on solver
 * and model plugins. Each check runs in a child process with a time limit, so a crash or a
 * hang is a verdict, not the end of the check; check_report.c prints the verdicts. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <dq/host/conform.h>

#include "check.h"
#include "child.h"
#include "help_text.h"

#define CHECK_DEFAULT_TIMEOUT 10.0

static void check_usage(FILE *out)
{
    fputs(DQ_HELP_CHECK, out);
}

static void *check_list_grow(void **items, size_t *count, size_t *cap, size_t size)
{
    if (*count == *cap) {
        size_t n = *cap ? 2 * *cap : 16;
        void *p = realloc(*items, n * size);
        if (!p)
            return NULL;
        *items = p;
        *cap = n;
    }
    return (char *)*items + (*count)++ * size;
}

static dq_conform_result_t *check_list_add(check_list_t *list)
{
    return check_list_grow((void **)&list->solvers, &list->n_solvers, &list->cap_solvers,
                           sizeof *list->solvers);
}

static dq_conform_model_result_t *check_list_add_model(check_list_t *list)
{
    return check_list_grow((void **)&list->models, &list->n_models, &list->cap_models,
                           sizeof *list->models);
}

static int check_is_file(const char *arg)
{
    size_t len = strlen(arg);
    return strchr(arg, '/') || (len >= 3 && strcmp(arg + len - 3, ".so") == 0);
}

/* A check run in the child: fills result from subject. */
typedef void (*check_job_fn)(const void *subject, void *result);

static void check_job_solver(const void *subject, void *result)
{
    dq_error_t err = {0};
    if (dq_conform_run(subject, result, &err) != DQ_OK)
        dq_conform_set(result, DQ_CHECK_RUN, DQ_CONFORM_FAIL, "%s", err.message);
}

static void check_job_model(const void *subject, void *result)
{
    dq_error_t err = {0};
    if (dq_conform_model_run(subject, result, &err) != DQ_OK)
        dq_conform_model_set(result, DQ_MCHECK_RUN, DQ_CONFORM_FAIL, "%s", err.message);
}

/* The child: run the job, send the result as bytes, leave without running exit handlers
 * (the parent owns stdio and the plugins' destructors). */
static void check_child(check_job_fn job, const void *subject, void *result, size_t size, int fd)
{
    job(subject, result);
    dq__child_send(fd, result, size);
}

/* Runs job in a child process. Returns 0 with *result filled, or -1 with the reason (one
 * line: "crashed: ...", "timed out after N s") in why. */
static int check_fork(check_job_fn job, const void *subject, void *result, size_t size,
                      double timeout, char *why, size_t why_len)
{
    int fds[2];
    if (pipe(fds) != 0) {
        snprintf(why, why_len, "cannot create a pipe: %s", strerror(errno));
        return -1;
    }
    /* Nothing buffered may be written twice. */
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, why_len, "cannot fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        check_child(job, subject, result, size, fds[1]);
    }
    close(fds[1]);
    size_t got = dq__child_receive(fds[0], result, size, timeout);
    close(fds[0]);
    int st = 0;
    if (got == (size_t)-1) {
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
        snprintf(why, why_len, "timed out after %g s", timeout);
        return -1;
    }
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (got == size && WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return 0;
    if (WIFSIGNALED(st))
        snprintf(why, why_len, "crashed: %s", strsignal(WTERMSIG(st)));
    else /* A sanitizer catches the signal itself and exits with a status instead. */
        snprintf(why, why_len, "crashed: exited with status %d before reporting a result",
                 WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    return -1;
}

/* The bytes came from another process: make the strings safe to print. */
static void check_terminate(dq_conform_check_t *checks, int n)
{
    for (int i = 0; i < n; ++i)
        checks[i].detail[sizeof checks[i].detail - 1] = '\0';
}

/* Checks one solver in a child process; the verdict lands in *out. */
static void check_solver(const dq_integrator_entry_t *e, double timeout, dq_conform_result_t *out)
{
    dq_conform_result_t r;
    char why[DQ_CONFORM_DETAIL_MAX];
    dq_conform_result_init(out, e);
    if (check_fork(check_job_solver, e, &r, sizeof r, timeout, why, sizeof why) != 0) {
        dq_conform_set(out, DQ_CHECK_RUN, DQ_CONFORM_FAIL, "%s", why);
        return;
    }
    *out = r;
    out->solver[sizeof out->solver - 1] = '\0';
    out->category[sizeof out->category - 1] = '\0';
    out->origin[sizeof out->origin - 1] = '\0';
    check_terminate(out->checks, DQ_CONFORM_N_CHECKS);
    check_terminate(out->sde.checks, DQ_CONFORM_N_SDE_CHECKS);
    /* Indices the report looks names up by. */
    dq_conform_sde_t *sde = &out->sde;
    if (sde->strong.problem < 0 || sde->strong.problem >= DQ_CONFORM_N_SDE_PROBLEMS)
        sde->strong.problem = DQ_SDE_PROBLEM_GBM;
    if (sde->weak.problem < 0 || sde->weak.problem >= DQ_CONFORM_N_SDE_PROBLEMS)
        sde->weak.problem = DQ_SDE_PROBLEM_GBM_DRIFT;
    dq_conform_update(out);
}

/* Checks one model in a child process; the verdict lands in *out. */
static void check_model(const dq_model_entry_t *m, double timeout, dq_conform_model_result_t *out)
{
    dq_conform_model_result_t r;
    char why[DQ_CONFORM_DETAIL_MAX];
    dq_conform_model_result_init(out, m);
    if (check_fork(check_job_model, m, &r, sizeof r, timeout, why, sizeof why) != 0) {
        dq_conform_model_set(out, DQ_MCHECK_RUN, DQ_CONFORM_FAIL, "%s", why);
        return;
    }
    *out = r;
    out->model[sizeof out->model - 1] = '\0';
    out->origin[sizeof out->origin - 1] = '\0';
    check_terminate(out->checks, DQ_CONFORM_N_MODEL_CHECKS);
    dq_conform_model_update(out);
}

/* Checks every solver and model of reg. Returns 0, or -1 when out of memory. */
static int check_registry(dq_registry_t *reg, double timeout, check_list_t *list)
{
    for (size_t i = 0; i < dq_registry_count(reg); ++i) {
        dq_conform_result_t *r = check_list_add(list);
        if (!r)
            return -1;
        check_solver(dq_registry_at(reg, i), timeout, r);
    }
    for (size_t i = 0; i < dq_registry_model_count(reg); ++i) {
        dq_conform_model_result_t *r = check_list_add_model(list);
        if (!r)
            return -1;
        check_model(dq_registry_model_at(reg, i), timeout, r);
    }
    return 0;
}

static void check_on_warning(void *user, const char *source, const char *message)
{
    (void)user;
    (void)source;
    cli_warnf("%s", message);
}

/* Loads FILE.so alone into a fresh registry and checks each of its solvers and models.
 * The file is opened first in a child under the time limit, never from the cache: check
 * promises isolation, and a stale verdict would be no check. Returns 0, or -1 when out of
 * memory. */
static int check_file(const char *path, double timeout, check_list_t *list)
{
    dq_error_t err = {0};
    dq_registry_t *reg = dq_registry_new();
    dq_loader_t *loader = reg ? dq_loader_new(reg, &err) : NULL;
    if (!loader) {
        dq_registry_free(reg);
        return -1;
    }
    dq_registry_set_warning_handler(reg, check_on_warning, NULL);
    int rc = dq_loader_set_scan(loader, DQ_SCAN_FRESH, timeout, &err);
    if (rc == DQ_OK)
        rc = dq_loader_load_file(loader, path, &err);
    if (rc == DQ_OK && (dq_registry_count(reg) || dq_registry_model_count(reg))) {
        rc = check_registry(reg, timeout, list);
    } else {
        dq_conform_result_t *r = check_list_add(list);
        if (r) {
            dq_conform_result_init(r, NULL);
            snprintf(r->solver, sizeof r->solver, "%s", path);
            snprintf(r->origin, sizeof r->origin, "%s", path);
            if (rc != DQ_OK)
                dq_conform_set(r, DQ_CHECK_RUN, DQ_CONFORM_FAIL, "%s", err.message);
            else
                dq_conform_set(r, DQ_CHECK_RUN, DQ_CONFORM_FAIL,
                               "'%s' holds no integrators or models", path);
        }
        rc = r ? 0 : -1;
    }
    /* Entries borrow plugin memory: the registry goes before the loader. */
    dq_registry_free(reg);
    dq_loader_free(loader);
    return rc;
}

/* Parses the options; the names and files left go to args. Returns a DQ_EXIT_* status, or
 * -1 after --help. */
static int check_parse(int argc, char **argv, int *json, double *timeout, const char **args,
                       size_t *n_args)
{
    for (int i = 1; i < argc; ++i) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0) {
            *json = 1;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            check_usage(stdout);
            return -1;
        } else if (strcmp(a, "--timeout") == 0 || strncmp(a, "--timeout=", 10) == 0) {
            const char *v = a[9] == '=' ? a + 10 : (i + 1 < argc ? argv[++i] : NULL);
            if (!v) {
                cli_errorf("check: --timeout needs a number of seconds");
                return DQ_EXIT_USAGE;
            }
            if (cli_parse_double(v, "check: --timeout", timeout) != 0)
                return DQ_EXIT_USAGE;
            if (!(*timeout > 0.0)) {
                cli_errorf("check: --timeout must be a positive number of seconds, got '%s'", v);
                return DQ_EXIT_USAGE;
            }
        } else if (a[0] == '-') {
            cli_errorf("check: unknown option '%s' (see dqhost check --help)", a);
            return DQ_EXIT_USAGE;
        } else {
            args[(*n_args)++] = a;
        }
    }
    return DQ_EXIT_OK;
}

/* A solver's name or alias first, then a model's name; neither is a usage error with the
 * registry's "Did you mean". */
static int check_names(dq_cli_t *cli, const char **args, size_t n_args)
{
    for (size_t i = 0; i < n_args; ++i) {
        dq_error_t err = {0};
        if (check_is_file(args[i]) || dq_registry_lookup(cli->reg, args[i], &err) ||
            dq_registry_lookup_model(cli->reg, args[i], NULL))
            continue;
        cli_print_error(&err);
        return DQ_EXIT_USAGE;
    }
    return DQ_EXIT_OK;
}

int cmd_check(dq_cli_t *cli, int argc, char **argv)
{
    int json = 0;
    double timeout = CHECK_DEFAULT_TIMEOUT;
    const char **args = calloc((size_t)argc + 1, sizeof *args);
    size_t n_args = 0;
    if (!args) {
        cli_errorf("out of memory");
        return DQ_EXIT_FAILURE;
    }
    int rc = check_parse(argc, argv, &json, &timeout, args, &n_args);
    /* Every NAME must be known before anything runs: a typo is a usage error. */
    if (rc == DQ_EXIT_OK)
        rc = check_names(cli, args, n_args);
    if (rc == DQ_EXIT_OK && n_args == 0 && dq_registry_count(cli->reg) == 0 &&
        dq_registry_model_count(cli->reg) == 0) {
        cli_errorf("check: no integrators or models were loaded; nothing to check");
        rc = DQ_EXIT_FAILURE;
    }
    if (rc != DQ_EXIT_OK) {
        free(args);
        return rc < 0 ? DQ_EXIT_OK : rc;
    }

    check_list_t list = {0};
    int oom = n_args == 0 ? check_registry(cli->reg, timeout, &list) != 0 : 0;
    for (size_t i = 0; !oom && i < n_args; ++i) {
        const dq_integrator_entry_t *e = NULL;
        if (check_is_file(args[i])) {
            oom = check_file(args[i], timeout, &list) != 0;
        } else if ((e = dq_registry_lookup(cli->reg, args[i], NULL)) != NULL) {
            dq_conform_result_t *r = check_list_add(&list);
            if (r)
                check_solver(e, timeout, r);
            oom = !r;
        } else {
            dq_conform_model_result_t *r = check_list_add_model(&list);
            if (r)
                check_model(dq_registry_lookup_model(cli->reg, args[i], NULL), timeout, r);
            oom = !r;
        }
    }
    free(args);
    if (!oom && json)
        rc = check_print_json(&list);
    else if (!oom)
        check_print_table(&list);
    for (size_t i = 0; rc == DQ_EXIT_OK && i < list.n_solvers; ++i)
        if (!list.solvers[i].passed)
            rc = DQ_EXIT_FAILURE;
    for (size_t i = 0; rc == DQ_EXIT_OK && i < list.n_models; ++i)
        if (!list.models[i].passed)
            rc = DQ_EXIT_FAILURE;
    free(list.solvers);
    free(list.models);
    if (oom) {
        cli_errorf("out of memory");
        return DQ_EXIT_FAILURE;
    }
    return rc;
}
