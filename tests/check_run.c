/* SPDX-License-Identifier: MIT */
/* check_run.c -- `dqhost run` with run specs: the invalid-spec folder, trajectories written
 * atomically, partial records kept on blow-up, flags over the spec, sub-module solvers, and
 * every example spec. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <jansson.h>

#include "test_proc.h"

static char tmp[64];

static void tmp_setup(void)
{
    ck_assert_int_eq(test_tmp_make(tmp, sizeof tmp, "run"), 0);
}

static void tmp_teardown(void)
{
    test_tmp_remove(tmp);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

/* Replaces "{spec}" in text by path, "{dir}" by its directory (where a spec's morphology
 * is found). */
static void expand(const char *text, const char *path, char *out, size_t cap)
{
    size_t used = 0;
    const char *slash = strrchr(path, '/');
    int dir_len = slash ? (int)(slash - path) : 1;
    for (const char *p = text; *p && used + 1 < cap;) {
        if (strncmp(p, "{spec}", 6) == 0) {
            used += (size_t)snprintf(out + used, cap - used, "%s", path);
            p += 6;
        } else if (strncmp(p, "{dir}", 5) == 0) {
            used += (size_t)snprintf(out + used, cap - used, "%.*s", dir_len, slash ? path : ".");
            p += 5;
        } else
            out[used++] = *p++;
    }
    out[used < cap ? used : cap - 1] = '\0';
}

START_TEST(test_run_every_invalid_spec_gives_its_message_status_2_and_no_file)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/invalid", DQ_TEST_SPEC_DIR);
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int checked = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        char spec[1024], expected_path[1024], expected[4096], want[8192];
        snprintf(spec, sizeof spec, "%s/%s/spec.json", dir, e->d_name);
        snprintf(expected_path, sizeof expected_path, "%s/%s/expected", dir, e->d_name);
        char *text = test_slurp(expected_path);
        ck_assert_msg(text != NULL, "%s has no expected file", e->d_name);
        snprintf(expected, sizeof expected, "%s", text);
        free(text);
        expected[strcspn(expected, "\n")] = '\0';
        expand(expected, spec, want, sizeof want);
        int status = dqhost_in(tmp, "run", spec);
        char line[8300];
        snprintf(line, sizeof line, "dqhost: error: %s\n", want);
        ck_assert_msg(status == 2, "%s: status %d, stderr:\n%s", e->d_name, status, res.err);
        ck_assert_msg(strcmp(res.err, line) == 0, "%s:\nexpected: %sgot:      %s", e->d_name, line,
                      res.err);
        ck_assert_msg(test_dir_entries(tmp) == 0, "%s left a file behind", e->d_name);
        checked++;
    }
    closedir(d);
    ck_assert_int_ge(checked, 25);
}
END_TEST

START_TEST(test_run_writes_trajectory_atomically_and_summary_to_stdout)
{
    char spec[128];
    snprintf(spec, sizeof spec, "%s/osc.json", tmp);
    write_file(spec, "{\"model\": \"oscillator\", \"params\": {\"omega\": 2}, \"solver\": \"rk4\","
                     " \"dt\": 0.01, \"t_end\": 10, \"record\": {\"every\": 100},"
                     " \"output\": {\"path\": \"osc.csv\"}}");
    ck_assert_int_eq(dqhost_in(tmp, "run", spec), 0);
    ck_assert_contains(res.out, "model oscillator, solver rk4, dt 0.01 s, 1000 steps to t = 10 s");
    ck_assert_contains(res.out, "trajectory: 11 samples -> osc.csv (csv)\n");
    ck_assert_int_eq(test_dir_entries(tmp), 2); /* the spec and osc.csv, no temporary file */
    char path[160];
    snprintf(path, sizeof path, "%s/osc.csv", tmp);
    char *csv = test_slurp(path);
    ck_assert_ptr_nonnull(csv);
    ck_assert(strncmp(test_csv_body(csv), "t,x[0],v[0]\n0,1,0\n", 18) == 0);
    /* The seed's oscillator with omega = 2 follows cos(2t): rk4 at dt = 0.01 within
     * 5e-8 up to t = 10 (global error ~ t * omega^5 * dt^4 / 120 = 2.7e-8). */
    int rows = 0;
    for (char *line = strchr(test_csv_body(csv), '\n') + 1; line && *line;
         line = strchr(line, '\n') + 1) {
        double t, x, v;
        ck_assert_int_eq(sscanf(line, "%lf,%lf,%lf", &t, &x, &v), 3);
        ck_assert_double_eq_tol(x, cos(2 * t), 5e-8);
        ck_assert_double_eq_tol(v, -2 * sin(2 * t), 1e-7);
        rows++;
        if (!strchr(line, '\n'))
            break;
    }
    ck_assert_int_eq(rows, 11);
    free(csv);
}
END_TEST

START_TEST(test_run_oscillator_accuracy_follows_solver_order)
{
    /* x(10) for omega = 2 after 1000 steps of 0.01: the error shrinks with the order. */
    const struct {
        const char *solver;
        double lo, hi;
    } cases[] = {{"euler", 0.02, 0.3}, {"midpoint", 1e-5, 5e-3}, {"rk4", 1e-12, 5e-8}};
    for (size_t i = 0; i < 3; ++i) {
        ck_assert_int_eq(dqhost("run", "--model", "oscillator", "--param", "omega=2", "--solver",
                                cases[i].solver, "--dt", "0.01", "--t-end", "10", "--json"),
                         0);
        json_t *doc = json_loads(res.out, 0, NULL);
        double x =
            json_real_value(json_array_get(json_object_get(json_object_get(doc, "final"), "x"), 0));
        double e = fabs(x - cos(20.0));
        ck_assert_msg(e >= cases[i].lo && e <= cases[i].hi, "%s: error %.3g", cases[i].solver, e);
        json_decref(doc);
    }
}
END_TEST

/* More parameters than the plan holds is an input error, not a write past its table. */
START_TEST(test_run_too_many_spec_parameters_is_a_usage_error)
{
    char path[128], text[8192] = "{\"model\": \"hh\", \"params\": {";
    size_t used = strlen(text);
    for (int i = 0; i < 600; ++i)
        used += (size_t)snprintf(text + used, sizeof text - used, "%s\"p%d\": 1", i ? ", " : "", i);
    snprintf(text + used, sizeof text - used, "}}");
    snprintf(path, sizeof path, "%s/many.json", tmp);
    ck_assert_int_eq(test_put(path, text), 0);
    ck_assert_int_eq(dqhost("run", path), 2);
    ck_assert_contains(res.err,
                       ".params: too many parameters (600 and 0 swept; at most 255 in all)");
}
END_TEST

START_TEST(test_run_blow_up_keeps_partial_record_and_exits_1)
{
    ck_assert_int_eq(dqhost_in(tmp, "run", "--model", "stiff_linear", "--solver", "rk4", "--dt",
                               "0.01", "--t-end", "5", "-o", "stiff.csv"),
                     1);
    ck_assert_contains(res.err, "dqhost: error: state 'y0' of unit 0 became ");
    ck_assert_contains(res.err, "with solver 'rk4'; try a smaller dt or a solver for stiff "
                                "problems\n");
    ck_assert_contains(res.err, "samples) is kept in 'stiff.csv.partial'\n");
    char path[160];
    snprintf(path, sizeof path, "%s/stiff.csv", tmp);
    struct stat st;
    ck_assert_int_ne(stat(path, &st), 0); /* nothing under the final name */
    strcat(path, ".partial");
    char *csv = test_slurp(path);
    ck_assert_ptr_nonnull(csv);
    ck_assert(strncmp(test_csv_body(csv), "t,y0[0],y1[0]\n0,1,0\n", 20) == 0);
    free(csv);
    ck_assert_int_eq(test_dir_entries(tmp), 1);
}
END_TEST

