/* SPDX-License-Identifier: MIT */
/* control.c -- the PI step-size controller (see control.h). */
#include <math.h>

#include "control.h"

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
            double sc = a + r * fmax(fabs(p0[u]), fabs(p1[u]));
            double x = e[u] / sc;
            E[u] = fma(x, x, E[u]);
        }
    }
    const double inv_m = 1.0 / (double)comps;
    for (size_t u = 0; u < units; ++u) {
        double v = sqrt(E[u] * inv_m);
        E[u] = isnan(v) ? INFINITY : v;
    }
}

int dq__control_decide(const dq__control_t *c, double h, double E, double *E_prev,
                       unsigned *rejected, double *h_next)
{
    if (E <= 1.0) {
        double fac;
        if (E == 0.0)
            fac = DQ__CONTROL_FACMAX;
        else
            fac = DQ__CONTROL_SAFETY * pow(E, -c->alpha) * pow(*E_prev, c->beta);
        double hi = *rejected ? 1.0 : DQ__CONTROL_FACMAX;
        fac = fmin(hi, fmax(DQ__CONTROL_FACMIN, fac));
        *h_next = h * fac;
        *E_prev = fmax(E, DQ__CONTROL_EPREV_MIN);
        *rejected = 0;
        return 1;
    }
    double fac = isfinite(E) ? DQ__CONTROL_SAFETY * pow(E, -c->inv_q) : DQ__CONTROL_FACMIN;
    *h_next = h * fmin(1.0, fmax(DQ__CONTROL_FACMIN, fac));
    ++*rejected;
    return 0;
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
