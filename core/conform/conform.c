/* SPDX-License-Identifier: MIT */
/* conform.c -- the conformance engine: runs a solver's step directly on reference problems
 * with its own context and host functions, and judges the lifecycle, memory, determinism,
 * convergence order and hygiene (see <dq/host/conform.h>). */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dq/host/conform.h>

#include "internal.h"

/* Canary doubles before and after y, f and the work memory: a NaN bit pattern no
 * arithmetic produces, compared bitwise. */
#define CANARY_LEN 64
static const uint64_t canary_bits = 0x7ff4dead5eedc0deULL;

#define CONFORM_UNITS 3
#define CONFORM_MAX_M 2
#define CONFORM_EXACT 1e-13    /* finest error below this: the solver is exact there */
#define CONFORM_ORDER_TOL 0.2  /* |measured - declared| allowed */
#define CONFORM_STIFF_DT 0.01
#define CONFORM_STIFF_BOUND 10.0

/* ---- reference problems: component k of unit u at k*units + u ---- */

typedef struct conform_problem {
    const char *name;
    size_t m;
    double t_end;
    void (*init)(double *y, size_t units);
    void (*deriv)(double t, const double *y, double *f, size_t units);
    /* J[(i*m + j)*units + u] = dF_i/dy_j */
    void (*jac)(double t, const double *y, double *J, size_t units);
    void (*exact)(double t, double *y, size_t units); /* NULL: no exact solution used */
} conform_problem_t;

static double decay_y0(size_t u) { return 1.0 + 0.1 * (double)u; }

static void decay_init(double *y, size_t units)
{
    for (size_t u = 0; u < units; ++u)
        y[u] = decay_y0(u);
}

static void decay_deriv(double t, const double *y, double *f, size_t units)
{
    (void)t;
    for (size_t u = 0; u < units; ++u)
        f[u] = -y[u];
}

static void decay_jac(double t, const double *y, double *J, size_t units)
{
    (void)t;
    (void)y;
    for (size_t u = 0; u < units; ++u)
        J[u] = -1.0;
}

static void decay_exact(double t, double *y, size_t units)
{
    for (size_t u = 0; u < units; ++u)
        y[u] = decay_y0(u) * exp(-t);
}

/* x' = v, v' = -4x: x = x0 cos 2t, v = -2 x0 sin 2t. */
static void oscillator_init(double *y, size_t units)
{
    for (size_t u = 0; u < units; ++u) {
        y[u] = decay_y0(u);
        y[units + u] = 0.0;
    }
}

static void oscillator_deriv(double t, const double *y, double *f, size_t units)
{
    (void)t;
    for (size_t u = 0; u < units; ++u) {
        f[u] = y[units + u];
        f[units + u] = -4.0 * y[u];
    }
}

static void oscillator_jac(double t, const double *y, double *J, size_t units)
{
    (void)t;
    (void)y;
    for (size_t u = 0; u < units; ++u) {
        J[0 * units + u] = 0.0;
        J[1 * units + u] = 1.0;
        J[2 * units + u] = -4.0;
        J[3 * units + u] = 0.0;
    }
}

static void oscillator_exact(double t, double *y, size_t units)
{
    for (size_t u = 0; u < units; ++u) {
        y[u] = decay_y0(u) * cos(2.0 * t);
        y[units + u] = -2.0 * decay_y0(u) * sin(2.0 * t);
    }
}

static double logistic_y0(size_t u) { return 0.1 + 0.02 * (double)u; }

static void logistic_init(double *y, size_t units)
{
    for (size_t u = 0; u < units; ++u)
        y[u] = logistic_y0(u);
}

static void logistic_deriv(double t, const double *y, double *f, size_t units)
{
    (void)t;
    for (size_t u = 0; u < units; ++u)
        f[u] = y[u] * (1.0 - y[u]);
}

static void logistic_jac(double t, const double *y, double *J, size_t units)
{
    (void)t;
    for (size_t u = 0; u < units; ++u)
        J[u] = 1.0 - 2.0 * y[u];
}

static void logistic_exact(double t, double *y, size_t units)
{
    for (size_t u = 0; u < units; ++u)
        y[u] = 1.0 / (1.0 + (1.0 / logistic_y0(u) - 1.0) * exp(-t));
}

/* y' = -2 t y^2: y = 1 / (1/y0 + t^2). F depends on t, so stage times matter. */
static void riccati_init(double *y, size_t units) { decay_init(y, units); }

static void riccati_deriv(double t, const double *y, double *f, size_t units)
{
    for (size_t u = 0; u < units; ++u)
        f[u] = -2.0 * t * y[u] * y[u];
}

static void riccati_jac(double t, const double *y, double *J, size_t units)
{
    for (size_t u = 0; u < units; ++u)
        J[u] = -4.0 * t * y[u];
}

static void riccati_exact(double t, double *y, size_t units)
{
    for (size_t u = 0; u < units; ++u)
        y[u] = 1.0 / (1.0 / decay_y0(u) + t * t);
}

