/* SPDX-License-Identifier: MIT */
/* events.c -- events (ABI 2.2): event functions evaluated at the end of every step, their
 * zero crossings located inside the step on an interpolant (the solver's continuous
 * extension in adaptive runs, a cubic Hermite interpolant in fixed-step runs), handlers
 * applied at the crossing, and spike times kept per lane until taken.
 *
 * Every per-lane decision here (crossing, bracket, iteration, convergence) depends on the
 * lane's own values only, and lanes that converged are frozen, so a unit's event times are
 * the same bits whatever block, thread or neighbours it has. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "driver_impl.h"
#include "internal.h"

/* Root finding stops when the bracket is this small relative to the time. */
#define EVENTS_TOL 1e-13
#define EVENTS_MAX_ITER 100

/* What every fixed step runs (evaluate, test, keep) goes inline into the step's path. */
#if defined(__GNUC__)
#define EVENTS_INLINE static inline __attribute__((always_inline))
#else
#define EVENTS_INLINE static inline
#endif

int dq__events_layout(dq_system_t *sys)
{
    dq__events_t *ev = &sys->ev;
    size_t n = 0;
    for (size_t i = 0; i < sys->n_modules; ++i)
        n += sys->modules[i].n_events;
    ev->first = calloc(sys->n_modules, sizeof *ev->first);
    if (!ev->first)
        return DQ_ENOMEM;
    for (size_t gi = 0; gi < sys->n_groups; ++gi) {
        dq__group_t *g = &sys->groups[gi];
        g->ev_modules = calloc(g->n_modules ? g->n_modules : 1, sizeof *g->ev_modules);
        if (!g->ev_modules)
            return DQ_ENOMEM;
        for (size_t k = 0; k < g->n_modules; ++k)
            if (sys->modules[g->modules[k]].n_events)
                g->ev_modules[g->n_ev_modules++] = g->modules[k];
    }
    ev->n = n;
    if (!n)
        return DQ_OK;
    ev->module = calloc(n, sizeof *ev->module);
    ev->desc = calloc(n, sizeof *ev->desc);
    ev->gprev = dq__alloc_doubles(n * sys->capacity);
    ev->fired = calloc(n * sys->capacity, sizeof *ev->fired);
    ev->pend = calloc(n * sys->capacity, 1);
    if (!ev->module || !ev->desc || !ev->gprev || !ev->fired || !ev->pend)
        return DQ_ENOMEM;
    size_t e = 0;
    for (size_t i = 0; i < sys->n_modules; ++i) {
        const dq_module_desc_t *md = &sys->modules[i];
        ev->first[i] = e;
        for (size_t k = 0; k < md->n_events; ++k, ++e) {
            ev->module[e] = i;
            ev->desc[e] = &md->events[k];
            ev->handlers |= (md->events[k].flags & DQ_EVENT_RESET) != 0;
        }
    }
    return DQ_OK;
}

void dq__events_free(dq_system_t *sys)
{
    dq__events_t *ev = &sys->ev;
    for (size_t gi = 0; sys->groups && gi < sys->n_groups; ++gi)
        free(sys->groups[gi].ev_modules);
    free(ev->first);
    free(ev->module);
    free(ev->desc);
    free(ev->gprev);
    free(ev->fired);
    free(ev->pend);
    free(ev->pool);
    memset(ev, 0, sizeof *ev);
}

void dq__lane_copy(double *dst, const double *src, size_t rows, size_t units, size_t u)
{
    for (size_t k = 0; k < rows; ++k)
        dst[k * units + u] = src[k * units + u];
}

