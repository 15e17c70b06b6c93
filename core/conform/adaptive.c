/* SPDX-License-Identifier: MIT */
/* adaptive.c -- the checks of error-controlled solvers (DQ_CAP_ADAPTIVE): one step from the
 * exact state in per-lane mode, for the order of the error estimate and of the continuous
 * extension (and dense's contract: dense(1) = y, dense(0) = y0, the same bits after reset);
 * and adaptive runs with the host's own controller (core/driver/control.h) for tolerance
 * proportionality. What a solver declares (order, error_order, dense_order) sets what is
 * expected; no solver is known by name. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conform_impl.h"
#include "control.h"
#include "strbuf.h"

/* The problems measured (decay is too easy: its estimate says little). */
static const int adaptive_problems[] = {DQ_PROBLEM_OSCILLATOR, DQ_PROBLEM_LOGISTIC,
                                        DQ_PROBLEM_RICCATI};
#define N_ADAPTIVE_PROBLEMS 3

/* (the detail of the tolerance check spells them out) */
static const double adaptive_rtol[DQ_CONFORM_TOLERANCES] = {1e-4, 1e-6, 1e-8};
#define ADAPTIVE_ATOL_FACTOR 1e-2
/* Step attempts of one adaptive run before it counts as stuck. */
#define ADAPTIVE_MAX_ATTEMPTS 200000L
/* dense(1) against y and dense(0) against y0, relative. */
#define ADAPTIVE_DENSE_ENDS 1e-12
#define ADAPTIVE_THETAS 9
/* The adaptive runs span 5 times the problem's t_end (oscillator to 5, logistic and riccati
 * to 10): over t_end alone the loosest tolerance takes 7 to 13 steps, mostly the start-up of
 * the controller (Hairer's first step, the PI term's damped first growth), and the slope
 * there is that transient's (0.73 for dopri5 on logistic), not the method's. */
#define ADAPTIVE_SPAN 5.0
#define ADAPTIVE_T_END(p) ((p)->t_end * ADAPTIVE_SPAN)

/* Lane u (padding: unit CONFORM_UNITS - 1) starts at 0.25 (1 + u) and steps over
 * h (1 + 0.25 u): lanes differ in time and step size. */
static void adaptive_lanes(double h, double *lane_t, double *lane_dt)
{
    for (size_t u = 0; u < CONFORM_LANES; ++u) {
        const double v = (double)(u < CONFORM_UNITS ? u : CONFORM_UNITS - 1);
        lane_t[u] = 0.25 * (1.0 + v);
        lane_dt[u] = h * (1.0 + 0.25 * v);
    }
}

static double adaptive_unit(size_t u)
{
    return (double)(u < CONFORM_UNITS ? u : CONFORM_UNITS - 1);
}

/* Max over the live units of |a - b| / max(1, |b|). */
static double adaptive_rel_diff(const double *a, const double *b, size_t m)
{
    double d = 0.0;
    for (size_t k = 0; k < m; ++k)
        for (size_t u = 0; u < CONFORM_UNITS; ++u) {
            const size_t i = k * CONFORM_LANES + u;
            const double x = fabs(a[i] - b[i]) / fmax(1.0, fabs(b[i]));
            if (!(x <= d))
                d = x;
        }
    return d;
}

static double adaptive_max_abs(const double *v, size_t m)
{
    double d = 0.0;
    for (size_t k = 0; k < m; ++k)
        for (size_t u = 0; u < CONFORM_UNITS; ++u) {
            const double x = fabs(v[k * CONFORM_LANES + u]);
            if (!(x <= d))
                d = x;
        }
    return d;
}

/* What the one-step runs found beyond the result. */
typedef struct adaptive_found {
    char local_fail[DQ_CONFORM_DETAIL_MAX]; /* a run that failed */
    char dense_fail[DQ_CONFORM_DETAIL_MAX]; /* dense's contract broken */
    char tolerance_fail[DQ_CONFORM_DETAIL_MAX];
} adaptive_found_t;

/* One step of lane-0 size h on problem p from the exact state: the estimate's and the dense
 * output's errors. Checks dense's ends and, when `after_reset`, that dense gives the same
 * bits after the values changed and reset ran. Returns DQ_OK, DQ_ENOMEM or the solver's
 * code (then *e_err and *e_dense are NaN). */
