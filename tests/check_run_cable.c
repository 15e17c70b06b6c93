/* SPDX-License-Identifier: MIT */
/* check_run_cable.c -- `dqhost run` with cable models: the flags' errors (exit 2, the exact
 * message, no file), the trajectory's column names for V, V[c] and locations, locations
 * that name no section, the summary's cable against `dqhost morph`, and --replay of a cable
 * run. */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>

#include "test_proc.h"

#define BALL DQ_TEST_EXAMPLES_DIR "/ball_and_stick.morph.json"

static char tmp[64];

static void tmp_setup(void)
{
    ck_assert_int_eq(test_tmp_make(tmp, sizeof tmp, "runcable"), 0);
}

static void tmp_teardown(void)
{
    test_tmp_remove(tmp);
}

/* The first line of a CSV body, without its newline. */
static void csv_header(const char *csv, char *out, size_t cap)
{
    const char *b = test_csv_body(csv);
    snprintf(out, cap, "%.*s", (int)strcspn(b, "\n"), b);
}

START_TEST(test_run_cable_bad_flags_exit_2_with_their_message_and_no_file)
{
    static const struct {
        const char *flag, *value, *message;
    } cases[] = {
        {"--stim", "soma:1:2",
         "run: --stim expects AT:DELAY:DUR:AMP (e.g. soma(0.5):5:40:0.2), got 'soma:1:2'"},
        {"--stim", ":1:2:3",
         "run: --stim expects AT:DELAY:DUR:AMP (e.g. soma(0.5):5:40:0.2), got ':1:2:3'"},
        {"--stim", "soma(0.5):1:x:2", "run: --stim DUR: expected a finite number, got 'x'"},
        {"--stim", "soma(0.5):-1:1:2", "run: --stim DELAY must be >= 0, got '-1'"},
        {"--stim", "soma(0.5):1:-1:2", "run: --stim DUR must be >= 0, got '-1'"},
        {"--stim", "soma(0.5):1:1:", "run: --stim AMP: expected a finite number, got ''"},
        {"--discretisation", "nseg:0",
         "run: --discretisation nseg must be a whole number from 1 to 32767, got '0'"},
        {"--discretisation", "nseg:2.5",
         "run: --discretisation nseg must be a whole number from 1 to 32767, got '2.5'"},
        {"--discretisation", "length",
         "run: --discretisation expects d_lambda[:D], length:L or nseg:N, got 'length'"},
        {"--discretisation", "lambda:0.1",
         "run: --discretisation expects d_lambda[:D], length:L or nseg:N, got 'lambda:0.1'"},
        {"--discretisation", "d_lambda:0", "run: --discretisation d_lambda must be > 0, got '0'"},
        {"--discretisation", "length:-20", "run: --discretisation length must be > 0, got '-20'"},
        {"--cm", "0", "run: --cm must be > 0, got '0'"},
        {"--Ra", "-35.4", "run: --Ra must be > 0, got '-35.4'"},
        {"--v-init", "rest", "run: --v-init: expected a finite number, got 'rest'"},
        {"--morphology", "nope.swc",
         "cannot open morphology 'nope.swc': No such file or directory"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        int status =
            dqhost_in(tmp, "run", "--model", "cell", "--solver", "rk4", "--dt", "0.025", "--t-end",
                      "1", "--morphology", BALL, cases[i].flag, cases[i].value, "-o", "v.csv");
        char want[512];
        snprintf(want, sizeof want, "dqhost: error: %s\n", cases[i].message);
        ck_assert_msg(status == 2, "%s %s: status %d\n%s", cases[i].flag, cases[i].value, status,
                      res.err);
        ck_assert_str_eq(res.err, want);
        ck_assert_int_eq(test_dir_entries(tmp), 0);
    }
}
END_TEST

/* Cable settings name themselves when the model has no compartments; a cable model names
 * itself when the morphology is missing. */
START_TEST(test_run_cable_settings_and_models_that_do_not_fit_are_named)
{
    static const char *const flags[][2] = {{"--morphology", BALL},
                                           {"--stim", "soma(0.5):1:1:0.1"},
                                           {"--discretisation", "nseg:3"},
                                           {"--cm", "2"},
                                           {"--Ra", "100"},
                                           {"--v-init", "-70"}};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; ++i) {
        ck_assert_int_eq(dqhost_in(tmp, "run", "--model", "hh", "--solver", "rk4", "--dt", "0.025",
                                   "--t-end", "1", flags[i][0], flags[i][1]),
                         2);
        char want[512];
        snprintf(want, sizeof want,
                 "dqhost: error: run: %s: model 'hh' is not a cable model (morphology, "
                 "discretisation, cable and stimuli need a model with compartments, e.g. "
                 "'cell')\n",
                 flags[i][0]);
        ck_assert_str_eq(res.err, want);
    }
    ck_assert_int_eq(dqhost_in(tmp, "run", "--model", "cell", "--solver", "rk4", "--dt", "0.025",
                               "--t-end", "1"),
                     2);
    ck_assert_str_eq(res.err,
                     "dqhost: error: run: model 'cell' is a cable model: --morphology FILE is "
                     "required\n");
}
END_TEST

