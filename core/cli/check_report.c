/* SPDX-License-Identifier: MIT */
/* check_report.c -- how `dqhost check` prints its verdicts: a table per kind (solvers, then
 * models), the failures and notes, a summary line per kind; or one JSON array. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "cli_json.h"
#include "cli_text.h"

/* One failure or note line; the name and the detail may carry a plugin's text, escaped. */
static void check_print_line(const char *name, const char *check, const char *detail)
{
    fputs("  ", stdout);
    cli_text_put(stdout, name, 0);
    printf(": %s: ", check);
    cli_text_put(stdout, detail, 0);
    fputc('\n', stdout);
}

/* "0.97", "exact", "failed" or "-" */
static void check_order_cell(const dq_conform_order_t *o, char *buf, size_t len)
{
    if (o->status == DQ_ORDER_MEASURED)
        snprintf(buf, len, "%.2f", o->order);
    else if (o->status == DQ_ORDER_EXACT)
        snprintf(buf, len, "exact");
    else if (o->status == DQ_ORDER_FAILED)
        snprintf(buf, len, "failed");
    else
        snprintf(buf, len, "-");
}

static const char *check_stiff_cell(const dq_conform_result_t *r)
{
    const char *d = r->checks[DQ_CHECK_STIFF].detail;
    if (r->checks[DQ_CHECK_STIFF].status == DQ_CONFORM_SKIP)
        return "-";
    return strncmp(d, "stable", 6) == 0 ? "stable" : "unstable";
}

/* Prints the names of the failing checks, ", "-separated after the first; returns 0 once
 * one was printed. */
static int check_failing(const dq_conform_check_t *checks, int n, const char *(*name)(int),
                         int first)
{
    for (int c = 0; c < n; ++c)
        if (checks[c].status == DQ_CONFORM_FAIL) {
            printf("%s%s", first ? "" : ", ", name(c));
            first = 0;
        }
    return first;
}

/* "PASS" or "FAIL (order, time)" */
static void check_verdict(int passed, const dq_conform_check_t *checks, int n,
                          const char *(*name)(int))
{
    if (passed) {
        printf("PASS");
        return;
    }
    printf("FAIL (");
    check_failing(checks, n, name, 1);
    printf(")");
}

/* A solver's verdict: its checks and, for an SDE solver, the SDE ones. */
static void check_solver_verdict(const dq_conform_result_t *r)
{
    if (r->passed) {
        printf("PASS");
        return;
    }
    printf("FAIL (");
    int first = check_failing(r->checks, DQ_CONFORM_N_CHECKS, dq_conform_check_name, 1);
    check_failing(r->sde.checks, DQ_CONFORM_N_SDE_CHECKS, dq_conform_sde_check_name, first);
    printf(")");
}

static int name_width(int w, const char *name)
{
    int len = (int)cli_text_cols(name, 0);
    return len > w ? len : w;
}

static void check_print_solvers(const check_list_t *list)
{
    int w = 6;
    for (size_t i = 0; i < list->n_solvers; ++i)
        w = name_width(w, list->solvers[i].solver);
    printf("%-*s  %5s  %8s", w, "solver", "order", "measured");
    for (int p = 0; p < DQ_CONFORM_N_PROBLEMS; ++p)
        printf("  %10s", dq_conform_problem_name(p));
    printf("  %-8s  %s\n", "stiff", "verdict");
    for (size_t i = 0; i < list->n_solvers; ++i) {
        const dq_conform_result_t *r = &list->solvers[i];
        char declared[16] = "-", measured[16] = "-";
        if (r->declared_order)
            snprintf(declared, sizeof declared, "%d", r->declared_order);
        if (isfinite(r->measured_order))
            snprintf(measured, sizeof measured, "%.2f", r->measured_order);
        cli_text_cell(stdout, r->solver, 0, (size_t)w);
        printf("  %5s  %8s", declared, measured);
        for (int p = 0; p < DQ_CONFORM_N_PROBLEMS; ++p) {
            char cell[16];
            check_order_cell(&r->orders[p], cell, sizeof cell);
            printf("  %10s", cell);
        }
        printf("  %-8s  ", check_stiff_cell(r));
        check_solver_verdict(r);
        printf("\n");
    }
}

