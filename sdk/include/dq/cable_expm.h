/* SPDX-License-Identifier: MIT */
/* dq/cable_expm.h -- the exponential of a cable's voltage operator by shifted tree solves
 * (header-only, like hines.h: a plugin never links libdqcore).
 *
 * The operator. With the gates held and the membrane current linearised about V_n,
 * I(V) ~ I_n + g_m (V - V_n), the voltage equation of <dq/cable.h> is the affine system
 *
 *     C V' = -K V + b,   K = G_axial + diag(g_m),   b = g_m V_n - I_n + I_stim,
 *
 * A = -C^{-1} K. Its exact step is V_{n+1} = V* + exp(dt A)(V_n - V*) with K V* = b, i.e.
 *
 *     V_{n+1} = V_n + dt phi_1(dt A) C^{-1} F_n,   F_n = -I_n + I_stim + axial(V_n),
 *
 * the form used here: it needs no V* (K may be singular, a sealed cable without membrane).
 * Junctions (C = 0) make the system a DAE; every formula below multiplies by C instead of
 * dividing, and the result is the exponential of the junction-eliminated operator (the
 * junction rows are solved exactly at every shift), which tests/check_cable_solvers_b.c
 * checks against a dense expm of the eliminated operator.
 *
 * The approximation. CRAM (the Chebyshev rational approximation of e^x on x <= 0,
 * Carpenter, Ruttan and Varga; coefficients of Pusa, "Higher-order Chebyshev rational
 * approximation method and application to burnup equations", Nucl. Sci. Eng. 182 (2016)
 * 297-318, degree 16 in the incomplete partial fraction (IPF) form that OpenMC also uses):
 *
 *     r(x) = alpha_0 prod_k (1 + 2 Re(alpha_k / (x - theta_k))) -- applied to a vector as
 *     y <- y + 2 Re(alpha_k (X - theta_k I)^{-1} y), k = 1..8, then y <- alpha_0 y,
 *
 * max |r(x) - e^x| < 1e-13 on [-1e4, 0] (tested). It is accurate for an operator whose
 * eigenvalues lie on the negative real axis: A = -C^{-1}K with K symmetric and g_m >= 0 (a
 * membrane conductance with the gates held is never negative for ohmic channels) is such
 * an operator; with g_m < 0 somewhere A may have positive eigenvalues and r is wrong there.
 * The affine term rides along in the augmented operator [[dt A, dt C^{-1}F], [0, 0]]
 * whose exponential's last column is dt phi_1(dt A) C^{-1} F: with A = -C^{-1}K,
 *
 *     (dt A - theta I)^{-1} v = -(dt K + theta C)^{-1} C v,
 *
 * a tree system with a complex diagonal: dq_hines_solve_complex. */
#ifndef DQ_CABLE_EXPM_H
#define DQ_CABLE_EXPM_H

#include <stddef.h>

#include <dq/cable.h>
#include <dq/simd.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The Hines elimination of <dq/hines.h> for a complex diagonal and right-hand side, real
 * off-diagonal entries shared by the lanes: row i is
 *     (dre + i dim)[i] x[i] + a[i] x[parent[i]] + sum over children j of b[j] x[j] = r[i],
 * r = rre + i rim. In place: d receives the reciprocal pivots, r the solution. No
 * pivoting: the matrices solved here (dt K + theta C with K symmetric positive
 * semi-definite, C >= 0 diagonal, Im theta > 0) have their numerical range in the upper
 * half plane, so every pivot is non-zero (junctions, where Im d = 0, are carried by dt K). */
static inline void dq_hines_solve_complex(size_t n, size_t lanes, const long *parent,
                                          const double *a, const double *b, double *dre,
                                          double *dim, double *rre, double *rim)
{
    if (n == 0)
        return;
    for (size_t i = n - 1; i > 0; --i) {
        const size_t p = (size_t)parent[i];
        double *dr = dre + i * lanes, *di = dim + i * lanes, *xr = rre + i * lanes,
               *xi = rim + i * lanes;
        double *pr = dre + p * lanes, *pi = dim + p * lanes, *qr = rre + p * lanes,
               *qi = rim + p * lanes;
        const double ai = a[i], bi = b[i];
        DQ_SIMD_LOOP
        for (size_t c = 0; c < lanes; ++c) {
            double m = 1.0 / (dr[c] * dr[c] + di[c] * di[c]);
            double ir = dr[c] * m, ii = -di[c] * m; /* 1/d */
            double fr = bi * ir, fi = bi * ii;      /* b/d */
            dr[c] = ir;
            di[c] = ii;
            pr[c] -= fr * ai;
            pi[c] -= fi * ai;
            qr[c] -= fr * xr[c] - fi * xi[c];
            qi[c] -= fr * xi[c] + fi * xr[c];
        }
    }
    DQ_SIMD_LOOP
    for (size_t c = 0; c < lanes; ++c) {
        double m = 1.0 / (dre[c] * dre[c] + dim[c] * dim[c]);
        double ir = dre[c] * m, ii = -dim[c] * m, xr = rre[c], xi = rim[c];
        dre[c] = ir;
        dim[c] = ii;
        rre[c] = xr * ir - xi * ii;
        rim[c] = xr * ii + xi * ir;
    }
    for (size_t i = 1; i < n; ++i) {
        const size_t p = (size_t)parent[i];
        const double *ir = dre + i * lanes, *ii = dim + i * lanes, *pr = rre + p * lanes,
                     *pi = rim + p * lanes;
        double *xr = rre + i * lanes, *xi = rim + i * lanes;
        const double ai = a[i];
        DQ_SIMD_LOOP
        for (size_t c = 0; c < lanes; ++c) {
            double sr = xr[c] - ai * pr[c], si = xi[c] - ai * pi[c];
            xr[c] = sr * ir[c] - si * ii[c];
            xi[c] = sr * ii[c] + si * ir[c];
        }
    }
}

