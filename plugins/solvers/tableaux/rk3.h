/* SPDX-License-Identifier: MIT */
/* tableaux/rk3.h -- Butcher tableau of Kutta's third-order method (braincell's rk3).
 *
 *   0   |
 *   1/2 | 1/2
 *   1   | -1   2
 *   ----+--------------
 *       | 1/6  2/3  1/6
 *
 * Included by rk3.c and tests/check_tableaux.c: static data, so the plugin still
 * exports only dq_plugin_entry. */
#ifndef DQ_TABLEAU_RK3_H
#define DQ_TABLEAU_RK3_H

#include <dq/rk.h>

/* a[i*3 + j] = a_(i+1)(j+1), strictly lower triangular; a row per line */
/* clang-format off */
static const double rk3_a[3 * 3] = {
    0.0,       0.0,       0.0,
    1.0 / 2.0, 0.0,       0.0,
    -1.0,      2.0,       0.0,
};
/* clang-format on */
static const double rk3_b[3] = {1.0 / 6.0, 2.0 / 3.0, 1.0 / 6.0};
static const double rk3_c[3] = {0.0, 1.0 / 2.0, 1.0};
static const dq_rk_tableau_t rk3_tableau = {.stages = 3, .a = rk3_a, .b = rk3_b, .c = rk3_c};

#endif
