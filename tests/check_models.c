/* SPDX-License-Identifier: MIT */
/* check_models.c -- the built-in models: parameters, initial values, per-unit parameters,
 * analytic Jacobians against finite differences, and each model's own behaviour. */
#include <fenv.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include <dq/dq.h>
#include <dq/host/loader.h>
#include <dq/host/registry.h>
#include <dq/host/system.h>

#include "test_ulp.h"

static dq_registry_t *reg;
static dq_loader_t *loader;

static void setup_builtins(void)
{
    dq_error_t err = {0};
    reg = dq_registry_new();
    loader = dq_loader_new(reg, &err);
    ck_assert_ptr_nonnull(loader);
    ck_assert_int_eq(dq_loader_load_dir(loader, DQ_TEST_PLUGIN_DIR, &err), DQ_OK);
}

static void teardown_builtins(void)
{
    dq_registry_free(reg);
    dq_loader_free(loader);
}

static const dq_model_desc_t *model_desc(const char *name)
{
    dq_error_t err = {0};
    const dq_model_entry_t *e = dq_registry_lookup_model(reg, name, &err);
    ck_assert_msg(e != NULL, "%s", err.message);
    return e->desc;
}

static const dq_integrator_entry_t *solver(const char *name)
{
    dq_error_t err = {0};
    const dq_integrator_entry_t *e = dq_registry_lookup(reg, name, &err);
    ck_assert_msg(e != NULL, "%s", err.message);
    return e;
}

static const dq_integrator_entry_t *euler(void)
{
    return solver("euler");
}

/* ---- what each model declares --------------------------------------------------------------- */

#define MAX_PARAMS 12
#define MAX_STATES 6

typedef struct param_expect {
    const char *name;
    double def;
    const char *unit; /* NULL: dimensionless */
    uint32_t flags;
} param_expect_t;

#define POP_N                                                                                      \
    {                                                                                              \
        "n", 1, NULL, DQ_PARAM_INTEGER | DQ_PARAM_POSITIVE | DQ_PARAM_POPULATION                   \
    }

typedef struct model_case {
    const char *name;
    param_expect_t params[MAX_PARAMS];
    size_t n_params;
    const char *states[MAX_STATES]; /* model-wide order */
    size_t n_states;
    size_t n_modules;
} model_case_t;

static const model_case_t model_cases[] = {
    {"oscillator",
     {{"omega", 1, "rad/s", 0}, {"x0", 1, NULL, 0}, {"v0", 0, "1/s", 0}, POP_N},
     4,
     {"x", "v"},
     2,
     1},
    {"hh",
     {{"C", 1, "uF/cm^2", DQ_PARAM_POSITIVE},
      {"gNa", 120, "mS/cm^2", 0},
      {"gK", 36, "mS/cm^2", 0},
      {"gL", 0.3, "mS/cm^2", 0},
      {"ENa", 50, "mV", 0},
      {"EK", -77, "mV", 0},
      {"EL", -54.387, "mV", 0},
      {"I_ext", 0, "uA/cm^2", DQ_PARAM_PER_UNIT},
      {"sigma", 0, "uA/cm^2*sqrt(ms)", DQ_PARAM_PER_UNIT},
      {"V0", -65, "mV", 0},
      POP_N},
     11,
     {"V", "spikes", "V_prev", "m", "h", "n"},
     6,
     2},
    {"van_der_pol",
     {{"mu", 1, NULL, 0}, {"x0", 2, NULL, 0}, {"y0", 0, NULL, 0}, POP_N},
     4,
     {"x", "y"},
     2,
     1},
    {"stiff_linear", {{"a0", 1, NULL, 0}, {"b0", 0, NULL, 0}, POP_N}, 3, {"y0", "y1"}, 2, 1},
    {"lorenz",
     {{"sigma", 10, NULL, 0},
      {"rho", 28, NULL, 0},
      {"beta", 8.0 / 3.0, NULL, 0},
      {"x0", 1, NULL, 0},
      {"y0", 1, NULL, 0},
      {"z0", 1, NULL, 0},
      POP_N},
     7,
     {"x", "y", "z"},
     3,
     1},
    {"fitzhugh_nagumo",
     {{"a", 0.7, NULL, 0},
      {"b", 0.8, NULL, 0},
      {"tau", 12.5, NULL, DQ_PARAM_POSITIVE},
      {"I", 0.5, NULL, DQ_PARAM_PER_UNIT},
      {"v0", -1, NULL, 0},
      {"w0", 1, NULL, 0},
      POP_N},
     7,
     {"v", "w"},
     2,
     1},
    {"izhikevich",
     {{"a", 0.02, "1/ms", 0},
      {"b", 0.2, "1/ms", 0},
      {"c", -65, "mV", 0},
      {"d", 8, "mV/ms", 0},
      {"I", 10, "mV/ms", DQ_PARAM_PER_UNIT},
      {"v0", -65, "mV", 0},
      POP_N},
     7,
     {"v", "u"},
     2,
     1},
    {"lif",
     {{"tau_m", 10, "ms", DQ_PARAM_POSITIVE},
      {"E_L", -65, "mV", 0},
      {"R", 10, "MOhm", DQ_PARAM_POSITIVE},
      {"I", 2, "nA", DQ_PARAM_PER_UNIT},
      {"sigma", 0, "mV", DQ_PARAM_PER_UNIT},
      {"V_th", -50, "mV", 0},
      {"V_reset", -65, "mV", 0},
      {"t_ref", 2, "ms", 0},
      {"V0", -65, "mV", 0},
      POP_N},
     10,
     {"V", "spikes", "refractory", "refractory_end"},
     4,
     1},
    {"ou",
     {{"theta", 1, "1/s", 0},
      {"mu", 0, NULL, 0},
      {"sigma", 0.5, "1/sqrt(s)", 0},
      {"x0", 1, NULL, 0},
      POP_N},
     5,
     {"x"},
     1,
     1},
};

#define N_MODEL_CASES (int)(sizeof model_cases / sizeof model_cases[0])

START_TEST(test_models_register_parameters_with_defaults_units_and_docs)
{
    const model_case_t *mc = &model_cases[_i];
    const dq_model_desc_t *d = model_desc(mc->name);
    ck_assert_str_eq(d->name, mc->name);
    ck_assert_ptr_nonnull(d->description);
    ck_assert_ptr_null(strchr(d->description, '\n'));
    ck_assert_uint_eq(d->n_params, mc->n_params);
    for (size_t k = 0; k < mc->n_params; ++k) {
        const dq_param_desc_t *p = &d->params[k];
        const param_expect_t *e = &mc->params[k];
        ck_assert_str_eq(p->name, e->name);
        ck_assert_msg(p->def == e->def, "%s.%s default %.17g, expected %.17g", mc->name, p->name,
                      p->def, e->def);
        if (e->unit)
            ck_assert_msg(p->unit && strcmp(p->unit, e->unit) == 0, "%s.%s unit '%s'", mc->name,
                          p->name, p->unit ? p->unit : "(null)");
        else
            ck_assert_ptr_null(p->unit);
        ck_assert_msg(p->doc && p->doc[0] && !strchr(p->doc, '\n'), "%s.%s doc", mc->name, p->name);
        ck_assert_uint_eq(p->flags, e->flags);
        /* Bound inside the instance, and apart from every other parameter. */
        const size_t size = p->flags & DQ_PARAM_PER_UNIT ? sizeof(double *) : sizeof(double);
        ck_assert_msg(p->offset + size <= d->data_size, "%s.%s at %zu of %zu bytes", mc->name,
                      p->name, p->offset, d->data_size);
        for (size_t j = 0; j < k; ++j)
            ck_assert_msg(d->params[j].offset != p->offset, "%s.%s and %s share offset %zu",
                          mc->name, d->params[j].name, p->name, p->offset);
    }
    size_t n_modules = 0, n_states = 0;
    for (; d->modules[n_modules]; ++n_modules) {
        const dq_module_desc_t *m = d->modules[n_modules];
        ck_assert_int_eq(m->parent, n_modules == 0 ? -1 : 0);
        ck_assert_ptr_nonnull(m->compute_derivative);
        ck_assert_ptr_nonnull(m->jacobian);
        ck_assert_ptr_nonnull(m->jacobian_diag);
        for (size_t s = 0; s < m->n_states; ++s, ++n_states) {
            ck_assert_uint_lt(n_states, mc->n_states);
            ck_assert_str_eq(m->states[s].name, mc->states[n_states]);
            ck_assert_ptr_nonnull(m->states[s].doc);
        }
    }
    ck_assert_uint_eq(n_modules, mc->n_modules);
    ck_assert_uint_eq(n_states, mc->n_states);
}
END_TEST

/* Every model's unit of time, and the states that are not plain integrated ones. */
typedef struct flags_case {
    const char *model;
    const char *time_unit; /* NULL: dimensionless */
    const char *state;     /* a state with non-zero flags, or NULL */
    uint32_t flags;
} flags_case_t;

