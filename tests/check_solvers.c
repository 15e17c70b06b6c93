/* SPDX-License-Identifier: MIT */
/* check_solvers.c -- every solver found in the plugin directory (GSL's test.c habit): the
 * conformance battery of <dq/host/conform.h> (the one behind `dqhost check`) and its
 * verdicts, then runs through the real host: accuracy on decay, measured convergence order,
 * the lifecycle contract, the stiff 2x2 system, HH populations, and the finite-difference
 * Jacobian against the analytic one. No solver is named here: which checks apply follows
 * from what each declares (category, order, flags). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dq/dq.h>
#include <dq/host/conform.h>
#include <dq/host/loader.h>
#include <dq/host/registry.h>
#include <dq/host/system.h>

#include <check.h>

static dq_registry_t *reg;
static dq_loader_t *loader;

static void setup(void)
{
    dq_error_t err = {0};
    reg = dq_registry_new();
    loader = dq_loader_new(reg, &err);
    ck_assert_int_eq(dq_loader_load_dir(loader, DQ_TEST_PLUGIN_DIR, &err), DQ_OK);
}

static void teardown(void)
{
    dq_registry_free(reg);
    dq_loader_free(loader);
}

static const dq_model_desc_t *model(const char *name)
{
    dq_error_t err = {0};
    const dq_model_entry_t *m = dq_registry_lookup_model(reg, name, &err);
    ck_assert_msg(m != NULL, "%s", err.message);
    return m->desc;
}

/* Builds, runs `steps` steps, returns the system (caller frees) or NULL with err set. */
static dq_system_t *run(const dq_model_desc_t *md, const dq_param_arg_t *args, size_t n_args,
                        const dq_integrator_entry_t *solver, double dt, long steps, dq_error_t *err)
{
    dq_system_t *sys = dq_system_new(md, args, n_args, err);
    ck_assert_msg(sys != NULL, "%s", err->message);
    ck_assert_int_eq(dq_system_set_solver(sys, solver, err), DQ_OK);
    /* Fixed steps of dt, error-controlled solvers included (they then give their order). */
    ck_assert_int_eq(dq_system_set_fixed_step(sys, 1, err), DQ_OK);
    ck_assert_msg(dq_system_prepare(sys, 0.0, dt, err) == DQ_OK, "%s", err->message);
    for (long k = 0; k < steps; ++k)
        if (dq_system_step(sys, err) != DQ_OK) {
            dq_system_free(sys);
            return NULL;
        }
    return sys;
}

static double run_value(const char *mname, const dq_param_arg_t *args, size_t n_args,
                        const dq_integrator_entry_t *solver, double dt, double t_end,
                        const char *state)
{
    dq_error_t err = {0};
    long steps = lround(t_end / dt);
    dq_system_t *sys = run(model(mname), args, n_args, solver, dt, steps, &err);
    ck_assert_msg(sys != NULL, "%s with %s: %s", mname, solver->name, err.message);
    double y = dq_system_value(sys, (size_t)dq_system_state_index(sys, state), 0);
    dq_system_free(sys);
    return y;
}

/* The solvers of the plugin directory: the registry holds nothing else. */
#define N_SOLVERS_MAX 64
static size_t n_solvers(void)
{
    return dq_registry_count(reg);
}
static const dq_integrator_entry_t *solver_at(size_t i)
{
    return dq_registry_at(reg, i);
}

static int is_category(const dq_integrator_entry_t *e, const char *category)
{
    return strcmp(e->category, category) == 0;
}

/* The battery's verdict on e. */
static void battery(const dq_integrator_entry_t *e, dq_conform_result_t *r)
{
    dq_error_t err = {0};
    ck_assert_msg(dq_conform_run(e, r, &err) == DQ_OK, "%s: %s", e->name, err.message);
}

