/* SPDX-License-Identifier: MIT */
/* system_impl.h -- the body of dq_system_t: what set-up (core/system) builds and the step
 * loop (core/driver) reads. The driver never changes the layout; set-up never steps. */
#ifndef DQ_CORE_SYSTEM_IMPL_H
#define DQ_CORE_SYSTEM_IMPL_H

#include <dq/host/system.h>

#include "control.h"

#define DQ__DEFAULT_BLOCK_UNITS 256

typedef struct dq_system dq_system_t;

/* One module's variables, resolved once at set-up: its own states (model-wide indices),
 * then the states it reads. */
typedef struct dq__module_vars {
    size_t *vars; /* [n_vars] model-wide state indices */
    size_t n_own; /* own states: vars[0..n_own) */
    size_t n_vars;
} dq__module_vars_t;

/* One integration group: a module with a solver (the root, or an independent
 * sub-module) with every state of its subtree except the subtrees of independent
 * descendants. Its states live in their own arena, cut into the system's blocks: block b
 * starts at b*m*block_units, and component k of lane u of that block is at
 * k*lanes_b + u, lanes_b being the block's lane count (a multiple of DQ_LANES). */
typedef struct dq__group {
    dq_system_t *sys;
    size_t root; /* the module that owns the solver */
    const dq_integrator_entry_t *solver;
    unsigned substeps; /* solver steps of dt/substeps per step */
    double *options;   /* [solver->n_options] */
    size_t *modules;   /* modules whose lifecycle this group runs, parents first */
    size_t n_modules;
    size_t *states;    /* model-wide indices of the integrated states */
    size_t m;          /* number of them: components per unit */
    double *y, *f, *g; /* arena slots; g NULL when every state is deterministic or the
                          solver is not an SDE solver */
    /* SDE solvers: the noisy components, and the normals of the current group of four
     * noise-grid indices per block and draw ([draw][block][noisy comp][4][lanes];
     * driver/brownian.c). */
    size_t *noisy; /* [n_noisy] component indices with DQ_STATE_DIFFUSION */
    size_t n_noisy;
    int multiplicative;    /* some noisy state is not DQ_STATE_ADDITIVE */
    int analytic_gdiag;    /* every module with such states has diffusion_diag */
    double *noise;         /* 4 * n_noisy * capacity normals */
    uint64_t *noise_tag;   /* [n_blocks] counter + 1 of the normals held, 0 = none */
    double *state;         /* the solver's persistent per-unit state, or NULL */
    size_t scratch_len;    /* the solver's scratch for the largest block */
    int analytic_jac;      /* every module with states has a jacobian callback */
    int analytic_diag;     /* ... a jacobian_diag callback */
    int fused_diag;        /* ... a compute_derivative_diag callback */
    int has_pre, has_post; /* some module of the group has pre/post_integral */
    int resets;            /* some module of the group is DQ_MODULE_RESETS */
    /* Per module of the group, the variables that are the group's own states: the only
     * view entries that change between calls on one block (dq__module_view). */
    size_t *moving;     /* module-local variable indices, all modules in a row */
    size_t *moving_at;  /* [n_modules + 1] where module k's run starts */
    int lane_steps;     /* the solver is DQ_CAP_ADAPTIVE: it reads ctx->lane_dt */
    size_t *ev_modules; /* modules of the group with events, parents first */
    size_t n_ev_modules;
} dq__group_t;

/* Events, model-wide (driver/events.c). Event e belongs to module ev_module[e]; module i's
 * events are e = ev_first[i] .. ev_first[i] + n_events - 1. */
typedef struct dq__events {
    size_t n;
    size_t *module;               /* [n] */
    const dq_event_desc_t **desc; /* [n] */
    size_t *first;                /* [n_modules] */
    int handlers;                 /* some module with events has handle_event */
    double *gprev;                /* [n * capacity] each event function at the unit's time */
    uint64_t *fired;              /* [n * capacity] */
    unsigned char *pend;          /* [n * capacity] adaptive: fired at the pending event */
    /* Spikes taken out of the lanes, sorted, not yet handed out (dq_system_spikes_take). */
    dq_spike_t *pool;
    size_t pool_n, pool_at, pool_cap;
} dq__events_t;

