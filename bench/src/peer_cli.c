/* SPDX-License-Identifier: MIT */
/* peer_cli.c -- the command-line rows (issue #14, item 4): what a user actually runs, timed as
 * a whole process -- start-up, plugin loading, the run and the summary.
 *
 * "dqhost run": `dqhost run SPEC --threads 1 --t-end T` with a spec of model hh (n, I_ext =
 * 20 (i + 1/2)/N written as the shortest exact decimals), the solver of the scheme and dt =
 * 0.01 ms, and no output file (no record, no output key: the summary only, on a pipe). The
 * hand row: dq_bench_hand_cli (hand_cli.c), hand_simd.c's loops as a program of its own.
 * Each timed run is one process (fork/exec to exit, CLOCK_MONOTONIC); the warm-up steps
 * the harness asks for have no meaning here and are not taken. After it, the same program
 * runs three times with one step: the median of those is its start-up (exec, loading,
 * set-up, the summary), reported in the compile column's place. Check runs print the
 * values: the hand program always, dqhost with --json (final V of every unit, the ensemble
 * mean, the spike count). */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "peer_proc.h"
#include "workload.h"

#ifndef BENCH_DQHOST_EXE
#error "BENCH_DQHOST_EXE must name the dqhost executable"
#endif
#ifndef BENCH_HAND_CLI_EXE
#error "BENCH_HAND_CLI_EXE must name dq_bench_hand_cli"
#endif

#define PC_STARTUP_RUNS 3
#define PC_OUT_MAX (1u << 22) /* a check run's --json summary: every state of 1 000 units */

typedef struct pc_state {
    bench_problem_t p;
    int dqhost; /* 1: dqhost run, 0: the hand program */
    char spec[4400];
    bench_values_t vals;
} pc_state_t;

void bench_cli_cleanup(void)
{
    bench_peer_tmp_cleanup();
}

static double pc_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int pc_supports(const bench_problem_t *p, char *msg, size_t len)
{
    if (p->model != BENCH_HH || p->sigma != 0.0 ||
        (p->scheme != BENCH_EULER && p->scheme != BENCH_RK4 && p->scheme != BENCH_IND_EXP_EULER)) {
        snprintf(msg, len,
                 "the command-line rows run deterministic HH with euler, rk4 and "
                 "ind_exp_euler only");
        return 0;
    }
    return 1;
}

static unsigned pc_ref_substeps(const bench_problem_t *p)
{
    (void)p;
    return 1;
}

/* The spec of p in the temporary directory (written once per population and scheme). */
static int pc_write_spec(pc_state_t *s, char *msg, size_t len)
{
    const char *tmp = bench_peer_tmpdir(msg, len);
    if (!tmp)
        return 1;
    const bench_problem_t *p = &s->p;
    snprintf(s->spec, sizeof s->spec, "%s/cli-hh-n%zu-%s.json", tmp, p->n,
             bench_scheme_name(p->scheme));
    if (access(s->spec, R_OK) == 0)
        return 0;
    FILE *f = fopen(s->spec, "w");
    if (!f) {
        snprintf(msg, len, "cannot write %s", s->spec);
        return 1;
    }
    fprintf(f,
            "{\"model\": \"hh\", \"solver\": \"%s\", \"dt\": %.17g,\n \"params\": {\"n\": %zu, "
            "\"I_ext\": [",
            bench_scheme_name(p->scheme), p->dt, p->n);
    for (size_t i = 0; i < p->n; ++i)
        fprintf(f, "%s%.17g", i ? (i % 8 ? ", " : ",\n") : "", hh_iext(i, p->n));
    fputs("]}}\n", f);
    if (fclose(f) != 0) {
        snprintf(msg, len, "cannot write %s", s->spec);
        return 1;
    }
    return 0;
}

static void *pc_setup_kind(const bench_problem_t *p, int dqhost, char *msg, size_t len)
{
    pc_state_t *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(msg, len, "out of memory");
        return NULL;
    }
    s->p = *p;
    s->dqhost = dqhost;
    s->vals.first = s->vals.last = s->vals.mean = s->vals.spikes = NAN;
    if (dqhost && pc_write_spec(s, msg, len)) {
        free(s);
        return NULL;
    }
    return s;
}

static void *pc_setup_dqhost(const bench_problem_t *p, char *msg, size_t len)
{
    return pc_setup_kind(p, 1, msg, len);
}

static void *pc_setup_hand(const bench_problem_t *p, char *msg, size_t len)
{
    return pc_setup_kind(p, 0, msg, len);
}

static void pc_teardown(void *state)
{
    free(state);
}

/* One process of `steps` steps; its wall time into *secs; its standard output into out
 * (json: dqhost's --json summary). 0, or nonzero with msg. */