START_TEST(test_solvers_each_plugin_file_holds_one_solver_named_after_it)
{
    ck_assert_uint_gt(n_solvers(), 0);
    for (size_t i = 0; i < n_solvers(); ++i) {
        const dq_integrator_entry_t *e = solver_at(i);
        char expect[160];
        snprintf(expect, sizeof expect, "/%s.so", e->name);
        const char *at = strstr(e->origin, expect);
        ck_assert_msg(at && at[strlen(expect)] == '\0', "%s from %s", e->name, e->origin);
        ck_assert_msg(e->order > 0, "%s declares no order", e->name);
    }
}
END_TEST

/* The battery's verdicts, as `dqhost check` prints them: every check passes, the stiff one
 * is a note for solvers that are not implicit, and the measured order is the declared one. */
START_TEST(test_solvers_pass_the_conformance_battery)
{
    for (size_t i = 0; i < n_solvers(); ++i) {
        const dq_integrator_entry_t *e = solver_at(i);
        /* Cable solvers refuse ordinary models: the battery judges them on its cable problem
         * alone (test_solvers_cable_solvers_meet_their_declared_order_on_the_cable_problem). */
        if (is_category(e, DQ_CATEGORY_CABLE))
            continue;
        dq_conform_result_t r;
        battery(e, &r);
        ck_assert_str_eq(r.solver, e->name);
        ck_assert_int_eq(r.declared_order, e->order);
        for (int c = 0; c < DQ_CONFORM_N_CHECKS; ++c) {
            int want = c == DQ_CHECK_STIFF && !is_category(e, DQ_CATEGORY_IMPLICIT)
                           ? DQ_CONFORM_INFO
                           : DQ_CONFORM_PASS;
            /* A solver linearising in y only may be lower order in time: a note. */
            if (c == DQ_CHECK_TIME && (e->flags & DQ_CAP_JACOBIAN) &&
                r.checks[c].status == DQ_CONFORM_INFO)
                want = DQ_CONFORM_INFO;
            /* The error-control checks are for solvers that declare it. */
            if (c >= DQ_CHECK_EMBEDDED && c <= DQ_CHECK_TOLERANCE && !(e->flags & DQ_CAP_ADAPTIVE))
                want = DQ_CONFORM_SKIP;
            /* The cable problem: SDE solvers skip it (no noise); a solver that refuses cable
             * models, or is exact within the explicit step limit, gets a note. */
            if (c == DQ_CHECK_CABLE && (e->flags & DQ_CAP_DIFFUSION))
                want = DQ_CONFORM_SKIP;
            else if (c == DQ_CHECK_CABLE && r.checks[c].status == DQ_CONFORM_INFO &&
                     (strncmp(r.checks[c].detail, "not run: ", 9) == 0 ||
                      strncmp(r.checks[c].detail, "exact on the cable", 18) == 0))
                want = DQ_CONFORM_INFO;
            ck_assert_msg(r.checks[c].status == want, "%s: %s is %s: %s", e->name,
                          dq_conform_check_name(c), dq_conform_status_name(r.checks[c].status),
                          r.checks[c].detail);
        }
        ck_assert_int_eq(r.passed, 1);
        /* Within the battery's window: convergence from above is allowed more room. */
        ck_assert_msg(r.measured_order >= e->order - DQ_CONFORM_ORDER_BELOW &&
                          r.measured_order <= e->order + DQ_CONFORM_ORDER_ABOVE,
                      "%s: declared %d, measured %g", e->name, e->order, r.measured_order);
        for (int p = 0; p < DQ_CONFORM_N_PROBLEMS; ++p)
            ck_assert_msg(
                r.orders[p].status == DQ_ORDER_MEASURED || r.orders[p].status == DQ_ORDER_EXACT,
                "%s on %s: status %d", e->name, dq_conform_problem_name(p), r.orders[p].status);
        /* An exponential solver is exact where the Jacobian is diagonal and constant. */
        if (is_category(e, DQ_CATEGORY_EXPONENTIAL))
            ck_assert_int_eq(r.orders[DQ_PROBLEM_DECAY].status, DQ_ORDER_EXACT);
        /* An implicit one is stable on the stiff problem. */
        if (is_category(e, DQ_CATEGORY_IMPLICIT))
            ck_assert_str_eq(r.checks[DQ_CHECK_STIFF].detail, "stable at dt = 0.01");
    }
}
END_TEST

