/* SPDX-License-Identifier: MIT */
/* check_run.c -- `dqhost run` with run specs: the invalid-spec folder, trajectories written
 * atomically, partial records kept on blow-up, flags over the spec, sub-module solvers, and
 * every example spec. */
#define _GNU_SOURCE
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>
#include <jansson.h>

#include "test_proc.h"

static char tmp[64];

static void tmp_setup(void)
{
    strcpy(tmp, "/tmp/dqhost-run-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmp));
}

static void tmp_teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmp);
}

/* Number of entries in the temporary directory. */
static int tmp_entries(void)
{
    DIR *d = opendir(tmp);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    size_t got = fread(buf, 1, (size_t)n, f);
    buf[got] = '\0';
    fclose(f);
    return buf;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

/* Replaces "{spec}" in text by path. */
static void expand(const char *text, const char *path, char *out, size_t cap)
{
    size_t used = 0;
    for (const char *p = text; *p && used + 1 < cap;) {
        if (strncmp(p, "{spec}", 6) == 0) {
            used += (size_t)snprintf(out + used, cap - used, "%s", path);
            p += 6;
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
        char *text = slurp(expected_path);
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
        ck_assert_msg(tmp_entries() == 0, "%s left a file behind", e->d_name);
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
    ck_assert_int_eq(tmp_entries(), 2); /* the spec and osc.csv, no temporary file */
    char path[160];
    snprintf(path, sizeof path, "%s/osc.csv", tmp);
    char *csv = slurp(path);
    ck_assert_ptr_nonnull(csv);
    ck_assert(strncmp(csv, "t,x[0],v[0]\n0,1,0\n", 18) == 0);
    /* The seed's oscillator with omega = 2 follows cos(2t): rk4 at dt = 0.01 within
     * 5e-8 up to t = 10 (global error ~ t * omega^5 * dt^4 / 120 = 2.7e-8). */
    int rows = 0;
    for (char *line = strchr(csv, '\n') + 1; line && *line; line = strchr(line, '\n') + 1) {
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
    char *csv = slurp(path);
    ck_assert_ptr_nonnull(csv);
    ck_assert(strncmp(csv, "t,y0[0],y1[0]\n0,1,0\n", 20) == 0);
    free(csv);
    ck_assert_int_eq(tmp_entries(), 1);
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
    ck_assert_str_eq(res.out, "t,y[0]\n0,1\n1,0.9025\n");
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

START_TEST(test_run_warns_once_that_the_noise_of_ou_is_not_integrated)
{
    ck_assert_int_eq(dqhost("run", "--model", "ou", "--solver", "rk4", "--dt", "0.01", "--t-end",
                            "1", "--param", "n=3"),
                     0);
    const char *w = "dqhost: warning: state 'x' has a diffusion coefficient, but solver 'rk4' "
                    "integrates the deterministic drift only\n";
    const char *first = strstr(res.err, w);
    ck_assert_msg(first != NULL, "%s", res.err);
    ck_assert_ptr_null(strstr(first + strlen(w), "diffusion coefficient")); /* once */
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
    tcase_add_test(tc, test_run_flags_override_the_spec);
    tcase_add_test(tc, test_run_hh_with_gates_on_their_own_solver_is_documented_and_different);
    tcase_add_test(tc, test_run_trajectory_to_stdout_moves_the_summary_to_stderr);
    tcase_add_test(tc, test_run_every_example_runs);
    tcase_add_test(tc, test_run_warns_once_that_the_noise_of_ou_is_not_integrated);
    tcase_add_test(tc, test_run_threads_flag_gives_the_same_bits);
    suite_add_tcase(s, tc);
    return s;
}