/* "0.49", "exact" (strong) or "no bias" (weak), "failed" or "-"; with "+- bound" when there
 * is one. */
static void check_sde_order_cell(const dq_conform_sde_order_t *o, int weak, char *buf, size_t len)
{
    if (o->status == DQ_ORDER_MEASURED && isfinite(o->bound))
        snprintf(buf, len, "%.2f +- %.2f", o->order, o->bound);
    else if (o->status == DQ_ORDER_MEASURED)
        snprintf(buf, len, "%.2f", o->order);
    else if (o->status == DQ_ORDER_EXACT)
        snprintf(buf, len, "%s", weak ? "no bias" : "exact");
    else if (o->status == DQ_ORDER_FAILED)
        snprintf(buf, len, "failed");
    else
        snprintf(buf, len, "-");
}

static const char *check_calculus_word(const dq_conform_sde_t *sde)
{
    switch (sde->calculus) {
    case DQ_CALCULUS_ITO:
        return "Ito";
    case DQ_CALCULUS_STRATONOVICH:
        return "Stratonovich";
    default:
        return "none (Ito)";
    }
}

/* The SDE solvers: declared and measured strong and weak orders, the calculus, the problems
 * and paths; then the measurements behind them. */
static void check_print_sde(const check_list_t *list)
{
    int w = 10;
    size_t n = 0;
    for (size_t i = 0; i < list->n_solvers; ++i)
        if (list->solvers[i].is_sde) {
            w = name_width(w, list->solvers[i].solver);
            n++;
        }
    if (!n)
        return;
    printf("\n%-*s  %-12s  %-13s  %6s  %8s  %5s  %-14s  %-9s  %-7s  %-5s  %s\n", w, "sde solver",
           "calculus", "problems", "strong", "measured", "weak", "measured", "paths", "moments",
           "noise", "verdict");
    for (size_t i = 0; i < list->n_solvers; ++i) {
        const dq_conform_result_t *r = &list->solvers[i];
        if (!r->is_sde)
            continue;
        const dq_conform_sde_t *sde = &r->sde;
        char problems[32], strong[16], weak[24], paths[24];
        snprintf(problems, sizeof problems, "%s/%s",
                 dq_conform_sde_problem_name(sde->strong.problem),
                 dq_conform_sde_problem_name(sde->weak.problem));
        check_sde_order_cell(&sde->strong, 0, strong, sizeof strong);
        check_sde_order_cell(&sde->weak, 1, weak, sizeof weak);
        snprintf(paths, sizeof paths, "%zu/%zu", sde->strong.paths, sde->weak.paths);
        cli_text_cell(stdout, r->solver, 0, (size_t)w);
        printf("  %-12s  %-13s  %6g  %8s  %5g  %-14s  %-9s  %-7s  %-5s  ", check_calculus_word(sde),
               problems, sde->declared_strong, strong, sde->declared_weak, weak, paths,
               dq_conform_status_name(sde->checks[DQ_SDE_CHECK_MOMENTS].status),
               dq_conform_status_name(sde->checks[DQ_SDE_CHECK_NOISE].status));
        check_solver_verdict(r);
        printf("\n");
    }
    /* What passed, with its numbers (failures and notes follow in their own lists). */
    printf("\nSDE measurements:\n");
    for (size_t i = 0; i < list->n_solvers; ++i) {
        const dq_conform_result_t *r = &list->solvers[i];
        for (int c = 0; r->is_sde && c < DQ_SDE_CHECK_NOISE; ++c)
            if (r->sde.checks[c].status == DQ_CONFORM_PASS)
                check_print_line(r->solver, dq_conform_sde_check_name(c), r->sde.checks[c].detail);
    }
}

