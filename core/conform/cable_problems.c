/* SPDX-License-Identifier: MIT */
/* cable_problems.c -- the cable problem of the conformance battery (<dq/host/conform.h>,
 * CABLE): a small branched cell, a cable model with hh in the soma and pas everywhere, both
 * coded here so that `dqhost check` needs no model plugin, and the engine's own RK4, the
 * reference every cable ladder is measured against. */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include <dq/cable.h>
#include <dq/host/cable.h>
#include <dq/plugin.h>

#include "cable_problem.h"
#include "hh_gates.h" /* after <dq/simd.h> (through <dq/cable.h>) */

/* ---- the model ---- */

/* NEURON's hh.mod at celsius = 6.3 (q10 = 1) and pas, in mS/cm² and mV (<dq/cable.h>). */
#define CELL_GNA 120.0
#define CELL_GK 36.0
#define CELL_GL 0.3
#define CELL_ENA 50.0
#define CELL_EK -77.0
#define CELL_EL -54.3
#define CELL_GPAS 0.1
#define CELL_EPAS -65.0

typedef struct cell_data {
    double n; /* cells, the population */
} cell_data_t;

static int pas_current(const dq_view_t *v)
{
    const double *V = v->value[0];
    DQ_SIMD_LOOP
    for (size_t i = 0; i < v->units; ++i) {
        v->current[i] += CELL_GPAS * (V[i] - CELL_EPAS);
        v->conductance[i] += CELL_GPAS;
    }
    return DQ_OK;
}

/* Variables of hh: its gates m, h, n, then the V it reads. */
enum { HH_M, HH_H, HH_N, HH_V };

static int hh_init(const dq_view_t *v)
{
    for (size_t i = 0; i < v->units; ++i) {
        const double V = v->value[HH_V][i];
        v->value[HH_M][i] = hh_steady(hh_rate_m(V));
        v->value[HH_H][i] = hh_steady(hh_rate_h(V));
        v->value[HH_N][i] = hh_steady(hh_rate_n(V));
    }
    return DQ_OK;
}

/* The gates by the point neuron's own loop (hh_gates.h); with diag, their diagonal too. */
static void hh_gates(const dq_view_t *v, double *const *diag)
{
    hh_gate_loop(v->value[HH_V], v->value[HH_M], v->value[HH_H], v->value[HH_N],
                 v->derivative[HH_M], v->derivative[HH_H], v->derivative[HH_N],
                 diag ? diag[HH_M] : NULL, diag ? diag[HH_H] : NULL, diag ? diag[HH_N] : NULL,
                 v->units);
}

static int hh_deriv(const dq_view_t *v)
{
    hh_gates(v, NULL);
    return DQ_OK;
}

static int hh_deriv_diag(const dq_view_t *v)
{
    hh_gates(v, v->jacobian_diag);
    return DQ_OK;
}

static int hh_current(const dq_view_t *v)
{
    for (size_t i = 0; i < v->units; ++i) {
        const double m = v->value[HH_M][i], h = v->value[HH_H][i], n = v->value[HH_N][i];
        const double V = v->value[HH_V][i];
        const double gna = CELL_GNA * m * m * m * h, gk = CELL_GK * n * n * n * n;
        v->current[i] += gna * (V - CELL_ENA) + gk * (V - CELL_EK) + CELL_GL * (V - CELL_EL);
        v->conductance[i] += gna + gk + CELL_GL;
    }
    return DQ_OK;
}

static const dq_state_desc_t cell_v[] = {{.name = "V", .unit = "mV", .doc = "membrane potential"}};
static const dq_state_desc_t cell_gates[] = {{.name = "m", .doc = "Na activation"},
                                             {.name = "h", .doc = "Na inactivation"},
                                             {.name = "n", .doc = "K activation"}};

DQ_MODULE(cell_root, .name = "cell", .parent = -1, .states = cell_v, .n_states = 1);
DQ_MODULE(cell_pas, .name = "pas", .parent = 0, .reads = DQ_READS("V"), .regions = 0,
          .current = pas_current);
DQ_MODULE(cell_hh, .name = "hh", .parent = 0, .states = cell_gates, .n_states = 3,
          .reads = DQ_READS("V"), .regions = DQ_REGION_SOMA, .init_state = hh_init,
          .compute_derivative = hh_deriv, .compute_derivative_diag = hh_deriv_diag,
          .current = hh_current);

static const dq_param_desc_t cell_params[] = {
    {.name = "n",
     .def = 1,
     .doc = "cells",
     .flags = DQ_PARAM_INTEGER | DQ_PARAM_POSITIVE | DQ_PARAM_POPULATION,
     .offset = offsetof(cell_data_t, n)}};

DQ_CABLE(cell_cable, .cm = 1.0, .Ra = 35.4, .v_init = -65.0);

