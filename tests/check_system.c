/* SPDX-License-Identifier: MIT */
/* check_system.c -- the state model and the step driver: layout in blocks, lifecycle calls,
 * parameters, non-finite detection, and the seed's tutorial_euler reproduced in-process. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include <dq/dq.h>
#include <dq/host/loader.h>
#include <dq/host/registry.h>
#include <dq/host/system.h>

/* ---- a counting allocator, to prove the step loop allocates nothing -------------------- */
/* Interposes malloc for the whole process (libdqcore included). ASan brings its own
 * allocator, so the check runs only in the plain build. */
#include "test_alloc.h"
#include "test_ulp.h"

/* ---- an in-test model: dy/dt = rate * y per unit, with lifecycle counters -------------- */
/* The instance the host binds parameters into; the call counters live outside it, where
 * the tests can read them. */
typedef struct counting {
    double rate;
    double n;
    const double *gain;
} counting_t;

static struct {
    long pre, deriv, post;
    size_t last_unit0, last_units;
} counting_calls;

static int counting_create(void *data, size_t units, char *msg, size_t len)
{
    (void)data;
    (void)units;
    (void)msg;
    (void)len;
    memset(&counting_calls, 0, sizeof counting_calls);
    return DQ_OK;
}

static int counting_init(const dq_view_t *v)
{
    for (size_t i = 0; i < v->units; ++i)
        v->value[0][i] = 1.0 + (double)(v->unit0 + i); /* unit u starts at 1 + u */
    return DQ_OK;
}

static int counting_pre(const dq_view_t *v)
{
    (void)v;
    counting_calls.pre++;
    return DQ_OK;
}

static int counting_deriv(const dq_view_t *v)
{
    const counting_t *c = v->data;
    counting_calls.deriv++;
    counting_calls.last_unit0 = v->unit0;
    counting_calls.last_units = v->units;
    for (size_t i = 0; i < v->units; ++i)
        v->derivative[0][i] = c->rate * v->value[0][i];
    return DQ_OK;
}

static int counting_post(const dq_view_t *v)
{
    (void)v;
    counting_calls.post++;
    return DQ_OK;
}

static const dq_state_desc_t counting_states[] = {{.name = "y", .doc = "growing quantity"}};
DQ_MODULE(counting_root, .name = "root", .parent = -1, .states = counting_states, .n_states = 1,
          .init_state = counting_init, .pre_integral = counting_pre,
          .compute_derivative = counting_deriv, .post_integral = counting_post);
static const dq_param_desc_t counting_params[] = {
    {.name = "rate", .def = -0.1, .doc = "growth rate", .offset = offsetof(counting_t, rate)},
    {.name = "n",
     .def = 1,
     .doc = "units",
     .flags = DQ_PARAM_POPULATION,
     .offset = offsetof(counting_t, n)},
    {.name = "gain",
     .def = 1,
     .doc = "per-unit gain",
     .flags = DQ_PARAM_PER_UNIT,
     .offset = offsetof(counting_t, gain)},
};
DQ_MODEL(counting_model, .name = "counting", .description = "test model", .params = counting_params,
         .n_params = 3, .data_size = sizeof(counting_t),
         .modules = DQ_LIST(dq_module_desc_t, &counting_root), .create = counting_create);

/* The seed's tutorial_euler, registered in-process with alias tut_euler and override. */
static int tutorial_euler_step(dq_ctx_t *ctx)
{
    int rc = dq_pre_integral(ctx);
    if (rc == DQ_OK)
        rc = dq_compute_derivative(ctx, ctx->t, ctx->y, ctx->f);
    if (rc)
        return rc;
    for (size_t i = 0; i < ctx->len; ++i)
        ctx->y[i] = ctx->y[i] + ctx->dt * ctx->f[i];
    return dq_post_integral(ctx);
}

DQ_INTEGRATOR(tutorial_euler, .name = "tutorial_euler", .aliases = DQ_ALIASES("tut_euler"),
              .category = DQ_CATEGORY_EXPLICIT, .order = 1,
              .description = "Forward Euler built in the advanced integration tutorial.",
              .flags = DQ_INTEGRATOR_OVERRIDE, .step = tutorial_euler_step);

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

/* Runs `model` with `solver` for `steps` steps and returns state 0 of unit 0. */
static double run_final(const dq_model_desc_t *model, const dq_param_arg_t *args, size_t n_args,
                        const dq_integrator_entry_t *solver, double dt, long steps)
{
    dq_error_t err = {0};
    dq_system_t *sys = dq_system_new(model, args, n_args, &err);
    ck_assert_msg(sys != NULL, "%s", err.message);
    ck_assert_int_eq(dq_system_set_solver(sys, solver, &err), DQ_OK);
    ck_assert_int_eq(dq_system_prepare(sys, 0.0, dt, &err), DQ_OK);
    for (long k = 0; k < steps; ++k)
        ck_assert_msg(dq_system_step(sys, &err) == DQ_OK, "%s", err.message);
    double y = dq_system_value(sys, 0, 0);
    dq_system_free(sys);
    return y;
}

