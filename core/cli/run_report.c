/* SPDX-License-Identifier: MIT */
/* run_report.c -- `dqhost run`'s progress bar and end-of-run summary (text or JSON). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <stdlib.h>

#include "run.h"

int run_final_alloc(run_final_t *fin, const dq_system_t *sys, size_t units)
{
    *fin = (run_final_t){.units = units,
                         .n_states = dq_system_state_count(sys),
                         .n_events = dq_system_event_count(sys)};
    size_t n = units ? units : 1;
    fin->values = malloc((fin->n_states ? fin->n_states : 1) * n * sizeof *fin->values);
    fin->fired = malloc((fin->n_events ? fin->n_events : 1) * n * sizeof *fin->fired);
    fin->stats = malloc(n * sizeof *fin->stats);
    if (fin->values && fin->fired && fin->stats)
        return 0;
    run_final_free(fin);
    return -1;
}

void run_final_copy(run_final_t *fin, const dq_system_t *sys, size_t count, size_t at)
{
    for (size_t s = 0; s < fin->n_states; ++s)
        for (size_t u = 0; u < count; ++u)
            fin->values[s * fin->units + at + u] = dq_system_value(sys, s, u);
    for (size_t e = 0; e < fin->n_events; ++e)
        for (size_t u = 0; u < count; ++u)
            fin->fired[e * fin->units + at + u] = dq_system_event_fired(sys, e, u);
    for (size_t u = 0; u < count; ++u)
        dq_system_unit_stats(sys, u, &fin->stats[at + u]);
}

int run_final_local(run_final_t *fin, const dq_system_t *sys)
{
    *fin = (run_final_t){.units = dq_system_units(sys),
                         .n_states = dq_system_state_count(sys),
                         .n_events = dq_system_event_count(sys),
                         .sys = sys};
    return 0;
}

void run_final_free(run_final_t *fin)
{
    free(fin->values);
    free(fin->fired);
    free(fin->stats);
    fin->values = NULL;
    fin->fired = NULL;
    fin->stats = NULL;
}

static double run_value(const run_final_t *fin, size_t s, size_t u)
{
    return fin->sys ? dq_system_value(fin->sys, s, u) : fin->values[s * fin->units + u];
}

static uint64_t run_fired(const run_final_t *fin, size_t e, size_t u)
{
    return fin->sys ? dq_system_event_fired(fin->sys, e, u) : fin->fired[e * fin->units + u];
}

static dq_step_stats_t run_stats(const run_final_t *fin, size_t u)
{
    if (!fin->sys)
        return fin->stats[u];
    dq_step_stats_t st = {0};
    dq_system_unit_stats(fin->sys, u, &st);
    return st;
}

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

/* The time unit of rates: Hz for ms and s models, else per unit time. */
static const char *run_rate_unit(const char *tu)
{
    return tu && (!strcmp(tu, "ms") || !strcmp(tu, "s")) ? "Hz" : "per unit time";
}

/* Mean, min and max over units. */
typedef struct run_spread {
    double mean, lo, hi;
} run_spread_t;

static void run_spread_add(run_spread_t *s, double v, size_t u)
{
    if (u == 0)
        *s = (run_spread_t){0.0, v, v};
    s->mean += (v - s->mean) / (double)(u + 1);
    s->lo = fmin(s->lo, v);
    s->hi = fmax(s->hi, v);
}

/* Work per unit of an error-controlled run: accepted, rejected, evaluations, Jacobians. */
static void run_step_spread(const run_final_t *fin, run_spread_t out[4])
{
    size_t units = fin->units;
    memset(out, 0, 4 * sizeof *out);
    for (size_t u = 0; u < units; ++u) {
        const dq_step_stats_t st = run_stats(fin, u);
        run_spread_add(&out[0], (double)st.accepted, u);
        run_spread_add(&out[1], (double)st.rejected, u);
        run_spread_add(&out[2], (double)st.evaluations, u);
        run_spread_add(&out[3], (double)st.jacobians, u);
    }
}

/* One spike event's count over all units and its rate per unit. */
static run_spread_t run_spike_spread(const dq_system_t *sys, const run_final_t *fin, size_t e,
                                     uint64_t *total)
{
    size_t units = fin->units;
    double t = dq_system_time(sys), scale = run_rate_scale(dq_system_time_unit(sys));
    run_spread_t r = {0};
    *total = 0;
    for (size_t u = 0; u < units; ++u) {
        uint64_t n = run_fired(fin, e, u);
        *total += n;
        run_spread_add(&r, t > 0 ? (double)n / t * scale : 0.0, u);
    }
    return r;
}

