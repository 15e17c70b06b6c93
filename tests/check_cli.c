/* SPDX-License-Identifier: MIT */
/* check_cli.c -- the dqhost command line, run as a user runs it: output, messages and exit
 * statuses of list, info and run. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>
#include <jansson.h>

#include "test_proc.h"

START_TEST(test_cli_run_decay_with_euler_prints_seed_value)
{
    ck_assert_int_eq(
        dqhost("run", "--model", "decay", "--solver", "euler", "--dt", "0.05", "--t-end", "10"), 0);
    ck_assert_contains(res.out, "y = 0.366958\n");
    ck_assert_contains(res.out, "200 steps");
    ck_assert_str_eq(res.err, "");
}
END_TEST

START_TEST(test_cli_run_with_alias_explicit_gives_same_result)
{
    ck_assert_int_eq(dqhost("--plugins", DQ_TEST_PLUGIN_DIR, "run", "--model", "decay", "--solver",
                            "explicit", "--dt", "0.05", "--t-end", "10"),
                     0);
    ck_assert_contains(res.out, "solver euler");
    ck_assert_contains(res.out, "y = 0.366958\n");
}
END_TEST

START_TEST(test_cli_run_json_prints_round_trip_doubles)
{
    ck_assert_int_eq(
        dqhost("run", "--model=decay", "--solver=euler", "--dt=0.05", "--t-end=10", "--json"), 0);
    json_error_t jerr;
    json_t *doc = json_loads(res.out, 0, &jerr);
    ck_assert_msg(doc != NULL, "invalid JSON: %s", jerr.text);
    ck_assert_str_eq(json_string_value(json_object_get(doc, "model")), "decay");
    ck_assert_str_eq(json_string_value(json_object_get(doc, "solver")), "euler");
    ck_assert_int_eq(json_integer_value(json_object_get(doc, "steps")), 200);
    ck_assert_double_eq(json_real_value(json_object_get(doc, "dt")), 0.05);
    ck_assert_double_eq_tol(json_real_value(json_object_get(doc, "t")), 10.0, 1e-12);
    json_t *y = json_array_get(json_object_get(json_object_get(doc, "final"), "y"), 0);
    ck_assert_double_eq(json_real_value(y), 0.36695782172616737);
    ck_assert_contains(res.out, "0.36695782172616737");
    json_decref(doc);
}
END_TEST

START_TEST(test_cli_run_population_parameter)
{
    ck_assert_int_eq(dqhost("run", "--model", "decay", "--solver", "euler", "--dt", "0.1",
                            "--t-end", "1", "--param", "n=3", "--param", "y0=2", "--json"),
                     0);
    json_t *doc = json_loads(res.out, 0, NULL);
    json_t *y = json_object_get(json_object_get(doc, "final"), "y");
    ck_assert_uint_eq(json_array_size(y), 3);
    ck_assert_double_eq_tol(json_real_value(json_array_get(y, 2)), 2 * pow(0.99, 10), 1e-14);
    ck_assert_int_eq(json_integer_value(json_object_get(doc, "units")), 3);
    json_decref(doc);
}
END_TEST

START_TEST(test_cli_run_refuses_t_end_not_whole_number_of_steps)
{
    ck_assert_int_eq(
        dqhost("run", "--model", "decay", "--solver", "euler", "--dt", "0.05", "--t-end", "10.01"),
        2);
    ck_assert_str_eq(res.err, "dqhost: error: run: --t-end 10.01 is not a whole number of steps "
                              "of --dt 0.05 (200.2 steps)\n");
    ck_assert_str_eq(res.out, "");
}
END_TEST

START_TEST(test_cli_run_refuses_bad_dt)
{
    ck_assert_int_eq(
        dqhost("run", "--model", "decay", "--solver", "euler", "--dt", "0", "--t-end", "1"), 2);
    ck_assert_str_eq(res.err,
                     "dqhost: error: run: --dt must be a positive finite number, got '0'\n");
    ck_assert_int_eq(
        dqhost("run", "--model", "decay", "--solver", "euler", "--dt", "-0.1", "--t-end", "1"), 2);
    ck_assert_contains(res.err, "--dt must be a positive finite number, got '-0.1'");
    ck_assert_int_eq(
        dqhost("run", "--model", "decay", "--solver", "euler", "--dt", "inf", "--t-end", "1"), 2);
    ck_assert_str_eq(res.err, "dqhost: error: run: --dt: expected a finite number, got 'inf'\n");
    ck_assert_int_eq(
        dqhost("run", "--model", "decay", "--solver", "euler", "--dt", "nan", "--t-end", "1"), 2);
    ck_assert_contains(res.err, "got 'nan'");
    ck_assert_int_eq(
        dqhost("run", "--model", "decay", "--solver", "euler", "--dt", "0.1x", "--t-end", "1"), 2);
    ck_assert_contains(res.err, "run: --dt: expected a finite number, got '0.1x'");
}
END_TEST

START_TEST(test_cli_run_unknown_solver_suggests_and_exits_2)
{
    ck_assert_int_eq(
        dqhost("run", "--model", "decay", "--solver", "eulr", "--dt", "0.1", "--t-end", "1"), 2);
    ck_assert_contains(res.err, "dqhost: error: Unknown integrator 'eulr'. Did you mean "
                                "'euler', 'exp_euler'? Available: backward_euler, bs3, ");
}
END_TEST

START_TEST(test_cli_run_unknown_model_and_parameter_exit_2)
{
    ck_assert_int_eq(
        dqhost("run", "--model", "decai", "--solver", "euler", "--dt", "0.1", "--t-end", "1"), 2);
    ck_assert_contains(res.err, "Unknown model 'decai'. Did you mean 'decay'?");
    ck_assert_int_eq(dqhost("run", "--model", "decay", "--solver", "euler", "--dt", "0.1",
                            "--t-end", "1", "--param", "tua=3"),
                     2);
    ck_assert_str_eq(res.err, "dqhost: error: model 'decay' has no parameter 'tua'. Did you "
                              "mean 'tau'? Parameters: tau, y0, n.\n");
    ck_assert_int_eq(dqhost("run", "--model", "decay", "--solver", "euler", "--dt", "0.1",
                            "--t-end", "1", "--param", "tau"),
                     2);
    ck_assert_contains(res.err, "--param expects NAME=VALUE, got 'tau'");
    ck_assert_int_eq(dqhost("run", "--model", "decay", "--solver", "euler", "--dt", "0.1",
                            "--t-end", "1", "--param", "tau=ten"),
                     2);
    ck_assert_contains(res.err, "run: --param tau: expected a finite number, got 'ten'");
}
END_TEST

START_TEST(test_cli_run_missing_option_is_usage_error)
{
    ck_assert_int_eq(dqhost("run", "--model", "decay", "--dt", "0.1", "--t-end", "1"), 2);
    ck_assert_str_eq(res.err, "dqhost: error: run: --solver is required (see dqhost run --help)\n");
    ck_assert_int_eq(dqhost("run", "--model"), 2);
    ck_assert_str_eq(res.err, "dqhost: error: run: --model needs a value\n");
    ck_assert_int_eq(dqhost("run", "--frobnicate"), 2);
    ck_assert_contains(res.err, "unknown argument '--frobnicate'");
}
END_TEST

START_TEST(test_cli_list_shows_integrators_models_and_sources)
{
    ck_assert_int_eq(dqhost("list"), 0);
    ck_assert_contains(res.out, "Integrators (");
    ck_assert_contains(res.out, "euler");
    ck_assert_contains(res.out, "explicit");
    ck_assert_contains(res.out, "Forward (explicit) Euler method.");
    ck_assert_contains(res.out, "/euler.so");
    ck_assert_contains(res.out, "Models (");
    ck_assert_contains(res.out, "decay");
    ck_assert_contains(res.out, "tau, y0, n");
    /* No command means list. */
    char first[sizeof res.out];
    memcpy(first, res.out, sizeof first);
    ck_assert_int_eq(dqhost_run(NULL, NULL, NULL), 0);
    ck_assert_str_eq(res.out, first);
}
END_TEST

START_TEST(test_cli_list_json_has_entries_and_load_records)
{
    ck_assert_int_eq(dqhost("list", "--json"), 0);
    json_t *doc = json_loads(res.out, 0, NULL);
    ck_assert_ptr_nonnull(doc);
    json_t *ints = json_object_get(doc, "integrators");
    json_t *euler = NULL;
    for (size_t i = 0; i < json_array_size(ints); ++i)
        if (strcmp(json_string_value(json_object_get(json_array_get(ints, i), "name")), "euler") ==
            0)
            euler = json_array_get(ints, i);
    ck_assert_ptr_nonnull(euler);
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(euler, "aliases"), 0)),
                     "explicit");
    ck_assert_str_eq(json_string_value(json_object_get(euler, "category")), "explicit");
    ck_assert_int_eq(json_integer_value(json_object_get(euler, "order")), 1);
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(euler, "origin")), "/euler.so"));
    json_t *plugins = json_object_get(doc, "plugins");
    ck_assert_uint_ge(json_array_size(plugins), 2);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(plugins, 0), "status")),
                     "ok");
    ck_assert_uint_ge(json_array_size(json_object_get(doc, "models")), 1);
    json_decref(doc);
}
END_TEST

/* SDE solvers show orders that are not whole and their calculus, in text and JSON. */
START_TEST(test_cli_list_and_info_show_sde_orders_and_calculus)
{
    ck_assert_int_eq(dqhost("list"), 0);
    ck_assert_contains(res.out, "SDE (STRONG, WEAK, CALCULUS)");
    ck_assert_ptr_nonnull(strstr(strstr(res.out, "\n  sra1 "), "strong 1.5, weak 2, Ito"));
    ck_assert_ptr_nonnull(
        strstr(strstr(res.out, "\n  stochastic_heun "), "strong 1, weak 1, Stratonovich"));
    ck_assert_int_eq(dqhost("info", "em"), 0);
    ck_assert_contains(res.out, "integrator euler_maruyama\n");
    ck_assert_contains(res.out, "  order:        1 (on ODEs: a model without noise)\n");
    ck_assert_contains(res.out, "  SDE:          strong 0.5, weak 1, Ito\n");
    ck_assert_int_eq(dqhost("info", "sra1"), 0);
    ck_assert_contains(res.out, "  SDE:          strong 1.5, weak 2, Ito (additive noise only)\n");
    ck_assert_int_eq(dqhost("info", "rk4"), 0);
    ck_assert_ptr_null(strstr(res.out, "SDE:"));
    ck_assert_int_eq(dqhost("list", "--json"), 0);
    json_t *doc = json_loads(res.out, 0, NULL), *ints = json_object_get(doc, "integrators");
    int seen = 0;
    for (size_t i = 0; i < json_array_size(ints); ++i) {
        json_t *e = json_array_get(ints, i);
        const char *name = json_string_value(json_object_get(e, "name"));
        if (strcmp(name, "euler_maruyama") == 0) {
            ck_assert_double_eq(json_real_value(json_object_get(e, "strong_order")), 0.5);
            ck_assert_double_eq(json_real_value(json_object_get(e, "weak_order")), 1.0);
            ck_assert_str_eq(json_string_value(json_object_get(e, "calculus")), "ito");
            seen++;
        } else if (strcmp(name, "stochastic_heun") == 0) {
            ck_assert_str_eq(json_string_value(json_object_get(e, "calculus")), "stratonovich");
            seen++;
        } else if (strcmp(name, "rk4") == 0) {
            ck_assert(json_is_null(json_object_get(e, "strong_order")));
            ck_assert(json_is_null(json_object_get(e, "calculus")));
            seen++;
        }
    }
    ck_assert_int_eq(seen, 3);
    json_decref(doc);
}
END_TEST

