/* SPDX-License-Identifier: MIT */
/* dq/context.h -- what a solver's callbacks receive (plugin ABI 2.3).
 *
 * A solver never links libdqcore. Everything it may ask of the host reaches it through the
 * context: the block of states it advances, where that block sits in the population, the
 * environment (t, dt, step index, seed), its scratch and persistent memory, and a table of
 * host functions wrapped by the inline functions below.
 *
 * Memory layout of a block. The states one solver integrates are stored contiguously. A
 * block holds `units` lanes, each one unit of the population with `comps` components (one
 * per scalar state element); component k of lane u is at index k*units + u. So a block is
 * one flat vector of len = comps*units doubles, and each component is a contiguous,
 * vectorisable run of units.
 *
 * Position-independent arithmetic. `units` is always a multiple of DQ_LANES and every
 * vector the host hands out (y, f, g, scratch, state) starts on a 64-byte boundary. A block
 * whose population runs out part-way is padded: its last lanes are copies of its last real
 * unit (values and per-unit parameters), stepped like any other lane and never reported or
 * recorded. So a loop `for (i = 0; i < len; ++i)` never has a remainder that a vectorising
 * compiler would run through scalar code: every unit takes the same operations (the same
 * vector exp, the same fused multiply-adds) whatever the block size, thread count or
 * population around it. Keep it that way in your own loops: run them over the whole
 * block, never over "the real units only".
 *
 * Concurrency. The host steps different blocks on different threads at the same time, with
 * one context per (thread, block group); a solver's callbacks must not keep mutable static
 * data. Everything a call needs between steps goes in ctx->state.
 *
 * Lifetime. The context, y, f, g, scratch and state are valid during the call only; the
 * host may hand the same block to another context (and thread) in the next call. */
#ifndef DQ_CONTEXT_H
#define DQ_CONTEXT_H

#include <stddef.h>
#include <stdint.h>

#include <dq/abi.h>
#include <dq/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Lanes a block's unit count is a multiple of: eight doubles, one AVX-512 register. */
#define DQ_LANES 8

/* Units rounded up to whole lanes: the length a per-unit array of a population of `units`
 * needs so that every block, padding included, can index it by unit0 + lane. */
#define DQ_UNITS_PADDED(units) (((units) + (DQ_LANES - 1)) / DQ_LANES * DQ_LANES)

typedef struct dq_ctx dq_ctx_t;

/* Host functions. Every entry returns DQ_OK or a negative DQ_E* code, which the solver
 * returns unchanged from its step. */
