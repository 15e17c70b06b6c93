/* SPDX-License-Identifier: MIT */
/* dq/host/system.h -- the state model: one instance of a model with its solver(s).
 *
 * A system is built from a model descriptor and parameter values, given a solver, then
 * prepared: the states the solver integrates are laid out in one contiguous arena in
 * blocks of units (DESIGN.md), the solver's work vectors are allocated, and init_state
 * runs. After that, dq_system_step() allocates nothing. */
#ifndef DQ_HOST_SYSTEM_H
#define DQ_HOST_SYSTEM_H

#include <stddef.h>
#include <stdint.h>

#include <dq/host/registry.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dq_system dq_system_t;

/* Parameter values by name, for dq_system_new. */
typedef struct dq_param_arg {
    const char *name;
    const double *v;
    size_t len;        /* 1, or one value per unit for a DQ_PARAM_PER_UNIT parameter */
    const char *where; /* where the value came from, prefixed to messages (".params.tau",
                          "--param tau"); may be NULL */
} dq_param_arg_t;

/* Builds an instance of `model` (borrowed: must outlive the system). Parameters not given
 * keep their defaults. Errors: DQ_EINVAL naming an unknown parameter (with "did you
 * mean"), a wrong length, a non-integer or non-positive value; DQ_EDESC for an invalid
 * model descriptor; DQ_EMODEL when the model's create() fails.
 * [owned: free with dq_system_free] */
DQ_API dq_system_t *dq_system_new(const dq_model_desc_t *model, const dq_param_arg_t *args,
                                  size_t n_args, dq_error_t *err);
DQ_API void dq_system_free(dq_system_t *sys);

/* Sets the solver of the whole model (entry borrowed: must outlive the system). */
DQ_API int dq_system_set_solver(dq_system_t *sys, const dq_integrator_entry_t *solver,
                                dq_error_t *err);

/* Sets a solver option (after dq_system_set_solver, before prepare). Errors (DQ_EINVAL):
 * an unknown name (with "did you mean" and the list of options), a value outside the
 * option's range, a non-integer value for an integer option, a non-finite value. */
DQ_API int dq_system_set_solver_option(dq_system_t *sys, const char *name, double value,
                                       dq_error_t *err);

/* Gives sub-module `module` (by name) its own solver, braincell's IndependentIntegration:
 * its subtree's states leave the parent's integration and `solver` advances them with
 * `substeps` steps of dt/substeps per step (0 = keep the current count, default 1).
 * solver NULL keeps the model author's choice. `where` prefixes messages (may be NULL).
 * Errors: DQ_EINVAL for an unknown module (with "did you mean") or the root. */
DQ_API int dq_system_set_module_solver(dq_system_t *sys, const char *module,
                                       const dq_integrator_entry_t *solver, unsigned substeps,
                                       const char *where, dq_error_t *err);
/* Looks up, in reg, the solvers that model authors named for sub-modules the user did not
 * set. Errors: the registry's "Unknown integrator" message prefixed with the module. */
DQ_API int dq_system_resolve_solvers(dq_system_t *sys, dq_registry_t *reg, dq_error_t *err);
/* Receives warnings given while preparing (a diffusion coefficient the solver ignores). */
DQ_API void dq_system_set_warning_handler(dq_system_t *sys, dq_warn_fn fn, void *user);

/* Modules, in declaration order (0 is the root). */
DQ_API size_t dq_system_module_count(const dq_system_t *sys);
DQ_API const char *dq_system_module_name(const dq_system_t *sys, size_t module);
/* The solver advancing the module's states after prepare (its own, or its parent's), or
 * NULL before. [borrowed] */
DQ_API const dq_integrator_entry_t *dq_system_module_solver(const dq_system_t *sys, size_t module);
DQ_API unsigned dq_system_module_substeps(const dq_system_t *sys, size_t module);
/* True when the module has a solver of its own (braincell's IndependentIntegration). */
DQ_API int dq_system_module_is_independent(const dq_system_t *sys, size_t module);

/* Threads that step the population: 1 by default; 0 means one per core, but no more than
 * there are blocks to share (a thread gets at least 8 blocks), so one for small
 * populations. With more than one, model callbacks run concurrently on different blocks:
 * they must not write shared state outside their view. Results are the same bits for every
 * count: each thread steps whole blocks, and units are independent. Set before prepare. */
