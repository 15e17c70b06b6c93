/* SPDX-License-Identifier: MIT */
/* tableaux/midpoint.h -- Butcher tableau of the explicit midpoint method.
 *
 *   0   |
 *   1/2 | 1/2
 *   ----+---------
 *       | 0    1
 *
 * Included by midpoint.c and tests/check_tableaux.c: static data, so the plugin still
 * exports only dq_plugin_entry. */
#ifndef DQ_TABLEAU_MIDPOINT_H
#define DQ_TABLEAU_MIDPOINT_H

#include <dq/rk.h>

/* a[i*2 + j] = a_(i+1)(j+1), strictly lower triangular; a row per line */
/* clang-format off */
static const double midpoint_a[2 * 2] = {
    0.0,       0.0,
    1.0 / 2.0, 0.0,
};
/* clang-format on */
static const double midpoint_b[2] = {0.0, 1.0};
static const double midpoint_c[2] = {0.0, 1.0 / 2.0};
static const dq_rk_tableau_t midpoint_tableau = {
    .stages = 2, .a = midpoint_a, .b = midpoint_b, .c = midpoint_c};

#endif
