/* SPDX-License-Identifier: MIT */
/* dq/simd.h -- vectorised exp/expm1 for model and solver loops, without -ffast-math.
 *
 * Most of the cost of a neuron model is exp. glibc's libmvec has vector exp and expm1
 * (SSE2, AVX2, AVX-512 variants, within 4 ulp), but math.h only announces them under
 * -ffast-math, which would also break NaN and infinity detection. Including this header in
 * a plugin built with dq_add_plugin(... SIMD) announces them itself, so loops marked
 * DQ_SIMD_LOOP call the vector variants, and DQ_SIMD_CLONES compiles a function for AVX-512,
 * AVX2 and baseline x86-64, picked at load time for the machine it runs on.
 *
 * What SIMD changes: the build adds -fno-math-errno (errno is never read) and
 * -fno-trapping-math (no code reads FP exception flags); it keeps IEEE NaN and infinity
 * semantics. Vector exp may differ from scalar exp in the last bits, so results depend on the
 * machine's vector width, but never on the number of threads.
 *
 * Elsewhere (another compiler or platform, or without SIMD) the macros are empty and the
 * code is plain C. */
#ifndef DQ_SIMD_H
#define DQ_SIMD_H

#include <math.h>

#if defined(DQ_SIMD) && DQ_SIMD && defined(__GNUC__) && !defined(__clang__) &&                     \
    defined(__x86_64__) && defined(__GLIBC__) &&                                                   \
    (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 35))
#define DQ_SIMD_ACTIVE 1
__attribute__((__simd__("notinbranch"))) double exp(double);
__attribute__((__simd__("notinbranch"))) double expm1(double);
#define DQ_SIMD_LOOP _Pragma("omp simd")
#if defined(__SANITIZE_THREAD__)
/* ThreadSanitizer instruments the clones' load-time resolver, which runs before it is
 * initialised; a baseline build is what it can check. */
#define DQ_SIMD_CLONES
#else
#define DQ_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
#else
#define DQ_SIMD_ACTIVE 0
#define DQ_SIMD_LOOP
#define DQ_SIMD_CLONES
#endif

#endif