/* The measurement of one kind furthest from what is expected, and the expected value:
 * "4.98 (5)", "- (5)" when none was measured. */
static void check_adaptive_cell(const dq_conform_local_t *l, double expected, char *buf, size_t len)
{
    double worst = NAN;
    for (int p = 0; p < DQ_CONFORM_N_PROBLEMS; ++p)
        if (l[p].status == DQ_ORDER_MEASURED &&
            !(fabs(l[p].order - expected) <= fabs(worst - expected)))
            worst = l[p].order;
    if (isfinite(worst))
        snprintf(buf, len, "%.2f (%g)", worst, expected);
    else
        snprintf(buf, len, "- (%g)", expected);
}

/* The error-controlled solvers: the declared orders of the estimate and the dense output
 * against the exponents measured (the problem furthest off), the tolerance slope; then the
 * measurements behind the checks that passed. */
static void check_print_adaptive(const check_list_t *list)
{
    int w = 15;
    size_t n = 0;
    for (size_t i = 0; i < list->n_solvers; ++i)
        if (list->solvers[i].is_adaptive) {
            w = name_width(w, list->solvers[i].solver);
            n++;
        }
    if (!n)
        return;
    printf("\n%-*s  %5s  %11s  %-12s  %11s  %-12s  %-12s  %s\n", w, "adaptive solver", "order",
           "error_order", "|err| ~ h^", "dense_order", "dense ~ h^", "rtol slope", "verdict");
    for (size_t i = 0; i < list->n_solvers; ++i) {
        const dq_conform_result_t *r = &list->solvers[i];
        if (!r->is_adaptive)
            continue;
        const dq_conform_adaptive_t *a = &r->adaptive;
        char embedded[32], dense[32], slope[32] = "-";
        check_adaptive_cell(a->embedded, a->expected_embedded, embedded, sizeof embedded);
        check_adaptive_cell(a->dense, a->expected_dense, dense, sizeof dense);
        double worst = NAN;
        for (int p = 0; p < DQ_CONFORM_N_PROBLEMS; ++p)
            if (a->tolerance[p].status == DQ_ORDER_MEASURED &&
                !(fabs(a->tolerance[p].slope - a->expected_slope) <=
                  fabs(worst - a->expected_slope)))
                worst = a->tolerance[p].slope;
        if (isfinite(worst))
            snprintf(slope, sizeof slope, "%.2f (%.2g)", worst, a->expected_slope);
        cli_text_cell(stdout, r->solver, 0, (size_t)w);
        printf("  %5d  %11d  %-12s  %11d  %-12s  %-12s  ", r->declared_order, a->error_order,
               embedded, a->dense_order, dense, slope);
        check_solver_verdict(r);
        printf("\n");
    }
    printf("\nAdaptive measurements:\n");
    for (size_t i = 0; i < list->n_solvers; ++i) {
        const dq_conform_result_t *r = &list->solvers[i];
        for (int c = DQ_CHECK_EMBEDDED; r->is_adaptive && c <= DQ_CHECK_TOLERANCE; ++c)
            if (r->checks[c].status == DQ_CONFORM_PASS)
                check_print_line(r->solver, dq_conform_check_name(c), r->checks[c].detail);
    }
}

/* The cable problem: every solver that ran it or is a cable solver, the order per quantity
 * (soma V, every V, the soma's gates) and the cable check; then the details that passed. */