START_TEST(test_run_flags_override_the_spec)
{
    char spec[128];
    snprintf(spec, sizeof spec, "%s/decay.json", tmp);
    write_file(spec, "{\"model\": \"decay\", \"solver\": \"rk4\", \"dt\": 0.1, \"t_end\": 1,"
                     " \"params\": {\"tau\": 2, \"y0\": 3}}");
    ck_assert_int_eq(dqhost_in(tmp, "run", spec, "--solver", "explicit", "--param", "tau=10",
                               "--t-end", "10", "--json"),
                     0);
    json_t *doc = json_loads(res.out, 0, NULL);
    ck_assert_str_eq(json_string_value(json_object_get(doc, "solver")), "euler");
    ck_assert_str_eq(json_string_value(json_object_get(doc, "solver_requested")), "explicit");
    ck_assert_int_eq(json_integer_value(json_object_get(doc, "steps")), 100);
    double y =
        json_real_value(json_array_get(json_object_get(json_object_get(doc, "final"), "y"), 0));
    ck_assert_double_eq_tol(y, 3 * pow(0.99, 100), 1e-13); /* tau from the flag, y0 from the spec */
    json_decref(doc);
}
END_TEST

START_TEST(test_run_hh_with_gates_on_their_own_solver_is_documented_and_different)
{
    char spec[128];
    snprintf(spec, sizeof spec, "%s/hh.json", tmp);
    write_file(spec, "{\"model\": \"hh\", \"params\": {\"I_ext\": 10}, \"solver\": \"rk4\","
                     " \"dt\": 0.025, \"t_end\": 50}");
    ck_assert_int_eq(dqhost_in(tmp, "run", spec, "--json"), 0);
    json_t *one = json_loads(res.out, 0, NULL);
    ck_assert_int_eq(dqhost_in(tmp, "run", spec, "--submodule", "gates=ind_exp_euler", "--json"),
                     0);
    json_t *two = json_loads(res.out, 0, NULL);
    json_t *sub = json_object_get(json_object_get(two, "submodules"), "gates");
    ck_assert_str_eq(json_string_value(json_object_get(sub, "solver")), "ind_exp_euler");
    double v1 =
        json_real_value(json_array_get(json_object_get(json_object_get(one, "final"), "V"), 0));
    double v2 =
        json_real_value(json_array_get(json_object_get(json_object_get(two, "final"), "V"), 0));
    ck_assert(fabs(v1 - v2) > 1e-6);
    ck_assert_int_eq(json_object_size(json_object_get(one, "submodules")), 0);
    /* The text summary says which solver advanced the gates. */
    ck_assert_int_eq(dqhost_in(tmp, "run", spec, "--submodule", "gates=ind_exp_euler:2"), 0);
    ck_assert_contains(res.out, "sub-module gates: solver ind_exp_euler, 2 substeps\n");
    json_decref(one);
    json_decref(two);
}
END_TEST

START_TEST(test_run_trajectory_to_stdout_moves_the_summary_to_stderr)
{
    ck_assert_int_eq(dqhost("run", "--model", "decay", "--solver", "euler", "--dt", "0.5",
                            "--t-end", "1", "--record", "y", "--format", "json"),
                     0);
    json_t *doc = json_loads(res.out, 0, NULL);
    ck_assert_ptr_nonnull(doc);
    ck_assert_uint_eq(json_array_size(json_object_get(doc, "samples")), 3);
    json_decref(doc);
    ck_assert_contains(res.err, "model decay, solver euler");
    ck_assert_int_eq(dqhost("run", "--model", "decay", "--solver", "euler", "--dt", "0.5",
                            "--t-end", "1", "--every", "2", "--quiet"),
                     0);
    ck_assert_str_eq(test_csv_body(res.out), "t,y[0]\n0,1\n1,0.9025\n");
    ck_assert_str_eq(res.err, "");
}
END_TEST

START_TEST(test_run_every_example_runs)
{
    DIR *d = opendir(DQ_TEST_EXAMPLES_DIR);
    ck_assert_ptr_nonnull(d);
    int ran = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0)
            continue;
        if (len > 11 && strcmp(e->d_name + len - 11, ".morph.json") == 0)
            continue; /* a morphology (dqhost morph), not a run spec */
        char spec[1024];
        snprintf(spec, sizeof spec, "%s/%s", DQ_TEST_EXAMPLES_DIR, e->d_name);
        json_t *doc = json_load_file(spec, 0, NULL);
        ck_assert_msg(doc != NULL, "%s is not JSON", e->d_name);
        /* A short run of each: 20 steps of its own dt. */
        char t_end[64];
        snprintf(t_end, sizeof t_end, "%.17g", 20 * json_real_value(json_object_get(doc, "dt")));
        if (json_is_integer(json_object_get(doc, "dt")))
            snprintf(t_end, sizeof t_end, "%lld",
                     20 * (long long)json_integer_value(json_object_get(doc, "dt")));
        json_decref(doc);
        int status = dqhost_in(tmp, "run", spec, "--t-end", t_end, "--quiet");
        ck_assert_msg(status == 0, "%s: status %d\n%s", e->d_name, status, res.err);
        ran++;
    }
    closedir(d);
    ck_assert_int_ge(ran, 10);
}
END_TEST

/* n noisy units with one seed are an ensemble: the summary's variance of OU at its
 * stationary state is sigma^2 / (2 theta) = 0.125 with the defaults, which exponential
 * Euler-Maruyama gets at any dt; another seed gives another ensemble. */
START_TEST(test_run_summary_gives_the_ensemble_mean_and_variance)
{
    ck_assert_int_eq(dqhost("run", "--model", "ou", "--solver", "exp_euler_maruyama", "--dt", "0.5",
                            "--t-end", "20", "--param", "n=5000", "--param", "x0=0", "--seed", "5",
                            "--json"),
                     0);
    json_error_t jerr;
    json_t *doc = json_loads(res.out, 0, &jerr);
    ck_assert_msg(doc != NULL, "%s at %d", jerr.text, jerr.position);
    json_t *x = json_object_get(json_object_get(doc, "ensemble"), "x");
    const double mean = json_real_value(json_object_get(x, "mean"));
    const double var = json_real_value(json_object_get(x, "variance"));
    /* Standard errors with 5 000 paths (the JSON of more would not fit the test's capture):
     * sqrt(0.125/M) for the mean, 0.125 sqrt(2/M) for the variance; 5 of them as the bound,
     * which keeps Euler-Maruyama's 1/6 at this dt out. */
    ck_assert_double_eq_tol(mean, 0.0, 5 * sqrt(0.125 / 5000));
    ck_assert_double_eq_tol(var, 0.125, 5 * 0.125 * sqrt(2.0 / 5000));
    ck_assert_int_eq(json_integer_value(json_object_get(doc, "seed")), 5);
    json_decref(doc);
    ck_assert_int_eq(dqhost("run", "--model", "ou", "--solver", "exp_euler_maruyama", "--dt", "0.5",
                            "--t-end", "20", "--param", "n=20000", "--param", "x0=0", "--seed",
                            "5"),
                     0);
    ck_assert_contains(res.out,
                       "ensemble of 20000 units at the end (mean, variance across units):\n  x: ");
    char first[256];
    snprintf(first, sizeof first, "%s", strstr(res.out, "  x: mean "));
    ck_assert_int_eq(dqhost("run", "--model", "ou", "--solver", "exp_euler_maruyama", "--dt", "0.5",
                            "--t-end", "20", "--param", "n=20000", "--param", "x0=0", "--seed",
                            "6"),
                     0);
    ck_assert_ptr_null(strstr(res.out, first));
}
END_TEST

