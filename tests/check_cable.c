/* SPDX-License-Identifier: MIT */
/* check_cable.c -- cable models (ABI 2.3) in the host: a passive cable's steady state and
 * time constant against the cable equation, junctions eliminated exactly, the host calls
 * of the mass-matrix form against direct evaluation and a dense solve, locations and state
 * names, the errors, and a cell's bits independent of its population and threads. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include <dq/cable.h>
#include <dq/dq.h>
#include <dq/host/cable.h>
#include <dq/host/loader.h>
#include <dq/host/morph.h>
#include <dq/host/registry.h>
#include <dq/host/system.h>
#include <dq/linalg.h>

#define PI 3.14159265358979323846

/* ---- the test model: root V, a leak everywhere, a K-like gate at the soma ------------- */

typedef struct tcell {
    double n, g_pas, e_pas, gk, ek;
} tcell_t;

static double k_ninf(double v)
{
    return 1.0 / (1.0 + exp(-(v + 50.0) / 10.0));
}
#define K_TAU 5.0

static int root_event(const dq_view_t *v)
{
    for (size_t i = 0; i < v->units; ++i)
        v->event[0][i] = v->value[0][i] + 55.0;
    return DQ_OK;
}

static int pas_current(const dq_view_t *v)
{
    const tcell_t *p = v->data;
    const double *V = v->value[0];
    for (size_t i = 0; i < v->units; ++i) {
        v->current[i] += p->g_pas * (V[i] - p->e_pas);
        v->conductance[i] += p->g_pas;
    }
    return DQ_OK;
}

static int k_current(const dq_view_t *v)
{
    const tcell_t *p = v->data;
    const double *n = v->value[0], *V = v->value[1];
    for (size_t i = 0; i < v->units; ++i) {
        double g = p->gk * n[i] * n[i] * n[i] * n[i];
        v->current[i] += g * (V[i] - p->ek);
        v->conductance[i] += g;
    }
    return DQ_OK;
}

static int k_deriv(const dq_view_t *v)
{
    const double *n = v->value[0], *V = v->value[1];
    for (size_t i = 0; i < v->units; ++i)
        v->derivative[0][i] = (k_ninf(V[i]) - n[i]) / K_TAU;
    return DQ_OK;
}

static int k_init(const dq_view_t *v)
{
    for (size_t i = 0; i < v->units; ++i)
        v->value[0][i] = k_ninf(v->value[1][i]);
    return DQ_OK;
}

static const dq_state_desc_t root_states[] = {{"V", "mV", "membrane potential", 0}};
static const dq_state_desc_t k_states[] = {{"n", NULL, "K activation", 0}};
static const dq_event_desc_t root_events[] = {{"spike", DQ_EVENT_UP, DQ_EVENT_SPIKE, "V at -55"}};

DQ_MODULE(root_mod, .name = "", .parent = -1, .states = root_states, .n_states = 1,
          .events = root_events, .n_events = 1, .event = root_event);
DQ_MODULE(pas_mod, .name = "pas", .parent = 0, .reads = DQ_READS("V"), .current = pas_current);
DQ_MODULE(k_mod, .name = "kdr", .parent = 0, .states = k_states, .n_states = 1,
          .reads = DQ_READS("V"), .regions = DQ_REGION_SOMA, .compute_derivative = k_deriv,
          .init_state = k_init, .current = k_current);

static const dq_param_desc_t tparams[] = {
    {"n", 1, NULL, "cells", DQ_PARAM_POPULATION, offsetof(tcell_t, n)},
    {"g_pas", 0.1, "mS/cm2", "leak", 0, offsetof(tcell_t, g_pas)},
    {"e_pas", -65, "mV", "leak reversal", 0, offsetof(tcell_t, e_pas)},
    {"gk", 36, "mS/cm2", "K", 0, offsetof(tcell_t, gk)},
    {"ek", -77, "mV", "K reversal", 0, offsetof(tcell_t, ek)},
};

DQ_CABLE(tcable, .cm = 1, .Ra = 35.4, .v_init = -65);

DQ_MODEL(pcell, .name = "pcell", .description = "passive test cell", .params = tparams,
         .n_params = DQ_COUNT(tparams),
         .modules = (const dq_module_desc_t *const[]){&root_mod, &pas_mod, NULL},
         .data_size = sizeof(tcell_t), .time_unit = "ms", .cable = &tcable);
DQ_MODEL(kcell, .name = "cell", .description = "active test cell", .params = tparams,
         .n_params = DQ_COUNT(tparams),
         .modules = (const dq_module_desc_t *const[]){&root_mod, &pas_mod, &k_mod, NULL},
         .data_size = sizeof(tcell_t), .time_unit = "ms", .cable = &tcable);

