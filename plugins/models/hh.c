/* SPDX-License-Identifier: MIT */
/* hh.c -- a population of Hodgkin-Huxley (1952) neurons in the -65 mV rest convention:
 * C V' = I_ext - gNa m^3 h (V - ENa) - gK n^4 (V - EK) - gL (V - EL), x' = ax(V)(1 - x) - bx(V) x
 * for the gates x = m, h, n. Time in ms, voltages in mV, rates in 1/ms. With the default
 * EL = -54.387 mV the resting potential is -64.996 mV (dV/dt = 0.0042 mV/ms at -65).
 * Module 0 ("hh") owns V and two aux states, `spikes` (upward crossings of 0 mV) and
 * `V_prev` (V at the end of the last step, for the next step's crossing test); module 1
 * ("gates") owns m, h, n. Model-wide numbering: V 0, spikes 1, V_prev 2, m 3, h 4, n 5.
 * Each module writes its own Jacobian rows; the host leaves the aux states' entries NULL.
 *
 * Speed: the unit loops are vectorised with glibc's vector exp/expm1 (<dq/simd.h>), and
 * each module also gives compute_derivative_diag, its derivative with the diagonal of its
 * Jacobian in the same pass (a gate's -(alpha + beta) comes with its rates). So
 * ind_exp_euler costs one model evaluation per step and is, for the gates, the Rush-Larsen
 * scheme. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <dq/dq.h>
#include <dq/simd.h>

enum { P_C, P_GNA, P_GK, P_GL, P_ENA, P_EK, P_EL, P_I_EXT, P_V0, P_N, N_PARAMS };
enum { S_V, S_SPIKES, S_V_PREV, S_M, S_H, S_N, N_STATES };

#define HH_SPIKE_LEVEL 0.0 /* mV: an upward crossing of it counts as a spike */

typedef struct hh {
    double C, gNa, gK, gL, ENa, EK, EL;
    double V0;
    double I_ext[]; /* one per neuron, indexed by population index */
} hh_t;

/* ---- rates ---------------------------------------------------------------------------------- */

/* x / (1 - e^(-x/10)), the form of alpha_m and alpha_n. It is 0/0 at x = 0 (V = -40 and
 * -55 mV), where the limit is 10; expm1 keeps it accurate right next to that point. Both
 * sides are computed and one selected (no branch in unit loops); the other side gets a safe
 * argument so that no 0/0 raises FE_INVALID. */
static inline double hh_linexp(double x)
{
    const double xs = x == 0.0 ? 1.0 : x;
    const double q = xs / -expm1(-xs / 10.0);
    return x == 0.0 ? 10.0 : q;
}

/* d/dx of hh_linexp: g'(y) = (1 - y/(e^y - 1)) / (1 - e^-y) with y = x/10, limit 1/2 at 0.
 * The closed form cancels as y -> 0 (error ~ eps/|y|), so near 0 use the Taylor series of
 * g'(y) = 1/2 + y/6 - y^3/180 + y^5/5040 (next term y^7/151200: below 1e-19 for |y| < 1e-2).
 */
static inline double hh_linexp_dx(double x)
{
    const double y = x / 10.0, y2 = y * y;
    const int small = fabs(y) < 1e-2;
    const double series = 0.5 + y * (1.0 / 6.0 + y2 * (-1.0 / 180.0 + y2 / 5040.0));
    const double ys = small ? 1.0 : y;
    const double closed = (1.0 - ys / expm1(ys)) / -expm1(-ys);
    return small ? series : closed;
}

/* alpha and beta of a gate, and their derivatives in V. */
typedef struct hh_rate {
    double a, b, da, db;
} hh_rate_t;

/* alpha_m = 0.1 (V+40)/(1 - e^(-(V+40)/10)), beta_m = 4 e^(-(V+65)/18). */
static inline hh_rate_t hh_rate_m(double V)
{
    const double b = 4.0 * exp(-(V + 65.0) / 18.0);
    return (hh_rate_t){.a = 0.1 * hh_linexp(V + 40.0),
                       .b = b,
                       .da = 0.1 * hh_linexp_dx(V + 40.0),
                       .db = -b / 18.0};
}

