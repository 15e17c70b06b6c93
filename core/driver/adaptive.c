/* SPDX-License-Identifier: MIT */
/* adaptive.c -- error-controlled runs: every unit takes its own steps.
 *
 * The lanes of a block step together, each from its own time over its own step size
 * (ctx->lane_t, ctx->lane_dt; explicit stages are element-wise, so this still vectorises).
 * An attempt starts from a snapshot of the block (values, derivative slot, the solver's
 * persistent state, auxiliary states); the solver writes its error estimate, the host
 * weighs it per lane (control.c), and lanes whose step is rejected, or that had already
 * reached the sample time, are put back from the snapshot. A unit's sequence of steps is
 * thus a function of the unit alone: the same bits for any block size, thread count or
 * neighbours, and for any way the run is cut into dq_system_run calls (steps do not stop
 * at sample times; the values there come from the solver's continuous extension of the
 * step that covers them).
 *
 * Lifecycle: the solver's own pre/post_integral calls do nothing here; the driver runs
 * pre_integral before each attempt and post_integral after the decision, on the whole
 * block, and the lanes that did not advance are restored with their auxiliary states.
 *
 * Events: after an accepted step the event functions are evaluated at its end; a crossing
 * is located on the continuous extension. Without a handler only its time is recorded. With
 * one, the unit's time becomes the event's and the handler is *pending*: it is applied
 * (values from the continuous extension, handle_event, the solver's reset) just before the
 * unit's next step, so that the step's continuous extension stays intact for every sample
 * time up to the event, whichever dq_system_run call asks for it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "driver_impl.h"
#include "internal.h"

/* ---- set-up --------------------------------------------------------------------------- */

int dq__adaptive_layout(dq_system_t *sys, dq_error_t *err)
{
    dq__adaptive_t *ad = &sys->ad;
    for (size_t gi = 0; gi < sys->n_groups; ++gi)
        sys->groups[gi].lane_steps = (sys->groups[gi].solver->flags & DQ_CAP_ADAPTIVE) != 0;
    sys->unit_acc = calloc(sys->capacity, sizeof *sys->unit_acc);
    sys->unit_fev = calloc(sys->capacity, sizeof *sys->unit_fev);
    sys->blk_acc = calloc(sys->n_blocks, sizeof *sys->blk_acc);
    sys->blk_fev = calloc(sys->n_blocks, sizeof *sys->blk_fev);
    sys->blk_jac = calloc(sys->n_blocks, sizeof *sys->blk_jac);
    if (!sys->unit_acc || !sys->unit_fev || !sys->blk_acc || !sys->blk_fev || !sys->blk_jac)
        return dq_error_set(err, DQ_ENOMEM, NULL, "out of memory");
    const dq__group_t *root = &sys->groups[sys->n_groups - 1];
    ad->on = root->lane_steps && !sys->fixed_step;
    if (!ad->on)
        return DQ_OK;
    for (size_t i = 1; i < sys->n_modules; ++i)
        if (sys->mod_solver[i])
            return dq_error_set(err, DQ_EUSAGE, NULL,
                                "solver '%s' controls its steps for the whole model, so "
                                "sub-module '%s' cannot have a solver of its own ('%s'); drop "
                                "the sub-module's solver or run at fixed steps (--fixed-step)",
                                root->solver->name, sys->modules[i].name, sys->mod_solver[i]->name);
    const size_t cap = sys->capacity, m = root->m;
    ad->atol = malloc((m ? m : 1) * sizeof *ad->atol);
    ad->t = dq__alloc_doubles(cap);
    ad->t_last = dq__alloc_doubles(cap);
    ad->h_last = dq__alloc_doubles(cap);
    ad->h = dq__alloc_doubles(cap);
    ad->E_prev = dq__alloc_doubles(cap);
    ad->theta_ev = dq__alloc_doubles(cap);
    ad->pending = calloc(cap, 1);
    ad->acc = calloc(cap, sizeof *ad->acc);
    ad->rej = calloc(cap, sizeof *ad->rej);
    ad->fev = calloc(cap, sizeof *ad->fev);
    ad->jac = calloc(cap, sizeof *ad->jac);
    ad->yo = dq__alloc_doubles(m * cap);
    if (!ad->atol || !ad->t || !ad->t_last || !ad->h_last || !ad->h || !ad->E_prev ||
        !ad->theta_ev || !ad->pending || !ad->acc || !ad->rej || !ad->fev || !ad->jac || !ad->yo)
        return dq_error_set(err, DQ_ENOMEM, NULL, "out of memory for %zu units", sys->units);
    for (size_t k = 0; k < m; ++k) {
        double a = sys->state_atol ? sys->state_atol[root->states[k]] : 0.0;
        ad->atol[k] = a > 0 ? a : sys->ctl.atol > 0 ? sys->ctl.atol : DQ__CONTROL_ATOL;
    }
    dq__control_init(&ad->ctl, &sys->ctl, ad->atol, root->solver->error_order);
    return DQ_OK;
}