/* Decay y' = -y/10, dt = 0.1, 100 steps: every solver within the error its order predicts.
 * A one-step method of order p has a local error of about (dt/tau)^(p+1)/(p+1)! per step,
 * hence a global error at t = tau of about e^-1 (dt/tau)^p/(p+1)!; allow a factor 3. */
/* The cable solvers on the battery's cable problem: each refuses decay with DQ_EUSAGE, runs
 * the cell deterministically, and meets its declared order on soma V, every V and the gates. */
START_TEST(test_solvers_cable_solvers_meet_their_declared_order_on_the_cable_problem)
{
    size_t n = 0;
    for (size_t i = 0; i < n_solvers(); ++i) {
        const dq_integrator_entry_t *e = solver_at(i);
        if (!is_category(e, DQ_CATEGORY_CABLE))
            continue;
        dq_conform_result_t r;
        battery(e, &r);
        ck_assert_msg(r.passed, "%s: %s", e->name, r.checks[DQ_CHECK_CABLE].detail);
        ck_assert_int_eq(r.is_cable, 1);
        ck_assert_int_eq(r.checks[DQ_CHECK_CABLE].status, DQ_CONFORM_PASS);
        ck_assert_int_eq(r.checks[DQ_CHECK_STATUS].status, DQ_CONFORM_PASS);
        ck_assert_int_eq(r.checks[DQ_CHECK_DETERMINISM].status, DQ_CONFORM_PASS);
        for (int q = 0; q < DQ_CONFORM_N_CABLE_QUANTITIES; ++q) {
            const dq_conform_order_t *o = &r.cable.order[q];
            /* A quantity may converge faster than declared (exp_exp_euler's V is second
             * order), never slower. */
            ck_assert_msg(o->status == DQ_ORDER_MEASURED &&
                              o->order >= e->order - DQ_CONFORM_ORDER_BELOW,
                          "%s: %s %.3f, declared %d", e->name, dq_conform_cable_quantity_name(q),
                          o->order, e->order);
        }
        ck_assert_double_le(r.measured_order, e->order + DQ_CONFORM_ORDER_ABOVE);
        n++;
    }
    ck_assert_uint_ge(n, 8); /* staggered ... exp_exp_euler */
}
END_TEST

START_TEST(test_solvers_decay_error_within_order_bound)
{
    for (size_t i = 0; i < n_solvers(); ++i) {
        const dq_integrator_entry_t *e = solver_at(i);
        /* Cable solvers refuse ordinary models: check_cable_solvers runs them on cells (and
         * the battery's cable problem, when it has one, judges them). */
        if (is_category(e, DQ_CATEGORY_CABLE))
            continue;
        double y = run_value("decay", NULL, 0, e, 0.1, 10.0, "y");
        double err = fabs(y - exp(-1.0));
        double fact = 1.0;
        for (int k = 2; k <= e->order + 1; ++k)
            fact *= k;
        double bound = 3.0 * exp(-1.0) * pow(0.01, e->order) / fact;
        ck_assert_msg(err <= bound, "%s: error %.3g > bound %.3g", e->name, err, bound);
    }
}
END_TEST

/* One step of dt = tau: an exponential solver integrates decay exactly. */
START_TEST(test_solvers_one_step_of_an_exponential_solver_is_exact_on_decay)
{
    double dt = 10.0;
    for (size_t i = 0; i < n_solvers(); ++i) {
        const dq_integrator_entry_t *e = solver_at(i);
        if (!is_category(e, DQ_CATEGORY_EXPONENTIAL))
            continue;
        double y = run_value("decay", NULL, 0, e, dt, dt, "y");
        ck_assert_msg(fabs(y - exp(-1.0)) <= 2e-16, "%s: %.17g", e->name, y);
    }
}
END_TEST

