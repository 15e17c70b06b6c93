/* SPDX-License-Identifier: MIT */
/* check_linalg.c -- <dq/linalg.h>: the matrix exponential against exponentials known in closed
 * form (diagonal, nilpotent, rotations with decay, at every size of the unrolled code and the
 * generic one beyond, with norms that select each Pade degree and scalings) and against a
 * high-precision reference for the augmented matrix [[dt J, dt f], [0, 0]] of a stiff
 * Hodgkin-Huxley Jacobian (mpmath, 60 digits, Taylor and Pade agreeing to 1e-60); then the
 * solve and the refusal of non-finite input. Everything to 1e-13 relative. */
#include <math.h>
#include <string.h>

#include <dq/linalg.h>

#include <check.h>

enum { NMAX = 12 };

/* max |E - R| / max |R|: the normwise relative error. */
static double rel_err(const double *E, const double *R, size_t n)
{
    double d = 0.0, r = 0.0;
    for (size_t i = 0; i < n * n; ++i) {
        d = fmax(d, fabs(E[i] - R[i]));
        r = fmax(r, fabs(R[i]));
    }
    return d / r;
}

static void expm_ok(const double *A, size_t n, double *E)
{
    double work[DQ_LINALG_EXPM_WORK(NMAX)];
    ck_assert_int_eq(dq_linalg_expm(A, n, E, work), 0);
}

START_TEST(test_expm_diagonal_gives_exp_of_entries)
{
    /* From 1e-3 (Pade 3) to 30 (Pade 13, s = 3): each entry to 1e-13 on its own. */
    static const double d[] = {-30.0, -2.0, -1e-3, 0.0, 0.5, 1.0, 3.0, 7.25};
    for (size_t n = 1; n <= 8; ++n) {
        double A[NMAX * NMAX] = {0}, E[NMAX * NMAX];
        for (size_t i = 0; i < n; ++i)
            A[i * n + i] = d[(i + n) % 8];
        expm_ok(A, n, E);
        for (size_t i = 0; i < n; ++i)
            for (size_t j = 0; j < n; ++j) {
                double want = i == j ? exp(A[i * n + i]) : 0.0;
                ck_assert_msg(
                    fabs(E[i * n + j] - want) <= 1e-13 * fabs(want) + (i == j ? 0 : 1e-300),
                    "n = %zu, (%zu, %zu): %.17g, want %.17g", n, i, j, E[i * n + j], want);
            }
    }
}
END_TEST

START_TEST(test_expm_zero_matrix_is_identity)
{
    double A[9] = {0}, E[9];
    expm_ok(A, 3, E);
    for (size_t i = 0; i < 9; ++i)
        ck_assert(E[i] == (i % 4 == 0 ? 1.0 : 0.0));
}
END_TEST

/* N strictly upper triangular: exp(N) = I + N + N^2/2 + ... + N^(n-1)/(n-1)!, formed exactly
 * (small integers). Scaled so that the Pade degrees 3 to 13 with scaling all occur. */
START_TEST(test_expm_nilpotent_is_its_finite_series)
{
    static const double scales[] = {1e-3, 0.05, 0.2, 0.5, 1.0, 4.0, 40.0};
    for (size_t n = 2; n <= 10; ++n)
        for (size_t k = 0; k < sizeof scales / sizeof *scales; ++k) {
            double N[NMAX * NMAX] = {0}, P[NMAX * NMAX], Q[NMAX * NMAX], R[NMAX * NMAX] = {0},
                            E[NMAX * NMAX];
            for (size_t i = 0; i < n; ++i)
                for (size_t j = i + 1; j < n; ++j)
                    N[i * n + j] =
                        scales[k] * (double)((i + 2 * j) % 5 + 1) * ((i + j) % 2 ? -1 : 1);
            /* R = sum N^p / p!. */
            memcpy(P, N, sizeof P);
            for (size_t i = 0; i < n; ++i)
                R[i * n + i] = 1.0;
            double fact = 1.0;
            for (size_t p = 1; p < n; ++p) {
                fact *= (double)p;
                for (size_t i = 0; i < n * n; ++i)
                    R[i] += P[i] / fact;
                dq_linalg_matmul(P, N, Q, n);
                memcpy(P, Q, sizeof P);
            }
            expm_ok(N, n, E);
            double e = rel_err(E, R, n);
            ck_assert_msg(e <= 1e-13, "n = %zu, scale %g: relative error %.3g", n, scales[k], e);
        }
}
END_TEST

/* Blocks [[a, b], [-b, a]] (exp = e^a [[cos b, sin b], [-sin b, cos b]]) and 1x1 blocks on
 * the diagonal, then the rows and columns permuted (exact): every size 1..10, and the
 * rotation angles from 0.01 to 25 rad pick every degree and scalings up to s = 3. */