static const flags_case_t flags_cases[] = {
    {"decay", "s", NULL, 0},
    {"oscillator", "s", NULL, 0},
    {"hh", "ms", "V", DQ_STATE_DIFFUSION | DQ_STATE_ADDITIVE},
    {"hh", "ms", "spikes", DQ_STATE_AUX | DQ_STATE_COUNT},
    {"hh", "ms", "V_prev", DQ_STATE_AUX},
    {"van_der_pol", NULL, NULL, 0},
    {"stiff_linear", NULL, NULL, 0},
    {"lorenz", NULL, NULL, 0},
    {"fitzhugh_nagumo", NULL, NULL, 0},
    {"izhikevich", "ms", NULL, 0},
    {"lif", "ms", "V", DQ_STATE_DIFFUSION | DQ_STATE_ADDITIVE},
    {"lif", "ms", "spikes", DQ_STATE_AUX | DQ_STATE_COUNT},
    {"lif", "ms", "refractory", DQ_STATE_AUX},
    {"lif", "ms", "refractory_end", DQ_STATE_AUX},
    {"ou", "s", "x", DQ_STATE_DIFFUSION | DQ_STATE_ADDITIVE},
    {"gbm", "s", "x", DQ_STATE_DIFFUSION},
};

#define N_FLAGS_CASES (int)(sizeof flags_cases / sizeof flags_cases[0])

START_TEST(test_models_declare_their_time_unit_and_state_flags)
{
    const flags_case_t *fc = &flags_cases[_i];
    const dq_model_desc_t *d = model_desc(fc->model);
    if (fc->time_unit)
        ck_assert_msg(d->time_unit && strcmp(d->time_unit, fc->time_unit) == 0,
                      "%s: time unit '%s'", fc->model, d->time_unit ? d->time_unit : "(null)");
    else
        ck_assert_ptr_null(d->time_unit);
    size_t flagged = 0;
    for (size_t m = 0; d->modules[m]; ++m)
        for (size_t k = 0; k < d->modules[m]->n_states; ++k) {
            const dq_state_desc_t *st = &d->modules[m]->states[k];
            if (fc->state && strcmp(st->name, fc->state) == 0) {
                ck_assert_uint_eq(st->flags, fc->flags);
                /* Aux states belong to the root, which keeps them in its lifecycle. */
                if (st->flags & DQ_STATE_AUX)
                    ck_assert_uint_eq(m, 0);
                flagged++;
            } else if (st->flags) {
                /* Any other flagged state must have a case of its own. */
                int listed = 0;
                for (int c = 0; c < N_FLAGS_CASES; ++c)
                    listed |= strcmp(flags_cases[c].model, fc->model) == 0 &&
                              flags_cases[c].state && strcmp(flags_cases[c].state, st->name) == 0;
                ck_assert_msg(listed, "%s.%s has flags %u", fc->model, st->name, st->flags);
            }
        }
    ck_assert_uint_eq(flagged, fc->state ? 1 : 0);
}
END_TEST

/* ---- initial values through the host -------------------------------------------------------- */

/* With the default parameters, C dV/dt at V = -65 mV and the gates at steady state is
 * 0.0042237 uA/cm^2 (computed to 30 digits with mpmath): EL = -54.387 puts the true rest at
 * -64.99638 mV (EL = -54.4011 would put it at -65). */
#define HH_DVDT_AT_MINUS_65 0.0042237091824964433
#define HH_REST -64.996379331192057

/* x_inf(V) = alpha/(alpha + beta) for the HH gates, written out independently of hh.c (the
 * singular points are not at -65 mV). */
static void hh_steady_reference(double V, double x[3])
{
    double am = 0.1 * (V + 40) / (1 - exp(-(V + 40) / 10)), bm = 4 * exp(-(V + 65) / 18);
    double ah = 0.07 * exp(-(V + 65) / 20), bh = 1 / (1 + exp(-(V + 35) / 10));
    double an = 0.01 * (V + 55) / (1 - exp(-(V + 55) / 10)), bn = 0.125 * exp(-(V + 65) / 80);
    x[0] = am / (am + bm);
    x[1] = ah / (ah + bh);
    x[2] = an / (an + bn);
}

START_TEST(test_models_initial_values_after_prepare_follow_the_parameters)
{
    const model_case_t *mc = &model_cases[_i];
    double init[MAX_STATES];
    const char *name = mc->name;
    if (strcmp(name, "oscillator") == 0) {
        init[0] = 1, init[1] = 0;
    } else if (strcmp(name, "hh") == 0) {
        init[0] = -65, init[1] = 0, init[2] = -65; /* V, spikes, V_prev */
        hh_steady_reference(-65, init + 3);
    } else if (strcmp(name, "van_der_pol") == 0) {
        init[0] = 2, init[1] = 0;
    } else if (strcmp(name, "stiff_linear") == 0) {
        init[0] = 1, init[1] = 0;
    } else if (strcmp(name, "lorenz") == 0) {
        init[0] = init[1] = init[2] = 1;
    } else if (strcmp(name, "fitzhugh_nagumo") == 0) {
        init[0] = -1, init[1] = 1;
    } else if (strcmp(name, "lif") == 0) {
        /* V, spikes, refractory, refractory_end (t0: no period yet) */
        init[0] = -65, init[1] = 0, init[2] = 0, init[3] = 0;
    } else if (strcmp(name, "ou") == 0) {
        init[0] = 1;
    } else {
        init[0] = -65, init[1] = 0.2 * -65; /* u(0) = b v0 */
    }
    dq_error_t err = {0};
    double n = 5;
    dq_param_arg_t args[] = {{"n", &n, 1, NULL}};
    dq_system_t *sys = dq_system_new(model_desc(name), args, 1, &err);
    ck_assert_msg(sys != NULL, "%s", err.message);
    ck_assert_int_eq(dq_system_set_solver(sys, euler(), &err), DQ_OK);
    ck_assert_int_eq(dq_system_set_block_units(sys, 2, &err), DQ_OK);
    ck_assert_msg(dq_system_prepare(sys, 0.0, 0.01, &err) == DQ_OK, "%s", err.message);
    ck_assert_uint_eq(dq_system_units(sys), 5);
    ck_assert_uint_eq(dq_system_state_count(sys), mc->n_states);
    for (size_t s = 0; s < mc->n_states; ++s) {
        ck_assert_str_eq(dq_system_state_name(sys, s), mc->states[s]);
        for (size_t u = 0; u < 5; ++u)
            ck_assert_msg(fabs(dq_system_value(sys, s, u) - init[s]) <= 1e-14 * fabs(init[s]),
                          "%s.%s[%zu] = %.17g, expected %.17g", name, mc->states[s], u,
                          dq_system_value(sys, s, u), init[s]);
    }
    dq_system_free(sys);
}
END_TEST

START_TEST(test_models_hh_gates_start_at_steady_state_of_a_given_V0)
{
    dq_error_t err = {0};
    double V0 = -50; /* between the two singular points, on the way up */
    dq_param_arg_t args[] = {{"V0", &V0, 1, NULL}};
    dq_system_t *sys = dq_system_new(model_desc("hh"), args, 1, &err);
    ck_assert_ptr_nonnull(sys);
    dq_system_set_solver(sys, euler(), &err);
    ck_assert_int_eq(dq_system_prepare(sys, 0.0, 0.01, &err), DQ_OK);
    double x[3];
    hh_steady_reference(V0, x);
    ck_assert_double_eq(dq_system_value(sys, 0, 0), -50); /* exact: V0 copied */
    for (int g = 0; g < 3; ++g)
        ck_assert_double_eq_tol(dq_system_value(sys, 3 + g, 0), x[g], 1e-14);
    dq_system_free(sys);
}
END_TEST

/* ---- per-unit parameters -------------------------------------------------------------------- */

/* One Euler step with block size 2 (so unit 2 is the first of the second block, unit0 = 2)
 * and `values` for the per-unit parameter; returns state 0 of each unit. */
static void one_step_per_unit(const char *model, const char *param, const double values[3],
                              double dt, double out[3])
{
    dq_error_t err = {0};
    double n = 3;
    dq_param_arg_t args[] = {{"n", &n, 1, NULL}, {param, values, 3, NULL}};
    dq_system_t *sys = dq_system_new(model_desc(model), args, 2, &err);
    ck_assert_msg(sys != NULL, "%s", err.message);
    dq_system_set_solver(sys, euler(), &err);
    ck_assert_int_eq(dq_system_set_block_units(sys, 2, &err), DQ_OK);
    ck_assert_int_eq(dq_system_prepare(sys, 0.0, dt, &err), DQ_OK);
    ck_assert_msg(dq_system_step(sys, &err) == DQ_OK, "%s", err.message);
    for (size_t u = 0; u < 3; ++u)
        out[u] = dq_system_value(sys, 0, u);
    dq_system_free(sys);
}

