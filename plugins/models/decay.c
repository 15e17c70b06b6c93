/* SPDX-License-Identifier: MIT */
/* decay.c -- exponential decay dy/dt = -y/tau (the seed's Decay), exact y0*exp(-t/tau).
 * A population of n independent units, all with the same tau and y0. */
#include <stdlib.h>

#include <dq/dq.h>

enum { P_TAU, P_Y0, P_N };
enum { S_Y };

typedef struct decay {
    double tau;
    double y0;
} decay_t;

static int decay_create(const dq_param_value_t *p, size_t *units, void **data, char *msg,
                        size_t msglen)
{
    (void)msg;
    (void)msglen;
    decay_t *d = malloc(sizeof *d);
    if (!d)
        return DQ_ENOMEM;
    d->tau = p[P_TAU].v[0];
    d->y0 = p[P_Y0].v[0];
    *units = (size_t)p[P_N].v[0];
    *data = d;
    return DQ_OK;
}

static void decay_destroy(void *data) { free(data); }

static int decay_init(const dq_view_t *v)
{
    const decay_t *d = v->data;
    double *y = v->value[S_Y];
    for (size_t i = 0; i < v->units; ++i)
        y[i] = d->y0;
    return DQ_OK;
}

static int decay_derivative(const dq_view_t *v)
{
    const decay_t *d = v->data;
    const double *restrict y = v->value[S_Y];
    double *restrict dy = v->derivative[S_Y];
    const double tau = d->tau;
    /* -y/tau, not y*(-1/tau): the seed computes it this way, and matching it to the last
     * bit lets a user compare dqhost with braincell value for value. */
    for (size_t i = 0; i < v->units; ++i)
        dy[i] = -y[i] / tau;
    return DQ_OK;
}

/* dF/dy = -1/tau: exact, so exponential and implicit solvers are exact on this problem. */
static int decay_jacobian(const dq_view_t *v)
{
    const decay_t *d = v->data;
    double *restrict j = v->jacobian[S_Y * 1 + S_Y];
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

DQ_MODULE(decay_root,
          .name = "decay",
          .parent = -1,
          .states = decay_states,
          .n_states = 1,
          .init_state = decay_init,
          .compute_derivative = decay_derivative,
          .jacobian = decay_jacobian,
          .jacobian_diag = decay_jacobian_diag);

static const dq_param_desc_t decay_params[] = {
    {.name = "tau", .def = 10.0, .unit = "s", .doc = "time constant",
     .flags = DQ_PARAM_POSITIVE},
    {.name = "y0", .def = 1.0, .unit = NULL, .doc = "initial value y(0)"},
    {.name = "n", .def = 1.0, .unit = NULL, .doc = "population size (independent units)",
     .flags = DQ_PARAM_INTEGER | DQ_PARAM_POSITIVE},
};

DQ_MODEL(decay_desc,
         .name = "decay",
         .description = "Exponential decay dy/dt = -y/tau (exact: y0*exp(-t/tau)).",
         .params = decay_params,
         .n_params = 3,
         .modules = DQ_LIST(dq_module_desc_t, &decay_root),
         .create = decay_create,
         .destroy = decay_destroy,
         .time_unit = "s");

DQ_PLUGIN_MODEL(decay_desc)
