/* SPDX-License-Identifier: MIT */
/* host.c -- the conformance engine's instrumented host: it drives a solver's init, step,
 * reset and dense on a reference problem with its own context (ABI 2.2: one block of
 * CONFORM_UNITS units padded to DQ_LANES lanes, 64-byte aligned vectors, scratch poisoned
 * before every call, persistent state kept across steps; for DQ_CAP_ADAPTIVE solvers
 * ctx->lane_dt always, and per-lane mode with ctx->lane_t and ctx->err on request) and
 * records lifecycle, memory and status faults for the verdicts. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conform_impl.h"

/* The solver's memory; host functions accept pointers into the first N_SOLVER_REGIONS.
 * err and the dense output exist for DQ_CAP_ADAPTIVE solvers (empty otherwise). */
enum { REGION_Y, REGION_F, REGION_SCRATCH, REGION_STATE, REGION_ERR, REGION_OUT, N_REGIONS };
#define N_SOLVER_REGIONS (REGION_STATE + 1)
enum conform_phase { PHASE_INIT, PHASE_STEP, PHASE_RESET, PHASE_DENSE };

struct dq__conform {
    /* Lane arrays handed to the solver, 64-byte aligned like its vectors (the struct is). */
    _Alignas(64) double lane_t[CONFORM_LANES];
    _Alignas(64) double lane_dt[CONFORM_LANES];
    _Alignas(64) double fixed_dt[CONFORM_LANES]; /* ctx->dt in every entry: fixed-step runs */
    double times[CONFORM_LANES];                 /* per-lane times of one host call */
    const dq_integrator_entry_t *solver;
    dq_conform_result_t *out;
    double *options;
    int adaptive; /* DQ_CAP_ADAPTIVE */
    /* The run in progress. */
    const conform_run_t *run;
    conform_region_t r[N_REGIONS];
    double *saved; /* y, f and state before a dense call */
    dq_ctx_t ctx;
    double h;
    int per_lane, want_err; /* per-lane mode (lane_t, lane_dt), ctx->err wanted */
    uint64_t step;
    int phase;
    /* This call's lifecycle. */
    unsigned pre, deriv, post;
    const char *order_fault;           /* first ordering fault of this call, or NULL */
    char pointer_fault[160];           /* a host call given memory outside the regions */
    char report[DQ_ERROR_MESSAGE_MAX]; /* the solver's dq_fail message for this call */
    unsigned jacobian_calls;
    /* First failures over all runs; "" when none. */
    char lifecycle_fail[DQ_CONFORM_DETAIL_MAX];
    char memory_fail[DQ_CONFORM_DETAIL_MAX];
    char status_fail[DQ_CONFORM_DETAIL_MAX];
};

static const char *const region_names[N_REGIONS] = {
    "ctx->y", "ctx->f", "ctx->scratch", "ctx->state", "ctx->err", "the output of dense"};

static dq__conform_t *conform_of(dq_ctx_t *ctx)
{
    return ctx->host_data;
}

static int conform_holds(const dq__conform_t *c, const double *p, size_t len)
{
    for (int i = 0; i < N_SOLVER_REGIONS; ++i)
        if (dq__conform_region_holds(&c->r[i], p, len))
            return 1;
    return 0;
}

static int conform_overlap(const double *a, size_t alen, const double *b, size_t blen)
{
    uintptr_t a0 = (uintptr_t)a, a1 = a0 + alen * sizeof(double);
    uintptr_t b0 = (uintptr_t)b, b1 = b0 + blen * sizeof(double);
    return a0 < b1 && b0 < a1;
}

/* "step 3 of 'decay' (dt = 0.05)", "init of 'decay' (dt = 0.1)", "step 1 of 'riccati' (per
 * lane, dt 0.4 .. 0.6)" */
static void conform_where(const dq__conform_t *c, char *buf, size_t len)
{
    static const char *const what[] = {"init", "step", "reset", "dense"};
    char step[32] = "";
    if (c->phase == PHASE_STEP)
        snprintf(step, sizeof step, " %llu", (unsigned long long)(c->step + 1));
    if (c->per_lane)
        snprintf(buf, len, "%s%s of '%s' (per lane, dt %g .. %g)", what[c->phase], step,
                 c->run->prob->name, c->lane_dt[0], c->lane_dt[CONFORM_UNITS - 1]);
    else
        snprintf(buf, len, "%s%s of '%s' (dt = %g)", what[c->phase], step, c->run->prob->name,
                 c->h);
}

