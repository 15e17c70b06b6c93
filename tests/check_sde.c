/* SPDX-License-Identifier: MIT */
/* check_sde.c -- the SDE solver plugins' numerics: single steps of GBM against the textbook
 * formulas with the host's own Brownian increments, each scheme's stationary variance of
 * Ornstein-Uhlenbeck at a coarse dt against its closed form, the deterministic path of each
 * solver against its ODE counterpart, the declared orders and calculus, and sra1 refusing
 * multiplicative noise. Strong and weak order measurement is `dqhost check`'s. */
#include <float.h>
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

/* ---- single steps against the textbook formulas ------------------------------------------ */

#define STEP_N 5
#define STEP_COUNT 3
static const uint64_t step_seed = 12345;
/* GBM dx = a x dt + b x dW and OU dx = theta (mu - x) dt + sigma dW, off their defaults. */
static const double gbm_a = 1.0, gbm_b = 0.5, gbm_x0 = 1.7;
static const double ou_theta = 1.3, ou_mu = 0.4, ou_sigma = 0.7, ou_x0 = 1.1;

enum scheme { GBM_EM, GBM_MILSTEIN, GBM_HEUN, GBM_DT_NOISE, OU_SRA1, OU_EXP_EM };

/* The scheme's y1 from y0 over h, given the step's normals z0 (dW = sqrt(h) z0) and z1
 * (I10 = h^1.5 (z0 + z1/sqrt(3))/2), written as the textbooks write it. */
static double scheme_step(enum scheme sc, double y0, double h, double z0, double z1)
{
    const double a = gbm_a, b = gbm_b, th = ou_theta, mu = ou_mu, sg = ou_sigma;
    const double dW = sqrt(h) * z0;
    switch (sc) {
    case GBM_EM:
        return y0 + a * y0 * h + b * y0 * dW;
    case GBM_MILSTEIN:
        return y0 + a * y0 * h + b * y0 * dW + 0.5 * b * b * y0 * (dW * dW - h);
    case GBM_HEUN: {
        const double yt = y0 + a * y0 * h + b * y0 * dW;
        return y0 + (a * y0 + a * yt) * h / 2.0 + (b * y0 + b * yt) * dW / 2.0;
    }
    case GBM_DT_NOISE: /* the fixture's bug: the increment times sqrt(h), that is z h */
        return y0 + (h * (a * y0) + (b * y0) * dW * sqrt(h));
    case OU_SRA1: {
        const double I10 = pow(h, 1.5) * (z0 + z1 / sqrt(3.0)) / 2.0;
        const double f0 = th * (mu - y0);
        const double H2 = y0 + 0.75 * h * f0 + 1.5 * sg * I10 / h;
        return y0 + h * (f0 / 3.0 + 2.0 * th * (mu - H2) / 3.0) + (dW - I10 / h) * sg +
               I10 / h * sg;
    }
    case OU_EXP_EM: /* the exact transition law of OU */
        return mu + (y0 - mu) * exp(-th * h) + sg * sqrt(-expm1(-2.0 * th * h) / (2.0 * th)) * z0;
    }
    return NAN;
}

/* Steps `sname` STEP_COUNT times on a population of STEP_N and compares each unit after
 * each step with the scheme's formula from its previous value and the host's normals for
 * that (unit, state, grid index), within max_ulps. */
