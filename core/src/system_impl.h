/* SPDX-License-Identifier: MIT */
/* system_impl.h -- the body of dq_system_t, shared by system.c (set-up) and driver.c
 * (stepping). */
#ifndef DQ_CORE_SYSTEM_IMPL_H
#define DQ_CORE_SYSTEM_IMPL_H

#include <dq/host/system.h>

#define DQ__DEFAULT_BLOCK_UNITS 256

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

    const dq_integrator_entry_t *solver;
    double *options;              /* [solver->n_options] values, defaults first */

    /* Layout: the population is cut into blocks of block_units units (the last may be
     * shorter). Block b starts at b * m * block_units; inside it component k of unit u is
     * at k * units_b + u, so each block is one flat vector of m * units_b doubles. */
    size_t m;                     /* components per unit: the integrated states */
    size_t block_units;
    size_t n_blocks;
    double *y;                    /* values */
    double *f;                    /* derivatives */
    double *g;                    /* diffusion, NULL when every state is deterministic */
    double *work;                 /* the solver's work memory for the largest block */
    size_t work_len;
    int prepared;

    /* The views handed to module callbacks; the pointer tables are rewritten per call. */
    double **view_value;          /* [n_states] */
    double **view_derivative;     /* [n_states] */
    double **view_diffusion;      /* [n_states] */
    double **view_jac;            /* [n_states * n_states], for jacobian callbacks */
    double **view_jac_diag;       /* [n_states], for jacobian_diag callbacks */
    int analytic_jac;             /* every module with states has a jacobian callback */
    int analytic_diag;            /* ... a jacobian_diag callback */
    double *jac_y;                /* finite-difference scratch: perturbed values (m*B) */
    double *jac_f;                /* ... and their derivatives (m*B) */
    double *jac_full;             /* m*m*B: a full analytic Jacobian read for its diagonal */
    dq_view_t view;
    char view_err[512];

    dq_ctx_t ctx;
    size_t block;                 /* block being stepped */
    dq_error_t *step_err;         /* where host callbacks report during a step */

    double t0;
    double dt;
    uint64_t step;
};

/* Units in block b. */
size_t dq__system_block_len(const dq_system_t *sys, size_t b);
/* Points the view's pointer tables at block b, with values read from y and derivatives
 * written to f (the block's arena memory or a solver's stage buffers). */
void dq__system_view_block(dq_system_t *sys, size_t b, const double *y, double *f);

#endif
