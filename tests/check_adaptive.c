/* SPDX-License-Identifier: MIT */
/* check_adaptive.c -- error-controlled runs and events (ABI 2.2), through the embedding API:
 * every unit takes its own steps (the same bits whatever block, thread, neighbours or run
 * chunks it has), samples come from the continuous extension, the controller's work is
 * counted, failures name the unit, and events are located inside the step to the accuracy
 * the interpolant allows. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include <dq/dq.h>
#include <dq/host/loader.h>
#include <dq/host/registry.h>
#include <dq/host/system.h>

static dq_registry_t *reg;
static dq_loader_t *loader;

static const char *const adaptive_solvers[] = {"dopri5", "bs3", "tsit5", "rosenbrock23"};

static void setup(void)
{
    dq_error_t err = {0};
    reg = dq_registry_new();
    loader = dq_loader_new(reg, &err);
    ck_assert_ptr_nonnull(loader);
    ck_assert_int_eq(dq_loader_load_dir(loader, DQ_TEST_PLUGIN_DIR, &err), DQ_OK);
    ck_assert_msg(dq_loader_load_file(loader, DQ_TEST_FIXTURE_DIR "/event_lif.so", &err) == DQ_OK,
                  "%s", err.message);
}

static void teardown(void)
{
    dq_registry_free(reg);
    dq_loader_free(loader);
}

typedef struct run_cfg {
    const char *model, *solver;
    const dq_param_arg_t *args;
    size_t n_args;
    double rtol, dt;
    size_t block, threads;
    int fixed;
    double h0, hmin;
    unsigned max_rejects;
} run_cfg_t;

static dq_system_t *build(const run_cfg_t *c, dq_error_t *err)
{
    const dq_model_entry_t *me = dq_registry_lookup_model(reg, c->model, err);
    ck_assert_msg(me != NULL, "%s", err->message);
    dq_system_t *sys = dq_system_new(me->desc, c->args, c->n_args, err);
    ck_assert_msg(sys != NULL, "%s", err->message);
    const dq_integrator_entry_t *sv = dq_registry_lookup(reg, c->solver, err);
    ck_assert_msg(sv != NULL, "%s", err->message);
    ck_assert_int_eq(dq_system_set_solver(sys, sv, err), DQ_OK);
    dq_step_control_t ctl = {.rtol = c->rtol,
                             .atol = c->rtol > 0 ? c->rtol * 1e-2 : 0,
                             .h0 = c->h0,
                             .hmin = c->hmin,
                             .max_rejects = c->max_rejects};
    ck_assert_int_eq(dq_system_set_step_control(sys, &ctl, err), DQ_OK);
    ck_assert_int_eq(dq_system_set_fixed_step(sys, c->fixed, err), DQ_OK);
    ck_assert_int_eq(dq_system_set_block_units(sys, c->block, err), DQ_OK);
    ck_assert_int_eq(dq_system_set_threads(sys, c->threads ? c->threads : 1, err), DQ_OK);
    return sys;
}

static dq_system_t *run(const run_cfg_t *c, uint64_t samples, uint64_t chunk)
{
    dq_error_t err = {0};
    dq_system_t *sys = build(c, &err);
    ck_assert_msg(dq_system_prepare(sys, 0.0, c->dt, &err) == DQ_OK, "%s", err.message);
    const dq_integrator_entry_t *sv = dq_registry_lookup(reg, c->solver, &err);
    ck_assert_int_eq(dq_system_adaptive(sys), !c->fixed && (sv->flags & DQ_CAP_ADAPTIVE));
    for (uint64_t k = 0; k < samples; k += chunk) {
        uint64_t n = samples - k < chunk ? samples - k : chunk;
        ck_assert_msg(dq_system_run(sys, n, &err) == DQ_OK, "%s: %s", c->solver, err.message);
    }
    return sys;
}

static void assert_same_unit(const dq_system_t *a, size_t u, const dq_system_t *b, size_t v,
                             const char *what)
{
    for (size_t s = 0; s < dq_system_state_count(a); ++s) {
        double x = dq_system_value(a, s, u), y = dq_system_value(b, s, v);
        ck_assert_msg(memcmp(&x, &y, sizeof x) == 0, "%s: state %s of unit %zu: %.17g != %.17g",
                      what, dq_system_state_name(a, s), u, x, y);
    }
    dq_step_stats_t sa, sb;
    dq_system_unit_stats(a, u, &sa);
    dq_system_unit_stats(b, v, &sb);
    ck_assert_msg(sa.accepted == sb.accepted && sa.rejected == sb.rejected &&
                      sa.evaluations == sb.evaluations,
                  "%s: unit %zu took other steps (%llu/%llu/%llu vs %llu/%llu/%llu)", what, u,
                  (unsigned long long)sa.accepted, (unsigned long long)sa.rejected,
                  (unsigned long long)sa.evaluations, (unsigned long long)sb.accepted,
                  (unsigned long long)sb.rejected, (unsigned long long)sb.evaluations);
}

/* ---- each unit its own steps ----------------------------------------------------------- */

