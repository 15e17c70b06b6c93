/* SPDX-License-Identifier: MIT */
/* check_sweep.c -- parameter sweeps: the values generators make (bit for bit against the
 * formulas of dq/host/spec.h and against mathematics), the row-major order of a sweep, a
 * share of the units filled alone, and `dqhost run` with generators: the same bits as the
 * values written out, --param K=linspace:A:B, the messages of the flags, and a provenance
 * that stays one short line for a large population. (The spec's messages are cases of
 * tests/specs/invalid/.) */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>

#include <dq/host/spec.h>

#include "test_proc.h"

static char tmp[64];

static void tmp_setup(void)
{
    ck_assert_int_eq(test_tmp_make(tmp, sizeof tmp, "sweep"), 0);
}

static void tmp_teardown(void)
{
    test_tmp_remove(tmp);
}

static dq_spec_t *parse(const char *text)
{
    dq_error_t err = {0};
    dq_spec_t *s = dq_spec_parse(text, "inline.json", &err);
    ck_assert_msg(s != NULL, "%s", err.message);
    return s;
}

static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

START_TEST(test_sweep_linspace_values_are_the_formula_bit_for_bit)
{
    dq_spec_t *s = parse("{\"params\": {\"I_ext\": {\"linspace\": [0.1, 0.7]}, \"n\": 4}}");
    const dq_spec_param_t *p = &s->params[0];
    ck_assert_int_eq(p->gen, DQ_SPEC_LINSPACE);
    ck_assert_int_eq(p->len, 0);
    ck_assert_ptr_null(p->v);
    const size_t counts[] = {1, 2, 3, 7, 999, 1000};
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; ++c) {
        size_t m = counts[c];
        double *v = malloc(m * sizeof *v);
        dq_spec_param_fill(p, m, 0, m, v);
        for (size_t k = 0; k < m; ++k) {
            /* first + ((last - first) * k) / (m - 1), the ends pinned */
            volatile double d = 0.7 - 0.1, t = d * (double)k;
            double want = m == 1 || k == 0 ? 0.1 : k == m - 1 ? 0.7 : 0.1 + t / (double)(m - 1);
            ck_assert_msg(same_bits(v[k], want), "m %zu k %zu: %.17g, want %.17g", m, k, v[k],
                          want);
            ck_assert(same_bits(dq_spec_param_value(p, m, k), want));
        }
        free(v);
    }
    dq_spec_free(s);
    /* Mathematics: 0 .. 20 in 5 points are 0, 5, 10, 15, 20 exactly. */
    s = parse("{\"params\": {\"I_ext\": {\"linspace\": [0, 20]}}}");
    double v[5];
    dq_spec_param_fill(&s->params[0], 5, 0, 5, v);
    for (int k = 0; k < 5; ++k)
        ck_assert_double_eq(v[k], 5.0 * k);
    dq_spec_free(s);
}
END_TEST

START_TEST(test_sweep_logspace_is_geometric)
{
    dq_spec_t *s = parse("{\"params\": {\"sigma\": {\"logspace\": [0.001, 1000]}}}");
    const dq_spec_param_t *p = &s->params[0];
    ck_assert_int_eq(p->gen, DQ_SPEC_LOGSPACE);
    double v[7];
    dq_spec_param_fill(p, 7, 0, 7, v);
    for (int k = 0; k < 7; ++k) {
        double want = k == 0 ? 0.001 : k == 6 ? 1000 : 0.001 * pow(1000 / 0.001, k / 6.0);
        ck_assert(same_bits(v[k], want));
        /* 10^(k - 3) to a few ulps */
        ck_assert_double_eq_tol(v[k], pow(10, k - 3), 1e-14 * pow(10, k - 3));
    }
    ck_assert(same_bits(dq_spec_param_value(p, 1, 0), 0.001));
    dq_spec_free(s);
}
END_TEST

