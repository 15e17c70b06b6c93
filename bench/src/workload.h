/* SPDX-License-Identifier: MIT */
/* hh_eq.h -- the benchmark's equations, shared by every implementation (C and C++).
 *
 * Hodgkin-Huxley exactly as plugins/models/hh.c writes it -- same formulas, same order of
 * operations -- so that an implementation doing the same scheme agrees with dqhost to
 * rounding:
 *   C V' = I - gNa m^3 h (V - ENa) - gK n^4 (V - EK) - gL (V - EL)
 *   x'   = ax(V) (1 - x) - bx(V) x            for x = m, h, n
 *   am = 0.1 (V+40)/(1 - e^(-(V+40)/10))    bm = 4 e^(-(V+65)/18)
 *   ah = 0.07 e^(-(V+65)/20)                bh = 1/(1 + e^(-(V+35)/10))
 *   an = 0.01 (V+55)/(1 - e^(-(V+55)/10))   bn = 0.125 e^(-(V+65)/80)
 * with the model's default parameters, V(0) = -65 mV, the gates at steady state for it,
 * and I_ext spread over the population: I_i = 20 (i + 1/2) / n uA/cm^2 (10 for n = 1).
 * Peers keep the state as one vector in structure-of-arrays order [V | m | h | n].
 * The parameters (hh_params_t, tau) reach every loop as run-time values, as they reach
 * dqhost's model: no implementation gets to fold C = 1 or tau into its code.
 *
 * The scalar decay y' = -y/tau as plugins/models/decay.c writes it (-y/tau, not y*(-1/tau)),
 * with the model's default tau = 10 s.
 *
 * Everything is static inline: each translation unit (scalar, SIMD, C++) gets its own copy
 * compiled with its own flags. */
#ifndef BENCH_HH_EQ_H
#define BENCH_HH_EQ_H

#include <math.h>
#include <stddef.h>

#ifdef __cplusplus
#define BENCH_RESTRICT __restrict
#else
#define BENCH_RESTRICT restrict
#endif

#define HH_V0 (-65.0)
#define HH_DT 0.01 /* ms */

#define DECAY_TAU 10.0
#define DECAY_Y0 1.0
#define DECAY_DT 1e-6 /* 2e7 steps reach t = 2 tau: y = e^-2, far from denormals */

/* hh.c's parameters. */
typedef struct hh_params {
    double C, gNa, gK, gL, ENa, EK, EL;
} hh_params_t;

static inline hh_params_t hh_params_default(void)
{
    hh_params_t p = {1.0, 120.0, 36.0, 0.3, 50.0, -77.0, -54.387};
    return p;
}

/* The classical RK4 weights, written as plugins/solvers/tableaux/rk4.h writes them. */
#define RK4_B1 (1.0 / 6.0)
#define RK4_B2 (1.0 / 3.0)

static inline double hh_iext(size_t i, size_t n)
{
    return 20.0 * ((double)i + 0.5) / (double)n;
}

/* x / (1 - e^(-x/10)) with its limit 10 at x = 0 (hh.c's hh_linexp). */
static inline double hh_linexp(double x)
{
    const double xs = x == 0.0 ? 1.0 : x;
    const double q = xs / -expm1(-xs / 10.0);
    return x == 0.0 ? 10.0 : q;
}

/* d/dx of hh_linexp (hh.c's hh_linexp_dx). */
static inline double hh_linexp_dx(double x)
{
    const double y = x / 10.0, y2 = y * y;
    const int small = fabs(y) < 1e-2;
    const double series = 0.5 + y * (1.0 / 6.0 + y2 * (-1.0 / 180.0 + y2 / 5040.0));
    const double ys = small ? 1.0 : y;
    const double closed = (1.0 - ys / expm1(ys)) / -expm1(-ys);
    return small ? series : closed;
}

/* The six rates at V. */
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

/* dV/dt, in hh.c's order of operations. */
static inline double hh_dV(const hh_params_t *P, double V, double m, double h, double n, double I)
{
    const double m3h = m * m * m * h;
    const double n2 = n * n;
    return (I - P->gNa * m3h * (V - P->ENa) - P->gK * n2 * n2 * (V - P->EK) - P->gL * (V - P->EL)) /
           P->C;
}

/* The four derivatives of one unit. */
static inline void hh_deriv(const hh_params_t *P, double V, double m, double h, double n, double I,
                            double *dV, double *dm, double *dh, double *dn)
{
    double am, bm, ah, bh, an, bn;
    hh_rates(V, &am, &bm, &ah, &bh, &an, &bn);
    *dV = hh_dV(P, V, m, h, n, I);
    *dm = am * (1.0 - m) - bm * m;
    *dh = ah * (1.0 - h) - bh * h;
    *dn = an * (1.0 - n) - bn * n;
}

/* dF_V/dV = -(gNa m^3 h + gK n^4 + gL)/C, as hh.c's hh_jac_VV groups it. */
static inline double hh_jac_VV(const hh_params_t *P, double m, double h, double n)
{
    const double n2 = n * n;
    return -(P->gNa * m * m * m * h + P->gK * n2 * n2 + P->gL) / P->C;
}

/* The initial state: V0 and the gates at steady state for V0. */
static inline void hh_initial(double *V, double *m, double *h, double *n)
{
    double am, bm, ah, bh, an, bn;
    hh_rates(HH_V0, &am, &bm, &ah, &bh, &an, &bn);
    *V = HH_V0;
    *m = am / (am + bm);
    *h = ah / (ah + bh);
    *n = an / (an + bn);
}

/* The right-hand side over a structure-of-arrays vector y = [V | m | h | n] of n units,
 * for the peers (one call per stage, as their APIs require). */
static inline void hh_rhs_soa(const hh_params_t *Pp, const double *BENCH_RESTRICT y,
                              double *BENCH_RESTRICT f, const double *BENCH_RESTRICT I, size_t n)
{
    const hh_params_t P = *Pp;
    const double *V = y, *m = y + n, *h = y + 2 * n, *g = y + 3 * n;
    double *dV = f, *dm = f + n, *dh = f + 2 * n, *dg = f + 3 * n;
    for (size_t i = 0; i < n; ++i)
        hh_deriv(&P, V[i], m[i], h[i], g[i], I[i], &dV[i], &dm[i], &dh[i], &dg[i]);
}

/* Fills y = [V | m | h | n] and I for n units. */
static inline void hh_init_soa(double *y, double *I, size_t n)
{
    double V0, m0, h0, n0;
    hh_initial(&V0, &m0, &h0, &n0);
    for (size_t i = 0; i < n; ++i) {
        y[i] = V0;
        y[n + i] = m0;
        y[2 * n + i] = h0;
        y[3 * n + i] = n0;
        I[i] = hh_iext(i, n);
    }
}

/* Counts upward crossings of 0 mV since Vprev and remembers V, as hh.c's pre/post do. */
static inline void hh_count_spikes(const double *BENCH_RESTRICT V, double *BENCH_RESTRICT Vprev,
                                   double *BENCH_RESTRICT spikes, size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        spikes[i] += Vprev[i] < 0.0 && V[i] >= 0.0 ? 1.0 : 0.0;
        Vprev[i] = V[i];
    }
}

static inline double decay_f(double y, double tau)
{
    return -y / tau;
}

#endif
