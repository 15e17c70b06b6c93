/* SPDX-License-Identifier: MIT */
/* driver.c -- the step loop: one lane's blocks through all the steps of a run.
 *
 * A lane takes each of its blocks through all the steps of a run before the next block,
 * so the block's states, derivatives, solver state and scratch stay in cache; units are
 * independent and every block is padded to whole lanes, so this gives every unit the same
 * bits as stepping everything step by step, for any block size and number of threads.
 * Nothing here allocates: arenas, scratch, Jacobian scratch and view tables are sized in
 * dq_system_prepare. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "driver_impl.h"
#include "internal.h"

/* A double is NaN or infinite exactly when its exponent bits are all ones. OR-ing a flag
 * per value is an integer reduction, which vectorises (a floating-point sum would not, its
 * order being fixed); the slow search for the culprit runs only when the flag is set. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(__SANITIZE_THREAD__)
/* Its own function, compiled for AVX-512, AVX2 and baseline: inlined into the step loop,
 * gcc 12 loses the vector form. */
__attribute__((noinline, target_clones("avx512f", "avx2", "default")))
#endif
static int
driver_all_finite(const double *y, size_t n)
{
    const uint64_t *bits = (const uint64_t *)(const void *)y;
    uint64_t bad = 0;
#pragma omp simd reduction(| : bad)
    for (size_t i = 0; i < n; ++i)
        bad |= (uint64_t)((bits[i] & 0x7ff0000000000000ull) == 0x7ff0000000000000ull);
    return bad == 0;
}

/* The same test for a few values, inlined (baseline SSE2 vectors). */
static inline int driver_lane_finite(const double *y, size_t n)
{
    const uint64_t *bits = (const uint64_t *)(const void *)y;
    uint64_t bad = 0;
#pragma omp simd reduction(| : bad)
    for (size_t i = 0; i < n; ++i)
        bad |= (uint64_t)((bits[i] & 0x7ff0000000000000ull) == 0x7ff0000000000000ull);
    return bad == 0;
}

/* The live lanes of the block are finite (padding lanes are never reported, so they are
 * not checked: a lone unit costs one test per component, not DQ_LANES). A partly live block
 * takes a plain loop per component: the vectorised one's set-up cost more than its few
 * values. */
static int driver_block_finite(const dq_ctx_t *ctx)
{
    if (ctx->live == ctx->units)
        return ctx->len <= DQ_LANES ? driver_lane_finite(ctx->y, ctx->len)
                                    : driver_all_finite(ctx->y, ctx->len);
    const uint64_t *bits = (const uint64_t *)(const void *)ctx->y;
    uint64_t bad = 0;
    if (ctx->live == 1) { /* a lone unit: one value per component */
        for (size_t i = 0; i < ctx->len; i += ctx->units)
            bad |= (uint64_t)((bits[i] & 0x7ff0000000000000ull) == 0x7ff0000000000000ull);
        return bad == 0;
    }
    for (size_t k = 0; k < ctx->comps; ++k)
        for (size_t u = 0; u < ctx->live; ++u)
            bad |= (uint64_t)((bits[k * ctx->units + u] & 0x7ff0000000000000ull) ==
                              0x7ff0000000000000ull);
    return bad == 0;
}

/* The first non-finite value of a real unit (padding lanes, copies of the last real unit,
 * are not reported), or DQ_OK when only padding went bad. */
static int driver_report_nonfinite(dq__lane_group_t *lg, uint64_t step)
{
    dq__lane_t *l = lg->lane;
    const dq_system_t *sys = l->sys;
    const dq_ctx_t *ctx = &lg->ctx;
    size_t i = 0;
    while (i < ctx->len && (isfinite(ctx->y[i]) || i % ctx->units >= ctx->live))
        ++i;
    if (i == ctx->len)
        return DQ_OK;
    size_t s = lg->group->states[i / ctx->units],
           u = sys->unit_offset + ctx->unit0 + i % ctx->units;
    double t = ctx->t + ctx->dt;
    dq_error_set(&l->err, DQ_ENONFINITE, sys->states[s]->name,
                 "state '%s' of unit %zu became %s at t = %.17g (step %llu) with solver '%s'; "
                 "try a smaller dt or a solver for stiff problems",
                 sys->states[s]->name, u, isnan(ctx->y[i]) ? "NaN" : "infinite", t,
                 (unsigned long long)(step + 1), lg->group->solver->name);
    dq_error_add_time(&l->err, t);
    return DQ_ENONFINITE;
}

