/* SPDX-License-Identifier: MIT */
/* check_tableaux.c -- the explicit Runge-Kutta plugins: each tableau meets the order
 * conditions of its declared order and misses one of the next, dq_rk_step keeps the solver
 * contract, each plugin is registered as declared, and each converges at its order.
 *
 * Measured orders, log2 of the error ratio for dt = 0.2 -> 0.1 -> 0.05 -> 0.025 (all
 * checked within +-0.2 of the declared order except the Riccati dt = 0.2 -> 0.1 ratio,
 * which is pre-asymptotic: rk3 gives 3.24 there):
 *
 *   method    decay (t = 10)      logistic (t = 2)    Riccati (t = 2)
 *   midpoint  2.011 2.005 2.003   1.946 1.972 1.986   2.142 2.075 2.038
 *   rk2       2.011 2.005 2.003   1.933 1.966 1.983   2.138 2.070 2.034
 *   heun2     2.011 2.005 2.003   1.922 1.961 1.980   2.105 2.052 2.025
 *   ralston2  2.011 2.005 2.003   1.933 1.966 1.983   2.138 2.070 2.034
 *   rk3       3.012 3.006 3.003   2.965 2.983 2.992   3.237 3.106 3.050
 *   heun3     3.012 3.006 3.003   2.932 2.968 2.984   3.119 3.063 3.032
 *   ssprk3    3.012 3.006 3.003   2.886 2.944 2.972   3.132 3.071 3.037
 *   ralston3  3.012 3.006 3.003   2.929 2.965 2.983   3.141 3.073 3.037
 *   rk4       4.012 4.006 4.006   3.937 3.969 3.984   4.066 4.042 4.023
 *   ralston4  4.012 4.006 4.008   3.955 3.977 3.989   4.118 4.065 4.034
 *
 * Decay is linear, and every s-stage method of order s <= 4 has the stability polynomial
 * R(z) = sum_{k<=s} z^k/k! there, so methods of one order agree on it to rounding; the
 * logistic (autonomous) and Riccati (time-dependent, so it needs the right c_i) problems
 * tell them apart. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <check.h>

#include <dq/dq.h>
#include <dq/host/loader.h>
#include <dq/host/registry.h>
#include <dq/host/system.h>
#include <dq/rk.h>

#include "tableaux/heun2.h"
#include "tableaux/heun3.h"
#include "tableaux/midpoint.h"
#include "tableaux/ralston2.h"
#include "tableaux/ralston3.h"
#include "tableaux/ralston4.h"
#include "tableaux/rk2.h"
#include "tableaux/rk3.h"
#include "tableaux/rk4.h"
#include "tableaux/ssprk3.h"
#include "test_ulp.h"

typedef struct method {
    const char *name;
    int order;
    const dq_rk_tableau_t *tab;
} method_t;

static const method_t methods[] = {
    {"midpoint", 2, &midpoint_tableau}, {"rk2", 2, &rk2_tableau},
    {"heun2", 2, &heun2_tableau},       {"ralston2", 2, &ralston2_tableau},
    {"rk3", 3, &rk3_tableau},           {"heun3", 3, &heun3_tableau},
    {"ssprk3", 3, &ssprk3_tableau},     {"ralston3", 3, &ralston3_tableau},
    {"rk4", 4, &rk4_tableau},           {"ralston4", 4, &ralston4_tableau},
};
#define N_METHODS ((int)(sizeof methods / sizeof methods[0]))

/* ---- order conditions ---------------------------------------------------------------- */

#define S_MAX DQ_RK_MAX_STAGES

static double a_at(const dq_rk_tableau_t *t, unsigned i, unsigned j)
{
    return t->a[i * t->stages + j];
}

/* out = A v */
static void mat_vec(const dq_rk_tableau_t *t, const double *v, double *out)
{
    for (unsigned i = 0; i < t->stages; ++i) {
        out[i] = 0.0;
        for (unsigned j = 0; j < t->stages; ++j)
            out[i] += a_at(t, i, j) * v[j];
    }
}

/* sum_i b_i x_i */
static double b_dot(const dq_rk_tableau_t *t, const double *x)
{
    double s = 0.0;
    for (unsigned i = 0; i < t->stages; ++i)
        s += t->b[i] * x[i];
    return s;
}