START_TEST(test_expm_rotations_with_decay_permuted)
{
    static const double angles[] = {0.01, 0.2, 0.9, 2.0, 5.0, 25.0};
    for (size_t n = 1; n <= 10; ++n)
        for (size_t k = 0; k < sizeof angles / sizeof *angles; ++k) {
            double B[NMAX * NMAX] = {0}, RB[NMAX * NMAX] = {0}, A[NMAX * NMAX], R[NMAX * NMAX],
                            E[NMAX * NMAX];
            size_t i = 0;
            for (; i + 1 < n; i += 2) {
                const double a = -0.1 * (double)i, b = angles[k] * (1.0 - 0.05 * (double)i);
                B[i * n + i] = B[(i + 1) * n + i + 1] = a;
                B[i * n + i + 1] = b;
                B[(i + 1) * n + i] = -b;
                RB[i * n + i] = RB[(i + 1) * n + i + 1] = exp(a) * cos(b);
                RB[i * n + i + 1] = exp(a) * sin(b);
                RB[(i + 1) * n + i] = -exp(a) * sin(b);
            }
            if (i < n) {
                B[i * n + i] = -angles[k];
                RB[i * n + i] = exp(-angles[k]);
            }
            size_t perm[NMAX];
            for (size_t r = 0; r < n; ++r)
                perm[r] = (3 * r + 1) % n; /* a permutation when gcd(3, n) = 1 */
            if (n % 3 == 0)
                for (size_t r = 0; r < n; ++r)
                    perm[r] = n - 1 - r;
            for (size_t r = 0; r < n; ++r)
                for (size_t c = 0; c < n; ++c) {
                    A[r * n + c] = B[perm[r] * n + perm[c]];
                    R[r * n + c] = RB[perm[r] * n + perm[c]];
                }
            expm_ok(A, n, E);
            double e = rel_err(E, R, n);
            ck_assert_msg(e <= 1e-13, "n = %zu, angle %g: relative error %.3g", n, angles[k], e);
        }
}
END_TEST

/* [[dt J, dt f], [0, 0]] of hh_eq.h's Jacobian (the rows of plugins/models/hh.c), as
 * exp_euler forms it: mid-spike (V = -20 mV, m = 0.8, h = 0.3, n = 0.5, I = 10, dt = 0.01 ms,
 * ||A||_1 = 48: Pade 13 with scaling) and near rest (V = -65 mV, dt = 0.1 ms). The references
 * are mpmath's expm of these exact doubles at 60 digits. */
static const double hh_spike[25] = {-0x1.adb61bb05faedp-3,
                                    0x1.83126e978d4ffp+5,
                                    0x1.5810624dd2f1cp+5,
                                    -0x1.4851eb851eb85p+3,
                                    0x1.73bc536d655e4p+3,
                                    0x1.3fa22c51cbd21p-12,
                                    -0x1.b0c34f1c2fafbp-6,
                                    0x0p+0,
                                    0x0p+0,
                                    0x1.060f13027634ap-9,
                                    -0x1.8d0046bcdcbd8p-15,
                                    0x0p+0,
                                    -0x1.0e52065d46c4bp-7,
                                    0x0p+0,
                                    -0x1.3ab6cd5361b38p-9,
                                    0x1.a6b2bb8475d47p-15,
                                    0x0p+0,
                                    0x0p+0,
                                    -0x1.1b31e1150b543p-8,
                                    0x1.7baee92c9850ep-10,
                                    0x0p+0,
                                    0x0p+0,
                                    0x0p+0,
                                    0x0p+0,
                                    0x0p+0};
static const double hh_rest[25] = {-0x1.157018d73275cp-4,
                                   0x1.b9ea0679aed2p+2,
                                   0x1.a2628c24db938p-3,
                                   -0x1.62a141808679cp+2,
                                   0x1.0002f812adc97p+0,
                                   0x1.596adc52731fcp-9,
                                   -0x1.b07e305bdd7c2p-2,
                                   0x0p+0,
                                   0x0p+0,
                                   0x1.cc60f49f28667p-17,
                                   -0x1.ae99cbdbacddfp-12,
                                   0x0p+0,
                                   -0x1.80c7f6400633fp-7,
                                   0x0p+0,
                                   0x1.7ca15fcb3d334p-20,
                                   0x1.265ed3fe7a807p-12,
                                   0x0p+0,
                                   0x0p+0,
                                   -0x1.2c26ac1b8b452p-6,
                                   -0x1.c61dd8c23p-22,
                                   0x0p+0,
                                   0x0p+0,
                                   0x0p+0,
                                   0x0p+0,
                                   0x0p+0};
