/* SPDX-License-Identifier: MIT */
/* dq/context.h -- what a solver's step function receives.
 *
 * A solver never links libdqcore. Everything it may ask of the host reaches it through the
 * context: the block of states it advances, the environment (t, dt, step index), work
 * memory, and a table of host functions wrapped by the inline functions below.
 *
 * Memory layout of a block. The states one solver integrates are stored contiguously. A
 * block holds `units` units of a population, each with `m` components (one per scalar state
 * element); component k of unit u is at index k*units + u. So a block is one flat vector of
 * n = m*units doubles, and each component is a contiguous, vectorisable run of units. */
#ifndef DQ_CONTEXT_H
#define DQ_CONTEXT_H

#include <stddef.h>
#include <stdint.h>

#include <dq/abi.h>
#include <dq/error.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dq_ctx dq_ctx_t;

/* Host functions. Every entry returns DQ_OK or a negative DQ_E* code, which the solver
 * returns unchanged from its step. */
typedef struct dq_host_api {
    dq_abi_header_t abi;
    /* Runs the pre_integral lifecycle call of every module the solver integrates. */
    int (*pre_integral)(dq_ctx_t *ctx);
    /* f = F(t, y) for the block: the models' compute_derivative, with the state values read
     * from y and the derivatives written to f (both of length ctx->n; y may be ctx->y or a
     * stage buffer, f may be ctx->f or a stage buffer; they must not overlap). */
    int (*compute_derivative)(dq_ctx_t *ctx, double t, const double *y, double *f);
    /* Runs the post_integral lifecycle call of every module the solver integrates. */
    int (*post_integral)(dq_ctx_t *ctx);
    /* Reports a failure with a one-line message; `index` is the flat index (into y) of the
     * offending value, or (size_t)-1 when no single value is at fault. Returns `code`. */
    int (*report)(dq_ctx_t *ctx, int code, size_t index, const char *message);
    /* The per-unit Jacobian of the drift at (t, y), given fy = F(t, y): for every unit u
     * of the block, J[(i*m + j)*units + u] = dF_i/dy_j (m*m*units doubles). Uses the model's
     * analytic Jacobian when it has one, else finite differences that perturb component j
     * of all units at once (m derivative evaluations; units are independent). */
    int (*jacobian)(dq_ctx_t *ctx, double t, const double *y, const double *fy, double *J);
    /* Only the diagonal: d[i*units + u] = dF_i/dy_i (n doubles); analytic when the model
     * has it (or its full Jacobian), else finite differences. */
    int (*jacobian_diag)(dq_ctx_t *ctx, double t, const double *y, const double *fy,
                         double *d);
    /* f = F(t, y) and d = diag dF/dy at (t, y) together: one model pass when the model
     * computes both at once, otherwise compute_derivative then jacobian_diag. */
    int (*derivative_diag)(dq_ctx_t *ctx, double t, const double *y, double *f, double *d);
} dq_host_api_t;

struct dq_ctx {
    dq_abi_header_t abi;
    const dq_host_api_t *host; /* [borrowed: valid during the call] */
    void *host_data;           /* opaque to the solver */
    double t;                  /* time at the start of the step */
    double dt;                 /* step size */
    uint64_t step;             /* index of this step, from 0 */
    size_t n;                  /* flat length of y, f and each work vector: m * units */
    size_t m;                  /* components per unit */
    size_t units;              /* units in this block */
    double *y;                 /* the state values; the solver writes the new values here */
    double *f;                 /* the derivative slot of the states (length n) */
    const double *g;           /* the diffusion slot, or NULL when the block is deterministic */
    double *work;              /* work_vectors * n doubles, allocated once per run */
    size_t work_len;           /* length of work in doubles */
    const double *options;     /* the solver's option values, in declaration order */
    int has_jacobian;          /* the model supplies an analytic Jacobian */
};

static inline int dq_pre_integral(dq_ctx_t *ctx) { return ctx->host->pre_integral(ctx); }

static inline int dq_compute_derivative(dq_ctx_t *ctx, double t, const double *y, double *f)
{
    return ctx->host->compute_derivative(ctx, t, y, f);
}

static inline int dq_post_integral(dq_ctx_t *ctx) { return ctx->host->post_integral(ctx); }

static inline int dq_fail(dq_ctx_t *ctx, int code, size_t index, const char *message)
{
    return ctx->host->report(ctx, code, index, message);
}

static inline int dq_jacobian(dq_ctx_t *ctx, double t, const double *y, const double *fy,
                              double *J)
{
    return ctx->host->jacobian(ctx, t, y, fy, J);
}

static inline int dq_jacobian_diag(dq_ctx_t *ctx, double t, const double *y, const double *fy,
                                   double *d)
{
    return ctx->host->jacobian_diag(ctx, t, y, fy, d);
}

static inline int dq_compute_derivative_diag(dq_ctx_t *ctx, double t, const double *y,
                                             double *f, double *d)
{
    /* A host whose table ends before derivative_diag gets the two calls it stands for. */
    if (ctx->host->abi.struct_size >=
        offsetof(dq_host_api_t, derivative_diag) + sizeof ctx->host->derivative_diag) {
        return ctx->host->derivative_diag(ctx, t, y, f, d);
    }
    int rc = ctx->host->compute_derivative(ctx, t, y, f);
    return rc ? rc : ctx->host->jacobian_diag(ctx, t, y, f, d);
}

/* The k-th work vector (length ctx->n); the solver declared how many it needs. */
static inline double *dq_work(dq_ctx_t *ctx, size_t k) { return ctx->work + k * ctx->n; }

#ifdef __cplusplus
}
#endif

#endif
