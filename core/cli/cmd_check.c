/* SPDX-License-Identifier: MIT */
/* cmd_check.c -- `dqhost check`: the conformance check of solver plugins. Each solver runs
 * in a child process with a time limit, so a crash or a hang is a verdict, not the end of
 * the check. */
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

#include "cli_json.h"

#define CHECK_DEFAULT_TIMEOUT 10.0

typedef struct check_list {
    dq_conform_result_t *items;
    size_t count, cap;
} check_list_t;

static void check_usage(FILE *out)
{
    fputs("Usage: dqhost check [--json] [--timeout SECONDS] [NAME | FILE.so]...\n"
          "\n"
          "Runs each solver on reference problems in a child process and checks the step\n"
          "contract (pre_integral once, compute_derivative, post_integral once), that it\n"
          "writes only its states and work memory, that two runs give the same bits, its\n"
          "measured convergence order against the declared one (within 0.2), stability on\n"
          "a stiff problem (information only), its exported symbols, names and category.\n"
          "\n"
          "With no argument every loaded solver is checked. A NAME is a loaded solver's\n"
          "name or alias. A FILE.so (any argument containing '/' or ending in .so) is\n"
          "loaded alone, without the plugin directories, and each of its solvers checked.\n"
          "\n"
          "Options:\n"
          "  --json               one JSON array, an object per solver\n"
          "  --timeout SECONDS    time limit per solver (default 10)\n"
          "\n"
          "Exit status: 0 every solver passed, 1 any failed, 2 usage error.\n",
          out);
}

static dq_conform_result_t *check_list_add(check_list_t *list)
{
    if (list->count == list->cap) {
        size_t cap = list->cap ? 2 * list->cap : 16;
        dq_conform_result_t *items = realloc(list->items, cap * sizeof *items);
        if (!items)
            return NULL;
        list->items = items;
        list->cap = cap;
    }
    return &list->items[list->count++];
}

static int check_is_file(const char *arg)
{
    size_t len = strlen(arg);
    return strchr(arg, '/') || (len >= 3 && strcmp(arg + len - 3, ".so") == 0);
}

static double check_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The child: run the engine, send the result as bytes, leave without running exit
 * handlers (the parent owns stdio and the plugins' destructors). */
static void check_child(const dq_integrator_entry_t *e, int fd)
{
    dq_conform_result_t r;
    dq_error_t err = {0};
    if (dq_conform_run(e, &r, &err) != DQ_OK)
        dq_conform_set(&r, DQ_CHECK_RUN, DQ_CONFORM_FAIL, "%s", err.message);
    const char *p = (const char *)&r;
    size_t left = sizeof r;
    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            _exit(3);
        p += n;
        left -= (size_t)n;
    }
    _exit(0);
}

/* Reads the child's result until EOF, a full result or the deadline. Returns the bytes read,
 * or (size_t)-1 on timeout. */
