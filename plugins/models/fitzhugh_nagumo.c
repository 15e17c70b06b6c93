/* SPDX-License-Identifier: MIT */
/* fitzhugh_nagumo.c -- FitzHugh-Nagumo neuron v' = v - v^3/3 - w + I, w' = (v + a - b w)/tau
 * (dimensionless). A population of n units; the input I may differ per unit. */
#include <stddef.h>
#include <stdio.h>

#include <dq/plugin.h>

enum { S_V, S_W };

typedef struct fitzhugh_nagumo {
    double a, b, tau;
    double v0, w0;
    double n;        /* the population size; loops use the view's */
    const double *I; /* one per unit, padded, indexed by unit0 + lane */
} fitzhugh_nagumo_t;

static int fitzhugh_nagumo_init(const dq_view_t *v)
{
    const fitzhugh_nagumo_t *d = v->data;
    double *restrict vm = v->value[S_V];
    double *restrict w = v->value[S_W];
    for (size_t i = 0; i < v->units; ++i) {
        vm[i] = d->v0;
        w[i] = d->w0;
    }
    return DQ_OK;
}

static int fitzhugh_nagumo_derivative(const dq_view_t *v)
{
    const fitzhugh_nagumo_t *d = v->data;
    const double *restrict vm = v->value[S_V];
    const double *restrict w = v->value[S_W];
    const double *restrict I = d->I + v->unit0;
    double *restrict dv = v->derivative[S_V];
    double *restrict dw = v->derivative[S_W];
    const double a = d->a, b = d->b, tau = d->tau;
    for (size_t i = 0; i < v->units; ++i) {
        dv[i] = vm[i] - vm[i] * vm[i] * vm[i] / 3.0 - w[i] + I[i];
        dw[i] = (vm[i] + a - b * w[i]) / tau;
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

/* 1 - v^2, the only entry that varies. */
static void jac_dv_dv(double *restrict J, size_t units, const double *restrict vm)
{
    if (!J)
        return;
    for (size_t i = 0; i < units; ++i)
        J[i] = 1.0 - vm[i] * vm[i];
}

#define JAC(v, r, c) ((v)->jacobian[(r) * (v)->n_vars + (c)])

/* [[1 - v^2, -1], [1/tau, -b/tau]]. */
static int fitzhugh_nagumo_jacobian(const dq_view_t *v)
{
    const fitzhugh_nagumo_t *d = v->data;
    jac_dv_dv(JAC(v, S_V, S_V), v->units, v->value[S_V]);
    jac_const(JAC(v, S_V, S_W), v->units, -1.0);
    jac_const(JAC(v, S_W, S_V), v->units, 1.0 / d->tau);
    jac_const(JAC(v, S_W, S_W), v->units, -d->b / d->tau);
    return DQ_OK;
}

static int fitzhugh_nagumo_jacobian_diag(const dq_view_t *v)
{
    const fitzhugh_nagumo_t *d = v->data;
    jac_dv_dv(v->jacobian_diag[S_V], v->units, v->value[S_V]);
    jac_const(v->jacobian_diag[S_W], v->units, -d->b / d->tau);
    return DQ_OK;
}

static const dq_state_desc_t fitzhugh_nagumo_states[] = {
    {.name = "v", .unit = NULL, .doc = "membrane potential (fast variable)"},
    {.name = "w", .unit = NULL, .doc = "recovery variable (slow)"},
};

DQ_MODULE(fitzhugh_nagumo_root, .name = "fitzhugh_nagumo", .parent = -1,
          .states = fitzhugh_nagumo_states, .n_states = DQ_COUNT(fitzhugh_nagumo_states),
          .init_state = fitzhugh_nagumo_init, .compute_derivative = fitzhugh_nagumo_derivative,
          .jacobian = fitzhugh_nagumo_jacobian, .jacobian_diag = fitzhugh_nagumo_jacobian_diag);

static const dq_param_desc_t fitzhugh_nagumo_params[] = {
    {.name = "a",
     .def = 0.7,
     .unit = NULL,
     .doc = "recovery offset",
     .offset = offsetof(fitzhugh_nagumo_t, a)},
    {.name = "b",
     .def = 0.8,
     .unit = NULL,
     .doc = "recovery damping",
     .offset = offsetof(fitzhugh_nagumo_t, b)},
    {.name = "tau",
     .def = 12.5,
     .unit = NULL,
     .doc = "recovery time scale",
     .flags = DQ_PARAM_POSITIVE,
     .offset = offsetof(fitzhugh_nagumo_t, tau)},
    {.name = "I",
     .def = 0.5,
     .unit = NULL,
     .doc = "external input (one value or one per unit)",
     .flags = DQ_PARAM_PER_UNIT,
     .offset = offsetof(fitzhugh_nagumo_t, I)},
    {.name = "v0",
     .def = -1.0,
     .unit = NULL,
     .doc = "initial v(0)",
     .offset = offsetof(fitzhugh_nagumo_t, v0)},
    {.name = "w0",
     .def = 1.0,
     .unit = NULL,
     .doc = "initial w(0)",
     .offset = offsetof(fitzhugh_nagumo_t, w0)},
    {.name = "n",
     .def = 1.0,
     .unit = NULL,
     .doc = "population size (units)",
     .flags = DQ_PARAM_INTEGER | DQ_PARAM_POSITIVE | DQ_PARAM_POPULATION,
     .offset = offsetof(fitzhugh_nagumo_t, n)},
};

DQ_MODEL(fitzhugh_nagumo_desc, .name = "fitzhugh_nagumo",
         .description = "FitzHugh-Nagumo neuron v' = v - v^3/3 - w + I, "
                        "w' = (v + a - b w)/tau.",
         .params = fitzhugh_nagumo_params, .n_params = DQ_COUNT(fitzhugh_nagumo_params),
         .modules = DQ_LIST(dq_module_desc_t, &fitzhugh_nagumo_root),
         .data_size = sizeof(fitzhugh_nagumo_t), .time_unit = NULL); /* dimensionless time */

DQ_PLUGIN_MODEL(fitzhugh_nagumo_desc)
