/* SPDX-License-Identifier: MIT */
/* sde_problems.c -- the SDE problems of the conformance battery: geometric Brownian motion,
 * Ornstein-Uhlenbeck and a nonlinear additive one as models of the engine's own (so the
 * check does not depend on the model plugins installed), their closed-form moments, and
 * their exact solutions along the Brownian path a run used, rebuilt from the host's keyed
 * normals (<dq/host/noise.h>). */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <dq/host/noise.h>
#include <dq/model.h>

#include "conform_impl.h"

/* ---- gbm: dX = a X dt + b X dW ---- */

typedef struct gbm {
    double a, b, x0, n;
} gbm_t;

static int gbm_init(const dq_view_t *v)
{
    const gbm_t *d = v->data;
    for (size_t i = 0; i < v->units; ++i)
        v->value[0][i] = d->x0;
    return DQ_OK;
}

static int gbm_derivative(const dq_view_t *v)
{
    const gbm_t *d = v->data;
    const double *x = v->value[0];
    double *f = v->derivative[0], *g = v->diffusion ? v->diffusion[0] : NULL;
    for (size_t i = 0; i < v->units; ++i)
        f[i] = d->a * x[i];
    if (g)
        for (size_t i = 0; i < v->units; ++i)
            g[i] = d->b * x[i];
    return DQ_OK;
}

static int gbm_jacobian_diag(const dq_view_t *v)
{
    const gbm_t *d = v->data;
    for (size_t i = 0; i < v->units; ++i)
        v->jacobian_diag[0][i] = d->a;
    return DQ_OK;
}

static int gbm_diffusion_diag(const dq_view_t *v)
{
    const gbm_t *d = v->data;
    if (v->jacobian_diag[0])
        for (size_t i = 0; i < v->units; ++i)
            v->jacobian_diag[0][i] = d->b;
    return DQ_OK;
}

/* ---- ou: dX = theta (mu - X) dt + sigma dW ---- */

typedef struct ou {
    double theta, mu, sigma, x0, n;
} ou_t;

static int ou_init(const dq_view_t *v)
{
    const ou_t *d = v->data;
    for (size_t i = 0; i < v->units; ++i)
        v->value[0][i] = d->x0;
    return DQ_OK;
}

static int ou_derivative(const dq_view_t *v)
{
    const ou_t *d = v->data;
    const double *x = v->value[0];
    double *f = v->derivative[0], *g = v->diffusion ? v->diffusion[0] : NULL;
    for (size_t i = 0; i < v->units; ++i)
        f[i] = d->theta * (d->mu - x[i]);
    if (g)
        for (size_t i = 0; i < v->units; ++i)
            g[i] = d->sigma;
    return DQ_OK;
}

static int ou_jacobian_diag(const dq_view_t *v)
{
    const ou_t *d = v->data;
    for (size_t i = 0; i < v->units; ++i)
        v->jacobian_diag[0][i] = -d->theta;
    return DQ_OK;
}

/* ---- sine: dX = -sin(X) dt + sigma dW, additive noise on a drift with f'' != 0, where
 * a method of strong order 1.5 shows it (on ou, linear, such methods reach 2) ---- */

typedef struct sine {
    double sigma, x0, n;
} sine_t;

static int sine_init(const dq_view_t *v)
{
    const sine_t *d = v->data;
    for (size_t i = 0; i < v->units; ++i)
        v->value[0][i] = d->x0;
    return DQ_OK;
}

static int sine_derivative(const dq_view_t *v)
{
    const sine_t *d = v->data;
    const double *x = v->value[0];
    double *f = v->derivative[0], *g = v->diffusion ? v->diffusion[0] : NULL;
    for (size_t i = 0; i < v->units; ++i)
        f[i] = -sin(x[i]);
    if (g)
        for (size_t i = 0; i < v->units; ++i)
            g[i] = d->sigma;
    return DQ_OK;
}

static int sine_jacobian_diag(const dq_view_t *v)
{
    for (size_t i = 0; i < v->units; ++i)
        v->jacobian_diag[0][i] = -cos(v->value[0][i]);
    return DQ_OK;
}

/* ---- descriptors ---- */

#define SDE_PARAM(type, field)                                                                     \
    {                                                                                              \
        .name = #field, .offset = offsetof(type, field)                                            \
    }
#define SDE_POPULATION(type)                                                                       \
    {                                                                                              \
        .name = "n", .def = 1.0,                                                                   \
        .flags = DQ_PARAM_INTEGER | DQ_PARAM_POSITIVE | DQ_PARAM_POPULATION,                       \
        .offset = offsetof(type, n)                                                                \
    }