void dq__adaptive_free(dq_system_t *sys)
{
    dq__adaptive_t *ad = &sys->ad;
    free(ad->atol);
    free(ad->t);
    free(ad->t_last);
    free(ad->h_last);
    free(ad->h);
    free(ad->E_prev);
    free(ad->theta_ev);
    free(ad->pending);
    free(ad->acc);
    free(ad->rej);
    free(ad->fev);
    free(ad->jac);
    free(ad->yo);
    memset(ad, 0, sizeof *ad);
    free(sys->unit_acc);
    free(sys->unit_fev);
    free(sys->blk_acc);
    free(sys->blk_fev);
    free(sys->blk_jac);
    sys->unit_acc = sys->unit_fev = sys->blk_acc = sys->blk_fev = sys->blk_jac = NULL;
}

/* Points the context at per-lane mode with the given start times and step sizes. */
static void adaptive_lanes(dq__lane_group_t *lg, const double *t, const double *h)
{
    dq_ctx_t *ctx = &lg->ctx;
    ctx->t = 0.0;
    ctx->dt = 1.0;
    ctx->lane_t = t;
    ctx->lane_dt = h;
}

/* The smallest step allowed for a unit at time t. */
static double adaptive_hmin(const dq_system_t *sys, double t)
{
    const double at = t < 0 ? -t : t;
    return sys->ad.ctl.hmin > 0 ? sys->ad.ctl.hmin : 1e-12 * (at > sys->dt ? at : sys->dt);
}

/* Each lane's first step: Hairer's rule from F at the start and after a trial Euler step,
 * unless the user gave h0. Two evaluations per unit. */
static int adaptive_first_step(dq__lane_group_t *lg)
{
    dq_system_t *sys = lg->lane->sys;
    dq__adaptive_t *ad = &sys->ad;
    dq_ctx_t *ctx = &lg->ctx;
    const size_t B = ctx->units, o = ctx->unit0, m = ctx->comps;
    if (ad->ctl.h0 > 0) {
        for (size_t u = 0; u < B; ++u)
            ad->h[o + u] = fmin(ad->ctl.h0, ad->ctl.hmax);
        return DQ_OK;
    }
    for (size_t u = 0; u < B; ++u) {
        lg->lane_t[u] = ad->t[o + u];
        lg->lane_dt[u] = 1.0;
    }
    adaptive_lanes(lg, lg->lane_t, lg->lane_dt);
    int rc = dq__driver_eval(lg, 0.0, ctx->y, lg->fa, NULL);
    if (rc)
        return rc;
    double *d0 = lg->E, *d1 = lg->theta;
    dq__control_norm(&ad->ctl, ctx->y, ctx->y, ctx->y, m, B, d0);
    dq__control_norm(&ad->ctl, ctx->y, ctx->y, lg->fa, m, B, d1);
    for (size_t u = 0; u < B; ++u)
        lg->lane_dt[u] = fmin(dq__control_trial(d0[u], d1[u]), ad->ctl.hmax);
    for (size_t k = 0; k < m; ++k)
        for (size_t u = 0; u < B; ++u)
            lg->ysave[k * B + u] = ctx->y[k * B + u] + lg->lane_dt[u] * lg->fa[k * B + u];
    if ((rc = dq__driver_eval(lg, 1.0, lg->ysave, lg->fb, NULL)))
        return rc;
    for (size_t i = 0; i < m * B; ++i)
        lg->dense[i] = lg->fb[i] - lg->fa[i];
    dq__control_norm(&ad->ctl, ctx->y, ctx->y, lg->dense, m, B, d0);
    const int order = lg->group->solver->order;
    for (size_t u = 0; u < B; ++u) {
        const double ht = lg->lane_dt[u];
        ad->h[o + u] = fmin(dq__control_start(ht, d1[u], d0[u] / ht, order), ad->ctl.hmax);
        ad->fev[o + u] += 2;
    }
    return DQ_OK;
}

