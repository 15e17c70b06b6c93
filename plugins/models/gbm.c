/* SPDX-License-Identifier: MIT */
/* gbm.c -- geometric Brownian motion dX = a X dt + b X dW, multiplicative noise (g = b X
 * depends on X, so x is DQ_STATE_DIFFUSION without DQ_STATE_ADDITIVE). Read as Ito, the exact
 * solution along the path is X(t) = x0 exp((a - b^2/2) t + b W(t)), with mean x0 e^(a t) and
 * variance x0^2 e^(2 a t) (e^(b^2 t) - 1); read as Stratonovich, x0 exp(a t + b W(t)). The
 * strong-order test problem of SDE solvers. A population of n independent units. */
#include <stddef.h>

#include <dq/plugin.h>
#include <dq/simd.h>

enum { S_X };

typedef struct gbm {
    double a, b, x0;
    double n; /* the population size; loops use the view's */
} gbm_t;

static int gbm_init(const dq_view_t *v)
{
    const gbm_t *d = v->data;
    double *restrict x = v->value[S_X];
    for (size_t i = 0; i < v->units; ++i)
        x[i] = d->x0;
    return DQ_OK;
}

/* Drift a x; diffusion b x when the host keeps a diffusion slot (an SDE solver). */
static int gbm_derivative(const dq_view_t *v)
{
    const gbm_t *d = v->data;
    const double *restrict x = v->value[S_X];
    double *restrict dx = v->derivative[S_X];
    double *restrict g = v->diffusion ? v->diffusion[S_X] : NULL;
    const double a = d->a, b = d->b;
    DQ_SIMD_LOOP
    for (size_t i = 0; i < v->units; ++i)
        dx[i] = a * x[i];
    if (g) {
        DQ_SIMD_LOOP
        for (size_t i = 0; i < v->units; ++i)
            g[i] = b * x[i];
    }
    return DQ_OK;
}

/* dF/dx = a, exact: exponential solvers integrate the drift exactly. */
static int gbm_jacobian(const dq_view_t *v)
{
    const gbm_t *d = v->data;
    double *restrict j = v->jacobian[S_X * v->n_vars + S_X];
    if (j)
        for (size_t i = 0; i < v->units; ++i)
            j[i] = d->a;
    return DQ_OK;
}

static int gbm_jacobian_diag(const dq_view_t *v)
{
    const gbm_t *d = v->data;
    double *restrict j = v->jacobian_diag[S_X];
    for (size_t i = 0; i < v->units; ++i)
        j[i] = d->a;
    return DQ_OK;
}

/* dg/dx = b, for Milstein's correction b^2 x (dW^2 - h)/2. */
static int gbm_diffusion_diag(const dq_view_t *v)
{
    const gbm_t *d = v->data;
    double *restrict j = v->jacobian_diag[S_X];
    if (j)
        for (size_t i = 0; i < v->units; ++i)
            j[i] = d->b;
    return DQ_OK;
}

static const dq_state_desc_t gbm_states[] = {
    {.name = "x", .unit = NULL, .doc = "the process", .flags = DQ_STATE_DIFFUSION},
};

DQ_MODULE(gbm_root, .name = "gbm", .parent = -1, .states = gbm_states,
          .n_states = DQ_COUNT(gbm_states), .init_state = gbm_init,
          .compute_derivative = gbm_derivative, .jacobian = gbm_jacobian,
          .jacobian_diag = gbm_jacobian_diag, .diffusion_diag = gbm_diffusion_diag);

static const dq_param_desc_t gbm_params[] = {
    {.name = "a", .def = 1.0, .unit = "1/s", .doc = "drift rate", .offset = offsetof(gbm_t, a)},
    {.name = "b",
     .def = 0.5,
     .unit = "1/sqrt(s)",
     .doc = "volatility",
     .offset = offsetof(gbm_t, b)},
    {.name = "x0",
     .def = 1.0,
     .unit = NULL,
     .doc = "initial value x(0)",
     .offset = offsetof(gbm_t, x0)},
    {.name = "n",
     .def = 1.0,
     .unit = NULL,
     .doc = "population size (independent units)",
     .flags = DQ_PARAM_INTEGER | DQ_PARAM_POSITIVE | DQ_PARAM_POPULATION,
     .offset = offsetof(gbm_t, n)},
};

DQ_MODEL(gbm_desc, .name = "gbm",
         .description = "Geometric Brownian motion dx = a x dt + b x dW (Ito: exact "
                        "x0 exp((a - b^2/2) t + b W(t)), mean x0 e^(a t)).",
         .params = gbm_params, .n_params = DQ_COUNT(gbm_params),
         .modules = DQ_LIST(dq_module_desc_t, &gbm_root), .data_size = sizeof(gbm_t),
         .time_unit = "s");

DQ_PLUGIN_MODEL(gbm_desc)
