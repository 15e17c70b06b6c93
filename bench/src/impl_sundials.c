/* SPDX-License-Identifier: MIT */
/* impl_sundials.c -- SUNDIALS ARKODE's ERKStep at a fixed step with the classical RK4 or
 * forward Euler Butcher table (no embedding, so no error estimate), a serial N_Vector, and
 * one ERKStepEvolve(ARK_ONE_STEP) call per step. */
#include <stdio.h>
#include <stdlib.h>

#include <arkode/arkode_erkstep.h>
#include <nvector/nvector_serial.h>
#include <sundials/sundials_config.h>
#include <sundials/sundials_context.h>

#include "bench.h"
#include "workload.h"

typedef struct sunb_state {
    bench_problem_t p;
    SUNContext ctx;
    N_Vector y;
    void *mem;
    ARKodeButcherTable table;
    hh_params_t P;
    double tau;
    double t;
    double *I, *Vprev, *spikes;
} sunb_state_t;

static int sunb_rhs_hh(realtype t, N_Vector y, N_Vector f, void *user)
{
    const sunb_state_t *s = user;
    (void)t;
    hh_rhs_soa(&s->P, N_VGetArrayPointer(y), N_VGetArrayPointer(f), s->I, s->p.n);
    return 0;
}

static int sunb_rhs_decay(realtype t, N_Vector y, N_Vector f, void *user)
{
    const sunb_state_t *s = user;
    (void)t;
    N_VGetArrayPointer(f)[0] = decay_f(N_VGetArrayPointer(y)[0], s->tau);
    return 0;
}

static int sunb_supports(const bench_problem_t *p, char *msg, size_t len)
{
    if (p->scheme != BENCH_EULER && p->scheme != BENCH_RK4) {
        snprintf(msg, len, "ARKODE ERKStep has no %s method", bench_scheme_name(p->scheme));
        return 0;
    }
    if (p->model == BENCH_LORENZ) {
        snprintf(msg, len, "no Lorenz system in this peer");
        return 0;
    }
    return 1;
}

static unsigned sunb_ref_substeps(const bench_problem_t *p)
{
    (void)p;
    return 1;
}

static void sunb_teardown(void *state)
{
    sunb_state_t *s = state;
    if (!s)
        return;
    if (s->mem)
        ERKStepFree(&s->mem);
    if (s->table)
        ARKodeButcherTable_Free(s->table);
    if (s->y)
        N_VDestroy(s->y);
    if (s->ctx)
        SUNContext_Free(&s->ctx);
    free(s->I);
    free(s->Vprev);
    free(s->spikes);
    free(s);
}

static void *sunb_setup(const bench_problem_t *p, char *msg, size_t len)
{
    /* <dq/rk.h>'s tableau; forward Euler is the one-stage table with b = 1.
     * c_4 is 1 - 1e-9, not 1: SUNDIALS before the fix of llnl/sundials#311 (Debian 12 has
     * 6.4.1) takes any table whose last node is 1 for first-same-as-last and reuses the
     * last stage as the next step's first, which is wrong for classical RK4 (3 evaluations
     * a step and a different method). The benchmark's systems are autonomous, so the node
     * changes no value; the check run confirms it. */
    static const realtype rk4_A[16] = {0, 0, 0, 0, 0.5, 0, 0, 0, 0, 0.5, 0, 0, 0, 0, 1, 0};
    static const realtype rk4_b[4] = {RK4_B1, RK4_B2, RK4_B2, RK4_B1};
    static const realtype rk4_c[4] = {0, 0.5, 0.5, 1.0 - 1e-9};
    static const realtype eu_A[1] = {0}, eu_b[1] = {1}, eu_c[1] = {0};
    sunb_state_t *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(msg, len, "out of memory");
        return NULL;
    }
    const size_t n = p->n;
    const sunindextype dim = p->model == BENCH_HH ? (sunindextype)(4 * n) : 1;
    s->p = *p;
    s->P = hh_params_default();
    s->tau = DECAY_TAU;
    s->I = calloc(n, sizeof(double));
    s->Vprev = calloc(n, sizeof(double));
    s->spikes = calloc(n, sizeof(double));
    const char *what = "SUNContext_Create";
    if (!s->I || !s->Vprev || !s->spikes || SUNContext_Create(NULL, &s->ctx) != 0)
        goto fail;
    what = "N_VNew_Serial";
    if (!(s->y = N_VNew_Serial(dim, s->ctx)))
        goto fail;
    double *y = N_VGetArrayPointer(s->y);
    if (p->model == BENCH_HH) {
        hh_init_soa(y, s->I, n);
        for (size_t i = 0; i < n; ++i)
            s->Vprev[i] = y[i];
    } else {
        y[0] = DECAY_Y0;
    }
    what = "ERKStepCreate";
    s->mem = ERKStepCreate(p->model == BENCH_HH ? sunb_rhs_hh : sunb_rhs_decay, 0.0, s->y, s->ctx);
    if (!s->mem)
        goto fail;
    what = "ARKodeButcherTable_Create";
    if (p->scheme == BENCH_RK4)
        s->table = ARKodeButcherTable_Create(4, 4, 0, (realtype *)rk4_c, (realtype *)rk4_A,
                                             (realtype *)rk4_b, NULL);
    else
        s->table = ARKodeButcherTable_Create(1, 1, 0, (realtype *)eu_c, (realtype *)eu_A,
                                             (realtype *)eu_b, NULL);
    if (!s->table)
        goto fail;
    what = "ERKStep options";
    if (ERKStepSetUserData(s->mem, s) != ARK_SUCCESS ||
        ERKStepSetFixedStep(s->mem, p->dt) != ARK_SUCCESS ||
        ERKStepSetTable(s->mem, s->table) != ARK_SUCCESS)
        goto fail;
    return s;
fail:
    snprintf(msg, len, "SUNDIALS set-up failed in %s", what);
    sunb_teardown(s);
    return NULL;
}

static int sunb_run(void *state, unsigned long steps, char *msg, size_t len)
{
    sunb_state_t *s = state;
    const double tout = 1e300; /* ARK_ONE_STEP: one step of dt per call, toward tout */
    for (unsigned long k = 0; k < steps; ++k) {
        int rc = ERKStepEvolve(s->mem, tout, s->y, &s->t, ARK_ONE_STEP);
        if (rc < 0) {
            snprintf(msg, len, "ERKStepEvolve: %s", ERKStepGetReturnFlagName(rc));
            return 1;
        }
        if (s->p.model == BENCH_HH)
            hh_count_spikes(N_VGetArrayPointer(s->y), s->Vprev, s->spikes, s->p.n);
    }
    return 0;
}

static void sunb_read(const void *state, bench_values_t *out)
{
    const sunb_state_t *s = state;
    const size_t n = s->p.n;
    const double *y = N_VGetArrayPointer(s->y);
    double sum = 0.0, sp = 0.0;
    for (size_t i = 0; i < n; ++i) {
        sum += y[i];
        sp += s->spikes[i];
    }
    out->first = y[0];
    out->last = y[n - 1];
    out->mean = sum / (double)n;
    out->spikes = s->p.model == BENCH_HH ? sp : 0.0;
}

const char *bench_sundials_version(void)
{
    return SUNDIALS_VERSION;
}

const bench_impl_t bench_impl_sundials = {
    .name = "sundials",
    .label = "SUNDIALS ARKODE ERKStep",
    .supports = sunb_supports,
    .ref_substeps = sunb_ref_substeps,
    .setup = sunb_setup,
    .run = sunb_run,
    .read = sunb_read,
    .teardown = sunb_teardown,
};