#define HH_N 60

START_TEST(test_adaptive_unit_bits_do_not_depend_on_block_threads_neighbours_or_chunks)
{
    double nd = HH_N, I[HH_N];
    for (size_t i = 0; i < HH_N; ++i)
        I[i] = 20.0 * (double)i / (HH_N - 1);
    dq_param_arg_t args[] = {{"n", &nd, 1, NULL}, {"I_ext", I, HH_N, NULL}};
    for (size_t k = 0; k < 4; ++k) {
        run_cfg_t c = {.model = "hh",
                       .solver = adaptive_solvers[k],
                       .args = args,
                       .n_args = 2,
                       .rtol = 1e-6,
                       .dt = 0.1,
                       .block = HH_N};
        dq_system_t *ref = run(&c, 150, 150);
        /* Units with different currents took different numbers of steps. */
        dq_step_stats_t s0, s1;
        dq_system_unit_stats(ref, 0, &s0);
        dq_system_unit_stats(ref, HH_N - 1, &s1);
        ck_assert_msg(s1.accepted > 2 * s0.accepted, "%s: %llu vs %llu steps", c.solver,
                      (unsigned long long)s1.accepted, (unsigned long long)s0.accepted);
        const size_t blocks[] = {1, 8, 256};
        for (size_t b = 0; b < 3; ++b) {
            c.block = blocks[b];
            dq_system_t *sys = run(&c, 150, 150);
            for (size_t u = 0; u < HH_N; ++u)
                assert_same_unit(sys, u, ref, u, c.solver);
            dq_system_free(sys);
        }
        c.block = 8;
        c.threads = 2;
        dq_system_t *two = run(&c, 150, 150);
        ck_assert_uint_eq(dq_system_threads(two), 2);
        for (size_t u = 0; u < HH_N; ++u)
            assert_same_unit(two, u, ref, u, "2 threads");
        dq_system_free(two);
        /* One sample per call: the same steps, the same samples. */
        c.threads = 1;
        c.block = HH_N;
        dq_system_t *chunked = run(&c, 150, 1);
        for (size_t u = 0; u < HH_N; ++u)
            assert_same_unit(chunked, u, ref, u, "one sample per call");
        dq_system_free(chunked);
        /* A unit alone. */
        dq_param_arg_t one[] = {{"I_ext", &I[HH_N - 3], 1, NULL}};
        run_cfg_t c1 = c;
        c1.args = one;
        c1.n_args = 1;
        c1.block = 0;
        dq_system_t *alone = run(&c1, 150, 150);
        assert_same_unit(alone, 0, ref, HH_N - 3, "alone");
        dq_system_free(alone);
        dq_system_free(ref);
    }
}
END_TEST

/* ---- samples, accuracy, counted work ------------------------------------------------------ */