/* The residuals (tree value minus 1/gamma) of the conditions of exactly order q (1..5), one
 * per rooted tree: 1, 1, 2, 4 and 9 of them. Returns how many were written. */
static int order_residuals(const dq_rk_tableau_t *t, int q, double *res)
{
    const unsigned s = t->stages;
    /* zeroed: gcc cannot see that stages >= 1 fills them */
    double one[S_MAX] = {0}, c[S_MAX] = {0}, c2[S_MAX] = {0}, c3[S_MAX] = {0}, c4[S_MAX] = {0};
    double Ac[S_MAX], Ac2[S_MAX], Ac3[S_MAX], AAc[S_MAX], AAc2[S_MAX], AAAc[S_MAX];
    double cAc[S_MAX] = {0}, AcAc[S_MAX], x[S_MAX];
    for (unsigned i = 0; i < s; ++i) {
        one[i] = 1.0;
        c[i] = t->c[i];
        c2[i] = c[i] * c[i];
        c3[i] = c2[i] * c[i];
        c4[i] = c3[i] * c[i];
    }
    mat_vec(t, c, Ac);
    mat_vec(t, c2, Ac2);
    mat_vec(t, c3, Ac3);
    mat_vec(t, Ac, AAc);
    mat_vec(t, Ac2, AAc2);
    mat_vec(t, AAc, AAAc);
    for (unsigned i = 0; i < s; ++i)
        cAc[i] = c[i] * Ac[i];
    mat_vec(t, cAc, AcAc);
    int n = 0;
    switch (q) {
    case 1:
        res[n++] = b_dot(t, one) - 1.0;
        break;
    case 2:
        res[n++] = b_dot(t, c) - 1.0 / 2.0;
        break;
    case 3:
        res[n++] = b_dot(t, c2) - 1.0 / 3.0;
        res[n++] = b_dot(t, Ac) - 1.0 / 6.0;
        break;
    case 4:
        res[n++] = b_dot(t, c3) - 1.0 / 4.0;
        res[n++] = b_dot(t, cAc) - 1.0 / 8.0;
        res[n++] = b_dot(t, Ac2) - 1.0 / 12.0;
        res[n++] = b_dot(t, AAc) - 1.0 / 24.0;
        break;
    case 5:
        res[n++] = b_dot(t, c4) - 1.0 / 5.0;
        for (unsigned i = 0; i < s; ++i)
            x[i] = c2[i] * Ac[i];
        res[n++] = b_dot(t, x) - 1.0 / 10.0;
        for (unsigned i = 0; i < s; ++i)
            x[i] = c[i] * Ac2[i];
        res[n++] = b_dot(t, x) - 1.0 / 15.0;
        for (unsigned i = 0; i < s; ++i)
            x[i] = c[i] * AAc[i];
        res[n++] = b_dot(t, x) - 1.0 / 30.0;
        for (unsigned i = 0; i < s; ++i)
            x[i] = Ac[i] * Ac[i];
        res[n++] = b_dot(t, x) - 1.0 / 20.0;
        res[n++] = b_dot(t, Ac3) - 1.0 / 20.0;
        res[n++] = b_dot(t, AcAc) - 1.0 / 40.0;
        res[n++] = b_dot(t, AAc2) - 1.0 / 60.0;
        res[n++] = b_dot(t, AAAc) - 1.0 / 120.0;
        break;
    default:
        break;
    }
    return n;
}

START_TEST(test_tableau_is_explicit_with_row_sums_equal_to_c)
{
    const method_t *m = &methods[_i];
    const dq_rk_tableau_t *t = m->tab;
    ck_assert_uint_ge(t->stages, 1);
    ck_assert_uint_le(t->stages, DQ_RK_MAX_STAGES);
    ck_assert_msg(t->c[0] == 0.0, "%s: c_1 = %g", m->name, t->c[0]);
    for (unsigned i = 0; i < t->stages; ++i) {
        double row = 0.0;
        for (unsigned j = 0; j < t->stages; ++j) {
            if (j >= i)
                ck_assert_msg(a_at(t, i, j) == 0.0, "%s: a[%u][%u] = %g is not strictly lower",
                              m->name, i, j, a_at(t, i, j));
            row += a_at(t, i, j);
        }
        ck_assert_msg(fabs(row - t->c[i]) < 1e-12, "%s: row %u sums to %.17g, c = %.17g", m->name,
                      i, row, t->c[i]);
    }
}
END_TEST

