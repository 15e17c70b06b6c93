/* SPDX-License-Identifier: MIT */
/* hand_simd.c -- the same hand-fused loops with glibc's vector exp/expm1 (libmvec).
 *
 * Built with -O3 -fopenmp-simd -fno-math-errno -fno-trapping-math -ffp-contract=fast
 * (bench/CMakeLists.txt): no -ffast-math, so NaN and infinities keep their meaning. glibc's
 * <math.h> announces its vector variants only under __FAST_MATH__, so exp and expm1 are
 * declared SIMD-callable here, and "#pragma omp simd" loops call them. Each kernel is
 * compiled three times (target_clones) and picked at load time: x86-64-v4 (AVX-512, calls
 * _ZGVeN8v_exp), x86-64-v3 (AVX2 + FMA, _ZGVdN4v_exp) and baseline (SSE2) -- the widths
 * dqhost's SIMD plugins are built for (scripts/bench.sh checks the calls with objdump).
 * libmvec is accurate to 4 ulp and the build contracts a*b+c into FMAs, so results may
 * differ from the scalar loop in the last bits. */
#include <math.h>

#if defined(__x86_64__) && !defined(BENCH_NO_SIMD)
#pragma omp declare simd notinbranch
extern double exp(double);
#pragma omp declare simd notinbranch
extern double expm1(double);
#define HAND_SIMD _Pragma("omp simd")
#define HAND_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define HAND_SIMD /* no libmvec here: the rows are skipped */
#define HAND_CLONES
#endif

#define HAND_NAME(x) simd_##x
#include "hand_kernels.h"

static int simd_cpu_ok(void)
{
#if defined(__x86_64__) && !defined(BENCH_NO_SIMD)
    return 1;
#else
    return 0;
#endif
}

const char *bench_simd_isa(void)
{
#if defined(__x86_64__) && !defined(BENCH_NO_SIMD)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("x86-64-v4"))
        return "x86-64-v4 (AVX-512, 8 lanes)";
    if (__builtin_cpu_supports("x86-64-v3"))
        return "x86-64-v3 (AVX2 + FMA, 4 lanes)";
    return "x86-64 (SSE2, 2 lanes)";
#else
    return "none";
#endif
}

static int simd_supports(const bench_problem_t *p, char *msg, size_t len)
{
    if (!simd_cpu_ok()) {
        snprintf(msg, len, "no x86-64 libmvec in this build");
        return 0;
    }
    if (p->model != BENCH_HH || p->scheme == BENCH_EXP_EULER || p->scheme == BENCH_MIDPOINT) {
        snprintf(msg, len, "no SIMD loop for %s %s",
                 p->model == BENCH_HH       ? "hh"
                 : p->model == BENCH_LORENZ ? "lorenz"
                                            : "decay",
                 bench_scheme_name(p->scheme));
        return 0;
    }
    return 1;
}

static int simd_run(void *state, unsigned long steps, char *msg, size_t len)
{
    simd_state_t *s = state;
    const bench_problem_t *p = &s->p;
    (void)msg;
    (void)len;
    const unsigned long step0 = s->step;
    s->step += steps;
    if (p->scheme == BENCH_EM)
        simd_em(s->P, p->n, p->dt, p->sigma, step0, steps, s->V, s->m, s->h, s->g, s->I, s->spikes,
                s->z, &s->z_tag);
    else if (p->scheme == BENCH_EULER)
        simd_euler(s->P, p->n, p->dt, steps, s->V, s->m, s->h, s->g, s->I, s->spikes);
    else if (p->scheme == BENCH_RK4)
        simd_rk4(s->P, p->n, p->dt, steps, s->V, s->m, s->h, s->g, s->I, s->spikes);
    else
        simd_ind_exp_euler(s->P, p->n, p->dt, steps, s->V, s->m, s->h, s->g, s->I, s->spikes);
    return 0;
}

/* The vector functions on special and ordinary arguments, against the scalar ones called
 * through volatile pointers (which the vectoriser cannot touch). */
HAND_CLONES static void simd_selftest_eval(const double *restrict x, double *restrict e,
                                           double *restrict em, int n)
{
    HAND_SIMD
    for (int i = 0; i < n; ++i) {
        e[i] = exp(x[i]);
        em[i] = expm1(x[i]);
    }
}

static double simd_ulps(double a, double b)
{
    if (a == b)
        return 0.0;
    return fabs(a - b) / fabs(nextafter(b, INFINITY) - b);
}

int bench_simd_selftest(char *msg, size_t len)
{
    enum { N = 16 };
    const double x[N] = {NAN,  INFINITY, -INFINITY, 710.0, -746.0, 0.0,   -0.0,  1e-300,
                         -1.0, 1.0,      -6.5,      -2.5,  37.5,   -12.0, 1e-10, -1e-10};
    double e[N], em[N];
    double (*volatile sexp)(double) = exp;
    double (*volatile sexpm1)(double) = expm1;
    if (!simd_cpu_ok()) {
        snprintf(msg, len, "no x86-64 libmvec in this build");
        return 1;
    }
    simd_selftest_eval(x, e, em, N);
    if (!isnan(e[0]) || !isnan(em[0]) || e[1] != INFINITY || em[1] != INFINITY || e[2] != 0.0 ||
        em[2] != -1.0 || e[3] != INFINITY || e[4] != 0.0) {
        snprintf(msg, len,
                 "vector exp/expm1 break NaN or infinities: exp(NaN) = %g, exp(inf) = %g, "
                 "exp(-inf) = %g, expm1(-inf) = %g, exp(710) = %g",
                 e[0], e[1], e[2], em[2], e[3]);
        return 1;
    }
    for (int i = 5; i < N; ++i) {
        const double ue = simd_ulps(e[i], sexp(x[i])), um = simd_ulps(em[i], sexpm1(x[i]));
        if (ue > 4.0 || um > 4.0) {
            snprintf(msg, len, "vector exp(%g) or expm1 is %g / %g ulp from the scalar one", x[i],
                     ue, um);
            return 1;
        }
    }
    return 0;
}

const bench_impl_t bench_impl_hand_simd = {
    .name = "hand_simd",
    .label = "hand-fused, SIMD exp (libmvec)",
    .supports = simd_supports,
    .ref_substeps = simd_ref_substeps,
    .setup = simd_setup,
    .run = simd_run,
    .read = simd_read,
    .teardown = simd_teardown,
    .read_all = simd_read_all,
};