START_TEST(test_models_hh_I_ext_given_per_neuron_drives_each_neuron)
{
    const double I[3] = {0, 10, 20};
    double V[3];
    one_step_per_unit("hh", "I_ext", I, 0.01, V);
    /* V' = (I_ext + resting current)/C: the step differs by dt*dI/C between neurons. */
    ck_assert_double_eq_tol(V[1] - V[0], 0.1, 1e-12);
    ck_assert_double_eq_tol(V[2] - V[0], 0.2, 1e-12);
    ck_assert_double_eq_tol(V[0], -65 + 0.01 * HH_DVDT_AT_MINUS_65, 1e-12);
}
END_TEST

START_TEST(test_models_fitzhugh_nagumo_I_given_per_unit_drives_each_unit)
{
    const double I[3] = {0, 0.5, 1.5};
    double v[3];
    one_step_per_unit("fitzhugh_nagumo", "I", I, 0.1, v);
    /* From (v, w) = (-1, 1): v' = -1 + 1/3 - 1 + I. */
    for (int u = 0; u < 3; ++u)
        ck_assert_double_eq_tol(v[u], -1 + 0.1 * (-5.0 / 3.0 + I[u]), 1e-14);
}
END_TEST

START_TEST(test_models_izhikevich_I_given_per_unit_drives_each_unit)
{
    const double I[3] = {0, 10, 20};
    double v[3];
    one_step_per_unit("izhikevich", "I", I, 0.1, v);
    /* From (v, u) = (-65, -13): v' = 169 - 325 + 140 + 13 + I = I - 3. */
    for (int u = 0; u < 3; ++u)
        ck_assert_double_eq_tol(v[u], -65 + 0.1 * (I[u] - 3), 1e-12);
}
END_TEST

START_TEST(test_models_lif_I_given_per_unit_drives_each_unit)
{
    const double I[3] = {0, 1, 3};
    double V[3];
    one_step_per_unit("lif", "I", I, 0.1, V);
    /* From V = E_L: tau_m V' = R I, so V' = 10 * I / 10 = I mV/ms. */
    for (int u = 0; u < 3; ++u)
        ck_assert_double_eq_tol(V[u], -65 + 0.1 * I[u], 1e-12);
}
END_TEST

START_TEST(test_models_per_unit_parameter_of_wrong_length_is_refused)
{
    dq_error_t err = {0};
    double n = 3, I[2] = {1, 2};
    dq_param_arg_t args[] = {{"n", &n, 1, NULL}, {"I_ext", I, 2, NULL}};
    ck_assert_ptr_null(dq_system_new(model_desc("hh"), args, 2, &err));
    ck_assert_int_eq(err.code, DQ_EINVAL);
    ck_assert_str_eq(err.message,
                     "parameter 'I_ext' of model 'hh' has 2 values but the model has 3 units");
}
END_TEST

/* ---- calling a model's callbacks directly --------------------------------------------------- */

#define MAX_UNITS 8 /* whole lanes: a population of up to 8 units is one padded block */
#define MAX_MODULES 2
#define MAX_VARS MAX_STATES
#define MAX_EVENTS 4

/* A model instance with hand-built views laid out as the host lays them out. The test keeps
 * model-wide tables (states numbered over the modules in order, as dq_system numbers them):
 * a value slot for every state; derivative, Jacobian-diagonal and Jacobian slots for the
 * integrated states only (NULL where an aux state is involved); a diffusion slot for
 * DQ_STATE_DIFFUSION ones. bench_call hands each module its module-local view of them: its
 * own states, then the states it reads, with Jacobian rows of n_vars entries. Blocks are
 * whole lanes: lanes past the population repeat its last unit, as the host pads them. */
typedef struct bench {
    const dq_model_desc_t *desc;
    void *data;
    size_t n_states, population, units;
    uint32_t flags[MAX_STATES];
    const char *names[MAX_STATES];
    size_t first[MAX_MODULES]; /* each module's first state in the model-wide numbering */
    size_t first_event[MAX_MODULES], n_events; /* events likewise, numbered over the modules */
    double value[MAX_STATES][MAX_UNITS];
    double deriv[MAX_STATES][MAX_UNITS];
    double diff[MAX_STATES][MAX_UNITS];
    double jac[MAX_STATES * MAX_STATES][MAX_UNITS];
    double diag[MAX_STATES][MAX_UNITS];
    double per_unit[MAX_PARAMS][MAX_UNITS]; /* bound per-unit parameters, padded */
    unsigned char reset[MAX_UNITS];
    double event[MAX_EVENTS][MAX_UNITS];        /* event functions (CALL_EVENT) */
    unsigned char fired[MAX_EVENTS][MAX_UNITS]; /* what handle_event is told (CALL_HANDLE) */
    double *event_tab[MAX_EVENTS];
    const unsigned char *fired_tab[MAX_EVENTS];
    double *value_tab[MAX_STATES], *deriv_tab[MAX_STATES], *diff_tab[MAX_STATES];
    double *jac_tab[MAX_STATES * MAX_STATES], *diag_tab[MAX_STATES];
    char errbuf[256];
    /* What every module's view shares (t, dt, data, units); diffusion NULL: no table. */
    dq_view_t view;
} bench_t;

static int bench_is_aux(const bench_t *b, size_t s)
{
    return (b->flags[s] & DQ_STATE_AUX) != 0;
}

/* Binds `model`'s parameters into a zeroed instance as the host does -- its defaults, except
 * the parameters in `args` -- and runs its create(). */
static void bench_init(bench_t *b, const char *model, const dq_param_arg_t *args, size_t n_args)
{
    memset(b, 0, sizeof *b);
    b->desc = model_desc(model);
    ck_assert_uint_le(b->desc->n_params, MAX_PARAMS);
    b->population = 1;
    for (size_t k = 0; k < b->desc->n_params; ++k)
        if (b->desc->params[k].flags & DQ_PARAM_POPULATION)
            for (size_t a = 0; a < n_args; ++a)
                if (strcmp(args[a].name, b->desc->params[k].name) == 0)
                    b->population = (size_t)args[a].v[0];
    ck_assert_uint_le(b->population, MAX_UNITS);
    b->units = DQ_UNITS_PADDED(b->population);
    b->data = calloc(1, b->desc->data_size ? b->desc->data_size : 1);
    ck_assert_ptr_nonnull(b->data);
    for (size_t k = 0; k < b->desc->n_params; ++k) {
        const dq_param_desc_t *p = &b->desc->params[k];
        const double *v = &p->def;
        size_t len = 1;
        for (size_t a = 0; a < n_args; ++a)
            if (strcmp(args[a].name, p->name) == 0)
                v = args[a].v, len = args[a].len;
        if (p->flags & DQ_PARAM_PER_UNIT) {
            ck_assert(len == 1 || len == b->population);
            for (size_t u = 0; u < b->units; ++u)
                b->per_unit[k][u] = v[len == 1 ? 0 : u < len ? u : len - 1];
            const double *bound = b->per_unit[k];
            ck_assert_uint_le(p->offset + sizeof bound, b->desc->data_size);
            memcpy((char *)b->data + p->offset, &bound, sizeof bound);
        } else {
            ck_assert_uint_eq(len, 1);
            ck_assert_uint_le(p->offset + sizeof(double), b->desc->data_size);
            memcpy((char *)b->data + p->offset, v, sizeof(double));
        }
    }
    char msg[256] = "";
    if (b->desc->create)
        ck_assert_msg(b->desc->create(b->data, b->population, msg, sizeof msg) == DQ_OK, "%s", msg);
    for (size_t m = 0; b->desc->modules[m]; ++m) {
        ck_assert_uint_lt(m, MAX_MODULES);
        b->first[m] = b->n_states;
        b->first_event[m] = b->n_events;
        b->n_events += b->desc->modules[m]->n_events;
        ck_assert_uint_le(b->n_events, MAX_EVENTS);
        for (size_t k = 0; k < b->desc->modules[m]->n_states; ++k) {
            ck_assert_uint_lt(b->n_states, MAX_STATES);
            b->names[b->n_states] = b->desc->modules[m]->states[k].name;
            b->flags[b->n_states++] = b->desc->modules[m]->states[k].flags;
        }
    }
    for (size_t e = 0; e < MAX_EVENTS; ++e) {
        b->event_tab[e] = b->event[e];
        b->fired_tab[e] = b->fired[e];
    }
    for (size_t s = 0; s < b->n_states; ++s) {
        const int aux = (b->flags[s] & DQ_STATE_AUX) != 0;
        b->value_tab[s] = b->value[s];
        b->deriv_tab[s] = aux ? NULL : b->deriv[s];
        b->diag_tab[s] = aux ? NULL : b->diag[s];
        b->diff_tab[s] = b->flags[s] & DQ_STATE_DIFFUSION ? b->diff[s] : NULL;
    }
    for (size_t r = 0; r < b->n_states; ++r)
        for (size_t c = 0; c < b->n_states; ++c)
            b->jac_tab[r * b->n_states + c] =
                bench_is_aux(b, r) || bench_is_aux(b, c) ? NULL : b->jac[r * b->n_states + c];
    b->view = (dq_view_t){.abi = DQ_ABI_HEADER_INIT(dq_view_t),
                          .t = 0.0,
                          .dt = 0.01,
                          .unit0 = 0,
                          .units = b->units,
                          .population = b->population,
                          .diffusion = b->diff_tab,
                          .data = b->data,
                          .errbuf = b->errbuf,
                          .errlen = sizeof b->errbuf};
}