START_TEST(test_system_euler_on_decay_gives_the_seed_value)
{
    dq_error_t err = {0};
    const dq_model_entry_t *decay = dq_registry_lookup_model(reg, "decay", &err);
    ck_assert_ptr_nonnull(decay);
    const dq_integrator_entry_t *euler = dq_registry_lookup(reg, "euler", &err);
    ck_assert_ptr_nonnull(euler);
    double y = run_final(decay->desc, NULL, 0, euler, 0.05, 200);
    /* Each step multiplies by 1 - 0.05/10 = 0.995 (up to rounding): y(10) = 0.995^200. */
    ck_assert_double_eq_tol(y, pow(0.995, 200), 1e-14);
    ck_assert_double_eq_tol(y, 0.366958, 5e-7);
    ck_assert_double_eq_tol(y, exp(-1.0), 1e-3); /* first-order error against the analytic */
}
END_TEST

START_TEST(test_system_in_process_tutorial_euler_matches_builtin_bit_for_bit)
{
    dq_error_t err = {0};
    ck_assert_int_eq(dq_registry_register(reg, &tutorial_euler, NULL, &err), DQ_OK);
    const dq_integrator_entry_t *tut = dq_registry_lookup(reg, "tut_euler", &err);
    ck_assert_ptr_nonnull(tut);
    ck_assert_str_eq(tut->name, "tutorial_euler");
    ck_assert_str_eq(tut->origin, DQ_ORIGIN_BUILTIN);
    const dq_model_entry_t *decay = dq_registry_lookup_model(reg, "decay", &err);
    double a = run_final(decay->desc, NULL, 0, tut, 0.05, 200);
    double b =
        run_final(decay->desc, NULL, 0, dq_registry_lookup(reg, "explicit", &err), 0.05, 200);
    ck_assert_mem_eq(&a, &b, sizeof a);
    /* The seed's loop y + dt*(-y/tau) in doubles; pow(0.995, 200) would be ...703. */
    ck_assert_double_eq(a, 0.36695782172616737);
}
END_TEST

START_TEST(test_system_blocks_of_any_size_give_identical_bits)
{
    dq_error_t err = {0};
    const dq_integrator_entry_t *euler = dq_registry_lookup(reg, "euler", &err);
    double n = 1000;
    dq_param_arg_t args[] = {{"n", &n, 1, NULL}};
    double ref[1000];
    size_t block_sizes[] = {1000, 1, 7, 256, 999};
    for (size_t k = 0; k < sizeof block_sizes / sizeof block_sizes[0]; ++k) {
        dq_system_t *sys = dq_system_new(&counting_model, args, 1, &err);
        ck_assert_ptr_nonnull(sys);
        dq_system_set_solver(sys, euler, &err);
        ck_assert_int_eq(dq_system_set_block_units(sys, block_sizes[k], &err), DQ_OK);
        ck_assert_int_eq(dq_system_prepare(sys, 0.0, 0.01, &err), DQ_OK);
        for (int s = 0; s < 50; ++s)
            ck_assert_int_eq(dq_system_step(sys, &err), DQ_OK);
        for (size_t u = 0; u < 1000; ++u) {
            double y = dq_system_value(sys, 0, u);
            if (k == 0)
                ref[u] = y;
            else
                ck_assert_mem_eq(&y, &ref[u], sizeof y);
        }
        dq_system_free(sys);
    }
    /* Unit u started at 1 + u and decays at rate 0.1 with 50 Euler steps of 0.01. */
    ck_assert_double_eq_tol(ref[999], 1000.0 * pow(1.0 - 0.001, 50), 1e-9);
}
END_TEST

START_TEST(test_system_lifecycle_runs_once_per_block_and_step)
{
    dq_error_t err = {0};
    const dq_integrator_entry_t *euler = dq_registry_lookup(reg, "euler", &err);
    double n = 20;
    dq_param_arg_t args[] = {{"n", &n, 1, NULL}};
    dq_system_t *sys = dq_system_new(&counting_model, args, 1, &err);
    dq_system_set_solver(sys, euler, &err);
    dq_system_set_block_units(sys, 8, &err); /* blocks of 8, 8 and 4 units */
    ck_assert_int_eq(dq_system_prepare(sys, 0.0, 0.1, &err), DQ_OK);
    for (int s = 0; s < 5; ++s)
        ck_assert_int_eq(dq_system_step(sys, &err), DQ_OK);
    ck_assert_int_eq(counting_calls.pre, 15);
    ck_assert_int_eq(counting_calls.deriv, 15);
    ck_assert_int_eq(counting_calls.post, 15);
    ck_assert_uint_eq(counting_calls.last_unit0, 16);
    /* The last block holds 4 units, padded to DQ_LANES lanes. */
    ck_assert_uint_eq(counting_calls.last_units, 8);
    ck_assert_uint_eq(dq_system_step_count(sys), 5);
    ck_assert_double_eq_tol(dq_system_time(sys), 0.5, 1e-15);
    dq_system_free(sys);
}
END_TEST

