/* SPDX-License-Identifier: MIT */
/* check_conform.c -- the conformance engine behind `dqhost check`, in process: each bad
 * solver (fixture plugins and in-test steps) fails the check it breaks, verdicts follow the
 * declared category, the ABI 2.0 host (padding lanes, scratch, state, init/reset, the
 * Jacobian capability), the model checks on every built-in model and on bad models, and the
 * ELF export listing. (check_solvers runs the battery on every built-in solver.) */
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

static int has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
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

START_TEST(test_conform_fake_order_fails_order_check)
{
    dq_conform_result_t r;
    conform(load(DQ_TEST_FIXTURE_DIR, "check_fake_order.so", "fixture_check_fake_order"), &r);
    assert_fails_only(&r, DQ_CHECK_ORDER);
    ck_assert_double_eq_tol(r.measured_order, 1.0, 0.1);
    ck_assert_msg(has_prefix(r.checks[DQ_CHECK_ORDER].detail, "order mismatch: declared 4, "
                                                              "measured 1.0"),
                  "%s", r.checks[DQ_CHECK_ORDER].detail);
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
                     "wrote outside the states it integrates: ctx->y[8] (its length is 8) in "
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
    for (size_t i = 0; i < ctx->len; ++i)
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
    for (size_t i = 0; i < ctx->len; ++i)
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
    /* The registry refuses an unknown category; an entry made by hand reaches the engine. */
    static const char *const none[] = {NULL};
    const dq_integrator_entry_t fancy = {.name = "fancy_euler",
                                         .aliases = none,
                                         .category = "fancy",
                                         .order = 1,
                                         .description = "Euler in an unknown category.",
                                         .step = euler_step,
                                         .origin = DQ_ORIGIN_BUILTIN};
    dq_conform_result_t r;
    conform(&fancy, &r);
    assert_status(&r, DQ_CHECK_EXPORTS, DQ_CONFORM_INFO);
    ck_assert_str_eq(r.checks[DQ_CHECK_EXPORTS].detail, "built into the program");
    assert_fails_only(&r, DQ_CHECK_CATEGORY);
    ck_assert_str_eq(r.checks[DQ_CHECK_CATEGORY].detail,
                     "category 'fancy' is not one of: adaptive, cable, explicit, exponential, "
                     "implicit, other, stochastic");
}
END_TEST

START_TEST(test_conform_undeclared_order_is_information)
{
    dq_conform_result_t r;
    conform(builtin(&undeclared_desc), &r);
    ck_assert_int_eq(r.passed, 1);
    assert_status(&r, DQ_CHECK_ORDER, DQ_CONFORM_INFO);
    ck_assert_msg(has_prefix(r.checks[DQ_CHECK_ORDER].detail, "measured 1.00, none declared"), "%s",
                  r.checks[DQ_CHECK_ORDER].detail);
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
                     "compute_derivative called with its output outside ctx->y, ctx->f, "
                     "ctx->scratch and ctx->state (or too short) in step 1 of 'decay' (dt = 0.1)");
    /* The host refused to write there. */
    for (size_t i = 0; i < 64; ++i)
        ck_assert(stray[i] == 0.0);
}
END_TEST

/* ---- what a solver declares decides its verdicts ---- */

/* Asks for the Jacobian without declaring DQ_CAP_JACOBIAN. */
static int undeclared_jacobian_step(dq_ctx_t *ctx)
{
    double *J = dq_scratch(ctx, 0);
    int rc = dq_pre_integral(ctx);
    if (rc == DQ_OK)
        rc = dq_compute_derivative(ctx, ctx->t, ctx->y, ctx->f);
    if (rc == DQ_OK)
        rc = dq_jacobian(ctx, ctx->t, ctx->y, ctx->f, J);
    if (rc)
        return rc;
    for (size_t i = 0; i < ctx->len; ++i)
        ctx->y[i] += ctx->dt * ctx->f[i];
    return dq_post_integral(ctx);
}

/* Steps only the live lanes: the padding lanes stay where they started. */
static int live_only_step(dq_ctx_t *ctx)
{
    int rc = dq_pre_integral(ctx);
    if (rc == DQ_OK)
        rc = dq_compute_derivative(ctx, ctx->t, ctx->y, ctx->f);
    if (rc)
        return rc;
    for (size_t k = 0; k < ctx->comps; ++k)
        for (size_t u = 0; u < ctx->live; ++u)
            ctx->y[k * ctx->units + u] += ctx->dt * ctx->f[k * ctx->units + u];
    return dq_post_integral(ctx);
}

/* Keeps y of the previous step in scratch, which is undefined at every call. */
static int scratch_keeper_step(dq_ctx_t *ctx)
{
    double *prev = dq_scratch(ctx, 0);
    int rc = dq_pre_integral(ctx);
    if (rc == DQ_OK)
        rc = dq_compute_derivative(ctx, ctx->t, ctx->y, ctx->f);
    if (rc)
        return rc;
    for (size_t i = 0; i < ctx->len; ++i) {
        double y = ctx->y[i];
        ctx->y[i] = ctx->step ? prev[i] + ctx->dt * ctx->f[i] : y + ctx->dt * ctx->f[i];
        prev[i] = ctx->y[i];
    }
    return dq_post_integral(ctx);
}

/* Euler with the step size cached per unit in its persistent state by init (and reset):
 * correct only if the host keeps the state and tells it when dt changes. */
static int cached_dt_step(dq_ctx_t *ctx)
{
    const double *h = dq_state(ctx, 0);
    int rc = dq_pre_integral(ctx);
    if (rc == DQ_OK)
        rc = dq_compute_derivative(ctx, ctx->t, ctx->y, ctx->f);
    if (rc)
        return rc;
    for (size_t i = 0; i < ctx->len; ++i)
        ctx->y[i] += h[i] * ctx->f[i];
    return dq_post_integral(ctx);
}

static int cached_dt_init(dq_ctx_t *ctx)
{
    double *h = dq_state(ctx, 0);
    for (size_t i = 0; i < ctx->len; ++i)
        h[i] = ctx->dt;
    return DQ_OK;
}

static int forgetful_reset(dq_ctx_t *ctx)
{
    (void)ctx;
    return DQ_OK;
}

static const char *const no_aliases[] = {NULL};

/* An entry as the registry makes one, for steps the battery should judge. */
static dq_integrator_entry_t entry_of(const char *name, const char *category, int order,
                                      uint32_t flags, dq_step_fn step)
{
    return (dq_integrator_entry_t){.name = name,
                                   .aliases = no_aliases,
                                   .category = category,
                                   .order = order,
                                   .description = "an in-test solver",
                                   .flags = flags,
                                   .step = step,
                                   .scratch_vectors = 4,
                                   .origin = DQ_ORIGIN_BUILTIN};
}

START_TEST(test_conform_jacobian_without_the_capability_is_refused)
{
    dq_integrator_entry_t e =
        entry_of("nojac", DQ_CATEGORY_EXPLICIT, 1, 0, undeclared_jacobian_step);
    dq_conform_result_t r;
    conform(&e, &r);
    assert_status(&r, DQ_CHECK_STATUS, DQ_CONFORM_FAIL);
    ck_assert_str_eq(r.checks[DQ_CHECK_STATUS].detail,
                     "step 1 of 'decay' (dt = 0.1) returned EUSAGE: dq_jacobian called by a "
                     "solver that does not declare DQ_CAP_JACOBIAN");
    /* Declared, the same step passes. */
    e.flags = DQ_CAP_JACOBIAN;
    conform(&e, &r);
    ck_assert_msg(r.passed, "%s", r.checks[DQ_CHECK_STATUS].detail);
}
END_TEST

START_TEST(test_conform_padding_lanes_stepped_differently_fail_determinism)
{
    dq_integrator_entry_t e = entry_of("live_only", DQ_CATEGORY_EXPLICIT, 1, 0, live_only_step);
    dq_conform_result_t r;
    conform(&e, &r);
    assert_fails_only(&r, DQ_CHECK_DETERMINISM);
    ck_assert_msg(has_prefix(r.checks[DQ_CHECK_DETERMINISM].detail,
                             "lane 3 of 'decay' (padding, a copy of lane 2) ended at 1."),
                  "%s", r.checks[DQ_CHECK_DETERMINISM].detail);
    ck_assert_msg(strstr(r.checks[DQ_CHECK_DETERMINISM].detail, "lanes are not stepped alike"),
                  "%s", r.checks[DQ_CHECK_DETERMINISM].detail);
}
END_TEST

START_TEST(test_conform_scratch_kept_between_steps_is_caught)
{
    dq_integrator_entry_t e =
        entry_of("scratch_keeper", DQ_CATEGORY_EXPLICIT, 1, 0, scratch_keeper_step);
    dq_conform_result_t r;
    conform(&e, &r);
    assert_status(&r, DQ_CHECK_ORDER, DQ_CONFORM_FAIL);
    ck_assert_msg(strstr(r.checks[DQ_CHECK_ORDER].detail, "failed or gave non-finite values"), "%s",
                  r.checks[DQ_CHECK_ORDER].detail);
    ck_assert_int_eq(r.orders[DQ_PROBLEM_DECAY].status, DQ_ORDER_FAILED);
}
END_TEST

