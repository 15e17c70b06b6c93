/* SPDX-License-Identifier: MIT */
/* tableaux/rk2.h -- Butcher tableau of braincell's rk2 (c2 = 2/3, the ralston2 tableau).
 *
 *   0   |
 *   2/3 | 2/3
 *   ----+---------
 *       | 1/4  3/4
 *
 * braincell.quad's rk2_tableau is this one (the same as its ralston2_tableau), so `rk2`
 * reproduces braincell; the generic family y1 = y0 + dt((1 - 1/(2a)) k1 + 1/(2a) k2) is
 * not offered as an option.
 *
 * Included by rk2.c and tests/check_tableaux.c: static data, so the plugin still
 * exports only dq_plugin_entry. */
#ifndef DQ_TABLEAU_RK2_H
#define DQ_TABLEAU_RK2_H

#include <dq/rk.h>

/* a[i*2 + j] = a_(i+1)(j+1), strictly lower triangular; a row per line */
/* clang-format off */
static const double rk2_a[2 * 2] = {
    0.0,       0.0,
    2.0 / 3.0, 0.0,
};
/* clang-format on */
static const double rk2_b[2] = {1.0 / 4.0, 3.0 / 4.0};
static const double rk2_c[2] = {0.0, 2.0 / 3.0};
static const dq_rk_tableau_t rk2_tableau = {.stages = 2, .a = rk2_a, .b = rk2_b, .c = rk2_c};

#endif