/* Calls one callback (event or handle_event) of each module of the group with events. */
static int events_call(dq__lane_group_t *lg, int handle, double *gout)
{
    dq__lane_t *l = lg->lane;
    const dq_system_t *sys = l->sys;
    const dq__group_t *g = lg->group;
    const size_t units = lg->ctx.units;
    for (size_t q = 0; q < g->n_ev_modules; ++q) {
        const size_t i = g->ev_modules[q];
        const dq_module_desc_t *md = &sys->modules[i];
        dq_module_fn fn = handle ? md->handle_event : md->event;
        if (!fn)
            continue;
        size_t k = 0;
        while (g->modules[k] != i)
            ++k;
        const size_t e0 = sys->ev.first[i];
        for (size_t e = 0; e < md->n_events; ++e) {
            lg->evp[e0 + e] = gout ? gout + (e0 + e) * units : NULL;
            lg->frp[e0 + e] = lg->fired + (e0 + e) * units;
        }
        dq__module_view(l, i, g, k);
        dq_view_t *v = &l->mview[i];
        if (handle)
            v->fired = lg->frp + e0;
        else
            v->event = lg->evp + e0;
        int rc = fn(v);
        v->event = NULL;
        v->fired = NULL;
        if (rc)
            return dq_error_set(&l->err, rc < 0 ? rc : DQ_EMODEL, NULL,
                                "model '%s': %s of module '%s' failed at t = %.17g: %s",
                                sys->model.name, handle ? "handle_event" : "event", md->name,
                                l->view_t, l->view_err[0] ? l->view_err : dq_strerror(rc));
    }
    return DQ_OK;
}

int dq__events_eval(dq__lane_group_t *lg, double *gout)
{
    return events_call(lg, 0, gout);
}

/* The event functions at the end of a fixed step (t, the block's values) into lg->gnew: the
 * fast call while the lane's tables allow it (see host_api.c), else through the view. The
 * view shows the block's own derivative and diffusion slots, which an event function does not
 * write: the buffers the step's last calls showed, so the tables need no re-pointing. */
EVENTS_INLINE int events_eval_end(dq__lane_group_t *lg, double t)
{
    dq__fast_call_t *fc = &lg->fast[DQ__CALL_EVENT];
    dq__lane_t *l = lg->lane;
    const dq_system_t *sys = l->sys;
    if (!dq__fast_valid(lg, fc)) {
        dq__driver_view(lg, t, lg->ctx.y, lg->ctx.f, (double *)lg->ctx.g);
        int rc = dq__events_eval(lg, lg->gnew);
        if (rc == DQ_OK) {
            fc->gen = l->view_gen;
        }
        return rc;
    }
    const size_t units = lg->ctx.units;
    l->view_err[0] = '\0';
    for (size_t k = 0; k < fc->n; ++k) {
        const size_t i = fc->mod[k], e0 = sys->ev.first[i];
        for (size_t e = e0; e < e0 + sys->modules[i].n_events; ++e)
            lg->evp[e] = lg->gnew + e * units;
        dq_view_t *v = dq__fast_view(lg, fc, k, t, lg->ctx.y, lg->ctx.f, lg->ctx.g);
        v->event = lg->evp + e0;
        int rc = fc->fn[k](v);
        v->event = NULL;
        if (rc)
            return dq_error_set(&l->err, rc < 0 ? rc : DQ_EMODEL, NULL,
                                "model '%s': event of module '%s' failed at t = %.17g: %s",
                                sys->model.name, sys->modules[i].name, t,
                                l->view_err[0] ? l->view_err : dq_strerror(rc));
    }
    return DQ_OK;
}

int dq__events_handle(dq__lane_group_t *lg)
{
    return events_call(lg, 1, NULL);
}

/* Did g go from a to b across zero in direction dir? */
static inline int events_crossed(double a, double b, int dir)
{
    return (dir >= 0 && a < 0.0 && b >= 0.0) || (dir <= 0 && a > 0.0 && b <= 0.0);
}

size_t dq__events_cross(dq__lane_group_t *lg, const unsigned char *mask)
{
    const dq_system_t *sys = lg->lane->sys;
    const dq__group_t *g = lg->group;
    const size_t units = lg->ctx.units, unit0 = lg->ctx.unit0;
    size_t n = 0;
    memset(lg->cross, 0, sys->ev.n * units);
    for (size_t q = 0; q < g->n_ev_modules; ++q) {
        const size_t i = g->ev_modules[q], e0 = sys->ev.first[i];
        for (size_t e = e0; e < e0 + sys->modules[i].n_events; ++e) {
            const double *gp = sys->ev.gprev + e * sys->capacity + unit0;
            const double *gn = lg->gnew + e * units;
            const int dir = sys->ev.desc[e]->direction;
            for (size_t u = 0; u < units; ++u) {
                unsigned char c = (!mask || mask[u]) && events_crossed(gp[u], gn[u], dir);
                lg->cross[e * units + u] = c;
                n += c;
            }
        }
    }
    return n;
}

