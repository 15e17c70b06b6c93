/* SPDX-License-Identifier: MIT */
/* dq/model.h -- the model descriptor a model plugin exports.
 *
 * A model is a tree of modules (braincell's DiffEqModule). Module 0 is the root; every
 * other module names its parent. Each module owns states (braincell's DiffEqState): a state
 * has one value per unit of the population, plus a derivative slot and, when the model
 * declares noise, a diffusion slot. States are numbered model-wide in module order: module
 * 0's states first, then module 1's, and so on; callbacks index views with those numbers.
 *
 * Lifecycle of one step, for the modules one solver integrates: pre_integral (parents
 * before children), compute_derivative (parents before children, as often as the solver's
 * stages need), post_integral (children before parents). init_state runs once, before the
 * first step, over every module. */
#ifndef DQ_MODEL_H
#define DQ_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <dq/abi.h>
#include <dq/error.h>

#ifdef __cplusplus
extern "C" {
#endif

enum dq_state_flags {
    DQ_STATE_DIFFUSION = 1u << 0, /* the state has a diffusion slot (noise g(t, y)) */
    /* Not integrated: a quantity the model keeps itself (a spike count, a last spike time),
     * written in init_state / pre_integral / post_integral and recorded like any state. Its
     * derivative and diffusion pointers are NULL. */
    DQ_STATE_AUX = 1u << 1,
    /* With DQ_STATE_AUX: the value counts events (spikes); summaries report it as a rate. */
    DQ_STATE_COUNT = 1u << 2
};

enum dq_param_flags {
    DQ_PARAM_PER_UNIT = 1u << 0, /* may be given as an array of one value per unit */
    DQ_PARAM_INTEGER = 1u << 1,  /* must be a whole number */
    DQ_PARAM_POSITIVE = 1u << 2  /* must be > 0 */
};

/* What a module callback sees: a range of units and the slots of every state of the model,
 * indexed by model-wide state number. value[s][i] is state s of unit unit0 + i. In
 * compute_derivative, write derivative[s] (and diffusion[s]) of your own states only and do
 * not write values. diffusion[s] is NULL for deterministic states. */
typedef struct dq_view {
    double t;
    double dt;
    uint64_t step;
    size_t unit0;                /* first unit of the range, in the whole population */
    size_t units;                /* number of units in the range */
    double *const *value;        /* [n_states] */
    double *const *derivative;   /* [n_states] */
    double *const *diffusion;    /* [n_states], entries NULL when deterministic */
    void *data;                  /* the model instance from create() */
    char *errbuf;                /* a callback that fails may write a one-line reason here */
    size_t errlen;
    /* Only in the jacobian callback: jacobian[r*n_states + c][i] receives dF_r/dy_c for
     * unit unit0 + i; an entry is NULL when state c is not integrated with r (write only
     * the rows of your own states, skipping NULL entries; entries not written are 0). */
    double *const *jacobian;
    /* Only in the jacobian_diag callback: jacobian_diag[s][i] receives dF_s/dy_s. */
    double *const *jacobian_diag;
    size_t n_states;             /* states in the model: the row length of `jacobian` */
} dq_view_t;

/* Returns DQ_OK or a negative DQ_E* code (with a reason in v->errbuf). */
typedef int (*dq_module_fn)(const dq_view_t *v);

typedef struct dq_state_desc {
    const char *name; /* unique within the model, [A-Za-z0-9_]+ */
    const char *unit; /* physical unit, e.g. "mV"; NULL when dimensionless */
    const char *doc;  /* one line */
    uint32_t flags;   /* enum dq_state_flags */
} dq_state_desc_t;

typedef struct dq_module_desc {
    dq_abi_header_t abi;
    const char *name;          /* path component, e.g. "gates"; the root's name is unused */
    int parent;                /* index of the parent module, -1 for the root (module 0) */
    const dq_state_desc_t *states;
    size_t n_states;
    const char *solver;        /* the author's own solver for this sub-module (braincell's
                                  IndependentIntegration), or NULL to follow the parent */
    unsigned substeps;         /* its solver takes `substeps` steps of dt/substeps; 0 = 1 */
    dq_module_fn init_state;          /* may be NULL */
    dq_module_fn pre_integral;        /* may be NULL */
    dq_module_fn compute_derivative;  /* required when the module has states */
    dq_module_fn post_integral;       /* may be NULL */
    dq_module_fn jacobian;            /* analytic Jacobian rows of this module's states, or
                                         NULL (finite differences) */
    dq_module_fn jacobian_diag;       /* their diagonal only, or NULL */
    /* compute_derivative and jacobian_diag in one pass (the rates a gate's derivative needs
     * give its diagonal for free), or NULL; lets a per-state exponential solver cost one
     * model evaluation per step (Rush-Larsen). */
    dq_module_fn compute_derivative_diag;
} dq_module_desc_t;

typedef struct dq_param_desc {
    const char *name; /* [A-Za-z0-9_]+ */
    double def;       /* default value */
    const char *unit; /* NULL when dimensionless */
    const char *doc;  /* one line */
    uint32_t flags;   /* enum dq_param_flags */
} dq_param_desc_t;

/* A parameter value handed to create(): len is 1, or the number of units for a
 * DQ_PARAM_PER_UNIT parameter given per unit. */
typedef struct dq_param_value {
    const double *v;
    size_t len;
} dq_param_value_t;

/* Checks that a DQ_PARAM_PER_UNIT value has one value or `units` values. Returns DQ_OK, or
 * DQ_EINVAL with a one-line reason in msg naming the parameter. */
static inline int dq_param_check_units(const dq_param_value_t *p, size_t units, const char *name,
                                       char *msg, size_t msglen)
{
    if (p->len == 1 || p->len == units)
        return DQ_OK;
    if (msg && msglen)
        snprintf(msg, msglen, "parameter '%s' has %zu values but the model has %zu units", name,
                 p->len, units);
    return DQ_EINVAL;
}

/* Spreads a parameter over the population: out[u] = its value for unit u (the single value,
 * or the u-th of one per unit). Check the length first with dq_param_check_units. */
static inline void dq_param_spread(const dq_param_value_t *p, double *out, size_t units)
{
    for (size_t u = 0; u < units; ++u)
        out[u] = p->v[p->len > 1 ? u : 0];
}

typedef struct dq_model_desc {
    dq_abi_header_t abi;
    const char *name;        /* [A-Za-z0-9_.-]+ */
    const char *description; /* one line */
    const dq_param_desc_t *params;
    size_t n_params;
    const dq_module_desc_t *const *modules; /* NULL-terminated; modules[0] is the root */
    /* Builds an instance from parameter values (one per params[], in order). Sets *units
     * (population size, >= 1) and *data [owned: released with destroy]. On failure returns a
     * negative DQ_E* code and writes a one-line reason to msg. */
    int (*create)(const dq_param_value_t *params, size_t *units, void **data, char *msg,
                  size_t msglen);
    void (*destroy)(void *data); /* may be NULL when create allocates nothing */
    const char *time_unit;       /* unit of t, e.g. "ms"; NULL when dimensionless */
} dq_model_desc_t;

#define DQ_MODULE(ident, ...)                                                                  \
    static const dq_module_desc_t ident = {.abi = DQ_ABI_HEADER_INIT(dq_module_desc_t),        \
                                           __VA_ARGS__}

#define DQ_MODEL(ident, ...)                                                                   \
    static const dq_model_desc_t ident = {.abi = DQ_ABI_HEADER_INIT(dq_model_desc_t),          \
                                          __VA_ARGS__}

#ifdef __cplusplus
}
#endif

#endif
