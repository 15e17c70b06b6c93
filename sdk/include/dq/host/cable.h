/* SPDX-License-Identifier: MIT */
/* dq/host/cable.h -- running cable models (<dq/cable.h>): a model descriptor with `cable`
 * set, a morphology (<dq/host/morph.h>) and the run's cable settings make one system whose
 * units are cells of that morphology.
 *
 * State names. A cable system's states are per compartment: V of compartment c is "V[c]",
 * state s of a mechanism at compartment c is "s[c]" (the model's state name, e.g. "m[0]").
 * dq_system_state_index also accepts "V" (the root compartment, soma(0.5) for a cell with
 * a soma) and a location "V@dend[3](0.5)" or "m@soma(0.5)" (the compartment holding that
 * point, as dq_system_cable_locate finds it). Values, recording and events work as for any
 * system; the population is the number of cells. dq_system_value of a junction's V (a
 * zero-area node) is its constraint, the conductance-weighted mean of its neighbours' (plus
 * I_stim / sum g under a clamp), whatever value the solver carries there.
 *
 * Units: nA for stimuli, ms for their times, µF/cm², Ω·cm, mV (see <dq/cable.h>). */
#ifndef DQ_HOST_CABLE_H
#define DQ_HOST_CABLE_H

#include <stddef.h>

#include <dq/error.h>
#include <dq/export.h>
#include <dq/host/morph.h>
#include <dq/host/system.h>
#include <dq/model.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A current clamp (NEURON's IClamp): amp nA into the compartment at `at` (a location as
 * dq_system_cable_locate reads it) for delay <= t < delay + dur. */
typedef struct dq_cable_stim {
    const char *at; /* [borrowed: copied by dq_system_new_cable] */
    double delay, dur, amp;
} dq_cable_stim_t;

typedef struct dq_cable_opts {
    dq_morph_discret_t discret; /* the compartments (its Ra and cm also set the cable's) */
    /* The model's cable descriptor gives the defaults; NaN here keeps them. discret.Ra and
     * discret.cm are overwritten with the values used, so the d_lambda rule sees them. */
    double cm, Ra, v_init;
    const dq_cable_stim_t *stim; /* [borrowed: copied] */
    size_t n_stim;
} dq_cable_opts_t;

/* Defaults: dq_morph_discret_init, cm, Ra, v_init NaN (the model's), no stimuli. */
DQ_API void dq_cable_opts_init(dq_cable_opts_t *o);

/* A system of `population` cells (the model's population parameter among args, as in
 * dq_system_new) of the cable model `model` on morphology `morph`. Errors (DQ_EINVAL,
 * DQ_ESPEC with the field named): the model is not a cable model, a stimulus location that
 * names no section or an x outside [0, 1], a negative dur, a non-finite value.
 * dq_system_new refuses a cable model ("model 'cell' is a cable model: it needs a
 * morphology"). [owned: free with dq_system_free; morph is borrowed and may be freed after
 * the call] */
DQ_API dq_system_t *dq_system_new_cable(const dq_model_desc_t *model, const dq_param_arg_t *args,
                                        size_t n_args, const dq_morph_t *morph,
                                        const dq_cable_opts_t *opts, dq_error_t *err);

/* The compartments of a cable system, or NULL for any other system.
 * [borrowed: valid until dq_system_free] */
DQ_API const dq_morph_cable_t *dq_system_cable(const dq_system_t *sys);

/* The compartment holding a location: "soma(0.5)", "dend[3](1)", "soma" (= soma(0.5)), or
 * a compartment number "17". -1 with DQ_EINVAL and a message naming the location (and the
 * closest section name) when there is none. */
DQ_API long dq_system_cable_locate(const dq_system_t *sys, const char *where, dq_error_t *err);

#ifdef __cplusplus
}
#endif

#endif
