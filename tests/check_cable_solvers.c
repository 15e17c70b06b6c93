/* SPDX-License-Identifier: MIT */
/* check_cable_solvers.c -- the cable solvers (category "cable", and the cable branches of
 * backward_euler and implicit_euler) on small cells built in this file:
 *  - `tcell`: NEURON's hh (hh_eq.h's rates, NEURON's parameters) in the soma, pas elsewhere;
 *  - `tpas`: pas everywhere (a passive cable, linear).
 * Each solver case of CASES below is run through the same checks: its convergence order on
 * tcell (soma V at 5 ms against the same solver at dt/256), the steady state of a passive
 * cable against the analytic cosh attenuation, and (when it has one) its step on a passive
 * cable against a dense LU backward Euler written out here. Add a solver by adding a row. */
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

#include "hh_eq.h"

/* ---- the solver cases ------------------------------------------------------------------ */

typedef struct cable_case {
    const char *solver;
    const char *option; /* a solver option set to `value`, or NULL */
    double value;
    double order; /* the order the case must show on tcell, within ORDER_TOL */
    /* The stimulus time of its voltage step as a fraction of the step (0: t, 0.5: the
     * midpoint, 1: t + dt) when its step on a passive cable is backward Euler exactly;
     * -1 when it is not (Crank-Nicolson, splitting). */
    double be_theta;
} cable_case_t;

static const cable_case_t CASES[] = {
    {"staggered", NULL, 0, 1, 0.5},    {"staggered", "cn", 1, 2, -1},
    {"stagger", NULL, 0, 1, 0.5}, /* the alias */
    {"dhs_voltage", NULL, 0, 1, 1},    {"splitting", NULL, 0, 1, -1},
    {"splitting", "strang", 1, 2, -1}, {"backward_euler", NULL, 0, 1, 0},
    {"implicit_euler", NULL, 0, 1, 1},
};
#define N_CASES ((int)DQ_COUNT(CASES))
#define ORDER_TOL 0.3

static const char *case_name(const cable_case_t *c, char *buf, size_t size)
{
    if (c->option)
        snprintf(buf, size, "%s %s=%g", c->solver, c->option, c->value);
    else
        snprintf(buf, size, "%s", c->solver);
    return buf;
}

/* ---- the models ------------------------------------------------------------------------- */

typedef struct tcell {
    hh_params_t hh;
    double g_pas, e_pas, n;
} tcell_t;

enum { G_M, G_H, G_N, G_V };

static int hh_init(const dq_view_t *v)
{
    for (size_t i = 0; i < v->units; ++i) {
        double am, bm, ah, bh, an, bn;
        hh_rates(v->value[G_V][i], &am, &bm, &ah, &bh, &an, &bn);
        v->value[G_M][i] = am / (am + bm);
        v->value[G_H][i] = ah / (ah + bh);
        v->value[G_N][i] = an / (an + bn);
    }
    return DQ_OK;
}

static void hh_gates(const dq_view_t *v, double *const *jd)
{
    for (size_t i = 0; i < v->units; ++i) {
        double am, bm, ah, bh, an, bn;
        hh_rates(v->value[G_V][i], &am, &bm, &ah, &bh, &an, &bn);
        v->derivative[G_M][i] = hh_gate(am, bm, v->value[G_M][i]);
        v->derivative[G_H][i] = hh_gate(ah, bh, v->value[G_H][i]);
        v->derivative[G_N][i] = hh_gate(an, bn, v->value[G_N][i]);
        if (jd) {
            jd[G_M][i] = hh_gate_dx(am, bm);
            jd[G_H][i] = hh_gate_dx(ah, bh);
            jd[G_N][i] = hh_gate_dx(an, bn);
        }
    }
}

static int hh_derivative(const dq_view_t *v)
{
    hh_gates(v, NULL);
    return DQ_OK;
}

static int hh_derivative_diag(const dq_view_t *v)
{
    hh_gates(v, v->jacobian_diag);
    return DQ_OK;
}