START_TEST(test_tableau_meets_every_condition_up_to_its_order)
{
    const method_t *m = &methods[_i];
    double res[9];
    for (int q = 1; q <= m->order; ++q) {
        int n = order_residuals(m->tab, q, res);
        ck_assert_int_gt(n, 0);
        for (int k = 0; k < n; ++k)
            ck_assert_msg(fabs(res[k]) < 1e-12, "%s: order-%d condition %d is off by %.3g", m->name,
                          q, k, res[k]);
    }
}
END_TEST

/* The declared order is exact: some condition of the next order fails by far more than
 * rounding (the smallest such miss here is rk4's sum b c^4 = 5/24 against 1/5). */
START_TEST(test_tableau_misses_a_condition_of_the_next_order)
{
    const method_t *m = &methods[_i];
    double res[9], worst = 0.0;
    int n = order_residuals(m->tab, m->order + 1, res);
    ck_assert_int_gt(n, 0);
    for (int k = 0; k < n; ++k)
        worst = fmax(worst, fabs(res[k]));
    ck_assert_msg(worst > 1e-6, "%s: meets every order-%d condition (worst %.3g)", m->name,
                  m->order + 1, worst);
}
END_TEST

/* The decimals stand for the closed forms in sqrt(5), to the last bit or two, not to the
 * 8 digits braincell keeps. */
START_TEST(test_tableau_ralston4_decimals_match_the_closed_forms)
{
    const double r5 = sqrt(5.0);
    const struct {
        double got, want;
    } v[] = {
        {ralston4_c[1], 2.0 / 5.0},
        {ralston4_c[2], 7.0 / 8.0 - 3.0 * r5 / 16.0},
        {ralston4_a[4], 2.0 / 5.0},
        {ralston4_a[8], (-2889.0 + 1428.0 * r5) / 1024.0},
        {ralston4_a[9], (3785.0 - 1620.0 * r5) / 1024.0},
        {ralston4_a[12], (-3365.0 + 2094.0 * r5) / 6040.0},
        {ralston4_a[13], (-975.0 - 3046.0 * r5) / 2552.0},
        {ralston4_a[14], (467040.0 + 203968.0 * r5) / 240845.0},
        {ralston4_b[0], (263.0 + 24.0 * r5) / 1812.0},
        {ralston4_b[1], (125.0 - 1000.0 * r5) / 3828.0},
        {ralston4_b[2], 1024.0 * (3346.0 + 1623.0 * r5) / 5924787.0},
        {ralston4_b[3], (30.0 - 4.0 * r5) / 123.0},
    };
    for (size_t k = 0; k < sizeof v / sizeof v[0]; ++k)
        ck_assert_msg(fabs(v[k].got - v[k].want) <= 4e-15 * fabs(v[k].want),
                      "coefficient %zu: %.17g, closed form %.17g", k, v[k].got, v[k].want);
}
END_TEST

/* ---- dq_rk_step against a fake host ---------------------------------------------------- */

#define FAKE_N 3
#define FAKE_CALLS 16

typedef struct fake {
    int pre, deriv, post, reports;
    int fail_pre;      /* code pre_integral returns */
    int fail_deriv_at; /* 1-based derivative call that fails, 0 = none */
    int fail_code;
    int report_code;
    double t[FAKE_CALLS];
} fake_t;

/* F(t, y) = t - y^2 per element: nonlinear and time-dependent, so a wrong stage input or
 * stage time shows. */
static double fake_f(double t, double y)
{
    return t - y * y;
}

static int fake_pre(dq_ctx_t *ctx)
{
    fake_t *f = (fake_t *)ctx->host_data;
    f->pre++;
    return f->fail_pre;
}

static int fake_deriv(dq_ctx_t *ctx, double t, const double *y, double *out)
{
    fake_t *f = (fake_t *)ctx->host_data;
    if (f->deriv < FAKE_CALLS)
        f->t[f->deriv] = t;
    f->deriv++;
    if (f->deriv == f->fail_deriv_at)
        return f->fail_code;
    for (size_t i = 0; i < ctx->len; ++i)
        out[i] = fake_f(t, y[i]);
    return DQ_OK;
}