/* Whether a crossing up (up) or down (down) happened in one of n lanes from a to b: the test
 * of events_crossed without its branches, so that it vectorises. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(__SANITIZE_THREAD__)
__attribute__((noinline, target_clones("avx512f", "avx2", "default")))
#endif
static int
events_lanes_cross(const double *restrict a, const double *restrict b, size_t n, int up, int down)
{
    int any = 0;
    if (up && down) {
#pragma omp simd reduction(| : any)
        for (size_t u = 0; u < n; ++u)
            any |= ((a[u] < 0.0) & (b[u] >= 0.0)) | ((a[u] > 0.0) & (b[u] <= 0.0));
    } else if (up) {
#pragma omp simd reduction(| : any)
        for (size_t u = 0; u < n; ++u)
            any |= (a[u] < 0.0) & (b[u] >= 0.0);
    } else {
#pragma omp simd reduction(| : any)
        for (size_t u = 0; u < n; ++u)
            any |= (a[u] > 0.0) & (b[u] <= 0.0);
    }
    return any;
}

/* Whether some lane's event crossed since its last values (gprev to gnew), as
 * dq__events_cross finds it without a mask, but without writing anything: the usual answer,
 * no, in one vector pass per event. */
EVENTS_INLINE int events_any_cross(const dq__lane_group_t *lg)
{
    const dq_system_t *sys = lg->lane->sys;
    const dq__group_t *g = lg->group;
    const size_t units = lg->ctx.units, unit0 = lg->ctx.unit0;
    for (size_t q = 0; q < g->n_ev_modules; ++q) {
        const size_t i = g->ev_modules[q], e0 = sys->ev.first[i];
        for (size_t e = e0; e < e0 + sys->modules[i].n_events; ++e) {
            const int dir = sys->ev.desc[e]->direction;
            if (events_lanes_cross(sys->ev.gprev + e * sys->capacity + unit0, lg->gnew + e * units,
                                   units, dir >= 0, dir <= 0))
                return 1;
        }
    }
    return 0;
}