static int adaptive_one_step(dq__conform_t *c, const conform_problem_t *p, double h,
                             int after_reset, dq_conform_adaptive_t *a, adaptive_found_t *found,
                             double *e_err, double *e_dense)
{
    const size_t m = p->m, n = m * CONFORM_LANES;
    double lane_t[CONFORM_LANES], lane_dt[CONFORM_LANES], t_end[CONFORM_LANES];
    double y0[CONFORM_MAX_LEN], y1[CONFORM_MAX_LEN];
    double first[CONFORM_MAX_LEN], theta[CONFORM_LANES], t_theta[CONFORM_LANES];
    *e_err = *e_dense = NAN;
    conform_run_t run = {.prob = p, .h = h, .h2 = h, .steps = 1, .switch_at = 1};
    if (dq__conform_open(c, &run) != DQ_OK)
        return DQ_ENOMEM;
    double *y = dq__conform_vector(c, CONFORM_VEC_Y, NULL);
    double *f = dq__conform_vector(c, CONFORM_VEC_F, NULL);
    double *err = dq__conform_vector(c, CONFORM_VEC_ERR, NULL);
    double *out = dq__conform_vector(c, CONFORM_VEC_OUT, NULL);
    adaptive_lanes(h, lane_t, lane_dt);
    dq__conform_problem_exact(p, lane_t, y, CONFORM_LANES, CONFORM_UNITS);
    memcpy(y0, y, n * sizeof *y);
    dq__conform_lanes(c, lane_t, lane_dt, 1);
    int rc = dq__conform_init(c, 0.0);
    if (rc == DQ_OK)
        rc = dq__conform_step(c, 0.0);
    if (rc != DQ_OK) {
        dq__conform_close(c);
        return rc;
    }
    memcpy(y1, y, n * sizeof *y);
    *e_err = adaptive_max_abs(err, m);
    /* The continuous extension at theta = 0.1 .. 0.9, a different theta per lane in each
     * call, so that every lane sees each. */
    double worst = 0.0;
    for (int j = 0; j < ADAPTIVE_THETAS && rc == DQ_OK; ++j) {
        for (size_t u = 0; u < CONFORM_LANES; ++u) {
            theta[u] = 0.1 * (double)(1 + (j + (int)adaptive_unit(u)) % ADAPTIVE_THETAS);
            t_theta[u] = lane_t[u] + theta[u] * lane_dt[u];
        }
        if ((rc = dq__conform_dense(c, theta)) != DQ_OK)
            break;
        const double e =
            dq__conform_problem_error_at(p, out, t_theta, CONFORM_LANES, CONFORM_UNITS);
        if (!(e <= worst))
            worst = e;
        if (j == 0)
            memcpy(first, out, n * sizeof *out);
    }
    /* The ends: dense(0) = y0 and dense(1) = y. */
    for (int end = 0; end <= 1 && rc == DQ_OK; ++end) {
        for (size_t u = 0; u < CONFORM_LANES; ++u)
            theta[u] = (double)end;
        if ((rc = dq__conform_dense(c, theta)) != DQ_OK)
            break;
        const double d = adaptive_rel_diff(out, end ? y1 : y0, m);
        double *slot = end ? &a->dense_end : &a->dense_start;
        if (!(d <= *slot) || isnan(*slot))
            *slot = d;
    }
    /* What an event does: the lanes' values change, the host resets the solver at the end
     * of the step and may then ask for dense output of that step again. */
    if (rc == DQ_OK && after_reset) {
        for (size_t i = 0; i < n; ++i) {
            y[i] = 0.5 * y[i] + 0.25;
            f[i] = -f[i];
        }
        unsigned char mask[CONFORM_LANES];
        memset(mask, 1, sizeof mask);
        for (size_t u = 0; u < CONFORM_LANES; ++u)
            t_end[u] = lane_t[u] + lane_dt[u];
        dq__conform_lanes(c, t_end, lane_dt, 0);
        rc = dq__conform_reset(c, 0.0, mask);
        dq__conform_lanes(c, lane_t, lane_dt, 0);
        for (size_t u = 0; u < CONFORM_LANES && rc == DQ_OK; ++u)
            theta[u] = 0.1 * (double)(1 + (int)adaptive_unit(u) % ADAPTIVE_THETAS);
        if (rc == DQ_OK && (rc = dq__conform_dense(c, theta)) == DQ_OK && !found->dense_fail[0])
            for (size_t i = 0; i < n; ++i)
                if (memcmp(&out[i], &first[i], sizeof *out) != 0) {
                    snprintf(found->dense_fail, sizeof found->dense_fail,
                             "on '%s', after the values changed and reset ran, dense(%g) of "
                             "lane %zu gave %.17g instead of %.17g: dense must read only "
                             "ctx->state, and reset must keep what it reads",
                             p->name, theta[i % CONFORM_LANES], i % CONFORM_LANES, out[i],
                             first[i]);
                    break;
                }
    }
    dq__conform_close(c);
    if (rc != DQ_OK) {
        *e_err = NAN;
        return rc;
    }
    *e_dense = worst;
    return DQ_OK;
}