/* The time of each lane for a time argument t of a host call: t itself in fixed-step runs,
 * lane_t[u] + t lane_dt[u] in per-lane mode (t is then a fraction of the step). */
static const double *conform_times(dq__conform_t *c, double t)
{
    for (size_t u = 0; u < CONFORM_LANES; ++u)
        c->times[u] = c->per_lane ? c->lane_t[u] + t * c->lane_dt[u] : t;
    return c->times;
}

/* Checks memory handed to a host function; records the first fault. Returns DQ_OK or
 * DQ_EINVAL, in which case the host function does nothing. */
static int conform_pointers(dq__conform_t *c, const char *call, const double *in, size_t in_len,
                            const double *out, size_t out_len, const double *fy)
{
    const char *what = NULL;
    if (!in || !conform_holds(c, in, in_len))
        what = "its input y outside ctx->y, ctx->f, ctx->scratch and ctx->state";
    else if (fy && !conform_holds(c, fy, in_len))
        what = "its input fy outside ctx->y, ctx->f, ctx->scratch and ctx->state";
    else if (!out || !conform_holds(c, out, out_len))
        what = "its output outside ctx->y, ctx->f, ctx->scratch and ctx->state (or too short)";
    else if (conform_overlap(in, in_len, out, out_len))
        what = "overlapping input and output";
    if (!what)
        return DQ_OK;
    if (!c->pointer_fault[0])
        snprintf(c->pointer_fault, sizeof c->pointer_fault, "%s called with %s", call, what);
    return DQ_EINVAL;
}

static void conform_order_fault(dq__conform_t *c, const char *what)
{
    if (!c->order_fault)
        c->order_fault = what;
}

static int conform_pre_integral(dq_ctx_t *ctx)
{
    dq__conform_t *c = conform_of(ctx);
    if (c->phase != PHASE_STEP)
        conform_order_fault(c, "pre_integral called outside a step");
    if (c->deriv)
        conform_order_fault(c, "pre_integral called after compute_derivative");
    if (c->post)
        conform_order_fault(c, "pre_integral called after post_integral");
    c->pre++;
    return DQ_OK;
}

static int conform_compute_derivative(dq_ctx_t *ctx, double t, const double *y, double *f)
{
    dq__conform_t *c = conform_of(ctx);
    /* init and reset may evaluate F (a first-same-as-last stage) without the lifecycle. */
    if (c->phase == PHASE_STEP && !c->pre)
        conform_order_fault(c, "compute_derivative called before pre_integral");
    if (c->post)
        conform_order_fault(c, "compute_derivative called after post_integral");
    c->deriv++;
    const size_t n = ctx->len;
    int rc = conform_pointers(c, "compute_derivative", y, n, f, n, NULL);
    if (rc)
        return rc;
    dq__conform_problem_deriv(c->run->prob, conform_times(c, t), y, f, ctx->units);
    return DQ_OK;
}

static int conform_post_integral(dq_ctx_t *ctx)
{
    dq__conform_t *c = conform_of(ctx);
    if (c->phase != PHASE_STEP)
        conform_order_fault(c, "post_integral called outside a step");
    c->post++;
    return DQ_OK;
}

static int conform_report(dq_ctx_t *ctx, int code, size_t index, const char *message)
{
    dq__conform_t *c = conform_of(ctx);
    if (!c->report[0]) {
        if (index < ctx->len)
            snprintf(c->report, sizeof c->report, "%s (at y[%zu])",
                     message ? message : dq_strerror(code), index);
        else
            snprintf(c->report, sizeof c->report, "%s", message ? message : dq_strerror(code));
    }
    return code < 0 ? code : DQ_ESOLVER;
}

/* DQ_CAP_JACOBIAN gates the Jacobian calls, as in the step loop. */
static int conform_jacobian_gate(dq__conform_t *c, dq_ctx_t *ctx, const char *call)
{
    if (c->solver->flags & DQ_CAP_JACOBIAN)
        return DQ_OK;
    char msg[160];
    snprintf(msg, sizeof msg, "%s called by a solver that does not declare DQ_CAP_JACOBIAN", call);
    return conform_report(ctx, DQ_EUSAGE, (size_t)-1, msg);
}

