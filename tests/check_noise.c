/* SPDX-License-Identifier: MIT */
/* check_noise.c -- the host's noise service (ABI 2.1): Brownian increments keyed by seed,
 * unit and state, the same bits wherever a unit is computed; refinement that builds a
 * coarse increment from the fine ones; the covariance of dW and dZ; the SDE host functions
 * and who may call them. The solvers here are in-test recorders of the noise. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <Random123/philox.h>
#include <check.h>

#include <dq/dq.h>
#include <dq/host/loader.h>
#include <dq/host/noise.h>
#include <dq/host/registry.h>
#include <dq/host/system.h>

/* ---- an in-test model: w noisy (additive, g = gain), z deterministic, p noisy with the
 * multiplicative diffusion g = b * p ------------------------------------------------------ */
typedef struct walk {
    double gain, b, n;
} walk_t;

static int walk_init(const dq_view_t *v)
{
    for (size_t i = 0; i < v->units; ++i) {
        v->value[0][i] = 0.0;
        v->value[1][i] = 0.0;
        v->value[2][i] = 1.0 + 0.5 * (double)(v->unit0 + i);
    }
    return DQ_OK;
}

static int walk_null_seen; /* a deterministic solver's diffusion entries */

static int walk_deriv(const dq_view_t *v)
{
    const walk_t *d = v->data;
    walk_null_seen = v->diffusion[0] == NULL && v->diffusion[2] == NULL;
    for (size_t i = 0; i < v->units; ++i) {
        v->derivative[0][i] = 0.0;
        v->derivative[1][i] = 0.0;
        v->derivative[2][i] = 0.0;
    }
    if (v->diffusion[0])
        for (size_t i = 0; i < v->units; ++i)
            v->diffusion[0][i] = d->gain;
    if (v->diffusion[2])
        for (size_t i = 0; i < v->units; ++i)
            v->diffusion[2][i] = d->b * v->value[2][i];
    return DQ_OK;
}

static int walk_gdiag(const dq_view_t *v)
{
    const walk_t *d = v->data;
    ck_assert_ptr_null(v->jacobian_diag[0]); /* additive: not asked */
    ck_assert_ptr_null(v->jacobian_diag[1]); /* deterministic */
    for (size_t i = 0; i < v->units; ++i)
        v->jacobian_diag[2][i] = d->b;
    return DQ_OK;
}

static const dq_state_desc_t walk_states[] = {
    {.name = "w", .flags = DQ_STATE_DIFFUSION | DQ_STATE_ADDITIVE},
    {.name = "z"},
    {.name = "p", .flags = DQ_STATE_DIFFUSION},
};
static const dq_param_desc_t walk_params[] = {
    {.name = "gain", .def = 1.0, .offset = offsetof(walk_t, gain)},
    {.name = "b", .def = 0.5, .offset = offsetof(walk_t, b)},
    {.name = "n",
     .def = 1.0,
     .flags = DQ_PARAM_INTEGER | DQ_PARAM_POSITIVE | DQ_PARAM_POPULATION,
     .offset = offsetof(walk_t, n)},
};
DQ_MODULE(walk_root, .name = "walk", .parent = -1, .states = walk_states, .n_states = 3,
          .init_state = walk_init, .compute_derivative = walk_deriv);
DQ_MODEL(walk_model, .name = "walk", .description = "Brownian recorder test model",
         .params = walk_params, .n_params = DQ_COUNT(walk_params),
         .modules = DQ_LIST(dq_module_desc_t, &walk_root), .data_size = sizeof(walk_t));
/* The same with an analytic dg/dy. */
DQ_MODULE(walk_root_gdiag, .name = "walk", .parent = -1, .states = walk_states, .n_states = 3,
          .init_state = walk_init, .compute_derivative = walk_deriv, .diffusion_diag = walk_gdiag);
DQ_MODEL(walk_model_gdiag, .name = "walk_gdiag", .description = "with diffusion_diag",
         .params = walk_params, .n_params = DQ_COUNT(walk_params),
         .modules = DQ_LIST(dq_module_desc_t, &walk_root_gdiag), .data_size = sizeof(walk_t));

/* ---- recorder solvers ------------------------------------------------------------------- */