START_TEST(test_conform_state_persists_and_dt_change_resets_or_inits_again)
{
    dq_integrator_entry_t e = entry_of("cached_dt", DQ_CATEGORY_EXPLICIT, 1, 0, cached_dt_step);
    e.state_vectors = 1;
    e.init = cached_dt_init;
    e.reset = cached_dt_init;
    dq_conform_result_t r;
    conform(&e, &r);
    ck_assert_msg(r.passed, "%s / %s", r.checks[DQ_CHECK_RESET].detail,
                  r.checks[DQ_CHECK_ORDER].detail);
    assert_status(&r, DQ_CHECK_RESET, DQ_CONFORM_PASS);
    ck_assert_msg(has_prefix(r.checks[DQ_CHECK_RESET].detail, "dt 0.1 -> 0.05 at t = 0.5 (reset)"),
                  "%s", r.checks[DQ_CHECK_RESET].detail);
    /* No reset: the host calls init again. */
    e.reset = NULL;
    conform(&e, &r);
    ck_assert_int_eq(r.passed, 1);
    ck_assert_msg(strstr(r.checks[DQ_CHECK_RESET].detail, "(init again)"), "%s",
                  r.checks[DQ_CHECK_RESET].detail);
    /* A reset that forgets its cache keeps stepping with the old dt. */
    e.reset = forgetful_reset;
    conform(&e, &r);
    assert_fails_only(&r, DQ_CHECK_RESET);
    ck_assert_msg(has_prefix(r.checks[DQ_CHECK_RESET].detail,
                             "after dt changed from 0.1 to 0.05 at t = 0.5 (reset) the error on "
                             "'oscillator' is "),
                  "%s", r.checks[DQ_CHECK_RESET].detail);
}
END_TEST

START_TEST(test_conform_implicit_solver_must_be_stable_when_stiff)
{
    dq_integrator_entry_t e = entry_of("euler", DQ_CATEGORY_EXPLICIT, 1, 0, euler_step);
    dq_conform_result_t r;
    conform(&e, &r);
    assert_status(&r, DQ_CHECK_STIFF, DQ_CONFORM_INFO);
    ck_assert_msg(has_prefix(r.checks[DQ_CHECK_STIFF].detail, "unstable at dt = 0.01"), "%s",
                  r.checks[DQ_CHECK_STIFF].detail);
    ck_assert_int_eq(r.passed, 1);
    /* The same step declared implicit fails the check. */
    e.category = DQ_CATEGORY_IMPLICIT;
    conform(&e, &r);
    assert_fails_only(&r, DQ_CHECK_STIFF);
}
END_TEST

START_TEST(test_conform_exponential_solver_must_be_exact_on_decay)
{
    dq_integrator_entry_t e = entry_of("euler", DQ_CATEGORY_EXPONENTIAL, 1, 0, euler_step);
    dq_conform_result_t r;
    conform(&e, &r);
    assert_fails_only(&r, DQ_CHECK_ORDER);
    ck_assert_msg(has_prefix(r.checks[DQ_CHECK_ORDER].detail,
                             "an exponential solver must be exact on the linear problem 'decay' "
                             "(decay 1.0"),
                  "%s", r.checks[DQ_CHECK_ORDER].detail);
}
END_TEST

/* ---- SDE solvers (DQ_CAP_DIFFUSION) ---- */

/* Euler-Maruyama through the SDE host functions, whether or not the model has noise: on the
 * battery's ODE problems g and dW are 0, so it is Euler there. */
static int sde_em_step(dq_ctx_t *ctx)
{
    double *g = dq_scratch(ctx, 0), *dW = dq_scratch(ctx, 1);
    int rc = dq_pre_integral(ctx);
    if (rc == DQ_OK)
        rc = dq_drift_diffusion(ctx, ctx->t, ctx->y, ctx->f, g);
    if (rc == DQ_OK)
        rc = dq_brownian(ctx, dW, NULL);
    if (rc)
        return rc;
    for (size_t i = 0; i < ctx->len; ++i)
        ctx->y[i] += ctx->dt * ctx->f[i] + g[i] * dW[i];
    return dq_post_integral(ctx);
}

/* The bug `dqhost check` must catch: noise g dW sqrt(h), that is g z h, not g z sqrt(h). */
static int sde_dt_noise_step(dq_ctx_t *ctx)
{
    double *g = dq_scratch(ctx, 0), *dW = dq_scratch(ctx, 1);
    int rc = dq_pre_integral(ctx);
    if (rc == DQ_OK)
        rc = dq_drift_diffusion(ctx, ctx->t, ctx->y, ctx->f, g);
    if (rc == DQ_OK)
        rc = dq_brownian(ctx, dW, NULL);
    if (rc)
        return rc;
    for (size_t i = 0; i < ctx->len; ++i)
        ctx->y[i] += ctx->dt * ctx->f[i] + g[i] * dW[i] * sqrt(ctx->dt);
    return dq_post_integral(ctx);
}

/* Stochastic Heun (Stratonovich): the trapezoid in f and g over an Euler-Maruyama
 * predictor. */
static int sde_heun_step(dq_ctx_t *ctx)
{
    const size_t n = ctx->len;
    double *g = dq_scratch(ctx, 0), *dW = dq_scratch(ctx, 1), *yp = dq_scratch(ctx, 2);
    double *fp = dq_scratch(ctx, 3), *gp = dq_scratch(ctx, 4);
    int rc = dq_pre_integral(ctx);
    if (rc == DQ_OK)
        rc = dq_drift_diffusion(ctx, ctx->t, ctx->y, ctx->f, g);
    if (rc == DQ_OK)
        rc = dq_brownian(ctx, dW, NULL);
    for (size_t i = 0; rc == DQ_OK && i < n; ++i)
        yp[i] = ctx->y[i] + ctx->dt * ctx->f[i] + g[i] * dW[i];
    if (rc == DQ_OK)
        rc = dq_drift_diffusion(ctx, ctx->t + ctx->dt, yp, fp, gp);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; ++i)
        ctx->y[i] += 0.5 * ctx->dt * (ctx->f[i] + fp[i]) + 0.5 * (g[i] + gp[i]) * dW[i];
    return dq_post_integral(ctx);
}

/* Euler-Maruyama with noise of its own, keyed by the step and the lane within the block (the
 * third-party solver of issue #11): its paths change with the block size. */
static int sde_lane_noise_step(dq_ctx_t *ctx)
{
    double *g = dq_scratch(ctx, 0);
    int rc = dq_pre_integral(ctx);
    if (rc == DQ_OK)
        rc = dq_drift_diffusion(ctx, ctx->t, ctx->y, ctx->f, g);
    if (rc)
        return rc;
    for (size_t k = 0; k < ctx->comps; ++k)
        for (size_t u = 0; u < ctx->units; ++u) {
            /* Two uniforms from a hash of (step, lane), then Box-Muller. */
            uint64_t h = (ctx->step + 1) * 0x9e3779b97f4a7c15ULL ^ (u + 1) * 0xc2b2ae3d27d4eb4fULL;
            h ^= h >> 29;
            h *= 0xbf58476d1ce4e5b9ULL;
            h ^= h >> 32;
            const double u1 = ((double)(h >> 11) + 0.5) * 0x1p-53;
            const double u2 = ((double)(h & 0x7ff) + 0.5) / 2048.0;
            const double z = sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
            const size_t i = k * ctx->units + u;
            ctx->y[i] += ctx->dt * ctx->f[i] + g[i] * sqrt(ctx->dt) * z;
        }
    return dq_post_integral(ctx);
}

/* A deterministic solver that asks for noise anyway. */
static int sde_undeclared_step(dq_ctx_t *ctx)
{
    int rc = dq_pre_integral(ctx);
    if (rc == DQ_OK)
        rc = dq_brownian(ctx, dq_scratch(ctx, 0), NULL);
    if (rc)
        return rc;
    return dq_post_integral(ctx);
}

static dq_integrator_entry_t sde_entry(const char *name, dq_step_fn step, double strong,
                                       double weak, uint32_t calculus)
{
    dq_integrator_entry_t e = entry_of(name, DQ_CATEGORY_STOCHASTIC, 1, DQ_CAP_DIFFUSION, step);
    e.scratch_vectors = 5;
    e.strong_order = strong;
    e.weak_order = weak;
    e.calculus = calculus;
    return e;
}

static void assert_sde_status(const dq_conform_result_t *r, dq_conform_sde_check_id_t id,
                              int status)
{
    ck_assert_msg(r->sde.checks[id].status == status, "%s: %s is %s, expected %s: %s", r->solver,
                  dq_conform_sde_check_name(id), dq_conform_status_name(r->sde.checks[id].status),
                  dq_conform_status_name(status), r->sde.checks[id].detail);
}

/* Every check passes (the stiff one is a note) and the orders are the declared ones. */
static void assert_sde_passes(const dq_conform_result_t *r, const dq_integrator_entry_t *e)
{
    for (int c = 0; c < DQ_CONFORM_N_CHECKS; ++c)
        ck_assert_msg(r->checks[c].status != DQ_CONFORM_FAIL, "%s: %s: %s", r->solver,
                      dq_conform_check_name(c), r->checks[c].detail);
    for (int c = 0; c < DQ_CONFORM_N_SDE_CHECKS; ++c)
        assert_sde_status(r, (dq_conform_sde_check_id_t)c, DQ_CONFORM_PASS);
    ck_assert_int_eq(r->passed, 1);
    ck_assert_int_eq(r->is_sde, 1);
    const dq_conform_sde_order_t *strong = &r->sde.strong, *weak = &r->sde.weak;
    ck_assert_int_eq(strong->status, DQ_ORDER_MEASURED);
    ck_assert_msg(fabs(strong->order - e->strong_order) <= 0.1, "%s: strong %g, declared %g",
                  r->solver, strong->order, e->strong_order);
    ck_assert_msg(weak->status == DQ_ORDER_EXACT ||
                      fabs(weak->order - e->weak_order) <= fmax(0.15, weak->bound),
                  "%s: weak %g +- %g, declared %g", r->solver, weak->order, weak->bound,
                  e->weak_order);
}

