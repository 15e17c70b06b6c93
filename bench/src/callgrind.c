/* SPDX-License-Identifier: MIT */
/* callgrind.c -- instruction counts: each implementation runs once, in its own process,
 * under valgrind --tool=callgrind with collection switched on only inside
 * bench_measured_run, so set-up, warm-up and the plugin loader are not counted. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

extern char **environ;

int bench_callgrind_child(const bench_workload_t *w, const bench_impl_t *impl)
{
    char msg[BENCH_MSG_MAX];
    if (!impl->supports(&w->p, msg, sizeof msg)) {
        fprintf(stderr, "dq_bench: %s\n", msg);
        return 2;
    }
    void *st = impl->setup(&w->p, msg, sizeof msg);
    if (!st) {
        fprintf(stderr, "dq_bench: %s\n", msg);
        return 1;
    }
    int rc = impl->run(st, 2, msg, sizeof msg);
    if (rc == 0)
        rc = bench_measured_run(impl, st, w->steps, msg, sizeof msg);
    if (rc == 0) {
        bench_values_t v = {0};
        impl->read(st, &v);
        printf("%s %s: V[0] %.17g V[N-1] %.17g mean %.17g spikes %.0f\n", w->id, impl->name,
               v.first, v.last, v.mean, v.spikes);
    } else {
        fprintf(stderr, "dq_bench: %s\n", msg);
    }
    impl->teardown(st);
    return rc ? 1 : 0;
}

/* The "totals:" (or "summary:") line of a callgrind output file: Ir collected. */
static double cg_read_total(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NAN;
    char line[512];
    double total = NAN, summary = NAN;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "totals:", 7) == 0)
            total = strtod(line + 7, NULL);
        else if (strncmp(line, "summary:", 8) == 0)
            summary = strtod(line + 8, NULL);
    }
    fclose(f);
    return isfinite(total) ? total : summary;
}

static int cg_run_one(const char *self, const bench_workload_t *w, bench_row_t *r,
                      const char *outfile, const char *logfile)
{
    char child[160], outarg[4200], stepsbuf[32];
    snprintf(stepsbuf, sizeof stepsbuf, "%lu", w->steps);
    snprintf(child, sizeof child, "%s:%s:%zu:%lu:%s", bench_model_name(w->p.model),
             bench_scheme_name(w->p.scheme), w->p.n, w->steps, r->impl->name);
    snprintf(outarg, sizeof outarg, "--callgrind-out-file=%s", outfile);
    char *argv[] = {"valgrind",
                    "--tool=callgrind",
                    "--collect-atstart=no",
                    "--toggle-collect=bench_measured_run",
                    outarg,
                    (char *)self,
                    "--child",
                    child,
                    NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, logfile, O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
    pid_t pid;
    int rc = posix_spawnp(&pid, "valgrind", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        snprintf(r->msg, sizeof r->msg, "cannot run valgrind: %s", strerror(rc));
        return 1;
    }
    int status = 0;
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(r->msg, sizeof r->msg, "valgrind run failed (exit %d), see %.200s",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1, logfile);
        return 1;
    }
    r->ir = cg_read_total(outfile);
    if (!isfinite(r->ir)) {
        snprintf(r->msg, sizeof r->msg, "no instruction total in %.200s", outfile);
        return 1;
    }
    return 0;
}

int bench_callgrind(bench_workload_t *w, size_t n_w, const char *self, const char *tmpdir)
{
    int failures = 0;
    printf("\ncallgrind: counting instructions, one valgrind run per row (logs in %s)\n", tmpdir);
    for (size_t i = 0; i < n_w; ++i) {
        const double unit_steps = (double)w[i].p.n * (double)w[i].steps;
        const bench_row_t *hand = NULL, *simd = NULL;
        for (size_t j = 0; j < w[i].n_rows; ++j) {
            bench_row_t *r = &w[i].rows[j];
            if (r->status != ROW_OK)
                continue;
            char outfile[4096], logfile[4096];
            snprintf(outfile, sizeof outfile, "%s/cg.%zu.%s.out", tmpdir, i, r->impl->name);
            snprintf(logfile, sizeof logfile, "%s/cg.%zu.%s.log", tmpdir, i, r->impl->name);
            if (cg_run_one(self, &w[i], r, outfile, logfile)) {
                r->status = ROW_FAILED;
                ++failures;
                fprintf(stderr, "dq_bench: callgrind %s %s: %s\n", w[i].id, r->impl->name, r->msg);
                continue;
            }
            remove(outfile);
            remove(logfile);
            r->ir_per_unit_step = r->ir / unit_steps;
            if (r->impl == &bench_impl_hand)
                hand = r;
            else if (r->impl == &bench_impl_hand_simd)
                simd = r;
        }
        printf("  %s:", w[i].id);
        for (size_t j = 0; j < w[i].n_rows; ++j) {
            bench_row_t *r = &w[i].rows[j];
            if (r->status != ROW_OK)
                continue;
            r->ir_ratio_hand = hand ? r->ir / hand->ir : NAN;
            r->ir_ratio_simd = simd ? r->ir / simd->ir : NAN;
            printf(" %s %.0f Ir/unit-step;", r->impl->name, r->ir_per_unit_step);
        }
        printf("\n");
        fflush(stdout);
    }
    if (failures == 0)
        rmdir(tmpdir);
    return 0;
}