START_TEST(test_system_step_loop_allocates_nothing)
{
#if DQ_TEST_COUNT_ALLOCS
    dq_error_t err = {0};
    const dq_integrator_entry_t *euler = dq_registry_lookup(reg, "euler", &err);
    double n = 5000;
    dq_param_arg_t args[] = {{"n", &n, 1, NULL}};
    dq_system_t *sys = dq_system_new(&counting_model, args, 1, &err);
    dq_system_set_solver(sys, euler, &err);
    ck_assert_int_eq(dq_system_prepare(sys, 0.0, 0.001, &err), DQ_OK);
    /* No Check assertion inside the loop: Check itself allocates to record locations. */
    int rc = DQ_OK;
    long before = allocs;
    for (int s = 0; s < 100; ++s)
        rc |= dq_system_step(sys, &err);
    long during = allocs - before;
    ck_assert_int_eq(rc, DQ_OK);
    ck_assert_int_eq(during, 0);
    dq_system_free(sys);
#endif
}
END_TEST

START_TEST(test_system_unknown_parameter_suggests_the_close_one)
{
    dq_error_t err = {0};
    double v = 3;
    dq_param_arg_t args[] = {{"rat", &v, 1, NULL}};
    ck_assert_ptr_null(dq_system_new(&counting_model, args, 1, &err));
    ck_assert_int_eq(err.code, DQ_EINVAL);
    ck_assert_str_eq(err.message, "model 'counting' has no parameter 'rat'. Did you mean "
                                  "'rate'? Parameters: rate, n, gain.");
}
END_TEST

START_TEST(test_system_parameter_values_are_checked)
{
    dq_error_t err = {0};
    double half = 2.5, neg = -1, three[] = {1, 2, 3};
    dq_param_arg_t a1[] = {{"n", &half, 1, NULL}};
    ck_assert_ptr_null(dq_system_new(&counting_model, a1, 1, &err));
    ck_assert_str_eq(err.message, "parameter 'n' of model 'counting' must be a whole number, "
                                  "got 2.5");
    dq_error_clear(&err);
    dq_param_arg_t a2[] = {{"n", &neg, 1, NULL}};
    ck_assert_ptr_null(dq_system_new(&counting_model, a2, 1, &err));
    ck_assert_str_eq(err.message, "parameter 'n' of model 'counting' must be positive, got -1");
    dq_error_clear(&err);
    dq_param_arg_t a3[] = {{"rate", three, 3, NULL}};
    ck_assert_ptr_null(dq_system_new(&counting_model, a3, 1, &err));
    ck_assert_str_eq(err.message, "parameter 'rate' of model 'counting' takes one value, got 3");
    dq_error_clear(&err);
    dq_param_arg_t a4[] = {{"gain", three, 3, NULL}};
    ck_assert_ptr_null(dq_system_new(&counting_model, a4, 1, &err));
    ck_assert_str_eq(err.message,
                     "parameter 'gain' of model 'counting' has 3 values but the model has 1 "
                     "units");
    dq_error_clear(&err);
    double nan_v = NAN;
    dq_param_arg_t a5[] = {{"rate", &nan_v, 1, NULL}};
    ck_assert_ptr_null(dq_system_new(&counting_model, a5, 1, &err));
    ck_assert_str_eq(err.message, "parameter 'rate' of model 'counting' must be a finite number");
}
END_TEST

START_TEST(test_system_non_finite_value_stops_with_state_unit_time_and_solver)
{
    dq_error_t err = {0};
    const dq_integrator_entry_t *euler = dq_registry_lookup(reg, "euler", &err);
    double rate = 1e300, n = 3;
    dq_param_arg_t args[] = {{"rate", &rate, 1, NULL}, {"n", &n, 1, NULL}};
    dq_system_t *sys = dq_system_new(&counting_model, args, 2, &err);
    dq_system_set_solver(sys, euler, &err);
    ck_assert_int_eq(dq_system_prepare(sys, 0.0, 0.5, &err), DQ_OK);
    /* y1 = y0 + 0.5 * 1e300 * y0 is finite for y0 = 1 (5e299), so the first step passes and
     * the second overflows in every unit; unit 0 is reported. */
    ck_assert_int_eq(dq_system_step(sys, &err), DQ_OK);
    ck_assert_int_eq(dq_system_step(sys, &err), DQ_ENONFINITE);
    ck_assert_str_eq(err.message,
                     "state 'y' of unit 0 became infinite at t = 1 (step 2) with solver "
                     "'euler'; try a smaller dt or a solver for stiff problems");
    ck_assert_str_eq(err.source, "y");
    ck_assert(err.has_time);
    ck_assert_ulps(err.time, 1.0, 2);
    dq_system_free(sys);
}
END_TEST

START_TEST(test_system_prepare_requires_solver_and_valid_dt)
{
    dq_error_t err = {0};
    dq_system_t *sys = dq_system_new(&counting_model, NULL, 0, &err);
    ck_assert_int_eq(dq_system_prepare(sys, 0.0, 0.1, &err), DQ_EUSAGE);
    ck_assert_str_eq(err.message, "no solver set for model 'counting'");
    dq_error_clear(&err);
    dq_system_set_solver(sys, dq_registry_lookup(reg, "euler", NULL), &err);
    ck_assert_int_eq(dq_system_prepare(sys, 0.0, -0.1, &err), DQ_EINVAL);
    ck_assert_str_eq(err.message, "dt must be a positive finite number, got -0.1");
    dq_system_free(sys);
}
END_TEST

