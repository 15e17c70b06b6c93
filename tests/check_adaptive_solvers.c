/* SPDX-License-Identifier: MIT */
/* check_adaptive_solvers.c -- the error-controlled solvers (bs3, dopri5, tsit5, rosenbrock23)
 * driven by a small host of this file (its own context and host functions, one block of
 * lanes), so that each claim is about the plugin alone:
 *
 *  - the tableaux meet their order conditions (b, the embedded b^ and the dense b(theta));
 *  - at a fixed step (ctx->err NULL) each converges at its declared order on decay, the
 *    harmonic oscillator and Riccati (time-dependent);
 *  - one step from the exact state: the embedded estimate is O(h^(error_order+1)), the
 *    continuous extension's largest error over [0, 1] is O(h^(dense_order+1)), dense(0) is
 *    y0 and dense(1) is y1;
 *  - per-lane mode (ctx->lane_t set, ctx->t = 0, ctx->dt = 1): a lane of a block of 16 with
 *    different times and steps gives the bits it gives alone (in a block of 8 copies of it);
 *  - reset after an event changed a lane: the next step is a fresh start's, bit for bit, and
 *    the dense output of the last step is untouched;
 *  - rosenbrock23 on y' = -1000 (y - cos t) at h = 0.1.
 *
 * Measured (printed by the suite; h halves along each ladder, log2 of successive ratios):
 *
 *   fixed step        decay            oscillator       Riccati
 *   bs3          3    3.06 3.03 3.01   2.96 2.97 2.99   3.04 3.02 3.01   n = 40..320
 *   dopri5       5    5.08 5.04        5.03 5.02        5.14 5.08        n = 32..128 (16..64)
 *   tsit5        5    5.21 5.13        5.09 5.07        4.85 4.92        n = 32..128 (16..64)
 *   rosenbrock23 2    2.00 2.00 2.00   2.00 2.00 2.00   2.00 2.00 2.00   n = 160..1280
 *
 *   one step         estimate (decay, osc, Riccati)      dense max over theta
 *   bs3    h=0.05    2.96 2.98 | 2.97 2.99 | 2.87 2.94   3.99 4.00 | 4.00 4.00 | 3.96 3.98
 *   dopri5 h=0.1     5.03 5.01 | 5.02 5.01 | 5.00 5.00   5.08 5.04 | 5.06 5.03 | 5.14 5.06
 *   tsit5  h=0.1     5.03 5.01 | 5.02 5.01 | 4.86 4.96   5.14 5.07 | 5.10 5.05 | 4.99 5.07
 *   ros23  h=0.05    2.97 2.98 | 2.97 2.99 | 2.92 2.96   2.97 2.98 | 2.97 2.99 | 2.90 2.95
 *
 * The fifth-order pairs converge from above at a fixed step (tsit5 on decay: 5.61, 5.37,
 * 5.21, 5.13 from n = 8 at T = 2), so their ladders start where both ratios are asymptotic
 * and stop before rounding (n = 256 gives 4.8 there). rosenbrock23 on the stiff problem at
 * h = 0.1, 0.05, 0.025: largest error on t in [1, 10] 7.4e-4, 1.9e-4, 4.8e-5 (1.99, 1.98). */
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include <dq/dq.h>
#include <dq/host/loader.h>
#include <dq/host/registry.h>

#include "tableaux/bs3.h"
#include "tableaux/dopri5.h"
#include "tableaux/tsit5.h"

/* ---- the solvers, straight from their plugin files ----------------------------------- */

typedef struct solver_case {
    const char *name;
    int order, error_order, dense_order;
} solver_case_t;

static const solver_case_t cases[] = {
    {"bs3", 3, 2, 3},
    {"dopri5", 5, 4, 4},
    {"tsit5", 5, 4, 4},
    {"rosenbrock23", 2, 2, 2},
};
#define N_CASES ((int)(sizeof cases / sizeof cases[0]))

/* The descriptor the plugin exports (the file stays open for the test process). */
static const dq_integrator_desc_t *solver_desc(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.so", DQ_TEST_PLUGIN_DIR, name);
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    ck_assert_msg(h != NULL, "cannot open %s: %s", path, dlerror());
    dq_plugin_entry_fn entry;
    *(void **)&entry = dlsym(h, DQ_PLUGIN_ENTRY_SYMBOL);
    ck_assert_msg(entry != NULL, "%s has no %s", path, DQ_PLUGIN_ENTRY_SYMBOL);
    const dq_plugin_info_t *info = entry();
    ck_assert_ptr_nonnull(info->integrators);
    ck_assert_ptr_nonnull(info->integrators[0]);
    ck_assert_ptr_null(info->integrators[1]);
    return info->integrators[0];
}

/* ---- reference problems -------------------------------------------------------------- */

#define M_MAX 2
#define STIFF_LAMBDA 1000.0

typedef struct problem {
    const char *name;
    size_t m;
    void (*f)(double t, const double *y, double *f);
    void (*jac)(double t, const double *y, double *J); /* J[i*m + j] = dF_i/dy_j */
    void (*exact)(double t0, const double *y0, double t, double *y);
} problem_t;

static void decay_f(double t, const double *y, double *f)
{
    (void)t;
    f[0] = -y[0];
}
static void decay_jac(double t, const double *y, double *J)
{
    (void)t;
    (void)y;
    J[0] = -1.0;
}
static void decay_exact(double t0, const double *y0, double t, double *y)
{
    y[0] = y0[0] * exp(-(t - t0));
}

static void osc_f(double t, const double *y, double *f)
{
    (void)t;
    f[0] = y[1];
    f[1] = -y[0];
}
static void osc_jac(double t, const double *y, double *J)
{
    (void)t;
    (void)y;
    J[0] = 0.0;
    J[1] = 1.0;
    J[2] = -1.0;
    J[3] = 0.0;
}
static void osc_exact(double t0, const double *y0, double t, double *y)
{
    const double c = cos(t - t0), s = sin(t - t0);
    y[0] = y0[0] * c + y0[1] * s;
    y[1] = -y0[0] * s + y0[1] * c;
}

/* y' = -2 t y^2: y = 1 / (1/y0 + t^2 - t0^2) */
static void riccati_f(double t, const double *y, double *f)
{
    f[0] = -2.0 * t * y[0] * y[0];
}
static void riccati_jac(double t, const double *y, double *J)
{
    J[0] = -4.0 * t * y[0];
}
static void riccati_exact(double t0, const double *y0, double t, double *y)
{
    y[0] = 1.0 / (1.0 / y0[0] + t * t - t0 * t0);
}

