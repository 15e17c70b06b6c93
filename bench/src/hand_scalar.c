/* SPDX-License-Identifier: MIT */
/* hand_scalar.c -- the hand-fused loops with glibc's scalar exp: the baseline every ratio
 * is taken against. Built with the project's flags, like dqhost's plugins. */
#include <dq/linalg.h>

#define HAND_SIMD
#define HAND_CLONES
#define HAND_NAME(x) hand_##x
#include "hand_kernels.h"

/* Coupled exponential Euler, as plugins/solvers/exp_euler.c: per unit, the 4x4 Jacobian of
 * (V, m, h, n) at y0 (hh.c's rows), the augmented matrix [[dt J, dt f], [0, 0]], its
 * exponential by <dq/linalg.h>, y += its last column. */
static void hand_exp_euler(hh_params_t P, size_t N, double dt, unsigned long steps,
                           double *restrict V, double *restrict m, double *restrict h,
                           double *restrict g, const double *restrict I, double *restrict sp)
{
    enum { M = 4, A = M + 1 };
    double Mx[A * A], E[A * A], work[DQ_LINALG_EXPM_WORK(A)];
    const double invC = 1.0 / P.C;
    for (unsigned long k = 0; k < steps; ++k) {
        for (size_t i = 0; i < N; ++i) {
            const double v = V[i], x = m[i], y = h[i], z = g[i];
            const hh_rate_t rm = hh_rate_m(v), rh = hh_rate_h(v), rn = hh_rate_n(v);
            const double f[M] = {hh_dV(&P, invC, v, x, y, z, I[i]), hh_gate(rm.a, rm.b, x),
                                 hh_gate(rh.a, rh.b, y), hh_gate(rn.a, rn.b, z)};
            const double J[M][M] = {
                {hh_jac_VV(&P, x, y, z), hh_jac_Vm(&P, v, x, y), hh_jac_Vh(&P, v, x),
                 hh_jac_Vn(&P, v, z)},
                {hh_gate_dV(rm, x), hh_gate_dx(rm.a, rm.b), 0.0, 0.0},
                {hh_gate_dV(rh, y), 0.0, hh_gate_dx(rh.a, rh.b), 0.0},
                {hh_gate_dV(rn, z), 0.0, 0.0, hh_gate_dx(rn.a, rn.b)},
            };
            for (int r = 0; r < M; ++r) {
                for (int c = 0; c < M; ++c)
                    Mx[r * A + c] = dt * J[r][c];
                Mx[r * A + M] = dt * f[r];
            }
            for (int c = 0; c < A; ++c)
                Mx[M * A + c] = 0.0;
            dq_linalg_expm(Mx, A, E, work); /* non-finite input: the check run shows it */
            const double v1 = v + E[0 * A + M];
            V[i] = v1;
            m[i] = x + E[1 * A + M];
            h[i] = y + E[2 * A + M];
            g[i] = z + E[3 * A + M];
            sp[i] += v < 0.0 && v1 >= 0.0 ? 1.0 : 0.0;
        }
    }
}

static void hand_decay_euler(double *py, double tau, double dt, unsigned long steps)
{
    double y = *py;
    for (unsigned long k = 0; k < steps; ++k)
        y = y + dt * decay_f(y, tau);
    *py = y;
}

static void hand_decay_rk4(double *py, double tau, double dt, unsigned long steps)
{
    double y = *py;
    for (unsigned long k = 0; k < steps; ++k) {
        const double k1 = decay_f(y, tau);
        const double k2 = decay_f(y + dt * (0.5 * k1), tau);
        const double k3 = decay_f(y + dt * (0.5 * k2), tau);
        const double k4 = decay_f(y + dt * k3, tau);
        y = y + dt * (RK4_B1 * k1 + RK4_B2 * k2 + RK4_B2 * k3 + RK4_B1 * k4);
    }
    *py = y;
}

/* Populations of the decay and of Ornstein-Uhlenbeck (the noise-cost rows), one pass per
 * step, as the solvers form it: euler y + dt f; midpoint's stage y + dt (1/2 k1) and result
 * y + dt k2 (<dq/rk.h>); Euler-Maruyama (x + dt f) + sigma dW after the step's normals. */
static void hand_pop_decay_euler(double *restrict y, size_t n, double tau, double dt,
                                 unsigned long steps)
{
    for (unsigned long k = 0; k < steps; ++k)
        for (size_t i = 0; i < n; ++i)
            y[i] = y[i] + dt * decay_f(y[i], tau);
}