DQ_API int dq_system_set_threads(dq_system_t *sys, size_t threads, dq_error_t *err);
/* Threads used (after prepare). */
DQ_API size_t dq_system_threads(const dq_system_t *sys);

/* Block size in units (0 = the default, 256), rounded up to a multiple of DQ_LANES (8). A
 * unit's results are the same bits for every block size. Set before dq_system_prepare. */
DQ_API int dq_system_set_block_units(dq_system_t *sys, size_t units, dq_error_t *err);

/* The run's seed, handed to solvers in ctx->seed (0 by default). Set before prepare. */
DQ_API int dq_system_set_seed(dq_system_t *sys, uint64_t seed, dq_error_t *err);
/* Makes this system units first .. first + units - 1 of a larger population (one MPI rank's
 * share): the keyed noise and the units named in error messages are then the global ones,
 * so the slice's results are the same bits as those units' in the whole population. Every
 * other index of this API (values, stats, events, spikes) stays local. 0 by default; set
 * before prepare. Errors: DQ_EINVAL when first + units is past 2^32 (the noise counter). */
DQ_API int dq_system_set_unit_offset(dq_system_t *sys, size_t first, dq_error_t *err);
/* Noise-grid intervals per step (default 1): a step's Brownian increment is the exact sum
 * of `refine` increments over dt/refine, so a run at dt with refine M follows the same
 * path as a run at dt/M with refine 1 (dq/host/noise.h). For convergence studies; 1 to
 * 1 000 000, set before prepare. */
DQ_API int dq_system_set_noise_refine(dq_system_t *sys, unsigned refine, dq_error_t *err);
/* ---- error-controlled (adaptive) runs --------------------------------------------------
 *
 * A root solver that declares DQ_CAP_ADAPTIVE controls its own steps unless the run asks
 * for fixed steps: every unit keeps its own time, step size and controller state, dt
 * becomes the sampling interval (dq_system_step / dq_system_run advance to the next
 * sample time, and dq_system_value gives the values there, from the solver's continuous
 * extension). A unit's trajectory is the same bits for any block size, thread count and
 * population around it. The host's controller is a PI controller (Hairer & Wanner II,
 * IV.2; Gustafsson, Soderlind): with the weighted RMS norm
 *   E = sqrt(mean_k (err_k / (atol_k + rtol * max(|y0_k|, |y1_k|)))^2)
 * of each unit's error estimate, a step is accepted when E <= 1, and the next step is
 *   h * min(facmax, max(facmin, safety * E^-(0.7/q) * E_prev^(0.4/q)))
 * with q = error_order + 1, safety 0.9, facmin 0.2, facmax 10 (1 right after a rejection);
 * a rejected step retries with h * max(facmin, safety * E^(-1/q)). */
typedef struct dq_step_control {
    double rtol;          /* relative tolerance, > 0 (default 1e-6) */
    double atol;          /* absolute tolerance of every state without its own, > 0 (1e-8) */
    double h0;            /* first step; 0: chosen per unit (Hairer's starting-step rule) */
    double hmin;          /* smallest step before the run fails; 0: 1e-12 * max(|t|, dt) */
    double hmax;          /* largest step; 0: no limit */
    unsigned max_rejects; /* rejections of one step in a row before the run fails; 0: 50 */
} dq_step_control_t;

/* Sets the controller (fields 0 keep the defaults above). Set before prepare. Errors
 * (DQ_EINVAL): a tolerance <= 0 or not finite, a negative or non-finite h0/hmin/hmax,
 * hmin > hmax. Allowed for any solver; used only in adaptive runs. */
DQ_API int dq_system_set_step_control(dq_system_t *sys, const dq_step_control_t *c,
                                      dq_error_t *err);
/* The controller as the run uses it, defaults filled in (after prepare: hmax is +inf when
 * unlimited, hmin and h0 stay 0 when chosen by the host). Before prepare, the defaults for what
 * was not set. */
DQ_API int dq_system_get_step_control(const dq_system_t *sys, dq_step_control_t *out);
/* The absolute tolerance of one integrated state (by name; "did you mean" when unknown).
 * `where` prefixes messages (may be NULL). Set before prepare. */
DQ_API int dq_system_set_state_atol(dq_system_t *sys, const char *state, double atol,
                                    const char *where, dq_error_t *err);
