/* SPDX-License-Identifier: MIT */
/* impl_dqhost.c -- dqhost through libdqcore, as an embedding program uses it: the build
 * tree's plugins loaded once, then per problem a system of model hh (n, I_ext, sigma when
 * noisy), decay (n, tau, y0) or ou (n, theta, mu, sigma, x0) with the solver of the scheme
 * and the seed BENCH_SEED, prepared, and advanced.
 *
 * Three rows: "dqhost" calls dq_system_step once per step on one thread, like every other
 * implementation here (the comparison); "dqhost_run1" calls dq_system_run for the whole
 * run on one thread, which takes each block through all the steps while it is in cache
 * (what the dqhost command line does); "dqhost_mt" does the same with one thread per core
 * (fewer for small populations).
 *
 * The cable workloads (cable_rows.c) build model `cell` on examples/pyramid.swc with
 * dq_system_new_cable (d_lambda 0.1 at 100 Hz, the pulses of workload.h at soma(0.5)); the
 * soma's spikes are taken from the host at the end of each run call (one spike per cell at
 * most in a timed run: a few microseconds beside the steps). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dq/host/cable.h>
#include <dq/host/loader.h>
#include <dq/host/registry.h>
#include <dq/host/system.h>

#include "bench.h"
#include "workload.h"

#ifndef BENCH_CABLE_SWC
#error "BENCH_CABLE_SWC must name examples/pyramid.swc"
#endif
#ifndef BENCH_PLUGIN_DIR
#error "BENCH_PLUGIN_DIR must name the build tree's plugin directory"
#endif

static dq_registry_t *dqb_reg;
static dq_loader_t *dqb_loader;

typedef struct dqb_state {
    bench_problem_t p;
    int whole_run; /* 0: a dq_system_step loop; 1: dq_system_run, one thread; 2: all cores */
    dq_system_t *sys;
    size_t s_value; /* V or y */
    long s_spikes;  /* -1 for decay */
    /* cable: spikes taken from the host so far, and cell 0's first times */
    double n_spikes;
    double spike_t[BENCH_SPIKE_TIMES];
    int n_spike_t;
    double compartments;
} dqb_state_t;

void bench_dqhost_cleanup(void)
{
    dq_registry_free(dqb_reg); /* before the loader: entries borrow plugin memory */
    dq_loader_free(dqb_loader);
    dqb_reg = NULL;
    dqb_loader = NULL;
}

static int dqb_load(char *msg, size_t len)
{
    if (dqb_reg)
        return 0;
    dq_error_t err = {0};
    dqb_reg = dq_registry_new();
    dqb_loader = dqb_reg ? dq_loader_new(dqb_reg, &err) : NULL;
    if (!dqb_loader || dq_loader_load_dir(dqb_loader, BENCH_PLUGIN_DIR, &err) != DQ_OK) {
        snprintf(msg, len, "cannot load plugins from '%s': %s", BENCH_PLUGIN_DIR,
                 err.message[0] ? err.message : "out of memory");
        bench_dqhost_cleanup();
        return 1;
    }
    return 0;
}

static const char *dqb_solver_name(bench_scheme_t s)
{
    return bench_scheme_name(s); /* the harness's names are dqhost's solver names */
}

static const char *dqb_model_name(bench_model_t m)
{
    return m == BENCH_HH       ? "hh"
           : m == BENCH_DECAY  ? "decay"
           : m == BENCH_LORENZ ? "lorenz"
           : m == BENCH_CABLE  ? "cell"
                               : "ou";
}

/* n copies of the pyramidal cell with the pulses of workload.h at soma(0.5). */
static dq_system_t *dqb_cable_system(const dq_model_desc_t *model, size_t n, dq_error_t *err)
{
    dq_morph_t *morph = dq_morph_load(BENCH_CABLE_SWC, err);
    if (!morph)
        return NULL;
    dq_cable_stim_t stim[CABLE_PULSES];
    for (int k = 0; k < CABLE_PULSES; ++k)
        stim[k] = (dq_cable_stim_t){.at = "soma(0.5)",
                                    .delay = CABLE_DELAY + k * CABLE_PERIOD,
                                    .dur = CABLE_DUR,
                                    .amp = CABLE_AMP};
    dq_cable_opts_t o;
    dq_cable_opts_init(&o); /* d_lambda 0.1 at 100 Hz; the model's cm, Ra, v_init */
    o.stim = stim;
    o.n_stim = CABLE_PULSES;
    const double cells = (double)n;
    const dq_param_arg_t args[] = {{.name = "n", .v = &cells, .len = 1}};
    dq_system_t *sys = dq_system_new_cable(model, args, 1, morph, &o, err);
    dq_morph_free(morph);
    return sys;
}

