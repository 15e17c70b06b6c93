/* SPDX-License-Identifier: MIT */
/* check_sde.c -- the SDE solver plugins' numerics: single steps of GBM against the textbook
 * formulas with the host's own Brownian increments, each scheme's stationary variance of
 * Ornstein-Uhlenbeck at a coarse dt against its closed form, the deterministic path of each
 * solver against its ODE counterpart, the declared orders and calculus, and sra1 refusing
 * multiplicative noise. Strong and weak order measurement is `dqhost check`'s. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include <dq/dq.h>
#include <dq/host/loader.h>
#include <dq/host/noise.h>
#include <dq/host/registry.h>
#include <dq/host/system.h>

#include "test_ulp.h"

static dq_registry_t *reg;
static dq_loader_t *loader;

/* SRA1's drift tableau (c2 = 3/4, b = (1/3, 2/3)) run by <dq/rk.h>, registered in-process:
 * what sra1 must be without noise. */
static const double rk_c34_a[4] = {0.0, 0.0, 3.0 / 4.0, 0.0};
static const double rk_c34_b[2] = {1.0 / 3.0, 2.0 / 3.0};
static const double rk_c34_c[2] = {0.0, 3.0 / 4.0};
static const dq_rk_tableau_t rk_c34 = {.stages = 2, .a = rk_c34_a, .b = rk_c34_b, .c = rk_c34_c};

static int rk_c34_step(dq_ctx_t *ctx)
{
    return dq_rk_step(ctx, &rk_c34);
}

DQ_INTEGRATOR(rk_c34_desc, .name = "test_rk2_c34", .category = DQ_CATEGORY_EXPLICIT, .order = 2,
              .description = "SRA1's drift tableau", .step = rk_c34_step,
              .scratch_vectors = DQ_RK_SCRATCH_VECTORS(2));

static void setup(void)
{
    dq_error_t err = {0};
    reg = dq_registry_new();
    loader = dq_loader_new(reg, &err);
    ck_assert_ptr_nonnull(loader);
    ck_assert_int_eq(dq_loader_load_dir(loader, DQ_TEST_PLUGIN_DIR, &err), DQ_OK);
    ck_assert_msg(dq_loader_load_file(loader, DQ_TEST_FIXTURE_DIR "/sde_dt_noise.so", &err) ==
                      DQ_OK,
                  "%s", err.message);
    ck_assert_msg(dq_registry_register(reg, &rk_c34_desc, NULL, &err) == DQ_OK, "%s", err.message);
}

static void teardown(void)
{
    dq_registry_free(reg);
    dq_loader_free(loader);
}

static const dq_integrator_entry_t *solver(const char *name)
{
    dq_error_t err = {0};
    const dq_integrator_entry_t *e = dq_registry_lookup(reg, name, &err);
    ck_assert_msg(e != NULL, "%s", err.message);
    return e;
}

/* A prepared system of model `mname` with solver `sname`, or NULL with err set by prepare. */
static dq_system_t *system_try(const char *mname, const dq_param_arg_t *args, size_t n_args,
                               const char *sname, double dt, uint64_t seed, dq_error_t *err)
{
    const dq_model_entry_t *m = dq_registry_lookup_model(reg, mname, err);
    ck_assert_msg(m != NULL, "%s", err->message);
    dq_system_t *sys = dq_system_new(m->desc, args, n_args, err);
    ck_assert_msg(sys != NULL, "%s", err->message);
    ck_assert_int_eq(dq_system_set_solver(sys, solver(sname), err), DQ_OK);
    ck_assert_int_eq(dq_system_set_seed(sys, seed, err), DQ_OK);
    dq_system_set_warning_handler(sys, NULL, NULL);
    if (dq_system_prepare(sys, 0.0, dt, err) != DQ_OK) {
        dq_system_free(sys);
        return NULL;
    }
    return sys;
}

static dq_system_t *system_run(const char *mname, const dq_param_arg_t *args, size_t n_args,
                               const char *sname, double dt, uint64_t seed, uint64_t steps)
{
    dq_error_t err = {0};
    dq_system_t *sys = system_try(mname, args, n_args, sname, dt, seed, &err);
    ck_assert_msg(sys != NULL, "%s with %s: %s", mname, sname, err.message);
    ck_assert_msg(dq_system_run(sys, steps, &err) == DQ_OK, "%s with %s: %s", mname, sname,
                  err.message);
    return sys;
}

/* ---- one step of GBM against the textbook ------------------------------------------------ */