int dq__adaptive_start(dq_system_t *sys, dq_error_t *err)
{
    dq__lane_t *l = &sys->lanes[0];
    dq__adaptive_t *ad = &sys->ad;
    for (size_t b = 0; b < sys->n_blocks; ++b) {
        l->block = b;
        dq__error_reset(&l->err);
        int rc = DQ_OK;
        for (size_t gi = 0; rc == DQ_OK && gi < sys->n_groups; ++gi) {
            dq__lane_group_t *lg = &l->lg[gi];
            dq__driver_ctx_block(lg, b);
            if (!lg->group->n_ev_modules)
                continue;
            /* The event functions at t0. */
            lg->ctx.t = sys->t0;
            lg->ctx.dt = sys->dt / lg->group->substeps;
            dq__driver_view(lg, sys->t0, lg->ctx.y, lg->fa, NULL);
            rc = dq__events_eval(lg, lg->gnew);
            for (size_t e = 0; rc == DQ_OK && e < sys->ev.n; ++e)
                memcpy(sys->ev.gprev + e * sys->capacity + lg->ctx.unit0,
                       lg->gnew + e * lg->ctx.units, lg->ctx.units * sizeof(double));
        }
        if (rc == DQ_OK && ad->on) {
            dq__lane_group_t *lg = &l->lg[sys->n_groups - 1];
            dq_ctx_t *ctx = &lg->ctx;
            const size_t B = ctx->units, o = ctx->unit0;
            for (size_t u = 0; u < B; ++u) {
                ad->t[o + u] = ad->t_last[o + u] = sys->t0;
                ad->h_last[o + u] = 0.0;
                ad->E_prev[o + u] = DQ__CONTROL_EPREV_MIN;
            }
            memcpy(ad->yo + o * ctx->comps, ctx->y, ctx->len * sizeof *ctx->y);
            rc = adaptive_first_step(lg);
            if (rc == DQ_OK && (lg->group->solver->init)) {
                adaptive_lanes(lg, ad->t + o, ad->h + o);
                lg->n_eval = 0;
                rc = lg->group->solver->init(ctx);
                if (rc)
                    rc = dq_error_set(&l->err, rc < 0 ? rc : DQ_ESOLVER, NULL,
                                      "solver '%s': init failed at t = %.17g: %s",
                                      lg->group->solver->name, sys->t0, dq_strerror(rc));
                for (size_t u = 0; u < B; ++u)
                    ad->fev[o + u] += lg->n_eval;
            }
        }
        if (rc) {
            if (err && err->code == DQ_OK)
                *err = l->err;
            return l->err.code ? l->err.code : rc;
        }
    }
    return DQ_OK;
}

/* ---- stepping ------------------------------------------------------------------------- */

/* The solver's continuous extension: a call for the whole block (need is not used). */
static int adaptive_interp(dq__lane_group_t *lg, const double *theta, const unsigned char *need,
                           double *out)
{
    (void)need;
    int rc = lg->group->solver->dense(&lg->ctx, theta, out);
    if (rc)
        return dq_error_set(&lg->lane->err, rc < 0 ? rc : DQ_ESOLVER, NULL,
                            "solver '%s': its continuous extension (dense) failed: %s",
                            lg->group->solver->name, dq_strerror(rc));
    return DQ_OK;
}

/* The auxiliary states of the block, saved into or restored from snap_aux. */
static void adaptive_aux(dq__lane_group_t *lg, int restore, const unsigned char *keep)
{
    const dq_system_t *sys = lg->lane->sys;
    const size_t B = lg->ctx.units, o = lg->ctx.unit0;
    size_t a = 0;
    for (size_t s = 0; s < sys->n_states; ++s) {
        if (sys->state_group[s] >= 0)
            continue;
        double *v = sys->aux[s] + o, *sv = lg->snap_aux + (a++) * B;
        if (!restore)
            memcpy(sv, v, B * sizeof *v);
        else
            for (size_t u = 0; u < B; ++u)
                if (!keep[u])
                    v[u] = sv[u];
    }
}