static const double hh_spike_exp[25] = {8.1598895302498557122e-1,
                                        4.3141360886365449261e+1,
                                        3.8708641229525893709e+1,
                                        -9.253096255025952709,
                                        1.0489856229693814956e+1,
                                        2.7179685869812914602e-4,
                                        9.8070128046788380007e-1,
                                        6.0542404248444066555e-3,
                                        -1.4462279252790568948e-3,
                                        3.612006593624659162e-3,
                                        -4.2595180896701207984e-5,
                                        -1.057454309561219198e-3,
                                        9.9083865809935994874e-1,
                                        2.259192682550352345e-4,
                                        -2.6472069848591745302e-3,
                                        4.5444380805872046525e-5,
                                        1.1274031949549136096e-3,
                                        1.0083094627505192058e-3,
                                        9.9544724980698417104e-1,
                                        1.7181912488360739127e-3,
                                        0.0,
                                        0.0,
                                        0.0,
                                        0.0,
                                        1.0};

static const double hh_rest_exp[25] = {9.4131994790596749209e-1,
                                       5.4474375855924998527,
                                       1.9684181882058509098e-1,
                                       -5.3214211862109154278,
                                       9.6935461838382825453e-1,
                                       2.0790677090563298175e-3,
                                       6.6224599040867017878e-1,
                                       2.2895131675195255121e-4,
                                       -6.1959053447643582918e-3,
                                       1.1365627125231616964e-3,
                                       -3.956818708366543029e-4,
                                       -1.2058563050095026344e-3,
                                       9.882853432112957207e-1,
                                       1.102715646170262262e-3,
                                       -1.9883680995508993248e-4,
                                       2.696041104618095856e-4,
                                       8.2248366067664515375e-4,
                                       2.7792884877446543364e-5,
                                       9.8109483111208689148e-1,
                                       1.3617429423009040185e-4,
                                       0.0,
                                       0.0,
                                       0.0,
                                       0.0,
                                       1.0};

START_TEST(test_expm_stiff_hh_jacobian_matches_high_precision)
{
    const double *A[2] = {hh_spike, hh_rest}, *R[2] = {hh_spike_exp, hh_rest_exp};
    for (int c = 0; c < 2; ++c) {
        double E[25];
        expm_ok(A[c], 5, E);
        double e = rel_err(E, R[c], 5);
        ck_assert_msg(e <= 1e-13, "case %d: relative error %.3g", c, e);
        /* The last column, phi_1(dt J) dt f, is what the step adds: each of its entries. */
        for (int i = 0; i < 4; ++i)
            ck_assert_msg(fabs(E[i * 5 + 4] - R[c][i * 5 + 4]) <= 1e-13 * fabs(R[c][i * 5 + 4]),
                          "case %d, row %d: %.17g, want %.17g", c, i, E[i * 5 + 4],
                          R[c][i * 5 + 4]);
    }
}
END_TEST

START_TEST(test_expm_refuses_non_finite_input)
{
    double A[4] = {0.0, 1.0, NAN, 0.0}, E[4], work[DQ_LINALG_EXPM_WORK(2)];
    ck_assert_int_ne(dq_linalg_expm(A, 2, E, work), 0);
    A[2] = INFINITY;
    ck_assert_int_ne(dq_linalg_expm(A, 2, E, work), 0);
    /* Finite but huge: scaled, not refused; e^(-1e200) underflows to 0. */
    double B[1] = {-1e200}, F[1], w1[DQ_LINALG_EXPM_WORK(1)];
    ck_assert_int_eq(dq_linalg_expm(B, 1, F, w1), 0);
    ck_assert(F[0] == 0.0);
}
END_TEST

START_TEST(test_solve_pivots_and_reports_singular_column)
{
    /* The first pivot is 0: only pivoting solves it. x = (1, 2, 3). */
    double A[9] = {0.0, 2.0, 1.0, 1.0, 1.0, 1.0, 2.0, 1.0, 0.0}, b[3] = {7.0, 6.0, 4.0};
    ck_assert_int_eq(dq_linalg_solve(A, 3, b, 1), 0);
    for (int i = 0; i < 3; ++i)
        ck_assert_double_eq_tol(b[i], (double)(i + 1), 1e-15);
    double S[4] = {1.0, 2.0, 2.0, 4.0}, c[2] = {1.0, 1.0};
    ck_assert_int_eq(dq_linalg_solve(S, 2, c, 1), 2);
}
END_TEST

Suite *linalg_suite(void)
{
    Suite *s = suite_create("linalg");
    TCase *tc = tcase_create("expm");
    tcase_add_test(tc, test_expm_diagonal_gives_exp_of_entries);
    tcase_add_test(tc, test_expm_zero_matrix_is_identity);
    tcase_add_test(tc, test_expm_nilpotent_is_its_finite_series);
    tcase_add_test(tc, test_expm_rotations_with_decay_permuted);
    tcase_add_test(tc, test_expm_stiff_hh_jacobian_matches_high_precision);
    tcase_add_test(tc, test_expm_refuses_non_finite_input);
    tcase_add_test(tc, test_solve_pivots_and_reports_singular_column);
    suite_add_tcase(s, tc);
    return s;
}
