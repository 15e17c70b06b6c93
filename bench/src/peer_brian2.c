/* SPDX-License-Identifier: MIT */
/* peer_brian2.c -- Brian2 (Debian's python3-brian) as a peer on the noisy HH rows.
 *
 * Each run is one process, bench/peers/brian2_noisy_hh.py under the configured Python, which
 * builds the same HH population (sigma on V, Euler-Maruyama through Brian's `euler`), runs
 * the untimed and the timed steps, and prints JSON: its own time of the stepping loop (so
 * Python's start-up, code generation and compilation are not counted), its compile time,
 * V(t_end) and, in a file, V of every unit. Three rows: cpp_standalone on one thread,
 * cpp_standalone with OpenMP on every core, and the cython runtime target.
 *
 * Issue #14's simulator rows run the same script without noise with Brian's
 * `exponential_euler` (beside ind_exp_euler) and `rk4` (--method).
 *
 * Builds go to a temporary directory (removed by bench_brian2_cleanup), one subdirectory per
 * timed configuration (target, threads, N, sigma, steps), so the first timed round of each
 * builds from nothing and its compile time is the real one; later rounds reuse the build
 * (the check runs share one per target, N and sigma). Brian
 * draws its own normals (own_noise): main.c checks it without noise against the hand loop
 * and with noise statistically against dqhost. Check runs (no warm-up steps) are remembered
 * and not repeated: with a fixed seed they give the same values. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "peer_proc.h"
#include "workload.h"

#ifndef BENCH_PEERS_DIR
#error "BENCH_PEERS_DIR must name bench/peers"
#endif
#define PB_SCRIPT BENCH_PEERS_DIR "/brian2_noisy_hh.py"

typedef enum pb_kind { PB_CPP, PB_OMP, PB_CYTHON } pb_kind_t;

static char pb_python[1024]; /* "" : the rows are off */
static int pb_version_state; /* 0 not asked, 1 ok, -1 cannot run */
static char pb_version[160];
static char pb_version_msg[BENCH_MSG_MAX];

typedef struct pb_state {
    bench_problem_t p;
    pb_kind_t kind;
    bench_values_t vals;
    double *v; /* V of every unit after the run, then their spike counts */
} pb_state_t;

/* Remembered check runs. */
enum { PB_MEMO = 16 };
static struct {
    pb_kind_t kind;
    bench_problem_t p;
    unsigned long steps;
    bench_values_t vals;
    double *v;
} pb_memo[PB_MEMO];
static size_t pb_n_memo;

void bench_brian2_configure(const char *python)
{
    snprintf(pb_python, sizeof pb_python, "%s", python ? python : "");
}

void bench_brian2_cleanup(void)
{
    bench_peer_tmp_cleanup();
    for (size_t i = 0; i < pb_n_memo; ++i)
        free(pb_memo[i].v);
    pb_n_memo = 0;
}

const char *bench_brian2_version(char *msg, size_t len)
{
    if (pb_version_state == 0) {
        pb_version_state = -1;
        char out[1024], b[40], c[40], py[40];
        if (!pb_python[0]) {
            snprintf(pb_version_msg, sizeof pb_version_msg, "Brian2 rows off (--no-brian2)");
        } else if (!bench_peer_script_version(pb_python, PB_SCRIPT, "Brian2", "brian2",
                                              "python3-brian cython3 g++", out, sizeof out, b,
                                              sizeof b, pb_version_msg, sizeof pb_version_msg)) {
            bench_peer_json_str(out, "cython", c, sizeof c);
            bench_peer_json_str(out, "python", py, sizeof py);
            snprintf(pb_version, sizeof pb_version, "%.39s (Cython %.39s, Python %.39s)", b,
                     c[0] ? c : "missing", py);
            pb_version_state = 1;
        }
    }
    if (pb_version_state < 0) {
        snprintf(msg, len, "%s", pb_version_msg);
        return NULL;
    }
    return pb_version;
}

static const char *pb_target(pb_kind_t k)
{
    return k == PB_CYTHON ? "cython" : "cpp_standalone";
}

static unsigned pb_threads(pb_kind_t k)
{
    const long cores = sysconf(_SC_NPROCESSORS_ONLN);
    return k == PB_OMP && cores > 1 ? (unsigned)cores : 1;
}

/* Brian's state updater for a scheme: `euler` (Euler-Maruyama with noise), and for issue
 * #14's simulator rows `exponential_euler` (per-state, the other states held: what
 * ind_exp_euler does) and `rk4`; NULL for the rest. */
static const char *pb_method(bench_scheme_t s)
{
    return s == BENCH_EULER || s == BENCH_EM ? "euler"
           : s == BENCH_IND_EXP_EULER        ? "exponential_euler"
           : s == BENCH_RK4                  ? "rk4"
                                             : NULL;
}

