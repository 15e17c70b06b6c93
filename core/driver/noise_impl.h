/* SPDX-License-Identifier: MIT */
/* noise_impl.h -- the keyed normals behind dq_brownian (noise.c) and the public
 * dq_noise_normals (brownian.c). */
#ifndef DQ_CORE_NOISE_IMPL_H
#define DQ_CORE_NOISE_IMPL_H

#include <stddef.h>
#include <stdint.h>

/* Everything but the unit and the counter: the run's seed, the model-wide state index
 * (< 2^24) and the draw (0: the normals of dW, 1: the independent normals of dZ). */
typedef struct dq__noise_key {
    uint64_t seed;
    uint32_t state;
    uint32_t draw;
} dq__noise_key_t;

/* Normals of noise-grid indices 4*counter .. 4*counter + 3 for `lanes` lanes whose lane 0 is
 * global unit unit0: out[j*lanes + u] is index 4*counter + j of lane u. Lanes from `live` on
 * are padding and get the last real unit's normals. The same bits for a unit whatever the
 * lanes around it, as long as `lanes` is a multiple of DQ_LANES (noise.c says why). */
void dq__noise_fill(const dq__noise_key_t *key, uint64_t counter, uint32_t unit0, size_t lanes,
                    size_t live, double *restrict out);

#endif
