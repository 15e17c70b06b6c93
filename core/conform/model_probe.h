/* SPDX-License-Identifier: MIT */
/* model_probe.h -- the model checks' instruments: a copy of a model whose module callbacks
 * are wrapped (counting the lifecycle, watching what each callback writes, and checking
 * analytic Jacobians against finite differences with the view the host built), and a probe
 * solver that takes the host through them. Private to core/conform. */
#ifndef DQ_CONFORM_MODEL_PROBE_H
#define DQ_CONFORM_MODEL_PROBE_H

#include <stddef.h>
#include <string.h>

#include "conform_impl.h"

/* Modules a model may have for its callbacks to be wrapped (one trampoline each). */
#define PROBE_MAX_MODULES 32

/* The probe solver's options, in declaration order. */
enum { PROBE_OPT_CHECK, PROBE_OPT_ADVANCE };

typedef struct probe_session {
    dq_model_desc_t desc; /* the model, its modules wrapped: give this to dq_system_new */
    const char *model;    /* its name */
    size_t n_modules;
    dq_module_desc_t orig[PROBE_MAX_MODULES];    /* the model's modules, host layout */
    dq_module_desc_t wrapped[PROBE_MAX_MODULES]; /* the same with wrapped callbacks */
    const dq_module_desc_t *wrapped_list[PROBE_MAX_MODULES + 1];
    /* Per module, per read variable: 1 when it names an integrated state of the model. */
    unsigned char *read_integrated[PROBE_MAX_MODULES];
    /* Set by the probe solver. */
    int stepping;      /* a step has begun */
    int checking;      /* compute_derivative wrappers check the analytic callbacks */
    const char *where; /* "the initial state", "a perturbed state" */
    /* Counts, per module. */
    unsigned long init[PROBE_MAX_MODULES], pre[PROBE_MAX_MODULES], post[PROBE_MAX_MODULES];
    unsigned long analytic[DQ_CONFORM_N_MODEL_CHECKS]; /* module evaluations checked */
    /* First failure and number of failures per check. */
    char fail[DQ_CONFORM_N_MODEL_CHECKS][DQ_CONFORM_DETAIL_MAX];
    unsigned long n_fail[DQ_CONFORM_N_MODEL_CHECKS];
    int oom;
} probe_session_t;

/* Wraps `model`'s modules into s->desc. DQ_EINVAL (with a message) when the model has more
 * than PROBE_MAX_MODULES modules, DQ_ENOMEM, or a module descriptor's error. */
int dq__probe_session_init(probe_session_t *s, const dq_model_desc_t *model, dq_error_t *err);
void dq__probe_session_cleanup(probe_session_t *s);
/* Makes s the session the wrappers and the probe solver report to, holding a process-wide
 * lock until dq__probe_end: one model check at a time. */
void dq__probe_begin(probe_session_t *s);
void dq__probe_end(void);
/* Records a failure of check id (the first one's detail is kept). */
void dq__probe_fail(probe_session_t *s, int id, const char *fmt, ...) DQ_PRINTF(3, 4);

/* Names and kinds of a module's variables (own states, then reads). */
static inline const char *module_name(const probe_session_t *s, size_t i)
{
    const char *n = s->orig[i].name;
    return i == 0 || !n ? s->model : n;
}

/* Name of variable c of module i: an own state, or a state it reads. */
static inline const char *var_name(const probe_session_t *s, size_t i, size_t c)
{
    const dq_module_desc_t *m = &s->orig[i];
    return c < m->n_states ? m->states[c].name : m->reads[c - m->n_states];
}

static inline int own_integrated(const dq_module_desc_t *m, size_t r)
{
    return r < m->n_states && !(m->states[r].flags & DQ_STATE_AUX);
}

static inline int var_integrated(const probe_session_t *s, size_t i, size_t c)
{
    const dq_module_desc_t *m = &s->orig[i];
    return c < m->n_states ? own_integrated(m, c) : s->read_integrated[i][c - m->n_states];
}

/* Inside module i's compute_derivative: compares its analytic callbacks (jacobian,
 * jacobian_diag, compute_derivative_diag) with central differences of its
 * compute_derivative on a copy of the host's view v (model_jacobian.c). */
void dq__probe_check_module(probe_session_t *s, size_t i, const dq_view_t *v);

/* The probe solver: "conform_probe", DQ_CAP_JACOBIAN, options "check" (1: at step 0, run
 * the analytic checks at the initial and a perturbed state) and "advance" (1: Euler step,
 * 0: leave y as it is). */
extern const dq_integrator_desc_t dq__probe_solver;

#endif