int dq__events_locate(dq__lane_group_t *lg, dq__interp_fn interp, const double *start,
                      const double *h)
{
    const dq_system_t *sys = lg->lane->sys;
    const size_t units = lg->ctx.units, n_ev = sys->ev.n, unit0 = lg->ctx.unit0;
    /* Brackets: [tlo, thi] with g(tlo) on the start's side and g(thi) on the end's. */
    for (size_t e = 0; e < n_ev; ++e)
        for (size_t u = 0; u < units; ++u) {
            const size_t x = e * units + u;
            lg->tlo[x] = 0.0;
            lg->thi[x] = 1.0;
            lg->glo[x] = sys->ev.gprev[e * sys->capacity + unit0 + u];
            lg->ghi[x] = lg->gnew[x];
            lg->side[x] = 0;
        }
    /* Each event apart: its crossing lanes share the interpolated states of one call. The
     * loops run over those lanes only (a few in a block of hundreds); every other lane keeps
     * theta = 1 (the bracket's end), need = 0 and its view time, as a pass over all lanes
     * would give them. */
    size_t *list = lg->ulist;
    for (size_t e = 0; e < n_ev; ++e) {
        size_t nl = 0;
        for (size_t u = 0; u < units; ++u) {
            list[nl] = u;
            nl += lg->cross[e * units + u] == 1;
            lg->theta[u] = 1.0;
            lg->tview[u] = start[u] + h[u];
        }
        if (nl == 0)
            continue;
        memset(lg->need, 0, units);
        for (int it = 0; it < EVENTS_MAX_ITER; ++it) {
            int any = 0;
            for (size_t j = 0; j < nl; ++j) {
                const size_t u = list[j], x = e * units + u;
                double th = lg->thi[x];
                if (lg->cross[x] == 1) {
                    const double lo = lg->tlo[x], hi = lg->thi[x];
                    const double tol = EVENTS_TOL * fmax(fabs(start[u]) + h[u], 1.0);
                    if ((hi - lo) * h[u] <= tol) {
                        lg->cross[x] = 2;
                    } else {
                        /* Illinois: secant on the bracket, with the stale end's value halved
                         * when the same side moved twice; bisection if the secant leaves the
                         * bracket. A point closer than half the tolerance to an end moves in
                         * to that distance, so the bracket closes as soon as the secant has
                         * converged instead of creeping in from one side. */
                        const double gl = lg->glo[x], gh = lg->ghi[x];
                        const double w = hi - lo, tt = 0.5 * tol / h[u];
                        th = (lo * gh - hi * gl) / (gh - gl);
                        if (!(th > lo && th < hi))
                            th = lo + 0.5 * w;
                        th = th < lo + tt ? lo + tt : th > hi - tt ? hi - tt : th;
                        any = 1;
                    }
                }
                lg->theta[u] = th;
            }
            if (!any)
                break;
            for (size_t j = 0; j < nl; ++j) {
                const size_t u = list[j];
                lg->need[u] = lg->cross[e * units + u] == 1;
                lg->tview[u] = start[u] + lg->theta[u] * h[u];
            }
            lg->need_list = list;
            lg->n_need_list = nl;
            int rc = interp(lg, lg->theta, lg->need, lg->dense);
            lg->need_list = NULL;
            if (rc)
                return rc;
            dq__driver_view_at(lg, lg->tview, lg->dense, lg->fa);
            if ((rc = dq__events_eval(lg, lg->gmid)))
                return rc;
            for (size_t j = 0; j < nl; ++j) {
                const size_t u = list[j], x = e * units + u;
                if (lg->cross[x] != 1)
                    continue;
                const double gm = lg->gmid[x], th = lg->theta[u];
                const int on_hi = lg->glo[x] < 0.0 ? gm >= 0.0 : gm <= 0.0;
                if (on_hi) {
                    lg->thi[x] = th;
                    lg->ghi[x] = gm;
                    if (lg->side[x] > 0)
                        lg->glo[x] *= 0.5;
                    lg->side[x] = 1;
                    if (gm == 0.0)
                        lg->cross[x] = 2;
                } else {
                    lg->tlo[x] = th;
                    lg->glo[x] = gm;
                    if (lg->side[x] < 0)
                        lg->ghi[x] *= 0.5;
                    lg->side[x] = -1;
                }
            }
        }
        for (size_t j = 0; j < nl; ++j)
            lg->cross[e * units + list[j]] = 1;
    }
    return DQ_OK;
}

int dq__events_record(dq__lane_group_t *lg, size_t e, size_t u, double t)
{
    dq__lane_t *l = lg->lane;
    dq_system_t *sys = l->sys;
    const size_t unit = lg->ctx.unit0 + u;
    /* A step of an adaptive run may end past the sample time: its events count once the
     * sample time passes them (dq__events_count_ahead), so counts are those at the sample. */
    if (sys->ad.on && t > sys->t0 + (double)(l->run_from + l->run_steps) * sys->dt) {
        if (l->n_ahead == l->cap_ahead) {
            size_t cap = l->cap_ahead ? 2 * l->cap_ahead : 256;
            dq_spike_t *p = realloc(l->ahead, cap * sizeof *p);
            if (!p)
                return dq_error_set(&l->err, DQ_ENOMEM, NULL, "out of memory for event times");
            l->ahead = p;
            l->cap_ahead = cap;
        }
        l->ahead[l->n_ahead++] = (dq_spike_t){.t = t, .unit = unit, .event = e};
    } else {
        sys->ev.fired[e * sys->capacity + unit]++;
    }
    if (u >= lg->ctx.live || !(sys->ev.desc[e]->flags & DQ_EVENT_SPIKE))
        return DQ_OK;
    if (l->n_spk == l->cap_spk) {
        /* Grows by doubling: amortised, and the CLI takes spikes after every chunk. */
        size_t cap = l->cap_spk ? 2 * l->cap_spk : 1024;
        dq_spike_t *p = realloc(l->spk, cap * sizeof *p);
        if (!p)
            return dq_error_set(&l->err, DQ_ENOMEM, NULL, "out of memory for spike times");
        l->spk = p;
        l->cap_spk = cap;
    }
    l->spk[l->n_spk++] = (dq_spike_t){.t = t, .unit = unit, .event = e};
    return DQ_OK;
}