static void adaptive_local_reset(dq_conform_local_t *l)
{
    l->status = DQ_ORDER_NOT_RUN;
    l->order = l->floor = NAN;
    l->sizes = l->fit = 0;
    for (int k = 0; k < DQ_CONFORM_LOCAL_SIZES; ++k)
        l->h[k] = l->error[k] = NAN;
}

/* The one-step ladders of problem id: halve h from DQ_CONFORM_LOCAL_H0 until both errors are
 * under the floor. */
static int adaptive_measure_local(dq__conform_t *c, dq_conform_result_t *r, int id,
                                  adaptive_found_t *found)
{
    const conform_problem_t *p = &dq__conform_problems[id];
    dq_conform_adaptive_t *a = &r->adaptive;
    dq_conform_local_t *le = &a->embedded[id], *ld = &a->dense[id];
    double lane_t[CONFORM_LANES], lane_dt[CONFORM_LANES], y[CONFORM_MAX_LEN];
    adaptive_lanes(DQ_CONFORM_LOCAL_H0, lane_t, lane_dt);
    dq__conform_problem_exact(p, lane_t, y, CONFORM_LANES, CONFORM_UNITS);
    const double floor = DQ_CONFORM_LOCAL_FLOOR * fmax(1.0, adaptive_max_abs(y, p->m));
    le->floor = ld->floor = floor;
    le->sizes = ld->sizes = 0;
    for (int k = 0; k < DQ_CONFORM_LOCAL_SIZES; ++k) {
        const double h = DQ_CONFORM_LOCAL_H0 / (double)(1 << k);
        double ee, ed;
        int rc = adaptive_one_step(c, p, h, k == 0, a, found, &ee, &ed);
        if (rc == DQ_ENOMEM)
            return rc;
        if (rc != DQ_OK) {
            le->status = ld->status = DQ_ORDER_FAILED;
            if (!found->local_fail[0])
                snprintf(found->local_fail, sizeof found->local_fail,
                         "one step of '%s' (per lane, dt %g) returned %s", p->name, h,
                         dq_err_name(rc));
            return DQ_OK;
        }
        le->h[k] = ld->h[k] = h;
        le->error[k] = ee;
        ld->error[k] = ed;
        le->sizes = ld->sizes = k + 1;
        if (!isfinite(ee) || !isfinite(ed)) {
            le->status = ld->status = DQ_ORDER_FAILED;
            if (!found->local_fail[0])
                snprintf(found->local_fail, sizeof found->local_fail,
                         "one step of '%s' (per lane, dt %g) gave a non-finite %s", p->name, h,
                         isfinite(ee) ? "dense output" : "error estimate");
            return DQ_OK;
        }
        if (ee < floor && ed < floor)
            break;
    }
    le->status = dq_conform_fit_order(le->h, le->error, le->sizes, floor, &le->order, &le->fit);
    ld->status = dq_conform_fit_order(ld->h, ld->error, ld->sizes, floor, &ld->order, &ld->fit);
    return DQ_OK;
}

/* ---- adaptive runs with the host's controller ---- */

/* Weighted RMS norm of v with the scale of y (atol + rtol |y|), per lane. */
static void adaptive_wnorm(const dq__control_t *ctl, const double *y, const double *v, size_t m,
                           double *out)
{
    dq__control_norm(ctl, y, y, v, m, CONFORM_LANES, out);
}