/* ---- in-test solvers on the mass-matrix form ------------------------------------------- */

/* Linearly implicit Euler: (M - dt J) dy = dt F(y), J from the host's pieces. */
static int be_step(dq_ctx_t *ctx)
{
    const dq_cable_t *cb = dq_cable(ctx);
    if (!cb)
        return dq_fail(ctx, DQ_EUSAGE, (size_t)-1, "test_be needs a cable model");
    const size_t U = ctx->units, n = cb->n, len = ctx->len;
    double *r = dq_scratch(ctx, 0), *dg = dq_scratch(ctx, 1), *e = dq_scratch(ctx, 2),
           *q = dq_scratch(ctx, 3), *im = dq_scratch(ctx, 4), *gm = dq_scratch(ctx, 5),
           *work = dq_scratch(ctx, 6), *offd = dq_scratch(ctx, 7);
    const double t1 = ctx->t + ctx->dt;
    int rc;
    if ((rc = dq_cable_membrane(ctx, t1, ctx->y, im, gm)) ||
        (rc = dq_cable_gates(ctx, t1, ctx->y, r, dg)) ||
        (rc = dq_cable_couplings(ctx, t1, ctx->y, e, q)))
        return rc;
    dq_cable_axial(cb, U, ctx->y, r, 0);
    for (size_t k = 0; k < n * U; ++k)
        r[k] = ctx->dt * (r[k] - im[k]);
    for (size_t k = n * U; k < len; ++k)
        r[k] *= ctx->dt;
    dq_cable_solve(cb, U, ctx->dt, gm, dg, e, q, r, work, offd);
    for (size_t k = 0; k < len; ++k)
        ctx->y[k] += r[k];
    return DQ_OK;
}

DQ_INTEGRATOR(be_desc, .name = "test_be", .category = DQ_CATEGORY_IMPLICIT, .order = 1,
              .description = "linearly implicit Euler on the cable form", .step = be_step,
              .scratch_vectors = 8);

/* What the probe saw at its first step (block 0). */
static struct {
    int rc_membrane, rc_gates, rc_couplings, rc_diag;
    const dq_cable_t *cb;
    size_t units, len;
    double y[4096], im[4096], gm[4096], f[4096], dg[4096], e[4096], q[4096], dd[4096];
    int done;
} probe;

static int probe_step(dq_ctx_t *ctx)
{
    if (!probe.done && ctx->unit0 == 0 && ctx->len <= 4096) {
        probe.done = 1;
        probe.cb = dq_cable(ctx);
        probe.units = ctx->units;
        probe.len = ctx->len;
        memcpy(probe.y, ctx->y, ctx->len * sizeof *ctx->y);
        const double t = ctx->t;
        probe.rc_membrane = dq_cable_membrane(ctx, t, ctx->y, probe.im, probe.gm);
        probe.rc_gates = dq_cable_gates(ctx, t, ctx->y, probe.f, probe.dg);
        probe.rc_couplings = dq_cable_couplings(ctx, t, ctx->y, probe.e, probe.q);
        probe.rc_diag = dq_compute_derivative_diag(ctx, t, ctx->y, ctx->f, probe.dd);
    }
    return DQ_OK;
}

DQ_INTEGRATOR(probe_desc, .name = "test_probe", .category = DQ_CATEGORY_EXPLICIT, .order = 1,
              .description = "records the cable host calls", .step = probe_step,
              .flags = DQ_CAP_JACOBIAN);

/* ---- fixtures -------------------------------------------------------------------------- */

static dq_registry_t *reg;
static dq_loader_t *loader;

static void setup(void)
{
    dq_error_t err = {0};
    reg = dq_registry_new();
    loader = dq_loader_new(reg, &err);
    ck_assert_ptr_nonnull(loader);
    ck_assert_int_eq(dq_loader_load_dir(loader, DQ_TEST_PLUGIN_DIR, &err), DQ_OK);
    ck_assert_int_eq(dq_registry_register(reg, &be_desc, NULL, &err), DQ_OK);
    ck_assert_int_eq(dq_registry_register(reg, &probe_desc, NULL, &err), DQ_OK);
    memset(&probe, 0, sizeof probe);
}

static void teardown(void)
{
    dq_registry_free(reg);
    dq_loader_free(loader);
}

static dq_morph_t *morph_json(const char *text)
{
    dq_error_t err = {0};
    dq_morph_t *m = dq_morph_parse_json(text, strlen(text), "test.json", &err);
    ck_assert_msg(m != NULL, "%s", err.message);
    return m;
}