/* ---- fixed steps ---------------------------------------------------------------- */

/* The cubic Hermite interpolant between (snap_y, fa) at the step's start and (y, fb) at its
 * end: third order, from the values and slopes at both ends. */
static int events_hermite(dq__lane_group_t *lg, const double *theta, const unsigned char *need,
                          double *out)
{
    const dq_ctx_t *ctx = &lg->ctx;
    const size_t units = ctx->units, m = ctx->comps;
    /* lg->E holds each lane's step size (dq__events_fixed). Only the lanes that need it:
     * a crossing is rare in a block, and the block-wide loop was an eighth of an HH run;
     * lg->need_list, when set, lists every lane that may. */
    const size_t n = need && lg->need_list ? lg->n_need_list : units;
    for (size_t j = 0; j < n; ++j) {
        const size_t u = need && lg->need_list ? lg->need_list[j] : j;
        if (need && !need[u])
            continue;
        const double s = theta[u], s1 = 1.0 - s, hh = lg->E[u];
        const double h00 = (1.0 + 2.0 * s) * s1 * s1, h10 = s * s1 * s1;
        const double h01 = s * s * (3.0 - 2.0 * s), h11 = s * s * (s - 1.0);
        for (size_t k = 0; k < m; ++k) {
            const size_t i = k * units + u;
            out[i] =
                h00 * lg->snap_y[i] + h01 * lg->ysave[i] + hh * (h10 * lg->fa[i] + h11 * lg->fb[i]);
        }
    }
    return DQ_OK;
}

/* Lane `from` of a block vector set into lane `to`. */
static void events_lane_dup(double *v, size_t rows, size_t units, size_t from, size_t to)
{
    for (size_t k = 0; k < rows; ++k)
        v[k * units + to] = v[k * units + from];
}

/* The straight line between the step's ends (snap_y and ysave), for low-order methods. */
static int events_linear(dq__lane_group_t *lg, const double *theta, const unsigned char *need,
                         double *out)
{
    const size_t units = lg->ctx.units, m = lg->ctx.comps;
    const size_t n = need && lg->need_list ? lg->n_need_list : units;
    for (size_t j = 0; j < n; ++j) {
        const size_t u = need && lg->need_list ? lg->need_list[j] : j;
        if (need && !need[u])
            continue;
        const double s = theta[u];
        for (size_t k = 0; k < m; ++k) {
            const size_t i = k * units + u;
            out[i] = lg->snap_y[i] + s * (lg->ysave[i] - lg->snap_y[i]);
        }
    }
    return DQ_OK;
}

/* Saves or restores the lanes of the block other than `keep` (y, f, state, aux). */
static void events_block_save(dq__lane_group_t *lg)
{
    const dq_ctx_t *ctx = &lg->ctx;
    const dq_system_t *sys = lg->lane->sys;
    memcpy(lg->err, ctx->y, ctx->len * sizeof *ctx->y);
    memcpy(lg->fb, ctx->f, ctx->len * sizeof *ctx->f);
    if (ctx->state)
        memcpy(lg->snap_state, ctx->state, ctx->state_len * sizeof *ctx->state);
    size_t a = 0;
    for (size_t s = 0; s < sys->n_states; ++s)
        if (sys->state_group[s] < 0)
            memcpy(lg->snap_aux + (a++) * ctx->units, sys->aux[s] + ctx->unit0,
                   ctx->units * sizeof(double));
}

static void events_block_restore_others(dq__lane_group_t *lg, size_t keep)
{
    dq_ctx_t *ctx = &lg->ctx;
    const dq_system_t *sys = lg->lane->sys;
    const size_t units = ctx->units;
    const size_t sv = ctx->state ? ctx->state_len / units : 0;
    for (size_t u = 0; u < units; ++u) {
        if (u == keep)
            continue;
        dq__lane_copy(ctx->y, lg->err, ctx->comps, units, u);
        dq__lane_copy(ctx->f, lg->fb, ctx->comps, units, u);
        if (sv)
            dq__lane_copy(ctx->state, lg->snap_state, sv, units, u);
        size_t a = 0;
        for (size_t s = 0; s < sys->n_states; ++s)
            if (sys->state_group[s] < 0)
                sys->aux[s][ctx->unit0 + u] = lg->snap_aux[(a++) * units + u];
    }
}

