/* SPDX-License-Identifier: MIT */
/* control.c -- the PI step-size controller (see control.h). */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "control.h"

/* log2 and exp2 for the controller's factors (relative error below 1e-11, far finer than
 * any step-size heuristic needs), branch-free and without library calls so that the loop
 * over a block's lanes vectorises: glibc's pow was a sixth of an adaptive HH run. The
 * exponent is read and written through the bits of doubles offset by 2^52 (no integer
 * conversions, which AVX2 lacks for 64-bit lanes). Deterministic, so a unit's steps are the
 * same bits wherever it runs. x > 0 finite; y within +-1000. */
static inline double control_log2(double x)
{
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    uint64_t eb = (b >> 52) | 0x4330000000000000ull; /* 2^52 + biased exponent */
    uint64_t mb = (b & 0x000fffffffffffffull) | 0x3ff0000000000000ull;
    double ed, m;
    memcpy(&ed, &eb, sizeof ed);
    memcpy(&m, &mb, sizeof m);
    double e = ed - (4503599627370496.0 + 1023.0);
    const int big = m > 1.4142135623730951;
    m = big ? 0.5 * m : m;
    e = big ? e + 1.0 : e;
    /* log(m) = 2 atanh(s), s = (m - 1)/(m + 1), |s| < 0.172 */
    const double s = (m - 1.0) / (m + 1.0), s2 = s * s;
    double p = 1.0 / 15.0;
    p = p * s2 + 1.0 / 13.0;
    p = p * s2 + 1.0 / 11.0;
    p = p * s2 + 1.0 / 9.0;
    p = p * s2 + 1.0 / 7.0;
    p = p * s2 + 1.0 / 5.0;
    p = p * s2 + 1.0 / 3.0;
    p = p * s2 + 1.0;
    return e + 2.0 * s * p * 1.4426950408889634;
}

static inline double control_exp2(double y)
{
    y = y > 1000.0 ? 1000.0 : y < -1000.0 ? -1000.0 : y;
    /* n = round(y) through the 2^52 + 2^51 shifter; its low bits are n + 1023 offset. */
    const double shifter = 6755399441055744.0; /* 1.5 * 2^52 */
    const double t = y + (shifter + 1023.0);
    const double n = t - (shifter + 1023.0);
    const double f = (y - n) * 0.6931471805599453; /* |f| <= ln2/2 */
    double p = 1.0 / 362880.0;
    p = p * f + 1.0 / 40320.0;
    p = p * f + 1.0 / 5040.0;
    p = p * f + 1.0 / 720.0;
    p = p * f + 1.0 / 120.0;
    p = p * f + 1.0 / 24.0;
    p = p * f + 1.0 / 6.0;
    p = p * f + 0.5;
    p = p * f + 1.0;
    p = p * f + 1.0;
    /* The shifter's low mantissa bits hold n + 1023, from 23 to 2023: a normal exponent. */
    uint64_t tb;
    memcpy(&tb, &t, sizeof tb);
    const uint64_t sb = (tb & 0x7ffffffffffffull) << 52;
    double scale;
    memcpy(&scale, &sb, sizeof scale);
    return p * scale;
}

void dq__control_init(dq__control_t *out, const dq_step_control_t *c, const double *atol,
                      int error_order)
{
    double q = (double)(error_order > 0 ? error_order : 1) + 1.0;
    out->rtol = c && c->rtol > 0 ? c->rtol : DQ__CONTROL_RTOL;
    out->atol = atol;
    out->alpha = 0.7 / q;
    out->beta = 0.4 / q;
    out->inv_q = 1.0 / q;
    out->h0 = c ? c->h0 : 0.0;
    out->hmin = c ? c->hmin : 0.0;
    out->hmax = c && c->hmax > 0 ? c->hmax : INFINITY;
    out->max_rejects = c && c->max_rejects ? c->max_rejects : DQ__CONTROL_MAX_REJECTS;
}

void dq__control_norm(const dq__control_t *c, const double *y0, const double *y1, const double *err,
                      size_t comps, size_t units, double *E)
{
    for (size_t u = 0; u < units; ++u)
        E[u] = 0.0;
    for (size_t k = 0; k < comps; ++k) {
        const double a = c->atol[k], r = c->rtol;
        const double *p0 = y0 + k * units, *p1 = y1 + k * units, *e = err + k * units;
        for (size_t u = 0; u < units; ++u) {
            const double a0 = fabs(p0[u]), a1 = fabs(p1[u]);
            const double sc = a + r * (a0 > a1 ? a0 : a1);
            /* y1 - y1 is NaN for an infinite or NaN new value: the step is rejected. */
            const double x = e[u] / sc + (p1[u] - p1[u]);
            E[u] += x * x;
        }
    }
    const double inv_m = 1.0 / (double)comps;
    for (size_t u = 0; u < units; ++u) {
        const double v = sqrt(E[u] * inv_m);
        E[u] = v == v ? v : INFINITY;
    }
}

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(__SANITIZE_THREAD__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
void dq__control_factors(const dq__control_t *c, const double *E, const double *E_prev,
                         size_t units, double *fac_acc, double *fac_rej)
{
    const double alpha = c->alpha, beta = c->beta, inv_q = c->inv_q;
    for (size_t u = 0; u < units; ++u) {
        const double e = E[u] < 1e-300 ? 1e-300 : E[u] > 1e300 ? 1e300 : E[u];
        const double le = control_log2(e), lp = control_log2(E_prev[u]);
        fac_acc[u] = DQ__CONTROL_SAFETY * control_exp2(beta * lp - alpha * le);
        fac_rej[u] = DQ__CONTROL_SAFETY * control_exp2(-inv_q * le);
    }
}

int dq__control_decide(const dq__control_t *c, double h, double E, double *E_prev,
                       unsigned *rejected, double *h_next)
{
    double fa, fr;
    dq__control_factors(c, &E, E_prev, 1, &fa, &fr);
    return dq__control_apply(h, E, fa, fr, E_prev, rejected, h_next);
}

double dq__control_trial(double d0, double d1)
{
    return d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : 0.01 * d0 / d1;
}

double dq__control_start(double h_trial, double d1, double d2, int order)
{
    double p = (double)(order > 0 ? order : 1);
    double m = fmax(d1, d2);
    double h1 = m <= 1e-15 ? fmax(1e-6, h_trial * 1e-3) : pow(0.01 / m, 1.0 / (p + 1.0));
    return fmin(100.0 * h_trial, h1);
}
