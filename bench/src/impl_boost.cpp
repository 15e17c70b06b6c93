/* SPDX-License-Identifier: MIT */
/* impl_boost.cpp -- Boost.odeint's runge_kutta4 and euler steppers, do_step at a fixed
 * step, on a std::vector<double> in structure-of-arrays order (std::array<double, 1> for
 * the scalar decay). Exposed to the C harness through bench.h's extern "C" table. */
#include <array>
#include <cstdio>
#include <new>
#include <vector>

#include <boost/numeric/odeint.hpp>
#include <boost/version.hpp>

#include "bench.h"
#include "workload.h"

namespace odeint = boost::numeric::odeint;

namespace
{

typedef std::vector<double> hh_vec;
typedef std::array<double, 1> decay_vec;
typedef std::array<double, 3> lorenz_vec;

struct boostb_state {
    bench_problem_t p;
    hh_params_t P = hh_params_default();
    double tau = DECAY_TAU;
    double t = 0.0;
    hh_vec y;
    decay_vec yd = {{DECAY_Y0}};
    std::vector<double> I, Vprev, spikes;
    odeint::runge_kutta4<hh_vec> rk4;
    odeint::euler<hh_vec> eu;
    odeint::runge_kutta4<decay_vec> rk4d;
    odeint::euler<decay_vec> eud;
    lorenz_params_t L = lorenz_params_default();
    lorenz_vec yl = {{LORENZ_X0, LORENZ_X0, LORENZ_X0}};
    odeint::runge_kutta4<lorenz_vec> rk4l;
    odeint::euler<lorenz_vec> eul;
};

struct hh_system {
    const boostb_state *s;
    void operator()(const hh_vec &y, hh_vec &f, double) const
    {
        hh_rhs_soa(&s->P, y.data(), f.data(), s->I.data(), s->p.n);
    }
};

struct decay_system {
    double tau;
    void operator()(const decay_vec &y, decay_vec &f, double) const
    {
        f[0] = decay_f(y[0], tau);
    }
};

struct lorenz_system {
    lorenz_params_t L;
    void operator()(const lorenz_vec &y, lorenz_vec &f, double) const
    {
        lorenz_f(&L, y[0], y[1], y[2], &f[0], &f[1], &f[2]);
    }
};

int boostb_supports(const bench_problem_t *p, char *msg, size_t len)
{
    if (p->scheme != BENCH_EULER && p->scheme != BENCH_RK4) {
        std::snprintf(msg, len, "Boost.odeint has no %s stepper", bench_scheme_name(p->scheme));
        return 0;
    }
    return 1;
}

unsigned boostb_ref_substeps(const bench_problem_t *)
{
    return 1;
}

void *boostb_setup(const bench_problem_t *p, char *msg, size_t len)
{
    try {
        boostb_state *s = new boostb_state;
        s->p = *p;
        if (p->model == BENCH_HH) {
            const size_t n = p->n;
            s->y.assign(4 * n, 0.0);
            s->I.assign(n, 0.0);
            s->spikes.assign(n, 0.0);
            hh_init_soa(s->y.data(), s->I.data(), n);
            s->Vprev.assign(s->y.begin(), s->y.begin() + (long)n);
        }
        return s;
    } catch (const std::exception &e) {
        std::snprintf(msg, len, "Boost set-up failed: %s", e.what());
        return nullptr;
    }
}

/* A small system's steps (no spikes to count) with the problem's stepper. */
template <class Rk4, class Euler, class System, class Vec>
void boostb_steps(boostb_state *s, Rk4 &rk4, Euler &eu, System sys, Vec &y, unsigned long steps)
{
    const double dt = s->p.dt;
    for (unsigned long k = 0; k < steps; ++k, s->t += dt) {
        if (s->p.scheme == BENCH_RK4)
            rk4.do_step(sys, y, s->t, dt);
        else
            eu.do_step(sys, y, s->t, dt);
    }
}

int boostb_run(void *state, unsigned long steps, char *msg, size_t len)
{
    boostb_state *s = static_cast<boostb_state *>(state);
    const double dt = s->p.dt;
    try {
        if (s->p.model == BENCH_LORENZ) {
            boostb_steps(s, s->rk4l, s->eul, lorenz_system{s->L}, s->yl, steps);
            return 0;
        }
        if (s->p.model == BENCH_DECAY) {
            boostb_steps(s, s->rk4d, s->eud, decay_system{s->tau}, s->yd, steps);
            return 0;
        }
        hh_system sys{s};
        const size_t n = s->p.n;
        for (unsigned long k = 0; k < steps; ++k, s->t += dt) {
            if (s->p.scheme == BENCH_RK4)
                s->rk4.do_step(sys, s->y, s->t, dt);
            else
                s->eu.do_step(sys, s->y, s->t, dt);
            hh_count_spikes(s->y.data(), s->Vprev.data(), s->spikes.data(), n);
        }
        return 0;
    } catch (const std::exception &e) {
        std::snprintf(msg, len, "Boost.odeint: %s", e.what());
        return 1;
    }
}

void boostb_read(const void *state, bench_values_t *out)
{
    const boostb_state *s = static_cast<const boostb_state *>(state);
    if (s->p.model == BENCH_LORENZ) {
        out->first = out->last = out->mean = s->yl[0];
        out->spikes = 0.0;
        return;
    }
    if (s->p.model == BENCH_DECAY) {
        out->first = out->last = out->mean = s->yd[0];
        out->spikes = 0.0;
        return;
    }
    const size_t n = s->p.n;
    double sum = 0.0, sp = 0.0;
    for (size_t i = 0; i < n; ++i) {
        sum += s->y[i];
        sp += s->spikes[i];
    }
    out->first = s->y[0];
    out->last = s->y[n - 1];
    out->mean = sum / (double)n;
    out->spikes = sp;
}

void boostb_teardown(void *state)
{
    delete static_cast<boostb_state *>(state);
}

} // namespace

extern "C" const char *bench_boost_version(void)
{
    static char v[32];
    std::snprintf(v, sizeof v, "%d.%d.%d", BOOST_VERSION / 100000, BOOST_VERSION / 100 % 1000,
                  BOOST_VERSION % 100);
    return v;
}

extern "C" const bench_impl_t bench_impl_boost = {
    "boost",
    "Boost.odeint",
    boostb_supports,
    boostb_ref_substeps,
    boostb_setup,
    boostb_run,
    boostb_read,
    boostb_teardown,
    nullptr,
    nullptr,
    0,
};