/* A lane that cannot go on: the message names the unit, the state with the largest
 * weighted error, the time and what to change. */
static int adaptive_fail(dq__lane_group_t *lg, size_t u, int nonfinite, double hn)
{
    dq__lane_t *l = lg->lane;
    const dq_system_t *sys = l->sys;
    const dq__adaptive_t *ad = &sys->ad;
    const dq_ctx_t *ctx = &lg->ctx;
    const size_t B = ctx->units, m = ctx->comps;
    size_t worst = 0;
    double wv = -1.0;
    for (size_t k = 0; k < m; ++k) {
        const double y = ctx->y[k * B + u], y0 = lg->snap_y[k * B + u];
        double w = !isfinite(y) ? INFINITY
                                : fabs(lg->err[k * B + u]) /
                                      (ad->atol[k] + ad->ctl.rtol * fmax(fabs(y0), fabs(y)));
        if (isnan(w))
            w = INFINITY;
        if (w > wv) {
            wv = w;
            worst = k;
        }
    }
    const char *state = sys->states[lg->group->states[worst]]->name;
    const double t = lg->lane_t[u];
    const size_t unit = sys->unit_offset + ctx->unit0 + u;
    const char *solver = lg->group->solver->name;
    if (nonfinite)
        dq_error_set(&l->err, DQ_ENONFINITE, state,
                     "state '%s' of unit %zu became non-finite at t = %.17g with solver '%s' "
                     "for every step size down to %.3g; the model may blow up there",
                     state, unit, t, solver, hn);
    else if (lg->rejects[u] > ad->ctl.max_rejects)
        dq_error_set(&l->err, DQ_ESOLVER, state,
                     "solver '%s' rejected %u steps in a row for unit %zu at t = %.17g (more "
                     "than max_rejects %u; the largest error in state '%s'); loosen rtol/atol "
                     "or raise max_rejects",
                     solver, lg->rejects[u], unit, t, ad->ctl.max_rejects, state);
    else
        dq_error_set(&l->err, DQ_ESOLVER, state,
                     "solver '%s': the step size of unit %zu fell to %.3g at t = %.17g, below "
                     "hmin %.3g (the largest error in state '%s'); %s",
                     solver, unit, hn, t, adaptive_hmin(sys, t), state,
                     (lg->group->solver->flags & DQ_CAP_JACOBIAN)
                         ? "the tolerances may be too tight, or the model singular there"
                         : "the problem may be stiff (try rosenbrock23) or the tolerances too "
                           "tight");
    dq_error_add_time(&l->err, t);
    return l->err.code;
}

