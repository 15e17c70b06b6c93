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

#include "test_alloc.h"

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
    /* the explicit form's f, and the mass-matrix form's F at y with the junctions set to
     * their constraint (ys) */
    double fx[4096], fm[4096], ys[4096], im2[4096];
    double fdd[4096], yp[4096], fp[4096]; /* the diagonal by differences of the explicit f */
    double ylast[4096];                   /* the stored state after the last (Euler) step */
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
        memcpy(probe.fx, ctx->f, ctx->len * sizeof *ctx->f);
        const dq_cable_t *cb = probe.cb;
        if (cb) {
            const size_t U = ctx->units;
            memcpy(probe.ys, ctx->y, ctx->len * sizeof *ctx->y);
            for (size_t j = 0; j < cb->n; ++j) {
                if (cb->cap[j] != 0.0)
                    continue;
                /* V_j = (sum g V_k + I_stim,j) / sum g; i_j = -I_stim,j at a junction. */
                double num = -probe.im[j * U];
                for (size_t c = 0; c < cb->n; ++c) {
                    if (cb->parent[c] == (long)j)
                        num += cb->g[c] * ctx->y[c * U];
                    if ((long)c == cb->parent[j])
                        num += cb->g[j] * ctx->y[c * U];
                }
                for (size_t u = 0; u < U; ++u)
                    probe.ys[j * U + u] = num / cb->g_sum[j];
            }
            memcpy(probe.yp, ctx->y, ctx->len * sizeof *ctx->y);
            for (size_t c = 0; c < ctx->comps; ++c) {
                const double h = 1e-6;
                for (size_t u = 0; u < U; ++u)
                    probe.yp[c * U + u] += h;
                dq_compute_derivative(ctx, t, probe.yp, probe.fp);
                for (size_t u = 0; u < U; ++u) {
                    probe.yp[c * U + u] = ctx->y[c * U + u];
                    probe.fdd[c * U + u] = (probe.fp[c * U + u] - probe.fx[c * U + u]) / h;
                }
            }
            dq_cable_membrane(ctx, t, probe.ys, probe.im2, NULL);
            dq_cable_axial(cb, U, probe.ys, probe.fm, 0);
            for (size_t k = 0; k < cb->n * U; ++k)
                probe.fm[k] -= probe.im2[k];
        }
    }
    /* Then an explicit Euler step, the stored state kept for the tests. */
    int rc = dq_compute_derivative(ctx, ctx->t, ctx->y, ctx->f);
    if (rc)
        return rc;
    for (size_t k = 0; k < ctx->len; ++k)
        ctx->y[k] += ctx->dt * ctx->f[k];
    if (ctx->unit0 == 0 && ctx->len <= 4096)
        memcpy(probe.ylast, ctx->y, ctx->len * sizeof *ctx->y);
    return DQ_OK;
}

DQ_INTEGRATOR(probe_desc, .name = "test_probe", .category = DQ_CATEGORY_EXPLICIT, .order = 1,
              .description = "records the cable host calls", .step = probe_step,
              .flags = DQ_CAP_JACOBIAN);

/* A solver that asks for the dense Jacobian, as a Newton method on point models does. */
static int dense_step(dq_ctx_t *ctx)
{
    int rc = dq_compute_derivative(ctx, ctx->t, ctx->y, ctx->f);
    return rc ? rc : dq_jacobian(ctx, ctx->t, ctx->y, ctx->f, dq_scratch(ctx, 0));
}

static size_t dense_scratch(size_t comps, size_t units)
{
    return comps * comps * units;
}

