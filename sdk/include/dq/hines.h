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
#include <string.h>

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

/* ---- a factorisation kept across steps ------------------------------------------------------
 * A fixed-step cable solver's matrix changes little from step to step: C/dt and the axial
 * terms are constant, and dI/dV changes only where a channel's conductance moves (an HH soma
 * in passive dendrites: the root alone). The pivots of node i depend only on the diagonal
 * of i's subtree, so a solver may keep them and redo the elimination only for the nodes
 * whose subtree changed (dq_hines_refactor), then solve with the kept pivots
 * (dq_hines_solve_factored): the division, whose latency chains the elimination along a
 * section, leaves the step. Both give the bits dq_hines_solve gives for the same d and r. */

/* Pivots (reciprocals) of the system with diagonal w into piv (n*lanes each) for the nodes
 * marked in `dirty` (n bytes; a node must be marked when its own diagonal changed or a
 * node of its subtree is marked: dq_hines_refactor marks them so). dd is n*lanes of work. */
static inline void dq__hines_factor_marked(size_t n, size_t lanes, const long *parent,
                                           const double *a, const double *b,
                                           const unsigned char *dirty, const double *w, double *piv,
                                           double *dd)
{
    for (size_t i = 0; i < n; ++i)
        if (dirty[i]) {
            const double *wi = w + i * lanes;
            double *di = dd + i * lanes;
            DQ_SIMD_LOOP
            for (size_t c = 0; c < lanes; ++c)
                di[c] = wi[c];
        }
    for (size_t i = n - 1; i > 0; --i) {
        const size_t p = (size_t)parent[i];
        double *pi = piv + i * lanes;
        if (dirty[i]) {
            const double *di = dd + i * lanes;
            DQ_SIMD_LOOP
            for (size_t c = 0; c < lanes; ++c)
                pi[c] = 1.0 / di[c];
        }
        if (dirty[p]) {
            double *dp = dd + p * lanes;
            DQ_SIMD_LOOP
            for (size_t c = 0; c < lanes; ++c)
                dp[c] -= (b[i] * pi[c]) * a[i];
        }
    }
    if (dirty[0]) {
        DQ_SIMD_LOOP
        for (size_t c = 0; c < lanes; ++c)
            piv[c] = 1.0 / dd[c];
    }
}

/* Brings the pivots piv up to date with the diagonal w (a and b shared by the cells, as in
 * dq_hines_solve): compares w with w_prev (the diagonal the pivots belong to), marks the
 * nodes that changed and their ancestors, and refactors those. `valid` 0 (a first step, or
 * after a change of dt) refactors everything. w_prev is updated; dirty and dd are work (n
 * bytes, n*lanes doubles). Returns the number of nodes refactored. */
static inline size_t dq_hines_refactor(size_t n, size_t lanes, const long *parent, const double *a,
                                       const double *b, const double *w, double *w_prev,
                                       double *piv, int valid, unsigned char *dirty, double *dd)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; ++i) {
        /* Bits, not values: equal bits are equal values, and the stale NaN a solver may
         * start w_prev with never matches a finite diagonal. */
        dirty[i] = !valid || memcmp(w + i * lanes, w_prev + i * lanes, lanes * sizeof *w) != 0;
    }
    size_t marked = 0;
    for (size_t i = n - 1; i > 0; --i)
        if (dirty[i])
            dirty[parent[i]] = 1;
    for (size_t i = 0; i < n; ++i)
        if (dirty[i]) {
            ++marked;
            memcpy(w_prev + i * lanes, w + i * lanes, lanes * sizeof *w);
        }
    if (marked)
        dq__hines_factor_marked(n, lanes, parent, a, b, dirty, w, piv, dd);
    return marked;
}

/* Solves in place in r with the pivots of dq_hines_refactor (a and b shared by the cells):
 * the elimination of r and the substitution, one multiply-add a node each way. */
static inline void dq_hines_solve_factored(size_t n, size_t lanes, const long *parent,
                                           const double *a, const double *b, const double *piv,
                                           double *r)
{
    if (n == 0)
        return;
    for (size_t i = n - 1; i > 0; --i) {
        const double *pi = piv + i * lanes, *ri = r + i * lanes;
        double *rp = r + (size_t)parent[i] * lanes;
        DQ_SIMD_LOOP
        for (size_t c = 0; c < lanes; ++c)
            rp[c] -= (b[i] * pi[c]) * ri[c];
    }
    DQ_SIMD_LOOP
    for (size_t c = 0; c < lanes; ++c)
        r[c] *= piv[c];
    for (size_t i = 1; i < n; ++i) {
        const double *pi = piv + i * lanes, *xp = r + (size_t)parent[i] * lanes;
        double *ri = r + i * lanes;
        DQ_SIMD_LOOP
        for (size_t c = 0; c < lanes; ++c)
            ri[c] = (ri[c] - a[i] * xp[c]) * pi[c];
    }
}

#ifdef __cplusplus
}
#endif

#endif