/* alpha_h = 0.07 e^(-(V+65)/20), beta_h = 1/(1 + e^(-(V+35)/10)). */
static inline hh_rate_t hh_rate_h(double V)
{
    const double a = 0.07 * exp(-(V + 65.0) / 20.0);
    const double e = exp(-(V + 35.0) / 10.0);
    const double b = 1.0 / (1.0 + e);
    /* d beta_h/dV = e/(10 (1+e)^2) = b (1 - b)/10, with 1 - b written e b to avoid cancelling. */
    return (hh_rate_t){.a = a, .b = b, .da = -a / 20.0, .db = b * (e * b) / 10.0};
}

/* alpha_n = 0.01 (V+55)/(1 - e^(-(V+55)/10)), beta_n = 0.125 e^(-(V+65)/80). */
static inline hh_rate_t hh_rate_n(double V)
{
    const double b = 0.125 * exp(-(V + 65.0) / 80.0);
    return (hh_rate_t){.a = 0.01 * hh_linexp(V + 55.0),
                       .b = b,
                       .da = 0.01 * hh_linexp_dx(V + 55.0),
                       .db = -b / 80.0};
}

static inline double hh_steady(hh_rate_t r) { return r.a / (r.a + r.b); }

/* The six rates without their V-derivatives: what a derivative evaluation needs (six
 * exponentials per neuron), written so that the unit loops vectorise. */
static inline void hh_rates(double V, double *am, double *bm, double *ah, double *bh,
                            double *an, double *bn)
{
    *am = 0.1 * hh_linexp(V + 40.0);
    *bm = 4.0 * exp(-(V + 65.0) / 18.0);
    *ah = 0.07 * exp(-(V + 65.0) / 20.0);
    *bh = 1.0 / (1.0 + exp(-(V + 35.0) / 10.0));
    *an = 0.01 * hh_linexp(V + 55.0);
    *bn = 0.125 * exp(-(V + 65.0) / 80.0);
}

/* ---- instance ------------------------------------------------------------------------------- */

static int hh_create(const dq_param_value_t *p, size_t *units, void **data, char *msg,
                     size_t msglen)
{
    const size_t n = (size_t)p[P_N].v[0];
    const dq_param_value_t *I = &p[P_I_EXT];
    /* Never read past a short array, whatever the host checked. */
    if (dq_param_check_units(I, n, "I_ext", msg, msglen))
        return DQ_EINVAL;
    hh_t *d = malloc(sizeof *d + n * sizeof d->I_ext[0]);
    if (!d)
        return DQ_ENOMEM;
    d->C = p[P_C].v[0];
    d->gNa = p[P_GNA].v[0];
    d->gK = p[P_GK].v[0];
    d->gL = p[P_GL].v[0];
    d->ENa = p[P_ENA].v[0];
    d->EK = p[P_EK].v[0];
    d->EL = p[P_EL].v[0];
    d->V0 = p[P_V0].v[0];
    dq_param_spread(I, d->I_ext, n);
    *units = n;
    *data = d;
    return DQ_OK;
}

static void hh_destroy(void *data) { free(data); }

/* Entries the host left out (NULL: the state is integrated elsewhere) are skipped. */
static void jac_const(double *J, size_t units, double value)
{
    if (!J)
        return;
    for (size_t i = 0; i < units; ++i)
        J[i] = value;
}

#define JAC(v, r, c) ((v)->jacobian[(r) * N_STATES + (c)])

/* ---- module 0: the membrane ----------------------------------------------------------------- */

static int hh_init(const dq_view_t *v)
{
    const hh_t *d = v->data;
    double *restrict V = v->value[S_V];
    double *restrict spikes = v->value[S_SPIKES];
    double *restrict V_prev = v->value[S_V_PREV];
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
    const double *restrict V = v->value[S_V];
    double *restrict V_prev = v->value[S_V_PREV];
    double *restrict spikes = v->value[S_SPIKES];
    DQ_SIMD_LOOP
    for (size_t i = 0; i < v->units; ++i) {
        spikes[i] += V_prev[i] < HH_SPIKE_LEVEL && V[i] >= HH_SPIKE_LEVEL ? 1.0 : 0.0;
        V_prev[i] = V[i];
    }
    return DQ_OK;
}