static int conform_jacobian(dq_ctx_t *ctx, double t, const double *y, const double *fy, double *J)
{
    dq__conform_t *c = conform_of(ctx);
    int rc = conform_jacobian_gate(c, ctx, "dq_jacobian");
    if (rc)
        return rc;
    if (c->phase == PHASE_STEP && (!c->pre || c->post))
        conform_order_fault(c, "jacobian called outside pre_integral .. post_integral");
    c->jacobian_calls++;
    const size_t m = ctx->comps, n = ctx->len;
    rc = conform_pointers(c, "jacobian", y, n, J, m * n, fy);
    if (rc)
        return rc;
    dq__conform_problem_jac(c->run->prob, conform_times(c, t), y, J, ctx->units);
    return DQ_OK;
}

static int conform_jacobian_diag(dq_ctx_t *ctx, double t, const double *y, const double *fy,
                                 double *d)
{
    dq__conform_t *c = conform_of(ctx);
    int rc = conform_jacobian_gate(c, ctx, "dq_jacobian_diag");
    if (rc)
        return rc;
    if (c->phase == PHASE_STEP && (!c->pre || c->post))
        conform_order_fault(c, "jacobian_diag called outside pre_integral .. post_integral");
    const size_t m = ctx->comps, n = ctx->len, units = ctx->units;
    rc = conform_pointers(c, "jacobian_diag", y, n, d, n, fy);
    if (rc)
        return rc;
    double J[CONFORM_MAX_M * CONFORM_MAX_M * CONFORM_LANES];
    dq__conform_problem_jac(c->run->prob, conform_times(c, t), y, J, units);
    for (size_t k = 0; k < m; ++k)
        memcpy(d + k * units, J + (k * m + k) * units, units * sizeof *d);
    return DQ_OK;
}

/* The fused form is judged as its two parts: each counts as the host call it stands for. */
static int conform_derivative_diag(dq_ctx_t *ctx, double t, const double *y, double *f, double *d)
{
    int rc = conform_compute_derivative(ctx, t, y, f);
    return rc ? rc : conform_jacobian_diag(ctx, t, y, f, d);
}

/* The SDE host functions, on the battery's noiseless problems: what the host gives a
 * DQ_CAP_DIFFUSION solver on a model without noise (g = 0, dg = 0, dW = dZ = 0); other
 * solvers get DQ_EUSAGE, as from the host. */
static int conform_sde_gate(dq__conform_t *c, dq_ctx_t *ctx, const char *call)
{
    if (c->solver->flags & DQ_CAP_DIFFUSION)
        return DQ_OK;
    char msg[160];
    snprintf(msg, sizeof msg, "%s called by a solver that does not declare DQ_CAP_DIFFUSION", call);
    return conform_report(ctx, DQ_EUSAGE, (size_t)-1, msg);
}

static int conform_drift_diffusion(dq_ctx_t *ctx, double t, const double *y, double *f, double *g)
{
    dq__conform_t *c = conform_of(ctx);
    int rc = conform_sde_gate(c, ctx, "dq_drift_diffusion");
    if (rc == DQ_OK)
        rc = conform_pointers(c, "drift_diffusion", y, ctx->len, g, ctx->len, NULL);
    if (rc == DQ_OK)
        rc = conform_compute_derivative(ctx, t, y, f);
    if (rc == DQ_OK)
        memset(g, 0, ctx->len * sizeof *g);
    return rc;
}

static int conform_diffusion_diag(dq_ctx_t *ctx, double t, const double *y, const double *g,
                                  double *dg)
{
    (void)t;
    dq__conform_t *c = conform_of(ctx);
    int rc = conform_sde_gate(c, ctx, "dq_diffusion_diag");
    if (rc == DQ_OK)
        rc = conform_pointers(c, "diffusion_diag", y, ctx->len, dg, ctx->len, g);
    if (rc == DQ_OK)
        memset(dg, 0, ctx->len * sizeof *dg);
    return rc;
}