/* Eigenvalues -1 and -1000: y = 2e^-t - e^-1000t, -e^-t + e^-1000t for y(0) = (1, 0). */
static void stiff_init(double *y, size_t units)
{
    for (size_t u = 0; u < units; ++u) {
        y[u] = decay_y0(u);
        y[units + u] = 0.0;
    }
}

static void stiff_deriv(double t, const double *y, double *f, size_t units)
{
    (void)t;
    for (size_t u = 0; u < units; ++u) {
        f[u] = 998.0 * y[u] + 1998.0 * y[units + u];
        f[units + u] = -999.0 * y[u] - 1999.0 * y[units + u];
    }
}

static void stiff_jac(double t, const double *y, double *J, size_t units)
{
    (void)t;
    (void)y;
    for (size_t u = 0; u < units; ++u) {
        J[0 * units + u] = 998.0;
        J[1 * units + u] = 1998.0;
        J[2 * units + u] = -999.0;
        J[3 * units + u] = -1999.0;
    }
}

/* Indexed by dq_conform_problem_id_t; the stiff problem comes last. */
static const conform_problem_t conform_problems[] = {
    {"decay", 1, 1.0, decay_init, decay_deriv, decay_jac, decay_exact},
    {"oscillator", 2, 1.0, oscillator_init, oscillator_deriv, oscillator_jac, oscillator_exact},
    {"logistic", 1, 2.0, logistic_init, logistic_deriv, logistic_jac, logistic_exact},
    {"riccati", 1, 2.0, riccati_init, riccati_deriv, riccati_jac, riccati_exact},
    {"stiff", 2, 1.0, stiff_init, stiff_deriv, stiff_jac, NULL},
};
#define CONFORM_STIFF DQ_CONFORM_N_PROBLEMS

/* ---- names ---- */

static const char *const conform_check_names[DQ_CONFORM_N_CHECKS] = {
    "run",       "names",  "category",    "exports", "status", "lifecycle",
    "memory",    "determinism", "order",  "time",    "stiff"};

static const char *const conform_categories[] = {
    "explicit", "implicit", "exponential", "stochastic", "symplectic", "multistep",
    "adaptive", "other",    NULL};

const char *dq_conform_check_name(int id)
{
    return id >= 0 && id < DQ_CONFORM_N_CHECKS ? conform_check_names[id] : NULL;
}

const char *dq_conform_problem_name(int id)
{
    return id >= 0 && id < DQ_CONFORM_N_PROBLEMS ? conform_problems[id].name : NULL;
}

const char *dq_conform_status_name(int status)
{
    static const char *const names[] = {"pass", "fail", "info", "skip"};
    return status >= 0 && status <= DQ_CONFORM_SKIP ? names[status] : NULL;
}

/* ---- result ---- */

void dq_conform_result_init(dq_conform_result_t *out, const dq_integrator_entry_t *solver)
{
    if (!out)
        return;
    memset(out, 0, sizeof *out);
    out->measured_order = NAN;
    if (solver) {
        snprintf(out->solver, sizeof out->solver, "%s", solver->name ? solver->name : "");
        snprintf(out->category, sizeof out->category, "%s",
                 solver->category ? solver->category : "");
        snprintf(out->origin, sizeof out->origin, "%s",
                 solver->origin ? solver->origin : DQ_ORIGIN_BUILTIN);
        out->declared_order = solver->order;
    }
    for (int i = 0; i < DQ_CONFORM_N_CHECKS; ++i) {
        out->checks[i].status = DQ_CONFORM_SKIP;
        snprintf(out->checks[i].detail, sizeof out->checks[i].detail, "not run");
    }
    for (int p = 0; p < DQ_CONFORM_N_PROBLEMS; ++p) {
        out->orders[p].status = DQ_ORDER_NOT_RUN;
        out->orders[p].order = NAN;
        for (int k = 0; k < DQ_CONFORM_STEP_SIZES; ++k)
            out->orders[p].dt[k] = out->orders[p].error[k] = NAN;
    }
    out->passed = 1;
}

void dq_conform_set(dq_conform_result_t *out, dq_conform_check_id_t id, int status,
                    const char *fmt, ...)
{
    if (!out || (int)id < 0 || id >= DQ_CONFORM_N_CHECKS)
        return;
    dq_conform_check_t *c = &out->checks[id];
    c->status = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->detail, sizeof c->detail, fmt, ap);
    va_end(ap);
    /* One line, whatever a plugin's message held. */
    for (char *p = c->detail; *p; ++p)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    if (status == DQ_CONFORM_FAIL)
        out->passed = 0;
}

void dq_conform_update(dq_conform_result_t *out)
{
    if (!out)
        return;
    out->passed = 1;
    for (int i = 0; i < DQ_CONFORM_N_CHECKS; ++i)
        if (out->checks[i].status == DQ_CONFORM_FAIL)
            out->passed = 0;
}

/* ---- the engine ---- */

/* One of the solver's memory regions: the payload between two canary runs. */
typedef struct conform_region {
    double *base; /* CANARY_LEN + len + CANARY_LEN doubles */
    double *data;
    size_t len;
    const char *name; /* "ctx->y" */
} conform_region_t;