static void bench_cleanup(bench_t *b)
{
    if (b->desc->destroy)
        b->desc->destroy(b->data);
    free(b->data);
}

/* The model-wide number of a state, by name. */
static size_t bench_state(const bench_t *b, const char *name)
{
    for (size_t s = 0; s < b->n_states; ++s)
        if (strcmp(b->names[s], name) == 0)
            return s;
    ck_abort_msg("no state '%s'", name);
    return 0;
}

/* Calls `which` callback of every module, parents first, each with its module-local view.
 * The reset flags are cleared before post_integral, as the host clears them. CALL_EVENT
 * fills b->event (model-wide event numbers); CALL_HANDLE tells handle_event b->fired. */
enum bench_call { CALL_INIT, CALL_DERIV, CALL_JAC, CALL_DIAG, CALL_POST, CALL_EVENT, CALL_HANDLE };

static void bench_call(bench_t *b, enum bench_call which)
{
    for (size_t s = 0; s < b->n_states; ++s)
        for (size_t u = b->population; u < b->units; ++u)
            b->value[s][u] = b->value[s][b->population - 1];
    if (which == CALL_POST)
        memset(b->reset, 0, sizeof b->reset);
    for (size_t m = 0; b->desc->modules[m]; ++m) {
        const dq_module_desc_t *md = b->desc->modules[m];
        dq_module_fn fn = which == CALL_INIT    ? md->init_state
                          : which == CALL_DERIV ? md->compute_derivative
                          : which == CALL_JAC   ? md->jacobian
                          : which == CALL_DIAG  ? md->jacobian_diag
                          : which == CALL_POST  ? md->post_integral
                          : which == CALL_EVENT ? md->event
                                                : md->handle_event;
        if (!fn)
            continue;
        size_t var[MAX_VARS], nv = 0;
        for (size_t k = 0; k < md->n_states; ++k)
            var[nv++] = b->first[m] + k;
        for (size_t r = 0; md->reads && md->reads[r]; ++r) {
            ck_assert_uint_lt(nv, MAX_VARS);
            var[nv++] = bench_state(b, md->reads[r]);
        }
        double *value[MAX_VARS], *deriv[MAX_VARS], *diff[MAX_VARS], *diag[MAX_VARS];
        double *jac[MAX_VARS * MAX_VARS];
        for (size_t k = 0; k < nv; ++k)
            value[k] = b->value_tab[var[k]];
        for (size_t k = 0; k < md->n_states; ++k) {
            deriv[k] = b->deriv_tab[var[k]];
            diff[k] = b->diff_tab[var[k]];
            diag[k] = b->diag_tab[var[k]];
            for (size_t c = 0; c < nv; ++c)
                jac[k * nv + c] = b->jac_tab[var[k] * b->n_states + var[c]];
        }
        dq_view_t v = b->view;
        v.value = value;
        v.derivative = deriv;
        v.diffusion = b->view.diffusion ? diff : NULL;
        v.jacobian = which == CALL_JAC ? jac : NULL;
        v.jacobian_diag = which == CALL_DIAG ? diag : NULL;
        v.n_vars = nv;
        v.reset = which == CALL_POST && (md->flags & DQ_MODULE_RESETS) ? b->reset : NULL;
        v.event = which == CALL_EVENT ? b->event_tab + b->first_event[m] : NULL;
        v.fired = which == CALL_HANDLE ? b->fired_tab + b->first_event[m] : NULL;
        ck_assert_int_eq(fn(&v), DQ_OK);
    }
}

/* ---- analytic Jacobians against central differences ----------------------------------------- */

typedef struct jac_case {
    const char *model;
    dq_param_arg_t args[2]; /* besides n = 4 */
    size_t n_args;
    double y[4][MAX_STATES]; /* the state of each of 4 units */
} jac_case_t;

static const double omega17 = 1.7, mu5 = 5.0, I_per_unit[4] = {0.1, -0.3, 2.0, 0.0};

static const jac_case_t jac_cases[] = {
    {"oscillator", {{"omega", &omega17, 1, NULL}}, 1, {{1, 0}, {0.3, -2}, {-1.5, 0.7}, {0, 0}}},
    /* Rest, the two removable singularities of alpha_m and alpha_n, and a spike peak; the
     * aux states (spikes, V_prev) have no Jacobian entries. */
    {"hh",
     {{"I_ext", I_per_unit, 4, NULL}},
     1,
     {{-65, 0, -65, 0.05, 0.6, 0.32},
      {-40, 1, -41, 0.3, 0.4, 0.5},
      {-55, 2, -55, 0.9, 0.1, 0.7},
      {30, 3, 25, 0.95, 0.2, 0.6}}},
    {"van_der_pol", {{"mu", &mu5, 1, NULL}}, 1, {{2, 0}, {0.5, -1}, {-1.2, 3}, {0, 0.1}}},
    {"stiff_linear", {{0}}, 0, {{1, 0}, {0.9, -0.1}, {-3, 2}, {0, 0}}},
    {"lorenz", {{0}}, 0, {{1, 1, 1}, {-5, 3, 20}, {12, -7, 35}, {0, 0, 0}}},
    {"fitzhugh_nagumo",
     {{"I", I_per_unit, 4, NULL}},
     1,
     {{-1, 1}, {1.5, -0.3}, {0, 0}, {2.2, 1.1}}},
    {"izhikevich", {{"I", I_per_unit, 4, NULL}}, 1, {{-65, -13}, {-50, -10}, {20, 0}, {-70, 5}}},
    /* (V, spikes, refractory): unit 2 is refractory, where V' = 0 and so is dF/dV. */
    {"lif",
     {{"I", I_per_unit, 4, NULL}},
     1,
     {{-65, 0, 0}, {-55, 3, 0}, {-60, 1, 1.5}, {-49, 0, 0}}},
    {"ou", {{0}}, 0, {{1}, {-2}, {0.3}, {0}}},
};

#define N_JAC_CASES (int)(sizeof jac_cases / sizeof jac_cases[0])

START_TEST(test_models_analytic_jacobian_matches_central_differences)
{
    const jac_case_t *jc = &jac_cases[_i];
    double n = 4;
    dq_param_arg_t args[3] = {{"n", &n, 1, NULL}};
    for (size_t a = 0; a < jc->n_args; ++a)
        args[1 + a] = jc->args[a];
    bench_t *b = malloc(sizeof *b);
    bench_init(b, jc->model, args, 1 + jc->n_args);
    const size_t S = b->n_states, U = b->population;
    ck_assert_uint_eq(U, 4);
    ck_assert_uint_eq(b->units, 8); /* one block of whole lanes */
    for (size_t u = 0; u < U; ++u)
        for (size_t s = 0; s < S; ++s)
            b->value[s][u] = jc->y[u][s];
    for (size_t k = 0; k < S * S; ++k)
        for (size_t u = 0; u < U; ++u)
            b->jac[k][u] = NAN; /* every entry must be written, and no aux one */
    bench_call(b, CALL_JAC);
    bench_call(b, CALL_DIAG);
    for (size_t r = 0; r < S; ++r)
        for (size_t c = 0; c < S; ++c)
            if (bench_is_aux(b, r) || bench_is_aux(b, c))
                for (size_t u = 0; u < U; ++u)
                    ck_assert_msg(isnan(b->jac[r * S + c][u]), "%s: aux entry (%zu, %zu) written",
                                  jc->model, r, c);

    double fp[MAX_STATES][MAX_UNITS], fm[MAX_STATES][MAX_UNITS], h[MAX_UNITS];
    for (size_t c = 0; c < S; ++c) {
        if (bench_is_aux(b, c))
            continue;
        for (size_t u = 0; u < U; ++u) {
            h[u] = 1e-6 * fmax(1.0, fabs(jc->y[u][c]));
            b->value[c][u] = jc->y[u][c] + h[u];
        }
        bench_call(b, CALL_DERIV);
        memcpy(fp, b->deriv, sizeof fp);
        for (size_t u = 0; u < U; ++u)
            b->value[c][u] = jc->y[u][c] - h[u];
        bench_call(b, CALL_DERIV);
        memcpy(fm, b->deriv, sizeof fm);
        for (size_t u = 0; u < U; ++u)
            b->value[c][u] = jc->y[u][c];
        for (size_t r = 0; r < S; ++r)
            for (size_t u = 0; u < U && !bench_is_aux(b, r); ++u) {
                const double fd = (fp[r][u] - fm[r][u]) / (2 * h[u]);
                const double J = b->jac[r * S + c][u];
                ck_assert_msg(fabs(J - fd) <= 1e-6 * fmax(fabs(J), 1e-3),
                              "%s: dF_%zu/dy_%zu of unit %zu: analytic %.17g, central "
                              "difference %.17g",
                              jc->model, r, c, u, J, fd);
            }
    }
    for (size_t s = 0; s < S; ++s)
        for (size_t u = 0; u < U && !bench_is_aux(b, s); ++u)
            ck_assert_msg(dq_test_ulps(b->diag[s][u], b->jac[s * S + s][u]) <= 4,
                          "%s: diagonal %zu of unit %zu: %.17g, full Jacobian %.17g", jc->model, s,
                          u, b->diag[s][u], b->jac[s * S + s][u]);
    bench_cleanup(b);
    free(b);
}
END_TEST

