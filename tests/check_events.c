/* SPDX-License-Identifier: MIT */
/* check_events.c -- events end to end (ABI 2.2): spike times located inside the step by the
 * host, for lif, izhikevich and hh, with adaptive and fixed-step solvers, against the closed
 * form of the LIF interval and against each other; handlers apply at the located time, an
 * event without a handler leaves the trajectory alone, and spike records are the same bits
 * for every block size and thread count.
 * DQ_TEST_VERBOSE=1 in the environment prints the measured errors and orders. */
#include <math.h>
#include <stdarg.h>
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

static void setup(void)
{
    dq_error_t err = {0};
    reg = dq_registry_new();
    loader = dq_loader_new(reg, &err);
    ck_assert_ptr_nonnull(loader);
    ck_assert_int_eq(dq_loader_load_dir(loader, DQ_TEST_PLUGIN_DIR, &err), DQ_OK);
}

static void teardown(void)
{
    dq_registry_free(reg);
    dq_loader_free(loader);
}

/* Prints what a test measured, when DQ_TEST_VERBOSE is set. */
__attribute__((format(printf, 1, 2))) static void note(const char *fmt, ...)
{
    if (!getenv("DQ_TEST_VERBOSE"))
        return;
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fflush(stdout);
}

static const dq_model_desc_t *model_desc(const char *name)
{
    dq_error_t err = {0};
    const dq_model_entry_t *e = dq_registry_lookup_model(reg, name, &err);
    ck_assert_msg(e != NULL, "%s", err.message);
    return e->desc;
}

/* ---- a run and its spikes ------------------------------------------------------------------- */

typedef struct run_cfg {
    const char *model;
    const dq_model_desc_t *desc; /* instead of the model's own descriptor, when not NULL */
    const dq_param_arg_t *args;
    size_t n_args;
    const char *solver;
    double dt;         /* the step, or in adaptive runs the sampling interval */
    double rtol, atol; /* 0: the defaults */
    size_t block, threads;
} run_cfg_t;

typedef struct spikes {
    dq_spike_t *v;
    size_t n, cap;
} spikes_t;

static dq_system_t *run_new(const run_cfg_t *c)
{
    dq_error_t err = {0};
    dq_system_t *sys =
        dq_system_new(c->desc ? c->desc : model_desc(c->model), c->args, c->n_args, &err);
    ck_assert_msg(sys != NULL, "%s", err.message);
    const dq_integrator_entry_t *s = dq_registry_lookup(reg, c->solver, &err);
    ck_assert_msg(s != NULL, "%s", err.message);
    ck_assert_int_eq(dq_system_set_solver(sys, s, &err), DQ_OK);
    if (c->rtol > 0.0) {
        dq_step_control_t ctl = {.rtol = c->rtol, .atol = c->atol};
        ck_assert_msg(dq_system_set_step_control(sys, &ctl, &err) == DQ_OK, "%s", err.message);
    }
    ck_assert_int_eq(dq_system_set_block_units(sys, c->block, &err), DQ_OK);
    ck_assert_int_eq(dq_system_set_threads(sys, c->threads ? c->threads : 1, &err), DQ_OK);
    ck_assert_msg(dq_system_prepare(sys, 0.0, c->dt, &err) == DQ_OK, "%s", err.message);
    return sys;
}

/* Moves every spike the host holds into s. */
static void spikes_take(dq_system_t *sys, spikes_t *s)
{
    for (;;) {
        if (s->cap - s->n < 64) {
            s->cap = s->cap ? 2 * s->cap : 256;
            s->v = realloc(s->v, s->cap * sizeof *s->v);
            ck_assert_ptr_nonnull(s->v);
        }
        size_t got = dq_system_spikes_take(sys, s->v + s->n, s->cap - s->n);
        if (got == 0)
            return;
        s->n += got;
    }
}

/* Runs `samples` steps (samples in adaptive runs) in chunks, taking the spikes after each. */
static void run_for(dq_system_t *sys, uint64_t samples, spikes_t *s)
{
    dq_error_t err = {0};
    const uint64_t chunk = 100;
    for (uint64_t done = 0; done < samples;) {
        const uint64_t k = samples - done < chunk ? samples - done : chunk;
        ck_assert_msg(dq_system_run(sys, k, &err) == DQ_OK, "%s", err.message);
        done += k;
        if (s)
            spikes_take(sys, s);
    }
}