START_TEST(test_sweep_product_is_row_major_first_axis_slowest)
{
    dq_spec_t *s = parse("{\"sweep\": [{\"parameter\": \"a\", \"values\": [1, 2]},"
                         " {\"parameter\": \"b\", \"linspace\": [10, 30], \"n\": 3},"
                         " {\"parameter\": \"c\", \"logspace\": [1, 100], \"n\": 3}]}");
    ck_assert_uint_eq(s->n_sweep, 3);
    ck_assert_uint_eq(s->sweep_units, 18);
    ck_assert_uint_eq(s->sweep[0].stride, 9);
    ck_assert_uint_eq(s->sweep[1].stride, 3);
    ck_assert_uint_eq(s->sweep[2].stride, 1);
    ck_assert_str_eq(s->sweep[1].where, ".sweep[1].parameter");
    /* numpy.meshgrid([1, 2], [10, 20, 30], [1, 10, 100], indexing="ij"), raveled */
    for (size_t u = 0; u < 18; ++u) {
        ck_assert_double_eq(dq_spec_param_value(&s->sweep[0], 18, u), 1 + (double)(u / 9));
        ck_assert_double_eq(dq_spec_param_value(&s->sweep[1], 18, u),
                            10 + 10 * (double)(u / 3 % 3));
        double c = dq_spec_param_value(&s->sweep[2], 18, u);
        ck_assert_double_eq(c, u % 3 == 0 ? 1 : u % 3 == 1 ? 10 : 100);
    }
    dq_spec_free(s);
}
END_TEST

START_TEST(test_sweep_a_share_of_the_units_is_the_same_as_the_whole)
{
    dq_spec_t *s = parse("{\"params\": {\"x\": {\"linspace\": [-3, 17.5]}},"
                         " \"sweep\": [{\"parameter\": \"a\", \"linspace\": [0, 1], \"n\": 7},"
                         " {\"parameter\": \"b\", \"values\": [5, 6, 7, 8, 9]}]}");
    const size_t units = 35;
    double whole[35], part[35];
    const dq_spec_param_t *ps[] = {&s->params[0], &s->sweep[0], &s->sweep[1]};
    for (size_t i = 0; i < 3; ++i) {
        dq_spec_param_fill(ps[i], units, 0, units, whole);
        /* three ranks' balanced shares: 12, 12, 11 */
        for (size_t first = 0; first < units; first += 12) {
            size_t count = units - first < 12 ? units - first : 12;
            dq_spec_param_fill(ps[i], units, first, count, part);
            for (size_t k = 0; k < count; ++k)
                ck_assert(same_bits(part[k], whole[first + k]));
        }
    }
    dq_spec_free(s);
}
END_TEST

static void write_file(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tmp, name);
    ck_assert_int_eq(test_put(path, text), 0);
}

static char *slurp(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tmp, name);
    char *text = test_slurp(path);
    ck_assert_msg(text != NULL, "no %s", path);
    return text;
}

/* The samples of a CSV trajectory (after the provenance's "# " lines). */
static const char *csv_body(const char *csv)
{
    while (strncmp(csv, "# ", 2) == 0)
        csv = strchr(csv, '\n') + 1;
    return csv;
}

static void assert_same_samples(const char *a, const char *b)
{
    char *x = slurp(a), *y = slurp(b);
    ck_assert_msg(strlen(csv_body(x)) > 100, "%s is short", a);
    ck_assert_msg(strcmp(csv_body(x), csv_body(y)) == 0, "%s and %s differ", a, b);
    free(x);
    free(y);
}

#define HH_AT "\"model\": \"hh\", \"dt\": 0.01, \"t_end\": 30, "
#define HH_RUN HH_AT "\"solver\": \"rk4\", "

