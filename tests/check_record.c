/* SPDX-License-Identifier: MIT */
/* check_record.c -- trajectory recording: CSV and JSON text, state and unit choices, sampling
 * every k steps, non-finite values, exact round trips, and every error the recorder reports. */
#define _GNU_SOURCE
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>

#include <dq/dq.h>
#include <dq/host/loader.h>
#include <dq/host/record.h>
#include <dq/host/registry.h>
#include <dq/host/system.h>

/* ---- a counting allocator, to prove sampling allocates nothing ------------------------- */
/* As in check_system.c: ASan brings its own allocator, so the check runs in the plain build. */
#include "test_alloc.h"
#include "test_ulp.h"

/* ---- in-test models -------------------------------------------------------------------- */
/* probe: states y and z; unit u starts at y = 1 + u, z = -(1 + u), so every column differs.
 * With special = 1, y of units 1..4 starts at NaN, inf, -inf and -0 (record right after
 * prepare: a step would stop on the non-finite values). */
typedef struct probe {
    double n, special;
} probe_t;

static int probe_init(const dq_view_t *v)
{
    static const double special[] = {NAN, INFINITY, -INFINITY, -0.0};
    const int probe_special = ((const probe_t *)v->data)->special != 0;
    for (size_t i = 0; i < v->units; ++i) {
        size_t u = v->unit0 + i;
        v->value[0][i] = 1.0 + (double)u;
        v->value[1][i] = -(1.0 + (double)u);
        if (probe_special && u >= 1 && u <= 4)
            v->value[0][i] = special[u - 1];
    }
    return DQ_OK;
}

static int probe_deriv(const dq_view_t *v)
{
    for (size_t s = 0; s < 2; ++s)
        for (size_t i = 0; i < v->units; ++i)
            v->derivative[s][i] = -0.1 * v->value[s][i];
    return DQ_OK;
}

static const dq_state_desc_t probe_states[] = {{.name = "y", .doc = "first"},
                                               {.name = "z", .doc = "second"}};
DQ_MODULE(probe_root, .name = "root", .parent = -1, .states = probe_states, .n_states = 2,
          .init_state = probe_init, .compute_derivative = probe_deriv);
static const dq_param_desc_t probe_params[] = {
    {.name = "n",
     .def = 1,
     .doc = "units",
     .flags = DQ_PARAM_POPULATION,
     .offset = offsetof(probe_t, n)},
    {.name = "special",
     .def = 0,
     .doc = "1: non-finite and -0 initial values",
     .offset = offsetof(probe_t, special)},
};
DQ_MODEL(probe_model, .name = "probe", .description = "test model", .params = probe_params,
         .n_params = 2, .data_size = sizeof(probe_t),
         .modules = DQ_LIST(dq_module_desc_t, &probe_root));

/* clock: one state named "t", the JSON time key. */
static int clock_init(const dq_view_t *v)
{
    v->value[0][0] = 0.0;
    return DQ_OK;
}

static int clock_deriv(const dq_view_t *v)
{
    v->derivative[0][0] = 1.0;
    return DQ_OK;
}

static const dq_state_desc_t clock_states[] = {{.name = "t", .doc = "elapsed time"}};
DQ_MODULE(clock_root, .name = "root", .parent = -1, .states = clock_states, .n_states = 1,
          .init_state = clock_init, .compute_derivative = clock_deriv);
DQ_MODEL(clock_model, .name = "clock", .description = "test model",
         .modules = DQ_LIST(dq_module_desc_t, &clock_root));

/* ---- fixture and helpers --------------------------------------------------------------- */

static dq_registry_t *reg;
static dq_loader_t *loader;

static void setup_builtins(void)
{
    dq_error_t err = {0};
    reg = dq_registry_new();
    loader = dq_loader_new(reg, &err);
    ck_assert_ptr_nonnull(loader);
    ck_assert_int_eq(dq_loader_load_dir(loader, DQ_TEST_PLUGIN_DIR, &err), DQ_OK);
}

static void teardown_builtins(void)
{
    dq_registry_free(reg);
    dq_loader_free(loader);
}