typedef struct conform {
    const dq_integrator_entry_t *solver;
    dq_conform_result_t *out;
    double *options;
    /* The run in progress. */
    const conform_problem_t *prob;
    conform_region_t y, f, work;
    dq_ctx_t ctx;
    double h;
    uint64_t step;
    int stiff; /* failing steps are expected (instability), not a status failure */
    /* This step's lifecycle. */
    unsigned pre, deriv, post;
    const char *order_fault; /* first ordering fault of this step, or NULL */
    char pointer_fault[160]; /* a host call given memory outside the regions */
    char report[DQ_ERROR_MESSAGE_MAX]; /* the solver's dq_fail message for this step */
    /* First failures of the whole check; "" when none. */
    char lifecycle_fail[DQ_CONFORM_DETAIL_MAX];
    char memory_fail[DQ_CONFORM_DETAIL_MAX];
    char status_fail[DQ_CONFORM_DETAIL_MAX];
} conform_t;

static conform_t *conform_of(dq_ctx_t *ctx) { return ctx->host_data; }

static int conform_region_alloc(conform_region_t *r, size_t len, const char *name)
{
    r->name = name;
    r->len = len;
    /* A bogus work_size must not wrap the size computation around. */
    if (len > SIZE_MAX / sizeof(double) - 2 * CANARY_LEN)
        return DQ_ENOMEM;
    r->base = malloc((2 * CANARY_LEN + len) * sizeof(double));
    if (!r->base)
        return DQ_ENOMEM;
    r->data = r->base + CANARY_LEN;
    for (size_t i = 0; i < 2 * CANARY_LEN + len; ++i)
        memcpy(&r->base[i], &canary_bits, sizeof canary_bits);
    memset(r->data, 0, len * sizeof(double));
    return DQ_OK;
}

static void conform_region_free(conform_region_t *r)
{
    free(r->base);
    r->base = r->data = NULL;
}

static int conform_region_canary_ok(const conform_region_t *r, size_t i)
{
    return memcmp(&r->base[i], &canary_bits, sizeof canary_bits) == 0;
}

/* Describes the first overwritten canary ("ctx->y[6] (n = 6)"), or returns 0. */
static int conform_region_check(const conform_region_t *r, char *buf, size_t len)
{
    for (size_t i = CANARY_LEN; i-- > 0;)
        if (!conform_region_canary_ok(r, i)) {
            snprintf(buf, len, "%s[-%zu]", r->name, CANARY_LEN - i);
            return 1;
        }
    for (size_t i = 0; i < CANARY_LEN; ++i)
        if (!conform_region_canary_ok(r, CANARY_LEN + r->len + i)) {
            snprintf(buf, len, "%s[%zu] (its length is %zu)", r->name, r->len + i, r->len);
            return 1;
        }
    return 0;
}

/* Within the payload of one region, so a host function may read or write len doubles. */
static int conform_region_holds(const conform_region_t *r, const double *p, size_t len)
{
    uintptr_t a = (uintptr_t)p, lo = (uintptr_t)r->data;
    uintptr_t hi = lo + r->len * sizeof(double);
    return a >= lo && a <= hi && len * sizeof(double) <= hi - a;
}

static int conform_holds(const conform_t *c, const double *p, size_t len)
{
    return conform_region_holds(&c->y, p, len) || conform_region_holds(&c->f, p, len) ||
           conform_region_holds(&c->work, p, len);
}

static int conform_overlap(const double *a, size_t alen, const double *b, size_t blen)
{
    uintptr_t a0 = (uintptr_t)a, a1 = a0 + alen * sizeof(double);
    uintptr_t b0 = (uintptr_t)b, b1 = b0 + blen * sizeof(double);
    return a0 < b1 && b0 < a1;
}

/* "step 3 of 'decay' (dt = 0.05)" */
static void conform_where(const conform_t *c, char *buf, size_t len)
{
    snprintf(buf, len, "step %llu of '%s' (dt = %g)", (unsigned long long)(c->step + 1),
             c->prob->name, c->h);
}

/* Checks memory handed to a host function; records the first fault. Returns DQ_OK or
 * DQ_EINVAL, in which case the host function does nothing. */
static int conform_pointers(conform_t *c, const char *call, const double *in, size_t in_len,
                            const double *out, size_t out_len, const double *fy)
{
    const char *what = NULL;
    if (!in || !conform_holds(c, in, in_len))
        what = "its input y outside ctx->y, ctx->f and ctx->work";
    else if (fy && !conform_holds(c, fy, in_len))
        what = "its input fy outside ctx->y, ctx->f and ctx->work";
    else if (!out || !conform_holds(c, out, out_len))
        what = "its output outside ctx->y, ctx->f and ctx->work (or too short)";
    else if (conform_overlap(in, in_len, out, out_len))
        what = "overlapping input and output";
    if (!what)
        return DQ_OK;
    if (!c->pointer_fault[0])
        snprintf(c->pointer_fault, sizeof c->pointer_fault, "%s called with %s", call, what);
    return DQ_EINVAL;
}

static void conform_order_fault(conform_t *c, const char *what)
{
    if (!c->order_fault)
        c->order_fault = what;
}