static int conform_brownian(dq_ctx_t *ctx, double *dW, double *dZ)
{
    dq__conform_t *c = conform_of(ctx);
    int rc = conform_sde_gate(c, ctx, "dq_brownian");
    if (rc == DQ_OK &&
        (!dW || !conform_holds(c, dW, ctx->len) || (dZ && !conform_holds(c, dZ, ctx->len)))) {
        if (!c->pointer_fault[0])
            snprintf(c->pointer_fault, sizeof c->pointer_fault,
                     "brownian called with its output outside ctx->y, ctx->f, ctx->scratch and "
                     "ctx->state (or too short)");
        rc = DQ_EINVAL;
    }
    if (rc == DQ_OK) {
        memset(dW, 0, ctx->len * sizeof *dW);
        if (dZ)
            memset(dZ, 0, ctx->len * sizeof *dZ);
    }
    return rc;
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
    .drift_diffusion = conform_drift_diffusion,
    .diffusion_diag = conform_diffusion_diag,
    .brownian = conform_brownian,
};

/* Judges the call just made: canaries always, the step's lifecycle when it succeeded. */
static void conform_after_call(dq__conform_t *c, int rc)
{
    char where[96], what[160];
    conform_where(c, where, sizeof where);
    for (int i = 0; i < N_REGIONS && !c->memory_fail[0]; ++i)
        if (dq__conform_region_check(&c->r[i], what, sizeof what))
            snprintf(c->memory_fail, sizeof c->memory_fail,
                     "wrote outside the states it integrates: %s in %s", what, where);
    if (!c->memory_fail[0] && c->pointer_fault[0])
        snprintf(c->memory_fail, sizeof c->memory_fail, "%s in %s", c->pointer_fault, where);
    if (rc != DQ_OK || c->lifecycle_fail[0])
        return;
    char *buf = c->lifecycle_fail;
    const size_t len = sizeof c->lifecycle_fail;
    if (c->phase == PHASE_STEP && c->pre != 1)
        snprintf(buf, len, "pre_integral called %u times in %s (expected 1)", c->pre, where);
    else if (c->phase == PHASE_STEP && c->deriv == 0)
        snprintf(buf, len, "compute_derivative called 0 times in %s (expected at least 1)", where);
    else if (c->phase == PHASE_STEP && c->post != 1)
        snprintf(buf, len, "post_integral called %u times in %s (expected 1)", c->post, where);
    else if (c->order_fault)
        snprintf(buf, len, "%s in %s", c->order_fault, where);
}

/* dense may write its output (and scratch) only. Returns 1 and describes the first change to
 * y, f or state. */
static int conform_dense_changed(const dq__conform_t *c, char *buf, size_t len)
{
    const double *saved = c->saved;
    for (int i = REGION_Y; i <= REGION_STATE; ++i) {
        if (i == REGION_SCRATCH)
            continue;
        const conform_region_t *r = &c->r[i];
        for (size_t k = 0; k < r->len; ++k)
            if (memcmp(&r->data[k], &saved[k], sizeof *saved) != 0) {
                snprintf(buf, len, "dense wrote %s[%zu]", r->name, k);
                return 1;
            }
        saved += r->len;
    }
    return 0;
}

static void conform_dense_save(dq__conform_t *c)
{
    double *saved = c->saved;
    for (int i = REGION_Y; i <= REGION_STATE; ++i)
        if (i != REGION_SCRATCH) {
            memcpy(saved, c->r[i].data, c->r[i].len * sizeof *saved);
            saved += c->r[i].len;
        }
}

/* Scratch is filled with NaNs before each call: its contents are undefined at entry, and a
 * solver that relies on them shows. Calls the solver's init, step, reset (with `mask`) or
 * dense (theta) with a fresh context: a solver may not rely on changes it made to the
 * context. Returns its code, recorded as a status failure unless the run expects failures. */