START_TEST(test_adaptive_samples_come_from_the_continuous_extension_at_the_sample_times)
{
    /* decay: y = exp(-t/10). Samples every 0.05 s, far finer than the steps taken. */
    for (size_t k = 0; k < 4; ++k) {
        /* rosenbrock23 is second order: a looser tolerance keeps its steps few. */
        const int r23 = k == 3;
        run_cfg_t c = {
            .model = "decay", .solver = adaptive_solvers[k], .rtol = r23 ? 1e-6 : 1e-8, .dt = 0.05};
        dq_error_t err = {0};
        dq_system_t *sys = build(&c, &err);
        ck_assert_int_eq(dq_system_prepare(sys, 0.0, c.dt, &err), DQ_OK);
        double worst = 0;
        for (int s = 1; s <= 200; ++s) {
            ck_assert_int_eq(dq_system_run(sys, 1, &err), DQ_OK);
            double t = dq_system_time(sys), y = dq_system_value(sys, 0, 0);
            ck_assert_double_eq_tol(t, 0.05 * s, 1e-12);
            worst = fmax(worst, fabs(y - exp(-t / 10.0)));
        }
        dq_step_stats_t st;
        dq_system_unit_stats(sys, 0, &st);
        ck_assert_msg(st.accepted < 200, "%s took %llu steps for 200 samples", c.solver,
                      (unsigned long long)st.accepted);
        ck_assert_msg(worst < (r23 ? 1e-4 : 1e-6), "%s: sample error %g", c.solver, worst);
        dq_system_free(sys);
    }
}
END_TEST

START_TEST(test_adaptive_counts_steps_evaluations_and_jacobians_per_unit)
{
    /* FSAL pairs: dopri5 and tsit5 evaluate 6 times per attempt, bs3 3 times; the first
     * step costs 2 (the starting-step rule) and init 1. */
    const struct {
        const char *name;
        unsigned per;
    } fsal[] = {{"dopri5", 6}, {"tsit5", 6}, {"bs3", 3}};
    for (size_t k = 0; k < 3; ++k) {
        run_cfg_t c = {.model = "lorenz", .solver = fsal[k].name, .rtol = 1e-6, .dt = 1.0};
        dq_system_t *sys = run(&c, 10, 10);
        dq_step_stats_t st;
        ck_assert_int_eq(dq_system_unit_stats(sys, 0, &st), DQ_OK);
        ck_assert_uint_gt(st.accepted, 100);
        ck_assert_uint_gt(st.rejected, 0);
        ck_assert_msg(st.evaluations == fsal[k].per * (st.accepted + st.rejected) + 3,
                      "%s: %llu evaluations for %llu + %llu attempts", c.solver,
                      (unsigned long long)st.evaluations, (unsigned long long)st.accepted,
                      (unsigned long long)st.rejected);
        ck_assert_uint_eq(st.jacobians, 0);
        dq_system_free(sys);
    }
    /* The stiff method asks for one Jacobian per attempt. */
    run_cfg_t c = {.model = "van_der_pol", .solver = "rosenbrock23", .rtol = 1e-6, .dt = 1.0};
    dq_system_t *sys = run(&c, 10, 10);
    dq_step_stats_t st;
    ck_assert_int_eq(dq_system_unit_stats(sys, 0, &st), DQ_OK);
    ck_assert_uint_gt(st.accepted, 10);
    ck_assert_uint_eq(st.jacobians, st.accepted + st.rejected);
    dq_system_free(sys);
}
END_TEST

