/* SPDX-License-Identifier: MIT */
/* izhikevich.c -- Izhikevich (2003) neuron v' = 0.04 v^2 + 5 v + 140 - u + I, u' = a (b v - u),
 * with the reset v <- c, u <- u + d when v crosses 30 mV upward. Time in ms. A population of n
 * units; the input I may differ per unit.
 * The reset is the "spike" event (ABI 2.2, DQ_EVENT_RESET): the host locates the crossing
 * inside the step (from the solver's continuous extension, or a cubic Hermite interpolant
 * between the step's ends), applies handle_event there and lets the unit go on from that
 * time, so spike times are not rounded to the step and v never goes past the peak into its
 * blow-up. */
#include <stddef.h>
#include <stdio.h>

#include <dq/plugin.h>

enum { S_V, S_U };
enum { E_SPIKE };

#define IZH_PEAK 30.0 /* mV: the spike cut-off */

typedef struct izhikevich {
    double a, b, c, d;
    double v0;
    double n;        /* the population size; loops use the view's */
    const double *I; /* one per unit, padded, indexed by unit0 + lane */
} izhikevich_t;

static int izhikevich_init(const dq_view_t *v)
{
    const izhikevich_t *d = v->data;
    double *restrict vm = v->value[S_V];
    double *restrict u = v->value[S_U];
    for (size_t i = 0; i < v->units; ++i) {
        vm[i] = d->v0;
        u[i] = d->b * d->v0;
    }
    return DQ_OK;
}

static int izhikevich_derivative(const dq_view_t *v)
{
    const izhikevich_t *d = v->data;
    const double *restrict vm = v->value[S_V];
    const double *restrict u = v->value[S_U];
    const double *restrict I = d->I + v->unit0;
    double *restrict dv = v->derivative[S_V];
    double *restrict du = v->derivative[S_U];
    const double a = d->a, b = d->b;
    for (size_t i = 0; i < v->units; ++i) {
        dv[i] = 0.04 * vm[i] * vm[i] + 5.0 * vm[i] + 140.0 - u[i] + I[i];
        du[i] = a * (b * vm[i] - u[i]);
    }
    return DQ_OK;
}

/* The spike's event function, v - 30 mV. */
static int izhikevich_event(const dq_view_t *v)
{
    const double *restrict vm = v->value[S_V];
    double *restrict g = v->event[E_SPIKE];
    for (size_t i = 0; i < v->units; ++i)
        g[i] = vm[i] - IZH_PEAK;
    return DQ_OK;
}

/* The reset of the lanes that spiked, at the located time: selects instead of branches so
 * the loop vectorises. */
static int izhikevich_handle_event(const dq_view_t *v)
{
    const izhikevich_t *d = v->data;
    double *restrict vm = v->value[S_V];
    double *restrict u = v->value[S_U];
    const unsigned char *restrict spiked = v->fired[E_SPIKE];
    const double c = d->c, dd = d->d;
    for (size_t i = 0; i < v->units; ++i) {
        const int spike = spiked[i] != 0;
        vm[i] = spike ? c : vm[i];
        u[i] += spike ? dd : 0.0;
    }
    return DQ_OK;
}

/* Entries the host left out (NULL: the state is integrated elsewhere) are skipped. */
static void jac_const(double *J, size_t units, double value)
{
    if (!J)
        return;
    for (size_t i = 0; i < units; ++i)
        J[i] = value;
}

/* 0.08 v + 5, the only entry that varies. */
static void jac_dv_dv(double *restrict J, size_t units, const double *restrict vm)
{
    if (!J)
        return;
    for (size_t i = 0; i < units; ++i)
        J[i] = 0.08 * vm[i] + 5.0;
}

#define JAC(v, r, c) ((v)->jacobian[(r) * (v)->n_vars + (c)])

