/* SPDX-License-Identifier: MIT */
/* fit.c -- order fitting: runs a problem at four step sizes, fits p = log2(e(h)/e(h/2)) on
 * the two finest, and reruns the coarsest to compare the bits (and the padding lanes with
 * the unit they copy). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "conform_impl.h"

/* Step sizes: 4 halvings from 0.1, or from 0.2 for methods of order 3 and up, whose errors
 * would otherwise approach rounding at the finest size. */
double dq__conform_coarsest(const dq_integrator_entry_t *s)
{
    return s->order >= 3 ? 0.2 : 0.1;
}

/* A padding lane must end bit-identical to the last real unit, which it copies: lanes are
 * stepped alike whatever their position in the block. */
static int fit_padding_differs(const conform_problem_t *p, const double *y, char *diff,
                               size_t diff_len)
{
    for (size_t k = 0; k < p->m; ++k)
        for (size_t u = CONFORM_UNITS; u < CONFORM_LANES; ++u) {
            const double *row = y + k * CONFORM_LANES;
            if (memcmp(&row[u], &row[CONFORM_UNITS - 1], sizeof *row) != 0) {
                snprintf(diff, diff_len,
                         "lane %zu of '%s' (padding, a copy of lane %d) ended at %.17g, lane %d "
                         "at %.17g: lanes are not stepped alike",
                         u, p->name, CONFORM_UNITS - 1, row[u], CONFORM_UNITS - 1,
                         row[CONFORM_UNITS - 1]);
                return 1;
            }
        }
    return 0;
}

int dq__conform_measure(dq__conform_t *c, const dq_integrator_entry_t *s, dq_conform_result_t *out,
                        int id, int *same, char *diff, size_t diff_len)
{
    const conform_problem_t *p = &dq__conform_problems[id];
    dq_conform_order_t *o = &out->orders[id];
    double first[CONFORM_MAX_LEN], again[CONFORM_MAX_LEN];
    int failed = 0, first_rc = DQ_OK;
    *same = -1;
    for (int k = 0; k < DQ_CONFORM_STEP_SIZES; ++k) {
        double y[CONFORM_MAX_LEN];
        conform_run_t run = {.prob = p, .h = dq__conform_coarsest(s) / (double)(1 << k)};
        run.h2 = run.h;
        run.steps = run.switch_at = lround(p->t_end / run.h);
        run.final = y;
        int rc = dq__conform_integrate(c, &run);
        if (rc == DQ_ENOMEM)
            return rc;
        if (k == 0) {
            first_rc = rc;
            memcpy(first, y, sizeof y);
        }
        o->dt[k] = run.h;
        o->error[k] =
            rc == DQ_OK ? dq__conform_problem_error(p, y, run.t_final, CONFORM_LANES, CONFORM_UNITS)
                        : NAN;
        failed |= rc != DQ_OK || !isfinite(o->error[k]);
    }
    const double fine = o->error[DQ_CONFORM_STEP_SIZES - 1];
    const double coarse = o->error[DQ_CONFORM_STEP_SIZES - 2];
    if (failed)
        o->status = DQ_ORDER_FAILED;
    else if (fine < CONFORM_EXACT)
        o->status = DQ_ORDER_EXACT;
    else {
        o->status = DQ_ORDER_MEASURED;
        o->order = log2(coarse / fine);
    }

    conform_run_t run = {.prob = p, .h = dq__conform_coarsest(s), .final = again};
    run.h2 = run.h;
    run.steps = run.switch_at = lround(p->t_end / run.h);
    int rc = dq__conform_integrate(c, &run);
    if (rc == DQ_ENOMEM)
        return rc;
    if (rc == DQ_OK && first_rc == DQ_OK) {
        size_t n = p->m * CONFORM_LANES;
        *same = memcmp(first, again, n * sizeof *first) == 0;
        if (!*same) {
            double worst = 0.0;
            for (size_t i = 0; i < n; ++i)
                worst = fmax(worst, fabs(first[i] - again[i]));
            snprintf(diff, diff_len,
                     "two identical runs of '%s' (dt = %g) gave different results "
                     "(largest difference %.3g)",
                     p->name, run.h, worst);
        } else if (fit_padding_differs(p, first, diff, diff_len)) {
            *same = 0;
        }
    }
    return DQ_OK;
}

void dq__conform_order_word(const dq_conform_result_t *r, int id, char *buf, size_t len)
{
    const dq_conform_order_t *o = &r->orders[id];
    const char *name = dq__conform_problems[id].name;
    if (o->status == DQ_ORDER_MEASURED)
        snprintf(buf, len, "%s %.2f", name, o->order);
    else if (o->status == DQ_ORDER_EXACT)
        snprintf(buf, len, "%s exact", name);
    else
        snprintf(buf, len, "%s failed", name);
}

double dq__conform_fit_slope(const double *dt, const double *e, const double *sigma, int n,
                             double *se)
{
    double sw = 0.0, sx = 0.0, sy = 0.0;
    for (int i = 0; i < n; ++i) {
        const double w = sigma ? 1.0 / (sigma[i] * sigma[i]) : 1.0;
        sw += w;
        sx += w * log2(dt[i]);
        sy += w * log2(e[i]);
    }
    const double mx = sx / sw, my = sy / sw;
    double sxx = 0.0, sxy = 0.0;
    for (int i = 0; i < n; ++i) {
        const double w = sigma ? 1.0 / (sigma[i] * sigma[i]) : 1.0;
        const double dx = log2(dt[i]) - mx;
        sxx += w * dx * dx;
        sxy += w * dx * (log2(e[i]) - my);
    }
    if (se)
        *se = sigma ? sqrt(1.0 / sxx) : NAN;
    return sxy / sxx;
}