/* A first-order implicit solver is backward Euler: one step gives 1 / (1 + dt/tau). */
START_TEST(test_solvers_one_step_of_first_order_implicit_gives_one_over_one_plus_dt_over_tau)
{
    for (size_t i = 0; i < n_solvers(); ++i) {
        const dq_integrator_entry_t *e = solver_at(i);
        if (!is_category(e, DQ_CATEGORY_IMPLICIT) || e->order != 1)
            continue;
        double y = run_value("decay", NULL, 0, e, 0.1, 0.1, "y");
        ck_assert_msg(fabs(y - 1.0 / (1.0 + 0.01)) <= 2e-16, "%s: %.17g", e->name, y);
    }
}
END_TEST

/* A reference for van der Pol (mu = 0.5, x0 = 2, y0 = 0) at t = 2, computed here with a
 * classical RK4 loop independent of the plugins, at dt = 1e-4 (error ~1e-15). */
static void vdp_reference(double *x, double *y)
{
    const double mu = 0.5, h = 1e-4;
    double a = 2.0, b = 0.0;
    for (int k = 0; k < 20000; ++k) {
#define VDP_F(X, Y, FX, FY)                                                                        \
    do {                                                                                           \
        FX = (Y);                                                                                  \
        FY = mu * (1.0 - (X) * (X)) * (Y) - (X);                                                   \
    } while (0)
        double k1x, k1y, k2x, k2y, k3x, k3y, k4x, k4y;
        VDP_F(a, b, k1x, k1y);
        VDP_F(a + 0.5 * h * k1x, b + 0.5 * h * k1y, k2x, k2y);
        VDP_F(a + 0.5 * h * k2x, b + 0.5 * h * k2y, k3x, k3y);
        VDP_F(a + h * k3x, b + h * k3y, k4x, k4y);
        a += h / 6.0 * (k1x + 2 * k2x + 2 * k3x + k4x);
        b += h / 6.0 * (k1y + 2 * k2y + 2 * k3y + k4y);
#undef VDP_F
    }
    *x = a;
    *y = b;
}

/* The order as the battery fits it (dq_conform_fit_order): a ladder of up to 6 sizes from
 * h0, halved while the error stays above the floor (1e-12 relative), the slope of the finest
 * pair above it. *finest_err is the last error computed. */
static double measured_order(const char *mname, const dq_param_arg_t *args, size_t n_args,
                             const dq_integrator_entry_t *e, double h0, double t_end,
                             const char *state, double exact, double *finest_err)
{
    double dt[6], errs[6], p = NAN;
    const double floor = DQ_CONFORM_FLOOR * fmax(1.0, fabs(exact));
    int n = 0;
    for (int k = 0; k < 6; ++k) {
        dt[n] = h0 / (1 << k);
        errs[n] = fabs(run_value(mname, args, n_args, e, dt[n], t_end, state) - exact);
        *finest_err = errs[n++];
        if (errs[n - 1] < floor)
            break;
    }
    dq_conform_fit_order(dt, errs, n, floor, &p, NULL);
    return p;
}

/* Within the battery's window around the declared order. */
static int order_agrees(double p, int declared)
{
    return p >= declared - DQ_CONFORM_ORDER_BELOW && p <= declared + DQ_CONFORM_ORDER_ABOVE;
}

