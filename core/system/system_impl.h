/* SPDX-License-Identifier: MIT */
/* system_impl.h -- the body of dq_system_t, shared by system.c (set-up) and driver.c
 * (stepping). */
#ifndef DQ_CORE_SYSTEM_IMPL_H
#define DQ_CORE_SYSTEM_IMPL_H

#include <dq/host/system.h>

#define DQ__DEFAULT_BLOCK_UNITS 256

typedef struct dq_system dq_system_t;

/* One integration group: a module with a solver (the root, or an independent
 * sub-module) with every state of its subtree except the subtrees of independent
 * descendants. Its states live in their own arena, cut into the system's blocks: block b
 * starts at b*m*block_units, and component k of unit u of that block is at k*units_b + u. */
typedef struct dq__group {
    dq_system_t *sys;
    size_t root;                  /* the module that owns the solver */
    const dq_integrator_entry_t *solver;
    unsigned substeps;            /* solver steps of dt/substeps per step */
    double *options;              /* [solver->n_options] */
    size_t *modules;              /* modules whose lifecycle this group runs, parents first */
    size_t n_modules;
    size_t *states;               /* model-wide indices of the integrated states */
    size_t m;                     /* number of them: components per unit */
    double *y, *f, *g;            /* arena slots; g NULL when every state is deterministic */
    size_t work_len;              /* the solver's work memory for the largest block */
    int analytic_jac;             /* every module with states has a jacobian callback */
    int analytic_diag;            /* ... a jacobian_diag callback */
    int fused_diag;               /* ... a compute_derivative_diag callback */
    int has_pre, has_post;        /* some module of the group has pre/post_integral */
} dq__group_t;

typedef struct dq__lane dq__lane_t;

/* What one lane needs to step one group: the solver's context (host_data points back
 * here), its work memory and the Jacobian scratch. */
typedef struct dq__lane_group {
    dq_ctx_t ctx;
    dq__group_t *group;
    dq__lane_t *lane;
    double *work;
    double *jac_y, *jac_f;        /* finite-difference scratch (m * block_units each) */
    double *jac_full;             /* a full analytic Jacobian read for its diagonal */
} dq__lane_group_t;

/* A lane steps a contiguous range of blocks; each thread owns one, so nothing a callback
 * touches is shared between threads. */
struct dq__lane {
    dq_system_t *sys;
    size_t b0, b1;                /* blocks [b0, b1) */
    size_t block;                 /* block being stepped */
    double **view_value;          /* [n_states] */
    double **view_derivative;     /* [n_states] */
    double **view_diffusion;      /* [n_states] */
    double **view_jac;            /* [n_states * n_states] */
    double **view_jac_diag;       /* [n_states] */
    dq_view_t view;
    char view_err[512];
    /* The view tables are complete for (view_group, view_block); a call for the same pair
     * only re-points the group's own states at the buffers it was given. */
    const dq__group_t *view_group;
    size_t view_block;
    dq__lane_group_t *lg;         /* [n_groups] */
    dq_error_t err;               /* scratch: the failure of the block being stepped */
    dq_error_t fail_err;          /* the lane's earliest failure (step, then block) */
    int failed;
    uint64_t fail_step;
    size_t fail_block;
    uint64_t run_from, run_steps; /* the job: steps [run_from, run_from + run_steps) */
};

struct dq_system {
    dq_model_desc_t model;        /* host-layout copy of the descriptor */
    dq_module_desc_t *modules;    /* host-layout copies, [n_modules], parents first */
    size_t n_modules;
    const dq_state_desc_t **states; /* [n_states], model-wide numbering */
    size_t *state_module;         /* [n_states] owning module */
    size_t n_states;

    double *param_store;          /* parameter values handed to create() */
    dq_param_value_t *params;     /* [model.n_params] */
    void *data;                   /* model instance */
    size_t units;                 /* population size */

    /* Solvers chosen per module: the root's always; a sub-module's makes it independent. */
    const dq_integrator_entry_t **mod_solver; /* [n_modules] */
    unsigned *mod_substeps;                   /* [n_modules], 0 = 1 */
    double *root_options;         /* the root solver's options as set by the user */

    dq_warn_fn warn;
    void *warn_user;

    /* Set by prepare. Groups are ordered children before parents; the root's is last. */
    dq__group_t *groups;
    size_t n_groups;
    int *state_group;             /* [n_states] group index, -1 for auxiliary states */
    size_t *state_comp;           /* [n_states] component within its group */
    double **aux;                 /* [n_states] full-population arrays of aux states */
    size_t block_units;
    size_t n_blocks;
    int prepared;

    size_t threads_wanted;        /* 0: one per core, as many as there are blocks to share */
    dq__lane_t *lanes;            /* [n_lanes]; lane 0 runs on the calling thread */
    size_t n_lanes;
    struct dq__pool *pool;        /* worker threads for lanes 1.., or NULL */

    double t0;
    double dt;
    uint64_t step;
};

/* Units in block b. */
size_t dq__system_block_len(const dq_system_t *sys, size_t b);
/* Points lane l's view tables at block b for group g: g's states read from y and write
 * derivatives to f (its arena block or a solver's stage buffers); other groups' states
 * point at their arenas, auxiliary states at their arrays. */
void dq__group_view(dq__lane_t *l, const dq__group_t *g, size_t b, const double *y, double *f);

/* Lanes and their worker threads (driver.c). */
int dq__lanes_start(dq_system_t *sys);
void dq__lanes_stop(dq_system_t *sys);

#endif