/* y' = -lambda (y - cos t): y = p(t) + (y0 - p(t0)) e^(-lambda (t - t0)) with the smooth
 * p(t) = (lambda^2 cos t + lambda sin t) / (1 + lambda^2) */
static void stiff_f(double t, const double *y, double *f)
{
    f[0] = -STIFF_LAMBDA * (y[0] - cos(t));
}
static void stiff_jac(double t, const double *y, double *J)
{
    (void)t;
    (void)y;
    J[0] = -STIFF_LAMBDA;
}
static double stiff_p(double t)
{
    const double l = STIFF_LAMBDA;
    return (l * l * cos(t) + l * sin(t)) / (1.0 + l * l);
}
static void stiff_exact(double t0, const double *y0, double t, double *y)
{
    y[0] = stiff_p(t) + (y0[0] - stiff_p(t0)) * exp(-STIFF_LAMBDA * (t - t0));
}

static const problem_t decay = {"decay", 1, decay_f, decay_jac, decay_exact};
static const problem_t oscillator = {"oscillator", 2, osc_f, osc_jac, osc_exact};
static const problem_t riccati = {"riccati", 1, riccati_f, riccati_jac, riccati_exact};
static const problem_t stiff = {"stiff", 1, stiff_f, stiff_jac, stiff_exact};

/* ---- the test host: one block, its context and host functions ------------------------ */

typedef struct block {
    dq_ctx_t ctx;
    const dq_integrator_desc_t *s;
    const problem_t *p;
    size_t units, len;
    double *y, *f, *scratch, *state, *err, *lane_dt, *lane_t, *theta, *out;
    size_t scratch_len, state_len;
    unsigned long evals, pre, post;
} block_t;

static double *block_alloc(size_t n)
{
    size_t bytes = (n * sizeof(double) + 63) / 64 * 64;
    double *p = aligned_alloc(64, bytes ? bytes : 64);
    ck_assert_ptr_nonnull(p);
    memset(p, 0, bytes ? bytes : 64);
    return p;
}

/* The time of lane u at the time argument t (a fraction of the step in per-lane mode). */
static double lane_time(const dq_ctx_t *ctx, double t, size_t u)
{
    return ctx->lane_t ? ctx->lane_t[u] + t * ctx->lane_dt[u] : t;
}

static block_t *block_of(dq_ctx_t *ctx)
{
    return ctx->host_data;
}

static int th_pre(dq_ctx_t *ctx)
{
    block_of(ctx)->pre++;
    return DQ_OK;
}

static int th_post(dq_ctx_t *ctx)
{
    block_of(ctx)->post++;
    return DQ_OK;
}

static int th_deriv(dq_ctx_t *ctx, double t, const double *y, double *f)
{
    block_t *b = block_of(ctx);
    const size_t m = ctx->comps, units = ctx->units;
    ck_assert_ptr_ne(y, f);
    b->evals++;
    for (size_t u = 0; u < units; ++u) {
        double yu[M_MAX], fu[M_MAX];
        for (size_t k = 0; k < m; ++k)
            yu[k] = y[k * units + u];
        b->p->f(lane_time(ctx, t, u), yu, fu);
        for (size_t k = 0; k < m; ++k)
            f[k * units + u] = fu[k];
    }
    return DQ_OK;
}

static int th_report(dq_ctx_t *ctx, int code, size_t index, const char *message)
{
    (void)ctx;
    fprintf(stderr, "solver reported %d at %zu: %s\n", code, index, message);
    return code < 0 ? code : DQ_ESOLVER;
}

static int th_jacobian(dq_ctx_t *ctx, double t, const double *y, const double *fy, double *J)
{
    block_t *b = block_of(ctx);
    (void)fy;
    ck_assert_msg(b->s->flags & DQ_CAP_JACOBIAN, "%s calls dq_jacobian without DQ_CAP_JACOBIAN",
                  b->s->name);
    const size_t m = ctx->comps, units = ctx->units;
    for (size_t u = 0; u < units; ++u) {
        double yu[M_MAX], Ju[M_MAX * M_MAX];
        for (size_t k = 0; k < m; ++k)
            yu[k] = y[k * units + u];
        b->p->jac(lane_time(ctx, t, u), yu, Ju);
        for (size_t k = 0; k < m * m; ++k)
            J[k * units + u] = Ju[k];
    }
    return DQ_OK;
}

static int th_unused(dq_ctx_t *ctx)
{
    (void)ctx;
    ck_abort_msg("an unexpected host function was called");
    return DQ_EUSAGE;
}
static int th_jacobian_diag(dq_ctx_t *ctx, double t, const double *y, const double *fy, double *d)
{
    (void)t, (void)y, (void)fy, (void)d;
    return th_unused(ctx);
}
static int th_derivative_diag(dq_ctx_t *ctx, double t, const double *y, double *f, double *d)
{
    (void)t, (void)y, (void)f, (void)d;
    return th_unused(ctx);
}

static const dq_host_api_t th_api = {
    .abi = DQ_ABI_HEADER_INIT(dq_host_api_t),
    .pre_integral = th_pre,
    .compute_derivative = th_deriv,
    .post_integral = th_post,
    .report = th_report,
    .jacobian = th_jacobian,
    .jacobian_diag = th_jacobian_diag,
    .derivative_diag = th_derivative_diag,
};

/* A block of `units` lanes (all live), zeroed, in fixed-step mode (lane_t NULL, err NULL). */
static block_t *block_new(const dq_integrator_desc_t *s, const problem_t *p, size_t units)
{
    block_t *b = calloc(1, sizeof *b);
    ck_assert_ptr_nonnull(b);
    b->s = s;
    b->p = p;
    b->units = units;
    b->len = p->m * units;
    b->scratch_len = s->scratch_size ? s->scratch_size(p->m, units) : s->scratch_vectors * b->len;
    b->state_len = s->state_vectors * b->len;
    b->y = block_alloc(b->len);
    b->f = block_alloc(b->len);
    b->scratch = block_alloc(b->scratch_len);
    b->state = block_alloc(b->state_len);
    b->err = block_alloc(b->len);
    b->out = block_alloc(b->len);
    b->lane_dt = block_alloc(units);
    b->lane_t = block_alloc(units);
    b->theta = block_alloc(units);
    b->ctx = (dq_ctx_t){
        .abi = DQ_ABI_HEADER_INIT(dq_ctx_t),
        .host = &th_api,
        .host_data = b,
        .len = b->len,
        .comps = p->m,
        .units = units,
        .live = units,
        .population = units,
        .y = b->y,
        .f = b->f,
        .scratch = b->scratch,
        .scratch_len = b->scratch_len,
        .state = b->state,
        .state_len = b->state_len,
        .has_jacobian = 1,
        .lane_dt = b->lane_dt,
    };
    return b;
}

