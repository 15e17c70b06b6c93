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

/* Solves A X = B in place by Gaussian elimination with partial pivoting: A (n x n) is
 * destroyed, B (n x nrhs) receives X. Returns 0, or 1 + the column at which A was found
 * singular (a zero pivot). */
static inline int dq_linalg_solve(double *A, size_t n, double *B, size_t nrhs)
{
    for (size_t k = 0; k < n; ++k) {
        size_t p = k;
        double best = fabs(A[k * n + k]);
        for (size_t i = k + 1; i < n; ++i)
            if (fabs(A[i * n + k]) > best) {
                best = fabs(A[i * n + k]);
                p = i;
            }
        if (best == 0.0)
            return (int)k + 1;
        if (p != k) {
            for (size_t j = 0; j < n; ++j) {
                double t = A[k * n + j];
                A[k * n + j] = A[p * n + j];
                A[p * n + j] = t;
            }
            for (size_t j = 0; j < nrhs; ++j) {
                double t = B[k * nrhs + j];
                B[k * nrhs + j] = B[p * nrhs + j];
                B[p * nrhs + j] = t;
            }
        }
        double inv = 1.0 / A[k * n + k];
        for (size_t i = k + 1; i < n; ++i) {
            double l = A[i * n + k] * inv;
            if (l == 0.0)
                continue;
            for (size_t j = k + 1; j < n; ++j)
                A[i * n + j] -= l * A[k * n + j];
            for (size_t j = 0; j < nrhs; ++j)
                B[i * nrhs + j] -= l * B[k * nrhs + j];
        }
    }
    for (size_t k = n; k-- > 0;) {
        double inv = 1.0 / A[k * n + k];
        for (size_t j = 0; j < nrhs; ++j) {
            double s = B[k * nrhs + j];
            for (size_t i = k + 1; i < n; ++i)
                s -= A[k * n + i] * B[i * nrhs + j];
            B[k * nrhs + j] = s * inv;
        }
    }
    return 0;
}

/* C = A B for n x n matrices; C must not alias A or B. */
static inline void dq_linalg_matmul(const double *A, const double *B, double *C, size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        double *c = C + i * n;
        for (size_t j = 0; j < n; ++j)
            c[j] = 0.0;
        for (size_t k = 0; k < n; ++k) {
            double a = A[i * n + k];
            const double *b = B + k * n;
            for (size_t j = 0; j < n; ++j)
                c[j] += a * b[j];
        }
    }
}

/* Doubles of work dq_linalg_expm needs for an n x n matrix. */
#define DQ_LINALG_EXPM_WORK(n) (6 * (n) * (n))

/* E = exp(A) for an n x n matrix, by scaling and squaring with the [13/13] Pade
 * approximant (Higham, SIAM J. Matrix Anal. Appl. 26(4), 2005): A is scaled by 2^-s so that
 * ||A/2^s||_1 <= 5.37 (theta_13), r13(A/2^s) = (V - U)^-1 (V + U) is formed, then squared
 * s times. work holds DQ_LINALG_EXPM_WORK(n) doubles. Returns 0, or non-zero when the
 * denominator is singular (only for non-finite input). */
static inline int dq_linalg_expm(const double *A, size_t n, double *E, double *work)
{
    static const double b[14] = {64764752532480000.0,
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
    double *A1 = work, *A2 = work + nn, *A4 = work + 2 * nn, *A6 = work + 3 * nn,
           *U = work + 4 * nn, *V = work + 5 * nn;
    double norm = 0.0;
    for (size_t j = 0; j < n; ++j) {
        double col = 0.0;
        for (size_t i = 0; i < n; ++i)
            col += fabs(A[i * n + j]);
        norm = col > norm ? col : norm;
    }
    if (!isfinite(norm))
        return 1;
    int s = 0;
    if (norm > 5.371920351148152) {
        s = (int)ceil(log2(norm / 5.371920351148152));
        if (s < 0)
            s = 0;
    }
    double scale = ldexp(1.0, -s);
    for (size_t i = 0; i < nn; ++i)
        A1[i] = A[i] * scale;
    dq_linalg_matmul(A1, A1, A2, n);
    dq_linalg_matmul(A2, A2, A4, n);
    dq_linalg_matmul(A4, A2, A6, n);
    /* E (as scratch) = A6 (b13 A6 + b11 A4 + b9 A2) + b7 A6 + b5 A4 + b3 A2 + b1 I */
    for (size_t i = 0; i < nn; ++i)
        V[i] = b[13] * A6[i] + b[11] * A4[i] + b[9] * A2[i];
    dq_linalg_matmul(A6, V, E, n);
    for (size_t i = 0; i < nn; ++i)
        E[i] += b[7] * A6[i] + b[5] * A4[i] + b[3] * A2[i];
    for (size_t i = 0; i < n; ++i)
        E[i * n + i] += b[1];
    dq_linalg_matmul(A1, E, U, n); /* U = A * (...) */
    /* V = A6 (b12 A6 + b10 A4 + b8 A2) + b6 A6 + b4 A4 + b2 A2 + b0 I */
    for (size_t i = 0; i < nn; ++i)
        E[i] = b[12] * A6[i] + b[10] * A4[i] + b[8] * A2[i];
    dq_linalg_matmul(A6, E, V, n);
    for (size_t i = 0; i < nn; ++i)
        V[i] += b[6] * A6[i] + b[4] * A4[i] + b[2] * A2[i];
    for (size_t i = 0; i < n; ++i)
        V[i * n + i] += b[0];
    /* Solve (V - U) E = (V + U). */
    for (size_t i = 0; i < nn; ++i) {
        double v = V[i], u = U[i];
        A1[i] = v - u;
        E[i] = v + u;
    }
    if (dq_linalg_solve(A1, n, E, n))
        return 1;
    for (int k = 0; k < s; ++k) {
        memcpy(A2, E, nn * sizeof *E);
        dq_linalg_matmul(A2, A2, E, n);
    }
    return 0;
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