/* The rest of the step, from the event at t_ev to t_end, for lane u alone: handler, solver
 * reset, one step; the block's other lanes are put back as they were. */
static int events_finish_lane(dq__lane_group_t *lg, size_t u, double t_ev, double t_end)
{
    dq_ctx_t *ctx = &lg->ctx;
    dq_system_t *sys = lg->lane->sys;
    const dq__group_t *g = lg->group;
    const size_t units = ctx->units;
    events_block_save(lg);
    dq__lane_copy(ctx->y, lg->dense, ctx->comps, units, u);
    const double told = ctx->t, hold = ctx->dt;
    ctx->t = t_ev;
    ctx->dt = t_end - t_ev;
    if (lg->lane_dt)
        for (size_t v = 0; v < units; ++v)
            lg->lane_dt[v] = ctx->dt;
    const uint64_t ev0 = lg->n_eval;
    dq__driver_view(lg, t_ev, ctx->y, ctx->f, NULL);
    int rc = dq__events_handle(lg);
    if (rc == DQ_OK && (g->solver->reset || g->solver->init)) {
        memset(lg->act, 0, units);
        lg->act[u] = 1;
        dq_solver_fn fn = g->solver->reset ? g->solver->reset : g->solver->init;
        ctx->reset_mask = g->solver->reset ? lg->act : NULL;
        rc = fn(ctx);
        ctx->reset_mask = NULL;
        if (rc)
            rc = dq_error_set(&lg->lane->err, rc < 0 ? rc : DQ_ESOLVER, NULL,
                              "solver '%s': reset after an event failed at t = %.17g: %s",
                              g->solver->name, t_ev, dq_strerror(rc));
    }
    if (rc == DQ_OK && ctx->dt > 0.0) {
        rc = g->solver->step(ctx);
        if (rc)
            rc = dq_error_set(&lg->lane->err, rc < 0 ? rc : DQ_ESOLVER, NULL,
                              "solver '%s' failed at t = %.17g after an event: %s", g->solver->name,
                              t_ev, dq_strerror(rc));
    }
    sys->unit_acc[ctx->unit0 + u]++;
    sys->unit_fev[ctx->unit0 + u] += lg->n_eval - ev0;
    lg->n_eval = ev0; /* this lane's work, not the block's */
    events_block_restore_others(lg, u);
    ctx->t = told;
    ctx->dt = hold;
    if (lg->lane_dt)
        for (size_t v = 0; v < units; ++v)
            lg->lane_dt[v] = hold;
    return rc;
}

int dq__events_hermite(const dq__group_t *g)
{
    const int order = g->solver->order;
    return order <= 0 || order >= 3;
}

/* The event values at the step's end become the unit's current ones. */
EVENTS_INLINE void events_keep(dq__lane_group_t *lg)
{
    dq_system_t *sys = lg->lane->sys;
    const size_t units = lg->ctx.units, unit0 = lg->ctx.unit0;
    for (size_t e = 0; e < sys->ev.n; ++e)
        memcpy(sys->ev.gprev + e * sys->capacity + unit0, lg->gnew + e * units,
               units * sizeof(double));
}

/* Records every crossing at the zero of the line through the event function's values at
 * the step's ends. With `mark`, the DQ_EVENT_RESET ones are also marked in lg->fired and
 * their lanes in lg->act, and *mark says whether there was one. */
static int events_record_on_line(dq__lane_group_t *lg, double t, double h, int *mark)
{
    dq_system_t *sys = lg->lane->sys;
    const size_t units = lg->ctx.units, unit0 = lg->ctx.unit0;
    if (mark) {
        *mark = 0;
        memset(lg->act, 0, units);
    }
    for (size_t e = 0; e < sys->ev.n; ++e)
        for (size_t u = 0; u < units; ++u) {
            const size_t x = e * units + u;
            if (mark)
                lg->fired[x] = 0;
            if (!lg->cross[x])
                continue;
            const double a = sys->ev.gprev[e * sys->capacity + unit0 + u], b = lg->gnew[x];
            int rc = dq__events_record(lg, e, u, t + h * (a / (a - b)));
            if (rc)
                return rc;
            if (mark && (sys->ev.desc[e]->flags & DQ_EVENT_RESET)) {
                lg->fired[x] = 1;
                lg->act[u] = 1;
                *mark = 1;
            }
        }
    return DQ_OK;
}