static int conform_call(dq__conform_t *c, int phase, double t, const unsigned char *mask,
                        const double *theta)
{
    const dq_integrator_entry_t *s = c->solver;
    const conform_run_t *run = c->run;
    c->phase = phase;
    c->pre = c->deriv = c->post = 0;
    c->order_fault = NULL;
    c->pointer_fault[0] = '\0';
    c->report[0] = '\0';
    dq__conform_fill_poison(c->r[REGION_SCRATCH].data, c->r[REGION_SCRATCH].len);
    for (size_t u = 0; u < CONFORM_LANES; ++u)
        c->fixed_dt[u] = c->h;
    const size_t m = run->prob->m;
    c->ctx = (dq_ctx_t){
        .abi = DQ_ABI_HEADER_INIT(dq_ctx_t),
        .host = &conform_api,
        .host_data = c,
        .t = c->per_lane ? 0.0 : t,
        .dt = c->per_lane ? 1.0 : c->h,
        .step = c->step,
        .len = m * CONFORM_LANES,
        .comps = m,
        .units = CONFORM_LANES,
        .unit0 = 0,
        .live = CONFORM_UNITS,
        .population = CONFORM_UNITS,
        .seed = 1,
        .y = c->r[REGION_Y].data,
        .f = c->r[REGION_F].data,
        .g = NULL,
        .scratch = c->r[REGION_SCRATCH].data,
        .scratch_len = c->r[REGION_SCRATCH].len,
        .state = c->r[REGION_STATE].len ? c->r[REGION_STATE].data : NULL,
        .state_len = c->r[REGION_STATE].len,
        .options = c->options,
        .has_jacobian = 1,
        .reset_mask = phase == PHASE_RESET ? mask : NULL,
        .lane_dt = !c->adaptive  ? NULL
                   : c->per_lane ? c->lane_dt
                                 : c->fixed_dt,
        .lane_t = c->adaptive && c->per_lane ? c->lane_t : NULL,
        .err = c->adaptive && c->want_err ? c->r[REGION_ERR].data : NULL,
    };
    int rc;
    char changed[96];
    switch (phase) {
    case PHASE_INIT:
        rc = s->init(&c->ctx);
        break;
    case PHASE_RESET:
        rc = s->reset(&c->ctx);
        break;
    case PHASE_DENSE:
        conform_dense_save(c);
        rc = s->dense(&c->ctx, theta, c->r[REGION_OUT].data);
        if (!c->pointer_fault[0] && conform_dense_changed(c, changed, sizeof changed))
            snprintf(c->pointer_fault, sizeof c->pointer_fault, "%s", changed);
        break;
    default:
        rc = s->step(&c->ctx);
        break;
    }
    conform_after_call(c, rc);
    if (rc != DQ_OK && !run->stiff && !c->status_fail[0]) {
        char where[96];
        conform_where(c, where, sizeof where);
        snprintf(c->status_fail, sizeof c->status_fail, "%s returned %s: %.200s", where,
                 dq_err_name(rc), c->report[0] ? c->report : dq_strerror(rc));
    }
    return rc;
}

static void conform_regions_free(dq__conform_t *c)
{
    for (int i = 0; i < N_REGIONS; ++i)
        dq__conform_region_free(&c->r[i]);
    free(c->saved);
    c->saved = NULL;
}

/* Largest |y| over the block; returns 1 past the stiff bound (or NaN). */
static int conform_peak(const dq__conform_t *c, double *peak)
{
    int stop = 0;
    for (size_t i = 0; i < c->r[REGION_Y].len; ++i) {
        double a = fabs(c->r[REGION_Y].data[i]);
        if (!(a <= *peak)) /* also takes NaN */
            *peak = a;
        stop |= !(a <= CONFORM_STIFF_BOUND);
    }
    return stop;
}

int dq__conform_open(dq__conform_t *c, const conform_run_t *run)
{
    const dq_integrator_entry_t *s = c->solver;
    const size_t m = run->prob->m, n = m * CONFORM_LANES;
    const size_t scratch_len =
        s->scratch_size ? s->scratch_size(m, CONFORM_LANES) : (size_t)s->scratch_vectors * n;
    const size_t state_len = (size_t)s->state_vectors * n;
    c->run = run;
    c->h = run->h;
    c->step = 0;
    c->per_lane = c->want_err = 0;
    const size_t lens[N_REGIONS] = {
        n, n, scratch_len, state_len, c->adaptive ? n : 0, c->adaptive ? n : 0};
    for (int i = 0; i < N_REGIONS; ++i)
        if (dq__conform_region_alloc(&c->r[i], lens[i], region_names[i]) != DQ_OK) {
            conform_regions_free(c);
            return DQ_ENOMEM;
        }
    if (c->adaptive && !(c->saved = malloc((2 * n + state_len + 1) * sizeof *c->saved))) {
        conform_regions_free(c);
        return DQ_ENOMEM;
    }
    dq__conform_problem_init(run->prob, c->r[REGION_Y].data, CONFORM_LANES, CONFORM_UNITS);
    return DQ_OK;
}

void dq__conform_close(dq__conform_t *c)
{
    conform_regions_free(c);
}

