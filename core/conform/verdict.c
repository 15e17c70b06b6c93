/* SPDX-License-Identifier: MIT */
/* verdict.c -- judging a solver: runs the battery through the instrumented host and order
 * fitting, and turns what they found, against what the solver declares (category, order,
 * flags), into one verdict per check. No solver is known by name here. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cable_problem.h"
#include "conform_impl.h"
#include "internal.h"
#include "strbuf.h"

static const char *const conform_check_names[DQ_CONFORM_N_CHECKS] = {
    "run",   "names", "category", "exports", "status",   "lifecycle", "memory",    "determinism",
    "order", "time",  "stiff",    "reset",   "embedded", "dense",     "tolerance", "cable"};

const char *dq_conform_check_name(int id)
{
    return id >= 0 && id < DQ_CONFORM_N_CHECKS ? conform_check_names[id] : NULL;
}

const char *dq_conform_problem_name(int id)
{
    return id >= 0 && id < DQ_CONFORM_N_PROBLEMS ? dq__conform_problems[id].name : NULL;
}

const char *dq_conform_status_name(int status)
{
    static const char *const names[] = {"pass", "fail", "info", "skip"};
    return status >= 0 && status <= DQ_CONFORM_SKIP ? names[status] : NULL;
}

/* ---- result ---- */

void dq_conform_result_init(dq_conform_result_t *out, const dq_integrator_entry_t *solver)
{
    if (!out)
        return;
    memset(out, 0, sizeof *out);
    out->measured_order = NAN;
    if (solver) {
        snprintf(out->solver, sizeof out->solver, "%s", solver->name ? solver->name : "");
        snprintf(out->category, sizeof out->category, "%s",
                 solver->category ? solver->category : "");
        snprintf(out->origin, sizeof out->origin, "%s",
                 solver->origin ? solver->origin : DQ_ORIGIN_BUILTIN);
        out->declared_order = solver->order;
    }
    for (int i = 0; i < DQ_CONFORM_N_CHECKS; ++i) {
        out->checks[i].status = DQ_CONFORM_SKIP;
        snprintf(out->checks[i].detail, sizeof out->checks[i].detail, "not run");
    }
    for (int p = 0; p < DQ_CONFORM_N_PROBLEMS; ++p) {
        out->orders[p].status = DQ_ORDER_NOT_RUN;
        out->orders[p].order = NAN;
        out->orders[p].floor = NAN;
        for (int k = 0; k < DQ_CONFORM_STEP_SIZES; ++k)
            out->orders[p].dt[k] = out->orders[p].error[k] = NAN;
    }
    for (int q = 0; q < DQ_CONFORM_N_CABLE_QUANTITIES; ++q) {
        dq_conform_order_t *o = &out->cable.order[q];
        o->status = DQ_ORDER_NOT_RUN;
        o->order = o->floor = NAN;
        for (int k = 0; k < DQ_CONFORM_STEP_SIZES; ++k)
            o->dt[k] = o->error[k] = NAN;
    }
    out->cable.t_end = out->cable.lambda = out->cable.dt_ref = NAN;
    out->cable.ref_error = out->cable.v_end = NAN;
    dq__conform_sde_init(out, solver);
    dq__conform_adaptive_init(out, solver);
    out->passed = 1;
}

void dq__conform_check_vset(dq_conform_check_t *c, int *passed, int status, const char *fmt,
                            va_list ap)
{
    c->status = status;
    vsnprintf(c->detail, sizeof c->detail, fmt, ap);
    /* One line, whatever a plugin's message held. */
    for (char *p = c->detail; *p; ++p)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    if (status == DQ_CONFORM_FAIL)
        *passed = 0;
}

void dq_conform_set(dq_conform_result_t *out, dq_conform_check_id_t id, int status, const char *fmt,
                    ...)
{
    if (!out || (int)id < 0 || id >= DQ_CONFORM_N_CHECKS)
        return;
    va_list ap;
    va_start(ap, fmt);
    dq__conform_check_vset(&out->checks[id], &out->passed, status, fmt, ap);
    va_end(ap);
}