/* ---- module trees and independent integration ----------------------------------------- */
/* Root state a with da/dt = b; child "sub" with state b, db/dt = -a, and an aux counter. */
static long tree_calls[2][3]; /* [module][pre, deriv, post] */

static int tree_create(void *data, size_t units, char *msg, size_t len)
{
    (void)data;
    (void)units;
    (void)msg;
    (void)len;
    memset(tree_calls, 0, sizeof tree_calls);
    return DQ_OK;
}
static int tree_init(const dq_view_t *v)
{
    for (size_t i = 0; i < v->units; ++i) {
        v->value[0][i] = 1.0;
        v->value[1][i] = 0.5 * (double)(v->unit0 + i);
        v->value[2][i] = 0.0;
    }
    return DQ_OK;
}
static int tree_root_pre(const dq_view_t *v)
{
    (void)v;
    tree_calls[0][0]++;
    return DQ_OK;
}
static int tree_root_post(const dq_view_t *v)
{
    (void)v;
    tree_calls[0][2]++;
    return DQ_OK;
}
static int tree_root_deriv(const dq_view_t *v)
{
    tree_calls[0][1]++;
    for (size_t i = 0; i < v->units; ++i)
        v->derivative[0][i] = v->value[1][i];
    return DQ_OK;
}
static int tree_sub_pre(const dq_view_t *v)
{
    (void)v;
    tree_calls[1][0]++;
    return DQ_OK;
}
static int tree_sub_deriv(const dq_view_t *v)
{
    tree_calls[1][1]++;
    /* Module-local: b is own state 0, count own state 1, a the read after them. */
    for (size_t i = 0; i < v->units; ++i)
        v->derivative[0][i] = -v->value[2][i];
    return DQ_OK;
}
static int tree_sub_post(const dq_view_t *v)
{
    tree_calls[1][2]++;
    for (size_t i = 0; i < v->units; ++i)
        v->value[1][i] += 1.0; /* the aux counter: one per step (or substep) */
    return DQ_OK;
}
static const dq_state_desc_t tree_root_states[] = {{.name = "a"}};
static const dq_state_desc_t tree_sub_states[] = {
    {.name = "b"}, {.name = "count", .flags = DQ_STATE_AUX | DQ_STATE_COUNT}};
DQ_MODULE(tree_root, .name = "tree", .parent = -1, .states = tree_root_states, .n_states = 1,
          .reads = DQ_READS("b", "count"), .init_state = tree_init, .pre_integral = tree_root_pre,
          .compute_derivative = tree_root_deriv, .post_integral = tree_root_post);
DQ_MODULE(tree_sub, .name = "sub", .parent = 0, .states = tree_sub_states, .n_states = 2,
          .reads = DQ_READS("a"), .pre_integral = tree_sub_pre,
          .compute_derivative = tree_sub_deriv, .post_integral = tree_sub_post);
/* Ten units: blocks of 8 and 2. */
static const dq_param_desc_t tree_params[] = {
    {.name = "n", .def = 10, .doc = "units", .flags = DQ_PARAM_POPULATION}};
DQ_MODEL(tree_model, .name = "tree", .description = "a parent and a child", .params = tree_params,
         .n_params = 1, .modules = DQ_LIST(dq_module_desc_t, &tree_root, &tree_sub),
         .create = tree_create);

static dq_system_t *tree_run(const char *sub_solver, unsigned substeps, long steps)
{
    dq_error_t err = {0};
    dq_system_t *sys = dq_system_new(&tree_model, NULL, 0, &err);
    ck_assert_ptr_nonnull(sys);
    dq_system_set_solver(sys, dq_registry_lookup(reg, "euler", NULL), &err);
    if (sub_solver || substeps)
        ck_assert_int_eq(dq_system_set_module_solver(
                             sys, "sub",
                             sub_solver ? dq_registry_lookup(reg, sub_solver, NULL) : NULL,
                             substeps, ".submodules.sub", &err),
                         DQ_OK);
    dq_system_set_block_units(sys, 8, &err); /* two blocks: 8 units and 2 */
    ck_assert_int_eq(dq_system_prepare(sys, 0.0, 0.1, &err), DQ_OK);
    for (long k = 0; k < steps; ++k)
        ck_assert_msg(dq_system_step(sys, &err) == DQ_OK, "%s", err.message);
    return sys;
}

