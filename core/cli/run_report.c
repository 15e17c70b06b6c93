/* SPDX-License-Identifier: MIT */
/* run_report.c -- `dqhost run`'s progress bar and end-of-run summary (text or JSON). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "run.h"

double run_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void run_progress_update(run_progress_t *pg, double frac, double t, const char *unit)
{
    double now = run_now();
    if (now < pg->next)
        return;
    pg->next = now + 0.1;
    if (now - pg->start < 1.0)
        return;
    pg->shown = 1;
    int width = 30, fill = (int)(frac * width);
    double eta = frac > 0 ? (now - pg->start) * (1.0 - frac) / frac : 0.0;
    fprintf(stderr, "\r[%.*s%*s] %3d%%  t = %-10.6g%s  eta %.0f s ", fill,
            "==============================", width - fill, "", (int)(frac * 100.0), t,
            unit ? unit : "", eta);
    fflush(stderr);
}

void run_progress_clear(run_progress_t *pg)
{
    if (pg->shown)
        fprintf(stderr, "\r%*s\r", 72, "");
}

/* Firing rates from counting states: events per unit time, in Hz for ms and s models. */
static double run_rate_scale(const char *time_unit)
{
    if (time_unit && strcmp(time_unit, "ms") == 0)
        return 1000.0;
    return 1.0;
}

/* The ensemble of one state at the end: mean and (unbiased, n - 1) variance across units by
 * Welford's update, which keeps its digits when the mean is large against the spread. */
typedef struct run_ensemble {
    double mean, var, lo, hi;
} run_ensemble_t;

static run_ensemble_t run_ensemble(const dq_system_t *sys, size_t s)
{
    run_ensemble_t e = {0.0, 0.0, INFINITY, -INFINITY};
    size_t units = dq_system_units(sys);
    double m2 = 0.0;
    for (size_t u = 0; u < units; ++u) {
        double v = dq_system_value(sys, s, u), d = v - e.mean;
        e.mean += d / (double)(u + 1);
        m2 += d * (v - e.mean);
        e.lo = fmin(e.lo, v);
        e.hi = fmax(e.hi, v);
    }
    e.var = units > 1 ? m2 / (double)(units - 1) : 0.0;
    return e;
}

void run_summary_text(FILE *out, const dq_system_t *sys, const run_plan_t *p, const run_result_t *r)
{
    size_t units = dq_system_units(sys);
    const char *tu = dq_system_time_unit(sys);
    fprintf(out, "model %s, solver %s, dt %.6g%s%s, %llu steps to t = %.6g%s%s (%zu unit%s)\n",
            dq_system_model_name(sys), dq_system_solver_name(sys), p->dt, tu ? " " : "",
            tu ? tu : "", r->steps, dq_system_time(sys), tu ? " " : "", tu ? tu : "", units,
            units == 1 ? "" : "s");
    for (size_t i = 1; i < dq_system_module_count(sys); ++i) {
        const dq_integrator_entry_t *e = dq_system_module_solver(sys, i);
        if (!dq_system_module_is_independent(sys, i))
            continue;
        fprintf(out, "sub-module %s: solver %s, %u substep%s\n", dq_system_module_name(sys, i),
                e ? e->name : "?", dq_system_module_substeps(sys, i),
                dq_system_module_substeps(sys, i) == 1 ? "" : "s");
    }
    double sps = r->wall > 0 ? (double)r->steps / r->wall : 0.0;
    fprintf(out, "wall time %.3f s: %.4g steps/s, %.4g unit-steps/s\n", r->wall, sps,
            sps * (double)units);
    if (p->recording)
        fprintf(out, "trajectory: %llu samples -> %s (%s)\n", (unsigned long long)r->samples,
                p->out_path ? p->out_path : "standard output",
                p->format == DQ_FORMAT_JSON ? "json" : "csv");
    for (size_t s = 0; s < dq_system_state_count(sys); ++s) {
        const char *name = dq_system_state_name(sys, s);
        if (dq_system_state_flags(sys, s) & DQ_STATE_COUNT) {
            double sum = 0, lo = INFINITY, hi = -INFINITY, scale = run_rate_scale(tu);
            for (size_t u = 0; u < units; ++u) {
                double rate = dq_system_value(sys, s, u) / dq_system_time(sys) * scale;
                sum += rate;
                lo = fmin(lo, rate);
                hi = fmax(hi, rate);
            }
            const char *ru = tu && (!strcmp(tu, "ms") || !strcmp(tu, "s")) ? "Hz" : "per unit time";
            fprintf(out, "rate of %s: mean %.4g %s (min %.4g, max %.4g)\n", name,
                    sum / (double)units, ru, lo, hi);
        }
    }
    if (units > 1) {
        fprintf(out, "ensemble of %zu units at the end (mean, variance across units):\n", units);
        for (size_t s = 0; s < dq_system_state_count(sys); ++s) {
            run_ensemble_t e = run_ensemble(sys, s);
            fprintf(out, "  %s: mean %.6g, variance %.6g (min %.6g, max %.6g)\n",
                    dq_system_state_name(sys, s), e.mean, e.var, e.lo, e.hi);
        }
    }
    for (size_t s = 0; s < dq_system_state_count(sys); ++s) {
        fprintf(out, "%s = ", dq_system_state_name(sys, s));
        if (units == 1) {
            fprintf(out, "%.6g\n", dq_system_value(sys, s, 0));
            continue;
        }
        size_t shown = units <= 8 ? units : 5;
        fprintf(out, "[");
        for (size_t u = 0; u < shown; ++u)
            fprintf(out, "%s%.6g", u ? ", " : "", dq_system_value(sys, s, u));
        if (shown < units)
            fprintf(out, ", ... (%zu values; --json prints all)", units);
        fprintf(out, "]\n");
    }
}