/* --noise-refine R takes each step's increment as the sum of R finer ones: another
 * increment than R = 1 (so another result), reported in the summary; out-of-range values
 * are refused with exit status 2. */
START_TEST(test_run_noise_refine_changes_the_path_and_is_checked)
{
    ck_assert_int_eq(dqhost("run", "--model", "ou", "--solver", "em", "--dt", "0.1", "--t-end", "1",
                            "--seed", "3", "--json"),
                     0);
    json_t *one = json_loads(res.out, 0, NULL);
    ck_assert_int_eq(dqhost("run", "--model", "ou", "--solver", "em", "--dt", "0.1", "--t-end", "1",
                            "--seed", "3", "--noise-refine", "4", "--json"),
                     0);
    json_t *four = json_loads(res.out, 0, NULL);
    ck_assert_ptr_nonnull(one);
    ck_assert_ptr_nonnull(four);
    ck_assert_ptr_null(json_object_get(one, "noise_refine"));
    ck_assert_int_eq(json_integer_value(json_object_get(four, "noise_refine")), 4);
    const double x1 =
        json_real_value(json_array_get(json_object_get(json_object_get(one, "final"), "x"), 0));
    const double x4 =
        json_real_value(json_array_get(json_object_get(json_object_get(four, "final"), "x"), 0));
    ck_assert_double_ne(x1, x4);
    json_decref(one);
    json_decref(four);
    ck_assert_int_eq(dqhost("run", "--model", "ou", "--solver", "em", "--dt", "0.1", "--t-end", "1",
                            "--noise-refine", "0"),
                     2);
    ck_assert_contains(res.err, "run: --noise-refine: expected a whole number >= 1, got '0'");
    ck_assert_int_eq(dqhost("run", "--model", "ou", "--solver", "em", "--dt", "0.1", "--t-end", "1",
                            "--noise-refine", "2000000"),
                     2);
    ck_assert_contains(res.err, "run: --noise-refine must be at most 1000000, got '2000000'");
}
END_TEST

START_TEST(test_run_warns_once_that_the_noise_of_ou_is_not_integrated)
{
    ck_assert_int_eq(dqhost("run", "--model", "ou", "--solver", "rk4", "--dt", "0.01", "--t-end",
                            "1", "--param", "n=3"),
                     0);
    const char *w = "dqhost: warning: state 'x' has noise (a non-zero diffusion), but solver "
                    "'rk4' integrates the deterministic drift only; solvers for SDEs: ";
    const char *first = strstr(res.err, w);
    ck_assert_msg(first != NULL, "%s", res.err);
    ck_assert_msg(strstr(first, "euler_maruyama") != NULL, "%s", res.err);
    ck_assert_ptr_null(strstr(first + strlen(w), "has noise")); /* once */
    /* The drift alone: x(1) = mu + (x0 - mu) e^{-theta} with the defaults mu 0, x0 1. */
    ck_assert_int_eq(
        dqhost("run", "--model", "ou", "--solver", "rk4", "--dt", "0.01", "--t-end", "1", "--json"),
        0);
    json_t *doc = json_loads(res.out, 0, NULL);
    double x =
        json_real_value(json_array_get(json_object_get(json_object_get(doc, "final"), "x"), 0));
    ck_assert_double_eq_tol(x, exp(-1.0), 1e-9);
    json_decref(doc);
}
END_TEST

START_TEST(test_run_threads_flag_gives_the_same_bits)
{
    char *out[2];
    const char *threads[] = {"1", "2"};
    for (int i = 0; i < 2; ++i) {
        ck_assert_int_eq(dqhost("run", "--model", "hh", "--solver", "rk4", "--dt", "0.025",
                                "--t-end", "20", "--param", "n=600", "--param", "I_ext=12",
                                "--block-units", "32", "--threads", threads[i], "--json"),
                         0);
        json_t *doc = json_loads(res.out, 0, NULL);
        out[i] = json_dumps(json_object_get(doc, "final"), JSON_COMPACT);
        json_decref(doc);
    }
    /* Every value of every state of all 600 neurons, compared as printed (17 digits). */
    ck_assert(strlen(out[0]) > 10000);
    ck_assert_str_eq(out[0], out[1]);
    free(out[0]);
    free(out[1]);
    ck_assert_int_eq(dqhost("run", "--model", "decay", "--solver", "euler", "--dt", "0.1",
                            "--t-end", "1", "--threads", "0"),
                     2);
    ck_assert_contains(res.err, "run: --threads: expected a whole number >= 1, got '0'");
}
END_TEST

/* ---- outputs, signals, bounds (issue #10) ------------------------------------------------ */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Starts dqhost with the NULL-terminated argv (argv[0] is filled in) in `cwd`, standard
 * output to `out_path` (opened for writing; NULL: /dev/null) and standard error to the file
 * `err` (rewound by the caller). Returns the child's pid. */
static pid_t spawn(const char *cwd, const char *out_path, FILE *err, const char **argv)
{
    argv[0] = DQ_TEST_DQHOST;
    fflush(NULL);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        unsetenv("DQHOST_PLUGIN_PATH");
        int fd = open(out_path ? out_path : "/dev/null", O_WRONLY);
        if (fd < 0 || (cwd && chdir(cwd) != 0))
            _exit(126);
        dup2(fd, 1);
        dup2(fileno(err), 2);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    return pid;
}

/* Waits for pid at most `seconds`; kills it (and fails) after that. Returns the raw status. */
static int wait_for(pid_t pid, double seconds)
{
    double end = now_s() + seconds;
    int st = 0;
    for (;;) {
        pid_t got = waitpid(pid, &st, WNOHANG);
        if (got == pid)
            return st;
        if (now_s() > end) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            ck_abort_msg("dqhost did not stop within %.1f s", seconds);
        }
        usleep(2000);
    }
}

/* The whole of a FILE written by a child. */
static void read_back(FILE *f, char *buf, size_t cap)
{
    rewind(f);
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
}

/* True when the temporary directory holds a name starting with `prefix`. */
static int tmp_has_prefix(const char *prefix)
{
    DIR *d = opendir(tmp);
    int found = 0;
    for (struct dirent *e; (e = readdir(d));)
        found |= strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    closedir(d);
    return found;
}

/* A run of 10^9 steps: it would take many seconds, so a quick exit shows a check made
 * before the run. */
#define LONG_RUN "run", "--model", "decay", "--solver", "euler", "--dt", "1e-6", "--t-end", "1000"