START_TEST(test_sweep_run_with_linspace_is_the_run_with_the_values_written_out)
{
    enum { N = 40 };
    char spec[8192];
    int used = snprintf(spec, sizeof spec, "{" HH_RUN "\"params\": {\"n\": %d, \"I_ext\": [", N);
    for (int k = 0; k < N; ++k) /* %.17g reads back to the same double */
        used += snprintf(spec + used, sizeof spec - (size_t)used, "%s%.17g", k ? ", " : "",
                         k == N - 1 ? 20.0 : 0.0 + (20.0 * k) / (N - 1));
    snprintf(spec + used, sizeof spec - (size_t)used, "]}}");
    write_file("array.json", spec);
    write_file("linspace.json",
               "{" HH_RUN "\"params\": {\"n\": 40, \"I_ext\": {\"linspace\": [0, 20]}}}");
    write_file("plain.json", "{" HH_RUN "\"params\": {\"n\": 40}}");
    ck_assert_int_eq(dqhost_in(tmp, "run", "array.json", "-q", "-o", "a.csv", "--every", "100"), 0);
    ck_assert_int_eq(dqhost_in(tmp, "run", "linspace.json", "-q", "-o", "l.csv", "--every", "100"),
                     0);
    ck_assert_int_eq(dqhost_in(tmp, "run", "plain.json", "-q", "-o", "f.csv", "--every", "100",
                               "--param", "I_ext=linspace:0:20"),
                     0);
    assert_same_samples("a.csv", "l.csv");
    assert_same_samples("a.csv", "f.csv");
    /* A flag's generator replaces the spec's. */
    ck_assert_int_eq(dqhost_in(tmp, "run", "array.json", "-q", "-o", "g.csv", "--every", "100",
                               "--param", "I_ext=linspace:0:20"),
                     0);
    assert_same_samples("a.csv", "g.csv");
}
END_TEST

START_TEST(test_sweep_run_of_a_product_is_the_run_with_the_values_written_out)
{
    /* I_ext 0, 10, 20 (slowest) x sigma 0, 0.5: units (0,0) (0,0.5) (10,0) ... */
    write_file("sweep.json", "{" HH_AT "\"solver\": \"euler_maruyama\", \"seed\": 7,"
                             " \"sweep\": [{\"parameter\": \"I_ext\", \"linspace\": [0, 20],"
                             " \"n\": 3}, {\"parameter\": \"sigma\", \"values\": [0, 0.5]}]}");
    write_file("array.json", "{" HH_AT "\"solver\": \"euler_maruyama\", \"seed\": 7, \"params\":"
                             " {\"n\": 6, \"I_ext\": [0, 0, 10, 10, 20, 20],"
                             " \"sigma\": [0, 0.5, 0, 0.5, 0, 0.5]}}");
    write_file("sweep_n.json", "{" HH_AT "\"solver\": \"euler_maruyama\", \"seed\": 7,"
                               " \"params\": {\"n\": 6}, \"sweep\": [{\"parameter\": \"I_ext\","
                               " \"linspace\": [0, 20], \"n\": 3}, {\"parameter\": \"sigma\","
                               " \"values\": [0, 0.5]}]}");
    ck_assert_int_eq(dqhost_in(tmp, "run", "sweep.json", "-q", "-o", "s.csv", "--every", "100"), 0);
    ck_assert_int_eq(dqhost_in(tmp, "run", "array.json", "-q", "-o", "a.csv", "--every", "100"), 0);
    ck_assert_int_eq(dqhost_in(tmp, "run", "sweep_n.json", "-q", "-o", "n.csv", "--every", "100"),
                     0);
    assert_same_samples("a.csv", "s.csv");
    assert_same_samples("a.csv", "n.csv");
    /* --replay of the sweep: its provenance holds the sweep, and the same bits come out */
    ck_assert_int_eq(dqhost_in(tmp, "run", "--replay", "s.csv", "-q", "-o", "r.csv"), 0);
    assert_same_samples("a.csv", "r.csv");
}
END_TEST