/* Moves the host's spikes into the state: cell 0's times, and the count. */
static void dqb_take_spikes(dqb_state_t *s)
{
    dq_spike_t buf[256];
    size_t got;
    while ((got = dq_system_spikes_take(s->sys, buf, sizeof buf / sizeof buf[0])) > 0)
        for (size_t i = 0; i < got; ++i) {
            s->n_spikes += 1.0;
            if (buf[i].unit == 0 && s->n_spike_t < BENCH_SPIKE_TIMES)
                s->spike_t[s->n_spike_t++] = buf[i].t;
        }
}

static int dqb_supports(const bench_problem_t *p, char *msg, size_t len)
{
    dq_error_t err = {0};
    if (dqb_load(msg, len))
        return 0;
    if (!dq_registry_lookup_model(dqb_reg, dqb_model_name(p->model), &err) ||
        !dq_registry_lookup(dqb_reg, dqb_solver_name(p->scheme), &err)) {
        snprintf(msg, len, "%s", err.message);
        return 0;
    }
    return 1;
}

static unsigned dqb_ref_substeps(const bench_problem_t *p)
{
    (void)p;
    return 1;
}

static void dqb_teardown(void *state)
{
    dqb_state_t *s = state;
    if (!s)
        return;
    dq_system_free(s->sys);
    free(s);
}

static void *dqb_setup_mode(const bench_problem_t *p, int whole_run, char *msg, size_t len)
{
    dq_error_t err = {0};
    if (dqb_load(msg, len))
        return NULL;
    const dq_model_entry_t *model =
        dq_registry_lookup_model(dqb_reg, dqb_model_name(p->model), &err);
    const dq_integrator_entry_t *solver =
        model ? dq_registry_lookup(dqb_reg, dqb_solver_name(p->scheme), &err) : NULL;
    dqb_state_t *s = calloc(1, sizeof *s);
    double *I = p->model == BENCH_HH ? malloc(p->n * sizeof *I) : NULL;
    if (!s || (p->model == BENCH_HH && !I)) {
        free(s);
        free(I);
        snprintf(msg, len, "out of memory");
        return NULL;
    }
    s->p = *p;
    s->whole_run = whole_run;
    if (solver) {
        const double n = (double)p->n, tau = DECAY_TAU, y0 = DECAY_Y0, sigma = p->sigma;
        const double theta = OU_THETA, mu = OU_MU, x0 = OU_X0;
        if (p->model == BENCH_HH) {
            for (size_t i = 0; i < p->n; ++i)
                I[i] = hh_iext(i, p->n);
            /* sigma only when noisy: the deterministic rows run the model as before #11 */
            const dq_param_arg_t args[] = {{.name = "n", .v = &n, .len = 1},
                                           {.name = "I_ext", .v = I, .len = p->n},
                                           {.name = "sigma", .v = &sigma, .len = 1}};
            s->sys = dq_system_new(model->desc, args, p->sigma != 0.0 ? 3 : 2, &err);
        } else if (p->model == BENCH_CABLE) {
            s->sys = dqb_cable_system(model->desc, p->n, &err);
        } else if (p->model == BENCH_LORENZ) { /* lorenz.c's defaults are the workload's */
            const dq_param_arg_t args[] = {{.name = "n", .v = &n, .len = 1}};
            s->sys = dq_system_new(model->desc, args, 1, &err);
        } else if (p->model == BENCH_DECAY) {
            const dq_param_arg_t args[] = {{.name = "n", .v = &n, .len = 1},
                                           {.name = "tau", .v = &tau, .len = 1},
                                           {.name = "y0", .v = &y0, .len = 1}};
            s->sys = dq_system_new(model->desc, args, 3, &err);
        } else {
            const dq_param_arg_t args[] = {{.name = "n", .v = &n, .len = 1},
                                           {.name = "theta", .v = &theta, .len = 1},
                                           {.name = "mu", .v = &mu, .len = 1},
                                           {.name = "sigma", .v = &sigma, .len = 1},
                                           {.name = "x0", .v = &x0, .len = 1}};
            s->sys = dq_system_new(model->desc, args, 5, &err);
        }
    }
    free(I);
    if (!s->sys || dq_system_set_solver(s->sys, solver, &err) != DQ_OK ||
        dq_system_set_seed(s->sys, BENCH_SEED, &err) != DQ_OK ||
        dq_system_set_threads(s->sys, whole_run > 1 ? 0 : 1, &err) != DQ_OK ||
        dq_system_prepare(s->sys, 0.0, p->dt, &err) != DQ_OK) {
        snprintf(msg, len, "%s", err.message);
        dqb_teardown(s);
        return NULL;
    }
    const char *value = p->model == BENCH_HH || p->model == BENCH_CABLE ? "V"
                        : p->model == BENCH_DECAY                       ? "y"
                                                                        : "x";
    s->s_value = (size_t)dq_system_state_index(s->sys, value);
    s->s_spikes = p->model == BENCH_HH ? dq_system_state_index(s->sys, "spikes") : -1;
    if (p->model == BENCH_CABLE) {
        const dq_morph_cable_t *cb = dq_system_cable(s->sys);
        for (size_t c = 0; cb && c < cb->n; ++c)
            s->compartments += !cb->junction[c];
    }
    /* The hand loops draw the noise of model-wide state 0 (hand_kernels.h). */
    if (p->sigma != 0.0 && s->s_value != 0) {
        snprintf(msg, len, "%s is state %zu of %s, the hand loops assume 0", value, s->s_value,
                 dqb_model_name(p->model));
        dqb_teardown(s);
        return NULL;
    }
    return s;
}

