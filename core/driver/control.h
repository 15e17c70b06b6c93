/* SPDX-License-Identifier: MIT */
/* control.h -- the step-size controller of error-controlled runs, as pure per-lane
 * functions: the driver (core/driver/adaptive.c) and the conformance battery
 * (core/conform) use the same arithmetic, so what `dqhost check` measures is what a run
 * does. Every function works on one block: arrays of `units` lanes, component k of lane u
 * at k*units + u. */
#ifndef DQ_CORE_DRIVER_CONTROL_H
#define DQ_CORE_DRIVER_CONTROL_H

#include <stddef.h>

#include <dq/host/system.h>

#define DQ__CONTROL_RTOL 1e-6
#define DQ__CONTROL_ATOL 1e-8
#define DQ__CONTROL_MAX_REJECTS 50u
#define DQ__CONTROL_SAFETY 0.9
#define DQ__CONTROL_FACMIN 0.2
#define DQ__CONTROL_FACMAX 10.0
/* The error of the previous step is floored here (Hairer's DOPRI5), so one very accurate
 * step does not blow the next one up through the PI term. */
#define DQ__CONTROL_EPREV_MIN 1e-4

/* The controller's constants for a solver whose embedded solution has order error_order. */
typedef struct dq__control {
    double rtol;
    const double *atol; /* [comps] per component */
    double alpha, beta; /* PI exponents: 0.7/q and 0.4/q, q = error_order + 1 */
    double inv_q;       /* 1/q, for rejected steps */
    double h0, hmin, hmax;
    unsigned max_rejects;
} dq__control_t;

/* Fills the defaults for what `c` leaves 0 (c may be NULL), for error_order p^. */
void dq__control_init(dq__control_t *out, const dq_step_control_t *c, const double *atol,
                      int error_order);

/* E[u] = sqrt(mean_k (err_k / (atol_k + rtol max(|y0_k|, |y1_k|)))^2) for each lane. A NaN
 * or infinite estimate gives E = +inf (the step is rejected). */
void dq__control_norm(const dq__control_t *c, const double *y0, const double *y1, const double *err,
                      size_t comps, size_t units, double *E);

/* One lane's decision after a step of size h with error E: returns 1 when accepted. Writes
 * the size of the next attempt to *h_next (not yet clipped to hmax), updates *E_prev (the
 * PI memory, of the last accepted step) and *rejected (the rejections in a row so far). */
int dq__control_decide(const dq__control_t *c, double h, double E, double *E_prev,
                       unsigned *rejected, double *h_next);

/* The same for a block, in two parts: the factors of every lane (vectorised: the
 * controller's powers cost no more than a few arithmetic operations per lane), then one
 * lane's decision from them. dq__control_decide is both for one lane. */
void dq__control_factors(const dq__control_t *c, const double *E, const double *E_prev,
                         size_t units, double *fac_acc, double *fac_rej);
static inline int dq__control_apply(double h, double E, double fac_acc, double fac_rej,
                                    double *E_prev, unsigned *rejected, double *h_next)
{
    /* Branch-free, so that the driver's loop over a block's lanes vectorises. */
    const int ok = E <= 1.0;
    const double hi = *rejected ? 1.0 : DQ__CONTROL_FACMAX;
    double a = fac_acc < DQ__CONTROL_FACMIN ? DQ__CONTROL_FACMIN : fac_acc;
    a = a > hi ? hi : a;
    double r = fac_rej < DQ__CONTROL_FACMIN ? DQ__CONTROL_FACMIN : fac_rej;
    r = r > 1.0 ? 1.0 : r;
    *h_next = h * (ok ? a : r);
    const double ep = E > DQ__CONTROL_EPREV_MIN ? E : DQ__CONTROL_EPREV_MIN;
    *E_prev = ok ? ep : *E_prev;
    *rejected = ok ? 0u : *rejected + 1u;
    return ok;
}

/* Hairer's starting step (Hairer, Norsett & Wanner I, II.4) for one lane, given the norms
 * d0 = ||y0||, d1 = ||f0|| and, after an Euler step of h_trial, d2 = ||f1 - f0|| / h_trial, all
 * weighted like dq__control_norm (with the tolerances of y0), and the method's order p.
 * The trial step is dq__control_trial(d0, d1). */
double dq__control_trial(double d0, double d1);
double dq__control_start(double h_trial, double d1, double d2, int order);

#endif
