/* SPDX-License-Identifier: MIT */
/* dq/integrator.h -- the integrator descriptor a solver plugin exports (plugin ABI 2.3).
 *
 * A descriptor is static const data, the C form of braincell's
 *   @register_integrator("name", aliases=(...), category=..., order=..., description=...,
 *                        override=...)
 * Write it with DQ_INTEGRATOR() as designated initializers.
 *
 * Lifecycle of a solver on one block of units:
 *   init   (optional) once, after the model's init_state and before the first step;
 *   step   once per step, from ctx->t to ctx->t + ctx->dt;
 *   reset  (optional) after the model changed some units' states outside the solver (a
 *          spike reset: ctx->reset_mask says which lanes) and whenever the host changes dt
 *          (reset_mask NULL). A solver with persistent state but no reset gets init again.
 * Every callback may run concurrently with the same callback on other blocks (other
 * threads); it touches ctx->y, ctx->f, ctx->scratch and ctx->state of its own block only.
 *
 * After a successful step, ctx->y holds the new values and ctx->f holds F at some stage of
 * the step (the first, for the methods shipped with dqhost). After a failed step (a
 * negative return), ctx->y is undefined: the host stops the run and reports the error. */
#ifndef DQ_INTEGRATOR_H
#define DQ_INTEGRATOR_H

#include <stddef.h>
#include <stdint.h>

#include <dq/abi.h>
#include <dq/context.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Flags word: registration flags in the low byte, capabilities above. Unknown bits are
 * ignored (a later minor may give them a meaning). */
enum dq_integrator_flags {
    DQ_INTEGRATOR_OVERRIDE = 1u << 0,   /* replace an entry of the same canonical name */
    DQ_INTEGRATOR_DEPRECATED = 1u << 1, /* lookups warn once per name per registry */
    /* Calls dq_jacobian / dq_jacobian_diag. The host allocates Jacobian scratch only for
     * solvers that say so; a call from any other solver fails with DQ_EUSAGE. */
    DQ_CAP_JACOBIAN = 1u << 8,
    /* Consumes the diffusion slot (an SDE solver): the host keeps the diffusion slot, hands
     * out Brownian increments (dq_brownian) and fills strong_order, weak_order and calculus
     * in listings. Without it, a model's non-zero diffusion is ignored and the host warns
     * once per run. */
    DQ_CAP_DIFFUSION = 1u << 9,
    /* (since ABI 2.1) The method is derived for additive noise only (the diffusion does not
     * depend on the states): the host refuses a model with a noisy state that is not
     * DQ_STATE_ADDITIVE, naming the state. */
    DQ_CAP_ADDITIVE_NOISE_ONLY = 1u << 10,
    /* (since ABI 2.2) An error-controlled method with a continuous extension. Its step
     *  - takes each lane's step size from ctx->lane_dt (never NULL for such a solver), and
     *    in per-lane mode (ctx->lane_t not NULL) each lane's start time from ctx->lane_t;
     *  - when ctx->err is not NULL, writes the embedded error estimate there (y_new minus
     *    the embedded solution, len doubles) and otherwise skips computing it.
     * The descriptor then gives error_order, dense and dense_order (refused without them).
     * The host owns the controller, the tolerances and accept/reject (sdk/ABI.md,
     * "Error-controlled stepping"). */
    DQ_CAP_ADAPTIVE = 1u << 11
};

/* (since ABI 2.1) The stochastic calculus an SDE solver's scheme converges to: the same
 * dX = f dt + g dW means f dt + g dW in the Ito sense or f dt + g o dW in Stratonovich's,
 * two different processes when g depends on X (for additive noise they agree). */
enum dq_calculus {
    DQ_CALCULUS_NONE = 0, /* not an SDE solver */
    DQ_CALCULUS_ITO = 1,
    DQ_CALCULUS_STRATONOVICH = 2
};

/* Categories: the registry groups solvers by these (`dqhost list --category`). A
 * descriptor whose category is not one of them is refused at load time, with the closest
 * name suggested. */
#define DQ_CATEGORY_EXPLICIT "explicit"
#define DQ_CATEGORY_IMPLICIT "implicit"
#define DQ_CATEGORY_EXPONENTIAL "exponential"
#define DQ_CATEGORY_STOCHASTIC "stochastic"
#define DQ_CATEGORY_ADAPTIVE "adaptive"
#define DQ_CATEGORY_CABLE "cable"
#define DQ_CATEGORY_OTHER "other"

/* A step advances the block in ctx from ctx->t to ctx->t + ctx->dt. Contract: call
 * dq_pre_integral() once, dq_compute_derivative() as often as the stages need, write the new
 * values into ctx->y, call dq_post_integral() once; touch no memory but ctx->y, ctx->f,
 * ctx->scratch and ctx->state. Returns DQ_OK or a negative DQ_E* code (see dq_fail()). */
typedef int (*dq_step_fn)(dq_ctx_t *ctx);

/* init and reset: fill or repair ctx->state for the block. Same return convention. */
typedef int (*dq_solver_fn)(dq_ctx_t *ctx);

/* (since ABI 2.2) The continuous extension of the last accepted step of each lane:
 * out[k*units + u] = y_u(lane_t[u] + theta[u] * lane_dt[u]) for every lane u, theta[u] in
 * [0, 1] (out has len doubles). The host calls it with ctx->lane_t and ctx->lane_dt set to
 * that step's start and size, ctx->y and ctx->f as the step left them (the values at its
 * end), and ctx->state as the step left it. It must read nothing else the step did not
 * store in ctx->state and write nothing but out; it may use ctx->scratch. The host may call
 * it after the solver's reset (an event restarting the solver), so reset must not change
 * what dense reads in ctx->state, or must keep a copy. Same return convention. */
