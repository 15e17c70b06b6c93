/* SPDX-License-Identifier: MIT */
/* check_conform.c -- the conformance engine behind `dqhost check`, in process: every
 * built-in solver passes with its declared order, each bad fixture fails the check it
 * breaks, and the ELF export listing. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dq/dq.h>
#include <dq/host/conform.h>
#include <dq/host/loader.h>
#include <dq/host/registry.h>

#include <check.h>

static dq_registry_t *reg;
static dq_loader_t *loader;

static void setup(void)
{
    dq_error_t err = {0};
    reg = dq_registry_new();
    loader = dq_loader_new(reg, &err);
    ck_assert_ptr_nonnull(loader);
}

static void teardown(void)
{
    dq_registry_free(reg);
    dq_loader_free(loader);
}

/* Loads one file of `dir` and returns the entry `name` from it. */
static const dq_integrator_entry_t *load(const char *dir, const char *file, const char *name)
{
    char path[1024];
    dq_error_t err = {0};
    snprintf(path, sizeof path, "%s/%s", dir, file);
    ck_assert_msg(dq_loader_load_file(loader, path, &err) == DQ_OK, "%s", err.message);
    const dq_integrator_entry_t *e = dq_registry_lookup(reg, name, &err);
    ck_assert_msg(e != NULL, "%s", err.message);
    return e;
}

static void conform(const dq_integrator_entry_t *e, dq_conform_result_t *r)
{
    dq_error_t err = {0};
    ck_assert_msg(dq_conform_run(e, r, &err) == DQ_OK, "%s", err.message);
}

static void assert_status(const dq_conform_result_t *r, dq_conform_check_id_t id, int status)
{
    ck_assert_msg(r->checks[id].status == status, "%s: %s is %s, expected %s: %s", r->solver,
                  dq_conform_check_name(id), dq_conform_status_name(r->checks[id].status),
                  dq_conform_status_name(status), r->checks[id].detail);
}

/* Only the listed checks fail. */
static void assert_fails_only(const dq_conform_result_t *r, dq_conform_check_id_t id)
{
    ck_assert_int_eq(r->passed, 0);
    for (int c = 0; c < DQ_CONFORM_N_CHECKS; ++c)
        if (c == (int)id)
            assert_status(r, id, DQ_CONFORM_FAIL);
        else
            ck_assert_msg(r->checks[c].status != DQ_CONFORM_FAIL, "%s: %s failed too: %s",
                          r->solver, dq_conform_check_name(c), r->checks[c].detail);
}

START_TEST(test_conform_passes_every_builtin_solver_with_its_declared_order)
{
    static const char *const names[] = {
        "euler",    "midpoint", "rk2",       "heun2",         "ralston2",       "rk3",
        "heun3",    "ssprk3",   "ralston3",  "rk4",           "ralston4",       "exp_euler",
        "ind_exp_euler", "backward_euler", "implicit_euler"};
    dq_error_t err = {0};
    ck_assert_int_eq(dq_loader_load_dir(loader, DQ_TEST_PLUGIN_DIR, &err), DQ_OK);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; ++i) {
        const dq_integrator_entry_t *e = dq_registry_lookup(reg, names[i], &err);
        ck_assert_msg(e != NULL, "%s", err.message);
        dq_conform_result_t r;
        conform(e, &r);
        ck_assert_str_eq(r.solver, names[i]);
        ck_assert_int_eq(r.declared_order, e->order);
        /* exp_euler's time check is a note (see the next test). */
        int exp_euler = strcmp(names[i], "exp_euler") == 0;
        for (int c = 0; c < DQ_CONFORM_N_CHECKS; ++c)
            if (c != DQ_CHECK_STIFF && !(c == DQ_CHECK_TIME && exp_euler))
                assert_status(&r, (dq_conform_check_id_t)c, DQ_CONFORM_PASS);
        assert_status(&r, DQ_CHECK_STIFF, DQ_CONFORM_INFO);
        ck_assert_int_eq(r.passed, 1);
        ck_assert_msg(fabs(r.measured_order - e->order) <= 0.2, "%s: declared %d, measured %g",
                      names[i], e->order, r.measured_order);
        /* The order is measured on at least one problem, and every problem ran. */
        for (int p = 0; p < DQ_CONFORM_N_PROBLEMS; ++p)
            ck_assert_msg(r.orders[p].status == DQ_ORDER_MEASURED ||
                              r.orders[p].status == DQ_ORDER_EXACT,
                          "%s on %s: status %d", names[i], dq_conform_problem_name(p),
                          r.orders[p].status);
    }
}
END_TEST