static void check_print_cable(const check_list_t *list)
{
    int w = 12;
    size_t n = 0;
    for (size_t i = 0; i < list->n_solvers; ++i)
        if (list->solvers[i].cable.ran || list->solvers[i].is_cable) {
            w = name_width(w, list->solvers[i].solver);
            n++;
        }
    if (!n)
        return;
    printf("\n%-*s  %-8s  %5s", w, "cable solver", "category", "order");
    for (int q = 0; q < DQ_CONFORM_N_CABLE_QUANTITIES; ++q)
        printf("  %7s", dq_conform_cable_quantity_name(q));
    printf("  %-5s  %s\n", "cable", "verdict");
    for (size_t i = 0; i < list->n_solvers; ++i) {
        const dq_conform_result_t *r = &list->solvers[i];
        if (!r->cable.ran && !r->is_cable)
            continue;
        char declared[16] = "-";
        if (r->declared_order)
            snprintf(declared, sizeof declared, "%d", r->declared_order);
        cli_text_cell(stdout, r->solver, 0, (size_t)w);
        printf("  %-8.8s  %5s", r->category, declared);
        for (int q = 0; q < DQ_CONFORM_N_CABLE_QUANTITIES; ++q) {
            char cell[16];
            check_order_cell(&r->cable.order[q], cell, sizeof cell);
            printf("  %7s", cell);
        }
        printf("  %-5s  ", dq_conform_status_name(r->checks[DQ_CHECK_CABLE].status));
        check_solver_verdict(r);
        printf("\n");
    }
    printf("\nCable measurements:\n");
    for (size_t i = 0; i < list->n_solvers; ++i)
        if (list->solvers[i].checks[DQ_CHECK_CABLE].status == DQ_CONFORM_PASS)
            check_print_line(list->solvers[i].solver, "cable",
                             list->solvers[i].checks[DQ_CHECK_CABLE].detail);
}

static void check_print_models(const check_list_t *list)
{
    int w = 5;
    for (size_t i = 0; i < list->n_models; ++i)
        w = name_width(w, list->models[i].model);
    printf("%-*s  %5s", w, "model", "units");
    for (int c = 1; c < DQ_CONFORM_N_MODEL_CHECKS; ++c)
        printf("  %s", dq_conform_model_check_name(c));
    printf("  verdict\n");
    for (size_t i = 0; i < list->n_models; ++i) {
        const dq_conform_model_result_t *r = &list->models[i];
        cli_text_cell(stdout, r->model, 0, (size_t)w);
        printf("  %5zu", r->units);
        for (int c = 1; c < DQ_CONFORM_N_MODEL_CHECKS; ++c)
            printf("  %-*s", (int)strlen(dq_conform_model_check_name(c)),
                   dq_conform_status_name(r->checks[c].status));
        printf("  ");
        check_verdict(r->passed, r->checks, DQ_CONFORM_N_MODEL_CHECKS, dq_conform_model_check_name);
        printf("\n");
    }
}

/* Every check of status `status` as "  name: check: detail" (the stiff note is in the
 * table already). Returns how many. */
static size_t check_print_lines(const check_list_t *list, int status, const char *head)
{
    size_t n = 0;
    for (size_t i = 0; i < list->n_solvers; ++i)
        for (int c = 0; c < DQ_CONFORM_N_CHECKS; ++c) {
            const dq_conform_check_t *k = &list->solvers[i].checks[c];
            if (k->status != status || (status == DQ_CONFORM_INFO && c == DQ_CHECK_STIFF))
                continue;
            if (!n++)
                printf("\n%s:\n", head);
            check_print_line(list->solvers[i].solver, dq_conform_check_name(c), k->detail);
        }
    for (size_t i = 0; i < list->n_solvers; ++i)
        for (int c = 0; list->solvers[i].is_sde && c < DQ_CONFORM_N_SDE_CHECKS; ++c) {
            const dq_conform_check_t *k = &list->solvers[i].sde.checks[c];
            if (k->status != status)
                continue;
            if (!n++)
                printf("\n%s:\n", head);
            check_print_line(list->solvers[i].solver, dq_conform_sde_check_name(c), k->detail);
        }
    for (size_t i = 0; i < list->n_models; ++i)
        for (int c = 0; c < DQ_CONFORM_N_MODEL_CHECKS; ++c) {
            const dq_conform_check_t *k = &list->models[i].checks[c];
            if (k->status != status)
                continue;
            if (!n++)
                printf("\n%s:\n", head);
            check_print_line(list->models[i].model, dq_conform_model_check_name(c), k->detail);
        }
    return n;
}