START_TEST(test_adaptive_error_shrinks_with_the_tolerance)
{
    /* The oscillator x'' = -4x... as the model defines it: compare with a tight run. */
    for (size_t k = 0; k < 4; ++k) {
        run_cfg_t c = {.model = "van_der_pol", .solver = adaptive_solvers[k], .dt = 1.0};
        c.rtol = 1e-11;
        dq_system_t *ref = run(&c, 5, 5);
        double prev = INFINITY;
        const double tols[] = {1e-3, 1e-5, 1e-7};
        for (size_t i = 0; i < 3; ++i) {
            c.rtol = tols[i];
            dq_system_t *sys = run(&c, 5, 5);
            double e = 0;
            for (size_t s = 0; s < dq_system_state_count(sys); ++s)
                e = fmax(e, fabs(dq_system_value(sys, s, 0) - dq_system_value(ref, s, 0)));
            ck_assert_msg(e < prev, "%s: error %g at rtol %g, not below %g", c.solver, e, tols[i],
                          prev);
            ck_assert_msg(e < 1e4 * tols[i], "%s: error %g at rtol %g", c.solver, e, tols[i]);
            prev = e;
            dq_system_free(sys);
        }
        dq_system_free(ref);
    }
}
END_TEST

START_TEST(test_adaptive_solver_runs_at_fixed_steps_when_asked)
{
    run_cfg_t c = {.model = "decay", .solver = "dopri5", .dt = 0.5, .fixed = 1};
    dq_system_t *sys = run(&c, 20, 20);
    dq_step_stats_t st;
    dq_system_unit_stats(sys, 0, &st);
    ck_assert_uint_eq(st.accepted, 20);
    ck_assert_uint_eq(st.rejected, 0);
    /* Fifth order at h = 0.5 of tau = 10: far below the embedded tolerance would allow. */
    ck_assert_double_eq_tol(dq_system_value(sys, 0, 0), exp(-1.0), 1e-9);
    dq_system_free(sys);
}
END_TEST

/* ---- failures ---------------------------------------------------------------------------- */

START_TEST(test_adaptive_refuses_sub_modules_with_their_own_solver)
{
    dq_error_t err = {0};
    run_cfg_t c = {.model = "hh", .solver = "dopri5", .dt = 0.1};
    dq_system_t *sys = build(&c, &err);
    ck_assert_int_eq(dq_system_set_module_solver(
                         sys, "gates", dq_registry_lookup(reg, "exp_euler", &err), 1, NULL, &err),
                     DQ_OK);
    ck_assert_int_eq(dq_system_prepare(sys, 0.0, 0.1, &err), DQ_EUSAGE);
    ck_assert_msg(strstr(err.message, "sub-module 'gates' cannot have a solver of its own") &&
                      strstr(err.message, "--fixed-step"),
                  "%s", err.message);
    dq_system_free(sys);
}
END_TEST

START_TEST(test_adaptive_failure_names_unit_state_and_time_when_the_step_falls_below_hmin)
{
    /* stiff_linear has an eigenvalue of -1000: dopri5 needs steps near 3e-3. */
    dq_error_t err = {0};
    run_cfg_t c = {
        .model = "stiff_linear", .solver = "dopri5", .rtol = 1e-6, .dt = 0.1, .hmin = 0.01};
    dq_system_t *sys = build(&c, &err);
    ck_assert_int_eq(dq_system_prepare(sys, 0.0, c.dt, &err), DQ_OK);
    ck_assert_int_eq(dq_system_run(sys, 10, &err), DQ_ESOLVER);
    ck_assert_msg(strstr(err.message, "solver 'dopri5': the step size of unit 0 fell to") &&
                      strstr(err.message, "below hmin 0.01") && strstr(err.message, "state 'y") &&
                      strstr(err.message, "rosenbrock23"),
                  "%s", err.message);
    dq_system_free(sys);
    /* The same problem is easy for the stiff method. */
    c.solver = "rosenbrock23";
    c.hmin = 0;
    sys = run(&c, 10, 10);
    ck_assert_double_eq_tol(dq_system_value(sys, 0, 0), 2.0 * exp(-1.0), 1e-4);
    dq_system_free(sys);
}
END_TEST

