/* SPDX-License-Identifier: MIT */
/* cell.c -- the built-in cable model (plugin ABI 2.3, <dq/cable.h>): a neuron on the run's
 * morphology with NEURON's two classic membranes, so a cell built here and the same cell
 * built in NEURON 8.2 are the same equations (tests/cable_neuron.sh holds them side by side).
 *
 *  - `hh` in the soma: NEURON's hh.mod (Hodgkin-Huxley 1952, -65 mV rest convention)
 *      I = gnabar m^3 h (V - ena) + gkbar n^4 (V - ek) + gl (V - el)       (µA/cm²)
 *      x' = alpha_x (1 - x) - beta_x x = (x_inf - x)/tau_x          for x = m, h, n
 *    with hh.mod's rates (vtrap's x/(e^(x/y) - 1) is hh_eq.h's hh_linexp) at celsius 6.3,
 *    where q10 = 3^((celsius - 6.3)/10) = 1. hh.mod interpolates its rates from a table by
 *    default (usetable_hh = 1, 1 mV steps); these are the exact rates, NEURON's with
 *    usetable_hh = 0.
 *  - `pas` everywhere else: I = g_pas (V - e_pas).
 *
 * Units as <dq/cable.h> has them: conductances in mS/cm² (NEURON's S/cm² x 1000), so
 * mS/cm² x mV gives the µA/cm² the host expects, and dI/dV is the open conductance sum in
 * mS/cm². Parameters are global (one value for every cell and compartment), like NEURON's
 * defaults; the population n is the number of cells.
 *
 * The root module owns V, written by the host, and the spike: V - 0 mV upward at the root
 * compartment (soma(0.5)), a DQ_EVENT_SPIKE without reset as in hh.c, so dqhost run
 * --spikes gives NEURON's NetCon/APCount times at threshold 0.
 *
 * The mechanisms' lanes are (compartment, cell) pairs; the loops are hh.c's, vectorised with
 * <dq/simd.h> and the same hh_eq.h rate functions. */
#include <stddef.h>
#include <stdint.h>

#include <dq/cable.h>
#include <dq/plugin.h>
#include <dq/simd.h> /* before hh_eq.h: its exp and expm1 calls are then SIMD-callable */

#include "hh_eq.h"
#include "hh_gates.h" /* hh_gate_loop, hh.c's gates' pass */

/* The root's variables. */
enum { R_V };
/* hh's variables: its gates, then V. */
enum { G_M, G_H, G_N, G_V };
/* pas's variables: V only. */
enum { P_V };
enum { E_SPIKE };

#define CELL_SPIKE_LEVEL 0.0 /* mV: NEURON's NetCon threshold */

typedef struct cell {
    hh_params_t hh; /* gnabar, gkbar, gl, ena, ek, el (C unused: the host owns cm) */
    double g_pas, e_pas;
    double n; /* cells; loops use the view's */
} cell_t;

/* ---- root: V and the spike ---------------------------------------------------------------- */

static int cell_event(const dq_view_t *v)
{
    const double *restrict V = v->value[R_V];
    double *restrict g = v->event[E_SPIKE];
    DQ_SIMD_LOOP
    for (size_t i = 0; i < v->units; ++i)
        g[i] = V[i] - CELL_SPIKE_LEVEL;
    return DQ_OK;
}

/* ---- hh: NEURON's hh.mod -------------------------------------------------------------------- */

/* hh.mod's INITIAL: each gate at x_inf(V) = alpha/(alpha + beta), V being v_init. */
DQ_SIMD_CLONES static void hh_steady_loop(const double *restrict V, double *restrict m,
                                          double *restrict h, double *restrict n, size_t units)
{
    DQ_SIMD_LOOP
    for (size_t i = 0; i < units; ++i) {
        double am, bm, ah, bh, an, bn;
        hh_rates(V[i], &am, &bm, &ah, &bh, &an, &bn);
        m[i] = am / (am + bm);
        h[i] = ah / (ah + bh);
        n[i] = an / (an + bn);
    }
}

static int hh_init(const dq_view_t *v)
{
    hh_steady_loop(v->value[G_V], v->value[G_M], v->value[G_H], v->value[G_N], v->units);
    return DQ_OK;
}

static int hh_derivative(const dq_view_t *v)
{
    hh_gate_loop(v->value[G_V], v->value[G_M], v->value[G_H], v->value[G_N], v->derivative[G_M],
                 v->derivative[G_H], v->derivative[G_N], NULL, NULL, NULL, v->units);
    return DQ_OK;
}

