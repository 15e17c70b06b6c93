/* SPDX-License-Identifier: MIT */
/* hh.c -- a population of Hodgkin-Huxley (1952) neurons in the -65 mV rest convention:
 * C V' = I_ext - gNa m^3 h (V - ENa) - gK n^4 (V - EK) - gL (V - EL), x' = ax(V)(1 - x) - bx(V) x
 * for the gates x = m, h, n. Time in ms, voltages in mV, rates in 1/ms. With the default
 * EL = -54.387 mV the resting potential is -64.996 mV (dV/dt = 0.0042 mV/ms at -65).
 * The equations themselves are in hh_eq.h, shared with the benchmark's hand-written peers.
 *
 * Noise: sigma > 0 adds white noise to the input current, C dV = (...) dt + sigma dW, so V's
 * diffusion is sigma / C (additive). A solver for SDEs integrates it; a deterministic solver
 * gets no diffusion slot and runs the equations above, bit for bit as without the parameter.
 *
 * Module 0 ("hh") owns V and two aux states, `spikes` (upward crossings of 0 mV) and
 * `V_prev` (V at the end of the last step, for the next step's crossing test), and reads
 * the gates; module 1 ("gates") owns m, h, n and reads V. Each module writes its own
 * Jacobian rows; the host leaves the aux states' entries NULL.
 *
 * The spike is also an event (ABI 2.2), "spike": V - 0 mV upward, a DQ_EVENT_SPIKE without
 * handle_event, so the host records its time, located inside the step, and the trajectory
 * goes on untouched (no reset, no solver restart). The `spikes` count is still kept by
 * post_integral with the same test at the steps' ends, so it agrees with the event's count
 * (in adaptive runs, because the host takes back what a rejected step wrote to aux states
 * with the rest of the step); the event adds the time.
 *
 * Speed: the unit loops are vectorised with glibc's vector exp/expm1 (<dq/simd.h>), and
 * each module also gives compute_derivative_diag, its derivative with the diagonal of its
 * Jacobian in the same pass (a gate's -(alpha + beta) comes with its rates). So
 * ind_exp_euler costs one model evaluation per step and is, for the gates, the Rush-Larsen
 * scheme. */
#include <stddef.h>

#include <dq/plugin.h>
#include <dq/simd.h> /* before hh_eq.h: its exp and expm1 calls are then SIMD-callable */

#include "hh_eq.h"
#include "hh_gates.h" /* hh_gate_loop: the gates' pass, shared with cell.c */

/* The root's variables: its states, then what it reads. */
enum { R_V, R_SPIKES, R_V_PREV, R_M, R_H, R_N };
/* The gates' variables: their states, then V. */
enum { G_M, G_H, G_N, G_V };
enum { E_SPIKE };

#define HH_SPIKE_LEVEL 0.0 /* mV: an upward crossing of it counts as a spike */

typedef struct hh {
    hh_params_t p; /* C, gNa, gK, gL, ENa, EK, EL */
    double V0;
    double n;            /* the population size; loops use the view's */
    const double *I_ext; /* one per unit, padded, indexed by unit0 + lane */
    const double *sigma; /* input-current noise, one per unit like I_ext */
} hh_t;

/* Entries the host left out (NULL: the state is integrated elsewhere) are skipped. */
static void jac_const(double *J, size_t units, double value)
{
    if (!J)
        return;
    for (size_t i = 0; i < units; ++i)
        J[i] = value;
}

#define JAC(v, r, c) ((v)->jacobian[(r) * (v)->n_vars + (c)])

/* ---- module 0: the membrane ----------------------------------------------------------------- */

static int hh_init(const dq_view_t *v)
{
    const hh_t *d = v->data;
    double *restrict V = v->value[R_V];
    double *restrict spikes = v->value[R_SPIKES];
    double *restrict V_prev = v->value[R_V_PREV];
    for (size_t i = 0; i < v->units; ++i) {
        V[i] = d->V0;
        spikes[i] = 0.0;
        V_prev[i] = d->V0;
    }
    return DQ_OK;
}

static int hh_post(const dq_view_t *v)
{
    /* V_prev holds V at the end of the previous step, which is V at the start of this one
     * (nothing changes V in between), so one pass both tests for a crossing and remembers V
     * for the next step: no pre_integral pass. */
    const double *restrict V = v->value[R_V];
    double *restrict V_prev = v->value[R_V_PREV];
    double *restrict spikes = v->value[R_SPIKES];
    DQ_SIMD_LOOP
    for (size_t i = 0; i < v->units; ++i) {
        spikes[i] += V_prev[i] < HH_SPIKE_LEVEL && V[i] >= HH_SPIKE_LEVEL ? 1.0 : 0.0;
        V_prev[i] = V[i];
    }
    return DQ_OK;
}