static void block_free(block_t *b)
{
    double *v[] = {b->y,   b->f,       b->scratch, b->state, b->err,
                   b->out, b->lane_dt, b->lane_t,  b->theta};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; ++i)
        free(v[i]);
    free(b);
}

/* Scratch is undefined at every call: poisoned with NaNs before each one. */
static void block_poison(block_t *b)
{
    for (size_t i = 0; i < b->scratch_len; ++i)
        b->scratch[i] = NAN;
}

static void block_call(block_t *b, dq_solver_fn fn)
{
    block_poison(b);
    unsigned long pre = b->pre, post = b->post;
    ck_assert_int_eq(fn(&b->ctx), DQ_OK);
    if (fn == b->s->step) {
        ck_assert_uint_eq(b->pre, pre + 1);
        ck_assert_uint_eq(b->post, post + 1);
    } else {
        ck_assert_uint_eq(b->pre, pre);
        ck_assert_uint_eq(b->post, post);
    }
}

static void block_dense(block_t *b)
{
    block_poison(b);
    ck_assert_int_eq(b->s->dense(&b->ctx, b->theta, b->out), DQ_OK);
}

/* Fixed-step mode: every lane at t over h; the state of every lane is y0. */
static void block_fixed(block_t *b, double t, double h, const double *y0)
{
    b->ctx.t = t;
    b->ctx.dt = h;
    b->ctx.lane_t = NULL;
    for (size_t u = 0; u < b->units; ++u) {
        b->lane_dt[u] = h;
        for (size_t k = 0; k < b->p->m; ++k)
            b->y[k * b->units + u] = y0[k];
    }
}

static double y_at(const block_t *b, size_t k, size_t u)
{
    return b->y[k * b->units + u];
}

/* ---- tableaux: order conditions ------------------------------------------------------ */

typedef struct tableau {
    const char *name;
    unsigned s;
    const double *a, *b, *c, *e;
    int order, error_order;
} tableau_t;

static const tableau_t tableaux[] = {
    {"bs3", BS3_STAGES, bs3_a, bs3_b, bs3_c, bs3_e, 3, 2},
    {"dopri5", DOPRI5_STAGES, dopri5_a, dopri5_b, dopri5_c, dopri5_e, 5, 4},
    {"tsit5", TSIT5_STAGES, tsit5_a, tsit5_b, tsit5_c, tsit5_e, 5, 4},
};
#define N_TABLEAUX ((int)(sizeof tableaux / sizeof tableaux[0]))
#define S_MAX 8

/* out = A v */
static void tab_mv(const tableau_t *t, const double *v, double *out)
{
    for (unsigned i = 0; i < t->s; ++i) {
        out[i] = 0.0;
        for (unsigned j = 0; j < i; ++j)
            out[i] += t->a[i * t->s + j] * v[j];
    }
}

/* The elementary weights sum_i w_i Phi_i(tree) of the 17 rooted trees of order 1..5 and
 * their orders and 1/gamma; returns the count. */
static int tab_trees(const tableau_t *t, const double *w, double *phi, int *ord, double *inv_gamma)
{
    const unsigned s = t->s;
    /* zeroed: gcc cannot see that s >= 1 fills them */
    double one[S_MAX] = {0}, c[S_MAX] = {0}, c2[S_MAX] = {0}, c3[S_MAX] = {0}, c4[S_MAX] = {0};
    double Ac[S_MAX] = {0}, Ac2[S_MAX] = {0}, Ac3[S_MAX] = {0}, AAc[S_MAX] = {0};
    double AAc2[S_MAX] = {0}, AAAc[S_MAX] = {0}, cAc[S_MAX] = {0}, AcAc[S_MAX] = {0};
    for (unsigned i = 0; i < s; ++i) {
        one[i] = 1.0;
        c[i] = t->c[i];
        c2[i] = c[i] * c[i];
        c3[i] = c2[i] * c[i];
        c4[i] = c3[i] * c[i];
    }
    tab_mv(t, c, Ac);
    tab_mv(t, c2, Ac2);
    tab_mv(t, c3, Ac3);
    tab_mv(t, Ac, AAc);
    tab_mv(t, Ac2, AAc2);
    tab_mv(t, AAc, AAAc);
    for (unsigned i = 0; i < s; ++i)
        cAc[i] = c[i] * Ac[i];
    tab_mv(t, cAc, AcAc);
    int n = 0;
#define TREE(q, g, expr)                                                                           \
    do {                                                                                           \
        double sum_ = 0.0;                                                                         \
        for (unsigned i = 0; i < s; ++i)                                                           \
            sum_ += w[i] * (expr);                                                                 \
        phi[n] = sum_;                                                                             \
        ord[n] = (q);                                                                              \
        inv_gamma[n++] = 1.0 / (g);                                                                \
    } while (0)
    TREE(1, 1.0, one[i]);
    TREE(2, 2.0, c[i]);
    TREE(3, 3.0, c2[i]);
    TREE(3, 6.0, Ac[i]);
    TREE(4, 4.0, c3[i]);
    TREE(4, 8.0, cAc[i]);
    TREE(4, 12.0, Ac2[i]);
    TREE(4, 24.0, AAc[i]);
    TREE(5, 5.0, c4[i]);
    TREE(5, 10.0, c2[i] * Ac[i]);
    TREE(5, 15.0, c[i] * Ac2[i]);
    TREE(5, 30.0, c[i] * AAc[i]);
    TREE(5, 20.0, Ac[i] * Ac[i]);
    TREE(5, 20.0, Ac3[i]);
    TREE(5, 40.0, AcAc[i]);
    TREE(5, 60.0, AAc2[i]);
    TREE(5, 120.0, AAAc[i]);
#undef TREE
    return n;
}

/* Largest residual |sum w Phi - theta^q / gamma| over the trees of order <= q_max, and
 * over those of order exactly q_max + 1 in *next (when q_max < 5). */
static double tab_residual(const tableau_t *t, const double *w, double theta, int q_max,
                           double *next)
{
    double phi[17], inv_gamma[17];
    int ord[17];
    int n = tab_trees(t, w, phi, ord, inv_gamma);
    double worst = 0.0, worst_next = 0.0;
    for (int k = 0; k < n; ++k) {
        double r = fabs(phi[k] - pow(theta, ord[k]) * inv_gamma[k]);
        if (ord[k] <= q_max && r > worst)
            worst = r;
        if (ord[k] == q_max + 1 && r > worst_next)
            worst_next = r;
    }
    if (next)
        *next = worst_next;
    return worst;
}