#define GBM_N 5
#define GBM_STEPS 3
static const double gbm_a = 1.0, gbm_b = 0.5, gbm_x0 = 1.7, gbm_h = 0.01;
static const uint64_t gbm_seed = 12345;

enum gbm_scheme { GBM_EM, GBM_MILSTEIN, GBM_DT_NOISE };

/* Steps `sname` on GBM and compares each unit, after each step, with the scheme's formula
 * from the previous value and the host's normals for that (unit, state, step). */
static void gbm_steps_match(const char *sname, enum gbm_scheme scheme, unsigned max_ulps)
{
    double n = GBM_N;
    dq_param_arg_t args[] = {{"n", &n, 1, NULL},
                             {"a", &gbm_a, 1, NULL},
                             {"b", &gbm_b, 1, NULL},
                             {"x0", &gbm_x0, 1, NULL}};
    dq_error_t err = {0};
    dq_system_t *sys = system_try("gbm", args, 4, sname, gbm_h, gbm_seed, &err);
    ck_assert_msg(sys != NULL, "%s: %s", sname, err.message);
    const size_t x = (size_t)dq_system_state_index(sys, "x");
    double y[GBM_N];
    for (size_t u = 0; u < GBM_N; ++u)
        y[u] = gbm_x0;
    const double a = gbm_a, b = gbm_b, h = gbm_h;
    for (uint64_t k = 0; k < GBM_STEPS; ++k) {
        double z[GBM_N];
        dq_noise_normals(gbm_seed, 0, GBM_N, x, k, z, NULL);
        ck_assert_msg(dq_system_step(sys, &err) == DQ_OK, "%s", err.message);
        for (size_t u = 0; u < GBM_N; ++u) {
            const double y0 = y[u], dW = sqrt(h) * z[u];
            double want = 0.0;
            switch (scheme) {
            case GBM_EM:
                want = y0 + a * y0 * h + b * y0 * dW;
                break;
            case GBM_MILSTEIN:
                want = y0 + a * y0 * h + b * y0 * dW + 0.5 * b * b * y0 * (dW * dW - h);
                break;
            case GBM_DT_NOISE:
                want = y0 + (h * (a * y0) + (b * y0) * dW * sqrt(h));
                break;
            }
            const double got = dq_system_value(sys, x, u);
            ck_assert_msg(dq_test_ulps(got, want) <= max_ulps,
                          "%s, unit %zu, step %llu: %.17g, textbook %.17g (dW %.17g)", sname, u,
                          (unsigned long long)k, got, want, dW);
            /* The increments really differ between units and steps. */
            ck_assert_double_ne(got, y0);
            y[u] = got;
        }
    }
    ck_assert_double_ne(y[0], y[1]);
    dq_system_free(sys);
}

START_TEST(test_sde_em_step_of_gbm_matches_textbook_formula)
{
    /* The plugin forms (y + h (a y)) + (b y) dW, the textbook's order: the same bits. */
    gbm_steps_match("euler_maruyama", GBM_EM, 0);
    gbm_steps_match("em", GBM_EM, 0);
}
END_TEST

START_TEST(test_sde_milstein_step_of_gbm_matches_textbook_formula)
{
    /* The correction is formed as (0.5 g) g' (dW^2 - h) with g = b y, g' = b from gbm's
     * diffusion_diag: within 1 ulp of 0.5 b^2 y (dW^2 - h). */
    gbm_steps_match("milstein", GBM_MILSTEIN, 1);
}
END_TEST

START_TEST(test_sde_dt_noise_fixture_scales_the_increment_by_dt)
{
    /* The fixture dqhost check must fail: noise b y z h instead of b y z sqrt(h). */
    gbm_steps_match("fixture_sde_dt_noise", GBM_DT_NOISE, 1);
}
END_TEST

/* ---- stationary variance of Ornstein-Uhlenbeck at a coarse dt ----------------------------- */

/* dx = -theta x dt + sigma dW with theta = sigma = 1, mu = 0 from x0 = 0, dt = 1/2, run to
 * t = 40 (e^-40 of the start left for the slowest scheme), 20 000 units. */
#define OU_N 20000
#define OU_DT 0.5
#define OU_STEPS 80

/* Each scheme on OU is x1 = A x0 + (noise with variance V per step), so the stationary
 * variance is V / (1 - A^2). h = dt, th = theta h. */