/* A fixed-step solver that takes a cable model as it is (junctions included). */
#define CABLE_SOLVER "rk4"
#define CABLE_DT "0.005"

/* The compartment of section `sec` at x, from `dqhost morph --json` with `rule` (a flag
 * and its value): what the run's names must agree with. -1 when there is none. */
static long morph_compartment(const char *rule_flag, const char *rule_value, long sec, double x,
                              json_int_t *count, json_int_t *junctions)
{
    ck_assert_int_eq(dqhost("morph", BALL, rule_flag, rule_value, "--json"), 0);
    json_t *doc = json_loads(res.out, 0, NULL);
    ck_assert_ptr_nonnull(doc);
    json_t *comps = json_object_get(doc, "compartments");
    long found = -1;
    *count = (json_int_t)json_array_size(comps);
    *junctions = 0;
    for (size_t i = 0; i < json_array_size(comps); ++i) {
        json_t *c = json_array_get(comps, i);
        *junctions += json_is_true(json_object_get(c, "junction"));
        if (json_integer_value(json_object_get(c, "section")) == sec &&
            fabs(json_number_value(json_object_get(c, "x")) - x) < 1e-12 &&
            !json_is_true(json_object_get(c, "junction")))
            found = (long)i;
    }
    json_decref(doc);
    return found;
}

START_TEST(test_run_cable_csv_columns_name_the_root_and_the_located_compartments)
{
    json_int_t n, junctions;
    long soma = morph_compartment("--d-lambda", "0.1", 0, 0.5, &n, &junctions);
    long mid = morph_compartment("--d-lambda", "0.1", 1, 0.5, &n, &junctions);
    ck_assert_int_ge(soma, 0);
    ck_assert_int_gt(mid, soma);
    /* The default recording: V of the root compartment, soma(0.5). */
    ck_assert_int_eq(dqhost_in(tmp, "run", "--model", "cell", "--morphology", BALL, "--solver",
                               CABLE_SOLVER, "--dt", CABLE_DT, "--t-end", "0.1", "-o", "v.csv",
                               "--every", "10", "-q"),
                     0);
    char path[160], header[512], want[512];
    snprintf(path, sizeof path, "%s/v.csv", tmp);
    char *csv = test_slurp(path);
    ck_assert_ptr_nonnull(csv);
    csv_header(csv, header, sizeof header);
    snprintf(want, sizeof want, "t,V[%ld][0]", soma);
    ck_assert_str_eq(header, want);
    /* At rest the cell starts at v_init: the first row is t = 0, -65 mV. */
    ck_assert(strstr(test_csv_body(csv), "\n0,-65\n") != NULL);
    free(csv);
    /* Names, numbers and locations, of unit 2 of three cells. */
    char v_last[32];
    snprintf(v_last, sizeof v_last, "V[%lld]", (long long)n - 1);
    ck_assert_int_eq(dqhost_in(tmp, "run", "--model", "cell", "--morphology", BALL, "--solver",
                               CABLE_SOLVER, "--dt", CABLE_DT, "--t-end", "0.1", "--param", "n=3",
                               "--units", "2", "--record",
                               "V,V@dend(0.5),m@soma(0.5),h@soma,V@dend(1)", "-o", "v.csv",
                               "--every", "10", "-q"),
                     0);
    csv = test_slurp(path);
    csv_header(csv, header, sizeof header);
    snprintf(want, sizeof want, "t,V[%ld][2],V[%ld][2],m[%ld][2],h[%ld][2],V[%lld][2]", soma, mid,
             soma, soma, (long long)n - 1);
    ck_assert_str_eq(header, want);
    free(csv);
}
END_TEST

