/* SPDX-License-Identifier: MIT */
/* model_probe.c -- wrapped module callbacks and the probe solver of the model checks. The
 * host builds every view; a wrapper sees it, forwards to the model's own callback, and
 * judges what the callback did. In compute_derivative, while the probe asks for it, it also
 * evaluates the module's analytic Jacobian callbacks on a copy of the view and compares them
 * with central differences of compute_derivative (see <dq/host/conform.h>). */
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "model_probe.h"

static pthread_mutex_t probe_lock = PTHREAD_MUTEX_INITIALIZER;
static probe_session_t *probe_current;

void dq__probe_begin(probe_session_t *s)
{
    pthread_mutex_lock(&probe_lock);
    probe_current = s;
}

void dq__probe_end(void)
{
    probe_current = NULL;
    pthread_mutex_unlock(&probe_lock);
}

void dq__probe_fail(probe_session_t *s, int id, const char *fmt, ...)
{
    if (s->n_fail[id]++)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->fail[id], sizeof s->fail[id], fmt, ap);
    va_end(ap);
}

/* ---- the wrappers ---- */

enum { CB_INIT, CB_PRE, CB_DERIV, CB_POST };
static const char *const cb_names[] = {"init_state", "pre_integral", "compute_derivative",
                                       "post_integral"};

/* Copies the lanes of variables [0, n) of the view. */
static double *snapshot(const dq_view_t *v, size_t n)
{
    double *p = malloc((n ? n : 1) * v->units * sizeof *p);
    for (size_t k = 0; p && k < n; ++k)
        memcpy(p + k * v->units, v->value[k], v->units * sizeof *p);
    return p;
}

/* The first variable/lane in [0, n) whose value changed, or 0 with nothing changed. */
static int changed(const dq_view_t *v, const double *before, size_t n, size_t *var, size_t *lane)
{
    for (size_t k = 0; k < n; ++k)
        for (size_t u = 0; u < v->units; ++u)
            if (memcmp(&before[k * v->units + u], &v->value[k][u], sizeof(double)) != 0) {
                *var = k;
                *lane = u;
                return 1;
            }
    return 0;
}

static int probe_dispatch(size_t i, int cb, const dq_view_t *v)
{
    probe_session_t *s = probe_current;
    const dq_module_desc_t *m = &s->orig[i];
    const dq_module_fn fns[] = {m->init_state, m->pre_integral, m->compute_derivative,
                                m->post_integral};
    const char *mod = module_name(s, i);
    if (cb == CB_INIT && s->stepping)
        dq__probe_fail(s, DQ_MCHECK_LIFECYCLE, "module '%s': init_state ran after the first step",
                       mod);
    s->init[i] += cb == CB_INIT;
    s->pre[i] += cb == CB_PRE;
    s->post[i] += cb == CB_POST;
    if (cb == CB_DERIV && s->checking)
        dq__probe_check_module(s, i, v);
    /* What may a callback change? init_state anything of its own; compute_derivative no
     * value; pre_integral no integrated state; post_integral an integrated state only in a
     * DQ_MODULE_RESETS module, marking the lane. */
    const size_t watched = cb == CB_INIT ? 0 : cb == CB_DERIV ? v->n_vars : m->n_states;
    double *before = snapshot(v, watched);
    if (!before) {
        s->oom = 1;
        return DQ_ENOMEM;
    }
    int rc = fns[cb](v);
    size_t k, u;
    if (rc != DQ_OK)
        dq__probe_fail(s, DQ_MCHECK_LIFECYCLE, "module '%s': %s returned %s: %s", mod, cb_names[cb],
                       dq_err_name(rc), v->errbuf ? v->errbuf : "");
    else if (cb == CB_DERIV && changed(v, before, watched, &k, &u))
        dq__probe_fail(s, DQ_MCHECK_DERIVATIVE,
                       "module '%s': compute_derivative wrote the value of '%s' (unit %zu)", mod,
                       var_name(s, i, k), v->unit0 + u);
    else if (cb == CB_PRE || cb == CB_POST) {
        for (size_t r = 0; r < m->n_states; ++r) {
            if (!own_integrated(m, r))
                continue;
            for (u = 0; u < v->units; ++u) {
                if (memcmp(&before[r * v->units + u], &v->value[r][u], sizeof(double)) == 0)
                    continue;
                if (cb == CB_PRE || !(m->flags & DQ_MODULE_RESETS))
                    dq__probe_fail(s, DQ_MCHECK_LIFECYCLE,
                                   "module '%s': %s changed integrated state '%s' (unit %zu)%s",
                                   mod, cb_names[cb], m->states[r].name, v->unit0 + u,
                                   cb == CB_POST ? " but the module does not declare "
                                                   "DQ_MODULE_RESETS"
                                                 : "");
                else if (!v->reset || !v->reset[u])
                    dq__probe_fail(s, DQ_MCHECK_LIFECYCLE,
                                   "module '%s': post_integral changed integrated state '%s' "
                                   "(unit %zu) without marking the lane in v->reset",
                                   mod, m->states[r].name, v->unit0 + u);
            }
        }
    }
    if (rc == DQ_OK && cb == CB_DERIV)
        for (size_t r = 0; r < m->n_states; ++r)
            for (u = 0; own_integrated(m, r) && v->derivative[r] && u < v->units; ++u)
                if (!isfinite(v->derivative[r][u])) {
                    dq__probe_fail(s, DQ_MCHECK_DERIVATIVE,
                                   "module '%s', state '%s': derivative of unit %zu is %g at "
                                   "t = %g",
                                   mod, m->states[r].name, v->unit0 + u, v->derivative[r][u], v->t);
                    break;
                }
    free(before);
    return rc;
}