START_TEST(test_conform_sde_euler_maruyama_measures_strong_half_and_weak_one)
{
    dq_integrator_entry_t e = sde_entry("test_em", sde_em_step, 0.5, 1.0, DQ_CALCULUS_ITO);
    dq_conform_result_t r;
    conform(&e, &r);
    assert_sde_passes(&r, &e);
    /* The cable problem has no noise: an SDE solver does not run it. */
    assert_status(&r, DQ_CHECK_CABLE, DQ_CONFORM_SKIP);
    /* Measured, not merely consistent: the weak order of Euler-Maruyama is 1 within 0.15. */
    ck_assert_int_eq(r.sde.weak.status, DQ_ORDER_MEASURED);
    ck_assert_double_eq_tol(r.sde.weak.order, 1.0, 0.15);
    ck_assert_msg(r.sde.weak.bound > 0.0 && r.sde.weak.bound < 0.15, "bound %g", r.sde.weak.bound);
    /* What was measured, and how. */
    ck_assert_int_eq(r.sde.calculus, DQ_CALCULUS_ITO);
    ck_assert_int_eq(r.sde.strong.problem, DQ_SDE_PROBLEM_GBM);
    ck_assert_int_eq(r.sde.weak.problem, DQ_SDE_PROBLEM_GBM_DRIFT);
    ck_assert_uint_eq(r.sde.strong.paths, DQ_CONFORM_SDE_PATHS);
    ck_assert_uint_eq(r.sde.weak.paths, DQ_CONFORM_SDE_WEAK_PATHS);
    ck_assert_double_eq(r.sde.strong.dt[0], 1.0 / 16);
    ck_assert_double_eq(r.sde.strong.dt[DQ_CONFORM_SDE_RUNGS - 1], 1.0 / 256);
    for (int j = 1; j < DQ_CONFORM_SDE_RUNGS; ++j)
        ck_assert(r.sde.strong.error[j] < r.sde.strong.error[j - 1]);
    const char *d = r.sde.checks[DQ_SDE_CHECK_STRONG].detail;
    ck_assert_msg(has_prefix(d, "declared 0.5, measured 0.") &&
                      strstr(d, "(gbm (a = 0.5, b = 0.7, x0 = 1), Ito, vs exact solution on the "
                                "path, 2000 paths, dt = T/16 .. T/256, mean |error| "),
                  "%s", d);
    ck_assert_msg(strstr(r.sde.checks[DQ_SDE_CHECK_WEAK].detail, "4000 paths, dt = T/8 .. T/128"),
                  "%s", r.sde.checks[DQ_SDE_CHECK_WEAK].detail);
    /* Moments of both problems against their closed forms, within the stated bound. */
    for (int p = DQ_SDE_PROBLEM_GBM; p <= DQ_SDE_PROBLEM_OU; p += DQ_SDE_PROBLEM_OU) {
        const dq_conform_moments_t *m = &r.sde.moments[p];
        ck_assert_int_eq(m->status, DQ_CONFORM_PASS);
        ck_assert_uint_eq(m->paths, DQ_CONFORM_SDE_PATHS);
        ck_assert(fabs(m->mean - m->mean_exact) <= DQ_CONFORM_MOMENTS_BOUND * m->mean_se);
        ck_assert(fabs(m->var - m->var_exact) <= DQ_CONFORM_MOMENTS_BOUND * m->var_se);
    }
    ck_assert_double_eq_tol(r.sde.moments[DQ_SDE_PROBLEM_OU].var_exact,
                            0.25 * (1.0 - exp(-2.0)) / 2.0, 1e-15);
    ck_assert_double_eq_tol(r.sde.moments[DQ_SDE_PROBLEM_GBM].mean_exact, exp(0.5), 1e-15);
    ck_assert_msg(has_prefix(r.sde.checks[DQ_SDE_CHECK_NOISE].detail,
                             "the same bits from two runs with one seed, from 1 and 2 threads"),
                  "%s", r.sde.checks[DQ_SDE_CHECK_NOISE].detail);
    /* Without noise it is Euler: the battery's ODE checks pass through the SDE host
     * functions. */
    assert_status(&r, DQ_CHECK_ORDER, DQ_CONFORM_PASS);
    ck_assert_double_eq_tol(r.measured_order, 1.0, 0.1);
}
END_TEST

START_TEST(test_conform_sde_noise_scaled_by_dt_fails_strong_order_and_variance)
{
    dq_integrator_entry_t e =
        sde_entry("test_dt_noise", sde_dt_noise_step, 0.5, 1.0, DQ_CALCULUS_ITO);
    dq_conform_result_t r;
    conform(&e, &r);
    ck_assert_int_eq(r.passed, 0);
    assert_sde_status(&r, DQ_SDE_CHECK_STRONG, DQ_CONFORM_FAIL);
    /* The error does not go to zero. */
    ck_assert_msg(fabs(r.sde.strong.order) < 0.15, "%g", r.sde.strong.order);
    const char *d = r.sde.checks[DQ_SDE_CHECK_STRONG].detail;
    ck_assert_msg(has_prefix(d, "strong order ") &&
                      strstr(d, " measured, 0.5 declared: the paths approach the solution "
                                "without noise (order 0.") &&
                      strstr(d, "does the noise scale with sqrt(dt)?"),
                  "%s", d);
    /* Its variance is wrong by orders of magnitude. */
    assert_sde_status(&r, DQ_SDE_CHECK_MOMENTS, DQ_CONFORM_FAIL);
    for (int p = DQ_SDE_PROBLEM_GBM; p <= DQ_SDE_PROBLEM_OU; p += DQ_SDE_PROBLEM_OU)
        ck_assert(r.sde.moments[p].var < 0.1 * r.sde.moments[p].var_exact);
    ck_assert_msg(strstr(r.sde.checks[DQ_SDE_CHECK_MOMENTS].detail, "+- 0.00067 (out)"), "%s",
                  r.sde.checks[DQ_SDE_CHECK_MOMENTS].detail);
    /* Its ODE side is Euler, and its noise is the host's. */
    assert_status(&r, DQ_CHECK_ORDER, DQ_CONFORM_PASS);
    assert_sde_status(&r, DQ_SDE_CHECK_NOISE, DQ_CONFORM_PASS);
}
END_TEST

START_TEST(test_conform_sde_declared_calculus_picks_the_solution)
{
    /* Heun converges to the Stratonovich solution: declared so, it passes. */
    dq_integrator_entry_t e =
        sde_entry("test_heun", sde_heun_step, 1.0, 1.0, DQ_CALCULUS_STRATONOVICH);
    e.order = 2; /* heun2 without noise */
    dq_conform_result_t r;
    conform(&e, &r);
    assert_sde_passes(&r, &e);
    ck_assert_int_eq(r.sde.calculus_used, DQ_CALCULUS_STRATONOVICH);
    ck_assert_double_eq_tol(r.sde.moments[DQ_SDE_PROBLEM_GBM].mean_exact, exp(0.5 + 0.245), 1e-14);
    ck_assert_msg(strstr(r.sde.checks[DQ_SDE_CHECK_STRONG].detail, "Stratonovich"), "%s",
                  r.sde.checks[DQ_SDE_CHECK_STRONG].detail);
    /* Declared Ito, the same scheme misses the Ito solution, and the check says where its
     * paths go instead. */
    e.calculus = DQ_CALCULUS_ITO;
    conform(&e, &r);
    assert_sde_status(&r, DQ_SDE_CHECK_STRONG, DQ_CONFORM_FAIL);
    ck_assert_msg(strstr(r.sde.checks[DQ_SDE_CHECK_STRONG].detail,
                         "declared: the paths converge to the Stratonovich solution (order "),
                  "%s", r.sde.checks[DQ_SDE_CHECK_STRONG].detail);
    /* No calculus declared: measured as Ito, and said so. */
    e = sde_entry("test_em", sde_em_step, 0.5, 1.0, DQ_CALCULUS_NONE);
    conform(&e, &r);
    ck_assert_int_eq(r.sde.calculus_used, DQ_CALCULUS_ITO);
    ck_assert_msg(strstr(r.sde.checks[DQ_SDE_CHECK_STRONG].detail, ", Ito (none declared), "), "%s",
                  r.sde.checks[DQ_SDE_CHECK_STRONG].detail);
    ck_assert_int_eq(r.passed, 1);
}
END_TEST

START_TEST(test_conform_sde_own_noise_by_lane_fails_reproducibility)
{
    dq_integrator_entry_t e =
        sde_entry("test_lane_noise", sde_lane_noise_step, 0.5, 1.0, DQ_CALCULUS_ITO);
    dq_conform_result_t r;
    conform(&e, &r);
    assert_sde_status(&r, DQ_SDE_CHECK_NOISE, DQ_CONFORM_FAIL);
    ck_assert_msg(has_prefix(r.sde.checks[DQ_SDE_CHECK_NOISE].detail,
                             "blocks of 256 and of 8 units give different bits: path 8 of "
                             "'gbm_drift' ends at "),
                  "%s", r.sde.checks[DQ_SDE_CHECK_NOISE].detail);
    /* Not the host's Brownian path: no strong convergence to the solution on it. */
    assert_sde_status(&r, DQ_SDE_CHECK_STRONG, DQ_CONFORM_FAIL);
}
END_TEST