START_TEST(test_run_cable_location_without_a_section_is_named_at_its_place)
{
    ck_assert_int_eq(dqhost_in(tmp, "run", "--model", "cell", "--morphology", BALL, "--solver",
                               CABLE_SOLVER, "--dt", CABLE_DT, "--t-end", "0.1", "--stim",
                               "dend[3](0.5):1:1:0.1", "-o", "v.csv"),
                     2);
    ck_assert_contains(res.err, "dqhost: error: --stim 'dend[3](0.5):1:1:0.1': location "
                                "'dend[3](0.5)': the morphology has no section 'dend[3]'. Did "
                                "you mean 'dend'?");
    ck_assert_int_eq(test_dir_entries(tmp), 0);
    ck_assert_int_eq(dqhost_in(tmp, "run", "--model", "cell", "--morphology", BALL, "--solver",
                               CABLE_SOLVER, "--dt", CABLE_DT, "--t-end", "0.1", "--stim",
                               "soma(1.5):1:1:0.1"),
                     2);
    ck_assert_str_eq(res.err, "dqhost: error: --stim 'soma(1.5):1:1:0.1': location 'soma(1.5)': "
                              "x must be in [0, 1], got 1.5\n");
    ck_assert_int_eq(dqhost_in(tmp, "run", "--model", "cell", "--morphology", BALL, "--solver",
                               CABLE_SOLVER, "--dt", CABLE_DT, "--t-end", "0.1", "--record",
                               "V,V@dnd(0.5)", "-o", "v.csv"),
                     2);
    ck_assert_contains(res.err, "dqhost: error: --record: location 'dnd(0.5)': the morphology has "
                                "no section 'dnd'. Did you mean 'dend'?");
    ck_assert_int_eq(test_dir_entries(tmp), 0);
    /* In a spec: the JSON path of the stimulus and of the recorded state. */
    char spec[160], text[1024];
    snprintf(spec, sizeof spec, "%s/s.json", tmp);
    snprintf(text, sizeof text,
             "{\"model\": \"cell\", \"morphology\": \"%s\", \"solver\": \"%s\", \"dt\": %s,"
             " \"t_end\": 0.1, \"stimuli\": [{\"at\": \"soma\", \"dur\": 1, \"amp\": 0.1},"
             " {\"at\": \"axon(0.5)\", \"dur\": 1, \"amp\": 0.1}]}",
             BALL, CABLE_SOLVER, CABLE_DT);
    ck_assert_int_eq(test_put(spec, text), 0);
    ck_assert_int_eq(dqhost_in(tmp, "run", spec), 2);
    char want[512];
    snprintf(want, sizeof want,
             "dqhost: error: %s: .stimuli[1].at: location 'axon(0.5)': the morphology has no "
             "section 'axon'.",
             spec);
    ck_assert_contains(res.err, want);
    snprintf(text, sizeof text,
             "{\"model\": \"cell\", \"morphology\": \"%s\", \"solver\": \"%s\", \"dt\": %s,"
             " \"t_end\": 0.1, \"record\": {\"states\": [\"V\", \"n@dendrite(1)\"]}}",
             BALL, CABLE_SOLVER, CABLE_DT);
    ck_assert_int_eq(test_put(spec, text), 0);
    ck_assert_int_eq(dqhost_in(tmp, "run", spec), 2);
    snprintf(want, sizeof want,
             "dqhost: error: %s: .record.states[1]: location 'dendrite(1)': the morphology has no "
             "section 'dendrite'. Did you mean 'dend'?",
             spec);
    ck_assert_contains(res.err, want);
}
END_TEST

/* The summary's cable agrees with `dqhost morph` on the same rule; the text shows the root
 * compartment's states only. */
