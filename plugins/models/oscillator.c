/* SPDX-License-Identifier: MIT */
/* oscillator.c -- harmonic oscillator x' = v, v' = -omega^2 x (the seed's), exact
 * x = x0 cos(omega t) + v0/omega sin(omega t). A population of n identical units. */
#include <stddef.h>

#include <dq/plugin.h>

enum { S_X, S_V };

typedef struct oscillator {
    double omega, x0, v0;
    double n;      /* the population size; loops use the view's */
    double omega2; /* omega^2, the only form the equations use (derived by create) */
} oscillator_t;

/* The equations use omega only squared. */
static int oscillator_create(void *data, size_t population, char *msg, size_t msglen)
{
    (void)population;
    (void)msg;
    (void)msglen;
    oscillator_t *d = data;
    d->omega2 = d->omega * d->omega;
    return DQ_OK;
}

static int oscillator_init(const dq_view_t *v)
{
    const oscillator_t *d = v->data;
    double *restrict x = v->value[S_X];
    double *restrict vel = v->value[S_V];
    for (size_t i = 0; i < v->units; ++i) {
        x[i] = d->x0;
        vel[i] = d->v0;
    }
    return DQ_OK;
}

static int oscillator_derivative(const dq_view_t *v)
{
    const oscillator_t *d = v->data;
    const double *restrict x = v->value[S_X];
    const double *restrict vel = v->value[S_V];
    double *restrict dx = v->derivative[S_X];
    double *restrict dv = v->derivative[S_V];
    const double w2 = d->omega2;
    for (size_t i = 0; i < v->units; ++i) {
        dx[i] = vel[i];
        dv[i] = -w2 * x[i];
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

/* Constant: [[0, 1], [-omega^2, 0]]. */
static int oscillator_jacobian(const dq_view_t *v)
{
    const oscillator_t *d = v->data;
    jac_const(JAC(v, S_X, S_X), v->units, 0.0);
    jac_const(JAC(v, S_X, S_V), v->units, 1.0);
    jac_const(JAC(v, S_V, S_X), v->units, -d->omega2);
    jac_const(JAC(v, S_V, S_V), v->units, 0.0);
    return DQ_OK;
}

static int oscillator_jacobian_diag(const dq_view_t *v)
{
    jac_const(v->jacobian_diag[S_X], v->units, 0.0);
    jac_const(v->jacobian_diag[S_V], v->units, 0.0);
    return DQ_OK;
}

static const dq_state_desc_t oscillator_states[] = {
    {.name = "x", .unit = NULL, .doc = "position"},
    {.name = "v", .unit = "1/s", .doc = "velocity dx/dt"},
};

DQ_MODULE(oscillator_root, .name = "oscillator", .parent = -1, .states = oscillator_states,
          .n_states = DQ_COUNT(oscillator_states), .init_state = oscillator_init,
          .compute_derivative = oscillator_derivative, .jacobian = oscillator_jacobian,
          .jacobian_diag = oscillator_jacobian_diag);

static const dq_param_desc_t oscillator_params[] = {
    {.name = "omega",
     .def = 1.0,
     .unit = "rad/s",
     .doc = "angular frequency",
     .offset = offsetof(oscillator_t, omega)},
    {.name = "x0",
     .def = 1.0,
     .unit = NULL,
     .doc = "initial position x(0)",
     .offset = offsetof(oscillator_t, x0)},
    {.name = "v0",
     .def = 0.0,
     .unit = "1/s",
     .doc = "initial velocity v(0)",
     .offset = offsetof(oscillator_t, v0)},
    {.name = "n",
     .def = 1.0,
     .unit = NULL,
     .doc = "population size (independent units)",
     .flags = DQ_PARAM_INTEGER | DQ_PARAM_POSITIVE | DQ_PARAM_POPULATION,
     .offset = offsetof(oscillator_t, n)},
};

DQ_MODEL(oscillator_desc, .name = "oscillator",
         .description = "Harmonic oscillator x' = v, v' = -omega^2 x (exact: x0 cos(omega t) "
                        "+ v0/omega sin(omega t)).",
         .params = oscillator_params, .n_params = DQ_COUNT(oscillator_params),
         .modules = DQ_LIST(dq_module_desc_t, &oscillator_root), .data_size = sizeof(oscillator_t),
         .create = oscillator_create, .time_unit = "s");

DQ_PLUGIN_MODEL(oscillator_desc)