/* A Y: a soma with two dendrites at its x = 1 end (a junction there). */
#define Y_CELL                                                                                     \
    "{\"soma\": {\"length\": 60, \"diameter\": 10}, \"cylinders\": ["                              \
    "{\"name\": \"dend\", \"length\": 200, \"diameter\": 2},"                                      \
    "{\"name\": \"apic\", \"length\": 150, \"diameter\": 3, \"region\": \"apical\"}]}"

typedef struct run {
    const dq_model_desc_t *model;
    const char *morph;
    int nseg;
    const char *solver;
    double dt, t_end, cm, v_init;
    const dq_cable_stim_t *stim;
    size_t n_stim;
    double cells, gk;
    size_t threads, block;
} run_t;

static dq_system_t *run_new(const run_t *r, dq_error_t *err)
{
    dq_morph_t *m = morph_json(r->morph);
    dq_cable_opts_t o;
    dq_cable_opts_init(&o);
    o.discret.rule = DQ_MORPH_RULE_NSEG;
    o.discret.nseg = r->nseg ? r->nseg : 1;
    if (r->cm > 0)
        o.cm = r->cm;
    if (r->v_init != 0)
        o.v_init = r->v_init;
    o.stim = r->stim;
    o.n_stim = r->n_stim;
    double cells = r->cells > 0 ? r->cells : 1, gk = r->gk;
    dq_param_arg_t args[] = {{"n", &cells, 1, NULL}, {"gk", &gk, 1, NULL}};
    dq_system_t *sys = dq_system_new_cable(r->model, args, 2, m, &o, err);
    dq_morph_free(m); /* borrowed only during the call */
    return sys;
}

static dq_system_t *run_to_end(const run_t *r)
{
    dq_error_t err = {0};
    dq_system_t *sys = run_new(r, &err);
    ck_assert_msg(sys != NULL, "%s", err.message);
    ck_assert_int_eq(dq_system_set_solver(
                         sys, dq_registry_lookup(reg, r->solver ? r->solver : "rk4", NULL), &err),
                     DQ_OK);
    if (r->threads)
        ck_assert_int_eq(dq_system_set_threads(sys, r->threads, &err), DQ_OK);
    if (r->block)
        ck_assert_int_eq(dq_system_set_block_units(sys, r->block, &err), DQ_OK);
    ck_assert_msg(dq_system_prepare(sys, 0.0, r->dt, &err) == DQ_OK, "%s", err.message);
    uint64_t steps = (uint64_t)llround(r->t_end / r->dt);
    ck_assert_msg(dq_system_run(sys, steps, &err) == DQ_OK, "%s", err.message);
    return sys;
}

/* ---- the cable equation ---------------------------------------------------------------- */

/* A sealed 1000 µm x 2 µm cylinder with a constant current at x = 0: at steady state
 * V(x) - E = I r_a λ cosh((L - x)/λ) / sinh(L/λ), r_a = 4 Ra/(π d²), λ = sqrt(Rm d/(4 Ra)).
 * The compartments' centres are second order: the error falls fourfold per halving. */
static double passive_cable_error(int nseg)
{
    const double L = 1000, d = 2, Ra = 35.4, gpas = 0.1, amp = 0.01;
    dq_cable_stim_t st = {"soma(0)", 0, 1e9, amp};
    run_t r = {.model = &pcell,
               .morph = "{\"soma\": {\"length\": 1000, \"diameter\": 2}}",
               .nseg = nseg,
               .solver = "test_be",
               .dt = 10,
               .t_end = 1000,
               .stim = &st,
               .n_stim = 1};
    dq_system_t *sys = run_to_end(&r);
    const dq_morph_cable_t *mc = dq_system_cable(sys);
    ck_assert_uint_eq(mc->n, (size_t)nseg);
    /* Rm in Ω cm², lengths in cm: λ in cm, r_a in Ω/cm; I r_a λ in V → mV. */
    const double Rm = 1.0 / (gpas * 1e-3), dcm = d * 1e-4, Lcm = L * 1e-4;
    const double lam = sqrt(Rm * dcm / (4 * Ra)), ra = 4 * Ra / (PI * dcm * dcm);
    const double v0 = amp * 1e-9 * ra * lam * 1e3;
    double worst = 0;
    for (size_t c = 0; c < mc->n; ++c) {
        const double x = mc->x[c] * Lcm;
        const double th = v0 * cosh((Lcm - x) / lam) / sinh(Lcm / lam);
        const double v = dq_system_value(sys, c, 0) + 65.0;
        worst = fmax(worst, fabs(v - th) / (v0 / tanh(Lcm / lam)));
    }
    dq_system_free(sys);
    return worst;
}