static int conform_pre_integral(dq_ctx_t *ctx)
{
    conform_t *c = conform_of(ctx);
    if (c->deriv)
        conform_order_fault(c, "pre_integral called after compute_derivative");
    if (c->post)
        conform_order_fault(c, "pre_integral called after post_integral");
    c->pre++;
    return DQ_OK;
}

static int conform_compute_derivative(dq_ctx_t *ctx, double t, const double *y, double *f)
{
    conform_t *c = conform_of(ctx);
    if (!c->pre)
        conform_order_fault(c, "compute_derivative called before pre_integral");
    if (c->post)
        conform_order_fault(c, "compute_derivative called after post_integral");
    c->deriv++;
    const size_t n = c->prob->m * CONFORM_UNITS;
    int rc = conform_pointers(c, "compute_derivative", y, n, f, n, NULL);
    if (rc)
        return rc;
    c->prob->deriv(t, y, f, CONFORM_UNITS);
    return DQ_OK;
}

static int conform_post_integral(dq_ctx_t *ctx)
{
    conform_t *c = conform_of(ctx);
    c->post++;
    return DQ_OK;
}

static int conform_report(dq_ctx_t *ctx, int code, size_t index, const char *message)
{
    conform_t *c = conform_of(ctx);
    if (!c->report[0]) {
        if (index < c->prob->m * CONFORM_UNITS)
            snprintf(c->report, sizeof c->report, "%s (at y[%zu])",
                     message ? message : dq_strerror(code), index);
        else
            snprintf(c->report, sizeof c->report, "%s", message ? message : dq_strerror(code));
    }
    return code < 0 ? code : DQ_ESOLVER;
}

static int conform_jacobian(dq_ctx_t *ctx, double t, const double *y, const double *fy,
                            double *J)
{
    conform_t *c = conform_of(ctx);
    if (!c->pre || c->post)
        conform_order_fault(c, "jacobian called outside pre_integral .. post_integral");
    const size_t m = c->prob->m, n = m * CONFORM_UNITS;
    int rc = conform_pointers(c, "jacobian", y, n, J, m * n, fy);
    if (rc)
        return rc;
    c->prob->jac(t, y, J, CONFORM_UNITS);
    return DQ_OK;
}

static int conform_jacobian_diag(dq_ctx_t *ctx, double t, const double *y, const double *fy,
                                 double *d)
{
    conform_t *c = conform_of(ctx);
    if (!c->pre || c->post)
        conform_order_fault(c, "jacobian_diag called outside pre_integral .. post_integral");
    const size_t m = c->prob->m, n = m * CONFORM_UNITS;
    int rc = conform_pointers(c, "jacobian_diag", y, n, d, n, fy);
    if (rc)
        return rc;
    double J[CONFORM_MAX_M * CONFORM_MAX_M * CONFORM_UNITS];
    c->prob->jac(t, y, J, CONFORM_UNITS);
    for (size_t k = 0; k < m; ++k)
        memcpy(d + k * CONFORM_UNITS, J + (k * m + k) * CONFORM_UNITS,
               CONFORM_UNITS * sizeof *d);
    return DQ_OK;
}

/* The fused form is judged as its two parts: each counts as the host call it stands for. */
static int conform_derivative_diag(dq_ctx_t *ctx, double t, const double *y, double *f,
                                   double *d)
{
    int rc = conform_compute_derivative(ctx, t, y, f);
    return rc ? rc : conform_jacobian_diag(ctx, t, y, f, d);
}

static const dq_host_api_t conform_api = {
    .abi = DQ_ABI_HEADER_INIT(dq_host_api_t),
    .pre_integral = conform_pre_integral,
    .compute_derivative = conform_compute_derivative,
    .post_integral = conform_post_integral,
    .report = conform_report,
    .jacobian = conform_jacobian,
    .jacobian_diag = conform_jacobian_diag,
    .derivative_diag = conform_derivative_diag,
};

/* Judges the step just taken: lifecycle (for steps that succeeded) and canaries. */
static void conform_after_step(conform_t *c, int rc)
{
    char where[96], what[160];
    conform_where(c, where, sizeof where);
    if (!c->memory_fail[0]) {
        const conform_region_t *r[3] = {&c->y, &c->f, &c->work};
        for (int i = 0; i < 3 && !c->memory_fail[0]; ++i)
            if (conform_region_check(r[i], what, sizeof what))
                snprintf(c->memory_fail, sizeof c->memory_fail,
                         "wrote outside the states it integrates: %s in %s", what, where);
        if (!c->memory_fail[0] && c->pointer_fault[0])
            snprintf(c->memory_fail, sizeof c->memory_fail, "%s in %s", c->pointer_fault,
                     where);
    }
    if (rc != DQ_OK || c->lifecycle_fail[0])
        return;
    char *buf = c->lifecycle_fail;
    const size_t len = sizeof c->lifecycle_fail;
    if (c->pre != 1)
        snprintf(buf, len, "pre_integral called %u times in %s (expected 1)", c->pre, where);
    else if (c->deriv == 0)
        snprintf(buf, len, "compute_derivative called 0 times in %s (expected at least 1)",
                 where);
    else if (c->post != 1)
        snprintf(buf, len, "post_integral called %u times in %s (expected 1)", c->post, where);
    else if (c->order_fault)
        snprintf(buf, len, "%s in %s", c->order_fault, where);
}