START_TEST(test_cli_info_by_name_and_alias)
{
    ck_assert_int_eq(dqhost("info", "explicit"), 0);
    ck_assert_contains(res.out, "integrator euler\n");
    ck_assert_contains(res.out, "  order:        1\n");
    ck_assert_contains(res.out, "  category:     explicit\n");
    ck_assert_int_eq(dqhost("info", "euler", "--json"), 0);
    json_t *doc = json_loads(res.out, 0, NULL);
    ck_assert_str_eq(
        json_string_value(json_object_get(json_object_get(doc, "integrator"), "description")),
        "Forward (explicit) Euler method.");
    json_decref(doc);
    ck_assert_int_eq(dqhost("info", "decay"), 0);
    ck_assert_contains(res.out, "model decay\n");
    ck_assert_contains(res.out, "tau");
}
END_TEST

START_TEST(test_cli_info_unknown_name_says_did_you_mean_and_exits_2)
{
    ck_assert_int_eq(dqhost("info", "eulr"), 2);
    ck_assert_contains(res.err, "dqhost: error: Unknown integrator 'eulr'. Did you mean "
                                "'euler', 'exp_euler'? Available: backward_euler, bs3, ");
    ck_assert_int_eq(dqhost("info", "zzzzzz"), 2);
    ck_assert_contains(res.err, "Unknown integrator 'zzzzzz'. Available: ");
    ck_assert_int_eq(dqhost("info"), 2);
    /* Only a model name is close: the model message. */
    ck_assert_int_eq(dqhost("info", "decai"), 2);
    ck_assert_contains(res.err, "dqhost: error: Unknown model 'decai'. Did you mean 'decay'?");
}
END_TEST

START_TEST(test_cli_help_and_version)
{
    ck_assert_int_eq(dqhost("--help"), 0);
    ck_assert_contains(res.out, "Usage: dqhost [--plugins DIR]...");
    ck_assert_int_eq(dqhost("run", "--help"), 0);
    ck_assert_contains(res.out, "Usage: dqhost run");
    ck_assert_int_eq(dqhost("--version"), 0);
    ck_assert_contains(res.out, "plugin ABI 2.");
    ck_assert_int_eq(dqhost("frobnicate"), 2);
    ck_assert_str_eq(res.err, "dqhost: error: unknown command 'frobnicate' (commands: list, "
                              "models, info, run, check, help)\n");
    ck_assert_int_eq(dqhost("--frobnicate"), 2);
}
END_TEST

START_TEST(test_cli_missing_plugin_dir_warns_and_continues)
{
    ck_assert_int_eq(dqhost("--plugins", "/nonexistent/dqhost-plugins", "list"), 0);
    ck_assert_contains(res.err, "dqhost: warning: cannot read plugin directory "
                                "'/nonexistent/dqhost-plugins'");
    ck_assert_contains(res.out, "euler");
}
END_TEST

START_TEST(test_cli_plugin_path_environment_is_searched)
{
    ck_assert_int_eq(
        dqhost_env("DQHOST_PLUGIN_PATH=/nonexistent/a:" DQ_TEST_PLUGIN_DIR, "list", "--json", NULL),
        0);
    ck_assert_contains(res.err, "'/nonexistent/a'");
    json_t *doc = json_loads(res.out, 0, NULL);
    json_t *dirs = json_object_get(doc, "plugin_dirs");
    /* Registration order: the default (the build tree's plugins), then the variable; the
     * default named again is not searched or listed twice. */
    ck_assert_uint_eq(json_array_size(dirs), 2);
    ck_assert_str_eq(json_string_value(json_array_get(dirs, 0)), DQ_TEST_PLUGIN_DIR);
    ck_assert_str_eq(json_string_value(json_array_get(dirs, 1)), "/nonexistent/a");
    json_decref(doc);
}
END_TEST