START_TEST(test_tableau_rows_sum_to_c_and_the_last_stage_is_fsal)
{
    const tableau_t *t = &tableaux[_i];
    for (unsigned i = 0; i < t->s; ++i) {
        double row = 0.0;
        for (unsigned j = 0; j < t->s; ++j) {
            if (j >= i)
                ck_assert_msg(t->a[i * t->s + j] == 0.0, "%s: a[%u][%u] is not below the diagonal",
                              t->name, i, j);
            row += t->a[i * t->s + j];
        }
        ck_assert_msg(fabs(row - t->c[i]) <= 1e-14, "%s: row %u sums to %.17g, c = %.17g", t->name,
                      i, row, t->c[i]);
    }
    /* FSAL: the last stage is F(t + h, y1) */
    ck_assert_double_eq(t->c[t->s - 1], 1.0);
    ck_assert_double_eq(t->b[t->s - 1], 0.0);
    for (unsigned j = 0; j < t->s; ++j)
        ck_assert_double_eq(t->a[(t->s - 1) * t->s + j], t->b[j]);
}
END_TEST

START_TEST(test_tableau_b_and_embedded_b_meet_their_order_conditions)
{
    const tableau_t *t = &tableaux[_i];
    double next;
    double r = tab_residual(t, t->b, 1.0, t->order, NULL);
    ck_assert_msg(r <= 1e-14, "%s: b misses an order-%d condition by %.3g", t->name, t->order, r);
    double bh[S_MAX];
    for (unsigned i = 0; i < t->s; ++i)
        bh[i] = t->b[i] - t->e[i];
    r = tab_residual(t, bh, 1.0, t->error_order, &next);
    ck_assert_msg(r <= 1e-14, "%s: b^ = b - e misses an order-%d condition by %.3g", t->name,
                  t->error_order, r);
    /* ... and is of no higher order: the estimate is O(h^(error_order+1)) exactly */
    ck_assert_msg(next > 1e-5, "%s: b^ meets every order-%d condition (%.3g)", t->name,
                  t->error_order + 1, next);
}
END_TEST

/* b_i(theta) of each continuous extension */
static void dense_weights(const tableau_t *t, double theta, double *w)
{
    if (t->a == tsit5_a) {
        for (unsigned i = 0; i < t->s; ++i) {
            const double *r = tsit5_r + 4 * i;
            w[i] = theta * (r[0] + theta * (r[1] + theta * (r[2] + theta * r[3])));
        }
        return;
    }
    /* Hermite (bs3) and Shampine's (dopri5) from their r-forms:
     * theta b_i + theta (1-theta) (d_i1 - b_i) + theta^2 (1-theta) (2 b_i - d_i1 - d_is)
     * + theta^2 (1-theta)^2 dd_i */
    const double *dd = t->a == dopri5_a ? dopri5_d : NULL;
    const double s1 = 1.0 - theta;
    for (unsigned i = 0; i < t->s; ++i) {
        const double first = i == 0 ? 1.0 : 0.0, last = i == t->s - 1 ? 1.0 : 0.0;
        w[i] = theta * t->b[i] + theta * s1 * (first - t->b[i]) +
               theta * theta * s1 * (2.0 * t->b[i] - first - last);
        if (dd)
            w[i] += theta * theta * s1 * s1 * dd[i];
    }
}

START_TEST(test_tableau_dense_weights_meet_the_dense_order_conditions)
{
    const tableau_t *t = &tableaux[_i];
    const int dense_order = t->a == bs3_a ? 3 : 4;
    double w[S_MAX];
    dense_weights(t, 1.0, w);
    for (unsigned i = 0; i < t->s; ++i)
        ck_assert_msg(fabs(w[i] - t->b[i]) <= 1e-14, "%s: b_%u(1) = %.17g, b_%u = %.17g", t->name,
                      i + 1, w[i], i + 1, t->b[i]);
    dense_weights(t, 0.0, w);
    for (unsigned i = 0; i < t->s; ++i)
        ck_assert_double_eq(w[i], 0.0);
    for (int k = 1; k <= 9; ++k) {
        const double theta = k / 10.0;
        double next;
        dense_weights(t, theta, w);
        double r = tab_residual(t, w, theta, dense_order, &next);
        ck_assert_msg(r <= 1e-14, "%s: b(%g) misses an order-%d condition by %.3g", t->name, theta,
                      dense_order, r);
    }
}
END_TEST

/* R(z) = 1 + z w^T (I - z A)^-1 1, the stability function of weights w */
static double tab_stability(const tableau_t *t, const double *w, double z)
{
    double g[S_MAX];
    double r = 1.0;
    for (unsigned i = 0; i < t->s; ++i) {
        g[i] = 1.0;
        for (unsigned j = 0; j < i; ++j)
            g[i] += z * t->a[i * t->s + j] * g[j];
        r += z * w[i] * g[i];
    }
    return r;
}

/* The estimate is y1 - y1^ (not its negative): on y' = -y it is (R(z) - R^(z)) y0. */
START_TEST(test_estimate_is_y1_minus_the_embedded_solution)
{
    const tableau_t *t = &tableaux[_i];
    const dq_integrator_desc_t *s = solver_desc(t->name);
    block_t *b = block_new(s, &decay, 8);
    const double y0 = 1.5, h = 0.3;
    block_fixed(b, 0.0, h, &y0);
    b->ctx.err = b->err;
    block_call(b, s->init);
    block_call(b, s->step);
    double bh[S_MAX];
    for (unsigned i = 0; i < t->s; ++i)
        bh[i] = t->b[i] - t->e[i];
    const double R = tab_stability(t, t->b, -h), Rh = tab_stability(t, bh, -h);
    ck_assert_msg(fabs(y_at(b, 0, 0) - R * y0) <= 4e-15, "%s: y1 = %.17g, R y0 = %.17g", t->name,
                  y_at(b, 0, 0), R * y0);
    ck_assert_msg(fabs(b->err[0] - (R - Rh) * y0) <= 1e-15 * y0, "%s: err = %.17g, expected %.17g",
                  t->name, b->err[0], (R - Rh) * y0);
    block_free(b);
}
END_TEST

/* ---- convergence at a fixed step ------------------------------------------------------ */

