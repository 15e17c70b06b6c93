/* SPDX-License-Identifier: MIT */
/* check_driver.c -- what ABI 2.0 promises a unit: its trajectory depends only on its own
 * inputs (never on block size, thread count or the units around it), a solver's per-unit
 * state stays with the unit, and the context says where the block sits. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include <dq/dq.h>
#include <dq/host/loader.h>
#include <dq/host/registry.h>
#include <dq/host/system.h>

#include "test_ulp.h"

static dq_registry_t *reg;
static dq_loader_t *loader;

static void setup(void)
{
    dq_error_t err = {0};
    reg = dq_registry_new();
    loader = dq_loader_new(reg, &err);
    ck_assert_ptr_nonnull(loader);
    ck_assert_int_eq(dq_loader_load_dir(loader, DQ_TEST_PLUGIN_DIR, &err), DQ_OK);
    ck_assert_msg(dq_loader_load_file(loader, DQ_TEST_FIXTURE_DIR "/fsal_bs3.so", &err) == DQ_OK,
                  "%s", err.message);
}

static void teardown(void)
{
    dq_registry_free(reg);
    dq_loader_free(loader);
}

/* ---- HH with currents spread over 0-20 uA/cm^2 -------------------------------------- */

#define HH_N 300
#define HH_STEPS 500

static double hh_current(size_t u)
{
    return 20.0 * (double)u / (HH_N - 1);
}

/* A prepared HH population of `n` units whose unit i gets the current of unit first + i. */
static dq_system_t *hh_new(const char *solver, size_t first, size_t n, size_t block, size_t threads)
{
    dq_error_t err = {0};
    double nd = (double)n, I[HH_N];
    for (size_t i = 0; i < n; ++i)
        I[i] = hh_current(first + i);
    dq_param_arg_t args[] = {{"n", &nd, 1, NULL}, {"I_ext", I, n, NULL}};
    const dq_model_entry_t *hh = dq_registry_lookup_model(reg, "hh", &err);
    ck_assert_ptr_nonnull(hh);
    dq_system_t *sys = dq_system_new(hh->desc, args, 2, &err);
    ck_assert_msg(sys != NULL, "%s", err.message);
    ck_assert_int_eq(dq_system_set_solver(sys, dq_registry_lookup(reg, solver, &err), &err), DQ_OK);
    ck_assert_int_eq(dq_system_set_block_units(sys, block, &err), DQ_OK);
    ck_assert_int_eq(dq_system_set_threads(sys, threads, &err), DQ_OK);
    ck_assert_msg(dq_system_prepare(sys, 0.0, 0.01, &err) == DQ_OK, "%s", err.message);
    ck_assert_msg(dq_system_run(sys, HH_STEPS, &err) == DQ_OK, "%s: %s", solver, err.message);
    return sys;
}

/* Every state of unit u of a equals that of unit v of b, bit for bit. */
static void assert_same_unit(const dq_system_t *a, size_t u, const dq_system_t *b, size_t v,
                             const char *what)
{
    for (size_t s = 0; s < dq_system_state_count(a); ++s) {
        double x = dq_system_value(a, s, u), y = dq_system_value(b, s, v);
        ck_assert_msg(memcmp(&x, &y, sizeof x) == 0, "%s: state %s of unit %zu: %.17g != %.17g",
                      what, dq_system_state_name(a, s), u, x, y);
    }
}