/* The spike's event function, V - 0 mV. */
static int hh_event(const dq_view_t *v)
{
    const double *restrict V = v->value[R_V];
    double *restrict g = v->event[E_SPIKE];
    DQ_SIMD_LOOP
    for (size_t i = 0; i < v->units; ++i)
        g[i] = V[i] - HH_SPIKE_LEVEL;
    return DQ_OK;
}

/* dV/dt, and with dVV its diagonal -(gNa m^3 h + gK n^4 + gL)/C. */
DQ_SIMD_CLONES static void hh_membrane(const hh_params_t *restrict P, const double *restrict V,
                                       const double *restrict m, const double *restrict h,
                                       const double *restrict n, const double *restrict I,
                                       double *restrict dV, double *restrict dVV, size_t units)
{
    const hh_params_t p = *P;
    const double invC = 1.0 / p.C;
    if (dVV) {
        DQ_SIMD_LOOP
        for (size_t i = 0; i < units; ++i) {
            dV[i] = hh_dV(&p, invC, V[i], m[i], h[i], n[i], I[i]);
            dVV[i] = hh_dV_dV_fused(&p, invC, m[i], h[i], n[i]);
        }
        return;
    }
    DQ_SIMD_LOOP
    for (size_t i = 0; i < units; ++i)
        dV[i] = hh_dV(&p, invC, V[i], m[i], h[i], n[i], I[i]);
}

/* V's diffusion: the input current's noise sigma dW over C (additive: no state enters). Only
 * when the host keeps a slot for it (an SDE solver); a deterministic run never gets here, so
 * its arithmetic, and its bits, are those of the model without noise. */
DQ_SIMD_CLONES static void hh_noise(const hh_t *d, const dq_view_t *v)
{
    double *restrict g = v->diffusion ? v->diffusion[R_V] : NULL;
    if (!g)
        return;
    const double *restrict sigma = d->sigma + v->unit0;
    const double C = d->p.C;
    DQ_SIMD_LOOP
    for (size_t i = 0; i < v->units; ++i)
        g[i] = sigma[i] / C;
}

static int hh_derivative(const dq_view_t *v)
{
    const hh_t *d = v->data;
    hh_membrane(&d->p, v->value[R_V], v->value[R_M], v->value[R_H], v->value[R_N],
                d->I_ext + v->unit0, v->derivative[R_V], NULL, v->units);
    hh_noise(d, v);
    return DQ_OK;
}

static int hh_derivative_diag(const dq_view_t *v)
{
    const hh_t *d = v->data;
    hh_membrane(&d->p, v->value[R_V], v->value[R_M], v->value[R_H], v->value[R_N],
                d->I_ext + v->unit0, v->derivative[R_V], v->jacobian_diag[R_V], v->units);
    hh_noise(d, v);
    return DQ_OK;
}

/* -(gNa m^3 h + gK n^4 + gL)/C: the membrane conductance over C. */
static void hh_jac_VV_loop(const hh_t *d, const dq_view_t *v, double *restrict J)
{
    if (!J)
        return;
    const double *restrict m = v->value[R_M];
    const double *restrict h = v->value[R_H];
    const double *restrict n = v->value[R_N];
    const hh_params_t p = d->p;
    for (size_t i = 0; i < v->units; ++i)
        J[i] = hh_jac_VV(&p, m[i], h[i], n[i]);
}

/* Row V in one pass when all four entries are asked for (the coupled solvers); plain
 * arithmetic, so the vector loop gives the bits of the scalar one (hh_jac_VV_loop). */
DQ_SIMD_CLONES static void hh_jac_V_row(const hh_params_t *restrict P, const double *restrict V,
                                        const double *restrict m, const double *restrict h,
                                        const double *restrict n, double *restrict jV,
                                        double *restrict jm, double *restrict jh,
                                        double *restrict jn, size_t units)
{
    const hh_params_t p = *P;
    DQ_SIMD_LOOP
    for (size_t i = 0; i < units; ++i) {
        jV[i] = hh_jac_VV(&p, m[i], h[i], n[i]);
        jm[i] = hh_jac_Vm(&p, V[i], m[i], h[i]);
        jh[i] = hh_jac_Vh(&p, V[i], m[i]);
        jn[i] = hh_jac_Vn(&p, V[i], n[i]);
    }
}