START_TEST(test_models_jacobian_skips_entries_the_host_leaves_null)
{
    /* As when the gates have a solver of their own: only the within-module blocks exist. */
    bench_t *b = malloc(sizeof *b);
    bench_init(b, "hh", NULL, 0);
    ck_assert_uint_eq(b->n_states, 6); /* V, spikes, V_prev (aux), m, h, n */
    const double y[6] = {-60, 0, -60, 0.1, 0.5, 0.4};
    for (size_t s = 0; s < 6; ++s)
        b->value[s][0] = y[s];
    for (size_t r = 0; r < 6; ++r)
        for (size_t c = 0; c < 6; ++c) {
            b->jac[r * 6 + c][0] = 42.0;
            if ((r == 0) != (c == 0))
                b->jac_tab[r * 6 + c] = NULL;
        }
    bench_call(b, CALL_JAC);
    bench_call(b, CALL_DIAG);
    for (size_t r = 0; r < 6; ++r)
        for (size_t c = 0; c < 6; ++c)
            if ((r == 0) != (c == 0) || bench_is_aux(b, r) || bench_is_aux(b, c))
                ck_assert_double_eq(b->jac[r * 6 + c][0], 42.0); /* exact: left alone */
    for (size_t s = 0; s < 6; ++s)
        if (!bench_is_aux(b, s))
            ck_assert_ulps(b->jac[s * 6 + s][0], b->diag[s][0], 4); /* two code paths */
    ck_assert_double_eq(b->jac[3 * 6 + 4][0], 0.0);                 /* exact: dm'/dh is 0 */
    bench_cleanup(b);
    free(b);
}
END_TEST

/* ---- Hodgkin-Huxley ------------------------------------------------------------------------- */

START_TEST(test_models_hh_rests_near_minus_65_mV_with_gates_at_steady_state)
{
    double n = 2;
    const double V0[2] = {-65.0, HH_REST};
    bench_t *b = malloc(sizeof *b);
    for (int k = 0; k < 2; ++k) {
        dq_param_arg_t args[] = {{"n", &n, 1, NULL}, {"V0", &V0[k], 1, NULL}};
        bench_init(b, "hh", args, 2);
        bench_call(b, CALL_INIT);
        ck_assert_double_eq(b->value[0][1], V0[k]); /* exact: copied */
        bench_call(b, CALL_DERIV);
        if (k == 0)
            ck_assert_double_eq_tol(b->deriv[0][1], HH_DVDT_AT_MINUS_65, 1e-13);
        else
            ck_assert_msg(fabs(b->deriv[0][1]) < 1e-12, "dV/dt = %g mV/ms", b->deriv[0][1]);
        for (int g = 3; g <= 5; ++g) /* m, h, n */
            ck_assert_msg(fabs(b->deriv[g][1]) < 1e-15, "gate %d: %g /ms", g, b->deriv[g][1]);
        bench_cleanup(b);
    }
    free(b);
}
END_TEST

START_TEST(test_models_hh_rates_are_finite_and_continuous_at_the_singular_points)
{
    double n = 8;
    dq_param_arg_t args[] = {{"n", &n, 1, NULL}};
    bench_t *b = malloc(sizeof *b);
    bench_init(b, "hh", args, 1);
    /* With every gate at 0, x' = alpha_x(V) and d(x')/dV = alpha_x'(V); at 1, x' = -beta. */
    const double d = 1e-7;
    const double V[8] = {-40, -40 - d, -40 + d, -55, -55 - d, -55 + d, -39.9 + 1e-9, -39.9 - 1e-9};
    for (size_t u = 0; u < 8; ++u) {
        b->value[0][u] = V[u];
        b->value[3][u] = b->value[4][u] = b->value[5][u] = 0.0; /* m, h, n */
    }
    /* hh is built with <dq/simd.h> (-fno-trapping-math, libmvec), which makes no promise
     * about FP exception flags, so the values themselves are what is checked. */
    bench_call(b, CALL_DERIV);
    bench_call(b, CALL_JAC);
    bench_call(b, CALL_DIAG);
    double(*dm)[MAX_UNITS] = &b->deriv[3], (*dn)[MAX_UNITS] = &b->deriv[5];
    double(*jm)[MAX_UNITS] = &b->jac[3 * 6 + 0], (*jn)[MAX_UNITS] = &b->jac[5 * 6 + 0];
    for (size_t u = 0; u < 8; ++u)
        ck_assert(isfinite((*dm)[u]) && isfinite((*dn)[u]) && isfinite((*jm)[u]) &&
                  isfinite((*jn)[u]));
    /* The limits: alpha_m(-40) = 1, alpha_n(-55) = 0.1, slopes 0.05 and 0.005. */
    ck_assert_ulps((*dm)[0], 1.0, 2);
    ck_assert_double_eq_tol((*dn)[3], 0.1, 1e-16);
    ck_assert_double_eq_tol((*jm)[0], 0.05, 1e-16);
    ck_assert_double_eq_tol((*jn)[3], 0.005, 1e-17);
    /* Continuous: neighbours 1e-7 away differ by slope * 1e-7 (to first order). */
    for (int k = 1; k <= 2; ++k) {
        const double sign = k == 1 ? -1 : 1;
        ck_assert_double_eq_tol((*dm)[k], 1.0 + sign * 0.05 * d, 1e-14);
        ck_assert_double_eq_tol((*dn)[3 + k], 0.1 + sign * 0.005 * d, 1e-15);
        ck_assert_double_eq_tol((*jm)[k], 0.05, 1e-9);
        ck_assert_double_eq_tol((*jn)[3 + k], 0.005, 1e-10);
    }
    /* The slope switches from its series to its closed form at V = -40 +- 0.1 mV: both sides
     * agree with the closed form in long double, which does not cancel there. */
    for (size_t u = 6; u < 8; ++u) {
        const long double y = ((long double)V[u] + 40) / 10;
        const long double ref = (1 - y / expm1l(y)) / -expm1l(-y); /* g'(y); alpha_m = g */
        ck_assert_msg(fabsl((*jm)[u] - 0.1L * ref) < 1e-16L, "V = %.17g: %.17g, %.17Lg", V[u],
                      (*jm)[u], 0.1L * ref);
    }
    bench_cleanup(b);
    free(b);
}
END_TEST

START_TEST(test_models_hh_fires_with_10_uA_injected)
{
    dq_error_t err = {0};
    double I = 10;
    dq_param_arg_t args[] = {{"I_ext", &I, 1, NULL}};
    dq_system_t *sys = dq_system_new(model_desc("hh"), args, 1, &err);
    ck_assert_ptr_nonnull(sys);
    dq_system_set_solver(sys, euler(), &err);
    ck_assert_int_eq(dq_system_prepare(sys, 0.0, 0.01, &err), DQ_OK);
    double vmax = -INFINITY, vmin = INFINITY;
    int rc = DQ_OK;
    for (int k = 0; k < 5000 && rc == DQ_OK; ++k) { /* 50 ms */
        rc = dq_system_step(sys, &err);
        const double V = dq_system_value(sys, 0, 0);
        vmax = fmax(vmax, V);
        vmin = fmin(vmin, V);
    }
    ck_assert_msg(rc == DQ_OK, "%s", err.message);
    ck_assert_msg(vmax > 20 && vmax < 60, "peak %g mV", vmax);     /* overshoot below ENa */
    ck_assert_msg(vmin > -80 && vmin < -65, "trough %g mV", vmin); /* undershoot above EK */
    dq_system_free(sys);
}
END_TEST