/* Runs an adaptive solver at the fixed step dt (it then gives its declared order). */
DQ_API int dq_system_set_fixed_step(dq_system_t *sys, int fixed, dq_error_t *err);
/* After prepare: 1 when the run controls its steps (an adaptive solver, not fixed). */
DQ_API int dq_system_adaptive(const dq_system_t *sys);

/* Work done for one unit since prepare: accepted and rejected steps, derivative
 * evaluations (every F(t, y) of the unit, the starting-step rule and finite-difference
 * Jacobians included) and Jacobians a solver asked for (dq_jacobian, dq_jacobian_diag). In
 * fixed-step runs, accepted counts steps and rejected is 0. */
typedef struct dq_step_stats {
    uint64_t accepted, rejected, evaluations, jacobians;
} dq_step_stats_t;
DQ_API int dq_system_unit_stats(const dq_system_t *sys, size_t unit, dq_step_stats_t *out);

/* ---- events ---------------------------------------------------------------------------
 *
 * Events the model declares (dq_event_desc_t), numbered model-wide in module order. */
DQ_API size_t dq_system_event_count(const dq_system_t *sys);
/* [borrowed: the model's static data] */
DQ_API const char *dq_system_event_name(const dq_system_t *sys, size_t event);
DQ_API uint32_t dq_system_event_flags(const dq_system_t *sys, size_t event);
/* How often the event fired for the unit up to the current sample time (an adaptive step
 * past the sample time may have located later ones already: they count from the sample
 * that passes them). */
DQ_API uint64_t dq_system_event_fired(const dq_system_t *sys, size_t event, size_t unit);

/* One spike: an event with DQ_EVENT_SPIKE fired for `unit` at `t`. */
typedef struct dq_spike {
    double t;
    size_t unit;
    size_t event;
} dq_spike_t;
/* Spikes located since the last call are kept by the host (its buffers grow while a run
 * goes, by doubling) until taken: this moves up to `cap` of them into `out`, ordered by
 * time, then unit, then event, and returns how many it moved; call again until it returns
 * 0. Spikes come out only up to the current sample time (later ones, from a step that went
 * past it, stay for the next call). */
DQ_API size_t dq_system_spikes_take(dq_system_t *sys, dq_spike_t *out, size_t cap);

/* Lays out the arena, allocates work memory, runs init_state at t0. Requires a solver. */
DQ_API int dq_system_prepare(dq_system_t *sys, double t0, double dt, dq_error_t *err);

/* Advances every state by one step of dt. Allocates nothing. Within a step, block by block:
 * the groups of independent sub-modules first (deepest first, each from the same t, taking
 * its substeps), then the root's solver; each sees the latest values of the others. On
 * failure err names the solver, the state, the unit and t; the values are those of the
 * failed step. */
DQ_API int dq_system_step(dq_system_t *sys, dq_error_t *err);
/* Advances `steps` steps: the same as calling dq_system_step that often, but each thread
 * takes its blocks through all the steps while they are in cache. On failure err names
 * the earliest failing step (and block); the state is then partly advanced. */
DQ_API int dq_system_run(dq_system_t *sys, uint64_t steps, dq_error_t *err);

/* [borrowed] names of the model and of the root's solver (NULL before set_solver). */
DQ_API const char *dq_system_model_name(const dq_system_t *sys);
DQ_API const char *dq_system_solver_name(const dq_system_t *sys);
DQ_API double dq_system_dt(const dq_system_t *sys);
DQ_API double dq_system_time(const dq_system_t *sys);
DQ_API uint64_t dq_system_step_count(const dq_system_t *sys);
DQ_API size_t dq_system_units(const dq_system_t *sys);
DQ_API size_t dq_system_state_count(const dq_system_t *sys);
/* [borrowed: the model's static data] */
DQ_API const char *dq_system_state_name(const dq_system_t *sys, size_t state);
/* State index by name, or -1. */
DQ_API long dq_system_state_index(const dq_system_t *sys, const char *name);
/* The state's flags (enum dq_state_flags). */
DQ_API uint32_t dq_system_state_flags(const dq_system_t *sys, size_t state);
/* The model's time unit, or NULL. */
DQ_API const char *dq_system_time_unit(const dq_system_t *sys);
/* The value of `state` for `unit` (after prepare). */
DQ_API double dq_system_value(const dq_system_t *sys, size_t state, size_t unit);

#ifdef __cplusplus
}
#endif

#endif
