/* SPDX-License-Identifier: MIT */
/* check_cell.c -- the cable model `cell` (plugins/models/cell.c) in isolation: its descriptor
 * and each mechanism callback called with a hand-built view, against NEURON's hh.mod and
 * pas written out here independently (hh.mod's rates with its vtrap, x' = (x_inf - x)/tau).
 * The plugin is dlopen'ed directly, so no host runtime is involved. */
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include <dq/cable.h>
#include <dq/plugin.h>

static void *handle;
static const dq_model_desc_t *cell;

static void setup_cell(void)
{
    handle = dlopen(DQ_TEST_PLUGIN_DIR "/cell.so", RTLD_NOW | RTLD_LOCAL);
    ck_assert_msg(handle != NULL, "%s", dlerror());
    dq_plugin_entry_fn entry;
    *(void **)&entry = dlsym(handle, DQ_PLUGIN_ENTRY_SYMBOL);
    ck_assert_ptr_nonnull(entry);
    const dq_plugin_info_t *info = entry();
    ck_assert_ptr_nonnull(info->models);
    cell = info->models[0];
    ck_assert_ptr_nonnull(cell);
    ck_assert_ptr_null(info->models[1]);
}

static void teardown_cell(void)
{
    dlclose(handle);
}

static const dq_module_desc_t *module(const char *name)
{
    for (size_t i = 0; cell->modules[i]; ++i)
        if (strcmp(cell->modules[i]->name, name) == 0)
            return cell->modules[i];
    ck_abort_msg("no module '%s'", name);
    return NULL;
}

static const dq_param_desc_t *param(const char *name)
{
    for (size_t i = 0; i < cell->n_params; ++i)
        if (strcmp(cell->params[i].name, name) == 0)
            return &cell->params[i];
    return NULL;
}

/* The instance as the host binds it: every parameter's default at its offset, then the
 * overrides given as name, value pairs (NULL-terminated). */
static void *instance(const char *name, double value)
{
    void *d = calloc(1, cell->data_size);
    ck_assert_ptr_nonnull(d);
    for (size_t i = 0; i < cell->n_params; ++i)
        memcpy((char *)d + cell->params[i].offset, &cell->params[i].def, sizeof(double));
    if (name) {
        const dq_param_desc_t *p = param(name);
        ck_assert_ptr_nonnull(p);
        memcpy((char *)d + p->offset, &value, sizeof(double));
    }
    return d;
}

/* ---- NEURON's hh.mod, written out (celsius 6.3: q10 = 1) ----------------------------------- */

static double vtrap(double x, double y)
{
    return fabs(x / y) < 1e-6 ? y * (1 - x / y / 2) : x / (exp(x / y) - 1);
}

typedef struct nrn_rates {
    double a[3], b[3]; /* m, h, n */
} nrn_rates_t;

static nrn_rates_t nrn_rates(double v)
{
    nrn_rates_t r;
    r.a[0] = .1 * vtrap(-(v + 40), 10);
    r.b[0] = 4 * exp(-(v + 65) / 18);
    r.a[1] = .07 * exp(-(v + 65) / 20);
    r.b[1] = 1 / (exp(-(v + 35) / 10) + 1);
    r.a[2] = .01 * vtrap(-(v + 55), 10);
    r.b[2] = .125 * exp(-(v + 65) / 80);
    return r;
}

/* hh.mod's BREAKPOINT in NEURON's units (S/cm², mA/cm²) times 1000: µA/cm². */
static double nrn_hh_current(double v, double m, double h, double n)
{
    const double gna = .12 * m * m * m * h, gk = .036 * n * n * n * n, gl = .0003;
    return 1000 * (gna * (v - 50) + gk * (v - -77) + gl * (v - -54.3));
}

/* Eight lanes: four compartments of two cells, V across the rates' singular points (-40 and
 * -55 mV, where vtrap is 0/0) and both sides of the spike. */
enum { UNITS = 8, CELLS = 2 };
static const double V_AT[UNITS] = {-80, -65, -55, -40, -20, 0, 30, -54.3};
static const double GATE[3][UNITS] = {{0.05, 0.1, 0.3, 0.5, 0.7, 0.9, 0.95, 0.2},
                                      {0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05, 0.55},
                                      {0.3, 0.35, 0.4, 0.5, 0.6, 0.7, 0.8, 0.45}};

typedef struct lanes {
    double x[4][UNITS]; /* hh: m, h, n, V; pas: V in x[0] */
    double f[3][UNITS], d[3][UNITS];
    double cur[UNITS], cond[UNITS];
    double *value[4], *derivative[3], *diag[3];
    double *jac[16];
    double jstore[16][UNITS];
    dq_view_t v;
} lanes_t;