START_TEST(test_driver_every_solver_gives_a_unit_the_same_bits_whatever_surrounds_it)
{
    size_t n = dq_registry_count(reg);
    size_t checked = 0;
    for (size_t k = 0; k < n; ++k) {
        const dq_integrator_entry_t *e = dq_registry_at(reg, k);
        /* Cable solvers refuse a point neuron (check_cable_solvers runs them on cells). */
        if (strcmp(e->category, DQ_CATEGORY_CABLE) == 0)
            continue;
        dq_system_t *ref = hh_new(e->name, 0, HH_N, HH_N, 1);
        /* The population fires: spikes and resting units are both compared. */
        ck_assert_double_gt(dq_system_value(ref, 1, HH_N - 1), 0.0);
        ck_assert_double_eq(dq_system_value(ref, 1, 0), 0.0);
        const size_t blocks[] = {1, 7, 256};
        for (size_t b = 0; b < 3; ++b) {
            dq_system_t *sys = hh_new(e->name, 0, HH_N, blocks[b], 1);
            char what[96];
            snprintf(what, sizeof what, "%s, blocks of %zu", e->name, blocks[b]);
            for (size_t u = 0; u < HH_N; ++u)
                assert_same_unit(sys, u, ref, u, what);
            dq_system_free(sys);
        }
        dq_system_t *two = hh_new(e->name, 0, HH_N, 16, 2);
        ck_assert_uint_eq(dq_system_threads(two), 2);
        for (size_t u = 0; u < HH_N; ++u)
            assert_same_unit(two, u, ref, u, "2 threads");
        dq_system_free(two);
        /* A unit alone, and three units cut out of the middle, give the same bits. */
        const size_t alone[] = {0, 137, HH_N - 1};
        for (size_t a = 0; a < 3; ++a) {
            dq_system_t *one = hh_new(e->name, alone[a], 1, 0, 1);
            assert_same_unit(one, 0, ref, alone[a], "alone");
            dq_system_free(one);
        }
        dq_system_t *mid = hh_new(e->name, 101, 3, 0, 1);
        for (size_t u = 0; u < 3; ++u)
            assert_same_unit(mid, u, ref, 101 + u, "three of them");
        dq_system_free(mid);
        dq_system_free(ref);
        checked++;
    }
    ck_assert_uint_ge(checked, 16); /* the 15 built-ins and the FSAL fixture */
}
END_TEST

/* ---- a solver with per-unit state across steps (the FSAL fixture) -------------------- */

/* y' = y per unit from y0 = 1 + u/100; post_integral resets y to 0.5 once it passes 2 and
 * marks the lane, so a solver keeping F(t + dt) must refresh it. */
typedef struct grow {
    double n;
} grow_t;

static int grow_init(const dq_view_t *v)
{
    for (size_t i = 0; i < v->units; ++i)
        v->value[0][i] = 1.0 + (double)(v->unit0 + i) / 100.0;
    return DQ_OK;
}

static int grow_deriv(const dq_view_t *v)
{
    for (size_t i = 0; i < v->units; ++i)
        v->derivative[0][i] = v->value[0][i];
    return DQ_OK;
}

static int grow_post(const dq_view_t *v)
{
    for (size_t i = 0; i < v->units; ++i)
        if (v->value[0][i] > 2.0) {
            v->value[0][i] = 0.5;
            v->reset[i] = 1;
        }
    return DQ_OK;
}

static const dq_state_desc_t grow_states[] = {{.name = "y"}};
DQ_MODULE(grow_root, .name = "grow", .parent = -1, .states = grow_states, .n_states = 1,
          .flags = DQ_MODULE_RESETS, .init_state = grow_init, .compute_derivative = grow_deriv,
          .post_integral = grow_post);
static const dq_param_desc_t grow_params[] = {{.name = "n",
                                               .def = 1,
                                               .doc = "units",
                                               .flags = DQ_PARAM_POPULATION,
                                               .offset = offsetof(grow_t, n)}};
DQ_MODEL(grow_model, .name = "grow", .description = "growth with a reset", .params = grow_params,
         .n_params = 1, .data_size = sizeof(grow_t),
         .modules = DQ_LIST(dq_module_desc_t, &grow_root));

/* The fixture's arithmetic for y' = y, in the same order, with a fresh F after a reset. */
static double grow_reference(double y, double dt, int steps)
{
    double k1 = y;
    for (int s = 0; s < steps; ++s) {
        double k2 = y + dt * (0.5 * k1);
        double k3 = y + dt * (0.75 * k2);
        y += dt * (2.0 / 9.0 * k1 + 1.0 / 3.0 * k2 + 4.0 / 9.0 * k3);
        k1 = y;
        if (y > 2.0) {
            y = 0.5;
            k1 = y;
        }
    }
    return y;
}

