/* SPDX-License-Identifier: MIT */
/* check_hines.c -- dq/hines.h against dense LU (dq_linalg_solve) on random trees of 1 to
 * 300 nodes, one and many lanes, shared and per-lane coefficients; and a cable step whose
 * answer is known. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include <dq/hines.h>
#include <dq/linalg.h>

/* A small deterministic generator (xorshift64*), uniform in [0, 1). */
static unsigned long long rng_state = 0x9E3779B97F4A7C15ull;
static double rng_uniform(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (double)((rng_state * 2685821657736338717ull) >> 11) * 0x1.0p-53;
}

/* A random tree with parent[i] < i: chains, bushes and everything between (`shape` is the
 * chance that a node hangs from its predecessor). */
static void random_tree(long *parent, size_t n, double shape)
{
    parent[0] = -1;
    for (size_t i = 1; i < n; ++i)
        parent[i] = rng_uniform() < shape ? (long)i - 1 : (long)(rng_uniform() * (double)i);
}

/* Largest |x - y| over largest |y|. */
static double rel_err(const double *x, const double *y, size_t n)
{
    double num = 0, den = 0;
    for (size_t i = 0; i < n; ++i) {
        num = fmax(num, fabs(x[i] - y[i]));
        den = fmax(den, fabs(y[i]));
    }
    return num / den;
}

/* Solves lane c of the system densely: A from parent, a, b (shared or per lane), d, r. */
static void dense_solve(size_t n, size_t lanes, size_t c, const long *parent, const double *a,
                        const double *b, int per_lane, const double *d, const double *r, double *x)
{
    double *A = calloc(n * n, sizeof *A);
    ck_assert_ptr_nonnull(A);
    for (size_t i = 0; i < n; ++i) {
        A[i * n + i] = d[i * lanes + c];
        x[i] = r[i * lanes + c];
        if (i > 0) {
            size_t p = (size_t)parent[i];
            A[i * n + p] = per_lane ? a[i * lanes + c] : a[i];
            A[p * n + i] = per_lane ? b[i * lanes + c] : b[i];
        }
    }
    ck_assert_int_eq(dq_linalg_solve(A, n, x, 1), 0);
    free(A);
}

/* Fills a diagonally dominant system: off-diagonals negative (conductances), d the sum of
 * a row's off-diagonal magnitudes plus a positive "C/dt" term. */
static void random_system(size_t n, size_t lanes, const long *parent, double *a, double *b,
                          int per_lane, double *d, double *r)
{
    size_t na = per_lane ? n * lanes : n;
    for (size_t k = 0; k < na; ++k) {
        a[k] = -(0.1 + rng_uniform() * 10);
        b[k] = per_lane ? a[k] * (0.5 + rng_uniform()) : -(0.1 + rng_uniform() * 10);
    }
    for (size_t c = 0; c < lanes; ++c)
        for (size_t i = 0; i < n; ++i) {
            d[i * lanes + c] = 0.01 + rng_uniform() * 5;
            r[i * lanes + c] = rng_uniform() * 2 - 1;
        }
    for (size_t i = 1; i < n; ++i) {
        size_t p = (size_t)parent[i];
        for (size_t c = 0; c < lanes; ++c) {
            double ai = per_lane ? a[i * lanes + c] : a[i];
            double bi = per_lane ? b[i * lanes + c] : b[i];
            d[i * lanes + c] += fabs(ai);
            d[p * lanes + c] += fabs(bi);
        }
    }
}