/* Runs `steps` steps of h from t = 0 on problem p; the final state is left in c->y and, when
 * `final` is given, copied there. Returns DQ_OK, the failing step's code (recorded as a
 * status failure unless c->stiff), or DQ_ENOMEM. In the stiff run, *peak receives the
 * largest |y| seen and the run stops once it exceeds the bound. */
static int conform_integrate(conform_t *c, const conform_problem_t *p, double h, long steps,
                             double *final, double *peak)
{
    const dq_integrator_entry_t *s = c->solver;
    const size_t n = p->m * CONFORM_UNITS;
    const size_t work_len =
        s->scratch_size ? s->scratch_size(p->m, CONFORM_UNITS) : (size_t)s->scratch_vectors * n;
    c->prob = p;
    c->h = h;
    int rc = conform_region_alloc(&c->y, n, "ctx->y");
    if (rc == DQ_OK)
        rc = conform_region_alloc(&c->f, n, "ctx->f");
    if (rc == DQ_OK)
        rc = conform_region_alloc(&c->work, work_len, "ctx->work");
    if (rc != DQ_OK) {
        conform_region_free(&c->y);
        conform_region_free(&c->f);
        conform_region_free(&c->work);
        return DQ_ENOMEM;
    }
    p->init(c->y.data, CONFORM_UNITS);
    if (peak)
        *peak = 0.0;
    for (long k = 0; k < steps; ++k) {
        c->step = (uint64_t)k;
        c->pre = c->deriv = c->post = 0;
        c->order_fault = NULL;
        c->pointer_fault[0] = '\0';
        c->report[0] = '\0';
        /* Set afresh every step: a solver may not rely on changes it made to the context. */
        c->ctx = (dq_ctx_t){
            .abi = DQ_ABI_HEADER_INIT(dq_ctx_t),
            .host = &conform_api,
            .host_data = c,
            .t = (double)k * h,
            .dt = h,
            .step = (uint64_t)k,
            .len = n,
            .comps = p->m,
            .units = CONFORM_UNITS,
            .live = CONFORM_UNITS,
            .population = CONFORM_UNITS,
            .y = c->y.data,
            .f = c->f.data,
            .g = NULL,
            .scratch = c->work.data,
            .scratch_len = work_len,
            .options = c->options,
            .has_jacobian = 1,
        };
        rc = s->step(&c->ctx);
        conform_after_step(c, rc);
        if (rc != DQ_OK) {
            if (!c->stiff && !c->status_fail[0]) {
                char where[96];
                conform_where(c, where, sizeof where);
                snprintf(c->status_fail, sizeof c->status_fail, "%s returned %s: %.200s", where,
                         dq_err_name(rc), c->report[0] ? c->report : dq_strerror(rc));
            }
            break;
        }
        if (peak) {
            int stop = 0;
            for (size_t i = 0; i < n; ++i) {
                double a = fabs(c->y.data[i]);
                if (!(a <= *peak)) /* also takes NaN */
                    *peak = a;
                stop |= !(a <= CONFORM_STIFF_BOUND);
            }
            if (stop)
                break;
        }
    }
    if (final)
        memcpy(final, c->y.data, n * sizeof *final);
    conform_region_free(&c->y);
    conform_region_free(&c->f);
    conform_region_free(&c->work);
    return rc;
}

/* Max-norm distance between y and the exact solution at t. */
static double conform_error(const conform_problem_t *p, const double *y, double t)
{
    double exact[CONFORM_MAX_M * CONFORM_UNITS];
    p->exact(t, exact, CONFORM_UNITS);
    double e = 0.0;
    for (size_t i = 0; i < p->m * CONFORM_UNITS; ++i) {
        double d = fabs(y[i] - exact[i]);
        if (!(d <= e)) /* NaN wins */
            e = d;
    }
    return e;
}

/* Step sizes: 4 halvings from 0.1, or from 0.2 for methods of order 3 and up, whose errors
 * would otherwise approach rounding at the finest size. */
static double conform_coarsest(const dq_integrator_entry_t *s) { return s->order >= 3 ? 0.2 : 0.1; }

/* Measures problem id's order, then reruns the coarsest size to compare the bits. Returns
 * DQ_OK or DQ_ENOMEM; *same is 1 (identical), 0 (differ) or -1 (not comparable). */