static void steps_match(const char *sname, enum scheme sc, double h, unsigned max_ulps)
{
    const int ou = sc == OU_SRA1 || sc == OU_EXP_EM;
    double n = STEP_N;
    dq_param_arg_t gbm[] = {{"n", &n, 1, NULL},
                            {"a", &gbm_a, 1, NULL},
                            {"b", &gbm_b, 1, NULL},
                            {"x0", &gbm_x0, 1, NULL}};
    dq_param_arg_t oup[] = {{"n", &n, 1, NULL},
                            {"theta", &ou_theta, 1, NULL},
                            {"mu", &ou_mu, 1, NULL},
                            {"sigma", &ou_sigma, 1, NULL},
                            {"x0", &ou_x0, 1, NULL}};
    dq_error_t err = {0};
    dq_system_t *sys = ou ? system_try("ou", oup, 5, sname, h, step_seed, &err)
                          : system_try("gbm", gbm, 4, sname, h, step_seed, &err);
    ck_assert_msg(sys != NULL, "%s: %s", sname, err.message);
    const size_t x = (size_t)dq_system_state_index(sys, "x");
    double y[STEP_N];
    for (size_t u = 0; u < STEP_N; ++u)
        y[u] = ou ? ou_x0 : gbm_x0;
    for (uint64_t k = 0; k < STEP_COUNT; ++k) {
        double z0[STEP_N], z1[STEP_N];
        ck_assert_int_eq(dq_noise_normals(step_seed, 0, STEP_N, x, k, z0, z1), DQ_OK);
        ck_assert_msg(dq_system_step(sys, &err) == DQ_OK, "%s", err.message);
        for (size_t u = 0; u < STEP_N; ++u) {
            const double want = scheme_step(sc, y[u], h, z0[u], z1[u]);
            const double got = dq_system_value(sys, x, u);
            /* Ulps of the step's scale, the start value and the increment: a value near 0
             * is a difference of terms near 1, each rounded to their ulps. */
            const double scale = fmax(fabs(y[u]), fabs(want)) + fabs(want - y[u]);
            ck_assert_msg(dq_test_ulps(got, want) <= max_ulps ||
                              fabs(got - want) <= max_ulps * DBL_EPSILON * scale,
                          "%s, unit %zu, step %llu: %.17g, textbook %.17g (%llu ulps)", sname, u,
                          (unsigned long long)k, got, want,
                          (unsigned long long)dq_test_ulps(got, want));
            y[u] = got;
        }
    }
    /* The units took different paths. */
    ck_assert_double_ne(y[0], y[1]);
    dq_system_free(sys);
}

START_TEST(test_sde_em_step_of_gbm_matches_textbook_formula)
{
    /* The plugin forms (y + h (a y)) + (b y) dW, the textbook's order: the same bits here,
     * 1 ulp allowed for a compiler that fuses a multiply-add. */
    steps_match("euler_maruyama", GBM_EM, 0.01, 1);
    steps_match("em", GBM_EM, 0.01, 1);
}
END_TEST

START_TEST(test_sde_milstein_step_of_gbm_matches_textbook_formula)
{
    /* The correction is formed as (0.5 g) g' (dW^2 - h) with g = b y, g' = b from gbm's
     * diffusion_diag: within 1 ulp of 0.5 b^2 y (dW^2 - h). */
    steps_match("milstein", GBM_MILSTEIN, 0.01, 1);
}
END_TEST

START_TEST(test_sde_stochastic_heun_step_of_gbm_is_the_trapezoid_in_f_and_g)
{
    /* g at the predictor too (Stratonovich), not g at y0 twice (Ito's Euler-Maruyama). */
    steps_match("stochastic_heun", GBM_HEUN, 0.01, 4);
    steps_match("heun_sde", GBM_HEUN, 0.01, 4);
}
END_TEST

START_TEST(test_sde_sra1_step_of_ou_uses_the_host_integral_of_w)
{
    /* A coarse step, so that the (3/2) g I10/h in the stage input matters. */
    steps_match("sra1", OU_SRA1, 0.25, 4);
}
END_TEST

START_TEST(test_sde_exp_euler_maruyama_step_of_ou_is_the_exact_transition)
{
    /* mu + (y - mu) e^(-theta h) + sigma sqrt((1 - e^(-2 theta h))/(2 theta)) z, at a dt
     * where Euler-Maruyama is far from it; the plugin's vector expm1 is within 4 ulp. */
    steps_match("exp_euler_maruyama", OU_EXP_EM, 0.25, 4);
}
END_TEST