/* A prepared system of `model` (a built-in name, or NULL with `desc`) with `solver`. */
static dq_system_t *make_system(const char *model, const dq_model_desc_t *desc,
                                const dq_param_arg_t *args, size_t n_args, const char *solver,
                                double dt)
{
    dq_error_t err = {0};
    if (model) {
        const dq_model_entry_t *m = dq_registry_lookup_model(reg, model, &err);
        ck_assert_msg(m != NULL, "%s", err.message);
        desc = m->desc;
    }
    dq_system_t *sys = dq_system_new(desc, args, n_args, &err);
    ck_assert_msg(sys != NULL, "%s", err.message);
    const dq_integrator_entry_t *sv = dq_registry_lookup(reg, solver, &err);
    ck_assert_msg(sv != NULL, "%s", err.message);
    ck_assert_int_eq(dq_system_set_solver(sys, sv, &err), DQ_OK);
    ck_assert_msg(dq_system_prepare(sys, 0.0, dt, &err) == DQ_OK, "%s", err.message);
    return sys;
}

/* Records right after prepare and after each of `steps` steps. */
static void run_recorded(dq_system_t *sys, dq_recorder_t *rec, int steps)
{
    dq_error_t err = {0};
    ck_assert_msg(dq_recorder_sample(rec, &err) == DQ_OK, "%s", err.message);
    for (int k = 0; k < steps; ++k) {
        ck_assert_msg(dq_system_step(sys, &err) == DQ_OK, "%s", err.message);
        ck_assert_msg(dq_recorder_sample(rec, &err) == DQ_OK, "%s", err.message);
    }
    ck_assert_msg(dq_recorder_finish(rec, &err) == DQ_OK, "%s", err.message);
}

/* A memory stream, so the text can be compared whole. */
typedef struct membuf {
    FILE *f;
    char *text;
    size_t len;
} membuf_t;

static void membuf_open(membuf_t *m)
{
    m->text = NULL;
    m->len = 0;
    m->f = open_memstream(&m->text, &m->len);
    ck_assert_ptr_nonnull(m->f);
}

static void membuf_close(membuf_t *m)
{
    fclose(m->f);
    free(m->text);
}

/* Appends printf text to buf (the expected output). */
static void cat(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void cat(char *buf, size_t cap, const char *fmt, ...)
{
    size_t used = strlen(buf);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, cap - used, fmt, ap);
    va_end(ap);
}

static json_t *parse(const membuf_t *m)
{
    json_error_t jerr;
    json_t *doc = json_loadb(m->text, m->len, JSON_REJECT_DUPLICATES, &jerr);
    ck_assert_msg(doc != NULL, "%s at line %d: %s", jerr.text, jerr.line, m->text);
    return doc;
}

/* The error dq_recorder_new reports for `opts` on `sys` (it must fail). */
static dq_error_t new_error(const dq_system_t *sys, const dq_record_opts_t *opts)
{
    dq_error_t err = {0};
    membuf_t m;
    membuf_open(&m);
    ck_assert_ptr_null(dq_recorder_new(sys, opts, m.f, &err));
    membuf_close(&m);
    return err;
}

/* ---- text ------------------------------------------------------------------------------ */