/* The spike times of `unit` (event `event`) in s, in order, into t; returns how many. */
static size_t unit_times(const spikes_t *s, size_t unit, size_t event, double *t, size_t cap)
{
    size_t n = 0;
    for (size_t k = 0; k < s->n; ++k)
        if (s->v[k].unit == unit && s->v[k].event == event) {
            ck_assert_uint_lt(n, cap);
            t[n++] = s->v[k].t;
        }
    return n;
}

/* Least-squares slope of log(err) against log(dt). */
static double fit_order(const double *dt, const double *err, size_t n)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (size_t k = 0; k < n; ++k) {
        const double x = log(dt[k]), y = log(err[k]);
        sx += x, sy += y, sxx += x * x, sxy += x * y;
    }
    return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

/* ---- LIF with constant input against its closed form ---------------------------------------- */

/* tau_m 10 ms, E_L -65 mV, R 10 MOhm, V_th -50 mV, V_reset = V0 = -70 mV (below E_L, so both
 * terms of the closed form count). From V_reset, V = V_inf + (V_reset - V_inf) e^(-t/tau_m)
 * with V_inf = E_L + R I reaches V_th after
 *   T = tau_m ln((R I - (V_reset - E_L)) / (R I - (V_th - E_L))),
 * the first spike time, and every interval is t_ref + T. */
#define LIF_TAU 10.0
#define LIF_EL -65.0
#define LIF_R 10.0
#define LIF_VTH -50.0
#define LIF_VRESET -70.0
#define LIF_UNITS 4

static const double lif_I[LIF_UNITS] = {2.0, 1.6, 3.0, 5.0};

static double lif_T(double I)
{
    const double RI = LIF_R * I;
    return LIF_TAU * log((RI - (LIF_VRESET - LIF_EL)) / (RI - (LIF_VTH - LIF_EL)));
}

typedef struct lif_args {
    double n, tau, EL, R, Vth, Vreset, V0, t_ref;
    dq_param_arg_t a[9];
} lif_args_t;

/* Units with the currents of lif_I (the first `units` of them). */
static void lif_args_init(lif_args_t *p, double t_ref, size_t units)
{
    p->n = (double)units, p->tau = LIF_TAU, p->EL = LIF_EL, p->R = LIF_R, p->Vth = LIF_VTH;
    p->Vreset = p->V0 = LIF_VRESET, p->t_ref = t_ref;
    const dq_param_arg_t a[9] = {
        {"n", &p->n, 1, NULL},   {"tau_m", &p->tau, 1, NULL},   {"E_L", &p->EL, 1, NULL},
        {"R", &p->R, 1, NULL},   {"V_th", &p->Vth, 1, NULL},    {"V_reset", &p->Vreset, 1, NULL},
        {"V0", &p->V0, 1, NULL}, {"t_ref", &p->t_ref, 1, NULL}, {"I", lif_I, units, NULL},
    };
    memcpy(p->a, a, sizeof a);
}

/* The largest relative error of the first spike time and of every interval, over the
 * units; the spike counts are checked against the run's length. */
static void lif_errors(const spikes_t *s, double t_ref, double t_end, size_t units,
                       double *first_err, double *isi_err, double *isi_mean_err)
{
    *first_err = *isi_err = *isi_mean_err = 0.0;
    for (size_t u = 0; u < units; ++u) {
        const double T = lif_T(lif_I[u]), isi = t_ref + T;
        double t[512];
        const size_t n = unit_times(s, u, 0, t, 512);
        const size_t expect = (size_t)floor((t_end - T) / isi) + 1;
        ck_assert_msg(n + 1 >= expect && n <= expect, "unit %zu: %zu spikes, expected %zu", u, n,
                      expect);
        ck_assert_uint_ge(n, 3);
        *first_err = fmax(*first_err, fabs(t[0] - T) / T);
        for (size_t k = 1; k < n; ++k)
            *isi_err = fmax(*isi_err, fabs(t[k] - t[k - 1] - isi) / isi);
        *isi_mean_err = fmax(*isi_mean_err, fabs((t[n - 1] - t[0]) / (double)(n - 1) - isi) / isi);
    }
}