static int fake_post(dq_ctx_t *ctx)
{
    ((fake_t *)ctx->host_data)->post++;
    return DQ_OK;
}

static int fake_report(dq_ctx_t *ctx, int code, size_t index, const char *message)
{
    fake_t *f = (fake_t *)ctx->host_data;
    (void)index;
    (void)message;
    f->reports++;
    f->report_code = code;
    return code;
}

static const dq_host_api_t fake_host = {
    .abi = DQ_ABI_HEADER_INIT(dq_host_api_t),
    .pre_integral = fake_pre,
    .compute_derivative = fake_deriv,
    .post_integral = fake_post,
    .report = fake_report,
};

static double fake_y[FAKE_N], fake_fslot[FAKE_N], fake_scratch[DQ_RK_MAX_STAGES * FAKE_N];

static dq_ctx_t fake_ctx(fake_t *f, unsigned scratch_vectors)
{
    dq_ctx_t ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.abi = (dq_abi_header_t)DQ_ABI_HEADER_INIT(dq_ctx_t);
    ctx.host = &fake_host;
    ctx.host_data = f;
    ctx.t = 0.5;
    ctx.dt = 0.1;
    ctx.len = FAKE_N;
    ctx.comps = 1;
    ctx.units = FAKE_N;
    ctx.y = fake_y;
    ctx.f = fake_fslot;
    ctx.scratch = fake_scratch;
    ctx.scratch_len = (size_t)scratch_vectors * FAKE_N;
    for (size_t i = 0; i < FAKE_N; ++i) {
        fake_y[i] = 0.25 + 0.5 * (double)i;
        fake_fslot[i] = NAN;
    }
    for (size_t i = 0; i < sizeof fake_scratch / sizeof fake_scratch[0]; ++i)
        fake_scratch[i] = NAN; /* the step must not read scratch it has not written */
    return ctx;
}

/* The step written out plainly, one scalar at a time, in the same order of operations. */
static double reference_step(const dq_rk_tableau_t *t, double t0, double dt, double y0)
{
    double k[S_MAX];
    unsigned s = t->stages;
    k[0] = fake_f(t0, y0);
    for (unsigned i = 1; i < s; ++i) {
        double acc = 0.0;
        int any = 0;
        for (unsigned j = 0; j < i; ++j) {
            if (a_at(t, i, j) != 0.0) {
                acc = any ? acc + a_at(t, i, j) * k[j] : a_at(t, i, j) * k[j];
                any = 1;
            }
        }
        k[i] = fake_f(t0 + t->c[i] * dt, any ? y0 + dt * acc : y0);
    }
    double acc = 0.0;
    for (unsigned i = 0; i < s; ++i)
        if (t->b[i] != 0.0)
            acc += t->b[i] * k[i];
    return y0 + dt * acc;
}

START_TEST(test_rk_step_keeps_the_solver_contract)
{
    const method_t *m = &methods[_i];
    const unsigned s = m->tab->stages;
    fake_t f = {0};
    dq_ctx_t ctx = fake_ctx(&f, DQ_RK_SCRATCH_VECTORS(s));
    double y0[FAKE_N];
    memcpy(y0, fake_y, sizeof y0);
    ck_assert_int_eq(dq_rk_step(&ctx, m->tab), DQ_OK);
    ck_assert_int_eq(f.pre, 1);
    ck_assert_int_eq(f.deriv, (int)s);
    ck_assert_int_eq(f.post, 1);
    ck_assert_int_eq(f.reports, 0);
    for (unsigned i = 0; i < s; ++i) /* stage i at t + c_i dt, computed as the step does */
        ck_assert_ulps(f.t[i], ctx.t + m->tab->c[i] * ctx.dt, 2);
    for (size_t e = 0; e < FAKE_N; ++e) {
        /* the derivative slot holds F(t0, y0), the first stage */
        ck_assert_ulps(fake_fslot[e], fake_f(ctx.t, y0[e]), 2);
        double want = reference_step(m->tab, ctx.t, ctx.dt, y0[e]);
        ck_assert_msg(fabs(fake_y[e] - want) <= 1e-15 * fabs(want),
                      "%s: y[%zu] = %.17g, want %.17g", m->name, e, fake_y[e], want);
    }
}
END_TEST