START_TEST(test_sweep_flag_messages)
{
    write_file("s.json", "{" HH_RUN "\"sweep\": [{\"parameter\": \"I_ext\", \"linspace\": [0, 20],"
                         " \"n\": 3}, {\"parameter\": \"sigma\", \"values\": [0, 1]}]}");
    const struct {
        const char *flag, *message;
    } cases[] = {
        {"I_ext=linspace:0", "run: --param I_ext: linspace needs two numbers FIRST:LAST, got "
                             "'linspace:0'"},
        {"I_ext=linspace:0:1:2", "run: --param I_ext: linspace needs two numbers FIRST:LAST, got "
                                 "'linspace:0:1:2'"},
        {"I_ext=logspace:0:20", "run: --param I_ext: logspace needs two numbers > 0, got "
                                "'logspace:0:20'"},
        {"I_ext=linspace:a:2", "run: --param I_ext: expected a finite number, got 'a'"},
        {"n=7", "run: --param n: 7 units, but the sweep of s.json makes 6 (3 x 2)"},
        {"n=linspace:1:7", "run: --param n: the population parameter takes one number, not a "
                           "generator"},
        {"sigma=2", "run: --param sigma: 'sigma' is swept by s.json (.sweep[1].parameter); change "
                    "the sweep there"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        ck_assert_int_eq(dqhost_in(tmp, "run", "s.json", "-q", "--param", cases[i].flag), 2);
        char want[512];
        snprintf(want, sizeof want, "dqhost: error: %s\n", cases[i].message);
        ck_assert_str_eq(res.err, want);
    }
}
END_TEST

START_TEST(test_sweep_provenance_records_the_generator_not_the_values)
{
    write_file("big.json", "{\"model\": \"lif\", \"solver\": \"euler_maruyama\", \"dt\": 0.1,"
                           " \"t_end\": 0.1, \"params\": {\"n\": 100000, \"sigma\": {\"logspace\":"
                           " [0.5, 50]}}, \"sweep\": [{\"parameter\": \"I\", \"linspace\": "
                           "[1, 2], \"n\": 100000}], \"record\": {\"units\": [0, 99999]},"
                           " \"output\": {\"path\": \"big.csv\"}}");
    ck_assert_int_eq(dqhost_in(tmp, "run", "big.json", "-q", "--json"), 0);
    char *csv = slurp("big.csv");
    const char *spec = strstr(csv, "\n# spec ");
    ck_assert_ptr_nonnull(spec);
    size_t line = strcspn(spec + 1, "\n");
    ck_assert_msg(line < 1000, "the spec line has %zu characters", line);
    json_error_t jerr;
    json_t *doc = json_loadb(spec + 8, line - 7, 0, &jerr);
    ck_assert_msg(doc != NULL, "%s", jerr.text);
    json_t *want = json_loads("{\"logspace\": [0.5, 50.0]}", 0, NULL);
    ck_assert(json_equal(json_object_get(json_object_get(doc, "params"), "sigma"), want));
    ck_assert_ptr_null(json_object_get(json_object_get(doc, "params"), "I"));
    ck_assert_double_eq(json_real_value(json_object_get(json_object_get(doc, "params"), "n")),
                        100000);
    json_decref(want);
    want = json_loads("[{\"parameter\": \"I\", \"linspace\": [1.0, 2.0], \"n\": 100000}]", 0, NULL);
    ck_assert(json_equal(json_object_get(doc, "sweep"), want));
    json_decref(want);
    json_decref(doc);
    free(csv);
}
END_TEST

Suite *sweep_suite(void)
{
    Suite *s = suite_create("sweep");
    TCase *tc = tcase_create("sweep");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
    tcase_add_test(tc, test_sweep_linspace_values_are_the_formula_bit_for_bit);
    tcase_add_test(tc, test_sweep_logspace_is_geometric);
    tcase_add_test(tc, test_sweep_product_is_row_major_first_axis_slowest);
    tcase_add_test(tc, test_sweep_a_share_of_the_units_is_the_same_as_the_whole);
    tcase_add_test(tc, test_sweep_run_with_linspace_is_the_run_with_the_values_written_out);
    tcase_add_test(tc, test_sweep_run_of_a_product_is_the_run_with_the_values_written_out);
    tcase_add_test(tc, test_sweep_flag_messages);
    tcase_add_test(tc, test_sweep_provenance_records_the_generator_not_the_values);
    suite_add_tcase(s, tc);
    return s;
}