static int conform_measure(conform_t *c, int id, int *same, char *diff, size_t diff_len)
{
    const conform_problem_t *p = &conform_problems[id];
    dq_conform_order_t *o = &c->out->orders[id];
    double first[CONFORM_MAX_M * CONFORM_UNITS], again[CONFORM_MAX_M * CONFORM_UNITS];
    int failed = 0, first_rc = DQ_OK;
    *same = -1;
    for (int k = 0; k < DQ_CONFORM_STEP_SIZES; ++k) {
        double h = conform_coarsest(c->solver) / (double)(1 << k);
        long steps = lround(p->t_end / h);
        double y[CONFORM_MAX_M * CONFORM_UNITS];
        int rc = conform_integrate(c, p, h, steps, y, NULL);
        if (rc == DQ_ENOMEM)
            return rc;
        if (k == 0) {
            first_rc = rc;
            memcpy(first, y, sizeof y);
        }
        o->dt[k] = h;
        o->error[k] = rc == DQ_OK ? conform_error(p, y, (double)steps * h) : NAN;
        failed |= rc != DQ_OK || !isfinite(o->error[k]);
    }
    const double fine = o->error[DQ_CONFORM_STEP_SIZES - 1];
    const double coarse = o->error[DQ_CONFORM_STEP_SIZES - 2];
    if (failed)
        o->status = DQ_ORDER_FAILED;
    else if (fine < CONFORM_EXACT)
        o->status = DQ_ORDER_EXACT;
    else {
        o->status = DQ_ORDER_MEASURED;
        o->order = log2(coarse / fine);
    }

    double h = conform_coarsest(c->solver);
    int rc = conform_integrate(c, p, h, lround(p->t_end / h), again, NULL);
    if (rc == DQ_ENOMEM)
        return rc;
    if (rc == DQ_OK && first_rc == DQ_OK) {
        size_t n = p->m * CONFORM_UNITS;
        *same = memcmp(first, again, n * sizeof *first) == 0;
        if (!*same) {
            double worst = 0.0;
            for (size_t i = 0; i < n; ++i)
                worst = fmax(worst, fabs(first[i] - again[i]));
            snprintf(diff, diff_len,
                     "two identical runs of '%s' (dt = %g) gave different results "
                     "(largest difference %.3g)",
                     p->name, h, worst);
        }
    }
    return DQ_OK;
}

/* "decay 1.00" / "decay exact" / "decay failed" */
static void conform_order_word(const dq_conform_result_t *r, int id, char *buf, size_t len)
{
    const dq_conform_order_t *o = &r->orders[id];
    const char *name = conform_problems[id].name;
    if (o->status == DQ_ORDER_MEASURED)
        snprintf(buf, len, "%s %.2f", name, o->order);
    else if (o->status == DQ_ORDER_EXACT)
        snprintf(buf, len, "%s exact", name);
    else
        snprintf(buf, len, "%s failed", name);
}

/* The order check over the autonomous problems. */
static void conform_judge_order(dq_conform_result_t *r, const dq_integrator_entry_t *s)
{
    static const int counted[] = {DQ_PROBLEM_DECAY, DQ_PROBLEM_OSCILLATOR, DQ_PROBLEM_LOGISTIC};
    char list[160] = "";
    size_t used = 0;
    double p = INFINITY;
    const char *failed = NULL;
    for (size_t i = 0; i < sizeof counted / sizeof counted[0]; ++i) {
        const dq_conform_order_t *o = &r->orders[counted[i]];
        char word[48];
        conform_order_word(r, counted[i], word, sizeof word);
        used += (size_t)snprintf(list + used, used < sizeof list ? sizeof list - used : 0,
                                 "%s%s", i ? ", " : "", word);
        if (o->status == DQ_ORDER_MEASURED)
            p = fmin(p, o->order);
        else if (o->status == DQ_ORDER_FAILED && !failed)
            failed = conform_problems[counted[i]].name;
    }
    if (failed) {
        dq_conform_set(r, DQ_CHECK_ORDER, DQ_CONFORM_FAIL,
                       "not measured: the run of '%s' failed or gave non-finite values (%s)",
                       failed, list);
        return;
    }
    if (isinf(p)) {
        dq_conform_set(r, DQ_CHECK_ORDER, DQ_CONFORM_INFO,
                       "exact on every problem, no order to measure (%s)", list);
        return;
    }
    r->measured_order = p;
    if (s->order == 0)
        dq_conform_set(r, DQ_CHECK_ORDER, DQ_CONFORM_INFO, "measured %.2f, none declared (%s)",
                       p, list);
    else if (fabs(p - s->order) <= CONFORM_ORDER_TOL)
        dq_conform_set(r, DQ_CHECK_ORDER, DQ_CONFORM_PASS, "declared %d, measured %.2f (%s)",
                       s->order, p, list);
    else
        dq_conform_set(r, DQ_CHECK_ORDER, DQ_CONFORM_FAIL,
                       "order mismatch: declared %d, measured %.2f (%s)", s->order, p, list);
}