START_TEST(test_adaptive_failure_after_too_many_rejections_in_a_row)
{
    dq_error_t err = {0};
    run_cfg_t c = {.model = "decay",
                   .solver = "dopri5",
                   .rtol = 1e-10,
                   .dt = 1.0,
                   .h0 = 1e4,
                   .max_rejects = 1};
    dq_system_t *sys = build(&c, &err);
    ck_assert_int_eq(dq_system_prepare(sys, 0.0, c.dt, &err), DQ_OK);
    ck_assert_int_eq(dq_system_run(sys, 1, &err), DQ_ESOLVER);
    ck_assert_msg(strstr(err.message, "rejected 2 steps in a row for unit 0 at t = 0") &&
                      strstr(err.message, "max_rejects 1"),
                  "%s", err.message);
    dq_system_free(sys);
}
END_TEST

START_TEST(test_adaptive_step_control_refuses_bad_values)
{
    dq_error_t err = {0};
    run_cfg_t c = {.model = "decay", .solver = "dopri5", .dt = 1.0};
    dq_system_t *sys = build(&c, &err);
    dq_step_control_t bad = {.rtol = -1};
    ck_assert_int_eq(dq_system_set_step_control(sys, &bad, &err), DQ_EINVAL);
    ck_assert_msg(strstr(err.message, "rtol must be a finite number >= 0, got -1"), "%s",
                  err.message);
    dq_error_t e2 = {0};
    dq_step_control_t lim = {.hmin = 1, .hmax = 0.5};
    ck_assert_int_eq(dq_system_set_step_control(sys, &lim, &e2), DQ_EINVAL);
    ck_assert_msg(strstr(e2.message, "hmin 1 is larger than hmax 0.5"), "%s", e2.message);
    dq_error_t e3 = {0};
    ck_assert_int_eq(dq_system_set_state_atol(sys, "yy", 1e-6, ".adaptive.atol.yy", &e3),
                     DQ_EINVAL);
    ck_assert_msg(strstr(e3.message, "has no integrated state 'yy'") && strstr(e3.message, "'y'"),
                  "%s", e3.message);
    dq_system_free(sys);
}
END_TEST

/* ---- events ------------------------------------------------------------------------------ */

/* event_lif: spikes every tau ln(I/(I-1)), "half" tau ln(I/(I-0.5)) after each reset. */
static double lif_period(double I)
{
    return 10.0 * log(I / (I - 1.0));
}

static double lif_half(double I)
{
    return 10.0 * log(I / (I - 0.5));
}

/* Worst relative error of all event times of unit 0 against the closed form. */
static double lif_event_error(dq_system_t *sys, double I, size_t *n_spikes)
{
    dq_spike_t sp[256];
    size_t n = dq_system_spikes_take(sys, sp, 256), spikes = 0;
    double worst = 0, last = -1;
    for (size_t i = 0; i < n; ++i) {
        ck_assert_msg(sp[i].t >= last, "spikes out of order");
        last = sp[i].t;
        const double T = lif_period(I);
        double ex;
        if (sp[i].event == 0) {
            ex = floor(sp[i].t / T + 0.5) * T;
            spikes++;
        } else {
            ex = floor(sp[i].t / T) * T + lif_half(I);
        }
        worst = fmax(worst, fabs(sp[i].t - ex) / ex);
    }
    *n_spikes = spikes;
    return worst;
}

START_TEST(test_adaptive_event_times_match_the_closed_form_to_1e9)
{
    double I = 1.5;
    dq_param_arg_t args[] = {{"I", &I, 1, NULL}};
    for (size_t k = 0; k < 3; ++k) {
        run_cfg_t c = {.model = "event_lif",
                       .solver = adaptive_solvers[k],
                       .args = args,
                       .n_args = 1,
                       .rtol = 1e-10,
                       .dt = 1.0};
        dq_system_t *sys = run(&c, 100, 100);
        size_t spikes;
        double e = lif_event_error(sys, I, &spikes);
        ck_assert_uint_eq(spikes, 9); /* T = 10.986 ms */
        ck_assert_msg(e < 1e-9, "%s: relative event time error %g", c.solver, e);
        ck_assert_uint_eq(dq_system_event_fired(sys, 0, 0), 9);
        ck_assert_uint_eq(dq_system_event_fired(sys, 1, 0), 9); /* 4.05 + k T */
        ck_assert_double_eq(dq_system_value(sys, 1, 0), 9.0);   /* the handler's count */
        dq_system_free(sys);
    }
}
END_TEST