static void check_against_dense(size_t n, size_t lanes, double shape, int per_lane)
{
    long *parent = malloc(n * sizeof *parent);
    size_t na = per_lane ? n * lanes : n;
    double *a = malloc(na * sizeof *a), *b = malloc(na * sizeof *b);
    double *d = malloc(n * lanes * sizeof *d), *r = malloc(n * lanes * sizeof *r);
    double *d0 = malloc(n * lanes * sizeof *d0), *r0 = malloc(n * lanes * sizeof *r0);
    double *x = malloc(n * sizeof *x), *got = malloc(n * sizeof *got);
    ck_assert(parent && a && b && d && r && d0 && r0 && x && got);
    random_tree(parent, n, shape);
    random_system(n, lanes, parent, a, b, per_lane, d, r);
    memcpy(d0, d, n * lanes * sizeof *d);
    memcpy(r0, r, n * lanes * sizeof *r);
    if (per_lane)
        dq_hines_solve_lanes(n, lanes, parent, a, b, d, r);
    else
        dq_hines_solve(n, lanes, parent, a, b, d, r);
    for (size_t c = 0; c < lanes; ++c) {
        dense_solve(n, lanes, c, parent, a, b, per_lane, d0, r0, x);
        for (size_t i = 0; i < n; ++i)
            got[i] = r[i * lanes + c];
        double e = rel_err(got, x, n);
        ck_assert_msg(e < 1e-12, "n %zu lanes %zu lane %zu shape %g per_lane %d: rel err %g", n,
                      lanes, c, shape, per_lane, e);
    }
    free(parent);
    free(a);
    free(b);
    free(d);
    free(r);
    free(d0);
    free(r0);
    free(x);
    free(got);
}

static const size_t sizes[] = {1, 2, 3, 5, 17, 64, 150, 300};
static const size_t lane_counts[] = {1, 3, 8, 13};

START_TEST(test_random_trees_shared)
{
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; ++s)
        for (size_t l = 0; l < sizeof lane_counts / sizeof *lane_counts; ++l)
            for (int shape = 0; shape <= 2; ++shape)
                check_against_dense(sizes[s], lane_counts[l], shape * 0.45, 0);
}
END_TEST

START_TEST(test_random_trees_per_lane)
{
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; ++s)
        for (size_t l = 0; l < sizeof lane_counts / sizeof *lane_counts; ++l)
            check_against_dense(sizes[s], lane_counts[l], 0.5, 1);
}
END_TEST

/* Lanes are independent: lane c of a many-lane solve equals the one-lane solve of cell c,
 * bit for bit (the same operations in the same order). */
START_TEST(test_lanes_independent)
{
    enum { N = 40, L = 7 };
    long parent[N];
    double a[N], b[N], d[N * L], r[N * L];
    random_tree(parent, N, 0.5);
    random_system(N, L, parent, a, b, 0, d, r);
    double d1[L][N], r1[L][N];
    for (size_t c = 0; c < L; ++c)
        for (size_t i = 0; i < N; ++i) {
            d1[c][i] = d[i * L + c];
            r1[c][i] = r[i * L + c];
        }
    dq_hines_solve(N, L, parent, a, b, d, r);
    for (size_t c = 0; c < L; ++c) {
        dq_hines_solve(N, 1, parent, a, b, d1[c], r1[c]);
        for (size_t i = 0; i < N; ++i)
            ck_assert(memcmp(&r[i * L + c], &r1[c][i], sizeof(double)) == 0);
    }
}
END_TEST

/* A uniform chain with a sealed end, implicit Euler step from rest with a current into the
 * root: the solution satisfies the tridiagonal equations exactly (residual check), and the
 * voltage decreases away from the injection site. */
START_TEST(test_cable_chain)
{
    enum { N = 101 };
    long parent[N];
    double a[N], b[N], d[N], r[N], x[N];
    const double g = 2.0, c_dt = 0.5, gl = 0.01;
    for (size_t i = 0; i < N; ++i) {
        parent[i] = (long)i - 1;
        a[i] = b[i] = -g;
        d[i] = c_dt + gl + (i > 0 ? g : 0) + (i + 1 < N ? g : 0);
        r[i] = i == 0 ? 1.0 : 0.0;
    }
    double d0[N], r0[N];
    memcpy(d0, d, sizeof d);
    memcpy(r0, r, sizeof r);
    dq_hines_solve(N, 1, parent, a, b, d, r);
    memcpy(x, r, sizeof x);
    for (size_t i = 0; i < N; ++i) {
        double res = d0[i] * x[i] - r0[i];
        if (i > 0)
            res += a[i] * x[i - 1];
        if (i + 1 < N)
            res += b[i + 1] * x[i + 1];
        ck_assert_double_eq_tol(res, 0.0, 1e-15);
        if (i > 0)
            ck_assert(x[i] < x[i - 1]);
    }
}
END_TEST