/* Applies the pending event handlers of the lanes about to step. */
static int adaptive_pending(dq__lane_group_t *lg)
{
    dq_system_t *sys = lg->lane->sys;
    dq__adaptive_t *ad = &sys->ad;
    dq_ctx_t *ctx = &lg->ctx;
    const size_t B = ctx->units, o = ctx->unit0, n_ev = sys->ev.n;
    int any = 0;
    for (size_t u = 0; u < B; ++u) {
        lg->acc[u] = lg->act[u] && ad->pending[o + u];
        any |= lg->acc[u];
        lg->theta[u] = lg->acc[u] ? ad->theta_ev[o + u] : 1.0;
    }
    if (!any)
        return DQ_OK;
    adaptive_lanes(lg, ad->t_last + o, ad->h_last + o);
    int rc = adaptive_interp(lg, lg->theta, NULL, lg->dense);
    if (rc)
        return rc;
    for (size_t u = 0; u < B; ++u)
        if (lg->acc[u])
            dq__lane_copy(ctx->y, lg->dense, ctx->comps, B, u);
    for (size_t e = 0; e < n_ev; ++e)
        for (size_t u = 0; u < B; ++u) {
            unsigned char *p = &sys->ev.pend[e * sys->capacity + o + u];
            lg->fired[e * B + u] = lg->acc[u] && *p;
            if (lg->acc[u])
                *p = 0;
        }
    for (size_t u = 0; u < B; ++u) {
        lg->lane_t[u] = ad->t[o + u];
        lg->lane_dt[u] = ad->h[o + u];
    }
    adaptive_lanes(lg, lg->lane_t, lg->lane_dt);
    dq__driver_view(lg, 0.0, ctx->y, lg->fa, NULL);
    if ((rc = dq__events_handle(lg)))
        return rc;
    const dq_integrator_entry_t *sv = lg->group->solver;
    const uint64_t n0 = lg->n_eval;
    if (sv->reset || sv->init) {
        ctx->reset_mask = sv->reset ? lg->acc : NULL;
        rc = (sv->reset ? sv->reset : sv->init)(ctx);
        ctx->reset_mask = NULL;
        if (rc)
            return dq_error_set(&lg->lane->err, rc < 0 ? rc : DQ_ESOLVER, NULL,
                                "solver '%s': reset after an event failed: %s", sv->name,
                                dq_strerror(rc));
    }
    dq__driver_view(lg, 0.0, ctx->y, lg->fa, NULL);
    if ((rc = dq__events_eval(lg, lg->gnew)))
        return rc;
    for (size_t u = 0; u < B; ++u) {
        if (!lg->acc[u])
            continue;
        ad->fev[o + u] += lg->n_eval - n0;
        ad->pending[o + u] = 0;
        for (size_t e = 0; e < n_ev; ++e)
            sys->ev.gprev[e * sys->capacity + o + u] = lg->gnew[e * B + u];
    }
    return DQ_OK;
}

/* After an accepted step (lane_t/lane_dt still the step): crossings, their times, and the
 * handlers made pending. */
static int adaptive_events(dq__lane_group_t *lg)
{
    dq_system_t *sys = lg->lane->sys;
    dq__adaptive_t *ad = &sys->ad;
    dq_ctx_t *ctx = &lg->ctx;
    const size_t B = ctx->units, o = ctx->unit0, n_ev = sys->ev.n;
    dq__driver_view(lg, 1.0, ctx->y, lg->fa, NULL);
    int rc = dq__events_eval(lg, lg->gnew);
    if (rc)
        return rc;
    if (dq__events_cross(lg, lg->acc)) {
        if ((rc = dq__events_locate(lg, adaptive_interp, lg->lane_t, lg->lane_dt)))
            return rc;
        for (size_t u = 0; u < B; ++u) {
            if (!lg->acc[u])
                continue;
            double th_h = 2.0;
            for (size_t e = 0; e < n_ev; ++e)
                if (lg->cross[e * B + u] && (sys->ev.desc[e]->flags & DQ_EVENT_RESET))
                    th_h = fmin(th_h, lg->thi[e * B + u]);
            for (size_t e = 0; e < n_ev; ++e) {
                const size_t x = e * B + u;
                if (!lg->cross[x] || lg->thi[x] > th_h)
                    continue;
                if ((rc = dq__events_record(lg, e, u, lg->lane_t[u] + lg->thi[x] * lg->lane_dt[u])))
                    return rc;
                if ((sys->ev.desc[e]->flags & DQ_EVENT_RESET) && lg->thi[x] == th_h)
                    sys->ev.pend[e * sys->capacity + o + u] = 1;
            }
            if (th_h <= 1.0) {
                ad->pending[o + u] = 1;
                ad->theta_ev[o + u] = th_h;
                ad->t[o + u] = lg->lane_t[u] + th_h * lg->lane_dt[u];
            }
        }
    }
    for (size_t u = 0; u < B; ++u)
        if (lg->acc[u] && !ad->pending[o + u])
            for (size_t e = 0; e < n_ev; ++e)
                sys->ev.gprev[e * sys->capacity + o + u] = lg->gnew[e * B + u];
    return DQ_OK;
}