START_TEST(test_cli_no_readable_plugin_dir_is_an_error)
{
    /* A copy of the binary outside the build tree has only the install dir as default. */
    char dir[] = "/tmp/dqhost-cli-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char copy[256], cmd[600];
    snprintf(copy, sizeof copy, "%s/dqhost", dir);
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", DQ_TEST_DQHOST, copy);
    ck_assert_int_eq(system(cmd), 0);
    struct stat st;
    int installed = stat(DQ_TEST_INSTALL_PLUGINDIR, &st) == 0;
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        int errf = open("/tmp/dqhost-cli-err.txt", O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(null, 1);
        dup2(errf, 2);
        unsetenv("DQHOST_PLUGIN_PATH");
        execl(copy, copy, "--plugins", "/nonexistent/x", "list", (char *)NULL);
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    FILE *f = fopen("/tmp/dqhost-cli-err.txt", "r");
    char text[4096] = "";
    size_t got = fread(text, 1, sizeof text - 1, f);
    text[got] = '\0';
    fclose(f);
    unlink("/tmp/dqhost-cli-err.txt");
    unlink(copy);
    rmdir(dir);
    if (!installed) {
        ck_assert_int_eq(WEXITSTATUS(status), 2);
        ck_assert_contains(text, "dqhost: error: no plugin directory could be read");
    }
}
END_TEST

/* A directory holding only the named fixtures, as symlinks; returns its path in dir. */
static void fixture_dir(char *dir, const char *const *names)
{
    strcpy(dir, "/tmp/dqhost-fix-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    for (size_t i = 0; names[i]; ++i) {
        char from[512], to[512];
        snprintf(from, sizeof from, "%s/%s", DQ_TEST_FIXTURE_DIR, names[i]);
        snprintf(to, sizeof to, "%s/%s", dir, names[i]);
        ck_assert_int_eq(symlink(from, to), 0);
    }
}

START_TEST(test_cli_override_plugin_replaces_builtin_with_warning)
{
    char dir[64];
    fixture_dir(dir, (const char *const[]){"override_euler.so", NULL});
    ck_assert_int_eq(dqhost("--plugins", dir, "info", "euler"), 0);
    ck_assert_contains(res.out, "  description:  Euler, overridden by a fixture.\n");
    ck_assert_contains(res.out, "/tests/fixtures/override_euler.so\n");
    ck_assert_contains(res.err, "dqhost: warning: integrator 'euler' from '");
    ck_assert_contains(res.err, "override_euler.so' replaces the one registered by '");
    ck_assert_int_eq(dqhost("--plugins", dir, "list"), 0);
    ck_assert_contains(res.out, "Euler, overridden by a fixture.");
    ck_assert_contains(res.out, "note     ");
    /* The built-in's alias went with it. */
    ck_assert_int_eq(dqhost("--plugins", dir, "info", "explicit"), 2);
}
END_TEST

START_TEST(test_cli_duplicate_without_override_names_both_files)
{
    char dir[64];
    fixture_dir(dir, (const char *const[]){"dup_a.so", "dup_b.so", NULL});
    ck_assert_int_eq(dqhost("--plugins", dir, "list"), 0);
    ck_assert_contains(res.out, "Problems while loading:\n");
    ck_assert_contains(res.out, "  rejected /");
    ck_assert_contains(res.out, "dup_b.so (stopped at stage 'checked'): Integrator ");
    ck_assert_contains(res.out, "dup_a.so'. Set override to replace it.");
}
END_TEST

START_TEST(test_cli_bad_plugin_is_skipped_and_strict_fails)
{
    char dir[64];
    fixture_dir(dir, (const char *const[]){"not_elf.so", NULL});
    ck_assert_int_eq(dqhost("--plugins", dir, "run", "--model", "decay", "--solver", "euler",
                            "--dt", "0.05", "--t-end", "10"),
                     0);
    ck_assert_contains(res.out, "y = 0.366958\n");
    ck_assert_contains(res.err, "dqhost: warning: skipped plugin '");
    ck_assert_contains(res.err, "not_elf.so': cannot open plugin '");
    ck_assert_int_eq(dqhost("--plugins", dir, "--strict", "run", "--model", "decay", "--solver",
                            "euler", "--dt", "0.05", "--t-end", "10"),
                     2);
    ck_assert_str_eq(res.out, "");
    ck_assert_contains(res.err, "dqhost: error: 1 plugin(s) rejected (--strict)\n");
    ck_assert_int_eq(dqhost("--strict", "--plugins", dir, "list"), 2);
    ck_assert_contains(res.out, "Integrators (");
    ck_assert_int_eq(dqhost("--strict", "list"), 0);
}
END_TEST

START_TEST(test_cli_solver_options_are_listed_set_and_checked)
{
    ck_assert_int_eq(dqhost("info", "implicit_euler"), 0);
    ck_assert_contains(res.out, "    newton_tol       default 1e-10");
    ck_assert_contains(res.out, "    newton_max_iter  default 50");
    ck_assert_int_eq(dqhost("run", "--model", "stiff_linear", "--solver", "implicit_euler", "--dt",
                            "0.01", "--t-end", "1", "--solver-opt", "newton_tol=1e-12"),
                     0);
    ck_assert_int_eq(dqhost("run", "--model", "decay", "--solver", "implicit_euler", "--dt", "0.1",
                            "--t-end", "1", "--solver-opt", "newton_tl=1e-12"),
                     2);
    ck_assert_str_eq(res.err, "dqhost: error: solver 'implicit_euler' has no option "
                              "'newton_tl'. Did you mean 'newton_tol'? Options: newton_tol, "
                              "newton_max_iter.\n");
    ck_assert_int_eq(dqhost("run", "--model", "decay", "--solver", "implicit_euler", "--dt", "0.1",
                            "--t-end", "1", "--solver-opt", "newton_max_iter=2.5"),
                     2);
    ck_assert_str_eq(res.err, "dqhost: error: option 'newton_max_iter' of solver "
                              "'implicit_euler' must be a whole number, got 2.5\n");
    ck_assert_int_eq(dqhost("run", "--model", "decay", "--solver", "implicit_euler", "--dt", "0.1",
                            "--t-end", "1", "--solver-opt", "newton_tol=0"),
                     2);
    ck_assert_contains(res.err, "option 'newton_tol' of solver 'implicit_euler' must be in "
                                "[1e-300, 1], got 0");
    ck_assert_int_eq(dqhost("run", "--model", "decay", "--solver", "euler", "--dt", "0.1",
                            "--t-end", "1", "--solver-opt", "x=1"),
                     2);
    ck_assert_str_eq(res.err, "dqhost: error: solver 'euler' takes no options (got 'x')\n");
}
END_TEST

START_TEST(test_cli_newton_failure_names_solver_state_unit_and_time)
{
    ck_assert_int_eq(dqhost("run", "--model", "stiff_linear", "--solver", "implicit_euler", "--dt",
                            "0.5", "--t-end", "1", "--solver-opt", "newton_max_iter=1"),
                     1);
    ck_assert_str_eq(res.err,
                     "dqhost: error: solver 'implicit_euler' failed on state 'y0' of unit 0 at "
                     "t = 0: Newton iteration did not converge in 1 iterations (residual 2.5e+05, "
                     "newton_tol 1e-10); try a smaller dt or a larger newton_max_iter\n");
}
END_TEST

static const char *const builtin_solvers[] = {"euler",
                                              "midpoint",
                                              "rk2",
                                              "heun2",
                                              "ralston2",
                                              "rk3",
                                              "heun3",
                                              "ssprk3",
                                              "ralston3",
                                              "rk4",
                                              "ralston4",
                                              "exp_euler",
                                              "ind_exp_euler",
                                              "backward_euler",
                                              "implicit_euler",
                                              "euler_maruyama",
                                              "milstein",
                                              "stochastic_heun",
                                              "sra1",
                                              "exp_euler_maruyama",
                                              "bs3",
                                              "dopri5",
                                              "tsit5",
                                              "rosenbrock23",
                                              "staggered",
                                              "dhs_voltage",
                                              "splitting",
                                              "implicit_rk4",
                                              "implicit_exp_euler",
                                              "cn_rk4",
                                              "cn_exp_euler",
                                              "exp_exp_euler"};

START_TEST(test_cli_list_shows_every_builtin_solver)
{
    ck_assert_int_eq(dqhost("list"), 0);
    char head[32];
    snprintf(head, sizeof head, "Integrators (%zu):\n",
             sizeof builtin_solvers / sizeof builtin_solvers[0]);
    ck_assert_contains(res.out, head);
    for (size_t i = 0; i < sizeof builtin_solvers / sizeof builtin_solvers[0]; ++i) {
        char so[64];
        snprintf(so, sizeof so, "/%s.so\n", builtin_solvers[i]);
        ck_assert_contains(res.out, so);
    }
}
END_TEST

/* The row of `solver` in a `dqhost check` table ("" when absent), copied into buf. */
static const char *check_row(const char *out, const char *solver, char *buf, size_t len)
{
    size_t n = strlen(solver);
    buf[0] = '\0';
    for (const char *line = out; *line;) {
        const char *end = strchr(line, '\n');
        size_t l = end ? (size_t)(end - line) : strlen(line);
        if (strncmp(line, solver, n) == 0 && line[n] == ' ') {
            snprintf(buf, len, "%.*s", (int)(l < len ? l : len - 1), line);
            break;
        }
        line += l + (end != NULL);
    }
    return buf;
}

START_TEST(test_cli_check_passes_every_builtin_solver)
{
    ck_assert_int_eq(dqhost("check"), 0);
    ck_assert_contains(res.out, "solver");
    ck_assert_contains(res.out, "measured");
    for (size_t i = 0; i < sizeof builtin_solvers / sizeof builtin_solvers[0]; ++i) {
        char row[256];
        check_row(res.out, builtin_solvers[i], row, sizeof row);
        ck_assert_msg(strstr(row, "PASS") != NULL, "no PASS row for %s in:\n%s", builtin_solvers[i],
                      res.out);
    }
    const size_t n_builtin = sizeof builtin_solvers / sizeof builtin_solvers[0];
    char total[64];
    snprintf(total, sizeof total, "%zu solver(s) checked, %zu passed, 0 failed.\n", n_builtin,
             n_builtin);
    ck_assert_contains(res.out, total);
    /* The cable problem's table: the cable solvers and every solver that runs on a cell. */
    ck_assert_contains(res.out, "\ncable solver ");
    ck_assert_contains(res.out, "staggered: cable: declared 1, measured 1.0");
    /* The models are checked too, in a table of their own. */
    char mrow[256];
    ck_assert_contains(res.out, "\nmodel ");
    ck_assert_contains(check_row(res.out, "hh", mrow, sizeof mrow), "PASS");
    ck_assert_contains(res.out, " model(s) checked, ");
    ck_assert_ptr_null(strstr(res.out, "FAIL"));
}
END_TEST

START_TEST(test_cli_check_json_has_every_check_and_order)
{
    ck_assert_int_eq(dqhost("check", "--json"), 0);
    json_error_t jerr;
    json_t *doc = json_loads(res.out, 0, &jerr);
    ck_assert_msg(json_is_array(doc), "invalid JSON: %s", jerr.text);
    size_t i, n_solvers = 0;
    json_t *s;
    json_array_foreach (doc, i, s) {
        const char *name = json_string_value(json_object_get(s, "name"));
        ck_assert_ptr_nonnull(name);
        ck_assert_str_eq(json_string_value(json_object_get(s, "verdict")), "pass");
        json_t *checks = json_object_get(s, "checks");
        if (strcmp(json_string_value(json_object_get(s, "kind")), "model") == 0) {
            const char *mnames[] = {"run",           "derivative",      "jacobian",
                                    "jacobian_diag", "derivative_diag", "lifecycle",
                                    "determinism"};
            for (size_t k = 0; k < sizeof mnames / sizeof mnames[0]; ++k) {
                json_t *c = json_object_get(checks, mnames[k]);
                ck_assert_msg(json_is_string(json_object_get(c, "status")), "%s: %s", name,
                              mnames[k]);
            }
            continue;
        }
        ck_assert_str_eq(json_string_value(json_object_get(s, "kind")), "solver");
        n_solvers++;
        if (strcmp(json_string_value(json_object_get(s, "category")), "cable") == 0) {
            /* Judged on the cable problem alone: its ladders, the cable check passed. */
            ck_assert_str_eq(
                json_string_value(json_object_get(json_object_get(checks, "cable"), "status")),
                "pass");
            json_t *v =
                json_object_get(json_object_get(json_object_get(s, "cable"), "orders"), "soma_V");
            ck_assert_str_eq(json_string_value(json_object_get(v, "status")), "measured");
            ck_assert_uint_eq(json_array_size(json_object_get(v, "error")) >= 2, 1);
            continue;
        }
        const char *names[] = {"run",    "names",     "category", "exports",
                               "status", "lifecycle", "memory",   "determinism",
                               "order",  "time",      "stiff",    "reset"};
        for (size_t k = 0; k < sizeof names / sizeof names[0]; ++k) {
            json_t *c = json_object_get(checks, names[k]);
            ck_assert_msg(json_is_string(json_object_get(c, "status")), "%s: %s", name, names[k]);
            ck_assert_msg(json_is_string(json_object_get(c, "detail")), "%s: %s", name, names[k]);
        }
        ck_assert_str_eq(
            json_string_value(json_object_get(json_object_get(checks, "lifecycle"), "status")),
            "pass");
        double declared = (double)json_integer_value(json_object_get(s, "declared_order"));
        double measured = json_real_value(json_object_get(s, "measured_order"));
        ck_assert_msg(fabs(measured - declared) <= 0.2, "%s: %g vs %g", name, measured, declared);
        json_t *logistic = json_object_get(json_object_get(s, "orders"), "logistic");
        ck_assert_str_eq(json_string_value(json_object_get(logistic, "status")), "measured");
        ck_assert_uint_eq(json_array_size(json_object_get(logistic, "error")) >= 2, 1);
    }
    ck_assert_uint_eq(n_solvers, sizeof builtin_solvers / sizeof builtin_solvers[0]);
    json_decref(doc);
}
END_TEST

START_TEST(test_cli_check_by_alias_and_name)
{
    char row[256];
    ck_assert_int_eq(dqhost("check", "explicit", "rk4"), 0);
    ck_assert_contains(check_row(res.out, "euler", row, sizeof row), "PASS");
    ck_assert_contains(check_row(res.out, "rk4", row, sizeof row), "PASS");
    ck_assert_contains(res.out, "2 solver(s) checked, 2 passed, 0 failed.\n");
}
END_TEST

START_TEST(test_cli_check_cable_solver_of_a_wrong_declared_order_fails)
{
    ck_assert_int_eq(dqhost("check", DQ_TEST_FIXTURE_DIR "/check_cable_euler.so"), 1);
    char row[256];
    ck_assert_contains(check_row(res.out, "fixture_cable_euler", row, sizeof row), "PASS");
    ck_assert_contains(check_row(res.out, "fixture_cable_fake_order", row, sizeof row),
                       "FAIL (cable)");
    ck_assert_contains(res.out, "fixture_cable_fake_order: cable: order mismatch on the cable "
                                "problem: declared 2, measured 1.0");
    ck_assert_contains(res.out, "2 solver(s) checked, 1 passed, 1 failed.\n");
}
END_TEST

START_TEST(test_cli_check_crash_is_a_verdict)
{
    ck_assert_int_eq(dqhost("check", DQ_TEST_FIXTURE_DIR "/check_crash.so"), 1);
    char row[256];
    ck_assert_contains(check_row(res.out, "fixture_check_crash", row, sizeof row), "FAIL (run)");
    /* Killed by SIGSEGV, or (under a sanitizer) exited after reporting it. */
    ck_assert_contains(res.out, "fixture_check_crash: run: crashed: ");
}
END_TEST

START_TEST(test_cli_check_hang_times_out)
{
    ck_assert_int_eq(dqhost("check", "--timeout", "1", DQ_TEST_FIXTURE_DIR "/check_hang.so"), 1);
    ck_assert_contains(res.out, "fixture_check_hang: run: timed out after 1 s\n");
}
END_TEST

START_TEST(test_cli_check_fake_order_is_a_mismatch)
{
    ck_assert_int_eq(dqhost("check", DQ_TEST_FIXTURE_DIR "/check_fake_order.so"), 1);
    char row[256];
    ck_assert_contains(check_row(res.out, "fixture_check_fake_order", row, sizeof row),
                       "FAIL (order)");
    ck_assert_contains(res.out, "fixture_check_fake_order: order: order mismatch: declared 4, "
                                "measured 1.0");
}
END_TEST

START_TEST(test_cli_check_missing_post_integral_is_a_lifecycle_failure)
{
    ck_assert_int_eq(dqhost("check", DQ_TEST_FIXTURE_DIR "/check_no_post.so"), 1);
    ck_assert_contains(res.out, "fixture_check_no_post: lifecycle: post_integral called 0 times "
                                "in step 1 of 'decay' (dt = 0.1) (expected 1)\n");
}
END_TEST

START_TEST(test_cli_check_write_outside_block_is_a_memory_failure)
{
    ck_assert_int_eq(dqhost("check", DQ_TEST_FIXTURE_DIR "/check_bad_write.so"), 1);
    ck_assert_contains(res.out, "fixture_check_bad_write: memory: wrote outside the states it "
                                "integrates: ctx->y[8] (its length is 8)");
}
END_TEST

START_TEST(test_cli_check_file_that_does_not_load_fails)
{
    ck_assert_int_eq(dqhost("check", DQ_TEST_FIXTURE_DIR "/not_elf.so", "--json"), 1);
    json_t *doc = json_loads(res.out, 0, NULL);
    ck_assert_uint_eq(json_array_size(doc), 1);
    json_t *run = json_object_get(json_object_get(json_array_get(doc, 0), "checks"), "run");
    ck_assert_str_eq(json_string_value(json_object_get(run, "status")), "fail");
    ck_assert_contains(json_string_value(json_object_get(run, "detail")), "cannot open plugin '");
    json_decref(doc);
}
END_TEST

START_TEST(test_cli_check_model_by_name)
{
    char row[256];
    ck_assert_int_eq(dqhost("check", "hh"), 0);
    ck_assert_contains(check_row(res.out, "hh", row, sizeof row), "PASS");
    ck_assert_contains(res.out, "1 model(s) checked, 1 passed, 0 failed.\n");
    ck_assert_ptr_null(strstr(res.out, "solver(s) checked"));
}
END_TEST

START_TEST(test_cli_check_wrong_model_jacobian_names_the_state)
{
    char row[256];
    ck_assert_int_eq(dqhost("check", DQ_TEST_FIXTURE_DIR "/model_bad_jacobian.so"), 1);
    ck_assert_contains(check_row(res.out, "fixture_model_bad_jacobian", row, sizeof row),
                       "FAIL (jacobian)");
    ck_assert_contains(res.out, "fixture_model_bad_jacobian: jacobian: module 'gate', state 'w': "
                                "dF/d(v) of unit 0 at the initial state is 1 analytically, 0.5 "
                                "by central differences");
    ck_assert_contains(res.out, "1 model(s) checked, 0 passed, 1 failed.\n");
    ck_assert_int_eq(dqhost("check", "--json", DQ_TEST_FIXTURE_DIR "/model_bad_jacobian.so"), 1);
    json_t *doc = json_loads(res.out, 0, NULL);
    json_t *m = json_array_get(doc, 0);
    ck_assert_str_eq(json_string_value(json_object_get(m, "kind")), "model");
    ck_assert_str_eq(json_string_value(json_object_get(m, "verdict")), "fail");
    json_t *jac = json_object_get(json_object_get(m, "checks"), "jacobian");
    ck_assert_str_eq(json_string_value(json_object_get(jac, "status")), "fail");
    json_decref(doc);
}
END_TEST

START_TEST(test_cli_check_usage_errors_exit_2)
{
    ck_assert_int_eq(dqhost("check", "nosuch"), 2);
    ck_assert_contains(res.err, "dqhost: error: Unknown integrator 'nosuch'.");
    ck_assert_str_eq(res.out, "");
    ck_assert_int_eq(dqhost("check", "rk44"), 2);
    ck_assert_contains(res.err, "Unknown integrator 'rk44'. Did you mean 'rk4', 'cn_rk4'?");
    ck_assert_int_eq(dqhost("check", "--timeout", "0"), 2);
    ck_assert_str_eq(res.err, "dqhost: error: check: --timeout must be a positive number of "
                              "seconds, got '0'\n");
    ck_assert_int_eq(dqhost("check", "--frobnicate"), 2);
    ck_assert_int_eq(dqhost("check", "--help"), 0);
    ck_assert_contains(res.out, "Usage: dqhost check");
}
END_TEST

/* -- issue 11: `dqhost check` on SDE solvers ------------------------------------------- */

START_TEST(test_cli_check_json_has_sde_checks_skipped_for_deterministic_solvers)
{
    ck_assert_int_eq(dqhost("check", "--json", "rk4"), 0);
    json_t *doc = json_loads(res.out, 0, NULL);
    json_t *s = json_array_get(doc, 0);
    ck_assert(json_is_null(json_object_get(s, "sde")));
    const char *names[] = {"strong", "weak", "moments", "noise"};
    for (size_t k = 0; k < 4; ++k) {
        json_t *c = json_object_get(json_object_get(s, "checks"), names[k]);
        ck_assert_str_eq(json_string_value(json_object_get(c, "status")), "skip");
        ck_assert_str_eq(json_string_value(json_object_get(c, "detail")),
                         "not an SDE solver (no DQ_CAP_DIFFUSION)");
    }
    json_decref(doc);
    /* No SDE table for deterministic solvers. */
    ck_assert_int_eq(dqhost("check", "rk4"), 0);
    ck_assert_ptr_null(strstr(res.out, "sde solver"));
}
END_TEST

/* The SDE solver plugins, when this build has them. */
START_TEST(test_cli_check_sde_solvers_show_calculus_orders_paths_and_ladder)
{
    if (access(DQ_TEST_PLUGIN_DIR "/euler_maruyama.so", R_OK) != 0)
        return;
    char row[256];
    ck_assert_int_eq(dqhost("check", "euler_maruyama"), 0);
    ck_assert_contains(res.out, "\nsde solver ");
    check_row(res.out + (strstr(res.out, "\nsde solver ") - res.out) + 1, "euler_maruyama", row,
              sizeof row);
    ck_assert_contains(row, "Ito");
    ck_assert_contains(row, "gbm/gbm_drift");
    ck_assert_contains(row, "2000/4000");
    ck_assert_contains(row, "PASS");
    ck_assert_contains(res.out, "\nSDE measurements:\n  euler_maruyama: strong: declared 0.5, "
                                "measured 0.");
    ck_assert_contains(res.out, "2000 paths, dt = T/16 .. T/256");
    ck_assert_contains(res.out, "  euler_maruyama: weak: declared 1, measured ");
    ck_assert_contains(res.out, "  euler_maruyama: moments: within 4 standard errors of 2000 "
                                "paths: gbm (dt = T/256): mean ");

    ck_assert_int_eq(dqhost("check", "--json", "euler_maruyama"), 0);
    json_t *doc = json_loads(res.out, 0, NULL);
    json_t *sde = json_object_get(json_array_get(doc, 0), "sde");
    ck_assert_str_eq(json_string_value(json_object_get(sde, "calculus")), "ito");
    ck_assert_double_eq(json_real_value(json_object_get(sde, "declared_strong_order")), 0.5);
    json_t *strong = json_object_get(sde, "strong");
    ck_assert_str_eq(json_string_value(json_object_get(strong, "status")), "measured");
    ck_assert_str_eq(json_string_value(json_object_get(strong, "problem")), "gbm");
    ck_assert_double_eq_tol(json_real_value(json_object_get(strong, "order")), 0.5, 0.1);
    ck_assert_int_eq(json_integer_value(json_object_get(strong, "paths")), 2000);
    ck_assert_uint_eq(json_array_size(json_object_get(strong, "dt")), 5);
    json_t *weak = json_object_get(sde, "weak");
    ck_assert_double_eq_tol(json_real_value(json_object_get(weak, "order")), 1.0, 0.15);
    ck_assert(json_real_value(json_object_get(weak, "bound")) > 0.0);
    json_t *ou = json_object_get(json_object_get(sde, "moments"), "ou");
    ck_assert_str_eq(json_string_value(json_object_get(ou, "status")), "pass");
    ck_assert_int_eq(json_integer_value(json_object_get(ou, "paths")), 2000);
    ck_assert_str_eq(
        json_string_value(json_object_get(
            json_object_get(json_object_get(json_array_get(doc, 0), "checks"), "noise"), "status")),
        "pass");
    json_decref(doc);
}
END_TEST

/* The fixture with noise scaled by dt, when this build has it. */
START_TEST(test_cli_check_sde_noise_scaled_by_dt_fails_naming_the_strong_order)
{
    if (access(DQ_TEST_FIXTURE_DIR "/sde_dt_noise.so", R_OK) != 0)
        return;
    char row[256];
    ck_assert_int_eq(dqhost("check", DQ_TEST_FIXTURE_DIR "/sde_dt_noise.so"), 1);
    ck_assert_contains(check_row(res.out, "fixture_sde_dt_noise", row, sizeof row),
                       "FAIL (strong, moments)");
    ck_assert_contains(res.out, "\nFailures:\n  fixture_sde_dt_noise: strong: strong order ");
    ck_assert_contains(res.out, " measured, 0.5 declared: the paths approach the solution without "
                                "noise (order 0.");
    ck_assert_contains(res.out, "does the noise scale with sqrt(dt)?");
    ck_assert_contains(res.out, "  fixture_sde_dt_noise: moments: outside 4 standard errors of "
                                "2000 paths: gbm (dt = T/256): ");
    ck_assert_contains(res.out, "1 solver(s) checked, 0 passed, 1 failed.\n");
}
END_TEST

/* -- issue 10, loading: the scan, `check FILE.so` in a child, plugin directories --------- */

/* Bad plugins of every kind the scan and the ELF pre-check diagnose, and two good ones. */
static const char *const scan_bad[] = {
    "ctor_segv.so",       "ctor_exit.so",       "ctor_hang.so",
    "elf_truncated.so",   "elf_aarch64.so",     "undefined_function.so",
    "misaligned_info.so", "misaligned_desc.so", NULL};

/* How many lines of text contain needle. */
static int count_lines_with(const char *text, const char *needle)
{
    int n = 0;
    for (const char *line = text; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        const char *hit = strstr(line, needle);
        if (hit && hit < line + len)
            ++n;
        line = end ? end + 1 : NULL;
    }
    return n;
}

START_TEST(test_cli_list_scan_one_problem_line_per_bad_plugin)
{
    char dir[64];
    fixture_dir(dir, scan_bad);
    char from[512], to[512];
    snprintf(from, sizeof from, "%s/family.so", DQ_TEST_FIXTURE_DIR);
    snprintf(to, sizeof to, "%s/good_family.so", dir);
    ck_assert_int_eq(symlink(from, to), 0);
    snprintf(to, sizeof to, "%s/broken.so", dir);
    ck_assert_int_eq(symlink("nowhere", to), 0);
    snprintf(to, sizeof to, "%s/subdir.so", dir);
    ck_assert_int_eq(mkdir(to, 0700), 0);

    /* Exit status 0: rejected plugins are listed, not fatal (--strict makes them so). */
    ck_assert_int_eq(dqhost("--plugins", dir, "list"), 0);
    ck_assert_contains(res.out, "fixture_family_a");
    ck_assert_contains(res.out, "fixture_family_b");
    ck_assert_contains(res.out, "  euler ");
    ck_assert_contains(res.out, "  decay ");
    ck_assert_int_eq(count_lines_with(res.out, "  rejected "), 10);
    for (size_t i = 0; scan_bad[i]; ++i)
        ck_assert_msg(count_lines_with(res.out, scan_bad[i]) == 1, "%s:\n%s", scan_bad[i], res.out);
    ck_assert_contains(res.out, "exited with status 3 while loading\n");
    ck_assert_contains(res.out, "did not finish loading within 5 s (timed out)\n");
    ck_assert_contains(res.out, "undefined symbol: dq_fixture_missing_function\n");
    ck_assert_contains(res.out, "broken.so': a broken symbolic link (its target does not "
                                "exist)\n");
    ck_assert_contains(res.out, "subdir.so': is a directory\n");
    /* The verdicts are cached: the second listing does not wait for the hang again. */
    ck_assert_int_eq(dqhost("--strict", "--plugins", dir, "list"), 2);
    ck_assert_contains(res.err, "dqhost: error: 10 plugin(s) rejected (--strict)\n");
    ck_assert_int_eq(dqhost("--plugins", dir, "run", "--model", "decay", "--solver",
                            "fixture_family_a", "--dt", "0.05", "--t-end", "1"),
                     0);
    ck_assert_int_eq(count_lines_with(res.err, "dqhost: warning: skipped plugin '"), 10);
}
END_TEST

START_TEST(test_cli_scan_cache_is_read_and_bypassed_by_environment)
{
    char dir[64], cache[128], file[512];
    fixture_dir(dir, (const char *const[]){"ctor_exit.so", NULL});
    snprintf(cache, sizeof cache, "%s/cache", dir);
    ck_assert_int_eq(setenv("XDG_CACHE_HOME", cache, 1), 0);
    ck_assert_int_eq(dqhost("--plugins", dir, "list"), 0);
    ck_assert_contains(res.out, "exited with status 3 while loading\n");
    snprintf(file, sizeof file, "%s/dqhost", cache);
    DIR *d = opendir(file);
    ck_assert_ptr_nonnull(d);
    struct dirent *ent;
    while ((ent = readdir(d)) && strncmp(ent->d_name, "scan-", 5) != 0)
        ;
    ck_assert_ptr_nonnull(ent);
    snprintf(file, sizeof file, "%s/dqhost/%s", cache, ent->d_name);
    closedir(d);
    /* A doctored verdict shows the cache was read... */
    FILE *f = fopen(file, "r+");
    ck_assert_ptr_nonnull(f);
    char text[8192];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    char *hit = strstr(text, "status 3");
    ck_assert_ptr_nonnull(hit);
    hit[7] = '9';
    rewind(f);
    fwrite(text, 1, n, f);
    fclose(f);
    ck_assert_int_eq(dqhost("--plugins", dir, "list"), 0);
    ck_assert_contains(res.out, "exited with status 9 while loading\n");
    /* ...and DQHOST_NO_SCAN_CACHE=1 scans again. */
    ck_assert_int_eq(dqhost_env("DQHOST_NO_SCAN_CACHE=1", "--plugins", dir, "list", NULL), 0);
    ck_assert_contains(res.out, "exited with status 3 while loading\n");
    /* So does --no-scan-cache (the cache still says 9: a fresh scan neither reads nor
     * writes it). */
    ck_assert_int_eq(dqhost("--plugins", dir, "list"), 0);
    ck_assert_contains(res.out, "exited with status 9 while loading\n");
    ck_assert_int_eq(dqhost("--no-scan-cache", "--plugins", dir, "list"), 0);
    ck_assert_contains(res.out, "exited with status 3 while loading\n");
}
END_TEST

START_TEST(test_cli_check_file_loads_in_a_child_under_the_timeout)
{
    ck_assert_int_eq(
        dqhost("check", "--timeout", "1", DQ_TEST_FIXTURE_DIR "/ctor_hang.so", "--json"), 1);
    json_t *doc = json_loads(res.out, 0, NULL);
    ck_assert_uint_eq(json_array_size(doc), 1);
    json_t *run = json_object_get(json_object_get(json_array_get(doc, 0), "checks"), "run");
    ck_assert_str_eq(json_string_value(json_object_get(run, "status")), "fail");
    ck_assert_contains(json_string_value(json_object_get(run, "detail")),
                       "ctor_hang.so' did not finish loading within 1 s (timed out)");
    json_decref(doc);
    ck_assert_int_eq(dqhost("check", DQ_TEST_FIXTURE_DIR "/ctor_exit.so"), 1);
    ck_assert_contains(res.out, "ctor_exit.so' exited with status 3 while loading\n");
    /* Killed by SIGSEGV, or (under a sanitizer) exited after reporting it. */
    ck_assert_int_eq(dqhost("check", DQ_TEST_FIXTURE_DIR "/ctor_segv.so"), 1);
    ck_assert_msg(strstr(res.out, "ctor_segv.so' crashed while loading: Segmentation fault\n") ||
                      strstr(res.out, "ctor_segv.so' exited with status "),
                  "%s", res.out);
    ck_assert_int_eq(dqhost("check", DQ_TEST_FIXTURE_DIR "/undefined_function.so"), 1);
    ck_assert_contains(res.out, "undefined symbol: dq_fixture_missing_function\n");
}
END_TEST

START_TEST(test_cli_plugin_dir_named_twice_is_searched_and_listed_once)
{
    /* The build tree's plugins/ is the default; naming it again (another spelling too)
     * adds nothing. */
    ck_assert_int_eq(dqhost("--plugins", DQ_TEST_PLUGIN_DIR, "--plugins", DQ_TEST_PLUGIN_DIR "/",
                            "list", "--json"),
                     0);
    json_t *doc = json_loads(res.out, 0, NULL);
    ck_assert_ptr_nonnull(doc);
    ck_assert_uint_eq(json_array_size(json_object_get(doc, "plugin_dirs")), 1);
    json_decref(doc);
    ck_assert_str_eq(res.err, "");
}
END_TEST

START_TEST(test_cli_too_many_plugin_dirs_is_an_error_not_a_silent_drop)
{
    static char env[32 + 300 * 24];
    int len = snprintf(env, sizeof env, "DQHOST_PLUGIN_PATH=%s", DQ_TEST_PLUGIN_DIR);
    for (int i = 0; i < 300; ++i)
        len += snprintf(env + len, sizeof env - (size_t)len, ":/nonexistent/dir%d", i);
    /* dqhost_run unsets DQHOST_PLUGIN_PATH, then puts this one. */
    ck_assert_int_eq(dqhost_env(env, "list", NULL), 2);
    ck_assert_str_eq(res.err, "dqhost: error: too many plugin directories (at most 256 from the "
                              "default, DQHOST_PLUGIN_PATH and --plugins together)\n");
    ck_assert_str_eq(res.out, "");
}
END_TEST

/* Issue #10's strings, alignment and JSON tests (defined at the end of the file). */
static void cli_strings_tcase(Suite *s);
static void cli_adaptive_tcase(Suite *s);

Suite *cli_suite(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("cli");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_cli_run_decay_with_euler_prints_seed_value);
    tcase_add_test(tc, test_cli_run_with_alias_explicit_gives_same_result);
    tcase_add_test(tc, test_cli_run_json_prints_round_trip_doubles);
    tcase_add_test(tc, test_cli_run_population_parameter);
    tcase_add_test(tc, test_cli_run_refuses_t_end_not_whole_number_of_steps);
    tcase_add_test(tc, test_cli_run_refuses_bad_dt);
    tcase_add_test(tc, test_cli_run_unknown_solver_suggests_and_exits_2);
    tcase_add_test(tc, test_cli_run_unknown_model_and_parameter_exit_2);
    tcase_add_test(tc, test_cli_run_missing_option_is_usage_error);
    tcase_add_test(tc, test_cli_list_shows_integrators_models_and_sources);
    tcase_add_test(tc, test_cli_list_json_has_entries_and_load_records);
    tcase_add_test(tc, test_cli_info_by_name_and_alias);
    tcase_add_test(tc, test_cli_list_and_info_show_sde_orders_and_calculus);
    tcase_add_test(tc, test_cli_info_unknown_name_says_did_you_mean_and_exits_2);
    tcase_add_test(tc, test_cli_help_and_version);
    tcase_add_test(tc, test_cli_missing_plugin_dir_warns_and_continues);
    tcase_add_test(tc, test_cli_plugin_path_environment_is_searched);
    tcase_add_test(tc, test_cli_no_readable_plugin_dir_is_an_error);
    tcase_add_test(tc, test_cli_override_plugin_replaces_builtin_with_warning);
    tcase_add_test(tc, test_cli_duplicate_without_override_names_both_files);
    tcase_add_test(tc, test_cli_bad_plugin_is_skipped_and_strict_fails);
    tcase_add_test(tc, test_cli_solver_options_are_listed_set_and_checked);
    tcase_add_test(tc, test_cli_newton_failure_names_solver_state_unit_and_time);
    tcase_add_test(tc, test_cli_list_shows_every_builtin_solver);
    tcase_add_test(tc, test_cli_check_passes_every_builtin_solver);
    tcase_add_test(tc, test_cli_check_json_has_every_check_and_order);
    tcase_add_test(tc, test_cli_check_by_alias_and_name);
    tcase_add_test(tc, test_cli_check_crash_is_a_verdict);
    tcase_add_test(tc, test_cli_check_hang_times_out);
    tcase_add_test(tc, test_cli_check_fake_order_is_a_mismatch);
    tcase_add_test(tc, test_cli_check_cable_solver_of_a_wrong_declared_order_fails);
    tcase_add_test(tc, test_cli_check_missing_post_integral_is_a_lifecycle_failure);
    tcase_add_test(tc, test_cli_check_write_outside_block_is_a_memory_failure);
    tcase_add_test(tc, test_cli_check_file_that_does_not_load_fails);
    tcase_add_test(tc, test_cli_check_model_by_name);
    tcase_add_test(tc, test_cli_check_wrong_model_jacobian_names_the_state);
    tcase_add_test(tc, test_cli_check_usage_errors_exit_2);
    /* issue 11, check on SDE solvers */
    tcase_add_test(tc, test_cli_check_json_has_sde_checks_skipped_for_deterministic_solvers);
    tcase_add_test(tc, test_cli_check_sde_solvers_show_calculus_orders_paths_and_ladder);
    tcase_add_test(tc, test_cli_check_sde_noise_scaled_by_dt_fails_naming_the_strong_order);
    /* issue 10, loading */
    tcase_add_test(tc, test_cli_list_scan_one_problem_line_per_bad_plugin);
    tcase_add_test(tc, test_cli_scan_cache_is_read_and_bypassed_by_environment);
    tcase_add_test(tc, test_cli_check_file_loads_in_a_child_under_the_timeout);
    tcase_add_test(tc, test_cli_plugin_dir_named_twice_is_searched_and_listed_once);
    tcase_add_test(tc, test_cli_too_many_plugin_dirs_is_an_error_not_a_silent_drop);
    suite_add_tcase(s, tc);
    cli_strings_tcase(s);
    cli_adaptive_tcase(s);
    return s;
}