void check_print_table(const check_list_t *list)
{
    size_t failed = 0, models_failed = 0;
    if (list->n_solvers) {
        check_print_solvers(list);
        check_print_sde(list);
        check_print_adaptive(list);
        check_print_cable(list);
    }
    if (list->n_solvers && list->n_models)
        printf("\n");
    if (list->n_models)
        check_print_models(list);
    for (size_t i = 0; i < list->n_solvers; ++i)
        failed += !list->solvers[i].passed;
    for (size_t i = 0; i < list->n_models; ++i)
        models_failed += !list->models[i].passed;
    check_print_lines(list, DQ_CONFORM_FAIL, "Failures");
    check_print_lines(list, DQ_CONFORM_INFO, "Notes");
    printf("\n");
    if (list->n_solvers || !list->n_models)
        printf("%zu solver(s) checked, %zu passed, %zu failed.\n", list->n_solvers,
               list->n_solvers - failed, failed);
    if (list->n_models)
        printf("%zu model(s) checked, %zu passed, %zu failed.\n", list->n_models,
               list->n_models - models_failed, models_failed);
}

/* A double, or null when it is not finite (JSON has no NaN). */
static json_t *check_json_real(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *check_json_checks(const dq_conform_check_t *checks, int n, const char *(*name)(int))
{
    json_t *o = json_object();
    for (int c = 0; o && c < n; ++c)
        json_object_set_new(o, name(c),
                            json_pack("{s:s, s:o}", "status",
                                      dq_conform_status_name(checks[c].status), "detail",
                                      cli_json_str(checks[c].detail)));
    return o;
}

static json_t *check_json_reals(const double *v, int n)
{
    json_t *a = json_array();
    for (int k = 0; a && k < n; ++k)
        json_array_append_new(a, check_json_real(v[k]));
    return a;
}

static const char *const order_status[] = {"not_run", "measured", "exact", "failed"};

/* An SDE order; a weak one that found no bias above its bound is "no_bias". */
static json_t *check_json_sde_order(const dq_conform_sde_order_t *o, int weak)
{
    int st = o->status >= 0 && o->status <= DQ_ORDER_FAILED ? o->status : 0;
    const char *problem = dq_conform_sde_problem_name(o->problem);
    return json_pack("{s:s, s:s?, s:o, s:o, s:I, s:o, s:I, s:o, s:o, s:o}", "status",
                     weak && st == DQ_ORDER_EXACT ? "no_bias" : order_status[st], "problem",
                     problem, "order", check_json_real(o->order), "bound",
                     check_json_real(o->bound), "paths", (json_int_t)o->paths, "t_end",
                     check_json_real(o->t_end), "reference_refine", (json_int_t)o->refine, "dt",
                     check_json_reals(o->dt, DQ_CONFORM_SDE_RUNGS), "error",
                     check_json_reals(o->error, DQ_CONFORM_SDE_RUNGS), "standard_error",
                     check_json_reals(o->se, DQ_CONFORM_SDE_RUNGS));
}

static json_t *check_json_moments(const dq_conform_moments_t *m)
{
    return json_pack("{s:s, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:f}", "status",
                     dq_conform_status_name(m->status), "paths", (json_int_t)m->paths, "dt",
                     check_json_real(m->dt), "t_end", check_json_real(m->t_end), "mean",
                     check_json_real(m->mean), "mean_exact", check_json_real(m->mean_exact),
                     "mean_standard_error", check_json_real(m->mean_se), "variance",
                     check_json_real(m->var), "variance_exact", check_json_real(m->var_exact),
                     "variance_standard_error", check_json_real(m->var_se), "bound_standard_errors",
                     DQ_CONFORM_MOMENTS_BOUND);
}

/* The SDE measurements of a DQ_CAP_DIFFUSION solver, or null. */
static json_t *check_json_sde(const dq_conform_result_t *r)
{
    if (!r->is_sde)
        return json_null();
    const dq_conform_sde_t *sde = &r->sde;
    json_t *moments = json_object();
    for (int p = 0; moments && p < DQ_CONFORM_N_SDE_PROBLEMS; ++p)
        if (sde->moments[p].status != DQ_CONFORM_SKIP)
            json_object_set_new(moments, dq_conform_sde_problem_name(p),
                                check_json_moments(&sde->moments[p]));
    const char *calculus = dq_conform_calculus_name(sde->calculus);
    return json_pack(
        "{s:s?, s:s?, s:b, s:o, s:o, s:o, s:o, s:o}", "calculus", calculus, "calculus_used",
        dq_conform_calculus_name(sde->calculus_used), "additive_noise_only", sde->additive_only,
        "declared_strong_order", check_json_real(sde->declared_strong), "declared_weak_order",
        check_json_real(sde->declared_weak), "strong", check_json_sde_order(&sde->strong, 0),
        "weak", check_json_sde_order(&sde->weak, 1), "moments", moments);
}

/* An order ladder: the sizes run, the pair fitted and the floor below which errors are not
 * fitted. */
static json_t *check_json_ladder(int status, double order, int fit, double floor, const double *dt,
                                 const double *error, int sizes, int max)
{
    int st = status >= 0 && status <= DQ_ORDER_FAILED ? status : 0;
    int n = sizes >= 0 && sizes <= max ? sizes : 0;
    json_t *pair = fit > 0 && fit < n
                       ? json_pack("[o, o]", check_json_real(dt[fit - 1]), check_json_real(dt[fit]))
                       : json_null();
    return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o}", "status", order_status[st], "order",
                     check_json_real(order), "dt", check_json_reals(dt, n), "error",
                     check_json_reals(error, n), "fit_dt", pair, "floor", check_json_real(floor));
}