static int hh_current(const dq_view_t *v)
{
    const tcell_t *d = v->data;
    for (size_t i = 0; i < v->units; ++i) {
        const double V = v->value[G_V][i],
                     gna = hh_g_na(&d->hh, v->value[G_M][i], v->value[G_H][i]);
        const double gk = hh_g_k(&d->hh, v->value[G_N][i]);
        v->current[i] += gna * (V - d->hh.ENa) + gk * (V - d->hh.EK) + d->hh.gL * (V - d->hh.EL);
        v->conductance[i] += gna + gk + d->hh.gL;
    }
    return DQ_OK;
}

static int pas_current(const dq_view_t *v)
{
    const tcell_t *d = v->data;
    for (size_t i = 0; i < v->units; ++i) {
        v->current[i] += d->g_pas * (v->value[0][i] - d->e_pas);
        v->conductance[i] += d->g_pas;
    }
    return DQ_OK;
}

static const dq_state_desc_t root_states[] = {{.name = "V", .unit = "mV"}};
static const dq_state_desc_t hh_states[] = {{.name = "m"}, {.name = "h"}, {.name = "n"}};

DQ_MODULE(t_root, .name = "cell", .parent = -1, .states = root_states, .n_states = 1);
DQ_MODULE(t_hh, .name = "hh", .parent = 0, .states = hh_states, .n_states = 3,
          .reads = DQ_READS("V"), .init_state = hh_init, .compute_derivative = hh_derivative,
          .compute_derivative_diag = hh_derivative_diag, .regions = DQ_REGION_SOMA,
          .current = hh_current);
DQ_MODULE(t_pas_else, .name = "pas", .parent = 0, .reads = DQ_READS("V"),
          .regions = ~(uint32_t)DQ_REGION_SOMA, .current = pas_current);
DQ_MODULE(t_pas_all, .name = "pas", .parent = 0, .reads = DQ_READS("V"), .current = pas_current);

static const dq_param_desc_t t_params[] = {
    {.name = "gnabar", .def = 120.0, .offset = offsetof(tcell_t, hh.gNa)},
    {.name = "gkbar", .def = 36.0, .offset = offsetof(tcell_t, hh.gK)},
    {.name = "gl", .def = 0.3, .offset = offsetof(tcell_t, hh.gL)},
    {.name = "ena", .def = 50.0, .offset = offsetof(tcell_t, hh.ENa)},
    {.name = "ek", .def = -77.0, .offset = offsetof(tcell_t, hh.EK)},
    {.name = "el", .def = -54.3, .offset = offsetof(tcell_t, hh.EL)},
    {.name = "g_pas", .def = 0.1, .offset = offsetof(tcell_t, g_pas)},
    {.name = "e_pas", .def = -65.0, .offset = offsetof(tcell_t, e_pas)},
    {.name = "n",
     .def = 1.0,
     .flags = DQ_PARAM_INTEGER | DQ_PARAM_POSITIVE | DQ_PARAM_POPULATION,
     .offset = offsetof(tcell_t, n)},
};

DQ_CABLE(t_cable, .cm = 1.0, .Ra = 35.4, .v_init = -65.0);

DQ_MODEL(tcell_desc, .name = "tcell", .params = t_params, .n_params = DQ_COUNT(t_params),
         .modules = DQ_LIST(dq_module_desc_t, &t_root, &t_hh, &t_pas_else),
         .data_size = sizeof(tcell_t), .time_unit = "ms", .cable = &t_cable);
DQ_MODEL(tpas_desc, .name = "tpas", .params = t_params, .n_params = DQ_COUNT(t_params),
         .modules = DQ_LIST(dq_module_desc_t, &t_root, &t_pas_all), .data_size = sizeof(tcell_t),
         .time_unit = "ms", .cable = &t_cable);

/* ---- systems ------------------------------------------------------------------------------ */

static dq_registry_t *reg;
static dq_loader_t *loader;

static void setup(void)
{
    dq_error_t err = {0};
    reg = dq_registry_new();
    loader = dq_loader_new(reg, &err);
    ck_assert_ptr_nonnull(loader);
    ck_assert_msg(dq_loader_load_dir(loader, DQ_TEST_PLUGIN_DIR, &err) == DQ_OK, "%s", err.message);
}

static void teardown(void)
{
    dq_registry_free(reg);
    dq_loader_free(loader);
}

/* A soma with two dendrites at its x = 1 end (a junction), 5 segments a section. */
static const char BRANCHED[] =
    "{\"soma\": {\"length\": 20, \"diameter\": 20},"
    " \"cylinders\": [{\"name\": \"dend\", \"length\": 200, \"diameter\": 2},"
    "                 {\"name\": \"apic\", \"length\": 300, \"diameter\": 1.5, \"region\": "
    "\"apical\"}]}";