void dq_conform_update(dq_conform_result_t *out)
{
    if (!out)
        return;
    out->passed = 1;
    for (int i = 0; i < DQ_CONFORM_N_CHECKS; ++i)
        if (out->checks[i].status == DQ_CONFORM_FAIL)
            out->passed = 0;
    for (int i = 0; i < DQ_CONFORM_N_SDE_CHECKS; ++i)
        if (out->sde.checks[i].status == DQ_CONFORM_FAIL)
            out->passed = 0;
}

/* ---- judges ---- */

static int is_category(const dq_integrator_entry_t *s, const char *category)
{
    return s->category && strcmp(s->category, category) == 0;
}

/* A measured order agrees with an expected one: within [p - 0.2, p + 0.6] (see conform.h for
 * why the window is wider above). */
static int order_agrees(double measured, double expected)
{
    return measured >= expected - DQ_CONFORM_ORDER_BELOW &&
           measured <= expected + DQ_CONFORM_ORDER_ABOVE;
}

/* The order check over the counted problems. An exponential solver is exact where F is
 * linear with a diagonal Jacobian (what every exponential step integrates exactly); that is
 * checked instead of an order there. */
static void judge_order(dq_conform_result_t *r, const dq_integrator_entry_t *s)
{
    char list[160];
    dq__strbuf_t b;
    dq__strbuf_init(&b, list, sizeof list);
    double p = INFINITY;
    const char *failed = NULL, *inexact = NULL;
    for (int id = 0; id < DQ_CONFORM_N_PROBLEMS; ++id) {
        const conform_problem_t *pb = &dq__conform_problems[id];
        if (!(pb->flags & CONFORM_COUNTED))
            continue;
        const dq_conform_order_t *o = &r->orders[id];
        char word[48];
        dq__conform_order_word(r, id, word, sizeof word);
        dq__strbuf_append(&b, b.len ? ", " : "");
        dq__strbuf_append(&b, word);
        if (o->status == DQ_ORDER_MEASURED)
            p = fmin(p, o->order);
        else if (o->status == DQ_ORDER_FAILED && !failed)
            failed = pb->name;
        if (o->status != DQ_ORDER_EXACT && (pb->flags & CONFORM_DIAGONAL) && !inexact &&
            is_category(s, DQ_CATEGORY_EXPONENTIAL))
            inexact = pb->name;
    }
    if (failed) {
        dq_conform_set(r, DQ_CHECK_ORDER, DQ_CONFORM_FAIL,
                       "not measured: the run of '%s' failed or gave non-finite values (%s)",
                       failed, list);
        return;
    }
    if (inexact) {
        dq_conform_set(r, DQ_CHECK_ORDER, DQ_CONFORM_FAIL,
                       "an exponential solver must be exact on the linear problem '%s' (%s)",
                       inexact, list);
        return;
    }
    if (isinf(p)) {
        dq_conform_set(r, DQ_CHECK_ORDER, DQ_CONFORM_INFO,
                       "exact on every problem, no order to measure (%s)", list);
        return;
    }
    r->measured_order = p;
    if (s->order == 0)
        dq_conform_set(r, DQ_CHECK_ORDER, DQ_CONFORM_INFO, "measured %.2f, none declared (%s)", p,
                       list);
    else if (order_agrees(p, s->order))
        dq_conform_set(r, DQ_CHECK_ORDER, DQ_CONFORM_PASS, "declared %d, measured %.2f (%s)",
                       s->order, p, list);
    else
        dq_conform_set(r, DQ_CHECK_ORDER, DQ_CONFORM_FAIL,
                       "order mismatch: declared %d, measured %.2f (%s)", s->order, p, list);
}