/* w += dW; z += dt * w(start) + dZ(w): after any number of steps, w = W(t) and z = the
 * integral of W from 0 to t, exactly as the host builds a refined step's dZ. Other
 * components (p) take y += dW. */
static int record_step(dq_ctx_t *ctx)
{
    double *dW = dq_scratch(ctx, 0), *dZ = dq_scratch(ctx, 1);
    int rc = dq_brownian(ctx, dW, dZ);
    if (rc)
        return rc;
    double *w = ctx->y, *z = ctx->y + ctx->units;
    for (size_t u = 0; u < ctx->units; ++u) {
        z[u] += ctx->dt * w[u] + dZ[u];
        w[u] += dW[u];
    }
    for (size_t i = 2 * ctx->units; i < ctx->len; ++i)
        ctx->y[i] += dW[i];
    return DQ_OK;
}

DQ_INTEGRATOR(record_desc, .name = "test_record_noise", .category = DQ_CATEGORY_STOCHASTIC,
              .order = 1, .description = "records W and its integral", .flags = DQ_CAP_DIFFUSION,
              .step = record_step, .scratch_vectors = 2, .strong_order = 0.5, .weak_order = 1.0,
              .calculus = DQ_CALCULUS_ITO);

/* Asks for noise without declaring DQ_CAP_DIFFUSION. */
static int sneaky_step(dq_ctx_t *ctx)
{
    return dq_brownian(ctx, dq_scratch(ctx, 0), NULL);
}
DQ_INTEGRATOR(sneaky_desc, .name = "test_sneaky", .category = DQ_CATEGORY_OTHER, .order = 1,
              .description = "asks for noise it did not declare", .step = sneaky_step,
              .scratch_vectors = 1);

/* Records the host functions' g and dg/dy into z and p (for one step). */
static int probe_step(dq_ctx_t *ctx)
{
    double *f = dq_scratch(ctx, 0), *g = dq_scratch(ctx, 1), *dg = dq_scratch(ctx, 2);
    int rc = dq_drift_diffusion(ctx, ctx->t, ctx->y, f, g);
    if (!rc)
        rc = dq_diffusion_diag(ctx, ctx->t, ctx->y, g, dg);
    if (rc)
        return rc;
    memcpy(ctx->y, g, ctx->len * sizeof *g);
    memcpy(ctx->f, dg, ctx->len * sizeof *dg);
    return DQ_OK;
}
DQ_INTEGRATOR(probe_desc, .name = "test_probe_g", .category = DQ_CATEGORY_STOCHASTIC, .order = 1,
              .description = "g and dg/dy", .flags = DQ_CAP_DIFFUSION, .step = probe_step,
              .scratch_vectors = 3, .calculus = DQ_CALCULUS_ITO);

DQ_INTEGRATOR(additive_desc, .name = "test_additive_only", .category = DQ_CATEGORY_STOCHASTIC,
              .order = 1, .description = "for additive noise only",
              .flags = DQ_CAP_DIFFUSION | DQ_CAP_ADDITIVE_NOISE_ONLY, .step = record_step,
              .scratch_vectors = 2, .calculus = DQ_CALCULUS_ITO);

static int plain_step(dq_ctx_t *ctx)
{
    return dq_compute_derivative(ctx, ctx->t, ctx->y, ctx->f);
}
DQ_INTEGRATOR(plain_desc, .name = "test_plain", .category = DQ_CATEGORY_EXPLICIT, .order = 1,
              .description = "deterministic", .step = plain_step);

/* Euler-Maruyama in its plainest form: y += f dt + g dW. */
static int em_step(dq_ctx_t *ctx)
{
    double *dW = dq_scratch(ctx, 0);
    int rc = dq_compute_derivative(ctx, ctx->t, ctx->y, ctx->f);
    if (!rc)
        rc = dq_brownian(ctx, dW, NULL);
    if (rc)
        return rc;
    for (size_t i = 0; i < ctx->len; ++i)
        ctx->y[i] += ctx->dt * ctx->f[i] + (ctx->g ? ctx->g[i] * dW[i] : 0.0);
    return DQ_OK;
}
DQ_INTEGRATOR(em_desc, .name = "test_em", .category = DQ_CATEGORY_STOCHASTIC, .order = 1,
              .description = "Euler-Maruyama", .flags = DQ_CAP_DIFFUSION, .step = em_step,
              .scratch_vectors = 1, .strong_order = 0.5, .weak_order = 1.0,
              .calculus = DQ_CALCULUS_ITO);

