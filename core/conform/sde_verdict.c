/* SPDX-License-Identifier: MIT */
/* sde_verdict.c -- judging an SDE solver: what sde.c measured, against what the solver
 * declares (strong and weak order, calculus, additive noise only), into the four SDE checks,
 * with failures that say what the paths do instead. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "conform_impl.h"

static const char *const sde_check_names[DQ_CONFORM_N_SDE_CHECKS] = {"strong", "weak", "moments",
                                                                     "noise"};

const char *dq_conform_sde_check_name(int id)
{
    return id >= 0 && id < DQ_CONFORM_N_SDE_CHECKS ? sde_check_names[id] : NULL;
}

const char *dq_conform_sde_problem_name(int id)
{
    return id >= 0 && id < DQ_CONFORM_N_SDE_PROBLEMS ? dq__conform_sde_problems[id].name : NULL;
}

const char *dq_conform_calculus_name(int calculus)
{
    static const char *const names[] = {"none", "ito", "stratonovich"};
    return calculus >= 0 && calculus <= DQ_CALCULUS_STRATONOVICH ? names[calculus] : NULL;
}

void dq_conform_sde_set(dq_conform_result_t *out, dq_conform_sde_check_id_t id, int status,
                        const char *fmt, ...)
{
    if (!out || (int)id < 0 || id >= DQ_CONFORM_N_SDE_CHECKS)
        return;
    va_list ap;
    va_start(ap, fmt);
    dq__conform_check_vset(&out->sde.checks[id], &out->passed, status, fmt, ap);
    va_end(ap);
}

static void sde_order_init(dq_conform_sde_order_t *o, int problem)
{
    o->status = DQ_ORDER_NOT_RUN;
    o->problem = problem;
    o->order = o->bound = o->t_end = NAN;
    for (int j = 0; j < DQ_CONFORM_SDE_RUNGS; ++j)
        o->dt[j] = o->error[j] = o->se[j] = NAN;
}

void dq__conform_sde_init(dq_conform_result_t *out, const dq_integrator_entry_t *s)
{
    dq_conform_sde_t *sde = &out->sde;
    out->is_sde = s && (s->flags & DQ_CAP_DIFFUSION);
    if (out->is_sde) {
        sde->calculus = (int)s->calculus;
        sde->calculus_used =
            s->calculus == DQ_CALCULUS_STRATONOVICH ? DQ_CALCULUS_STRATONOVICH : DQ_CALCULUS_ITO;
        sde->additive_only = (s->flags & DQ_CAP_ADDITIVE_NOISE_ONLY) != 0;
        sde->declared_strong = s->strong_order;
        sde->declared_weak = s->weak_order;
    }
    /* gbm's noise is multiplicative: an additive-noise method is measured on sine and ou. */
    sde_order_init(&sde->strong, sde->additive_only ? DQ_SDE_PROBLEM_SINE : DQ_SDE_PROBLEM_GBM);
    sde_order_init(&sde->weak, sde->additive_only ? DQ_SDE_PROBLEM_OU : DQ_SDE_PROBLEM_GBM_DRIFT);
    for (int p = 0; p < DQ_CONFORM_N_SDE_PROBLEMS; ++p) {
        dq_conform_moments_t *m = &sde->moments[p];
        m->status = DQ_CONFORM_SKIP;
        m->dt = m->t_end = m->mean = m->mean_exact = m->mean_se = NAN;
        m->var = m->var_exact = m->var_se = NAN;
    }
    for (int i = 0; i < DQ_CONFORM_N_SDE_CHECKS; ++i) {
        sde->checks[i].status = DQ_CONFORM_SKIP;
        snprintf(sde->checks[i].detail, sizeof sde->checks[i].detail, "%s",
                 out->is_sde || !s ? "not run" : "not an SDE solver (no DQ_CAP_DIFFUSION)");
    }
}

/* "T/16 .. T/256" */
static void sde_ladder_text(const dq_conform_sde_order_t *o, char *buf, size_t len)
{
    snprintf(buf, len, "T/%.0f .. T/%.0f", o->t_end / o->dt[0],
             o->t_end / o->dt[DQ_CONFORM_SDE_RUNGS - 1]);
}

/* "gbm, Ito, exact solution on the path, 2000 paths, dt = T/16 .. T/256, mean |error| 0.11 ..
 * 0.023" */