START_TEST(test_run_output_target_is_checked_before_the_run_with_status_2)
{
    char path[256];
    snprintf(path, sizeof path, "%s/dir", tmp);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/file", tmp);
    write_file(path, "x");
    snprintf(path, sizeof path, "%s/ro.csv", tmp);
    write_file(path, "old\n");
    ck_assert_int_eq(chmod(path, 0444), 0);
    snprintf(path, sizeof path, "%s/loop", tmp);
    ck_assert_int_eq(symlink("loop", path), 0);
    snprintf(path, sizeof path, "%s/dangling", tmp);
    ck_assert_int_eq(symlink("nodir/x.csv", path), 0);
    const struct {
        const char *out, *message;
    } cases[] = {
        {"dir", "cannot write trajectory 'dir': it is a directory"},
        {"dir/", "cannot write trajectory 'dir/': it is a directory"},
        {"nodir/x.csv", "cannot write trajectory 'nodir/x.csv': directory 'nodir' does not exist"},
        {"file/x.csv", "cannot write trajectory 'file/x.csv': 'file' is not a directory"},
        {"ro.csv", "cannot write trajectory 'ro.csv': the file is read-only"},
        {"loop", "cannot write trajectory 'loop': Too many levels of symbolic links"},
        {"dangling", "cannot write trajectory 'dangling' (-> 'nodir/x.csv'): directory 'nodir' "
                     "does not exist"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        double t0 = now_s();
        int status = dqhost_in(tmp, LONG_RUN, "-o", cases[i].out);
        char want[512];
        snprintf(want, sizeof want, "dqhost: error: %s\n", cases[i].message);
        ck_assert_msg(status == 2, "%s: status %d", cases[i].out, status);
        ck_assert_str_eq(res.err, want);
        ck_assert_str_eq(res.out, "");
        ck_assert_msg(now_s() - t0 < 2.0, "%s: refused only after %.1f s", cases[i].out,
                      now_s() - t0);
        ck_assert_int_eq(test_dir_entries(tmp), 5); /* nothing created */
    }
    snprintf(path, sizeof path, "%s/ro.csv", tmp);
    char *ro = test_slurp(path);
    ck_assert_str_eq(ro, "old\n"); /* the read-only file is untouched */
    free(ro);
    /* A directory where no file can be created (root may write anywhere: not tested). */
    if (geteuid() != 0) {
        snprintf(path, sizeof path, "%s/dir", tmp);
        ck_assert_int_eq(chmod(path, 0555), 0);
        ck_assert_int_eq(dqhost_in(tmp, LONG_RUN, "-o", "dir/x.csv"), 2);
        ck_assert_str_eq(res.err, "dqhost: error: cannot write trajectory 'dir/x.csv': cannot "
                                  "create files in directory 'dir': Permission denied\n");
        chmod(path, 0755);
    }
}
END_TEST

START_TEST(test_run_output_symlink_is_followed_and_stays_a_symlink)
{
    char real[256], link[256], dangling[256];
    snprintf(real, sizeof real, "%s/real.csv", tmp);
    snprintf(link, sizeof link, "%s/link.csv", tmp);
    snprintf(dangling, sizeof dangling, "%s/new-link.csv", tmp);
    write_file(real, "old\n");
    ck_assert_int_eq(symlink("real.csv", link), 0);
    ck_assert_int_eq(symlink("made.csv", dangling), 0);
    ck_assert_int_eq(dqhost_in(tmp, "run", "--model", "decay", "--solver", "euler", "--dt", "0.5",
                               "--t-end", "1", "-o", "link.csv", "-q"),
                     0);
    struct stat st;
    ck_assert_int_eq(lstat(link, &st), 0);
    ck_assert(S_ISLNK(st.st_mode));
    char *csv = test_slurp(real);
    ck_assert_str_eq(test_csv_body(csv), "t,y[0]\n0,1\n0.5,0.95\n1,0.9025\n");
    free(csv);
    /* A symlink to a name that does not exist yet creates that name. */
    ck_assert_int_eq(dqhost_in(tmp, "run", "--model", "decay", "--solver", "euler", "--dt", "0.5",
                               "--t-end", "1", "-o", "new-link.csv", "-q"),
                     0);
    ck_assert_int_eq(lstat(dangling, &st), 0);
    ck_assert(S_ISLNK(st.st_mode));
    snprintf(real, sizeof real, "%s/made.csv", tmp);
    csv = test_slurp(real);
    ck_assert_str_eq(test_csv_body(csv), "t,y[0]\n0,1\n0.5,0.95\n1,0.9025\n");
    free(csv);
    ck_assert_int_eq(test_dir_entries(tmp), 4);
}
END_TEST

START_TEST(test_run_output_hard_linked_file_is_rewritten_in_place_on_success_only)
{
    char a[256], b[256];
    snprintf(a, sizeof a, "%s/a.csv", tmp);
    snprintf(b, sizeof b, "%s/b.csv", tmp);
    write_file(a, "old\n");
    ck_assert_int_eq(link(a, b), 0);
    struct stat before, after;
    ck_assert_int_eq(stat(a, &before), 0);
    /* A failed run leaves the file as it was and keeps its record beside it. */
    ck_assert_int_eq(dqhost_in(tmp, "run", "--model", "stiff_linear", "--solver", "rk4", "--dt",
                               "0.01", "--t-end", "5", "-o", "a.csv"),
                     1);
    ck_assert_contains(res.err, "samples) is kept in 'a.csv.partial'\n");
    char *text = test_slurp(b);
    ck_assert_str_eq(text, "old\n");
    free(text);
    /* A run that succeeds writes the file itself: both names see the trajectory. */
    ck_assert_int_eq(dqhost_in(tmp, "run", "--model", "decay", "--solver", "euler", "--dt", "0.5",
                               "--t-end", "1", "-o", "a.csv", "-q"),
                     0);
    ck_assert_int_eq(stat(a, &after), 0);
    ck_assert_uint_eq(after.st_ino, before.st_ino);
    ck_assert_uint_eq(after.st_nlink, 2);
    text = test_slurp(b);
    ck_assert_str_eq(test_csv_body(text), "t,y[0]\n0,1\n0.5,0.95\n1,0.9025\n");
    free(text);
    ck_assert_int_eq(test_dir_entries(tmp), 3); /* a.csv, b.csv, a.csv.partial */
}
END_TEST

START_TEST(test_run_output_device_and_fifo_are_written_in_place)
{
    /* As root, a dqhost that renamed over its target would replace the device node: the
     * test then writes to a twin of /dev/null of its own, never to the system's. */
    char dev[256] = "/dev/null";
    int own = 0;
    if (geteuid() == 0) {
        snprintf(dev, sizeof dev, "%s/null", tmp);
        own = mknod(dev, S_IFCHR | 0666, makedev(1, 3)) == 0;
        if (!own)
            snprintf(dev, sizeof dev, "/dev/fd/1"); /* no CAP_MKNOD: a device all the same */
    }
    ck_assert_int_eq(dqhost_in(tmp, "run", "--model", "decay", "--solver", "euler", "--dt", "0.5",
                               "--t-end", "1", "-o", dev, "-q"),
                     0);
    struct stat st;
    ck_assert_int_eq(stat(dev, &st), 0);
    if (own || strcmp(dev, "/dev/null") == 0)
        ck_assert(S_ISCHR(st.st_mode));
    ck_assert_int_eq(test_dir_entries(tmp), own);
    if (own)
        unlink(dev);
    /* A FIFO: a reader child copies what comes through into a file. */
    char fifo[256], copy[256];
    snprintf(fifo, sizeof fifo, "%s/pipe", tmp);
    snprintf(copy, sizeof copy, "%s/copy", tmp);
    ck_assert_int_eq(mkfifo(fifo, 0644), 0);
    fflush(NULL);
    pid_t reader = fork();
    if (reader == 0) {
        int in = open(fifo, O_RDONLY), out = open(copy, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        char buf[4096];
        for (ssize_t n; in >= 0 && (n = read(in, buf, sizeof buf)) > 0;)
            if (write(out, buf, (size_t)n) != n)
                _exit(1);
        _exit(in >= 0 && out >= 0 ? 0 : 1);
    }
    ck_assert_int_eq(dqhost_in(tmp, "run", "--model", "decay", "--solver", "euler", "--dt", "0.5",
                               "--t-end", "1", "-o", "pipe", "-q"),
                     0);
    int st_reader = wait_for(reader, 10);
    ck_assert(WIFEXITED(st_reader) && WEXITSTATUS(st_reader) == 0);
    ck_assert_int_eq(lstat(fifo, &st), 0);
    ck_assert(S_ISFIFO(st.st_mode));
    char *csv = test_slurp(copy);
    ck_assert_str_eq(test_csv_body(csv), "t,y[0]\n0,1\n0.5,0.95\n1,0.9025\n");
    free(csv);
    ck_assert_int_eq(test_dir_entries(tmp), 2); /* pipe and copy: no temporary file */
}
END_TEST

START_TEST(test_run_output_dash_is_standard_output)
{
    ck_assert_int_eq(dqhost_in(tmp, "run", "--model", "decay", "--solver", "euler", "--dt", "0.5",
                               "--t-end", "1", "-o", "-", "-q"),
                     0);
    ck_assert_str_eq(test_csv_body(res.out), "t,y[0]\n0,1\n0.5,0.95\n1,0.9025\n");
    ck_assert_str_eq(res.err, "");
    char spec[256];
    snprintf(spec, sizeof spec, "%s/dash.json", tmp);
    write_file(spec, "{\"model\": \"decay\", \"solver\": \"euler\", \"dt\": 0.5, \"t_end\": 1,"
                     " \"output\": {\"path\": \"-\", \"format\": \"json\"}}");
    ck_assert_int_eq(dqhost_in(tmp, "run", spec), 0);
    ck_assert(strncmp(res.out, "{\"model\": \"decay\"", 17) == 0);
    ck_assert_contains(res.err, "trajectory: 3 samples -> standard output (json)\n");
    ck_assert_int_eq(test_dir_entries(tmp), 1); /* the spec; no file named "-" */
}
END_TEST

/* Starts a long recorded run, waits until it has written its first samples, sends `sig`
 * and checks the status, the message and the files. */
static void run_interrupt(int sig, const char *name, const char *format)
{
    char errpath[] = "/tmp/dqhost-run-err-XXXXXX";
    int efd = mkstemp(errpath);
    ck_assert_int_ge(efd, 0);
    unlink(errpath);
    FILE *err = fdopen(efd, "w+");
    const char *argv[] = {NULL,       LONG_RUN,   "--every", "100000", "-o",
                          "out.data", "--format", format,    NULL};
    pid_t pid = spawn(tmp, NULL, err, argv);
    /* Wait until the temporary file holds a few samples: the run is under way. */
    double end = now_s() + 20;
    for (int ready = 0; !ready && now_s() < end; usleep(5000)) {
        DIR *d = opendir(tmp);
        for (struct dirent *e; (e = readdir(d));) {
            if (strncmp(e->d_name, "out.data.tmp.", 13) != 0)
                continue;
            char path[512];
            struct stat st;
            snprintf(path, sizeof path, "%s/%s", tmp, e->d_name);
            ready = stat(path, &st) == 0 && st.st_size > 20;
        }
        closedir(d);
    }
    double t0 = now_s();
    ck_assert_int_eq(kill(pid, sig), 0);
    int st = wait_for(pid, 10);
    double took = now_s() - t0;
    char text[4096];
    read_back(err, text, sizeof text);
    fclose(err);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 128 + sig, "%s: status %d, stderr:\n%s", name,
                  st, text);
    ck_assert_msg(took < 2.0, "%s: took %.2f s to stop", name, took);
    char want[128];
    snprintf(want, sizeof want, "dqhost: note: interrupted by %s at t = ", name);
    ck_assert_msg(strncmp(text, want, strlen(want)) == 0, "%s", text);
    ck_assert_contains(text, " of 1000000000); the trajectory recorded up to t = ");
    ck_assert_contains(text, "samples) is kept in 'out.data.partial'\n");
    ck_assert_msg(strchr(text, '\n')[1] == '\0', "more than one line:\n%s", text);
    ck_assert(!tmp_has_prefix("out.data.tmp"));
    char path[256];
    snprintf(path, sizeof path, "%s/out.data", tmp);
    struct stat sb;
    ck_assert_int_ne(stat(path, &sb), 0);
    strcat(path, ".partial");
    char *kept = test_slurp(path);
    ck_assert_ptr_nonnull(kept);
    if (strcmp(format, "json") == 0) {
        /* Closed like a blow-up's record: a valid document. */
        json_t *doc = json_loads(kept, 0, NULL);
        ck_assert_ptr_nonnull(doc);
        ck_assert_uint_ge(json_array_size(json_object_get(doc, "samples")), 1);
        json_decref(doc);
    } else {
        ck_assert(strncmp(test_csv_body(kept), "t,y[0]\n0,1\n", 11) == 0);
        ck_assert(kept[strlen(kept) - 1] == '\n'); /* whole rows only */
    }
    free(kept);
    unlink(path);
}

START_TEST(test_run_signal_stops_between_steps_keeps_partial_and_exits_128_plus_signal)
{
    run_interrupt(SIGINT, "SIGINT", "csv");
    run_interrupt(SIGTERM, "SIGTERM", "json");
    run_interrupt(SIGHUP, "SIGHUP", "csv");
    ck_assert_int_eq(test_dir_entries(tmp), 0);
    /* A run with no trajectory stops as promptly and says where it was. */
    char errpath[] = "/tmp/dqhost-run-err-XXXXXX";
    int efd = mkstemp(errpath);
    unlink(errpath);
    FILE *err = fdopen(efd, "w+");
    const char *argv[] = {NULL, LONG_RUN, "-q", NULL};
    pid_t pid = spawn(tmp, NULL, err, argv);
    usleep(300000);
    ck_assert_int_eq(kill(pid, SIGTERM), 0);
    int st = wait_for(pid, 5);
    char text[4096];
    read_back(err, text, sizeof text);
    fclose(err);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 143);
    ck_assert_msg(strncmp(text, "dqhost: note: interrupted by SIGTERM at t = ", 44) == 0 &&
                      strstr(text, " of 1000000000)\n") && !strchr(text, '\n')[1],
                  "%s", text);
}
END_TEST