static void lanes_init(lanes_t *l, void *data, int hh)
{
    memset(l, 0, sizeof *l);
    for (size_t i = 0; i < UNITS; ++i) {
        for (int g = 0; g < 3 && hh; ++g)
            l->x[g][i] = GATE[g][i];
        l->x[hh ? 3 : 0][i] = V_AT[i];
        l->cur[i] = 2.0; /* as if another mechanism had added its share */
        l->cond[i] = 0.5;
    }
    for (int k = 0; k < 4; ++k)
        l->value[k] = l->x[k];
    for (int k = 0; k < 3; ++k) {
        l->derivative[k] = l->f[k];
        l->diag[k] = l->d[k];
    }
    for (int k = 0; k < 16; ++k)
        l->jac[k] = l->jstore[k];
    l->v = (dq_view_t){.abi = DQ_ABI_HEADER_INIT(dq_view_t),
                       .units = UNITS,
                       .population = CELLS,
                       .cells = CELLS,
                       .value = l->value,
                       .derivative = l->derivative,
                       .jacobian = l->jac,
                       .jacobian_diag = l->diag,
                       .n_vars = hh ? 4 : 1,
                       .data = data,
                       .current = l->cur,
                       .conductance = l->cond};
}

static void assert_close(double got, double want, double rel, const char *what, size_t i)
{
    ck_assert_msg(fabs(got - want) <= rel * fmax(1.0, fabs(want)),
                  "%s, lane %zu: %.17g, want %.17g", what, i, got, want);
}

/* ---- tests ---------------------------------------------------------------------------------- */

START_TEST(test_cell_declares_one_V_a_spike_hh_in_the_soma_and_pas_elsewhere)
{
    ck_assert_str_eq(cell->name, "cell");
    ck_assert_str_eq(cell->time_unit, "ms");
    ck_assert_ptr_nonnull(cell->cable);
    ck_assert_double_eq(cell->cable->cm, 1.0);
    ck_assert_double_eq(cell->cable->Ra, 35.4);
    ck_assert_double_eq(cell->cable->v_init, -65.0);

    const dq_module_desc_t *root = cell->modules[0];
    ck_assert_int_eq(root->parent, -1);
    ck_assert_uint_eq(root->n_states, 1);
    ck_assert_str_eq(root->states[0].name, "V");
    ck_assert_str_eq(root->states[0].unit, "mV");
    ck_assert_ptr_null(root->compute_derivative);
    ck_assert_uint_eq(root->n_events, 1);
    ck_assert_str_eq(root->events[0].name, "spike");
    ck_assert_int_eq(root->events[0].direction, DQ_EVENT_UP);
    ck_assert_uint_eq(root->events[0].flags, DQ_EVENT_SPIKE);

    const dq_module_desc_t *hh = module("hh"), *pas = module("pas");
    ck_assert_uint_eq(hh->regions, DQ_REGION_SOMA);
    ck_assert_uint_eq(hh->n_states, 3);
    ck_assert_str_eq(hh->states[0].name, "m");
    ck_assert_str_eq(hh->states[1].name, "h");
    ck_assert_str_eq(hh->states[2].name, "n");
    ck_assert_str_eq(hh->reads[0], "V");
    ck_assert_ptr_null(hh->reads[1]);
    ck_assert_ptr_nonnull(hh->current);
    ck_assert_uint_eq(pas->n_states, 0);
    ck_assert_ptr_nonnull(pas->current);
    /* pas everywhere hh is not: every SWC type but the soma, custom types included. */
    ck_assert_uint_eq(pas->regions & DQ_REGION_SOMA, 0);
    ck_assert_uint_eq(pas->regions & (DQ_REGION_AXON | DQ_REGION_DENDRITES | DQ_REGION(7)),
                      DQ_REGION_AXON | DQ_REGION_DENDRITES | DQ_REGION(7));
    ck_assert_ptr_null(cell->modules[3]);
}
END_TEST

START_TEST(test_cell_parameters_are_neurons_defaults_in_mS_per_cm2_and_mV)
{
    static const struct {
        const char *name;
        double def;
        const char *unit;
    } want[] = {{"gnabar", 120, "mS/cm^2"}, {"gkbar", 36, "mS/cm^2"}, {"gl", 0.3, "mS/cm^2"},
                {"el", -54.3, "mV"},        {"ena", 50, "mV"},        {"ek", -77, "mV"},
                {"g_pas", 0.1, "mS/cm^2"},  {"e_pas", -65, "mV"},     {"n", 1, NULL}};
    ck_assert_uint_eq(cell->n_params, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; ++i) {
        const dq_param_desc_t *p = param(want[i].name);
        ck_assert_msg(p != NULL, "no parameter %s", want[i].name);
        ck_assert_double_eq(p->def, want[i].def);
        if (want[i].unit)
            ck_assert_str_eq(p->unit, want[i].unit);
        /* Global parameters: the same for every cell and compartment. */
        ck_assert_uint_eq(p->flags & DQ_PARAM_PER_UNIT, 0);
    }
    ck_assert_uint_ne(param("n")->flags & DQ_PARAM_POPULATION, 0);
}
END_TEST