START_TEST(test_run_cable_summary_reports_the_cable_as_dqhost_morph_counts_it)
{
    json_int_t n, junctions;
    long soma = morph_compartment("--seg-length", "200", 0, 0.5, &n, &junctions);
    ck_assert_int_eq(n, 7); /* 1 + 5 segments and the junction at soma(1) */
    ck_assert_int_eq(junctions, 1);
    ck_assert_int_eq(dqhost("run", "--model", "cell", "--morphology", BALL, "--solver",
                            CABLE_SOLVER, "--dt", CABLE_DT, "--t-end", "0.1", "--discretisation",
                            "length:200", "--cm", "2", "--json", "-q"),
                     0);
    json_t *doc = json_loads(res.out, 0, NULL);
    ck_assert_ptr_nonnull(doc);
    json_t *cable = json_object_get(doc, "cable");
    ck_assert_ptr_nonnull(cable);
    ck_assert_int_eq(json_integer_value(json_object_get(cable, "compartments")), n);
    ck_assert_int_eq(json_integer_value(json_object_get(cable, "junctions")), junctions);
    ck_assert_int_eq(json_integer_value(json_object_get(cable, "sections")), 2);
    ck_assert_str_eq(json_string_value(json_object_get(cable, "morphology")), BALL);
    json_t *d = json_object_get(cable, "discretisation");
    ck_assert_str_eq(json_string_value(json_object_get(d, "rule")), "length");
    ck_assert_double_eq(json_number_value(json_object_get(d, "max_length")), 200.0);
    ck_assert_double_eq(json_number_value(json_object_get(cable, "cm")), 2.0);
    ck_assert_double_eq(json_number_value(json_object_get(cable, "Ra")), 35.4); /* the model's */
    ck_assert_double_eq(json_number_value(json_object_get(cable, "v_init")), -65.0);
    char root[32];
    snprintf(root, sizeof root, "V[%ld]", soma);
    ck_assert_str_eq(json_string_value(json_object_get(cable, "root")), root);
    /* --json has every compartment's states: V, and m, h, n in the soma. */
    ck_assert_uint_eq(json_object_size(json_object_get(doc, "final")), (size_t)n + 3);
    json_decref(doc);

    ck_assert_int_eq(dqhost("run", "--model", "cell", "--morphology", BALL, "--solver",
                            CABLE_SOLVER, "--dt", CABLE_DT, "--t-end", "0.1", "--discretisation",
                            "length:200", "--stim", "soma:0:1:0.1"),
                     0);
    char want[512];
    snprintf(want, sizeof want,
             "cable: %s, 2 sections, 7 compartments (1 junction) a cell; segments of at most "
             "200 um; Ra 35.4 ohm cm, cm 1 uF/cm2, v_init -65 mV; 1 stimulus\n",
             BALL);
    ck_assert_contains(res.out, want);
    snprintf(want, sizeof want, "\nV[%ld] = ", soma);
    ck_assert_contains(res.out, want);
    snprintf(want, sizeof want, "\nm[%ld] = ", soma);
    ck_assert_contains(res.out, want);
    ck_assert_ptr_null(strstr(res.out, "\nV[6] = ")); /* a dendrite's: in --json only */
}
END_TEST

/* The provenance names the morphology by its absolute path and digest: a replay from
 * another directory reads the same file and makes the same trajectory, and says when the
 * file changed. */