START_TEST(test_passive_cable_steady_state_is_second_order)
{
    double e51 = passive_cable_error(51), e101 = passive_cable_error(101),
           e201 = passive_cable_error(201);
    fprintf(stderr, "passive cable: max rel error nseg 51 %.3e, 101 %.3e, 201 %.3e\n", e51, e101,
            e201);
    ck_assert_double_lt(e201, 1e-4);
    /* Order p from each halving: e(h)/e(h/2) ≈ 2^p with h ≈ L/nseg. */
    double p1 = log(e51 / e101) / log(101.0 / 51.0), p2 = log(e101 / e201) / log(201.0 / 101.0);
    ck_assert_msg(p1 > 1.8 && p1 < 2.3 && p2 > 1.8 && p2 < 2.3, "orders %g %g", p1, p2);
}
END_TEST

/* One compartment relaxing from a step: V - E = 5 exp(-t/τ), τ = cm/g_pas = 10 ms. */
START_TEST(test_isopotential_cell_relaxes_with_the_membrane_time_constant)
{
    const char *solvers[] = {"rk4", "ind_exp_euler"};
    const double tol[] = {1e-6, 1e-12};
    for (int s = 0; s < 2; ++s) {
        run_t r = {.model = &pcell,
                   .morph = "{\"soma\": {\"length\": 20, \"diameter\": 20}}",
                   .solver = solvers[s],
                   .dt = 0.01,
                   .t_end = 20,
                   .v_init = -60};
        dq_system_t *sys = run_to_end(&r);
        ck_assert_uint_eq(dq_system_state_count(sys), 1);
        double v = dq_system_value(sys, 0, 0) + 65.0, th = 5.0 * exp(-20.0 / 10.0);
        ck_assert_msg(fabs(v - th) <= tol[s] * th, "%s: %.17g vs %.17g", solvers[s], v, th);
        dq_system_free(sys);
    }
}
END_TEST

/* The junction at the soma's end: an explicit solver's junction V is the conductance
 * weighted mean of its neighbours' at every step (its derivative follows the constraint). */
START_TEST(test_junction_voltage_is_the_weighted_mean_of_its_neighbours)
{
    dq_cable_stim_t st = {"soma", 0.5, 3, 0.2};
    run_t r = {.model = &kcell,
               .morph = Y_CELL,
               .nseg = 3,
               .dt = 0.0005,
               .t_end = 5,
               .stim = &st,
               .n_stim = 1,
               .gk = 36};
    dq_system_t *sys = run_to_end(&r);
    const dq_morph_cable_t *mc = dq_system_cable(sys);
    size_t junctions = 0;
    for (size_t j = 0; j < mc->n; ++j) {
        if (!mc->junction[j])
            continue;
        double num = 0, den = 0;
        for (size_t c = 0; c < mc->n; ++c)
            if ((long)j == mc->parent[c] || (long)c == mc->parent[j]) {
                size_t a = (long)j == mc->parent[c] ? c : j;
                num += mc->g_axial[a] * dq_system_value(sys, c, 0);
                den += mc->g_axial[a];
            }
        double vj = dq_system_value(sys, j, 0);
        ck_assert_msg(fabs(vj - num / den) <= 1e-12 * fabs(vj), "junction %zu: %.17g vs %.17g", j,
                      vj, num / den);
        junctions++;
    }
    ck_assert_uint_eq(junctions, 1);
    /* The stimulus moved the cell: the soma is well above rest. */
    ck_assert_double_gt(dq_system_value(sys, (size_t)dq_system_state_index(sys, "V"), 0), -60);
    dq_system_free(sys);
}
END_TEST

/* An error-controlled solver (lanes at their own times) agrees with a fine rk4, and the root
 * module's event sees the soma: the depolarised soma crosses -55 mV once, in both runs. */
START_TEST(test_adaptive_runs_and_root_events_work_on_a_cable)
{
    dq_cable_stim_t st = {"soma", 0.5, 20, 1.0};
    run_t fine = {.model = &kcell, .morph = Y_CELL, .nseg = 3, .dt = 0.0005, .t_end = 5,
                  .stim = &st, .n_stim = 1, .gk = 36, .cells = 3};
    run_t ad = fine;
    ad.solver = "dopri5";
    ad.dt = 0.25;
    dq_system_t *a = run_to_end(&fine), *b = run_to_end(&ad);
    ck_assert(dq_system_adaptive(b));
    const long root = dq_system_state_index(a, "V");
    const double va = dq_system_value(a, (size_t)root, 2), vb = dq_system_value(b, (size_t)root, 2);
    fprintf(stderr, "soma V at 5 ms: rk4 %.9f, dopri5 %.9f\n", va, vb);
    ck_assert_double_gt(va, -55);
    ck_assert_double_eq_tol(va, vb, 1e-3);
    ck_assert_uint_eq(dq_system_event_count(a), 1);
    for (size_t u = 0; u < 3; ++u) {
        ck_assert_uint_eq(dq_system_event_fired(a, 0, u), 1);
        ck_assert_uint_eq(dq_system_event_fired(b, 0, u), 1);
    }
    dq_system_free(a);
    dq_system_free(b);
}
END_TEST