static int hh_derivative_diag(const dq_view_t *v)
{
    hh_gate_loop(v->value[G_V], v->value[G_M], v->value[G_H], v->value[G_N], v->derivative[G_M],
                 v->derivative[G_H], v->derivative[G_N], v->jacobian_diag[G_M],
                 v->jacobian_diag[G_H], v->jacobian_diag[G_N], v->units);
    return DQ_OK;
}

/* The diagonal alone: the derivatives go to a stack chunk and are dropped, so this is the
 * very loop of compute_derivative_diag and both give the same bits. An entry the host left
 * NULL (a gate integrated elsewhere) is written to the stack too. */
static int hh_jacobian_diag(const dq_view_t *v)
{
    enum { CHUNK = 8 * DQ_LANES };
    double f[3][CHUNK], d[3][CHUNK];
    double *const *jd = v->jacobian_diag;
    for (size_t i0 = 0; i0 < v->units; i0 += CHUNK) {
        const size_t len = v->units - i0 < CHUNK ? v->units - i0 : CHUNK;
        double *jm = jd[G_M] ? jd[G_M] + i0 : d[0], *jh = jd[G_H] ? jd[G_H] + i0 : d[1];
        double *jn = jd[G_N] ? jd[G_N] + i0 : d[2];
        hh_gate_loop(v->value[G_V] + i0, v->value[G_M] + i0, v->value[G_H] + i0, v->value[G_N] + i0,
                     f[0], f[1], f[2], jm, jh, jn, len);
    }
    return DQ_OK;
}

/* The gates' rows: d/dV = alpha'(1 - x) - beta' x, d/dx = -(alpha + beta), 0 across gates.
 * Entries the host left NULL are skipped. */
static int hh_jacobian(const dq_view_t *v)
{
    const double *restrict V = v->value[G_V];
    for (int r = G_M; r <= G_N; ++r) {
        const double *restrict x = v->value[r];
        double *jV = v->jacobian[r * v->n_vars + G_V], *jx = v->jacobian[r * v->n_vars + r];
        for (int c = G_M; c <= G_N; ++c) {
            double *j = v->jacobian[r * v->n_vars + c];
            if (c != r && j)
                for (size_t i = 0; i < v->units; ++i)
                    j[i] = 0.0;
        }
        for (size_t i = 0; i < v->units; ++i) {
            const hh_rate_t q = r == G_M   ? hh_rate_m(V[i])
                                : r == G_H ? hh_rate_h(V[i])
                                           : hh_rate_n(V[i]);
            if (jV)
                jV[i] = hh_gate_dV(q, x[i]);
            if (jx)
                jx[i] = hh_gate_dx(q.a, q.b);
        }
    }
    return DQ_OK;
}

/* hh.mod's BREAKPOINT: ina + ik + il in µA/cm², and dI/dV with the gates held (NEURON takes
 * it by a 0.001 mV difference; the current is linear in V, so that is this sum). */
DQ_SIMD_CLONES static void hh_current_loop(const hh_params_t *restrict P, const double *restrict V,
                                           const double *restrict m, const double *restrict h,
                                           const double *restrict n, double *restrict cur,
                                           double *restrict cond, size_t units)
{
    const hh_params_t p = *P;
    DQ_SIMD_LOOP
    for (size_t i = 0; i < units; ++i) {
        const double gna = hh_g_na(&p, m[i], h[i]), gk = hh_g_k(&p, n[i]);
        cur[i] += gna * (V[i] - p.ENa) + gk * (V[i] - p.EK) + p.gL * (V[i] - p.EL);
        cond[i] += gna + gk + p.gL;
    }
}

static int hh_current(const dq_view_t *v)
{
    const cell_t *d = v->data;
    hh_current_loop(&d->hh, v->value[G_V], v->value[G_M], v->value[G_H], v->value[G_N], v->current,
                    v->conductance, v->units);
    return DQ_OK;
}

/* ---- pas ------------------------------------------------------------------------------------ */

DQ_SIMD_CLONES static int pas_current(const dq_view_t *v)
{
    const cell_t *d = v->data;
    const double g = d->g_pas, e = d->e_pas;
    const double *restrict V = v->value[P_V];
    double *restrict cur = v->current, *restrict cond = v->conductance;
    DQ_SIMD_LOOP
    for (size_t i = 0; i < v->units; ++i) {
        cur[i] += g * (V[i] - e);
        cond[i] += g;
    }
    return DQ_OK;
}

/* ---- descriptor ----------------------------------------------------------------------------- */