START_TEST(test_events_lif_spike_times_match_the_closed_form_with_dopri5)
{
    const double t_ref = _i == 0 ? 0.0 : 2.0, t_end = 200.0;
    lif_args_t p;
    lif_args_init(&p, t_ref, LIF_UNITS);
    const run_cfg_t c = {.model = "lif",
                         .args = p.a,
                         .n_args = 9,
                         .solver = "dopri5",
                         .dt = 0.5,
                         .rtol = 1e-10,
                         .atol = 1e-12};
    dq_system_t *sys = run_new(&c);
    ck_assert(dq_system_adaptive(sys));
    ck_assert_uint_eq(dq_system_event_count(sys), 2);
    ck_assert_str_eq(dq_system_event_name(sys, 0), "spike");
    ck_assert_uint_eq(dq_system_event_flags(sys, 0), DQ_EVENT_SPIKE | DQ_EVENT_RESET);
    ck_assert_str_eq(dq_system_event_name(sys, 1), "refractory_end");
    ck_assert_uint_eq(dq_system_event_flags(sys, 1), DQ_EVENT_RESET);
    spikes_t s = {0};
    run_for(sys, (uint64_t)(t_end / c.dt), &s);
    double first, isi, mean;
    lif_errors(&s, t_ref, t_end, LIF_UNITS, &first, &isi, &mean);
    note("lif dopri5 rtol 1e-10, t_ref %g: first spike rel. error %.3g, worst ISI %.3g\n", t_ref,
         first, isi);
    ck_assert_msg(first <= 1e-9, "first spike: relative error %.3g", first);
    ck_assert_msg(isi <= 1e-9, "interval: relative error %.3g", isi);
    /* Only spike events are recorded. The host counts an event when it locates it; a spike
     * after the last sample time (in the step that went past it) is counted but kept for
     * the next dq_system_spikes_take, and its handler waits for the unit's next step; so the
     * count state, which the handler keeps, is the spikes taken. */
    const long spikes = dq_system_state_index(sys, "spikes");
    for (size_t k = 0; k < s.n; ++k)
        ck_assert_uint_eq(s.v[k].event, 0);
    for (size_t u = 0; u < LIF_UNITS; ++u) {
        double t[512];
        const size_t n = unit_times(&s, u, 0, t, 512);
        const uint64_t fired = dq_system_event_fired(sys, 0, u);
        ck_assert_msg(fired == n || fired == n + 1, "unit %zu: %llu fired, %zu taken", u,
                      (unsigned long long)fired, n);
        ck_assert_double_eq(dq_system_value(sys, (size_t)spikes, u), (double)n);
        /* Every period ends once, but the last one may still be running. */
        const uint64_t ends = dq_system_event_fired(sys, 1, u);
        ck_assert_msg(t_ref > 0 ? ends + 1 >= fired && ends <= fired : ends == 0,
                      "unit %zu: %llu ends of %llu periods", u, (unsigned long long)ends,
                      (unsigned long long)fired);
        /* Ordered by time, and none past the sample time. */
        for (size_t k = 0; k < n; ++k) {
            ck_assert_double_le(t[k], dq_system_time(sys));
            if (k)
                ck_assert_double_gt(t[k], t[k - 1]);
        }
    }
    free(s.v);
    dq_system_free(sys);
}
END_TEST

/* Fixed steps: the crossing is located on a cubic Hermite interpolant between the step's
 * ends, so the spike time carries the solver's error, not the step's: Euler's interval
 * converges at Euler's order 1, smoothly (each halving of dt halves the error: the
 * trajectory's O(dt) error dominates the interpolant's O(dt^4)), and rk4's at order 4, far
 * below dt. rk4's ladder is coarser: below dt = 0.05 its error (1e-10 ms) nears the floor the
 * host's root finding leaves (a bracket of 1e-13 of the time, 2e-11 ms at 200 ms). */
typedef struct ladder_case {
    const char *solver;
    double dt[4];
    double order_lo, order_hi; /* the fitted order of the interval's error */
    double ratio_lo, ratio_hi; /* each halving of dt divides the error by this much */
} ladder_case_t;

static const ladder_case_t ladders[] = {
    {"euler", {0.1, 0.05, 0.025, 0.0125}, 0.9, 1.1, 1.8, 2.2},
    {"rk4", {0.4, 0.2, 0.1, 0.05}, 3.5, 4.5, 10.0, 24.0},
};