/* The time check: the order on the time-dependent problem. */
static void judge_time(dq_conform_result_t *r, const dq_integrator_entry_t *s)
{
    const dq_conform_order_t *o = &r->orders[DQ_PROBLEM_RICCATI];
    const double p = o->order;
    if (o->status == DQ_ORDER_FAILED)
        dq_conform_set(r, DQ_CHECK_TIME, DQ_CONFORM_FAIL,
                       "not measured: the run of 'riccati' failed or gave non-finite values");
    else if (o->status == DQ_ORDER_EXACT)
        dq_conform_set(r, DQ_CHECK_TIME, DQ_CONFORM_PASS, "riccati exact");
    else if (s->order == 0)
        dq_conform_set(r, DQ_CHECK_TIME, DQ_CONFORM_INFO, "riccati %.2f, none declared", p);
    else if (order_agrees(p, s->order))
        dq_conform_set(r, DQ_CHECK_TIME, DQ_CONFORM_PASS, "declared %d, riccati %.2f", s->order, p);
    else if (isfinite(r->measured_order) && fabs(p - r->measured_order) <= DQ_CONFORM_ORDER_BELOW)
        /* Wrong everywhere, not only in time: the order check reports it. */
        dq_conform_set(r, DQ_CHECK_TIME, DQ_CONFORM_PASS,
                       "riccati %.2f, as on the autonomous problems (see order)", p);
    else if ((s->flags & DQ_CAP_JACOBIAN) && p < s->order)
        dq_conform_set(r, DQ_CHECK_TIME, DQ_CONFORM_INFO,
                       "riccati %.2f, declared %d: the step linearises in y only and gets no "
                       "dF/dt, so it keeps its order on autonomous problems only",
                       p, s->order);
    else
        dq_conform_set(r, DQ_CHECK_TIME, DQ_CONFORM_FAIL,
                       "order mismatch on the time-dependent problem: declared %d, riccati "
                       "%.2f (are the stages evaluated at the right times?)",
                       s->order, p);
}

static void judge_names(dq_conform_result_t *r, const dq_integrator_entry_t *s)
{
    if (!s->name || !dq__name_is_valid(s->name)) {
        dq_conform_set(r, DQ_CHECK_NAMES, DQ_CONFORM_FAIL,
                       "name '%s' is not made of [A-Za-z0-9_.-]", s->name ? s->name : "");
        return;
    }
    char aliases[160];
    for (size_t i = 0; s->aliases && s->aliases[i]; ++i)
        if (!dq__name_is_valid(s->aliases[i])) {
            dq_conform_set(r, DQ_CHECK_NAMES, DQ_CONFORM_FAIL,
                           "alias '%s' is not made of [A-Za-z0-9_.-]", s->aliases[i]);
            return;
        }
    dq__join(aliases, sizeof aliases, s->aliases, (size_t)-1, ", ");
    if (s->description && strpbrk(s->description, "\r\n")) {
        dq_conform_set(r, DQ_CHECK_NAMES, DQ_CONFORM_FAIL,
                       "the description of '%s' is more than one line", s->name);
        return;
    }
    dq_conform_set(r, DQ_CHECK_NAMES, DQ_CONFORM_PASS, "name '%s', aliases: %s", s->name,
                   aliases[0] ? aliases : "(none)");
}

/* A check whose faults the host recorded: FAIL with the first fault, or PASS. */
static void judge_recorded(dq_conform_result_t *r, int check, const char *fault, const char *pass)
{
    if (fault[0])
        dq_conform_set(r, check, DQ_CONFORM_FAIL, "%s", fault);
    else
        dq_conform_set(r, check, DQ_CONFORM_PASS, "%s", pass);
}