/* Error-controlled stepping (driver/adaptive.c): per unit, capacity-long arrays. */
typedef struct dq__adaptive {
    int on;                  /* the root's adaptive solver controls its steps */
    dq__control_t ctl;       /* tolerances and controller constants */
    double *atol;            /* [m] of the root group */
    double *t;               /* where the unit is: its last step's end, or a pending event */
    double *t_last, *h_last; /* its last accepted step */
    double *h;               /* the next attempt */
    double *E_prev;          /* PI memory */
    double *theta_ev;        /* pending event: its fraction of the last step */
    unsigned char *pending;  /* an event handler is due before the next step */
    uint64_t *acc, *rej, *fev, *jac; /* statistics */
    double *yo;                      /* values at the current sample time, the root's layout */
} dq__adaptive_t;

typedef struct dq__lane dq__lane_t;
struct dq__cable;
struct dq__cable_scratch;

/* The module callbacks of one kind that a group runs (driver/host_api.c), for the fast
 * call: while the lane's tables are those of the block (the same view generation), a call
 * re-points only its modules' entries for the group's own states, and only when the
 * buffers changed, then calls the callbacks in a row. */
enum { DQ__CALL_PRE, DQ__CALL_DERIV, DQ__CALL_POST, DQ__CALL_EVENT, DQ__N_CALLS };
typedef struct dq__fast_call {
    size_t n;         /* modules called, in call order */
    size_t *mod;      /* [n] their indices */
    dq_module_fn *fn; /* [n] their callbacks */
    size_t *slot_at;  /* [3 n + 1]: module k's entries for values (from y) start at
                         slot_at[3k], for derivatives (f) at [3k + 1], diffusions (gd) at
                         [3k + 2] */
    double ***slot;   /* table entries for the group's states */
    size_t *comp;     /* the entry's component in the group */
    uint64_t gen;     /* the lane's view_gen when the slow path last gathered them all for the
                         block the context points at; 0: never */
} dq__fast_call_t;

/* What one lane needs to step one group: the solver's context (host_data points back
 * here), its scratch and the Jacobian scratch. */
typedef struct dq__lane_group {
    dq_ctx_t ctx;
    dq__group_t *group;
    dq__lane_t *lane;
    double *scratch;
    double *jac_y, *jac_f; /* finite-difference scratch (m * block_units each) */
    double *jac_full;      /* a full analytic Jacobian read for its diagonal */
    /* SDE solvers: finite-difference scratch for diffusion_diag (len each). */
    double *sde_y, *sde_f, *sde_g;
    unsigned substep; /* the substep being taken, 0 .. substeps - 1 (noise keying) */
    uint64_t n_eval;  /* derivative evaluations of the block (every unit) since reset */
    uint64_t n_jac;   /* Jacobian (or diagonal) evaluations, likewise */
    int deferred;     /* adaptive: the solver's pre/post_integral calls do nothing (the
                         driver runs them around the attempt) */
    int snap_start;   /* fixed steps: keep each step's start values for locating events */
    /* Per-lane steps and events (block_units-sized; NULL when unused). */
    double *lane_t, *lane_dt, *tview;                /* tview: the per-lane times a view shows */
    double *err, *E, *theta, *dense;                 /* error estimate, norms, interpolation */
    double *snap_y, *snap_f, *snap_state, *snap_aux; /* an attempt's starting point */
    double *fa, *fb, *ysave;  /* derivatives at a step's ends (Hermite), a saved block */
    unsigned char *act, *acc; /* lanes stepping, lanes accepted */
    unsigned char *need;      /* lanes an interpolant must fill */
    unsigned *rejects;        /* rejections in a row, per lane */
    size_t *ulist;            /* [2 * block_units] lists of lanes (the crossing ones, events.c) */
    const size_t *need_list;  /* when set, an interpolant's `need` lanes are among these */
    size_t n_need_list;
    double *gnew, *glo, *ghi, *tlo, *thi; /* event values and root brackets [n_ev * lanes] */
    unsigned char *cross;                 /* [n_ev * lanes] crossing in this step */
    signed char *side;                    /* [n_ev * lanes] Illinois: the side moved last */
    double *gmid;                         /* [n_ev * lanes] event values inside the step */
    unsigned char *fired;                 /* [n_ev * lanes] masks for handle_event */
    double **evp;                         /* [n_ev] view tables */
    const unsigned char **frp;            /* [n_ev] */
    dq__fast_call_t fast[DQ__N_CALLS];    /* pre, derivative, post, event */
} dq__lane_group_t;

/* A lane steps a contiguous range of blocks; each thread owns one, so nothing a callback
 * touches is shared between threads. */
