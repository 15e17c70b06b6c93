/* SPDX-License-Identifier: MIT */
/* tableaux/tsit5.h -- Tsitouras 5(4) (Ch. Tsitouras, "Runge-Kutta pairs of order 5(4)
 * satisfying only the first column simplifying assumption", Comput. Math. Appl. 62(2),
 * 2011): a fifth-order FSAL pair (the last row of A is b) with an embedded fourth-order
 * solution b^ and a fourth-order continuous extension
 *
 *   y(t0 + theta h) = y0 + h sum_i b_i(theta) k_i,   b_i(theta) = sum_j r_ij theta^j (j = 1..4)
 *
 * with b_i(1) = b_i. The values are those of the paper, to 21 significant digits where it
 * gives them (as OrdinaryDiffEq.jl tabulates them); the C compiler rounds each literal.
 * tests/check_adaptive_solvers.c checks the order conditions of b (5), b^ (4) and b(theta)
 * (4). e = b - b^ gives the estimate err = y1 - y1^ = h sum e_i k_i.
 * Included by tsit5.c and the test. */
#ifndef DQ_TABLEAU_TSIT5_H
#define DQ_TABLEAU_TSIT5_H

#define TSIT5_STAGES 7

/* a[i*7 + j] = a_(i+1)(j+1), strictly lower triangular; one row of A per block of lines */
static const double tsit5_a[TSIT5_STAGES * TSIT5_STAGES] = {
    0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    /* row 2 */
    0.161, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    /* row 3 */
    -0.0084806554923569885444, 0.33548065549235698854, 0.0, 0.0, 0.0, 0.0, 0.0,
    /* row 4 */
    2.8971530571054934321, -6.3594484899750748431, 4.3622954328695814110, 0.0, 0.0, 0.0, 0.0,
    /* row 5 */
    5.3258648284392566044, -11.748883564062827878, 7.4955393428898362083, -0.092495066361755249257,
    0.0, 0.0, 0.0,
    /* row 6 */
    5.8614554429464200287, -12.920969317847109292, 8.1593678985761586432, -0.071584973281400997225,
    -0.028269050394068382909, 0.0, 0.0,
    /* row 7 = b */
    0.096460766818065229518, 0.01, 0.47988965041449957478, 1.3790085741037418932,
    -3.2900695154360806799, 2.3247105240997739824, 0.0};
static const double tsit5_b[TSIT5_STAGES] = {0.096460766818065229518,
                                             0.01,
                                             0.47988965041449957478,
                                             1.3790085741037418932,
                                             -3.2900695154360806799,
                                             2.3247105240997739824,
                                             0.0};
static const double tsit5_c[TSIT5_STAGES] = {0.0, 0.161, 0.327, 0.9, 0.98002554090450968573,
                                             1.0, 1.0};
/* b - b^ */
static const double tsit5_e[TSIT5_STAGES] = {0.0017800110522257714434,
                                             0.00081643445965674690322,
                                             -0.0078808780102619960103,
                                             0.14471100717326290754,
                                             -0.58235716545255522502,
                                             0.45808210592918694666,
                                             -1.0 / 66.0};
/* r[i*4 + j - 1] = r_(i+1)j: the coefficient of theta^j in b_(i+1)(theta) */
static const double tsit5_r[TSIT5_STAGES * 4] = {
    0.99999999999999997428, -2.7637061972748259113, 2.9132554618219127438, -1.0530884977290216,
    /* b_2 */
    0.0, 0.13169999999999999727, -0.22339999999999999818, 0.1017,
    /* b_3 */
    0.0, 3.9302962368947515285, -5.9410338721315047347, 2.490627285651252793,
    /* b_4 */
    0.0, -12.411077166933676984, 30.338188630282321598, -16.54810288924490272,
    /* b_5 */
    0.0, 37.509313416511039195, -88.178904894766401101, 47.37952196281928122,
    /* b_6 */
    0.0, -27.896526289197287806, 65.091894674793671526, -34.87065786149660974,
    /* b_7 */
    0.0, 1.5, -4.0, 2.5};

#endif