typedef struct dq_host_api {
    dq_abi_header_t abi;
    /* Runs the pre_integral lifecycle call of every module the solver integrates. */
    int (*pre_integral)(dq_ctx_t *ctx);
    /* f = F(t, y) for the block: the models' compute_derivative, with the state values read
     * from y and the derivatives written to f (both of length ctx->len; y may be ctx->y or a
     * scratch vector, f may be ctx->f, a scratch or a state vector; they must not overlap). */
    int (*compute_derivative)(dq_ctx_t *ctx, double t, const double *y, double *f);
    /* Runs the post_integral lifecycle call of every module the solver integrates. */
    int (*post_integral)(dq_ctx_t *ctx);
    /* Reports a failure with a one-line message; `index` is the flat index (into y) of the
     * offending value, or (size_t)-1 when no single value is at fault. Returns `code`. */
    int (*report)(dq_ctx_t *ctx, int code, size_t index, const char *message);
    /* The per-unit Jacobian of the drift at (t, y), given fy = F(t, y): for every lane u
     * of the block, J[(i*comps + j)*units + u] = dF_i/dy_j (comps*comps*units doubles). Uses
     * the model's analytic Jacobian when it has one, else finite differences that perturb
     * component j of all lanes at once (comps derivative evaluations; units are
     * independent). Only for solvers that declare DQ_CAP_JACOBIAN; others get DQ_EUSAGE. */
    int (*jacobian)(dq_ctx_t *ctx, double t, const double *y, const double *fy, double *J);
    /* Only the diagonal: d[i*units + u] = dF_i/dy_i (len doubles); analytic when the model
     * has it (or its full Jacobian), else finite differences. DQ_CAP_JACOBIAN as above. */
    int (*jacobian_diag)(dq_ctx_t *ctx, double t, const double *y, const double *fy, double *d);
    /* f = F(t, y) and d = diag dF/dy at (t, y) together: one model pass when the model
     * computes both at once, otherwise compute_derivative then jacobian_diag. */
    int (*derivative_diag)(dq_ctx_t *ctx, double t, const double *y, double *f, double *d);
    /* since ABI 2.1, for solvers that declare DQ_CAP_DIFFUSION (others get DQ_EUSAGE):
     *
     * f = F(t, y) and g = G(t, y), the drift and the diffusion, into the given vectors
     * (len doubles each, not overlapping y). g of a state without noise is 0. */
    int (*drift_diffusion)(dq_ctx_t *ctx, double t, const double *y, double *f, double *g);
    /* dg[i*units + u] = dG_i/dy_i at (t, y), given g = G(t, y): the model's diffusion_diag
     * when it has one, 0 for additive and deterministic states, else finite differences. */
    int (*diffusion_diag)(dq_ctx_t *ctx, double t, const double *y, const double *g, double *dg);
    /* The Brownian increments of this step, one independent Wiener process per noisy
     * component and unit: dW = W(t + dt) - W(t) and, when dZ is not NULL,
     * dZ = the integral of (W(s) - W(t)) ds over the step (the I_(1,0) of order-1.5
     * schemes). Both len doubles; 0 for components without noise. Keyed by (seed, global
     * unit, state, step): the same bits for a unit wherever it is computed, and the same
     * path for every solver (see dq/noise.h in the host library for the exact keying). */
    int (*brownian)(dq_ctx_t *ctx, double *dW, double *dZ);
    /* since ABI 2.3, cable models (<dq/cable.h>, which wraps them): the block's cable, or
     * NULL when the model is not a cable model; the membrane current and dI/dV per
     * compartment; the gates' derivatives and diagonal; the couplings of gates and V. */
    const struct dq_cable *(*cable)(dq_ctx_t *ctx);
    int (*cable_membrane)(dq_ctx_t *ctx, double t, const double *y, double *i, double *g);
    int (*cable_gates)(dq_ctx_t *ctx, double t, const double *y, double *f, double *d);
    int (*cable_couplings)(dq_ctx_t *ctx, double t, const double *y, double *e, double *q);
} dq_host_api_t;

struct dq_ctx {
    dq_abi_header_t abi;
    const dq_host_api_t *host; /* [borrowed: valid during the call] */
    void *host_data;           /* opaque to the solver */
    double t;                  /* time at the start of the step */
    double dt;                 /* step size */
    uint64_t step;             /* index of this step, from 0 */
    size_t len;                /* flat length of y, f and every scratch/state vector */
    size_t comps;              /* components per unit */
    size_t units;              /* lanes in this block: a multiple of DQ_LANES */
    size_t unit0;              /* global index (in the population) of the block's lane 0 */
    size_t live;               /* lanes holding real units, the first `live` (<= units) */
    size_t population;         /* units in the whole population, padding excluded */
    uint64_t seed;             /* the run's seed (the run spec's "seed", 0 by default) */
    double *y;                 /* the state values; the solver writes the new values here */
    double *f;                 /* the derivative slot of the states (length len) */
    /* The diffusion slot, filled by compute_derivative; NULL when the block is
     * deterministic (no state declares noise) or the solver is not an SDE solver. */
    const double *g;
    /* Scratch: scratch_vectors * len doubles (or what scratch_size asked for), contents
     * undefined at every call; shared with other blocks stepped by the same thread. */
    double *scratch;
    size_t scratch_len;
    /* Persistent per-unit state: state_vectors * len doubles that belong to these units
     * and stay with them from one call to the next (FSAL stages, step-size history,
     * multistep history). Zero before init; NULL when the solver declared none. */
    double *state;
    size_t state_len;
    const double *options; /* the solver's option values, in declaration order */
    int has_jacobian;      /* the model supplies an analytic Jacobian */
    /* In reset only: reset_mask[u] is non-zero for each lane whose states the model
     * changed outside the solver; NULL when every lane is to be reset (a change of dt). */
    const unsigned char *reset_mask;
    /* since ABI 2.1, for SDE solvers (else NULL and 0): the components that have noise
     * (DQ_STATE_DIFFUSION), ascending. Every other component has g = 0 and dW = dZ = 0, so
     * a solver may add its noise terms to these components only. */
    const size_t *noisy;
    size_t n_noisy;
    /* since ABI 2.2, for error-controlled solvers (DQ_CAP_ADAPTIVE; else NULL):
     *
     * lane_dt[u] is lane u's step size (units doubles). Always set for such a solver: in
     * fixed-step runs every entry is ctx->dt. */
    const double *lane_dt;
    /* Per-lane mode (adaptive runs): lane u steps from lane_t[u] over lane_dt[u], each lane
     * at its own time. ctx->t is then 0 and ctx->dt is 1, so a time a solver passes to the
     * host (ctx->t + c*ctx->dt for a stage at fraction c) is the fraction c of the step,
     * and the host evaluates lane u at lane_t[u] + c*lane_dt[u]. NULL in fixed-step runs,
     * where every lane steps from ctx->t over ctx->dt. */
    const double *lane_t;
    /* When not NULL (adaptive runs), the step writes its embedded error estimate here:
     * err[i] = y_new[i] - y_embedded[i], len doubles. The host weighs it with the
     * tolerances, decides per lane and restores the lanes it rejects. */
    double *err;
};

