/* SPDX-License-Identifier: MIT */
/* workload.h -- the benchmark's workloads, shared by every implementation (C and C++).
 *
 * Hodgkin-Huxley from plugins/models/hh_eq.h, the very functions plugins/models/hh.c runs
 * (same formulas, same order of operations), so that an implementation doing the same
 * scheme agrees with dqhost to rounding; with the model's default parameters,
 * V(0) = -65 mV, the gates at steady state for it, and I_ext spread over the population:
 * I_i = 20 (i + 1/2) / n uA/cm^2 (10 for n = 1). Peers keep the state as one vector in
 * structure-of-arrays order [V | m | h | n]. The parameters (hh_params_t, tau) reach every
 * loop as run-time values, as they reach dqhost's model: no implementation gets to fold
 * C = 1 or tau into its code.
 *
 * The scalar decay y' = -y/tau as plugins/models/decay.c writes it (-y/tau, not y*(-1/tau)),
 * with the model's default tau = 10 s.
 *
 * Noise (issue #11): hh's sigma adds sigma dW to C dV (V's diffusion sigma/C); the
 * Ornstein-Uhlenbeck process dx = theta (mu - x) dt + sigma dW as plugins/models/ou.c writes
 * it, with its defaults. Implementations that use dqhost's noise draw it with seed BENCH_SEED.
 *
 * Everything is static inline: each translation unit (scalar, SIMD, C++) gets its own copy
 * compiled with its own flags. */
#ifndef BENCH_WORKLOAD_H
#define BENCH_WORKLOAD_H

#include <math.h>
#include <stddef.h>

#include "hh_eq.h" /* plugins/models: the equations */

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

#define BENCH_SEED 1
#define HH_SIGMA 2.0 /* uA/cm^2 sqrt(ms): V's noise 2 mV/sqrt(ms), about 2.5 mV SD at rest */

#define OU_THETA 1.0 /* ou.c's defaults */
#define OU_MU 0.0
#define OU_SIGMA 0.5
#define OU_X0 1.0
#define OU_DT 1e-3

/* Lorenz x' = sigma (y - x), y' = x (rho - z) - y, z' = x y - beta z, as
 * plugins/models/lorenz.c writes it, with its defaults; one system (issue #14: a small system
 * per step beside Boost.odeint). The parameters reach every loop at run time. */
#define LORENZ_SIGMA 10.0
#define LORENZ_RHO 28.0
#define LORENZ_BETA (8.0 / 3.0)
#define LORENZ_X0 1.0 /* x0 = y0 = z0 */
#define LORENZ_DT 1e-3

/* The cable workloads (cable_rows.c): examples/pyramid.swc, d_lambda 0.1 at 100 Hz, the
 * `cell` model (hh in the soma, pas elsewhere), a train of CABLE_PULSES current pulses at
 * soma(0.5) (under a steady current this soma fires once, then stays depolarised). */
#define CABLE_DT 0.025 /* ms, NEURON's default */
#define CABLE_PULSES 5
#define CABLE_DELAY 2.0   /* ms, the first pulse */
#define CABLE_PERIOD 20.0 /* ms between pulses */
#define CABLE_DUR 3.0     /* ms */
#define CABLE_AMP 2.0     /* nA: one spike a pulse */
typedef struct lorenz_params {
    double sigma, rho, beta;
} lorenz_params_t;

static inline lorenz_params_t lorenz_params_default(void)
{
    lorenz_params_t p = {LORENZ_SIGMA, LORENZ_RHO, LORENZ_BETA};
    return p;
}

/* The derivative of one system, term for term as lorenz.c's loop. */
static inline void lorenz_f(const lorenz_params_t *p, double x, double y, double z, double *dx,
                            double *dy, double *dz)
{
    *dx = p->sigma * (y - x);
    *dy = x * (p->rho - z) - y;
    *dz = x * y - p->beta * z;
}

/* hh.c's default parameters. */
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

/* The four derivatives of one unit, as hh.c's two modules compute them (invC = 1/C). */
static inline void hh_deriv(const hh_params_t *P, double invC, double V, double m, double h,
                            double n, double I, double *dV, double *dm, double *dh, double *dn)
{
    double am, bm, ah, bh, an, bn;
    hh_rates(V, &am, &bm, &ah, &bh, &an, &bn);
    *dV = hh_dV(P, invC, V, m, h, n, I);
    *dm = hh_gate(am, bm, m);
    *dh = hh_gate(ah, bh, h);
    *dn = hh_gate(an, bn, n);
}

/* The initial state: V0 and the gates at steady state for V0. */
static inline void hh_initial(double *V, double *m, double *h, double *n)
{
    *V = HH_V0;
    *m = hh_steady(hh_rate_m(HH_V0));
    *h = hh_steady(hh_rate_h(HH_V0));
    *n = hh_steady(hh_rate_n(HH_V0));
}

/* The right-hand side over a structure-of-arrays vector y = [V | m | h | n] of n units,
 * for the peers (one call per stage, as their APIs require). */
static inline void hh_rhs_soa(const hh_params_t *Pp, const double *BENCH_RESTRICT y,
                              double *BENCH_RESTRICT f, const double *BENCH_RESTRICT I, size_t n)
{
    const hh_params_t P = *Pp;
    const double invC = 1.0 / P.C;
    const double *V = y, *m = y + n, *h = y + 2 * n, *g = y + 3 * n;
    double *dV = f, *dm = f + n, *dh = f + 2 * n, *dg = f + 3 * n;
    for (size_t i = 0; i < n; ++i)
        hh_deriv(&P, invC, V[i], m[i], h[i], g[i], I[i], &dV[i], &dm[i], &dh[i], &dg[i]);
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

/* Counts upward crossings of 0 mV since Vprev and remembers V, as hh.c's post_integral does. */
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

/* ou.c's drift theta (mu - x). */
static inline double ou_f(double x, double theta, double mu)
{
    return theta * (mu - x);
}

#endif
