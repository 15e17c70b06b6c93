/* SPDX-License-Identifier: MIT */
/* dq/model.h -- the model descriptor a model plugin exports (plugin ABI 2.3).
 *
 * A model is a tree of modules (braincell's DiffEqModule). Module 0 is the root; every
 * other module names its parent. Each module owns states (braincell's DiffEqState): a state
 * has one value per unit of the population, plus a derivative slot and, when the model
 * declares noise, a diffusion slot.
 *
 * Module-local indices. A module's callbacks see its *variables*: its own states, numbered
 * in the order of its state table, then the states of other modules it declared in
 * `reads`, in that order. So adding a state to one module renumbers nobody else, and a
 * module can be reused in another model that provides the states it reads. The host
 * resolves `reads` by name once, when the model is set up.
 *
 * Lifecycle of one step, for the modules one solver integrates: pre_integral (parents
 * before children), compute_derivative (parents before children, as often as the solver's
 * stages need), post_integral (children before parents). init_state runs once, before the
 * first step, over every module (parents first).
 *
 * Concurrency: callbacks run concurrently on different blocks of units (different
 * threads); the instance data is shared and must only be read in callbacks. Blocks are
 * padded to whole lanes (<dq/context.h>): a callback's loops run over all v->units lanes. */
#ifndef DQ_MODEL_H
#define DQ_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include <dq/abi.h>
#include <dq/context.h>
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
    DQ_STATE_COUNT = 1u << 2,
    /* (since ABI 2.1) With DQ_STATE_DIFFUSION: the diffusion does not depend on any state
     * (additive noise; it may depend on t and parameters). Methods derived for additive
     * noise (DQ_CAP_ADDITIVE_NOISE_ONLY, e.g. sra1) accept only such states, and a
     * Milstein correction is then zero without being computed. */
    DQ_STATE_ADDITIVE = 1u << 3
};

enum dq_param_flags {
    DQ_PARAM_PER_UNIT = 1u << 0, /* may be given as an array of one value per unit */
    DQ_PARAM_INTEGER = 1u << 1,  /* must be a whole number */
    DQ_PARAM_POSITIVE = 1u << 2, /* must be > 0 */
    /* The population size: a whole number >= 1 that the host owns. At most one parameter
     * of a model has it; a model without one is a single unit. */
    DQ_PARAM_POPULATION = 1u << 3
};

/* (since ABI 2.2) Events: a function of a module's variables that crosses zero in a given
 * direction (V - V_th upward), located by the host inside the step. */
enum dq_event_direction {
    DQ_EVENT_UP = 1,    /* from negative to zero or positive */
    DQ_EVENT_DOWN = -1, /* from positive to zero or negative */
    DQ_EVENT_EITHER = 0
};

enum dq_event_flags {
    /* The event is a spike: the host records its time per unit (dqhost run --spikes) and
     * the summary's firing rates come from these records. */
    DQ_EVENT_SPIKE = 1u << 0,
    /* The event changes states: the module's handle_event applies it (required), the step
     * ends at the event and the solver restarts there. Without it, an event only records
     * its time and the step goes on. */
    DQ_EVENT_RESET = 1u << 1
};

/* One event of a module (element struct: no header, frozen for ABI 2.x from 2.2). */
typedef struct dq_event_desc {
    const char *name; /* [A-Za-z0-9_]+, unique in the model */
    int direction;    /* enum dq_event_direction */
    uint32_t flags;   /* enum dq_event_flags */
    const char *doc;  /* one line */
} dq_event_desc_t;

enum dq_module_flags {
    /* post_integral may change integrated states (a spike reset) and marks the lanes it
     * changed in v->reset; the host then lets the solver repair its persistent state. */
    DQ_MODULE_RESETS = 1u << 0
};

/* What a module callback sees: a block of lanes and the slots of the module's variables
 * (its own states, then the states it reads). value[k][i] is variable k of lane i, that is
 * of unit unit0 + i. In compute_derivative, write derivative[k] (and diffusion[k]) of your
 * own states only and do not write values. diffusion[k] is NULL for deterministic states,
 * and for every state when the solver has no use for noise (a deterministic solver):
 * test the entry, not the table.
 * The tables and the arrays they point at are valid during the call only. */
