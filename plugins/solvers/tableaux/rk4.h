/* SPDX-License-Identifier: MIT */
/* tableaux/rk4.h -- Butcher tableau of the classical fourth-order Runge-Kutta method.
 *
 *   0   |
 *   1/2 | 1/2
 *   1/2 | 0    1/2
 *   1   | 0    0    1
 *   ----+-------------------
 *       | 1/6  1/3  1/3  1/6
 *
 * Included by rk4.c and tests/check_tableaux.c: static data, so the plugin still
 * exports only dq_plugin_entry. */
#ifndef DQ_TABLEAU_RK4_H
#define DQ_TABLEAU_RK4_H

#include <dq/rk.h>

/* a[i*4 + j] = a_(i+1)(j+1), strictly lower triangular; a row per line */
/* clang-format off */
static const double rk4_a[4 * 4] = {
    0.0,       0.0,       0.0,       0.0,
    1.0 / 2.0, 0.0,       0.0,       0.0,
    0.0,       1.0 / 2.0, 0.0,       0.0,
    0.0,       0.0,       1.0,       0.0,
};
/* clang-format on */
static const double rk4_b[4] = {1.0 / 6.0, 1.0 / 3.0, 1.0 / 3.0, 1.0 / 6.0};
static const double rk4_c[4] = {0.0, 1.0 / 2.0, 1.0 / 2.0, 1.0};
static const dq_rk_tableau_t rk4_tableau = {.stages = 4, .a = rk4_a, .b = rk4_b, .c = rk4_c};

#endif