DQ_INTEGRATOR(dense_desc, .name = "test_dense", .category = DQ_CATEGORY_IMPLICIT, .order = 1,
              .description = "asks for dq_jacobian", .step = dense_step,
              .scratch_size = dense_scratch, .flags = DQ_CAP_JACOBIAN);

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
    ck_assert_int_eq(dq_registry_register(reg, &dense_desc, NULL, &err), DQ_OK);
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
    /* 100 steps, each one membrane pass and one coupling pass. */
    dq_step_stats_t stats;
    ck_assert_int_eq(dq_system_unit_stats(sys, 0, &stats), DQ_OK);
    ck_assert_uint_eq(stats.accepted, 100);
    ck_assert_uint_eq(stats.evaluations, 100);
    ck_assert_uint_eq(stats.jacobians, 100);
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
    /* Stored values of an explicit (Euler) run: the junction's derivative keeps it on its
     * constraint step after step. */
    dq_cable_stim_t st = {"soma", 0.5, 3, 0.2};
    run_t r = {.model = &kcell,
               .morph = Y_CELL,
               .nseg = 3,
               .solver = "test_probe",
               .dt = 0.0002,
               .t_end = 3,
               .stim = &st,
               .n_stim = 1,
               .gk = 36};
    dq_system_t *sys = run_to_end(&r);
    const dq_morph_cable_t *mc = dq_system_cable(sys);
    const size_t U = probe.units;
    size_t junctions = 0;
    for (size_t j = 0; j < mc->n; ++j) {
        if (!mc->junction[j])
            continue;
        double num = 0, den = 0;
        for (size_t c = 0; c < mc->n; ++c)
            if ((long)j == mc->parent[c] || (long)c == mc->parent[j]) {
                size_t a = (long)j == mc->parent[c] ? c : j;
                num += mc->g_axial[a] * probe.ylast[c * U];
                den += mc->g_axial[a];
            }
        const double vj = probe.ylast[j * U];
        ck_assert_msg(fabs(vj - num / den) <= 1e-12 * fabs(vj), "junction %zu: %.17g vs %.17g", j,
                      vj, num / den);
        ck_assert_double_eq(dq_system_value(sys, j, 0), num / den);
        junctions++;
    }
    ck_assert_uint_eq(junctions, 1);
    /* The stimulus moved the cell: the soma is well above rest. */
    ck_assert_double_gt(probe.ylast[(size_t)dq_system_state_index(sys, "V") * U], -60);
    dq_system_free(sys);
}
END_TEST

/* An error-controlled solver (lanes at their own times) agrees with a fine rk4, and the root
 * module's event sees the soma: the depolarised soma crosses -55 mV once, in both runs. */
START_TEST(test_adaptive_runs_and_root_events_work_on_a_cable)
{
    dq_cable_stim_t st = {"soma", 0.5, 20, 1.0};
    run_t fine = {.model = &kcell,
                  .morph = Y_CELL,
                  .nseg = 3,
                  .dt = 0.0005,
                  .t_end = 5,
                  .stim = &st,
                  .n_stim = 1,
                  .gk = 36,
                  .cells = 3};
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
    /* Per-lane steps: a cell's bits do not depend on its block or thread either. */
    run_t ad2 = ad;
    ad2.cells = 21;
    ad2.threads = 2;
    ad2.block = 8;
    dq_system_t *c = run_to_end(&ad2);
    for (size_t s = 0; s < dq_system_state_count(b); ++s)
        for (size_t u = 0; u < 21; ++u)
            ck_assert_msg(dq_system_value(c, s, u) == dq_system_value(b, s, 0),
                          "state %zu unit %zu", s, u);
    dq_system_free(c);
    ck_assert_uint_eq(dq_system_event_count(a), 1);
    for (size_t u = 0; u < 3; ++u) {
        ck_assert_uint_eq(dq_system_event_fired(a, 0, u), 1);
        ck_assert_uint_eq(dq_system_event_fired(b, 0, u), 1);
    }
    dq_system_free(a);
    dq_system_free(b);
}
END_TEST

/* One step of test_probe on the Y cell with a clamp of amp nA at `at`, from v_init. */
static dq_system_t *probe_run_on(const char *morph, const char *at, double amp, double v_init)
{
    dq_cable_stim_t st = {at, 0, 10, amp};
    run_t r = {.model = &kcell,
               .morph = morph,
               .nseg = 3,
               .solver = "test_probe",
               .dt = 0.01,
               .t_end = 0.01,
               .stim = &st,
               .n_stim = 1,
               .gk = 36,
               .v_init = v_init};
    return run_to_end(&r);
}

static dq_system_t *probe_run(const char *at, double amp, double v_init)
{
    return probe_run_on(Y_CELL, at, amp, v_init);
}

/* ---- host calls ------------------------------------------------------------------------ */