/* The tolerances the run used, as the host reports them, and the states given their own. */
static void run_control_text(FILE *out, const dq_system_t *sys, const run_plan_t *p)
{
    dq_step_control_t c;
    dq_system_get_step_control(sys, &c);
    fprintf(out, "error control: rtol %g, atol %g", c.rtol, c.atol);
    for (size_t i = 0; i < p->ctl.n_states; ++i)
        fprintf(out, "%s%s %g", i ? ", " : " (", p->ctl.states[i].state, p->ctl.states[i].value);
    fprintf(out, "%s, ", p->ctl.n_states ? ")" : "");
    if (c.h0 > 0)
        fprintf(out, "h0 %g, ", c.h0);
    else
        fputs("h0 chosen per unit, ", out);
    if (c.hmin > 0)
        fprintf(out, "hmin %g, ", c.hmin);
    if (isfinite(c.hmax))
        fprintf(out, "hmax %g, ", c.hmax);
    fprintf(out, "at most %u rejections in a row; values at every dt\n", c.max_rejects);
}

/* The ensemble of one state at the end: mean and (unbiased, n - 1) variance across units by
 * Welford's update, which keeps its digits when the mean is large against the spread. */
typedef struct run_ensemble {
    double mean, var, lo, hi;
} run_ensemble_t;

static run_ensemble_t run_ensemble(const run_final_t *fin, size_t s)
{
    run_ensemble_t e = {0.0, 0.0, INFINITY, -INFINITY};
    size_t units = fin->units;
    double m2 = 0.0;
    for (size_t u = 0; u < units; ++u) {
        double v = run_value(fin, s, u), d = v - e.mean;
        e.mean += d / (double)(u + 1);
        m2 += d * (v - e.mean);
        e.lo = fmin(e.lo, v);
        e.hi = fmax(e.hi, v);
    }
    e.var = units > 1 ? m2 / (double)(units - 1) : 0.0;
    return e;
}