struct dq__lane {
    dq_system_t *sys;
    size_t b0, b1; /* blocks [b0, b1) */
    size_t block;  /* block being stepped */
    /* Model-wide tables, re-pointed per call; modules see local gathers of them. */
    double **val, **der, **dif; /* [n_states] */
    double **jac;               /* [n_states * n_states], NULL outside jacobian calls */
    double **jdiag;             /* [n_states] */
    int jac_on, diag_on;        /* the current call fills jacobian / jacobian_diag */
    /* Per module: its view and the local tables it points at. */
    dq_view_t *mview;     /* [n_modules] */
    double **mtab;        /* all modules' local tables, cut per module */
    size_t *mtab_off;     /* [n_modules] offset of module i's tables in mtab */
    unsigned char *reset; /* [block_units] lanes a post_integral reset */
    char view_err[512];
    /* The model-wide tables are complete for (view_group, view_block); a call for the same
     * pair only re-points the group's own states at the buffers it was given. */
    const dq__group_t *view_group;
    size_t view_block;
    size_t view_unit0, view_lanes; /* of view_block */
    uint64_t view_gen;             /* bumped whenever the model-wide tables are rebuilt */
    uint64_t *mview_gen;           /* [n_modules] the tables each module view was gathered at */
    const double *view_y, *view_f; /* the group's buffers in the model-wide tables */
    const double *view_g;          /* ... and its diffusion buffer, or NULL */
    const double **mview_yf;       /* [3 * n_modules] the buffers each module view points at */
    double view_t, view_dt;
    uint64_t view_step;
    const double *view_lane_t; /* per-lane times of the view, or NULL */
    dq__lane_group_t *lg;      /* [n_groups] */
    dq_spike_t *spk;           /* spikes located by this lane, not yet taken */
    size_t n_spk, cap_spk;
    dq_spike_t *ahead; /* adaptive: events past the sample time, counted once it passes */
    size_t n_ahead, cap_ahead;
    dq_error_t err;      /* scratch: the failure of the block being stepped */
    dq_error_t fail_err; /* the lane's earliest failure (step, then block) */
    int failed;
    uint64_t fail_step;
    size_t fail_block;
    uint64_t run_from, run_steps;    /* the job: steps [run_from, run_from + run_steps) */
    struct dq__cable_scratch *cable; /* a cable system's scratch (core/cable), or NULL */
};

struct dq_system {
    dq_model_desc_t model;     /* host-layout copy of the descriptor */
    dq_module_desc_t *modules; /* host-layout copies, [n_modules], parents first */
    size_t n_modules;
    const dq_state_desc_t **states; /* [n_states], model-wide numbering */
    size_t *state_module;           /* [n_states] owning module */
    size_t n_states;
    dq__module_vars_t *mvars; /* [n_modules] */

    double **param_arrays; /* [n_params] host-owned per-unit arrays, or NULL */
    void *data;            /* model instance (data_size bytes), or NULL */
    int created;           /* create() succeeded: destroy() is due */
    size_t units;          /* population size */
    size_t capacity;       /* DQ_UNITS_PADDED(units): lanes in all blocks */

    /* Solvers chosen per module: the root's always; a sub-module's makes it independent. */
    const dq_integrator_entry_t **mod_solver; /* [n_modules] */
    unsigned *mod_substeps;                   /* [n_modules], 0 = 1 */
    double *root_options;                     /* the root solver's options as set by the user */
    uint64_t seed;
    size_t unit_offset;    /* the population's first unit in a larger one (noise, messages) */
    unsigned noise_refine; /* noise-grid intervals per (sub)step, >= 1 */
    dq_registry_t *reg;    /* the registry solvers were resolved in, or NULL (warnings) */
    /* Error control (adaptive runs; core/system/control_set.c). */
    dq_step_control_t ctl; /* as the user set it; 0 fields: defaults */
    double *state_atol;    /* [n_states] per-state absolute tolerance, 0 = ctl.atol */
    int fixed_step;        /* run an adaptive solver at fixed steps */

    dq_warn_fn warn;
    void *warn_user;

    /* Set by prepare. Groups are ordered children before parents; the root's is last. */
    dq__group_t *groups;
    size_t n_groups;
    int *state_group;   /* [n_states] group index, -1 for auxiliary states */
    size_t *state_comp; /* [n_states] component within its group */
    double **aux;       /* [n_states] capacity-long arrays of aux states */
    size_t block_units; /* lanes of a full block, a multiple of DQ_LANES */
    size_t n_blocks;
    int prepared;