START_TEST(test_sde_dt_noise_fixture_scales_the_increment_by_dt)
{
    /* The fixture dqhost check must fail: noise b y z h instead of b y z sqrt(h). */
    steps_match("fixture_sde_dt_noise", GBM_DT_NOISE, 0.01, 1);
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
    ck_assert_msg(fabs(got - want) <= 4.0 * se,
                  "%s: sample variance %.5f, closed form %.5f, 4 SE = %.5f (%+.2f SE)", sname, got,
                  want, 4.0 * se, (got - want) / se);
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

/* ---- a unit's path does not depend on what surrounds it -------------------------------- */

static dq_system_t *population_run(const char *mname, const char *sname, size_t n, size_t block,
                                   size_t threads)
{
    dq_error_t err = {0};
    double nd = (double)n;
    dq_param_arg_t args[] = {{"n", &nd, 1, NULL}};
    const dq_model_entry_t *m = dq_registry_lookup_model(reg, mname, &err);
    ck_assert_msg(m != NULL, "%s", err.message);
    dq_system_t *sys = dq_system_new(m->desc, args, 1, &err);
    ck_assert_msg(sys != NULL, "%s", err.message);
    ck_assert_int_eq(dq_system_set_solver(sys, solver(sname), &err), DQ_OK);
    ck_assert_int_eq(dq_system_set_seed(sys, 99, &err), DQ_OK);
    ck_assert_int_eq(dq_system_set_block_units(sys, block, &err), DQ_OK);
    ck_assert_int_eq(dq_system_set_threads(sys, threads, &err), DQ_OK);
    ck_assert_msg(dq_system_prepare(sys, 0.0, 0.01, &err) == DQ_OK, "%s", err.message);
    ck_assert_msg(dq_system_run(sys, 50, &err) == DQ_OK, "%s", err.message);
    return sys;
}

START_TEST(test_sde_solvers_give_a_unit_the_same_bits_whatever_surrounds_it)
{
    /* Loops over whole padded blocks and noise keyed by the global unit: 1000 units in
     * blocks of 256 on one thread, in blocks of 8 on two, and the first 10 on their own. */
    const char *const models[] = {"ou", "gbm"};
    for (int s = 0; s < N_SDE_SOLVERS; ++s)
        for (size_t mi = 0; mi < 2; ++mi) {
            const char *sname = sde_solvers[s], *mname = models[mi];
            if (strcmp(sname, "sra1") == 0 && strcmp(mname, "gbm") == 0)
                continue; /* refused: multiplicative noise */
            char what[96];
            dq_system_t *ref = population_run(mname, sname, 1000, 256, 1);
            dq_system_t *two = population_run(mname, sname, 1000, 7, 2);
            dq_system_t *ten = population_run(mname, sname, 10, 1, 1);
            ck_assert_uint_eq(dq_system_threads(two), 2);
            snprintf(what, sizeof what, "%s on %s, two threads", sname, mname);
            assert_same_states(two, ref, 0, what);
            snprintf(what, sizeof what, "%s on %s, 10 of 1000", sname, mname);
            for (size_t u = 0; u < 10; ++u) {
                const double x = dq_system_value(ten, 0, u), y = dq_system_value(ref, 0, u);
                ck_assert_msg(memcmp(&x, &y, sizeof x) == 0, "%s: unit %zu: %.17g != %.17g", what,
                              u, x, y);
            }
            /* The units took different paths. */
            ck_assert_double_ne(dq_system_value(ref, 0, 0), dq_system_value(ref, 0, 1));
            dq_system_free(ref);
            dq_system_free(two);
            dq_system_free(ten);
        }
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
    tcase_add_test(tc, test_sde_stochastic_heun_step_of_gbm_is_the_trapezoid_in_f_and_g);
    tcase_add_test(tc, test_sde_sra1_step_of_ou_uses_the_host_integral_of_w);
    tcase_add_test(tc, test_sde_exp_euler_maruyama_step_of_ou_is_the_exact_transition);
    tcase_add_test(tc, test_sde_dt_noise_fixture_scales_the_increment_by_dt);
    tcase_add_loop_test(tc, test_sde_stationary_variance_of_ou_matches_each_scheme_closed_form, 0,
                        N_SDE_SOLVERS);
    tcase_add_test(tc, test_sde_em_stationary_variance_of_ou_is_not_the_exact_one);
    tcase_add_test(tc, test_sde_solvers_without_noise_give_their_counterparts_bits);
    tcase_add_test(tc, test_sde_sra1_without_noise_agrees_with_ralston2_on_linear_decay_only);
    tcase_add_test(tc, test_sde_solvers_give_a_unit_the_same_bits_whatever_surrounds_it);
    tcase_add_test(tc, test_sde_descriptors_declare_orders_calculus_and_noise_capabilities);
    tcase_add_test(tc, test_sde_sra1_refuses_gbm_naming_state_x_as_not_additive);
    suite_add_tcase(s, tc);
    return s;
}
