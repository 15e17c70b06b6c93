/* SPDX-License-Identifier: MIT */
/* tableaux/dopri5.h -- Dormand-Prince 5(4) (J. R. Dormand, P. J. Prince, J. Comput. Appl.
 * Math. 6(1), 1980), as in Hairer's DOPRI5 (Hairer, Norsett & Wanner, Solving ODEs I,
 * II.5 and II.6): a fifth-order FSAL pair with an embedded fourth-order solution, and
 * Shampine's fourth-order continuous extension (Math. Comp. 46, 1986).
 *
 *   c_i   | a_ij
 *   0     |
 *   1/5   | 1/5
 *   3/10  | 3/40        9/40
 *   4/5   | 44/45       -56/15       32/9
 *   8/9   | 19372/6561  -25360/2187  64448/6561  -212/729
 *   1     | 9017/3168   -355/33      46732/5247  49/176   -5103/18656
 *   1     | 35/384      0            500/1113    125/192  -2187/6784   11/84
 *   ------+-------------------------------------------------------------------------
 *   b     | 35/384      0            500/1113    125/192  -2187/6784   11/84     0
 *   b^    | 5179/57600  0            7571/16695  393/640  -92097/339200 187/2100 1/40
 *
 * e = b - b^ (the estimate err = y1 - y1^ = h sum e_i k_i); d gives the dense output
 *   y(t0 + theta h) = r1 + theta (r2 + (1 - theta) (r3 + theta (r4 + (1 - theta) r5)))
 *   r1 = y0, r2 = y1 - y0, r3 = h k1 - r2, r4 = r2 - h k7 - r3, r5 = h sum d_i k_i.
 * Included by dopri5.c and tests/check_adaptive_solvers.c. */
#ifndef DQ_TABLEAU_DOPRI5_H
#define DQ_TABLEAU_DOPRI5_H

#define DOPRI5_STAGES 7

/* a[i*7 + j] = a_(i+1)(j+1), strictly lower triangular; a row per line */
/* clang-format off */
static const double dopri5_a[DOPRI5_STAGES * DOPRI5_STAGES] = {
    0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    1.0 / 5.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    3.0 / 40.0, 9.0 / 40.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0, 0.0, 0.0, 0.0, 0.0,
    19372.0 / 6561.0, -25360.0 / 2187.0, 64448.0 / 6561.0, -212.0 / 729.0, 0.0, 0.0, 0.0,
    9017.0 / 3168.0, -355.0 / 33.0, 46732.0 / 5247.0, 49.0 / 176.0, -5103.0 / 18656.0, 0.0, 0.0,
    35.0 / 384.0, 0.0, 500.0 / 1113.0, 125.0 / 192.0, -2187.0 / 6784.0, 11.0 / 84.0, 0.0,
};
/* clang-format on */
static const double dopri5_b[DOPRI5_STAGES] = {
    35.0 / 384.0, 0.0, 500.0 / 1113.0, 125.0 / 192.0, -2187.0 / 6784.0, 11.0 / 84.0, 0.0};
static const double dopri5_c[DOPRI5_STAGES] = {0.0,       1.0 / 5.0, 3.0 / 10.0, 4.0 / 5.0,
                                               8.0 / 9.0, 1.0,       1.0};
/* b - b^ */
static const double dopri5_e[DOPRI5_STAGES] = {
    71.0 / 57600.0,      0.0,          -71.0 / 16695.0, 71.0 / 1920.0,
    -17253.0 / 339200.0, 22.0 / 525.0, -1.0 / 40.0};
/* Shampine's dense-output coefficients (Hairer's d1..d7; d2 = 0) */
static const double dopri5_d[DOPRI5_STAGES] = {
    -12715105075.0 / 11282082432.0,  0.0,
    87487479700.0 / 32700410799.0,   -10690763975.0 / 1880347072.0,
    701980252875.0 / 199316789632.0, -1453857185.0 / 822651844.0,
    69997945.0 / 29380423.0};

#endif