/* dV/dt, and with dVV its diagonal -(gNa m^3 h + gK n^4 + gL)/C. */
DQ_SIMD_CLONES static void hh_membrane(const hh_t *restrict d, const double *restrict V,
                                       const double *restrict m, const double *restrict h,
                                       const double *restrict n, const double *restrict I,
                                       double *restrict dV, double *restrict dVV, size_t units)
{
    const double invC = 1.0 / d->C, gNa = d->gNa, gK = d->gK, gL = d->gL;
    const double ENa = d->ENa, EK = d->EK, EL = d->EL;
    if (dVV) {
        DQ_SIMD_LOOP
        for (size_t i = 0; i < units; ++i) {
            const double gna = gNa * m[i] * m[i] * m[i] * h[i];
            const double n2 = n[i] * n[i], gk = gK * n2 * n2;
            dV[i] = (I[i] - gna * (V[i] - ENa) - gk * (V[i] - EK) - gL * (V[i] - EL)) * invC;
            dVV[i] = -(gna + gk + gL) * invC;
        }
        return;
    }
    DQ_SIMD_LOOP
    for (size_t i = 0; i < units; ++i) {
        const double gna = gNa * m[i] * m[i] * m[i] * h[i];
        const double n2 = n[i] * n[i], gk = gK * n2 * n2;
        dV[i] = (I[i] - gna * (V[i] - ENa) - gk * (V[i] - EK) - gL * (V[i] - EL)) * invC;
    }
}

static int hh_derivative(const dq_view_t *v)
{
    const hh_t *d = v->data;
    hh_membrane(d, v->value[S_V], v->value[S_M], v->value[S_H], v->value[S_N],
                d->I_ext + v->unit0, v->derivative[S_V], NULL, v->units);
    return DQ_OK;
}

static int hh_derivative_diag(const dq_view_t *v)
{
    const hh_t *d = v->data;
    hh_membrane(d, v->value[S_V], v->value[S_M], v->value[S_H], v->value[S_N],
                d->I_ext + v->unit0, v->derivative[S_V], v->jacobian_diag[S_V], v->units);
    return DQ_OK;
}

/* -(gNa m^3 h + gK n^4 + gL)/C: the membrane conductance over C. */
static void hh_jac_VV(const hh_t *d, const dq_view_t *v, double *restrict J)
{
    if (!J)
        return;
    const double *restrict m = v->value[S_M];
    const double *restrict h = v->value[S_H];
    const double *restrict n = v->value[S_N];
    const double C = d->C, gNa = d->gNa, gK = d->gK, gL = d->gL;
    for (size_t i = 0; i < v->units; ++i) {
        const double n2 = n[i] * n[i];
        J[i] = -(gNa * m[i] * m[i] * m[i] * h[i] + gK * n2 * n2 + gL) / C;
    }
}

/* Row V: [-(gNa m^3 h + gK n^4 + gL), -3 gNa m^2 h (V-ENa), -gNa m^3 (V-ENa),
 * -4 gK n^3 (V-EK)] / C. */
static int hh_jacobian(const dq_view_t *v)
{
    const hh_t *d = v->data;
    const double *restrict V = v->value[S_V];
    const double *restrict m = v->value[S_M];
    const double *restrict h = v->value[S_H];
    const double *restrict n = v->value[S_N];
    const double C = d->C, gNa = d->gNa, gK = d->gK, ENa = d->ENa, EK = d->EK;
    hh_jac_VV(d, v, JAC(v, S_V, S_V));
    double *restrict jm = JAC(v, S_V, S_M);
    if (jm)
        for (size_t i = 0; i < v->units; ++i)
            jm[i] = -3.0 * gNa * m[i] * m[i] * h[i] * (V[i] - ENa) / C;
    double *restrict jh = JAC(v, S_V, S_H);
    if (jh)
        for (size_t i = 0; i < v->units; ++i)
            jh[i] = -gNa * m[i] * m[i] * m[i] * (V[i] - ENa) / C;
    double *restrict jn = JAC(v, S_V, S_N);
    if (jn)
        for (size_t i = 0; i < v->units; ++i)
            jn[i] = -4.0 * gK * n[i] * n[i] * n[i] * (V[i] - EK) / C;
    return DQ_OK;
}

static int hh_jacobian_diag(const dq_view_t *v)
{
    hh_jac_VV(v->data, v, v->jacobian_diag[S_V]);
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
    double *restrict m = v->value[S_M];
    double *restrict h = v->value[S_H];
    double *restrict n = v->value[S_N];
    for (size_t i = 0; i < v->units; ++i) {
        m[i] = m0;
        h[i] = h0;
        n[i] = n0;
    }
    return DQ_OK;
}