START_TEST(test_conform_sde_additive_noise_solver_is_measured_on_sine_and_ou)
{
    /* Euler-Maruyama is strong order 1 for additive noise. */
    dq_integrator_entry_t e = sde_entry("test_em_additive", sde_em_step, 1.0, 1.0, DQ_CALCULUS_ITO);
    e.flags |= DQ_CAP_ADDITIVE_NOISE_ONLY;
    dq_conform_result_t r;
    conform(&e, &r);
    assert_sde_passes(&r, &e);
    ck_assert_int_eq(r.sde.additive_only, 1);
    ck_assert_int_eq(r.sde.strong.problem, DQ_SDE_PROBLEM_SINE);
    ck_assert_int_eq(r.sde.weak.problem, DQ_SDE_PROBLEM_OU);
    ck_assert_uint_eq(r.sde.strong.refine, 16);
    ck_assert_msg(strstr(r.sde.checks[DQ_SDE_CHECK_STRONG].detail,
                         "(sine (sigma = 2, x0 = 1), vs the solver at T/1024 on the path, 2000 "
                         "paths, dt = T/4 .. T/64, "),
                  "%s", r.sde.checks[DQ_SDE_CHECK_STRONG].detail);
    ck_assert_int_eq(r.sde.moments[DQ_SDE_PROBLEM_GBM].status, DQ_CONFORM_SKIP);
    ck_assert_msg(
        strstr(r.sde.checks[DQ_SDE_CHECK_MOMENTS].detail, "; gbm not run (additive noise only)"),
        "%s", r.sde.checks[DQ_SDE_CHECK_MOMENTS].detail);
    /* Declared 1.5, Euler-Maruyama is one order short. */
    e.strong_order = 1.5;
    conform(&e, &r);
    assert_sde_status(&r, DQ_SDE_CHECK_STRONG, DQ_CONFORM_FAIL);
    ck_assert_msg(has_prefix(r.sde.checks[DQ_SDE_CHECK_STRONG].detail, "strong order 1.0"), "%s",
                  r.sde.checks[DQ_SDE_CHECK_STRONG].detail);
    ck_assert_msg(strstr(r.sde.checks[DQ_SDE_CHECK_STRONG].detail, " measured, 1.5 declared ("),
                  "%s", r.sde.checks[DQ_SDE_CHECK_STRONG].detail);
}
END_TEST

START_TEST(test_conform_sde_checks_skip_deterministic_solvers)
{
    dq_integrator_entry_t e = entry_of("euler", DQ_CATEGORY_EXPLICIT, 1, 0, euler_step);
    dq_conform_result_t r;
    conform(&e, &r);
    ck_assert_int_eq(r.is_sde, 0);
    ck_assert_int_eq(r.passed, 1);
    for (int c = 0; c < DQ_CONFORM_N_SDE_CHECKS; ++c) {
        assert_sde_status(&r, (dq_conform_sde_check_id_t)c, DQ_CONFORM_SKIP);
        ck_assert_str_eq(r.sde.checks[c].detail, "not an SDE solver (no DQ_CAP_DIFFUSION)");
    }
    ck_assert_str_eq(dq_conform_sde_check_name(DQ_SDE_CHECK_NOISE), "noise");
    ck_assert_ptr_null(dq_conform_sde_check_name(DQ_CONFORM_N_SDE_CHECKS));
    ck_assert_str_eq(dq_conform_sde_problem_name(DQ_SDE_PROBLEM_SINE), "sine");
    ck_assert_str_eq(dq_conform_calculus_name(DQ_CALCULUS_STRATONOVICH), "stratonovich");
    /* Asking for noise without DQ_CAP_DIFFUSION is refused, as by the host. */
    e = entry_of("undeclared_noise", DQ_CATEGORY_EXPLICIT, 1, 0, sde_undeclared_step);
    conform(&e, &r);
    assert_status(&r, DQ_CHECK_STATUS, DQ_CONFORM_FAIL);
    ck_assert_str_eq(r.checks[DQ_CHECK_STATUS].detail,
                     "step 1 of 'decay' (dt = 0.1) returned EUSAGE: dq_brownian called by a "
                     "solver that does not declare DQ_CAP_DIFFUSION");
}
END_TEST

/* The SDE solver plugins, when this build has them: each passes, at its declared orders. */
START_TEST(test_conform_sde_solver_plugins_pass_at_their_declared_orders)
{
    dq_error_t err = {0};
    ck_assert_int_eq(dq_loader_load_dir(loader, DQ_TEST_PLUGIN_DIR, &err), DQ_OK);
    for (size_t i = 0; i < dq_registry_count(reg); ++i) {
        const dq_integrator_entry_t *e = dq_registry_at(reg, i);
        if (!(e->flags & DQ_CAP_DIFFUSION))
            continue;
        dq_conform_result_t r;
        conform(e, &r);
        assert_sde_passes(&r, e);
        if (strcmp(e->name, "euler_maruyama") == 0)
            ck_assert_double_eq_tol(r.sde.weak.order, 1.0, 0.15);
    }
}
END_TEST

/* The fixture plugin with noise scaled by dt, when this build has it. */
START_TEST(test_conform_sde_dt_noise_fixture_fails_naming_the_strong_order)
{
    if (access(DQ_TEST_FIXTURE_DIR "/sde_dt_noise.so", R_OK) != 0)
        return;
    dq_conform_result_t r;
    conform(load(DQ_TEST_FIXTURE_DIR, "sde_dt_noise.so", "fixture_sde_dt_noise"), &r);
    ck_assert_int_eq(r.passed, 0);
    assert_sde_status(&r, DQ_SDE_CHECK_STRONG, DQ_CONFORM_FAIL);
    ck_assert_msg(
        has_prefix(r.sde.checks[DQ_SDE_CHECK_STRONG].detail, "strong order ") &&
            strstr(r.sde.checks[DQ_SDE_CHECK_STRONG].detail, "does the noise scale with sqrt(dt)?"),
        "%s", r.sde.checks[DQ_SDE_CHECK_STRONG].detail);
    assert_sde_status(&r, DQ_SDE_CHECK_MOMENTS, DQ_CONFORM_FAIL);
}
END_TEST

/* ---- the order fit ---- */

START_TEST(test_conform_fit_order_uses_the_finest_pair_above_the_floor)
{
    /* An order-8 method: e = h^8 until round-off (1e-15) takes over. Fitting across the floor
     * would give about 2 for the last pair; the fit stops above it. */
    double dt[8], e[8], p;
    int pair;
    for (int k = 0; k < 8; ++k) {
        dt[k] = 0.4 / (double)(1 << k);
        e[k] = fmax(pow(dt[k], 8.0), 1e-15 * (1.0 + 0.3 * k));
    }
    ck_assert_int_eq(dq_conform_fit_order(dt, e, 8, DQ_CONFORM_FLOOR, &p, &pair),
                     DQ_ORDER_MEASURED);
    ck_assert_double_eq_tol(p, 8.0, 1e-9);
    /* 0.1 -> 0.05: 1e-8 -> 3.9e-11; at 0.025, 1.5e-13 is under the floor. */
    ck_assert_int_eq(pair, 3);
    ck_assert(e[pair] >= DQ_CONFORM_FLOOR && e[pair + 1] < DQ_CONFORM_FLOOR);
    /* Convergence from above (e = h^5 (1 + 4h)) is fitted on the finest pair, where it is
     * closest to 5. */
    for (int k = 0; k < 6; ++k)
        e[k] = pow(dt[k], 5.0) * (1.0 + 4.0 * dt[k]);
    ck_assert_int_eq(dq_conform_fit_order(dt, e, 6, DQ_CONFORM_FLOOR, &p, &pair),
                     DQ_ORDER_MEASURED);
    ck_assert_int_eq(pair, 5);
    ck_assert(p > 5.0 && p < 5.0 + DQ_CONFORM_ORDER_ABOVE);
    /* Steps of unequal ratio (coarser sizes t_end/m) are fitted by their own ratio. */
    const double dt2[2] = {1.0, 0.4}, e2[2] = {1e-3, 1e-3 * pow(0.4, 6.0)};
    ck_assert_int_eq(dq_conform_fit_order(dt2, e2, 2, DQ_CONFORM_FLOOR, &p, NULL),
                     DQ_ORDER_MEASURED);
    ck_assert_double_eq_tol(p, 6.0, 1e-9);
    /* Everything at round-off: exact, no order; one error above the floor is not a pair. */
    const double flat[3] = {1e-16, 2e-16, 1e-16}, one[3] = {1e-6, 1e-16, 1e-16};
    ck_assert_int_eq(dq_conform_fit_order(dt, flat, 3, DQ_CONFORM_FLOOR, &p, &pair),
                     DQ_ORDER_EXACT);
    ck_assert(isnan(p));
    ck_assert_int_eq(pair, 0);
    ck_assert_int_eq(dq_conform_fit_order(dt, one, 3, DQ_CONFORM_FLOOR, &p, &pair), DQ_ORDER_EXACT);
    /* A NaN is never fitted. */
    const double nan3[3] = {1e-3, NAN, 1e-5};
    ck_assert_int_eq(dq_conform_fit_order(dt, nan3, 3, DQ_CONFORM_FLOOR, &p, &pair),
                     DQ_ORDER_EXACT);
}
END_TEST

/* ---- error-controlled solvers (DQ_CAP_ADAPTIVE) ---- */

