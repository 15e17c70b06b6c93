/* SPDX-License-Identifier: MIT */
/* hh_eq.h -- the Hodgkin-Huxley (1952) equations, written once: the model plugin hh.c (its
 * unit loops and its Jacobian) and the benchmark's hand-written peers (bench/src) include
 * this file, so a change here reaches both and the benchmark's agreement check keeps
 * comparing like with like.
 *
 * -65 mV rest convention; time in ms, voltages in mV, rates in 1/ms:
 *   C V' = I - gNa m^3 h (V - ENa) - gK n^4 (V - EK) - gL (V - EL)
 *   x'   = ax(V) (1 - x) - bx(V) x            for the gates x = m, h, n
 *   am = 0.1 (V+40)/(1 - e^(-(V+40)/10))    bm = 4 e^(-(V+65)/18)
 *   ah = 0.07 e^(-(V+65)/20)                bh = 1/(1 + e^(-(V+35)/10))
 *   an = 0.01 (V+55)/(1 - e^(-(V+55)/10))   bn = 0.125 e^(-(V+65)/80)
 *
 * Plain C that is also C++ (the Boost peer), no SDK: everything is static inline, so each
 * translation unit compiles its own copy with its own flags. A unit loop that calls these
 * functions vectorises when the includer has declared exp and expm1 SIMD-callable first
 * (<dq/simd.h> in hh.c, hand_simd.c in the benchmark). The order of operations is part of
 * the contract: results are compared to the last bit. */
#ifndef HH_EQ_H
#define HH_EQ_H

#include <math.h>

