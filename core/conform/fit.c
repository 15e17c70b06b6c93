/* SPDX-License-Identifier: MIT */
/* fit.c -- order fitting: runs a problem over a ladder of step sizes chosen so that the
 * errors compared are the method's, not round-off's, fits the order on the finest pair above
 * the floor, and reruns the first size to compare the bits (and the padding lanes with the
 * unit they copy). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "conform_impl.h"

/* The first size: 0.1, or 0.2 for methods of order 3 and up, whose errors would otherwise
 * reach the floor within a size or two. */
double dq__conform_coarsest(const dq_integrator_entry_t *s)
{
    return s->order >= 3 ? 0.2 : 0.1;
}

int dq_conform_fit_order(const double *dt, const double *error, int n, double floor, double *order,
                         int *pair)
{
    if (pair)
        *pair = 0;
    if (order)
        *order = NAN;
    if (!dt || !error)
        return DQ_ORDER_EXACT;
    /* From the finest pair up: a pair with an error under the floor is round-off's. */
    for (int k = n - 1; k >= 1; --k) {
        const double a = error[k - 1], b = error[k];
        if (!(isfinite(a) && isfinite(b) && a >= floor && b >= floor && a > 0.0 && b > 0.0) ||
            !(dt[k - 1] > dt[k]))
            continue;
        if (order)
            *order = log(a / b) / log(dt[k - 1] / dt[k]);
        if (pair)
            *pair = k;
        return DQ_ORDER_MEASURED;
    }
    return DQ_ORDER_EXACT;
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

/* One run of `steps` steps of h: the max-norm error at t_end (NaN when it failed), the final
 * values into y. *rc receives the run's code. */
static double fit_run(dq__conform_t *c, const conform_problem_t *p, double h, long steps,
                      int tolerant, double *y, int *rc)
{
    conform_run_t run = {.prob = p, .h = h, .h2 = h, .steps = steps, .switch_at = steps};
    run.stiff = tolerant;
    run.final = y;
    *rc = dq__conform_integrate(c, &run);
    return *rc == DQ_OK ? dq__conform_problem_error(p, y, run.t_final, CONFORM_LANES, CONFORM_UNITS)
                        : NAN;
}

static int fit_above(const dq_conform_order_t *o)
{
    int n = 0;
    for (int k = 0; k < o->sizes; ++k)
        n += o->error[k] >= o->floor;
    return n;
}

int dq__conform_measure(dq__conform_t *c, const dq_integrator_entry_t *s, dq_conform_result_t *out,
                        int id, int *same, char *diff, size_t diff_len)
{
    const conform_problem_t *p = &dq__conform_problems[id];
    dq_conform_order_t *o = &out->orders[id];
    const double h0 = dq__conform_coarsest(s);
    double first[CONFORM_MAX_LEN], again[CONFORM_MAX_LEN], y[CONFORM_MAX_LEN];
    int failed = 0, first_rc = DQ_OK, rc;
    *same = -1;
    o->floor = DQ_CONFORM_FLOOR * dq__conform_problem_scale(p, p->t_end);
    /* Refine from h0 while the error stays above the floor. */
    o->sizes = 0;
    for (int k = 0; k < DQ_CONFORM_REFINE; ++k) {
        const double h = h0 / (double)(1 << k);
        double e = fit_run(c, p, h, lround(p->t_end / h), 0, y, &rc);
        if (rc == DQ_ENOMEM)
            return rc;
        if (k == 0) {
            first_rc = rc;
            memcpy(first, y, sizeof y);
        }
        o->dt[o->sizes] = h;
        o->error[o->sizes++] = e;
        failed |= rc != DQ_OK || !isfinite(e);
        if (failed || !(e >= o->floor))
            break;
    }
    /* Too few errors above the floor: a high order, or exact. Coarser sizes t_end/m, down to
     * one step, go in front; one that fails is dropped (a coarse step may well be unstable). */
    long m = lround(p->t_end / h0);
    while (!failed && fit_above(o) < 2 && m > 1 && o->sizes < DQ_CONFORM_STEP_SIZES) {
        m /= 2;
        const double h = p->t_end / (double)m;
        double e = fit_run(c, p, h, m, 1, y, &rc);
        if (rc == DQ_ENOMEM)
            return rc;
        if (rc != DQ_OK || !isfinite(e))
            break;
        memmove(o->dt + 1, o->dt, (size_t)o->sizes * sizeof *o->dt);
        memmove(o->error + 1, o->error, (size_t)o->sizes * sizeof *o->error);
        o->dt[0] = h;
        o->error[0] = e;
        o->sizes++;
    }
    if (failed)
        o->status = DQ_ORDER_FAILED;
    else
        o->status = dq_conform_fit_order(o->dt, o->error, o->sizes, o->floor, &o->order, &o->fit);

    fit_run(c, p, h0, lround(p->t_end / h0), 0, again, &rc);
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
                     p->name, h0, worst);
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
