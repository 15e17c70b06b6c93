/* SPDX-License-Identifier: MIT */
/* van_der_pol.c -- Van der Pol oscillator x' = y, y' = mu (1 - x^2) y - x; stiff for large mu.
 * A population of n identical units. */
#include <stdlib.h>

#include <dq/dq.h>

enum { P_MU, P_X0, P_Y0, P_N, N_PARAMS };
enum { S_X, S_Y, N_STATES };

typedef struct van_der_pol {
    double mu;
    double x0, y0;
} van_der_pol_t;

static int van_der_pol_create(const dq_param_value_t *p, size_t *units, void **data, char *msg,
                              size_t msglen)
{
    (void)msg;
    (void)msglen;
    van_der_pol_t *d = malloc(sizeof *d);
    if (!d)
        return DQ_ENOMEM;
    d->mu = p[P_MU].v[0];
    d->x0 = p[P_X0].v[0];
    d->y0 = p[P_Y0].v[0];
    *units = (size_t)p[P_N].v[0];
    *data = d;
    return DQ_OK;
}

static void van_der_pol_destroy(void *data) { free(data); }

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

#define JAC(v, r, c) ((v)->jacobian[(r) * N_STATES + (c)])

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

DQ_MODULE(van_der_pol_root,
          .name = "van_der_pol",
          .parent = -1,
          .states = van_der_pol_states,
          .n_states = N_STATES,
          .init_state = van_der_pol_init,
          .compute_derivative = van_der_pol_derivative,
          .jacobian = van_der_pol_jacobian,
          .jacobian_diag = van_der_pol_jacobian_diag);

static const dq_param_desc_t van_der_pol_params[] = {
    {.name = "mu", .def = 1.0, .unit = NULL, .doc = "nonlinear damping (stiff when large)"},
    {.name = "x0", .def = 2.0, .unit = NULL, .doc = "initial position x(0)"},
    {.name = "y0", .def = 0.0, .unit = NULL, .doc = "initial velocity y(0)"},
    {.name = "n", .def = 1.0, .unit = NULL, .doc = "population size (independent units)",
     .flags = DQ_PARAM_INTEGER | DQ_PARAM_POSITIVE},
};

DQ_MODEL(van_der_pol_desc,
         .name = "van_der_pol",
         .description = "Van der Pol oscillator x' = y, y' = mu (1 - x^2) y - x.",
         .params = van_der_pol_params,
         .n_params = N_PARAMS,
         .modules = DQ_LIST(dq_module_desc_t, &van_der_pol_root),
         .create = van_der_pol_create,
         .destroy = van_der_pol_destroy,
         .time_unit = NULL); /* dimensionless time */

DQ_PLUGIN_MODEL(van_der_pol_desc)