/* ---- issue #10: plugin strings, descriptor pointers, JSON that never drops an entry ---- */

#define FIX DQ_TEST_FIXTURE_DIR "/"

/* Every fixture the validator refuses, with its `list` line (after "  rejected "). */
static const char *const strings_refused[][2] = {
    {"model_params_null.so",
     FIX "model_params_null.so (stopped at stage 'entry'): Model 'fixture_params_null' in '" FIX
         "model_params_null.so' declares 3 parameters but its parameter table is NULL.\n"},
    {"model_states_null.so",
     FIX "model_states_null.so (stopped at stage 'entry'): Model 'fixture_states_null' in '" FIX
         "model_states_null.so': module 'gates' declares 5 states but its state table is NULL.\n"},
    {"model_modules_null.so",
     FIX "model_modules_null.so (stopped at stage 'entry'): Model 'fixture_modules_null' in '" FIX
         "model_modules_null.so' has no module list (NULL).\n"},
    {"str_desc_utf8.so",
     FIX "str_desc_utf8.so (stopped at stage 'entry'): Integrator 'fixture_str_desc_utf8' in '" FIX
         "str_desc_utf8.so': description is not valid UTF-8 (byte 0xe9 at offset 3).\n"},
    {"str_desc_escape.so",
     FIX "str_desc_escape.so (stopped at stage 'entry'): Integrator 'fixture_str_desc_escape' "
         "in '" FIX "str_desc_escape.so': description contains control character U+001B at "
         "offset 0.\n"},
    {"str_name_long.so", FIX "str_name_long.so (stopped at stage 'entry'): Integrator descriptor "
                             "in '" FIX "str_name_long.so': name is longer than the 64 bytes "
                             "allowed.\n"},
    {"str_desc_long.so",
     FIX "str_desc_long.so (stopped at stage 'entry'): Integrator 'fixture_str_desc_long' in '" FIX
         "str_desc_long.so': description is longer than the 512 bytes allowed.\n"},
    {"str_entry_misaligned.so",
     FIX "str_entry_misaligned.so (stopped at stage 'entry'): '" FIX
         "str_entry_misaligned.so': plugin info block is at a misaligned address (needs 8-byte "
         "alignment)\n"},
    {"str_list_misaligned.so",
     FIX "str_list_misaligned.so (stopped at stage 'entry'): '" FIX
         "str_list_misaligned.so': plugin info block: 'integrators' list is at a misaligned "
         "address (needs 8-byte alignment)\n"},
    {"str_desc_misaligned.so",
     FIX "str_desc_misaligned.so (stopped at stage 'entry'): '" FIX
         "str_desc_misaligned.so': integrator descriptor is at a misaligned address (needs "
         "8-byte alignment)\n"},
};
#define N_STRINGS_REFUSED (sizeof strings_refused / sizeof strings_refused[0])