static dq_system_t *grow_new(size_t n, size_t block, size_t threads, int steps)
{
    dq_error_t err = {0};
    double nd = (double)n;
    dq_param_arg_t args[] = {{"n", &nd, 1, NULL}};
    dq_system_t *sys = dq_system_new(&grow_model, args, 1, &err);
    ck_assert_msg(sys != NULL, "%s", err.message);
    dq_system_set_solver(sys, dq_registry_lookup(reg, "fsal_bs3", &err), &err);
    dq_system_set_block_units(sys, block, &err);
    dq_system_set_threads(sys, threads, &err);
    ck_assert_msg(dq_system_prepare(sys, 0.0, 0.05, &err) == DQ_OK, "%s", err.message);
    ck_assert_msg(dq_system_run(sys, (uint64_t)steps, &err) == DQ_OK, "%s", err.message);
    return sys;
}

START_TEST(test_driver_fsal_state_stays_with_its_unit_and_is_refreshed_after_a_reset)
{
    const int steps = 100; /* every unit passes 2 and is reset several times */
    dq_system_t *ref = grow_new(1000, 1000, 1, steps);
    for (size_t u = 0; u < 1000; u += 37) {
        double want = grow_reference(1.0 + (double)u / 100.0, 0.05, steps);
        double got = dq_system_value(ref, 0, u);
        ck_assert_msg(dq_test_ulps(got, want) <= 4, "unit %zu: %.17g != %.17g", u, got, want);
    }
    const size_t blocks[] = {1, 7, 256}, threads[] = {1, 1, 2};
    for (size_t b = 0; b < 3; ++b) {
        dq_system_t *sys = grow_new(1000, blocks[b], threads[b], steps);
        for (size_t u = 0; u < 1000; ++u)
            assert_same_unit(sys, u, ref, u, "fsal_bs3");
        dq_system_free(sys);
    }
    dq_system_free(ref);
}
END_TEST

START_TEST(test_driver_fsal_fixture_converges_with_order_three)
{
    /* Without resets (the units stay below 2 until t = 0.5): the error against e^t halves
     * three times per halving of dt. */
    double err_prev = 0.0;
    for (int k = 0; k < 4; ++k) {
        int steps = 10 << k;
        double dt = 0.5 / steps;
        dq_error_t err = {0};
        dq_system_t *sys = dq_system_new(&grow_model, NULL, 0, &err);
        dq_system_set_solver(sys, dq_registry_lookup(reg, "fsal_bs3", &err), &err);
        ck_assert_int_eq(dq_system_prepare(sys, 0.0, dt, &err), DQ_OK);
        ck_assert_int_eq(dq_system_run(sys, (uint64_t)steps, &err), DQ_OK);
        double e = fabs(dq_system_value(sys, 0, 0) - exp(0.5));
        if (k > 0) {
            double order = log2(err_prev / e);
            ck_assert_msg(order > 2.9 && order < 3.1, "order %.3f at dt %g", order, dt);
        }
        err_prev = e;
        dq_system_free(sys);
    }
}
END_TEST

/* ---- the context says where the block is --------------------------------------------- */

static struct {
    size_t unit0[64], units[64], live[64], population;
    uint64_t seed;
    int calls;
} seen;

static int where_step(dq_ctx_t *ctx)
{
    if (ctx->step == 0 && seen.calls < 64) {
        seen.unit0[seen.calls] = ctx->unit0;
        seen.units[seen.calls] = ctx->units;
        seen.live[seen.calls] = ctx->live;
        seen.population = ctx->population;
        seen.seed = ctx->seed;
        seen.calls++;
    }
    int rc = dq_pre_integral(ctx);
    if (rc == DQ_OK)
        rc = dq_compute_derivative(ctx, ctx->t, ctx->y, ctx->f);
    if (rc == DQ_OK && (((uintptr_t)ctx->y | (uintptr_t)ctx->f) & 63) != 0)
        rc = dq_fail(ctx, DQ_ESOLVER, (size_t)-1, "misaligned block");
    for (size_t i = 0; rc == DQ_OK && i < ctx->len; ++i)
        ctx->y[i] += ctx->dt * ctx->f[i];
    return rc ? rc : dq_post_integral(ctx);
}

DQ_INTEGRATOR(where_desc, .name = "where", .category = DQ_CATEGORY_OTHER,
              .description = "records where its blocks are", .step = where_step);

