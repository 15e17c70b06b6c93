/* SPDX-License-Identifier: MIT */
/* exp_euler.c -- coupled exponential Euler (exponential Rosenbrock-Euler):
 *   y1 = y0 + dt * phi_1(dt*J) f + dt^2 * phi_2(dt*J) w,
 *   J = dF/dy and w = dF/dt at (t0, y0), per unit,
 * with both terms read off the exponential of one augmented matrix
 *   exp([[dt*J, dt^2*w, dt*f], [0, 0, 1], [0, 0, 0]]): last column = phi_1 dt f + phi_2 dt^2 w
 * (scaling and squaring with a Pade approximant), so a singular J needs no inverse.
 * w comes from one extra derivative evaluation at t0 + h; where it is exactly zero for all
 * of a unit's components (an autonomous model) the smaller matrix [[dt*J, dt*f], [0, 0]] is
 * used for that unit. The choice is made unit by unit, so a unit's bits never depend on the
 * other units of its block. Exact for linear autonomous systems; second order with the
 * exact Jacobian, also when F depends on t. */
#include <math.h>

#include <dq/dq.h>
#include <dq/linalg.h>

/* The units' Jacobian blocks, F(t0 + h, y0) (then dF/dt), then the augmented matrix, its
 * exponential and expm work for the larger (comps + 2) form. */
static size_t exp_euler_scratch(size_t comps, size_t units)
{
    size_t a = comps + 2;
    return comps * comps * units + comps * units + 2 * a * a + DQ_LINALG_EXPM_WORK(a);
}

/* A cable model's units are whole cells: their Jacobian is a tree coupled to the gates, which
 * the host does not hand out densely, and CRAM (what the tree solvers use for exponentials)
 * approximates e^x on the negative real axis only, which the coupled V-gate Jacobian leaves
 * during a spike (a positive eigenvalue at threshold; CRAM-16 is 2 % off at x = 5, 100 % at
 * x = 10). So the structured exponential solvers are named instead. */
static int exp_euler_refuse_cable(dq_ctx_t *ctx)
{
    if (!dq_cable(ctx))
        return DQ_OK;
    return dq_fail(ctx, DQ_EUSAGE, (size_t)-1,
                   "exp_euler exponentiates each unit's dense Jacobian, which a cable model does "
                   "not have: use exp_exp_euler or cn_exp_euler (category cable)");
}

static int exp_euler_step(dq_ctx_t *ctx)
{
    int rc = exp_euler_refuse_cable(ctx);
    if (rc)
        return rc;
    rc = dq_pre_integral(ctx);
    if (rc == DQ_OK)
        rc = dq_compute_derivative(ctx, ctx->t, ctx->y, ctx->f);
    const size_t m = ctx->comps, units = ctx->units, len = ctx->len;
    double *J = ctx->scratch, *w = J + m * m * units, *M = w + len;
    if (rc == DQ_OK)
        rc = dq_jacobian(ctx, ctx->t, ctx->y, ctx->f, J);
    /* dF/dt by a forward difference in t alone; the step h is what t + h really adds. */
    const double t = ctx->t, dt = ctx->dt;
    volatile double th = t + 1.4901161193847656e-8 * (fabs(t) > 1.0 ? fabs(t) : 1.0);
    const double h = th - t;
    if (rc == DQ_OK)
        rc = dq_compute_derivative(ctx, th, ctx->y, w);
    if (rc)
        return rc;
    for (size_t i = 0; i < len; ++i)
        w[i] = (w[i] - ctx->f[i]) / h;
    double *E = M + (m + 2) * (m + 2), *expm_work = E + (m + 2) * (m + 2);
    const double *f = ctx->f;
    double *y = ctx->y;
    /* Unit by unit, each reading its own lane only; scalar work, so the padding lanes are
     * filled from the last unit instead of computed (the same bits, at 1/8 of the cost for
     * a lone unit). Every entry of M is written for each unit (no clearing pass): rows
     * 0..m-1 from J, dt^2 w and dt f, then the rows of zeros (and the 1 that carries dt^2 w
     * into the last column). */
    for (size_t u = 0; u < ctx->live; ++u) {
        int autonomous = 1;
        for (size_t i = 0; i < m; ++i)
            autonomous &= w[i * units + u] == 0.0;
        const size_t a = autonomous ? m + 1 : m + 2, last = a - 1;
        for (size_t i = 0; i < m; ++i) {
            double *row = M + i * a;
            const double *Ji = J + i * m * units + u;
            for (size_t j = 0; j < m; ++j)
                row[j] = dt * Ji[j * units];
            if (!autonomous)
                row[m] = dt * dt * w[i * units + u];
            row[last] = dt * f[i * units + u];
        }
        for (size_t i = m * a; i < a * a; ++i)
            M[i] = 0.0;
        if (!autonomous)
            M[m * a + last] = 1.0;
        if (dq_linalg_expm(M, a, E, expm_work))
            return dq_fail(ctx, DQ_ENONFINITE, u, "the Jacobian or the derivative is not finite");
        for (size_t i = 0; i < m; ++i)
            y[i * units + u] += E[i * a + last];
    }
    dq_fill_padding(ctx, ctx->y);
    return dq_post_integral(ctx);
}

DQ_INTEGRATOR(exp_euler_desc, .name = "exp_euler", .category = DQ_CATEGORY_EXPONENTIAL, .order = 2,
              .description = "Coupled exponential Euler step linearizing the full state vector.",
              .flags = DQ_CAP_JACOBIAN, .step = exp_euler_step, .init = exp_euler_refuse_cable,
              .scratch_size = exp_euler_scratch);

DQ_PLUGIN_INTEGRATOR(exp_euler_desc)
