/* SPDX-License-Identifier: MIT */
/* cable_impl.h -- a cable system's body (ABI 2.3, <dq/cable.h>): the compartments, the
 * mechanisms expanded over them, stimuli, and the numerics the driver calls instead of the
 * module callbacks when the system is a cable system.
 *
 * The expansion. A cable model's modules describe one compartment; the system holds the
 * states of all compartments as ordinary model-wide states (V[0..n-1], then each
 * mechanism's states state by state, compartment by compartment: the layout of dq/cable.h),
 * so the driver's groups, blocks, recording, events and threads work unchanged. Module 0
 * stays the root, but its view shows only V of the root compartment (its events see the
 * cell's soma); the mechanisms' callbacks are never called through the generic views: the
 * driver hands every derivative, diagonal and init_state of a cable system to this code,
 * which calls each mechanism once per block with lanes (compartment, cell). */
#ifndef DQ_CORE_CABLE_IMPL_H
#define DQ_CORE_CABLE_IMPL_H

#include <dq/cable.h>
#include <dq/host/cable.h>

#include "system_impl.h"

/* One mechanism: a module of the model other than the root. */
typedef struct dq__cable_mech {
    size_t module;         /* its index among the system's modules */
    dq_module_desc_t desc; /* the plugin's module (host layout): its callbacks */
    size_t n_own;          /* its states per compartment */
    size_t n_vars;         /* own states + reads */
    size_t *comps;         /* [n_mc] compartments it is present in, ascending */
    size_t n_mc;
    size_t first;            /* its first component (model-wide state index) */
    dq_state_desc_t *states; /* [n_own * n_mc] the expanded states */
    /* Per read r: the components a lane row k of the read comes from (src[r][k]), and
     * whether they are consecutive (then the view points into y, no gather). */
    size_t **src;
    int *src_run;
} dq__cable_mech_t;

typedef struct dq__cable_stim_in {
    size_t comp;
    double delay, dur, amp;
} dq__cable_stim_in_t;

typedef struct dq__cable {
    dq_morph_t *morph;    /* an owned copy (locations after creation) */
    dq_morph_cable_t *mc; /* the compartments */
    dq_cable_t pub;       /* what dq_cable(ctx) hands solvers */
    double *g_sum, *cap;  /* [n] */
    size_t *gate_comp;    /* [n_gates] */
    double cm, Ra, v_init;
    dq_state_desc_t *vstates; /* [n] "V[c]" */
    char *names;              /* the expanded state names, one block */
    dq__cable_mech_t *mech;   /* [n_mech] modules 1 .. */
    size_t n_mech;
    size_t max_mc;  /* largest n_mc */
    size_t max_own; /* largest n_own */
    size_t max_vars;
    /* Junctions (area 0): their neighbours, with the conductance to each. */
    size_t *junc;    /* [n_junc] compartments */
    size_t *junc_at; /* [n_junc + 1] where junction q's neighbours start */
    size_t *junc_nb; /* neighbours */
    double *junc_g;  /* their conductances */
    size_t n_junc;
    long *junc_of; /* [n] the junction index of each compartment, or -1 */
    /* Per compartment: the junction coupling it loses to the elimination on its diagonal,
     * sum over junction neighbours j of g_cj^2 / g_sum_j (µS). */
    double *junc_diag;
    dq__cable_stim_in_t *stim;
    size_t n_stim;
    long root; /* the root compartment */
} dq__cable_t;

/* Per-lane scratch, sized at prepare for the largest block: nothing a call allocates. */
typedef struct dq__cable_scratch {
    double *vg;        /* [max_vars][max_mc * lanes] gathered reads */
    double *cur, *cnd; /* [max_mc * lanes] a mechanism's densities */
    double *pert;      /* [max_mc * lanes] a perturbed row */
    double *mf;        /* [max_own * max_mc * lanes] a mechanism's perturbed derivatives */
    double *I, *G;     /* [n * lanes] membrane current, nA, and dI/dV, µS */
    double *S;         /* [n * lanes] stimulus current, nA */
    double *vw;        /* [n * lanes] V with the junctions' constraint values */
    double *yp, *fp;   /* [comps * lanes] a perturbed state, its derivatives */
    double *tle;       /* [max_mc * lanes] per-lane times per (compartment, cell) lane */
    double **tab;      /* value [max_vars], derivative, diffusion (NULL), diagonal [max_own] */
    dq_view_t view;
} dq__cable_scratch_t;

/* Builds the expansion of a validated cable model (sys->model read, nothing else set):
 * sys->modules, states, state_module, mvars, n_states and sys->cable. */
int dq__cable_build(dq_system_t *sys, const dq_morph_t *morph, const dq_cable_opts_t *opts,
                    dq_error_t *err);
/* Stimuli, after the parameters (they need only the cable). */
int dq__cable_stimuli(dq_system_t *sys, const dq_cable_opts_t *opts, dq_error_t *err);
void dq__cable_free(dq__cable_t *cb);
/* dq_system_value of a cable system: a junction's V is its constraint, the weighted mean of
 * its neighbours' (with a clamp there, plus I_stim/sum g), whatever value the solver carried
 * (an explicit solver carries exactly that; a per-state exponential one drifts from it). */
double dq__cable_value(const dq_system_t *sys, size_t state, size_t unit);
/* A cable system's state index for "V", "V@loc", "m@loc", or -1. */
long dq__cable_state_index(const dq_system_t *sys, const char *name);

/* Per-lane scratch. */
dq__cable_scratch_t *dq__cable_scratch_new(const dq_system_t *sys, dq__lane_t *l);
void dq__cable_scratch_free(dq__cable_scratch_t *s);

/* The numerics (cable_eval.c). units: the block's lanes; y, f: the block's vectors (the
 * root group's layout, which is the cable layout); t: the time, or with tl the lanes'
 * times. They return DQ_OK or a DQ_E* code with the failure in l->err. */
typedef struct dq__cable_call {
    dq__lane_t *l;
    size_t unit0, units;
    double t, dt;
    uint64_t step;
    const double *tl; /* [units] per-lane times, or NULL */
} dq__cable_call_t;

/* f = F(t, y), the explicit form (junctions eliminated); d (may be NULL) its diagonal. */
int dq__cable_derivative(const dq__cable_call_t *c, const double *y, double *f, double *d);
/* The mass-matrix pieces (dq/cable.h). */
int dq__cable_membrane(const dq__cable_call_t *c, const double *y, double *i, double *g);
int dq__cable_gates(const dq__cable_call_t *c, const double *y, double *f, double *d);
int dq__cable_couplings(const dq__cable_call_t *c, const double *y, double *e, double *q);
/* init_state of a block: V = v_init everywhere, then the mechanisms' init_state. */
int dq__cable_init(const dq__cable_call_t *c, double *y);

#endif