/* ---- host calls ------------------------------------------------------------------------ */

START_TEST(test_host_calls_agree_with_direct_evaluation_and_a_dense_solve)
{
    dq_cable_stim_t st = {"dend(0.5)", 0, 10, 0.3};
    run_t rr = {.model = &kcell,
                .morph = Y_CELL,
                .nseg = 3,
                .solver = "test_probe",
                .dt = 0.01,
                .t_end = 0.01,
                .stim = &st,
                .n_stim = 1,
                .gk = 36,
                .v_init = -55};
    dq_system_t *sys = run_to_end(&rr);
    ck_assert(probe.done);
    ck_assert_int_eq(probe.rc_membrane, DQ_OK);
    ck_assert_int_eq(probe.rc_gates, DQ_OK);
    ck_assert_int_eq(probe.rc_couplings, DQ_OK);
    ck_assert_int_eq(probe.rc_diag, DQ_OK);
    const dq_cable_t *cb = probe.cb;
    const dq_morph_cable_t *mc = dq_system_cable(sys);
    ck_assert_ptr_nonnull(cb);
    ck_assert_uint_eq(cb->n, mc->n);
    const size_t n = cb->n, U = probe.units, m = n + cb->n_gates;
    ck_assert_uint_eq(cb->n_gates, 3); /* kdr on the soma's three segments */
    ck_assert_uint_eq(cb->root, (size_t)dq_system_cable_locate(sys, "soma(0.5)", NULL));
    long stim_c = dq_system_cable_locate(sys, "dend(0.5)", NULL);
    ck_assert_int_ge(stim_c, 0);
    const tcell_t p = {1, 0.1, -65, 36, -77};
    for (size_t c = 0; c < n; ++c) {
        double V = probe.y[c * U], a = 1e-5 * mc->area[c], gk = 0, nn = 0;
        for (size_t k = 0; k < cb->n_gates; ++k)
            if (cb->gate_comp[k] == c) {
                nn = probe.y[(n + k) * U];
                gk = p.gk * nn * nn * nn * nn;
            }
        double I = a * (p.g_pas * (V - p.e_pas) + gk * (V - p.ek)) - ((long)c == stim_c ? 0.3 : 0);
        double G = a * (p.g_pas + gk);
        if (mc->junction[c])
            I = G = 0;
        ck_assert_msg(fabs(probe.im[c * U] - I) <= 1e-13 * (fabs(I) + 1e-3), "i[%zu] %.17g %.17g",
                      c, probe.im[c * U], I);
        ck_assert_msg(fabs(probe.gm[c * U] - G) <= 1e-13 * (G + 1e-9), "g[%zu]", c);
        ck_assert_double_eq(cb->cap[c], 1e-5 * mc->area[c]);
    }
    for (size_t k = 0; k < cb->n_gates; ++k) {
        const size_t row = (n + k) * U, c = cb->gate_comp[k];
        double V = probe.y[c * U], nn = probe.y[row], a = 1e-5 * mc->area[c];
        double ninf = k_ninf(V), dninf = ninf * (1 - ninf) / 10.0;
        ck_assert_double_eq_tol(probe.f[row], (ninf - nn) / K_TAU, 1e-15);
        ck_assert_double_eq_tol(probe.dg[row], -1.0 / K_TAU, 1e-7);
        ck_assert_double_eq_tol(probe.e[row], dninf / K_TAU, 1e-8);
        double q = a * p.gk * 4 * nn * nn * nn * (V - p.ek);
        ck_assert_msg(fabs(probe.q[row] - q) <= 1e-6 * fabs(q), "q %.17g %.17g", probe.q[row], q);
        /* The explicit form's diagonal has the gate's own. */
        ck_assert_double_eq_tol(probe.dd[row], -1.0 / K_TAU, 1e-7);
    }
    /* dq_cable_solve against a dense LU of M - gamma J for cell 0. */
    const double gamma = 0.37;
    double *A = calloc(m * m, sizeof *A), *x = calloc(m, sizeof *x);
    double *r = calloc(m * U, sizeof *r), *work = calloc(n * U, sizeof *work),
           *offd = calloc(n, sizeof *offd);
    for (size_t i = 0; i < m; ++i) {
        x[i] = sin(1.0 + (double)i);
        for (size_t u = 0; u < U; ++u)
            r[i * U + u] = x[i];
    }
    for (size_t c = 0; c < n; ++c) {
        A[c * m + c] = cb->cap[c] + gamma * (cb->g_sum[c] + probe.gm[c * U]);
        if (c > 0) {
            size_t pc = (size_t)cb->parent[c];
            A[c * m + pc] = A[pc * m + c] = -gamma * cb->g[c];
        }
    }
    for (size_t k = 0; k < cb->n_gates; ++k) {
        const size_t row = n + k, c = cb->gate_comp[k];
        A[row * m + row] = 1 - gamma * probe.dg[row * U];
        A[row * m + c] = -gamma * probe.e[row * U];
        A[c * m + row] = gamma * probe.q[row * U];
    }
    ck_assert_int_eq(dq_linalg_solve(A, m, x, 1), 0);
    dq_cable_solve(cb, U, gamma, probe.gm, probe.dg, probe.e, probe.q, r, work, offd);
    double worst = 0;
    for (size_t i = 0; i < m; ++i)
        worst = fmax(worst, fabs(r[i * U] - x[i]) / (fabs(x[i]) + 1e-300));
    fprintf(stderr, "dq_cable_solve vs dense LU: max rel diff %.3e (m = %zu)\n", worst, m);
    ck_assert_double_lt(worst, 1e-10);
    free(A);
    free(x);
    free(r);
    free(work);
    free(offd);
    dq_system_free(sys);
}
END_TEST