/* Largest error over the components after n steps of T/n from t = 0, y(0) = y0. */
static double fixed_error(const dq_integrator_desc_t *s, const problem_t *p, const double *y0,
                          double T, long n)
{
    block_t *b = block_new(s, p, 8);
    const double h = T / (double)n;
    block_fixed(b, 0.0, h, y0);
    block_call(b, s->init);
    for (long k = 0; k < n; ++k) {
        b->ctx.t = (double)k * h;
        b->ctx.step = (uint64_t)k;
        block_call(b, s->step);
    }
    double ex[M_MAX], e = 0.0;
    p->exact(0.0, y0, T, ex);
    for (size_t k = 0; k < p->m; ++k) {
        /* every lane took the same steps */
        for (size_t u = 1; u < b->units; ++u)
            ck_assert(memcmp(&b->y[k * b->units + u], &b->y[k * b->units], sizeof(double)) == 0);
        e = fmax(e, fabs(y_at(b, k, 0) - ex[k]));
    }
    block_free(b);
    return e;
}

typedef struct ladder {
    const problem_t *p;
    double y0[M_MAX];
    double T;
    long n0[3]; /* first step count for orders 2, 3 and 5; each ladder doubles it */
    int points[3];
} ladder_t;

/* In the asymptotic range of every method here, with the smallest error far above rounding.
 * The fifth-order pairs converge from above (their h^6 terms are large next to their small
 * h^5 constants: tsit5 on decay measures 5.61, 5.37, 5.21, 5.13 along n = 8 .. 128 at
 * T = 2), and at n = 256 rounding shows, so they get the three points where both ratios
 * are asymptotic. */
static const ladder_t ladders[] = {
    {&decay, {1.0, 0.0}, 4.0, {160, 40, 0}, {4, 4, 0}},
    {&oscillator, {1.0, 0.0}, 4.0, {160, 40, 0}, {4, 4, 0}},
    {&riccati, {1.0, 0.0}, 2.0, {160, 40, 0}, {4, 4, 0}},
    {&decay, {1.0, 0.0}, 2.0, {0, 0, 32}, {0, 0, 3}},
    {&oscillator, {1.0, 0.0}, 2.0, {0, 0, 32}, {0, 0, 3}},
    {&riccati, {1.0, 0.0}, 1.0, {0, 0, 16}, {0, 0, 3}},
};
#define N_LADDERS ((int)(sizeof ladders / sizeof ladders[0]))

START_TEST(test_fixed_step_converges_at_the_declared_order)
{
    const solver_case_t *sc = &cases[_i];
    const dq_integrator_desc_t *s = solver_desc(sc->name);
    ck_assert_int_eq(s->order, sc->order);
    const int col = sc->order <= 2 ? 0 : sc->order == 3 ? 1 : 2;
    for (int l = 0; l < N_LADDERS; ++l) {
        const ladder_t *ld = &ladders[l];
        const int np = ld->points[col];
        if (np == 0)
            continue;
        double e[4];
        printf("fixed  %-12s %-10s T = %g, n = %ld.. errors", sc->name, ld->p->name, ld->T,
               ld->n0[col]);
        for (int k = 0; k < np; ++k) {
            e[k] = fixed_error(s, ld->p, ld->y0, ld->T, ld->n0[col] << k);
            printf(" %.3e", e[k]);
        }
        printf(" orders");
        for (int k = 0; k + 1 < np; ++k)
            printf(" %.3f", log2(e[k] / e[k + 1]));
        printf("\n");
        fflush(stdout);
        for (int k = 0; k + 1 < np; ++k) {
            const double p = log2(e[k] / e[k + 1]);
            ck_assert_msg(fabs(p - sc->order) <= 0.25,
                          "%s on %s: measured order %.3f at n = %ld -> %ld, declared %d", sc->name,
                          ld->p->name, p, ld->n0[col] << k, ld->n0[col] << (k + 1), sc->order);
        }
    }
}
END_TEST

/* ---- one step from the exact state: the estimate and the dense output ----------------- */

typedef struct one_step {
    double err;       /* largest |err| over the components */
    double dense;     /* largest dense-output error over theta in [0, 1] and the components */
    double dense_end; /* largest |dense(1) - y1| / max(|y1|, 1e-300) */
    int dense_start;  /* dense(0) == y0 bit for bit */
} one_step_t;

static one_step_t one_step(const dq_integrator_desc_t *s, const problem_t *p, const double *y0,
                           double t0, double h)
{
    one_step_t r = {0.0, 0.0, 0.0, 1};
    block_t *b = block_new(s, p, 8);
    block_fixed(b, t0, h, y0);
    b->ctx.err = b->err;
    block_call(b, s->init);
    block_call(b, s->step);
    for (size_t k = 0; k < p->m; ++k)
        r.err = fmax(r.err, fabs(b->err[k * b->units]));
    for (int j = 0; j <= 64; ++j) {
        const double theta = j / 64.0;
        for (size_t u = 0; u < b->units; ++u)
            b->theta[u] = theta;
        block_dense(b);
        double ex[M_MAX];
        p->exact(t0, y0, t0 + theta * h, ex);
        for (size_t k = 0; k < p->m; ++k) {
            const double v = b->out[k * b->units];
            r.dense = fmax(r.dense, fabs(v - ex[k]));
            if (j == 0 && memcmp(&v, &y0[k], sizeof v) != 0)
                r.dense_start = 0;
            if (j == 64) {
                const double y1 = y_at(b, k, 0);
                r.dense_end = fmax(r.dense_end, fabs(v - y1) / fmax(fabs(y1), 1e-300));
            }
        }
    }
    block_free(b);
    return r;
}

typedef struct local_case {
    const problem_t *p;
    double y0[M_MAX];
    double t0;
} local_case_t;

static const local_case_t local_cases[] = {
    {&decay, {1.0, 0.0}, 0.0},
    {&oscillator, {0.6, 0.8}, 0.0},
    {&riccati, {0.8, 0.0}, 1.0},
};
#define N_LOCAL ((int)(sizeof local_cases / sizeof local_cases[0]))