START_TEST(test_rk_step_returns_the_first_error_unchanged)
{
    const method_t *m = &methods[_i];
    const unsigned s = m->tab->stages;

    fake_t f = {.fail_pre = DQ_EMODEL};
    dq_ctx_t ctx = fake_ctx(&f, s);
    ck_assert_int_eq(dq_rk_step(&ctx, m->tab), DQ_EMODEL);
    ck_assert_int_eq(f.deriv, 0);
    ck_assert_int_eq(f.post, 0);

    /* the last stage fails: nothing is written to y and post_integral does not run */
    fake_t g = {.fail_deriv_at = (int)s, .fail_code = DQ_ENONFINITE};
    ctx = fake_ctx(&g, s);
    double y0[FAKE_N];
    memcpy(y0, fake_y, sizeof y0);
    ck_assert_int_eq(dq_rk_step(&ctx, m->tab), DQ_ENONFINITE);
    ck_assert_int_eq(g.deriv, (int)s);
    ck_assert_int_eq(g.post, 0);
    ck_assert_mem_eq(fake_y, y0, sizeof y0);
}
END_TEST

START_TEST(test_rk_step_refuses_too_few_scratch_vectors)
{
    fake_t f = {0};
    dq_ctx_t ctx = fake_ctx(&f, DQ_RK_SCRATCH_VECTORS(4) - 1);
    ck_assert_int_eq(dq_rk_step(&ctx, &rk4_tableau), DQ_ESOLVER);
    ck_assert_int_eq(f.reports, 1);
    ck_assert_int_eq(f.report_code, DQ_ESOLVER);
    ck_assert_int_eq(f.pre, 0);

    const dq_rk_tableau_t too_many = {
        .stages = DQ_RK_MAX_STAGES + 1, .a = rk4_a, .b = rk4_b, .c = rk4_c};
    fake_t g = {0};
    ctx = fake_ctx(&g, DQ_RK_MAX_STAGES);
    ck_assert_int_eq(dq_rk_step(&ctx, &too_many), DQ_ESOLVER);
    ck_assert_int_eq(g.pre, 0);
}
END_TEST

/* ---- the plugins ----------------------------------------------------------------------- */

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

START_TEST(test_plugin_is_registered_as_declared)
{
    const method_t *m = &methods[_i];
    dq_error_t err = {0};
    const dq_integrator_entry_t *e = dq_registry_lookup(reg, m->name, &err);
    ck_assert_msg(e != NULL, "%s", err.message);
    ck_assert_str_eq(e->name, m->name);
    ck_assert_str_eq(e->category, "explicit");
    ck_assert_int_eq(e->order, m->order);
    ck_assert_uint_eq(e->scratch_vectors, DQ_RK_SCRATCH_VECTORS(m->tab->stages));
    ck_assert_ptr_nonnull(e->step);
    ck_assert_ptr_null(strchr(e->description, '\n'));
    ck_assert_uint_gt(strlen(e->description), 0);
    /* the entry comes from the plugin file of the same name */
    char suffix[64];
    snprintf(suffix, sizeof suffix, "/%s%s", m->name, dq_loader_suffix());
    size_t lo = strlen(e->origin), ls = strlen(suffix);
    ck_assert_uint_ge(lo, ls);
    ck_assert_str_eq(e->origin + lo - ls, suffix);
}
END_TEST

/* Runs `model` with solver `name` from t = 0 for `steps` steps of dt; state `state`, unit 0. */
static double run_final(const dq_model_desc_t *model, const char *name, double dt, long steps,
                        size_t state)
{
    dq_error_t err = {0};
    const dq_integrator_entry_t *solver = dq_registry_lookup(reg, name, &err);
    ck_assert_msg(solver != NULL, "%s", err.message);
    dq_system_t *sys = dq_system_new(model, NULL, 0, &err);
    ck_assert_msg(sys != NULL, "%s", err.message);
    ck_assert_int_eq(dq_system_set_solver(sys, solver, &err), DQ_OK);
    ck_assert_int_eq(dq_system_prepare(sys, 0.0, dt, &err), DQ_OK);
    for (long k = 0; k < steps; ++k)
        ck_assert_msg(dq_system_step(sys, &err) == DQ_OK, "%s", err.message);
    double y = dq_system_value(sys, state, 0);
    dq_system_free(sys);
    return y;
}