START_TEST(test_conform_exp_euler_is_second_order_also_when_time_dependent)
{
    dq_conform_result_t r;
    conform(load(DQ_TEST_PLUGIN_DIR, "exp_euler.so", "exp_euler"), &r);
    /* Exact on the linear problems, second order on logistic and on riccati: the step adds
     * the dt^2 phi_2(dt J) dF/dt term, so a time-dependent F keeps the order. */
    ck_assert_int_eq(r.orders[DQ_PROBLEM_DECAY].status, DQ_ORDER_EXACT);
    ck_assert_int_eq(r.orders[DQ_PROBLEM_OSCILLATOR].status, DQ_ORDER_EXACT);
    ck_assert_double_eq_tol(r.orders[DQ_PROBLEM_LOGISTIC].order, 2.0, 0.1);
    ck_assert_double_eq_tol(r.orders[DQ_PROBLEM_RICCATI].order, 2.0, 0.1);
    assert_status(&r, DQ_CHECK_TIME, DQ_CONFORM_PASS);
    ck_assert_int_eq(r.passed, 1);
}
END_TEST

START_TEST(test_conform_stiff_verdicts)
{
    dq_conform_result_t r;
    conform(load(DQ_TEST_PLUGIN_DIR, "backward_euler.so", "backward_euler"), &r);
    ck_assert_str_eq(r.checks[DQ_CHECK_STIFF].detail, "stable at dt = 0.01");
    conform(load(DQ_TEST_PLUGIN_DIR, "rk4.so", "rk4"), &r);
    ck_assert_msg(strncmp(r.checks[DQ_CHECK_STIFF].detail, "unstable at dt = 0.01", 21) == 0,
                  "%s", r.checks[DQ_CHECK_STIFF].detail);
    ck_assert_int_eq(r.passed, 1);
}
END_TEST

START_TEST(test_conform_fake_order_fails_order_check)
{
    dq_conform_result_t r;
    conform(load(DQ_TEST_FIXTURE_DIR, "check_fake_order.so", "fixture_check_fake_order"), &r);
    assert_fails_only(&r, DQ_CHECK_ORDER);
    ck_assert_double_eq_tol(r.measured_order, 1.0, 0.1);
    ck_assert_msg(strncmp(r.checks[DQ_CHECK_ORDER].detail, "order mismatch: declared 4, "
                          "measured 1.0", 40) == 0, "%s", r.checks[DQ_CHECK_ORDER].detail);
}
END_TEST

START_TEST(test_conform_missing_post_integral_fails_lifecycle)
{
    dq_conform_result_t r;
    conform(load(DQ_TEST_FIXTURE_DIR, "check_no_post.so", "fixture_check_no_post"), &r);
    assert_fails_only(&r, DQ_CHECK_LIFECYCLE);
    ck_assert_str_eq(r.checks[DQ_CHECK_LIFECYCLE].detail,
                     "post_integral called 0 times in step 1 of 'decay' (dt = 0.1) "
                     "(expected 1)");
}
END_TEST