START_TEST(test_fixed_step_events_are_located_on_the_hermite_interpolant)
{
    double I = 1.5;
    dq_param_arg_t args[] = {{"I", &I, 1, NULL}};
    run_cfg_t c = {.model = "event_lif", .solver = "rk4", .args = args, .n_args = 1, .dt = 0.01};
    dq_system_t *sys = run(&c, 5000, 5000);
    size_t spikes;
    double e = lif_event_error(sys, I, &spikes);
    ck_assert_uint_eq(spikes, 4);
    ck_assert_msg(e < 1e-10, "rk4: relative event time error %g (a step is 2e-4 of a period)", e);
    dq_system_free(sys);
    /* Euler: the event time error follows the trajectory's, O(dt), halving with dt -- not
     * the step-quantised error of a reset at the step's end. */
    double prev = 0;
    const double dts[] = {0.02, 0.01, 0.005};
    for (size_t i = 0; i < 3; ++i) {
        c.solver = "euler";
        c.dt = dts[i];
        sys = run(&c, (uint64_t)llround(50.0 / dts[i]), (uint64_t)llround(50.0 / dts[i]));
        e = lif_event_error(sys, I, &spikes);
        ck_assert_uint_eq(spikes, 4);
        if (i)
            ck_assert_msg(fabs(prev / e - 2.0) < 0.05, "euler: error ratio %g at dt %g", prev / e,
                          dts[i]);
        prev = e;
        dq_system_free(sys);
    }
}
END_TEST

/* HH's spike only records: with a first-order method it is located on the straight line
 * between the event values at the step's ends (no states kept). Its error follows Euler's
 * own, halving with dt, against dopri5 at rtol 1e-10. */
static size_t hh_spikes(const char *solver, double dt, double rtol, double *t, size_t cap)
{
    double I = 10.0;
    dq_param_arg_t args[] = {{"I_ext", &I, 1, NULL}};
    run_cfg_t c = {
        .model = "hh", .solver = solver, .args = args, .n_args = 1, .rtol = rtol, .dt = dt};
    uint64_t n = (uint64_t)llround(50.0 / dt);
    dq_system_t *sys = run(&c, n, n);
    dq_spike_t sp[64];
    size_t k = dq_system_spikes_take(sys, sp, 64);
    ck_assert_uint_le(k, cap);
    for (size_t i = 0; i < k; ++i)
        t[i] = sp[i].t;
    dq_system_free(sys);
    return k;
}

START_TEST(test_record_only_events_of_first_order_methods_follow_their_order)
{
    double ref[64], a[64], b[64];
    size_t n = hh_spikes("dopri5", 1.0, 1e-10, ref, 64);
    ck_assert_uint_ge(n, 3);
    ck_assert_uint_eq(hh_spikes("euler", 0.002, 0, a, 64), n);
    ck_assert_uint_eq(hh_spikes("euler", 0.001, 0, b, 64), n);
    double ea = 0, eb = 0;
    for (size_t i = 0; i < n; ++i) {
        ea = fmax(ea, fabs(a[i] - ref[i]));
        eb = fmax(eb, fabs(b[i] - ref[i]));
    }
    ck_assert_msg(eb < 0.05 && ea / eb > 1.7 && ea / eb < 2.3,
                  "euler spike time errors %g ms (dt 0.002), %g ms (dt 0.001)", ea, eb);
}
END_TEST