/* Of the continuous part: [[0.08 v + 5, -1], [a b, -a]]. */
static int izhikevich_jacobian(const dq_view_t *v)
{
    const izhikevich_t *d = v->data;
    jac_dv_dv(JAC(v, S_V, S_V), v->units, v->value[S_V]);
    jac_const(JAC(v, S_V, S_U), v->units, -1.0);
    jac_const(JAC(v, S_U, S_V), v->units, d->a * d->b);
    jac_const(JAC(v, S_U, S_U), v->units, -d->a);
    return DQ_OK;
}

static int izhikevich_jacobian_diag(const dq_view_t *v)
{
    const izhikevich_t *d = v->data;
    jac_dv_dv(v->jacobian_diag[S_V], v->units, v->value[S_V]);
    jac_const(v->jacobian_diag[S_U], v->units, -d->a);
    return DQ_OK;
}

static const dq_state_desc_t izhikevich_states[] = {
    {.name = "v", .unit = "mV", .doc = "membrane potential"},
    {.name = "u", .unit = "mV/ms", .doc = "recovery variable"},
};

static const dq_event_desc_t izhikevich_events[] = {
    {.name = "spike",
     .direction = DQ_EVENT_UP,
     .flags = DQ_EVENT_SPIKE | DQ_EVENT_RESET,
     .doc = "v crosses 30 mV upward: v = c, u += d"},
};

DQ_MODULE(izhikevich_root, .name = "izhikevich", .parent = -1, .states = izhikevich_states,
          .n_states = DQ_COUNT(izhikevich_states), .init_state = izhikevich_init,
          .compute_derivative = izhikevich_derivative, .jacobian = izhikevich_jacobian,
          .jacobian_diag = izhikevich_jacobian_diag, .events = izhikevich_events,
          .n_events = DQ_COUNT(izhikevich_events), .event = izhikevich_event,
          .handle_event = izhikevich_handle_event);

static const dq_param_desc_t izhikevich_params[] = {
    {.name = "a",
     .def = 0.02,
     .unit = "1/ms",
     .doc = "recovery rate",
     .offset = offsetof(izhikevich_t, a)},
    {.name = "b",
     .def = 0.2,
     .unit = "1/ms",
     .doc = "sensitivity of u to v",
     .offset = offsetof(izhikevich_t, b)},
    {.name = "c",
     .def = -65.0,
     .unit = "mV",
     .doc = "reset potential after a spike",
     .offset = offsetof(izhikevich_t, c)},
    {.name = "d",
     .def = 8.0,
     .unit = "mV/ms",
     .doc = "jump of u after a spike",
     .offset = offsetof(izhikevich_t, d)},
    {.name = "I",
     .def = 10.0,
     .unit = "mV/ms",
     .doc = "input (one value or one per unit)",
     .flags = DQ_PARAM_PER_UNIT,
     .offset = offsetof(izhikevich_t, I)},
    {.name = "v0",
     .def = -65.0,
     .unit = "mV",
     .doc = "initial v(0); u(0) = b v0",
     .offset = offsetof(izhikevich_t, v0)},
    {.name = "n",
     .def = 1.0,
     .unit = NULL,
     .doc = "population size (neurons)",
     .flags = DQ_PARAM_INTEGER | DQ_PARAM_POSITIVE | DQ_PARAM_POPULATION,
     .offset = offsetof(izhikevich_t, n)},
};

DQ_MODEL(izhikevich_desc, .name = "izhikevich",
         .description = "Izhikevich neuron v' = 0.04 v^2 + 5 v + 140 - u + I, u' = a (b v - u); "
                        "v crossing 30 mV resets v = c, u += d.",
         .params = izhikevich_params, .n_params = DQ_COUNT(izhikevich_params),
         .modules = DQ_LIST(dq_module_desc_t, &izhikevich_root), .data_size = sizeof(izhikevich_t),
         .time_unit = "ms");

DQ_PLUGIN_MODEL(izhikevich_desc)