START_TEST(test_solvers_measured_order_matches_declared_order)
{
    if ((size_t)_i >= n_solvers())
        return;
    const dq_integrator_entry_t *e = solver_at((size_t)_i);
    /* Cable solvers refuse ordinary models (check_cable_solvers measures their orders). */
    if (is_category(e, DQ_CATEGORY_CABLE))
        return;
    dq_conform_result_t r;
    battery(e, &r);
    double p, fin;
    /* Nonlinear: van der Pol, mu = 0.5. */
    double xr, yr, mu = 0.5;
    vdp_reference(&xr, &yr);
    dq_param_arg_t vdp[] = {{"mu", &mu, 1, NULL}};
    double h0 = e->order >= 5 ? 0.1 : e->order >= 3 ? 0.04 : 0.02;
    p = measured_order("van_der_pol", vdp, 1, e, h0, 2.0, "x", xr, &fin);
    /* From below as everywhere; from above, more room than the battery's problems need:
     * dopri5's principal error term is so small here that h^6 terms lead down to round-off
     * (errors 5.5e-8, 6.9e-10, 7.4e-12, 4.6e-14 at h = 0.1 .. 0.0125: 6.54 on the finest pair
     * above the floor; tsit5 5.61). The battery judges the upper side. */
    ck_assert_msg(p >= e->order - DQ_CONFORM_ORDER_BELOW && p <= e->order + 1.6,
                  "%s on van der Pol: measured order %.3f, declared %d "
                  "(finest error %.3g)",
                  e->name, p, e->order, fin);
    /* Linear: the oscillator (omega = 2) and decay. A solver the battery finds exact on its
     * oscillator is exact on this one too; an exponential solver is exact on decay. */
    double omega = 2.0;
    dq_param_arg_t osc[] = {{"omega", &omega, 1, NULL}};
    p = measured_order("oscillator", osc, 1, e, e->order >= 5 ? 0.1 : 0.02, 2.0, "x", cos(4.0),
                       &fin);
    if (r.orders[DQ_PROBLEM_OSCILLATOR].status == DQ_ORDER_EXACT)
        ck_assert_msg(fin < 1e-12, "%s is exact on the oscillator, error %.3g", e->name, fin);
    else
        ck_assert_msg(order_agrees(p, e->order),
                      "%s on the oscillator: measured order %.3f, "
                      "declared %d",
                      e->name, p, e->order);
    p = measured_order("decay", NULL, 0, e, e->order >= 5 ? 2.0 : 0.5, 10.0, "y", exp(-1.0), &fin);
    /* exp_euler_maruyama (stochastic) is ind_exp_euler without noise: the battery finds it
     * exact on decay too. */
    if (is_category(e, DQ_CATEGORY_EXPONENTIAL) ||
        r.orders[DQ_PROBLEM_DECAY].status == DQ_ORDER_EXACT)
        ck_assert_msg(fin < 1e-14, "%s is exact on decay, error %.3g", e->name, fin);
    else
        ck_assert_msg(order_agrees(p, e->order), "%s on decay: measured order %.3f, declared %d",
                      e->name, p, e->order);
}
END_TEST

/* ---- lifecycle contract, with a model that counts its calls ---------------------------- */
static long n_pre, n_deriv, n_post;

static int lc_init(const dq_view_t *v)
{
    for (size_t i = 0; i < v->units; ++i) {
        v->value[0][i] = 1.0;
        v->value[1][i] = 0.5;
    }
    return DQ_OK;
}
static int lc_pre(const dq_view_t *v)
{
    (void)v;
    n_pre++;
    return DQ_OK;
}
static int lc_post(const dq_view_t *v)
{
    (void)v;
    n_post++;
    return DQ_OK;
}
static int lc_deriv(const dq_view_t *v)
{
    n_deriv++;
    for (size_t i = 0; i < v->units; ++i) {
        v->derivative[0][i] = -v->value[1][i];
        v->derivative[1][i] = v->value[0][i] - 0.1 * v->value[1][i] * v->value[1][i];
    }
    return DQ_OK;
}
static const dq_state_desc_t lc_states[] = {{.name = "a"}, {.name = "b"}};
DQ_MODULE(lc_root, .name = "lc", .parent = -1, .states = lc_states, .n_states = 2,
          .init_state = lc_init, .pre_integral = lc_pre, .compute_derivative = lc_deriv,
          .post_integral = lc_post);
static const dq_param_desc_t lc_params[] = {
    {.name = "n", .def = 1, .flags = DQ_PARAM_INTEGER | DQ_PARAM_POSITIVE | DQ_PARAM_POPULATION}};
DQ_MODEL(lc_model, .name = "lifecycle", .description = "counts lifecycle calls",
         .params = lc_params, .n_params = 1, .modules = DQ_LIST(dq_module_desc_t, &lc_root));