START_TEST(test_cell_hh_current_is_hh_mod_breakpoint_and_adds_to_the_lanes_sum)
{
    void *d = instance(NULL, 0);
    lanes_t l;
    lanes_init(&l, d, 1);
    ck_assert_int_eq(module("hh")->current(&l.v), DQ_OK);
    for (size_t i = 0; i < UNITS; ++i) {
        const double m = GATE[0][i], h = GATE[1][i], n = GATE[2][i];
        assert_close(l.cur[i], 2.0 + nrn_hh_current(V_AT[i], m, h, n), 1e-13, "current", i);
        const double g = 120 * m * m * m * h + 36 * n * n * n * n + 0.3;
        assert_close(l.cond[i], 0.5 + g, 1e-13, "conductance", i);
    }
    free(d);
}
END_TEST

START_TEST(test_cell_hh_conductance_is_dI_dV_with_the_gates_held)
{
    void *d = instance("gnabar", 100.0); /* a parameter reaches the callback */
    lanes_t l, lp, lm;
    lanes_init(&l, d, 1);
    lanes_init(&lp, d, 1);
    lanes_init(&lm, d, 1);
    const double dv = 1e-3;
    for (size_t i = 0; i < UNITS; ++i) {
        lp.x[3][i] += dv;
        lm.x[3][i] -= dv;
    }
    const dq_module_desc_t *hh = module("hh");
    ck_assert_int_eq(hh->current(&l.v), DQ_OK);
    ck_assert_int_eq(hh->current(&lp.v), DQ_OK);
    ck_assert_int_eq(hh->current(&lm.v), DQ_OK);
    for (size_t i = 0; i < UNITS; ++i) {
        const double fd = (lp.cur[i] - lm.cur[i]) / (2 * dv);
        assert_close(l.cond[i] - 0.5, fd, 1e-9, "dI/dV", i);
        const double m = GATE[0][i], h = GATE[1][i], n = GATE[2][i];
        assert_close(l.cond[i] - 0.5, 100 * m * m * m * h + 36 * n * n * n * n + 0.3, 1e-13,
                     "gnabar 100", i);
    }
    free(d);
}
END_TEST

START_TEST(test_cell_hh_init_state_puts_each_gate_at_alpha_over_alpha_plus_beta)
{
    void *d = instance(NULL, 0);
    lanes_t l;
    lanes_init(&l, d, 1);
    ck_assert_int_eq(module("hh")->init_state(&l.v), DQ_OK);
    for (size_t i = 0; i < UNITS; ++i) {
        nrn_rates_t r = nrn_rates(V_AT[i]);
        for (int g = 0; g < 3; ++g)
            assert_close(l.x[g][i], r.a[g] / (r.a[g] + r.b[g]), 1e-12, "x_inf", i);
        ck_assert_double_eq(l.x[3][i], V_AT[i]); /* V is read, not written */
    }
    /* At -65 mV: NEURON's m, h, n after finitialize(-65). */
    ck_assert_double_eq_tol(l.x[0][1], 0.052932485257, 1e-11);
    ck_assert_double_eq_tol(l.x[1][1], 0.596120753508, 1e-11);
    ck_assert_double_eq_tol(l.x[2][1], 0.317676914061, 1e-11);
    free(d);
}
END_TEST

START_TEST(test_cell_hh_gates_follow_x_inf_minus_x_over_tau_with_diagonal_minus_alpha_plus_beta)
{
    void *d = instance(NULL, 0);
    lanes_t l, ld, lj;
    lanes_init(&l, d, 1);
    lanes_init(&ld, d, 1);
    lanes_init(&lj, d, 1);
    const dq_module_desc_t *hh = module("hh");
    ck_assert_int_eq(hh->compute_derivative(&l.v), DQ_OK);
    ck_assert_int_eq(hh->compute_derivative_diag(&ld.v), DQ_OK);
    ck_assert_int_eq(hh->jacobian_diag(&lj.v), DQ_OK);
    for (size_t i = 0; i < UNITS; ++i) {
        nrn_rates_t r = nrn_rates(V_AT[i]);
        for (int g = 0; g < 3; ++g) {
            const double sum = r.a[g] + r.b[g], inf = r.a[g] / sum, tau = 1 / sum;
            assert_close(l.f[g][i], (inf - GATE[g][i]) / tau, 1e-12, "x'", i);
            ck_assert_double_eq(ld.f[g][i], l.f[g][i]);
            assert_close(ld.d[g][i], -sum, 1e-12, "-(alpha + beta)", i);
            /* jacobian_diag and the fused pass give the same bits. */
            ck_assert_double_eq(lj.d[g][i], ld.d[g][i]);
        }
    }
    free(d);
}
END_TEST