/* The time check: the order on the time-dependent problem. */
static void conform_judge_time(dq_conform_result_t *r, const dq_integrator_entry_t *s)
{
    const dq_conform_order_t *o = &r->orders[DQ_PROBLEM_RICCATI];
    const double p = o->order;
    if (o->status == DQ_ORDER_FAILED)
        dq_conform_set(r, DQ_CHECK_TIME, DQ_CONFORM_FAIL,
                       "not measured: the run of 'riccati' failed or gave non-finite values");
    else if (o->status == DQ_ORDER_EXACT)
        dq_conform_set(r, DQ_CHECK_TIME, DQ_CONFORM_PASS, "riccati exact");
    else if (s->order == 0)
        dq_conform_set(r, DQ_CHECK_TIME, DQ_CONFORM_INFO, "riccati %.2f, none declared", p);
    else if (fabs(p - s->order) <= CONFORM_ORDER_TOL)
        dq_conform_set(r, DQ_CHECK_TIME, DQ_CONFORM_PASS, "declared %d, riccati %.2f",
                       s->order, p);
    else if (fabs(p - r->measured_order) <= CONFORM_ORDER_TOL)
        /* Wrong everywhere, not only in time: the order check reports it. */
        dq_conform_set(r, DQ_CHECK_TIME, DQ_CONFORM_PASS,
                       "riccati %.2f, as on the autonomous problems (see order)", p);
    else if ((s->flags & DQ_CAP_JACOBIAN) && p < s->order)
        dq_conform_set(r, DQ_CHECK_TIME, DQ_CONFORM_INFO,
                       "riccati %.2f, declared %d: the step linearises in y only and gets no "
                       "dF/dt, so it keeps its order on autonomous problems only",
                       p, s->order);
    else
        dq_conform_set(r, DQ_CHECK_TIME, DQ_CONFORM_FAIL,
                       "order mismatch on the time-dependent problem: declared %d, riccati "
                       "%.2f (are the stages evaluated at the right times?)",
                       s->order, p);
}

static void conform_judge_names(dq_conform_result_t *r, const dq_integrator_entry_t *s)
{
    if (!s->name || !dq__name_is_valid(s->name)) {
        dq_conform_set(r, DQ_CHECK_NAMES, DQ_CONFORM_FAIL,
                       "name '%s' is not made of [A-Za-z0-9_.-]", s->name ? s->name : "");
        return;
    }
    char aliases[160] = "";
    size_t used = 0;
    for (size_t i = 0; s->aliases && s->aliases[i]; ++i) {
        if (!dq__name_is_valid(s->aliases[i])) {
            dq_conform_set(r, DQ_CHECK_NAMES, DQ_CONFORM_FAIL,
                           "alias '%s' is not made of [A-Za-z0-9_.-]", s->aliases[i]);
            return;
        }
        used += (size_t)snprintf(aliases + used, used < sizeof aliases ? sizeof aliases - used : 0,
                                 "%s%s", i ? ", " : "", s->aliases[i]);
    }
    if (s->description && strpbrk(s->description, "\r\n")) {
        dq_conform_set(r, DQ_CHECK_NAMES, DQ_CONFORM_FAIL,
                       "the description of '%s' is more than one line", s->name);
        return;
    }
    dq_conform_set(r, DQ_CHECK_NAMES, DQ_CONFORM_PASS, "name '%s', aliases: %s", s->name,
                   aliases[0] ? aliases : "(none)");
}

static void conform_judge_category(dq_conform_result_t *r, const dq_integrator_entry_t *s)
{
    const char *cat = s->category ? s->category : "";
    for (size_t i = 0; conform_categories[i]; ++i)
        if (strcmp(cat, conform_categories[i]) == 0) {
            dq_conform_set(r, DQ_CHECK_CATEGORY, DQ_CONFORM_PASS, "%s", cat);
            return;
        }
    char list[160];
    size_t used = 0;
    list[0] = '\0';
    for (size_t i = 0; conform_categories[i]; ++i)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
                                 conform_categories[i]);
    dq_conform_set(r, DQ_CHECK_CATEGORY, DQ_CONFORM_FAIL, "category '%s' is not one of: %s",
                   cat, list);
}

static int conform_judge_exports(dq_conform_result_t *r, const dq_integrator_entry_t *s)
{
    if (!s->origin || strcmp(s->origin, DQ_ORIGIN_BUILTIN) == 0) {
        dq_conform_set(r, DQ_CHECK_EXPORTS, DQ_CONFORM_INFO, DQ_ORIGIN_BUILTIN);
        return DQ_OK;
    }
    dq_elf_exports_t ex;
    dq_error_t err = {0};
    int rc = dq_elf_exports_read(s->origin, &ex, &err);
    if (rc == DQ_ENOMEM)
        return rc;
    if (rc != DQ_OK) {
        dq_conform_set(r, DQ_CHECK_EXPORTS, DQ_CONFORM_FAIL, "%s", err.message);
        return DQ_OK;
    }
    if (ex.count == 1 && strcmp(ex.names[0], DQ_PLUGIN_ENTRY_SYMBOL) == 0) {
        dq_conform_set(r, DQ_CHECK_EXPORTS, DQ_CONFORM_PASS,
                       "exports only " DQ_PLUGIN_ENTRY_SYMBOL);
    } else {
        char list[200] = "";
        size_t used = 0;
        for (size_t i = 0; i < ex.count && used < sizeof list; ++i)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
                                     ex.names[i]);
        dq_conform_set(r, DQ_CHECK_EXPORTS, DQ_CONFORM_FAIL,
                       "exports %zu symbols (%s), expected only " DQ_PLUGIN_ENTRY_SYMBOL,
                       ex.count, ex.count ? list : "none");
    }
    dq_elf_exports_cleanup(&ex);
    return DQ_OK;
}