static double ou_closed_form(const char *sname)
{
    const double theta = 1.0, sigma = 1.0, h = OU_DT, th = theta * h;
    const double heun_a = 1.0 - th + th * th / 2.0;
    if (strcmp(sname, "euler_maruyama") == 0 || strcmp(sname, "milstein") == 0)
        /* A = 1 - th, V = sigma^2 h (Milstein's correction is 0 for additive noise). */
        return sigma * sigma / (theta * (2.0 - th));
    if (strcmp(sname, "stochastic_heun") == 0) {
        /* yt = x - th x + sigma dW; x1 = x - (th/2)(x + yt) + sigma dW:
         * A = 1 - th + th^2/2, noise sigma (1 - th/2) dW. */
        const double b = 1.0 - th / 2.0;
        return sigma * sigma * h * b * b / (1.0 - heun_a * heun_a);
    }
    if (strcmp(sname, "sra1") == 0) {
        /* H2 = x - (3/4) th x + (3/2) sigma I10/h; x1 = x - th x/3 - (2/3) th H2 + sigma I1
         * = (1 - th + th^2/2) x + sigma (I1 - theta I10), and with Var I1 = h,
         * Cov(I1, I10) = h^2/2, Var I10 = h^3/3 the noise variance is
         * sigma^2 h (1 - th + th^2/3). */
        return sigma * sigma * h * (1.0 - th + th * th / 3.0) / (1.0 - heun_a * heun_a);
    }
    /* exp_euler_maruyama: the exact transition law, A = e^-th, V = sigma^2 (1 - A^2)/(2 theta). */
    return sigma * sigma / (2.0 * theta);
}

/* The sample variance across the population at t = 40. */
static double ou_sample_variance(const char *sname)
{
    double n = OU_N, theta = 1.0, mu = 0.0, sigma = 1.0, x0 = 0.0;
    dq_param_arg_t args[] = {{"n", &n, 1, NULL},
                             {"theta", &theta, 1, NULL},
                             {"mu", &mu, 1, NULL},
                             {"sigma", &sigma, 1, NULL},
                             {"x0", &x0, 1, NULL}};
    dq_system_t *sys = system_run("ou", args, 5, sname, OU_DT, 2024, OU_STEPS);
    const size_t x = (size_t)dq_system_state_index(sys, "x");
    double mean = 0.0, var = 0.0;
    for (size_t u = 0; u < OU_N; ++u)
        mean += dq_system_value(sys, x, u);
    mean /= OU_N;
    for (size_t u = 0; u < OU_N; ++u) {
        const double d = dq_system_value(sys, x, u) - mean;
        var += d * d;
    }
    dq_system_free(sys);
    return var / (OU_N - 1);
}

/* The standard error of a normal sample variance of M values: Var sqrt(2/(M - 1)). */
static double variance_se(double var)
{
    return var * sqrt(2.0 / (OU_N - 1));
}

static const char *const sde_solvers[] = {"euler_maruyama", "milstein", "stochastic_heun", "sra1",
                                          "exp_euler_maruyama"};
#define N_SDE_SOLVERS (int)(sizeof sde_solvers / sizeof sde_solvers[0])

START_TEST(test_sde_stationary_variance_of_ou_matches_each_scheme_closed_form)
{
    const char *sname = sde_solvers[_i];
    const double want = ou_closed_form(sname), got = ou_sample_variance(sname);
    const double se = variance_se(want);
    fprintf(stderr, "  %-20s stationary variance %.5f, closed form %.5f (SE %.5f, %+.2f SE)\n",
            sname, got, want, se, (got - want) / se);
    ck_assert_msg(fabs(got - want) <= 4.0 * se,
                  "%s: sample variance %.5f, closed form %.5f, 4 SE = %.5f", sname, got, want,
                  4.0 * se);
}
END_TEST

START_TEST(test_sde_em_stationary_variance_of_ou_is_not_the_exact_one)
{
    /* The test above could not tell the schemes apart if they all gave sigma^2/(2 theta):
     * at dt = 1/2 Euler-Maruyama's 2/3 is more than 10 standard errors from 1/2. */
    const double exact = 0.5, got = ou_sample_variance("euler_maruyama");
    ck_assert_msg(fabs(got - exact) > 10.0 * variance_se(exact), "%.5f", got);
    ck_assert_double_gt(fabs(ou_closed_form("euler_maruyama") - exact), 10.0 * variance_se(exact));
}
END_TEST

/* ---- without noise, each is its deterministic counterpart --------------------------------- */

