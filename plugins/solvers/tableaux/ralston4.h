/* SPDX-License-Identifier: MIT */
/* tableaux/ralston4.h -- Butcher tableau of Ralston's minimum-error fourth-order method.
 *
 * Ralston (1962), "Runge-Kutta methods with minimum error bounds", Math. Comp. 16:431.
 * The coefficients are irrational; a static initializer cannot call sqrt(), so each one is
 * written to 25 significant digits of its closed form below (computed with sympy at 60
 * digits; every decimal rounds to the same double as the exact value). Truncating them to 8
 * digits, as braincell does, leaves the order conditions off by ~5e-9.
 *
 *   c2  = 2/5                              a21 = 2/5
 *   c3  = 7/8 - 3 sqrt5/16                 a31 = (-2889 + 1428 sqrt5)/1024
 *   c4  = 1                                a32 = (3785 - 1620 sqrt5)/1024
 *   a41 = (-3365 + 2094 sqrt5)/6040        a42 = (-975 - 3046 sqrt5)/2552
 *   a43 = (467040 + 203968 sqrt5)/240845
 *   b1  = (263 + 24 sqrt5)/1812            b2  = (125 - 1000 sqrt5)/3828
 *   b3  = 1024 (3346 + 1623 sqrt5)/5924787 b4  = (30 - 4 sqrt5)/123
 *
 * Included by ralston4.c and tests/check_tableaux.c: static data, so the plugin still
 * exports only dq_plugin_entry. */
#ifndef DQ_TABLEAU_RALSTON4_H
#define DQ_TABLEAU_RALSTON4_H

#include <dq/rk.h>

#define RALSTON4_C2 (2.0 / 5.0)
#define RALSTON4_C3 0.4557372542187894319232799
#define RALSTON4_A21 (2.0 / 5.0)
#define RALSTON4_A31 0.2969776092477536000706055
#define RALSTON4_A32 0.1587596449710358318526745
#define RALSTON4_A41 0.2181003882259204675961605
#define RALSTON4_A42 (-3.050965148692930805353583)
#define RALSTON4_A43 3.832864760467010337757422
#define RALSTON4_B1 0.1747602822626903712548676
#define RALSTON4_B2 (-0.5514806628787329405457611)
#define RALSTON4_B3 1.205535599396523535027777
#define RALSTON4_B4 0.1711847812195190342631163

/* a[i*4 + j] = a_(i+1)(j+1), strictly lower triangular; a row per line */
/* clang-format off */
static const double ralston4_a[4 * 4] = {
    0.0,          0.0,          0.0,          0.0,
    RALSTON4_A21, 0.0,          0.0,          0.0,
    RALSTON4_A31, RALSTON4_A32, 0.0,          0.0,
    RALSTON4_A41, RALSTON4_A42, RALSTON4_A43, 0.0,
};
/* clang-format on */
static const double ralston4_b[4] = {RALSTON4_B1, RALSTON4_B2, RALSTON4_B3, RALSTON4_B4};
static const double ralston4_c[4] = {0.0, RALSTON4_C2, RALSTON4_C3, 1.0};
static const dq_rk_tableau_t ralston4_tableau = {
    .stages = 4, .a = ralston4_a, .b = ralston4_b, .c = ralston4_c};

#endif