START_TEST(test_system_one_solver_integrates_the_whole_tree)
{
    dq_system_t *sys = tree_run(NULL, 0, 10);
    /* Plain Euler on (a, b): a' = b, b' = -a, both from the values at the start of the step. */
    for (size_t u = 0; u < 3; ++u) {
        double a = 1.0, b = 0.5 * (double)u;
        for (int k = 0; k < 10; ++k) {
            double na = a + 0.1 * b, nb = b + 0.1 * -a;
            a = na;
            b = nb;
        }
        ck_assert_ulps(dq_system_value(sys, 0, u), a, 4);
        ck_assert_ulps(dq_system_value(sys, 1, u), b, 4);
        ck_assert_double_eq(dq_system_value(sys, 2, u), 10.0); /* exact: a count */
    }
    /* One group: each module's lifecycle runs once per block and step (2 blocks). */
    ck_assert_int_eq(tree_calls[0][0], 20);
    ck_assert_int_eq(tree_calls[1][0], 20);
    ck_assert_int_eq(tree_calls[1][2], 20);
    ck_assert_ptr_eq(dq_system_module_solver(sys, 1), dq_registry_lookup(reg, "euler", NULL));
    dq_system_free(sys);
}
END_TEST

START_TEST(test_system_independent_submodule_steps_first_and_parent_sees_its_new_values)
{
    dq_system_t *sys = tree_run("euler", 0, 10);
    /* Documented order: the sub-module's solver advances b from t (seeing a_n), then the
     * parent's solver advances a seeing b_{n+1}: symplectic Euler, not plain Euler. */
    for (size_t u = 0; u < 3; ++u) {
        double a = 1.0, b = 0.5 * (double)u;
        for (int k = 0; k < 10; ++k) {
            b = b + 0.1 * -a;
            a = a + 0.1 * b;
        }
        ck_assert_ulps(dq_system_value(sys, 0, u), a, 4);
        ck_assert_ulps(dq_system_value(sys, 1, u), b, 4);
    }
    /* Each module is advanced once per step per block; the parent's solver no longer calls
     * the sub-module's compute_derivative. */
    ck_assert_int_eq(tree_calls[0][0], 20);
    ck_assert_int_eq(tree_calls[0][1], 20);
    ck_assert_int_eq(tree_calls[1][0], 20);
    ck_assert_int_eq(tree_calls[1][1], 20);
    ck_assert_int_eq(tree_calls[1][2], 20);
    dq_system_free(sys);
}
END_TEST

START_TEST(test_system_substeps_take_k_steps_of_dt_over_k)
{
    dq_system_t *sys = tree_run(NULL, 4, 5); /* the author's solver stays; only substeps */
    /* Substeps alone do not make a module independent when it has no solver of its own. */
    ck_assert_int_eq(tree_calls[1][0], 10);
    dq_system_free(sys);
    sys = tree_run("rk4", 4, 5);
    for (size_t u = 0; u < 3; ++u) {
        double a = 1.0, b = 0.5 * (double)u;
        for (int k = 0; k < 5; ++k) {
            for (int j = 0; j < 4; ++j)
                b = b + 0.025 * -a; /* rk4 on b' = -a with a frozen: exact linear update */
            a = a + 0.1 * b;
        }
        ck_assert_double_eq_tol(dq_system_value(sys, 0, u), a, 1e-15);
        ck_assert_double_eq_tol(dq_system_value(sys, 1, u), b, 1e-15);
        ck_assert_double_eq(dq_system_value(sys, 2, u), 20.0); /* exact: a count */
    }
    ck_assert_int_eq(tree_calls[1][0], 40); /* 5 steps x 4 substeps x 2 blocks */
    ck_assert_int_eq(tree_calls[0][0], 10);
    dq_system_free(sys);
}
END_TEST

START_TEST(test_system_unknown_submodule_is_named_with_suggestion)
{
    dq_error_t err = {0};
    dq_system_t *sys = dq_system_new(&tree_model, NULL, 0, &err);
    dq_system_set_solver(sys, dq_registry_lookup(reg, "euler", NULL), &err);
    ck_assert_int_eq(dq_system_set_module_solver(sys, "sbu", NULL, 2, ".submodules.sbu", &err),
                     DQ_EINVAL);
    ck_assert_str_eq(err.message, ".submodules.sbu: model 'tree' has no sub-module 'sbu'. Did "
                                  "you mean 'sub'? Sub-modules: sub.");
    dq_error_clear(&err);
    ck_assert_int_eq(dq_system_set_module_solver(sys, "tree", NULL, 2, NULL, &err), DQ_EINVAL);
    /* The root is not a sub-module; nothing is close to 'tree', so no suggestion. */
    ck_assert_str_eq(err.message, "model 'tree' has no sub-module 'tree'. Sub-modules: sub.");
    dq_system_free(sys);
}
END_TEST

/* A model whose author gives a sub-module its own solver, and a noisy state. Its root module
 * is built as for ABI 2.0, which always gave a diffusion slot: it writes the slot without
 * testing it, and must keep working with deterministic solvers. */
