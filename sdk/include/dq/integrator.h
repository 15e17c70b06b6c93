/* SPDX-License-Identifier: MIT */
/* dq/integrator.h -- the integrator descriptor a solver plugin exports.
 *
 * A descriptor is static const data, the C form of braincell's
 *   @register_integrator("name", aliases=(...), category=..., order=..., description=...,
 *                        override=...)
 * Write it with DQ_INTEGRATOR() as designated initializers. */
#ifndef DQ_INTEGRATOR_H
#define DQ_INTEGRATOR_H

#include <stddef.h>
#include <stdint.h>

#include <dq/abi.h>
#include <dq/context.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Flags word: registration flags in the low byte, capabilities above. */
enum dq_integrator_flags {
    DQ_INTEGRATOR_OVERRIDE = 1u << 0,   /* replace an entry of the same canonical name */
    DQ_INTEGRATOR_DEPRECATED = 1u << 1, /* lookups warn once per name per registry */
    DQ_CAP_JACOBIAN = 1u << 8,          /* uses the Jacobian of the drift */
    DQ_CAP_DIFFUSION = 1u << 9,         /* consumes the diffusion slot (SDE solver) */
    DQ_CAP_ADAPTIVE = 1u << 10          /* chooses its own internal step sizes */
};

/* A step advances the block in ctx from ctx->t to ctx->t + ctx->dt. Contract: call
 * dq_pre_integral() once, dq_compute_derivative() as often as the stages need, write the new
 * values into ctx->y, call dq_post_integral() once; touch no memory but ctx->y, ctx->f and
 * ctx->work. Returns DQ_OK or a negative DQ_E* code (see dq_fail()). */
typedef int (*dq_step_fn)(dq_ctx_t *ctx);

/* A numeric option a solver accepts (`--solver-opt name=value`, the run spec's
 * solver_options). The host checks min <= value <= max (when min < max) and, for integer
 * options, that the value is whole; the step reads ctx->options[i] in declaration order. */
typedef struct dq_option_desc {
    const char *name; /* [A-Za-z0-9_]+ */
    double def;       /* default */
    const char *doc;  /* one line */
    double min, max;  /* accepted range; ignored when min >= max */
    uint32_t flags;   /* DQ_OPTION_INTEGER */
} dq_option_desc_t;

enum dq_option_flags { DQ_OPTION_INTEGER = 1u << 0 };

/* Work memory a solver needs per block of `units` units with `m` components each (so
 * n = m*units), in doubles; used instead of work_vectors*n when given. */
typedef size_t (*dq_work_size_fn)(size_t m, size_t units);

typedef struct dq_integrator_desc {
    dq_abi_header_t abi;
    const char *name;                /* canonical name, [A-Za-z0-9_.-]+ */
    const char *const *aliases;      /* NULL-terminated list, or NULL */
    const char *category;            /* "explicit", "implicit", "exponential", ... */
    int order;                       /* convergence order, 0 = unknown */
    const char *description;         /* one line */
    uint32_t flags;                  /* enum dq_integrator_flags */
    dq_step_fn step;                 /* required */
    uint32_t work_vectors;           /* work vectors of length n the step needs */
    const dq_option_desc_t *options; /* [n_options], or NULL */
    size_t n_options;
    dq_work_size_fn work_size;       /* may be NULL: work_vectors * n doubles */
} dq_integrator_desc_t;

/* Declares `static const dq_integrator_desc_t ident` with its ABI header filled in:
 *   DQ_INTEGRATOR(euler_desc, .name = "euler", .step = euler_step, ...); */
#define DQ_INTEGRATOR(ident, ...)                                                              \
    static const dq_integrator_desc_t ident = {.abi = DQ_ABI_HEADER_INIT(dq_integrator_desc_t), \
                                               __VA_ARGS__}

/* A NULL-terminated alias list literal: .aliases = DQ_ALIASES("explicit", "fe"). A compound
 * literal: use it in descriptors at file scope (static storage), as plugins do. */
#define DQ_ALIASES(...) ((const char *const[]){__VA_ARGS__, NULL})

#ifdef __cplusplus
}
#endif

#endif