static dq_registry_t *reg;

static void setup(void)
{
    dq_error_t err = {0};
    reg = dq_registry_new();
    const dq_integrator_desc_t *all[] = {&record_desc,   &sneaky_desc, &probe_desc,
                                         &additive_desc, &plain_desc,  &em_desc};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; ++i)
        ck_assert_int_eq(dq_registry_register(reg, all[i], NULL, &err), DQ_OK);
}

static void teardown(void)
{
    dq_registry_free(reg);
}

typedef struct run_cfg {
    const char *solver;
    double units, dt;
    uint64_t steps, seed;
    unsigned refine;
    size_t threads, block;
} run_cfg_t;

/* Runs the walk model and returns the system (the caller frees it). */
static dq_system_t *walk_run(const run_cfg_t *c)
{
    dq_error_t err = {0};
    const dq_param_arg_t args[] = {{.name = "n", .v = &c->units, .len = 1}};
    dq_system_t *sys = dq_system_new(&walk_model, args, 1, &err);
    ck_assert_msg(sys != NULL, "%s", err.message);
    ck_assert_int_eq(dq_system_set_solver(sys, dq_registry_lookup(reg, c->solver, NULL), &err),
                     DQ_OK);
    ck_assert_int_eq(dq_system_set_seed(sys, c->seed, &err), DQ_OK);
    ck_assert_int_eq(dq_system_set_noise_refine(sys, c->refine ? c->refine : 1, &err), DQ_OK);
    ck_assert_int_eq(dq_system_set_threads(sys, c->threads ? c->threads : 1, &err), DQ_OK);
    ck_assert_int_eq(dq_system_set_block_units(sys, c->block, &err), DQ_OK);
    ck_assert_msg(dq_system_prepare(sys, 0.0, c->dt, &err) == DQ_OK, "%s", err.message);
    ck_assert_msg(dq_system_run(sys, c->steps, &err) == DQ_OK, "%s", err.message);
    return sys;
}

START_TEST(test_noise_one_step_is_sqrt_dt_times_the_keyed_normal)
{
    run_cfg_t c = {.solver = "test_record_noise", .units = 20, .dt = 0.04, .steps = 1, .seed = 7};
    dq_system_t *sys = walk_run(&c);
    double z0[20], z1[20];
    /* State w is model-wide state 0, p is 2. */
    ck_assert_int_eq(dq_noise_normals(7, 0, 20, 0, 0, z0, z1), DQ_OK);
    for (size_t u = 0; u < 20; ++u) {
        ck_assert_double_eq(dq_system_value(sys, 0, u), 0.2 * z0[u]);
        /* dZ = h^1.5 (z0 + z1/sqrt(3)) / 2 */
        ck_assert_double_eq_tol(dq_system_value(sys, 1, u),
                                0.5 * 0.04 * 0.2 * (z0[u] + z1[u] / sqrt(3.0)), 1e-17);
    }
    /* The deterministic state z... is z here: z is the recorder's integral, not noise.
     * The noisy p has its own, different, normals. */
    double zp[20];
    ck_assert_int_eq(dq_noise_normals(7, 0, 20, 2, 0, zp, NULL), DQ_OK);
    ck_assert_double_eq(dq_system_value(sys, 2, 3), 1.0 + 0.5 * 3 + 0.2 * zp[3]);
    ck_assert_double_ne(zp[3], z0[3]);
    dq_system_free(sys);
}
END_TEST

/* Compares every state of every unit of a with units [0, n) of b, bit for bit. */
static void assert_same_bits(const dq_system_t *a, const dq_system_t *b, size_t n)
{
    for (size_t s = 0; s < dq_system_state_count(a); ++s)
        for (size_t u = 0; u < n; ++u) {
            double x = dq_system_value(a, s, u), y = dq_system_value(b, s, u);
            ck_assert_msg(memcmp(&x, &y, sizeof x) == 0, "state %zu unit %zu: %.17g vs %.17g", s, u,
                          x, y);
        }
}