static int noisy_deriv(const dq_view_t *v)
{
    for (size_t i = 0; i < v->units; ++i) {
        v->derivative[0][i] = -v->value[0][i];
        v->diffusion[0][i] = 0.1;
    }
    return DQ_OK;
}
static int noisy_init(const dq_view_t *v)
{
    v->value[0][0] = 1.0;
    v->value[1][0] = 1.0;
    return DQ_OK;
}
static int quiet_deriv(const dq_view_t *v)
{
    v->derivative[0][0] = -2.0 * v->value[0][0];
    return DQ_OK;
}
static const dq_state_desc_t noisy_states[] = {{.name = "x", .flags = DQ_STATE_DIFFUSION}};
static const dq_state_desc_t quiet_states[] = {{.name = "q"}};
static const dq_module_desc_t noisy_root = {
    .abi = {(uint32_t)offsetof(dq_module_desc_t, diffusion_diag), DQ_ABI_MAJOR, 0},
    .name = "noisy",
    .parent = -1,
    .states = noisy_states,
    .n_states = 1,
    .reads = DQ_READS("q"),
    .init_state = noisy_init,
    .compute_derivative = noisy_deriv};
DQ_MODULE(quiet_sub, .name = "fast", .parent = 0, .states = quiet_states, .n_states = 1,
          .solver = "exp_eulr", .compute_derivative = quiet_deriv);
DQ_MODEL(noisy_model, .name = "noisy", .description = "noise and an author's solver",
         .modules = DQ_LIST(dq_module_desc_t, &noisy_root, &quiet_sub));

static char warned[512];
static int n_warned;
static void on_warn(void *user, const char *source, const char *message)
{
    (void)user;
    (void)source;
    snprintf(warned, sizeof warned, "%s", message);
    n_warned++;
}

START_TEST(test_system_author_solver_is_resolved_by_name)
{
    dq_error_t err = {0};
    dq_system_t *sys = dq_system_new(&noisy_model, NULL, 0, &err);
    dq_system_set_solver(sys, dq_registry_lookup(reg, "euler", NULL), &err);
    ck_assert_int_eq(dq_system_prepare(sys, 0, 0.1, &err), DQ_EUSAGE);
    dq_error_clear(&err);
    ck_assert_int_eq(dq_system_resolve_solvers(sys, reg, &err), DQ_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err.message, "model 'noisy', sub-module 'fast': Unknown "
                                              "integrator 'exp_eulr'. Did you mean "));
    dq_system_free(sys);
}
END_TEST

START_TEST(test_system_diffusion_ignored_by_solver_is_warned_once)
{
    dq_error_t err = {0};
    dq_system_t *sys = dq_system_new(&noisy_model, NULL, 0, &err);
    dq_system_set_solver(sys, dq_registry_lookup(reg, "euler", NULL), &err);
    dq_system_set_module_solver(sys, "fast", dq_registry_lookup(reg, "euler", NULL), 0, NULL, &err);
    n_warned = 0;
    dq_system_set_warning_handler(sys, on_warn, NULL);
    ck_assert_int_eq(dq_system_prepare(sys, 0, 0.1, &err), DQ_OK);
    for (int k = 0; k < 5; ++k)
        ck_assert_int_eq(dq_system_step(sys, &err), DQ_OK);
    ck_assert_int_eq(n_warned, 1);
    ck_assert_str_eq(warned, "state 'x' has noise (a non-zero diffusion), but solver 'euler' "
                             "integrates the deterministic drift only");
    /* The drift alone is integrated: x = 0.9^5 after five Euler steps of x' = -x. */
    ck_assert_double_eq_tol(dq_system_value(sys, 0, 0), pow(0.9, 5), 1e-15);
    ck_assert_double_eq_tol(dq_system_value(sys, 1, 0), pow(0.8, 5), 1e-15);
    dq_system_free(sys);
}
END_TEST

/* HH with its gates given their own solver: a different result, and the gates module is
 * advanced exactly once per step (its lifecycle calls are counted through wrappers). */
static dq_module_fn hh_gate_pre_orig, hh_gate_post_orig, hh_gate_deriv_orig;
static long hh_gate_pre, hh_gate_post, hh_gate_deriv;
static uint64_t hh_spikes; /* hh's spike events in the last hh_run */
static int hh_gate_pre_count(const dq_view_t *v)
{
    hh_gate_pre++;
    return hh_gate_pre_orig ? hh_gate_pre_orig(v) : DQ_OK;
}
static int hh_gate_post_count(const dq_view_t *v)
{
    hh_gate_post++;
    return hh_gate_post_orig ? hh_gate_post_orig(v) : DQ_OK;
}
static int hh_gate_deriv_count(const dq_view_t *v)
{
    hh_gate_deriv++;
    return hh_gate_deriv_orig(v);
}

static double hh_run(const dq_model_desc_t *hh, const char *gates_solver, long steps)
{
    dq_error_t err = {0};
    double I = 10.0;
    dq_param_arg_t args[] = {{"I_ext", &I, 1, NULL}};
    dq_system_t *sys = dq_system_new(hh, args, 1, &err);
    ck_assert_msg(sys != NULL, "%s", err.message);
    dq_system_set_solver(sys, dq_registry_lookup(reg, "rk4", NULL), &err);
    if (gates_solver)
        ck_assert_int_eq(dq_system_set_module_solver(sys, "gates",
                                                     dq_registry_lookup(reg, gates_solver, NULL), 0,
                                                     NULL, &err),
                         DQ_OK);
    ck_assert_int_eq(dq_system_prepare(sys, 0.0, 0.01, &err), DQ_OK);
    for (long k = 0; k < steps; ++k)
        ck_assert_msg(dq_system_step(sys, &err) == DQ_OK, "%s", err.message);
    double v = dq_system_value(sys, (size_t)dq_system_state_index(sys, "V"), 0);
    hh_spikes = dq_system_event_fired(sys, 0, 0);
    dq_system_free(sys);
    return v;
}