START_TEST(test_solvers_call_pre_and_post_integral_once_per_step)
{
    if ((size_t)_i >= n_solvers())
        return;
    const dq_integrator_entry_t *e = solver_at((size_t)_i);
    /* Cable solvers refuse ordinary models (check_cable_solvers measures their orders). */
    if (is_category(e, DQ_CATEGORY_CABLE))
        return;
    dq_error_t err = {0};
    double n = 5;
    dq_param_arg_t args[] = {{"n", &n, 1, NULL}};
    n_pre = n_deriv = n_post = 0;
    dq_system_t *sys = run(&lc_model, args, 1, e, 0.01, 20, &err);
    ck_assert_msg(sys != NULL, "%s", err.message);
    ck_assert_int_eq(n_pre, 20);
    ck_assert_int_eq(n_post, 20);
    ck_assert_int_ge(n_deriv, 20);
    dq_system_free(sys);
}
END_TEST

/* ---- the stiff 2x2 system (GSL's test problem) ----------------------------------------- */
static void stiff_exact(double t, double *y0, double *y1)
{
    *y0 = 2.0 * exp(-t) - exp(-1000.0 * t);
    *y1 = -exp(-t) + exp(-1000.0 * t);
}

/* An exponential solver the battery finds exact on its (coupled, linear) oscillator uses the
 * whole Jacobian: it is exact on the stiff linear system at any dt. */
START_TEST(test_solvers_exponential_solver_exact_on_coupled_linear_is_exact_when_stiff)
{
    for (size_t i = 0; i < n_solvers(); ++i) {
        const dq_integrator_entry_t *e = solver_at(i);
        dq_conform_result_t r;
        if (!is_category(e, DQ_CATEGORY_EXPONENTIAL))
            continue;
        battery(e, &r);
        if (r.orders[DQ_PROBLEM_OSCILLATOR].status != DQ_ORDER_EXACT)
            continue;
        const double dts[] = {0.001, 0.01, 0.1, 0.5};
        for (size_t k = 0; k < 4; ++k) {
            dq_error_t err = {0};
            long steps = lround(5.0 / dts[k]);
            dq_system_t *sys = run(model("stiff_linear"), NULL, 0, e, dts[k], steps, &err);
            ck_assert_msg(sys != NULL, "%s", err.message);
            double e0, e1;
            stiff_exact(5.0, &e0, &e1);
            ck_assert_double_eq_tol(dq_system_value(sys, 0, 0), e0, 1e-10);
            ck_assert_double_eq_tol(dq_system_value(sys, 1, 0), e1, 1e-10);
            dq_system_free(sys);
        }
    }
}
END_TEST

/* A first-order implicit solver is backward Euler, also when stiff. */
START_TEST(test_solvers_implicit_solvers_match_the_backward_euler_recursion_when_stiff)
{
    /* y_n = (I - dt A)^-n y_0 with A = [[998, 1998], [-999, -1999]], computed here. */
    const double dt = 0.01;
    const long steps = 500;
    double a = 1.0 - dt * 998, b = -dt * 1998, c = dt * 999, d = 1.0 + dt * 1999;
    double det = a * d - b * c, y0 = 1.0, y1 = 0.0;
    for (long k = 0; k < steps; ++k) {
        double n0 = (d * y0 - b * y1) / det, n1 = (-c * y0 + a * y1) / det;
        y0 = n0;
        y1 = n1;
    }
    for (size_t i = 0; i < n_solvers(); ++i) {
        const dq_integrator_entry_t *e = solver_at(i);
        if (!is_category(e, DQ_CATEGORY_IMPLICIT) || e->order != 1)
            continue;
        dq_error_t err = {0};
        dq_system_t *sys = run(model("stiff_linear"), NULL, 0, e, dt, steps, &err);
        ck_assert_msg(sys != NULL, "%s: %s", e->name, err.message);
        ck_assert_double_eq_tol(dq_system_value(sys, 0, 0), y0, 1e-12);
        ck_assert_double_eq_tol(dq_system_value(sys, 1, 0), y1, 1e-12);
        ck_assert(fabs(dq_system_value(sys, 0, 0)) < 2.0);
        dq_system_free(sys);
    }
}
END_TEST

/* dt * lambda = -10 is outside every explicit method's stability region: the run stops
 * with the host's message naming the solver. */