/* Row V: [-(gNa m^3 h + gK n^4 + gL), -3 gNa m^2 h (V-ENa), -gNa m^3 (V-ENa),
 * -4 gK n^3 (V-EK)] / C. */
static int hh_jacobian(const dq_view_t *v)
{
    const hh_t *d = v->data;
    const double *restrict V = v->value[R_V];
    const double *restrict m = v->value[R_M];
    const double *restrict h = v->value[R_H];
    const double *restrict n = v->value[R_N];
    const hh_params_t p = d->p;
    double *restrict jV = JAC(v, R_V, R_V), *restrict jm = JAC(v, R_V, R_M),
                     *restrict jh = JAC(v, R_V, R_H), *restrict jn = JAC(v, R_V, R_N);
    if (jV && jm && jh && jn) {
        hh_jac_V_row(&p, V, m, h, n, jV, jm, jh, jn, v->units);
        return DQ_OK;
    }
    hh_jac_VV_loop(d, v, jV);
    if (jm)
        for (size_t i = 0; i < v->units; ++i)
            jm[i] = hh_jac_Vm(&p, V[i], m[i], h[i]);
    if (jh)
        for (size_t i = 0; i < v->units; ++i)
            jh[i] = hh_jac_Vh(&p, V[i], m[i]);
    if (jn)
        for (size_t i = 0; i < v->units; ++i)
            jn[i] = hh_jac_Vn(&p, V[i], n[i]);
    return DQ_OK;
}

static int hh_jacobian_diag(const dq_view_t *v)
{
    hh_jac_VV_loop(v->data, v, v->jacobian_diag[R_V]);
    return DQ_OK;
}

/* ---- module 1: the gates -------------------------------------------------------------------- */

/* At rest: x = x_inf(V0) = alpha/(alpha + beta). From V0, not from the V state, so the
 * result does not depend on which module's init_state runs first. */
static int hh_gates_init(const dq_view_t *v)
{
    const hh_t *d = v->data;
    const double m0 = hh_steady(hh_rate_m(d->V0));
    const double h0 = hh_steady(hh_rate_h(d->V0));
    const double n0 = hh_steady(hh_rate_n(d->V0));
    double *restrict m = v->value[G_M];
    double *restrict h = v->value[G_H];
    double *restrict n = v->value[G_N];
    for (size_t i = 0; i < v->units; ++i) {
        m[i] = m0;
        h[i] = h0;
        n[i] = n0;
    }
    return DQ_OK;
}

static int hh_gates_derivative(const dq_view_t *v)
{
    hh_gate_loop(v->value[G_V], v->value[G_M], v->value[G_H], v->value[G_N], v->derivative[G_M],
                 v->derivative[G_H], v->derivative[G_N], NULL, NULL, NULL, v->units);
    return DQ_OK;
}

static int hh_gates_derivative_diag(const dq_view_t *v)
{
    hh_gate_loop(v->value[G_V], v->value[G_M], v->value[G_H], v->value[G_N], v->derivative[G_M],
                 v->derivative[G_H], v->derivative[G_N], v->jacobian_diag[G_M],
                 v->jacobian_diag[G_H], v->jacobian_diag[G_N], v->units);
    return DQ_OK;
}

/* The gates' Jacobian rows, d/dV = alpha'(1 - x) - beta' x and d/dx = -(alpha + beta), in one
 * vectorised pass that computes each gate's rates once. */
DQ_SIMD_CLONES static void hh_gate_jac_loop(const double *restrict V, const double *restrict m,
                                            const double *restrict h, const double *restrict n,
                                            double *restrict jmV, double *restrict jhV,
                                            double *restrict jnV, double *restrict jmm,
                                            double *restrict jhh, double *restrict jnn,
                                            size_t units)
{
    DQ_SIMD_LOOP
    for (size_t i = 0; i < units; ++i) {
        const hh_rate_t rm = hh_rate_m(V[i]), rh = hh_rate_h(V[i]), rn = hh_rate_n(V[i]);
        jmV[i] = hh_gate_dV(rm, m[i]);
        jhV[i] = hh_gate_dV(rh, h[i]);
        jnV[i] = hh_gate_dV(rn, n[i]);
        jmm[i] = hh_gate_dx(rm.a, rm.b);
        jhh[i] = hh_gate_dx(rh.a, rh.b);
        jnn[i] = hh_gate_dx(rn.a, rn.b);
    }
}