START_TEST(test_system_hh_gates_with_own_solver_differ_and_advance_once_per_step)
{
    dq_error_t err = {0};
    const dq_model_desc_t *hh = dq_registry_lookup_model(reg, "hh", &err)->desc;
    dq_module_desc_t mods[2] = {*hh->modules[0], *hh->modules[1]};
    ck_assert_str_eq(mods[1].name, "gates");
    hh_gate_pre_orig = mods[1].pre_integral;
    hh_gate_post_orig = mods[1].post_integral;
    hh_gate_deriv_orig = mods[1].compute_derivative;
    mods[1].pre_integral = hh_gate_pre_count;
    mods[1].post_integral = hh_gate_post_count;
    mods[1].compute_derivative = hh_gate_deriv_count;
    const dq_module_desc_t *ptrs[] = {&mods[0], &mods[1], NULL};
    dq_model_desc_t counted = *hh;
    counted.modules = ptrs;

    double v_single = hh_run(&counted, NULL, 1000);
    /* Under one rk4 solver the gates are a part of every stage, and of the two slopes the
     * host takes to locate hh's spike event in a step where V crossed 0 mV. */
    ck_assert_int_eq(hh_gate_pre, 1000);
    ck_assert_uint_ge(hh_spikes, 1);
    ck_assert_int_eq(hh_gate_deriv, 4000 + 2 * (long)hh_spikes);
    hh_gate_pre = hh_gate_post = hh_gate_deriv = 0;
    double v_split = hh_run(&counted, "exp_euler", 1000);
    ck_assert_int_eq(hh_gate_pre, 1000);
    ck_assert_int_eq(hh_gate_post, 1000);
    /* exp_euler evaluates f twice (at t and at t + h, for dF/dt); hh's analytic Jacobian
     * costs no derivative call. */
    ck_assert_int_eq(hh_gate_deriv, 2000);
    ck_assert(isfinite(v_single) && isfinite(v_split));
    ck_assert_msg(fabs(v_single - v_split) > 1e-6, "single %.17g split %.17g", v_single, v_split);
}
END_TEST

/* ---- threads -------------------------------------------------------------------------- */
static dq_system_t *hh_threads(size_t threads)
{
    dq_error_t err = {0};
    double n = 1000, I[1000];
    for (int u = 0; u < 1000; ++u)
        I[u] = 0.02 * u;
    dq_param_arg_t args[] = {{"n", &n, 1, NULL}, {"I_ext", I, 1000, NULL}};
    dq_system_t *sys =
        dq_system_new(dq_registry_lookup_model(reg, "hh", NULL)->desc, args, 2, &err);
    ck_assert_msg(sys != NULL, "%s", err.message);
    dq_system_set_solver(sys, dq_registry_lookup(reg, "rk4", NULL), &err);
    dq_system_set_block_units(sys, 64, &err); /* 16 blocks: 15 of 64 and one of 40 */
    ck_assert_int_eq(dq_system_set_threads(sys, threads, &err), DQ_OK);
    ck_assert_int_eq(dq_system_prepare(sys, 0.0, 0.025, &err), DQ_OK);
    ck_assert_uint_eq(dq_system_threads(sys), threads);
    return sys;
}

START_TEST(test_system_results_are_the_same_bits_for_every_thread_count)
{
    dq_error_t err = {0};
    dq_system_t *ref = hh_threads(1);
    for (int k = 0; k < 400; ++k) /* step by step: the plain order */
        ck_assert_int_eq(dq_system_step(ref, &err), DQ_OK);
    const size_t threads[] = {1, 2, 3, 5};
    for (size_t i = 0; i < 4; ++i) {
        dq_system_t *sys = hh_threads(threads[i]);
        /* In chunks: each lane takes its blocks through all the steps of a run. */
        ck_assert_int_eq(dq_system_run(sys, 150, &err), DQ_OK);
        ck_assert_int_eq(dq_system_run(sys, 250, &err), DQ_OK);
        ck_assert_uint_eq(dq_system_step_count(sys), 400);
        for (size_t s = 0; s < dq_system_state_count(sys); ++s)
            for (size_t u = 0; u < 1000; ++u) {
                double a = dq_system_value(sys, s, u), b = dq_system_value(ref, s, u);
                ck_assert_msg(memcmp(&a, &b, sizeof a) == 0,
                              "%zu threads: state %zu unit %zu: %.17g != %.17g", threads[i], s, u,
                              a, b);
            }
        dq_system_free(sys);
    }
    /* The population fires: the comparison covered spikes, not just resting values. */
    ck_assert_double_gt(dq_system_value(ref, 1, 999), 0.0);
    dq_system_free(ref);
}
END_TEST

