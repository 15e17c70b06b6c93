/* SPDX-License-Identifier: MIT */
/* tableaux/heun2.h -- Butcher tableau of Heun's second-order method.
 *
 *   0   |
 *   1   | 1
 *   ----+---------
 *       | 1/2  1/2
 *
 * Included by heun2.c and tests/check_tableaux.c: static data, so the plugin still
 * exports only dq_plugin_entry. */
#ifndef DQ_TABLEAU_HEUN2_H
#define DQ_TABLEAU_HEUN2_H

#include <dq/rk.h>

/* a[i*2 + j] = a_(i+1)(j+1), strictly lower triangular; a row per line */
/* clang-format off */
static const double heun2_a[2 * 2] = {
    0.0, 0.0,
    1.0, 0.0,
};
/* clang-format on */
static const double heun2_b[2] = {1.0 / 2.0, 1.0 / 2.0};
static const double heun2_c[2] = {0.0, 1.0};
static const dq_rk_tableau_t heun2_tableau = {
    .stages = 2, .a = heun2_a, .b = heun2_b, .c = heun2_c};

#endif