START_TEST(test_run_write_errors_on_standard_output_exit_1)
{
    const struct {
        const char *argv[16];
        const char *message;
    } cases[] = {
        {{NULL, "list", NULL},
         "dqhost: error: cannot write to standard output: No space left on device\n"},
        {{NULL, "list", "--json", NULL}, NULL},
        {{NULL, "--version", NULL},
         "dqhost: error: cannot write to standard output: No space left on device\n"},
        {{NULL, "run", "--model", "decay", "--solver", "euler", "--dt", "0.5", "--t-end", "1",
          NULL},
         "dqhost: error: cannot write to standard output: No space left on device\n"},
        {{NULL, "run", "--model", "decay", "--solver", "euler", "--dt", "0.5", "--t-end", "1",
          "--record", "y", "-q", NULL},
         "dqhost: error: cannot write the trajectory: No space left on device\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        FILE *err = tmpfile();
        int st = wait_for(spawn(NULL, "/dev/full", err, (const char **)cases[i].argv), 30);
        char text[4096];
        read_back(err, text, sizeof text);
        fclose(err);
        ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 1, "case %zu: status %d: %s", i, st,
                      text);
        if (cases[i].message)
            ck_assert_str_eq(text, cases[i].message);
        else
            ck_assert_msg(strncmp(text, "dqhost: error: ", 15) == 0 && !strchr(text, '\n')[1],
                          "case %zu: %s", i, text);
    }
}
END_TEST

