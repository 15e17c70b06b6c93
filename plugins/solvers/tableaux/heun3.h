/* SPDX-License-Identifier: MIT */
/* tableaux/heun3.h -- Butcher tableau of Heun's third-order method.
 *
 *   0   |
 *   1/3 | 1/3
 *   2/3 | 0    2/3
 *   ----+--------------
 *       | 1/4  0    3/4
 *
 * Included by heun3.c and tests/check_tableaux.c: static data, so the plugin still
 * exports only dq_plugin_entry. */
#ifndef DQ_TABLEAU_HEUN3_H
#define DQ_TABLEAU_HEUN3_H

#include <dq/rk.h>

/* a[i*3 + j] = a_(i+1)(j+1), strictly lower triangular; a row per line */
/* clang-format off */
static const double heun3_a[3 * 3] = {
    0.0,       0.0,       0.0,
    1.0 / 3.0, 0.0,       0.0,
    0.0,       2.0 / 3.0, 0.0,
};
/* clang-format on */
static const double heun3_b[3] = {1.0 / 4.0, 0.0, 3.0 / 4.0};
static const double heun3_c[3] = {0.0, 1.0 / 3.0, 2.0 / 3.0};
static const dq_rk_tableau_t heun3_tableau = {
    .stages = 3, .a = heun3_a, .b = heun3_b, .c = heun3_c};

#endif