START_TEST(test_noise_is_the_same_bits_for_any_threads_blocks_and_population)
{
    run_cfg_t c = {
        .solver = "test_record_noise", .units = 1000, .dt = 0.01, .steps = 37, .seed = 3};
    dq_system_t *ref = walk_run(&c);
    const size_t blocks[] = {8, 256, 1000};
    for (size_t t = 1; t <= 2; ++t)
        for (size_t k = 0; k < 3; ++k) {
            c.threads = t;
            c.block = blocks[k];
            dq_system_t *sys = walk_run(&c);
            assert_same_bits(ref, sys, 1000);
            dq_system_free(sys);
        }
    /* Ten units alone are the first ten of the thousand. */
    c = (run_cfg_t){.solver = "test_record_noise", .units = 10, .dt = 0.01, .steps = 37, .seed = 3};
    dq_system_t *ten = walk_run(&c);
    assert_same_bits(ten, ref, 10);
    dq_system_free(ten);
    dq_system_free(ref);
}
END_TEST

START_TEST(test_noise_same_seed_same_bits_other_seed_other_path)
{
    run_cfg_t c = {.solver = "test_record_noise", .units = 64, .dt = 0.01, .steps = 10, .seed = 1};
    dq_system_t *a = walk_run(&c), *b = walk_run(&c);
    assert_same_bits(a, b, 64);
    c.seed = 2;
    dq_system_t *o = walk_run(&c);
    size_t differ = 0;
    for (size_t u = 0; u < 64; ++u)
        differ += dq_system_value(a, 0, u) != dq_system_value(o, 0, u);
    ck_assert_uint_eq(differ, 64);
    /* And distinct units have distinct paths. */
    for (size_t u = 1; u < 64; ++u)
        ck_assert_double_ne(dq_system_value(a, 0, u), dq_system_value(a, 0, u - 1));
    dq_system_free(a);
    dq_system_free(b);
    dq_system_free(o);
}
END_TEST

START_TEST(test_noise_refined_step_follows_the_fine_path)
{
    /* 5 steps of 0.08 with R = 8 against 40 steps of 0.01: the same W and integral of W. */
    run_cfg_t fine = {
        .solver = "test_record_noise", .units = 50, .dt = 0.01, .steps = 40, .seed = 11};
    run_cfg_t coarse = fine;
    coarse.dt = 0.08;
    coarse.steps = 5;
    coarse.refine = 8;
    dq_system_t *f = walk_run(&fine), *c = walk_run(&coarse);
    for (size_t u = 0; u < 50; ++u) {
        ck_assert_double_eq_tol(dq_system_value(c, 0, u), dq_system_value(f, 0, u), 1e-14);
        ck_assert_double_eq_tol(dq_system_value(c, 1, u), dq_system_value(f, 1, u), 1e-14);
    }
    /* W(0.4) from the normals themselves. */
    double w = 0.0, z[1];
    for (uint64_t i = 0; i < 40; ++i) {
        ck_assert_int_eq(dq_noise_normals(11, 17, 1, 0, i, z, NULL), DQ_OK);
        w += 0.1 * z[0];
    }
    ck_assert_double_eq_tol(dq_system_value(c, 0, 17), w, 1e-14);
    dq_system_free(f);
    dq_system_free(c);
}
END_TEST