static const dq_model_desc_t *decay_model(void)
{
    dq_error_t err = {0};
    const dq_model_entry_t *e = dq_registry_lookup_model(reg, "decay", &err);
    ck_assert_msg(e != NULL, "%s", err.message);
    return e->desc;
}

/* log2(err(dt_k) / err(dt_k / 2)) for dt = 0.2, 0.1, 0.05, 0.025 up to t_end. */
static const double conv_dt[] = {0.2, 0.1, 0.05, 0.025};

static void measure_orders(const dq_model_desc_t *model, const char *name, double t_end,
                           size_t state, double exact, double orders[3])
{
    double err[4];
    for (int k = 0; k < 4; ++k) {
        long steps = lround(t_end / conv_dt[k]);
        err[k] = fabs(run_final(model, name, conv_dt[k], steps, state) - exact);
    }
    for (int k = 0; k < 3; ++k)
        orders[k] = log2(err[k] / err[k + 1]);
}

/* One step of decay (z = -dt/tau) gives R(z) = sum_{k<=p} z^k/k!, the degree-p Taylor
 * polynomial of e^z, for every s-stage method of order s = p <= 4. */
START_TEST(test_plugin_one_decay_step_is_the_taylor_polynomial)
{
    const method_t *m = &methods[_i];
    const double z = -0.1 / 10.0;
    double r = 1.0, term = 1.0;
    for (int k = 1; k <= m->order; ++k) {
        term *= z / k;
        r += term;
    }
    double y = run_final(decay_model(), m->name, 0.1, 1, 0);
    ck_assert_msg(fabs(y - r) < 1e-15, "%s: %.17g, R(z) = %.17g", m->name, y, r);
}
END_TEST

/* decay at dt = 0.1 for 100 steps (t = 10, tau = 10, exact e^-1). The global error of a
 * method with R(z) = e^z - z^(p+1)/(p+1)! + ... is, to leading order,
 *   L = e^-1 * T * lambda^(p+1) * dt^p / (p+1)!    (lambda = 1/tau = 0.1, T = 10),
 * i.e. 6.1e-6, 1.5e-8, 3.1e-11 for p = 2, 3, 4; measured: 6.18e-6, 1.545e-8, 3.09e-11.
 * So C = 2 e^-1 T lambda^(p+1)/(p+1)! bounds it from above and half of L from below. */
START_TEST(test_plugin_decay_error_is_what_the_order_predicts)
{
    const method_t *m = &methods[_i];
    const double dt = 0.1, T = 10.0, lambda = 0.1;
    const int p = m->order;
    double fact = 1.0;
    for (int k = 2; k <= p + 1; ++k)
        fact *= k;
    const double lead = exp(-1.0) * T * pow(lambda, p + 1) * pow(dt, p) / fact;
    double err = fabs(run_final(decay_model(), m->name, dt, 100, 0) - exp(-1.0));
    ck_assert_msg(err < 2.0 * lead && err > 0.5 * lead, "%s: error %.3g, leading term %.3g",
                  m->name, err, lead);
}
END_TEST

START_TEST(test_plugin_converges_at_its_order_on_decay)
{
    const method_t *m = &methods[_i];
    double q[3];
    measure_orders(decay_model(), m->name, 10.0, 0, exp(-1.0), q);
    for (int k = 0; k < 3; ++k)
        ck_assert_msg(fabs(q[k] - m->order) < 0.2, "%s: order %.3f at dt %g, declared %d", m->name,
                      q[k], conv_dt[k + 1], m->order);
}
END_TEST

/* ---- a nonlinear in-test model --------------------------------------------------------- */
/* State 0: logistic y' = y (1 - y), y(0) = 0.1, exact y = 1/(1 + 9 e^-t).
 * State 1: Riccati  y' = -2 t y^2,    y(0) = 1,   exact y = 1/(1 + t^2). */

static int nonlinear_init(const dq_view_t *v)
{
    for (size_t i = 0; i < v->units; ++i) {
        v->value[0][i] = 0.1;
        v->value[1][i] = 1.0;
    }
    return DQ_OK;
}

