/* SPDX-License-Identifier: MIT */
/* hand_kernels.h -- the hand-fused loops, included by hand_scalar.c and hand_simd.c.
 *
 * One pass over the population per step; each unit's whole step (every stage, the spike
 * test) runs in registers, reading and writing its state once: what one writes by hand
 * in structure-of-arrays form. The arithmetic is dqhost's to the operation (hh_eq.h,
 * <dq/rk.h> and plugins/solvers/ind_exp_euler.c), so a scalar build agrees with dqhost to
 * rounding. The includer defines HAND_SIMD (a pragma before each unit loop, or nothing),
 * HAND_CLONES (attributes of each kernel, or nothing) and HAND_NAME(x) (a prefix for the
 * static functions). */
#if !defined(HAND_SIMD) || !defined(HAND_CLONES) || !defined(HAND_NAME)
#error "define HAND_SIMD, HAND_CLONES and HAND_NAME before including hand_kernels.h"
#endif

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dq/context.h> /* DQ_UNITS_PADDED */

#include "noise_impl.h" /* core/driver: the host's generator */

#include "bench.h"
#include "workload.h"

typedef struct HAND_NAME(state) {
    bench_problem_t p;
    hh_params_t P;
    double *V, *m, *h, *g, *I, *spikes; /* g is the n gate (n is the unit count) */
    double y, tau;                      /* decay, n = 1 */
    double theta, mu;                   /* ou */
    double lz[3];                       /* lorenz: x, y, z */
    lorenz_params_t L;
    double *Y;          /* decay and ou populations: y or x per unit */
    double *z;          /* four steps' normals (HAND_NAME(normals)) */
    uint64_t z_tag;     /* which four: counter + 1, 0 for none */
    unsigned long step; /* steps taken: the noise grid index of the next */
} HAND_NAME(state_t);

/* dqhost's normals: the host's generator itself (core/driver/noise.c, compiled into dq_bench
 * as hh_eq.h is), keyed as the host keys them: (BENCH_SEED, unit, the noisy state, draw 0),
 * one Philox call giving the normals of four consecutive steps, kept for them as the host
 * keeps them. The noisy state is the model-wide state 0 in both models (hh's V, ou's x);
 * impl_dqhost.c checks that. Returns this step's normals, one per unit. */
#define BENCH_NOISE_STATE 0
static inline const double *HAND_NAME(normals)(double *restrict held, uint64_t *tag, uint64_t step,
                                               size_t n)
{
    const size_t lanes = DQ_UNITS_PADDED(n);
    const uint64_t c = step / 4;
    if (*tag != c + 1) {
        const dq__noise_key_t key = {BENCH_SEED, BENCH_NOISE_STATE, 0};
        dq__noise_fill(&key, c, 0, lanes, n, held);
        *tag = c + 1;
    }
    return held + (step % 4) * lanes;
}

HAND_CLONES static void HAND_NAME(euler)(hh_params_t P, size_t N, double dt, unsigned long steps,
                                         double *restrict V, double *restrict m, double *restrict h,
                                         double *restrict g, const double *restrict I,
                                         double *restrict sp)
{
    const double invC = 1.0 / P.C;
    for (unsigned long k = 0; k < steps; ++k) {
        HAND_SIMD
        for (size_t i = 0; i < N; ++i) {
            const double v = V[i], x = m[i], y = h[i], z = g[i];
            double dv, dx, dy, dz;
            hh_deriv(&P, invC, v, x, y, z, I[i], &dv, &dx, &dy, &dz);
            const double v1 = v + dt * dv;
            V[i] = v1;
            m[i] = x + dt * dx;
            h[i] = y + dt * dy;
            g[i] = z + dt * dz;
            sp[i] += v < 0.0 && v1 >= 0.0 ? 1.0 : 0.0;
        }
    }
}

/* Classical RK4 with <dq/rk.h>'s grouping: stage input y0 + dt*(a_i1 k1 + ...), result
 * y0 + dt*(b1 k1 + b2 k2 + b3 k3 + b4 k4) summed left to right. */