/* One attempt of every lane still short of T. Returns DQ_OK, or a failure. */
static int adaptive_attempt(dq__lane_group_t *lg)
{
    dq__lane_t *l = lg->lane;
    dq_system_t *sys = l->sys;
    dq__adaptive_t *ad = &sys->ad;
    dq_ctx_t *ctx = &lg->ctx;
    const dq__group_t *g = lg->group;
    const dq_integrator_entry_t *sv = g->solver;
    const size_t B = ctx->units, o = ctx->unit0, m = ctx->comps, len = ctx->len;
    int rc;

    for (size_t u = 0; u < B; ++u) {
        lg->lane_t[u] = ad->t[o + u];
        lg->lane_dt[u] = ad->h[o + u];
    }
    memcpy(lg->snap_y, ctx->y, len * sizeof *ctx->y);
    memcpy(lg->snap_f, ctx->f, len * sizeof *ctx->f);
    if (ctx->state)
        memcpy(lg->snap_state, ctx->state, ctx->state_len * sizeof *ctx->state);
    adaptive_aux(lg, 0, NULL);
    adaptive_lanes(lg, lg->lane_t, lg->lane_dt);
    ctx->err = lg->err;
    lg->n_eval = 0;
    lg->n_jac = 0;
    if (g->has_pre) {
        dq__driver_view(lg, 0.0, ctx->y, ctx->f, NULL);
        if ((rc = dq__driver_lifecycle(lg, offsetof(dq_module_desc_t, pre_integral), "pre_integral",
                                       0)))
            return rc;
    }
    lg->deferred = 1;
    rc = sv->step(ctx);
    lg->deferred = 0;
    ctx->err = NULL;
    if (rc) {
        dq_error_set(&l->err, rc < 0 ? rc : DQ_ESOLVER, NULL, "solver '%s' failed at t = %.17g: %s",
                     sv->name, lg->lane_t[0], dq_strerror(rc));
        return rc < 0 ? rc : DQ_ESOLVER;
    }
    /* The norm is NaN, hence infinite, where a new value is not finite. */
    dq__control_norm(&ad->ctl, lg->snap_y, ctx->y, lg->err, m, B, lg->E);
    dq__control_factors(&ad->ctl, lg->E, ad->E_prev + o, B, lg->fa, lg->fb);
    /* The decisions of all lanes, branch-free so that the loop vectorises (the same
     * arithmetic as dqhost check: dq__control_apply, inline); lanes not stepping keep
     * everything. Then the rare failures, one lane at a time. */
    const uint64_t nev = lg->n_eval;
    const unsigned max_rej = ad->ctl.max_rejects;
    int trouble = 0;
    for (size_t u = 0; u < B; ++u) {
        const int act = lg->act[u] != 0;
        double ep = ad->E_prev[o + u], hn;
        unsigned rj = lg->rejects[u];
        const int ok0 =
            dq__control_apply(lg->lane_dt[u], lg->E[u], lg->fa[u], lg->fb[u], &ep, &rj, &hn);
        const int ok = act && ok0;
        ad->E_prev[o + u] = act ? ep : ad->E_prev[o + u];
        lg->rejects[u] = act ? rj : lg->rejects[u];
        lg->acc[u] = (unsigned char)ok;
        lg->theta[u] = hn;
        ad->fev[o + u] += act ? nev : 0;
        ad->jac[o + u] += act ? lg->n_jac : 0;
        ad->rej[o + u] += (uint64_t)(act && !ok);
        ad->h[o + u] = act && !ok ? hn : ad->h[o + u];
        /* A controller asking for less than hmin (after a success or a failure) gives up. */
        trouble |= act && (rj > max_rej || !(hn >= adaptive_hmin(sys, lg->lane_t[u])));
    }
    for (size_t u = 0; trouble && u < ctx->live; ++u)
        if (lg->act[u] &&
            (lg->rejects[u] > max_rej || !(lg->theta[u] >= adaptive_hmin(sys, lg->lane_t[u]))))
            return adaptive_fail(lg, u, !lg->acc[u] && lg->E[u] == INFINITY, lg->theta[u]);
    if (g->has_post) {
        if (g->resets)
            memset(l->reset, 0, B);
        dq__driver_view(lg, 1.0, ctx->y, ctx->f, NULL);
        if ((rc = dq__driver_lifecycle(lg, offsetof(dq_module_desc_t, post_integral),
                                       "post_integral", 1)))
            return rc;
    }
    /* Lanes that did not advance go back to where they were. */
    const size_t nsv = ctx->state ? ctx->state_len / B : 0;
    for (size_t u = 0; u < B; ++u) {
        if (lg->acc[u])
            continue;
        dq__lane_copy(ctx->y, lg->snap_y, m, B, u);
        dq__lane_copy(ctx->f, lg->snap_f, m, B, u);
        if (nsv)
            dq__lane_copy(ctx->state, lg->snap_state, nsv, B, u);
    }
    adaptive_aux(lg, 1, lg->acc);
    for (size_t u = 0; u < B; ++u) {
        if (!lg->acc[u])
            continue;
        ad->t_last[o + u] = lg->lane_t[u];
        ad->h_last[o + u] = lg->lane_dt[u];
        ad->t[o + u] = lg->lane_t[u] + lg->lane_dt[u];
        ad->h[o + u] = lg->theta[u] < ad->ctl.hmax ? lg->theta[u] : ad->ctl.hmax;
        ad->acc[o + u]++;
    }
    /* A post_integral reset (the ABI 2.0 way of spiking) restarts the solver there. */
    if (g->resets && sv->state_vectors) {
        int any = 0;
        for (size_t u = 0; u < B; ++u) {
            l->reset[u] &= lg->acc[u];
            any |= l->reset[u];
        }
        if (any && (sv->reset || sv->init)) {
            adaptive_lanes(lg, ad->t + o, ad->h + o);
            ctx->reset_mask = sv->reset ? l->reset : NULL;
            rc = (sv->reset ? sv->reset : sv->init)(ctx);
            ctx->reset_mask = NULL;
            adaptive_lanes(lg, lg->lane_t, lg->lane_dt);
            if (rc)
                return dq_error_set(&l->err, rc < 0 ? rc : DQ_ESOLVER, NULL,
                                    "solver '%s': reset failed: %s", sv->name, dq_strerror(rc));
        }
    }
    if (g->n_ev_modules)
        return adaptive_events(lg);
    return DQ_OK;
}