START_TEST(test_embedded_estimate_and_dense_output_have_their_orders)
{
    const solver_case_t *sc = &cases[_i];
    const dq_integrator_desc_t *s = solver_desc(sc->name);
    ck_assert_uint_ne(s->flags & DQ_CAP_ADAPTIVE, 0);
    ck_assert_int_eq(s->error_order, sc->error_order);
    ck_assert_int_eq(s->dense_order, sc->dense_order);
    ck_assert_ptr_nonnull(s->dense);
    for (int l = 0; l < N_LOCAL; ++l) {
        const local_case_t *lc = &local_cases[l];
        /* In the asymptotic range (bs3's estimate on Riccati at t = 1 has slopes 2.70, 2.87,
         * 2.94 from h = 0.1: its h^3 term is small there) and far above rounding. */
        const double h0 = sc->order >= 5 ? 0.1 : 0.05;
        one_step_t r[3];
        for (int k = 0; k < 3; ++k) {
            r[k] = one_step(s, lc->p, lc->y0, lc->t0, h0 / (double)(1 << k));
            ck_assert_msg(r[k].dense_start, "%s on %s: dense(0) is not y0", sc->name, lc->p->name);
            ck_assert_msg(r[k].dense_end <= 1e-14, "%s on %s: dense(1) is %.3g from y1", sc->name,
                          lc->p->name, r[k].dense_end);
        }
        const double pe1 = log2(r[0].err / r[1].err), pe2 = log2(r[1].err / r[2].err);
        const double pd1 = log2(r[0].dense / r[1].dense), pd2 = log2(r[1].dense / r[2].dense);
        printf("local  %-12s %-10s h = %g: |err| %.3e %.3e %.3e slopes %.3f %.3f; dense max "
               "%.3e %.3e %.3e slopes %.3f %.3f\n",
               sc->name, lc->p->name, h0, r[0].err, r[1].err, r[2].err, pe1, pe2, r[0].dense,
               r[1].dense, r[2].dense, pd1, pd2);
        fflush(stdout);
        const double qe = sc->error_order + 1, qd = sc->dense_order + 1;
        ck_assert_msg(fabs(pe1 - qe) <= 0.3 && fabs(pe2 - qe) <= 0.3,
                      "%s on %s: the estimate's slopes are %.3f, %.3f, expected %g", sc->name,
                      lc->p->name, pe1, pe2, qe);
        ck_assert_msg(fabs(pd1 - qd) <= 0.3 && fabs(pd2 - qd) <= 0.3,
                      "%s on %s: the dense output's slopes are %.3f, %.3f, expected %g", sc->name,
                      lc->p->name, pd1, pd2, qd);
    }
}
END_TEST

/* ---- per-lane mode: a lane's bits do not depend on its neighbours --------------------- */

#define PL_STEPS 3

/* What a lane's run leaves, step by step: y, f, err, the state and a dense value. */
typedef struct lane_trace {
    double y[PL_STEPS][M_MAX], f[PL_STEPS][M_MAX], err[PL_STEPS][M_MAX];
    double dense[PL_STEPS][M_MAX], state[PL_STEPS][8][M_MAX];
} lane_trace_t;

/* Lane u's step size at step k and its dense point: different for every lane and step. */
static double pl_h(size_t u, int k)
{
    return 0.02 + 0.011 * (double)u + 0.007 * (double)((u + (size_t)k) % 3);
}
static double pl_theta(size_t u, int k)
{
    return 0.1 + 0.05 * (double)u - 0.03 * (double)k;
}
static void pl_y0(const problem_t *p, size_t u, double *y)
{
    y[0] = 0.5 + 0.1 * (double)u;
    if (p->m > 1)
        y[1] = 0.3 - 0.07 * (double)u;
}

/* Runs the block in per-lane mode from lane_t = 0.05 u ("lanes" gives which lane of the
 * pattern each block lane follows) and records lane `rec` of the block. */
static void pl_run(const dq_integrator_desc_t *s, const problem_t *p, size_t units,
                   const size_t *lanes, size_t rec, lane_trace_t *tr)
{
    block_t *b = block_new(s, p, units);
    b->ctx.t = 0.0;
    b->ctx.dt = 1.0;
    b->ctx.lane_t = b->lane_t;
    b->ctx.err = b->err;
    for (size_t u = 0; u < units; ++u) {
        double y0[M_MAX];
        pl_y0(p, lanes[u], y0);
        for (size_t k = 0; k < p->m; ++k)
            b->y[k * units + u] = y0[k];
        b->lane_t[u] = 0.05 * (double)lanes[u];
        b->lane_dt[u] = pl_h(lanes[u], 0);
    }
    block_call(b, s->init);
    const size_t sv = s->state_vectors < 8 ? s->state_vectors : 8;
    for (int k = 0; k < PL_STEPS; ++k) {
        for (size_t u = 0; u < units; ++u)
            b->lane_dt[u] = pl_h(lanes[u], k);
        b->ctx.step = (uint64_t)k;
        block_call(b, s->step);
        for (size_t u = 0; u < units; ++u)
            b->theta[u] = pl_theta(lanes[u], k);
        block_dense(b);
        for (size_t c = 0; c < p->m; ++c) {
            const size_t i = c * units + rec;
            tr->y[k][c] = b->y[i];
            tr->f[k][c] = b->f[i];
            tr->err[k][c] = b->err[i];
            tr->dense[k][c] = b->out[i];
            for (size_t v = 0; v < sv; ++v)
                tr->state[k][v][c] = b->state[v * b->len + i];
        }
        for (size_t u = 0; u < units; ++u)
            b->lane_t[u] += b->lane_dt[u];
    }
    block_free(b);
}

START_TEST(test_per_lane_mode_gives_each_lane_the_bits_it_gets_alone)
{
    const solver_case_t *sc = &cases[_i];
    const dq_integrator_desc_t *s = solver_desc(sc->name);
    const problem_t *probs[] = {&riccati, &oscillator};
    for (size_t pi = 0; pi < 2; ++pi) {
        const problem_t *p = probs[pi];
        size_t lanes16[16], lanes8[8];
        for (size_t u = 0; u < 16; ++u)
            lanes16[u] = u;
        for (size_t u = 0; u < 16; ++u) {
            lane_trace_t together, alone;
            memset(&together, 0, sizeof together);
            memset(&alone, 0, sizeof alone);
            pl_run(s, p, 16, lanes16, u, &together);
            for (size_t v = 0; v < 8; ++v)
                lanes8[v] = u;
            pl_run(s, p, 8, lanes8, (u * 5) % 8, &alone);
            ck_assert_msg(memcmp(&together, &alone, sizeof together) == 0,
                          "%s on %s: lane %zu of 16 differs from the same unit alone", sc->name,
                          p->name, u);
        }
    }
}
END_TEST

/* The per-lane mode maps stage fractions onto each lane's own clock: the result of a lane
 * stepping from t_u over h_u equals a fixed-step run from t_u over h_u to rounding. */