/* Hairer's starting step per lane (the trial Euler step evaluates F here, on the host's
 * side, as the driver does). */
static void adaptive_start(const conform_problem_t *p, const dq__control_t *ctl, int order,
                           const double *y0, double *h)
{
    const size_t m = p->m, n = m * CONFORM_LANES;
    double t[CONFORM_LANES], f0[CONFORM_MAX_LEN], f1[CONFORM_MAX_LEN], y1[CONFORM_MAX_LEN];
    double df[CONFORM_MAX_LEN], d0[CONFORM_LANES], d1[CONFORM_LANES], d2[CONFORM_LANES];
    double ht[CONFORM_LANES];
    for (size_t u = 0; u < CONFORM_LANES; ++u)
        t[u] = 0.0;
    dq__conform_problem_deriv(p, t, y0, f0, CONFORM_LANES);
    adaptive_wnorm(ctl, y0, y0, m, d0);
    adaptive_wnorm(ctl, y0, f0, m, d1);
    for (size_t u = 0; u < CONFORM_LANES; ++u) {
        ht[u] = dq__control_trial(d0[u], d1[u]);
        t[u] = ht[u];
    }
    for (size_t i = 0; i < n; ++i)
        y1[i] = y0[i] + ht[i % CONFORM_LANES] * f0[i];
    dq__conform_problem_deriv(p, t, y1, f1, CONFORM_LANES);
    for (size_t i = 0; i < n; ++i)
        df[i] = (f1[i] - f0[i]) / ht[i % CONFORM_LANES];
    adaptive_wnorm(ctl, y0, df, m, d2);
    for (size_t u = 0; u < CONFORM_LANES; ++u)
        h[u] = fmin(ADAPTIVE_T_END(p), dq__control_start(ht[u], d1[u], d2[u], order));
}

/* Copies lane u of every vector of len doubles in [from, from + total) to `to`. */
static void adaptive_lane_copy(double *to, const double *from, size_t total, size_t u)
{
    for (size_t i = u; i < total; i += CONFORM_LANES)
        to[i] = from[i];
}

/* One adaptive run of problem p from t = 0 to t_end at rtol: per-lane steps, rejected lanes
 * restored, the last step clipped to t_end. Returns DQ_OK with *error, DQ_ENOMEM, or another
 * code with why filled. */