static int pc_process(pc_state_t *s, unsigned long steps, int json, char *out, size_t out_len,
                      double *secs, char *msg, size_t len)
{
    const char *tmp = bench_peer_tmpdir(msg, len);
    if (!tmp)
        return 1;
    char log[4400], tail[400], a_n[32], a_steps[32], a_tend[40];
    snprintf(log, sizeof log, "%s/cli-%s.log", tmp, s->dqhost ? "dqhost" : "hand");
    snprintf(a_n, sizeof a_n, "%zu", s->p.n);
    snprintf(a_steps, sizeof a_steps, "%lu", steps);
    snprintf(a_tend, sizeof a_tend, "%.17g", (double)steps * s->p.dt);
    char *dq_argv[] = {BENCH_DQHOST_EXE,       "run", s->spec, "--threads", "1", "--t-end", a_tend,
                       json ? "--json" : NULL, NULL};
    char *hand_argv[] = {BENCH_HAND_CLI_EXE, (char *)bench_scheme_name(s->p.scheme), a_n, a_steps,
                         NULL};
    const double t0 = pc_now();
    const int rc = bench_peer_spawn(s->dqhost ? dq_argv : hand_argv, log, out, out_len);
    *secs = pc_now() - t0;
    if (rc != 0) {
        bench_peer_tail(log, tail, sizeof tail, 300);
        snprintf(msg, len, "%s exited with %d: %s", s->dqhost ? "dqhost run" : "dq_bench_hand_cli",
                 rc, tail);
        return 1;
    }
    return 0;
}

/* The number after the first "key" following "after" in js; NAN when absent. */
static double pc_json_after(const char *js, const char *after, const char *key)
{
    const char *p = strstr(js, after);
    return p ? bench_peer_json_num(p, key) : NAN;
}

/* dqhost's --json summary: V of unit 0 and N-1 from "final", the ensemble mean, the spike
 * count; 0 when every value was found. */
static int pc_parse_dqhost(const char *js, unsigned long steps, bench_values_t *v)
{
    const char *fin = strstr(js, "\"final\"");
    const char *arr = fin ? strstr(fin, "\"V\": [") : NULL;
    if (!arr || bench_peer_json_num(js, "steps") != (double)steps)
        return 1;
    arr += strlen("\"V\": [");
    v->first = strtod(arr, NULL);
    const char *close = strchr(arr, ']');
    const char *last = close;
    while (last && last > arr && last[-1] != ',' && last[-1] != '[')
        --last;
    v->last = last ? strtod(last, NULL) : NAN;
    const char *ens = strstr(js, "\"ensemble\"");
    v->mean = ens ? pc_json_after(ens, "\"V\"", "mean") : NAN;
    v->spikes = pc_json_after(js, "\"spike_counts\"", "spike");
    return !(isfinite(v->first) && isfinite(v->last) && isfinite(v->mean) && isfinite(v->spikes));
}

static int pc_cmp(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int pc_run_self_timed(void *state, unsigned long warm, unsigned long steps, double *seconds,
                             double *compile_s, char *msg, size_t len)
{
    pc_state_t *s = state;
    *seconds = *compile_s = NAN;
    char *out = malloc(PC_OUT_MAX);
    if (!out) {
        snprintf(msg, len, "out of memory");
        return 1;
    }
    const int check = warm == 0; /* a check run: read the values, time nothing */
    int rc = pc_process(s, steps, check && s->dqhost, out, PC_OUT_MAX, seconds, msg, len);
    if (rc == 0 && s->dqhost && check && pc_parse_dqhost(out, steps, &s->vals)) {
        snprintf(msg, len,
                 "cannot read V, its mean and the spike count after %lu steps in "
                 "dqhost's --json summary",
                 steps);
        rc = 1;
    } else if (rc == 0 && !s->dqhost) {
        s->vals.first = bench_peer_json_num(out, "first");
        s->vals.last = bench_peer_json_num(out, "last");
        s->vals.mean = bench_peer_json_num(out, "mean");
        s->vals.spikes = bench_peer_json_num(out, "spikes");
    }
    if (rc == 0 && !check) { /* the start-up: the same program with one step */
        double t[PC_STARTUP_RUNS];
        for (int i = 0; i < PC_STARTUP_RUNS && rc == 0; ++i)
            rc = pc_process(s, 1, 0, out, PC_OUT_MAX, &t[i], msg, len);
        qsort(t, PC_STARTUP_RUNS, sizeof t[0], pc_cmp);
        if (rc == 0)
            *compile_s = t[PC_STARTUP_RUNS / 2];
    }
    free(out);
    return rc;
}

static int pc_run(void *state, unsigned long steps, char *msg, size_t len)
{
    double secs, startup;
    return pc_run_self_timed(state, 0, steps, &secs, &startup, msg, len);
}

static void pc_read(const void *state, bench_values_t *out)
{
    *out = ((const pc_state_t *)state)->vals;
}

const bench_impl_t bench_impl_cli_hand = {
    .name = "cli_hand",
    .label = "hand-fused SIMD loop as a program (dq_bench_hand_cli)",
    .supports = pc_supports,
    .ref_substeps = pc_ref_substeps,
    .setup = pc_setup_hand,
    .run = pc_run,
    .read = pc_read,
    .teardown = pc_teardown,
    .run_self_timed = pc_run_self_timed,
};

const bench_impl_t bench_impl_cli_dqhost = {
    .name = "cli_dqhost",
    .label = "dqhost run SPEC --threads 1",
    .supports = pc_supports,
    .ref_substeps = pc_ref_substeps,
    .setup = pc_setup_dqhost,
    .run = pc_run,
    .read = pc_read,
    .teardown = pc_teardown,
    .run_self_timed = pc_run_self_timed,
};