START_TEST(test_per_lane_mode_matches_a_fixed_step_run_at_the_lane_time)
{
    const solver_case_t *sc = &cases[_i];
    const dq_integrator_desc_t *s = solver_desc(sc->name);
    size_t lanes[8];
    for (size_t u = 0; u < 8; ++u)
        lanes[u] = u;
    for (size_t u = 0; u < 8; ++u) {
        lane_trace_t tr;
        pl_run(s, &riccati, 8, lanes, u, &tr);
        block_t *b = block_new(s, &riccati, 8);
        double y0;
        pl_y0(&riccati, u, &y0);
        double t = 0.05 * (double)u;
        block_fixed(b, t, pl_h(u, 0), &y0);
        block_call(b, s->init);
        for (int k = 0; k < PL_STEPS; ++k) {
            b->ctx.t = t;
            b->ctx.dt = pl_h(u, k);
            for (size_t v = 0; v < 8; ++v)
                b->lane_dt[v] = pl_h(u, k);
            block_call(b, s->step);
            t += pl_h(u, k);
            ck_assert_msg(fabs(y_at(b, 0, 0) - tr.y[k][0]) <= 1e-12,
                          "%s: lane %zu step %d: %.17g per lane, %.17g fixed", sc->name, u, k,
                          tr.y[k][0], y_at(b, 0, 0));
        }
        block_free(b);
    }
}
END_TEST

/* ---- reset: FSAL dropped, dense kept -------------------------------------------------- */

START_TEST(test_reset_restarts_like_a_fresh_start_and_keeps_the_dense_output)
{
    const solver_case_t *sc = &cases[_i];
    const dq_integrator_desc_t *s = solver_desc(sc->name);
    const problem_t *p = &oscillator;
    const size_t units = 8;
    size_t lanes[8];
    for (size_t u = 0; u < units; ++u)
        lanes[u] = u;
    block_t *b = block_new(s, p, units);
    b->ctx.t = 0.0;
    b->ctx.dt = 1.0;
    b->ctx.lane_t = b->lane_t;
    b->ctx.err = b->err;
    for (size_t u = 0; u < units; ++u) {
        double y0[M_MAX];
        pl_y0(p, lanes[u], y0);
        for (size_t k = 0; k < p->m; ++k)
            b->y[k * units + u] = y0[k];
        b->lane_t[u] = 0.05 * (double)u;
        b->lane_dt[u] = pl_h(u, 0);
    }
    block_call(b, s->init);
    for (int k = 0; k < 2; ++k) {
        block_call(b, s->step);
        for (size_t u = 0; u < units; ++u)
            b->lane_t[u] += b->lane_dt[u];
    }
    /* The dense output of the last step, at several points per lane. */
    double before[3][M_MAX * 8], after[3][M_MAX * 8];
    const double th[3] = {0.0, 0.37, 1.0};
    for (int j = 0; j < 3; ++j) {
        for (size_t u = 0; u < units; ++u)
            b->theta[u] = th[j];
        block_dense(b);
        memcpy(before[j], b->out, b->len * sizeof(double));
    }
    /* An event handler moves lane 3; the host resets that lane. */
    const unsigned char mask[8] = {0, 0, 0, 1, 0, 0, 0, 0};
    b->y[0 * units + 3] = -0.25;
    b->y[1 * units + 3] = 0.75;
    b->ctx.reset_mask = mask;
    block_call(b, s->reset);
    b->ctx.reset_mask = NULL;
    for (int j = 0; j < 3; ++j) {
        for (size_t u = 0; u < units; ++u)
            b->theta[u] = th[j];
        block_dense(b);
        memcpy(after[j], b->out, b->len * sizeof(double));
        ck_assert_msg(memcmp(before[j], after[j], b->len * sizeof(double)) == 0,
                      "%s: reset changed the dense output at theta = %g", sc->name, th[j]);
    }
    /* A fresh start from the same values and times. */
    block_t *fresh = block_new(s, p, units);
    fresh->ctx.t = 0.0;
    fresh->ctx.dt = 1.0;
    fresh->ctx.lane_t = fresh->lane_t;
    fresh->ctx.err = fresh->err;
    memcpy(fresh->y, b->y, b->len * sizeof(double));
    memcpy(fresh->lane_t, b->lane_t, units * sizeof(double));
    for (size_t u = 0; u < units; ++u)
        fresh->lane_dt[u] = b->lane_dt[u] = pl_h(u, 2);
    block_call(fresh, s->init);
    block_call(b, s->step);
    block_call(fresh, s->step);
    ck_assert_msg(memcmp(b->y, fresh->y, b->len * sizeof(double)) == 0,
                  "%s: the step after reset differs from a fresh start's", sc->name);
    ck_assert(memcmp(b->err, fresh->err, b->len * sizeof(double)) == 0);
    ck_assert(memcmp(b->f, fresh->f, b->len * sizeof(double)) == 0);
    ck_assert(memcmp(b->state, fresh->state, b->state_len * sizeof(double)) == 0);
    /* lane 3 moved: its new step starts from its new values */
    ck_assert_double_eq(b->f[0 * units + 3], 0.75);
    ck_assert_double_eq(b->f[1 * units + 3], 0.25);
    block_free(fresh);
    block_free(b);
}
END_TEST

/* Padding lanes (live < units) are stepped like copies of the last live lane. */
START_TEST(test_padding_lanes_copy_the_last_live_lane)
{
    const solver_case_t *sc = &cases[_i];
    const dq_integrator_desc_t *s = solver_desc(sc->name);
    block_t *b = block_new(s, &oscillator, 16);
    b->ctx.live = 11;
    b->ctx.err = b->err;
    b->ctx.t = 0.0;
    b->ctx.dt = 1.0;
    b->ctx.lane_t = b->lane_t;
    for (size_t u = 0; u < 16; ++u) {
        const size_t l = u < 11 ? u : 10;
        double y0[M_MAX];
        pl_y0(&oscillator, l, y0);
        b->y[u] = y0[0];
        b->y[16 + u] = y0[1];
        b->lane_t[u] = 0.05 * (double)l;
        b->lane_dt[u] = pl_h(l, 0);
    }
    block_call(b, s->init);
    block_call(b, s->step);
    for (size_t u = 11; u < 16; ++u)
        for (size_t k = 0; k < 2; ++k) {
            ck_assert(memcmp(&b->y[k * 16 + u], &b->y[k * 16 + 10], sizeof(double)) == 0);
            ck_assert(memcmp(&b->err[k * 16 + u], &b->err[k * 16 + 10], sizeof(double)) == 0);
        }
    block_free(b);
}
END_TEST

/* ---- rosenbrock23 on a stiff problem -------------------------------------------------- */

/* y' = -1000 (y - cos t), y(0) = 0 (a boundary layer), to t = 10: the explicit pairs'
 * stability bounds are near h = 0.003; rosenbrock23 at h = 0.1 is stable and second order
 * on the smooth solution. */