static int adaptive_run(dq__conform_t *c, const dq_integrator_entry_t *s,
                        const conform_problem_t *p, double rtol, double *error,
                        unsigned long *accepted, unsigned long *rejected, char *why, size_t len)
{
    const size_t m = p->m, n = m * CONFORM_LANES;
    const double t_end = ADAPTIVE_T_END(p);
    double atol[CONFORM_MAX_M];
    for (size_t k = 0; k < m; ++k)
        atol[k] = rtol * ADAPTIVE_ATOL_FACTOR;
    const dq_step_control_t sc = {.rtol = rtol};
    dq__control_t ctl;
    dq__control_init(&ctl, &sc, atol, s->error_order);
    conform_run_t run = {.prob = p, .h = t_end, .steps = 1, .switch_at = 1};
    run.h2 = run.h;
    if (dq__conform_open(c, &run) != DQ_OK)
        return DQ_ENOMEM;
    size_t state_len;
    double *y = dq__conform_vector(c, CONFORM_VEC_Y, NULL);
    double *f = dq__conform_vector(c, CONFORM_VEC_F, NULL);
    double *state = dq__conform_vector(c, CONFORM_VEC_STATE, &state_len);
    double *err = dq__conform_vector(c, CONFORM_VEC_ERR, NULL);
    double *saved = malloc((2 * n + state_len + 1) * sizeof *saved);
    if (!saved) {
        dq__conform_close(c);
        return DQ_ENOMEM;
    }
    double *y_old = saved, *f_old = saved + n, *state_old = saved + 2 * n;
    double t[CONFORM_LANES], h[CONFORM_LANES], dt[CONFORM_LANES], E[CONFORM_LANES];
    double E_prev[CONFORM_LANES];
    unsigned rej[CONFORM_LANES];
    int done[CONFORM_LANES], clipped[CONFORM_LANES];
    unsigned long acc_n[CONFORM_LANES], rej_n[CONFORM_LANES];
    adaptive_start(p, &ctl, s->order, y, h);
    for (size_t u = 0; u < CONFORM_LANES; ++u) {
        t[u] = 0.0;
        E_prev[u] = DQ__CONTROL_EPREV_MIN;
        rej[u] = 0;
        done[u] = 0;
        acc_n[u] = rej_n[u] = 0;
    }
    dq__conform_lanes(c, t, h, 1);
    int rc = dq__conform_init(c, 0.0);
    long attempts = 0;
    double worst = 0.0;
    for (; rc == DQ_OK; ++attempts) {
        int all = 1;
        for (size_t u = 0; u < CONFORM_LANES; ++u)
            all &= done[u];
        if (all)
            break;
        if (attempts >= ADAPTIVE_MAX_ATTEMPTS) {
            snprintf(why, len, "'%s' at rtol %g did not reach t = %g in %ld step attempts", p->name,
                     rtol, t_end, attempts);
            rc = DQ_ESOLVER;
            break;
        }
        for (size_t u = 0; u < CONFORM_LANES; ++u) {
            clipped[u] = !done[u] && h[u] >= t_end - t[u];
            dt[u] = clipped[u] ? t_end - t[u] : h[u];
        }
        memcpy(y_old, y, n * sizeof *y);
        memcpy(f_old, f, n * sizeof *f);
        memcpy(state_old, state, state_len * sizeof *state);
        dq__conform_lanes(c, t, dt, 1);
        if ((rc = dq__conform_step(c, 0.0)) != DQ_OK) {
            snprintf(why, len, "a step of '%s' at rtol %g returned %s", p->name, rtol,
                     dq_err_name(rc));
            break;
        }
        dq__control_norm(&ctl, y_old, y, err, m, CONFORM_LANES, E);
        double t_new[CONFORM_LANES];
        for (size_t u = 0; u < CONFORM_LANES && rc == DQ_OK; ++u) {
            double h_next;
            int ok =
                !done[u] && dq__control_decide(&ctl, dt[u], E[u], &E_prev[u], &rej[u], &h_next);
            if (ok) {
                t[u] = clipped[u] ? t_end : t[u] + dt[u];
                t_new[u] = t[u];
                done[u] = clipped[u];
                h[u] = fmin(h_next, ctl.hmax);
                acc_n[u]++;
                continue;
            }
            /* Rejected, or already at t_end: the lane goes back to what it was. */
            adaptive_lane_copy(y, y_old, n, u);
            adaptive_lane_copy(f, f_old, n, u);
            adaptive_lane_copy(state, state_old, state_len, u);
            t_new[u] = t[u];
            if (done[u])
                continue;
            rej_n[u]++;
            h[u] = h_next;
            if (rej[u] > ctl.max_rejects || !(h[u] > 1e-12 * t_end)) {
                snprintf(why, len,
                         "'%s' at rtol %g gave up at t = %g: %u rejections in a row, h = %g",
                         p->name, rtol, t[u], rej[u], h[u]);
                rc = DQ_ESOLVER;
            }
        }
        /* The global error along the way, at every lane's current time. */
        const double e = dq__conform_problem_error_at(p, y, t_new, CONFORM_LANES, CONFORM_UNITS);
        if (!(e <= worst))
            worst = e;
    }
    *error = rc == DQ_OK ? worst : NAN;
    *accepted = acc_n[0];
    *rejected = rej_n[0];
    free(saved);
    dq__conform_close(c);
    if (rc == DQ_OK && !isfinite(*error)) {
        snprintf(why, len, "'%s' at rtol %g ended with non-finite values", p->name, rtol);
        rc = DQ_ESOLVER;
    }
    return rc;
}

