/* SPDX-License-Identifier: MIT */
/* lorenz.c -- Lorenz system x' = sigma (y - x), y' = x (rho - z) - y, z' = x y - beta z
 * (chaotic for the defaults). A population of n identical units. */
#include <stdlib.h>

#include <dq/dq.h>

enum { P_SIGMA, P_RHO, P_BETA, P_X0, P_Y0, P_Z0, P_N, N_PARAMS };
enum { S_X, S_Y, S_Z, N_STATES };

typedef struct lorenz {
    double sigma, rho, beta;
    double x0, y0, z0;
} lorenz_t;

static int lorenz_create(const dq_param_value_t *p, size_t *units, void **data, char *msg,
                         size_t msglen)
{
    (void)msg;
    (void)msglen;
    lorenz_t *d = malloc(sizeof *d);
    if (!d)
        return DQ_ENOMEM;
    d->sigma = p[P_SIGMA].v[0];
    d->rho = p[P_RHO].v[0];
    d->beta = p[P_BETA].v[0];
    d->x0 = p[P_X0].v[0];
    d->y0 = p[P_Y0].v[0];
    d->z0 = p[P_Z0].v[0];
    *units = (size_t)p[P_N].v[0];
    *data = d;
    return DQ_OK;
}

static void lorenz_destroy(void *data) { free(data); }

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

static int lorenz_derivative(const dq_view_t *v)
{
    const lorenz_t *d = v->data;
    const double *restrict x = v->value[S_X];
    const double *restrict y = v->value[S_Y];
    const double *restrict z = v->value[S_Z];
    double *restrict dx = v->derivative[S_X];
    double *restrict dy = v->derivative[S_Y];
    double *restrict dz = v->derivative[S_Z];
    const double sigma = d->sigma, rho = d->rho, beta = d->beta;
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

#define JAC(v, r, c) ((v)->jacobian[(r) * N_STATES + (c)])

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

DQ_MODULE(lorenz_root,
          .name = "lorenz",
          .parent = -1,
          .states = lorenz_states,
          .n_states = N_STATES,
          .init_state = lorenz_init,
          .compute_derivative = lorenz_derivative,
          .jacobian = lorenz_jacobian,
          .jacobian_diag = lorenz_jacobian_diag);

static const dq_param_desc_t lorenz_params[] = {
    {.name = "sigma", .def = 10.0, .unit = NULL, .doc = "Prandtl number"},
    {.name = "rho", .def = 28.0, .unit = NULL, .doc = "Rayleigh number (relative)"},
    {.name = "beta", .def = 8.0 / 3.0, .unit = NULL, .doc = "geometric factor"},
    {.name = "x0", .def = 1.0, .unit = NULL, .doc = "initial x(0)"},
    {.name = "y0", .def = 1.0, .unit = NULL, .doc = "initial y(0)"},
    {.name = "z0", .def = 1.0, .unit = NULL, .doc = "initial z(0)"},
    {.name = "n", .def = 1.0, .unit = NULL, .doc = "population size (independent units)",
     .flags = DQ_PARAM_INTEGER | DQ_PARAM_POSITIVE},
};

DQ_MODEL(lorenz_desc,
         .name = "lorenz",
         .description = "Lorenz system x' = sigma (y - x), y' = x (rho - z) - y, "
                        "z' = x y - beta z.",
         .params = lorenz_params,
         .n_params = N_PARAMS,
         .modules = DQ_LIST(dq_module_desc_t, &lorenz_root),
         .create = lorenz_create,
         .destroy = lorenz_destroy,
         .time_unit = NULL); /* dimensionless time */

DQ_PLUGIN_MODEL(lorenz_desc)