START_TEST(test_host_calls_on_a_point_model_are_usage_errors)
{
    const dq_model_entry_t *decay = dq_registry_lookup_model(reg, "decay", NULL);
    ck_assert_ptr_nonnull(decay);
    dq_error_t err = {0};
    dq_system_t *sys = dq_system_new(decay->desc, NULL, 0, &err);
    ck_assert_ptr_nonnull(sys);
    ck_assert_ptr_null(dq_system_cable(sys));
    ck_assert_int_eq(dq_system_cable_locate(sys, "soma", &err), -1);
    ck_assert_int_eq(dq_system_set_solver(sys, dq_registry_lookup(reg, "test_probe", NULL), &err),
                     DQ_OK);
    ck_assert_int_eq(dq_system_prepare(sys, 0, 0.1, &err), DQ_OK);
    ck_assert_int_eq(dq_system_step(sys, &err), DQ_OK);
    ck_assert(probe.done);
    ck_assert_ptr_null(probe.cb);
    ck_assert_int_eq(probe.rc_membrane, DQ_EUSAGE);
    ck_assert_int_eq(probe.rc_gates, DQ_EUSAGE);
    ck_assert_int_eq(probe.rc_couplings, DQ_EUSAGE);
    dq_system_free(sys);
}
END_TEST

START_TEST(test_dense_jacobian_is_refused_on_a_cable_model)
{
    run_t r = {.model = &kcell, .morph = Y_CELL, .nseg = 3};
    dq_error_t err = {0};
    dq_system_t *sys = run_new(&r, &err);
    ck_assert_ptr_nonnull(sys);
    /* exp_euler: backward_euler and implicit_euler take cable models in mass-matrix form. */
    ck_assert_int_eq(dq_system_set_solver(sys, dq_registry_lookup(reg, "exp_euler", NULL), &err),
                     DQ_OK);
    ck_assert_int_eq(dq_system_prepare(sys, 0, 0.025, &err), DQ_OK);
    ck_assert_int_eq(dq_system_step(sys, &err), DQ_EUSAGE);
    ck_assert_msg(strstr(err.message, "uses dense Jacobians") &&
                      strstr(err.message, "on cable models use a cable solver"),
                  "%s", err.message);
    dq_system_free(sys);
}
END_TEST

/* ---- names, locations, errors ---------------------------------------------------------- */