/* dx/dt = a (1 - x) - b x for the three gates, and with diag set d(dx/dt)/dx = -(a + b),
 * which the rates give for free (so a per-state exponential step costs one pass). */
DQ_SIMD_CLONES static void hh_gate_loop(const double *restrict V, const double *restrict m,
                                    const double *restrict h, const double *restrict n,
                                    double *restrict dm, double *restrict dh,
                                    double *restrict dn, double *restrict jm,
                                    double *restrict jh, double *restrict jn, size_t units)
{
    if (jm) {
        DQ_SIMD_LOOP
        for (size_t i = 0; i < units; ++i) {
            double am, bm, ah, bh, an, bn;
            hh_rates(V[i], &am, &bm, &ah, &bh, &an, &bn);
            dm[i] = am * (1.0 - m[i]) - bm * m[i];
            dh[i] = ah * (1.0 - h[i]) - bh * h[i];
            dn[i] = an * (1.0 - n[i]) - bn * n[i];
            jm[i] = -(am + bm);
            jh[i] = -(ah + bh);
            jn[i] = -(an + bn);
        }
        return;
    }
    DQ_SIMD_LOOP
    for (size_t i = 0; i < units; ++i) {
        double am, bm, ah, bh, an, bn;
        hh_rates(V[i], &am, &bm, &ah, &bh, &an, &bn);
        dm[i] = am * (1.0 - m[i]) - bm * m[i];
        dh[i] = ah * (1.0 - h[i]) - bh * h[i];
        dn[i] = an * (1.0 - n[i]) - bn * n[i];
    }
}

static int hh_gates_derivative(const dq_view_t *v)
{
    hh_gate_loop(v->value[S_V], v->value[S_M], v->value[S_H], v->value[S_N], v->derivative[S_M],
             v->derivative[S_H], v->derivative[S_N], NULL, NULL, NULL, v->units);
    return DQ_OK;
}

static int hh_gates_derivative_diag(const dq_view_t *v)
{
    hh_gate_loop(v->value[S_V], v->value[S_M], v->value[S_H], v->value[S_N], v->derivative[S_M],
             v->derivative[S_H], v->derivative[S_N], v->jacobian_diag[S_M],
             v->jacobian_diag[S_H], v->jacobian_diag[S_N], v->units);
    return DQ_OK;
}

/* One gate's row: d/dV = alpha'(1 - x) - beta' x, d/dx = -(alpha + beta), 0 for the other
 * gates. A macro rather than a function of the rate so that each loop calls its rate
 * directly (no per-unit function pointer) and vectorises. */
#define HH_GATE_ROWS(v, S, rate)                                                               \
    do {                                                                                       \
        const double *restrict V_ = (v)->value[S_V];                                           \
        const double *restrict x_ = (v)->value[S];                                             \
        double *restrict jV_ = JAC(v, S, S_V);                                                 \
        double *restrict jx_ = JAC(v, S, S);                                                   \
        if (jV_)                                                                               \
            for (size_t i = 0; i < (v)->units; ++i) {                                          \
                const hh_rate_t r_ = rate(V_[i]);                                              \
                jV_[i] = r_.da * (1.0 - x_[i]) - r_.db * x_[i];                                \
            }                                                                                  \
        if (jx_)                                                                               \
            for (size_t i = 0; i < (v)->units; ++i) {                                          \
                const hh_rate_t r_ = rate(V_[i]);                                              \
                jx_[i] = -(r_.a + r_.b);                                                       \
            }                                                                                  \
        for (int c_ = S_M; c_ <= S_N; ++c_)                                                    \
            if (c_ != (S))                                                                     \
                jac_const(JAC(v, S, c_), (v)->units, 0.0);                                     \
    } while (0)

static int hh_gates_jacobian(const dq_view_t *v)
{
    HH_GATE_ROWS(v, S_M, hh_rate_m);
    HH_GATE_ROWS(v, S_H, hh_rate_h);
    HH_GATE_ROWS(v, S_N, hh_rate_n);
    return DQ_OK;
}

