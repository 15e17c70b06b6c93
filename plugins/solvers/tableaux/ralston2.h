/* SPDX-License-Identifier: MIT */
/* tableaux/ralston2.h -- Butcher tableau of Ralston's second-order method (minimum error bound).
 *
 *   0   |
 *   2/3 | 2/3
 *   ----+---------
 *       | 1/4  3/4
 *
 * Included by ralston2.c and tests/check_tableaux.c: static data, so the plugin still
 * exports only dq_plugin_entry. */
#ifndef DQ_TABLEAU_RALSTON2_H
#define DQ_TABLEAU_RALSTON2_H

#include <dq/rk.h>

/* a[i*2 + j] = a_(i+1)(j+1), strictly lower triangular; a row per line */
/* clang-format off */
static const double ralston2_a[2 * 2] = {
    0.0,       0.0,
    2.0 / 3.0, 0.0,
};
/* clang-format on */
static const double ralston2_b[2] = {1.0 / 4.0, 3.0 / 4.0};
static const double ralston2_c[2] = {0.0, 2.0 / 3.0};
static const dq_rk_tableau_t ralston2_tableau = {
    .stages = 2, .a = ralston2_a, .b = ralston2_b, .c = ralston2_c};

#endif