START_TEST(test_driver_context_gives_unit0_lanes_live_population_and_seed)
{
    dq_error_t err = {0};
    ck_assert_int_eq(dq_registry_register(reg, &where_desc, NULL, &err), DQ_OK);
    double n = 20;
    dq_param_arg_t args[] = {{"n", &n, 1, NULL}};
    dq_system_t *sys = dq_system_new(&grow_model, args, 1, &err);
    dq_system_set_solver(sys, dq_registry_lookup(reg, "where", &err), &err);
    ck_assert_int_eq(dq_system_set_block_units(sys, 5, &err), DQ_OK); /* 8 lanes */
    ck_assert_int_eq(dq_system_set_seed(sys, 12345, &err), DQ_OK);
    memset(&seen, 0, sizeof seen);
    ck_assert_int_eq(dq_system_prepare(sys, 0.0, 0.1, &err), DQ_OK);
    ck_assert_msg(dq_system_step(sys, &err) == DQ_OK, "%s", err.message);
    ck_assert_int_eq(seen.calls, 3);
    const size_t unit0[] = {0, 8, 16}, live[] = {8, 8, 4};
    for (int b = 0; b < 3; ++b) {
        ck_assert_uint_eq(seen.unit0[b], unit0[b]);
        ck_assert_uint_eq(seen.units[b], DQ_LANES);
        ck_assert_uint_eq(seen.live[b], live[b]);
    }
    ck_assert_uint_eq(seen.population, 20);
    ck_assert_uint_eq(seen.seed, 12345);
    /* Padding lanes are copies of the last unit: unit 19 starts at 1.19. */
    ck_assert_ulps(dq_system_value(sys, 0, 19), 1.19 + 0.1 * 1.19, 2);
    dq_system_free(sys);
}
END_TEST

/* ---- capabilities do something ---------------------------------------------------------- */

static int sneaky_step(dq_ctx_t *ctx)
{
    int rc = dq_pre_integral(ctx);
    if (rc == DQ_OK)
        rc = dq_compute_derivative(ctx, ctx->t, ctx->y, ctx->f);
    if (rc == DQ_OK)
        rc = dq_jacobian_diag(ctx, ctx->t, ctx->y, ctx->f, dq_scratch(ctx, 0));
    return rc ? rc : dq_post_integral(ctx);
}

DQ_INTEGRATOR(sneaky_desc, .name = "sneaky", .category = DQ_CATEGORY_EXPLICIT,
              .description = "asks for a Jacobian without saying so", .step = sneaky_step,
              .scratch_vectors = 1);

START_TEST(test_driver_jacobian_without_the_capability_is_refused)
{
    dq_error_t err = {0};
    ck_assert_int_eq(dq_registry_register(reg, &sneaky_desc, NULL, &err), DQ_OK);
    dq_system_t *sys = dq_system_new(&grow_model, NULL, 0, &err);
    dq_system_set_solver(sys, dq_registry_lookup(reg, "sneaky", &err), &err);
    ck_assert_int_eq(dq_system_prepare(sys, 0.0, 0.1, &err), DQ_OK);
    ck_assert_int_eq(dq_system_step(sys, &err), DQ_EUSAGE);
    ck_assert_str_eq(err.message, "solver 'sneaky' failed at t = 0: the solver asked for a "
                                  "Jacobian but does not declare DQ_CAP_JACOBIAN");
    dq_system_free(sys);
}
END_TEST

/* ---- a solver written in C++ ----------------------------------------------------------- */

START_TEST(test_driver_cxx_plugin_loads_and_matches_euler_bit_for_bit)
{
#ifdef DQ_TEST_HAVE_CXX
    dq_error_t err = {0};
    ck_assert_msg(dq_loader_load_file(loader, DQ_TEST_FIXTURE_DIR "/cxx_solver.so", &err) == DQ_OK,
                  "%s", err.message);
    const dq_integrator_entry_t *cxx = dq_registry_lookup(reg, "cxx_fe", &err);
    ck_assert_ptr_nonnull(cxx);
    ck_assert_str_eq(cxx->name, "cxx_euler");
    const dq_model_entry_t *decay = dq_registry_lookup_model(reg, "decay", &err);
    double y[2];
    const char *names[] = {"cxx_euler", "euler"};
    for (int k = 0; k < 2; ++k) {
        dq_system_t *sys = dq_system_new(decay->desc, NULL, 0, &err);
        dq_system_set_solver(sys, dq_registry_lookup(reg, names[k], &err), &err);
        ck_assert_int_eq(dq_system_prepare(sys, 0.0, 0.05, &err), DQ_OK);
        ck_assert_int_eq(dq_system_run(sys, 200, &err), DQ_OK);
        y[k] = dq_system_value(sys, 0, 0);
        dq_system_free(sys);
    }
    ck_assert_double_eq(y[0], 0.36695782172616737);
    ck_assert_mem_eq(&y[0], &y[1], sizeof y[0]);
#endif
}
END_TEST