/* Every state of every unit of a equals that of b, bit for bit (max_ulps 0) or within. */
static void assert_same_states(const dq_system_t *a, const dq_system_t *b, unsigned max_ulps,
                               const char *what)
{
    ck_assert_uint_eq(dq_system_units(a), dq_system_units(b));
    for (size_t s = 0; s < dq_system_state_count(a); ++s)
        for (size_t u = 0; u < dq_system_units(a); ++u) {
            const double x = dq_system_value(a, s, u), y = dq_system_value(b, s, u);
            if (max_ulps == 0)
                ck_assert_msg(memcmp(&x, &y, sizeof x) == 0,
                              "%s: state %s of unit %zu: %.17g != %.17g", what,
                              dq_system_state_name(a, s), u, x, y);
            else
                ck_assert_msg(dq_test_ulps(x, y) <= max_ulps,
                              "%s: state %s of unit %zu: %.17g vs %.17g (%llu ulps)", what,
                              dq_system_state_name(a, s), u, x, y,
                              (unsigned long long)dq_test_ulps(x, y));
        }
}

static const struct {
    const char *sde, *ode;
} counterparts[] = {
    {"euler_maruyama", "euler"},
    {"milstein", "euler"},
    {"stochastic_heun", "heun2"},
    {"sra1", "test_rk2_c34"},
    {"exp_euler_maruyama", "ind_exp_euler"},
};

START_TEST(test_sde_solvers_without_noise_give_their_counterparts_bits)
{
    for (size_t k = 0; k < sizeof counterparts / sizeof counterparts[0]; ++k) {
        const char *sde = counterparts[k].sde, *ode = counterparts[k].ode;
        char what[96];
        /* decay (no diffusion slot at all): 100 steps to t = tau. */
        dq_system_t *a = system_run("decay", NULL, 0, sde, 0.1, 7, 100);
        dq_system_t *b = system_run("decay", NULL, 0, ode, 0.1, 7, 100);
        snprintf(what, sizeof what, "%s vs %s on decay", sde, ode);
        assert_same_states(a, b, 0, what);
        dq_system_free(a);
        dq_system_free(b);
        /* HH (nonlinear, four states, spiking units): 20 ms. Should hh carry a noise
         * parameter, its default 0 must not change a bit either. */
        double n = 4, I[] = {0.0, 5.0, 10.0, 20.0};
        dq_param_arg_t args[] = {{"n", &n, 1, NULL}, {"I_ext", I, 4, NULL}};
        a = system_run("hh", args, 2, sde, 0.01, 7, 2000);
        b = system_run("hh", args, 2, ode, 0.01, 7, 2000);
        snprintf(what, sizeof what, "%s vs %s on hh", sde, ode);
        assert_same_states(a, b, 0, what);
        ck_assert_double_gt(dq_system_value(a, (size_t)dq_system_state_index(a, "spikes"), 3), 0.0);
        dq_system_free(a);
        dq_system_free(b);
    }
}
END_TEST

START_TEST(test_sde_sra1_without_noise_agrees_with_ralston2_on_linear_decay_only)
{
    /* Every two-stage second-order Runge-Kutta method gives 1 + z + z^2/2 on y' = lambda y,
     * so sra1's drift part (c2 = 3/4) and ralston2 (c2 = 2/3) differ on decay by rounding
     * only; on a nonlinear problem they are different methods. */
    dq_system_t *a = system_run("decay", NULL, 0, "sra1", 0.1, 0, 1);
    dq_system_t *b = system_run("decay", NULL, 0, "ralston2", 0.1, 0, 1);
    assert_same_states(a, b, 2, "sra1 vs ralston2 on decay, one step");
    dq_system_free(a);
    dq_system_free(b);
    double mu = 0.5;
    dq_param_arg_t vdp[] = {{"mu", &mu, 1, NULL}};
    /* Ten steps: at the start (y = 0) the term in which they differ, f''(f, f), is 0. */
    a = system_run("van_der_pol", vdp, 1, "sra1", 0.1, 0, 10);
    b = system_run("van_der_pol", vdp, 1, "ralston2", 0.1, 0, 10);
    const double d = fabs(dq_system_value(a, 0, 0) - dq_system_value(b, 0, 0));
    ck_assert_msg(d > 1e-6, "sra1 and ralston2 agree on van der Pol (%.3g)", d);
    dq_system_free(a);
    dq_system_free(b);
}
END_TEST

/* ---- what the descriptors declare ---------------------------------------------------------- */

