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
 * sqrt(-2 ln 2^-33) = 6.76 standard deviations (probability 1.4e-11 per draw). Word a gives
 * the radius sqrt(-2 ln u): ln u by fdlibm's method (u = 2^k m with m in [sqrt(1/2), sqrt 2),
 * ln m = 2 atanh(s), s = (m - 1)/(m + 1), a degree-14 polynomial in s). Word b gives the angle
 * 2 pi (b + 1/2) 2^-32: its top three bits pick the octant, the other 29 the position in it,
 * mirrored in odd octants, and sin and cos there are fdlibm's kernels (degrees 13 and 14).
 * Every step is an integer operation or a correctly rounded one (+, -, *, /, sqrt, and the
 * fmas written out), with no contraction left to the compiler (CMake builds this file with
 * -ffp-contract=off) and no libm function but fma: a normal is the same bits in every lane
 * of every vector width, whatever the CPU's vector extensions and the compiler (GCC or
 * clang), and within 4 ulp of Box-Muller done exactly on the same words (0.5 on average).
 *
 * Speed: the words of a chunk of lanes come from a 32-bit-only loop, apart from the
 * floating-point one. With GCC on x86-64 the chunk loop is compiled for AVX-512 + FMA, for
 * AVX2 + FMA and for the baseline, and dq__noise_fill picks by the CPU (the baseline calls
 * libm's fma: slow, the same bits). The AVX-512 version runs Random123's own Philox round on
 * 16-lane GCC vectors (its round templates instantiated for a vector word, with a mulhilo
 * from even/odd 32x32->64 products), which halves its cost: GCC vectorises the scalar round
 * with 64-bit multiplies and widening shuffles. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <Random123/philox.h>

#include "noise_impl.h"

#if defined(__GNUC__)
#define NOISE_INLINE static inline __attribute__((always_inline))
#else
#define NOISE_INLINE static inline
#endif

/* GCC needs `omp simd` to vectorise the loops below at -O2; clang, which cannot vectorise
 * the transform's fma calls on baseline x86-64, would warn that it failed. */
#if defined(__GNUC__) && !defined(__clang__)
#define NOISE_SIMD _Pragma("omp simd")
#else
#define NOISE_SIMD
#endif

/* Per-CPU versions: GCC on x86-64 (clang builds, e.g. the fuzz build, take the portable
 * code alone). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define NOISE_X86 1
#endif

/* Lanes per chunk: words for 64 lanes are 1 KiB of stack. A multiple of 16. */
enum { NOISE_CHUNK = 64 };

typedef struct noise_words {
    uint32_t w[4][NOISE_CHUNK];
} noise_words_t;

NOISE_INLINE double noise_double(uint64_t bits)
{
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

NOISE_INLINE uint64_t noise_bits(double d)
{
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return b;
}

/* -2 ln u for u = (a + 1/2) 2^-32, built exactly as 1 + u - 1 from the word's bits. */
NOISE_INLINE double noise_minus_2log(uint32_t a)
{
    const uint64_t ix =
        noise_bits(noise_double(0x3ff0000000000000u | (uint64_t)a << 20 | 0x80000u) - 1.0);
    /* u = 2^k m: t has k + 1024 in its top 12 bits (-33 <= k <= 0). */
    const uint64_t t = ix + (0x400ull << 52) - 0x3fe6a09e667f3bcdull;
    const double k = noise_double(0x4330000000000000u | t >> 52) - (0x1p52 + 1024.0);
    const double m = noise_double(ix + (0x400ull << 52) - (t & 0xfff0000000000000u));
    const double f = m - 1.0, d = m + 1.0;
    /* A division, not a Newton reciprocal: the divider has room beside the multipliers. */
    const double s = f / d, z = s * s;
    /* ln m = 2s + s R(z) with fdlibm's R = Lg1 z + ... + Lg7 z^7, so
     * -2 ln u = -2k ln 2 - s (4 + 2R(z)); ln 2 = ln2_hi + ln2_lo with k ln2_hi exact. */
    double q = fma(z, 2 * 1.479819860511658591e-01, 2 * 1.531383769920937332e-01);
    q = fma(z, q, 2 * 1.818357216161805012e-01);
    q = fma(z, q, 2 * 2.222219843214978396e-01);
    q = fma(z, q, 2 * 2.857142874366239149e-01);
    q = fma(z, q, 2 * 3.999999999940941908e-01);
    q = fma(z, q, 2 * 6.666666666666735130e-01);
    q = fma(z, q, 4.0);
    return fma(k, -2 * 6.93147180369123816490e-01, fma(k, -2 * 1.90821492927058770002e-10, -s * q));
}

/* The two normals of words a (radius) and b (angle). */
NOISE_INLINE void noise_box_muller(uint32_t a, uint32_t b, double *z0, double *z1)
{
    const double r = sqrt(noise_minus_2log(a));
    /* f in (0, 1): the angle within its octant is f pi/4, mirrored in odd octants by
     * flipping the 29 bits (1 - f exactly). */
    const uint32_t oct = b >> 29;
    const uint32_t mb = (b ^ (0u - (oct & 1u))) & 0x1fffffffu;
    const double f = noise_double(0x3ff0000000000000u | (uint64_t)mb << 23 | 0x400000u) - 1.0;
    const double g = f * f;
    /* sin(f pi/4) and cos(f pi/4): fdlibm's __kernel_sin and __kernel_cos with the
     * coefficients scaled by powers of pi/4 (relative error below 6e-17 on [0, 1]). */
    double ps = fma(g, 6.8783009202694714e-12, -1.7571531104690878e-9);
    ps = fma(g, ps, 3.1336162630347843e-7);
    ps = fma(g, ps, -3.6576204161140105e-5);
    ps = fma(g, ps, 2.4903945701894795e-3);
    ps = fma(g, ps, -8.0745512188280616e-2);
    ps = fma(g, ps, 7.8539816339744831e-1);
    const double sn = f * ps;
    double pc = fma(g, -3.8603190178625915e-13, 1.1500589613778081e-10);
    pc = fma(g, pc, -2.4611365153239983e-8);
    pc = fma(g, pc, 3.5908604468380991e-6);
    pc = fma(g, pc, -3.2599188692704312e-4);
    pc = fma(g, pc, 1.5854344243815476e-2);
    pc = fma(g, pc, -3.0842513753404246e-1);
    const double cs = fma(g, pc, 1.0);
    /* Octants 1, 2, 5, 6 swap sin and cos; sin < 0 in 4..7, cos < 0 in 2..5. */
    const int swap = ((oct + 1u) & 2u) != 0;
    const double x = swap ? sn : cs, y = swap ? cs : sn;
    *z0 = (oct - 2u < 4u ? -r : r) * x;
    *z1 = (oct >= 4u ? -r : r) * y;
}

/* What one dq__noise_fill call keys its Philox calls by. */
typedef struct noise_call {
    philox4x32_key_t k;
    uint32_t c0, c1, word3, unit0;
    uint32_t last; /* the last live lane: padding lanes repeat its unit, noise included */
} noise_call_t;

NOISE_INLINE noise_call_t noise_call(const dq__noise_key_t *key, uint64_t counter, uint32_t unit0,
                                     size_t live)
{
    const noise_call_t c = {{{(uint32_t)key->seed, (uint32_t)(key->seed >> 32)}},
                            (uint32_t)counter,
                            (uint32_t)(counter >> 32),
                            key->state | (key->draw << 24),
                            unit0,
                            (uint32_t)(live ? live - 1 : 0)};
    return c;
}

/* The words of lanes u0 .. u0 + n - 1, one Philox call per lane. */
NOISE_INLINE void noise_philox_lanes(const noise_call_t *nc, uint32_t u0, size_t n,
                                     noise_words_t *restrict w)
{
    const philox4x32_key_t k = nc->k;
    const uint32_t c0 = nc->c0, c1 = nc->c1, word3 = nc->word3, unit0 = nc->unit0;
    const uint32_t last = nc->last;
    NOISE_SIMD
    for (uint32_t i = 0; i < (uint32_t)n; ++i) {
        const uint32_t off = u0 + i < last ? u0 + i : last;
        const philox4x32_ctr_t c = {{c0, c1, unit0 + off, word3}};
        const philox4x32_ctr_t r = philox4x32_R(10, c, k);
        w->w[0][i] = r.v[0];
        w->w[1][i] = r.v[1];
        w->w[2][i] = r.v[2];
        w->w[3][i] = r.v[3];
    }
}

/* The normals of the n lanes of w into out[j*lanes + i], i < n. */
NOISE_INLINE void noise_transform(const noise_words_t *restrict w, size_t n, size_t lanes,
                                  double *restrict out)
{
    double *restrict o0 = out, *restrict o1 = o0 + lanes, *restrict o2 = o1 + lanes,
                     *restrict o3 = o2 + lanes;
    NOISE_SIMD
    for (size_t i = 0; i < n; ++i) {
        noise_box_muller(w->w[0][i], w->w[1][i], &o0[i], &o1[i]);
        noise_box_muller(w->w[2][i], w->w[3][i], &o2[i], &o3[i]);
    }
}

#if defined(NOISE_X86)
/* Random123's Philox4x32 for a 16-lane vector word "v16": the header's round, key schedule
 * and R-round templates, given the vector types, constants and mulhilo they expect. */
typedef uint32_t noise_v16_t __attribute__((vector_size(64)));
typedef uint64_t noise_v8q_t __attribute__((vector_size(64)));
#define PHILOX_M4xv16_0 noise_splat16(PHILOX_M4x32_0)
#define PHILOX_M4xv16_1 noise_splat16(PHILOX_M4x32_1)
#define PHILOX_Wv16_0 PHILOX_W32_0
#define PHILOX_Wv16_1 PHILOX_W32_1
#define PHILOX4xv16_DEFAULT_ROUNDS PHILOX4x32_DEFAULT_ROUNDS

/* mulhilo32 lane by lane: the 64-bit products of the even and of the odd 32-bit lanes (what
 * vpmuludq computes), their high halves interleaved back. x86 lanes are little-endian. */
NOISE_INLINE noise_v16_t mulhilov16(noise_v16_t a, noise_v16_t b, noise_v16_t *hip)
{
    const noise_v8q_t lo = (noise_v8q_t){0} + 0xffffffffu;
    const noise_v8q_t even = ((noise_v8q_t)a & lo) * ((noise_v8q_t)b & lo);
    const noise_v8q_t odd = ((noise_v8q_t)a >> 32) * ((noise_v8q_t)b >> 32);
    *hip = (noise_v16_t)((even >> 32) | (odd & ~lo));
    return a * b;
}

/* x in every lane, written out: for `zero + x`, GCC's sanitizer builds warn of a read of
 * uninitialized lanes. */
NOISE_INLINE noise_v16_t noise_splat16(uint32_t x)
{
    const noise_v16_t v = {x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x};
    return v;
}

/* clang-format off */
_r123array_tpl(2, v16, noise_v16_t)
_r123array_tpl(4, v16, noise_v16_t)
_philox4xWbumpkey_tpl(v16)
_philox4xWround_tpl(v16, noise_v16_t)
_philoxNxW_tpl(4, 2, v16, noise_v16_t)

/* The words of lanes u0 .. u0 + n - 1, 16 lanes per vector (n is a multiple of 8: the last
 * vector may compute 8 lanes past n, into the chunk's spare room). */
NOISE_INLINE void noise_philox_v16(const noise_call_t *nc, uint32_t u0, size_t n,
                                   noise_words_t *restrict w)
{
    const noise_v16_t iota = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    const noise_v16_t lastv = noise_splat16(nc->last);
    const philox4xv16_key_t kv = {{noise_splat16(nc->k.v[0]), noise_splat16(nc->k.v[1])}};
    for (uint32_t i = 0; i < (uint32_t)n; i += 16) {
        /* Padding lanes repeat the last real unit, as in noise_philox_lanes. */
        const noise_v16_t off = iota + (u0 + i);
        const noise_v16_t below = (noise_v16_t)(off < lastv);
        const philox4xv16_ctr_t c = {{noise_splat16(nc->c0), noise_splat16(nc->c1),
                                      nc->unit0 + ((off & below) | (lastv & ~below)),
                                      noise_splat16(nc->word3)}};
        const philox4xv16_ctr_t r = philox4xv16_R(10, c, kv);
        for (int j = 0; j < 4; ++j)
            memcpy(&w->w[j][i], &r.v[j], sizeof r.v[j]);
    }
}
/* clang-format on */
#endif

/* The chunks of one call, Philox then transform. */
NOISE_INLINE void noise_fill_lanes(const dq__noise_key_t *key, uint64_t counter, uint32_t unit0,
                                   size_t lanes, size_t live, double *restrict out)
{
    const noise_call_t nc = noise_call(key, counter, unit0, live);
    noise_words_t w;
    for (size_t u0 = 0; u0 < lanes; u0 += NOISE_CHUNK) {
        const size_t n = lanes - u0 < NOISE_CHUNK ? lanes - u0 : NOISE_CHUNK;
        noise_philox_lanes(&nc, (uint32_t)u0, n, &w);
        noise_transform(&w, n, lanes, out + u0);
    }
}

#if defined(NOISE_X86)
/* The same with Philox on 16-lane vectors, where mulhilov16 compiles well. */
__attribute__((target("avx512f,avx512dq,fma,prefer-vector-width=512"))) static void
noise_fill_avx512(const dq__noise_key_t *key, uint64_t counter, uint32_t unit0, size_t lanes,
                  size_t live, double *restrict out)
{
    const noise_call_t nc = noise_call(key, counter, unit0, live);
    noise_words_t w;
    for (size_t u0 = 0; u0 < lanes; u0 += NOISE_CHUNK) {
        const size_t n = lanes - u0 < NOISE_CHUNK ? lanes - u0 : NOISE_CHUNK;
        noise_philox_v16(&nc, (uint32_t)u0, n, &w);
        noise_transform(&w, n, lanes, out + u0);
    }
}

__attribute__((target("avx2,fma"))) static void noise_fill_avx2(const dq__noise_key_t *key,
                                                                uint64_t counter, uint32_t unit0,
                                                                size_t lanes, size_t live,
                                                                double *restrict out)
{
    noise_fill_lanes(key, counter, unit0, lanes, live, out);
}
#endif

void dq__noise_fill(const dq__noise_key_t *key, uint64_t counter, uint32_t unit0, size_t lanes,
                    size_t live, double *restrict out)
{
#if defined(NOISE_X86)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("fma"))
        noise_fill_avx512(key, counter, unit0, lanes, live, out);
    else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        noise_fill_avx2(key, counter, unit0, lanes, live, out);
    else
#endif
        noise_fill_lanes(key, counter, unit0, lanes, live, out);
}