START_TEST(test_models_hh_spikes_counts_the_upward_0_mV_crossings_of_V)
{
    dq_error_t err = {0};
    double I = 10;
    dq_param_arg_t args[] = {{"I_ext", &I, 1, NULL}};
    dq_system_t *sys = dq_system_new(model_desc("hh"), args, 1, &err);
    ck_assert_ptr_nonnull(sys);
    dq_system_set_solver(sys, euler(), &err);
    ck_assert_int_eq(dq_system_prepare(sys, 0.0, 0.01, &err), DQ_OK);
    const size_t V = (size_t)dq_system_state_index(sys, "V");
    const size_t spikes = (size_t)dq_system_state_index(sys, "spikes");
    const size_t V_prev = (size_t)dq_system_state_index(sys, "V_prev");
    ck_assert_uint_eq(spikes, 1);
    ck_assert_uint_eq(V_prev, 2);
    double prev = dq_system_value(sys, V, 0);
    int crossings = 0, rc = DQ_OK;
    for (int k = 0; k < 10000 && rc == DQ_OK; ++k) { /* 100 ms */
        rc = dq_system_step(sys, &err);
        const double v = dq_system_value(sys, V, 0);
        crossings += prev < 0.0 && v >= 0.0;
        /* V_prev is V when the step ended: the start of the next step's crossing test. */
        ck_assert_double_eq(dq_system_value(sys, V_prev, 0), v); /* exact: copy */
        ck_assert_double_eq(dq_system_value(sys, spikes, 0), crossings);
        prev = v;
    }
    ck_assert_msg(rc == DQ_OK, "%s", err.message);
    /* Tonic firing near 70 Hz. */
    ck_assert_msg(crossings >= 5 && crossings <= 9, "%d spikes in 100 ms", crossings);
    dq_system_free(sys);
}
END_TEST

/* ---- Izhikevich ----------------------------------------------------------------------------- */

/* The reset is an event applied at the located crossing, after which the unit goes on for
 * the rest of the step: no v at or above the peak is seen after a step, and each spike shows
 * as a drop of v with the jump d = 8 of u. */
START_TEST(test_models_izhikevich_resets_at_the_crossing_and_spikes)
{
    dq_error_t err = {0};
    dq_system_t *sys = dq_system_new(model_desc("izhikevich"), NULL, 0, &err);
    ck_assert_ptr_nonnull(sys);
    dq_system_set_solver(sys, euler(), &err);
    ck_assert_int_eq(dq_system_prepare(sys, 0.0, 0.1, &err), DQ_OK);
    ck_assert_uint_eq(dq_system_event_count(sys), 1);
    ck_assert_str_eq(dq_system_event_name(sys, 0), "spike");
    ck_assert_uint_eq(dq_system_event_flags(sys, 0), DQ_EVENT_SPIKE | DQ_EVENT_RESET);
    double vmax = -INFINITY, v_prev = dq_system_value(sys, 0, 0);
    double u_prev = dq_system_value(sys, 1, 0);
    int rc = DQ_OK, spikes = 0, bad_resets = 0;
    for (int k = 0; k < 1000 && rc == DQ_OK; ++k) { /* 100 ms at I = 10 */
        rc = dq_system_step(sys, &err);
        const double v = dq_system_value(sys, 0, 0), u = dq_system_value(sys, 1, 0);
        vmax = fmax(vmax, v);
        if (v < v_prev - 30.0) { /* reset to c = -65 within the step */
            spikes++;
            /* u jumped by d = 8, less what a(bv - u) moved it in one step. */
            bad_resets += fabs(u - u_prev - 8.0) > 0.5;
        }
        v_prev = v;
        u_prev = u;
    }
    ck_assert_msg(rc == DQ_OK, "%s", err.message);
    ck_assert_msg(vmax < 30.0, "v reached %g mV after a step", vmax);
    ck_assert_msg(spikes >= 3, "%d spikes in 100 ms", spikes);
    ck_assert_int_eq(bad_resets, 0);
    ck_assert_uint_eq(dq_system_event_fired(sys, 0, 0), (uint64_t)spikes);
    dq_system_free(sys);
}
END_TEST

START_TEST(test_models_izhikevich_event_is_v_minus_30_mV_and_resets_only_fired_lanes)
{
    const dq_module_desc_t *md = model_desc("izhikevich")->modules[0];
    ck_assert_uint_eq(md->n_events, 1);
    ck_assert_str_eq(md->events[0].name, "spike");
    ck_assert_int_eq(md->events[0].direction, DQ_EVENT_UP);
    ck_assert_uint_eq(md->events[0].flags, DQ_EVENT_SPIKE | DQ_EVENT_RESET);
    /* The event replaces the reset after the step. */
    ck_assert_ptr_null(md->post_integral);
    ck_assert_uint_eq(md->flags & DQ_MODULE_RESETS, 0);
    double n = 4;
    dq_param_arg_t args[] = {{"n", &n, 1, NULL}};
    bench_t *b = malloc(sizeof *b);
    bench_init(b, "izhikevich", args, 1);
    const double v[4] = {29.999, 30.0, 45.0, -70.0}, u[4] = {1, 2, 3, 4};
    for (size_t i = 0; i < 4; ++i)
        b->value[0][i] = v[i], b->value[1][i] = u[i];
    bench_call(b, CALL_EVENT);
    for (size_t i = 0; i < 4; ++i)
        ck_assert_double_eq(b->event[0][i], v[i] - 30.0);
    /* The host says which lanes fired; only those are reset (lane 2 is above the peak but
     * did not fire: a crossing is the host's to locate). */
    const unsigned char fired[4] = {0, 1, 0, 1};
    memcpy(b->fired[0], fired, sizeof fired);
    bench_call(b, CALL_HANDLE);
    const double v_after[4] = {29.999, -65, 45, -65}, u_after[4] = {1, 10, 3, 12};
    for (size_t i = 0; i < 4; ++i) {
        ck_assert_double_eq(b->value[0][i], v_after[i]);
        ck_assert_double_eq(b->value[1][i], u_after[i]);
    }
    bench_cleanup(b);
    free(b);
}
END_TEST

/* ---- leaky integrate-and-fire --------------------------------------------------------------- */

/* With the defaults (tau_m 10 ms, E_L = V_reset = V0 = -65 mV, R 10 MOhm, V_th -50 mV, t_ref
 * 2 ms), a current I rises V from -65 mV to the threshold in tau_m ln(R I / (R I - 15)). */
static double lif_rise_time(double I)
{
    return 10.0 * log(10.0 * I / (10.0 * I - 15.0));
}

/* Runs one LIF neuron at I for `steps` steps of dt with `solver_name`; returns the spike
 * count and fills the first two spike times (NAN when there are fewer spikes). */
static double lif_run(const char *solver_name, double I, double dt, long steps, double t_spike[2],
                      double *V_end)
{
    dq_error_t err = {0};
    dq_param_arg_t args[] = {{"I", &I, 1, NULL}};
    dq_system_t *sys = dq_system_new(model_desc("lif"), args, 1, &err);
    ck_assert_msg(sys != NULL, "%s", err.message);
    ck_assert_int_eq(dq_system_set_solver(sys, solver(solver_name), &err), DQ_OK);
    ck_assert_int_eq(dq_system_prepare(sys, 0.0, dt, &err), DQ_OK);
    ck_assert_str_eq(dq_system_time_unit(sys), "ms");
    const size_t V = (size_t)dq_system_state_index(sys, "V");
    const size_t spikes = (size_t)dq_system_state_index(sys, "spikes");
    t_spike[0] = t_spike[1] = NAN;
    double count = 0.0;
    for (long k = 0; k < steps; ++k) {
        ck_assert_msg(dq_system_step(sys, &err) == DQ_OK, "%s", err.message);
        const double c = dq_system_value(sys, spikes, 0);
        if (c > count && c <= 2.0)
            t_spike[(int)c - 1] = dq_system_time(sys);
        count = c;
        /* The reset happens within the step: no V at or above threshold is ever seen. */
        ck_assert_msg(dq_system_value(sys, V, 0) < -50.0, "V = %g mV after step %ld",
                      dq_system_value(sys, V, 0), k);
    }
    *V_end = dq_system_value(sys, V, 0);
    dq_system_free(sys);
    return count;
}

START_TEST(test_models_lif_spike_count_follows_the_analytic_interspike_interval)
{
    const char *names[] = {"euler", "rk4"};
    const double dt = 0.01, rise = lif_rise_time(2.0), isi = 2.0 + rise;
    /* rise = 10 ln 4 = 13.863 ms, isi = 15.863 ms: 63.04 intervals in 1000 ms. */
    ck_assert_double_eq_tol(isi, 2.0 + 10.0 * log(4.0), 1e-12);
    double t_spike[2], V_end;
    const double count = lif_run(names[_i], 2.0, dt, 100000, t_spike, &V_end);
    ck_assert_msg(fabs(count - 1000.0 / isi) <= 1.0, "%s: %g spikes, 1000/ISI = %g", names[_i],
                  count, 1000.0 / isi);
    /* The count goes up in the step that crosses, seen here at its end, up to one step
     * late (Euler's crossing is also 0.007 ms early: its rate is (1/tau_m)(1 + dt/(2 tau_m))
     * to first order); the reset is at the located crossing and the refractory period
     * lasts t_ref exactly (the spike times themselves: check_events). */
    ck_assert_msg(fabs(t_spike[0] - rise) <= 1.5 * dt, "%s: first spike at %.6f ms, analytic %.6f",
                  names[_i], t_spike[0], rise);
    ck_assert_msg(fabs(t_spike[1] - t_spike[0] - isi) <= 1.5 * dt,
                  "%s: interval %.6f ms, analytic %.6f", names[_i], t_spike[1] - t_spike[0], isi);
}
END_TEST