START_TEST(test_host_calls_agree_with_direct_evaluation_and_a_dense_solve)
{
    dq_system_t *sys = probe_run("dend(0.5)", 0.3, -55);
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

/* With a clamp at the junction itself: the explicit form is the mass-matrix form with the
 * junction at its constraint (stimulus included), and the junction's derivative is the
 * weighted mean of its neighbours'. */
/* A basal dendrite at soma(0) (the root junction), a trunk at soma(1), two tufts at the
 * trunk's end and an oblique at its middle: three junctions. */
#define BRANCHY_CELL                                                                               \
    "{\"soma\": {\"length\": 30, \"diameter\": 12}, \"cylinders\": ["                              \
    "{\"name\": \"basal\", \"length\": 120, \"diameter\": 1.5, \"x\": 0},"                         \
    "{\"name\": \"trunk\", \"length\": 200, \"diameter\": 3, \"region\": \"apical\"},"             \
    "{\"name\": \"tuft1\", \"length\": 90, \"diameter\": 1, \"parent\": \"trunk\"},"               \
    "{\"name\": \"tuft2\", \"length\": 110, \"diameter\": 1.2, \"parent\": \"trunk\"},"            \
    "{\"name\": \"obl\", \"length\": 60, \"diameter\": 0.8, \"parent\": \"trunk\", \"x\": 0.5}]}"

/* The probe's explicit f against the mass-matrix form with every junction at its constraint
 * (its clamp included), the junctions' derivatives the weighted mean of their neighbours',
 * the diagonal against differences. Returns how many junctions there were. */
static size_t check_explicit_form(const dq_cable_t *cb)
{
    const size_t U = probe.units;
    size_t junctions = 0;
    for (size_t c = 0; c < cb->n; ++c) {
        if (cb->cap[c] != 0) {
            const double want = probe.fm[c * U] / cb->cap[c];
            ck_assert_msg(fabs(probe.fx[c * U] - want) <= 1e-12 * (fabs(want) + 1),
                          "V[%zu]: explicit %.17g, mass form %.17g", c, probe.fx[c * U], want);
            continue;
        }
        double num = 0;
        for (size_t k = 0; k < cb->n; ++k) {
            if (cb->parent[k] == (long)c)
                num += cb->g[k] * probe.fx[k * U];
            if ((long)k == cb->parent[c])
                num += cb->g[c] * probe.fx[k * U];
        }
        ck_assert_double_eq_tol(probe.fx[c * U], num / cb->g_sum[c],
                                1e-12 * fabs(num / cb->g_sum[c]) + 1e-300);
        ck_assert_double_eq(probe.dd[c * U], 0);
        junctions++;
    }
    for (size_t k = 0; k < cb->n + cb->n_gates; ++k)
        ck_assert_msg(fabs(probe.dd[k * U] - probe.fdd[k * U]) <=
                          1e-5 * (fabs(probe.fdd[k * U]) + 1),
                      "diag[%zu] %.10g vs differences %.10g", k, probe.dd[k * U], probe.fdd[k * U]);
    return junctions;
}

START_TEST(test_explicit_form_is_the_mass_matrix_form_with_junctions_eliminated)
{
    dq_system_t *sys = probe_run("soma(1)", 0.4, -58);
    const dq_cable_t *cb = probe.cb;
    const size_t U = probe.units;
    ck_assert_int_eq(dq_system_cable_locate(sys, "soma(1)", NULL), 3);
    ck_assert_double_eq(cb->cap[3], 0);
    /* The clamp is seen at the junction: V_j moves by I/sum g. */
    ck_assert_double_eq_tol(probe.ys[3 * U] - probe.y[3 * U], 0.4 / cb->g_sum[3], 1e-12);
    ck_assert_uint_eq(check_explicit_form(cb), 1);
    dq_system_free(sys);

    memset(&probe, 0, sizeof probe);
    sys = probe_run_on(BRANCHY_CELL, "trunk(1)", 0.3, -61);
    cb = probe.cb;
    ck_assert_uint_eq(check_explicit_form(cb), 3);
    const long j = dq_system_cable_locate(sys, "trunk(1)", NULL);
    ck_assert_double_eq(cb->cap[j], 0);
    ck_assert_double_eq_tol(probe.ys[(size_t)j * U] - probe.y[(size_t)j * U], 0.3 / cb->g_sum[j],
                            1e-12);
    dq_system_free(sys);
}
END_TEST

/* IClamp semantics at t = 0: on for delay <= t < delay + dur; clamps on one compartment add. */
START_TEST(test_stimuli_add_and_are_on_from_delay_to_delay_plus_dur)
{
    const dq_cable_stim_t st[] = {{"dend(0.4)", 0, 1, 0.1},     /* on */
                                  {"dend(0.5)", 0, 1, 0.2},     /* on, same compartment */
                                  {"dend(0.45)", 0, 0, 1.0},    /* dur 0: never on */
                                  {"dend(0.5)", 0.001, 1, 2.0}, /* not yet */
                                  {"dend(0.5)", -2, 2, 4.0}};   /* over at t = 0 */
    run_t r = {.model = &pcell,
               .morph = Y_CELL,
               .nseg = 3,
               .solver = "test_probe",
               .dt = 0.01,
               .t_end = 0.01,
               .stim = st,
               .n_stim = 5};
    dq_system_t *sys = run_to_end(&r);
    const dq_morph_cable_t *mc = dq_system_cable(sys);
    const long c = dq_system_cable_locate(sys, "dend(0.5)", NULL);
    const size_t U = probe.units;
    ck_assert_int_eq(c, dq_system_cable_locate(sys, "dend(0.4)", NULL));
    for (size_t k = 0; k < mc->n; ++k) {
        /* At rest (V = e_pas) the membrane current is the clamps' alone. */
        const double want = (long)k == c ? -0.3 : 0.0;
        ck_assert_msg(fabs(probe.im[k * U] - want) <= 1e-15, "i[%zu] = %.17g", k, probe.im[k * U]);
    }
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
    ck_assert_int_eq(dq_system_set_solver(sys, dq_registry_lookup(reg, "test_dense", NULL), &err),
                     DQ_OK);
    ck_assert_int_eq(dq_system_prepare(sys, 0, 0.025, &err), DQ_OK);
    ck_assert_int_eq(dq_system_step(sys, &err), DQ_EUSAGE);
    ck_assert_msg(strstr(err.message, "uses dense Jacobians") &&
                      strstr(err.message, "on cable models use a cable solver"),
                  "%s", err.message);
    dq_system_free(sys);
}
END_TEST

/* The step loop allocates nothing: derivatives, diagonals, the four cable host calls and
 * events run in scratch sized at prepare. */
START_TEST(test_cable_steps_allocate_nothing)
{
    const char *solvers[] = {"rk4", "ind_exp_euler", "test_be", "dopri5"};
    for (int i = 0; i < 4; ++i) {
        dq_cable_stim_t st = {"soma", 0.1, 1, 0.5};
        run_t r = {.model = &kcell,
                   .morph = Y_CELL,
                   .nseg = 3,
                   .stim = &st,
                   .n_stim = 1,
                   .gk = 36,
                   .cells = 11};
        dq_error_t err = {0};
        dq_system_t *sys = run_new(&r, &err);
        ck_assert_msg(sys != NULL, "%s", err.message);
        ck_assert_int_eq(dq_system_set_solver(sys, dq_registry_lookup(reg, solvers[i], NULL), &err),
                         DQ_OK);
        ck_assert_int_eq(dq_system_set_threads(sys, 2, &err), DQ_OK);
        ck_assert_int_eq(dq_system_set_block_units(sys, 8, &err), DQ_OK);
        ck_assert_int_eq(dq_system_prepare(sys, 0, 0.0005, &err), DQ_OK);
        ck_assert_int_eq(dq_system_run(sys, 10, &err), DQ_OK);
        /* No Check assertion between the counts: Check allocates to record locations. */
        long before = allocs;
        int rc = dq_system_run(sys, 400, &err);
        long during = allocs - before;
        ck_assert_msg(rc == DQ_OK, "%s", err.message);
        if (DQ_TEST_COUNT_ALLOCS)
            ck_assert_msg(during == 0, "%s: %ld allocations in 400 steps", solvers[i], during);
        dq_system_free(sys);
    }
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
    for (size_t k = 0; k < dq_system_state_count(sys); ++k)
        ck_assert_int_eq(dq_system_state_index(sys, dq_system_state_name(sys, k)), (long)k);
    ck_assert_int_eq(dq_system_state_index(sys, "V[07]"), -1);
    ck_assert_int_eq(dq_system_state_index(sys, "V[10]"), -1);
    ck_assert_int_eq(dq_system_state_index(sys, "V[]"), -1);
    ck_assert_int_eq(dq_system_state_index(sys, "n[4]"), -1);
    ck_assert_int_eq(dq_system_state_index(sys, "m[0]"), -1);
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

/* A mechanism reading another's state: the reader must be present only where the other is. */
static int nread_current(const dq_view_t *v)
{
    for (size_t i = 0; i < v->units; ++i)
        v->current[i] += v->value[0][i]; /* n, from kdr */
    return DQ_OK;
}
DQ_MODULE(nread_everywhere, .name = "nread", .parent = 0, .reads = DQ_READS("n"),
          .current = nread_current);
DQ_MODULE(nread_soma, .name = "nread", .parent = 0, .reads = DQ_READS("n"),
          .regions = DQ_REGION_SOMA, .current = nread_current);
DQ_MODEL(nread_bad, .name = "nread_bad", .params = tparams, .n_params = DQ_COUNT(tparams),
         .modules = (const dq_module_desc_t *const[]){&root_mod, &k_mod, &nread_everywhere, NULL},
         .data_size = sizeof(tcell_t), .cable = &tcable);
DQ_MODEL(nread_ok, .name = "nread_ok", .params = tparams, .n_params = DQ_COUNT(tparams),
         .modules = (const dq_module_desc_t *const[]){&root_mod, &k_mod, &nread_soma, NULL},
         .data_size = sizeof(tcell_t), .cable = &tcable);

START_TEST(test_a_mechanism_reads_another_only_where_it_is_present)
{
    run_t r = {.model = &nread_bad, .morph = Y_CELL, .nseg = 3};
    dq_error_t err = {0};
    ck_assert_ptr_null(run_new(&r, &err));
    ck_assert_msg(strstr(err.message, "mechanism 'nread' reads 'n' of mechanism 'kdr', which is "
                                      "not present at compartment 4 (section 'dend')"),
                  "%s", err.message);
    /* Present where kdr is: membrane current = 1e-5 area (gk n^4 (V - ek) + n). */
    r.model = &nread_ok;
    r.solver = "test_probe";
    r.dt = r.t_end = 0.01;
    r.gk = 36;
    dq_system_t *sys = run_to_end(&r);
    const dq_cable_t *cb = probe.cb;
    const dq_morph_cable_t *mc = dq_system_cable(sys);
    const size_t U = probe.units;
    for (size_t k = 0; k < cb->n_gates; ++k) {
        const size_t c = cb->gate_comp[k];
        const double n = probe.y[(cb->n + k) * U], V = probe.y[c * U];
        const double want = 1e-5 * mc->area[c] * (36 * n * n * n * n * (V + 77) + n);
        ck_assert_double_eq_tol(probe.im[c * U], want, 1e-12 * fabs(want));
    }
    dq_system_free(sys);
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

DQ_MODULE(rooti_mod, .name = "", .parent = -1, .states = root_states, .n_states = 1,
          .init_state = k_init);
DQ_MODEL(rooti_cell, .name = "rooti", .params = tparams, .n_params = 1,
         .modules = (const dq_module_desc_t *const[]){&rooti_mod, &pas_mod, NULL},
         .data_size = sizeof(tcell_t), .cable = &tcable);

START_TEST(test_validator_refuses_malformed_cable_models)
{
    const dq_model_desc_t *bad[] = {&pu_cell,   &nocur_cell, &rootd_cell,
                                    &point_cur, &rootu_cell, &rooti_cell};
    const char *want[] = {"parameter 'g' is DQ_PARAM_PER_UNIT",
                          "module 'leak' is a mechanism and needs a `current`",
                          "root module has a compute_derivative",
                          "module 'pas' has a `current`, which only a cable model's",
                          "root module must declare exactly one state, \"V\"",
                          "root module has an init_state"};
    for (int i = 0; i < 6; ++i) {
        dq_error_t err = {0};
        int rc = dq_registry_register_model(reg, bad[i], NULL, &err);
        ck_assert_int_eq(rc, DQ_EDESC);
        ck_assert_msg(strstr(err.message, want[i]) && strstr(err.message, bad[i]->name), "%d: %s",
                      i, err.message);
    }
    dq_error_t err = {0};
    ck_assert_int_eq(dq_registry_register_model(reg, &pcell, NULL, &err), DQ_OK);
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
    tcase_add_test(tc, test_explicit_form_is_the_mass_matrix_form_with_junctions_eliminated);
    tcase_add_test(tc, test_stimuli_add_and_are_on_from_delay_to_delay_plus_dur);
    tcase_add_test(tc, test_host_calls_on_a_point_model_are_usage_errors);
    tcase_add_test(tc, test_dense_jacobian_is_refused_on_a_cable_model);
    tcase_add_test(tc, test_cable_steps_allocate_nothing);
    tcase_add_test(tc, test_state_names_and_locations);
    tcase_add_test(tc, test_point_system_of_a_cable_model_is_refused);
    tcase_add_test(tc, test_bad_stimuli_are_refused);
    tcase_add_test(tc, test_a_mechanism_reads_another_only_where_it_is_present);
    tcase_add_test(tc, test_validator_refuses_malformed_cable_models);
    tcase_add_test(tc, test_each_cell_of_a_population_has_a_single_cells_bits);
    suite_add_tcase(s, tc);
    return s;
}
