/* SPDX-License-Identifier: MIT */
/* dq/linalg.h -- small dense linear algebra for solver plugins (header-only).
 *
 * Solvers that work unit by unit (exponential Euler, backward Euler, Newton) need to solve
 * or exponentiate matrices of a unit's size, M x M with M a handful. These routines work in
 * caller-provided memory, allocate nothing, and are header-only because a plugin never
 * links libdqcore. Matrices are dense, row-major. */
#ifndef DQ_LINALG_H
#define DQ_LINALG_H

#include <math.h>
#include <stddef.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Internal: forced inlining and unrolling, so that a call with a constant n (the switch in
 * dq_linalg_expm, or a caller's own constant) compiles to straight-line code for that size. */
#if defined(__GNUC__) || defined(__clang__)
#define DQ__LINALG_INLINE static inline __attribute__((always_inline))
#define DQ__LINALG_UNROLL _Pragma("GCC unroll 8")
#define DQ__LINALG_RESTRICT __restrict
#else
#define DQ__LINALG_INLINE static inline
#define DQ__LINALG_UNROLL
#define DQ__LINALG_RESTRICT
#endif

DQ__LINALG_INLINE int dq__linalg_solve(double *DQ__LINALG_RESTRICT A, size_t n,
                                       double *DQ__LINALG_RESTRICT B, size_t nrhs)
{
    DQ__LINALG_UNROLL
    for (size_t k = 0; k < n; ++k) {
        size_t p = k;
        double best = fabs(A[k * n + k]);
        for (size_t i = k + 1; i < n; ++i)
            if (fabs(A[i * n + k]) > best) {
                best = fabs(A[i * n + k]);
                p = i;
            }
        if (!(best > 0.0))
            return (int)k + 1;
        if (p != k) {
            DQ__LINALG_UNROLL
            for (size_t j = 0; j < n; ++j) {
                double t = A[k * n + j];
                A[k * n + j] = A[p * n + j];
                A[p * n + j] = t;
            }
            DQ__LINALG_UNROLL
            for (size_t j = 0; j < nrhs; ++j) {
                double t = B[k * nrhs + j];
                B[k * nrhs + j] = B[p * nrhs + j];
                B[p * nrhs + j] = t;
            }
        }
        double inv = 1.0 / A[k * n + k];
        DQ__LINALG_UNROLL
        for (size_t i = k + 1; i < n; ++i) {
            double l = A[i * n + k] * inv;
            DQ__LINALG_UNROLL
            for (size_t j = k + 1; j < n; ++j)
                A[i * n + j] -= l * A[k * n + j];
            DQ__LINALG_UNROLL
            for (size_t j = 0; j < nrhs; ++j)
                B[i * nrhs + j] -= l * B[k * nrhs + j];
        }
    }
    DQ__LINALG_UNROLL
    for (size_t k = n; k-- > 0;) {
        double inv = 1.0 / A[k * n + k];
        DQ__LINALG_UNROLL
        for (size_t j = 0; j < nrhs; ++j) {
            double s = B[k * nrhs + j];
            DQ__LINALG_UNROLL
            for (size_t i = k + 1; i < n; ++i)
                s -= A[k * n + i] * B[i * nrhs + j];
            B[k * nrhs + j] = s * inv;
        }
    }
    return 0;
}

/* Solves A X = B in place by Gaussian elimination with partial pivoting: A (n x n) is
 * destroyed, B (n x nrhs) receives X. Returns 0, or 1 + the column at which A was found
 * singular (a zero or NaN pivot). */
static inline int dq_linalg_solve(double *A, size_t n, double *B, size_t nrhs)
{
    return dq__linalg_solve(A, n, B, nrhs);
}

DQ__LINALG_INLINE void dq__linalg_matmul(const double *DQ__LINALG_RESTRICT A,
                                         const double *DQ__LINALG_RESTRICT B,
                                         double *DQ__LINALG_RESTRICT C, size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        double *c = C + i * n;
        DQ__LINALG_UNROLL
        for (size_t j = 0; j < n; ++j)
            c[j] = 0.0;
        DQ__LINALG_UNROLL
        for (size_t k = 0; k < n; ++k) {
            double a = A[i * n + k];
            const double *b = B + k * n;
            DQ__LINALG_UNROLL
            for (size_t j = 0; j < n; ++j)
                c[j] += a * b[j];
        }
    }
}