static inline int dq_pre_integral(dq_ctx_t *ctx)
{
    return ctx->host->pre_integral(ctx);
}

static inline int dq_compute_derivative(dq_ctx_t *ctx, double t, const double *y, double *f)
{
    return ctx->host->compute_derivative(ctx, t, y, f);
}

static inline int dq_post_integral(dq_ctx_t *ctx)
{
    return ctx->host->post_integral(ctx);
}

static inline int dq_fail(dq_ctx_t *ctx, int code, size_t index, const char *message)
{
    return ctx->host->report(ctx, code, index, message);
}

static inline int dq_jacobian(dq_ctx_t *ctx, double t, const double *y, const double *fy, double *J)
{
    return ctx->host->jacobian(ctx, t, y, fy, J);
}

static inline int dq_jacobian_diag(dq_ctx_t *ctx, double t, const double *y, const double *fy,
                                   double *d)
{
    return ctx->host->jacobian_diag(ctx, t, y, fy, d);
}

static inline int dq_compute_derivative_diag(dq_ctx_t *ctx, double t, const double *y, double *f,
                                             double *d)
{
    return ctx->host->derivative_diag(ctx, t, y, f, d);
}

/* Since ABI 2.1: the host functions of SDE solvers. A solver that must also load in a 2.0
 * host guards them with DQ_ABI_HAS_FIELD(&ctx->host->abi, dq_host_api_t, brownian). */
static inline int dq_drift_diffusion(dq_ctx_t *ctx, double t, const double *y, double *f, double *g)
{
    return ctx->host->drift_diffusion(ctx, t, y, f, g);
}

static inline int dq_diffusion_diag(dq_ctx_t *ctx, double t, const double *y, const double *g,
                                    double *dg)
{
    return ctx->host->diffusion_diag(ctx, t, y, g, dg);
}

static inline int dq_brownian(dq_ctx_t *ctx, double *dW, double *dZ)
{
    return ctx->host->brownian(ctx, dW, dZ);
}

/* Copies the last real lane (live - 1) of each component of v (a vector of ctx->len) into
 * the block's padding lanes. Work that is scalar per unit anyway (a Newton solve, a matrix
 * exponential per unit) may run over the first ctx->live lanes only and then call this on
 * what it wrote: the padding then holds exactly what stepping it would have given, since a
 * padding lane is a copy of that unit. Vectorised loops run over every lane instead. */
static inline void dq_fill_padding(const dq_ctx_t *ctx, double *v)
{
    if (ctx->live == 0 || ctx->live >= ctx->units)
        return;
    for (size_t k = 0; k < ctx->comps; ++k) {
        double *c = v + k * ctx->units;
        for (size_t u = ctx->live; u < ctx->units; ++u)
            c[u] = c[ctx->live - 1];
    }
}

/* The k-th scratch vector (length ctx->len); the solver declared how many it needs. */
static inline double *dq_scratch(dq_ctx_t *ctx, size_t k)
{
    return ctx->scratch + k * ctx->len;
}

/* The k-th persistent state vector (length ctx->len). */
static inline double *dq_state(dq_ctx_t *ctx, size_t k)
{
    return ctx->state + k * ctx->len;
}

#ifdef __cplusplus
}
#endif

#endif