static const dq_param_desc_t gbm_params[] = {SDE_PARAM(gbm_t, a), SDE_PARAM(gbm_t, b),
                                             SDE_PARAM(gbm_t, x0), SDE_POPULATION(gbm_t)};
static const dq_param_desc_t ou_params[] = {SDE_PARAM(ou_t, theta), SDE_PARAM(ou_t, mu),
                                            SDE_PARAM(ou_t, sigma), SDE_PARAM(ou_t, x0),
                                            SDE_POPULATION(ou_t)};
static const dq_param_desc_t sine_params[] = {SDE_PARAM(sine_t, sigma), SDE_PARAM(sine_t, x0),
                                              SDE_POPULATION(sine_t)};

static const dq_state_desc_t multiplicative[] = {{.name = "x", .flags = DQ_STATE_DIFFUSION}};
static const dq_state_desc_t additive[] = {
    {.name = "x", .flags = DQ_STATE_DIFFUSION | DQ_STATE_ADDITIVE}};

DQ_MODULE(gbm_module, .name = "gbm", .parent = -1, .states = multiplicative, .n_states = 1,
          .init_state = gbm_init, .compute_derivative = gbm_derivative,
          .jacobian_diag = gbm_jacobian_diag, .diffusion_diag = gbm_diffusion_diag);
DQ_MODULE(ou_module, .name = "ou", .parent = -1, .states = additive, .n_states = 1,
          .init_state = ou_init, .compute_derivative = ou_derivative,
          .jacobian_diag = ou_jacobian_diag);
DQ_MODULE(sine_module, .name = "sine", .parent = -1, .states = additive, .n_states = 1,
          .init_state = sine_init, .compute_derivative = sine_derivative,
          .jacobian_diag = sine_jacobian_diag);
static const dq_module_desc_t *const gbm_modules[] = {&gbm_module, NULL};
static const dq_module_desc_t *const ou_modules[] = {&ou_module, NULL};
static const dq_module_desc_t *const sine_modules[] = {&sine_module, NULL};

DQ_MODEL(gbm_model, .name = "conform_gbm", .description = "dX = a X dt + b X dW",
         .params = gbm_params, .n_params = DQ_COUNT(gbm_params), .modules = gbm_modules,
         .data_size = sizeof(gbm_t));
DQ_MODEL(ou_model, .name = "conform_ou", .description = "dX = theta (mu - X) dt + sigma dW",
         .params = ou_params, .n_params = DQ_COUNT(ou_params), .modules = ou_modules,
         .data_size = sizeof(ou_t));
DQ_MODEL(sine_model, .name = "conform_sine", .description = "dX = -sin(X) dt + sigma dW",
         .params = sine_params, .n_params = DQ_COUNT(sine_params), .modules = sine_modules,
         .data_size = sizeof(sine_t));

/* Indexed by dq_conform_sde_problem_id_t; the values as <dq/host/conform.h> states them. */
const conform_sde_problem_t dq__conform_sde_problems[DQ_CONFORM_N_SDE_PROBLEMS] = {
    {.name = "gbm",
     .model = &gbm_model,
     .t_end = 1.0,
     .reference = CONFORM_SDE_REF_EXACT,
     .n_params = 3,
     .param = {"a", "b", "x0"},
     .value = {0.5, 0.7, 1.0}},
    {.name = "gbm_drift",
     .model = &gbm_model,
     .t_end = 1.0,
     .reference = CONFORM_SDE_REF_EXACT,
     .n_params = 3,
     .param = {"a", "b", "x0"},
     .value = {1.0, 0.5, 1.0}},
    {.name = "ou",
     .model = &ou_model,
     .t_end = 1.0,
     .reference = CONFORM_SDE_REF_INCREMENTS,
     .n_params = 4,
     .param = {"theta", "mu", "sigma", "x0"},
     .value = {1.0, 0.0, 0.5, 1.0}},
    {.name = "sine",
     .model = &sine_model,
     .t_end = 1.0,
     .reference = CONFORM_SDE_REF_SOLVER,
     .n_params = 2,
     .param = {"sigma", "x0"},
     .value = {2.0, 1.0}},
};

int dq__conform_sde_is_gbm(int problem)
{
    return dq__conform_sde_problems[problem].model == &gbm_model;
}