START_TEST(test_run_spec_size_is_capped)
{
    double t0 = now_s();
    ck_assert_int_eq(dqhost("run", "/dev/zero"), 2);
    ck_assert_str_eq(res.err, "dqhost: error: run spec '/dev/zero' is larger than 64 MiB, the "
                              "limit for a run spec\n");
    ck_assert_msg(now_s() - t0 < 5.0, "took %.1f s", now_s() - t0);
    /* A regular file is measured, not read: a sparse 65 MiB file is refused at once. */
    char path[256];
    snprintf(path, sizeof path, "%s/big.json", tmp);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, (off_t)65 << 20), 0);
    close(fd);
    ck_assert_int_eq(dqhost_in(tmp, "run", "big.json"), 2);
    ck_assert_str_eq(res.err, "dqhost: error: run spec 'big.json' is larger than 64 MiB, the "
                              "limit for a run spec\n");
}
END_TEST

START_TEST(test_run_step_and_substep_limits_name_the_limit_and_the_flag)
{
    ck_assert_int_eq(
        dqhost("run", "--model", "decay", "--solver", "euler", "--dt", "1", "--t-end", "1e15"), 2);
    ck_assert_str_eq(res.err, "dqhost: error: run: 1000000000000000 steps (t_end / dt) are more "
                              "than the limit of 10000000000; raise it with --max-steps N\n");
    ck_assert_int_eq(dqhost("run", "--model", "decay", "--solver", "euler", "--dt", "1", "--t-end",
                            "10", "--max-steps", "9"),
                     2);
    ck_assert_str_eq(res.err, "dqhost: error: run: 10 steps (t_end / dt) are more than the limit "
                              "of 9; raise it with --max-steps N\n");
    ck_assert_int_eq(dqhost("run", "--model", "decay", "--solver", "euler", "--dt", "1", "--t-end",
                            "10", "--max-steps", "10", "-q"),
                     0);
    /* Substeps: bounded per step (one step must stay short enough to interrupt) ... */
    ck_assert_int_eq(dqhost("run", "--model", "hh", "--solver", "rk4", "--dt", "0.025", "--t-end",
                            "1", "--submodule", "gates=ind_exp_euler:4294967295"),
                     2);
    ck_assert_str_eq(res.err, "dqhost: error: run: --submodule substeps: 4294967295 is more than "
                              "the limit of 1000000 substeps per step\n");
    char spec[256];
    snprintf(spec, sizeof spec, "%s/sub.json", tmp);
    write_file(spec, "{\"model\": \"hh\", \"solver\": \"rk4\", \"dt\": 0.025, \"t_end\": 1,"
                     " \"submodules\": {\"gates\": {\"substeps\": 4294967295}}}");
    ck_assert_int_eq(dqhost("run", spec), 2);
    char want[512];
    snprintf(want, sizeof want,
             "dqhost: error: %s: .submodules.gates.substeps: 4294967295 is more than the limit "
             "of 1000000 substeps per step\n",
             spec);
    ck_assert_str_eq(res.err, want);
    /* ... and steps x substeps counts against the step limit. */
    ck_assert_int_eq(dqhost("run", "--model", "hh", "--solver", "rk4", "--dt", "0.025", "--t-end",
                            "1", "--submodule", "gates=ind_exp_euler:1000", "--max-steps", "39999"),
                     2);
    ck_assert_str_eq(res.err, "dqhost: error: run: 40 steps of 1000 substeps (40000 solver steps) "
                              "are more than the limit of 39999; raise it with --max-steps N\n");
    ck_assert_int_eq(dqhost("run", "--model", "decay", "--solver", "euler", "--dt", "1", "--t-end",
                            "1", "--max-steps", "0"),
                     2);
    ck_assert_str_eq(res.err,
                     "dqhost: error: run: --max-steps: expected a whole number >= 1, got '0'\n");
}
END_TEST