/* Poles of CRAM's IPF form of degree 16 (one of each conjugate pair). */
#define DQ_CRAM16_POLES 8

/* The IPF coefficients of CRAM 16 (Pusa 2016, table of the IPF form): theta_k, alpha_k
 * (real and imaginary parts, k = 0..7) and alpha_0 in *alpha0. */
static inline void dq_cram16(const double **theta_re, const double **theta_im,
                             const double **alpha_re, const double **alpha_im, double *alpha0)
{
    static const double tr[DQ_CRAM16_POLES] = {
        3.509103608414918, 5.948152268951177, -5.264971343442647, 1.419375897185666,
        6.416177699099435, 4.993174737717997, -1.413928462488886, -10.84391707869699};
    static const double ti[DQ_CRAM16_POLES] = {
        8.436198985884374, 3.587457362018322, 16.22022147316793, 10.92536348449672,
        1.194122393370139, 5.996881713603942, 13.49772569889275, 19.27744616718165};
    static const double ar[DQ_CRAM16_POLES] = {
        5.464930576870210e+3, 9.045112476907548e+1, 2.344818070467641e+2, 9.453304067358312e+1,
        7.283792954673409e+2, 3.648229059594851e+1, 2.547321630156819e+1, 2.394538338734709e+1};
    static const double ai[DQ_CRAM16_POLES] = {
        -3.797983575308356e+4, -1.115537522430261e+3, -4.228020157070496e+2, -2.951294291446048e+2,
        -1.205646080220011e+5, -1.155509621409682e+2, -2.639500283021502e+1, -5.650522971778156e+0};
    *theta_re = tr;
    *theta_im = ti;
    *alpha_re = ar;
    *alpha_im = ai;
    *alpha0 = 2.124853710495224e-16;
}

/* r(x), CRAM 16's approximation of e^x, for x <= 0 (what the tests check). */
static inline double dq_cram16_scalar(double x)
{
    const double *tr, *ti, *ar, *ai;
    double a0, y = 1.0;
    dq_cram16(&tr, &ti, &ar, &ai, &a0);
    for (int k = 0; k < DQ_CRAM16_POLES; ++k) {
        /* alpha / (x - theta) */
        double dr = x - tr[k], di = -ti[k], m = 1.0 / (dr * dr + di * di);
        y += 2.0 * y * (ar[k] * dr + ai[k] * di) * m;
    }
    return a0 * y;
}

/* Doubles of work dq_cable_expm needs for a cable of n compartments and `units` lanes. */
#define DQ_CABLE_EXPM_WORK(n, units) (4 * (n) * (units) + (n))

/* y <- exp(dt A) y + dt phi_1(dt A) C^{-1} f on the V rows (n*units doubles each, lanes =
 * cells), A = -C^{-1}(G_axial + diag(gm)) with the junctions eliminated (see the header
 * comment); gm (dI/dV, µS) and f (nA) may be NULL (no membrane term; no affine term).
 * Eight complex tree solves. work: DQ_CABLE_EXPM_WORK(n, units) doubles. */
static inline void dq_cable_expm(const dq_cable_t *cb, size_t units, double dt, const double *gm,
                                 const double *f, double *y, double *work)
{
    const size_t n = cb->n, nu = n * units;
    double *dre = work, *dim = dre + nu, *rre = dim + nu, *rim = rre + nu, *off = rim + nu;
    const double *tr, *ti, *ar, *ai;
    double a0, s = 1.0; /* the augmented component, 1 at the start */
    dq_cram16(&tr, &ti, &ar, &ai, &a0);
    for (size_t c = 0; c < n; ++c)
        off[c] = -dt * cb->g[c];
    for (int k = 0; k < DQ_CRAM16_POLES; ++k) {
        /* (dt K + theta C) x = C y + dt f s / theta; then y -= 2 Re(alpha x). */
        const double m = 1.0 / (tr[k] * tr[k] + ti[k] * ti[k]);
        const double sr = dt * s * tr[k] * m, si = -dt * s * ti[k] * m; /* dt s / theta */
        for (size_t c = 0; c < n; ++c) {
            const double cap = cb->cap[c], base = dt * cb->g_sum[c] + tr[k] * cap;
            const double im = ti[k] * cap;
            const double *gc = gm ? gm + c * units : NULL, *fc = f ? f + c * units : NULL;
            const double *yc = y + c * units;
            double *xr = rre + c * units, *xi = rim + c * units, *dr = dre + c * units,
                   *di = dim + c * units;
            DQ_SIMD_LOOP
            for (size_t u = 0; u < units; ++u) {
                double fu = fc ? fc[u] : 0.0;
                dr[u] = base + (gc ? dt * gc[u] : 0.0);
                di[u] = im;
                xr[u] = cap * yc[u] + sr * fu;
                xi[u] = si * fu;
            }
        }
        dq_hines_solve_complex(n, units, cb->parent, off, off, dre, dim, rre, rim);
        DQ_SIMD_LOOP
        for (size_t j = 0; j < nu; ++j)
            y[j] -= 2.0 * (ar[k] * rre[j] - ai[k] * rim[j]);
        /* s <- s + 2 Re(alpha (-s / theta)) */
        s -= 2.0 * s * (ar[k] * tr[k] + ai[k] * ti[k]) * m;
    }
    DQ_SIMD_LOOP
    for (size_t j = 0; j < nu; ++j)
        y[j] *= a0;
}

#ifdef __cplusplus
}
#endif

#endif