/* The checks of error-controlled solvers pass, and `order` and `time` at fixed steps. */
static void assert_adaptive_passes(const dq_conform_result_t *r)
{
    for (int c = 0; c < DQ_CONFORM_N_CHECKS; ++c) {
        int want = c == DQ_CHECK_STIFF ? DQ_CONFORM_INFO : DQ_CONFORM_PASS;
        if (c == DQ_CHECK_EXPORTS && strcmp(r->origin, DQ_ORIGIN_BUILTIN) == 0)
            want = DQ_CONFORM_INFO; /* an in-test entry */
        /* The cable problem: exact for fifth-order pairs (below the floor at every dt within
         * the explicit step limit), not run by a solver that needs dense Jacobians. */
        if (c == DQ_CHECK_CABLE && (has_prefix(r->checks[c].detail, "exact on the cable") ||
                                    has_prefix(r->checks[c].detail, "not run: ")))
            want = DQ_CONFORM_INFO;
        ck_assert_msg(r->checks[c].status == want, "%s: %s is %s: %s", r->solver,
                      dq_conform_check_name(c), dq_conform_status_name(r->checks[c].status),
                      r->checks[c].detail);
    }
    ck_assert_int_eq(r->passed, 1);
    ck_assert_int_eq(r->is_adaptive, 1);
    const dq_conform_adaptive_t *a = &r->adaptive;
    const int ids[] = {DQ_PROBLEM_OSCILLATOR, DQ_PROBLEM_LOGISTIC, DQ_PROBLEM_RICCATI};
    for (int i = 0; i < 3; ++i) {
        const int id = ids[i];
        ck_assert_int_eq(a->embedded[id].status, DQ_ORDER_MEASURED);
        ck_assert_double_eq_tol(a->embedded[id].order, a->expected_embedded, DQ_CONFORM_LOCAL_TOL);
        ck_assert_int_eq(a->dense[id].status, DQ_ORDER_MEASURED);
        ck_assert_double_eq_tol(a->dense[id].order, a->expected_dense, DQ_CONFORM_LOCAL_TOL);
        ck_assert_int_eq(a->tolerance[id].status, DQ_ORDER_MEASURED);
        ck_assert(a->tolerance[id].slope >= a->expected_slope - DQ_CONFORM_SLOPE_BELOW &&
                  a->tolerance[id].slope <= a->expected_slope + DQ_CONFORM_SLOPE_ABOVE);
        /* Tighter tolerances take more steps and give smaller errors. */
        ck_assert(a->tolerance[id].accepted[2] > a->tolerance[id].accepted[0]);
        ck_assert(a->tolerance[id].error[2] < a->tolerance[id].error[0]);
    }
    ck_assert(a->dense_end <= 1e-12 && a->dense_start <= 1e-12);
    ck_assert_int_eq(a->embedded[DQ_PROBLEM_DECAY].status, DQ_ORDER_NOT_RUN);
}

/* A third party's dopri5 at fixed steps: order 5 converges from above on riccati (5.33 on
 * the pair 0.05 -> 0.025, errors 3.3e-10 -> 8.1e-12; the old fit, two finest of four sizes
 * within 0.2, failed it); adaptively, measured here: |err| ~ h^5.00/4.98/5.02 (oscillator,
 * logistic, riccati; expected 5), dense ~ h^5.00/4.90/4.99 (expected 5), tolerance slope
 * 1.01/1.06/0.95 (expected 1). */
START_TEST(test_conform_dopri5_fixture_passes_fixed_step_order_and_adaptive_checks)
{
    dq_conform_result_t r;
    conform(load(DQ_TEST_FIXTURE_DIR, "check_dopri5.so", "fixture_check_dopri5"), &r);
    assert_adaptive_passes(&r);
    const dq_conform_order_t *o = &r.orders[DQ_PROBLEM_RICCATI];
    ck_assert_int_eq(o->status, DQ_ORDER_MEASURED);
    ck_assert(o->order > 5.2 && o->order < 5.0 + DQ_CONFORM_ORDER_ABOVE);
    ck_assert(o->fit > 0 && o->error[o->fit] >= o->floor);
    ck_assert_double_eq_tol(r.measured_order, 5.0, 0.2);
    ck_assert_msg(has_prefix(r.checks[DQ_CHECK_TIME].detail, "declared 5, riccati 5.3"), "%s",
                  r.checks[DQ_CHECK_TIME].detail);
    ck_assert_msg(has_prefix(r.checks[DQ_CHECK_EMBEDDED].detail,
                             "error_order 4: |err| = O(h^5) expected, measured oscillator 5.0"),
                  "%s", r.checks[DQ_CHECK_EMBEDDED].detail);
    ck_assert_msg(strstr(r.checks[DQ_CHECK_DENSE].detail, "same bits after reset"), "%s",
                  r.checks[DQ_CHECK_DENSE].detail);
    ck_assert_msg(strstr(r.checks[DQ_CHECK_TOLERANCE].detail, "expected 1.00 = order 5/(4 + 1)"),
                  "%s", r.checks[DQ_CHECK_TOLERANCE].detail);
}
END_TEST

START_TEST(test_conform_adaptive_fixture_lying_about_error_order_fails_embedded)
{
    dq_conform_result_t r;
    conform(load(DQ_TEST_FIXTURE_DIR, "check_fake_adaptive.so", "fixture_check_fake_adaptive"), &r);
    assert_status(&r, DQ_CHECK_EMBEDDED, DQ_CONFORM_FAIL);
    ck_assert_msg(has_prefix(r.checks[DQ_CHECK_EMBEDDED].detail,
                             "the error estimate is O(h^5.00) on 'oscillator', but order 5 and "
                             "error_order 2 make it O(h^3)"),
                  "%s", r.checks[DQ_CHECK_EMBEDDED].detail);
    ck_assert_msg(strstr(r.checks[DQ_CHECK_EMBEDDED].detail, "is error_order right"), "%s",
                  r.checks[DQ_CHECK_EMBEDDED].detail);
    /* The controller's exponents follow the declared error_order: the tolerance slope is off
     * too (expected 5/3). What is right stays right. */
    assert_status(&r, DQ_CHECK_TOLERANCE, DQ_CONFORM_FAIL);
    assert_status(&r, DQ_CHECK_DENSE, DQ_CONFORM_PASS);
    assert_status(&r, DQ_CHECK_ORDER, DQ_CONFORM_PASS);
    ck_assert_int_eq(r.passed, 0);
}
END_TEST

/* In-test Bogacki-Shampine 3(2) with FSAL and the cubic Hermite dense output (order 3), in
 * three variants: correct, one that steps with ctx->dt instead of ctx->lane_dt, and one
 * whose dense output reads ctx->y (which an event may have changed). */
enum { BS3_K1, BS3_Y0, BS3_Y1, BS3_HK1, BS3_HK4, BS3_STATE };
enum { BS3_OK, BS3_GLOBAL_DT, BS3_DENSE_READS_Y };
static int bs3_mode;

static int bs3_fsal(dq_ctx_t *ctx)
{
    return dq_compute_derivative(ctx, ctx->t, ctx->y, dq_state(ctx, BS3_K1));
}

static int bs3_step(dq_ctx_t *ctx)
{
    const size_t n = ctx->len, units = ctx->units;
    double *y = ctx->y, *k1 = dq_state(ctx, BS3_K1), *w = dq_scratch(ctx, 0);
    double *k2 = dq_scratch(ctx, 1), *k3 = dq_scratch(ctx, 2), *k4 = dq_scratch(ctx, 3);
    const double t = ctx->t, dt = ctx->dt;
#define BS3_H(i) (bs3_mode == BS3_GLOBAL_DT ? ctx->dt : ctx->lane_dt[(i) % units])
    int rc = dq_pre_integral(ctx);
    for (size_t i = 0; rc == DQ_OK && i < n; ++i)
        w[i] = y[i] + BS3_H(i) * 0.5 * k1[i];
    if (rc == DQ_OK)
        rc = dq_compute_derivative(ctx, t + 0.5 * dt, w, k2);
    for (size_t i = 0; rc == DQ_OK && i < n; ++i)
        w[i] = y[i] + BS3_H(i) * 0.75 * k2[i];
    if (rc == DQ_OK)
        rc = dq_compute_derivative(ctx, t + 0.75 * dt, w, k3);
    for (size_t i = 0; rc == DQ_OK && i < n; ++i)
        w[i] = y[i] + BS3_H(i) * (2.0 / 9 * k1[i] + 1.0 / 3 * k2[i] + 4.0 / 9 * k3[i]);
    if (rc == DQ_OK)
        rc = dq_compute_derivative(ctx, t + dt, w, k4);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; ++i) {
        const double h = BS3_H(i);
        if (ctx->err)
            ctx->err[i] =
                h * (-5.0 / 72 * k1[i] + 1.0 / 12 * k2[i] + 1.0 / 9 * k3[i] - 1.0 / 8 * k4[i]);
        dq_state(ctx, BS3_Y0)[i] = y[i];
        dq_state(ctx, BS3_Y1)[i] = w[i];
        dq_state(ctx, BS3_HK1)[i] = h * k1[i];
        dq_state(ctx, BS3_HK4)[i] = h * k4[i];
        ctx->f[i] = k1[i];
        y[i] = w[i];
        k1[i] = k4[i];
    }
#undef BS3_H
    return dq_post_integral(ctx);
}