START_TEST(test_run_numeric_flags_are_strict)
{
    const struct {
        const char *flag, *value, *message;
    } cases[] = {
        {"--dt", "1e-320",
         "run: --dt: 1e-320 is too small (subnormal; the smallest normal double is "
         "2.2250738585072014e-308)"},
        {"--dt", "1e-400",
         "run: --dt: 1e-400 is too small (it rounds to 0; the smallest normal double is "
         "2.2250738585072014e-308)"},
        {"--t-end", "1e400",
         "run: --t-end: 1e400 is too large (the largest double is 1.7976931348623157e+308)"},
        {"--dt", "0x1p-3", "run: --dt: expected a finite number, got '0x1p-3'"},
        {"--dt", " 0.5", "run: --dt: expected a finite number, got ' 0.5'"},
        {"--dt", "0.5 ", "run: --dt: expected a finite number, got '0.5 '"},
        {"--dt", "infinity", "run: --dt: expected a finite number, got 'infinity'"},
        {"--dt", ".", "run: --dt: expected a finite number, got '.'"},
        {"--dt", "1e", "run: --dt: expected a finite number, got '1e'"},
        {"--seed", "0x10", "run: --seed: expected a finite number, got '0x10'"},
        {"--param", "tau= 2", "run: --param tau: expected a finite number, got ' 2'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        const char *dt = strcmp(cases[i].flag, "--dt") ? "0.5" : cases[i].value;
        const char *t_end = strcmp(cases[i].flag, "--t-end") ? "1" : cases[i].value;
        int status = strcmp(cases[i].flag, "--dt") && strcmp(cases[i].flag, "--t-end")
                         ? dqhost("run", "--model", "decay", "--solver", "euler", "--dt", dt,
                                  "--t-end", t_end, cases[i].flag, cases[i].value)
                         : dqhost("run", "--model", "decay", "--solver", "euler", "--dt", dt,
                                  "--t-end", t_end);
        char want[512];
        snprintf(want, sizeof want, "dqhost: error: %s\n", cases[i].message);
        ck_assert_msg(status == 2, "%s %s: status %d", cases[i].flag, cases[i].value, status);
        ck_assert_str_eq(res.err, want);
    }
    /* What stays accepted: signs, a leading or trailing point, exponents. */
    ck_assert_int_eq(dqhost("run", "--model", "decay", "--solver", "euler", "--dt", "+.5",
                            "--t-end", "1.", "--param", "tau=1E+1", "-q"),
                     0);
}
END_TEST

/* ---- issue #12: the "adaptive" section, step-control flags and spike files ---- */

START_TEST(test_run_spec_adaptive_section_merges_with_flags_and_names_each_place)
{
    char spec[128], want[512];
    snprintf(spec, sizeof spec, "%s/decay.json", tmp);
    write_file(spec, "{\"model\": \"decay\", \"solver\": \"euler\", \"dt\": 0.5, \"t_end\": 1,"
                     " \"adaptive\": {\"rtol\": 1e-3, \"hmax\": 0.5, \"atol\": {\"y\": 1e-9}}}");
    /* A solver that does not control its steps ignores them, and says where they came from. */
    ck_assert_int_eq(dqhost_in(tmp, "run", spec, "-q"), 0);
    ck_assert_str_eq(res.err, "dqhost: warning: solver 'euler' does not control its steps: "
                              ".adaptive.rtol, .adaptive.hmax, .adaptive.atol.y have no effect\n");
    ck_assert_int_eq(dqhost_in(tmp, "run", spec, "--rtol", "1e-4", "--atol", "y=1e-8", "-q"), 0);
    ck_assert_str_eq(res.err, "dqhost: warning: solver 'euler' does not control its steps: "
                              "--rtol, .adaptive.hmax, --atol have no effect\n");
    /* A flag's limit against the spec's: both places named. */
    ck_assert_int_eq(dqhost_in(tmp, "run", spec, "--hmin", "1"), 2);
    snprintf(want, sizeof want, "dqhost: error: %s: --hmin: 1 is larger than .adaptive.hmax 0.5\n",
             spec);
    ck_assert_str_eq(res.err, want);
    ck_assert_int_eq(dqhost_in(tmp, "run", spec, "--hmin", "1", "--hmax", "0", "-q"), 0);

    /* An unknown state: at its path in the spec, or at the flag that replaced it. */
    write_file(spec, "{\"model\": \"decay\", \"solver\": \"euler\", \"dt\": 0.5, \"t_end\": 1,"
                     " \"adaptive\": {\"atol\": {\"yy\": 1e-9}}}");
    ck_assert_int_eq(dqhost_in(tmp, "run", spec), 2);
    snprintf(want, sizeof want,
             "dqhost: error: %s: .adaptive.atol.yy: model 'decay' has no integrated state 'yy'. "
             "Did you mean 'y'? Integrated states: y.\n",
             spec);
    ck_assert_str_eq(res.err, want);
    ck_assert_int_eq(dqhost_in(tmp, "run", spec, "--atol", "yy=1e-7"), 2);
    ck_assert_str_eq(res.err, "dqhost: error: --atol: model 'decay' has no integrated state 'yy'. "
                              "Did you mean 'y'? Integrated states: y.\n");
    ck_assert_int_eq(test_dir_entries(tmp), 1);

    /* fixed_step alone: nothing ignored, nothing said. */
    write_file(spec, "{\"model\": \"decay\", \"solver\": \"euler\", \"dt\": 0.5, \"t_end\": 1,"
                     " \"adaptive\": {\"fixed_step\": true}}");
    ck_assert_int_eq(dqhost_in(tmp, "run", spec, "-q"), 0);
    ck_assert_str_eq(res.err, "");

    /* The spike file and the trajectory cannot share standard output, nor a file. */
    write_file(spec, "{\"model\": \"decay\", \"solver\": \"euler\", \"dt\": 0.5, \"t_end\": 1,"
                     " \"output\": {\"spikes\": \"-\"}}");
    ck_assert_int_eq(dqhost_in(tmp, "run", spec, "--record", "y"), 2);
    snprintf(want, sizeof want,
             "dqhost: error: %s: .output.spikes: standard output already takes the trajectory; "
             "give one of them a file\n",
             spec);
    ck_assert_str_eq(res.err, want);
    ck_assert_int_eq(dqhost_in(tmp, "run", spec, "--spikes", "x.csv", "-o", "x.csv"), 2);
    ck_assert_str_eq(res.err,
                     "dqhost: error: run: the trajectory and the spike file are the same file "
                     "'x.csv'\n");
    ck_assert_int_eq(test_dir_entries(tmp), 1);
}
END_TEST

/* A plugin directory in tmp holding only the event_lif fixture (v' = (I - v) / tau, "spike"
 * at v = 1 resets to 0, "half" at v = 0.5 only records: closed-form times). */
static const char *run_event_plugins(void)
{
    static char dir[128];
    char cmd[512];
    snprintf(dir, sizeof dir, "%s/plugins", tmp);
    snprintf(cmd, sizeof cmd, "mkdir '%s' && cp '%s/event_lif.so' '%s/'", dir, DQ_TEST_FIXTURE_DIR,
             dir);
    ck_assert_int_eq(system(cmd), 0);
    return dir;
}

/* Reads a CSV spike file of event_lif (tau 10, v(0) = 0) and checks the header and every
 * line against the closed form: unit u spikes every T = tau ln(I/(I - 1)) and passes 0.5 at
 * tau ln(I/(I - 0.5)) after each spike; times in order. Returns the number of spikes. */
static long run_read_spike_csv(const char *path, const double *I, size_t units, double t_end,
                               double tol)
{
    char *csv = test_slurp(path);
    ck_assert_msg(csv != NULL, "no spike file %s", path);
    ck_assert_msg(strncmp(csv, "unit,t,event\n", 13) == 0, "%s", csv);
    long n = 0;
    double last = -1;
    for (char *line = csv + 13; *line;) {
        char *end = strchr(line, '\n');
        ck_assert_ptr_nonnull(end);
        *end = '\0';
        unsigned long unit;
        double t;
        char event[64];
        ck_assert_msg(sscanf(line, "%lu,%lf,%63s", &unit, &t, event) == 3, "line '%s'", line);
        ck_assert_msg(unit < units && t > 0 && t <= t_end && t >= last, "line '%s'", line);
        double period = 10 * log(I[unit] / (I[unit] - 1)), phase;
        if (strcmp(event, "spike") == 0)
            phase = t / period;
        else {
            ck_assert_str_eq(event, "half");
            phase = (t - 10 * log(I[unit] / (I[unit] - 0.5))) / period;
        }
        ck_assert_msg(fabs(phase - nearbyint(phase)) * period < tol, "line '%s'", line);
        last = t;
        n++;
        line = end + 1;
    }
    free(csv);
    return n;
}

START_TEST(test_run_spike_file_csv_and_json_written_atomically_and_counted)
{
    const char *plugins = run_event_plugins();
    const double I[] = {1.5, 2};
    /* Fixed steps: the host locates the crossings by cubic Hermite interpolation. */
    ck_assert_int_eq(dqhost_in(tmp, "--plugins", plugins, "run", "--model", "event_lif", "--param",
                               "n=2", "--param", "I=1.5,2", "--solver", "rk4", "--dt", "0.01",
                               "--t-end", "50", "--spikes", "s.csv", "--json"),
                     0);
    ck_assert_str_eq(res.err, "");
    ck_assert_int_eq(test_dir_entries(tmp), 2); /* plugins/ and s.csv, no temporary file */
    json_t *doc = json_loads(res.out, 0, NULL);
    ck_assert_ptr_nonnull(doc);
    ck_assert(json_is_false(json_object_get(doc, "adaptive")));
    ck_assert_ptr_null(json_object_get(doc, "steps_per_unit"));
    /* Unit 0 spikes every 10.99 ms (4 in 50 ms: 80 Hz), unit 1 every 6.93 ms (7: 140 Hz). */
    json_t *counts = json_object_get(doc, "spike_counts");
    ck_assert_int_eq(json_integer_value(json_object_get(counts, "spike")), 11);
    ck_assert_int_eq(json_integer_value(json_object_get(counts, "half")), 12);
    json_t *rate = json_object_get(json_object_get(doc, "spike_rates_hz"), "spike");
    ck_assert_double_eq_tol(json_real_value(json_object_get(rate, "mean")), 110, 1e-9);
    ck_assert_double_eq_tol(json_real_value(json_object_get(rate, "min")), 80, 1e-9);
    ck_assert_double_eq_tol(json_real_value(json_object_get(rate, "max")), 140, 1e-9);
    json_t *file = json_object_get(doc, "spike_file");
    ck_assert_str_eq(json_string_value(json_object_get(file, "path")), "s.csv");
    ck_assert_str_eq(json_string_value(json_object_get(file, "format")), "csv");
    ck_assert_int_eq(json_integer_value(json_object_get(file, "spikes")), 23);
    json_decref(doc);
    char path[160];
    snprintf(path, sizeof path, "%s/s.csv", tmp);
    ck_assert_int_eq(run_read_spike_csv(path, I, 2, 50, 1e-9), 23);

    /* The same spikes as JSON, chosen by the extension; the text summary names the file. */
    ck_assert_int_eq(dqhost_in(tmp, "--plugins", plugins, "run", "--model", "event_lif", "--param",
                               "n=2", "--param", "I=1.5,2", "--solver", "rk4", "--dt", "0.01",
                               "--t-end", "50", "--spikes", "s.json"),
                     0);
    ck_assert_contains(res.out, "spike file: 23 spikes -> s.json (json)\n");
    ck_assert_contains(res.out,
                       "spike event spike: 11 spikes, rate mean 110 Hz (min 80, max 140)\n");
    ck_assert_contains(res.out,
                       "spike event half: 12 spikes, rate mean 120 Hz (min 100, max 140)\n");
    snprintf(path, sizeof path, "%s/s.json", tmp);
    json_error_t jerr;
    doc = json_load_file(path, 0, &jerr);
    ck_assert_msg(doc != NULL, "%s", jerr.text);
    ck_assert_str_eq(json_string_value(json_object_get(doc, "model")), "event_lif");
    ck_assert_str_eq(json_string_value(json_object_get(doc, "solver")), "rk4");
    json_t *events = json_object_get(doc, "events");
    ck_assert_uint_eq(json_array_size(events), 2);
    ck_assert_str_eq(json_string_value(json_array_get(events, 0)), "spike");
    ck_assert_str_eq(json_string_value(json_array_get(events, 1)), "half");
    json_t *spikes = json_object_get(doc, "spikes");
    ck_assert_uint_eq(json_array_size(spikes), 23);
    /* Row k of the JSON is row k of the CSV: the same run, the same bits. */
    snprintf(path, sizeof path, "%s/s.csv", tmp);
    char *csv = test_slurp(path), *row = strchr(csv, '\n') + 1;
    for (size_t k = 0; k < json_array_size(spikes); ++k) {
        json_t *sp = json_array_get(spikes, k);
        unsigned long unit;
        double t;
        char event[64];
        ck_assert_int_eq(sscanf(row, "%lu,%lf,%63[a-z]", &unit, &t, event), 3);
        ck_assert_uint_eq(unit, (unsigned long)json_integer_value(json_object_get(sp, "unit")));
        ck_assert_double_eq(t, json_number_value(json_object_get(sp, "t")));
        ck_assert_str_eq(json_string_value(json_object_get(sp, "event")), event);
        row = strchr(row, '\n') + 1;
    }
    free(csv);
    json_decref(doc);

    /* The spec's output.spikes works like the flag; "-" is standard output, and the summary
     * then goes to standard error. */
    char spec[128];
    snprintf(spec, sizeof spec, "%s/elif.json", tmp);
    write_file(spec, "{\"model\": \"event_lif\", \"solver\": \"rk4\", \"dt\": 0.01, \"t_end\": 50,"
                     " \"params\": {\"I\": 2}, \"output\": {\"spikes\": \"-\"}}");
    ck_assert_int_eq(dqhost_in(tmp, "--plugins", plugins, "run", spec), 0);
    ck_assert_contains(res.err, "spike file: 14 spikes -> standard output (csv)\n");
    ck_assert(strncmp(res.out, "unit,t,event\n0,2.8768207245", 27) == 0);
    int lines = 0;
    for (const char *c = res.out; *c; ++c)
        lines += *c == '\n';
    ck_assert_int_eq(lines, 15);
    ck_assert_int_eq(test_dir_entries(tmp), 4); /* plugins/, s.csv, s.json, the spec */
}
END_TEST

START_TEST(test_run_interrupted_run_keeps_its_spikes_as_partial)
{
    const char *plugins = run_event_plugins();
    char errpath[] = "/tmp/dqhost-run-err-XXXXXX";
    int efd = mkstemp(errpath);
    unlink(errpath);
    FILE *err = fdopen(efd, "w+");
    const char *argv[] = {NULL,        "--plugins", plugins, "run",     "--model",
                          "event_lif", "--param",   "n=64",  "--param", "I=1.5",
                          "--solver",  "rk4",       "--dt",  "0.001",   "--t-end",
                          "1e6",       "--spikes",  "s.csv", "-q",      NULL};
    pid_t pid = spawn(tmp, NULL, err, argv);
    usleep(500000);
    ck_assert_int_eq(kill(pid, SIGINT), 0);
    int st = wait_for(pid, 5);
    char text[4096];
    read_back(err, text, sizeof text);
    fclose(err);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 130, "status %d: %s", st, text);
    ck_assert_msg(strstr(text, "dqhost: note: interrupted by SIGINT at t = ") == text &&
                      strstr(text, ") are kept in 's.csv.partial'\n"),
                  "%s", text);
    char path[160];
    snprintf(path, sizeof path, "%s/s.csv", tmp);
    struct stat sb;
    ck_assert_int_ne(stat(path, &sb), 0);
    strcat(path, ".partial");
    double I[64];
    for (int u = 0; u < 64; ++u)
        I[u] = 1.5;
    ck_assert(run_read_spike_csv(path, I, 64, 1e6, 1e-6) >= 0);
    ck_assert_int_eq(test_dir_entries(tmp), 2); /* plugins/ and s.csv.partial */
}
END_TEST