/* C = A B for n x n matrices; C must not alias A or B. */
static inline void dq_linalg_matmul(const double *A, const double *B, double *C, size_t n)
{
    dq__linalg_matmul(A, B, C, n);
}

/* The 1-norm (largest column sum of |a_ij|) of an n x n matrix. */
DQ__LINALG_INLINE double dq__linalg_norm1(const double *DQ__LINALG_RESTRICT A, size_t n,
                                          double *DQ__LINALG_RESTRICT col)
{
    DQ__LINALG_UNROLL
    for (size_t j = 0; j < n; ++j)
        col[j] = fabs(A[j]);
    DQ__LINALG_UNROLL
    for (size_t i = 1; i < n; ++i) {
        DQ__LINALG_UNROLL
        for (size_t j = 0; j < n; ++j)
            col[j] += fabs(A[i * n + j]);
    }
    double norm = 0.0;
    DQ__LINALG_UNROLL
    for (size_t j = 0; j < n; ++j)
        norm = col[j] > norm || col[j] != col[j] ? col[j] : norm; /* NaN wins */
    return norm;
}

/* || |A|^2 ||_1, exactly: |A|^2 is non-negative, so its 1-norm is the largest entry of
 * (1, ..., 1) |A| |A|, two vector-matrix products. x and y are n doubles of scratch. */
DQ__LINALG_INLINE double dq__linalg_abs2_norm1(const double *DQ__LINALG_RESTRICT A, size_t n,
                                               double *DQ__LINALG_RESTRICT x,
                                               double *DQ__LINALG_RESTRICT y)
{
    DQ__LINALG_UNROLL
    for (size_t j = 0; j < n; ++j)
        x[j] = fabs(A[j]);
    for (size_t i = 1; i < n; ++i) {
        DQ__LINALG_UNROLL
        for (size_t j = 0; j < n; ++j)
            x[j] += fabs(A[i * n + j]);
    }
    DQ__LINALG_UNROLL
    for (size_t j = 0; j < n; ++j)
        y[j] = x[0] * fabs(A[j]);
    for (size_t i = 1; i < n; ++i) {
        const double xi = x[i];
        DQ__LINALG_UNROLL
        for (size_t j = 0; j < n; ++j)
            y[j] += xi * fabs(A[i * n + j]);
    }
    double best = 0.0;
    DQ__LINALG_UNROLL
    for (size_t j = 0; j < n; ++j)
        best = y[j] > best || y[j] != y[j] ? y[j] : best;
    return best;
}

/* x^m for a small constant m, by multiplication. */
DQ__LINALG_INLINE double dq__linalg_pow(double x, int m)
{
    double p = x;
    for (int k = 1; k < m; ++k)
        p *= x;
    return p;
}

/* Doubles of work dq_linalg_expm needs for an n x n matrix. */
#define DQ_LINALG_EXPM_WORK(n) (8 * (n) * (n) + 2 * (n))

/* For the [m/m] Pade approximant, m = 2k + 1, at the even powers P[j] = A^(2j + 2):
 * U = A (sum_j b_(2j+1) A^(2j)) and V = sum_j b_(2j) A^(2j) (A^0 = I); T is scratch. */
DQ__LINALG_INLINE void dq__linalg_pade_uv(const double *X, const double *const *P, int k,
                                          const double *b, size_t n, double *T, double *U,
                                          double *V)
{
    for (size_t i = 0; i < n * n; ++i) {
        double t = b[2 * k + 1] * P[k - 1][i], v = b[2 * k] * P[k - 1][i];
        DQ__LINALG_UNROLL
        for (int j = k - 1; j >= 1; --j) {
            t += b[2 * j + 1] * P[j - 1][i];
            v += b[2 * j] * P[j - 1][i];
        }
        T[i] = t;
        V[i] = v;
    }
    for (size_t i = 0; i < n; ++i) {
        T[i * n + i] += b[1];
        V[i * n + i] += b[0];
    }
    dq__linalg_matmul(X, T, U, n);
}

