/* SPDX-License-Identifier: MIT */
/* lif.c -- a population of leaky integrate-and-fire neurons tau_m V' = -(V - E_L) + R I, with
 * the reset V <- V_reset when V crosses V_th upward, then V held at V_reset for t_ref.
 * Time in ms, voltages in mV, R in MOhm and I in nA (so R I is in mV). From V_reset the
 * threshold is reached after tau_m ln((R I - (V_reset - E_L)) / (R I - (V_th - E_L))), so with
 * V_reset = E_L the interspike interval is t_ref + tau_m ln(R I / (R I - (V_th - E_L)));
 * below that gap the neuron never fires. The input I may differ per unit.
 * Noise: sigma > 0 makes it tau_m dV = (-(V - E_L) + R I) dt + sigma sqrt(tau_m) dW, so V's
 * diffusion is sigma / sqrt(tau_m) (additive) and sigma is the standard deviation V would
 * have without threshold. A deterministic solver gets no diffusion slot and runs the
 * equation without noise.
 *
 * Events (ABI 2.2), both DQ_EVENT_RESET: the host locates them inside the step, calls
 * handle_event there and restarts the solver (V' jumps at each: from the leak to 0, and back).
 *  - "spike" (V - V_th upward, a DQ_EVENT_SPIKE): V <- V_reset, spikes += 1 and, when
 *    t_ref > 0, the unit turns refractory until refractory_end = t + t_ref.
 *  - "refractory_end" (t - refractory_end upward, while refractory): the unit is free again.
 * While refractory, V' = 0 (and V's noise is 0): the right-hand side is constant over any
 * step, and the second event cuts the step at the end of the period, so the hold lasts t_ref
 * exactly in adaptive and fixed-step runs alike (a period that ended at a step's end would
 * let an adaptive step, which grows while V' = 0, overshoot it by up to the step).
 * State numbering: V 0 (integrated); spikes 1, refractory 2 (the time left: > 0 exactly while
 * refractory, refreshed at the end of every step) and refractory_end 3 (when the last
 * refractory period ends or ended; t0 before any) are aux states. */
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>

#include <dq/plugin.h>

enum { S_V, S_SPIKES, S_REFRACTORY, S_REFRACTORY_END };
enum { E_SPIKE, E_REFRACTORY_END };

typedef struct lif {
    double tau_m, E_L, R, V_th, V_reset, t_ref, V0;
    double n;            /* the population size; loops use the view's */
    const double *I;     /* one per unit, padded, indexed by unit0 + lane */
    const double *sigma; /* noise, one per unit like I */
} lif_t;

/* Checks what the parameter flags cannot say. */
static int lif_create(void *data, size_t population, char *msg, size_t msglen)
{
    (void)population;
    const lif_t *d = data;
    if (!(d->t_ref >= 0.0)) {
        snprintf(msg, msglen, "parameter 't_ref' must be >= 0, got %g", d->t_ref);
        return DQ_EINVAL;
    }
    /* At or above the threshold the spike event's function would not be negative after a
     * reset, so the unit could never cross upward again. */
    if (!(d->V_reset < d->V_th)) {
        snprintf(msg, msglen, "parameter 'V_reset' (%g mV) must be below 'V_th' (%g mV)",
                 d->V_reset, d->V_th);
        return DQ_EINVAL;
    }
    return DQ_OK;
}

static int lif_init(const dq_view_t *v)
{
    const lif_t *d = v->data;
    double *restrict V = v->value[S_V];
    double *restrict spikes = v->value[S_SPIKES];
    double *restrict refr = v->value[S_REFRACTORY];
    double *restrict refr_end = v->value[S_REFRACTORY_END];
    for (size_t i = 0; i < v->units; ++i) {
        V[i] = d->V0;
        spikes[i] = 0.0;
        refr[i] = 0.0;
        refr_end[i] = v->lane_t ? v->lane_t[i] : v->t;
    }
    return DQ_OK;
}

/* V's diffusion sigma / sqrt(tau_m), 0 while refractory like the drift, so that a held V
 * stays at V_reset. Only when the host keeps a slot for it (an SDE solver). */
static void lif_noise(const lif_t *d, const dq_view_t *v)
{
    double *restrict g = v->diffusion ? v->diffusion[S_V] : NULL;
    if (!g)
        return;
    const double *restrict refr = v->value[S_REFRACTORY];
    const double *restrict sigma = d->sigma + v->unit0;
    const double sqrt_tau = sqrt(d->tau_m);
    for (size_t i = 0; i < v->units; ++i)
        g[i] = refr[i] > 0.0 ? 0.0 : sigma[i] / sqrt_tau;
}

