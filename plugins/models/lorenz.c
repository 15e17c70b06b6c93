/* SPDX-License-Identifier: MIT */
/* lorenz.c -- Lorenz system x' = sigma (y - x), y' = x (rho - z) - y, z' = x y - beta z
 * (chaotic for the defaults). A population of n identical units. */
#include <stddef.h>

#include <dq/plugin.h>
#include <dq/simd.h>

enum { S_X, S_Y, S_Z };

typedef struct lorenz {
    double sigma, rho, beta;
    double x0, y0, z0;
    double n; /* the population size; loops use the view's */
} lorenz_t;

static int lorenz_init(const dq_view_t *v)
{
    const lorenz_t *d = v->data;
    double *restrict x = v->value[S_X];
    double *restrict y = v->value[S_Y];
    double *restrict z = v->value[S_Z];
    for (size_t i = 0; i < v->units; ++i) {
        x[i] = d->x0;
        y[i] = d->y0;
        z[i] = d->z0;
    }
    return DQ_OK;
}

/* Cloned for AVX-512, AVX2 and baseline (<dq/simd.h>): a lone system is one block of eight
 * lanes, one AVX-512 vector. The same operations in every clone (no contraction): the same
 * bits. */
DQ_SIMD_CLONES static int lorenz_derivative(const dq_view_t *v)
{
    const lorenz_t *d = v->data;
    const double *restrict x = v->value[S_X];
    const double *restrict y = v->value[S_Y];
    const double *restrict z = v->value[S_Z];
    double *restrict dx = v->derivative[S_X];
    double *restrict dy = v->derivative[S_Y];
    double *restrict dz = v->derivative[S_Z];
    const double sigma = d->sigma, rho = d->rho, beta = d->beta;
    DQ_SIMD_LOOP
    for (size_t i = 0; i < v->units; ++i) {
        dx[i] = sigma * (y[i] - x[i]);
        dy[i] = x[i] * (rho - z[i]) - y[i];
        dz[i] = x[i] * y[i] - beta * z[i];
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

/* J = a + b * s (an entry linear in one state), skipped when NULL. */
static void jac_affine(double *restrict J, size_t units, double a, double b,
                       const double *restrict s)
{
    if (!J)
        return;
    for (size_t i = 0; i < units; ++i)
        J[i] = a + b * s[i];
}

#define JAC(v, r, c) ((v)->jacobian[(r) * (v)->n_vars + (c)])

/* [[-sigma, sigma, 0], [rho - z, -1, -x], [y, x, -beta]]. */
static int lorenz_jacobian(const dq_view_t *v)
{
    const lorenz_t *d = v->data;
    const size_t n = v->units;
    const double *x = v->value[S_X], *y = v->value[S_Y], *z = v->value[S_Z];
    jac_const(JAC(v, S_X, S_X), n, -d->sigma);
    jac_const(JAC(v, S_X, S_Y), n, d->sigma);
    jac_const(JAC(v, S_X, S_Z), n, 0.0);
    jac_affine(JAC(v, S_Y, S_X), n, d->rho, -1.0, z);
    jac_const(JAC(v, S_Y, S_Y), n, -1.0);
    jac_affine(JAC(v, S_Y, S_Z), n, 0.0, -1.0, x);
    jac_affine(JAC(v, S_Z, S_X), n, 0.0, 1.0, y);
    jac_affine(JAC(v, S_Z, S_Y), n, 0.0, 1.0, x);
    jac_const(JAC(v, S_Z, S_Z), n, -d->beta);
    return DQ_OK;
}

static int lorenz_jacobian_diag(const dq_view_t *v)
{
    const lorenz_t *d = v->data;
    jac_const(v->jacobian_diag[S_X], v->units, -d->sigma);
    jac_const(v->jacobian_diag[S_Y], v->units, -1.0);
    jac_const(v->jacobian_diag[S_Z], v->units, -d->beta);
    return DQ_OK;
}

static const dq_state_desc_t lorenz_states[] = {
    {.name = "x", .unit = NULL, .doc = "convection intensity"},
    {.name = "y", .unit = NULL, .doc = "horizontal temperature difference"},
    {.name = "z", .unit = NULL, .doc = "vertical temperature deviation"},
};

DQ_MODULE(lorenz_root, .name = "lorenz", .parent = -1, .states = lorenz_states,
          .n_states = DQ_COUNT(lorenz_states), .init_state = lorenz_init,
          .compute_derivative = lorenz_derivative, .jacobian = lorenz_jacobian,
          .jacobian_diag = lorenz_jacobian_diag);

static const dq_param_desc_t lorenz_params[] = {
    {.name = "sigma",
     .def = 10.0,
     .unit = NULL,
     .doc = "Prandtl number",
     .offset = offsetof(lorenz_t, sigma)},
    {.name = "rho",
     .def = 28.0,
     .unit = NULL,
     .doc = "Rayleigh number (relative)",
     .offset = offsetof(lorenz_t, rho)},
    {.name = "beta",
     .def = 8.0 / 3.0,
     .unit = NULL,
     .doc = "geometric factor",
     .offset = offsetof(lorenz_t, beta)},
    {.name = "x0",
     .def = 1.0,
     .unit = NULL,
     .doc = "initial x(0)",
     .offset = offsetof(lorenz_t, x0)},
    {.name = "y0",
     .def = 1.0,
     .unit = NULL,
     .doc = "initial y(0)",
     .offset = offsetof(lorenz_t, y0)},
    {.name = "z0",
     .def = 1.0,
     .unit = NULL,
     .doc = "initial z(0)",
     .offset = offsetof(lorenz_t, z0)},
    {.name = "n",
     .def = 1.0,
     .unit = NULL,
     .doc = "population size (independent units)",
     .flags = DQ_PARAM_INTEGER | DQ_PARAM_POSITIVE | DQ_PARAM_POPULATION,
     .offset = offsetof(lorenz_t, n)},
};

DQ_MODEL(lorenz_desc, .name = "lorenz",
         .description = "Lorenz system x' = sigma (y - x), y' = x (rho - z) - y, "
                        "z' = x y - beta z.",
         .params = lorenz_params, .n_params = DQ_COUNT(lorenz_params),
         .modules = DQ_LIST(dq_module_desc_t, &lorenz_root), .data_size = sizeof(lorenz_t),
         .time_unit = NULL); /* dimensionless time */

DQ_PLUGIN_MODEL(lorenz_desc)