/* One trampoline per (module, callback): the view does not say which module it is for. */
/* clang-format off */
#define PROBE_EACH(X)                                                                          \
    X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)      \
    X(16) X(17) X(18) X(19) X(20) X(21) X(22) X(23) X(24) X(25) X(26) X(27) X(28) X(29)      \
    X(30) X(31)
/* clang-format on */
#define PROBE_TRAMPOLINES(i)                                                                       \
    static int probe_init_##i(const dq_view_t *v)                                                  \
    {                                                                                              \
        return probe_dispatch(i, CB_INIT, v);                                                      \
    }                                                                                              \
    static int probe_pre_##i(const dq_view_t *v)                                                   \
    {                                                                                              \
        return probe_dispatch(i, CB_PRE, v);                                                       \
    }                                                                                              \
    static int probe_deriv_##i(const dq_view_t *v)                                                 \
    {                                                                                              \
        return probe_dispatch(i, CB_DERIV, v);                                                     \
    }                                                                                              \
    static int probe_post_##i(const dq_view_t *v)                                                  \
    {                                                                                              \
        return probe_dispatch(i, CB_POST, v);                                                      \
    }
PROBE_EACH(PROBE_TRAMPOLINES)
#define PROBE_ROW(i) {probe_init_##i, probe_pre_##i, probe_deriv_##i, probe_post_##i},
static const dq_module_fn probe_fns[PROBE_MAX_MODULES][4] = {PROBE_EACH(PROBE_ROW)};

/* 1 when `name` is an integrated state of some module of the model. */
static unsigned char read_is_integrated(const probe_session_t *s, const char *name)
{
    for (size_t i = 0; i < s->n_modules; ++i)
        for (size_t k = 0; k < s->orig[i].n_states; ++k)
            if (s->orig[i].states[k].name && strcmp(s->orig[i].states[k].name, name) == 0)
                return own_integrated(&s->orig[i], k);
    return 0;
}