/* A small soma and one long thin dendrite, 10 µm segments: a sealed-end cable. */
static const char CABLE[] =
    "{\"soma\": {\"length\": 10, \"diameter\": 10},"
    " \"cylinders\": [{\"name\": \"dend\", \"length\": 1000, \"diameter\": 1}]}";

typedef struct run {
    const dq_model_desc_t *model;
    const char *morph;
    dq_morph_discret_t discret;
    dq_cable_stim_t stim;
    size_t cells;
} run_t;

/* A prepared system of the case's solver on r at dt. */
static dq_system_t *run_new(const run_t *r, const cable_case_t *c, double dt)
{
    dq_error_t err = {0};
    dq_morph_t *m = dq_morph_parse_json(r->morph, strlen(r->morph), "test", &err);
    ck_assert_msg(m != NULL, "%s", err.message);
    dq_cable_opts_t o;
    dq_cable_opts_init(&o);
    o.discret = r->discret;
    o.stim = &r->stim;
    o.n_stim = 1;
    double nd = (double)r->cells;
    dq_param_arg_t args[] = {{"n", &nd, 1, NULL}};
    dq_system_t *sys = dq_system_new_cable(r->model, args, 1, m, &o, &err);
    dq_morph_free(m);
    ck_assert_msg(sys != NULL, "%s", err.message);
    const dq_integrator_entry_t *e = dq_registry_lookup(reg, c->solver, &err);
    ck_assert_msg(e != NULL, "%s", err.message);
    ck_assert_msg(dq_system_set_solver(sys, e, &err) == DQ_OK, "%s", err.message);
    if (c->option)
        ck_assert_msg(dq_system_set_solver_option(sys, c->option, c->value, &err) == DQ_OK, "%s",
                      err.message);
    ck_assert_msg(dq_system_prepare(sys, 0.0, dt, &err) == DQ_OK, "%s", err.message);
    return sys;
}

static void run_steps(dq_system_t *sys, uint64_t steps, const char *what)
{
    dq_error_t err = {0};
    ck_assert_msg(dq_system_run(sys, steps, &err) == DQ_OK, "%s: %s", what, err.message);
}

static double value_at(const dq_system_t *sys, const char *state, size_t unit)
{
    long k = dq_system_state_index(sys, state);
    ck_assert_msg(k >= 0, "no state '%s'", state);
    return dq_system_value(sys, (size_t)k, unit);
}

static uint64_t steps_for(double t, double dt)
{
    return (uint64_t)llround(t / dt);
}

/* ---- convergence order on tcell ------------------------------------------------------------ */

/* Soma V at 5 ms, a 1-3 ms current clamp of 0.3 nA at the soma (one spike), BRANCHED with
 * 5 segments a section; each dt divides the clamp's edges. */
static const run_t ORDER_RUN = {.model = &tcell_desc,
                                .morph = BRANCHED,
                                .discret = {.rule = DQ_MORPH_RULE_NSEG,
                                            .nseg = 5,
                                            .Ra = 35.4,
                                            .cm = 1.0,
                                            .d_lambda = 0.1,
                                            .freq = 100},
                                .stim = {.at = "soma(0.5)", .delay = 1.0, .dur = 2.0, .amp = 0.3},
                                .cells = 3};
#define ORDER_T 5.0

/* V of every compartment of cell 0 at ORDER_T into v (ORDER_MAX_N values) and the soma's
 * compartment; returns n. */
#define ORDER_MAX_N 64
static size_t cell_v(const cable_case_t *c, double dt, double *v, size_t *soma)
{
    dq_system_t *sys = run_new(&ORDER_RUN, c, dt);
    run_steps(sys, steps_for(ORDER_T, dt), c->solver);
    const size_t n = dq_system_cable(sys)->n;
    ck_assert_uint_le(n, ORDER_MAX_N);
    for (size_t k = 0; k < n; ++k) {
        char st[32];
        snprintf(st, sizeof st, "V[%zu]", k);
        v[k] = value_at(sys, st, 0);
        /* Every cell of the population is the same cell. */
        ck_assert_double_eq(value_at(sys, st, 2), v[k]);
    }
    *soma = (size_t)dq_system_cable_locate(sys, "soma(0.5)", NULL);
    ck_assert_double_eq(value_at(sys, "V", 0), v[*soma]);
    dq_system_free(sys);
    return n;
}