START_TEST(test_sde_descriptors_declare_orders_calculus_and_noise_capabilities)
{
    static const struct {
        const char *name;
        int order;
        double strong, weak;
        uint32_t calculus, flags;
    } want[] = {
        {"euler_maruyama", 1, 0.5, 1.0, DQ_CALCULUS_ITO, DQ_CAP_DIFFUSION},
        {"milstein", 1, 1.0, 1.0, DQ_CALCULUS_ITO, DQ_CAP_DIFFUSION},
        {"stochastic_heun", 2, 1.0, 1.0, DQ_CALCULUS_STRATONOVICH, DQ_CAP_DIFFUSION},
        {"sra1", 2, 1.5, 2.0, DQ_CALCULUS_ITO, DQ_CAP_DIFFUSION | DQ_CAP_ADDITIVE_NOISE_ONLY},
        {"exp_euler_maruyama", 1, 0.5, 1.0, DQ_CALCULUS_ITO, DQ_CAP_DIFFUSION | DQ_CAP_JACOBIAN},
        {"fixture_sde_dt_noise", 1, 0.5, 1.0, DQ_CALCULUS_ITO, DQ_CAP_DIFFUSION},
    };
    for (size_t k = 0; k < sizeof want / sizeof want[0]; ++k) {
        const dq_integrator_entry_t *e = solver(want[k].name);
        ck_assert_str_eq(e->category, DQ_CATEGORY_STOCHASTIC);
        ck_assert_int_eq(e->order, want[k].order);
        ck_assert_double_eq(e->strong_order, want[k].strong);
        ck_assert_double_eq(e->weak_order, want[k].weak);
        ck_assert_uint_eq(e->calculus, want[k].calculus);
        ck_assert_uint_eq(e->flags, want[k].flags);
        ck_assert_msg(strlen(e->description) > 0 && !strchr(e->description, '\n'), "%s", e->name);
    }
    ck_assert_str_eq(dq_registry_resolve(reg, "em"), "euler_maruyama");
    ck_assert_str_eq(dq_registry_resolve(reg, "heun_sde"), "stochastic_heun");
    /* ODE solvers are no SDE solvers. */
    const dq_integrator_entry_t *euler = solver("euler");
    ck_assert_uint_eq(euler->calculus, DQ_CALCULUS_NONE);
    ck_assert_double_eq(euler->strong_order, 0.0);
    ck_assert_uint_eq(euler->flags & DQ_CAP_DIFFUSION, 0);
}
END_TEST

/* ---- sra1 and multiplicative noise --------------------------------------------------------- */

START_TEST(test_sde_sra1_refuses_gbm_naming_state_x_as_not_additive)
{
    dq_error_t err = {0};
    dq_system_t *sys = system_try("gbm", NULL, 0, "sra1", 0.01, 0, &err);
    ck_assert_ptr_null(sys);
    ck_assert_int_ne(err.code, DQ_OK);
    ck_assert_msg(strstr(err.message, "'x'") != NULL, "%s", err.message);
    ck_assert_msg(strstr(err.message, "additive") != NULL, "%s", err.message);
    ck_assert_msg(strstr(err.message, "sra1") != NULL, "%s", err.message);
    /* The same solver takes ou, whose noise is additive. */
    dq_error_clear(&err);
    sys = system_try("ou", NULL, 0, "sra1", 0.01, 0, &err);
    ck_assert_msg(sys != NULL, "%s", err.message);
    dq_system_free(sys);
}
END_TEST

Suite *sde_suite(void)
{
    Suite *s = suite_create("sde");
    TCase *tc = tcase_create("sde");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_sde_em_step_of_gbm_matches_textbook_formula);
    tcase_add_test(tc, test_sde_milstein_step_of_gbm_matches_textbook_formula);
    tcase_add_test(tc, test_sde_dt_noise_fixture_scales_the_increment_by_dt);
    tcase_add_loop_test(tc, test_sde_stationary_variance_of_ou_matches_each_scheme_closed_form, 0,
                        N_SDE_SOLVERS);
    tcase_add_test(tc, test_sde_em_stationary_variance_of_ou_is_not_the_exact_one);
    tcase_add_test(tc, test_sde_solvers_without_noise_give_their_counterparts_bits);
    tcase_add_test(tc, test_sde_sra1_without_noise_agrees_with_ralston2_on_linear_decay_only);
    tcase_add_test(tc, test_sde_descriptors_declare_orders_calculus_and_noise_capabilities);
    tcase_add_test(tc, test_sde_sra1_refuses_gbm_naming_state_x_as_not_additive);
    suite_add_tcase(s, tc);
    return s;
}