void dq__driver_ctx_block(dq__lane_group_t *lg, size_t b)
{
    const dq__group_t *g = lg->group;
    const dq_system_t *sys = lg->lane->sys;
    dq_ctx_t *ctx = &lg->ctx;
    size_t ub = dq__block_lanes(sys, b);
    size_t base = b * g->m * sys->block_units;
    /* The fast call lists were gathered for the block the context pointed at: another
     * block forgets them (the same block keeps them: dq_system_step calls here each step). */
    if (ctx->y != g->y + base)
        for (int c = 0; c < DQ__N_CALLS; ++c)
            lg->fast[c].gen = 0;
    ctx->units = ub;
    ctx->live = dq__block_live(sys, b);
    ctx->unit0 = b * sys->block_units;
    ctx->len = g->m * ub;
    ctx->y = g->y + base;
    ctx->f = g->f + base;
    ctx->g = g->g ? g->g + base : NULL;
    ctx->scratch_len = dq__scratch_len(sys, g->solver, g->m, ub);
    const size_t sv = g->solver->state_vectors;
    ctx->state = g->state ? g->state + sv * base : NULL;
    ctx->state_len = sv * ctx->len;
    ctx->reset_mask = NULL;
    ctx->lane_t = NULL;
    ctx->err = NULL;
    ctx->lane_dt = g->lane_steps ? lg->lane_dt : NULL;
}

/* Calls the solver's init (or, when `reset` and it has one, its reset) on the block the
 * context points at. */
static int driver_solver_call(dq__lane_group_t *lg, int reset, const unsigned char *mask)
{
    const dq_integrator_entry_t *sv = lg->group->solver;
    dq_solver_fn fn = reset && sv->reset ? sv->reset : sv->init;
    if (!fn)
        return DQ_OK;
    dq_ctx_t *ctx = &lg->ctx;
    ctx->reset_mask = fn == sv->reset ? mask : NULL;
    int rc = fn(ctx);
    ctx->reset_mask = NULL;
    if (rc) {
        dq__lane_t *l = lg->lane;
        dq_error_set(&l->err, rc < 0 ? rc : DQ_ESOLVER, NULL,
                     "solver '%s': %s failed at t = %.17g: %s", sv->name,
                     fn == sv->reset ? "reset" : "init", ctx->t, dq_strerror(rc));
        dq_error_add_time(&l->err, ctx->t);
        return rc < 0 ? rc : DQ_ESOLVER;
    }
    return DQ_OK;
}

int dq__solvers_init(dq_system_t *sys, dq_error_t *err)
{
    /* Solvers that read per-lane step sizes get dt (over their substeps) in every lane. */
    for (size_t i = 0; i < sys->n_lanes; ++i)
        for (size_t gi = 0; gi < sys->n_groups; ++gi) {
            dq__lane_group_t *lg = &sys->lanes[i].lg[gi];
            for (size_t u = 0; lg->lane_dt && u < sys->block_units; ++u)
                lg->lane_dt[u] = sys->dt / lg->group->substeps;
        }
    dq__lane_t *l = &sys->lanes[0];
    for (size_t b = 0; b < sys->n_blocks; ++b) {
        l->block = b;
        for (size_t gi = 0; gi < sys->n_groups; ++gi) {
            dq__lane_group_t *lg = &l->lg[gi];
            if (!lg->group->solver->init || (sys->ad.on && gi == sys->n_groups - 1))
                continue;
            dq__driver_ctx_block(lg, b);
            lg->ctx.t = sys->t0;
            lg->ctx.dt = sys->dt / lg->group->substeps;
            lg->ctx.step = 0;
            dq__error_reset(&l->err);
            if (driver_solver_call(lg, 0, NULL)) {
                if (err && err->code == DQ_OK)
                    *err = l->err;
                return l->err.code;
            }
        }
    }
    return DQ_OK;
}