static void sde_context(const dq_conform_sde_t *sde, const dq_conform_sde_order_t *o,
                        const char *what, char *buf, size_t len)
{
    const conform_sde_problem_t *p = &dq__conform_sde_problems[o->problem];
    char ladder[48], ref[64], calc[40] = "", name[80];
    dq__conform_sde_describe(o->problem, name, sizeof name);
    sde_ladder_text(o, ladder, sizeof ladder);
    const double fine = o->t_end / o->dt[DQ_CONFORM_SDE_RUNGS - 1] * o->refine;
    if (p->reference == CONFORM_SDE_REF_EXACT)
        snprintf(ref, sizeof ref, "exact solution on the path");
    else if (p->reference == CONFORM_SDE_REF_INCREMENTS)
        snprintf(ref, sizeof ref, "exact solution from the path on T/%.0f", fine);
    else
        snprintf(ref, sizeof ref, "the solver at T/%.0f on the path", fine);
    if (dq__conform_sde_is_gbm(o->problem)) /* the calculus matters for multiplicative noise */
        snprintf(calc, sizeof calc, ", %s%s",
                 sde->calculus_used == DQ_CALCULUS_STRATONOVICH ? "Stratonovich" : "Ito",
                 sde->calculus == DQ_CALCULUS_NONE ? " (none declared)" : "");
    snprintf(buf, len, "%s%s, vs %s, %zu paths, dt = %s, %s %.2g .. %.2g", name, calc, ref,
             o->paths, ladder, what, o->error[0], o->error[DQ_CONFORM_SDE_RUNGS - 1]);
}

static void sde_judge_strong(dq_conform_result_t *r, const conform_sde_found_t *f)
{
    const dq_conform_sde_t *sde = &r->sde;
    const dq_conform_sde_order_t *o = &sde->strong;
    const double declared = sde->declared_strong, p = o->order;
    char ctx[240];
    if (o->status == DQ_ORDER_FAILED) {
        dq_conform_sde_set(r, DQ_SDE_CHECK_STRONG, DQ_CONFORM_FAIL, "not measured: %s",
                           f->strong_fail);
        return;
    }
    sde_context(sde, o, "mean |error|", ctx, sizeof ctx);
    if (o->status == DQ_ORDER_EXACT) {
        dq_conform_sde_set(r, DQ_SDE_CHECK_STRONG, DQ_CONFORM_INFO,
                           "exact on the path at every dt, no order to measure (%s)", ctx);
        return;
    }
    if (declared == 0.0) {
        dq_conform_sde_set(r, DQ_SDE_CHECK_STRONG, DQ_CONFORM_INFO,
                           "measured %.2f, none declared (%s)", p, ctx);
        return;
    }
    if (fabs(p - declared) <= DQ_CONFORM_STRONG_TOL) {
        dq_conform_sde_set(r, DQ_SDE_CHECK_STRONG, DQ_CONFORM_PASS,
                           "declared %g, measured %.2f (%s)", declared, p, ctx);
        return;
    }
    /* What do the paths approach instead of the solution? */
    char why[160] = "";
    const int stuck = !(p > 0.25);
    if (stuck && f->noiseless_order > 0.25)
        snprintf(why, sizeof why,
                 ": the paths approach the solution without noise (order %.2f to it); does the "
                 "noise scale with sqrt(dt)?",
                 f->noiseless_order);
    else if (stuck && dq__conform_sde_is_gbm(o->problem) && f->other_order > 0.25)
        snprintf(why, sizeof why,
                 ": the paths converge to the %s solution (order %.2f to it); is the declared "
                 "calculus right?",
                 sde->calculus_used == DQ_CALCULUS_STRATONOVICH ? "Ito" : "Stratonovich",
                 f->other_order);
    else if (stuck)
        snprintf(why, sizeof why, ": the error does not shrink with dt");
    dq_conform_sde_set(r, DQ_SDE_CHECK_STRONG, DQ_CONFORM_FAIL,
                       "strong order %.2f measured, %g declared%s (%s)", p, declared, why, ctx);
}