static int bs3_dense(dq_ctx_t *ctx, const double *theta, double *out)
{
    const double *y0 = dq_state(ctx, BS3_Y0), *hk1 = dq_state(ctx, BS3_HK1);
    const double *y1 = bs3_mode == BS3_DENSE_READS_Y ? ctx->y : dq_state(ctx, BS3_Y1);
    const double *hk4 = dq_state(ctx, BS3_HK4);
    for (size_t i = 0; i < ctx->len; ++i) {
        const double s = theta[i % ctx->units], d = y1[i] - y0[i];
        out[i] =
            y0[i] + s * d + s * (s - 1.0) * ((1.0 - 2.0 * s) * d + (s - 1.0) * hk1[i] + s * hk4[i]);
    }
    return DQ_OK;
}

static dq_integrator_entry_t bs3_entry(int mode)
{
    bs3_mode = mode;
    dq_integrator_entry_t e =
        entry_of("test_bs3", DQ_CATEGORY_ADAPTIVE, 3, DQ_CAP_ADAPTIVE, bs3_step);
    e.state_vectors = BS3_STATE;
    e.init = e.reset = bs3_fsal;
    e.error_order = 2;
    e.dense = bs3_dense;
    e.dense_order = 3;
    return e;
}

START_TEST(test_conform_adaptive_bs3_passes_with_lane_dt_and_per_lane_times)
{
    dq_integrator_entry_t e = bs3_entry(BS3_OK);
    dq_conform_result_t r;
    conform(&e, &r);
    assert_adaptive_passes(&r);
    ck_assert_double_eq(r.adaptive.expected_embedded, 3.0);
    ck_assert_double_eq(r.adaptive.expected_dense, 4.0);
    ck_assert_double_eq(r.adaptive.expected_slope, 1.0);
    ck_assert_double_eq_tol(r.measured_order, 3.0, 0.2);
}
END_TEST

START_TEST(test_conform_adaptive_step_ignoring_lane_dt_fails_embedded)
{
    /* At fixed steps ctx->dt is every lane's step; in per-lane mode it is 1. */
    dq_integrator_entry_t e = bs3_entry(BS3_GLOBAL_DT);
    dq_conform_result_t r;
    conform(&e, &r);
    assert_status(&r, DQ_CHECK_ORDER, DQ_CONFORM_PASS);
    assert_status(&r, DQ_CHECK_EMBEDDED, DQ_CONFORM_FAIL);
    ck_assert_msg(has_prefix(r.checks[DQ_CHECK_EMBEDDED].detail, "the error estimate is O(h^0.0"),
                  "%s", r.checks[DQ_CHECK_EMBEDDED].detail);
    assert_status(&r, DQ_CHECK_DENSE, DQ_CONFORM_FAIL);
}
END_TEST

START_TEST(test_conform_dense_reading_y_fails_after_reset)
{
    dq_integrator_entry_t e = bs3_entry(BS3_DENSE_READS_Y);
    dq_conform_result_t r;
    conform(&e, &r);
    assert_fails_only(&r, DQ_CHECK_DENSE);
    ck_assert_msg(has_prefix(r.checks[DQ_CHECK_DENSE].detail,
                             "on 'oscillator', after the values changed and reset ran, dense(0.1) "
                             "of lane 0 gave "),
                  "%s", r.checks[DQ_CHECK_DENSE].detail);
    ck_assert_msg(strstr(r.checks[DQ_CHECK_DENSE].detail,
                         "dense must read only ctx->state, and reset must keep what it reads"),
                  "%s", r.checks[DQ_CHECK_DENSE].detail);
}
END_TEST

START_TEST(test_conform_adaptive_checks_skip_other_solvers)
{
    dq_integrator_entry_t e = entry_of("euler", DQ_CATEGORY_EXPLICIT, 1, 0, euler_step);
    dq_conform_result_t r;
    conform(&e, &r);
    ck_assert_int_eq(r.is_adaptive, 0);
    for (int c = DQ_CHECK_EMBEDDED; c <= DQ_CHECK_TOLERANCE; ++c) {
        assert_status(&r, (dq_conform_check_id_t)c, DQ_CONFORM_SKIP);
        ck_assert_str_eq(r.checks[c].detail, "not an adaptive solver (no DQ_CAP_ADAPTIVE)");
    }
    ck_assert_str_eq(dq_conform_check_name(DQ_CHECK_EMBEDDED), "embedded");
    ck_assert_str_eq(dq_conform_check_name(DQ_CHECK_DENSE), "dense");
    ck_assert_str_eq(dq_conform_check_name(DQ_CHECK_TOLERANCE), "tolerance");
    /* An entry made by hand that declares the capability without a dense callback. */
    e = bs3_entry(BS3_OK);
    e.dense = NULL;
    conform(&e, &r);
    assert_status(&r, DQ_CHECK_DENSE, DQ_CONFORM_FAIL);
    ck_assert_str_eq(r.checks[DQ_CHECK_DENSE].detail,
                     "declares DQ_CAP_ADAPTIVE but has no dense callback: nothing to measure "
                     "against");
}
END_TEST

/* The adaptive solver plugins, when this build has them: each passes everything. */
START_TEST(test_conform_adaptive_solver_plugins_pass_every_check)
{
    dq_error_t err = {0};
    ck_assert_int_eq(dq_loader_load_dir(loader, DQ_TEST_PLUGIN_DIR, &err), DQ_OK);
    for (size_t i = 0; i < dq_registry_count(reg); ++i) {
        const dq_integrator_entry_t *e = dq_registry_at(reg, i);
        if (!(e->flags & DQ_CAP_ADAPTIVE))
            continue;
        dq_conform_result_t r;
        conform(e, &r);
        assert_adaptive_passes(&r);
    }
}
END_TEST

/* ---- models ---- */

static void model_conform(const dq_model_entry_t *m, dq_conform_model_result_t *r)
{
    dq_error_t err = {0};
    ck_assert_msg(dq_conform_model_run(m, r, &err) == DQ_OK, "%s", err.message);
}

static void assert_model_fails_only(const dq_conform_model_result_t *r, int id)
{
    ck_assert_int_eq(r->passed, 0);
    for (int c = 0; c < DQ_CONFORM_N_MODEL_CHECKS; ++c)
        ck_assert_msg((r->checks[c].status == DQ_CONFORM_FAIL) == (c == id), "%s: %s is %s: %s",
                      r->model, dq_conform_model_check_name(c),
                      dq_conform_status_name(r->checks[c].status), r->checks[c].detail);
}

START_TEST(test_conform_every_builtin_model_passes_the_model_checks)
{
    dq_error_t err = {0};
    ck_assert_int_eq(dq_loader_load_dir(loader, DQ_TEST_PLUGIN_DIR, &err), DQ_OK);
    ck_assert_uint_gt(dq_registry_model_count(reg), 0);
    for (size_t i = 0; i < dq_registry_model_count(reg); ++i) {
        const dq_model_entry_t *m = dq_registry_model_at(reg, i);
        dq_conform_model_result_t r;
        model_conform(m, &r);
        ck_assert_str_eq(r.model, m->desc->name);
        for (int c = 0; c < DQ_CONFORM_N_MODEL_CHECKS; ++c) {
            /* Analytic callbacks a model does not have are skipped; the rest pass. */
            int skippable = c == DQ_MCHECK_JACOBIAN || c == DQ_MCHECK_JACOBIAN_DIAG ||
                            c == DQ_MCHECK_DERIVATIVE_DIAG;
            ck_assert_msg(r.checks[c].status == DQ_CONFORM_PASS ||
                              (skippable && r.checks[c].status == DQ_CONFORM_SKIP),
                          "%s: %s is %s: %s", r.model, dq_conform_model_check_name(c),
                          dq_conform_status_name(r.checks[c].status), r.checks[c].detail);
        }
        ck_assert_int_eq(r.passed, 1);
        ck_assert_uint_eq(r.units, DQ_CONFORM_MODEL_UNITS);
    }
}
END_TEST

START_TEST(test_conform_wrong_jacobian_names_module_state_and_variable)
{
    dq_error_t err = {0};
    ck_assert_int_eq(
        dq_loader_load_file(loader, DQ_TEST_FIXTURE_DIR "/model_bad_jacobian.so", &err), DQ_OK);
    const dq_model_entry_t *m = dq_registry_lookup_model(reg, "fixture_model_bad_jacobian", &err);
    ck_assert_msg(m != NULL, "%s", err.message);
    dq_conform_model_result_t r;
    model_conform(m, &r);
    assert_model_fails_only(&r, DQ_MCHECK_JACOBIAN);
    /* 24 lanes (19 units padded), at the initial and the perturbed state. */
    ck_assert_str_eq(r.checks[DQ_MCHECK_JACOBIAN].detail,
                     "module 'gate', state 'w': dF/d(v) of unit 0 at the initial state is 1 "
                     "analytically, 0.5 by central differences (48 faults in all)");
    ck_assert_int_eq(r.checks[DQ_MCHECK_JACOBIAN_DIAG].status, DQ_CONFORM_PASS);
    ck_assert_int_eq(r.checks[DQ_MCHECK_DERIVATIVE_DIAG].status, DQ_CONFORM_SKIP);
}
END_TEST

/* In-test models: x' = -x, one module, and a callback that breaks one rule each. */
static int tm_init(const dq_view_t *v)
{
    for (size_t i = 0; i < v->units; ++i)
        v->value[0][i] = 1.0;
    return DQ_OK;
}

static int tm_deriv(const dq_view_t *v)
{
    for (size_t i = 0; i < v->units; ++i)
        v->derivative[0][i] = -v->value[0][i];
    return DQ_OK;
}