/* ---- a callback failing mid-run ---------------------------------------------------------- */

/* Two modules; the leaf's compute_derivative (or, with fail_post, the root's post_integral)
 * fails from t = 0.27 on, after steps that took the host's fast calls (issue #14): the
 * message names the model, the call, the module, the time and the module's own words. */
typedef struct late {
    double fail_post;
    double blow_up; /* the leaf's rate from t = 0.27 on (finite: no failure of its own) */
} late_t;

static int late_fail(const dq_view_t *v, double t)
{
    if (t < 0.27)
        return DQ_OK;
    snprintf(v->errbuf, v->errlen, "the rate went negative");
    return DQ_EMODEL;
}

static int late_root_deriv(const dq_view_t *v)
{
    v->derivative[0][0] = -v->value[0][0];
    return DQ_OK;
}

static int late_root_post(const dq_view_t *v)
{
    const late_t *d = v->data;
    return d->fail_post != 0.0 ? late_fail(v, v->t) : DQ_OK;
}

static int late_leaf_deriv(const dq_view_t *v)
{
    const late_t *d = v->data;
    const double rate = d->blow_up != 0.0 && v->t >= 0.27 ? d->blow_up : 1.0;
    for (size_t i = 0; i < v->units; ++i)
        v->derivative[0][i] = rate * (1.0 + v->value[1][i] - v->value[0][i]);
    return d->fail_post != 0.0 || d->blow_up != 0.0 ? DQ_OK : late_fail(v, v->t);
}

static const dq_state_desc_t late_root_states[] = {{.name = "a"}};
static const dq_state_desc_t late_leaf_states[] = {{.name = "b"}};
DQ_MODULE(late_root, .name = "trunk", .parent = -1, .states = late_root_states, .n_states = 1,
          .compute_derivative = late_root_deriv, .post_integral = late_root_post);
DQ_MODULE(late_leaf, .name = "leaf", .parent = 0, .states = late_leaf_states, .n_states = 1,
          .reads = DQ_READS("a"), .compute_derivative = late_leaf_deriv);
static const dq_param_desc_t late_params[] = {
    {.name = "fail_post", .def = 0.0, .offset = offsetof(late_t, fail_post)},
    {.name = "blow_up", .def = 0.0, .offset = offsetof(late_t, blow_up)}};
DQ_MODEL(late_model, .name = "late", .description = "fails after a few steps",
         .params = late_params, .n_params = 2,
         .modules = DQ_LIST(dq_module_desc_t, &late_root, &late_leaf), .data_size = sizeof(late_t));

START_TEST(test_driver_a_callback_failing_mid_run_is_named_with_its_time)
{
    const char *solvers[] = {"euler", "rk4"};
    for (int post = 0; post < 2; ++post)
        for (size_t k = 0; k < 2; ++k) {
            dq_error_t err = {0};
            const double fail_post = post;
            const dq_param_arg_t args[] = {{.name = "fail_post", .v = &fail_post, .len = 1}};
            dq_system_t *sys = dq_system_new(&late_model, args, 1, &err);
            ck_assert_ptr_nonnull(sys);
            ck_assert_int_eq(
                dq_system_set_solver(sys, dq_registry_lookup(reg, solvers[k], &err), &err), DQ_OK);
            ck_assert_int_eq(dq_system_prepare(sys, 0.0, 0.1, &err), DQ_OK);
            ck_assert_int_eq(dq_system_run(sys, 10, &err), DQ_EMODEL);
            /* In the step from t = 0.2: euler's derivative in the next step, at 3 * 0.1; rk4's
             * last stage, at 0.2 + 1 * 0.1; the post call at the step's end, 0.2 + 0.1. */
            char want[256];
            snprintf(want, sizeof want,
                     "model 'late': %s of module '%s' failed at t = %.17g: the rate went negative",
                     post ? "post_integral" : "compute_derivative", post ? "trunk" : "leaf",
                     k == 0 && !post ? 3 * 0.1 : 2 * 0.1 + 0.1);
            ck_assert_str_eq(err.message, want);
            dq_system_free(sys);
        }
}
END_TEST