static void lif_fixed(const char *solver, double dt, double t_ref, double t_end, double *first,
                      double *isi, double *mean)
{
    lif_args_t p;
    lif_args_init(&p, t_ref, 1);
    const run_cfg_t c = {.model = "lif", .args = p.a, .n_args = 9, .solver = solver, .dt = dt};
    dq_system_t *sys = run_new(&c);
    ck_assert(!dq_system_adaptive(sys));
    spikes_t s = {0};
    run_for(sys, (uint64_t)llround(t_end / dt), &s);
    lif_errors(&s, t_ref, t_end, 1, first, isi, mean);
    free(s.v);
    dq_system_free(sys);
}

START_TEST(test_events_lif_fixed_step_interval_converges_at_the_solver_order)
{
    const ladder_case_t *lc = &ladders[_i];
    const double t_ref = 2.0, t_end = 200.0;
    double first[4], isi[4], mean[4];
    for (size_t k = 0; k < 4; ++k) {
        lif_fixed(lc->solver, lc->dt[k], t_ref, t_end, &first[k], &isi[k], &mean[k]);
        note("lif %s dt %g: first spike rel. error %.4g, worst ISI %.4g, mean ISI %.4g\n",
             lc->solver, lc->dt[k], first[k], isi[k], mean[k]);
        ck_assert(first[k] > 0.0 && isi[k] > 0.0);
    }
    const double q_first = fit_order(lc->dt, first, 4), q_isi = fit_order(lc->dt, isi, 4);
    note("lif %s: fitted order %.3f (first spike), %.3f (interval)\n", lc->solver, q_first, q_isi);
    ck_assert_msg(q_first >= lc->order_lo && q_first <= lc->order_hi, "%s: first spike order %.3f",
                  lc->solver, q_first);
    ck_assert_msg(q_isi >= lc->order_lo && q_isi <= lc->order_hi, "%s: interval order %.3f",
                  lc->solver, q_isi);
    for (size_t k = 1; k < 4; ++k) {
        const double r = isi[k - 1] / isi[k];
        ck_assert_msg(r >= lc->ratio_lo && r <= lc->ratio_hi,
                      "%s: error ratio %.3f from dt %g to %g", lc->solver, r, lc->dt[k - 1],
                      lc->dt[k]);
    }
}
END_TEST

START_TEST(test_events_lif_rk4_interval_is_far_below_the_step)
{
    /* A spike snapped to the step's end would be off by up to dt = 0.01 ms, 5e-4 of the
     * interval; located, rk4's is off by its trajectory error only. */
    double first, isi, mean;
    lif_fixed("rk4", 0.01, 2.0, 200.0, &first, &isi, &mean);
    const double T = 2.0 + lif_T(lif_I[0]);
    note("lif rk4 dt 0.01: first spike error %.3g ms, worst ISI error %.3g ms\n",
         first * lif_T(lif_I[0]), isi * T);
    ck_assert_msg(isi * T < 1e-6, "interval off by %.3g ms", isi * T);
    ck_assert_msg(first * lif_T(lif_I[0]) < 1e-6, "first spike off by %.3g ms",
                  first * lif_T(lif_I[0]));
}
END_TEST

/* ---- Izhikevich regular spiking ------------------------------------------------------------- */

static size_t izh_times(double rtol, double *t, size_t cap)
{
    const run_cfg_t c = {
        .model = "izhikevich", .solver = "dopri5", .dt = 1.0, .rtol = rtol, .atol = rtol};
    dq_system_t *sys = run_new(&c);
    spikes_t s = {0};
    run_for(sys, 300, &s);
    const size_t n = unit_times(&s, 0, 0, t, cap);
    /* One more when the last step went past the last sample and spiked there. */
    const uint64_t fired = dq_system_event_fired(sys, 0, 0);
    ck_assert(fired == n || fired == n + 1);
    /* The handler ran at each: v never passed the peak at a sample. */
    ck_assert_double_lt(dq_system_value(sys, 0, 0), 30.0);
    free(s.v);
    dq_system_free(sys);
    return n;
}