/* n == 0 and lanes == 0 touch nothing. */
/* The kept factorisation (dq_hines_refactor, dq_hines_solve_factored) gives the bits of
 * dq_hines_solve, whether it refactors everything, nothing, or one node's path to the root
 * after that node's diagonal changed; and it refactors exactly that path. */
START_TEST(test_kept_factorisation_gives_the_bits_of_a_full_solve)
{
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; ++si)
        for (size_t li = 0; li < sizeof lane_counts / sizeof lane_counts[0]; ++li) {
            const size_t n = sizes[si], lanes = lane_counts[li], nl = n * lanes;
            long *parent = malloc(n * sizeof *parent);
            double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
            double *d = malloc(nl * sizeof *d), *r = malloc(nl * sizeof *r);
            double *d0 = malloc(nl * sizeof *d0), *r0 = malloc(nl * sizeof *r0);
            double *x = malloc(nl * sizeof *x), *w_prev = malloc(nl * sizeof *w_prev);
            double *piv = malloc(nl * sizeof *piv), *dd = malloc(nl * sizeof *dd);
            unsigned char *dirty = malloc(n);
            random_tree(parent, n, 0.7);
            random_system(n, lanes, parent, a, b, 0, d0, r0);
            for (int round = 0; round < 3; ++round) {
                size_t changed = n - 1 - (size_t)round % n;
                if (round == 2) /* one node's diagonal moves */
                    d0[changed * lanes + lanes - 1] *= 1.5;
                size_t want = 0;
                if (round == 0)
                    want = n;
                else if (round == 2)
                    for (long i = (long)changed; i >= 0; i = parent[i])
                        ++want;
                memcpy(d, d0, nl * sizeof *d);
                memcpy(r, r0, nl * sizeof *r);
                dq_hines_solve(n, lanes, parent, a, b, d, r);
                memcpy(x, r0, nl * sizeof *x);
                size_t got = dq_hines_refactor(n, lanes, parent, a, b, d0, w_prev, piv, round > 0,
                                               dirty, dd);
                dq_hines_solve_factored(n, lanes, parent, a, b, piv, x);
                ck_assert_uint_eq(got, want);
                ck_assert_msg(memcmp(x, r, nl * sizeof *x) == 0,
                              "n %zu lanes %zu round %d: not the same bits", n, lanes, round);
            }
            free(parent), free(a), free(b), free(d), free(r), free(d0), free(r0), free(x);
            free(w_prev), free(piv), free(dd), free(dirty);
        }
}
END_TEST

START_TEST(test_empty)
{
    long parent[1] = {-1};
    double a[1] = {0}, b[1] = {0}, d[1] = {2}, r[1] = {4};
    dq_hines_solve(0, 1, parent, a, b, d, r);
    dq_hines_solve(1, 0, parent, a, b, d, r);
    ck_assert_double_eq(r[0], 4);
    dq_hines_solve(1, 1, parent, a, b, d, r);
    ck_assert_double_eq(r[0], 2);
}
END_TEST

Suite *hines_suite(void)
{
    Suite *s = suite_create("hines");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_random_trees_shared);
    tcase_add_test(tc, test_random_trees_per_lane);
    tcase_add_test(tc, test_lanes_independent);
    tcase_add_test(tc, test_cable_chain);
    tcase_add_test(tc, test_kept_factorisation_gives_the_bits_of_a_full_solve);
    tcase_add_test(tc, test_empty);
    suite_add_tcase(s, tc);
    return s;
}