void run_summary_text(FILE *out, const dq_system_t *sys, const run_final_t *fin,
                      const run_plan_t *p, const run_result_t *r)
{
    size_t units = fin->units;
    const char *tu = dq_system_time_unit(sys);
    /* An error-controlled run counts samples of dt; its steps are the units' own. */
    const int adaptive = dq_system_adaptive(sys);
    fprintf(out, "model %s, solver %s, %sdt %.6g%s%s, %llu %s to t = %.6g%s%s (%zu unit%s)\n",
            dq_system_model_name(sys), dq_system_solver_name(sys), adaptive ? "sampling " : "",
            p->dt, tu ? " " : "", tu ? tu : "", r->steps, adaptive ? "samples" : "steps",
            dq_system_time(sys), tu ? " " : "", tu ? tu : "", units, units == 1 ? "" : "s");
    for (size_t i = 1; i < dq_system_module_count(sys); ++i) {
        const dq_integrator_entry_t *e = dq_system_module_solver(sys, i);
        if (!dq_system_module_is_independent(sys, i))
            continue;
        fprintf(out, "sub-module %s: solver %s, %u substep%s\n", dq_system_module_name(sys, i),
                e ? e->name : "?", dq_system_module_substeps(sys, i),
                dq_system_module_substeps(sys, i) == 1 ? "" : "s");
    }
    double sps = r->wall > 0 ? (double)r->steps / r->wall : 0.0;
    run_spread_t st[4];
    if (adaptive) {
        run_step_spread(fin, st);
        fprintf(out, "wall time %.3f s: %.4g samples/s, %.4g accepted unit-steps/s\n", r->wall, sps,
                r->wall > 0 ? st[0].mean * (double)units / r->wall : 0.0);
    } else
        fprintf(out, "wall time %.3f s: %.4g steps/s, %.4g unit-steps/s\n", r->wall, sps,
                sps * (double)units);
    run_cable_summary_text(out, sys, p);
    if (p->recording)
        fprintf(out, "trajectory: %llu samples -> %s (%s)\n", (unsigned long long)r->samples,
                p->out_path ? p->out_path : "standard output",
                p->format == DQ_FORMAT_JSON ? "json"
                : p->format == DQ_FORMAT_H5 ? "h5"
                                            : "csv");
    if (p->spikes_path)
        fprintf(out, "spike file: %llu spike%s -> %s (%s)\n", (unsigned long long)r->spikes,
                r->spikes == 1 ? "" : "s", p->spikes_stdout ? "standard output" : p->spikes_path,
                p->spikes_format == DQ_FORMAT_JSON ? "json" : "csv");
    if (adaptive) {
        run_control_text(out, sys, p);
        fprintf(out,
                "steps per unit: accepted mean %.6g, min %.6g, max %.6g; rejected mean %.6g, "
                "min %.6g, max %.6g; derivative evaluations mean %.6g, min %.6g, max %.6g",
                st[0].mean, st[0].lo, st[0].hi, st[1].mean, st[1].lo, st[1].hi, st[2].mean,
                st[2].lo, st[2].hi);
        if (st[3].hi > 0)
            fprintf(out, "; Jacobians mean %.6g, min %.6g, max %.6g", st[3].mean, st[3].lo,
                    st[3].hi);
        fputc('\n', out);
    }
    for (size_t e = 0; e < dq_system_event_count(sys); ++e) {
        if (!(dq_system_event_flags(sys, e) & DQ_EVENT_SPIKE))
            continue;
        uint64_t total;
        run_spread_t rate = run_spike_spread(sys, fin, e, &total);
        fprintf(out, "spike event %s: %llu spike%s, rate mean %.4g %s (min %.4g, max %.4g)\n",
                dq_system_event_name(sys, e), (unsigned long long)total, total == 1 ? "" : "s",
                rate.mean, run_rate_unit(tu), rate.lo, rate.hi);
    }
    for (size_t s = 0; s < dq_system_state_count(sys); ++s) {
        const char *name = dq_system_state_name(sys, s);
        if (dq_system_state_flags(sys, s) & DQ_STATE_COUNT) {
            double sum = 0, lo = INFINITY, hi = -INFINITY, scale = run_rate_scale(tu);
            for (size_t u = 0; u < units; ++u) {
                double rate = run_value(fin, s, u) / dq_system_time(sys) * scale;
                sum += rate;
                lo = fmin(lo, rate);
                hi = fmax(hi, rate);
            }
            fprintf(out, "rate of %s: mean %.4g %s (min %.4g, max %.4g)\n", name,
                    sum / (double)units, run_rate_unit(tu), lo, hi);
        }
    }
    if (units > 1) {
        fprintf(out, "ensemble of %zu units at the end (mean, variance across units):\n", units);
        for (size_t s = 0; s < dq_system_state_count(sys); ++s) {
            if (!run_cable_state_shown(sys, s))
                continue;
            run_ensemble_t e = run_ensemble(fin, s);
            fprintf(out, "  %s: mean %.6g, variance %.6g (min %.6g, max %.6g)\n",
                    dq_system_state_name(sys, s), e.mean, e.var, e.lo, e.hi);
        }
    }
    for (size_t s = 0; s < dq_system_state_count(sys); ++s) {
        if (!run_cable_state_shown(sys, s))
            continue;
        fprintf(out, "%s = ", dq_system_state_name(sys, s));
        if (units == 1) {
            fprintf(out, "%.6g\n", run_value(fin, s, 0));
            continue;
        }
        size_t shown = units <= 8 ? units : 5;
        fprintf(out, "[");
        for (size_t u = 0; u < shown; ++u)
            fprintf(out, "%s%.6g", u ? ", " : "", run_value(fin, s, u));
        if (shown < units)
            fprintf(out, ", ... (%zu values; --json prints all)", units);
        fprintf(out, "]\n");
    }
}

static json_t *run_spread_json(const run_spread_t *s)
{
    return json_pack("{s:f, s:f, s:f}", "mean", s->mean, "min", s->lo, "max", s->hi);
}

/* The keys of error-controlled runs and spike events: "adaptive" (always), "tolerances"
 * and "steps_per_unit" (adaptive runs), "spike_counts" and "spike_rates_hz" (always, empty
 * without spike events), "spike_file" (with one). -1 when out of memory. */