/* One solver step of a lane's group on its current block, from t over h. */
static int driver_step_block(dq__lane_group_t *lg, uint64_t step, double t, double h)
{
    const dq__group_t *g = lg->group;
    dq__lane_t *l = lg->lane;
    dq_ctx_t *ctx = &lg->ctx;
    ctx->t = t;
    ctx->dt = h;
    ctx->step = step;
    l->view_err[0] = '\0';
    if (g->resets)
        memset(l->reset, 0, ctx->units);
    /* The step's start values, for interpolating the states at an event; not needed when a
     * low-order method's events only record their times (a line through the event values). */
    if (lg->snap_start)
        memcpy(lg->snap_y, ctx->y, ctx->len * sizeof *ctx->y);
    int rc = g->solver->step(ctx);
    if (rc) {
        /* A solver that failed without dq_fail() still gets a message naming it. */
        dq_error_set(&l->err, rc < 0 ? rc : DQ_ESOLVER, NULL, "solver '%s' failed at t = %.17g: %s",
                     g->solver->name, t, dq_strerror(rc));
        dq_error_add_time(&l->err, t);
        return rc < 0 ? rc : DQ_ESOLVER;
    }
    if (!driver_block_finite(ctx) && (rc = driver_report_nonfinite(lg, step)) != DQ_OK)
        return rc;
    if (g->resets && g->solver->state_vectors) {
        int any = 0;
        for (size_t u = 0; u < ctx->units; ++u)
            any |= l->reset[u];
        if (any && (rc = driver_solver_call(lg, 1, l->reset)))
            return rc;
    }
    if (g->n_ev_modules)
        return lg->lane->sys->n_groups == 1 ? dq__events_fixed(lg, t, h)
                                            : dq__events_fixed_linear(lg, t, h);
    return DQ_OK;
}

/* The lane's job: each of its blocks through steps [run_from, run_from + run_steps). After
 * a failure, later blocks run only up to that step, so the failure reported is the earliest
 * (then the lowest block) whatever the number of threads. */
void dq__lane_run(dq__lane_t *l)
{
    dq_system_t *sys = l->sys;
    if (sys->ad.on) {
        dq__adaptive_lane_run(l);
        return;
    }
    uint64_t end = l->run_from + l->run_steps;
    l->failed = 0;
    dq__error_reset(&l->fail_err);
    for (size_t b = l->b0; b < l->b1; ++b) {
        l->block = b;
        dq__error_reset(&l->err);
        for (size_t gi = 0; gi < sys->n_groups; ++gi) {
            dq__lane_group_t *lg = &l->lg[gi];
            dq__driver_ctx_block(lg, b);
            lg->n_eval = 0;
            lg->n_jac = 0;
            lg->snap_start =
                lg->group->n_ev_modules && (sys->ev.handlers || dq__events_hermite(lg->group));
        }
        /* One group without substeps, the usual case: its steps without the loops around. */
        const int single = sys->n_groups == 1 && l->lg[0].group->substeps == 1;
        uint64_t s;
        for (s = l->run_from; s < end; ++s) {
            const double t = sys->t0 + (double)s * sys->dt;
            int rc = DQ_OK;
            if (single)
                rc = driver_step_block(&l->lg[0], s, t + 0.0, sys->dt);
            for (size_t gi = 0; !single && rc == DQ_OK && gi < sys->n_groups; ++gi) {
                dq__lane_group_t *lg = &l->lg[gi];
                const unsigned k = lg->group->substeps;
                const double h = sys->dt / k;
                for (unsigned j = 0; rc == DQ_OK && j < k; ++j) {
                    lg->substep = j;
                    rc = driver_step_block(lg, s, t + j * h, h);
                }
            }
            if (rc) {
                /* Later blocks only run up to here, so a failure found now is earlier
                 * than (or as early as, in a higher block) any found before. */
                if (!l->failed || s < l->fail_step) {
                    l->failed = 1;
                    l->fail_step = s;
                    l->fail_block = b;
                    l->fail_err = l->err;
                    if (!l->fail_err.code)
                        l->fail_err.code = rc;
                }
                end = s;
                break;
            }
        }
        /* Work done, for dq_system_unit_stats. */
        sys->blk_acc[b] += s - l->run_from;
        for (size_t gi = 0; gi < sys->n_groups; ++gi) {
            sys->blk_fev[b] += l->lg[gi].n_eval;
            sys->blk_jac[b] += l->lg[gi].n_jac;
        }
    }
}