static int tm_deriv_writes_value(const dq_view_t *v)
{
    v->value[0][0] = 0.0;
    return tm_deriv(v);
}

static int tm_post_resets(const dq_view_t *v)
{
    for (size_t i = 0; i < v->units; ++i)
        v->value[0][i] = 1.0;
    return DQ_OK;
}

/* F right, diagonal wrong. */
static int tm_deriv_diag(const dq_view_t *v)
{
    for (size_t i = 0; i < v->units; ++i) {
        v->derivative[0][i] = -v->value[0][i];
        v->jacobian_diag[0][i] = 1.0;
    }
    return DQ_OK;
}

static const dq_state_desc_t tm_states[] = {{.name = "x"}};
static const dq_param_desc_t tm_params[] = {
    {.name = "n", .def = 1, .flags = DQ_PARAM_INTEGER | DQ_PARAM_POPULATION}};

DQ_MODULE(tm_writes, .name = "root", .parent = -1, .states = tm_states, .n_states = 1,
          .init_state = tm_init, .compute_derivative = tm_deriv_writes_value);
DQ_MODULE(tm_resets, .name = "root", .parent = -1, .states = tm_states, .n_states = 1,
          .init_state = tm_init, .compute_derivative = tm_deriv, .post_integral = tm_post_resets);
DQ_MODULE(tm_diag, .name = "root", .parent = -1, .states = tm_states, .n_states = 1,
          .init_state = tm_init, .compute_derivative = tm_deriv,
          .compute_derivative_diag = tm_deriv_diag);
DQ_MODEL(tm_writes_model, .name = "writes_value", .description = "d", .params = tm_params,
         .n_params = 1, .modules = DQ_LIST(dq_module_desc_t, &tm_writes));
DQ_MODEL(tm_resets_model, .name = "resets_quietly", .description = "d", .params = tm_params,
         .n_params = 1, .modules = DQ_LIST(dq_module_desc_t, &tm_resets));
DQ_MODEL(tm_diag_model, .name = "wrong_diag", .description = "d", .params = tm_params,
         .n_params = 1, .modules = DQ_LIST(dq_module_desc_t, &tm_diag));

START_TEST(test_conform_model_derivative_writing_a_value_fails)
{
    const dq_model_entry_t m = {.desc = &tm_writes_model, .origin = DQ_ORIGIN_BUILTIN};
    dq_conform_model_result_t r;
    model_conform(&m, &r);
    /* (the value written also shows in determinism: blocks start at different units) */
    ck_assert_int_eq(r.checks[DQ_MCHECK_DERIVATIVE].status, DQ_CONFORM_FAIL);
    ck_assert_msg(has_prefix(r.checks[DQ_MCHECK_DERIVATIVE].detail,
                             "module 'writes_value': compute_derivative wrote the value of 'x' "
                             "(unit 0)"),
                  "%s", r.checks[DQ_MCHECK_DERIVATIVE].detail);
}
END_TEST

START_TEST(test_conform_model_reset_without_the_flag_fails_lifecycle)
{
    const dq_model_entry_t m = {.desc = &tm_resets_model, .origin = DQ_ORIGIN_BUILTIN};
    dq_conform_model_result_t r;
    model_conform(&m, &r);
    assert_model_fails_only(&r, DQ_MCHECK_LIFECYCLE);
    ck_assert_msg(has_prefix(r.checks[DQ_MCHECK_LIFECYCLE].detail,
                             "module 'resets_quietly': post_integral changed integrated state 'x' "
                             "(unit 0) but the module does not declare DQ_MODULE_RESETS"),
                  "%s", r.checks[DQ_MCHECK_LIFECYCLE].detail);
}
END_TEST