static const dq_state_desc_t cell_states[] = {
    {.name = "V", .unit = "mV", .doc = "membrane potential (one per compartment)"},
};

static const dq_event_desc_t cell_events[] = {
    {.name = "spike",
     .direction = DQ_EVENT_UP,
     .flags = DQ_EVENT_SPIKE,
     .doc = "V at the root compartment (soma(0.5)) crosses 0 mV upward"},
};

static const dq_state_desc_t hh_states[] = {
    {.name = "m", .unit = NULL, .doc = "hh: sodium activation gate"},
    {.name = "h", .unit = NULL, .doc = "hh: sodium inactivation gate"},
    {.name = "n", .unit = NULL, .doc = "hh: potassium activation gate"},
};

/* The host writes dV/dt, so the root has no compute_derivative (<dq/cable.h>). */
DQ_MODULE(cell_root, .name = "cell", .parent = -1, .states = cell_states,
          .n_states = DQ_COUNT(cell_states), .events = cell_events,
          .n_events = DQ_COUNT(cell_events), .event = cell_event);

DQ_MODULE(cell_hh, .name = "hh", .parent = 0, .states = hh_states, .n_states = DQ_COUNT(hh_states),
          .reads = DQ_READS("V"), .init_state = hh_init, .compute_derivative = hh_derivative,
          .jacobian = hh_jacobian, .jacobian_diag = hh_jacobian_diag,
          .compute_derivative_diag = hh_derivative_diag, .regions = DQ_REGION_SOMA,
          .current = hh_current);

/* Every region but the soma: axon, dendrites and any custom SWC type. */
DQ_MODULE(cell_pas, .name = "pas", .parent = 0, .reads = DQ_READS("V"),
          .regions = ~(uint32_t)DQ_REGION_SOMA, .current = pas_current);

static const dq_param_desc_t cell_params[] = {
    {.name = "gnabar",
     .def = 120.0,
     .unit = "mS/cm^2",
     .doc = "hh: maximal sodium conductance (NEURON's 0.12 S/cm^2)",
     .offset = offsetof(cell_t, hh.gNa)},
    {.name = "gkbar",
     .def = 36.0,
     .unit = "mS/cm^2",
     .doc = "hh: maximal potassium conductance (NEURON's 0.036 S/cm^2)",
     .offset = offsetof(cell_t, hh.gK)},
    {.name = "gl",
     .def = 0.3,
     .unit = "mS/cm^2",
     .doc = "hh: leak conductance (NEURON's 0.0003 S/cm^2)",
     .offset = offsetof(cell_t, hh.gL)},
    {.name = "el",
     .def = -54.3,
     .unit = "mV",
     .doc = "hh: leak reversal potential",
     .offset = offsetof(cell_t, hh.EL)},
    {.name = "ena",
     .def = 50.0,
     .unit = "mV",
     .doc = "hh: sodium reversal potential",
     .offset = offsetof(cell_t, hh.ENa)},
    {.name = "ek",
     .def = -77.0,
     .unit = "mV",
     .doc = "hh: potassium reversal potential",
     .offset = offsetof(cell_t, hh.EK)},
    {.name = "g_pas",
     .def = 0.1,
     .unit = "mS/cm^2",
     .doc = "pas: conductance (NEURON's 0.0001 S/cm^2)",
     .offset = offsetof(cell_t, g_pas)},
    {.name = "e_pas",
     .def = -65.0,
     .unit = "mV",
     .doc = "pas: reversal potential",
     .offset = offsetof(cell_t, e_pas)},
    {.name = "n",
     .def = 1.0,
     .unit = NULL,
     .doc = "population size (cells)",
     .flags = DQ_PARAM_INTEGER | DQ_PARAM_POSITIVE | DQ_PARAM_POPULATION,
     .offset = offsetof(cell_t, n)},
};

DQ_CABLE(cell_cable, .cm = 1.0, .Ra = 35.4, .v_init = -65.0);

DQ_MODEL(cell_desc, .name = "cell",
         .description = "a neuron on the run's morphology: NEURON's hh in the soma, pas "
                        "elsewhere (cm 1 uF/cm^2, Ra 35.4 Ohm cm, v_init -65 mV)",
         .params = cell_params, .n_params = DQ_COUNT(cell_params),
         .modules = DQ_LIST(dq_module_desc_t, &cell_root, &cell_hh, &cell_pas),
         .data_size = sizeof(cell_t), .time_unit = "ms", .cable = &cell_cable);

DQ_PLUGIN_MODEL(cell_desc)
