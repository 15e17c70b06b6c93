/* SPDX-License-Identifier: MIT */
/* wp_boost.cpp -- Boost.odeint on the work-precision problems: runge_kutta_dopri5 on a
 * std::array<double, dim>, through make_controlled (the FSAL controlled stepper; its last
 * step is cut to end at t1) and make_dense_output (steps freely, y(t1) from the
 * Dormand-Prince continuous extension), both by integrate_adaptive. odeint's default error
 * checker: max over i of |err_i| / (atol + rtol (|y_i| + h |y'_i|)). First step 1e-6 (t1 - t0),
 * as for GSL. Exposed to the C harness through workprec.h's extern "C" table. */
#include <array>
#include <cstdio>
#include <cstring>
#include <exception>

#include <boost/numeric/odeint.hpp>
#include <boost/version.hpp>

#include "workprec.h"

namespace odeint = boost::numeric::odeint;

namespace
{

enum boostw_method { BOOSTW_CONTROLLED, BOOSTW_DENSE };

template <size_t D> struct boostw_system {
    const wp_problem_t *p;
    void operator()(const std::array<double, D> &y, std::array<double, D> &f, double t) const
    {
        wp_rhs(p, t, y.data(), f.data());
    }
};

template <size_t D>
int boostw_solve_dim(const wp_problem_t *p, double rtol, double atol, boostw_method method,
                     wp_run_t *out)
{
    typedef std::array<double, D> state;
    state y;
    for (size_t i = 0; i < D; ++i)
        y[i] = p->y0[i];
    const double h0 = 1e-6 * (p->t1 - p->t0);
    boostw_system<D> sys{p};
    size_t steps;
    wp_counters_reset();
    if (method == BOOSTW_CONTROLLED) {
        auto stepper = odeint::make_controlled(atol, rtol, odeint::runge_kutta_dopri5<state>());
        out->seconds = wp_now();
        steps = odeint::integrate_adaptive(stepper, sys, y, p->t0, p->t1, h0);
        out->seconds = wp_now() - out->seconds;
    } else {
        auto stepper = odeint::make_dense_output(atol, rtol, odeint::runge_kutta_dopri5<state>());
        out->seconds = wp_now();
        steps = odeint::integrate_adaptive(stepper, sys, y, p->t0, p->t1, h0);
        out->seconds = wp_now() - out->seconds;
    }
    out->nfev = wp_nfev;
    out->steps = steps; /* accepted; integrate_adaptive does not count rejections */
    out->no_rejects = 1;
    for (size_t i = 0; i < D; ++i)
        out->y[i] = y[i];
    out->ok = 1;
    return 0;
}

int boostw_solve(const wp_problem_t *p, double rtol, double atol, const void *arg, wp_run_t *out)
{
    const boostw_method method = *static_cast<const boostw_method *>(arg);
    std::memset(out, 0, sizeof *out);
    try {
        switch (p->dim) {
        case 2:
            return boostw_solve_dim<2>(p, rtol, atol, method, out);
        case 3:
            return boostw_solve_dim<3>(p, rtol, atol, method, out);
        case 4:
            return boostw_solve_dim<4>(p, rtol, atol, method, out);
        default:
            std::snprintf(out->msg, sizeof out->msg, "dimension %zu not built", p->dim);
            return -1;
        }
    } catch (const std::exception &e) {
        std::snprintf(out->msg, sizeof out->msg, "Boost.odeint: %s", e.what());
        return -1;
    }
}

const boostw_method boostw_controlled = BOOSTW_CONTROLLED, boostw_dense = BOOSTW_DENSE;

const wp_solver_t boostw_solvers[] = {
    {"odeint/dopri5", "Boost.odeint runge_kutta_dopri5, make_controlled", "Boost", WP_EXPLICIT,
     &boostw_controlled, boostw_solve},
    {"odeint/dopri5-dense", "Boost.odeint runge_kutta_dopri5, make_dense_output", "Boost",
     WP_EXPLICIT, &boostw_dense, boostw_solve},
};

} // namespace

extern "C" size_t wp_boost_solvers(const wp_solver_t **out)
{
    *out = boostw_solvers;
    return sizeof boostw_solvers / sizeof boostw_solvers[0];
}

extern "C" const char *wp_boost_version(void)
{
    static char v[32];
    std::snprintf(v, sizeof v, "%d.%d.%d", BOOST_VERSION / 100000, BOOST_VERSION / 100 % 1000,
                  BOOST_VERSION % 100);
    return v;
}