/* H = A6 (c12 A6 + c10 A4 + c8 A2) + c6 A6 + c4 A4 + c2 A2 + c0 I: with c = b the [13/13]
 * Pade approximant's V, with c = b + 1 the bracket of its U = A [...]. S is scratch. */
DQ__LINALG_INLINE void dq__linalg_pade13_part(const double *A2, const double *A4, const double *A6,
                                              const double *c, size_t n, double *S, double *H)
{
    for (size_t i = 0; i < n * n; ++i)
        S[i] = c[12] * A6[i] + c[10] * A4[i] + c[8] * A2[i];
    dq__linalg_matmul(A6, S, H, n);
    for (size_t i = 0; i < n * n; ++i)
        H[i] += c[6] * A6[i] + c[4] * A4[i] + c[2] * A2[i];
    for (size_t i = 0; i < n; ++i)
        H[i * n + i] += c[0];
}

/* The expm's body for one n; with a constant n it unrolls. See dq_linalg_expm. */
DQ__LINALG_INLINE int dq__linalg_expm(const double *A, size_t n, double *E, double *work)
{
    /* theta_m (Higham 2005, Table 2.3): the largest alpha for which the [m/m] Pade
     * approximant's backward error bound is at most u = 2^-53. */
    static const double th3 = 1.495585217958292e-2, th5 = 2.539398330063230e-1,
                        th7 = 9.504178996162932e-1, th9 = 2.097847961257068e0,
                        th13 = 5.371920351148152e0;
    /* u / |c_(2m+1)|, c_(2m+1) = (m!)^2 / ((2m)! (2m+1)!) the leading coefficient of the
     * backward error series: Al-Mohy & Higham's ell(A, m) > 0 exactly when
     * || |A|^(2m+1) ||_1 > this * ||A||_1. */
    static const double cu3 = 1.1191048088221578e-11, cu5 = 1.1167770708198077e-6,
                        cu7 = 0.49826125791696541, cu9 = 656628.61613329369,
                        cu13 = 1.2573361863446166e+19;
    /* b_k of the [m/m] Pade approximants, p_m(x) = sum b_k x^k, q_m(x) = p_m(-x). */
    static const double b3[4] = {120.0, 60.0, 12.0, 1.0};
    static const double b5[6] = {30240.0, 15120.0, 3360.0, 420.0, 30.0, 1.0};
    static const double b7[8] = {17297280.0, 8648640.0, 1995840.0, 277200.0,
                                 25200.0,    1512.0,    56.0,      1.0};
    static const double b9[10] = {17643225600.0, 8821612800.0, 2075673600.0, 302702400.0,
                                  30270240.0,    2162160.0,    110880.0,     3960.0,
                                  90.0,          1.0};
    static const double b13[14] = {64764752532480000.0,
                                   32382376266240000.0,
                                   7771770303897600.0,
                                   1187353796428800.0,
                                   129060195264000.0,
                                   10559470521600.0,
                                   670442572800.0,
                                   33522128640.0,
                                   1323241920.0,
                                   40840800.0,
                                   960960.0,
                                   16380.0,
                                   182.0,
                                   1.0};
    const size_t nn = n * n;
    double *X = work, *A2 = work + nn, *A3 = work + 2 * nn, *A4 = work + 3 * nn,
           *A6 = work + 4 * nn, *U = work + 5 * nn, *V = work + 6 * nn, *T = work + 7 * nn,
           *x = work + 8 * nn, *y = x + n;
    const double n1 = dq__linalg_norm1(A, n, T);
    if (!isfinite(n1))
        return 1;
    memcpy(X, A, nn * sizeof *X);
    dq__linalg_matmul(X, X, A2, n);
    dq__linalg_matmul(X, A2, A3, n);
    const double n2 = dq__linalg_norm1(A2, n, T), n3 = dq__linalg_norm1(A3, n, T);
    double n4 = 0.0, n6 = 0.0;
    const double *P[4] = {A2, A4, A6, A3}; /* A^2, A^4, A^6, A^8 (in A3's place, for m = 9) */
    /* alpha_p = max(||A^p||^(1/p), ||A^(p+1)||^(1/(p+1))) bounds the backward error for every
     * m with 2m + 1 >= p (p - 1) (Al-Mohy & Higham 2009, Thm 4.2): p = 2 and 3 for all m
     * here. It is <= ||A||_1 and much smaller for a non-normal A. As ||A^k|| <= theta^k is
     * alpha <= theta without the roots, the tests are on the norms. Al-Mohy & Higham's
     * ell(A, m) guards against a small alpha on a large ||A|| (rounding in r_m): it is 0
     * when |c_(2m+1)| || |A|^(2m+1) ||_1 / ||A||_1 <= u. That holds when ||A||_1 <= theta_m,
     * and otherwise when || |A|^2 ||_1^m <= u / |c_(2m+1)|, as
     * || |A|^(2m+1) || <= || |A|^2 ||^m ||A||: a bound (where it fails, the next degree is
     * taken) that costs two vector-matrix products instead of 2m + 1. */
    double v2 = -1.0; /* || |A|^2 ||_1, formed when first needed */
#define DQ__EXPM_ELL_OK(m, th, cu)                                                                 \
    (n1 <= (th) ||                                                                                 \
     ((v2 < 0.0 ? (v2 = dq__linalg_abs2_norm1(A, n, x, y)) : v2), dq__linalg_pow(v2, m) <= (cu)))
    int s = 0;
    if (n2 <= th3 * th3 && n3 <= th3 * th3 * th3 && DQ__EXPM_ELL_OK(3, th3, cu3)) {
        for (size_t i = 0; i < nn; ++i) {
            U[i] = b3[3] * A3[i] + b3[1] * X[i];
            V[i] = b3[2] * A2[i];
        }
        for (size_t i = 0; i < n; ++i)
            V[i * n + i] += b3[0];
        goto solve;
    }
    dq__linalg_matmul(A2, A2, A4, n);
    n4 = dq__linalg_norm1(A4, n, T);
    /* alpha <= theta: alpha_2 <= theta or alpha_3 <= theta. */
#define DQ__EXPM_ALPHA_LE(th)                                                                      \
    (n3 <= (th) * (th) * (th) && (n2 <= (th) * (th) || n4 <= (th) * (th) * (th) * (th)))
    if (DQ__EXPM_ALPHA_LE(th5) && DQ__EXPM_ELL_OK(5, th5, cu5)) {
        dq__linalg_pade_uv(X, P, 2, b5, n, T, U, V);
        goto solve;
    }
    dq__linalg_matmul(A4, A2, A6, n);
    n6 = dq__linalg_norm1(A6, n, T);
    if (DQ__EXPM_ALPHA_LE(th7) && DQ__EXPM_ELL_OK(7, th7, cu7)) {
        dq__linalg_pade_uv(X, P, 3, b7, n, T, U, V);
        goto solve;
    }
    if (DQ__EXPM_ALPHA_LE(th9) && DQ__EXPM_ELL_OK(9, th9, cu9)) {
        dq__linalg_matmul(A4, A4, A3, n); /* A^8 where A^3 was: no longer needed */
        dq__linalg_pade_uv(X, P, 4, b9, n, T, U, V);
        goto solve;
    }
    {
        /* [13/13] with scaling: s = ceil(log2(alpha / theta_13)), then ell's extra squarings. */
        const double a2 = fmax(sqrt(n2), cbrt(n3)), a3 = fmax(cbrt(n3), sqrt(sqrt(n4)));
        /* Powers that overflowed (a huge ||A||): scale by the norm and form them again. */
        const int again = !isfinite(n4) || !isfinite(n6);
        const double alpha = again ? n1 : fmin(a2, a3);
        if (alpha > th13)
            s = (int)ceil(log2(alpha / th13));
        if (ldexp(n1, -s) > th13) {
            /* ell(A / 2^s, 13) by the same bound: the extra squarings it asks for. */
            if (v2 < 0.0)
                v2 = dq__linalg_abs2_norm1(A, n, x, y);
            const double e = ceil((13.0 * log2(ldexp(v2, -2 * s)) - log2(cu13)) / 26.0);
            if (e > 0.0 && e < 2048.0)
                s += (int)e;
        }
        if (again) {
            for (size_t i = 0; i < nn; ++i)
                X[i] = ldexp(A[i], -s);
            dq__linalg_matmul(X, X, A2, n);
            dq__linalg_matmul(A2, A2, A4, n);
            dq__linalg_matmul(A4, A2, A6, n);
        } else if (s > 0) {
            const double c1 = ldexp(1.0, -s), c2 = ldexp(1.0, -2 * s), c4 = ldexp(1.0, -4 * s),
                         c6 = ldexp(1.0, -6 * s);
            for (size_t i = 0; i < nn; ++i) {
                X[i] *= c1;
                A2[i] *= c2;
                A4[i] *= c4;
                A6[i] *= c6;
            }
        }
        /* U = A [A6 (b13 A6 + b11 A4 + b9 A2) + b7 A6 + b5 A4 + b3 A2 + b1 I],
         * V = A6 (b12 A6 + b10 A4 + b8 A2) + b6 A6 + b4 A4 + b2 A2 + b0 I */
        dq__linalg_pade13_part(A2, A4, A6, b13 + 1, n, V, T);
        dq__linalg_matmul(X, T, U, n);
        dq__linalg_pade13_part(A2, A4, A6, b13, n, T, V);
    }
#undef DQ__EXPM_ALPHA_LE
#undef DQ__EXPM_ELL_OK
solve:
    /* r_m = (V - U)^-1 (V + U). */
    for (size_t i = 0; i < nn; ++i) {
        const double v = V[i], u = U[i];
        T[i] = v - u;
        E[i] = v + u;
    }
    if (dq__linalg_solve(T, n, E, n))
        return 1;
    for (int k = 0; k < s; ++k) {
        memcpy(T, E, nn * sizeof *E);
        dq__linalg_matmul(T, T, E, n);
    }
    return 0;
}