static int pb_supports(pb_kind_t kind, const bench_problem_t *p, char *msg, size_t len)
{
    if (p->model != BENCH_HH || !pb_method(p->scheme) ||
        (p->sigma != 0.0 && p->scheme != BENCH_EM)) {
        snprintf(msg, len,
                 "the Brian2 script runs HH with euler / Euler-Maruyama, exponential_euler and "
                 "rk4 only (noise: Euler-Maruyama only)");
        return 0;
    }
    if (kind == PB_OMP && pb_threads(kind) < 2) {
        snprintf(msg, len, "one core: no OpenMP row");
        return 0;
    }
    return bench_brian2_version(msg, len) != NULL;
}

static int pb_supports_cpp(const bench_problem_t *p, char *msg, size_t len)
{
    return pb_supports(PB_CPP, p, msg, len);
}

static int pb_supports_omp(const bench_problem_t *p, char *msg, size_t len)
{
    return pb_supports(PB_OMP, p, msg, len);
}

static int pb_supports_cython(const bench_problem_t *p, char *msg, size_t len)
{
    return pb_supports(PB_CYTHON, p, msg, len);
}

static unsigned pb_ref_substeps(const bench_problem_t *p)
{
    (void)p;
    return 1;
}

static void pb_teardown(void *state)
{
    pb_state_t *s = state;
    if (!s)
        return;
    free(s->v);
    free(s);
}

static void *pb_setup_kind(pb_kind_t kind, const bench_problem_t *p, char *msg, size_t len)
{
    pb_state_t *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(msg, len, "out of memory");
        return NULL;
    }
    s->p = *p;
    s->kind = kind;
    if (p->scheme == BENCH_EULER)
        s->p.sigma = 0.0; /* Brian's euler would integrate the noise: run the drift alone */
    return s;
}

static void *pb_setup_cpp(const bench_problem_t *p, char *msg, size_t len)
{
    return pb_setup_kind(PB_CPP, p, msg, len);
}

static void *pb_setup_omp(const bench_problem_t *p, char *msg, size_t len)
{
    return pb_setup_kind(PB_OMP, p, msg, len);
}

static void *pb_setup_cython(const bench_problem_t *p, char *msg, size_t len)
{
    return pb_setup_kind(PB_CYTHON, p, msg, len);
}

static int pb_read_v(const char *path, double *v, size_t n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 1;
    size_t got = fread(v, sizeof *v, n, f);
    fclose(f);
    return got != n;
}

static int pb_memo_find(pb_state_t *s, unsigned long steps)
{
    for (size_t i = 0; i < pb_n_memo; ++i)
        if (pb_memo[i].kind == s->kind && pb_memo[i].steps == steps && pb_memo[i].p.n == s->p.n &&
            pb_memo[i].p.scheme == s->p.scheme && pb_memo[i].p.sigma == s->p.sigma &&
            pb_memo[i].p.dt == s->p.dt) {
            s->vals = pb_memo[i].vals;
            s->v = malloc(2 * s->p.n * sizeof *s->v);
            if (!s->v)
                return 0;
            memcpy(s->v, pb_memo[i].v, 2 * s->p.n * sizeof *s->v);
            return 1;
        }
    return 0;
}

static void pb_memo_add(const pb_state_t *s, unsigned long steps)
{
    if (pb_n_memo >= PB_MEMO)
        return;
    double *v = malloc(2 * s->p.n * sizeof *v);
    if (!v)
        return;
    memcpy(v, s->v, 2 * s->p.n * sizeof *v);
    pb_memo[pb_n_memo].kind = s->kind;
    pb_memo[pb_n_memo].p = s->p;
    pb_memo[pb_n_memo].steps = steps;
    pb_memo[pb_n_memo].vals = s->vals;
    pb_memo[pb_n_memo++].v = v;
}