START_TEST(test_conform_model_wrong_fused_diagonal_fails_derivative_diag)
{
    const dq_model_entry_t m = {.desc = &tm_diag_model, .origin = DQ_ORIGIN_BUILTIN};
    dq_conform_model_result_t r;
    model_conform(&m, &r);
    assert_model_fails_only(&r, DQ_MCHECK_DERIVATIVE_DIAG);
    ck_assert_msg(has_prefix(r.checks[DQ_MCHECK_DERIVATIVE_DIAG].detail,
                             "module 'wrong_diag', state 'x': dF/d(x) of unit 0 at the initial "
                             "state is 1 analytically, -1 by central differences"),
                  "%s", r.checks[DQ_MCHECK_DERIVATIVE_DIAG].detail);
    ck_assert_int_eq(r.checks[DQ_MCHECK_JACOBIAN].status, DQ_CONFORM_SKIP);
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
    ck_assert_msg(dq_elf_exports_read(DQ_TEST_BINARY_DIR "/core/libdqcore.so", &ex, &err) == DQ_OK,
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
    ck_assert_str_eq(dq_conform_check_name(DQ_CHECK_RESET), "reset");
    ck_assert_str_eq(dq_conform_model_check_name(DQ_MCHECK_JACOBIAN_DIAG), "jacobian_diag");
    ck_assert_str_eq(dq_conform_model_check_name(DQ_MCHECK_DETERMINISM), "determinism");
    ck_assert_ptr_null(dq_conform_model_check_name(DQ_CONFORM_N_MODEL_CHECKS));
    ck_assert_ptr_null(dq_conform_check_name(DQ_CONFORM_N_CHECKS));
    ck_assert_str_eq(dq_conform_problem_name(DQ_PROBLEM_RICCATI), "riccati");
    ck_assert_ptr_null(dq_conform_problem_name(-1));
    ck_assert_str_eq(dq_conform_status_name(DQ_CONFORM_SKIP), "skip");
    dq_error_t err = {0};
    dq_conform_result_t r;
    ck_assert_int_eq(dq_conform_run(NULL, &r, &err), DQ_EINVAL);
    dq_conform_model_result_t m;
    ck_assert_int_eq(dq_conform_model_run(NULL, &m, &err), DQ_EINVAL);
}
END_TEST

/* ---- the cable problem ---- */

/* Each quantity of the cable ladder measured at `order` within tol. */
static void assert_cable_orders(const dq_conform_result_t *r, double order, double tol)
{
    ck_assert_int_eq(r->cable.ran, 1);
    for (int q = 0; q < DQ_CONFORM_N_CABLE_QUANTITIES; ++q) {
        const dq_conform_order_t *o = &r->cable.order[q];
        ck_assert_msg(o->status == DQ_ORDER_MEASURED && fabs(o->order - order) <= tol,
                      "%s: %s measured %.3f (status %d), expected %.1f: %s", r->solver,
                      dq_conform_cable_quantity_name(q), o->order, o->status, order,
                      r->checks[DQ_CHECK_CABLE].detail);
    }
}

START_TEST(test_conform_cable_solver_of_its_declared_order_passes_on_the_cable_problem)
{
    dq_conform_result_t r;
    conform(load(DQ_TEST_FIXTURE_DIR, "check_cable_euler.so", "fixture_cable_euler"), &r);
    ck_assert_msg(r.passed, "%s", r.checks[DQ_CHECK_CABLE].detail);
    ck_assert_int_eq(r.is_cable, 1);
    assert_status(&r, DQ_CHECK_CABLE, DQ_CONFORM_PASS);
    assert_cable_orders(&r, 1.0, 0.1);
    ck_assert_double_eq_tol(r.measured_order, 1.0, 0.1);
    ck_assert_msg(has_prefix(r.checks[DQ_CHECK_CABLE].detail, "declared 1, measured 1.0") ||
                      has_prefix(r.checks[DQ_CHECK_CABLE].detail, "declared 1, measured 0.9"),
                  "%s", r.checks[DQ_CHECK_CABLE].detail);
    /* It refuses the ordinary problems, which are not judged. */
    assert_status(&r, DQ_CHECK_STATUS, DQ_CONFORM_PASS);
    ck_assert_str_eq(r.checks[DQ_CHECK_STATUS].detail,
                     "refuses 'decay' with DQ_EUSAGE; every cable run returned OK");
    assert_status(&r, DQ_CHECK_DETERMINISM, DQ_CONFORM_PASS);
    for (int c = DQ_CHECK_ORDER; c <= DQ_CHECK_TOLERANCE; ++c)
        if (c != DQ_CHECK_DETERMINISM)
            assert_status(&r, c, DQ_CONFORM_SKIP);
    for (int p = 0; p < DQ_CONFORM_N_PROBLEMS; ++p)
        ck_assert_int_eq(r.orders[p].status, DQ_ORDER_NOT_RUN);
    /* The ladder starts at NEURON's default dt and halves; the cell has junctions. */
    ck_assert_double_eq(r.cable.order[DQ_CABLE_SOMA_V].dt[0], 0.025);
    ck_assert_double_eq(r.cable.order[DQ_CABLE_SOMA_V].dt[1], 0.0125);
    ck_assert_uint_eq(r.cable.junctions, 3);
    ck_assert_uint_eq(r.cable.gates, 3);
    ck_assert_uint_eq(r.cable.compartments, 12);
    /* The reference is far more accurate than the floor below which nothing is fitted. */
    ck_assert_msg(r.cable.ref_error < 1e-2 * r.cable.order[DQ_CABLE_SOMA_V].floor,
                  "reference error %g, floor %g", r.cable.ref_error,
                  r.cable.order[DQ_CABLE_SOMA_V].floor);
    ck_assert_double_eq_tol(r.cable.order[DQ_CABLE_SOMA_V].floor, 70.7 * DQ_CONFORM_CABLE_FLOOR,
                            0.1 * DQ_CONFORM_CABLE_FLOOR);
    /* First order: halving dt halves the error of soma V (within 10 %) at the finest pair. */
    const dq_conform_order_t *v = &r.cable.order[DQ_CABLE_SOMA_V];
    const double ratio = v->error[v->fit - 1] / v->error[v->fit];
    ck_assert_msg(ratio > 1.8 && ratio < 2.2, "error ratio %g", ratio);
}
END_TEST

START_TEST(test_conform_cable_solver_claiming_a_higher_order_fails_the_cable_check)
{
    dq_conform_result_t r;
    conform(load(DQ_TEST_FIXTURE_DIR, "check_cable_euler.so", "fixture_cable_fake_order"), &r);
    assert_fails_only(&r, DQ_CHECK_CABLE);
    assert_cable_orders(&r, 1.0, 0.1);
    ck_assert_msg(has_prefix(r.checks[DQ_CHECK_CABLE].detail,
                             "order mismatch on the cable problem: declared 2, measured "),
                  "%s", r.checks[DQ_CHECK_CABLE].detail);
}
END_TEST

START_TEST(test_conform_cable_solver_must_refuse_a_model_without_compartments)
{
    /* Forward Euler filed as a cable solver: it runs decay instead of refusing it. */
    dq_integrator_entry_t e = entry_of("cable_liar", DQ_CATEGORY_CABLE, 1, 0, euler_step);
    dq_conform_result_t r;
    conform(&e, &r);
    assert_fails_only(&r, DQ_CHECK_STATUS);
    ck_assert_str_eq(r.checks[DQ_CHECK_STATUS].detail,
                     "a cable solver must refuse a model without compartments with DQ_EUSAGE; "
                     "on 'decay' it returned OK");
    /* Explicit Euler on the cable ODE (junctions eliminated by the host) is first order. */
    assert_status(&r, DQ_CHECK_CABLE, DQ_CONFORM_PASS);
    assert_cable_orders(&r, 1.0, 0.1);
}
END_TEST

START_TEST(test_conform_explicit_solver_gets_a_cable_row_within_its_step_limit)
{
    dq_conform_result_t r;
    conform(builtin(&undeclared_desc), &r);
    ck_assert_int_eq(r.is_cable, 0);
    ck_assert_int_eq(r.cable.ran, 1);
    /* lambda (the Gershgorin bound with hh's full conductance) puts 0.025 past Euler's 2 /
     * lambda: the ladder starts lower. */
    ck_assert_double_gt(r.cable.lambda * DQ_CONFORM_CABLE_DT0, 2.0);
    const double dt0 = r.cable.order[DQ_CABLE_SOMA_V].dt[0];
    ck_assert_double_le(dt0 * r.cable.lambda, 2.0);
    ck_assert_double_gt(dt0 * r.cable.lambda, 1.0);
    assert_status(&r, DQ_CHECK_CABLE, DQ_CONFORM_INFO);
    ck_assert_msg(has_prefix(r.checks[DQ_CHECK_CABLE].detail, "measured 1.0") ||
                      has_prefix(r.checks[DQ_CHECK_CABLE].detail, "measured 0.9"),
                  "%s", r.checks[DQ_CHECK_CABLE].detail);
    /* Its ordinary battery still runs. */
    ck_assert_int_eq(r.orders[DQ_PROBLEM_DECAY].status, DQ_ORDER_MEASURED);
}
END_TEST

/* Euler on models without compartments; a cable model it refuses. */
static int point_only_step(dq_ctx_t *ctx)
{
    if (dq_cable(ctx))
        return dq_fail(ctx, DQ_EUSAGE, (size_t)-1, "point models only");
    return euler_step(ctx);
}

START_TEST(test_conform_solver_refusing_cable_models_is_noted_not_run)
{
    dq_integrator_entry_t e = entry_of("point_only", DQ_CATEGORY_EXPLICIT, 1, 0, point_only_step);
    dq_conform_result_t r;
    conform(&e, &r);
    ck_assert_msg(r.passed, "%s", r.checks[DQ_CHECK_CABLE].detail);
    assert_status(&r, DQ_CHECK_CABLE, DQ_CONFORM_INFO);
    ck_assert_msg(has_prefix(r.checks[DQ_CHECK_CABLE].detail, "not run: dt = 0.00625: ") &&
                      strstr(r.checks[DQ_CHECK_CABLE].detail, "point models only"),
                  "%s", r.checks[DQ_CHECK_CABLE].detail);
    ck_assert_int_eq(r.cable.ran, 0);
    /* A solver that fails the ordinary problems is not run through the real host. */
    conform(builtin(&failing_desc), &r);
    assert_status(&r, DQ_CHECK_CABLE, DQ_CONFORM_SKIP);
    ck_assert_str_eq(r.checks[DQ_CHECK_CABLE].detail,
                     "not run: the solver failed 'status' on the ordinary problems");
    ck_assert_str_eq(dq_conform_check_name(DQ_CHECK_CABLE), "cable");
    ck_assert_str_eq(dq_conform_cable_quantity_name(DQ_CABLE_GATES), "gates");
    ck_assert_ptr_null(dq_conform_cable_quantity_name(DQ_CONFORM_N_CABLE_QUANTITIES));
}
END_TEST

Suite *conform_suite(void)
{
    Suite *s = suite_create("conform");
    TCase *tc = tcase_create("conform");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_conform_fake_order_fails_order_check);
    tcase_add_test(tc, test_conform_missing_post_integral_fails_lifecycle);
    tcase_add_test(tc, test_conform_write_past_block_fails_memory);
    tcase_add_test(tc, test_conform_in_process_entry_skips_exports_and_checks_category);
    tcase_add_test(tc, test_conform_undeclared_order_is_information);
    tcase_add_test(tc, test_conform_wrong_stage_time_fails_time_check);
    tcase_add_test(tc, test_conform_failing_step_names_the_code);
    tcase_add_test(tc, test_conform_foreign_memory_given_to_host_fails_memory);
    tcase_add_test(tc, test_conform_jacobian_without_the_capability_is_refused);
    tcase_add_test(tc, test_conform_padding_lanes_stepped_differently_fail_determinism);
    tcase_add_test(tc, test_conform_scratch_kept_between_steps_is_caught);
    tcase_add_test(tc, test_conform_state_persists_and_dt_change_resets_or_inits_again);
    tcase_add_test(tc, test_conform_implicit_solver_must_be_stable_when_stiff);
    tcase_add_test(tc, test_conform_exponential_solver_must_be_exact_on_decay);
    tcase_add_test(tc, test_conform_sde_euler_maruyama_measures_strong_half_and_weak_one);
    tcase_add_test(tc, test_conform_sde_noise_scaled_by_dt_fails_strong_order_and_variance);
    tcase_add_test(tc, test_conform_sde_declared_calculus_picks_the_solution);
    tcase_add_test(tc, test_conform_sde_own_noise_by_lane_fails_reproducibility);
    tcase_add_test(tc, test_conform_sde_additive_noise_solver_is_measured_on_sine_and_ou);
    tcase_add_test(tc, test_conform_sde_checks_skip_deterministic_solvers);
    tcase_add_test(tc, test_conform_sde_solver_plugins_pass_at_their_declared_orders);
    tcase_add_test(tc, test_conform_sde_dt_noise_fixture_fails_naming_the_strong_order);
    tcase_add_test(tc, test_conform_fit_order_uses_the_finest_pair_above_the_floor);
    tcase_add_test(tc, test_conform_dopri5_fixture_passes_fixed_step_order_and_adaptive_checks);
    tcase_add_test(tc, test_conform_adaptive_fixture_lying_about_error_order_fails_embedded);
    tcase_add_test(tc, test_conform_adaptive_bs3_passes_with_lane_dt_and_per_lane_times);
    tcase_add_test(tc, test_conform_adaptive_step_ignoring_lane_dt_fails_embedded);
    tcase_add_test(tc, test_conform_dense_reading_y_fails_after_reset);
    tcase_add_test(tc, test_conform_adaptive_checks_skip_other_solvers);
    tcase_add_test(tc, test_conform_adaptive_solver_plugins_pass_every_check);
    tcase_add_test(tc, test_conform_every_builtin_model_passes_the_model_checks);
    tcase_add_test(tc, test_conform_wrong_jacobian_names_module_state_and_variable);
    tcase_add_test(tc, test_conform_model_derivative_writing_a_value_fails);
    tcase_add_test(tc, test_conform_model_reset_without_the_flag_fails_lifecycle);
    tcase_add_test(tc, test_conform_model_wrong_fused_diagonal_fails_derivative_diag);
    tcase_add_test(tc, test_conform_elf_exports_of_builtin_plugin_is_only_the_entry);
    tcase_add_test(tc, test_conform_elf_exports_of_libdqcore_lists_its_api);
    tcase_add_test(tc, test_conform_elf_exports_of_bad_files_are_errors);
    tcase_add_test(tc, test_conform_names);
    tcase_add_test(tc, test_conform_cable_solver_of_its_declared_order_passes_on_the_cable_problem);
    tcase_add_test(tc, test_conform_cable_solver_claiming_a_higher_order_fails_the_cable_check);
    tcase_add_test(tc, test_conform_cable_solver_must_refuse_a_model_without_compartments);
    tcase_add_test(tc, test_conform_explicit_solver_gets_a_cable_row_within_its_step_limit);
    tcase_add_test(tc, test_conform_solver_refusing_cable_models_is_noted_not_run);
    suite_add_tcase(s, tc);
    return s;
}