START_TEST(test_state_names_and_locations)
{
    run_t r = {.model = &kcell, .morph = Y_CELL, .nseg = 3};
    dq_error_t err = {0};
    dq_system_t *sys = run_new(&r, &err);
    ck_assert_msg(sys != NULL, "%s", err.message);
    const dq_morph_cable_t *mc = dq_system_cable(sys);
    /* soma 3 segments, its x = 1 junction, dend 3, apic 3. */
    ck_assert_uint_eq(mc->n, 10);
    ck_assert_uint_eq(dq_system_state_count(sys), 13);
    ck_assert_str_eq(dq_system_state_name(sys, 0), "V[0]");
    ck_assert_str_eq(dq_system_state_name(sys, 10), "n[0]");
    ck_assert_str_eq(dq_system_state_name(sys, 12), "n[2]");
    ck_assert_int_eq(dq_system_cable_locate(sys, "soma(0.5)", &err), 1);
    ck_assert_int_eq(dq_system_cable_locate(sys, "soma", &err), 1);
    ck_assert_int_eq(dq_system_cable_locate(sys, "soma(1)", &err), 3);
    ck_assert_int_eq(dq_system_cable_locate(sys, "dend(0)", &err), 3);
    ck_assert_int_eq(dq_system_cable_locate(sys, "dend(1)", &err), 6);
    ck_assert_int_eq(dq_system_cable_locate(sys, "7", &err), 7);
    ck_assert_int_eq(dq_system_state_index(sys, "V"), 1);
    ck_assert_int_eq(dq_system_state_index(sys, "V[5]"), 5);
    ck_assert_int_eq(dq_system_state_index(sys, "V@apic(0.9)"), 9);
    ck_assert_int_eq(dq_system_state_index(sys, "n@soma(0.9)"), 12);
    ck_assert_int_eq(dq_system_state_index(sys, "n"), 11);
    ck_assert_int_eq(dq_system_state_index(sys, "n@dend(0.5)"), -1);
    ck_assert_int_eq(dq_system_state_index(sys, "V@nowhere"), -1);

    ck_assert_int_eq(dq_system_cable_locate(sys, "dnd(0.5)", &err), -1);
    ck_assert_int_eq(err.code, DQ_EINVAL);
    ck_assert_msg(strstr(err.message, "'dnd(0.5)'") && strstr(err.message, "Did you mean 'dend'"),
                  "%s", err.message);
    err = (dq_error_t){0};
    ck_assert_int_eq(dq_system_cable_locate(sys, "soma(1.5)", &err), -1);
    ck_assert_msg(strstr(err.message, "x must be in [0, 1]"), "%s", err.message);
    err = (dq_error_t){0};
    ck_assert_int_eq(dq_system_cable_locate(sys, "10", &err), -1);
    ck_assert_msg(strstr(err.message, "no compartment 10"), "%s", err.message);
    dq_system_free(sys);
}
END_TEST

START_TEST(test_point_system_of_a_cable_model_is_refused)
{
    dq_error_t err = {0};
    ck_assert_ptr_null(dq_system_new(&kcell, NULL, 0, &err));
    ck_assert_int_eq(err.code, DQ_EINVAL);
    ck_assert_msg(strstr(err.message, "model 'cell' is a cable model: it needs a morphology"), "%s",
                  err.message);
}
END_TEST

START_TEST(test_bad_stimuli_are_refused)
{
    const dq_cable_stim_t bad[] = {
        {"soma", 0, -1, 0.1}, {"soma", 0, 1, NAN}, {"sma(0.5)", 0, 1, 0.1}, {"soma(2)", 0, 1, 0.1}};
    const char *want[] = {"dur must be >= 0", "must be finite", "Did you mean 'soma'",
                          "x must be in [0, 1]"};
    for (int i = 0; i < 4; ++i) {
        run_t r = {.model = &kcell, .morph = Y_CELL, .stim = &bad[i], .n_stim = 1};
        dq_error_t err = {0};
        ck_assert_ptr_null(run_new(&r, &err));
        ck_assert_int_eq(err.code, DQ_EINVAL);
        ck_assert_msg(strstr(err.message, want[i]), "%d: %s", i, err.message);
    }
}
END_TEST

/* Descriptors the validator refuses, each with the message naming what is wrong. */
typedef struct pu {
    double n;
    const double *g;
} pu_t;

static const dq_param_desc_t pu_params[] = {
    {"n", 1, NULL, "cells", DQ_PARAM_POPULATION, offsetof(pu_t, n)},
    {"g", 0.1, NULL, "per unit", DQ_PARAM_PER_UNIT, offsetof(pu_t, g)}};
DQ_MODEL(pu_cell, .name = "pu", .params = pu_params, .n_params = 2,
         .modules = (const dq_module_desc_t *const[]){&root_mod, &pas_mod, NULL},
         .data_size = sizeof(pu_t), .cable = &tcable);
DQ_MODULE(nocur_mod, .name = "leak", .parent = 0, .reads = DQ_READS("V"));
DQ_MODEL(nocur_cell, .name = "nocur", .params = tparams, .n_params = 1,
         .modules = (const dq_module_desc_t *const[]){&root_mod, &nocur_mod, NULL},
         .data_size = sizeof(tcell_t), .cable = &tcable);
static int root_deriv(const dq_view_t *v)
{
    (void)v;
    return DQ_OK;
}
DQ_MODULE(rootd_mod, .name = "", .parent = -1, .states = root_states, .n_states = 1,
          .compute_derivative = root_deriv);
DQ_MODEL(rootd_cell, .name = "rootd", .params = tparams, .n_params = 1,
         .modules = (const dq_module_desc_t *const[]){&rootd_mod, &pas_mod, NULL},
         .data_size = sizeof(tcell_t), .cable = &tcable);