/* y' = y^2 from y0 = 1 + u/10: larger units blow up sooner, so the earliest failure is in
 * a late block, which another thread steps, while block 0 fails later. */
static int blowup_init(const dq_view_t *v)
{
    for (size_t i = 0; i < v->units; ++i)
        v->value[0][i] = 1.0 + (double)(v->unit0 + i) / 10.0;
    return DQ_OK;
}
static int blowup_deriv(const dq_view_t *v)
{
    for (size_t i = 0; i < v->units; ++i)
        v->derivative[0][i] = v->value[0][i] * v->value[0][i];
    return DQ_OK;
}
static const dq_param_desc_t blowup_params[] = {
    {.name = "n", .def = 100, .doc = "units", .flags = DQ_PARAM_POPULATION}};
static const dq_state_desc_t blowup_states[] = {{.name = "y"}};
DQ_MODULE(blowup_root, .name = "blowup", .parent = -1, .states = blowup_states, .n_states = 1,
          .init_state = blowup_init, .compute_derivative = blowup_deriv);
DQ_MODEL(blowup_model, .name = "blowup", .description = "finite-time blow-up",
         .params = blowup_params, .n_params = 1,
         .modules = DQ_LIST(dq_module_desc_t, &blowup_root));

START_TEST(test_system_run_reports_the_earliest_failure_for_every_thread_count)
{
    /* The expected report: the earliest step at which any unit overflows, and the lowest
     * unit overflowing then (blocks are searched in order, and units within a block). */
    int best_step = 1 << 30, best_unit = -1;
    for (int u = 0; u < 100; ++u) {
        double y = 1.0 + u / 10.0;
        int k = 0;
        while (isfinite(y))
            y = y + 0.1 * (y * y), ++k;
        if (k < best_step)
            best_step = k, best_unit = u;
    }
    char want[64];
    snprintf(want, sizeof want, "state 'y' of unit %d became ", best_unit);
    char first[DQ_ERROR_MESSAGE_MAX] = "";
    for (size_t threads = 1; threads <= 4; ++threads) {
        dq_error_t err = {0};
        dq_system_t *sys = dq_system_new(&blowup_model, NULL, 0, &err);
        dq_system_set_solver(sys, dq_registry_lookup(reg, "euler", NULL), &err);
        dq_system_set_block_units(sys, 16, &err);
        dq_system_set_threads(sys, threads, &err);
        ck_assert_int_eq(dq_system_prepare(sys, 0.0, 0.1, &err), DQ_OK);
        ck_assert_int_eq(dq_system_run(sys, 1000, &err), DQ_ENONFINITE);
        ck_assert_msg(strstr(err.message, want) != NULL, "%s (want %s at step %d)", err.message,
                      want, best_step);
        ck_assert_uint_eq(dq_system_step_count(sys), 0); /* the run did not complete */
        if (threads == 1)
            snprintf(first, sizeof first, "%s", err.message);
        else
            ck_assert_str_eq(err.message, first);
        dq_system_free(sys);
    }
}
END_TEST

Suite *system_suite(void)
{
    Suite *s = suite_create("system");
    TCase *tc = tcase_create("system");
    /* Generous: the thread-count tests run HH populations, slowly under the sanitizers on a
     * loaded machine. */
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup_builtins, teardown_builtins);
    tcase_add_test(tc, test_system_euler_on_decay_gives_the_seed_value);
    tcase_add_test(tc, test_system_in_process_tutorial_euler_matches_builtin_bit_for_bit);
    tcase_add_test(tc, test_system_blocks_of_any_size_give_identical_bits);
    tcase_add_test(tc, test_system_lifecycle_runs_once_per_block_and_step);
    tcase_add_test(tc, test_system_step_loop_allocates_nothing);
    tcase_add_test(tc, test_system_unknown_parameter_suggests_the_close_one);
    tcase_add_test(tc, test_system_parameter_values_are_checked);
    tcase_add_test(tc, test_system_non_finite_value_stops_with_state_unit_time_and_solver);
    tcase_add_test(tc, test_system_prepare_requires_solver_and_valid_dt);
    tcase_add_test(tc, test_system_one_solver_integrates_the_whole_tree);
    tcase_add_test(tc,
                   test_system_independent_submodule_steps_first_and_parent_sees_its_new_values);
    tcase_add_test(tc, test_system_substeps_take_k_steps_of_dt_over_k);
    tcase_add_test(tc, test_system_unknown_submodule_is_named_with_suggestion);
    tcase_add_test(tc, test_system_author_solver_is_resolved_by_name);
    tcase_add_test(tc, test_system_diffusion_ignored_by_solver_is_warned_once);
    tcase_add_test(tc, test_system_hh_gates_with_own_solver_differ_and_advance_once_per_step);
    tcase_add_test(tc, test_system_results_are_the_same_bits_for_every_thread_count);
    tcase_add_test(tc, test_system_run_reports_the_earliest_failure_for_every_thread_count);
    suite_add_tcase(s, tc);
    return s;
}