/* The membrane's parameters (the model's defaults are 1, 120, 36, 0.3, 50, -77, -54.387). */
typedef struct hh_params {
    double C, gNa, gK, gL, ENa, EK, EL;
} hh_params_t;

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
 * The closed form cancels as y -> 0 (error ~ (error of expm1)/|y|), so for |y| < 0.1 use the
 * Taylor series g'(y) = sum B_k y^(k-1)/(k-1)! (B_k the Bernoulli numbers, B_1 = +1/2):
 * 1/2 + y/6 - y^3/180 + y^5/5040 - y^7/151200 + y^9/4790016 (next term 6.3e-9 y^11: below
 * 1e-19 there). So the closed form amplifies expm1's error at most tenfold, which keeps the
 * vectorised Jacobian (libmvec's expm1, within 4 ulp) accurate too. */
static inline double hh_linexp_dx(double x)
{
    const double y = x / 10.0, y2 = y * y;
    const int small = fabs(y) < 0.1;
    const double series =
        0.5 +
        y * (1.0 / 6.0 +
             y2 * (-1.0 / 180.0 + y2 * (1.0 / 5040.0 + y2 * (-1.0 / 151200.0 + y2 / 4790016.0))));
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
    hh_rate_t r;
    r.b = 4.0 * exp(-(V + 65.0) / 18.0);
    r.a = 0.1 * hh_linexp(V + 40.0);
    r.da = 0.1 * hh_linexp_dx(V + 40.0);
    r.db = -r.b / 18.0;
    return r;
}

/* alpha_h = 0.07 e^(-(V+65)/20), beta_h = 1/(1 + e^(-(V+35)/10)). */
static inline hh_rate_t hh_rate_h(double V)
{
    hh_rate_t r;
    const double e = exp(-(V + 35.0) / 10.0);
    r.a = 0.07 * exp(-(V + 65.0) / 20.0);
    r.b = 1.0 / (1.0 + e);
    r.da = -r.a / 20.0;
    /* d beta_h/dV = e/(10 (1+e)^2) = b (1 - b)/10, with 1 - b written e b to avoid cancelling. */
    r.db = r.b * (e * r.b) / 10.0;
    return r;
}

/* alpha_n = 0.01 (V+55)/(1 - e^(-(V+55)/10)), beta_n = 0.125 e^(-(V+65)/80). */
static inline hh_rate_t hh_rate_n(double V)
{
    hh_rate_t r;
    r.b = 0.125 * exp(-(V + 65.0) / 80.0);
    r.a = 0.01 * hh_linexp(V + 55.0);
    r.da = 0.01 * hh_linexp_dx(V + 55.0);
    r.db = -r.b / 80.0;
    return r;
}

/* x_inf = alpha/(alpha + beta): the gate at rest for a fixed V. */
static inline double hh_steady(hh_rate_t r)
{
    return r.a / (r.a + r.b);
}

/* The six rates without their V-derivatives: what a derivative evaluation needs (six
 * exponentials per neuron), written so that unit loops vectorise. */
static inline void hh_rates(double V, double *am, double *bm, double *ah, double *bh, double *an,
                            double *bn)
{
    *am = 0.1 * hh_linexp(V + 40.0);
    *bm = 4.0 * exp(-(V + 65.0) / 18.0);
    *ah = 0.07 * exp(-(V + 65.0) / 20.0);
    *bh = 1.0 / (1.0 + exp(-(V + 35.0) / 10.0));
    *an = 0.01 * hh_linexp(V + 55.0);
    *bn = 0.125 * exp(-(V + 65.0) / 80.0);
}

/* ---- gates ---------------------------------------------------------------------------------- */

/* dx/dt = a (1 - x) - b x. */
static inline double hh_gate(double a, double b, double x)
{
    return a * (1.0 - x) - b * x;
}

/* Its Jacobian row: d/dV = alpha'(1 - x) - beta' x, d/dx = -(alpha + beta). */
static inline double hh_gate_dV(hh_rate_t r, double x)
{
    return r.da * (1.0 - x) - r.db * x;
}
static inline double hh_gate_dx(double a, double b)
{
    return -(a + b);
}

/* ---- membrane ------------------------------------------------------------------------------- */

/* The open conductances gNa m^3 h and gK n^4. */
static inline double hh_g_na(const hh_params_t *P, double m, double h)
{
    return P->gNa * m * m * m * h;
}

static inline double hh_g_k(const hh_params_t *P, double n)
{
    const double n2 = n * n;
    return P->gK * n2 * n2;
}

/* dV/dt = (I - gNa m^3 h (V - ENa) - gK n^4 (V - EK) - gL (V - EL)) / C, times invC = 1/C
 * (computed once, out of the unit loop). */
static inline double hh_dV(const hh_params_t *P, double invC, double V, double m, double h,
                           double n, double I)
{
    const double gna = hh_g_na(P, m, h), gk = hh_g_k(P, n);
    return (I - gna * (V - P->ENa) - gk * (V - P->EK) - P->gL * (V - P->EL)) * invC;
}

/* dF_V/dV = -(gNa m^3 h + gK n^4 + gL)/C as the fused derivative-and-diagonal pass has it:
 * times invC, from the conductances its dV/dt computed anyway. */
static inline double hh_dV_dV_fused(const hh_params_t *P, double invC, double m, double h, double n)
{
    return -(hh_g_na(P, m, h) + hh_g_k(P, n) + P->gL) * invC;
}

/* The membrane's Jacobian row, as the analytic Jacobian has it (divided by C; it may
 * differ from hh_dV_dV_fused in the last bit):
 *   [-(gNa m^3 h + gK n^4 + gL), -3 gNa m^2 h (V-ENa), -gNa m^3 (V-ENa), -4 gK n^3 (V-EK)] / C */
static inline double hh_jac_VV(const hh_params_t *P, double m, double h, double n)
{
    return -(hh_g_na(P, m, h) + hh_g_k(P, n) + P->gL) / P->C;
}

static inline double hh_jac_Vm(const hh_params_t *P, double V, double m, double h)
{
    return -3.0 * P->gNa * m * m * h * (V - P->ENa) / P->C;
}

static inline double hh_jac_Vh(const hh_params_t *P, double V, double m)
{
    return -P->gNa * m * m * m * (V - P->ENa) / P->C;
}

static inline double hh_jac_Vn(const hh_params_t *P, double V, double n)
{
    return -4.0 * P->gK * n * n * n * (V - P->EK) / P->C;
}

#endif