int dq__probe_session_init(probe_session_t *s, const dq_model_desc_t *model, dq_error_t *err)
{
    memset(s, 0, sizeof *s);
    s->model = model->name ? model->name : "";
    size_t n = 0;
    while (model->modules && model->modules[n])
        n++;
    if (n > PROBE_MAX_MODULES)
        return dq_error_set(err, DQ_EINVAL, NULL,
                            "model '%s' has %zu modules; the check wraps at most %d", s->model, n,
                            PROBE_MAX_MODULES);
    s->n_modules = n;
    for (size_t i = 0; i < n; ++i) {
        int rc = dq__module_desc_read(model->modules[i], &s->orig[i], NULL, err);
        if (rc)
            return rc;
    }
    for (size_t i = 0; i < n; ++i) {
        const dq_module_desc_t *m = &s->orig[i];
        size_t n_reads = 0;
        while (m->reads && m->reads[n_reads])
            n_reads++;
        s->read_integrated[i] = calloc(n_reads + 1, 1);
        if (!s->read_integrated[i])
            return dq_error_set(err, DQ_ENOMEM, NULL, "out of memory");
        for (size_t k = 0; k < n_reads; ++k)
            s->read_integrated[i][k] = read_is_integrated(s, m->reads[k]);
        dq_module_desc_t *w = &s->wrapped[i];
        *w = *m;
        w->init_state = m->init_state ? probe_fns[i][CB_INIT] : NULL;
        w->pre_integral = m->pre_integral ? probe_fns[i][CB_PRE] : NULL;
        w->compute_derivative = m->compute_derivative ? probe_fns[i][CB_DERIV] : NULL;
        w->post_integral = m->post_integral ? probe_fns[i][CB_POST] : NULL;
        s->wrapped_list[i] = w;
    }
    s->desc = *model;
    s->desc.modules = s->wrapped_list;
    return DQ_OK;
}

void dq__probe_session_cleanup(probe_session_t *s)
{
    for (size_t i = 0; i < PROBE_MAX_MODULES; ++i) {
        free(s->read_integrated[i]);
        s->read_integrated[i] = NULL;
    }
}

/* ---- the probe solver ---- */

static int probe_step(dq_ctx_t *ctx)
{
    probe_session_t *s = probe_current;
    int rc = dq_pre_integral(ctx);
    if (rc)
        return rc;
    s->stepping = 1;
    if (ctx->step == 0 && ctx->options[PROBE_OPT_CHECK] != 0.0) {
        /* At the initial state, then at a perturbed one (scratch 1), F into scratch 0. */
        double *f = dq_scratch(ctx, 0), *yp = dq_scratch(ctx, 1);
        s->checking = 1;
        s->where = "the initial state";
        rc = dq_compute_derivative(ctx, ctx->t, ctx->y, f);
        for (size_t k = 0; k < ctx->len; ++k)
            yp[k] = ctx->y[k] + 0.01 * (fabs(ctx->y[k]) + 0.1) * sin(1.0 + (double)k);
        s->where = "a perturbed state";
        if (rc == DQ_OK)
            rc = dq_compute_derivative(ctx, ctx->t, yp, f);
        s->checking = 0;
    }
    if (rc == DQ_OK)
        rc = dq_compute_derivative(ctx, ctx->t, ctx->y, ctx->f);
    if (rc)
        return rc;
    if (ctx->options[PROBE_OPT_ADVANCE] != 0.0)
        for (size_t k = 0; k < ctx->len; ++k)
            ctx->y[k] += ctx->dt * ctx->f[k];
    return dq_post_integral(ctx);
}

const dq_integrator_desc_t dq__probe_solver = {
    .abi = DQ_ABI_HEADER_INIT(dq_integrator_desc_t),
    .name = "conform_probe",
    .category = DQ_CATEGORY_OTHER,
    .order = 1,
    .description = "The model checks' probe: Euler, checking the analytic Jacobians.",
    .flags = DQ_CAP_JACOBIAN,
    .step = probe_step,
    .scratch_vectors = 2,
    .options = DQ_OPTIONS({.name = "check", .def = 1, .doc = "check at step 0"},
                          {.name = "advance", .def = 1, .doc = "take Euler steps"})};
