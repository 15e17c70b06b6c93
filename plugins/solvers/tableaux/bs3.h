/* SPDX-License-Identifier: MIT */
/* tableaux/bs3.h -- Bogacki-Shampine 3(2) (P. Bogacki, L. F. Shampine, Appl. Math. Lett. 2(4),
 * 1989): a third-order FSAL pair with an embedded second-order solution.
 *
 *   0   |
 *   1/2 | 1/2
 *   3/4 | 0     3/4
 *   1   | 2/9   1/3   4/9
 *   ----+------------------------
 *   b   | 2/9   1/3   4/9   0        (order 3; the last row of A: FSAL)
 *   b^  | 7/24  1/4   1/3   1/8      (order 2)
 *
 * e = b - b^ gives the estimate err = y1 - y1^ = h sum e_i k_i. Included by bs3.c and
 * tests/check_adaptive_solvers.c: static data, so the plugin still exports only
 * dq_plugin_entry. */
#ifndef DQ_TABLEAU_BS3_H
#define DQ_TABLEAU_BS3_H

#define BS3_STAGES 4

/* a[i*4 + j] = a_(i+1)(j+1), strictly lower triangular; a row per line */
/* clang-format off */
static const double bs3_a[BS3_STAGES * BS3_STAGES] = {
    0.0,       0.0,       0.0,       0.0,
    1.0 / 2.0, 0.0,       0.0,       0.0,
    0.0,       3.0 / 4.0, 0.0,       0.0,
    2.0 / 9.0, 1.0 / 3.0, 4.0 / 9.0, 0.0,
};
/* clang-format on */
static const double bs3_b[BS3_STAGES] = {2.0 / 9.0, 1.0 / 3.0, 4.0 / 9.0, 0.0};
static const double bs3_c[BS3_STAGES] = {0.0, 1.0 / 2.0, 3.0 / 4.0, 1.0};
/* b - b^ */
static const double bs3_e[BS3_STAGES] = {2.0 / 9.0 - 7.0 / 24.0, 1.0 / 3.0 - 1.0 / 4.0,
                                         4.0 / 9.0 - 1.0 / 3.0, -1.0 / 8.0};

#endif
