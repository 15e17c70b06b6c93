/* SPDX-License-Identifier: MIT */
/* check_system.c -- the state model and the step driver: layout in blocks, lifecycle calls,
 * parameters, non-finite detection, and the seed's tutorial_euler reproduced in-process. */
#define _GNU_SOURCE
#include <math.h>
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
#if defined(__SANITIZE_ADDRESS__)
#define DQ_TEST_COUNT_ALLOCS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DQ_TEST_COUNT_ALLOCS 0
#endif
#endif
#ifndef DQ_TEST_COUNT_ALLOCS
#define DQ_TEST_COUNT_ALLOCS 1
#endif

#if DQ_TEST_COUNT_ALLOCS
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
static long allocs;
void *malloc(size_t n)
{
    allocs++;
    return __libc_malloc(n);
}
void *calloc(size_t a, size_t b)
{
    allocs++;
    return __libc_calloc(a, b);
}
void *realloc(void *p, size_t n)
{
    allocs++;
    return __libc_realloc(p, n);
}
#endif

/* ---- an in-test model: dy/dt = rate * y per unit, with lifecycle counters -------------- */
typedef struct counting {
    double rate;
    long pre, deriv, post;
    size_t last_unit0, last_units;
} counting_t;

static counting_t counting_instance;

static int counting_create(const dq_param_value_t *p, size_t *units, void **data, char *msg,
                           size_t len)
{
    (void)msg;
    (void)len;
    counting_instance = (counting_t){.rate = p[0].v[0]};
    *units = (size_t)p[1].v[0];
    *data = &counting_instance;
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
    ((counting_t *)v->data)->pre++;
    return DQ_OK;
}

static int counting_deriv(const dq_view_t *v)
{
    counting_t *c = v->data;
    c->deriv++;
    c->last_unit0 = v->unit0;
    c->last_units = v->units;
    for (size_t i = 0; i < v->units; ++i)
        v->derivative[0][i] = c->rate * v->value[0][i];
    return DQ_OK;
}

static int counting_post(const dq_view_t *v)
{
    ((counting_t *)v->data)->post++;
    return DQ_OK;
}

static const dq_state_desc_t counting_states[] = {{.name = "y", .doc = "growing quantity"}};
DQ_MODULE(counting_root, .name = "root", .parent = -1, .states = counting_states, .n_states = 1,
          .init_state = counting_init, .pre_integral = counting_pre,
          .compute_derivative = counting_deriv, .post_integral = counting_post);
static const dq_param_desc_t counting_params[] = {
    {.name = "rate", .def = -0.1, .doc = "growth rate"},
    {.name = "n", .def = 1, .doc = "units", .flags = DQ_PARAM_INTEGER | DQ_PARAM_POSITIVE},
    {.name = "gain", .def = 1, .doc = "per-unit gain", .flags = DQ_PARAM_PER_UNIT},
};
DQ_MODEL(counting_model, .name = "counting", .description = "test model",
         .params = counting_params, .n_params = 3,
         .modules = DQ_LIST(dq_module_desc_t, &counting_root), .create = counting_create);

/* The seed's tutorial_euler, registered in-process with alias tut_euler and override. */
static int tutorial_euler_step(dq_ctx_t *ctx)
{
    int rc = dq_pre_integral(ctx);
    if (rc == DQ_OK)
        rc = dq_compute_derivative(ctx, ctx->t, ctx->y, ctx->f);
    if (rc)
        return rc;
    for (size_t i = 0; i < ctx->n; ++i)
        ctx->y[i] = ctx->y[i] + ctx->dt * ctx->f[i];
    return dq_post_integral(ctx);
}

DQ_INTEGRATOR(tutorial_euler, .name = "tutorial_euler", .aliases = DQ_ALIASES("tut_euler"),
              .category = "explicit", .order = 1,
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
    double b = run_final(decay->desc, NULL, 0, dq_registry_lookup(reg, "explicit", &err), 0.05,
                         200);
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
    dq_param_arg_t args[] = {{"n", &n, 1}};
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
    double n = 10;
    dq_param_arg_t args[] = {{"n", &n, 1}};
    dq_system_t *sys = dq_system_new(&counting_model, args, 1, &err);
    dq_system_set_solver(sys, euler, &err);
    dq_system_set_block_units(sys, 4, &err); /* blocks of 4, 4 and 2 units */
    ck_assert_int_eq(dq_system_prepare(sys, 0.0, 0.1, &err), DQ_OK);
    for (int s = 0; s < 5; ++s)
        ck_assert_int_eq(dq_system_step(sys, &err), DQ_OK);
    ck_assert_int_eq(counting_instance.pre, 15);
    ck_assert_int_eq(counting_instance.deriv, 15);
    ck_assert_int_eq(counting_instance.post, 15);
    ck_assert_uint_eq(counting_instance.last_unit0, 8);
    ck_assert_uint_eq(counting_instance.last_units, 2);
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
    dq_param_arg_t args[] = {{"n", &n, 1}};
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
    dq_param_arg_t args[] = {{"rat", &v, 1}};
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
    dq_param_arg_t a1[] = {{"n", &half, 1}};
    ck_assert_ptr_null(dq_system_new(&counting_model, a1, 1, &err));
    ck_assert_str_eq(err.message, "parameter 'n' of model 'counting' must be a whole number, "
                                  "got 2.5");
    dq_error_clear(&err);
    dq_param_arg_t a2[] = {{"n", &neg, 1}};
    ck_assert_ptr_null(dq_system_new(&counting_model, a2, 1, &err));
    ck_assert_str_eq(err.message, "parameter 'n' of model 'counting' must be positive, got -1");
    dq_error_clear(&err);
    dq_param_arg_t a3[] = {{"rate", three, 3}};
    ck_assert_ptr_null(dq_system_new(&counting_model, a3, 1, &err));
    ck_assert_str_eq(err.message, "parameter 'rate' of model 'counting' takes one value, got 3");
    dq_error_clear(&err);
    dq_param_arg_t a4[] = {{"gain", three, 3}};
    ck_assert_ptr_null(dq_system_new(&counting_model, a4, 1, &err));
    ck_assert_str_eq(err.message,
                     "parameter 'gain' of model 'counting' has 3 values but the model has 1 "
                     "units");
    dq_error_clear(&err);
    double nan_v = NAN;
    dq_param_arg_t a5[] = {{"rate", &nan_v, 1}};
    ck_assert_ptr_null(dq_system_new(&counting_model, a5, 1, &err));
    ck_assert_str_eq(err.message, "parameter 'rate' of model 'counting' must be a finite number");
}
END_TEST

START_TEST(test_system_non_finite_value_stops_with_state_unit_time_and_solver)
{
    dq_error_t err = {0};
    const dq_integrator_entry_t *euler = dq_registry_lookup(reg, "euler", &err);
    double rate = 1e300, n = 3;
    dq_param_arg_t args[] = {{"rate", &rate, 1}, {"n", &n, 1}};
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
    ck_assert_double_eq(err.time, 1.0);
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

Suite *system_suite(void)
{
    Suite *s = suite_create("system");
    TCase *tc = tcase_create("system");
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
    suite_add_tcase(s, tc);
    return s;
}