/* hh_gate_jac_loop for the diagonal, the three other entries that were not asked for (NULL)
 * written to the stack, a chunk at a time: the very loop the full Jacobian runs, so that its
 * diagonal and jacobian_diag give the same bits (two vectorised loops need not: the compiler
 * may pick other libmvec widths for each). */
static void hh_gate_jac(const dq_view_t *v, double *jmV, double *jhV, double *jnV, double *jmm,
                        double *jhh, double *jnn)
{
    enum { CHUNK = 8 * DQ_LANES };
    double tm[CHUNK], th[CHUNK], tn[CHUNK];
    for (size_t i0 = 0; i0 < v->units; i0 += CHUNK) {
        const size_t len = v->units - i0 < CHUNK ? v->units - i0 : CHUNK;
        hh_gate_jac_loop(v->value[G_V] + i0, v->value[G_M] + i0, v->value[G_H] + i0,
                         v->value[G_N] + i0, jmV ? jmV + i0 : tm, jhV ? jhV + i0 : th,
                         jnV ? jnV + i0 : tn, jmm + i0, jhh + i0, jnn + i0, len);
    }
}

/* Any other choice of entries (some gates integrated apart from the others): gate by gate,
 * entries left NULL skipped. A macro rather than a function of the rate so that each loop
 * calls its rate directly. */
#define HH_GATE_ROWS(v, S, rate)                                                                   \
    do {                                                                                           \
        const double *restrict V_ = (v)->value[G_V];                                               \
        const double *restrict x_ = (v)->value[S];                                                 \
        double *restrict jV_ = JAC(v, S, G_V), *restrict jx_ = JAC(v, S, S);                       \
        for (size_t i = 0; i < (v)->units; ++i) {                                                  \
            const hh_rate_t r_ = rate(V_[i]);                                                      \
            if (jV_)                                                                               \
                jV_[i] = hh_gate_dV(r_, x_[i]);                                                    \
            if (jx_)                                                                               \
                jx_[i] = hh_gate_dx(r_.a, r_.b);                                                   \
        }                                                                                          \
    } while (0)

static int hh_gates_jacobian(const dq_view_t *v)
{
    /* A gate's rate does not depend on the other gates. */
    for (int r = G_M; r <= G_N; ++r)
        for (int c = G_M; c <= G_N; ++c)
            if (c != r)
                jac_const(JAC(v, r, c), v->units, 0.0);
    double *jmV = JAC(v, G_M, G_V), *jhV = JAC(v, G_H, G_V), *jnV = JAC(v, G_N, G_V);
    double *jmm = JAC(v, G_M, G_M), *jhh = JAC(v, G_H, G_H), *jnn = JAC(v, G_N, G_N);
    const int diag = jmm && jhh && jnn;
    if (diag && ((jmV && jhV && jnV) || (!jmV && !jhV && !jnV))) {
        hh_gate_jac(v, jmV, jhV, jnV, jmm, jhh, jnn);
        return DQ_OK;
    }
    HH_GATE_ROWS(v, G_M, hh_rate_m);
    HH_GATE_ROWS(v, G_H, hh_rate_h);
    HH_GATE_ROWS(v, G_N, hh_rate_n);
    return DQ_OK;
}

static int hh_gates_jacobian_diag(const dq_view_t *v)
{
    double *const *d = v->jacobian_diag;
    if (d[G_M] && d[G_H] && d[G_N]) {
        hh_gate_jac(v, NULL, NULL, NULL, d[G_M], d[G_H], d[G_N]);
        return DQ_OK;
    }
    for (int g = G_M; g <= G_N; ++g)
        if (d[g])
            for (size_t i = 0; i < v->units; ++i) {
                const double V = v->value[G_V][i];
                const hh_rate_t r = g == G_M   ? hh_rate_m(V)
                                    : g == G_H ? hh_rate_h(V)
                                               : hh_rate_n(V);
                d[g][i] = hh_gate_dx(r.a, r.b);
            }
    return DQ_OK;
}

/* ---- descriptor ----------------------------------------------------------------------------- */

static const dq_state_desc_t hh_states[] = {
    {.name = "V",
     .unit = "mV",
     .doc = "membrane potential",
     .flags = DQ_STATE_DIFFUSION | DQ_STATE_ADDITIVE},
    {.name = "spikes",
     .unit = NULL,
     .doc = "spikes: upward crossings of 0 mV",
     .flags = DQ_STATE_AUX | DQ_STATE_COUNT},
    {.name = "V_prev",
     .unit = "mV",
     .doc = "V when the last step ended, for the next crossing test",
     .flags = DQ_STATE_AUX},
};