void dq__conform_lanes(dq__conform_t *c, const double *lane_t, const double *lane_dt, int want_err)
{
    c->per_lane = lane_t != NULL;
    c->want_err = want_err;
    if (lane_t) {
        memcpy(c->lane_t, lane_t, sizeof c->lane_t);
        memcpy(c->lane_dt, lane_dt, sizeof c->lane_dt);
    }
}

double *dq__conform_vector(dq__conform_t *c, int which, size_t *len)
{
    static const int region[] = {REGION_Y, REGION_F, REGION_STATE, REGION_ERR, REGION_OUT};
    const conform_region_t *r = &c->r[region[which]];
    if (len)
        *len = r->len;
    return r->data;
}

int dq__conform_init(dq__conform_t *c, double t)
{
    return c->solver->init ? conform_call(c, PHASE_INIT, t, NULL, NULL) : DQ_OK;
}

int dq__conform_step(dq__conform_t *c, double t)
{
    int rc = conform_call(c, PHASE_STEP, t, NULL, NULL);
    c->step++;
    return rc;
}

int dq__conform_reset(dq__conform_t *c, double t, const unsigned char *mask)
{
    const dq_integrator_entry_t *s = c->solver;
    if (s->reset)
        return conform_call(c, PHASE_RESET, t, mask, NULL);
    return s->init ? conform_call(c, PHASE_INIT, t, NULL, NULL) : DQ_OK;
}

int dq__conform_dense(dq__conform_t *c, const double *theta)
{
    return conform_call(c, PHASE_DENSE, 0.0, NULL, theta);
}

int dq__conform_integrate(dq__conform_t *c, conform_run_t *run)
{
    const size_t n = run->prob->m * CONFORM_LANES;
    run->failed = 0;
    if (dq__conform_open(c, run) != DQ_OK)
        return DQ_ENOMEM;
    if (run->peak)
        *run->peak = 0.0;
    int rc = dq__conform_init(c, 0.0);
    double t0 = 0.0;
    long k0 = 0;
    for (long k = 0; rc == DQ_OK && k < run->steps; ++k) {
        if (k == run->switch_at && run->h2 != c->h) {
            /* The host changes dt: reset with no mask, or init again. */
            t0 += (double)(k - k0) * c->h;
            k0 = k;
            c->h = run->h2;
            rc = dq__conform_reset(c, t0, NULL);
            if (rc != DQ_OK)
                break;
        }
        c->step = (uint64_t)k;
        rc = dq__conform_step(c, t0 + (double)(k - k0) * c->h);
        if (rc != DQ_OK)
            run->failed = (uint64_t)k + 1;
        else if (run->peak && conform_peak(c, run->peak))
            break;
    }
    if (rc != DQ_OK && !run->failed)
        run->failed = 1; /* init or reset failed */
    run->t_final = t0 + (double)(run->steps - k0) * c->h;
    if (run->final)
        memcpy(run->final, c->r[REGION_Y].data, n * sizeof *run->final);
    dq__conform_close(c);
    return rc;
}

dq__conform_t *dq__conform_new(const dq_integrator_entry_t *solver, dq_conform_result_t *out)
{
    size_t size = (sizeof(dq__conform_t) + 63) / 64 * 64;
    dq__conform_t *c = aligned_alloc(64, size);
    if (!c)
        return NULL;
    memset(c, 0, size);
    c->solver = solver;
    c->adaptive = (solver->flags & DQ_CAP_ADAPTIVE) != 0;
    c->out = out;
    /* Always a valid array, so a solver reading an option it did not declare reads a zero
     * inside our memory rather than through NULL. n_options is the registry's count. */
    c->options = calloc(solver->n_options + 1, sizeof *c->options);
    if (!c->options) {
        free(c);
        return NULL;
    }
    for (size_t i = 0; i < solver->n_options; ++i)
        c->options[i] = solver->options[i].def;
    return c;
}

void dq__conform_free(dq__conform_t *c)
{
    if (!c)
        return;
    free(c->options);
    free(c);
}

const char *dq__conform_lifecycle_fail(const dq__conform_t *c)
{
    return c->lifecycle_fail;
}
const char *dq__conform_memory_fail(const dq__conform_t *c)
{
    return c->memory_fail;
}
const char *dq__conform_status_fail(const dq__conform_t *c)
{
    return c->status_fail;
}
unsigned dq__conform_jacobian_calls(const dq__conform_t *c)
{
    return c->jacobian_calls;
}