/* The least-squares slope of log(error) over log(dt). */
static double fit_order(const double *dt, const double *e, int n)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (int i = 0; i < n; ++i) {
        double x = log(dt[i]), y = log(e[i]);
        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
    }
    return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

START_TEST(test_cable_solver_converges_at_its_order_on_an_hh_soma_with_dendrites)
{
    const cable_case_t *c = &CASES[_i];
    char name[64];
    case_name(c, name, sizeof name);
    const double dts[] = {0.1, 0.05, 0.025, 0.0125};
    double ref[ORDER_MAX_N], v[ORDER_MAX_N], es[4], ea[4];
    size_t soma;
    const size_t n = cell_v(c, 0.1 / 256, ref, &soma);
    for (int i = 0; i < 4; ++i) {
        ck_assert_uint_eq(cell_v(c, dts[i], v, &soma), n);
        es[i] = fabs(v[soma] - ref[soma]);
        ea[i] = 0.0;
        for (size_t k = 0; k < n; ++k)
            ea[i] = fmax(ea[i], fabs(v[k] - ref[k]));
    }
    const double ps = fit_order(dts, es, 4), pa = fit_order(dts, ea, 4);
    printf("order %-20s soma %.3f (errors %.3g %.3g %.3g %.3g mV), all %.3f (%.3g %.3g %.3g "
           "%.3g mV), ref soma V %.4f\n",
           name, ps, es[0], es[1], es[2], es[3], pa, ea[0], ea[1], ea[2], ea[3], ref[soma]);
    ck_assert_msg(fabs(ps - c->order) <= ORDER_TOL, "%s: measured order %.3f, expected %.1f", name,
                  ps, c->order);
}
END_TEST

/* ---- the passive cable's steady state -------------------------------------------------------- */

static const run_t CABLE_RUN = {.model = &tpas_desc,
                                .morph = CABLE,
                                .discret = {.rule = DQ_MORPH_RULE_LENGTH,
                                            .max_length = 10,
                                            .Ra = 35.4,
                                            .cm = 1.0,
                                            .d_lambda = 0.1,
                                            .freq = 100},
                                .stim = {.at = "soma(0.5)", .delay = 0.0, .dur = 1e9, .amp = 0.02},
                                .cells = 1};

START_TEST(test_cable_solver_reaches_the_cosh_attenuation_of_a_sealed_passive_cable)
{
    const cable_case_t *c = &CASES[_i];
    char name[64];
    case_name(c, name, sizeof name);
    const double dt = 0.025;
    dq_system_t *sys = run_new(&CABLE_RUN, c, dt);
    /* tau = Rm Cm = 10 ms; 200 ms is 20 tau. */
    run_steps(sys, steps_for(200.0, dt), name);
    /* lambda = sqrt(Rm d / (4 Ra)) with Rm = 1/(0.1 mS/cm^2) = 1e4 Ohm cm^2, d = 1e-4 cm. */
    const double lambda = sqrt(1e4 * 1e-4 / (4 * 35.4)) * 1e4, L = 1000.0, E = -65.0;
    const dq_morph_cable_t *cab = dq_system_cable(sys);
    ck_assert_ptr_nonnull(cab);
    dq_error_t err = {0};
    long c0 = dq_system_cable_locate(sys, "dend(0.05)", &err);
    ck_assert_msg(c0 >= 0, "%s", err.message);
    const double v0 = value_at(sys, "V@dend(0.05)", 0) - E;
    ck_assert_double_gt(v0, 1.0); /* a real depolarisation, not rounding */
    const char *at[] = {"dend(0.25)", "dend(0.5)", "dend(0.75)", "dend(1)"};
    for (int k = 0; k < 4; ++k) {
        long ck = dq_system_cable_locate(sys, at[k], &err);
        ck_assert_msg(ck >= 0, "%s", err.message);
        char st[32];
        snprintf(st, sizeof st, "V@%s", at[k]);
        const double ratio = (value_at(sys, st, 0) - E) / v0;
        const double x0 = cab->x[c0] * L, xk = cab->x[ck] * L;
        const double want = cosh((L - xk) / lambda) / cosh((L - x0) / lambda);
        if (k == 3)
            printf("cosh %-20s V(dend(1))/V(dend(0.05)) %.8f, cosh gives %.8f\n", name, ratio,
                   want);
        /* The compartments' own error is ~1e-5 (10 µm segments); Lie splitting's fixed
         * point is off the steady state by O(dt) (5.7e-4 here), Strang's by O(dt^2). */
        const double tol = strcmp(c->solver, "splitting") == 0 && !c->option ? 1e-3 : 2e-5;
        ck_assert_msg(fabs(ratio - want) <= tol * want,
                      "%s: attenuation at %s %.8f, cosh gives %.8f", name, at[k], ratio, want);
    }
    dq_system_free(sys);
}
END_TEST