START_TEST(test_solvers_explicit_solver_on_stiff_system_stops_with_non_finite_message)
{
    for (size_t i = 0; i < n_solvers(); ++i) {
        const dq_integrator_entry_t *e = solver_at(i);
        if (!is_category(e, DQ_CATEGORY_EXPLICIT))
            continue;
        dq_error_t err = {0};
        dq_system_t *sys = run(model("stiff_linear"), NULL, 0, e, 0.01, 500, &err);
        ck_assert_msg(sys == NULL, "%s stayed finite", e->name);
        ck_assert_int_eq(err.code, DQ_ENONFINITE);
        ck_assert_ptr_nonnull(strstr(err.message, "of unit 0 became "));
        char expect[200];
        snprintf(expect, sizeof expect,
                 "with solver '%s'; try a smaller dt or a solver for stiff problems", e->name);
        ck_assert_msg(strstr(err.message, expect) != NULL, "%s", err.message);
        ck_assert(err.has_time);
        ck_assert(err.time > 0.0 && err.time <= 5.0);
    }
}
END_TEST

/* ---- Hodgkin-Huxley populations ------------------------------------------------------- */
START_TEST(test_solvers_hh_with_exponential_solvers_fires_repetitively)
{
    for (size_t i = 0; i < n_solvers(); ++i) {
        const dq_integrator_entry_t *e = solver_at(i);
        if (!is_category(e, DQ_CATEGORY_EXPONENTIAL))
            continue;
        dq_error_t err = {0};
        double I = 10.0, n = 4;
        dq_param_arg_t args[] = {{"I_ext", &I, 1, NULL}, {"n", &n, 1, NULL}};
        dq_system_t *sys = dq_system_new(model("hh"), args, 2, &err);
        ck_assert_ptr_nonnull(sys);
        dq_system_set_solver(sys, e, &err);
        ck_assert_int_eq(dq_system_prepare(sys, 0.0, 0.1, &err), DQ_OK);
        size_t V = (size_t)dq_system_state_index(sys, "V");
        int spikes = 0;
        double prev = dq_system_value(sys, V, 3);
        for (int k = 0; k < 1000; ++k) {
            ck_assert_msg(dq_system_step(sys, &err) == DQ_OK, "%s: %s", e->name, err.message);
            double v = dq_system_value(sys, V, 3);
            ck_assert(isfinite(v) && v > -100.0 && v < 60.0);
            spikes += prev < 0.0 && v >= 0.0;
            prev = v;
        }
        /* I = 10 uA/cm^2 drives HH to tonic firing near 70 Hz: about 6-8 spikes in 100 ms. */
        ck_assert_msg(spikes >= 5 && spikes <= 9, "%s: %d spikes", e->name, spikes);
        dq_system_free(sys);
    }
}
END_TEST

/* A solver, registered in-process, that stores the Jacobian the host gives it (3 units, 4
 * components, one block padded to DQ_LANES lanes). */
static double captured_J[16 * DQ_LANES];
static int capture_step(dq_ctx_t *ctx)
{
    int rc = dq_pre_integral(ctx);
    if (rc == DQ_OK)
        rc = dq_compute_derivative(ctx, ctx->t, ctx->y, ctx->f);
    if (rc == DQ_OK)
        rc = dq_jacobian(ctx, ctx->t, ctx->y, ctx->f, captured_J);
    return rc ? rc : dq_post_integral(ctx);
}
DQ_INTEGRATOR(capture_desc, .name = "capture_jacobian", .category = DQ_CATEGORY_OTHER,
              .flags = DQ_CAP_JACOBIAN, .step = capture_step);