typedef int (*dq_dense_fn)(dq_ctx_t *ctx, const double *theta, double *out);

/* A numeric option a solver accepts (`--solver-opt name=value`, the run spec's
 * solver_options). The host checks min <= value <= max (when min < max) and, for integer
 * options, that the value is whole; the step reads ctx->options[i] in declaration order.
 * A table ends with an entry whose name is NULL (DQ_OPTIONS adds it). */
typedef struct dq_option_desc {
    const char *name; /* [A-Za-z0-9_]+ */
    double def;       /* default */
    const char *doc;  /* one line */
    double min, max;  /* accepted range; none when min == max (min > max is refused) */
    uint32_t flags;   /* DQ_OPTION_INTEGER */
} dq_option_desc_t;

enum dq_option_flags { DQ_OPTION_INTEGER = 1u << 0 };

/* Scratch a solver needs per block of `units` lanes with `comps` components each (so
 * len = comps*units), in doubles; used instead of scratch_vectors*len when given. */
typedef size_t (*dq_scratch_size_fn)(size_t comps, size_t units);

typedef struct dq_integrator_desc {
    dq_abi_header_t abi;
    const char *name;                /* canonical name, [A-Za-z0-9_.-]+ */
    const char *const *aliases;      /* NULL-terminated list, or NULL */
    const char *category;            /* one of DQ_CATEGORY_* */
    int order;                       /* convergence order, 0 = unknown */
    const char *description;         /* one line */
    uint32_t flags;                  /* enum dq_integrator_flags */
    dq_step_fn step;                 /* required */
    uint32_t scratch_vectors;        /* scratch vectors of length len the step needs */
    dq_scratch_size_fn scratch_size; /* may be NULL: scratch_vectors * len doubles */
    uint32_t state_vectors;          /* persistent vectors of length len, kept per unit */
    dq_solver_fn init;               /* may be NULL */
    dq_solver_fn reset;              /* may be NULL */
    const dq_option_desc_t *options; /* ends with a NULL name, or NULL */
    /* since ABI 2.1: SDE solvers (DQ_CAP_DIFFUSION). Orders of convergence need not be whole
     * (Euler-Maruyama is strong 0.5); 0 = unknown. `order` stays the order on ODEs, which
     * is what the solver does when the model has no noise. */
    double strong_order; /* E|X_h(T) - X(T)| = O(h^strong_order) */
    double weak_order;   /* |E phi(X_h(T)) - E phi(X(T))| = O(h^weak_order) */
    uint32_t calculus;   /* enum dq_calculus */
    /* since ABI 2.2: error-controlled solvers (DQ_CAP_ADAPTIVE). */
    int error_order;   /* order p^ of the embedded solution: the estimate is O(h^(p^+1)) (the
                          controller's exponents use it); 1 to 20, usually order - 1;
                          equal to order when the step keeps the lower-order solution (ode23s) */
    dq_dense_fn dense; /* the continuous extension (required with DQ_CAP_ADAPTIVE) */
    int dense_order;   /* its order: the interpolation error is O(h^(dense_order+1)) */
    /* since ABI 2.3: the scratch the step needs on a cable model (<dq/cable.h>), used there
     * instead of scratch_size / scratch_vectors, or NULL for the same as on other models. A
     * solver with a dense path for point models and a tree path for cables (backward_euler)
     * would otherwise ask comps² doubles a lane on a cell of thousands of compartments. */
    dq_scratch_size_fn cable_scratch_size;
} dq_integrator_desc_t;

/* The authoring macros below use designated initializers and compound literals: they are
 * C only (C99 and later). In C++, write the same data out:
 *
 *   static const char *const my_aliases[] = {"fe", nullptr};
 *   static const dq_integrator_desc_t my_desc = [] {
 *       dq_integrator_desc_t d{};
 *       d.abi = dq_abi_header_t DQ_ABI_HEADER_INIT(dq_integrator_desc_t);
 *       d.name = "my_euler"; d.aliases = my_aliases; d.category = DQ_CATEGORY_EXPLICIT;
 *       d.order = 1; d.description = "..."; d.step = my_step;
 *       return d;
 *   }();
 *   static const dq_integrator_desc_t *const my_list[] = {&my_desc, nullptr};
 *   DQ_PLUGIN_ENTRY(my_list, nullptr)
 *
 * (tests/fixtures/cxx_solver.cpp is such a plugin, built and run by the test suite). */

/* Declares `static const dq_integrator_desc_t ident` with its ABI header filled in:
 *   DQ_INTEGRATOR(euler_desc, .name = "euler", .step = euler_step, ...); */
#define DQ_INTEGRATOR(ident, ...)                                                                  \
    static const dq_integrator_desc_t ident = {.abi = DQ_ABI_HEADER_INIT(dq_integrator_desc_t),    \
                                               __VA_ARGS__}

/* A NULL-terminated alias list literal: .aliases = DQ_ALIASES("explicit", "fe"). A compound
 * literal: use it in descriptors at file scope (static storage), as plugins do. */
#define DQ_ALIASES(...) ((const char *const[]){__VA_ARGS__, NULL})

/* An option table literal ending in the NULL-name entry:
 *   .options = DQ_OPTIONS({.name = "tol", .def = 1e-10, ...}, {...}) */
#define DQ_OPTIONS(...) ((const dq_option_desc_t[]){__VA_ARGS__, {0}})

#ifdef __cplusplus
}
#endif

#endif
