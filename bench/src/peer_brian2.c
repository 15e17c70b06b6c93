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
 * Builds go to a temporary directory (removed by bench_brian2_cleanup), one subdirectory per
 * timed configuration (target, threads, N, sigma, steps), so the first timed round of each
 * builds from nothing and its compile time is the real one; later rounds reuse the build
 * (the check runs share one per target, N and sigma). Brian
 * draws its own normals (own_noise): main.c checks it without noise against the hand loop
 * and with noise statistically against dqhost. Check runs (no warm-up steps) are remembered
 * and not repeated: with a fixed seed they give the same values. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "workload.h"

#ifndef BENCH_PEERS_DIR
#error "BENCH_PEERS_DIR must name bench/peers"
#endif
#define PB_SCRIPT BENCH_PEERS_DIR "/brian2_noisy_hh.py"

extern char **environ;

typedef enum pb_kind { PB_CPP, PB_OMP, PB_CYTHON } pb_kind_t;

static char pb_python[1024]; /* "" : the rows are off */
static char pb_tmp[4096];    /* the temporary root, "" until needed */
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

static int pb_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(path); /* best effort: go on with the rest */
    return 0;
}

void bench_brian2_cleanup(void)
{
    if (pb_tmp[0])
        nftw(pb_tmp, pb_rm, 16, FTW_DEPTH | FTW_PHYS);
    pb_tmp[0] = '\0';
    for (size_t i = 0; i < pb_n_memo; ++i)
        free(pb_memo[i].v);
    pb_n_memo = 0;
}

static int pb_tmpdir(char *msg, size_t len)
{
    if (pb_tmp[0])
        return 0;
    const char *base = getenv("TMPDIR");
    snprintf(pb_tmp, sizeof pb_tmp, "%s/dq_bench_brian2.XXXXXX", base && base[0] ? base : "/tmp");
    if (!mkdtemp(pb_tmp)) {
        snprintf(msg, len, "cannot make a temporary directory %s: %s", pb_tmp, strerror(errno));
        pb_tmp[0] = '\0';
        return 1;
    }
    return 0;
}