START_TEST(test_noise_increments_have_the_brownian_covariances)
{
    /* One step of h = 0.25 for 40 000 units: Var dW = h, Var dZ = h^3/3, Cov = h^2/2. */
    const double h = 0.25, M = 40000;
    run_cfg_t c = {.solver = "test_record_noise", .units = M, .dt = h, .steps = 1, .seed = 5};
    dq_system_t *sys = walk_run(&c);
    double sw = 0, sz = 0, sww = 0, szz = 0, swz = 0;
    for (size_t u = 0; u < (size_t)M; ++u) {
        double w = dq_system_value(sys, 0, u), z = dq_system_value(sys, 1, u);
        sw += w;
        sz += z;
        sww += w * w;
        szz += z * z;
        swz += w * z;
    }
    /* Standard errors of second moments of normals: sqrt(2/M) relative for variances,
     * sqrt((1 + rho^2)/M) for the covariance; 5 of them as the bound. */
    const double se = sqrt(2.0 / M);
    ck_assert_double_eq_tol(sw / M, 0.0, 5 * sqrt(h / M));
    ck_assert_double_eq_tol(sww / M / h, 1.0, 5 * se);
    ck_assert_double_eq_tol(szz / M / (h * h * h / 3), 1.0, 5 * se);
    ck_assert_double_eq_tol(swz / M / (h * h / 2), 1.0, 5 * se);
    ck_assert_double_eq_tol(sz / M, 0.0, 5 * sqrt(h * h * h / 3 / M));
    dq_system_free(sys);
}
END_TEST

START_TEST(test_noise_normals_are_standard_normal)
{
    /* Mean 0, variance 1, fourth moment 3, and the tails where a normal puts them. */
    enum { N = 1 << 16 };
    static double z0[N], z1[N];
    ck_assert_int_eq(dq_noise_normals(99, 0, N, 4, 123, z0, z1), DQ_OK);
    double s = 0, s2 = 0, s4 = 0;
    size_t beyond2 = 0;
    for (size_t i = 0; i < N; ++i)
        for (int k = 0; k < 2; ++k) {
            double z = k ? z1[i] : z0[i];
            s += z;
            s2 += z * z;
            s4 += z * z * z * z;
            beyond2 += fabs(z) > 2.0;
        }
    const double n = 2.0 * N;
    ck_assert_double_eq_tol(s / n, 0.0, 5 / sqrt(n));
    ck_assert_double_eq_tol(s2 / n, 1.0, 5 * sqrt(2 / n));
    ck_assert_double_eq_tol(s4 / n, 3.0, 5 * sqrt(96 / n));
    /* P(|Z| > 2) = 0.0455003; binomial standard error. */
    const double p = 0.04550026389635842;
    ck_assert_double_eq_tol((double)beyond2 / n, p, 5 * sqrt(p * (1 - p) / n));
    ck_assert_int_eq(dq_noise_normals(99, 0, 1, 1u << 24, 0, z0, NULL), DQ_EINVAL);
}
END_TEST

/* The normals are Box-Muller on the words of Random123's scalar Philox4x32-10 for the
 * documented counter: checked against that reference computed in long double, for units
 * across a vector block and past 2^31, states, draws and indices. Catches a vector Philox
 * or transform that drifts from the scalar definition. */
START_TEST(test_noise_normals_are_box_muller_of_the_philox_words)
{
    const uint64_t seed = 0x0123456789abcdefull;
    const uint64_t unit0s[] = {0, 13, 2147483640ull, 4294967000ull};
    const struct {
        uint32_t state;
        uint64_t index;
    } keys[] = {{0, 0}, {3, 7}, {5, 123456789012ull}, {(1u << 24) - 1, 3}};
    double worst = 0.0;
    for (size_t a = 0; a < 4; ++a)
        for (size_t b = 0; b < 4; ++b) {
            double z0[24], z1[24];
            /* z0: draw 0 (dW), z1: draw 1 (dZ's own part), both of grid index `index`. */
            ck_assert_int_eq(
                dq_noise_normals(seed, unit0s[a], 24, keys[b].state, keys[b].index, z0, z1), DQ_OK);
            for (size_t u = 0; u < 24; ++u) {
                const philox4x32_key_t k = {{(uint32_t)seed, (uint32_t)(seed >> 32)}};
                const uint64_t c = keys[b].index / 4;
                const philox4x32_ctr_t ctr = {
                    {(uint32_t)c, (uint32_t)(c >> 32), (uint32_t)(unit0s[a] + u), keys[b].state}};
                for (uint32_t draw = 0; draw < 2; ++draw) {
                    philox4x32_ctr_t in = ctr;
                    in.v[3] |= draw << 24;
                    const philox4x32_ctr_t r = philox4x32_R(10, in, k);
                    /* Index j of the four: j = 0, 1 from words 0, 1; j = 2, 3 from 2, 3. */
                    const size_t j = (size_t)(keys[b].index % 4), p = j / 2 * 2;
                    const long double uu = ((long double)r.v[p] + 0.5L) * 0x1p-32L;
                    const long double th = 6.283185307179586476925286766559L *
                                           ((long double)r.v[p + 1] + 0.5L) * 0x1p-32L;
                    const long double rad = sqrtl(-2.0L * logl(uu));
                    const double ref = (double)(j % 2 ? rad * sinl(th) : rad * cosl(th));
                    const double got = draw ? z1[u] : z0[u];
                    const double err = fabs(got - ref) / ((double)rad * 0x1p-52);
                    worst = err > worst ? err : worst;
                    ck_assert_msg(err <= 4.0, "unit %llu key %zu draw %u: %.17g vs %.17g",
                                  (unsigned long long)(unit0s[a] + u), b, draw, got, ref);
                }
            }
        }
    ck_assert_double_gt(worst, 0.0); /* not trivially equal: rounding shows somewhere */
}
END_TEST