static size_t check_read(int fd, dq_conform_result_t *r, double timeout)
{
    char *buf = (char *)r;
    size_t got = 0;
    const double deadline = check_now() + timeout;
    while (got < sizeof *r) {
        double left = deadline - check_now();
        if (left <= 0)
            return (size_t)-1;
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        double ms = ceil(left * 1000.0);
        int pr = poll(&pfd, 1, ms > INT_MAX ? INT_MAX : (int)ms);
        if (pr < 0 && errno != EINTR)
            break;
        if (pr <= 0)
            continue;
        ssize_t n = read(fd, buf + got, sizeof *r - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    return got;
}

/* Checks one solver in a child process; the verdict lands in *out. */
static void check_solver(const dq_integrator_entry_t *e, double timeout, dq_conform_result_t *out)
{
    dq_conform_result_t r;
    int fds[2];
    dq_conform_result_init(out, e);
    if (pipe(fds) != 0) {
        dq_conform_set(out, DQ_CHECK_RUN, DQ_CONFORM_FAIL, "cannot create a pipe: %s",
                       strerror(errno));
        return;
    }
    /* Nothing buffered may be written twice. */
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        dq_conform_set(out, DQ_CHECK_RUN, DQ_CONFORM_FAIL, "cannot fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return;
    }
    if (pid == 0) {
        close(fds[0]);
        check_child(e, fds[1]);
    }
    close(fds[1]);
    size_t got = check_read(fds[0], &r, timeout);
    close(fds[0]);
    int st = 0;
    if (got == (size_t)-1) {
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
        dq_conform_set(out, DQ_CHECK_RUN, DQ_CONFORM_FAIL, "timed out after %g s", timeout);
        return;
    }
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (got == sizeof r && WIFEXITED(st) && WEXITSTATUS(st) == 0) {
        *out = r;
        /* The bytes came from another process: make the strings safe to print. */
        out->solver[sizeof out->solver - 1] = '\0';
        out->category[sizeof out->category - 1] = '\0';
        out->origin[sizeof out->origin - 1] = '\0';
        for (int i = 0; i < DQ_CONFORM_N_CHECKS; ++i)
            out->checks[i].detail[sizeof out->checks[i].detail - 1] = '\0';
        dq_conform_update(out);
    } else if (WIFSIGNALED(st)) {
        dq_conform_set(out, DQ_CHECK_RUN, DQ_CONFORM_FAIL, "crashed: %s", strsignal(WTERMSIG(st)));
    } else {
        /* A sanitizer catches the signal itself and exits with a status instead. */
        dq_conform_set(out, DQ_CHECK_RUN, DQ_CONFORM_FAIL,
                       "crashed: exited with status %d before reporting a result",
                       WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    }
}

static void check_on_warning(void *user, const char *source, const char *message)
{
    (void)user;
    (void)source;
    cli_warnf("%s", message);
}

/* Loads FILE.so alone into a fresh registry and checks each of its solvers. Returns 0, or
 * -1 when out of memory. */
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
    int rc = dq_loader_load_file(loader, path, &err);
    size_t n = rc == DQ_OK ? dq_registry_count(reg) : 0;
    if (n == 0) {
        dq_conform_result_t *r = check_list_add(list);
        if (!r) {
            rc = -1;
        } else {
            dq_conform_result_init(r, NULL);
            snprintf(r->solver, sizeof r->solver, "%s", path);
            snprintf(r->origin, sizeof r->origin, "%s", path);
            if (rc != DQ_OK)
                dq_conform_set(r, DQ_CHECK_RUN, DQ_CONFORM_FAIL, "%s", err.message);
            else
                dq_conform_set(r, DQ_CHECK_RUN, DQ_CONFORM_FAIL, "'%s' holds no integrators",
                               path);
            rc = 0;
        }
    }
    for (size_t i = 0; i < n; ++i) {
        dq_conform_result_t *r = check_list_add(list);
        if (!r) {
            rc = -1;
            break;
        }
        check_solver(dq_registry_at(reg, i), timeout, r);
        rc = 0;
    }
    /* Entries borrow plugin memory: the registry goes before the loader. */
    dq_registry_free(reg);
    dq_loader_free(loader);
    return rc;
}

/* ---- output ---- */

/* "0.97", "exact", "failed" or "-" */
static void check_order_cell(const dq_conform_order_t *o, char *buf, size_t len)
{
    if (o->status == DQ_ORDER_MEASURED)
        snprintf(buf, len, "%.2f", o->order);
    else if (o->status == DQ_ORDER_EXACT)
        snprintf(buf, len, "exact");
    else if (o->status == DQ_ORDER_FAILED)
        snprintf(buf, len, "failed");
    else
        snprintf(buf, len, "-");
}

static const char *check_stiff_cell(const dq_conform_result_t *r)
{
    const char *d = r->checks[DQ_CHECK_STIFF].detail;
    if (r->checks[DQ_CHECK_STIFF].status == DQ_CONFORM_SKIP)
        return "-";
    return strncmp(d, "stable", 6) == 0 ? "stable" : "unstable";
}

static void check_print_table(const check_list_t *list)
{
    int w = 6;
    for (size_t i = 0; i < list->count; ++i) {
        int len = (int)strlen(list->items[i].solver);
        w = len > w ? len : w;
    }
    printf("%-*s  %5s  %8s", w, "solver", "order", "measured");
    for (int p = 0; p < DQ_CONFORM_N_PROBLEMS; ++p)
        printf("  %10s", dq_conform_problem_name(p));
    printf("  %-8s  %s\n", "stiff", "verdict");
    size_t failed = 0;
    for (size_t i = 0; i < list->count; ++i) {
        const dq_conform_result_t *r = &list->items[i];
        char declared[16], measured[16];
        if (r->declared_order)
            snprintf(declared, sizeof declared, "%d", r->declared_order);
        else
            snprintf(declared, sizeof declared, "-");
        if (isfinite(r->measured_order))
            snprintf(measured, sizeof measured, "%.2f", r->measured_order);
        else
            snprintf(measured, sizeof measured, "-");
        printf("%-*s  %5s  %8s", w, r->solver, declared, measured);
        for (int p = 0; p < DQ_CONFORM_N_PROBLEMS; ++p) {
            char cell[16];
            check_order_cell(&r->orders[p], cell, sizeof cell);
            printf("  %10s", cell);
        }
        printf("  %-8s  %s", check_stiff_cell(r), r->passed ? "PASS" : "FAIL (");
        if (!r->passed) {
            int first = 1;
            for (int c = 0; c < DQ_CONFORM_N_CHECKS; ++c)
                if (r->checks[c].status == DQ_CONFORM_FAIL) {
                    printf("%s%s", first ? "" : ", ", dq_conform_check_name(c));
                    first = 0;
                }
            printf(")");
            failed++;
        }
        printf("\n");
    }
    /* Then the details: every failure, and the notes worth reading (the stiff verdict is
     * in the table already). */
    if (failed) {
        printf("\nFailures:\n");
        for (size_t i = 0; i < list->count; ++i)
            for (int c = 0; c < DQ_CONFORM_N_CHECKS; ++c)
                if (list->items[i].checks[c].status == DQ_CONFORM_FAIL)
                    printf("  %s: %s: %s\n", list->items[i].solver, dq_conform_check_name(c),
                           list->items[i].checks[c].detail);
    }
    int notes = 0;
    for (size_t i = 0; i < list->count; ++i)
        for (int c = 0; c < DQ_CONFORM_N_CHECKS; ++c)
            if (c != DQ_CHECK_STIFF && list->items[i].checks[c].status == DQ_CONFORM_INFO) {
                if (!notes++)
                    printf("\nNotes:\n");
                printf("  %s: %s: %s\n", list->items[i].solver, dq_conform_check_name(c),
                       list->items[i].checks[c].detail);
            }
    printf("\n%zu solver(s) checked, %zu passed, %zu failed.\n", list->count,
           list->count - failed, failed);
}

/* A double, or null when it is not finite (JSON has no NaN). */
static json_t *check_json_real(double v) { return isfinite(v) ? json_real(v) : json_null(); }

static json_t *check_json_result(const dq_conform_result_t *r)
{
    static const char *const order_status[] = {"not_run", "measured", "exact", "failed"};
    json_t *checks = json_object(), *orders = json_object();
    for (int c = 0; c < DQ_CONFORM_N_CHECKS; ++c)
        json_object_set_new(checks, dq_conform_check_name(c),
                            json_pack("{s:s, s:s}", "status",
                                      dq_conform_status_name(r->checks[c].status), "detail",
                                      r->checks[c].detail));
    for (int p = 0; p < DQ_CONFORM_N_PROBLEMS; ++p) {
        const dq_conform_order_t *o = &r->orders[p];
        json_t *dt = json_array(), *error = json_array();
        for (int k = 0; k < DQ_CONFORM_STEP_SIZES; ++k) {
            json_array_append_new(dt, check_json_real(o->dt[k]));
            json_array_append_new(error, check_json_real(o->error[k]));
        }
        int st = o->status >= 0 && o->status <= DQ_ORDER_FAILED ? o->status : 0;
        json_object_set_new(orders, dq_conform_problem_name(p),
                            json_pack("{s:s, s:o, s:o, s:o}", "status", order_status[st],
                                      "order", check_json_real(o->order), "dt", dt, "error",
                                      error));
    }
    return json_pack("{s:s, s:s, s:s, s:i, s:o, s:s, s:o, s:o}", "name", r->solver,
                     "category", r->category, "origin", r->origin, "declared_order",
                     r->declared_order, "measured_order", check_json_real(r->measured_order),
                     "verdict", r->passed ? "pass" : "fail", "checks", checks, "orders",
                     orders);
}

static int check_print_json(const check_list_t *list)
{
    json_t *doc = json_array();
    for (size_t i = 0; doc && i < list->count; ++i)
        if (json_array_append_new(doc, check_json_result(&list->items[i])) != 0) {
            json_decref(doc);
            doc = NULL;
        }
    return cli_json_emit(doc);
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
    int rc = DQ_EXIT_OK;
    for (int i = 1; rc == DQ_EXIT_OK && i < argc; ++i) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0) {
            json = 1;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            check_usage(stdout);
            free(args);
            return DQ_EXIT_OK;
        } else if (strcmp(a, "--timeout") == 0 || strncmp(a, "--timeout=", 10) == 0) {
            const char *v = a[9] == '=' ? a + 10 : (i + 1 < argc ? argv[++i] : NULL);
            if (!v) {
                cli_errorf("check: --timeout needs a number of seconds");
                rc = DQ_EXIT_USAGE;
            } else if (cli_parse_double(v, "check: --timeout", &timeout) != 0) {
                rc = DQ_EXIT_USAGE;
            } else if (!(timeout > 0.0)) {
                cli_errorf("check: --timeout must be a positive number of seconds, got '%s'", v);
                rc = DQ_EXIT_USAGE;
            }
        } else if (a[0] == '-') {
            cli_errorf("check: unknown option '%s' (see dqhost check --help)", a);
            rc = DQ_EXIT_USAGE;
        } else {
            args[n_args++] = a;
        }
    }
    /* Every NAME must be known before anything runs: a typo is a usage error. */
    for (size_t i = 0; rc == DQ_EXIT_OK && i < n_args; ++i) {
        dq_error_t err = {0};
        if (!check_is_file(args[i]) && !dq_registry_lookup(cli->reg, args[i], &err)) {
            cli_print_error(&err);
            rc = DQ_EXIT_USAGE;
        }
    }
    if (rc == DQ_EXIT_OK && n_args == 0 && dq_registry_count(cli->reg) == 0) {
        cli_errorf("check: no integrators were loaded; nothing to check");
        rc = DQ_EXIT_FAILURE;
    }
    if (rc != DQ_EXIT_OK) {
        free(args);
        return rc;
    }

    check_list_t list = {0};
    int oom = 0;
    if (n_args == 0) {
        size_t n = dq_registry_count(cli->reg);
        for (size_t i = 0; !oom && i < n; ++i) {
            dq_conform_result_t *r = check_list_add(&list);
            if (r)
                check_solver(dq_registry_at(cli->reg, i), timeout, r);
            oom = !r;
        }
    }
    for (size_t i = 0; !oom && i < n_args; ++i) {
        if (check_is_file(args[i])) {
            oom = check_file(args[i], timeout, &list) != 0;
        } else {
            dq_conform_result_t *r = check_list_add(&list);
            if (r)
                check_solver(dq_registry_lookup(cli->reg, args[i], NULL), timeout, r);
            oom = !r;
        }
    }
    free(args);
    if (oom) {
        free(list.items);
        cli_errorf("out of memory");
        return DQ_EXIT_FAILURE;
    }
    if (json)
        rc = check_print_json(&list);
    else
        check_print_table(&list);
    for (size_t i = 0; rc == DQ_EXIT_OK && i < list.count; ++i)
        if (!list.items[i].passed)
            rc = DQ_EXIT_FAILURE;
    free(list.items);
    return rc;
}