START_TEST(test_events_izhikevich_spike_times_agree_across_tolerances)
{
    /* The defaults are Izhikevich's regular-spiking cell (a 0.02, b 0.2, c -65, d 8) at
     * I = 10: tonic firing with adaptation, some ten spikes in 300 ms. */
    double t8[64], t10[64];
    const size_t n8 = izh_times(1e-8, t8, 64), n10 = izh_times(1e-10, t10, 64);
    ck_assert_uint_eq(n8, n10);
    ck_assert_uint_ge(n10, 5);
    double worst = 0.0;
    for (size_t k = 0; k < n10; ++k)
        worst = fmax(worst, fabs(t8[k] - t10[k]));
    note("izhikevich: %zu spikes, rtol 1e-8 vs 1e-10 differ by at most %.3g ms\n", n10, worst);
    ck_assert_msg(worst <= 1e-5, "spike times differ by %.3g ms", worst);
    /* Regular spiking adapts: the intervals grow. */
    ck_assert_double_gt(t10[n10 - 1] - t10[n10 - 2], t10[1] - t10[0]);
}
END_TEST

/* ---- HH: a spike event without a handler ---------------------------------------------------- */

/* hh's descriptor without its event, to compare against. */
static dq_module_desc_t hh_quiet_modules[2];
static const dq_module_desc_t *hh_quiet_list[3];
static dq_model_desc_t hh_quiet;

static const dq_model_desc_t *hh_without_events(void)
{
    const dq_model_desc_t *d = model_desc("hh");
    hh_quiet = *d;
    for (size_t m = 0; m < 2; ++m) {
        ck_assert_ptr_nonnull(d->modules[m]);
        hh_quiet_modules[m] = *d->modules[m];
        hh_quiet_modules[m].events = NULL;
        hh_quiet_modules[m].n_events = 0;
        hh_quiet_modules[m].event = NULL;
        hh_quiet_modules[m].handle_event = NULL;
        hh_quiet_list[m] = &hh_quiet_modules[m];
    }
    ck_assert_ptr_null(d->modules[2]);
    hh_quiet_list[2] = NULL;
    hh_quiet.modules = hh_quiet_list;
    return &hh_quiet;
}

static double hh_I = 10.0;
static const dq_param_arg_t hh_args[] = {{"I_ext", &hh_I, 1, NULL}};

static size_t hh_times(const char *solver, double dt, double rtol, double t_end, double *t,
                       size_t cap)
{
    const run_cfg_t c = {.model = "hh",
                         .args = hh_args,
                         .n_args = 1,
                         .solver = solver,
                         .dt = dt,
                         .rtol = rtol,
                         .atol = rtol * 1e-2};
    dq_system_t *sys = run_new(&c);
    spikes_t s = {0};
    run_for(sys, (uint64_t)llround(t_end / dt), &s);
    const size_t n = unit_times(&s, 0, 0, t, cap);
    /* One more when the last step went past the last sample and spiked there. */
    const uint64_t fired = dq_system_event_fired(sys, 0, 0);
    ck_assert(fired == n || fired == n + 1);
    /* The count post_integral keeps is the event's: once per crossing of an accepted step
     * (a rejected step's count is taken back with it), no more. */
    const long spikes = dq_system_state_index(sys, "spikes");
    ck_assert_double_eq(dq_system_value(sys, (size_t)spikes, 0), (double)fired);
    free(s.v);
    dq_system_free(sys);
    return n;
}

START_TEST(test_events_hh_spike_times_agree_between_dopri5_and_rk4)
{
    double ta[32], tf[32];
    const size_t na = hh_times("dopri5", 0.5, 1e-10, 100.0, ta, 32);
    const size_t nf = hh_times("rk4", 0.001, 0.0, 100.0, tf, 32);
    ck_assert_uint_eq(na, nf);
    ck_assert_uint_ge(na, 5); /* tonic firing near 70 Hz */
    double worst = 0.0;
    for (size_t k = 0; k < na; ++k)
        worst = fmax(worst, fabs(ta[k] - tf[k]));
    note("hh: %zu spikes, dopri5 (rtol 1e-10) vs rk4 (dt 0.001) differ by at most %.3g ms\n", na,
         worst);
    ck_assert_msg(worst <= 1e-4, "spike times differ by %.3g ms", worst);
}
END_TEST

/* No handler: the host records the time and touches nothing, so the trajectory is the same
 * bits as the model's without the event, at every step or sample. */