START_TEST(test_event_times_do_not_depend_on_block_threads_or_neighbours)
{
    enum { N = 40 };
    double nd = N, I[N];
    for (size_t i = 0; i < N; ++i)
        I[i] = 1.05 + 0.05 * (double)i;
    dq_param_arg_t args[] = {{"n", &nd, 1, NULL}, {"I", I, N, NULL}};
    const char *solvers[] = {"dopri5", "rk4"};
    for (size_t k = 0; k < 2; ++k) {
        run_cfg_t c = {.model = "event_lif",
                       .solver = solvers[k],
                       .args = args,
                       .n_args = 2,
                       .rtol = 1e-8,
                       .dt = 0.05,
                       .fixed = k == 1,
                       .block = N};
        dq_system_t *ref = run(&c, 400, 400);
        static dq_spike_t a[4096], b[4096];
        size_t na = dq_system_spikes_take(ref, a, 4096);
        ck_assert_uint_gt(na, 100);
        const size_t blocks[] = {1, 16};
        for (size_t bi = 0; bi < 2; ++bi)
            for (size_t th = 1; th <= 2; ++th) {
                c.block = blocks[bi];
                c.threads = th;
                dq_system_t *sys = run(&c, 400, 37);
                size_t nb = dq_system_spikes_take(sys, b, 4096);
                ck_assert_uint_eq(na, nb);
                ck_assert_msg(memcmp(a, b, na * sizeof *a) == 0, "%s: other spikes", c.solver);
                for (size_t u = 0; u < N; ++u)
                    assert_same_unit(sys, u, ref, u, c.solver);
                dq_system_free(sys);
            }
        dq_system_free(ref);
    }
}
END_TEST

START_TEST(test_spikes_and_event_counts_go_only_up_to_the_sample_time)
{
    double I = 1.5;
    dq_param_arg_t args[] = {{"I", &I, 1, NULL}};
    run_cfg_t c = {.model = "event_lif",
                   .solver = "dopri5",
                   .args = args,
                   .n_args = 1,
                   .rtol = 1e-8,
                   .dt = 1.0};
    dq_system_t *sys = run(&c, 11, 11); /* t = 11: the first spike is at 10.986 */
    dq_spike_t sp[8];
    size_t n = dq_system_spikes_take(sys, sp, 8);
    ck_assert_uint_eq(n, 2);
    for (size_t i = 0; i < n; ++i)
        ck_assert_double_le(sp[i].t, 11.0);
    ck_assert_uint_eq(dq_system_spikes_take(sys, sp, 8), 0);
    /* The counts are those at the sample time too: "half" fires at 4.05 and 15.04. */
    ck_assert_uint_eq(dq_system_event_fired(sys, 0, 0), 1);
    ck_assert_uint_eq(dq_system_event_fired(sys, 1, 0), 1);
    dq_error_t err = {0};
    ck_assert_int_eq(dq_system_run(sys, 5, &err), DQ_OK);
    ck_assert_uint_eq(dq_system_event_fired(sys, 1, 0), 2);
    ck_assert_uint_eq(dq_system_spikes_take(sys, sp, 8), 1);
    ck_assert_double_eq_tol(sp[0].t, 10.0 * log(1.5) + 10.0 * log(3.0), 1e-6);
    dq_system_free(sys);
}
END_TEST

/* ---- descriptors ------------------------------------------------------------------------- */

static int never_step(dq_ctx_t *ctx)
{
    (void)ctx;
    return DQ_OK;
}

START_TEST(test_registry_refuses_adaptive_solvers_without_their_fields)
{
    dq_error_t err = {0};
    DQ_INTEGRATOR(no_dense, .name = "no_dense", .order = 5, .step = never_step,
                  .flags = DQ_CAP_ADAPTIVE, .error_order = 4);
    ck_assert_int_eq(dq_registry_register(reg, &no_dense, NULL, &err), DQ_EDESC);
    ck_assert_msg(strstr(err.message, "DQ_CAP_ADAPTIVE needs a dense callback"), "%s", err.message);
    dq_error_t e2 = {0};
    DQ_INTEGRATOR(stray, .name = "stray", .order = 5, .step = never_step, .error_order = 4);
    ck_assert_int_eq(dq_registry_register(reg, &stray, NULL, &e2), DQ_EDESC);
    ck_assert_msg(strstr(e2.message, "without DQ_CAP_ADAPTIVE"), "%s", e2.message);
}
END_TEST