static int adaptive_measure_tolerance(dq__conform_t *c, const dq_integrator_entry_t *s,
                                      dq_conform_result_t *r, int id, adaptive_found_t *found)
{
    const conform_problem_t *p = &dq__conform_problems[id];
    dq_conform_tolerance_t *tl = &r->adaptive.tolerance[id];
    for (int k = 0; k < DQ_CONFORM_TOLERANCES; ++k) {
        char why[DQ_CONFORM_DETAIL_MAX] = "";
        tl->rtol[k] = adaptive_rtol[k];
        int rc = adaptive_run(c, s, p, adaptive_rtol[k], &tl->error[k], &tl->accepted[k],
                              &tl->rejected[k], why, sizeof why);
        if (rc == DQ_ENOMEM)
            return rc;
        if (rc != DQ_OK) {
            tl->status = DQ_ORDER_FAILED;
            if (!found->tolerance_fail[0])
                snprintf(found->tolerance_fail, sizeof found->tolerance_fail, "%s", why);
            return DQ_OK;
        }
    }
    for (int k = 0; k < DQ_CONFORM_TOLERANCES; ++k)
        if (!(tl->error[k] > 0.0)) {
            tl->status = DQ_ORDER_EXACT;
            return DQ_OK;
        }
    tl->slope = dq__conform_fit_slope(tl->rtol, tl->error, NULL, DQ_CONFORM_TOLERANCES, NULL);
    tl->status = DQ_ORDER_MEASURED;
    return DQ_OK;
}

/* ---- verdicts ---- */

void dq__conform_adaptive_init(dq_conform_result_t *out, const dq_integrator_entry_t *s)
{
    dq_conform_adaptive_t *a = &out->adaptive;
    out->is_adaptive = s && (s->flags & DQ_CAP_ADAPTIVE);
    a->dense_end = a->dense_start = NAN;
    a->expected_embedded = a->expected_dense = a->expected_slope = NAN;
    for (int p = 0; p < DQ_CONFORM_N_PROBLEMS; ++p) {
        adaptive_local_reset(&a->embedded[p]);
        adaptive_local_reset(&a->dense[p]);
        dq_conform_tolerance_t *tl = &a->tolerance[p];
        tl->status = DQ_ORDER_NOT_RUN;
        tl->slope = NAN;
        for (int k = 0; k < DQ_CONFORM_TOLERANCES; ++k) {
            tl->rtol[k] = tl->error[k] = NAN;
            tl->accepted[k] = tl->rejected[k] = 0;
        }
    }
    if (!out->is_adaptive) {
        for (int c = DQ_CHECK_EMBEDDED; c <= DQ_CHECK_TOLERANCE; ++c)
            snprintf(out->checks[c].detail, sizeof out->checks[c].detail,
                     "not an adaptive solver (no DQ_CAP_ADAPTIVE)");
        return;
    }
    const int p = s->order, q = s->error_order < p ? s->error_order : p;
    a->error_order = s->error_order;
    a->dense_order = s->dense_order;
    if (p > 0 && q > 0) {
        a->expected_embedded = q + 1;
        a->expected_slope = (double)p / (q + 1);
    }
    if (p > 0 && s->dense_order > 0)
        a->expected_dense = (s->dense_order < p ? s->dense_order : p) + 1;
}

/* "oscillator 5.01, logistic 4.98, riccati exact" from the measurements of one kind. */
static void adaptive_list(const dq_conform_local_t *l, char *buf, size_t len)
{
    dq__strbuf_t b;
    dq__strbuf_init(&b, buf, len);
    for (int i = 0; i < N_ADAPTIVE_PROBLEMS; ++i) {
        const int id = adaptive_problems[i];
        char word[48];
        if (l[id].status == DQ_ORDER_MEASURED)
            snprintf(word, sizeof word, "%s %.2f", dq__conform_problems[id].name, l[id].order);
        else
            snprintf(word, sizeof word, "%s %s", dq__conform_problems[id].name,
                     l[id].status == DQ_ORDER_EXACT ? "below the floor" : "failed");
        dq__strbuf_append(&b, i ? ", " : "");
        dq__strbuf_append(&b, word);
    }
}

/* The first measured problem whose slope is off `expected` by more than the tolerance, or
 * -1; *measured counts the measured ones. */
static int adaptive_off(const dq_conform_local_t *l, double expected, int *measured)
{
    int off = -1;
    *measured = 0;
    for (int i = 0; i < N_ADAPTIVE_PROBLEMS; ++i) {
        const dq_conform_local_t *x = &l[adaptive_problems[i]];
        if (x->status != DQ_ORDER_MEASURED)
            continue;
        ++*measured;
        if (off < 0 && !(fabs(x->order - expected) <= DQ_CONFORM_LOCAL_TOL))
            off = adaptive_problems[i];
    }
    return off;
}