HAND_CLONES static void HAND_NAME(rk4)(hh_params_t P, size_t N, double dt, unsigned long steps,
                                       double *restrict V, double *restrict m, double *restrict h,
                                       double *restrict g, const double *restrict I,
                                       double *restrict sp)
{
    const double invC = 1.0 / P.C;
    for (unsigned long k = 0; k < steps; ++k) {
        HAND_SIMD
        for (size_t i = 0; i < N; ++i) {
            const double v = V[i], x = m[i], y = h[i], z = g[i], c = I[i];
            double v1, x1, y1, z1, v2, x2, y2, z2, v3, x3, y3, z3, v4, x4, y4, z4;
            hh_deriv(&P, invC, v, x, y, z, c, &v1, &x1, &y1, &z1);
            hh_deriv(&P, invC, v + dt * (0.5 * v1), x + dt * (0.5 * x1), y + dt * (0.5 * y1),
                     z + dt * (0.5 * z1), c, &v2, &x2, &y2, &z2);
            hh_deriv(&P, invC, v + dt * (0.5 * v2), x + dt * (0.5 * x2), y + dt * (0.5 * y2),
                     z + dt * (0.5 * z2), c, &v3, &x3, &y3, &z3);
            hh_deriv(&P, invC, v + dt * v3, x + dt * x3, y + dt * y3, z + dt * z3, c, &v4, &x4, &y4,
                     &z4);
            const double vn = v + dt * (RK4_B1 * v1 + RK4_B2 * v2 + RK4_B2 * v3 + RK4_B1 * v4);
            V[i] = vn;
            m[i] = x + dt * (RK4_B1 * x1 + RK4_B2 * x2 + RK4_B2 * x3 + RK4_B1 * x4);
            h[i] = y + dt * (RK4_B1 * y1 + RK4_B2 * y2 + RK4_B2 * y3 + RK4_B1 * y4);
            g[i] = z + dt * (RK4_B1 * z1 + RK4_B2 * z2 + RK4_B2 * z3 + RK4_B1 * z4);
            sp[i] += v < 0.0 && vn >= 0.0 ? 1.0 : 0.0;
        }
    }
}

/* Euler-Maruyama with dqhost's noise, as plugins/solvers/euler_maruyama.c:
 * y1 = (y0 + dt f) + g dW with g = sigma/C on V and dW = sqrt(dt) z; the gates have no
 * noise, so theirs is euler's step. Each step first draws the population's normals. */
HAND_CLONES static void HAND_NAME(em)(hh_params_t P, size_t N, double dt, double sigma,
                                      unsigned long step0, unsigned long steps, double *restrict V,
                                      double *restrict m, double *restrict h, double *restrict g,
                                      const double *restrict I, double *restrict sp,
                                      double *restrict held, uint64_t *tag)
{
    const double invC = 1.0 / P.C, gV = sigma / P.C, sq = sqrt(dt);
    for (unsigned long k = 0; k < steps; ++k) {
        const double *restrict z = HAND_NAME(normals)(held, tag, step0 + k, N);
        HAND_SIMD
        for (size_t i = 0; i < N; ++i) {
            const double v = V[i], x = m[i], y = h[i], w = g[i];
            double dv, dx, dy, dw;
            hh_deriv(&P, invC, v, x, y, w, I[i], &dv, &dx, &dy, &dw);
            const double v1 = (v + dt * dv) + gV * (sq * z[i]);
            V[i] = v1;
            m[i] = x + dt * dx;
            h[i] = y + dt * dy;
            g[i] = w + dt * dw;
            sp[i] += v < 0.0 && v1 >= 0.0 ? 1.0 : 0.0;
        }
    }
}

/* One Lorenz system (issue #14), state in registers: euler y + dt f, and rk4 with <dq/rk.h>'s
 * grouping (stage inputs y + dt (1/2 k), y + dt k3; result y + dt (b1 k1 + b2 k2 + b2 k3 + b1
 * k4) summed left to right), as the HH loops above. */
static inline void HAND_NAME(lorenz_euler)(lorenz_params_t P, double *s, double dt,
                                           unsigned long steps)
{
    double x = s[0], y = s[1], z = s[2];
    for (unsigned long k = 0; k < steps; ++k) {
        double dx, dy, dz;
        lorenz_f(&P, x, y, z, &dx, &dy, &dz);
        x = x + dt * dx;
        y = y + dt * dy;
        z = z + dt * dz;
    }
    s[0] = x;
    s[1] = y;
    s[2] = z;
}