/* A lone unit (one live lane of eight) whose second state overflows: the finite check of a
 * partly live block tests one value per component, and names that state, unit 0, the time
 * and the step. */
START_TEST(test_driver_a_lone_unit_going_infinite_in_its_second_state_is_named)
{
    dq_error_t err = {0};
    const double blow_up = 1e308;
    const dq_param_arg_t args[] = {{.name = "blow_up", .v = &blow_up, .len = 1}};
    dq_system_t *sys = dq_system_new(&late_model, args, 1, &err);
    ck_assert_ptr_nonnull(sys);
    ck_assert_int_eq(dq_system_set_solver(sys, dq_registry_lookup(reg, "euler", &err), &err),
                     DQ_OK);
    ck_assert_int_eq(dq_system_prepare(sys, 0.0, 0.1, &err), DQ_OK);
    /* b' = 1 + a - b (a stays 0), times 1e308 from the step at t = 0.3 on: b is about 0.27
     * then, so step 4 ends finite (about 7e306) and step 5 overflows. */
    ck_assert_int_eq(dq_system_run(sys, 10, &err), DQ_ENONFINITE);
    char want[256];
    snprintf(want, sizeof want,
             "state 'b' of unit 0 became infinite at t = %.17g (step 5) with solver 'euler'; try "
             "a smaller dt or a solver for stiff problems",
             0.0 + 4.0 * 0.1 + 0.1);
    ck_assert_str_eq(err.message, want);
    dq_system_free(sys);
}
END_TEST

/* ---- module-local views ------------------------------------------------------------------ */

static const dq_state_desc_t reader_states[] = {{.name = "r"}};
DQ_MODULE(reader_root, .name = "reader", .parent = -1, .states = reader_states, .n_states = 1,
          .reads = DQ_READS("rr"), .compute_derivative = grow_deriv);
DQ_MODEL(reader_model, .name = "reader", .description = "reads a state that is not there",
         .modules = DQ_LIST(dq_module_desc_t, &reader_root));

START_TEST(test_driver_reading_an_unknown_state_is_refused_with_a_suggestion)
{
    dq_error_t err = {0};
    ck_assert_ptr_null(dq_system_new(&reader_model, NULL, 0, &err));
    ck_assert_int_eq(err.code, DQ_EDESC);
    ck_assert_str_eq(err.message, "Model 'reader': the root module reads 'rr', which no module "
                                  "of the model declares. Did you mean 'r'? States: r.");
}
END_TEST

Suite *driver_suite(void)
{
    Suite *s = suite_create("driver");
    TCase *tc = tcase_create("driver");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_driver_every_solver_gives_a_unit_the_same_bits_whatever_surrounds_it);
    tcase_add_test(tc, test_driver_fsal_state_stays_with_its_unit_and_is_refreshed_after_a_reset);
    tcase_add_test(tc, test_driver_fsal_fixture_converges_with_order_three);
    tcase_add_test(tc, test_driver_context_gives_unit0_lanes_live_population_and_seed);
    tcase_add_test(tc, test_driver_jacobian_without_the_capability_is_refused);
    tcase_add_test(tc, test_driver_reading_an_unknown_state_is_refused_with_a_suggestion);
    tcase_add_test(tc, test_driver_cxx_plugin_loads_and_matches_euler_bit_for_bit);
    tcase_add_test(tc, test_driver_a_callback_failing_mid_run_is_named_with_its_time);
    tcase_add_test(tc, test_driver_a_lone_unit_going_infinite_in_its_second_state_is_named);
    suite_add_tcase(s, tc);
    return s;
}