static void hh_jacobian(const dq_model_desc_t *md, double *J)
{
    dq_error_t err = {0};
    double I[] = {0.0, 10.0, 30.0}, V0[] = {-65.0, -40.0, 20.0}, n = 3;
    dq_param_arg_t args[] = {{"I_ext", I, 3, NULL}, {"n", &n, 1, NULL}, {"V0", V0, 3, NULL}};
    size_t n_args = 3;
    dq_system_t *sys = dq_system_new(md, args, n_args, &err);
    if (!sys) { /* V0 may be a scalar parameter: start every unit at rest then */
        dq_error_clear(&err);
        sys = dq_system_new(md, args, 2, &err);
    }
    ck_assert_msg(sys != NULL, "%s", err.message);
    dq_system_set_solver(sys, dq_registry_lookup(reg, "capture_jacobian", NULL), &err);
    ck_assert_int_eq(dq_system_prepare(sys, 0.0, 0.01, &err), DQ_OK);
    /* Step a little with the capture solver (values unchanged), then read J at a state
     * that is not an equilibrium for the driven units. */
    ck_assert_int_eq(dq_system_step(sys, &err), DQ_OK);
    memcpy(J, captured_J, sizeof captured_J);
    dq_system_free(sys);
}

START_TEST(test_solvers_finite_difference_jacobian_matches_analytic_on_hh)
{
    dq_error_t err = {0};
    ck_assert_int_eq(dq_registry_register(reg, &capture_desc, NULL, &err), DQ_OK);
    const dq_model_desc_t *hh = model("hh");
    double Ja[16 * DQ_LANES], Jf[16 * DQ_LANES];
    hh_jacobian(hh, Ja);
    /* The same model without its analytic Jacobian: the host falls back to differences. */
    size_t n_mod = 0;
    while (hh->modules[n_mod])
        n_mod++;
    ck_assert_uint_le(n_mod, 4);
    dq_module_desc_t mods[4];
    const dq_module_desc_t *mod_ptrs[5] = {0};
    for (size_t i = 0; i < n_mod; ++i) {
        mods[i] = *hh->modules[i];
        mods[i].jacobian = NULL;
        mods[i].jacobian_diag = NULL;
        mod_ptrs[i] = &mods[i];
    }
    dq_model_desc_t fd = *hh;
    fd.modules = mod_ptrs;
    hh_jacobian(&fd, Jf);
    double scale = 0.0;
    for (size_t k = 0; k < 16 * DQ_LANES; ++k)
        scale = fmax(scale, fabs(Ja[k]));
    for (size_t k = 0; k < 16 * DQ_LANES; ++k)
        ck_assert_msg(fabs(Jf[k] - Ja[k]) <= 1e-6 * fmax(fabs(Ja[k]), 1e-3 * scale),
                      "entry %zu: differences %.10g, analytic %.10g", k, Jf[k], Ja[k]);
}
END_TEST

Suite *solvers_suite(void)
{
    Suite *s = suite_create("solvers");
    TCase *tc = tcase_create("battery");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_solvers_each_plugin_file_holds_one_solver_named_after_it);
    tcase_add_test(tc, test_solvers_pass_the_conformance_battery);
    tcase_add_test(tc, test_solvers_cable_solvers_meet_their_declared_order_on_the_cable_problem);
    tcase_add_test(tc, test_solvers_decay_error_within_order_bound);
    tcase_add_test(tc, test_solvers_one_step_of_an_exponential_solver_is_exact_on_decay);
    tcase_add_test(
        tc, test_solvers_one_step_of_first_order_implicit_gives_one_over_one_plus_dt_over_tau);
    tcase_add_loop_test(tc, test_solvers_measured_order_matches_declared_order, 0, N_SOLVERS_MAX);
    tcase_add_loop_test(tc, test_solvers_call_pre_and_post_integral_once_per_step, 0,
                        N_SOLVERS_MAX);
    tcase_add_test(tc, test_solvers_exponential_solver_exact_on_coupled_linear_is_exact_when_stiff);
    tcase_add_test(tc, test_solvers_implicit_solvers_match_the_backward_euler_recursion_when_stiff);
    tcase_add_test(tc, test_solvers_explicit_solver_on_stiff_system_stops_with_non_finite_message);
    tcase_add_test(tc, test_solvers_hh_with_exponential_solvers_fires_repetitively);
    tcase_add_test(tc, test_solvers_finite_difference_jacobian_matches_analytic_on_hh);
    suite_add_tcase(s, tc);
    return s;
}