/* ---- one step against a dense backward Euler ------------------------------------------------ */

/* The passive cable's backward Euler step as a dense system, from the compartments alone,
 * in NEURON's increment form (the increment, not V, carries the rounding):
 *   (C/dt + G + gm) dV = -gm (V - E) - G V + I_stim(t + theta dt),   V += dV,
 * solved by LU with partial pivoting. */
static void dense_be(const dq_morph_cable_t *cab, size_t stim_c, const dq_cable_stim_t *s, double t,
                     double dt, double theta, double *V)
{
    const size_t n = cab->n;
    double *A = calloc(n * n, sizeof *A), *b = calloc(n, sizeof *b);
    ck_assert(A && b);
    const double ts = t + theta * dt, amp = ts >= s->delay && ts < s->delay + s->dur ? s->amp : 0;
    for (size_t i = 0; i < n; ++i) {
        const double C = 1e-5 * cab->area[i], gm = 1e-5 * cab->area[i] * 0.1;
        A[i * n + i] += C / dt + gm;
        b[i] += -gm * (V[i] - -65.0) + (i == stim_c ? amp : 0.0);
        if (cab->parent[i] >= 0) {
            const size_t p = (size_t)cab->parent[i];
            const double g = cab->g_axial[i];
            A[i * n + i] += g;
            A[p * n + p] += g;
            A[i * n + p] -= g;
            A[p * n + i] -= g;
            b[i] += g * (V[p] - V[i]);
            b[p] -= g * (V[p] - V[i]);
        }
    }
    ck_assert_int_eq(dq_linalg_solve(A, n, b, 1), 0);
    for (size_t i = 0; i < n; ++i)
        V[i] += b[i];
    free(A);
    free(b);
}

START_TEST(test_cable_solver_steps_a_passive_cable_as_dense_backward_euler)
{
    const cable_case_t *c = &CASES[_i];
    if (c->be_theta < 0)
        return;
    char name[64];
    case_name(c, name, sizeof name);
    run_t r = CABLE_RUN;
    r.morph = BRANCHED;
    r.discret = ORDER_RUN.discret;
    r.stim = (dq_cable_stim_t){.at = "dend(0.3)", .delay = 1.003, .dur = 2.0, .amp = 0.1};
    const double dt = 0.025;
    dq_system_t *sys = run_new(&r, c, dt);
    const dq_morph_cable_t *cab = dq_system_cable(sys);
    dq_error_t err = {0};
    const long sc = dq_system_cable_locate(sys, r.stim.at, &err);
    ck_assert_msg(sc >= 0, "%s", err.message);
    const size_t n = cab->n;
    double *V = malloc(n * sizeof *V);
    for (size_t i = 0; i < n; ++i)
        V[i] = -65.0;
    double worst = 0.0;
    for (uint64_t k = 0; k < 200; ++k) {
        dense_be(cab, (size_t)sc, &r.stim, (double)k * dt, dt, c->be_theta, V);
        run_steps(sys, 1, name);
        for (size_t i = 0; i < n; ++i) {
            char st[32];
            snprintf(st, sizeof st, "V[%zu]", i);
            worst = fmax(worst, fabs(value_at(sys, st, 0) - V[i]));
        }
    }
    /* The clamp moved the cable: the comparison is not between two resting states. */
    ck_assert_double_gt(fabs(V[sc] + 65.0), 1.0);
    printf("dense backward Euler %-20s %.3g mV over 200 steps\n", name, worst);
    ck_assert_msg(worst <= 1e-10, "%s: %.3g mV from dense backward Euler", name, worst);
    free(V);
    dq_system_free(sys);
}
END_TEST