START_TEST(test_noise_host_functions_refused_without_cap_diffusion)
{
    dq_error_t err = {0};
    double n = 8;
    const dq_param_arg_t args[] = {{.name = "n", .v = &n, .len = 1}};
    dq_system_t *sys = dq_system_new(&walk_model, args, 1, &err);
    dq_system_set_solver(sys, dq_registry_lookup(reg, "test_sneaky", NULL), &err);
    ck_assert_int_eq(dq_system_prepare(sys, 0.0, 0.1, &err), DQ_OK);
    ck_assert_int_eq(dq_system_step(sys, &err), DQ_EUSAGE);
    ck_assert_msg(strstr(err.message, "solver 'test_sneaky' failed at t = 0: the solver asked for "
                                      "noise but does not declare DQ_CAP_DIFFUSION") != NULL,
                  "%s", err.message);
    dq_system_free(sys);
}
END_TEST

START_TEST(test_noise_deterministic_solver_sees_no_diffusion_entries)
{
    dq_error_t err = {0};
    double n = 8;
    const dq_param_arg_t args[] = {{.name = "n", .v = &n, .len = 1}};
    dq_system_t *sys = dq_system_new(&walk_model, args, 1, &err);
    dq_system_set_solver(sys, dq_registry_lookup(reg, "test_plain", NULL), &err);
    ck_assert_int_eq(dq_system_prepare(sys, 0.0, 0.1, &err), DQ_OK);
    walk_null_seen = 0;
    ck_assert_int_eq(dq_system_step(sys, &err), DQ_OK);
    ck_assert_int_eq(walk_null_seen, 1);
    dq_system_free(sys);
}
END_TEST

/* g from drift_diffusion (0 for the deterministic z), and dg/dy: 0 for the additive w,
 * b for p, analytic or by finite differences. */
static void probe_check(const dq_model_desc_t *model)
{
    dq_error_t err = {0};
    double n = 9;
    const dq_param_arg_t args[] = {{.name = "n", .v = &n, .len = 1}};
    dq_system_t *sys = dq_system_new(model, args, 1, &err);
    dq_system_set_solver(sys, dq_registry_lookup(reg, "test_probe_g", NULL), &err);
    ck_assert_int_eq(dq_system_prepare(sys, 0.0, 0.1, &err), DQ_OK);
    ck_assert_msg(dq_system_step(sys, &err) == DQ_OK, "%s", err.message);
    for (size_t u = 0; u < 9; ++u) {
        ck_assert_double_eq(dq_system_value(sys, 0, u), 1.0);
        ck_assert_double_eq(dq_system_value(sys, 1, u), 0.0);
        ck_assert_double_eq_tol(dq_system_value(sys, 2, u), 0.5 * (1.0 + 0.5 * (double)u), 1e-15);
    }
    dq_system_free(sys);
}