    size_t threads_wanted; /* 0: one per core, as many as there are blocks to share */
    dq__lane_t *lanes;     /* [n_lanes]; lane 0 runs on the calling thread */
    size_t n_lanes;
    struct dq__pool *pool; /* worker threads for lanes 1.., or NULL */

    double t0;
    double dt;
    uint64_t step;

    dq__events_t ev;
    dq__adaptive_t ad;
    uint64_t *unit_acc, *unit_fev;         /* fixed steps: extra work of single units (event
                                              remainders), [capacity] */
    uint64_t *blk_acc, *blk_fev, *blk_jac; /* fixed steps: per block */
    /* A cable model expanded over its compartments (core/cable/cable_impl.h), or NULL. */
    struct dq__cable *cable;
};

/* ---- set-up (core/system) ---------------------------------------------------------- */

/* Structural checks of the descriptor; fills modules, states, mvars (model_check.c). */
int dq__system_check_model(dq_system_t *sys, const dq_model_desc_t *desc, dq_error_t *err);
/* Defaults, user values, the population, the instance struct (params.c). */
int dq__system_bind_params(dq_system_t *sys, const dq_param_arg_t *args, size_t n_args,
                           dq_error_t *err);
void dq__system_free_params(dq_system_t *sys);
/* Groups, arenas, per-unit solver state (layout.c). */
int dq__system_layout(dq_system_t *sys);
void dq__system_free_layout(dq_system_t *sys);
/* Which group root integrates module i: its own solver, or its nearest ancestor's. */
size_t dq__system_group_root(const dq_system_t *sys, size_t i);

/* Real units in block b, and lanes (real + padding, a multiple of DQ_LANES). Inline: the
 * driver asks at every dq_system_step. */
static inline size_t dq__block_live(const dq_system_t *sys, size_t b)
{
    size_t left = sys->units - b * sys->block_units;
    return left < sys->block_units ? left : sys->block_units;
}

static inline size_t dq__block_lanes(const dq_system_t *sys, size_t b)
{
    return DQ_UNITS_PADDED(dq__block_live(sys, b));
}

/* A state's value as the arena (or an adaptive run's sample) holds it; dq_system_value
 * without its checks, and without a cable junction's constraint (cable_system.c). */
double dq__system_stored_value(const dq_system_t *sys, size_t state, size_t unit);

/* 64-byte aligned, zeroed doubles (at least one); free with free(). NULL when out of
 * memory. */
double *dq__alloc_doubles(size_t n);

/* ---- views (core/system/view.c) ---------------------------------------------------- */

/* Points lane l's model-wide tables at block b for group g: g's states read from y and
 * write derivatives to f and diffusions to gd (its arena block or a solver's buffers; gd
 * NULL: no diffusion); other groups' states point at their arenas, auxiliary states at
 * their arrays. */
void dq__group_view(dq__lane_t *l, const dq__group_t *g, size_t b, const double *y, double *f,
                    double *gd);
/* Module i's view for the current tables: gathers its local value/derivative/diffusion
 * (and jacobian / jacobian_diag when on). g is the group being called and k the module's
 * position in it (g NULL: gather everything). [borrowed: valid until the next call] */
const dq_view_t *dq__module_view(dq__lane_t *l, size_t i, const dq__group_t *g, size_t k);
int dq__lane_views_init(dq__lane_t *l);
void dq__lane_views_free(dq__lane_t *l);

/* ---- stepping (core/driver) -------------------------------------------------------- */

int dq__lanes_start(dq_system_t *sys);
void dq__lanes_stop(dq_system_t *sys);
/* Runs the solvers' init on every block (after init_state). */
int dq__solvers_init(dq_system_t *sys, dq_error_t *err);
/* Events and error control, after the layout (driver/events.c, driver/adaptive.c). */
int dq__events_layout(dq_system_t *sys);
void dq__events_free(dq_system_t *sys);
int dq__adaptive_layout(dq_system_t *sys, dq_error_t *err);
void dq__adaptive_free(dq_system_t *sys);
/* After init_state: event functions at t0, and in adaptive runs each unit's first step
 * and the solver's init. */
int dq__adaptive_start(dq_system_t *sys, dq_error_t *err);
/* Says whether some live unit of group gi has a non-zero diffusion at the start, by one
 * evaluation per block on lane 0; fills *state with the first such state's index. */
int dq__driver_probe_diffusion(dq_system_t *sys, size_t gi, size_t *state);

#endif
