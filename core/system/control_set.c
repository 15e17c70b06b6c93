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

int dq_system_get_step_control(const dq_system_t *sys, dq_step_control_t *out)
{
    dq__control_t c;
    dq__control_init(&c, &sys->ctl, NULL, 1);
    *out = (dq_step_control_t){.rtol = c.rtol,
                               .atol = sys->ctl.atol > 0 ? sys->ctl.atol : DQ__CONTROL_ATOL,
                               .h0 = c.h0,
                               .hmin = c.hmin,
                               .hmax = c.hmax,
                               .max_rejects = c.max_rejects};
    return DQ_OK;
}

int dq_system_set_state_atol(dq_system_t *sys, const char *state, double atol, const char *where,
                             dq_error_t *err)
{
    char wb[256];
    const char *w = dq__where_prefix(where, wb, sizeof wb);
    if (sys->prepared)
        return dq_error_set(err, DQ_EUSAGE, NULL, "tolerances are set before prepare");
    if (!isfinite(atol) || atol <= 0)
        return dq__error_mark_where(err, where,
                                    dq_error_set(err, DQ_EINVAL, NULL,
                                                 "%sthe absolute tolerance must be > 0, got %g", w,
                                                 atol));
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
        return dq__error_mark_where(err, where,
                                    dq__error_unknown(err, DQ_EINVAL, NULL, &u,
                                                      "%smodel '%s' has no integrated state '%s'.",
                                                      w, sys->model.name, state ? state : ""));
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

int dq_system_adaptive(const dq_system_t *sys)
{
    return sys->prepared && sys->ad.on;
}

int dq_system_unit_stats(const dq_system_t *sys, size_t unit, dq_step_stats_t *out)
{
    memset(out, 0, sizeof *out);
    if (!sys->prepared || unit >= sys->units)
        return DQ_EINVAL;
    if (sys->ad.on) {
        out->accepted = sys->ad.acc[unit];
        out->rejected = sys->ad.rej[unit];
        out->evaluations = sys->ad.fev[unit];
        out->jacobians = sys->ad.jac[unit];
        return DQ_OK;
    }
    size_t b = unit / sys->block_units;
    out->accepted = sys->blk_acc[b] + sys->unit_acc[unit];
    out->evaluations = sys->blk_fev[b] + sys->unit_fev[unit];
    out->jacobians = sys->blk_jac[b];
    return DQ_OK;
}

size_t dq_system_event_count(const dq_system_t *sys)
{
    size_t n = 0;
    for (size_t i = 0; i < sys->n_modules; ++i)
        n += sys->modules[i].n_events;
    return n;
}

/* Event e's descriptor, counted across modules in order (works before prepare too). */
static const dq_event_desc_t *control_event(const dq_system_t *sys, size_t e)
{
    for (size_t i = 0; i < sys->n_modules; ++i) {
        if (e < sys->modules[i].n_events)
            return &sys->modules[i].events[e];
        e -= sys->modules[i].n_events;
    }
    return NULL;
}

const char *dq_system_event_name(const dq_system_t *sys, size_t event)
{
    const dq_event_desc_t *d = control_event(sys, event);
    return d ? d->name : NULL;
}

uint32_t dq_system_event_flags(const dq_system_t *sys, size_t event)
{
    const dq_event_desc_t *d = control_event(sys, event);
    return d ? d->flags : 0;
}

uint64_t dq_system_event_fired(const dq_system_t *sys, size_t event, size_t unit)
{
    if (!sys->prepared || event >= sys->ev.n || unit >= sys->units)
        return 0;
    return sys->ev.fired[event * sys->capacity + unit];
}

static int control_spike_cmp(const void *pa, const void *pb)
{
    const dq_spike_t *a = pa, *b = pb;
    if (a->t != b->t)
        return a->t < b->t ? -1 : 1;
    if (a->unit != b->unit)
        return a->unit < b->unit ? -1 : 1;
    return (a->event > b->event) - (a->event < b->event);
}

size_t dq_system_spikes_take(dq_system_t *sys, dq_spike_t *out, size_t cap)
{
    if (!sys->prepared || !sys->ev.n)
        return 0;
    dq__events_t *ev = &sys->ev;
    size_t more = 0;
    for (size_t i = 0; i < sys->n_lanes; ++i)
        more += sys->lanes[i].n_spk;
    if (more) {
        /* Gather the lanes' spikes behind the ones not handed out yet, and sort. */
        size_t keep = ev->pool_n - ev->pool_at;
        if (keep)
            memmove(ev->pool, ev->pool + ev->pool_at, keep * sizeof *ev->pool);
        ev->pool_at = 0;
        ev->pool_n = keep;
        if (keep + more > ev->pool_cap) {
            size_t ncap = 2 * (keep + more);
            dq_spike_t *p = realloc(ev->pool, ncap * sizeof *p);
            if (!p)
                return 0;
            ev->pool = p;
            ev->pool_cap = ncap;
        }
        for (size_t i = 0; i < sys->n_lanes; ++i) {
            dq__lane_t *l = &sys->lanes[i];
            if (!l->n_spk)
                continue;
            memcpy(ev->pool + ev->pool_n, l->spk, l->n_spk * sizeof *l->spk);
            ev->pool_n += l->n_spk;
            l->n_spk = 0;
        }
        qsort(ev->pool, ev->pool_n, sizeof *ev->pool, control_spike_cmp);
    }
    /* Only up to the sample time: a step past it may have found later ones already. */
    const double now = dq_system_time(sys);
    size_t n = 0;
    while (n < cap && ev->pool_at < ev->pool_n && ev->pool[ev->pool_at].t <= now)
        out[n++] = ev->pool[ev->pool_at++];
    return n;
}