static double probe_dg[3];
static int probe_dg_step(dq_ctx_t *ctx)
{
    double *f = dq_scratch(ctx, 0), *g = dq_scratch(ctx, 1), *dg = dq_scratch(ctx, 2);
    int rc = dq_drift_diffusion(ctx, ctx->t, ctx->y, f, g);
    if (!rc)
        rc = dq_diffusion_diag(ctx, ctx->t, ctx->y, g, dg);
    for (size_t k = 0; k < 3; ++k)
        probe_dg[k] = dg[k * ctx->units + 4];
    return rc;
}
DQ_INTEGRATOR(probe_dg_desc, .name = "test_probe_dg", .category = DQ_CATEGORY_STOCHASTIC,
              .order = 1, .description = "dg/dy of lane 4", .flags = DQ_CAP_DIFFUSION,
              .step = probe_dg_step, .scratch_vectors = 3, .calculus = DQ_CALCULUS_ITO);

START_TEST(test_noise_drift_diffusion_and_its_derivative)
{
    probe_check(&walk_model);
    dq_error_t err = {0};
    ck_assert_int_eq(dq_registry_register(reg, &probe_dg_desc, NULL, &err), DQ_OK);
    const dq_model_desc_t *models[] = {&walk_model, &walk_model_gdiag};
    for (int k = 0; k < 2; ++k) {
        double n = 9;
        const dq_param_arg_t args[] = {{.name = "n", .v = &n, .len = 1}};
        dq_system_t *sys = dq_system_new(models[k], args, 1, &err);
        dq_system_set_solver(sys, dq_registry_lookup(reg, "test_probe_dg", NULL), &err);
        ck_assert_int_eq(dq_system_prepare(sys, 0.0, 0.1, &err), DQ_OK);
        ck_assert_msg(dq_system_step(sys, &err) == DQ_OK, "%s", err.message);
        ck_assert_double_eq(probe_dg[0], 0.0);
        ck_assert_double_eq(probe_dg[1], 0.0);
        /* Analytic: exactly b; finite differences of a linear g: to rounding. */
        ck_assert_double_eq_tol(probe_dg[2], 0.5, (k ? 1e-300 : 1e-7));
        dq_system_free(sys);
    }
}
END_TEST

START_TEST(test_noise_additive_only_solver_refuses_multiplicative_state)
{
    dq_error_t err = {0};
    dq_system_t *sys = dq_system_new(&walk_model, NULL, 0, &err);
    dq_system_set_solver(sys, dq_registry_lookup(reg, "test_additive_only", NULL), &err);
    ck_assert_int_eq(dq_system_prepare(sys, 0.0, 0.1, &err), DQ_EINVAL);
    ck_assert_str_eq(err.message,
                     "solver 'test_additive_only' is derived for additive noise only, but state "
                     "'p' of model 'walk' has multiplicative noise (its diffusion is not declared "
                     "independent of the states); use euler_maruyama, milstein or stochastic_heun");
    dq_system_free(sys);
}
END_TEST

START_TEST(test_noise_descriptor_sde_fields_are_validated)
{
    dq_error_t err = {0};
    DQ_INTEGRATOR(nan_order, .name = "t_nan", .category = DQ_CATEGORY_STOCHASTIC,
                  .description = "x", .flags = DQ_CAP_DIFFUSION, .step = plain_step,
                  .strong_order = NAN);
    ck_assert_int_eq(dq_registry_register(reg, &nan_order, NULL, &err), DQ_EDESC);
    ck_assert_ptr_nonnull(strstr(err.message, "strong_order must be a number from 0 to 10"));
    dq_error_clear(&err);
    DQ_INTEGRATOR(no_cap, .name = "t_nocap", .category = DQ_CATEGORY_EXPLICIT, .description = "x",
                  .step = plain_step, .weak_order = 1.0);
    ck_assert_int_eq(dq_registry_register(reg, &no_cap, NULL, &err), DQ_EDESC);
    ck_assert_msg(strstr(err.message, "without DQ_CAP_DIFFUSION") != NULL, "%s", err.message);
    dq_error_clear(&err);
    DQ_INTEGRATOR(bad_calc, .name = "t_calc", .category = DQ_CATEGORY_STOCHASTIC,
                  .description = "x", .flags = DQ_CAP_DIFFUSION, .step = plain_step, .calculus = 3);
    ck_assert_int_eq(dq_registry_register(reg, &bad_calc, NULL, &err), DQ_EDESC);
    ck_assert_ptr_nonnull(strstr(err.message, "calculus 3 is neither"));
    const dq_integrator_entry_t *e = dq_registry_lookup(reg, "test_record_noise", NULL);
    ck_assert_double_eq(e->strong_order, 0.5);
    ck_assert_double_eq(e->weak_order, 1.0);
    ck_assert_uint_eq(e->calculus, DQ_CALCULUS_ITO);
}
END_TEST