typedef struct dq_view {
    dq_abi_header_t abi;
    double t;
    double dt;
    uint64_t step;
    size_t unit0;              /* the block's lane 0 in the whole population */
    size_t units;              /* lanes in the block: a multiple of DQ_LANES */
    size_t population;         /* units in the population, padding excluded */
    double *const *value;      /* [n_vars]: own states, then reads */
    double *const *derivative; /* [own states] */
    double *const *diffusion;  /* [own states], entries NULL when deterministic */
    void *data;                /* the model instance */
    char *errbuf;              /* a callback that fails may write a one-line reason here */
    size_t errlen;
    /* Only in the jacobian callback: jacobian[r*n_vars + c][i] receives dF_r/dy_c for lane
     * i, r an own state, c any variable; an entry is NULL when variable c is not integrated
     * with r (write only entries that are not NULL; entries not written are 0). */
    double *const *jacobian;
    /* Only in jacobian_diag and compute_derivative_diag: jacobian_diag[r][i] receives
     * dF_r/dy_r for own state r. */
    double *const *jacobian_diag;
    size_t n_vars; /* own states + reads: the row length of `jacobian` */
    /* Only in post_integral of a DQ_MODULE_RESETS module: set reset[i] = 1 for each lane
     * whose integrated states the callback changed (the host clears it before each step). */
    unsigned char *reset;
    /* since ABI 2.2. Times per lane, when lanes are at different times (an adaptive run:
     * each unit takes its own steps); NULL when every lane is at v->t. v->t is lane 0's
     * time either way, so an autonomous model needs neither; a model whose equations
     * depend on t reads lane_t[i] when it is not NULL. */
    const double *lane_t;
    /* Only in the event callback: event[e][i] receives the value of the module's event
     * function e for lane i (n_events arrays of units doubles). */
    double *const *event;
    /* Only in handle_event: fired[e][i] is non-zero when event e fired for lane i at the
     * time the view shows; the callback changes those lanes only. */
    const unsigned char *const *fired;
    /* since ABI 2.3, in a cable model's mechanisms (<dq/cable.h>): lane i is compartment
     * i / cells, cell unit0 + i % cells of the block; 0 in every other view. */
    size_t cells;
    /* Only in `current`: add the mechanism's current density to current[i] (µA/cm²,
     * outward positive) and its derivative with respect to V to conductance[i] (mS/cm²). */
    double *current;
    double *conductance;
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
    const char *name; /* path component, e.g. "gates"; the root's name is unused */
    int parent;       /* index of the parent module, -1 for the root (module 0) */
    const dq_state_desc_t *states;
    size_t n_states;
    const char *const *reads;        /* NULL-terminated names of other modules' states, or NULL */
    const char *solver;              /* the author's own solver for this sub-module (braincell's
                                        IndependentIntegration), or NULL to follow the parent */
    unsigned substeps;               /* its solver takes `substeps` steps of dt/substeps; 0 = 1 */
    uint32_t flags;                  /* enum dq_module_flags */
    dq_module_fn init_state;         /* may be NULL */
    dq_module_fn pre_integral;       /* may be NULL */
    dq_module_fn compute_derivative; /* required when the module has integrated states */
    dq_module_fn post_integral;      /* may be NULL */
    dq_module_fn jacobian;           /* analytic Jacobian rows of this module's states, or
                                        NULL (finite differences) */
    dq_module_fn jacobian_diag;      /* their diagonal only, or NULL */
    /* compute_derivative and jacobian_diag in one pass (the rates a gate's derivative needs
     * give its diagonal for free), or NULL; lets a per-state exponential solver cost one
     * model evaluation per step (Rush-Larsen). */
    dq_module_fn compute_derivative_diag;
    /* since ABI 2.1: dg_r/dy_r, the derivative of each own noisy state's diffusion with
     * respect to its own value, into v->jacobian_diag[r] (entries NULL for deterministic and
     * DQ_STATE_ADDITIVE states, whose dg/dy is 0), or NULL (finite differences).
     * Milstein-type SDE solvers need it. */
    dq_module_fn diffusion_diag;
    /* since ABI 2.2: events. The host evaluates `event` (required when n_events > 0) at
     * the end of every step and, where an event function crossed zero in its direction,
     * locates the crossing inside the step (from the solver's continuous extension in
     * adaptive runs, an interpolant between the step's end points in fixed-step runs: cubic
     * Hermite for methods of order 3 and more, a straight line below). For an event flagged
     * DQ_EVENT_RESET it sets the lane's states to their values at that time, calls handle_event
     * there (v->fired says which events of which lanes) and restarts the solver for those lanes
     * (its reset: FSAL stages and history are dropped); the lane then continues from the event's
     * time. Other events only record their time. */
    const dq_event_desc_t *events;
    size_t n_events;
    dq_module_fn event;        /* v->event[e][i] = event function e of lane i */
    dq_module_fn handle_event; /* applies the fired DQ_EVENT_RESET events (v->fired) */
    /* since ABI 2.3: a mechanism of a cable model (<dq/cable.h>). `regions` is the SWC types
     * it is present in (DQ_REGION_* bits; 0 = everywhere), `current` adds its membrane
     * current density and dI/dV (v->current, v->conductance); required for a mechanism,
     * NULL elsewhere. */
    uint32_t regions;
    dq_module_fn current;
} dq_module_desc_t;