Suite *run_suite(void)
{
    Suite *s = suite_create("run");
    TCase *tc = tcase_create("run");
    tcase_set_timeout(tc, 300);
    tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
    tcase_add_test(tc, test_run_every_invalid_spec_gives_its_message_status_2_and_no_file);
    tcase_add_test(tc, test_run_writes_trajectory_atomically_and_summary_to_stdout);
    tcase_add_test(tc, test_run_oscillator_accuracy_follows_solver_order);
    tcase_add_test(tc, test_run_blow_up_keeps_partial_record_and_exits_1);
    tcase_add_test(tc, test_run_too_many_spec_parameters_is_a_usage_error);
    tcase_add_test(tc, test_run_flags_override_the_spec);
    tcase_add_test(tc, test_run_hh_with_gates_on_their_own_solver_is_documented_and_different);
    tcase_add_test(tc, test_run_trajectory_to_stdout_moves_the_summary_to_stderr);
    tcase_add_test(tc, test_run_every_example_runs);
    tcase_add_test(tc, test_run_warns_once_that_the_noise_of_ou_is_not_integrated);
    tcase_add_test(tc, test_run_summary_gives_the_ensemble_mean_and_variance);
    tcase_add_test(tc, test_run_noise_refine_changes_the_path_and_is_checked);
    tcase_add_test(tc, test_run_threads_flag_gives_the_same_bits);
    tcase_add_test(tc, test_run_output_target_is_checked_before_the_run_with_status_2);
    tcase_add_test(tc, test_run_output_symlink_is_followed_and_stays_a_symlink);
    tcase_add_test(tc, test_run_output_hard_linked_file_is_rewritten_in_place_on_success_only);
    tcase_add_test(tc, test_run_output_device_and_fifo_are_written_in_place);
    tcase_add_test(tc, test_run_output_dash_is_standard_output);
    tcase_add_test(tc, test_run_signal_stops_between_steps_keeps_partial_and_exits_128_plus_signal);
    tcase_add_test(tc, test_run_write_errors_on_standard_output_exit_1);
    tcase_add_test(tc, test_run_spec_size_is_capped);
    tcase_add_test(tc, test_run_step_and_substep_limits_name_the_limit_and_the_flag);
    tcase_add_test(tc, test_run_numeric_flags_are_strict);
    /* issue 12 */
    tcase_add_test(tc, test_run_spec_adaptive_section_merges_with_flags_and_names_each_place);
    tcase_add_test(tc, test_run_spike_file_csv_and_json_written_atomically_and_counted);
    tcase_add_test(tc, test_run_interrupted_run_keeps_its_spikes_as_partial);
    suite_add_tcase(s, tc);
    return s;
}