/* The recorder's number format: the shortest of %.15g/%.16g/%.17g that reads back. */
static const char *shortest(double v, char *buf, size_t len)
{
    for (int prec = 15; prec <= 17; ++prec) {
        snprintf(buf, len, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return buf;
}

START_TEST(test_record_csv_writes_every_state_and_unit_every_k_steps)
{
    double n = 2, y0 = 1, tau = 10;
    dq_param_arg_t args[] = {{.name = "n", .v = &n, .len = 1},
                             {.name = "y0", .v = &y0, .len = 1},
                             {.name = "tau", .v = &tau, .len = 1}};
    dq_system_t *sys = make_system("decay", NULL, args, 3, "euler", 0.5);
    membuf_t m;
    membuf_open(&m);
    dq_error_t err = {0};
    dq_record_opts_t opts = {.every = 2};
    dq_recorder_t *rec = dq_recorder_new(sys, &opts, m.f, &err);
    ck_assert_msg(rec != NULL, "%s", err.message);
    run_recorded(sys, rec, 4);
    ck_assert_uint_eq(dq_recorder_samples(rec), 3);
    /* The expected values with the solver's own arithmetic: y <- y + dt * (-y / tau). */
    char want[1024] = "t,y[0],y[1]\n", b1[32], b2[32];
    double y = 1;
    for (int k = 0; k <= 4; ++k) {
        if (k % 2 == 0)
            cat(want, sizeof want, "%d,%s,%s\n", k / 2, shortest(y, b1, sizeof b1),
                shortest(y, b2, sizeof b2));
        y = y + 0.5 * (-y / 10);
    }
    ck_assert_str_eq(m.text, want);
    ck_assert_str_eq(m.text, "t,y[0],y[1]\n0,1,1\n1,0.9025,0.9025\n2,0.81450625,0.81450625\n");
    dq_recorder_free(rec);
    membuf_close(&m);
    dq_system_free(sys);
}
END_TEST

START_TEST(test_record_csv_follows_the_chosen_states_and_units_in_their_order)
{
    double n = 4;
    dq_param_arg_t args[] = {{.name = "n", .v = &n, .len = 1}};
    dq_system_t *sys = make_system(NULL, &probe_model, args, 1, "euler", 0.5);
    membuf_t m;
    membuf_open(&m);
    dq_error_t err = {0};
    const char *states[] = {"z", "y"};
    const size_t units[] = {3, 0, 2};
    dq_record_opts_t opts = {
        .states = states, .n_states = 2, .units = units, .n_units = 3, .format = DQ_FORMAT_CSV};
    dq_recorder_t *rec = dq_recorder_new(sys, &opts, m.f, &err);
    ck_assert_msg(rec != NULL, "%s", err.message);
    run_recorded(sys, rec, 0);
    ck_assert_str_eq(m.text, "t,z[3],z[0],z[2],y[3],y[0],y[2]\n0,-4,-1,-3,4,1,3\n");
    dq_recorder_free(rec);
    membuf_close(&m);
    dq_system_free(sys);
}
END_TEST

START_TEST(test_record_state_subset_in_given_order_on_oscillator)
{
    double x0 = 0.25, v0 = -2;
    dq_param_arg_t args[] = {{.name = "x0", .v = &x0, .len = 1},
                             {.name = "v0", .v = &v0, .len = 1}};
    dq_system_t *sys = make_system("oscillator", NULL, args, 2, "rk4", 0.5);
    membuf_t m;
    membuf_open(&m);
    dq_error_t err = {0};
    const char *states[] = {"v", "x"};
    dq_record_opts_t opts = {.states = states, .n_states = 2};
    dq_recorder_t *rec = dq_recorder_new(sys, &opts, m.f, &err);
    ck_assert_msg(rec != NULL, "%s", err.message);
    run_recorded(sys, rec, 1);
    char want[512] = "t,v[0],x[0]\n0,-2,0.25\n";
    char b1[32], b2[32];
    cat(want, sizeof want, "0.5,%s,%s\n", shortest(dq_system_value(sys, 1, 0), b1, sizeof b1),
        shortest(dq_system_value(sys, 0, 0), b2, sizeof b2));
    ck_assert_str_eq(m.text, want);
    dq_recorder_free(rec);
    membuf_close(&m);
    dq_system_free(sys);
}
END_TEST

START_TEST(test_record_every_3_over_10_steps_samples_steps_0_3_6_9)
{
    dq_system_t *sys = make_system("decay", NULL, NULL, 0, "euler", 0.5);
    membuf_t m;
    membuf_open(&m);
    dq_error_t err = {0};
    dq_record_opts_t opts = {.every = 3};
    dq_recorder_t *rec = dq_recorder_new(sys, &opts, m.f, &err);
    ck_assert_ptr_nonnull(rec);
    /* A second call at the same step writes nothing more. */
    ck_assert_int_eq(dq_recorder_sample(rec, &err), DQ_OK);
    run_recorded(sys, rec, 10);
    ck_assert_uint_eq(dq_recorder_samples(rec), 4);
    double t[4];
    int rows =
        sscanf(m.text, "t,y[0]\n%lf,%*f\n%lf,%*f\n%lf,%*f\n%lf,%*f\n", &t[0], &t[1], &t[2], &t[3]);
    ck_assert_int_eq(rows, 4);
    for (int k = 0; k < 4; ++k)
        ck_assert_ulps(t[k], 1.5 * k, 2);
    int lines = 0;
    for (const char *p = m.text; *p; ++p)
        lines += *p == '\n';
    ck_assert_int_eq(lines, 5);
    /* Finishing twice is harmless; sampling after finishing is a usage error. */
    ck_assert_int_eq(dq_recorder_finish(rec, &err), DQ_OK);
    ck_assert_int_eq(dq_system_step(sys, &err), DQ_OK);
    ck_assert_int_eq(dq_system_step(sys, &err), DQ_OK);
    ck_assert_int_eq(dq_recorder_sample(rec, &err), DQ_EUSAGE);
    dq_recorder_free(rec);
    membuf_close(&m);
    dq_system_free(sys);
}
END_TEST

/* ---- JSON ------------------------------------------------------------------------------ */

START_TEST(test_record_json_has_the_fields_and_round_trips_doubles_bit_for_bit)
{
    double n = 3, omega = 2.5, x0 = 0.1, v0 = 1.0 / 3;
    dq_param_arg_t args[] = {{.name = "n", .v = &n, .len = 1},
                             {.name = "omega", .v = &omega, .len = 1},
                             {.name = "x0", .v = &x0, .len = 1},
                             {.name = "v0", .v = &v0, .len = 1}};
    dq_system_t *sys = make_system("oscillator", NULL, args, 4, "rk4", 0.01);
    membuf_t m;
    membuf_open(&m);
    dq_error_t err = {0};
    dq_record_opts_t opts = {.every = 10, .format = DQ_FORMAT_JSON};
    dq_recorder_t *rec = dq_recorder_new(sys, &opts, m.f, &err);
    ck_assert_msg(rec != NULL, "%s", err.message);
    run_recorded(sys, rec, 100);
    json_t *doc = parse(&m);
    ck_assert_str_eq(json_string_value(json_object_get(doc, "model")), "oscillator");
    ck_assert_str_eq(json_string_value(json_object_get(doc, "solver")), "rk4");
    double dt = json_number_value(json_object_get(doc, "dt"));
    double want_dt = 0.01;
    ck_assert_mem_eq(&dt, &want_dt, sizeof dt);
    ck_assert_int_eq(json_integer_value(json_object_get(doc, "every")), 10);
    json_t *states = json_object_get(doc, "states");
    ck_assert_uint_eq(json_array_size(states), 2);
    ck_assert_str_eq(json_string_value(json_array_get(states, 0)), "x");
    ck_assert_str_eq(json_string_value(json_array_get(states, 1)), "v");
    json_t *units = json_object_get(doc, "units");
    ck_assert_uint_eq(json_array_size(units), 3);
    for (size_t u = 0; u < 3; ++u)
        ck_assert_int_eq(json_integer_value(json_array_get(units, u)), (json_int_t)u);
    json_t *samples = json_object_get(doc, "samples");
    ck_assert_uint_eq(json_array_size(samples), 11);
    json_t *first = json_array_get(samples, 0);
    ck_assert_uint_eq(json_object_size(first), 3);
    ck_assert_double_eq(json_number_value(json_object_get(first, "t")), 0.0);
    ck_assert_double_eq(json_number_value(json_array_get(json_object_get(first, "x"), 2)), 0.1);
    json_t *last = json_array_get(samples, 10);
    double t = json_number_value(json_object_get(last, "t")), want_t = dq_system_time(sys);
    ck_assert_mem_eq(&t, &want_t, sizeof t);
    for (size_t s = 0; s < 2; ++s) {
        json_t *vals = json_object_get(last, s ? "v" : "x");
        ck_assert_uint_eq(json_array_size(vals), 3);
        for (size_t u = 0; u < 3; ++u) {
            double got = json_number_value(json_array_get(vals, u));
            double want = dq_system_value(sys, s, u);
            ck_assert_mem_eq(&got, &want, sizeof got);
        }
    }
    /* One sample object per line. */
    /* Shortest round-trip numbers: 0.1 is written "0.1", not "0.10000000000000001". */
    ck_assert_ptr_nonnull(strstr(m.text, "\"samples\": [\n{\"t\": 0, \"x\": [0.1, 0.1, 0.1], "
                                         "\"v\": ["));
    ck_assert_ptr_nonnull(strstr(m.text, "]},\n{\"t\": 0.1, \"x\": ["));
    json_decref(doc);
    dq_recorder_free(rec);
    membuf_close(&m);
    dq_system_free(sys);
}
END_TEST

START_TEST(test_record_json_with_zero_samples_is_valid)
{
    double n = 2;
    dq_param_arg_t args[] = {{.name = "n", .v = &n, .len = 1}};
    dq_system_t *sys = make_system("decay", NULL, args, 1, "euler", 0.5);
    membuf_t m;
    membuf_open(&m);
    dq_error_t err = {0};
    const size_t units[] = {1};
    dq_record_opts_t opts = {.units = units, .n_units = 1, .format = DQ_FORMAT_JSON};
    dq_recorder_t *rec = dq_recorder_new(sys, &opts, m.f, &err);
    ck_assert_ptr_nonnull(rec);
    ck_assert_int_eq(dq_recorder_finish(rec, &err), DQ_OK);
    ck_assert_str_eq(m.text, "{\"model\": \"decay\", \"solver\": \"euler\", \"dt\": 0.5, "
                             "\"every\": 1, \"states\": [\"y\"], \"units\": [1], "
                             "\"samples\": [\n]}\n");
    json_t *doc = parse(&m);
    ck_assert_uint_eq(json_array_size(json_object_get(doc, "samples")), 0);
    json_decref(doc);
    dq_recorder_free(rec);
    membuf_close(&m);
    dq_system_free(sys);
}
END_TEST

START_TEST(test_record_non_finite_values_are_nan_inf_in_csv_and_null_in_json)
{
    double n = 5, special = 1;
    dq_param_arg_t args[] = {{.name = "n", .v = &n, .len = 1},
                             {.name = "special", .v = &special, .len = 1}};
    dq_system_t *sys = make_system(NULL, &probe_model, args, 2, "euler", 0.5);
    dq_error_t err = {0};
    const char *states[] = {"y"};
    membuf_t m;
    membuf_open(&m);
    dq_record_opts_t opts = {.states = states, .n_states = 1};
    dq_recorder_t *rec = dq_recorder_new(sys, &opts, m.f, &err);
    ck_assert_ptr_nonnull(rec);
    run_recorded(sys, rec, 0);
    ck_assert_str_eq(m.text, "t,y[0],y[1],y[2],y[3],y[4]\n0,1,nan,inf,-inf,-0\n");
    dq_recorder_free(rec);
    membuf_close(&m);

    membuf_open(&m);
    opts.format = DQ_FORMAT_JSON;
    rec = dq_recorder_new(sys, &opts, m.f, &err);
    ck_assert_ptr_nonnull(rec);
    run_recorded(sys, rec, 0);
    ck_assert_ptr_nonnull(strstr(m.text, "\n{\"t\": 0, \"y\": [1, null, null, null, -0.0]}\n]}\n"));
    json_t *doc = parse(&m);
    json_t *y = json_object_get(json_array_get(json_object_get(doc, "samples"), 0), "y");
    ck_assert(json_is_null(json_array_get(y, 1)));
    ck_assert(json_is_null(json_array_get(y, 3)));
    double z = json_number_value(json_array_get(y, 4)); /* the sign of -0 survives */
    ck_assert(z == 0 && signbit(z));
    json_decref(doc);
    dq_recorder_free(rec);
    membuf_close(&m);
    dq_system_free(sys);
}
END_TEST

START_TEST(test_record_sampling_allocates_nothing)
{
#if DQ_TEST_COUNT_ALLOCS
    double n = 100;
    dq_param_arg_t args[] = {{.name = "n", .v = &n, .len = 1}};
    dq_system_t *sys = make_system("oscillator", NULL, args, 1, "rk4", 0.01);
    FILE *out = fopen("/dev/null", "w"); /* its buffer is allocated by the header */
    ck_assert_ptr_nonnull(out);
    dq_error_t err = {0};
    const char *states[] = {"v"};
    dq_record_opts_t opts = {.states = states, .n_states = 1, .format = DQ_FORMAT_JSON};
    dq_recorder_t *rec = dq_recorder_new(sys, &opts, out, &err);
    ck_assert_ptr_nonnull(rec);
    int rc = DQ_OK;
    long before = allocs;
    rc |= dq_recorder_sample(rec, &err);
    for (int s = 0; s < 50; ++s)
        rc |= dq_system_step(sys, &err) | dq_recorder_sample(rec, &err);
    long during = allocs - before;
    ck_assert_int_eq(rc, DQ_OK);
    ck_assert_int_eq(during, 0);
    ck_assert_int_eq(dq_recorder_finish(rec, &err), DQ_OK);
    dq_recorder_free(rec);
    fclose(out);
    dq_system_free(sys);
#endif
}
END_TEST

/* ---- errors ---------------------------------------------------------------------------- */

START_TEST(test_record_unknown_state_names_the_path_and_suggests)
{
    dq_system_t *sys = make_system("hh", NULL, NULL, 0, "euler", 0.01);
    const char *states[] = {"Vm"};
    dq_record_opts_t opts = {.states = states, .n_states = 1, .states_where = ".record.states"};
    dq_error_t err = new_error(sys, &opts);
    ck_assert_int_eq(err.code, DQ_EINVAL);
    ck_assert_str_eq(err.source, "");
    /* 'V' and 'm' tie at ratio 2/3; difflib then prefers the larger string, 'm'. */
    ck_assert_str_eq(err.message, ".record.states[0]: model 'hh' has no state 'Vm'. Did you mean "
                                  "'m'? States: V, spikes, V_prev, m, h, n.");
    states[0] = "h_";
    err = new_error(sys, &opts);
    ck_assert_str_eq(err.message, ".record.states[0]: model 'hh' has no state 'h_'. Did you mean "
                                  "'h'? States: V, spikes, V_prev, m, h, n.");
    /* No path given, no close match. */
    const char *far[] = {"V", "calcium"};
    opts = (dq_record_opts_t){.states = far, .n_states = 2};
    err = new_error(sys, &opts);
    ck_assert_int_eq(err.code, DQ_EINVAL);
    ck_assert_str_eq(err.message,
                     "model 'hh' has no state 'calcium'. States: V, spikes, V_prev, m, h, n.");
    dq_system_free(sys);
}
END_TEST

START_TEST(test_record_state_listed_twice_is_refused)
{
    dq_system_t *sys = make_system("hh", NULL, NULL, 0, "euler", 0.01);
    const char *states[] = {"V", "m", "V"};
    dq_record_opts_t opts = {.states = states, .n_states = 3, .states_where = "--record"};
    dq_error_t err = new_error(sys, &opts);
    ck_assert_int_eq(err.code, DQ_EINVAL);
    ck_assert_str_eq(err.message, "--record: state 'V' is listed twice");
    dq_system_free(sys);
}
END_TEST

START_TEST(test_record_unit_out_of_range_or_twice_is_refused)
{
    double n = 1000;
    dq_param_arg_t args[] = {{.name = "n", .v = &n, .len = 1}};
    dq_system_t *sys = make_system("decay", NULL, args, 1, "euler", 0.1);
    const size_t bad[] = {0, 999, 1000};
    dq_record_opts_t opts = {.units = bad, .n_units = 3, .units_where = ".record.units"};
    dq_error_t err = new_error(sys, &opts);
    ck_assert_int_eq(err.code, DQ_EINVAL);
    ck_assert_str_eq(
        err.message,
        ".record.units[2]: unit 1000 is out of range (the model has 1000 units: 0..999)");
    const size_t twice[] = {7, 3, 7};
    opts = (dq_record_opts_t){.units = twice, .n_units = 3};
    err = new_error(sys, &opts);
    ck_assert_int_eq(err.code, DQ_EINVAL);
    ck_assert_str_eq(err.message, "unit 7 is listed twice");
    dq_system_free(sys);
}
END_TEST

START_TEST(test_record_state_named_t_cannot_be_json_but_can_be_csv)
{
    dq_system_t *sys = make_system(NULL, &clock_model, NULL, 0, "euler", 0.5);
    dq_record_opts_t opts = {.format = DQ_FORMAT_JSON};
    dq_error_t err = new_error(sys, &opts);
    ck_assert_int_eq(err.code, DQ_EINVAL);
    ck_assert_str_eq(err.message, "state 't' cannot be recorded as JSON: \"t\" is the time key "
                                  "of every sample; leave it out or write CSV");
    membuf_t m;
    membuf_open(&m);
    opts.format = DQ_FORMAT_CSV;
    dq_recorder_t *rec = dq_recorder_new(sys, &opts, m.f, &err);
    ck_assert_ptr_nonnull(rec);
    run_recorded(sys, rec, 1);
    ck_assert_str_eq(m.text, "t,t[0]\n0,0\n0.5,0.5\n");
    dq_recorder_free(rec);
    membuf_close(&m);
    dq_system_free(sys);
}
END_TEST

START_TEST(test_record_write_error_on_header_is_eio)
{
    dq_system_t *sys = make_system("decay", NULL, NULL, 0, "euler", 0.5);
    FILE *ro = fopen("/dev/null", "r");
    ck_assert_ptr_nonnull(ro);
    dq_error_t err = {0};
    ck_assert_ptr_null(dq_recorder_new(sys, NULL, ro, &err));
    ck_assert_int_eq(err.code, DQ_EIO);
    ck_assert_str_eq(err.message, "cannot write the trajectory: Bad file descriptor");
    fclose(ro);
    dq_system_free(sys);
}
END_TEST

START_TEST(test_record_write_error_while_sampling_is_eio_and_sticks)
{
    dq_system_t *sys = make_system("decay", NULL, NULL, 0, "euler", 0.5);
    char buf[12];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    ck_assert_ptr_nonnull(f);
    setvbuf(f, NULL, _IONBF, 0); /* fail at the write itself, not at a later flush */
    dq_error_t err = {0};
    dq_recorder_t *rec = dq_recorder_new(sys, NULL, f, &err); /* "t,y[0]\n": 7 bytes */
    ck_assert_msg(rec != NULL, "%s", err.message);
    ck_assert_int_eq(dq_recorder_sample(rec, &err), DQ_OK); /* "0,1\n": 11 bytes */
    ck_assert_int_eq(dq_system_step(sys, &err), DQ_OK);
    ck_assert_int_eq(dq_recorder_sample(rec, &err), DQ_EIO);
    ck_assert_str_eq(err.message, "cannot write the trajectory: No space left on device");
    dq_error_clear(&err);
    ck_assert_int_eq(dq_recorder_finish(rec, &err), DQ_EIO);
    ck_assert_str_eq(err.message, "cannot write the trajectory: No space left on device");
    ck_assert_uint_eq(dq_recorder_samples(rec), 1);
    dq_recorder_free(rec);
    fclose(f);
    dq_system_free(sys);
}
END_TEST

START_TEST(test_record_write_error_at_finish_flush_is_eio)
{
    dq_system_t *sys = make_system("decay", NULL, NULL, 0, "euler", 0.5);
    char buf[4];
    FILE *f = fmemopen(buf, sizeof buf, "w"); /* buffered: the text fails when flushed */
    ck_assert_ptr_nonnull(f);
    dq_error_t err = {0};
    dq_recorder_t *rec = dq_recorder_new(sys, NULL, f, &err);
    ck_assert_ptr_nonnull(rec);
    ck_assert_int_eq(dq_recorder_sample(rec, &err), DQ_OK);
    ck_assert_int_eq(dq_recorder_finish(rec, &err), DQ_EIO);
    /* glibc's fmemopen fails this flush without setting errno: the reason is then EIO's. */
    ck_assert_msg(strncmp(err.message, "cannot write the trajectory: ", 29) == 0, "%s",
                  err.message);
    dq_recorder_free(rec);
    fclose(f);
    dq_system_free(sys);
}
END_TEST

START_TEST(test_record_free_null_is_a_no_op)
{
    dq_recorder_free(NULL);
    ck_assert_uint_eq(dq_recorder_samples(NULL), 0);
}
END_TEST

Suite *record_suite(void)
{
    Suite *s = suite_create("record");
    TCase *tc = tcase_create("record");
    tcase_add_checked_fixture(tc, setup_builtins, teardown_builtins);
    tcase_add_test(tc, test_record_csv_writes_every_state_and_unit_every_k_steps);
    tcase_add_test(tc, test_record_csv_follows_the_chosen_states_and_units_in_their_order);
    tcase_add_test(tc, test_record_state_subset_in_given_order_on_oscillator);
    tcase_add_test(tc, test_record_every_3_over_10_steps_samples_steps_0_3_6_9);
    tcase_add_test(tc, test_record_json_has_the_fields_and_round_trips_doubles_bit_for_bit);
    tcase_add_test(tc, test_record_json_with_zero_samples_is_valid);
    tcase_add_test(tc, test_record_non_finite_values_are_nan_inf_in_csv_and_null_in_json);
    tcase_add_test(tc, test_record_sampling_allocates_nothing);
    tcase_add_test(tc, test_record_unknown_state_names_the_path_and_suggests);
    tcase_add_test(tc, test_record_state_listed_twice_is_refused);
    tcase_add_test(tc, test_record_unit_out_of_range_or_twice_is_refused);
    tcase_add_test(tc, test_record_state_named_t_cannot_be_json_but_can_be_csv);
    tcase_add_test(tc, test_record_write_error_on_header_is_eio);
    tcase_add_test(tc, test_record_write_error_while_sampling_is_eio_and_sticks);
    tcase_add_test(tc, test_record_write_error_at_finish_flush_is_eio);
    tcase_add_test(tc, test_record_free_null_is_a_no_op);
    suite_add_tcase(s, tc);
    return s;
}