/* A directory with every refused fixture and two good ones (a model, the longest
 * description allowed). */
static void strings_dir(char *dir)
{
    const char *names[N_STRINGS_REFUSED + 3];
    for (size_t i = 0; i < N_STRINGS_REFUSED; ++i)
        names[i] = strings_refused[i][0];
    names[N_STRINGS_REFUSED] = "model_good.so";
    names[N_STRINGS_REFUSED + 1] = "str_desc_max.so";
    names[N_STRINGS_REFUSED + 2] = NULL;
    fixture_dir(dir, names);
}

START_TEST(test_cli_strings_each_bad_plugin_is_one_line_and_the_rest_list)
{
    char dir[64];
    strings_dir(dir);
    ck_assert_int_eq(dqhost("--plugins", dir, "list"), 0);
    for (size_t i = 0; i < N_STRINGS_REFUSED; ++i) {
        char line[2048];
        snprintf(line, sizeof line, "\n  rejected %s", strings_refused[i][1]);
        ck_assert_contains(res.out, line);
    }
    ck_assert_contains(res.out, "\n  euler ");
    ck_assert_contains(res.out, "\n  fixture_str_desc_max ");
    ck_assert_contains(res.out, "\n  fixture_model_good ");
    ck_assert_contains(res.out, "\n  decay ");
    /* Nothing a plugin wrote reaches the terminal as a control sequence. */
    ck_assert_ptr_null(strchr(res.out, '\x1b'));
    ck_assert_int_eq(dqhost("--plugins", dir, "--strict", "list"), 2);
    ck_assert_contains(res.err, "dqhost: error: 10 plugin(s) rejected (--strict)\n");
}
END_TEST