/* Low-order methods and events that only record: the crossing of the straight line between
 * the event function's values at the step's ends, with no state to interpolate (so the
 * step's start values need not be kept). */
static int events_fixed_record(dq__lane_group_t *lg, double t, double h)
{
    int rc = events_record_on_line(lg, t, h, NULL);
    if (rc == DQ_OK)
        events_keep(lg);
    return rc;
}

int dq__events_fixed(dq__lane_group_t *lg, double t, double h)
{
    dq_ctx_t *ctx = &lg->ctx;
    dq_system_t *sys = lg->lane->sys;
    const size_t units = ctx->units, n_ev = sys->ev.n, unit0 = ctx->unit0;
    int rc = events_eval_end(lg, t + h);
    if (rc)
        return rc;
    if (events_any_cross(lg) && dq__events_cross(lg, NULL)) {
        /* The interpolant between the step's ends: cubic Hermite for methods of order 3 and
         * more (or unknown), which needs the slopes at both ends (two evaluations, only in
         * steps where something crossed); linear for first- and second-order methods, whose
         * own error is larger than the line's O(h^2). */
        const int hermite = dq__events_hermite(lg->group);
        if (!hermite && !sys->ev.handlers)
            return events_fixed_record(lg, t, h);
        memcpy(lg->ysave, ctx->y, ctx->len * sizeof *ctx->y);
        if (hermite) {
            if ((rc = dq__driver_eval(lg, t, lg->snap_y, lg->fa, NULL)) ||
                (rc = dq__driver_eval(lg, t + h, lg->ysave, lg->fb, NULL)))
                return rc;
            /* Those two count for the units that crossed, not for their neighbours. */
            lg->n_eval -= 2;
        }
        /* The lanes where something crossed: the loops below run over them only. */
        size_t *list = lg->ulist + units, nl = 0;
        for (size_t u = 0; u < units; ++u) {
            int crossed = 0;
            for (size_t e = 0; e < n_ev; ++e)
                crossed |= lg->cross[e * units + u];
            list[nl] = u;
            nl += crossed != 0;
        }
        for (size_t j = 0; hermite && j < nl; ++j)
            sys->unit_fev[unit0 + list[j]] += 2;
        for (size_t u = 0; u < units; ++u) {
            lg->E[u] = h; /* the interpolant's step */
            lg->lane_t[u] = t;
        }
        const dq__interp_fn interp = hermite ? events_hermite : events_linear;
        if ((rc = dq__events_locate(lg, interp, lg->lane_t, lg->E)))
            return rc;
        /* Per lane: the earliest crossing with a handler ends the step there. A lane without
         * a crossing has none: theta 1, nothing fired, not active. */
        memset(lg->fired, 0, n_ev * units);
        memset(lg->act, 0, units);
        for (size_t u = 0; u < units; ++u)
            lg->theta[u] = 1.0;
        for (size_t j = 0; j < nl; ++j) {
            const size_t u = list[j];
            double th_h = 2.0;
            for (size_t e = 0; e < n_ev; ++e)
                if (lg->cross[e * units + u] && (sys->ev.desc[e]->flags & DQ_EVENT_RESET))
                    th_h = fmin(th_h, lg->thi[e * units + u]);
            lg->theta[u] = th_h <= 1.0 ? th_h : 1.0;
            for (size_t e = 0; e < n_ev; ++e) {
                const size_t x = e * units + u;
                lg->fired[x] = 0;
                if (!lg->cross[x] || lg->thi[x] > th_h)
                    continue;
                const int handled = (sys->ev.desc[e]->flags & DQ_EVENT_RESET) != 0;
                lg->fired[x] = handled && lg->thi[x] == th_h;
                if ((rc = dq__events_record(lg, e, u, t + lg->thi[x] * h)))
                    return rc;
            }
            lg->act[u] = th_h <= 1.0;
        }
        /* The states at each handled event, then each such lane finishes its step. */
        lg->need_list = list;
        lg->n_need_list = nl;
        rc = interp(lg, lg->theta, lg->act, lg->dense);
        lg->need_list = NULL;
        if (rc)
            return rc;
        unsigned char *todo = lg->acc;
        memcpy(todo, lg->act, units);
        /* Padding lanes copy the last real unit: they get its result, not a step of their
         * own. */
        const size_t live = ctx->live;
        for (size_t u = 0; u < live; ++u) {
            if (!todo[u])
                continue;
            /* Only this lane's fired events are handled now. */
            for (size_t e = 0; e < n_ev; ++e)
                for (size_t v = 0; v < units; ++v)
                    lg->gmid[e * units + v] = lg->fired[e * units + v];
            for (size_t e = 0; e < n_ev; ++e)
                for (size_t v = 0; v < units; ++v)
                    lg->fired[e * units + v] = v == u && lg->gmid[e * units + v] != 0.0;
            rc = events_finish_lane(lg, u, t + lg->theta[u] * h, t + h);
            for (size_t e = 0; e < n_ev; ++e)
                for (size_t v = 0; v < units; ++v)
                    lg->fired[e * units + v] = lg->gmid[e * units + v] != 0.0;
            if (rc)
                return rc;
        }
        if (live < units && todo[live - 1]) {
            const size_t nsv = ctx->state ? ctx->state_len / units : 0;
            for (size_t u = live; u < units; ++u) {
                events_lane_dup(ctx->y, ctx->comps, units, live - 1, u);
                events_lane_dup(ctx->f, ctx->comps, units, live - 1, u);
                if (nsv)
                    events_lane_dup(ctx->state, nsv, units, live - 1, u);
                for (size_t s = 0; s < sys->n_states; ++s)
                    if (sys->state_group[s] < 0)
                        sys->aux[s][unit0 + u] = sys->aux[s][unit0 + live - 1];
            }
        }
        dq__driver_view(lg, t + h, ctx->y, lg->fa, NULL);
        if ((rc = dq__events_eval(lg, lg->gnew)))
            return rc;
    }
    events_keep(lg);
    return DQ_OK;
}