static int nonlinear_deriv(const dq_view_t *v)
{
    for (size_t i = 0; i < v->units; ++i) {
        const double a = v->value[0][i], b = v->value[1][i];
        v->derivative[0][i] = a * (1.0 - a);
        v->derivative[1][i] = -2.0 * v->t * b * b;
    }
    return DQ_OK;
}

static const dq_state_desc_t nonlinear_states[] = {
    {.name = "logistic", .doc = "y' = y (1 - y)"},
    {.name = "riccati", .doc = "y' = -2 t y^2"},
};
DQ_MODULE(nonlinear_root, .name = "root", .parent = -1, .states = nonlinear_states, .n_states = 2,
          .init_state = nonlinear_init, .compute_derivative = nonlinear_deriv);
DQ_MODEL(nonlinear_model, .name = "nonlinear", .description = "logistic and Riccati equations",
         .modules = DQ_LIST(dq_module_desc_t, &nonlinear_root));

START_TEST(test_plugin_converges_at_its_order_on_the_logistic_equation)
{
    const method_t *m = &methods[_i];
    double q[3];
    measure_orders(&nonlinear_model, m->name, 2.0, 0, 1.0 / (1.0 + 9.0 * exp(-2.0)), q);
    for (int k = 0; k < 3; ++k)
        ck_assert_msg(fabs(q[k] - m->order) < 0.2, "%s: order %.3f at dt %g, declared %d", m->name,
                      q[k], conv_dt[k + 1], m->order);
}
END_TEST

/* Time-dependent, so a stage evaluated at the wrong t costs an order. From dt = 0.1 down:
 * at 0.2 -> 0.1 rk3 still shows 3.24. */
START_TEST(test_plugin_converges_at_its_order_on_a_riccati_equation)
{
    const method_t *m = &methods[_i];
    double q[3];
    measure_orders(&nonlinear_model, m->name, 2.0, 1, 1.0 / 5.0, q);
    for (int k = 1; k < 3; ++k)
        ck_assert_msg(fabs(q[k] - m->order) < 0.2, "%s: order %.3f at dt %g, declared %d", m->name,
                      q[k], conv_dt[k + 1], m->order);
}
END_TEST

Suite *tableaux_suite(void)
{
    Suite *s = suite_create("tableaux");

    TCase *tc = tcase_create("tableau");
    tcase_add_loop_test(tc, test_tableau_is_explicit_with_row_sums_equal_to_c, 0, N_METHODS);
    tcase_add_loop_test(tc, test_tableau_meets_every_condition_up_to_its_order, 0, N_METHODS);
    tcase_add_loop_test(tc, test_tableau_misses_a_condition_of_the_next_order, 0, N_METHODS);
    tcase_add_test(tc, test_tableau_ralston4_decimals_match_the_closed_forms);
    suite_add_tcase(s, tc);

    tc = tcase_create("rk_step");
    tcase_add_loop_test(tc, test_rk_step_keeps_the_solver_contract, 0, N_METHODS);
    tcase_add_loop_test(tc, test_rk_step_returns_the_first_error_unchanged, 0, N_METHODS);
    tcase_add_test(tc, test_rk_step_refuses_too_few_scratch_vectors);
    suite_add_tcase(s, tc);

    tc = tcase_create("plugins");
    tcase_add_checked_fixture(tc, setup_builtins, teardown_builtins);
    tcase_add_loop_test(tc, test_plugin_is_registered_as_declared, 0, N_METHODS);
    tcase_add_loop_test(tc, test_plugin_one_decay_step_is_the_taylor_polynomial, 0, N_METHODS);
    tcase_add_loop_test(tc, test_plugin_decay_error_is_what_the_order_predicts, 0, N_METHODS);
    tcase_add_loop_test(tc, test_plugin_converges_at_its_order_on_decay, 0, N_METHODS);
    tcase_add_loop_test(tc, test_plugin_converges_at_its_order_on_the_logistic_equation, 0,
                        N_METHODS);
    tcase_add_loop_test(tc, test_plugin_converges_at_its_order_on_a_riccati_equation, 0, N_METHODS);
    suite_add_tcase(s, tc);
    return s;
}