START_TEST(test_cli_strings_models_and_json_with_bad_plugins_keep_every_entry)
{
    char dir[64];
    strings_dir(dir);
    ck_assert_int_eq(dqhost("--plugins", dir, "models"), 0);
    ck_assert_contains(res.out, "fixture_model_good - ");
    ck_assert_contains(res.out, "decay - ");
    ck_assert_contains(res.err, "dqhost: warning: skipped plugin '" FIX "model_params_null.so': ");
    ck_assert_int_eq(dqhost("--plugins", dir, "models", "--json"), 0);
    json_error_t jerr;
    json_t *doc = json_loads(res.out, 0, &jerr);
    ck_assert_msg(doc != NULL, "invalid JSON: %s", jerr.text);
    json_decref(doc);

    ck_assert_int_eq(dqhost("--plugins", dir, "list", "--json"), 0);
    doc = json_loads(res.out, 0, &jerr);
    ck_assert_msg(doc != NULL, "invalid JSON: %s", jerr.text);
    json_t *plugins = json_object_get(doc, "plugins");
    size_t refused = 0, max_desc = 0;
    for (size_t i = 0; i < json_array_size(plugins); ++i) {
        json_t *r = json_array_get(plugins, i);
        const char *path = json_string_value(json_object_get(r, "path"));
        for (size_t k = 0; k < N_STRINGS_REFUSED; ++k) {
            char want[2048];
            snprintf(want, sizeof want, "%s%s", FIX, strings_refused[k][0]);
            if (strcmp(path, want) != 0)
                continue;
            ++refused;
            ck_assert_str_eq(json_string_value(json_object_get(r, "status")), "EDESC");
            /* The message is the list line's, after "path (stopped at stage 'entry'): ". */
            const char *msg = strstr(strings_refused[k][1], "'entry'): ") + 10;
            ck_assert_int_eq(
                strncmp(json_string_value(json_object_get(r, "message")), msg, strlen(msg) - 1), 0);
        }
    }
    ck_assert_uint_eq(refused, N_STRINGS_REFUSED);
    json_t *ints = json_object_get(doc, "integrators");
    for (size_t i = 0; i < json_array_size(ints); ++i) {
        json_t *e = json_array_get(ints, i);
        if (strcmp(json_string_value(json_object_get(e, "name")), "fixture_str_desc_max") == 0)
            max_desc = strlen(json_string_value(json_object_get(e, "description")));
    }
    ck_assert_uint_eq(max_desc, 512);
    json_decref(doc);
}
END_TEST

/* The line of `out` that starts with `start`, in buf. */
static const char *strings_line(const char *out, const char *start, char *buf, size_t len)
{
    const char *p = strstr(out, start);
    ck_assert_ptr_nonnull(p);
    size_t n = strcspn(p, "\n");
    snprintf(buf, len, "%.*s", (int)(n < len ? n : len - 1), p);
    return buf;
}

START_TEST(test_cli_strings_list_caps_columns_instead_of_padding_to_the_longest)
{
    char dir[64], row[4096], header[4096], cut[256] = "";
    fixture_dir(dir, (const char *const[]){"str_desc_max.so", NULL});
    ck_assert_int_eq(dqhost("--plugins", dir, "list"), 0);
    /* A 512-byte description shows as its first 129 columns and "...", and widens the
     * column to 132 columns, not 512. */
    for (int i = 0; i < 8; ++i)
        strcat(cut, "sixteen bytes.. ");
    strcat(cut, "s...  " FIX "str_desc_max.so\n");
    ck_assert_contains(res.out, cut);
    strings_line(res.out, "  NAME ", header, sizeof header);
    const char *d = strstr(header, "DESCRIPTION");
    ck_assert_ptr_nonnull(d);
    ck_assert_uint_eq(strstr(d, "SOURCE") - d, 134);
    strings_line(res.out, "  euler ", row, sizeof row);
    ck_assert_uint_lt(strlen(row), 400);
}
END_TEST

/* Copies fixture `name` into dir as `as` (a file, not a link: its own path is what loads). */
static void strings_copy(const char *name, const char *dir, const char *as)
{
    char from[512], to[512], buf[1 << 16];
    snprintf(from, sizeof from, "%s%s", FIX, name);
    snprintf(to, sizeof to, "%s/%s", dir, as);
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    ck_assert_ptr_nonnull(in);
    ck_assert_ptr_nonnull(out);
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        ck_assert_uint_eq(fwrite(buf, 1, n, out), n);
    fclose(in);
    ck_assert_int_eq(fclose(out), 0);
}