/* A parameter, bound by the host into the model's instance struct at `offset` (the
 * population parameter too, as a double): a `double` there, or for a DQ_PARAM_PER_UNIT parameter a
 * `const double *` to DQ_UNITS_PADDED(population) values, one per unit (padding lanes repeat the
 * last unit's value), owned by the host and valid until the instance is destroyed. */
typedef struct dq_param_desc {
    const char *name; /* [A-Za-z0-9_]+ */
    double def;       /* default value */
    const char *unit; /* NULL when dimensionless */
    const char *doc;  /* one line */
    uint32_t flags;   /* enum dq_param_flags */
    size_t offset;    /* offsetof(your struct, field) */
} dq_param_desc_t;

typedef struct dq_model_desc {
    dq_abi_header_t abi;
    const char *name;        /* [A-Za-z0-9_.-]+ */
    const char *description; /* one line */
    const dq_param_desc_t *params;
    size_t n_params;
    const dq_module_desc_t *const *modules; /* NULL-terminated; modules[0] is the root */
    /* Size of the instance struct: the host allocates it zeroed, binds every parameter into
     * it (see dq_param_desc_t) and hands it to callbacks as v->data. 0: no instance, and
     * no parameter but the population. */
    size_t data_size;
    /* Optional: derives what the equations need from the bound parameters (it may write
     * the instance, and allocate; population is the number of units). On failure returns a
     * negative DQ_E* code and writes a one-line reason to msg. */
    int (*create)(void *data, size_t population, char *msg, size_t msglen);
    /* Optional: releases what create allocated. The host frees the struct itself. */
    void (*destroy)(void *data);
    const char *time_unit; /* unit of t, e.g. "ms"; NULL when dimensionless */
    /* since ABI 2.3: not NULL for a cable model, whose compartments come from the run's
     * morphology (<dq/cable.h>). */
    const struct dq_cable_desc *cable;
} dq_model_desc_t;

/* Authoring macros; C only, like those of <dq/integrator.h> (which shows the C++ form). */
#define DQ_MODULE(ident, ...)                                                                      \
    static const dq_module_desc_t ident = {.abi = DQ_ABI_HEADER_INIT(dq_module_desc_t), __VA_ARGS__}

#define DQ_MODEL(ident, ...)                                                                       \
    static const dq_model_desc_t ident = {.abi = DQ_ABI_HEADER_INIT(dq_model_desc_t), __VA_ARGS__}

/* A NULL-terminated list of state names for .reads. */
#define DQ_READS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* The number of elements of a static array (for n_states and n_params). */
#define DQ_COUNT(a) (sizeof(a) / sizeof((a)[0]))

#ifdef __cplusplus
}
#endif

#endif