static const dq_event_desc_t hh_events[] = {
    {.name = "spike",
     .direction = DQ_EVENT_UP,
     .flags = DQ_EVENT_SPIKE,
     .doc = "V crosses 0 mV upward (recorded, no reset)"},
};

static const dq_state_desc_t hh_gate_states[] = {
    {.name = "m", .unit = NULL, .doc = "sodium activation gate"},
    {.name = "h", .unit = NULL, .doc = "sodium inactivation gate"},
    {.name = "n", .unit = NULL, .doc = "potassium activation gate"},
};

DQ_MODULE(hh_root, .name = "hh", .parent = -1, .states = hh_states, .n_states = DQ_COUNT(hh_states),
          .reads = DQ_READS("m", "h", "n"), .init_state = hh_init,
          .compute_derivative = hh_derivative, .post_integral = hh_post, .jacobian = hh_jacobian,
          .jacobian_diag = hh_jacobian_diag, .compute_derivative_diag = hh_derivative_diag,
          .events = hh_events, .n_events = DQ_COUNT(hh_events), .event = hh_event);

DQ_MODULE(hh_gates, .name = "gates", .parent = 0, .states = hh_gate_states,
          .n_states = DQ_COUNT(hh_gate_states), .reads = DQ_READS("V"), .init_state = hh_gates_init,
          .compute_derivative = hh_gates_derivative, .jacobian = hh_gates_jacobian,
          .jacobian_diag = hh_gates_jacobian_diag,
          .compute_derivative_diag = hh_gates_derivative_diag);

static const dq_param_desc_t hh_params[] = {
    {.name = "C",
     .def = 1.0,
     .unit = "uF/cm^2",
     .doc = "membrane capacitance",
     .flags = DQ_PARAM_POSITIVE,
     .offset = offsetof(hh_t, p.C)},
    {.name = "gNa",
     .def = 120.0,
     .unit = "mS/cm^2",
     .doc = "maximal sodium conductance",
     .offset = offsetof(hh_t, p.gNa)},
    {.name = "gK",
     .def = 36.0,
     .unit = "mS/cm^2",
     .doc = "maximal potassium conductance",
     .offset = offsetof(hh_t, p.gK)},
    {.name = "gL",
     .def = 0.3,
     .unit = "mS/cm^2",
     .doc = "leak conductance",
     .offset = offsetof(hh_t, p.gL)},
    {.name = "ENa",
     .def = 50.0,
     .unit = "mV",
     .doc = "sodium reversal potential",
     .offset = offsetof(hh_t, p.ENa)},
    {.name = "EK",
     .def = -77.0,
     .unit = "mV",
     .doc = "potassium reversal potential",
     .offset = offsetof(hh_t, p.EK)},
    {.name = "EL",
     .def = -54.387,
     .unit = "mV",
     .doc = "leak reversal potential",
     .offset = offsetof(hh_t, p.EL)},
    {.name = "I_ext",
     .def = 0.0,
     .unit = "uA/cm^2",
     .doc = "injected current (one value or one per neuron)",
     .flags = DQ_PARAM_PER_UNIT,
     .offset = offsetof(hh_t, I_ext)},
    {.name = "sigma",
     .def = 0.0,
     .unit = "uA/cm^2*sqrt(ms)",
     .doc = "input-current noise amplitude (one value or one per neuron)",
     .flags = DQ_PARAM_PER_UNIT,
     .offset = offsetof(hh_t, sigma)},
    {.name = "V0",
     .def = -65.0,
     .unit = "mV",
     .doc = "initial V(0); the gates start at steady state for it",
     .offset = offsetof(hh_t, V0)},
    {.name = "n",
     .def = 1.0,
     .unit = NULL,
     .doc = "population size (neurons)",
     .flags = DQ_PARAM_INTEGER | DQ_PARAM_POSITIVE | DQ_PARAM_POPULATION,
     .offset = offsetof(hh_t, n)},
};

DQ_MODEL(hh_desc, .name = "hh",
         .description = "Hodgkin-Huxley neurons C V' = I_ext + sigma xi(t) - gNa m^3 h (V-ENa) "
                        "- gK n^4 (V-EK) - gL (V-EL), x' = ax (1-x) - bx x for x = m, h, n.",
         .params = hh_params, .n_params = DQ_COUNT(hh_params),
         .modules = DQ_LIST(dq_module_desc_t, &hh_root, &hh_gates), .data_size = sizeof(hh_t),
         .time_unit = "ms");

DQ_PLUGIN_MODEL(hh_desc)