void dq__conform_sde_describe(int problem, char *buf, size_t len)
{
    const conform_sde_problem_t *p = &dq__conform_sde_problems[problem];
    size_t at = (size_t)snprintf(buf, len, "%s (", p->name);
    for (size_t i = 0; i < p->n_params && at < len; ++i)
        at += (size_t)snprintf(buf + at, len - at, "%s%s = %g", i ? ", " : "", p->param[i],
                               p->value[i]);
    if (at < len)
        snprintf(buf + at, len - at, ")");
}

/* GBM read as Stratonovich is the Ito GBM with drift a + b^2/2. */
static double gbm_rate(const double *v, int calculus)
{
    return calculus == DQ_CALCULUS_STRATONOVICH ? v[0] + 0.5 * v[1] * v[1] : v[0];
}

double dq__conform_sde_mean(int problem, int calculus, double t)
{
    const double *v = dq__conform_sde_problems[problem].value;
    if (dq__conform_sde_is_gbm(problem))
        return v[2] * exp(gbm_rate(v, calculus) * t);
    return v[1] + (v[3] - v[1]) * exp(-v[0] * t); /* ou */
}

double dq__conform_sde_variance(int problem, int calculus, double t)
{
    const double *v = dq__conform_sde_problems[problem].value;
    if (dq__conform_sde_is_gbm(problem))
        return v[2] * v[2] * exp(2.0 * gbm_rate(v, calculus) * t) * expm1(v[1] * v[1] * t);
    return v[2] * v[2] * -expm1(-2.0 * v[0] * t) / (2.0 * v[0]); /* ou */
}

double dq__conform_sde_noiseless(int problem, double t)
{
    const double *v = dq__conform_sde_problems[problem].value;
    if (dq__conform_sde_is_gbm(problem))
        return v[2] * exp(v[0] * t);
    if (problem == DQ_SDE_PROBLEM_SINE) /* tan(x/2) = tan(x0/2) e^-t */
        return 2.0 * atan(tan(0.5 * v[1]) * exp(-t));
    return v[1] + (v[3] - v[1]) * exp(-v[0] * t);
}

/* W(T), and for ou J = int_0^T e^(-theta (T - s)) dW(s), per unit, from the increments of
 * the grid of n intervals: on [t_i, t_i + h], by parts,
 *   int e^(-theta (T - s)) dW = e^(-theta (T - t_i - h)) dW_i - theta int e^(-theta (T - s))
 *   (W(s) - W(t_i)) ds ~ e^(-theta (T - t_i - h)) dW_i - theta e^(-theta (T - t_i - h/2)) dZ_i,
 * a pathwise error of order h^2 over [0, T]. */
int dq__conform_sde_path(const conform_sde_path_t *p, double *W, double *J)
{
    const double h = p->t_end / (double)p->n_grid, sh = sqrt(h), zh = 0.5 * h * sh;
    const double theta = dq__conform_sde_problems[DQ_SDE_PROBLEM_OU].value[0];
    const double inv_sqrt3 = 0.57735026918962576451;
    double *z0 = malloc(2 * p->units * sizeof *z0);
    if (!z0)
        return DQ_ENOMEM;
    double *z1 = z0 + p->units;
    for (size_t u = 0; u < p->units; ++u)
        W[u] = J ? (J[u] = 0.0) : 0.0;
    for (uint64_t i = 0; i < p->n_grid; ++i) {
        int rc = dq_noise_normals(p->seed, 0, p->units, p->state, i, z0, J ? z1 : NULL);
        if (rc) {
            free(z0);
            return rc;
        }
        for (size_t u = 0; u < p->units; ++u)
            W[u] += sh * z0[u];
        if (!J)
            continue;
        const double left = p->t_end - (double)i * h;
        const double end = exp(-theta * (left - h)), mid = exp(-theta * (left - 0.5 * h));
        for (size_t u = 0; u < p->units; ++u)
            J[u] += end * sh * z0[u] - theta * mid * zh * (z0[u] + inv_sqrt3 * z1[u]);
    }
    free(z0);
    return DQ_OK;
}

void dq__conform_sde_exact(int problem, int calculus, double t, const double *W, const double *J,
                           size_t units, double *x)
{
    const double *v = dq__conform_sde_problems[problem].value;
    if (dq__conform_sde_is_gbm(problem)) {
        const double drift = (gbm_rate(v, calculus) - 0.5 * v[1] * v[1]) * t;
        for (size_t u = 0; u < units; ++u)
            x[u] = v[2] * exp(drift + v[1] * W[u]);
        return;
    }
    const double mean = dq__conform_sde_mean(problem, calculus, t);
    for (size_t u = 0; u < units; ++u)
        x[u] = mean + v[2] * J[u]; /* ou */
}