START_TEST(test_conform_write_past_block_fails_memory)
{
    dq_conform_result_t r;
    conform(load(DQ_TEST_FIXTURE_DIR, "check_bad_write.so", "fixture_check_bad_write"), &r);
    assert_fails_only(&r, DQ_CHECK_MEMORY);
    ck_assert_str_eq(r.checks[DQ_CHECK_MEMORY].detail,
                     "wrote outside the states it integrates: ctx->y[3] (its length is 3) in "
                     "step 1 of 'decay' (dt = 0.1)");
}
END_TEST

/* In-process solvers for the checks the fixtures do not cover. */
static int euler_step(dq_ctx_t *ctx)
{
    int rc = dq_pre_integral(ctx);
    if (rc == DQ_OK)
        rc = dq_compute_derivative(ctx, ctx->t, ctx->y, ctx->f);
    if (rc)
        return rc;
    for (size_t i = 0; i < ctx->n; ++i)
        ctx->y[i] += ctx->dt * ctx->f[i];
    return dq_post_integral(ctx);
}

/* Euler that evaluates F at a time it makes up. */
static int wrong_time_step(dq_ctx_t *ctx)
{
    int rc = dq_pre_integral(ctx);
    if (rc == DQ_OK)
        rc = dq_compute_derivative(ctx, ctx->t + 0.5, ctx->y, ctx->f);
    if (rc)
        return rc;
    for (size_t i = 0; i < ctx->n; ++i)
        ctx->y[i] += ctx->dt * ctx->f[i];
    return dq_post_integral(ctx);
}

/* Fails every step through dq_fail. */
static int failing_step(dq_ctx_t *ctx)
{
    int rc = dq_pre_integral(ctx);
    if (rc)
        return rc;
    return dq_fail(ctx, DQ_ESOLVER, 0, "no luck");
}

/* Writes its derivative into memory the host never gave it. */
static double stray[64];
static int stray_step(dq_ctx_t *ctx)
{
    int rc = dq_pre_integral(ctx);
    if (rc == DQ_OK)
        rc = dq_compute_derivative(ctx, ctx->t, ctx->y, stray);
    if (rc)
        return rc;
    return dq_post_integral(ctx);
}

DQ_INTEGRATOR(fancy_desc, .name = "fancy_euler", .category = "fancy", .order = 1,
              .description = "Euler in an unknown category.", .step = euler_step);
DQ_INTEGRATOR(undeclared_desc, .name = "undeclared_euler", .category = "explicit",
              .description = "Euler without a declared order.", .step = euler_step);
DQ_INTEGRATOR(wrong_time_desc, .name = "wrong_time", .category = "explicit", .order = 1,
              .description = "Euler at the wrong time.", .step = wrong_time_step);
DQ_INTEGRATOR(failing_desc, .name = "failing", .category = "explicit", .order = 1,
              .description = "Always fails.", .step = failing_step);
DQ_INTEGRATOR(stray_desc, .name = "stray", .category = "explicit", .order = 1,
              .description = "Hands the host foreign memory.", .step = stray_step);

static const dq_integrator_entry_t *builtin(const dq_integrator_desc_t *d)
{
    dq_error_t err = {0};
    ck_assert_msg(dq_registry_register(reg, d, NULL, &err) == DQ_OK, "%s", err.message);
    return dq_registry_lookup(reg, d->name, &err);
}

START_TEST(test_conform_in_process_entry_skips_exports_and_checks_category)
{
    dq_conform_result_t r;
    conform(builtin(&fancy_desc), &r);
    assert_status(&r, DQ_CHECK_EXPORTS, DQ_CONFORM_INFO);
    ck_assert_str_eq(r.checks[DQ_CHECK_EXPORTS].detail, "built into the program");
    assert_fails_only(&r, DQ_CHECK_CATEGORY);
    ck_assert_str_eq(r.checks[DQ_CHECK_CATEGORY].detail,
                     "category 'fancy' is not one of: explicit, implicit, exponential, "
                     "stochastic, symplectic, multistep, adaptive, other");
}
END_TEST