/* ---- one step on a lone soma, by the definitions -------------------------------------------- */

/* One hh compartment with the clamp on: each new solver's step written out from its
 * definition (the header comment of its file), against the host's run. */
static const run_t SOMA_RUN = {.model = &tcell_desc,
                               .morph = "{\"soma\": {\"length\": 20, \"diameter\": 20}}",
                               .discret = {.rule = DQ_MORPH_RULE_NSEG,
                                           .nseg = 1,
                                           .Ra = 35.4,
                                           .cm = 1.0,
                                           .d_lambda = 0.1,
                                           .freq = 100},
                               .stim = {.at = "soma(0.5)", .delay = 0.0, .dur = 10, .amp = 0.2},
                               .cells = 1};

typedef struct soma_state {
    double V, x[3]; /* m, h, n */
} soma_state_t;

/* I (nA, stimulus not included), dI/dV (µS), the gates' f and d at (V, x). */
static void soma_rates(double area, soma_state_t s, double *I, double *gm, double f[3], double d[3])
{
    const hh_params_t P = {1, 120, 36, 0.3, 50, -77, -54.3};
    const double gna = hh_g_na(&P, s.x[0], s.x[1]), gk = hh_g_k(&P, s.x[2]);
    *I = 1e-5 * area * (gna * (s.V - 50) + gk * (s.V + 77) + 0.3 * (s.V + 54.3));
    *gm = 1e-5 * area * (gna + gk + 0.3);
    double a[3], b[3];
    hh_rates(s.V, &a[0], &b[0], &a[1], &b[1], &a[2], &b[2]);
    for (int k = 0; k < 3; ++k) {
        f[k] = hh_gate(a[k], b[k], s.x[k]);
        d[k] = hh_gate_dx(a[k], b[k]);
    }
}

static double phi1(double z)
{
    return z == 0.0 ? 1.0 : expm1(z) / z;
}

/* The step of case c from s by its definition; the clamp is on throughout. */
static soma_state_t soma_step(const cable_case_t *c, double area, double dt, soma_state_t s)
{
    const double C = 1e-5 * area, amp = SOMA_RUN.stim.amp;
    double I, gm, f[3], d[3];
    soma_rates(area, s, &I, &gm, f, d);
    soma_state_t n = s;
    if (strcmp(c->solver, "splitting") == 0) {
        /* Lie: the channel by exponential Euler, then the clamp alone (no axial current). */
        n.V = s.V + dt * phi1(-dt * gm / C) * (-I / C);
        for (int k = 0; k < 3; ++k)
            n.x[k] = s.x[k] + dt * phi1(dt * d[k]) * f[k];
        n.V += dt * amp / C;
        return n;
    }
    const int cn = c->option && strcmp(c->option, "cn") == 0;
    const double gamma = cn ? dt / 2 : dt;
    n.V = s.V + (cn ? 2 : 1) * gamma * (amp - I) / (C + gamma * gm);
    soma_rates(area, n, &I, &gm, f, d);
    for (int k = 0; k < 3; ++k)
        n.x[k] = strcmp(c->solver, "dhs_voltage") == 0 ? s.x[k] + dt * f[k] / (1 - dt * d[k])
                                                       : s.x[k] + dt * phi1(dt * d[k]) * f[k];
    return n;
}

