/* SPDX-License-Identifier: MIT */
/* tableaux/ssprk3.h -- Butcher tableau of Shu and Osher's SSPRK3.
 *
 *   0   |
 *   1   | 1
 *   1/2 | 1/4  1/4
 *   ----+--------------
 *       | 1/6  1/6  2/3
 *
 * Included by ssprk3.c and tests/check_tableaux.c: static data, so the plugin still
 * exports only dq_plugin_entry. */
#ifndef DQ_TABLEAU_SSPRK3_H
#define DQ_TABLEAU_SSPRK3_H

#include <dq/rk.h>

/* a[i*3 + j] = a_(i+1)(j+1), strictly lower triangular; a row per line */
/* clang-format off */
static const double ssprk3_a[3 * 3] = {
    0.0,       0.0,       0.0,
    1.0,       0.0,       0.0,
    1.0 / 4.0, 1.0 / 4.0, 0.0,
};
/* clang-format on */
static const double ssprk3_b[3] = {1.0 / 6.0, 1.0 / 6.0, 2.0 / 3.0};
static const double ssprk3_c[3] = {0.0, 1.0, 1.0 / 2.0};
static const dq_rk_tableau_t ssprk3_tableau = {
    .stages = 3, .a = ssprk3_a, .b = ssprk3_b, .c = ssprk3_c};

#endif