static char old_warned[512];
static void old_on_warn(void *user, const char *source, const char *message)
{
    (void)user;
    (void)source;
    snprintf(old_warned, sizeof old_warned, "%s", message);
}

/* A model plugin built for ABI 2.0 writes its diffusion unconditionally: an ABI 2.1 host
 * keeps its slot for deterministic solvers and integrates its noise with SDE solvers. */
START_TEST(test_noise_abi20_model_plugin_keeps_running)
{
    dq_error_t err = {0};
    dq_loader_t *loader = dq_loader_new(reg, &err);
    ck_assert_int_eq(dq_loader_load_file(loader, DQ_TEST_FIXTURE_DIR "/older_minor_model.so", &err),
                     DQ_OK);
    const dq_model_entry_t *m = dq_registry_lookup_model(reg, "fixture_older_minor_model", &err);
    ck_assert_ptr_nonnull(m);
    /* Deterministic: the drift alone, x = 0.9^3, and one warning. */
    dq_system_t *sys = dq_system_new(m->desc, NULL, 0, &err);
    dq_system_set_solver(sys, dq_registry_lookup(reg, "test_plain", NULL), &err);
    dq_system_set_warning_handler(sys, old_on_warn, NULL);
    old_warned[0] = '\0';
    ck_assert_int_eq(dq_system_prepare(sys, 0.0, 0.1, &err), DQ_OK);
    ck_assert_ptr_nonnull(strstr(old_warned, "state 'x' has noise"));
    dq_system_free(sys);
    /* Euler-Maruyama: one step is 1 - dt + 0.3 sqrt(dt) z. */
    sys = dq_system_new(m->desc, NULL, 0, &err);
    dq_system_set_solver(sys, dq_registry_lookup(reg, "test_em", NULL), &err);
    dq_system_set_seed(sys, 4, &err);
    ck_assert_int_eq(dq_system_prepare(sys, 0.0, 0.01, &err), DQ_OK);
    ck_assert_msg(dq_system_step(sys, &err) == DQ_OK, "%s", err.message);
    double z[16];
    ck_assert_int_eq(dq_noise_normals(4, 0, 16, 0, 0, z, NULL), DQ_OK);
    for (size_t u = 0; u < 16; ++u)
        ck_assert_double_eq(dq_system_value(sys, 0, u), 1.0 + (0.01 * -1.0 + 0.3 * (0.1 * z[u])));
    dq_system_free(sys);
    dq_loader_free(loader);
}
END_TEST

Suite *noise_suite(void)
{
    Suite *s = suite_create("noise");
    TCase *tc = tcase_create("noise");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_noise_one_step_is_sqrt_dt_times_the_keyed_normal);
    tcase_add_test(tc, test_noise_is_the_same_bits_for_any_threads_blocks_and_population);
    tcase_add_test(tc, test_noise_same_seed_same_bits_other_seed_other_path);
    tcase_add_test(tc, test_noise_refined_step_follows_the_fine_path);
    tcase_add_test(tc, test_noise_increments_have_the_brownian_covariances);
    tcase_add_test(tc, test_noise_normals_are_standard_normal);
    tcase_add_test(tc, test_noise_normals_are_box_muller_of_the_philox_words);
    tcase_add_test(tc, test_noise_host_functions_refused_without_cap_diffusion);
    tcase_add_test(tc, test_noise_deterministic_solver_sees_no_diffusion_entries);
    tcase_add_test(tc, test_noise_drift_diffusion_and_its_derivative);
    tcase_add_test(tc, test_noise_additive_only_solver_refuses_multiplicative_state);
    tcase_add_test(tc, test_noise_descriptor_sde_fields_are_validated);
    tcase_add_test(tc, test_noise_abi20_model_plugin_keeps_running);
    suite_add_tcase(s, tc);
    return s;
}