/* (-(V - E_L) + R I)/tau_m, and 0 while refractory: the refractory time left is the one at
 * the start of the step, the same for every stage of a multi-stage solver. */
static int lif_derivative(const dq_view_t *v)
{
    const lif_t *d = v->data;
    const double *restrict V = v->value[S_V];
    const double *restrict refr = v->value[S_REFRACTORY];
    const double *restrict I = d->I + v->unit0;
    double *restrict dV = v->derivative[S_V];
    const double tau_m = d->tau_m, E_L = d->E_L, R = d->R;
    for (size_t i = 0; i < v->units; ++i) {
        const double f = (-(V[i] - E_L) + R * I[i]) / tau_m;
        dV[i] = refr[i] > 0.0 ? 0.0 : f;
    }
    lif_noise(d, v);
    return DQ_OK;
}

/* After the solver's step (any step: an adaptive run's rejected tries too): the time left of
 * a refractory unit, refractory_end - t at the step's end. It never drops to 0 here, even
 * when the step went past refractory_end: only the "refractory_end" event, which the host
 * locates in that very step, frees the unit, at the period's end. So this pass changes no
 * integrated state and needs no DQ_MODULE_RESETS; rewriting the same step gives the same
 * value. */
static int lif_post(const dq_view_t *v)
{
    double *restrict refr = v->value[S_REFRACTORY];
    const double *restrict refr_end = v->value[S_REFRACTORY_END];
    const double *restrict lane_t = v->lane_t;
    const double t = v->t;
    for (size_t i = 0; i < v->units; ++i) {
        const double now = lane_t ? lane_t[i] : t;
        refr[i] = refr[i] > 0.0 ? fmax(refr_end[i] - now, DBL_MIN) : 0.0;
    }
    return DQ_OK;
}

/* Event functions: V - V_th, and for a refractory unit t - refractory_end (-1 ms for a free
 * one, so that nothing crosses while it is free). */
static int lif_event(const dq_view_t *v)
{
    const lif_t *d = v->data;
    const double *restrict V = v->value[S_V];
    const double *restrict refr = v->value[S_REFRACTORY];
    const double *restrict refr_end = v->value[S_REFRACTORY_END];
    const double *restrict lane_t = v->lane_t;
    double *restrict g_spike = v->event[E_SPIKE];
    double *restrict g_end = v->event[E_REFRACTORY_END];
    const double V_th = d->V_th, t = v->t;
    for (size_t i = 0; i < v->units; ++i) {
        const double now = lane_t ? lane_t[i] : t;
        g_spike[i] = V[i] - V_th;
        g_end[i] = refr[i] > 0.0 ? now - refr_end[i] : -1.0;
    }
    return DQ_OK;
}

/* At the located time of the fired lanes: the end of a refractory period frees the unit
 * (V is V_reset already; set again so that it is exact whatever the interpolant gave), a
 * spike resets V, counts, and holds the unit for t_ref when t_ref > 0. Both at once cannot
 * happen (a refractory unit sits below V_th), but would free, then spike. Selects instead
 * of branches, so the loop vectorises. */
static int lif_handle_event(const dq_view_t *v)
{
    const lif_t *d = v->data;
    double *restrict V = v->value[S_V];
    double *restrict spikes = v->value[S_SPIKES];
    double *restrict refr = v->value[S_REFRACTORY];
    double *restrict refr_end = v->value[S_REFRACTORY_END];
    const unsigned char *restrict spiked = v->fired[E_SPIKE];
    const unsigned char *restrict freed = v->fired[E_REFRACTORY_END];
    const double *restrict lane_t = v->lane_t;
    const double V_reset = d->V_reset, t_ref = d->t_ref, t = v->t;
    const int holds = t_ref > 0.0;
    for (size_t i = 0; i < v->units; ++i) {
        const double now = lane_t ? lane_t[i] : t;
        const int spike = spiked[i] != 0, end = freed[i] != 0;
        V[i] = spike || end ? V_reset : V[i];
        spikes[i] += spike ? 1.0 : 0.0;
        refr[i] = spike && holds ? t_ref : end ? 0.0 : refr[i];
        refr_end[i] = spike && holds ? now + t_ref : refr_end[i];
    }
    return DQ_OK;
}

/* dF/dV = -1/tau_m, or 0 while refractory. Only the V-V entry: the aux states have none. */
static void lif_jac_VV(const dq_view_t *v, double *restrict J)
{
    if (!J)
        return;
    const lif_t *d = v->data;
    const double *restrict refr = v->value[S_REFRACTORY];
    const double g = -1.0 / d->tau_m;
    for (size_t i = 0; i < v->units; ++i)
        J[i] = refr[i] > 0.0 ? 0.0 : g;
}