START_TEST(test_rosenbrock23_is_stable_and_second_order_on_a_stiff_problem)
{
    const dq_integrator_desc_t *s = solver_desc("rosenbrock23");
    const double y0 = 0.0, T = 10.0;
    double e[3];
    for (int k = 0; k < 3; ++k) {
        const long n = 100L << k;
        block_t *b = block_new(s, &stiff, 8);
        const double h = T / (double)n;
        block_fixed(b, 0.0, h, &y0);
        block_call(b, s->init);
        double worst = 0.0;
        for (long j = 0; j < n; ++j) {
            b->ctx.t = (double)j * h;
            block_call(b, s->step);
            ck_assert_msg(fabs(y_at(b, 0, 0)) <= 1.5, "unstable at t = %g: y = %g",
                          (double)(j + 1) * h, y_at(b, 0, 0));
            double ex;
            stiff_exact(0.0, &y0, (double)(j + 1) * h, &ex);
            if (j >= n / 10) /* past the boundary layer's first steps */
                worst = fmax(worst, fabs(y_at(b, 0, 0) - ex));
        }
        e[k] = worst;
        block_free(b);
    }
    printf("stiff  rosenbrock23 h = 0.1, 0.05, 0.025: max error on t in [1, 10] %.3e %.3e %.3e "
           "orders %.3f %.3f\n",
           e[0], e[1], e[2], log2(e[0] / e[1]), log2(e[1] / e[2]));
    fflush(stdout);
    ck_assert_msg(e[0] <= 2e-3, "error %.3g at h = 0.1", e[0]);
    ck_assert(fabs(log2(e[0] / e[1]) - 2.0) <= 0.3);
    ck_assert(fabs(log2(e[1] / e[2]) - 2.0) <= 0.3);
}
END_TEST

/* For rosenbrock23 y1 is the lower-order solution, so the estimate y1 - y3 approaches the
 * true local error y1 - y(t + h). */
START_TEST(test_rosenbrock23_estimate_approaches_the_local_error)
{
    const dq_integrator_desc_t *s = solver_desc("rosenbrock23");
    for (int k = 0; k < 3; ++k) {
        const double h = 0.02 / (double)(1 << k), y0[2] = {0.6, 0.8};
        block_t *b = block_new(s, &oscillator, 8);
        block_fixed(b, 0.0, h, y0);
        b->ctx.err = b->err;
        block_call(b, s->init);
        block_call(b, s->step);
        double ex[2];
        osc_exact(0.0, y0, h, ex);
        for (size_t c = 0; c < 2; ++c) {
            const double local = y_at(b, c, 0) - ex[c];
            ck_assert_msg(fabs(b->err[c * 8] / local - 1.0) <= 0.05,
                          "h = %g, component %zu: err %.6g, local error %.6g", h, c, b->err[c * 8],
                          local);
        }
        block_free(b);
    }
}
END_TEST

/* ---- descriptors, through the host's loader ------------------------------------------ */

START_TEST(test_descriptors_load_and_say_what_they_are)
{
    const solver_case_t *sc = &cases[_i];
    dq_error_t err = {0};
    dq_registry_t *reg = dq_registry_new();
    dq_loader_t *loader = dq_loader_new(reg, &err);
    char path[512];
    snprintf(path, sizeof path, "%s/%s.so", DQ_TEST_PLUGIN_DIR, sc->name);
    ck_assert_msg(dq_loader_load_file(loader, path, &err) == DQ_OK, "%s", err.message);
    const dq_integrator_entry_t *e = dq_registry_lookup(reg, sc->name, &err);
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(e->category, DQ_CATEGORY_ADAPTIVE);
    ck_assert_int_eq(e->order, sc->order);
    ck_assert_uint_ne(e->flags & DQ_CAP_ADAPTIVE, 0);
    ck_assert_int_eq((e->flags & DQ_CAP_JACOBIAN) != 0, strcmp(sc->name, "rosenbrock23") == 0);
    ck_assert_ptr_nonnull(e->init);
    ck_assert_ptr_nonnull(e->reset);
    if (strcmp(sc->name, "dopri5") == 0) {
        ck_assert_str_eq(e->aliases[0], "dp5");
        ck_assert_ptr_null(e->aliases[1]);
        ck_assert_ptr_eq(dq_registry_lookup(reg, "dp5", &err), e);
    } else {
        ck_assert_ptr_null(e->aliases[0]);
    }
    const dq_integrator_desc_t *d = solver_desc(sc->name);
    ck_assert_int_eq(d->error_order, sc->error_order);
    ck_assert_int_eq(d->dense_order, sc->dense_order);
    dq_registry_free(reg);
    dq_loader_free(loader);
}
END_TEST

Suite *adaptive_solvers_suite(void)
{
    Suite *s = suite_create("adaptive_solvers");
    TCase *tc = tcase_create("tableaux");
    tcase_add_loop_test(tc, test_tableau_rows_sum_to_c_and_the_last_stage_is_fsal, 0, N_TABLEAUX);
    tcase_add_loop_test(tc, test_tableau_b_and_embedded_b_meet_their_order_conditions, 0,
                        N_TABLEAUX);
    tcase_add_loop_test(tc, test_tableau_dense_weights_meet_the_dense_order_conditions, 0,
                        N_TABLEAUX);
    tcase_add_loop_test(tc, test_estimate_is_y1_minus_the_embedded_solution, 0, N_TABLEAUX);
    suite_add_tcase(s, tc);

    tc = tcase_create("numerics");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_descriptors_load_and_say_what_they_are, 0, N_CASES);
    tcase_add_loop_test(tc, test_fixed_step_converges_at_the_declared_order, 0, N_CASES);
    tcase_add_loop_test(tc, test_embedded_estimate_and_dense_output_have_their_orders, 0, N_CASES);
    tcase_add_loop_test(tc, test_per_lane_mode_gives_each_lane_the_bits_it_gets_alone, 0, N_CASES);
    tcase_add_loop_test(tc, test_per_lane_mode_matches_a_fixed_step_run_at_the_lane_time, 0,
                        N_CASES);
    tcase_add_loop_test(tc, test_reset_restarts_like_a_fresh_start_and_keeps_the_dense_output, 0,
                        N_CASES);
    tcase_add_loop_test(tc, test_padding_lanes_copy_the_last_live_lane, 0, N_CASES);
    tcase_add_test(tc, test_rosenbrock23_is_stable_and_second_order_on_a_stiff_problem);
    tcase_add_test(tc, test_rosenbrock23_estimate_approaches_the_local_error);
    suite_add_tcase(s, tc);
    return s;
}