START_TEST(test_events_hh_event_without_a_handler_leaves_the_trajectory_alone)
{
    const char *solvers[] = {"rk4", "dopri5"};
    const double dts[] = {0.01, 0.25};
    for (int k = 0; k < 2; ++k) {
        run_cfg_t c = {.model = "hh",
                       .args = hh_args,
                       .n_args = 1,
                       .solver = solvers[k],
                       .dt = dts[k],
                       .rtol = 1e-8,
                       .atol = 1e-10};
        dq_system_t *with = run_new(&c);
        c.desc = hh_without_events();
        dq_system_t *without = run_new(&c);
        ck_assert_uint_eq(dq_system_event_count(with), 1);
        ck_assert_str_eq(dq_system_event_name(with, 0), "spike");
        ck_assert_uint_eq(dq_system_event_flags(with, 0), DQ_EVENT_SPIKE); /* no reset */
        ck_assert_uint_eq(dq_system_event_count(without), 0);
        spikes_t s = {0};
        const uint64_t samples = (uint64_t)llround(50.0 / dts[k]);
        for (uint64_t i = 0; i < samples; ++i) {
            run_for(with, 1, &s);
            run_for(without, 1, NULL);
            for (size_t st = 0; st < dq_system_state_count(with); ++st) {
                const double a = dq_system_value(with, st, 0), b = dq_system_value(without, st, 0);
                ck_assert_msg(memcmp(&a, &b, sizeof a) == 0, "%s, sample %llu, %s: %.17g != %.17g",
                              solvers[k], (unsigned long long)i, dq_system_state_name(with, st), a,
                              b);
            }
        }
        ck_assert_uint_ge(s.n, 3);
        if (dq_system_adaptive(with)) {
            dq_step_stats_t a, b;
            ck_assert_int_eq(dq_system_unit_stats(with, 0, &a), DQ_OK);
            ck_assert_int_eq(dq_system_unit_stats(without, 0, &b), DQ_OK);
            ck_assert_uint_eq(a.accepted, b.accepted);
            ck_assert_uint_eq(a.rejected, b.rejected);
            ck_assert_uint_eq(a.evaluations, b.evaluations);
        }
        free(s.v);
        dq_system_free(with);
        dq_system_free(without);
    }
}
END_TEST

/* ---- the same bits wherever a unit is computed ---------------------------------------------- */

#define POP_N 300

typedef struct pop_case {
    const char *model, *current, *solver;
    double lo, hi; /* currents spread over the population */
    double dt, rtol, t_end;
} pop_case_t;

static const pop_case_t pop_cases[] = {
    {"lif", "I", "rk4", 1.0, 5.0, 0.01, 0.0, 100.0},
    {"lif", "I", "dopri5", 1.0, 5.0, 0.5, 1e-8, 100.0},
    {"izhikevich", "I", "rk4", 0.0, 20.0, 0.01, 0.0, 100.0},
    {"izhikevich", "I", "dopri5", 0.0, 20.0, 0.5, 1e-8, 100.0},
    {"hh", "I_ext", "dopri5", 0.0, 20.0, 0.5, 1e-8, 50.0},
};

static void pop_run(const pop_case_t *pc, size_t block, size_t threads, spikes_t *s,
                    dq_step_stats_t *stats)
{
    static double I[POP_N];
    for (size_t u = 0; u < POP_N; ++u)
        I[u] = pc->lo + (pc->hi - pc->lo) * (double)u / (POP_N - 1);
    double n = POP_N;
    const dq_param_arg_t args[] = {{"n", &n, 1, NULL}, {pc->current, I, POP_N, NULL}};
    const run_cfg_t c = {.model = pc->model,
                         .args = args,
                         .n_args = 2,
                         .solver = pc->solver,
                         .dt = pc->dt,
                         .rtol = pc->rtol,
                         .atol = pc->rtol * 1e-2,
                         .block = block,
                         .threads = threads};
    dq_system_t *sys = run_new(&c);
    if (threads > 1)
        ck_assert_uint_eq(dq_system_threads(sys), threads);
    run_for(sys, (uint64_t)llround(pc->t_end / pc->dt), s);
    for (size_t u = 0; u < POP_N; ++u)
        ck_assert_int_eq(dq_system_unit_stats(sys, u, &stats[u]), DQ_OK);
    dq_system_free(sys);
}