static int run_summary_json_adaptive(json_t *doc, const dq_system_t *sys, const run_final_t *fin,
                                     const run_plan_t *p, const run_result_t *r)
{
    int bad = json_object_set_new(doc, "adaptive", json_boolean(dq_system_adaptive(sys)));
    if (dq_system_adaptive(sys)) {
        json_t *states = json_object();
        for (size_t i = 0; states && i < p->ctl.n_states; ++i)
            bad |= json_object_set_new(states, p->ctl.states[i].state,
                                       json_real(p->ctl.states[i].value));
        dq_step_control_t c;
        dq_system_get_step_control(sys, &c);
        bad |= json_object_set_new(
            doc, "tolerances",
            json_pack("{s:f, s:f, s:o, s:f, s:f, s:f, s:I}", "rtol", c.rtol, "atol", c.atol,
                      "state_atol", states, "h0", c.h0, "hmin", c.hmin, "hmax",
                      isfinite(c.hmax) ? c.hmax : 0.0, "max_rejects", (json_int_t)c.max_rejects));
        run_spread_t st[4];
        run_step_spread(fin, st);
        bad |= json_object_set_new(
            doc, "steps_per_unit",
            json_pack("{s:o, s:o, s:o, s:o}", "accepted", run_spread_json(&st[0]), "rejected",
                      run_spread_json(&st[1]), "evaluations", run_spread_json(&st[2]), "jacobians",
                      run_spread_json(&st[3])));
    }
    json_t *counts = json_object(), *rates = json_object();
    for (size_t e = 0; counts && rates && e < dq_system_event_count(sys); ++e) {
        if (!(dq_system_event_flags(sys, e) & DQ_EVENT_SPIKE))
            continue;
        uint64_t total;
        run_spread_t rate = run_spike_spread(sys, fin, e, &total);
        const char *name = dq_system_event_name(sys, e);
        bad |= json_object_set_new(counts, name, json_integer((json_int_t)total)) ||
               json_object_set_new(rates, name, run_spread_json(&rate));
    }
    bad |= json_object_set_new(doc, "spike_counts", counts) ||
           json_object_set_new(doc, "spike_rates_hz", rates);
    if (p->spikes_path)
        bad |= json_object_set_new(doc, "spike_file",
                                   json_pack("{s:s?, s:s, s:I}", "path",
                                             p->spikes_stdout ? NULL : p->spikes_path, "format",
                                             p->spikes_format == DQ_FORMAT_JSON ? "json" : "csv",
                                             "spikes", (json_int_t)r->spikes));
    return bad ? -1 : 0;
}

int run_summary_json(const dq_system_t *sys, const run_final_t *fin, const run_plan_t *p,
                     const char *requested, const run_result_t *r, json_t *prov)
{
    json_t *final = json_object(), *rates = json_object(), *subs = json_object();
    json_t *ensemble = json_object();
    size_t units = fin->units;
    const char *tu = dq_system_time_unit(sys);
    for (size_t s = 0; s < dq_system_state_count(sys); ++s) {
        json_t *arr = json_array();
        double sum = 0;
        for (size_t u = 0; u < units; ++u) {
            double v = run_value(fin, s, u);
            sum += v;
            json_array_append_new(arr, json_real(v));
        }
        json_object_set_new(final, dq_system_state_name(sys, s), arr);
        run_ensemble_t e = run_ensemble(fin, s);
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
                                      p->format == DQ_FORMAT_JSON ? "json"
                                      : p->format == DQ_FORMAT_H5 ? "h5"
                                                                  : "csv",
                                      "samples", (json_int_t)r->samples));
    if (doc)
        json_object_set_new(doc, "ensemble", ensemble);
    else
        json_decref(ensemble);
    if (doc && dq_system_cable(sys) &&
        json_object_set_new(doc, "cable", run_cable_summary_json(sys, p))) {
        json_decref(doc);
        doc = NULL;
    }
    if (doc && tu)
        json_object_set_new(doc, "time_unit", json_string(tu));
    if (doc && p->noise_refine > 1)
        json_object_set_new(doc, "noise_refine", json_integer((json_int_t)p->noise_refine));
    if (doc && p->has_seed)
        json_object_set_new(doc, "seed", json_integer((json_int_t)p->seed));
    if (doc && prov && json_object_set(doc, "provenance", prov)) {
        json_decref(doc);
        doc = NULL;
    }
    if (doc && run_summary_json_adaptive(doc, sys, fin, p, r)) {
        json_decref(doc);
        doc = NULL;
    }
    return cli_json_emit(doc);
}