START_TEST(test_cli_strings_file_name_that_is_not_utf8_stays_in_valid_json)
{
    char dir[] = "/tmp/dqhost-utf8-XXXXXX", file[128], shown[128], replaced[128];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    strings_copy("model_good.so", dir, "good_\xff\xfe.so");
    snprintf(file, sizeof file, "%s/good_\xff\xfe.so", dir);
    snprintf(shown, sizeof shown, "%s/good_\\xff\\xfe.so", dir);
    snprintf(replaced, sizeof replaced, "%s/good_\xef\xbf\xbd\xef\xbf\xbd.so", dir);

    ck_assert_int_eq(dqhost("--plugins", dir, "list", "--json"), 0);
    json_error_t jerr;
    json_t *doc = json_loads(res.out, 0, &jerr);
    ck_assert_msg(doc != NULL, "invalid JSON: %s", jerr.text);
    json_t *plugins = json_object_get(doc, "plugins"), *models = json_object_get(doc, "models");
    int found_record = 0, found_model = 0;
    for (size_t i = 0; i < json_array_size(plugins); ++i)
        found_record |=
            strcmp(json_string_value(json_object_get(json_array_get(plugins, i), "path")),
                   replaced) == 0;
    for (size_t i = 0; i < json_array_size(models); ++i) {
        json_t *m = json_array_get(models, i);
        if (strcmp(json_string_value(json_object_get(m, "name")), "fixture_model_good") == 0)
            found_model = strcmp(json_string_value(json_object_get(m, "origin")), replaced) == 0;
    }
    ck_assert(found_record);
    ck_assert(found_model);
    json_decref(doc);

    ck_assert_int_eq(dqhost("--plugins", dir, "models", "--json"), 0);
    ck_assert_msg((doc = json_loads(res.out, 0, &jerr)) != NULL, "invalid JSON: %s", jerr.text);
    ck_assert_contains(res.out, "fixture_model_good");
    json_decref(doc);
    ck_assert_int_eq(dqhost("--plugins", dir, "info", "fixture_model_good", "--json"), 0);
    ck_assert_msg((doc = json_loads(res.out, 0, &jerr)) != NULL, "invalid JSON: %s", jerr.text);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(doc, "model"), "origin")),
                     replaced);
    json_decref(doc);
    ck_assert_int_eq(dqhost("check", "--json", file), 0);
    ck_assert_msg((doc = json_loads(res.out, 0, &jerr)) != NULL, "invalid JSON: %s", jerr.text);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(doc, 0), "origin")),
                     replaced);
    json_decref(doc);

    /* Text output shows the bytes escaped. */
    ck_assert_int_eq(dqhost("--plugins", dir, "list"), 0);
    ck_assert_contains(res.out, shown);
    ck_assert_int_eq(dqhost("--plugins", dir, "info", "fixture_model_good"), 0);
    char line[256];
    snprintf(line, sizeof line, "  source:       %s\n", shown);
    ck_assert_contains(res.out, line);
    unlink(file);
    rmdir(dir);
}
END_TEST

START_TEST(test_cli_strings_long_unknown_name_is_cut_and_quick)
{
    /* As long as one argument may be (the kernel's limit is 128 KiB). */
    static char name[100001];
    for (size_t i = 0; i < sizeof name - 1; ++i)
        name[i] = "decay"[i % 5];
    ck_assert_int_eq(dqhost("info", name), 2);
    ck_assert_contains(res.err, "dqhost: error: Unknown integrator 'decaydecay");
    ck_assert_contains(res.err, "...'. Available: backward_euler, bs3, ");
    ck_assert_uint_lt(strlen(res.err), 1024);
}
END_TEST

/* A rejected plugin whose file name carries a terminal escape: the warning on stderr and
 * `check`'s failure line show it escaped. */
START_TEST(test_cli_strings_rejected_file_name_is_escaped_in_warnings_and_check)
{
    char dir[] = "/tmp/dqhost-esc-XXXXXX", file[128];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    strings_copy("ctor_exit.so", dir, "bad\x1b[31m.so");
    snprintf(file, sizeof file, "%s/bad\x1b[31m.so", dir);
    ck_assert_int_eq(dqhost("--plugins", dir, "models"), 0);
    ck_assert_ptr_null(strchr(res.err, '\x1b'));
    ck_assert_contains(res.err, "/bad\\x1b[31m.so': ");
    ck_assert_int_eq(dqhost("check", file), 1);
    ck_assert_ptr_null(strchr(res.out, '\x1b'));
    ck_assert_contains(res.out, "/bad\\x1b[31m.so' exited with status 3 while loading");
    unlink(file);
    rmdir(dir);
}
END_TEST

static void cli_strings_tcase(Suite *s)
{
    TCase *tc = tcase_create("strings");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_cli_strings_each_bad_plugin_is_one_line_and_the_rest_list);
    tcase_add_test(tc, test_cli_strings_models_and_json_with_bad_plugins_keep_every_entry);
    tcase_add_test(tc, test_cli_strings_list_caps_columns_instead_of_padding_to_the_longest);
    tcase_add_test(tc, test_cli_strings_file_name_that_is_not_utf8_stays_in_valid_json);
    tcase_add_test(tc, test_cli_strings_long_unknown_name_is_cut_and_quick);
    tcase_add_test(tc, test_cli_strings_rejected_file_name_is_escaped_in_warnings_and_check);
    suite_add_tcase(s, tc);
}

/* ---- issue #12: step control, spike files and error-controlled solvers on the command line */

/* Whether the adaptive host and solvers are in this build (dopri5 registered and a lif run
 * with it controls its steps); the tests that need them say so and return otherwise. */
static int cli_have_adaptive(const char *test)
{
    if (dqhost("run", "--model", "lif", "--solver", "dopri5", "--dt", "1", "--t-end", "10",
               "--json") == 0 &&
        strstr(res.out, "\"adaptive\": true"))
        return 1;
    fprintf(stderr, "%s: skipped: no error-controlled host or dopri5 in this build\n", test);
    return 0;
}

START_TEST(test_cli_run_help_lists_step_control_and_spike_flags)
{
    ck_assert_int_eq(dqhost("run", "--help"), 0);
    const char *flags[] = {"  --rtol X ",        "  --atol X ",     "  --atol STATE=X ",
                           "  --h0 X ",          "  --hmin X ",     "  --hmax X ",
                           "  --max-rejects N ", "  --fixed-step ", "  --spikes FILE "};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; ++i)
        ck_assert_contains(res.out, flags[i]);
    ck_assert_contains(res.out, "DT is the sampling interval");
    ck_assert_str_eq(res.err, "");
}
END_TEST

START_TEST(test_cli_run_step_control_flag_errors_exit_2_with_the_flag)
{
    static const struct {
        const char *flag, *value, *message;
    } cases[] = {
        {"--rtol", "0", "run: --rtol must be a positive finite number, got '0'"},
        {"--rtol", "-1e-6", "run: --rtol must be a positive finite number, got '-1e-6'"},
        {"--rtol", "tight", "run: --rtol: expected a finite number, got 'tight'"},
        {"--atol", "0", "run: --atol must be a positive finite number, got '0'"},
        {"--atol", "y=", "run: --atol y: expected a finite number, got ''"},
        {"--atol", "y=-1", "run: --atol y must be a positive finite number, got '-1'"},
        {"--atol", "=1e-9", "run: --atol expects X or STATE=X, got '=1e-9'"},
        {"--h0", "-0.1", "run: --h0 must be a finite number >= 0, got '-0.1'"},
        {"--hmin", "inf", "run: --hmin: expected a finite number, got 'inf'"},
        {"--hmax", "1e999",
         "run: --hmax: 1e999 is too large (the largest double is "
         "1.7976931348623157e+308)"},
        {"--max-rejects", "0", "run: --max-rejects: expected a whole number >= 1, got '0'"},
        {"--max-rejects", "2.5", "run: --max-rejects: expected a whole number >= 1, got '2.5'"},
        {"--max-rejects", "5000000000",
         "run: --max-rejects must be at most 4294967295, got '5000000000'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        char want[256];
        snprintf(want, sizeof want, "dqhost: error: %s\n", cases[i].message);
        ck_assert_int_eq(dqhost("run", "--model", "decay", "--solver", "euler", "--dt", "0.1",
                                "--t-end", "1", cases[i].flag, cases[i].value),
                         2);
        ck_assert_msg(strcmp(res.err, want) == 0, "%s %s:\nexpected: %sgot:      %s", cases[i].flag,
                      cases[i].value, want, res.err);
    }
    /* A flag without its value, and limits that contradict each other. */
    ck_assert_int_eq(dqhost("run", "--model", "decay", "--rtol"), 2);
    ck_assert_str_eq(res.err, "dqhost: error: run: --rtol needs a value\n");
    ck_assert_int_eq(dqhost("run", "--model", "decay", "--solver", "euler", "--dt", "0.1",
                            "--t-end", "1", "--hmin", "0.5", "--hmax", "0.25"),
                     2);
    ck_assert_str_eq(res.err, "dqhost: error: run: --hmin: 0.5 is larger than --hmax 0.25\n");
    ck_assert_int_eq(dqhost("run", "--model", "decay", "--solver", "euler", "--dt", "0.1",
                            "--t-end", "1", "--h0=2", "--hmax=1"),
                     2);
    ck_assert_str_eq(res.err, "dqhost: error: run: --h0: 2 is larger than --hmax 1\n");
    /* hmax 0 is "no limit": nothing to contradict. */
    ck_assert_int_eq(dqhost("run", "--model", "decay", "--solver", "euler", "--dt", "0.1",
                            "--t-end", "1", "--hmin", "0.5", "--hmax", "0", "-q"),
                     0);
}
END_TEST

START_TEST(test_cli_run_atol_of_an_unknown_state_says_did_you_mean)
{
    ck_assert_int_eq(dqhost("run", "--model", "hh", "--solver", "rk4", "--dt", "0.01", "--t-end",
                            "1", "--atol", "V=1e-6", "--atol", "mm=1e-8"),
                     2);
    ck_assert_str_eq(res.err, "dqhost: error: --atol: model 'hh' has no integrated state 'mm'. "
                              "Did you mean 'm'? Integrated states: V, m, h, n.\n");
    ck_assert_str_eq(res.out, "");
}
END_TEST

START_TEST(test_cli_run_step_control_with_a_fixed_step_solver_warns_and_runs)
{
    ck_assert_int_eq(dqhost("run", "--model", "decay", "--solver", "euler", "--dt", "0.05",
                            "--t-end", "10", "--rtol", "1e-3", "--atol", "y=1e-9", "--atol", "1e-7",
                            "--hmax", "0.5", "--json"),
                     0);
    ck_assert_str_eq(res.err, "dqhost: warning: solver 'euler' does not control its steps: "
                              "--rtol, --atol, --hmax have no effect\n");
    json_t *doc = json_loads(res.out, 0, NULL);
    ck_assert_ptr_nonnull(doc);
    /* The same result as without the flags, and the new keys say no error control. */
    ck_assert_double_eq(
        json_real_value(json_array_get(json_object_get(json_object_get(doc, "final"), "y"), 0)),
        0.36695782172616737);
    ck_assert(json_is_false(json_object_get(doc, "adaptive")));
    ck_assert_ptr_null(json_object_get(doc, "tolerances"));
    ck_assert_ptr_null(json_object_get(doc, "steps_per_unit"));
    ck_assert_ptr_null(json_object_get(doc, "spike_file"));
    ck_assert_int_eq(json_object_size(json_object_get(doc, "spike_counts")), 0);
    ck_assert_int_eq(json_object_size(json_object_get(doc, "spike_rates_hz")), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(doc, "steps")), 200); /* unchanged */
    json_decref(doc);
    /* --fixed-step alone says nothing: it asks for what the solver does anyway. */
    ck_assert_int_eq(dqhost("run", "--model", "decay", "--solver", "euler", "--dt", "0.05",
                            "--t-end", "10", "--fixed-step"),
                     0);
    ck_assert_str_eq(res.err, "");
    ck_assert_contains(res.out, "y = 0.366958\n");
    ck_assert_ptr_null(strstr(res.out, "error control"));
    ck_assert_ptr_null(strstr(res.out, "steps per unit"));
}
END_TEST