static int hh_gates_jacobian_diag(const dq_view_t *v)
{
    /* The derivative comes along for free; it goes to scratch the host does not read. */
    double *jm = v->jacobian_diag[S_M], *jh = v->jacobian_diag[S_H], *jn = v->jacobian_diag[S_N];
    for (size_t i0 = 0; i0 < v->units; i0 += 64) {
        double sm[64], sh[64], sn[64];
        size_t k = v->units - i0 < 64 ? v->units - i0 : 64;
        hh_gate_loop(v->value[S_V] + i0, v->value[S_M] + i0, v->value[S_H] + i0,
                 v->value[S_N] + i0, sm, sh, sn, jm + i0, jh + i0, jn + i0, k);
    }
    return DQ_OK;
}

/* ---- descriptor ----------------------------------------------------------------------------- */

static const dq_state_desc_t hh_states[] = {
    {.name = "V", .unit = "mV", .doc = "membrane potential"},
    {.name = "spikes", .unit = NULL, .doc = "spikes: upward crossings of 0 mV",
     .flags = DQ_STATE_AUX | DQ_STATE_COUNT},
    {.name = "V_prev",
     .unit = "mV",
     .doc = "V when the last step ended, for the next crossing test",
     .flags = DQ_STATE_AUX},
};

static const dq_state_desc_t hh_gate_states[] = {
    {.name = "m", .unit = NULL, .doc = "sodium activation gate"},
    {.name = "h", .unit = NULL, .doc = "sodium inactivation gate"},
    {.name = "n", .unit = NULL, .doc = "potassium activation gate"},
};

DQ_MODULE(hh_root,
          .name = "hh",
          .parent = -1,
          .states = hh_states,
          .n_states = 3,
          .init_state = hh_init,
          .compute_derivative = hh_derivative,
          .post_integral = hh_post,
          .jacobian = hh_jacobian,
          .jacobian_diag = hh_jacobian_diag,
          .compute_derivative_diag = hh_derivative_diag);

DQ_MODULE(hh_gates,
          .name = "gates",
          .parent = 0,
          .states = hh_gate_states,
          .n_states = 3,
          .init_state = hh_gates_init,
          .compute_derivative = hh_gates_derivative,
          .jacobian = hh_gates_jacobian,
          .jacobian_diag = hh_gates_jacobian_diag,
          .compute_derivative_diag = hh_gates_derivative_diag);

static const dq_param_desc_t hh_params[] = {
    {.name = "C", .def = 1.0, .unit = "uF/cm^2", .doc = "membrane capacitance",
     .flags = DQ_PARAM_POSITIVE},
    {.name = "gNa", .def = 120.0, .unit = "mS/cm^2", .doc = "maximal sodium conductance"},
    {.name = "gK", .def = 36.0, .unit = "mS/cm^2", .doc = "maximal potassium conductance"},
    {.name = "gL", .def = 0.3, .unit = "mS/cm^2", .doc = "leak conductance"},
    {.name = "ENa", .def = 50.0, .unit = "mV", .doc = "sodium reversal potential"},
    {.name = "EK", .def = -77.0, .unit = "mV", .doc = "potassium reversal potential"},
    {.name = "EL", .def = -54.387, .unit = "mV", .doc = "leak reversal potential"},
    {.name = "I_ext", .def = 0.0, .unit = "uA/cm^2",
     .doc = "injected current (one value or one per neuron)", .flags = DQ_PARAM_PER_UNIT},
    {.name = "V0", .def = -65.0, .unit = "mV",
     .doc = "initial V(0); the gates start at steady state for it"},
    {.name = "n", .def = 1.0, .unit = NULL, .doc = "population size (neurons)",
     .flags = DQ_PARAM_INTEGER | DQ_PARAM_POSITIVE},
};

DQ_MODEL(hh_desc,
         .name = "hh",
         .description = "Hodgkin-Huxley neurons C V' = I_ext - gNa m^3 h (V-ENa) - gK n^4 (V-EK) "
                        "- gL (V-EL), x' = ax (1-x) - bx x for x = m, h, n.",
         .params = hh_params,
         .n_params = N_PARAMS,
         .modules = DQ_LIST(dq_module_desc_t, &hh_root, &hh_gates),
         .create = hh_create,
         .destroy = hh_destroy,
         .time_unit = "ms");

DQ_PLUGIN_MODEL(hh_desc)