static int lif_jacobian(const dq_view_t *v)
{
    lif_jac_VV(v, v->jacobian[S_V * v->n_vars + S_V]);
    return DQ_OK;
}

static int lif_jacobian_diag(const dq_view_t *v)
{
    lif_jac_VV(v, v->jacobian_diag[S_V]);
    return DQ_OK;
}

static const dq_state_desc_t lif_states[] = {
    {.name = "V",
     .unit = "mV",
     .doc = "membrane potential",
     .flags = DQ_STATE_DIFFUSION | DQ_STATE_ADDITIVE},
    {.name = "spikes",
     .unit = NULL,
     .doc = "spikes emitted",
     .flags = DQ_STATE_AUX | DQ_STATE_COUNT},
    {.name = "refractory",
     .unit = "ms",
     .doc = "time left in the refractory period",
     .flags = DQ_STATE_AUX},
    {.name = "refractory_end",
     .unit = "ms",
     .doc = "when the last refractory period ends or ended (t0 before any)",
     .flags = DQ_STATE_AUX},
};

static const dq_event_desc_t lif_events[] = {
    {.name = "spike",
     .direction = DQ_EVENT_UP,
     .flags = DQ_EVENT_SPIKE | DQ_EVENT_RESET,
     .doc = "V crosses V_th upward: V = V_reset, refractory for t_ref"},
    {.name = "refractory_end",
     .direction = DQ_EVENT_UP,
     .flags = DQ_EVENT_RESET,
     .doc = "the refractory period is over: V is free again"},
};

DQ_MODULE(lif_root, .name = "lif", .parent = -1, .states = lif_states,
          .n_states = DQ_COUNT(lif_states), .init_state = lif_init,
          .compute_derivative = lif_derivative, .post_integral = lif_post, .jacobian = lif_jacobian,
          .jacobian_diag = lif_jacobian_diag, .events = lif_events,
          .n_events = DQ_COUNT(lif_events), .event = lif_event, .handle_event = lif_handle_event);

static const dq_param_desc_t lif_params[] = {
    {.name = "tau_m",
     .def = 10.0,
     .unit = "ms",
     .doc = "membrane time constant",
     .flags = DQ_PARAM_POSITIVE,
     .offset = offsetof(lif_t, tau_m)},
    {.name = "E_L",
     .def = -65.0,
     .unit = "mV",
     .doc = "leak reversal (resting) potential",
     .offset = offsetof(lif_t, E_L)},
    {.name = "R",
     .def = 10.0,
     .unit = "MOhm",
     .doc = "membrane resistance",
     .flags = DQ_PARAM_POSITIVE,
     .offset = offsetof(lif_t, R)},
    {.name = "I",
     .def = 2.0,
     .unit = "nA",
     .doc = "input current (one value or one per unit)",
     .flags = DQ_PARAM_PER_UNIT,
     .offset = offsetof(lif_t, I)},
    {.name = "sigma",
     .def = 0.0,
     .unit = "mV",
     .doc = "input noise: tau_m dV = (...) dt + sigma sqrt(tau_m) dW (one value or one per unit)",
     .flags = DQ_PARAM_PER_UNIT,
     .offset = offsetof(lif_t, sigma)},
    {.name = "V_th",
     .def = -50.0,
     .unit = "mV",
     .doc = "spike threshold",
     .offset = offsetof(lif_t, V_th)},
    {.name = "V_reset",
     .def = -65.0,
     .unit = "mV",
     .doc = "potential after a spike",
     .offset = offsetof(lif_t, V_reset)},
    {.name = "t_ref",
     .def = 2.0,
     .unit = "ms",
     .doc = "refractory period (>= 0)",
     .offset = offsetof(lif_t, t_ref)},
    {.name = "V0",
     .def = -65.0,
     .unit = "mV",
     .doc = "initial V(0)",
     .offset = offsetof(lif_t, V0)},
    {.name = "n",
     .def = 1.0,
     .unit = NULL,
     .doc = "population size (neurons)",
     .flags = DQ_PARAM_INTEGER | DQ_PARAM_POSITIVE | DQ_PARAM_POPULATION,
     .offset = offsetof(lif_t, n)},
};

DQ_MODEL(lif_desc, .name = "lif",
         .description = "Leaky integrate-and-fire neurons tau_m V' = -(V - E_L) + R I + sigma "
                        "sqrt(tau_m) xi(t); V crossing V_th resets V = V_reset, held for t_ref.",
         .params = lif_params, .n_params = DQ_COUNT(lif_params),
         .modules = DQ_LIST(dq_module_desc_t, &lif_root), .data_size = sizeof(lif_t),
         .create = lif_create, .time_unit = "ms");

DQ_PLUGIN_MODEL(lif_desc)