START_TEST(test_cell_hh_jacobian_rows_match_central_differences)
{
    void *d = instance(NULL, 0);
    lanes_t l;
    lanes_init(&l, d, 1);
    const dq_module_desc_t *hh = module("hh");
    ck_assert_int_eq(hh->jacobian(&l.v), DQ_OK);
    for (int c = 0; c < 4; ++c) {
        const double step = c == 3 ? 1e-4 : 1e-6;
        lanes_t lp, lm;
        lanes_init(&lp, d, 1);
        lanes_init(&lm, d, 1);
        for (size_t i = 0; i < UNITS; ++i) {
            lp.x[c][i] += step;
            lm.x[c][i] -= step;
        }
        ck_assert_int_eq(hh->compute_derivative(&lp.v), DQ_OK);
        ck_assert_int_eq(hh->compute_derivative(&lm.v), DQ_OK);
        for (int r = 0; r < 3; ++r)
            for (size_t i = 0; i < UNITS; ++i) {
                const double fd = (lp.f[r][i] - lm.f[r][i]) / (2 * step);
                ck_assert_msg(fabs(l.jstore[r * 4 + c][i] - fd) <= 1e-6 * fmax(1, fabs(fd)),
                              "dF_%d/dy_%d lane %zu: %.12g, differences %.12g", r, c, i,
                              l.jstore[r * 4 + c][i], fd);
            }
    }
    free(d);
}
END_TEST

START_TEST(test_cell_pas_current_is_g_pas_times_V_minus_e_pas)
{
    void *d = instance("e_pas", -70.0);
    lanes_t l;
    lanes_init(&l, d, 0);
    ck_assert_int_eq(module("pas")->current(&l.v), DQ_OK);
    for (size_t i = 0; i < UNITS; ++i) {
        assert_close(l.cur[i], 2.0 + 0.1 * (V_AT[i] + 70), 1e-14, "pas current", i);
        ck_assert_double_eq(l.cond[i], 0.5 + 0.1);
    }
    free(d);
}
END_TEST

START_TEST(test_cell_spike_event_is_V_minus_0_mV)
{
    void *d = instance(NULL, 0);
    double V[UNITS], g[UNITS];
    memcpy(V, V_AT, sizeof V);
    double *value[1] = {V}, *event[1] = {g};
    dq_view_t v = {.abi = DQ_ABI_HEADER_INIT(dq_view_t),
                   .units = UNITS,
                   .population = UNITS,
                   .value = value,
                   .event = event,
                   .data = d};
    ck_assert_int_eq(cell->modules[0]->event(&v), DQ_OK);
    for (size_t i = 0; i < UNITS; ++i)
        ck_assert_double_eq(g[i], V_AT[i]);
    free(d);
}
END_TEST

Suite *cell_suite(void)
{
    Suite *s = suite_create("cell");
    TCase *tc = tcase_create("cell");
    tcase_add_checked_fixture(tc, setup_cell, teardown_cell);
    tcase_add_test(tc, test_cell_declares_one_V_a_spike_hh_in_the_soma_and_pas_elsewhere);
    tcase_add_test(tc, test_cell_parameters_are_neurons_defaults_in_mS_per_cm2_and_mV);
    tcase_add_test(tc, test_cell_hh_current_is_hh_mod_breakpoint_and_adds_to_the_lanes_sum);
    tcase_add_test(tc, test_cell_hh_conductance_is_dI_dV_with_the_gates_held);
    tcase_add_test(tc, test_cell_hh_init_state_puts_each_gate_at_alpha_over_alpha_plus_beta);
    tcase_add_test(
        tc, test_cell_hh_gates_follow_x_inf_minus_x_over_tau_with_diagonal_minus_alpha_plus_beta);
    tcase_add_test(tc, test_cell_hh_jacobian_rows_match_central_differences);
    tcase_add_test(tc, test_cell_pas_current_is_g_pas_times_V_minus_e_pas);
    tcase_add_test(tc, test_cell_spike_event_is_V_minus_0_mV);
    suite_add_tcase(s, tc);
    return s;
}