START_TEST(test_cable_solver_steps_a_lone_soma_as_its_definition_says)
{
    const cable_case_t *c = &CASES[_i];
    if (strcmp(c->solver, "staggered") != 0 && strcmp(c->solver, "dhs_voltage") != 0 &&
        !(strcmp(c->solver, "splitting") == 0 && !c->option))
        return;
    char name[64];
    case_name(c, name, sizeof name);
    const double dt = 0.025;
    dq_system_t *sys = run_new(&SOMA_RUN, c, dt);
    ck_assert_uint_eq(dq_system_cable(sys)->n, 1);
    const double area = dq_system_cable(sys)->area[0];
    soma_state_t s = {
        .V = value_at(sys, "V", 0),
        .x = {value_at(sys, "m[0]", 0), value_at(sys, "h[0]", 0), value_at(sys, "n[0]", 0)}};
    ck_assert_double_eq(s.V, -65.0);
    double worst = 0.0;
    for (int k = 0; k < 100; ++k) { /* through the upstroke of a spike */
        s = soma_step(c, area, dt, s);
        run_steps(sys, 1, name);
        worst = fmax(worst, fabs(value_at(sys, "V", 0) - s.V) / (1 + fabs(s.V)));
        const char *gate[] = {"m[0]", "h[0]", "n[0]"};
        for (int g = 0; g < 3; ++g)
            worst = fmax(worst, fabs(value_at(sys, gate[g], 0) - s.x[g]));
    }
    ck_assert_double_gt(s.V, 0.0); /* it spiked: the step was not taken at rest */
    printf("definition %-20s %.3g over 100 steps, V %.3f mV\n", name, worst, s.V);
    ck_assert_msg(worst <= 1e-12, "%s: %.3g from its definition", name, worst);
    dq_system_free(sys);
}
END_TEST

/* ---- Newton on a cable
 * --------------------------------------------------------------------------- */

START_TEST(test_implicit_euler_on_a_cable_fails_naming_the_iterations_when_newton_is_cut_short)
{
    const cable_case_t c = {"implicit_euler", "newton_max_iter", 1, 1, 1};
    dq_system_t *sys = run_new(&ORDER_RUN, &c, 0.025);
    dq_error_t err = {0};
    /* One iteration from y0 is the linearised step: its correction is never below the
     * tolerance while the cell moves (the clamp starts at 1 ms). */
    ck_assert_int_eq(dq_system_run(sys, 80, &err), DQ_ENEWTON);
    ck_assert_msg(strstr(err.message, "Newton iteration did not converge in 1 iterations") &&
                      strstr(err.message, "newton_tol 1e-10"),
                  "%s", err.message);
    dq_system_free(sys);
}
END_TEST

/* ---- refusals ----------------------------------------------------------------------------------
 */

START_TEST(test_cable_solvers_refuse_a_model_without_compartments)
{
    const char *names[] = {"staggered", "dhs_voltage", "splitting"};
    dq_error_t err = {0};
    const dq_model_entry_t *decay = dq_registry_lookup_model(reg, "decay", &err);
    ck_assert_ptr_nonnull(decay);
    for (int k = 0; k < 3; ++k) {
        dq_system_t *sys = dq_system_new(decay->desc, NULL, 0, &err);
        ck_assert_ptr_nonnull(sys);
        ck_assert_int_eq(dq_system_set_solver(sys, dq_registry_lookup(reg, names[k], &err), &err),
                         DQ_OK);
        dq_error_t e2 = {0};
        int rc = dq_system_prepare(sys, 0.0, 0.1, &e2);
        if (rc == DQ_OK)
            rc = dq_system_run(sys, 1, &e2);
        ck_assert_int_eq(rc, DQ_EUSAGE);
        char want[160];
        snprintf(want, sizeof want,
                 "%s needs a cable model (a model with compartments, e.g. 'cell' with a "
                 "morphology)",
                 names[k]);
        ck_assert_msg(strstr(e2.message, want) != NULL, "%s: '%s'", names[k], e2.message);
        dq_system_free(sys);
    }
}
END_TEST

Suite *cable_solvers_suite(void)
{
    Suite *s = suite_create("cable_solvers");
    TCase *tc = tcase_create("cable_solvers");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_cable_solver_converges_at_its_order_on_an_hh_soma_with_dendrites,
                        0, N_CASES);
    tcase_add_loop_test(
        tc, test_cable_solver_reaches_the_cosh_attenuation_of_a_sealed_passive_cable, 0, N_CASES);
    tcase_add_loop_test(tc, test_cable_solver_steps_a_passive_cable_as_dense_backward_euler, 0,
                        N_CASES);
    tcase_add_loop_test(tc, test_cable_solver_steps_a_lone_soma_as_its_definition_says, 0, N_CASES);
    tcase_add_test(
        tc, test_implicit_euler_on_a_cable_fails_naming_the_iterations_when_newton_is_cut_short);
    tcase_add_test(tc, test_cable_solvers_refuse_a_model_without_compartments);
    suite_add_tcase(s, tc);
    return s;
}