/* The measurements of a DQ_CAP_ADAPTIVE solver, or null. */
static json_t *check_json_adaptive(const dq_conform_result_t *r)
{
    if (!r->is_adaptive)
        return json_null();
    const dq_conform_adaptive_t *a = &r->adaptive;
    json_t *embedded = json_object(), *dense = json_object(), *tolerance = json_object();
    for (int p = 0; p < DQ_CONFORM_N_PROBLEMS; ++p) {
        const char *name = dq_conform_problem_name(p);
        const dq_conform_local_t *e = &a->embedded[p], *d = &a->dense[p];
        const dq_conform_tolerance_t *tl = &a->tolerance[p];
        if (e->status != DQ_ORDER_NOT_RUN)
            json_object_set_new(embedded, name,
                                check_json_ladder(e->status, e->order, e->fit, e->floor, e->h,
                                                  e->error, e->sizes, DQ_CONFORM_LOCAL_SIZES));
        if (d->status != DQ_ORDER_NOT_RUN)
            json_object_set_new(dense, name,
                                check_json_ladder(d->status, d->order, d->fit, d->floor, d->h,
                                                  d->error, d->sizes, DQ_CONFORM_LOCAL_SIZES));
        if (tl->status == DQ_ORDER_NOT_RUN)
            continue;
        json_t *acc = json_array(), *rej = json_array();
        for (int k = 0; k < DQ_CONFORM_TOLERANCES; ++k) {
            json_array_append_new(acc, json_integer((json_int_t)tl->accepted[k]));
            json_array_append_new(rej, json_integer((json_int_t)tl->rejected[k]));
        }
        int st = tl->status >= 0 && tl->status <= DQ_ORDER_FAILED ? tl->status : 0;
        json_object_set_new(tolerance, name,
                            json_pack("{s:s, s:o, s:o, s:o, s:o, s:o}", "status", order_status[st],
                                      "slope", check_json_real(tl->slope), "rtol",
                                      check_json_reals(tl->rtol, DQ_CONFORM_TOLERANCES), "error",
                                      check_json_reals(tl->error, DQ_CONFORM_TOLERANCES),
                                      "accepted", acc, "rejected", rej));
    }
    return json_pack("{s:i, s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "error_order",
                     a->error_order, "dense_order", a->dense_order, "expected_embedded_order",
                     check_json_real(a->expected_embedded), "expected_dense_order",
                     check_json_real(a->expected_dense), "expected_tolerance_slope",
                     check_json_real(a->expected_slope), "dense_end_error",
                     check_json_real(a->dense_end), "dense_start_error",
                     check_json_real(a->dense_start), "embedded", embedded, "dense", dense,
                     "tolerance", tolerance);
}