START_TEST(test_conform_undeclared_order_is_information)
{
    dq_conform_result_t r;
    conform(builtin(&undeclared_desc), &r);
    ck_assert_int_eq(r.passed, 1);
    assert_status(&r, DQ_CHECK_ORDER, DQ_CONFORM_INFO);
    ck_assert_msg(strncmp(r.checks[DQ_CHECK_ORDER].detail, "measured 1.00, none declared", 28) ==
                      0,
                  "%s", r.checks[DQ_CHECK_ORDER].detail);
}
END_TEST

START_TEST(test_conform_wrong_stage_time_fails_time_check)
{
    dq_conform_result_t r;
    conform(builtin(&wrong_time_desc), &r);
    assert_fails_only(&r, DQ_CHECK_TIME);
    ck_assert_msg(strstr(r.checks[DQ_CHECK_TIME].detail, "stages evaluated at the right times"),
                  "%s", r.checks[DQ_CHECK_TIME].detail);
}
END_TEST

START_TEST(test_conform_failing_step_names_the_code)
{
    dq_conform_result_t r;
    conform(builtin(&failing_desc), &r);
    assert_status(&r, DQ_CHECK_STATUS, DQ_CONFORM_FAIL);
    ck_assert_str_eq(r.checks[DQ_CHECK_STATUS].detail,
                     "step 1 of 'decay' (dt = 0.1) returned ESOLVER: no luck (at y[0])");
    assert_status(&r, DQ_CHECK_ORDER, DQ_CONFORM_FAIL);
    assert_status(&r, DQ_CHECK_DETERMINISM, DQ_CONFORM_SKIP);
    ck_assert_int_eq(r.orders[DQ_PROBLEM_DECAY].status, DQ_ORDER_FAILED);
}
END_TEST

START_TEST(test_conform_foreign_memory_given_to_host_fails_memory)
{
    dq_conform_result_t r;
    conform(builtin(&stray_desc), &r);
    assert_status(&r, DQ_CHECK_MEMORY, DQ_CONFORM_FAIL);
    ck_assert_str_eq(r.checks[DQ_CHECK_MEMORY].detail,
                     "compute_derivative called with its output outside ctx->y, ctx->f and "
                     "ctx->work (or too short) in step 1 of 'decay' (dt = 0.1)");
    /* The host refused to write there. */
    for (size_t i = 0; i < 64; ++i)
        ck_assert(stray[i] == 0.0);
}
END_TEST

START_TEST(test_conform_elf_exports_of_builtin_plugin_is_only_the_entry)
{
    dq_elf_exports_t ex;
    dq_error_t err = {0};
    ck_assert_msg(dq_elf_exports_read(DQ_TEST_PLUGIN_DIR "/euler.so", &ex, &err) == DQ_OK, "%s",
                  err.message);
    ck_assert_uint_eq(ex.count, 1);
    ck_assert_str_eq(ex.names[0], "dq_plugin_entry");
    dq_elf_exports_cleanup(&ex);
    ck_assert_uint_eq(ex.count, 0);
    ck_assert_ptr_null(ex.names);
    dq_elf_exports_cleanup(NULL);
}
END_TEST

START_TEST(test_conform_elf_exports_of_libdqcore_lists_its_api)
{
    dq_elf_exports_t ex;
    dq_error_t err = {0};
    ck_assert_msg(dq_elf_exports_read(DQ_TEST_BINARY_DIR "/core/libdqcore.so", &ex, &err) ==
                      DQ_OK,
                  "%s", err.message);
    int found = 0;
    for (size_t i = 0; i < ex.count; ++i)
        found |= strcmp(ex.names[i], "dq_conform_run") == 0;
    ck_assert_msg(found, "dq_conform_run not among %zu exports", ex.count);
    dq_elf_exports_cleanup(&ex);
}
END_TEST