START_TEST(test_run_cable_replay_finds_the_morphology_and_gives_the_same_trajectory)
{
    char cmd[4400], spec[160], text[1024];
    snprintf(cmd, sizeof cmd, "mkdir '%s/cells' && cp '%s' '%s/cells/ball.json'", tmp, BALL, tmp);
    ck_assert_int_eq(system(cmd), 0);
    snprintf(spec, sizeof spec, "%s/cells/run.json", tmp);
    snprintf(text, sizeof text,
             "{\"model\": \"cell\", \"morphology\": \"ball.json\", \"solver\": \"%s\","
             " \"dt\": %s, \"t_end\": 2, \"discretisation\": {\"rule\": \"length\","
             " \"max_length\": 100}, \"stimuli\": [{\"at\": \"soma(0.5)\", \"delay\": 0.5,"
             " \"dur\": 1, \"amp\": 0.5}], \"record\": {\"states\": [\"V\", \"V@dend(1)\"],"
             " \"every\": 20}, \"output\": {\"path\": \"a.csv\"}}",
             CABLE_SOLVER, CABLE_DT);
    ck_assert_int_eq(test_put(spec, text), 0);
    ck_assert_int_eq(dqhost_in(tmp, "run", "cells/run.json", "-q"), 0);
    char a[160], b[160], abs_morph[4096];
    snprintf(a, sizeof a, "%s/a.csv", tmp);
    snprintf(b, sizeof b, "%s/b.csv", tmp);
    snprintf(cmd, sizeof cmd, "%s/cells/ball.json", tmp);
    ck_assert_ptr_nonnull(realpath(cmd, abs_morph));
    char *first = test_slurp(a);
    ck_assert_ptr_nonnull(first);
    char want[4200];
    snprintf(want, sizeof want, "\"morphology\":\"%s\"", abs_morph);
    ck_assert_contains(first, want);
    snprintf(want, sizeof want, "# morphology %s sha256 ", abs_morph);
    ck_assert_contains(first, want);
    /* The resolved spec carries the stimuli as they were read. */
    ck_assert_contains(first, "\"stimuli\":[{\"at\":\"soma(0.5)\"");

    ck_assert_int_eq(dqhost_in("/", "run", "--replay", a, "-o", b, "-q"), 0);
    snprintf(want, sizeof want, "replay: morphology: %s: same file", abs_morph);
    ck_assert_contains(res.err, want);
    char *again = test_slurp(b);
    ck_assert_ptr_nonnull(again);
    ck_assert_str_eq(test_csv_body(first), test_csv_body(again));
    free(again);
    free(first);

    /* A thicker dendrite under the same name. */
    snprintf(cmd, sizeof cmd, "sed -i 's/\"diameter\": 2/\"diameter\": 3/' '%s'", abs_morph);
    ck_assert_int_eq(system(cmd), 0);
    ck_assert_int_eq(dqhost_in("/", "run", "--replay", a, "-o", b, "-q"), 0);
    snprintf(want, sizeof want, "replay: morphology: %s: changed: sha256 ", abs_morph);
    ck_assert_contains(res.err, want);
}
END_TEST

/* The example's three 1 nA, 1 ms pulses at soma(0.5) (5, 20, 35 ms) make three spikes at
 * the times NEURON 8.2 gives the same cell (hh soma, pas dendrite, d_lambda 0.1;
 * Crank-Nicolson at dt 0.5 us, spike times on its step grid): 5.958, 21.0925, 36.0945 ms. */
START_TEST(test_run_cable_example_spikes_where_neuron_does)
{
    ck_assert_int_eq(dqhost_in(tmp, "run", DQ_TEST_EXAMPLES_DIR "/ball_and_stick.json", "--solver",
                               "rk4", "--dt", "0.005", "--spikes", "s.csv", "-o", "v.csv", "-q"),
                     0);
    char path[160];
    snprintf(path, sizeof path, "%s/s.csv", tmp);
    char *csv = test_slurp(path);
    ck_assert_ptr_nonnull(csv);
    const double neuron[] = {5.958, 21.0925, 36.0945};
    const char *line = strchr(csv, '\n');
    int k = 0;
    for (; line && line[1]; line = strchr(line + 1, '\n'), ++k) {
        double t;
        unsigned unit;
        ck_assert_int_eq(sscanf(line + 1, "%u,%lf,spike", &unit, &t), 2);
        ck_assert_int_lt(k, 3);
        ck_assert_uint_eq(unit, 0);
        ck_assert_msg(fabs(t - neuron[k]) < 0.005, "spike %d at %.6f ms, NEURON %.4f", k, t,
                      neuron[k]);
    }
    ck_assert_int_eq(k, 3);
    free(csv);
}
END_TEST

Suite *run_cable_suite(void)
{
    Suite *s = suite_create("run_cable");
    TCase *tc = tcase_create("run_cable");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
    tcase_add_test(tc, test_run_cable_bad_flags_exit_2_with_their_message_and_no_file);
    tcase_add_test(tc, test_run_cable_settings_and_models_that_do_not_fit_are_named);
    tcase_add_test(tc, test_run_cable_csv_columns_name_the_root_and_the_located_compartments);
    tcase_add_test(tc, test_run_cable_location_without_a_section_is_named_at_its_place);
    tcase_add_test(tc, test_run_cable_summary_reports_the_cable_as_dqhost_morph_counts_it);
    tcase_add_test(tc, test_run_cable_replay_finds_the_morphology_and_gives_the_same_trajectory);
    tcase_add_test(tc, test_run_cable_example_spikes_where_neuron_does);
    suite_add_tcase(s, tc);
    return s;
}
