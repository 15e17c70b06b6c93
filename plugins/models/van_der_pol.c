/* SPDX-License-Identifier: MIT */
/* van_der_pol.c -- Van der Pol oscillator x' = y, y' = mu (1 - x^2) y - x; stiff for large mu.
 * A population of n identical units. */
#include <stddef.h>

#include <dq/plugin.h>

enum { S_X, S_Y };

typedef struct van_der_pol {
    double mu;
    double x0, y0;
    double n; /* the population size; loops use the view's */
} van_der_pol_t;

static int van_der_pol_init(const dq_view_t *v)
{
    const van_der_pol_t *d = v->data;
    double *restrict x = v->value[S_X];
    double *restrict y = v->value[S_Y];
    for (size_t i = 0; i < v->units; ++i) {
        x[i] = d->x0;
        y[i] = d->y0;
    }
    return DQ_OK;
}

static int van_der_pol_derivative(const dq_view_t *v)
{
    const van_der_pol_t *d = v->data;
    const double *restrict x = v->value[S_X];
    const double *restrict y = v->value[S_Y];
    double *restrict dx = v->derivative[S_X];
    double *restrict dy = v->derivative[S_Y];
    const double mu = d->mu;
    for (size_t i = 0; i < v->units; ++i) {
        dx[i] = y[i];
        dy[i] = mu * (1.0 - x[i] * x[i]) * y[i] - x[i];
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

#define JAC(v, r, c) ((v)->jacobian[(r) * (v)->n_vars + (c)])

/* [[0, 1], [-2 mu x y - 1, mu (1 - x^2)]]. */
static int van_der_pol_jacobian(const dq_view_t *v)
{
    const van_der_pol_t *d = v->data;
    const double *restrict x = v->value[S_X];
    const double *restrict y = v->value[S_Y];
    const double mu = d->mu;
    jac_const(JAC(v, S_X, S_X), v->units, 0.0);
    jac_const(JAC(v, S_X, S_Y), v->units, 1.0);
    double *restrict jyx = JAC(v, S_Y, S_X);
    if (jyx)
        for (size_t i = 0; i < v->units; ++i)
            jyx[i] = -2.0 * mu * x[i] * y[i] - 1.0;
    double *restrict jyy = JAC(v, S_Y, S_Y);
    if (jyy)
        for (size_t i = 0; i < v->units; ++i)
            jyy[i] = mu * (1.0 - x[i] * x[i]);
    return DQ_OK;
}

static int van_der_pol_jacobian_diag(const dq_view_t *v)
{
    const van_der_pol_t *d = v->data;
    const double *restrict x = v->value[S_X];
    const double mu = d->mu;
    jac_const(v->jacobian_diag[S_X], v->units, 0.0);
    double *restrict jyy = v->jacobian_diag[S_Y];
    if (jyy)
        for (size_t i = 0; i < v->units; ++i)
            jyy[i] = mu * (1.0 - x[i] * x[i]);
    return DQ_OK;
}

static const dq_state_desc_t van_der_pol_states[] = {
    {.name = "x", .unit = NULL, .doc = "position"},
    {.name = "y", .unit = NULL, .doc = "velocity dx/dt"},
};

DQ_MODULE(van_der_pol_root, .name = "van_der_pol", .parent = -1, .states = van_der_pol_states,
          .n_states = DQ_COUNT(van_der_pol_states), .init_state = van_der_pol_init,
          .compute_derivative = van_der_pol_derivative, .jacobian = van_der_pol_jacobian,
          .jacobian_diag = van_der_pol_jacobian_diag);

static const dq_param_desc_t van_der_pol_params[] = {
    {.name = "mu",
     .def = 1.0,
     .unit = NULL,
     .doc = "nonlinear damping (stiff when large)",
     .offset = offsetof(van_der_pol_t, mu)},
    {.name = "x0",
     .def = 2.0,
     .unit = NULL,
     .doc = "initial position x(0)",
     .offset = offsetof(van_der_pol_t, x0)},
    {.name = "y0",
     .def = 0.0,
     .unit = NULL,
     .doc = "initial velocity y(0)",
     .offset = offsetof(van_der_pol_t, y0)},
    {.name = "n",
     .def = 1.0,
     .unit = NULL,
     .doc = "population size (independent units)",
     .flags = DQ_PARAM_INTEGER | DQ_PARAM_POSITIVE | DQ_PARAM_POPULATION,
     .offset = offsetof(van_der_pol_t, n)},
};

DQ_MODEL(van_der_pol_desc, .name = "van_der_pol",
         .description = "Van der Pol oscillator x' = y, y' = mu (1 - x^2) y - x.",
         .params = van_der_pol_params, .n_params = DQ_COUNT(van_der_pol_params),
         .modules = DQ_LIST(dq_module_desc_t, &van_der_pol_root),
         .data_size = sizeof(van_der_pol_t), .time_unit = NULL); /* dimensionless time */

DQ_PLUGIN_MODEL(van_der_pol_desc)