/* The last `keep` characters of a file, for a message. */
static void pb_tail(const char *path, char *out, size_t len, size_t keep)
{
    out[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    if (fseek(f, 0, SEEK_END) == 0) {
        long size = ftell(f);
        fseek(f, size > (long)keep ? size - (long)keep : 0, SEEK_SET);
    }
    size_t n = fread(out, 1, len - 1, f);
    out[n] = '\0';
    fclose(f);
    for (char *c = out; *c; ++c)
        if (*c == '\n' || *c == '\t')
            *c = ' ';
}

/* Runs argv with stdout into out (NUL-terminated, the rest drained) and stderr into the file
 * `log`. The exit status, or -1 with errno. */
static int pb_spawn(char *const argv[], const char *log, char *out, size_t out_len)
{
    int fd[2];
    if (pipe(fd))
        return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addclose(&fa, fd[0]);
    posix_spawn_file_actions_adddup2(&fa, fd[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&fa, fd[1]);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fd[1]);
    if (rc != 0) {
        close(fd[0]);
        errno = rc;
        return -1;
    }
    size_t o = 0;
    char sink[4096];
    for (;;) {
        ssize_t k = o + 1 < out_len ? read(fd[0], out + o, out_len - 1 - o)
                                    : read(fd[0], sink, sizeof sink);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        if (o + 1 < out_len)
            o += (size_t)k;
    }
    out[o] = '\0';
    close(fd[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The number after "key": in a flat JSON text; NAN for null or when absent. */
static double pb_json_num(const char *js, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(js, pat);
    if (!p)
        return NAN;
    p += strlen(pat);
    while (*p == ' ')
        ++p;
    char *end;
    double v = strtod(p, &end);
    return end == p ? NAN : v;
}

/* The string after "key": (up to 120 characters), or "". */
static void pb_json_str(const char *js, const char *key, char *out, size_t len)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\": \"", key);
    const char *p = strstr(js, pat);
    out[0] = '\0';
    if (p) {
        p += strlen(pat);
        size_t n = strcspn(p, "\"");
        snprintf(out, len, "%.*s", (int)(n < 120 ? n : 120), p);
    }
}

const char *bench_brian2_version(char *msg, size_t len)
{
    if (pb_version_state == 0) {
        pb_version_state = -1;
        char out[1024], log[4200], tail[300];
        if (!pb_python[0]) {
            snprintf(pb_version_msg, sizeof pb_version_msg, "Brian2 rows off (--no-brian2)");
        } else if (access(pb_python, X_OK) != 0) {
            snprintf(pb_version_msg, sizeof pb_version_msg, "Brian2: no Python at %.200s",
                     pb_python);
        } else if (!pb_tmpdir(pb_version_msg, sizeof pb_version_msg)) {
            snprintf(log, sizeof log, "%s/version.log", pb_tmp);
            char *argv[] = {pb_python, PB_SCRIPT, "--version", NULL};
            int rc = pb_spawn(argv, log, out, sizeof out);
            char b[40], c[40], py[40];
            pb_json_str(out, "brian2", b, sizeof b);
            pb_json_str(out, "cython", c, sizeof c);
            pb_json_str(out, "python", py, sizeof py);
            if (rc != 0 || !b[0]) {
                pb_tail(log, tail, sizeof tail, 200);
                snprintf(pb_version_msg, sizeof pb_version_msg,
                         "Brian2 cannot be run by %.120s (Debian: python3-brian cython3 g++): exit "
                         "%d%s%.200s",
                         pb_python, rc, tail[0] ? ", " : "", tail);
            } else {
                snprintf(pb_version, sizeof pb_version, "%.39s (Cython %.39s, Python %.39s)", b,
                         c[0] ? c : "missing", py);
                pb_version_state = 1;
            }
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

static int pb_supports(pb_kind_t kind, const bench_problem_t *p, char *msg, size_t len)
{
    if (p->model != BENCH_HH || (p->scheme != BENCH_EM && p->scheme != BENCH_EULER)) {
        snprintf(msg, len, "the Brian2 script runs HH with euler / Euler-Maruyama only");
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
            pb_memo[i].p.sigma == s->p.sigma && pb_memo[i].p.dt == s->p.dt) {
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
    if (pb_tmpdir(msg, len))
        return 1;
    const unsigned threads = pb_threads(s->kind);
    char work[4300], vfile[4400], log[4400], out[8192], tail[400];
    /* A timed configuration builds afresh in its own directory; the check runs of one
     * population and noise share one (only the step count, in main.cpp, changes). */
    if (warm)
        snprintf(work, sizeof work, "%s/%s-t%u-n%zu-s%g-k%lu-w%lu", pb_tmp, pb_target(s->kind),
                 threads, p->n, p->sigma, steps, warm);
    else
        snprintf(work, sizeof work, "%s/check-%s-t%u-n%zu-s%g", pb_tmp, pb_target(s->kind), threads,
                 p->n, p->sigma);
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
                    "--dump-v",  vfile,     NULL};
    const int rc = pb_spawn(argv, log, out, sizeof out);
    const double run_s = pb_json_num(out, "run_s");
    s->v = malloc(2 * p->n * sizeof *s->v);
    if (rc != 0 || !isfinite(run_s) || !s->v || pb_read_v(vfile, s->v, 2 * p->n)) {
        pb_tail(log, tail, sizeof tail, 300);
        snprintf(msg, len, "%s failed (exit %d): %s", PB_SCRIPT, rc, tail);
        return 1;
    }
    remove(vfile);
    s->vals.first = pb_json_num(out, "first");
    s->vals.last = pb_json_num(out, "last");
    s->vals.mean = pb_json_num(out, "mean");
    s->vals.spikes = pb_json_num(out, "spikes");
    s->vals.threads = threads;
    *seconds = run_s;
    *compile_s = pb_json_num(out, "compile_s");
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
