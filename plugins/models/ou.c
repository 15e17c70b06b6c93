/* SPDX-License-Identifier: MIT */
/* ou.c -- the Ornstein-Uhlenbeck process dx = theta (mu - x) dt + sigma dW. The drift alone
 * is exact: mu + (x0 - mu) e^(-theta t); with noise the stationary law is
 * N(mu, sigma^2 / (2 theta)). x has additive noise (g = sigma does not depend on x), which
 * SDE solvers integrate (sra1 too; exp_euler_maruyama with the exact transition law) and a
 * deterministic solver ignores (the host warns). A population of n independent units. */
#include <stddef.h>

#include <dq/plugin.h>

enum { S_X };

typedef struct ou {
    double theta, mu, sigma, x0;
    double n; /* the population size; loops use the view's */
} ou_t;

static int ou_init(const dq_view_t *v)
{
    const ou_t *d = v->data;
    double *restrict x = v->value[S_X];
    for (size_t i = 0; i < v->units; ++i)
        x[i] = d->x0;
    return DQ_OK;
}

/* Drift theta (mu - x) into the derivative slot; sigma into the diffusion slot when the host
 * keeps one (NULL when the run has no use for noise). */
static int ou_derivative(const dq_view_t *v)
{
    const ou_t *d = v->data;
    const double *restrict x = v->value[S_X];
    double *restrict dx = v->derivative[S_X];
    double *restrict g = v->diffusion ? v->diffusion[S_X] : NULL;
    const double theta = d->theta, mu = d->mu, sigma = d->sigma;
    for (size_t i = 0; i < v->units; ++i)
        dx[i] = theta * (mu - x[i]);
    if (g)
        for (size_t i = 0; i < v->units; ++i)
            g[i] = sigma;
    return DQ_OK;
}

/* Of the drift: dF/dx = -theta, so exponential and implicit solvers are exact on it. */
static int ou_jacobian(const dq_view_t *v)
{
    const ou_t *d = v->data;
    double *restrict j = v->jacobian[S_X * v->n_vars + S_X];
    if (j)
        for (size_t i = 0; i < v->units; ++i)
            j[i] = -d->theta;
    return DQ_OK;
}

static int ou_jacobian_diag(const dq_view_t *v)
{
    const ou_t *d = v->data;
    double *restrict j = v->jacobian_diag[S_X];
    for (size_t i = 0; i < v->units; ++i)
        j[i] = -d->theta;
    return DQ_OK;
}

static const dq_state_desc_t ou_states[] = {
    {.name = "x",
     .unit = NULL,
     .doc = "the process",
     .flags = DQ_STATE_DIFFUSION | DQ_STATE_ADDITIVE},
};

DQ_MODULE(ou_root, .name = "ou", .parent = -1, .states = ou_states, .n_states = DQ_COUNT(ou_states),
          .init_state = ou_init, .compute_derivative = ou_derivative, .jacobian = ou_jacobian,
          .jacobian_diag = ou_jacobian_diag);

static const dq_param_desc_t ou_params[] = {
    {.name = "theta",
     .def = 1.0,
     .unit = "1/s",
     .doc = "mean-reversion rate",
     .offset = offsetof(ou_t, theta)},
    {.name = "mu", .def = 0.0, .unit = NULL, .doc = "long-run mean", .offset = offsetof(ou_t, mu)},
    {.name = "sigma",
     .def = 0.5,
     .unit = "1/sqrt(s)",
     .doc = "noise amplitude",
     .offset = offsetof(ou_t, sigma)},
    {.name = "x0",
     .def = 1.0,
     .unit = NULL,
     .doc = "initial value x(0)",
     .offset = offsetof(ou_t, x0)},
    {.name = "n",
     .def = 1.0,
     .unit = NULL,
     .doc = "population size (independent units)",
     .flags = DQ_PARAM_INTEGER | DQ_PARAM_POSITIVE | DQ_PARAM_POPULATION,
     .offset = offsetof(ou_t, n)},
};

DQ_MODEL(ou_desc, .name = "ou",
         .description = "Ornstein-Uhlenbeck process dx = theta (mu - x) dt + sigma dW "
                        "(drift exact: mu + (x0 - mu) e^(-theta t)).",
         .params = ou_params, .n_params = DQ_COUNT(ou_params),
         .modules = DQ_LIST(dq_module_desc_t, &ou_root), .data_size = sizeof(ou_t),
         .time_unit = "s");

DQ_PLUGIN_MODEL(ou_desc)