/* E = exp(A) for an n x n matrix, by scaling and squaring with a Pade approximant whose
 * degree m (3, 5, 7, 9 or 13) and scaling 2^-s are chosen from the matrix (Higham, SIAM J.
 * Matrix Anal. Appl. 26(4), 2005, with the bounds of Al-Mohy & Higham, SIAM J. Matrix Anal.
 * Appl. 31(3), 2009): the smallest m, and for m = 13 the smallest s, for which
 * alpha = min(alpha_2, alpha_3) of A/2^s is at most theta_m (alpha_p =
 * max(||A^p||_1^(1/p), ||A^(p+1)||_1^(1/(p+1))), from the exact powers) and Al-Mohy &
 * Higham's ell(A, m) is 0 (here bounded through || |A|^2 ||_1, which may take a higher degree
 * or one more squaring than they would, never fewer). Then r_m(A/2^s) = (V - U)^-1 (V + U) is
 * formed and squared s times: the backward error is at most the unit roundoff in exact
 * arithmetic. A zero matrix gives I exactly, a diagonal one exp of its entries.
 *
 * Sizes 1 to 8 have their own unrolled code (the switch): the exponential of a 5 x 5
 * matrix of norm below 1 (degree 5: four products and one solve) is about 4 000
 * instructions. work holds DQ_LINALG_EXPM_WORK(n) doubles; E must not alias A or work.
 * Returns 0, or non-zero for non-finite input (or a singular denominator, which then is
 * the only way to get one). */
static inline int dq_linalg_expm(const double *A, size_t n, double *E, double *work)
{
#define DQ__EXPM_CASE(k)                                                                           \
    case k:                                                                                        \
        return dq__linalg_expm(A, k, E, work);
    switch (n) {
        DQ__EXPM_CASE(1)
        DQ__EXPM_CASE(2)
        DQ__EXPM_CASE(3)
        DQ__EXPM_CASE(4)
        DQ__EXPM_CASE(5)
        DQ__EXPM_CASE(6)
        DQ__EXPM_CASE(7)
        DQ__EXPM_CASE(8)
#undef DQ__EXPM_CASE
    default:
        return dq__linalg_expm(A, n, E, work);
    }
}

/* phi_1(z) = (e^z - 1)/z, with phi_1(0) = 1; expm1 keeps it accurate near z = 0. */
static inline double dq_phi1(double z)
{
    return z == 0.0 ? 1.0 : expm1(z) / z;
}

#ifdef __cplusplus
}
#endif

#endif
