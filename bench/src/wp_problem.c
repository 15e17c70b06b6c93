/* SPDX-License-Identifier: MIT */
/* wp_problem.c -- the work-precision problems, their right-hand sides and Jacobians in double
 * (what every peer integrates), and the long-double reference integrator for the non-stiff
 * ones: Gragg-Bulirsch-Stoer extrapolation (the modified midpoint rule with n_j = 2j
 * substeps, j = 1..K, extrapolated in h^2 by Aitken-Neville: order 2K) at a fixed macro step,
 * on the same equations written in long double. The HH equations in long double follow
 * plugins/models/hh_eq.h formula by formula; wp_ref_selfcheck compares them with hh_eq.h's
 * at a few states. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <string.h>
#include <time.h>

#include "workprec.h"

unsigned long wp_nfev, wp_njev;

void wp_counters_reset(void)
{
    wp_nfev = 0;
    wp_njev = 0;
}

double wp_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static wp_problem_t wp_problems[WP_N_PROBLEMS];
static int wp_problems_ready;

static void wp_problems_init(void)
{
    wp_problem_t *p = &wp_problems[WP_LORENZ];
    *p = (wp_problem_t){.id = WP_LORENZ,
                        .name = "lorenz",
                        .label = "Lorenz (sigma 10, rho 28, beta 8/3), t = 0..20",
                        .model = "lorenz",
                        .dim = 3,
                        .t1 = 20.0,
                        .y0 = {1.0, 1.0, 1.0}};
    p = &wp_problems[WP_VDP1];
    *p = (wp_problem_t){.id = WP_VDP1,
                        .name = "vdp1",
                        .label = "van der Pol mu = 1, t = 0..20",
                        .model = "van_der_pol",
                        .dim = 2,
                        .t1 = 20.0,
                        .y0 = {2.0, 0.0},
                        .mu = 1.0};
    p = &wp_problems[WP_VDP1000];
    *p = (wp_problem_t){.id = WP_VDP1000,
                        .name = "vdp1000",
                        .label = "van der Pol mu = 1000 (stiff), t = 0..2000",
                        .model = "van_der_pol",
                        .stiff = 1,
                        .dim = 2,
                        .t1 = 2000.0,
                        .y0 = {2.0, 0.0},
                        .mu = 1000.0};
    p = &wp_problems[WP_HH];
    *p = (wp_problem_t){.id = WP_HH,
                        .name = "hh",
                        .label = "Hodgkin-Huxley, one neuron, I_ext = 10, t = 0..100 ms",
                        .model = "hh",
                        .dim = 4,
                        .t1 = 100.0,
                        .I_ext = 10.0,
                        .P = hh_params_default()};
    hh_initial(&p->y0[0], &p->y0[1], &p->y0[2], &p->y0[3]);
    wp_problems_ready = 1;
}

const wp_problem_t *wp_problem_get(wp_problem_id_t id)
{
    if (!wp_problems_ready)
        wp_problems_init();
    return (unsigned)id < WP_N_PROBLEMS ? &wp_problems[id] : NULL;
}

void wp_rhs(const wp_problem_t *p, double t, const double *y, double *f)
{
    (void)t;
    ++wp_nfev;
    switch (p->id) {
    case WP_LORENZ:
        /* lorenz.c's loop */
        f[0] = 10.0 * (y[1] - y[0]);
        f[1] = y[0] * (28.0 - y[2]) - y[1];
        f[2] = y[0] * y[1] - 8.0 / 3.0 * y[2];
        break;
    case WP_VDP1:
    case WP_VDP1000:
        f[0] = y[1];
        f[1] = p->mu * (1.0 - y[0] * y[0]) * y[1] - y[0];
        break;
    case WP_HH:
        hh_deriv(&p->P, 1.0 / p->P.C, y[0], y[1], y[2], y[3], p->I_ext, &f[0], &f[1], &f[2], &f[3]);
        break;
    default:
        break;
    }
}

void wp_jac(const wp_problem_t *p, double t, const double *y, double *J)
{
    (void)t;
    ++wp_njev;
    const size_t d = p->dim;
    memset(J, 0, d * d * sizeof *J);
    switch (p->id) {
    case WP_LORENZ:
        J[0] = -10.0;
        J[1] = 10.0;
        J[3] = 28.0 - y[2];
        J[4] = -1.0;
        J[5] = -y[0];
        J[6] = y[1];
        J[7] = y[0];
        J[8] = -8.0 / 3.0;
        break;
    case WP_VDP1:
    case WP_VDP1000:
        J[1] = 1.0;
        J[2] = -2.0 * p->mu * y[0] * y[1] - 1.0;
        J[3] = p->mu * (1.0 - y[0] * y[0]);
        break;
    case WP_HH: {
        const hh_params_t *P = &p->P;
        const double V = y[0], m = y[1], h = y[2], n = y[3];
        const hh_rate_t rm = hh_rate_m(V), rh = hh_rate_h(V), rn = hh_rate_n(V);
        J[0] = hh_jac_VV(P, m, h, n);
        J[1] = hh_jac_Vm(P, V, m, h);
        J[2] = hh_jac_Vh(P, V, m);
        J[3] = hh_jac_Vn(P, V, n);
        J[4] = hh_gate_dV(rm, m);
        J[5] = hh_gate_dx(rm.a, rm.b);
        J[8] = hh_gate_dV(rh, h);
        J[10] = hh_gate_dx(rh.a, rh.b);
        J[12] = hh_gate_dV(rn, n);
        J[15] = hh_gate_dx(rn.a, rn.b);
        break;
    }
    default:
        break;
    }
}

