/* SPDX-License-Identifier: MIT */
/* hh_gates.h -- the Hodgkin-Huxley gates' unit loop, shared by the point neuron (hh.c) and
 * the cable model's hh mechanism (cell.c): the same rates (hh_eq.h), the same vectorised
 * pass. Include after <dq/simd.h>. */
#ifndef HH_GATES_H
#define HH_GATES_H

#include <stddef.h>

#include <dq/simd.h>

#include "hh_eq.h"

/* dx/dt = a (1 - x) - b x for the three gates, and with diag set d(dx/dt)/dx = -(a + b),
 * which the rates give for free (so a per-state exponential step costs one pass). */
DQ_SIMD_CLONES static void hh_gate_loop(const double *restrict V, const double *restrict m,
                                        const double *restrict h, const double *restrict n,
                                        double *restrict dm, double *restrict dh,
                                        double *restrict dn, double *restrict jm,
                                        double *restrict jh, double *restrict jn, size_t units)
{
    if (jm) {
        DQ_SIMD_LOOP
        for (size_t i = 0; i < units; ++i) {
            double am, bm, ah, bh, an, bn;
            hh_rates(V[i], &am, &bm, &ah, &bh, &an, &bn);
            dm[i] = hh_gate(am, bm, m[i]);
            dh[i] = hh_gate(ah, bh, h[i]);
            dn[i] = hh_gate(an, bn, n[i]);
            jm[i] = hh_gate_dx(am, bm);
            jh[i] = hh_gate_dx(ah, bh);
            jn[i] = hh_gate_dx(an, bn);
        }
        return;
    }
    DQ_SIMD_LOOP
    for (size_t i = 0; i < units; ++i) {
        double am, bm, ah, bh, an, bn;
        hh_rates(V[i], &am, &bm, &ah, &bh, &an, &bn);
        dm[i] = hh_gate(am, bm, m[i]);
        dh[i] = hh_gate(ah, bh, h[i]);
        dn[i] = hh_gate(an, bn, n[i]);
    }
}

#endif