DQ_MODEL(cell_model, .name = "conform_cell",
         .description = "The cable problem of dqhost check: hh in the soma, pas everywhere.",
         .params = cell_params, .n_params = DQ_COUNT(cell_params),
         .modules = (const dq_module_desc_t *const[]){&cell_root, &cell_pas, &cell_hh, NULL},
         .data_size = sizeof(cell_data_t), .time_unit = "ms", .cable = &cell_cable);

/* Junctions at soma(0) (the basal dendrite), soma(1) (the trunk) and the trunk's end (the
 * branch point of the two tufts). */
static const char cell_json[] =
    "{\"soma\": {\"length\": 20, \"diameter\": 20},\n"
    " \"cylinders\": [\n"
    "  {\"name\": \"trunk\", \"length\": 200, \"diameter\": 1, \"parent\": \"soma\", \"x\": 1,"
    " \"region\": \"apical\"},\n"
    "  {\"name\": \"tuft1\", \"length\": 150, \"diameter\": 0.8, \"parent\": \"trunk\", \"x\": 1,"
    " \"region\": \"apical\"},\n"
    "  {\"name\": \"tuft2\", \"length\": 150, \"diameter\": 0.8, \"parent\": \"trunk\", \"x\": 1,"
    " \"region\": \"apical\"},\n"
    "  {\"name\": \"basal\", \"length\": 150, \"diameter\": 1, \"parent\": \"soma\", \"x\": 0,"
    " \"region\": \"basal\"}]}\n";

const cable_problem_t dq__conform_cable_problem = {
    .model = &cell_model,
    .morphology = cell_json,
    .max_length = 100.0,
    .stim_at = "soma(0.5)",
    .stim_amp = 0.3,
    .t_end = 5.0,
    .gbar_max = CELL_GNA + CELL_GK + CELL_GL + CELL_GPAS,
};

dq_system_t *dq__conform_cable_on(const dq_model_desc_t *model, const dq_param_arg_t *args,
                                  size_t n_args, const dq_morph_t *morph, int clamp,
                                  dq_error_t *err)
{
    const cable_problem_t *p = &dq__conform_cable_problem;
    /* On from t = 0 to past t_end: no switch inside the run. */
    const dq_cable_stim_t stim = {
        .at = p->stim_at, .delay = 0.0, .dur = 10.0 * p->t_end, .amp = p->stim_amp};
    dq_cable_opts_t o;
    dq_cable_opts_init(&o);
    o.discret.rule = DQ_MORPH_RULE_LENGTH;
    o.discret.max_length = p->max_length;
    o.stim = clamp ? &stim : NULL;
    o.n_stim = clamp ? 1 : 0;
    return dq_system_new_cable(model, args, n_args, morph, &o, err);
}

dq_system_t *dq__conform_cable_system(const dq_morph_t *morph, dq_error_t *err)
{
    const double one = 1.0;
    const dq_param_arg_t n = {.name = "n", .v = &one, .len = 1};
    return dq__conform_cable_on(dq__conform_cable_problem.model, &n, 1, morph, 1, err);
}

/* ---- the reference: classical RK4 on the host's ODE form ---- */

static int ref_rk4_step(dq_ctx_t *ctx)
{
    const size_t len = ctx->len;
    double *k = dq_scratch(ctx, 0), *acc = dq_scratch(ctx, 1), *yt = dq_scratch(ctx, 2);
    const double h = ctx->dt, t = ctx->t;
    static const double c[4] = {0.0, 0.5, 0.5, 1.0}, w[4] = {1.0, 2.0, 2.0, 1.0};
    int rc = dq_pre_integral(ctx);
    for (size_t i = 0; i < len; ++i)
        acc[i] = 0.0;
    for (int s = 0; rc == DQ_OK && s < 4; ++s) {
        /* Stage s at y + c_s h k_(s-1); k then holds k_s. */
        for (size_t i = 0; i < len; ++i)
            yt[i] = s == 0 ? ctx->y[i] : ctx->y[i] + c[s] * h * k[i];
        rc = dq_compute_derivative(ctx, t + c[s] * h, yt, k);
        for (size_t i = 0; rc == DQ_OK && i < len; ++i)
            acc[i] += w[s] * k[i];
    }
    if (rc)
        return rc;
    for (size_t i = 0; i < len; ++i)
        ctx->y[i] += h / 6.0 * acc[i];
    return dq_post_integral(ctx);
}

DQ_INTEGRATOR(ref_rk4, .name = "conform_cable_rk4", .category = DQ_CATEGORY_EXPLICIT, .order = 4,
              .description = "The cable problem's reference: classical RK4 (dqhost check).",
              .step = ref_rk4_step, .scratch_vectors = 3);

const dq_integrator_desc_t *const dq__conform_cable_reference = &ref_rk4;