/* ---- long double --------------------------------------------------------------------------- */

typedef long double ld;

/* hh_eq.h's hh_linexp: x / (1 - e^(-x/10)), 10 at x = 0. */
static ld ld_linexp(ld x)
{
    return x == 0.0L ? 10.0L : x / -expm1l(-x / 10.0L);
}

static void ld_rhs(const wp_problem_t *p, const ld *y, ld *f)
{
    switch (p->id) {
    case WP_LORENZ:
        f[0] = 10.0L * (y[1] - y[0]);
        f[1] = y[0] * (28.0L - y[2]) - y[1];
        f[2] = y[0] * y[1] - 8.0L / 3.0L * y[2];
        break;
    case WP_VDP1:
    case WP_VDP1000:
        f[0] = y[1];
        f[1] = (ld)p->mu * (1.0L - y[0] * y[0]) * y[1] - y[0];
        break;
    case WP_HH: {
        /* hh_eq.h: hh_rates, hh_gate, hh_dV (the parameters are the model's doubles) */
        const hh_params_t *P = &p->P;
        const ld V = y[0], m = y[1], h = y[2], n = y[3];
        const ld am = 0.1L * ld_linexp(V + 40.0L);
        const ld bm = 4.0L * expl(-(V + 65.0L) / 18.0L);
        const ld ah = 0.07L * expl(-(V + 65.0L) / 20.0L);
        const ld bh = 1.0L / (1.0L + expl(-(V + 35.0L) / 10.0L));
        const ld an = 0.01L * ld_linexp(V + 55.0L);
        const ld bn = 0.125L * expl(-(V + 65.0L) / 80.0L);
        const ld gna = (ld)P->gNa * m * m * m * h, gk = (ld)P->gK * n * n * n * n;
        f[0] = ((ld)p->I_ext - gna * (V - (ld)P->ENa) - gk * (V - (ld)P->EK) -
                (ld)P->gL * (V - (ld)P->EL)) /
               (ld)P->C;
        f[1] = am * (1.0L - m) - bm * m;
        f[2] = ah * (1.0L - h) - bh * h;
        f[3] = an * (1.0L - n) - bn * n;
        break;
    }
    default:
        break;
    }
}

/* One GBS macro step of size H from y (in place). */
static void gbs_step(const wp_problem_t *p, ld H, int K, ld *y)
{
    enum { KMAX = 16 };
    const size_t d = p->dim;
    ld row[KMAX][WP_MAXDIM], prev[KMAX][WP_MAXDIM];
    ld f0[WP_MAXDIM], f[WP_MAXDIM], zp[WP_MAXDIM], z[WP_MAXDIM], zn[WP_MAXDIM];
    ld_rhs(p, y, f0);
    for (int j = 0; j < K; ++j) {
        const int n = 2 * (j + 1);
        const ld h = H / n;
        for (size_t i = 0; i < d; ++i) {
            zp[i] = y[i];
            z[i] = y[i] + h * f0[i];
        }
        for (int k = 1; k < n; ++k) {
            ld_rhs(p, z, f);
            for (size_t i = 0; i < d; ++i) {
                zn[i] = zp[i] + 2.0L * h * f[i];
                zp[i] = z[i];
                z[i] = zn[i];
            }
        }
        ld_rhs(p, z, f);
        for (size_t i = 0; i < d; ++i)
            row[0][i] = 0.5L * (z[i] + zp[i] + h * f[i]);
        /* Aitken-Neville in h^2: T[j][k] = T[j][k-1] + (T[j][k-1] - T[j-1][k-1]) /
         * ((n_j / n_(j-k))^2 - 1) */
        for (int k = 1; k <= j; ++k) {
            const ld r = (ld)(j + 1) / (ld)(j - k + 1);
            for (size_t i = 0; i < d; ++i)
                row[k][i] = row[k - 1][i] + (row[k - 1][i] - prev[k - 1][i]) / (r * r - 1.0L);
        }
        memcpy(prev, row, sizeof row);
    }
    for (size_t i = 0; i < d; ++i)
        y[i] = row[K - 1][i];
}

void wp_ref_gbs(const wp_problem_t *p, long double H, int K, double *out)
{
    ld y[WP_MAXDIM];
    for (size_t i = 0; i < p->dim; ++i)
        y[i] = p->y0[i];
    const ld T = (ld)p->t1 - (ld)p->t0;
    const unsigned long steps = (unsigned long)ceill(T / H - 1e-9L);
    const ld h = T / (ld)steps;
    for (unsigned long s = 0; s < steps; ++s)
        gbs_step(p, h, K, y);
    for (size_t i = 0; i < p->dim; ++i)
        out[i] = (double)y[i];
}
