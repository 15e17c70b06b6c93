/* SPDX-License-Identifier: MIT */
/* dq/host/noise.h -- the normals behind the host's Brownian increments, for tests and
 * convergence studies that need to know the path a run used.
 *
 * Keying. Every noisy state of every unit has its own Wiener process. Its increments are
 * built on a noise grid: step s of a run with time step dt, a sub-module's substep j of k,
 * and noise refinement R (dq_system_set_noise_refine) cover grid indices
 * i = (s*k + j)*R + r, r = 0..R-1, each an interval of h = dt/(k*R). Index i of (seed, global
 * unit, model-wide state index) has two standard normals z0 (draw 0) and z1 (draw 1), and
 *   dW_i = sqrt(h) z0,   dZ_i = integral over the interval of (W(s) - W(start)) ds
 *                              = h^1.5 (z0 + z1/sqrt(3)) / 2.
 * A step's dW is the sum of its R intervals' dW_i, and its dZ the matching sum
 * (dZ = sum over r of h*(W_r - W_0) + dZ_r), so a run at dt with R = M follows the same
 * Brownian path as a run at dt/M with R = 1. The normals come from Random123's
 * Philox4x32-10 keyed by the seed, by Box-Muller on its 32-bit words (noise.c in the host
 * library), and are the same bits on every x86-64 CPU, whatever its vector extensions. */
#ifndef DQ_HOST_NOISE_H
#define DQ_HOST_NOISE_H

#include <stddef.h>
#include <stdint.h>

#include <dq/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The normals of grid index `index` for units unit0 .. unit0 + n - 1 of state `state`:
 * z0[u] (and z1[u] when z1 is not NULL) for unit unit0 + u, the same bits a run's solver
 * sees. unit0 + n must not exceed 2^32 and state must be below 2^24; returns DQ_OK or
 * DQ_EINVAL. */
DQ_API int dq_noise_normals(uint64_t seed, uint64_t unit0, size_t n, size_t state, uint64_t index,
                            double *z0, double *z1);

#ifdef __cplusplus
}
#endif

#endif