static void judge_category(dq_conform_result_t *r, const dq_integrator_entry_t *s)
{
    const char *cat = s->category ? s->category : "";
    char list[160];
    if (dq__category_is_known(cat)) {
        dq_conform_set(r, DQ_CHECK_CATEGORY, DQ_CONFORM_PASS, "%s", cat);
        return;
    }
    dq__join(list, sizeof list, dq__categories, DQ__N_CATEGORIES, ", ");
    dq_conform_set(r, DQ_CHECK_CATEGORY, DQ_CONFORM_FAIL, "category '%s' is not one of: %s", cat,
                   list);
}

static int judge_exports(dq_conform_result_t *r, const dq_integrator_entry_t *s)
{
    if (!s->origin || strcmp(s->origin, DQ_ORIGIN_BUILTIN) == 0) {
        dq_conform_set(r, DQ_CHECK_EXPORTS, DQ_CONFORM_INFO, DQ_ORIGIN_BUILTIN);
        return DQ_OK;
    }
    dq_elf_exports_t ex;
    dq_error_t err = {0};
    int rc = dq_elf_exports_read(s->origin, &ex, &err);
    if (rc == DQ_ENOMEM)
        return rc;
    if (rc != DQ_OK) {
        dq_conform_set(r, DQ_CHECK_EXPORTS, DQ_CONFORM_FAIL, "%s", err.message);
        return DQ_OK;
    }
    if (ex.count == 1 && strcmp(ex.names[0], DQ_PLUGIN_ENTRY_SYMBOL) == 0) {
        dq_conform_set(r, DQ_CHECK_EXPORTS, DQ_CONFORM_PASS,
                       "exports only " DQ_PLUGIN_ENTRY_SYMBOL);
    } else {
        char list[200];
        dq__join(list, sizeof list, (const char *const *)ex.names, ex.count, ", ");
        dq_conform_set(r, DQ_CHECK_EXPORTS, DQ_CONFORM_FAIL,
                       "exports %zu symbols (%s), expected only " DQ_PLUGIN_ENTRY_SYMBOL, ex.count,
                       ex.count ? list : "none");
    }
    dq_elf_exports_cleanup(&ex);
    return DQ_OK;
}

/* Runs the stiff problem: an implicit solver must stay stable, for others it is a note. */
static int judge_stiff(dq__conform_t *c, dq_conform_result_t *r, const dq_integrator_entry_t *s)
{
    const conform_problem_t *p = dq__conform_stiff;
    double peak = 0.0;
    conform_run_t run = {
        .prob = p, .h = CONFORM_STIFF_DT, .h2 = CONFORM_STIFF_DT, .stiff = 1, .peak = &peak};
    run.steps = run.switch_at = lround(p->t_end / CONFORM_STIFF_DT);
    int rc = dq__conform_integrate(c, &run);
    if (rc == DQ_ENOMEM)
        return rc;
    const int unstable_status =
        is_category(s, DQ_CATEGORY_IMPLICIT) ? DQ_CONFORM_FAIL : DQ_CONFORM_INFO;
    if (rc != DQ_OK)
        dq_conform_set(r, DQ_CHECK_STIFF, unstable_status,
                       "unstable at dt = %g (step %llu returned %s)", CONFORM_STIFF_DT,
                       (unsigned long long)run.failed, dq_err_name(rc));
    else if (!(peak <= CONFORM_STIFF_BOUND))
        dq_conform_set(r, DQ_CHECK_STIFF, unstable_status, "unstable at dt = %g (|y| reached %.3g)",
                       CONFORM_STIFF_DT, peak);
    else
        dq_conform_set(r, DQ_CHECK_STIFF,
                       unstable_status == DQ_CONFORM_FAIL ? DQ_CONFORM_PASS : DQ_CONFORM_INFO,
                       "stable at dt = %g", CONFORM_STIFF_DT);
    return DQ_OK;
}

/* The oscillator with dt halved half-way: the host resets the solver (or inits it again),
 * and the error must stay within that of the coarse step all the way. */