START_TEST(test_models_lif_below_the_threshold_gap_never_fires)
{
    /* R I = 10 mV < V_th - E_L = 15 mV: V settles at E_L + R I = -55 mV. */
    double t_spike[2], V_end;
    ck_assert_double_eq(lif_run("rk4", 1.0, 0.01, 100000, t_spike, &V_end), 0.0);
    ck_assert(isnan(t_spike[0]));
    ck_assert_double_eq_tol(V_end, -55.0, 1e-9);
}
END_TEST

/* lif's states and events, model-wide. */
enum { LIF_V, LIF_SPIKES, LIF_REFR, LIF_REFR_END };
enum { LIF_E_SPIKE, LIF_E_END };

START_TEST(test_models_lif_events_reset_hold_for_t_ref_and_free_at_its_end)
{
    const dq_module_desc_t *md = model_desc("lif")->modules[0];
    ck_assert_uint_eq(md->n_events, 2);
    ck_assert_str_eq(md->events[LIF_E_SPIKE].name, "spike");
    ck_assert_int_eq(md->events[LIF_E_SPIKE].direction, DQ_EVENT_UP);
    ck_assert_uint_eq(md->events[LIF_E_SPIKE].flags, DQ_EVENT_SPIKE | DQ_EVENT_RESET);
    ck_assert_str_eq(md->events[LIF_E_END].name, "refractory_end");
    ck_assert_int_eq(md->events[LIF_E_END].direction, DQ_EVENT_UP);
    ck_assert_uint_eq(md->events[LIF_E_END].flags, DQ_EVENT_RESET);
    ck_assert_uint_eq(md->flags & DQ_MODULE_RESETS, 0); /* post_integral resets nothing */

    double n = 5;
    dq_param_arg_t args[] = {{"n", &n, 1, NULL}};
    bench_t *b = malloc(sizeof *b);
    bench_init(b, "lif", args, 1);
    bench_call(b, CALL_INIT);
    b->view.t = 3.0;
    /* At threshold; just below; refractory until 3.5; refractory until 3.001; free. */
    const double V[5] = {-50.0, -50.001, -65.0, -65.0, -60.0};
    const double refr[5] = {0, 0, 0.5, 1e-3, 0}, refr_end[5] = {0, 0, 3.5, 3.001, 0};
    for (size_t i = 0; i < 5; ++i)
        b->value[LIF_V][i] = V[i], b->value[LIF_REFR][i] = refr[i],
        b->value[LIF_REFR_END][i] = refr_end[i];
    bench_call(b, CALL_DERIV);
    ck_assert_double_eq(b->deriv[LIF_V][2], 0.0); /* exact: held */
    ck_assert_double_eq(b->deriv[LIF_V][3], 0.0);
    ck_assert_double_eq_tol(b->deriv[LIF_V][4], (-5.0 + 20.0) / 10.0, 1e-15); /* -(V-E_L) + R I */
    /* V - V_th, and t - refractory_end while refractory (-1 ms when free: no crossing). */
    bench_call(b, CALL_EVENT);
    for (size_t i = 0; i < 5; ++i) {
        ck_assert_double_eq(b->event[LIF_E_SPIKE][i], V[i] + 50.0);
        ck_assert_double_eq(b->event[LIF_E_END][i], refr[i] > 0 ? 3.0 - refr_end[i] : -1.0);
    }
    /* Unit 0 spikes, unit 3's period ends, at t = 3 (the host's located times). */
    b->fired[LIF_E_SPIKE][0] = 1;
    b->fired[LIF_E_END][3] = 1;
    bench_call(b, CALL_HANDLE);
    const double V_after[5] = {-65, -50.001, -65, -65, -60};
    const double spikes_after[5] = {1, 0, 0, 0, 0};
    const double refr_after[5] = {2.0, 0, 0.5, 0, 0}, end_after[5] = {5.0, 0, 3.5, 3.001, 0};
    for (size_t i = 0; i < 5; ++i) {
        ck_assert_double_eq(b->value[LIF_V][i], V_after[i]);
        ck_assert_double_eq(b->value[LIF_SPIKES][i], spikes_after[i]);
        ck_assert_double_eq(b->value[LIF_REFR][i], refr_after[i]);
        ck_assert_double_eq(b->value[LIF_REFR_END][i], end_after[i]);
    }
    /* After a step to 3.25: the time left; the end event's function counts up to 0. */
    b->view.t = 3.25;
    bench_call(b, CALL_POST);
    ck_assert_double_eq(b->value[LIF_REFR][0], 1.75);
    ck_assert_double_eq(b->value[LIF_REFR][2], 0.25);
    ck_assert_double_eq(b->value[LIF_REFR][3], 0.0);
    ck_assert_double_eq(b->value[LIF_V][0], -65.0);
    /* A step past the end keeps the unit refractory (time left > 0): the end event, which
     * crossed in that step, frees it at 3.5, not the step. */
    b->view.t = 3.75;
    bench_call(b, CALL_POST);
    ck_assert_double_gt(b->value[LIF_REFR][2], 0.0);
    ck_assert_double_lt(b->value[LIF_REFR][2], 1e-300);
    bench_call(b, CALL_EVENT);
    ck_assert_double_eq(b->event[LIF_E_END][2], 0.25);
    bench_call(b, CALL_DERIV);
    ck_assert_double_eq(b->deriv[LIF_V][2], 0.0);
    /* Lanes at their own times (an adaptive run): each uses its lane_t. */
    const double lane_t[8] = {7.25, 0, 0, 0, 9.0, 0, 0, 0};
    b->view.lane_t = lane_t;
    memset(b->fired, 0, sizeof b->fired);
    b->fired[LIF_E_SPIKE][4] = 1;
    bench_call(b, CALL_HANDLE);
    ck_assert_double_eq(b->value[LIF_REFR_END][4], 11.0);
    ck_assert_double_eq(b->value[LIF_REFR][4], 2.0);
    bench_call(b, CALL_EVENT);
    ck_assert_double_eq(b->event[LIF_E_END][0], 7.25 - 5.0);
    ck_assert_double_eq(b->event[LIF_E_END][4], -2.0);
    bench_cleanup(b);

    /* t_ref = 0: a spike resets V and counts, and the unit is free at once. */
    double t_ref = 0;
    dq_param_arg_t args0[] = {{"n", &n, 1, NULL}, {"t_ref", &t_ref, 1, NULL}};
    bench_init(b, "lif", args0, 2);
    bench_call(b, CALL_INIT);
    b->value[LIF_V][0] = -49.0;
    b->fired[LIF_E_SPIKE][0] = 1;
    bench_call(b, CALL_HANDLE);
    ck_assert_double_eq(b->value[LIF_V][0], -65.0);
    ck_assert_double_eq(b->value[LIF_SPIKES][0], 1.0);
    ck_assert_double_eq(b->value[LIF_REFR][0], 0.0);
    bench_call(b, CALL_EVENT);
    ck_assert_double_eq(b->event[LIF_E_END][0], -1.0);
    bench_call(b, CALL_DERIV);
    ck_assert_double_eq_tol(b->deriv[LIF_V][0], 2.0, 1e-15); /* R I / tau_m from E_L */
    bench_cleanup(b);
    free(b);
}
END_TEST

START_TEST(test_models_lif_refuses_a_reset_at_or_above_threshold)
{
    dq_error_t err = {0};
    double V_reset = -50;
    dq_param_arg_t args[] = {{"V_reset", &V_reset, 1, NULL}};
    ck_assert_ptr_null(dq_system_new(model_desc("lif"), args, 1, &err));
    ck_assert_int_eq(err.code, DQ_EINVAL);
    ck_assert_str_eq(err.message,
                     "model 'lif': parameter 'V_reset' (-50 mV) must be below 'V_th' (-50 mV)");
}
END_TEST

/* ---- Ornstein-Uhlenbeck --------------------------------------------------------------------- */

START_TEST(test_models_ou_drift_with_rk4_gives_the_exact_mean)
{
    dq_error_t err = {0};
    double theta = 2.0, mu = 0.25;
    dq_param_arg_t args[] = {{"theta", &theta, 1, NULL}, {"mu", &mu, 1, NULL}};
    dq_system_t *sys = dq_system_new(model_desc("ou"), args, 2, &err);
    ck_assert_ptr_nonnull(sys);
    ck_assert_int_eq(dq_system_set_solver(sys, solver("rk4"), &err), DQ_OK);
    ck_assert_int_eq(dq_system_prepare(sys, 0.0, 0.01, &err), DQ_OK);
    ck_assert_str_eq(dq_system_time_unit(sys), "s");
    for (int k = 0; k < 100; ++k)
        ck_assert_msg(dq_system_step(sys, &err) == DQ_OK, "%s", err.message);
    ck_assert_double_eq_tol(dq_system_time(sys), 1.0, 1e-12);
    ck_assert_double_eq_tol(dq_system_value(sys, 0, 0), mu + (1.0 - mu) * exp(-theta), 1e-8);
    dq_system_free(sys);
}
END_TEST

