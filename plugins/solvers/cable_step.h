/* SPDX-License-Identifier: MIT */
/* cable_step.h -- what the cable solvers (staggered, dhs_voltage, splitting, and the cable
 * branches of backward_euler and implicit_euler) share: the refusal of a model that is not a
 * cable model, the voltage right-hand side of an implicit tree step, the exponential and
 * linearised-implicit per-row updates, and the membrane's rates per unit capacitance.
 *
 * Row layout (dq/cable.h): rows 0 .. n-1 of a block are V, rows n .. comps-1 the gates;
 * component k of lane u is at k*units + u. dq_cable_membrane writes rows 0 .. n-1 of its
 * outputs and dq_cable_gates rows n .. comps-1, so one vector of len doubles holds both: the
 * solvers keep I (then -I/C) in the V rows of f and the gates' derivatives below them, dI/dV
 * (then -dI/dV / C) and the gates' diagonal the same way in d.
 *
 * Private to plugins/solvers: static functions only, each plugin still exports only
 * dq_plugin_entry. */
#ifndef DQ_SOLVERS_CABLE_STEP_H
#define DQ_SOLVERS_CABLE_STEP_H

#include <math.h>
#include <stddef.h>

#include <dq/cable.h>
#include <dq/dq.h>
#include <dq/linalg.h>
#include <dq/simd.h>

/* The message every cable solver gives on a model without compartments. */
#define CABLE_NEEDS(name)                                                                          \
    name " needs a cable model (a model with compartments, e.g. 'cell' with a morphology)"

/* The membrane current without the stimuli: a time before every current clamp
 * (dq/cable.h: dq_cable_membrane at t = -INFINITY). */
#define CABLE_NO_STIM (-INFINITY)

/* r[c] = h * (axial(V)[c] - I[c]) for the V rows: the right-hand side of the linearised
 * implicit voltage step C dV = h (-I + axial), I the membrane current less the stimuli. */
static inline void cable_rhs_v(const dq_cable_t *cb, size_t units, double h, const double *I,
                               const double *y, double *r)
{
    dq_cable_axial(cb, units, y, r, 0);
    const size_t nu = cb->n * units;
    DQ_SIMD_LOOP
    for (size_t k = 0; k < nu; ++k)
        r[k] = h * (r[k] - I[k]);
}

/* The exponential Euler update of rows [from, to) of the local linear equation
 * y' = f + d (y - ym), f and d taken at ym, solved exactly from y over h:
 *     y += h phi_1(h d) (f + d (y - ym)).
 * With ym == y it is plain exponential Euler, y += h phi_1(h d) f (phi_1(0) = 1: the d -> 0
 * limit is Euler's f h); with ym a midpoint state it is the exponential midpoint rule. */
static inline void cable_exp_update(double *y, const double *ym, const double *f, const double *d,
                                    double h, size_t from, size_t to)
{
    DQ_SIMD_LOOP
    for (size_t k = from; k < to; ++k)
        y[k] += h * dq_phi1(h * d[k]) * (f[k] + d[k] * (y[k] - ym[k]));
}

/* One linearised backward Euler step of rows [from, to) from y on f and d taken at the new
 * point: (g_new - g)/h = f + d (g_new - g), i.e. g_new = g + h f / (1 - h d). */
static inline void cable_implicit_update(double *y, const double *f, const double *d, double h,
                                         size_t from, size_t to)
{
    DQ_SIMD_LOOP
    for (size_t k = from; k < to; ++k)
        y[k] += h * f[k] / (1.0 - h * d[k]);
}

/* The V rows of f and d from (I, dI/dV) to the rates of the compartment's own membrane
 * equation dV/dt = -I/C - (dI/dV / C)(V - V0): f = -I/C and d = -dI/dV / C. A junction
 * (C = 0) has no membrane: 0 and 0, so an update leaves its V alone. */
static inline void cable_membrane_rates(const dq_cable_t *cb, size_t units, double *f, double *d)
{
    for (size_t c = 0; c < cb->n; ++c) {
        double *fc = f + c * units, *dc = d + c * units;
        const double inv = cb->cap[c] > 0.0 ? 1.0 / cb->cap[c] : 0.0;
        DQ_SIMD_LOOP
        for (size_t u = 0; u < units; ++u) {
            fc[u] = -fc[u] * inv;
            dc[u] = -dc[u] * inv;
        }
    }
}

/* The mass-matrix form at (t, y): F (V rows -I + axial + I_stim, the gates' rows their
 * derivatives) and the parts of its Jacobian dq_cable_solve takes: gm = dI/dV, dg the gates'
 * diagonal, e and q the couplings. I is n*units doubles of scratch (left holding
 * I - I_stim). */
static inline int cable_mass_form(dq_ctx_t *ctx, const dq_cable_t *cb, double t, const double *y,
                                  double *F, double *I, double *gm, double *dg, double *e,
                                  double *q)
{
    int rc = dq_cable_membrane(ctx, t, y, I, gm);
    if (rc == DQ_OK)
        rc = dq_cable_gates(ctx, t, y, F, dg);
    if (rc == DQ_OK)
        rc = dq_cable_couplings(ctx, t, y, e, q);
    if (rc == DQ_OK)
        cable_rhs_v(cb, ctx->units, 1.0, I, y, F);
    return rc;
}

/* The matrix dq_cable_solve_v solves: diagonal w = C + gamma (g_sum + gm) (n*units) and
 * the shared off-diagonal offd = -gamma g (n), for dq_hines_refactor. */
static inline void cable_diag_v(const dq_cable_t *cb, size_t units, double gamma, const double *gm,
                                double *w, double *offd)
{
    for (size_t c = 0; c < cb->n; ++c) {
        double *wc = w + c * units;
        const double base = cb->cap[c] + gamma * cb->g_sum[c];
        const double *gc = gm + c * units;
        DQ_SIMD_LOOP
        for (size_t u = 0; u < units; ++u)
            wc[u] = base + gamma * gc[u];
        offd[c] = -gamma * cb->g[c];
    }
}

/* y[k] += s * x[k] for the V rows. */
static inline void cable_add_v(const dq_cable_t *cb, size_t units, double s, const double *x,
                               double *y)
{
    const size_t nu = cb->n * units;
    DQ_SIMD_LOOP
    for (size_t k = 0; k < nu; ++k)
        y[k] += s * x[k];
}

#endif