static void *dqb_setup(const bench_problem_t *p, char *msg, size_t len)
{
    return dqb_setup_mode(p, 0, msg, len);
}

static void *dqb_setup_run1(const bench_problem_t *p, char *msg, size_t len)
{
    return dqb_setup_mode(p, 1, msg, len);
}

static void *dqb_setup_mt(const bench_problem_t *p, char *msg, size_t len)
{
    return dqb_setup_mode(p, 2, msg, len);
}

static int dqb_run(void *state, unsigned long steps, char *msg, size_t len)
{
    dqb_state_t *s = state;
    dq_error_t err = {0};
    int rc = DQ_OK;
    if (s->whole_run)
        rc = dq_system_run(s->sys, steps, &err);
    for (unsigned long k = 0; !s->whole_run && rc == DQ_OK && k < steps; ++k)
        rc = dq_system_step(s->sys, &err);
    if (rc != DQ_OK) {
        snprintf(msg, len, "%s", err.message);
        return 1;
    }
    if (s->p.model == BENCH_CABLE)
        dqb_take_spikes(s);
    return 0;
}

static void dqb_read(const void *state, bench_values_t *out)
{
    const dqb_state_t *s = state;
    const size_t n = s->p.n;
    double sum = 0.0, sp = 0.0;
    for (size_t u = 0; u < n; ++u) {
        sum += dq_system_value(s->sys, s->s_value, u);
        if (s->s_spikes >= 0)
            sp += dq_system_value(s->sys, (size_t)s->s_spikes, u);
    }
    out->first = dq_system_value(s->sys, s->s_value, 0);
    out->last = dq_system_value(s->sys, s->s_value, n - 1);
    out->mean = sum / (double)n;
    out->spikes = s->p.model == BENCH_CABLE ? s->n_spikes : sp;
    out->threads = (double)dq_system_threads(s->sys);
    memcpy(out->spike_t, s->spike_t, sizeof out->spike_t);
    out->n_spike_t = s->n_spike_t;
    out->compartments = s->compartments;
}

static int dqb_read_all(const void *state, double *v, double *spikes, size_t n)
{
    const dqb_state_t *s = state;
    if (n != s->p.n)
        return 1;
    for (size_t u = 0; u < n; ++u) {
        v[u] = dq_system_value(s->sys, s->s_value, u);
        spikes[u] = s->s_spikes >= 0 ? dq_system_value(s->sys, (size_t)s->s_spikes, u) : 0.0;
    }
    return 0;
}

const bench_impl_t bench_impl_dqhost = {
    .name = "dqhost",
    .label = "dqhost (dq_system_step, 1 thread)",
    .supports = dqb_supports,
    .ref_substeps = dqb_ref_substeps,
    .setup = dqb_setup,
    .run = dqb_run,
    .read = dqb_read,
    .teardown = dqb_teardown,
    .read_all = dqb_read_all,
};

const bench_impl_t bench_impl_dqhost_run1 = {
    .name = "dqhost_run1",
    .label = "dqhost (dq_system_run, 1 thread)",
    .supports = dqb_supports,
    .ref_substeps = dqb_ref_substeps,
    .setup = dqb_setup_run1,
    .run = dqb_run,
    .read = dqb_read,
    .teardown = dqb_teardown,
    .read_all = dqb_read_all,
};

const bench_impl_t bench_impl_dqhost_mt = {
    .name = "dqhost_mt",
    .label = "dqhost (dq_system_run, all cores)",
    .supports = dqb_supports,
    .ref_substeps = dqb_ref_substeps,
    .setup = dqb_setup_mt,
    .run = dqb_run,
    .read = dqb_read,
    .teardown = dqb_teardown,
    .read_all = dqb_read_all,
};