static inline void HAND_NAME(lorenz_rk4)(lorenz_params_t P, double *s, double dt,
                                         unsigned long steps)
{
    double x = s[0], y = s[1], z = s[2];
    for (unsigned long k = 0; k < steps; ++k) {
        double x1, y1, z1, x2, y2, z2, x3, y3, z3, x4, y4, z4;
        lorenz_f(&P, x, y, z, &x1, &y1, &z1);
        lorenz_f(&P, x + dt * (0.5 * x1), y + dt * (0.5 * y1), z + dt * (0.5 * z1), &x2, &y2, &z2);
        lorenz_f(&P, x + dt * (0.5 * x2), y + dt * (0.5 * y2), z + dt * (0.5 * z2), &x3, &y3, &z3);
        lorenz_f(&P, x + dt * x3, y + dt * y3, z + dt * z3, &x4, &y4, &z4);
        x = x + dt * (RK4_B1 * x1 + RK4_B2 * x2 + RK4_B2 * x3 + RK4_B1 * x4);
        y = y + dt * (RK4_B1 * y1 + RK4_B2 * y2 + RK4_B2 * y3 + RK4_B1 * y4);
        z = z + dt * (RK4_B1 * z1 + RK4_B2 * z2 + RK4_B2 * z3 + RK4_B1 * z4);
    }
    s[0] = x;
    s[1] = y;
    s[2] = z;
}

/* phi_1(z) = (e^z - 1)/z, as <dq/linalg.h>'s dq_phi1. */
static inline double HAND_NAME(phi1)(double z)
{
    return z == 0.0 ? 1.0 : expm1(z) / z;
}

/* Per-state exponential Euler, as ind_exp_euler.c with hh.c's fused derivative and diagonal
 * (compute_derivative_diag): every state, V included, moves by dt phi_1(dt lambda) f with
 * lambda = dF_i/dy_i at y0. On the gates this is Rush-Larsen. */
HAND_CLONES static void HAND_NAME(ind_exp_euler)(hh_params_t P, size_t N, double dt,
                                                 unsigned long steps, double *restrict V,
                                                 double *restrict m, double *restrict h,
                                                 double *restrict g, const double *restrict I,
                                                 double *restrict sp)
{
    const double invC = 1.0 / P.C;
    for (unsigned long k = 0; k < steps; ++k) {
        HAND_SIMD
        for (size_t i = 0; i < N; ++i) {
            const double v = V[i], x = m[i], y = h[i], z = g[i];
            double am, bm, ah, bh, an, bn;
            hh_rates(v, &am, &bm, &ah, &bh, &an, &bn);
            const double dv = hh_dV(&P, invC, v, x, y, z, I[i]);
            const double dx = hh_gate(am, bm, x);
            const double dy = hh_gate(ah, bh, y);
            const double dz = hh_gate(an, bn, z);
            const double lv = hh_dV_dV_fused(&P, invC, x, y, z);
            const double lx = hh_gate_dx(am, bm), ly = hh_gate_dx(ah, bh), lz = hh_gate_dx(an, bn);
            const double v1 = v + dt * HAND_NAME(phi1)(dt * lv) * dv;
            V[i] = v1;
            m[i] = x + dt * HAND_NAME(phi1)(dt * lx) * dx;
            h[i] = y + dt * HAND_NAME(phi1)(dt * ly) * dy;
            g[i] = z + dt * HAND_NAME(phi1)(dt * lz) * dz;
            sp[i] += v < 0.0 && v1 >= 0.0 ? 1.0 : 0.0;
        }
    }
}

static double *HAND_NAME(array)(size_t n)
{
    /* 64-byte aligned, a whole number of cache lines */
    size_t bytes = (n * sizeof(double) + 63) / 64 * 64;
    double *a = aligned_alloc(64, bytes);
    if (a)
        memset(a, 0, bytes);
    return a;
}

