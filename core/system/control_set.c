/* SPDX-License-Identifier: MIT */
/* control_set.c -- the settings of error-controlled runs (tolerances, step limits, fixed
 * steps) and what a run reports about them: per-unit step statistics, events and spikes. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "system_impl.h"

static int control_positive(double v, const char *name, dq_error_t *err)
{
    if (!isfinite(v) || v < 0)
        return dq_error_set(err, DQ_EINVAL, NULL, "%s must be a finite number >= 0, got %g", name,
                            v);
    return DQ_OK;
}

int dq_system_set_step_control(dq_system_t *sys, const dq_step_control_t *c, dq_error_t *err)
{
    if (sys->prepared)
        return dq_error_set(err, DQ_EUSAGE, NULL, "the step control is set before prepare");
    if (!c)
        return dq_error_set(err, DQ_EINVAL, NULL, "no step control given");
    if (control_positive(c->rtol, "rtol", err) || control_positive(c->atol, "atol", err) ||
        control_positive(c->h0, "h0", err) || control_positive(c->hmin, "hmin", err) ||
        control_positive(c->hmax, "hmax", err))
        return err ? err->code : DQ_EINVAL;
    if (c->hmax > 0 && c->hmin > c->hmax)
        return dq_error_set(err, DQ_EINVAL, NULL, "hmin %g is larger than hmax %g", c->hmin,
                            c->hmax);
    if (c->hmax > 0 && c->h0 > c->hmax)
        return dq_error_set(err, DQ_EINVAL, NULL, "h0 %g is larger than hmax %g", c->h0, c->hmax);
    sys->ctl = *c;
    return DQ_OK;
}

int dq_system_set_state_atol(dq_system_t *sys, const char *state, double atol, const char *where,
                             dq_error_t *err)
{
    if (sys->prepared)
        return dq_error_set(err, DQ_EUSAGE, NULL, "tolerances are set before prepare");
    const char *pre = where ? where : "atol";
    if (!isfinite(atol) || atol <= 0)
        return dq_error_set(err, DQ_EINVAL, where, "%s: the absolute tolerance must be > 0, got %g",
                            pre, atol);
    long s = dq_system_state_index(sys, state ? state : "");
    if (s < 0 || (sys->states[s]->flags & DQ_STATE_AUX)) {
        const char *names[256];
        size_t n = 0;
        for (size_t i = 0; i < sys->n_states && n < 256; ++i)
            if (!(sys->states[i]->flags & DQ_STATE_AUX))
                names[n++] = sys->states[i]->name;
        const dq__unknown_t u = {.name = state ? state : "",
                                 .candidates = names,
                                 .n_candidates = n,
                                 .label = "Integrated states"};
        return dq__error_unknown(err, DQ_EINVAL, where, &u,
                                 "%s: model '%s' has no integrated state '%s'.", pre,
                                 sys->model.name, state ? state : "");
    }
    if (!sys->state_atol) {
        sys->state_atol = calloc(sys->n_states, sizeof *sys->state_atol);
        if (!sys->state_atol)
            return dq_error_set(err, DQ_ENOMEM, NULL, "out of memory");
    }
    sys->state_atol[s] = atol;
    return DQ_OK;
}

int dq_system_set_fixed_step(dq_system_t *sys, int fixed, dq_error_t *err)
{
    if (sys->prepared)
        return dq_error_set(err, DQ_EUSAGE, NULL, "fixed stepping is set before prepare");
    sys->fixed_step = fixed != 0;
    return DQ_OK;
}

/* ---- placeholders until the adaptive driver lands (same commit series) ---- */
int dq_system_adaptive(const dq_system_t *sys)
{
    (void)sys;
    return 0;
}

int dq_system_unit_stats(const dq_system_t *sys, size_t unit, dq_step_stats_t *out)
{
    (void)sys;
    (void)unit;
    memset(out, 0, sizeof *out);
    return DQ_OK;
}

size_t dq_system_event_count(const dq_system_t *sys)
{
    (void)sys;
    return 0;
}

const char *dq_system_event_name(const dq_system_t *sys, size_t event)
{
    (void)sys;
    (void)event;
    return NULL;
}

uint32_t dq_system_event_flags(const dq_system_t *sys, size_t event)
{
    (void)sys;
    (void)event;
    return 0;
}

uint64_t dq_system_event_fired(const dq_system_t *sys, size_t event, size_t unit)
{
    (void)sys;
    (void)event;
    (void)unit;
    return 0;
}

size_t dq_system_spikes_take(dq_system_t *sys, dq_spike_t *out, size_t cap)
{
    (void)sys;
    (void)out;
    (void)cap;
    return 0;
}