/* Every lane of the block to the sample time T, then the values there. */
static int adaptive_block(dq__lane_group_t *lg, double T)
{
    dq_system_t *sys = lg->lane->sys;
    dq__adaptive_t *ad = &sys->ad;
    dq_ctx_t *ctx = &lg->ctx;
    const size_t B = ctx->units, o = ctx->unit0;
    int rc;
    memset(lg->rejects, 0, B * sizeof *lg->rejects);
    for (;;) {
        int any = 0;
        for (size_t u = 0; u < B; ++u) {
            lg->act[u] = ad->t[o + u] < T;
            any |= lg->act[u];
        }
        if (!any)
            break;
        if (sys->ev.handlers && (rc = adaptive_pending(lg)))
            return rc;
        if ((rc = adaptive_attempt(lg)))
            return rc;
    }
    /* Every lane's last step covers T: its start is before T, its end (or the pending
     * event that cut it) at or after. */
    for (size_t u = 0; u < B; ++u) {
        const double h = ad->h_last[o + u];
        const double th = h > 0 ? (T - ad->t_last[o + u]) / h : 1.0;
        lg->theta[u] = fmin(1.0, fmax(0.0, th));
    }
    adaptive_lanes(lg, ad->t_last + o, ad->h_last + o);
    return adaptive_interp(lg, lg->theta, NULL, ad->yo + o * ctx->comps);
}

void dq__adaptive_lane_run(dq__lane_t *l)
{
    dq_system_t *sys = l->sys;
    const double T = sys->t0 + (double)(l->run_from + l->run_steps) * sys->dt;
    dq__lane_group_t *lg = &l->lg[sys->n_groups - 1];
    l->failed = 0;
    dq__error_reset(&l->fail_err);
    for (size_t b = l->b0; b < l->b1; ++b) {
        l->block = b;
        dq__error_reset(&l->err);
        dq__driver_ctx_block(lg, b);
        lg->ctx.step = l->run_from;
        int rc = adaptive_block(lg, T);
        if (rc) {
            l->failed = 1;
            l->fail_step = l->run_from;
            l->fail_block = b;
            l->fail_err = l->err;
            if (!l->fail_err.code)
                l->fail_err.code = rc;
            break;
        }
    }
    if (!l->failed)
        dq__events_count_ahead(l);
}
