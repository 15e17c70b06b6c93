/* SPDX-License-Identifier: MIT */
/* decay.c -- exponential decay dy/dt = -y/tau (the seed's Decay), exact y0*exp(-t/tau).
 * A population of n independent units, all with the same tau and y0. */
#include <stddef.h>

#include <dq/plugin.h>
#include <dq/simd.h>

enum { S_Y };

typedef struct decay {
    double tau;
    double y0;
    double n; /* the population size; loops use the view's */
} decay_t;

static int decay_init(const dq_view_t *v)
{
    const decay_t *d = v->data;
    double *y = v->value[S_Y];
    for (size_t i = 0; i < v->units; ++i)
        y[i] = d->y0;
    return DQ_OK;
}

DQ_SIMD_CLONES static int decay_derivative(const dq_view_t *v)
{
    const decay_t *d = v->data;
    const double *restrict y = v->value[S_Y];
    double *restrict dy = v->derivative[S_Y];
    const double tau = d->tau;
    /* -y/tau, not y*(-1/tau): the seed computes it this way, and matching it to the last
     * bit lets a user compare dqhost with braincell value for value. */
    DQ_SIMD_LOOP
    for (size_t i = 0; i < v->units; ++i)
        dy[i] = -y[i] / tau;
    return DQ_OK;
}

/* dF/dy = -1/tau: exact, so exponential and implicit solvers are exact on this problem. */
static int decay_jacobian(const dq_view_t *v)
{
    const decay_t *d = v->data;
    double *restrict j = v->jacobian[S_Y * v->n_vars + S_Y];
    if (j)
        for (size_t i = 0; i < v->units; ++i)
            j[i] = -1.0 / d->tau;
    return DQ_OK;
}

static int decay_jacobian_diag(const dq_view_t *v)
{
    const decay_t *d = v->data;
    double *restrict j = v->jacobian_diag[S_Y];
    for (size_t i = 0; i < v->units; ++i)
        j[i] = -1.0 / d->tau;
    return DQ_OK;
}

static const dq_state_desc_t decay_states[] = {
    {.name = "y", .unit = NULL, .doc = "the decaying quantity"},
};

DQ_MODULE(decay_root, .name = "decay", .parent = -1, .states = decay_states,
          .n_states = DQ_COUNT(decay_states), .init_state = decay_init,
          .compute_derivative = decay_derivative, .jacobian = decay_jacobian,
          .jacobian_diag = decay_jacobian_diag);

static const dq_param_desc_t decay_params[] = {
    {.name = "tau",
     .def = 10.0,
     .unit = "s",
     .doc = "time constant",
     .flags = DQ_PARAM_POSITIVE,
     .offset = offsetof(decay_t, tau)},
    {.name = "y0",
     .def = 1.0,
     .unit = NULL,
     .doc = "initial value y(0)",
     .offset = offsetof(decay_t, y0)},
    {.name = "n",
     .def = 1.0,
     .unit = NULL,
     .doc = "population size (independent units)",
     .flags = DQ_PARAM_INTEGER | DQ_PARAM_POSITIVE | DQ_PARAM_POPULATION,
     .offset = offsetof(decay_t, n)},
};

DQ_MODEL(decay_desc, .name = "decay",
         .description = "Exponential decay dy/dt = -y/tau (exact: y0*exp(-t/tau)).",
         .params = decay_params, .n_params = DQ_COUNT(decay_params),
         .modules = DQ_LIST(dq_module_desc_t, &decay_root), .data_size = sizeof(decay_t),
         .time_unit = "s");

DQ_PLUGIN_MODEL(decay_desc)