static void HAND_NAME(teardown)(void *state)
{
    HAND_NAME(state_t) *s = state;
    if (!s)
        return;
    free(s->V);
    free(s->m);
    free(s->h);
    free(s->g);
    free(s->I);
    free(s->spikes);
    free(s->Y);
    free(s->z);
    free(s);
}

static void *HAND_NAME(setup)(const bench_problem_t *p, char *msg, size_t len)
{
    HAND_NAME(state_t) *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(msg, len, "out of memory");
        return NULL;
    }
    s->p = *p;
    s->P = hh_params_default();
    s->tau = DECAY_TAU;
    s->theta = OU_THETA;
    s->mu = OU_MU;
    s->L = lorenz_params_default();
    s->lz[0] = s->lz[1] = s->lz[2] = LORENZ_X0;
    const size_t n = p->n;
    if (p->model == BENCH_LORENZ)
        return s;
    if (p->scheme == BENCH_EM && !(s->z = HAND_NAME(array)(4 * DQ_UNITS_PADDED(n)))) {
        HAND_NAME(teardown)(s);
        snprintf(msg, len, "out of memory for %zu units", n);
        return NULL;
    }
    if (p->model == BENCH_DECAY && n == 1) {
        s->y = DECAY_Y0;
        return s;
    }
    if (p->model != BENCH_HH) { /* decay or ou population */
        if (!(s->Y = HAND_NAME(array)(n))) {
            HAND_NAME(teardown)(s);
            snprintf(msg, len, "out of memory for %zu units", n);
            return NULL;
        }
        for (size_t i = 0; i < n; ++i)
            s->Y[i] = p->model == BENCH_DECAY ? DECAY_Y0 : OU_X0;
        return s;
    }
    s->V = HAND_NAME(array)(n);
    s->m = HAND_NAME(array)(n);
    s->h = HAND_NAME(array)(n);
    s->g = HAND_NAME(array)(n);
    s->I = HAND_NAME(array)(n);
    s->spikes = HAND_NAME(array)(n);
    if (!s->V || !s->m || !s->h || !s->g || !s->I || !s->spikes) {
        HAND_NAME(teardown)(s);
        snprintf(msg, len, "out of memory for %zu units", n);
        return NULL;
    }
    double V0, m0, h0, n0;
    hh_initial(&V0, &m0, &h0, &n0);
    for (size_t i = 0; i < n; ++i) {
        s->V[i] = V0;
        s->m[i] = m0;
        s->h[i] = h0;
        s->g[i] = n0;
        s->I[i] = hh_iext(i, n);
    }
    return s;
}

static void HAND_NAME(read)(const void *state, bench_values_t *out)
{
    const HAND_NAME(state_t) *s = state;
    const size_t n = s->p.n;
    if (s->p.model != BENCH_HH) {
        const double *Y = s->p.model == BENCH_LORENZ ? s->lz : s->Y ? s->Y : &s->y;
        double sum = 0.0;
        for (size_t i = 0; i < n; ++i)
            sum += Y[i];
        out->first = Y[0];
        out->last = Y[n - 1];
        out->mean = sum / (double)n;
        out->spikes = 0.0;
        return;
    }
    double sum = 0.0, sp = 0.0;
    for (size_t i = 0; i < n; ++i) {
        sum += s->V[i];
        sp += s->spikes[i];
    }
    out->first = s->V[0];
    out->last = s->V[n - 1];
    out->mean = sum / (double)n;
    out->spikes = sp;
}

static int HAND_NAME(read_all)(const void *state, double *v, double *spikes, size_t n)
{
    const HAND_NAME(state_t) *s = state;
    const double *src = s->p.model == BENCH_HH       ? s->V
                        : s->p.model == BENCH_LORENZ ? s->lz
                        : s->Y                       ? s->Y
                                                     : &s->y;
    if (n != s->p.n)
        return 1;
    memcpy(v, src, n * sizeof *v);
    for (size_t i = 0; i < n; ++i)
        spikes[i] = s->p.model == BENCH_HH ? s->spikes[i] : 0.0;
    return 0;
}

static unsigned HAND_NAME(ref_substeps)(const bench_problem_t *p)
{
    (void)p;
    return 1;
}
