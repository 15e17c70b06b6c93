/* SPDX-License-Identifier: MIT */
/* lif.c -- a population of leaky integrate-and-fire neurons tau_m V' = -(V - E_L) + R I, with
 * the reset V <- V_reset where V >= V_th after a step, then V held at V_reset for t_ref.
 * Time in ms, voltages in mV, R in MOhm and I in nA (so R I is in mV). From V_reset = E_L
 * with R I > V_th - E_L the interspike interval is t_ref + tau_m ln(R I / (R I - (V_th - E_L)));
 * below that gap the neuron never fires. The input I may differ per unit.
 * Noise: sigma > 0 makes it tau_m dV = (-(V - E_L) + R I) dt + sigma sqrt(tau_m) dW, so V's
 * diffusion is sigma / sqrt(tau_m) (additive) and sigma is the standard deviation V would
 * have without threshold. A deterministic solver gets no diffusion slot and runs the
 * equation without noise.
 * State numbering: V 0 (integrated), spikes 1 and refractory 2 (aux, kept by post_integral). */
#include <math.h>
#include <stddef.h>
#include <stdio.h>

#include <dq/plugin.h>

enum { S_V, S_SPIKES, S_REFRACTORY };

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
    /* At or above the threshold a reset would fire again at once, every step. */
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
    for (size_t i = 0; i < v->units; ++i) {
        V[i] = d->V0;
        spikes[i] = 0.0;
        refr[i] = 0.0;
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

/* After the solver's step. A refractory unit is held at V_reset and its time left drops by
 * dt; a free unit at or above V_th spikes: V <- V_reset, spikes += 1, refractory <- t_ref.
 * The time left is snapped to 0 when within a rounding error of it, so that t_ref = k dt
 * holds V for exactly k steps although k subtractions of dt need not reach 0 exactly.
 * A lane is marked reset where V jumps and where the refractory period ends: at both, the
 * right-hand side jumps (between 0 and the leak), so a solver's memory of it is stale.
 * Selects instead of branches, so the loop vectorises. */
static int lif_post(const dq_view_t *v)
{
    const lif_t *d = v->data;
    double *restrict V = v->value[S_V];
    double *restrict spikes = v->value[S_SPIKES];
    double *restrict refr = v->value[S_REFRACTORY];
    unsigned char *restrict reset = v->reset;
    const double V_th = d->V_th, V_reset = d->V_reset, t_ref = d->t_ref, dt = v->dt;
    const double eps = 1e-9 * dt;
    for (size_t i = 0; i < v->units; ++i) {
        const int held = refr[i] > 0.0;
        const int spike = !held && V[i] >= V_th;
        const double left = refr[i] - dt;
        const double V_new = held || spike ? V_reset : V[i];
        const int ends = held && !(left > eps);
        if (reset)
            reset[i] |= (unsigned char)(spike || ends || V_new != V[i]);
        V[i] = V_new;
        spikes[i] += spike ? 1.0 : 0.0;
        refr[i] = spike ? t_ref : held ? (left > eps ? left : 0.0) : 0.0;
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
};

DQ_MODULE(lif_root, .name = "lif", .parent = -1, .flags = DQ_MODULE_RESETS, .states = lif_states,
          .n_states = DQ_COUNT(lif_states), .init_state = lif_init,
          .compute_derivative = lif_derivative, .post_integral = lif_post, .jacobian = lif_jacobian,
          .jacobian_diag = lif_jacobian_diag);

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
                        "sqrt(tau_m) xi(t); V >= V_th resets V = V_reset, held for t_ref.",
         .params = lif_params, .n_params = DQ_COUNT(lif_params),
         .modules = DQ_LIST(dq_module_desc_t, &lif_root), .data_size = sizeof(lif_t),
         .create = lif_create, .time_unit = "ms");

DQ_PLUGIN_MODEL(lif_desc)
