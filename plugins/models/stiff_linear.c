/* SPDX-License-Identifier: MIT */
/* stiff_linear.c -- GSL's stiff test y0' = 998 y0 + 1998 y1, y1' = -999 y0 - 1999 y1
 * (eigenvalues -1 and -1000); from (1, 0) the exact solution is y0 = 2e^-t - e^-1000t,
 * y1 = -e^-t + e^-1000t. A population of n identical units. */
#include <stddef.h>

#include <dq/plugin.h>

enum { S_Y0, S_Y1 };

typedef struct stiff_linear {
    double a0, b0;
    double n; /* the population size; loops use the view's */
} stiff_linear_t;

static int stiff_linear_init(const dq_view_t *v)
{
    const stiff_linear_t *d = v->data;
    double *restrict y0 = v->value[S_Y0];
    double *restrict y1 = v->value[S_Y1];
    for (size_t i = 0; i < v->units; ++i) {
        y0[i] = d->a0;
        y1[i] = d->b0;
    }
    return DQ_OK;
}

static int stiff_linear_derivative(const dq_view_t *v)
{
    const double *restrict y0 = v->value[S_Y0];
    const double *restrict y1 = v->value[S_Y1];
    double *restrict dy0 = v->derivative[S_Y0];
    double *restrict dy1 = v->derivative[S_Y1];
    for (size_t i = 0; i < v->units; ++i) {
        dy0[i] = 998.0 * y0[i] + 1998.0 * y1[i];
        dy1[i] = -999.0 * y0[i] - 1999.0 * y1[i];
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

static int stiff_linear_jacobian(const dq_view_t *v)
{
    jac_const(JAC(v, S_Y0, S_Y0), v->units, 998.0);
    jac_const(JAC(v, S_Y0, S_Y1), v->units, 1998.0);
    jac_const(JAC(v, S_Y1, S_Y0), v->units, -999.0);
    jac_const(JAC(v, S_Y1, S_Y1), v->units, -1999.0);
    return DQ_OK;
}

static int stiff_linear_jacobian_diag(const dq_view_t *v)
{
    jac_const(v->jacobian_diag[S_Y0], v->units, 998.0);
    jac_const(v->jacobian_diag[S_Y1], v->units, -1999.0);
    return DQ_OK;
}

static const dq_state_desc_t stiff_linear_states[] = {
    {.name = "y0", .unit = NULL, .doc = "first component (2e^-t - e^-1000t from (1, 0))"},
    {.name = "y1", .unit = NULL, .doc = "second component (-e^-t + e^-1000t from (1, 0))"},
};

DQ_MODULE(stiff_linear_root, .name = "stiff_linear", .parent = -1, .states = stiff_linear_states,
          .n_states = DQ_COUNT(stiff_linear_states), .init_state = stiff_linear_init,
          .compute_derivative = stiff_linear_derivative, .jacobian = stiff_linear_jacobian,
          .jacobian_diag = stiff_linear_jacobian_diag);

static const dq_param_desc_t stiff_linear_params[] = {
    {.name = "a0",
     .def = 1.0,
     .unit = NULL,
     .doc = "initial value of y0",
     .offset = offsetof(stiff_linear_t, a0)},
    {.name = "b0",
     .def = 0.0,
     .unit = NULL,
     .doc = "initial value of y1",
     .offset = offsetof(stiff_linear_t, b0)},
    {.name = "n",
     .def = 1.0,
     .unit = NULL,
     .doc = "population size (independent units)",
     .flags = DQ_PARAM_INTEGER | DQ_PARAM_POSITIVE | DQ_PARAM_POPULATION,
     .offset = offsetof(stiff_linear_t, n)},
};

DQ_MODEL(stiff_linear_desc, .name = "stiff_linear",
         .description = "GSL's stiff test y0' = 998 y0 + 1998 y1, y1' = -999 y0 - 1999 y1 "
                        "(exact from (1, 0): y0 = 2e^-t - e^-1000t, y1 = -e^-t + e^-1000t).",
         .params = stiff_linear_params, .n_params = DQ_COUNT(stiff_linear_params),
         .modules = DQ_LIST(dq_module_desc_t, &stiff_linear_root),
         .data_size = sizeof(stiff_linear_t), .time_unit = NULL); /* dimensionless time */

DQ_PLUGIN_MODEL(stiff_linear_desc)