static int judge_reset(dq__conform_t *c, dq_conform_result_t *r, const dq_integrator_entry_t *s)
{
    const conform_problem_t *p = &dq__conform_problems[DQ_PROBLEM_OSCILLATOR];
    const dq_conform_order_t *o = &r->orders[DQ_PROBLEM_OSCILLATOR];
    if (o->status == DQ_ORDER_FAILED || o->status == DQ_ORDER_NOT_RUN) {
        dq_conform_set(r, DQ_CHECK_RESET, DQ_CONFORM_SKIP, "the oscillator did not run");
        return DQ_OK;
    }
    double y[CONFORM_MAX_LEN];
    const double h = dq__conform_coarsest(s);
    /* The error at h throughout, from the ladder (which starts at h; coarser sizes may be in
     * front of it). */
    double coarse = NAN;
    for (int k = 0; k < o->sizes; ++k)
        if (o->dt[k] == h)
            coarse = o->error[k];
    conform_run_t run = {.prob = p, .h = h, .h2 = h / 2, .final = y};
    run.switch_at = lround(p->t_end / (2 * h));
    run.steps = run.switch_at + lround((p->t_end - (double)run.switch_at * h) / run.h2);
    int rc = dq__conform_integrate(c, &run);
    if (rc == DQ_ENOMEM)
        return rc;
    const char *how = s->reset ? "reset" : s->init ? "init again" : "nothing to reset";
    double e = rc == DQ_OK
                   ? dq__conform_problem_error(p, y, run.t_final, CONFORM_LANES, CONFORM_UNITS)
                   : NAN;
    double bound = 1.5 * coarse + CONFORM_EXACT;
    if (rc != DQ_OK || !(e <= bound))
        dq_conform_set(r, DQ_CHECK_RESET, DQ_CONFORM_FAIL,
                       "after dt changed from %g to %g at t = %g (%s) the error on 'oscillator' "
                       "is %.3g, more than 1.5 times the %.3g of dt = %g throughout",
                       h, h / 2, (double)run.switch_at * h, how, e, coarse, h);
    else
        dq_conform_set(r, DQ_CHECK_RESET, DQ_CONFORM_PASS,
                       "dt %g -> %g at t = %g (%s): error %.3g, within 1.5 x %.3g", h, h / 2,
                       (double)run.switch_at * h, how, e, coarse);
    return DQ_OK;
}

/* A solver of category "cable": it must refuse the ordinary problems (one step of decay
 * shows it), and is judged on the cable problem alone. */
static int conform_cable_solver(dq__conform_t *c, dq_conform_result_t *r,
                                const dq_integrator_entry_t *s)
{
    r->is_cable = 1;
    const conform_problem_t *p = &dq__conform_problems[DQ_PROBLEM_DECAY];
    conform_run_t run = {.prob = p, .h = 0.1, .h2 = 0.1, .steps = 1, .switch_at = 1};
    int refused = dq__conform_integrate(c, &run);
    if (refused == DQ_ENOMEM)
        return refused;
    int rc = dq__conform_cable_checks(s, r, refused, dq__conform_status_fail(c));
    if (rc)
        return rc;
    dq_conform_set(r, DQ_CHECK_RUN, DQ_CONFORM_PASS, "completed");
    return DQ_OK;
}