static void judge_embedded(dq_conform_result_t *r, const dq_integrator_entry_t *s,
                           const adaptive_found_t *found)
{
    const dq_conform_adaptive_t *a = &r->adaptive;
    char list[160];
    adaptive_list(a->embedded, list, sizeof list);
    if (found->local_fail[0]) {
        dq_conform_set(r, DQ_CHECK_EMBEDDED, DQ_CONFORM_FAIL, "not measured: %s",
                       found->local_fail);
        return;
    }
    int measured;
    const double q = a->expected_embedded;
    const int off = adaptive_off(a->embedded, q, &measured);
    if (!measured)
        dq_conform_set(r, DQ_CHECK_EMBEDDED, DQ_CONFORM_FAIL,
                       "the error estimate is zero (or below %g) after every step (%s): the "
                       "controller would accept anything; does the step write ctx->err?",
                       DQ_CONFORM_LOCAL_FLOOR, list);
    else if (off >= 0)
        dq_conform_set(r, DQ_CHECK_EMBEDDED, DQ_CONFORM_FAIL,
                       "the error estimate is O(h^%.2f) on '%s', but order %d and error_order "
                       "%d make it O(h^%g) (%s): is error_order right, and err = y_new - "
                       "y_embedded?",
                       a->embedded[off].order, dq__conform_problems[off].name, s->order,
                       s->error_order, q, list);
    else
        dq_conform_set(r, DQ_CHECK_EMBEDDED, DQ_CONFORM_PASS,
                       "error_order %d: |err| = O(h^%g) expected, measured %s", s->error_order, q,
                       list);
}

static void judge_dense(dq_conform_result_t *r, const dq_integrator_entry_t *s,
                        const adaptive_found_t *found)
{
    const dq_conform_adaptive_t *a = &r->adaptive;
    char list[160];
    adaptive_list(a->dense, list, sizeof list);
    int measured;
    const double q = a->expected_dense;
    const int off = adaptive_off(a->dense, q, &measured);
    if (found->local_fail[0])
        dq_conform_set(r, DQ_CHECK_DENSE, DQ_CONFORM_FAIL, "not measured: %s", found->local_fail);
    else if (found->dense_fail[0])
        dq_conform_set(r, DQ_CHECK_DENSE, DQ_CONFORM_FAIL, "%s", found->dense_fail);
    else if (!(a->dense_end <= ADAPTIVE_DENSE_ENDS))
        dq_conform_set(r, DQ_CHECK_DENSE, DQ_CONFORM_FAIL,
                       "dense(1) differs from the step's y by %.3g relative (more than %g)",
                       a->dense_end, ADAPTIVE_DENSE_ENDS);
    else if (!(a->dense_start <= ADAPTIVE_DENSE_ENDS))
        dq_conform_set(r, DQ_CHECK_DENSE, DQ_CONFORM_FAIL,
                       "dense(0) differs from the step's starting y by %.3g relative (more than "
                       "%g)",
                       a->dense_start, ADAPTIVE_DENSE_ENDS);
    else if (!measured)
        dq_conform_set(r, DQ_CHECK_DENSE, DQ_CONFORM_INFO,
                       "exact to the floor on every problem, no order to measure (%s)", list);
    else if (off >= 0)
        dq_conform_set(r, DQ_CHECK_DENSE, DQ_CONFORM_FAIL,
                       "the dense output's error is O(h^%.2f) on '%s', but dense_order %d (order "
                       "%d) makes it O(h^%g) (%s)",
                       a->dense[off].order, dq__conform_problems[off].name, s->dense_order,
                       s->order, q, list);
    else
        dq_conform_set(r, DQ_CHECK_DENSE, DQ_CONFORM_PASS,
                       "dense_order %d: O(h^%g) expected, measured %s; ends within %.1e, same "
                       "bits after reset",
                       s->dense_order, q, list, fmax(a->dense_end, a->dense_start));
}

