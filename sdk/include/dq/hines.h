/* SPDX-License-Identifier: MIT */
/* dq/hines.h -- the Hines elimination: (diagonal + tree coupling) systems in O(n), for many
 * cells of one morphology at once (header-only, like linalg.h: a plugin never links libdqcore).
 *
 * The system. A tree of n nodes numbered so that parent[i] < i for i >= 1 (the root is node
 * 0, parent[0] is ignored; dq_morph_cable_new numbers compartments so). Row i of the matrix is
 *
 *     d[i] x[i] + a[i] x[parent[i]] + sum over the children j of i of b[j] x[j] = r[i]
 *
 * so a[i] is the entry (row i, column parent[i]) and b[i] the entry (row parent[i], column i);
 * a[0] and b[0] are not read. An implicit step of the cable equation gives such a system,
 * with a[i] = b[i] = -g_i (the axial conductance between i and its parent) and
 * d[i] = C_i/dt + sum of the node's conductances + dI_ion/dV.
 *
 * The method (Hines 1984, NEURON's triang/bksub). Elimination from the leaves to the root in
 * decreasing i removes b[i] from row parent[i]:
 *     d[p] -= (b[i]/d[i]) a[i],   r[p] -= (b[i]/d[i]) r[i]       (p = parent[i])
 * When node i is eliminated its children are gone already, so its only other entries are
 * those shared with its parent: no fill-in. Then substitution from the root to the leaves
 * in increasing i:
 *     x[0] = r[0]/d[0],   x[i] = (r[i] - a[i] x[parent[i]]) / d[i].
 * It is Gaussian elimination in an order that makes it exact: one division (the pivot's
 * reciprocal, kept for the substitution), five multiplications or subtractions per node
 * and cell, no allocation.
 *
 * Conditions. There is no pivoting. The elimination is stable (every pivot stays positive
 * and at least the original d[i] minus its off-diagonal sum) when the matrix is diagonally
 * dominant by rows with d > 0 and a, b of one sign, which an implicit or Crank-Nicolson
 * cable step gives for any dt (C/dt > 0, and a leak or channel derivative dI/dV >= 0; a
 * strongly negative dI/dV, as in a spike's upstroke, can break dominance only far beyond a
 * sensible dt). A zero pivot gives inf or NaN in x; nothing is checked.
 *
 * Layout. Cells are lanes: d[i*lanes + c], r[i*lanes + c] belong to node i of cell c, so the
 * inner loops run over contiguous lanes and vectorise (DQ_SIMD_LOOP, dq/simd.h). The tree
 * and, in dq_hines_solve, the coefficients a and b are shared by all cells (one morphology,
 * one Ra); dq_hines_solve_lanes takes them per cell as well. Both solve in place: d is
 * overwritten by the reciprocals of the pivots, r by the solution x. */
#ifndef DQ_HINES_H
#define DQ_HINES_H

#include <stddef.h>

#include <dq/simd.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The elimination for both layouts: a and b have `ab_lanes` entries a node (1: shared by
 * the cells, `lanes`: one a cell); `ab_lane` is 0 or 1, the step from one cell's entry to
 * the next. The public functions pass constants, so each is compiled for its layout. */
static inline void dq__hines_solve(size_t n, size_t lanes, const long *parent, const double *a,
                                   const double *b, size_t ab_lanes, size_t ab_lane, double *d,
                                   double *r)
{
    if (n == 0)
        return;
    for (size_t i = n - 1; i > 0; --i) {
        const double *ai = a + i * ab_lanes, *bi = b + i * ab_lanes;
        double *di = d + i * lanes, *ri = r + i * lanes;
        double *dp = d + (size_t)parent[i] * lanes, *rp = r + (size_t)parent[i] * lanes;
        DQ_SIMD_LOOP
        for (size_t c = 0; c < lanes; ++c) {
            double inv = 1.0 / di[c], f = bi[c * ab_lane] * inv;
            di[c] = inv;
            dp[c] -= f * ai[c * ab_lane];
            rp[c] -= f * ri[c];
        }
    }
    DQ_SIMD_LOOP
    for (size_t c = 0; c < lanes; ++c) {
        d[c] = 1.0 / d[c];
        r[c] *= d[c];
    }
    for (size_t i = 1; i < n; ++i) {
        const double *ai = a + i * ab_lanes, *di = d + i * lanes;
        const double *xp = r + (size_t)parent[i] * lanes;
        double *ri = r + i * lanes;
        DQ_SIMD_LOOP
        for (size_t c = 0; c < lanes; ++c)
            ri[c] = (ri[c] - ai[c * ab_lane] * xp[c]) * di[c];
    }
}

/* Solves the system above for `lanes` cells in place; a and b shared by all cells. n == 0
 * or lanes == 0 is a no-op. */
static inline void dq_hines_solve(size_t n, size_t lanes, const long *parent, const double *a,
                                  const double *b, double *d, double *r)
{
    dq__hines_solve(n, lanes, parent, a, b, 1, 0, d, r);
}

/* The same with a and b per cell as well: a[i*lanes + c], b[i*lanes + c] (cells whose
 * morphologies are one tree but whose geometry or Ra differ). */
static inline void dq_hines_solve_lanes(size_t n, size_t lanes, const long *parent, const double *a,
                                        const double *b, double *d, double *r)
{
    dq__hines_solve(n, lanes, parent, a, b, lanes, 1, d, r);
}

#ifdef __cplusplus
}
#endif

#endif