int dq__events_fixed_linear(dq__lane_group_t *lg, double t, double h)
{
    dq_ctx_t *ctx = &lg->ctx;
    const dq__group_t *g = lg->group;
    int rc = events_eval_end(lg, t + h);
    if (rc)
        return rc;
    if (events_any_cross(lg) && dq__events_cross(lg, NULL)) {
        int any_handled;
        if ((rc = events_record_on_line(lg, t, h, &any_handled)))
            return rc;
        if (any_handled) {
            if ((rc = dq__events_handle(lg)))
                return rc;
            if (g->solver->reset || g->solver->init) {
                dq_solver_fn fn = g->solver->reset ? g->solver->reset : g->solver->init;
                ctx->reset_mask = g->solver->reset ? lg->act : NULL;
                const double told = ctx->t;
                ctx->t = t + h;
                rc = fn(ctx);
                ctx->t = told;
                ctx->reset_mask = NULL;
                if (rc)
                    return dq_error_set(&lg->lane->err, rc < 0 ? rc : DQ_ESOLVER, NULL,
                                        "solver '%s': reset after an event failed at t = %.17g",
                                        g->solver->name, t + h);
            }
            dq__driver_view(lg, t + h, ctx->y, lg->fa, NULL);
            if ((rc = dq__events_eval(lg, lg->gnew)))
                return rc;
        }
    }
    events_keep(lg);
    return DQ_OK;
}

void dq__events_count_ahead(dq__lane_t *l)
{
    dq_system_t *sys = l->sys;
    const double T = sys->t0 + (double)(l->run_from + l->run_steps) * sys->dt;
    size_t keep = 0;
    for (size_t i = 0; i < l->n_ahead; ++i) {
        const dq_spike_t *a = &l->ahead[i];
        if (a->t <= T)
            sys->ev.fired[a->event * sys->capacity + a->unit]++;
        else
            l->ahead[keep++] = *a;
    }
    l->n_ahead = keep;
}