static void sde_judge_weak(dq_conform_result_t *r, const conform_sde_found_t *f)
{
    const dq_conform_sde_t *sde = &r->sde;
    const dq_conform_sde_order_t *o = &sde->weak;
    const double declared = sde->declared_weak, p = o->order;
    char ctx[240];
    if (o->status == DQ_ORDER_FAILED) {
        dq_conform_sde_set(r, DQ_SDE_CHECK_WEAK, DQ_CONFORM_FAIL, "not measured: %s", f->weak_fail);
        return;
    }
    sde_context(sde, o, "bias of the mean", ctx, sizeof ctx);
    if (o->status == DQ_ORDER_EXACT)
        dq_conform_sde_set(r, DQ_SDE_CHECK_WEAK,
                           declared == 0.0 ? DQ_CONFORM_INFO : DQ_CONFORM_PASS,
                           "no bias of the mean above 3 standard errors at two dt or more: "
                           "consistent with any order (%s)",
                           ctx);
    else if (declared == 0.0)
        dq_conform_sde_set(r, DQ_SDE_CHECK_WEAK, DQ_CONFORM_INFO,
                           "measured %.2f +- %.2f, none declared (%s)", p, o->bound, ctx);
    else if (fabs(p - declared) <= fmax(DQ_CONFORM_WEAK_TOL, o->bound))
        dq_conform_sde_set(r, DQ_SDE_CHECK_WEAK, DQ_CONFORM_PASS,
                           "declared %g, measured %.2f +- %.2f (%s)", declared, p, o->bound, ctx);
    else
        dq_conform_sde_set(r, DQ_SDE_CHECK_WEAK, DQ_CONFORM_FAIL,
                           "weak order %.2f +- %.2f measured, %g declared (%s)", p, o->bound,
                           declared, ctx);
}

/* "ou (dt = T/64): mean 0.371 vs 0.368 +- 0.012, variance 0.0016 vs 0.108 +- 0.0071 (out)" */
static int sde_moments_text(const dq_conform_moments_t *m, const char *name, char *buf, size_t len)
{
    const double b = DQ_CONFORM_MOMENTS_BOUND;
    const char *mean_out = fabs(m->mean - m->mean_exact) <= b * m->mean_se ? "" : " (out)";
    const char *var_out = fabs(m->var - m->var_exact) <= b * m->var_se ? "" : " (out)";
    return snprintf(
        buf, len, "%s (dt = T/%.0f): mean %.4g vs %.4g +- %.2g%s, variance %.4g vs %.4g +- %.2g%s",
        name, m->t_end / m->dt, m->mean, m->mean_exact, b * m->mean_se, mean_out, m->var,
        m->var_exact, b * m->var_se, var_out);
}

static void sde_judge_moments(dq_conform_result_t *r, const conform_sde_found_t *f)
{
    const dq_conform_sde_t *sde = &r->sde;
    char text[DQ_CONFORM_DETAIL_MAX] = "";
    size_t at = 0;
    int failed = 0;
    for (int pass = 0; pass < 2; ++pass) /* failures first */
        for (int p = 0; p < DQ_CONFORM_N_SDE_PROBLEMS; ++p) {
            const dq_conform_moments_t *m = &sde->moments[p];
            const char *name = dq__conform_sde_problems[p].name;
            if (m->status == DQ_CONFORM_SKIP || (m->status == DQ_CONFORM_FAIL) != (pass == 0))
                continue;
            failed |= m->status == DQ_CONFORM_FAIL;
            if (at >= sizeof text)
                break;
            if (at)
                at += (size_t)snprintf(text + at, sizeof text - at, "; ");
            if (at >= sizeof text)
                break;
            if (f->moments_fail[p][0])
                at += (size_t)snprintf(text + at, sizeof text - at, "%s", f->moments_fail[p]);
            else
                at += (size_t)sde_moments_text(m, name, text + at, sizeof text - at);
        }
    const dq_conform_moments_t *ou = &sde->moments[DQ_SDE_PROBLEM_OU];
    if (failed)
        dq_conform_sde_set(r, DQ_SDE_CHECK_MOMENTS, DQ_CONFORM_FAIL,
                           "outside %g standard errors of %zu paths: %s", DQ_CONFORM_MOMENTS_BOUND,
                           ou->paths, text);
    else
        dq_conform_sde_set(r, DQ_SDE_CHECK_MOMENTS, DQ_CONFORM_PASS,
                           "within %g standard errors of %zu paths: %s%s", DQ_CONFORM_MOMENTS_BOUND,
                           ou->paths, text,
                           sde->additive_only ? "; gbm not run (additive noise only)" : "");
}

int dq__conform_sde_checks(const dq_integrator_entry_t *s, dq_conform_result_t *out)
{
    if (!out->is_sde)
        return DQ_OK;
    conform_sde_found_t found = {.other_order = NAN, .noiseless_order = NAN};
    int rc = dq__conform_sde_measure(s, out, &found);
    if (rc)
        return rc;
    sde_judge_strong(out, &found);
    sde_judge_weak(out, &found);
    sde_judge_moments(out, &found);
    if (found.noise_fail[0])
        dq_conform_sde_set(out, DQ_SDE_CHECK_NOISE, DQ_CONFORM_FAIL, "%s", found.noise_fail);
    else
        dq_conform_sde_set(out, DQ_SDE_CHECK_NOISE, DQ_CONFORM_PASS, "%s", found.noise_pass);
    return DQ_OK;
}