static int ev_noop(const dq_view_t *v)
{
    (void)v;
    return DQ_OK;
}

static const dq_state_desc_t evbad_states[] = {{.name = "x"}};
static const dq_event_desc_t evbad_reset[] = {
    {.name = "hit", .direction = DQ_EVENT_UP, .flags = DQ_EVENT_RESET}};
static const dq_event_desc_t evbad_dir[] = {{.name = "hit", .direction = 2}};
DQ_MODULE(evbad_m1, .name = "m", .parent = -1, .states = evbad_states, .n_states = 1,
          .compute_derivative = ev_noop, .events = evbad_reset, .n_events = 1, .event = ev_noop);
DQ_MODULE(evbad_m2, .name = "m", .parent = -1, .states = evbad_states, .n_states = 1,
          .compute_derivative = ev_noop, .events = evbad_dir, .n_events = 1, .event = ev_noop);
DQ_MODEL(evbad_model1, .name = "evbad", .description = "d",
         .modules = DQ_LIST(dq_module_desc_t, &evbad_m1));
DQ_MODEL(evbad_model2, .name = "evbad2", .description = "d",
         .modules = DQ_LIST(dq_module_desc_t, &evbad_m2));

START_TEST(test_registry_refuses_reset_events_without_a_handler)
{
    dq_error_t err = {0};
    ck_assert_int_eq(dq_registry_register_model(reg, &evbad_model1, NULL, &err), DQ_EDESC);
    ck_assert_msg(strstr(err.message, "event 'hit' is DQ_EVENT_RESET but the root module has no "
                                      "handle_event"),
                  "%s", err.message);
    dq_error_t e2 = {0};
    ck_assert_int_eq(dq_registry_register_model(reg, &evbad_model2, NULL, &e2), DQ_EDESC);
    ck_assert_msg(strstr(e2.message, "direction 2"), "%s", e2.message);
}
END_TEST

Suite *adaptive_suite(void)
{
    Suite *s = suite_create("adaptive");
    TCase *tc = tcase_create("adaptive");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_adaptive_unit_bits_do_not_depend_on_block_threads_neighbours_or_chunks);
    tcase_add_test(tc,
                   test_adaptive_samples_come_from_the_continuous_extension_at_the_sample_times);
    tcase_add_test(tc, test_adaptive_counts_steps_evaluations_and_jacobians_per_unit);
    tcase_add_test(tc, test_adaptive_error_shrinks_with_the_tolerance);
    tcase_add_test(tc, test_adaptive_solver_runs_at_fixed_steps_when_asked);
    tcase_add_test(tc, test_adaptive_refuses_sub_modules_with_their_own_solver);
    tcase_add_test(tc,
                   test_adaptive_failure_names_unit_state_and_time_when_the_step_falls_below_hmin);
    tcase_add_test(tc, test_adaptive_failure_after_too_many_rejections_in_a_row);
    tcase_add_test(tc, test_adaptive_step_control_refuses_bad_values);
    tcase_add_test(tc, test_adaptive_event_times_match_the_closed_form_to_1e9);
    tcase_add_test(tc, test_fixed_step_events_are_located_on_the_hermite_interpolant);
    tcase_add_test(tc, test_record_only_events_of_first_order_methods_follow_their_order);
    tcase_add_test(tc, test_event_times_do_not_depend_on_block_threads_or_neighbours);
    tcase_add_test(tc, test_spikes_and_event_counts_go_only_up_to_the_sample_time);
    tcase_add_test(tc, test_registry_refuses_adaptive_solvers_without_their_fields);
    tcase_add_test(tc, test_registry_refuses_reset_events_without_a_handler);
    suite_add_tcase(s, tc);
    return s;
}
