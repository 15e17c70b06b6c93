/* SPDX-License-Identifier: MIT */
/* tableaux/ralston3.h -- Butcher tableau of Ralston's third-order method (minimum error bound).
 *
 *   0   |
 *   1/2 | 1/2
 *   3/4 | 0    3/4
 *   ----+--------------
 *       | 2/9  1/3  4/9
 *
 * Included by ralston3.c and tests/check_tableaux.c: static data, so the plugin still
 * exports only dq_plugin_entry. */
#ifndef DQ_TABLEAU_RALSTON3_H
#define DQ_TABLEAU_RALSTON3_H

#include <dq/rk.h>

/* a[i*3 + j] = a_(i+1)(j+1), strictly lower triangular; a row per line */
/* clang-format off */
static const double ralston3_a[3 * 3] = {
    0.0,       0.0,       0.0,
    1.0 / 2.0, 0.0,       0.0,
    0.0,       3.0 / 4.0, 0.0,
};
/* clang-format on */
static const double ralston3_b[3] = {2.0 / 9.0, 1.0 / 3.0, 4.0 / 9.0};
static const double ralston3_c[3] = {0.0, 1.0 / 2.0, 3.0 / 4.0};
static const dq_rk_tableau_t ralston3_tableau = {
    .stages = 3, .a = ralston3_a, .b = ralston3_b, .c = ralston3_c};

#endif