static int conform_checks(dq__conform_t *c, dq_conform_result_t *r, const dq_integrator_entry_t *s)
{
    judge_names(r, s);
    judge_category(r, s);
    int rc = judge_exports(r, s);
    if (rc)
        return rc;
    if (is_category(s, DQ_CATEGORY_CABLE))
        return conform_cable_solver(c, r, s);

    char diff[DQ_CONFORM_DETAIL_MAX] = "";
    int compared = 0, differ = 0;
    for (int id = 0; id < DQ_CONFORM_N_PROBLEMS; ++id) {
        int same;
        char d[DQ_CONFORM_DETAIL_MAX] = "";
        rc = dq__conform_measure(c, s, r, id, &same, d, sizeof d);
        if (rc)
            return rc;
        compared += same >= 0;
        if (same == 0 && !differ++)
            memcpy(diff, d, sizeof diff);
    }
    if ((rc = judge_stiff(c, r, s)) != DQ_OK || (rc = judge_reset(c, r, s)) != DQ_OK)
        return rc;
    /* Error control: per-lane steps, the estimate, dense output, the host's controller (its
     * faults go to status, lifecycle and memory below). */
    if ((rc = dq__conform_adaptive_checks(c, s, r)) != DQ_OK)
        return rc;

    judge_order(r, s);
    judge_time(r, s);
    if (differ)
        dq_conform_set(r, DQ_CHECK_DETERMINISM, DQ_CONFORM_FAIL, "%s", diff);
    else if (compared)
        dq_conform_set(r, DQ_CHECK_DETERMINISM, DQ_CONFORM_PASS,
                       "identical bits from two runs of each of %d problems, padding lanes "
                       "alike",
                       compared);
    else
        dq_conform_set(r, DQ_CHECK_DETERMINISM, DQ_CONFORM_SKIP, "no run completed");
    judge_recorded(r, DQ_CHECK_STATUS, dq__conform_status_fail(c), "every call returned OK");
    judge_recorded(r, DQ_CHECK_LIFECYCLE, dq__conform_lifecycle_fail(c),
                   "pre_integral once, compute_derivative, post_integral once per step");
    judge_recorded(r, DQ_CHECK_MEMORY, dq__conform_memory_fail(c),
                   "wrote only ctx->y, ctx->f, ctx->scratch and ctx->state");
    /* With noise, through the host's own driver. */
    if ((rc = dq__conform_sde_checks(s, r)) != DQ_OK)
        return rc;
    /* On a cable model too, through the real host, which does not guard against a solver's
     * memory faults (they would take the verdict with them) nor hand a noise slot to a
     * model without noise. */
    const char *broken = r->checks[DQ_CHECK_MEMORY].status == DQ_CONFORM_FAIL      ? "memory"
                         : r->checks[DQ_CHECK_STATUS].status == DQ_CONFORM_FAIL    ? "status"
                         : r->checks[DQ_CHECK_LIFECYCLE].status == DQ_CONFORM_FAIL ? "lifecycle"
                                                                                   : NULL;
    if (s->flags & DQ_CAP_DIFFUSION)
        dq_conform_set(r, DQ_CHECK_CABLE, DQ_CONFORM_SKIP,
                       "not run: an SDE solver (the cable problem has no noise)");
    else if (broken)
        dq_conform_set(r, DQ_CHECK_CABLE, DQ_CONFORM_SKIP,
                       "not run: the solver failed '%s' on the ordinary problems", broken);
    else if ((rc = dq__conform_cable_checks(s, r, DQ_OK, "")) != DQ_OK)
        return rc;
    dq_conform_set(r, DQ_CHECK_RUN, DQ_CONFORM_PASS, "completed");
    return DQ_OK;
}

int dq_conform_run(const dq_integrator_entry_t *solver, dq_conform_result_t *out, dq_error_t *err)
{
    if (!solver || !out)
        return dq_error_set(err, DQ_EINVAL, NULL, "dq_conform_run: no solver or no result");
    dq_conform_result_init(out, solver);
    if (!solver->step)
        return dq_error_set(err, DQ_EINVAL, NULL, "dq_conform_run: solver '%s' has no step",
                            out->solver);
    dq__conform_t *c = dq__conform_new(solver, out);
    int rc = c ? conform_checks(c, out, solver) : DQ_ENOMEM;
    dq__conform_free(c);
    dq_conform_update(out);
    if (rc)
        return dq_error_set(err, rc, NULL, "out of memory while checking solver '%s'", out->solver);
    return DQ_OK;
}
