/* SPDX-License-Identifier: MIT */
/* noise.c -- standard normals keyed by (seed, unit, state, draw, noise-grid index).
 *
 * The generator is Random123's Philox4x32-10, a counter-based bijection: its output is a
 * pure function of a 128-bit counter and a 64-bit key, so a unit's noise does not depend on
 * which thread or block computes it, on the population around it, or on what was drawn
 * before. Key: the run's seed. Counter: (noise-grid index / 4, global unit, model-wide state
 * index | draw << 24). One call gives four 32-bit words, turned by two Box-Muller transforms
 * into the normals of four consecutive noise-grid indices; the driver keeps them for the
 * next steps (driver/brownian.c), so every word is used.
 *
 * Uniforms are (w + 1/2) 2^-32, in (0, 1): the normals' tails are cut at
 * sqrt(-2 ln 2^-33) = 6.76 standard deviations (probability 1.4e-11 per draw). The angle of
 * Box-Muller is built from the word by octant, with sin and cos as Taylor polynomials on
 * [0, pi/4] (error below 1e-16), so the transform is multiplies and adds plus one log and
 * one sqrt: it vectorises, and gives the same bits in every lane of every vector width.
 * The log comes from glibc's libmvec where available (a vector variant per machine, the
 * same one for every lane of a run), else from libm. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include <Random123/philox.h>

#include "noise_impl.h"

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__GLIBC__) &&       \
    defined(DQ_NOISE_MVEC)
__attribute__((__simd__("notinbranch"))) double log(double);
#if !defined(__SANITIZE_THREAD__)
#define NOISE_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
#endif
#ifndef NOISE_CLONES
#define NOISE_CLONES
#endif

/* Taylor coefficients of sin and cos about 0, used on |x| <= pi/4, where the first term
 * left out (x^17/17!, x^18/18!) is below 5e-17. */
static inline double noise_sin_poly(double x)
{
    const double x2 = x * x;
    double p = -1.0 / 1307674368000.0; /* -1/15! */
    p = p * x2 + 1.0 / 6227020800.0;   /* 1/13! */
    p = p * x2 - 1.0 / 39916800.0;     /* -1/11! */
    p = p * x2 + 1.0 / 362880.0;       /* 1/9! */
    p = p * x2 - 1.0 / 5040.0;         /* -1/7! */
    p = p * x2 + 1.0 / 120.0;          /* 1/5! */
    p = p * x2 - 1.0 / 6.0;            /* -1/3! */
    return x + x * x2 * p;
}

static inline double noise_cos_poly(double x)
{
    const double x2 = x * x;
    double p = 1.0 / 20922789888000.0; /* 1/16! */
    p = p * x2 - 1.0 / 87178291200.0;  /* -1/14! */
    p = p * x2 + 1.0 / 479001600.0;    /* 1/12! */
    p = p * x2 - 1.0 / 3628800.0;      /* -1/10! */
    p = p * x2 + 1.0 / 40320.0;        /* 1/8! */
    p = p * x2 - 1.0 / 720.0;          /* -1/6! */
    p = p * x2 + 1.0 / 24.0;           /* 1/4! */
    p = p * x2 - 0.5;                  /* -1/2! */
    return 1.0 + x2 * p;
}

/* Word a gives the radius, word b the angle 2 pi (b + 1/2) 2^-32: its top three bits pick
 * the octant, the other 29 the position x in it, mirrored in odd octants so that x runs
 * over [0, pi/4]. */
static inline void noise_box_muller(uint32_t a, uint32_t b, double *z0, double *z1)
{
    const double u = ((double)a + 0.5) * 0x1p-32;
    const double r = sqrt(-2.0 * log(u));
    const uint32_t oct = b >> 29;
    const double f = ((double)(b & 0x1fffffffu) + 0.5) * 0x1p-29;
    const double x = (oct & 1u ? 1.0 - f : f) * 0.78539816339744830962;
    const double s = noise_sin_poly(x), c = noise_cos_poly(x);
    /* Octants 1, 2, 5, 6 swap sin and cos; sin < 0 in 4..7, cos < 0 in 2..5. */
    const int swap = ((oct + 1u) & 2u) != 0;
    const double sn = swap ? c : s, cs = swap ? s : c;
    *z0 = r * (oct - 2u < 4u ? -cs : cs);
    *z1 = r * (oct >= 4u ? -sn : sn);
}

NOISE_CLONES void dq__noise_fill(const dq__noise_key_t *key, uint64_t counter, uint32_t unit0,
                                 size_t lanes, size_t live, double *restrict out)
{
    const philox4x32_key_t k = {{(uint32_t)key->seed, (uint32_t)(key->seed >> 32)}};
    const uint32_t c0 = (uint32_t)counter, c1 = (uint32_t)(counter >> 32);
    const uint32_t word3 = key->state | (key->draw << 24);
    const uint32_t last = unit0 + (uint32_t)(live ? live - 1 : 0);
    double *restrict o0 = out, *restrict o1 = out + lanes, *restrict o2 = out + 2 * lanes,
                     *restrict o3 = out + 3 * lanes;
#pragma omp simd
    for (size_t u = 0; u < lanes; ++u) {
        /* Padding lanes repeat the last real unit, noise included. */
        uint32_t unit = unit0 + (uint32_t)u;
        unit = unit < last ? unit : last;
        const philox4x32_ctr_t c = {{c0, c1, unit, word3}};
        const philox4x32_ctr_t r = philox4x32_R(10, c, k);
        double z0, z1, z2, z3;
        noise_box_muller(r.v[0], r.v[1], &z0, &z1);
        noise_box_muller(r.v[2], r.v[3], &z2, &z3);
        o0[u] = z0;
        o1[u] = z1;
        o2[u] = z2;
        o3[u] = z3;
    }
}