/* Runs the stiff problem and records the verdict. */
static int conform_judge_stiff(conform_t *c)
{
    const conform_problem_t *p = &conform_problems[CONFORM_STIFF];
    double peak = 0.0;
    c->stiff = 1;
    int rc = conform_integrate(c, p, CONFORM_STIFF_DT, lround(p->t_end / CONFORM_STIFF_DT),
                               NULL, &peak);
    c->stiff = 0;
    if (rc == DQ_ENOMEM)
        return rc;
    if (rc != DQ_OK)
        dq_conform_set(c->out, DQ_CHECK_STIFF, DQ_CONFORM_INFO,
                       "unstable at dt = %g (step %llu returned %s)", CONFORM_STIFF_DT,
                       (unsigned long long)(c->step + 1), dq_err_name(rc));
    else if (!(peak <= CONFORM_STIFF_BOUND))
        dq_conform_set(c->out, DQ_CHECK_STIFF, DQ_CONFORM_INFO,
                       "unstable at dt = %g (|y| reached %.3g by t = %g)", CONFORM_STIFF_DT,
                       peak, (double)(c->step + 1) * CONFORM_STIFF_DT);
    else
        dq_conform_set(c->out, DQ_CHECK_STIFF, DQ_CONFORM_INFO, "stable at dt = %g",
                       CONFORM_STIFF_DT);
    return DQ_OK;
}

static int conform_checks(conform_t *c)
{
    dq_conform_result_t *r = c->out;
    const dq_integrator_entry_t *s = c->solver;
    conform_judge_names(r, s);
    conform_judge_category(r, s);
    int rc = conform_judge_exports(r, s);
    if (rc)
        return rc;

    char diff[DQ_CONFORM_DETAIL_MAX] = "";
    int compared = 0, differ = 0;
    for (int id = 0; id < DQ_CONFORM_N_PROBLEMS; ++id) {
        int same;
        char d[DQ_CONFORM_DETAIL_MAX] = "";
        rc = conform_measure(c, id, &same, d, sizeof d);
        if (rc)
            return rc;
        compared += same >= 0;
        if (same == 0 && !differ++)
            memcpy(diff, d, sizeof diff);
    }
    rc = conform_judge_stiff(c);
    if (rc)
        return rc;

    conform_judge_order(r, s);
    conform_judge_time(r, s);
    if (differ)
        dq_conform_set(r, DQ_CHECK_DETERMINISM, DQ_CONFORM_FAIL, "%s", diff);
    else if (compared)
        dq_conform_set(r, DQ_CHECK_DETERMINISM, DQ_CONFORM_PASS,
                       "identical bits from two runs of each of %d problems", compared);
    else
        dq_conform_set(r, DQ_CHECK_DETERMINISM, DQ_CONFORM_SKIP, "no run completed");
    if (c->status_fail[0])
        dq_conform_set(r, DQ_CHECK_STATUS, DQ_CONFORM_FAIL, "%s", c->status_fail);
    else
        dq_conform_set(r, DQ_CHECK_STATUS, DQ_CONFORM_PASS, "every step returned OK");
    if (c->lifecycle_fail[0])
        dq_conform_set(r, DQ_CHECK_LIFECYCLE, DQ_CONFORM_FAIL, "%s", c->lifecycle_fail);
    else
        dq_conform_set(r, DQ_CHECK_LIFECYCLE, DQ_CONFORM_PASS,
                       "pre_integral once, compute_derivative, post_integral once per step");
    if (c->memory_fail[0])
        dq_conform_set(r, DQ_CHECK_MEMORY, DQ_CONFORM_FAIL, "%s", c->memory_fail);
    else
        dq_conform_set(r, DQ_CHECK_MEMORY, DQ_CONFORM_PASS,
                       "wrote only ctx->y, ctx->f and ctx->work");
    dq_conform_set(r, DQ_CHECK_RUN, DQ_CONFORM_PASS, "completed");
    return DQ_OK;
}

int dq_conform_run(const dq_integrator_entry_t *solver, dq_conform_result_t *out,
                   dq_error_t *err)
{
    if (!solver || !out)
        return dq_error_set(err, DQ_EINVAL, NULL, "dq_conform_run: no solver or no result");
    dq_conform_result_init(out, solver);
    if (!solver->step)
        return dq_error_set(err, DQ_EINVAL, NULL, "dq_conform_run: solver '%s' has no step",
                            out->solver);
    conform_t *c = calloc(1, sizeof *c);
    if (!c)
        return dq_error_set(err, DQ_ENOMEM, NULL, "out of memory");
    c->solver = solver;
    c->out = out;
    /* Always a valid array, so a solver reading an option it did not declare reads a zero
     * inside our memory rather than through NULL. */
    c->options = calloc(solver->n_options + 1, sizeof *c->options);
    int rc = c->options ? DQ_OK : DQ_ENOMEM;
    for (size_t i = 0; rc == DQ_OK && i < solver->n_options; ++i)
        c->options[i] = solver->options[i].def;
    if (rc == DQ_OK)
        rc = conform_checks(c);
    free(c->options);
    free(c);
    dq_conform_update(out);
    if (rc)
        return dq_error_set(err, rc, NULL, "out of memory while checking solver '%s'",
                            out->solver);
    return DQ_OK;
}