int run_summary_json(const dq_system_t *sys, const run_plan_t *p, const char *requested,
                     const run_result_t *r)
{
    json_t *final = json_object(), *rates = json_object(), *subs = json_object();
    json_t *ensemble = json_object();
    size_t units = dq_system_units(sys);
    const char *tu = dq_system_time_unit(sys);
    for (size_t s = 0; s < dq_system_state_count(sys); ++s) {
        json_t *arr = json_array();
        double sum = 0;
        for (size_t u = 0; u < units; ++u) {
            double v = dq_system_value(sys, s, u);
            sum += v;
            json_array_append_new(arr, json_real(v));
        }
        json_object_set_new(final, dq_system_state_name(sys, s), arr);
        run_ensemble_t e = run_ensemble(sys, s);
        json_object_set_new(ensemble, dq_system_state_name(sys, s),
                            json_pack("{s:f, s:f, s:f, s:f}", "mean", e.mean, "variance", e.var,
                                      "min", e.lo, "max", e.hi));
        if (dq_system_state_flags(sys, s) & DQ_STATE_COUNT)
            json_object_set_new(
                rates, dq_system_state_name(sys, s),
                json_real(sum / (double)units / dq_system_time(sys) * run_rate_scale(tu)));
    }
    for (size_t i = 1; i < dq_system_module_count(sys); ++i) {
        const dq_integrator_entry_t *e = dq_system_module_solver(sys, i);
        if (!dq_system_module_is_independent(sys, i))
            continue;
        json_object_set_new(subs, dq_system_module_name(sys, i),
                            json_pack("{s:s, s:i}", "solver", e ? e->name : "?", "substeps",
                                      (int)dq_system_module_substeps(sys, i)));
    }
    double sps = r->wall > 0 ? (double)r->steps / r->wall : 0.0;
    json_t *doc =
        json_pack("{s:s, s:s, s:s, s:f, s:f, s:I, s:f, s:I, s:o, s:o, s:o, s:f, s:f, "
                  "s:f}",
                  "model", dq_system_model_name(sys), "solver", dq_system_solver_name(sys),
                  "solver_requested", requested, "dt", p->dt, "t_end", p->t_end, "steps",
                  (json_int_t)r->steps, "t", dq_system_time(sys), "units", (json_int_t)units,
                  "submodules", subs, "final", final, "rates_hz", rates, "wall_time_s", r->wall,
                  "steps_per_s", sps, "unit_steps_per_s", sps * (double)units);
    if (doc && p->recording)
        json_object_set_new(doc, "trajectory",
                            json_pack("{s:s?, s:s, s:I}", "path", p->out_path, "format",
                                      p->format == DQ_FORMAT_JSON ? "json" : "csv", "samples",
                                      (json_int_t)r->samples));
    if (doc)
        json_object_set_new(doc, "ensemble", ensemble);
    else
        json_decref(ensemble);
    if (doc && tu)
        json_object_set_new(doc, "time_unit", json_string(tu));
    if (doc && p->noise_refine > 1)
        json_object_set_new(doc, "noise_refine", json_integer((json_int_t)p->noise_refine));
    if (doc && p->has_seed)
        json_object_set_new(doc, "seed", json_integer((json_int_t)p->seed));
    return cli_json_emit(doc);
}