START_TEST(test_conform_elf_exports_of_bad_files_are_errors)
{
    dq_elf_exports_t ex;
    dq_error_t err = {0};
    const char *path = DQ_TEST_FIXTURE_DIR "/not_elf.so";
    ck_assert_int_eq(dq_elf_exports_read(path, &ex, &err), DQ_EINVAL);
    ck_assert_uint_eq(ex.count, 0);
    ck_assert_str_eq(err.source, path);
    ck_assert_str_eq(err.message, "'" DQ_TEST_FIXTURE_DIR "/not_elf.so' is not an ELF file");

    dq_error_clear(&err);
    ck_assert_int_eq(dq_elf_exports_read(DQ_TEST_FIXTURE_DIR "/no_such.so", &ex, &err), DQ_EIO);
    ck_assert_msg(strstr(err.message, "cannot open '" DQ_TEST_FIXTURE_DIR "/no_such.so'"), "%s",
                  err.message);

    /* A 32-bit ELF header. */
    char tmp[] = "/tmp/dq_conform_elf32_XXXXXX";
    int fd = mkstemp(tmp);
    ck_assert_int_ge(fd, 0);
    unsigned char hdr[52] = {0x7f, 'E', 'L', 'F', 1, 1, 1};
    ck_assert_int_eq(write(fd, hdr, sizeof hdr), (int)sizeof hdr);
    close(fd);
    dq_error_clear(&err);
    ck_assert_int_eq(dq_elf_exports_read(tmp, &ex, &err), DQ_EINVAL);
    unlink(tmp);
    ck_assert_msg(strstr(err.message, "is a 32-bit ELF file; only 64-bit ELF is read"), "%s",
                  err.message);
}
END_TEST

START_TEST(test_conform_names)
{
    ck_assert_str_eq(dq_conform_check_name(DQ_CHECK_RUN), "run");
    ck_assert_str_eq(dq_conform_check_name(DQ_CHECK_STIFF), "stiff");
    ck_assert_ptr_null(dq_conform_check_name(DQ_CONFORM_N_CHECKS));
    ck_assert_str_eq(dq_conform_problem_name(DQ_PROBLEM_RICCATI), "riccati");
    ck_assert_ptr_null(dq_conform_problem_name(-1));
    ck_assert_str_eq(dq_conform_status_name(DQ_CONFORM_SKIP), "skip");
    dq_error_t err = {0};
    dq_conform_result_t r;
    ck_assert_int_eq(dq_conform_run(NULL, &r, &err), DQ_EINVAL);
}
END_TEST

Suite *conform_suite(void)
{
    Suite *s = suite_create("conform");
    TCase *tc = tcase_create("conform");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_conform_passes_every_builtin_solver_with_its_declared_order);
    tcase_add_test(tc, test_conform_exp_euler_is_second_order_also_when_time_dependent);
    tcase_add_test(tc, test_conform_stiff_verdicts);
    tcase_add_test(tc, test_conform_fake_order_fails_order_check);
    tcase_add_test(tc, test_conform_missing_post_integral_fails_lifecycle);
    tcase_add_test(tc, test_conform_write_past_block_fails_memory);
    tcase_add_test(tc, test_conform_in_process_entry_skips_exports_and_checks_category);
    tcase_add_test(tc, test_conform_undeclared_order_is_information);
    tcase_add_test(tc, test_conform_wrong_stage_time_fails_time_check);
    tcase_add_test(tc, test_conform_failing_step_names_the_code);
    tcase_add_test(tc, test_conform_foreign_memory_given_to_host_fails_memory);
    tcase_add_test(tc, test_conform_elf_exports_of_builtin_plugin_is_only_the_entry);
    tcase_add_test(tc, test_conform_elf_exports_of_libdqcore_lists_its_api);
    tcase_add_test(tc, test_conform_elf_exports_of_bad_files_are_errors);
    tcase_add_test(tc, test_conform_names);
    suite_add_tcase(s, tc);
    return s;
}
