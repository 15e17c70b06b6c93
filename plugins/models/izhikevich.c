/* SPDX-License-Identifier: MIT */
/* izhikevich.c -- Izhikevich (2003) neuron v' = 0.04 v^2 + 5 v + 140 - u + I, u' = a (b v - u),
 * with the reset v <- c, u <- u + d where v >= 30 mV after a step. Time in ms. A population
 * of n units; the input I may differ per unit. */
#include <stdio.h>
#include <stdlib.h>

#include <dq/dq.h>

enum { P_A, P_B, P_C, P_D, P_I, P_V0, P_N, N_PARAMS };
enum { S_V, S_U, N_STATES };

#define IZH_PEAK 30.0 /* mV: the spike cut-off */

typedef struct izhikevich {
    double a, b, c, d;
    double v0;
    double I[]; /* one per unit, indexed by population index */
} izhikevich_t;

static int izhikevich_create(const dq_param_value_t *p, size_t *units, void **data, char *msg,
                             size_t msglen)
{
    const size_t n = (size_t)p[P_N].v[0];
    const dq_param_value_t *I = &p[P_I];
    /* Never read past a short array, whatever the host checked. */
    if (dq_param_check_units(I, n, "I", msg, msglen))
        return DQ_EINVAL;
    izhikevich_t *d = malloc(sizeof *d + n * sizeof d->I[0]);
    if (!d)
        return DQ_ENOMEM;
    d->a = p[P_A].v[0];
    d->b = p[P_B].v[0];
    d->c = p[P_C].v[0];
    d->d = p[P_D].v[0];
    d->v0 = p[P_V0].v[0];
    dq_param_spread(I, d->I, n);
    *units = n;
    *data = d;
    return DQ_OK;
}

static void izhikevich_destroy(void *data) { free(data); }

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

/* The reset, after the solver's step: selects instead of branches so the loop vectorises. */
static int izhikevich_post(const dq_view_t *v)
{
    const izhikevich_t *d = v->data;
    double *restrict vm = v->value[S_V];
    double *restrict u = v->value[S_U];
    const double c = d->c, dd = d->d;
    for (size_t i = 0; i < v->units; ++i) {
        const int spike = vm[i] >= IZH_PEAK;
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

#define JAC(v, r, c) ((v)->jacobian[(r) * N_STATES + (c)])

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

DQ_MODULE(izhikevich_root,
          .name = "izhikevich",
          .parent = -1,
          .states = izhikevich_states,
          .n_states = N_STATES,
          .init_state = izhikevich_init,
          .compute_derivative = izhikevich_derivative,
          .post_integral = izhikevich_post,
          .jacobian = izhikevich_jacobian,
          .jacobian_diag = izhikevich_jacobian_diag);

static const dq_param_desc_t izhikevich_params[] = {
    {.name = "a", .def = 0.02, .unit = "1/ms", .doc = "recovery rate"},
    {.name = "b", .def = 0.2, .unit = "1/ms", .doc = "sensitivity of u to v"},
    {.name = "c", .def = -65.0, .unit = "mV", .doc = "reset potential after a spike"},
    {.name = "d", .def = 8.0, .unit = "mV/ms", .doc = "jump of u after a spike"},
    {.name = "I", .def = 10.0, .unit = "mV/ms", .doc = "input (one value or one per unit)",
     .flags = DQ_PARAM_PER_UNIT},
    {.name = "v0", .def = -65.0, .unit = "mV", .doc = "initial v(0); u(0) = b v0"},
    {.name = "n", .def = 1.0, .unit = NULL, .doc = "population size (neurons)",
     .flags = DQ_PARAM_INTEGER | DQ_PARAM_POSITIVE},
};

DQ_MODEL(izhikevich_desc,
         .name = "izhikevich",
         .description = "Izhikevich neuron v' = 0.04 v^2 + 5 v + 140 - u + I, u' = a (b v - u); "
                        "v >= 30 mV resets v = c, u += d.",
         .params = izhikevich_params,
         .n_params = N_PARAMS,
         .modules = DQ_LIST(dq_module_desc_t, &izhikevich_root),
         .create = izhikevich_create,
         .destroy = izhikevich_destroy,
         .time_unit = "ms");

DQ_PLUGIN_MODEL(izhikevich_desc)