static int pb_run_self_timed(void *state, unsigned long warm, unsigned long steps, double *seconds,
                             double *compile_s, char *msg, size_t len)
{
    pb_state_t *s = state;
    const bench_problem_t *p = &s->p;
    *seconds = *compile_s = NAN;
    if (warm == 0 && pb_memo_find(s, steps)) /* a check run: same seed, same values */
        return 0;
    const char *tmp = bench_peer_tmpdir(msg, len);
    if (!tmp)
        return 1;
    const char *method = pb_method(p->scheme);
    const unsigned threads = pb_threads(s->kind);
    char work[4300], vfile[4400], log[4400], out[8192], tail[400];
    /* A timed configuration builds afresh in its own directory; the check runs of one
     * population and noise share one (only the step count, in main.cpp, changes). */
    if (warm)
        snprintf(work, sizeof work, "%s/brian2-%s-%s-t%u-n%zu-s%g-k%lu-w%lu", tmp,
                 pb_target(s->kind), method, threads, p->n, p->sigma, steps, warm);
    else
        snprintf(work, sizeof work, "%s/brian2-check-%s-%s-t%u-n%zu-s%g", tmp, pb_target(s->kind),
                 method, threads, p->n, p->sigma);
    snprintf(vfile, sizeof vfile, "%s-k%lu.v", work, steps);
    snprintf(log, sizeof log, "%s-k%lu.log", work, steps);
    char a_n[32], a_steps[32], a_warm[32], a_dt[32], a_sigma[32], a_seed[32], a_threads[32];
    snprintf(a_n, sizeof a_n, "%zu", p->n);
    snprintf(a_steps, sizeof a_steps, "%lu", steps);
    snprintf(a_warm, sizeof a_warm, "%lu", warm);
    snprintf(a_dt, sizeof a_dt, "%.17g", p->dt);
    snprintf(a_sigma, sizeof a_sigma, "%.17g", p->sigma);
    snprintf(a_seed, sizeof a_seed, "%d", BENCH_SEED);
    snprintf(a_threads, sizeof a_threads, "%u", threads);
    char *argv[] = {pb_python,   PB_SCRIPT, "--target", (char *)pb_target(s->kind),
                    "--n",       a_n,       "--steps",  a_steps,
                    "--warm",    a_warm,    "--dt",     a_dt,
                    "--sigma",   a_sigma,   "--seed",   a_seed,
                    "--threads", a_threads, "--work",   work,
                    "--dump-v",  vfile,     "--method", (char *)method,
                    NULL};
    const int rc = bench_peer_spawn(argv, log, out, sizeof out);
    const double run_s = bench_peer_json_num(out, "run_s");
    s->v = malloc(2 * p->n * sizeof *s->v);
    if (rc != 0 || !isfinite(run_s) || !s->v || pb_read_v(vfile, s->v, 2 * p->n)) {
        bench_peer_tail(log, tail, sizeof tail, 300);
        snprintf(msg, len, "%s failed (exit %d): %s", PB_SCRIPT, rc, tail);
        return 1;
    }
    remove(vfile);
    s->vals.first = bench_peer_json_num(out, "first");
    s->vals.last = bench_peer_json_num(out, "last");
    s->vals.mean = bench_peer_json_num(out, "mean");
    s->vals.spikes = bench_peer_json_num(out, "spikes");
    s->vals.threads = threads;
    *seconds = run_s;
    *compile_s = bench_peer_json_num(out, "compile_s");
    if (warm == 0)
        pb_memo_add(s, steps);
    return 0;
}

static int pb_run(void *state, unsigned long steps, char *msg, size_t len)
{
    double secs, comp;
    return pb_run_self_timed(state, 0, steps, &secs, &comp, msg, len);
}

static void pb_read(const void *state, bench_values_t *out)
{
    *out = ((const pb_state_t *)state)->vals;
}

static int pb_read_all(const void *state, double *v, double *spikes, size_t n)
{
    const pb_state_t *s = state;
    if (!s->v || n != s->p.n)
        return 1;
    memcpy(v, s->v, n * sizeof *v);
    memcpy(spikes, s->v + n, n * sizeof *spikes);
    return 0;
}

const bench_impl_t bench_impl_brian2_cpp = {
    .name = "brian2_cpp",
    .label = "Brian2 cpp_standalone, 1 thread",
    .supports = pb_supports_cpp,
    .ref_substeps = pb_ref_substeps,
    .setup = pb_setup_cpp,
    .run = pb_run,
    .read = pb_read,
    .teardown = pb_teardown,
    .read_all = pb_read_all,
    .run_self_timed = pb_run_self_timed,
    .own_noise = 1,
};

const bench_impl_t bench_impl_brian2_omp = {
    .name = "brian2_omp",
    .label = "Brian2 cpp_standalone, OpenMP all cores",
    .supports = pb_supports_omp,
    .ref_substeps = pb_ref_substeps,
    .setup = pb_setup_omp,
    .run = pb_run,
    .read = pb_read,
    .teardown = pb_teardown,
    .read_all = pb_read_all,
    .run_self_timed = pb_run_self_timed,
    .own_noise = 1,
};

const bench_impl_t bench_impl_brian2_cython = {
    .name = "brian2_cython",
    .label = "Brian2 cython (runtime), 1 thread",
    .supports = pb_supports_cython,
    .ref_substeps = pb_ref_substeps,
    .setup = pb_setup_cython,
    .run = pb_run,
    .read = pb_read,
    .teardown = pb_teardown,
    .read_all = pb_read_all,
    .run_self_timed = pb_run_self_timed,
    .own_noise = 1,
};