static void judge_tolerance(dq_conform_result_t *r, const dq_integrator_entry_t *s,
                            const adaptive_found_t *found)
{
    const dq_conform_adaptive_t *a = &r->adaptive;
    const double x = a->expected_slope;
    const double lo = x - DQ_CONFORM_SLOPE_BELOW, hi = x + DQ_CONFORM_SLOPE_ABOVE;
    if (found->tolerance_fail[0]) {
        dq_conform_set(r, DQ_CHECK_TOLERANCE, DQ_CONFORM_FAIL, "not measured: %s",
                       found->tolerance_fail);
        return;
    }
    char slopes[160], runs[200];
    dq__strbuf_t b;
    dq__strbuf_init(&b, slopes, sizeof slopes);
    int off = -1, measured = 0;
    for (int i = 0; i < N_ADAPTIVE_PROBLEMS; ++i) {
        const int id = adaptive_problems[i];
        const dq_conform_tolerance_t *tl = &a->tolerance[id];
        char word[48];
        if (tl->status == DQ_ORDER_MEASURED)
            snprintf(word, sizeof word, "%s %.2f", dq__conform_problems[id].name, tl->slope);
        else
            snprintf(word, sizeof word, "%s exact", dq__conform_problems[id].name);
        dq__strbuf_append(&b, i ? ", " : "");
        dq__strbuf_append(&b, word);
        if (tl->status != DQ_ORDER_MEASURED)
            continue;
        measured++;
        if (off < 0 && !(tl->slope >= lo && tl->slope <= hi))
            off = id;
    }
    /* The runs behind one slope: the failing problem's, else riccati's. */
    const int shown = off >= 0 ? off : DQ_PROBLEM_RICCATI;
    const dq_conform_tolerance_t *tl = &a->tolerance[shown];
    snprintf(runs, sizeof runs,
             "%s at rtol 1e-4/1e-6/1e-8: error %.2g/%.2g/%.2g, steps %lu/%lu/%lu, rejected "
             "%lu/%lu/%lu",
             dq__conform_problems[shown].name, tl->error[0], tl->error[1], tl->error[2],
             tl->accepted[0], tl->accepted[1], tl->accepted[2], tl->rejected[0], tl->rejected[1],
             tl->rejected[2]);
    if (!measured)
        dq_conform_set(r, DQ_CHECK_TOLERANCE, DQ_CONFORM_INFO,
                       "exact at every tolerance, no slope to measure");
    else if (off >= 0)
        dq_conform_set(r, DQ_CHECK_TOLERANCE, DQ_CONFORM_FAIL,
                       "the global error does not follow the tolerance: slope %.2f on '%s', "
                       "expected %.2f = order %d/(%g + 1), within [%.2f, %.2f] (%s); %s",
                       a->tolerance[off].slope, dq__conform_problems[off].name, x, s->order,
                       a->expected_embedded - 1, lo, hi, slopes, runs);
    else
        dq_conform_set(r, DQ_CHECK_TOLERANCE, DQ_CONFORM_PASS,
                       "slope of log error vs log rtol %s, expected %.2f = order %d/(%g + 1); %s",
                       slopes, x, s->order, a->expected_embedded - 1, runs);
}

int dq__conform_adaptive_checks(dq__conform_t *c, const dq_integrator_entry_t *s,
                                dq_conform_result_t *r)
{
    if (!(s->flags & DQ_CAP_ADAPTIVE))
        return DQ_OK;
    const char *missing = !s->dense            ? "no dense callback"
                          : s->error_order < 1 ? "no error_order"
                          : s->order < 1       ? "no order"
                          : s->dense_order < 1 ? "no dense_order"
                                               : NULL;
    if (missing) {
        for (int k = DQ_CHECK_EMBEDDED; k <= DQ_CHECK_TOLERANCE; ++k)
            dq_conform_set(r, (dq_conform_check_id_t)k, DQ_CONFORM_FAIL,
                           "declares DQ_CAP_ADAPTIVE but has %s: nothing to measure against",
                           missing);
        return DQ_OK;
    }
    adaptive_found_t found = {0};
    for (int i = 0; i < N_ADAPTIVE_PROBLEMS; ++i) {
        int rc = adaptive_measure_local(c, r, adaptive_problems[i], &found);
        if (rc == DQ_OK)
            rc = adaptive_measure_tolerance(c, s, r, adaptive_problems[i], &found);
        if (rc)
            return rc;
    }
    judge_embedded(r, s, &found);
    judge_dense(r, s, &found);
    judge_tolerance(r, s, &found);
    return DQ_OK;
}