START_TEST(test_models_ou_writes_sigma_to_the_diffusion_slot_when_there_is_one)
{
    double n = 3, sigma = 0.7;
    dq_param_arg_t args[] = {{"n", &n, 1, NULL}, {"sigma", &sigma, 1, NULL}};
    bench_t *b = malloc(sizeof *b);
    bench_init(b, "ou", args, 2);
    ck_assert_ptr_nonnull(b->diff_tab[0]);
    bench_call(b, CALL_INIT);
    const double x[3] = {1.0, -0.5, 0.0};
    for (size_t i = 0; i < 3; ++i)
        b->value[0][i] = x[i], b->diff[0][i] = NAN;
    bench_call(b, CALL_DERIV);
    for (size_t i = 0; i < 3; ++i) {
        ck_assert_ulps(b->deriv[0][i], 1.0 * (0.0 - x[i]), 2); /* theta (mu - x) */
        ck_assert_double_eq(b->diff[0][i], sigma);
    }
    /* Without a diffusion slot (a deterministic run) the drift is all it writes. */
    b->diff_tab[0] = NULL;
    bench_call(b, CALL_DERIV);
    b->view.diffusion = NULL;
    bench_call(b, CALL_DERIV);
    ck_assert_ulps(b->deriv[0][1], 0.5, 2);
    bench_cleanup(b);
    free(b);
}
END_TEST

/* ---- exact solutions ------------------------------------------------------------------------ */

START_TEST(test_models_oscillator_with_euler_stays_within_first_order_of_cos_t)
{
    dq_error_t err = {0};
    dq_system_t *sys = dq_system_new(model_desc("oscillator"), NULL, 0, &err);
    ck_assert_ptr_nonnull(sys);
    dq_system_set_solver(sys, euler(), &err);
    ck_assert_int_eq(dq_system_prepare(sys, 0.0, 1e-4, &err), DQ_OK);
    int rc = DQ_OK;
    for (int k = 0; k < 10000; ++k)
        rc |= dq_system_step(sys, &err);
    ck_assert_int_eq(rc, DQ_OK);
    ck_assert_double_eq_tol(dq_system_time(sys), 1.0, 1e-12);
    ck_assert_double_eq_tol(dq_system_value(sys, 0, 0), cos(1.0), 1e-4);
    ck_assert_double_eq_tol(dq_system_value(sys, 1, 0), -sin(1.0), 1e-4);
    dq_system_free(sys);
}
END_TEST

/* The exact solutions the descriptions state satisfy the equations: F(y(t)) = y'(t). */
START_TEST(test_models_exact_solutions_satisfy_the_equations)
{
    const double t[4] = {0.0, 1e-3, 0.37, 2.5};
    double omega = 1.7, x0 = 0.4, v0 = -1.1, n = 4;
    dq_param_arg_t oargs[] = {
        {"n", &n, 1, NULL}, {"omega", &omega, 1, NULL}, {"x0", &x0, 1, NULL}, {"v0", &v0, 1, NULL}};
    bench_t *b = malloc(sizeof *b);
    bench_init(b, "oscillator", oargs, 4);
    for (size_t u = 0; u < 4; ++u) {
        const double c = cos(omega * t[u]), s = sin(omega * t[u]);
        b->value[0][u] = x0 * c + v0 / omega * s;
        b->value[1][u] = -x0 * omega * s + v0 * c;
    }
    bench_call(b, CALL_DERIV);
    for (size_t u = 0; u < 4; ++u) {
        const double c = cos(omega * t[u]), s = sin(omega * t[u]);
        ck_assert_double_eq_tol(b->deriv[0][u], b->value[1][u], 1e-15);
        ck_assert_double_eq_tol(b->deriv[1][u], -x0 * omega * omega * c - v0 * omega * s, 1e-14);
    }
    bench_cleanup(b);

    dq_param_arg_t sargs[] = {{"n", &n, 1, NULL}};
    bench_init(b, "stiff_linear", sargs, 1);
    bench_call(b, CALL_INIT);
    ck_assert_double_eq(b->value[0][0], 1.0);
    ck_assert_double_eq(b->value[1][0], 0.0);
    for (size_t u = 0; u < 4; ++u) {
        const double e1 = exp(-t[u]), e1000 = exp(-1000 * t[u]);
        b->value[0][u] = 2 * e1 - e1000;
        b->value[1][u] = -e1 + e1000;
    }
    bench_call(b, CALL_DERIV);
    for (size_t u = 0; u < 4; ++u) {
        const double e1 = exp(-t[u]), e1000 = exp(-1000 * t[u]);
        ck_assert_double_eq_tol(b->deriv[0][u], -2 * e1 + 1000 * e1000, 1e-11);
        ck_assert_double_eq_tol(b->deriv[1][u], e1 - 1000 * e1000, 1e-11);
    }
    bench_cleanup(b);
    free(b);
}
END_TEST

START_TEST(test_models_ulp_helper_counts_representable_doubles)
{
    /* The helper behind the tolerances below: 1 ulp is one representable step, across 0 too. */
    ck_assert_uint_eq(dq_test_ulps(1.0, 1.0), 0);
    ck_assert_uint_eq(dq_test_ulps(1.0, nextafter(1.0, 2.0)), 1);
    ck_assert_uint_eq(dq_test_ulps(nextafter(1.0, 0.0), nextafter(1.0, 2.0)), 2);
    ck_assert_uint_eq(dq_test_ulps(0.0, -0.0), 0);
    ck_assert_uint_eq(dq_test_ulps(-4.9e-324, 4.9e-324), 2);
    ck_assert_uint_eq(dq_test_ulps(NAN, NAN), UINT64_MAX);
    ck_assert_uint_gt(dq_test_ulps(-1.0, 1.0), (uint64_t)1 << 62);
    ck_assert_ulps(0.1 + 0.2, 0.3, 1);
}
END_TEST

Suite *models_suite(void)
{
    Suite *s = suite_create("models");
    TCase *tc = tcase_create("models");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup_builtins, teardown_builtins);
    tcase_add_loop_test(tc, test_models_register_parameters_with_defaults_units_and_docs, 0,
                        N_MODEL_CASES);
    tcase_add_loop_test(tc, test_models_declare_their_time_unit_and_state_flags, 0, N_FLAGS_CASES);
    tcase_add_loop_test(tc, test_models_initial_values_after_prepare_follow_the_parameters, 0,
                        N_MODEL_CASES);
    tcase_add_test(tc, test_models_hh_gates_start_at_steady_state_of_a_given_V0);
    tcase_add_test(tc, test_models_hh_I_ext_given_per_neuron_drives_each_neuron);
    tcase_add_test(tc, test_models_fitzhugh_nagumo_I_given_per_unit_drives_each_unit);
    tcase_add_test(tc, test_models_izhikevich_I_given_per_unit_drives_each_unit);
    tcase_add_test(tc, test_models_lif_I_given_per_unit_drives_each_unit);
    tcase_add_test(tc, test_models_per_unit_parameter_of_wrong_length_is_refused);
    tcase_add_loop_test(tc, test_models_analytic_jacobian_matches_central_differences, 0,
                        N_JAC_CASES);
    tcase_add_test(tc, test_models_jacobian_skips_entries_the_host_leaves_null);
    tcase_add_test(tc, test_models_hh_rests_near_minus_65_mV_with_gates_at_steady_state);
    tcase_add_test(tc, test_models_hh_rates_are_finite_and_continuous_at_the_singular_points);
    tcase_add_test(tc, test_models_hh_fires_with_10_uA_injected);
    tcase_add_test(tc, test_models_hh_spikes_counts_the_upward_0_mV_crossings_of_V);
    tcase_add_test(tc, test_models_izhikevich_resets_at_the_crossing_and_spikes);
    tcase_add_test(tc, test_models_izhikevich_event_is_v_minus_30_mV_and_resets_only_fired_lanes);
    tcase_add_loop_test(tc, test_models_lif_spike_count_follows_the_analytic_interspike_interval, 0,
                        2);
    tcase_add_test(tc, test_models_lif_below_the_threshold_gap_never_fires);
    tcase_add_test(tc, test_models_lif_events_reset_hold_for_t_ref_and_free_at_its_end);
    tcase_add_test(tc, test_models_lif_refuses_a_reset_at_or_above_threshold);
    tcase_add_test(tc, test_models_ou_drift_with_rk4_gives_the_exact_mean);
    tcase_add_test(tc, test_models_ou_writes_sigma_to_the_diffusion_slot_when_there_is_one);
    tcase_add_test(tc, test_models_oscillator_with_euler_stays_within_first_order_of_cos_t);
    tcase_add_test(tc, test_models_exact_solutions_satisfy_the_equations);
    tcase_add_test(tc, test_models_ulp_helper_counts_representable_doubles);
    suite_add_tcase(s, tc);
    return s;
}