/* The cable problem's ladders, or null when it did not run. */
static json_t *check_json_cable(const dq_conform_result_t *r)
{
    const dq_conform_cable_t *k = &r->cable;
    if (!k->ran)
        return json_null();
    json_t *orders = json_object();
    for (int q = 0; q < DQ_CONFORM_N_CABLE_QUANTITIES; ++q) {
        const dq_conform_order_t *o = &k->order[q];
        json_object_set_new(orders, dq_conform_cable_quantity_name(q),
                            check_json_ladder(o->status, o->order, o->fit, o->floor, o->dt,
                                              o->error, o->sizes, DQ_CONFORM_STEP_SIZES));
    }
    return json_pack("{s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o}", "compartments",
                     (json_int_t)k->compartments, "junctions", (json_int_t)k->junctions, "gates",
                     (json_int_t)k->gates, "t_end", check_json_real(k->t_end), "lambda",
                     check_json_real(k->lambda), "reference_dt", check_json_real(k->dt_ref),
                     "reference_error", check_json_real(k->ref_error), "soma_V_end",
                     check_json_real(k->v_end), "orders", orders);
}

static json_t *check_json_solver(const dq_conform_result_t *r)
{
    json_t *orders = json_object();
    for (int p = 0; p < DQ_CONFORM_N_PROBLEMS; ++p) {
        const dq_conform_order_t *o = &r->orders[p];
        json_object_set_new(orders, dq_conform_problem_name(p),
                            check_json_ladder(o->status, o->order, o->fit, o->floor, o->dt,
                                              o->error, o->sizes, DQ_CONFORM_STEP_SIZES));
    }
    json_t *checks = check_json_checks(r->checks, DQ_CONFORM_N_CHECKS, dq_conform_check_name);
    json_t *sde =
        check_json_checks(r->sde.checks, DQ_CONFORM_N_SDE_CHECKS, dq_conform_sde_check_name);
    if (checks && sde)
        json_object_update(checks, sde);
    json_decref(sde);
    return json_pack("{s:s, s:o, s:o, s:o, s:i, s:o, s:s, s:o, s:o, s:o, s:o, s:o}", "kind",
                     "solver", "name", cli_json_str(r->solver), "category",
                     cli_json_str(r->category), "origin", cli_json_str(r->origin), "declared_order",
                     r->declared_order, "measured_order", check_json_real(r->measured_order),
                     "verdict", r->passed ? "pass" : "fail", "checks", checks, "orders", orders,
                     "sde", check_json_sde(r), "adaptive", check_json_adaptive(r), "cable",
                     check_json_cable(r));
}

static json_t *check_json_model(const dq_conform_model_result_t *r)
{
    return json_pack(
        "{s:s, s:o, s:o, s:I, s:s, s:o}", "kind", "model", "name", cli_json_str(r->model), "origin",
        cli_json_str(r->origin), "units", (json_int_t)r->units, "verdict",
        r->passed ? "pass" : "fail", "checks",
        check_json_checks(r->checks, DQ_CONFORM_N_MODEL_CHECKS, dq_conform_model_check_name));
}

int check_print_json(const check_list_t *list)
{
    json_t *doc = json_array();
    for (size_t i = 0; doc && i < list->n_solvers + list->n_models; ++i) {
        json_t *item = i < list->n_solvers ? check_json_solver(&list->solvers[i])
                                           : check_json_model(&list->models[i - list->n_solvers]);
        if (json_array_append_new(doc, item) != 0) {
            json_decref(doc);
            doc = NULL;
        }
    }
    return cli_json_emit(doc);
}