START_TEST(test_events_spike_times_are_the_same_bits_for_every_block_size_and_thread_count)
{
    const pop_case_t *pc = &pop_cases[_i];
    spikes_t ref = {0};
    static dq_step_stats_t ref_stats[POP_N], stats[POP_N];
    pop_run(pc, POP_N, 1, &ref, ref_stats);
    /* The spikes are many; the weakest current leaves its unit silent, the strongest fires. */
    ck_assert_uint_ge(ref.n, 100);
    size_t first_unit = 0, last_unit = 0;
    for (size_t k = 0; k < ref.n; ++k)
        first_unit += ref.v[k].unit == 0, last_unit += ref.v[k].unit == POP_N - 1;
    ck_assert_uint_eq(first_unit, 0);
    ck_assert_uint_gt(last_unit, 0);
    note("%s %s: %zu spikes of %d units\n", pc->model, pc->solver, ref.n, POP_N);
    const size_t blocks[] = {1, 256, 16}, threads[] = {1, 1, 2};
    for (size_t b = 0; b < 3; ++b) {
        spikes_t s = {0};
        pop_run(pc, blocks[b], threads[b], &s, stats);
        ck_assert_msg(s.n == ref.n, "%s %s, blocks of %zu, %zu threads: %zu spikes, %zu before",
                      pc->model, pc->solver, blocks[b], threads[b], s.n, ref.n);
        for (size_t k = 0; k < s.n; ++k)
            ck_assert_msg(memcmp(&s.v[k].t, &ref.v[k].t, sizeof(double)) == 0 &&
                              s.v[k].unit == ref.v[k].unit && s.v[k].event == ref.v[k].event,
                          "%s %s, blocks of %zu, %zu threads: spike %zu is unit %zu at %.17g, "
                          "was unit %zu at %.17g",
                          pc->model, pc->solver, blocks[b], threads[b], k, s.v[k].unit, s.v[k].t,
                          ref.v[k].unit, ref.v[k].t);
        /* An adaptive unit's steps are its own; a fixed-step unit's evaluations are its
         * block's (the Hermite slopes and the rest of a step after an event are computed
         * for every lane of the block), so only the steps are compared there. */
        const int adaptive = pc->rtol > 0.0;
        for (size_t u = 0; u < POP_N; ++u)
            ck_assert_msg(
                stats[u].accepted == ref_stats[u].accepted &&
                    (!adaptive || (stats[u].rejected == ref_stats[u].rejected &&
                                   stats[u].evaluations == ref_stats[u].evaluations)),
                "%s %s, blocks of %zu, %zu threads: unit %zu took %llu/%llu/%llu "
                "steps/rejections/evaluations, %llu/%llu/%llu before",
                pc->model, pc->solver, blocks[b], threads[b], u,
                (unsigned long long)stats[u].accepted, (unsigned long long)stats[u].rejected,
                (unsigned long long)stats[u].evaluations, (unsigned long long)ref_stats[u].accepted,
                (unsigned long long)ref_stats[u].rejected,
                (unsigned long long)ref_stats[u].evaluations);
        free(s.v);
    }
    /* Ordered by time, then unit. */
    for (size_t k = 1; k < ref.n; ++k)
        ck_assert(ref.v[k].t > ref.v[k - 1].t ||
                  (ref.v[k].t == ref.v[k - 1].t && ref.v[k].unit > ref.v[k - 1].unit));
    free(ref.v);
}
END_TEST

Suite *events_suite(void)
{
    Suite *s = suite_create("events");
    TCase *tc = tcase_create("events");
    tcase_set_timeout(tc, 300);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_events_lif_spike_times_match_the_closed_form_with_dopri5, 0, 2);
    tcase_add_loop_test(tc, test_events_lif_fixed_step_interval_converges_at_the_solver_order, 0,
                        (int)(sizeof ladders / sizeof ladders[0]));
    tcase_add_test(tc, test_events_lif_rk4_interval_is_far_below_the_step);
    tcase_add_test(tc, test_events_izhikevich_spike_times_agree_across_tolerances);
    tcase_add_test(tc, test_events_hh_spike_times_agree_between_dopri5_and_rk4);
    tcase_add_test(tc, test_events_hh_event_without_a_handler_leaves_the_trajectory_alone);
    tcase_add_loop_test(
        tc, test_events_spike_times_are_the_same_bits_for_every_block_size_and_thread_count, 0,
        (int)(sizeof pop_cases / sizeof pop_cases[0]));
    suite_add_tcase(s, tc);
    return s;
}