START_TEST(test_cli_run_spikes_on_a_model_without_spike_events_is_a_usage_error)
{
    ck_assert_int_eq(dqhost("run", "--model", "decay", "--solver", "euler", "--dt", "0.1",
                            "--t-end", "1", "--spikes", "/dev/null"),
                     2);
    ck_assert_str_eq(res.err,
                     "dqhost: error: model 'decay' declares no spike events; --spikes needs one\n");
    ck_assert_str_eq(res.out, "");
    /* Standard output cannot take both the trajectory and the spikes. */
    ck_assert_int_eq(dqhost("run", "--model", "decay", "--solver", "euler", "--dt", "0.1",
                            "--t-end", "1", "--record", "y", "--spikes", "-"),
                     2);
    ck_assert_str_eq(res.err, "dqhost: error: run: --spikes -: standard output already takes the "
                              "trajectory; give one of them a file\n");
    ck_assert_int_eq(dqhost("run", "--model", "decay", "--solver", "euler", "--dt", "0.1",
                            "--t-end", "1", "-o", "/tmp", "--spikes", "/dev/null"),
                     2);
    ck_assert_str_eq(res.err, "dqhost: error: cannot write trajectory '/tmp': it is a directory\n");
    ck_assert_int_eq(dqhost("run", "--model", "decay", "--solver", "euler", "--dt", "0.1",
                            "--t-end", "1", "--spikes", "/tmp"),
                     2);
    ck_assert_str_eq(res.err, "dqhost: error: cannot write spike file '/tmp': it is a directory\n");
}
END_TEST

START_TEST(test_cli_info_and_list_of_a_fixed_step_solver_have_no_error_control)
{
    ck_assert_int_eq(dqhost("info", "rk4"), 0);
    ck_assert_ptr_null(strstr(res.out, "  steps:"));
    ck_assert_int_eq(dqhost("info", "rk4", "--json"), 0);
    json_t *doc = json_loads(res.out, 0, NULL), *e = json_object_get(doc, "integrator");
    ck_assert(json_is_null(json_object_get(e, "error_order")));
    ck_assert(json_is_null(json_object_get(e, "dense_order")));
    json_t *caps = json_object_get(e, "capabilities");
    for (size_t i = 0; i < json_array_size(caps); ++i)
        ck_assert_str_ne(json_string_value(json_array_get(caps, i)), "adaptive");
    json_decref(doc);
}
END_TEST

/* Needs the adaptive host and dopri5 (order 5, embedded order 4, dense output order 4). */
START_TEST(test_cli_info_and_list_show_error_controlled_solvers)
{
    if (!cli_have_adaptive(__func__))
        return;
    ck_assert_int_eq(dqhost("info", "dopri5"), 0);
    ck_assert_contains(res.out, "  order:        5\n");
    ck_assert_contains(
        res.out, "  steps:        error-controlled: embedded order 4, dense output order 4\n");
    ck_assert_contains(res.out, "adaptive");
    ck_assert_int_eq(dqhost("info", "dopri5", "--json"), 0);
    json_t *doc = json_loads(res.out, 0, NULL), *e = json_object_get(doc, "integrator");
    ck_assert_int_eq(json_integer_value(json_object_get(e, "error_order")), 4);
    ck_assert_int_eq(json_integer_value(json_object_get(e, "dense_order")), 4);
    json_t *caps = json_object_get(e, "capabilities");
    int adaptive = 0;
    for (size_t i = 0; i < json_array_size(caps); ++i)
        adaptive |= strcmp(json_string_value(json_array_get(caps, i)), "adaptive") == 0;
    ck_assert(adaptive);
    json_decref(doc);
    ck_assert_int_eq(dqhost("list"), 0);
    const char *row = strstr(res.out, "\n  dopri5 ");
    ck_assert_ptr_nonnull(row);
    ck_assert_ptr_nonnull(strstr(row, " 5(4) "));
}
END_TEST

/* Needs the adaptive host, dopri5 and lif's spike event. */
START_TEST(test_cli_run_adaptive_summary_has_steps_tolerances_and_spike_rates)
{
    if (!cli_have_adaptive(__func__))
        return;
    ck_assert_int_eq(dqhost("run", "--model", "lif", "--param", "n=4", "--solver", "dopri5", "--dt",
                            "0.5", "--t-end", "200", "--rtol", "1e-5", "--atol", "V=1e-7",
                            "--json"),
                     0);
    ck_assert_str_eq(res.err, "");
    json_t *doc = json_loads(res.out, 0, NULL);
    ck_assert_ptr_nonnull(doc);
    ck_assert(json_is_true(json_object_get(doc, "adaptive")));
    ck_assert_int_eq(json_integer_value(json_object_get(doc, "steps")), 400); /* samples */
    json_t *tol = json_object_get(doc, "tolerances");
    ck_assert_double_eq(json_real_value(json_object_get(tol, "rtol")), 1e-5);
    ck_assert_double_eq(json_real_value(json_object_get(tol, "atol")), 1e-8); /* the default */
    ck_assert_double_eq(json_real_value(json_object_get(json_object_get(tol, "state_atol"), "V")),
                        1e-7);
    ck_assert_int_eq(json_integer_value(json_object_get(tol, "max_rejects")), 50);
    json_t *st = json_object_get(doc, "steps_per_unit");
    const char *kinds[] = {"accepted", "rejected", "evaluations"};
    for (size_t k = 0; k < 3; ++k) {
        json_t *x = json_object_get(st, kinds[k]);
        double mean = json_real_value(json_object_get(x, "mean"));
        ck_assert_msg(json_real_value(json_object_get(x, "min")) <= mean &&
                          mean <= json_real_value(json_object_get(x, "max")),
                      "%s", kinds[k]);
    }
    ck_assert(json_real_value(json_object_get(json_object_get(st, "accepted"), "min")) > 0);
    /* Evaluations: at least 6 a step for dopri5 (FSAL). */
    ck_assert(json_real_value(json_object_get(json_object_get(st, "evaluations"), "mean")) >=
              6 * json_real_value(json_object_get(json_object_get(st, "accepted"), "mean")));
    json_t *rate = json_object_get(json_object_get(doc, "spike_rates_hz"), "spike");
    ck_assert_ptr_nonnull(rate);
    ck_assert(json_real_value(json_object_get(rate, "min")) <=
              json_real_value(json_object_get(rate, "mean")));
    ck_assert(json_integer_value(json_object_get(json_object_get(doc, "spike_counts"), "spike")) >=
              0);
    /* The keys every run has are still there. */
    const char *keys[] = {
        "model", "solver", "solver_requested", "dt",       "t_end",       "t",
        "units", "final",  "ensemble",         "rates_hz", "wall_time_s", "steps_per_s"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; ++k)
        ck_assert_msg(json_object_get(doc, keys[k]) != NULL, "no key %s", keys[k]);
    json_decref(doc);

    ck_assert_int_eq(dqhost("run", "--model", "lif", "--solver", "dopri5", "--dt", "0.5", "--t-end",
                            "200", "--rtol", "1e-5"),
                     0);
    ck_assert_contains(res.out, "error control: rtol 1e-05, atol 1e-08, h0 chosen per unit, at "
                                "most 50 rejections in a row; values at every dt\n");
    ck_assert_contains(res.out, "steps per unit: accepted mean ");
    ck_assert_contains(res.out, "; derivative evaluations mean ");
    ck_assert_contains(res.out, "model lif, solver dopri5, sampling dt 0.5 ms, 400 samples to "
                                "t = 200 ms (1 unit)\n");
    ck_assert_contains(res.out, " samples/s, ");
    ck_assert_contains(res.out, " accepted unit-steps/s\n");
    ck_assert_contains(res.out, "spike event spike: ");
    ck_assert_contains(res.out, " Hz (min ");

    /* --fixed-step: dopri5 at the fixed step dt, no error control, a warning for --rtol. */
    ck_assert_int_eq(dqhost("run", "--model", "lif", "--solver", "dopri5", "--dt", "0.05",
                            "--t-end", "20", "--fixed-step", "--rtol", "1e-5", "--json"),
                     0);
    ck_assert_str_eq(res.err, "dqhost: warning: the run takes fixed steps (--fixed-step): --rtol "
                              "has no effect\n");
    doc = json_loads(res.out, 0, NULL);
    ck_assert(json_is_false(json_object_get(doc, "adaptive")));
    ck_assert_ptr_null(json_object_get(doc, "steps_per_unit"));
    ck_assert_ptr_nonnull(json_object_get(json_object_get(doc, "spike_rates_hz"), "spike"));
    json_decref(doc);
}
END_TEST

static void cli_adaptive_tcase(Suite *s)
{
    TCase *tc = tcase_create("adaptive");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_cli_run_help_lists_step_control_and_spike_flags);
    tcase_add_test(tc, test_cli_run_step_control_flag_errors_exit_2_with_the_flag);
    tcase_add_test(tc, test_cli_run_atol_of_an_unknown_state_says_did_you_mean);
    tcase_add_test(tc, test_cli_run_step_control_with_a_fixed_step_solver_warns_and_runs);
    tcase_add_test(tc, test_cli_run_spikes_on_a_model_without_spike_events_is_a_usage_error);
    tcase_add_test(tc, test_cli_info_and_list_of_a_fixed_step_solver_have_no_error_control);
    tcase_add_test(tc, test_cli_info_and_list_show_error_controlled_solvers);
    tcase_add_test(tc, test_cli_run_adaptive_summary_has_steps_tolerances_and_spike_rates);
    suite_add_tcase(s, tc);
}