static void hand_pop_decay_midpoint(double *restrict y, size_t n, double tau, double dt,
                                    unsigned long steps)
{
    for (unsigned long k = 0; k < steps; ++k)
        for (size_t i = 0; i < n; ++i) {
            const double k1 = decay_f(y[i], tau);
            const double k2 = decay_f(y[i] + dt * (0.5 * k1), tau);
            y[i] = y[i] + dt * k2;
        }
}

static void hand_pop_ou(double *restrict x, size_t n, double theta, double mu, double sigma,
                        double dt, unsigned long step0, unsigned long steps, double *restrict held,
                        uint64_t *tag)
{
    const double sq = sqrt(dt);
    for (unsigned long k = 0; k < steps; ++k) {
        if (!held) {
            for (size_t i = 0; i < n; ++i)
                x[i] = x[i] + dt * ou_f(x[i], theta, mu);
            continue;
        }
        const double *restrict z = hand_normals(held, tag, step0 + k, n);
        for (size_t i = 0; i < n; ++i)
            x[i] = (x[i] + dt * ou_f(x[i], theta, mu)) + sigma * (sq * z[i]);
    }
}

static int hand_supports(const bench_problem_t *p, char *msg, size_t len)
{
    int ok = 1;
    if (p->model == BENCH_DECAY)
        ok = p->scheme == BENCH_EULER || (p->n == 1 && p->scheme == BENCH_RK4) ||
             (p->n > 1 && p->scheme == BENCH_MIDPOINT);
    else if (p->model == BENCH_OU)
        ok = p->scheme == BENCH_EULER || p->scheme == BENCH_EM;
    else if (p->model == BENCH_LORENZ)
        ok = p->n == 1 && (p->scheme == BENCH_EULER || p->scheme == BENCH_RK4);
    else
        ok = p->scheme != BENCH_MIDPOINT;
    if (!ok)
        snprintf(msg, len, "no hand loop for %s with %s (n = %zu)",
                 p->model == BENCH_HH       ? "hh"
                 : p->model == BENCH_DECAY  ? "decay"
                 : p->model == BENCH_LORENZ ? "lorenz"
                                            : "ou",
                 bench_scheme_name(p->scheme), p->n);
    return ok;
}

static int hand_run(void *state, unsigned long steps, char *msg, size_t len)
{
    hand_state_t *s = state;
    const bench_problem_t *p = &s->p;
    (void)msg;
    (void)len;
    const unsigned long step0 = s->step;
    s->step += steps;
    if (p->model == BENCH_LORENZ) {
        if (p->scheme == BENCH_EULER)
            hand_lorenz_euler(s->L, s->lz, p->dt, steps);
        else
            hand_lorenz_rk4(s->L, s->lz, p->dt, steps);
        return 0;
    }
    if (p->model == BENCH_DECAY && !s->Y) {
        if (p->scheme == BENCH_EULER)
            hand_decay_euler(&s->y, s->tau, p->dt, steps);
        else
            hand_decay_rk4(&s->y, s->tau, p->dt, steps);
        return 0;
    }
    if (p->model == BENCH_DECAY) {
        if (p->scheme == BENCH_EULER)
            hand_pop_decay_euler(s->Y, p->n, s->tau, p->dt, steps);
        else
            hand_pop_decay_midpoint(s->Y, p->n, s->tau, p->dt, steps);
        return 0;
    }
    if (p->model == BENCH_OU) {
        hand_pop_ou(s->Y, p->n, s->theta, s->mu, p->sigma, p->dt, step0, steps, s->z, &s->z_tag);
        return 0;
    }
    if (p->scheme == BENCH_EM) {
        hand_em(s->P, p->n, p->dt, p->sigma, step0, steps, s->V, s->m, s->h, s->g, s->I, s->spikes,
                s->z, &s->z_tag);
        return 0;
    }
    void (*kernel)(hh_params_t, size_t, double, unsigned long, double *restrict, double *restrict,
                   double *restrict, double *restrict, const double *restrict, double *restrict) =
        NULL;
    switch (p->scheme) {
    case BENCH_EULER:
        kernel = hand_euler;
        break;
    case BENCH_RK4:
        kernel = hand_rk4;
        break;
    case BENCH_IND_EXP_EULER:
        kernel = hand_ind_exp_euler;
        break;
    case BENCH_EXP_EULER:
        kernel = hand_exp_euler;
        break;
    default:
        break;
    }
    kernel(s->P, p->n, p->dt, steps, s->V, s->m, s->h, s->g, s->I, s->spikes);
    return 0;
}

const bench_impl_t bench_impl_hand = {
    .name = "hand",
    .label = "hand-fused, scalar exp",
    .supports = hand_supports,
    .ref_substeps = hand_ref_substeps,
    .setup = hand_setup,
    .run = hand_run,
    .read = hand_read,
    .teardown = hand_teardown,
    .read_all = hand_read_all,
};