DQ_MODEL(point_cur, .name = "pointcur", .params = tparams, .n_params = 1,
         .modules = (const dq_module_desc_t *const[]){&rootd_mod, &pas_mod, NULL},
         .data_size = sizeof(tcell_t));
static const dq_state_desc_t u_states[] = {{"U", "mV", "not V", 0}};
DQ_MODULE(rootu_mod, .name = "", .parent = -1, .states = u_states, .n_states = 1);
DQ_MODULE(pasu_mod, .name = "pas", .parent = 0, .reads = DQ_READS("U"), .current = pas_current);
DQ_MODEL(rootu_cell, .name = "rootu", .params = tparams, .n_params = 1,
         .modules = (const dq_module_desc_t *const[]){&rootu_mod, &pasu_mod, NULL},
         .data_size = sizeof(tcell_t), .cable = &tcable);

START_TEST(test_validator_refuses_malformed_cable_models)
{
    const dq_model_desc_t *bad[] = {&pu_cell, &nocur_cell, &rootd_cell, &point_cur, &rootu_cell};
    const char *want[] = {"parameter 'g' is DQ_PARAM_PER_UNIT",
                          "module 'leak' is a mechanism and needs a `current`",
                          "root module has a compute_derivative",
                          "module 'pas' has a `current`, which only a cable model's",
                          "root module must declare exactly one state, \"V\""};
    for (int i = 0; i < 5; ++i) {
        dq_error_t err = {0};
        int rc = dq_registry_register_model(reg, bad[i], NULL, &err);
        ck_assert_int_eq(rc, DQ_EDESC);
        ck_assert_msg(strstr(err.message, want[i]) && strstr(err.message, bad[i]->name), "%d: %s",
                      i, err.message);
    }
    dq_error_t err = {0};
    ck_assert_int_eq(dq_registry_register_model(reg, &kcell, NULL, &err), DQ_OK);
}
END_TEST

/* ---- bits independent of population, blocks and threads -------------------------------- */

START_TEST(test_each_cell_of_a_population_has_a_single_cells_bits)
{
    dq_cable_stim_t st = {"soma", 0.5, 3, 0.3};
    run_t one = {.model = &kcell,
                 .morph = Y_CELL,
                 .nseg = 3,
                 .dt = 0.0005,
                 .t_end = 4,
                 .stim = &st,
                 .n_stim = 1,
                 .gk = 36};
    run_t three = one, many = one;
    three.cells = 3;
    many.cells = 21;
    many.threads = 2;
    many.block = 8;
    dq_system_t *a = run_to_end(&one), *b = run_to_end(&three), *c = run_to_end(&many);
    size_t ns = dq_system_state_count(a);
    for (size_t s = 0; s < ns; ++s) {
        double v = dq_system_value(a, s, 0);
        for (size_t u = 0; u < 3; ++u)
            ck_assert_msg(memcmp(&v, &(double){dq_system_value(b, s, u)}, sizeof v) == 0,
                          "state %zu unit %zu", s, u);
        for (size_t u = 0; u < 21; ++u)
            ck_assert_msg(memcmp(&v, &(double){dq_system_value(c, s, u)}, sizeof v) == 0,
                          "threads: state %zu unit %zu", s, u);
    }
    ck_assert_uint_eq(dq_system_threads(c), 2);
    dq_system_free(a);
    dq_system_free(b);
    dq_system_free(c);
}
END_TEST

Suite *cable_suite(void)
{
    Suite *s = suite_create("cable");
    TCase *tc = tcase_create("cable");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_passive_cable_steady_state_is_second_order);
    tcase_add_test(tc, test_isopotential_cell_relaxes_with_the_membrane_time_constant);
    tcase_add_test(tc, test_junction_voltage_is_the_weighted_mean_of_its_neighbours);
    tcase_add_test(tc, test_adaptive_runs_and_root_events_work_on_a_cable);
    tcase_add_test(tc, test_host_calls_agree_with_direct_evaluation_and_a_dense_solve);
    tcase_add_test(tc, test_host_calls_on_a_point_model_are_usage_errors);
    tcase_add_test(tc, test_dense_jacobian_is_refused_on_a_cable_model);
    tcase_add_test(tc, test_state_names_and_locations);
    tcase_add_test(tc, test_point_system_of_a_cable_model_is_refused);
    tcase_add_test(tc, test_bad_stimuli_are_refused);
    tcase_add_test(tc, test_validator_refuses_malformed_cable_models);
    tcase_add_test(tc, test_each_cell_of_a_population_has_a_single_cells_bits);
    suite_add_tcase(s, tc);
    return s;
}
