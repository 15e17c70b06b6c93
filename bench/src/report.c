/* SPDX-License-Identifier: MIT */
/* report.c -- the machine record and the three views of a run: stdout, JSON, Markdown. */
#define _GNU_SOURCE
#include <gnu/libc-version.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "machine.h"
#include "workload.h"

#ifndef BENCH_CXX_ID
#define BENCH_CXX_ID ""
#endif
#ifndef BENCH_C_FLAGS
#define BENCH_C_FLAGS ""
#endif

/* ---- machine ------------------------------------------------------------------------------ */

void bench_machine_fill(bench_machine_t *m, const char *git)
{
    memset(m, 0, sizeof *m);
    bench_cpu_model(m->cpu, sizeof m->cpu);
    m->cores = sysconf(_SC_NPROCESSORS_ONLN);
    struct utsname u;
    if (uname(&u) == 0)
        snprintf(m->kernel, sizeof m->kernel, "%s %s %s", u.sysname, u.release, u.machine);
#if defined(__GNUC__) && !defined(__clang__)
    snprintf(m->cc, sizeof m->cc, "gcc %s", __VERSION__);
#else
    snprintf(m->cc, sizeof m->cc, "%s", __VERSION__);
#endif
    snprintf(m->cxx, sizeof m->cxx, "%s", BENCH_CXX_ID);
    snprintf(m->glibc, sizeof m->glibc, "glibc %s", gnu_get_libc_version());
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(m->date, sizeof m->date, "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(m->git, sizeof m->git, "%s", git ? git : "");
    snprintf(m->flags, sizeof m->flags, "%s", BENCH_C_FLAGS);
    size_t o = 0;
    m->peers[0] = '\0';
#ifdef BENCH_HAVE_GSL
    o += (size_t)snprintf(m->peers + o, sizeof m->peers - o, "%sGSL %s", o ? ", " : "",
                          bench_gsl_version());
#endif
#ifdef BENCH_HAVE_SUNDIALS
    o += (size_t)snprintf(m->peers + o, sizeof m->peers - o, "%sSUNDIALS %s", o ? ", " : "",
                          bench_sundials_version());
#endif
#ifdef BENCH_HAVE_BOOST
    o += (size_t)snprintf(m->peers + o, sizeof m->peers - o, "%sBoost %s", o ? ", " : "",
                          bench_boost_version());
#endif
    (void)o;
    double load[1];
    m->loadavg = getloadavg(load, 1) == 1 ? load[0] : NAN;
}

/* ---- formatting --------------------------------------------------------------------------- */

/* Three significant digits, or "-" for NAN. */
static const char *report_num(char *buf, size_t len, double v)
{
    if (!isfinite(v))
        snprintf(buf, len, "-");
    else if (fabs(v) >= 100.0)
        snprintf(buf, len, "%.0f", v);
    else if (fabs(v) >= 10.0)
        snprintf(buf, len, "%.1f", v);
    else
        snprintf(buf, len, "%.2f", v);
    return buf;
}

static const char *report_ratio(char *buf, size_t len, double v)
{
    if (!isfinite(v))
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, v >= 10.0 ? "%.1f" : "%.2f", v);
    return buf;
}

static const char *report_status_name(enum bench_status s)
{
    switch (s) {
    case ROW_OK:
        return "ok";
    case ROW_SKIPPED:
        return "skipped";
    case ROW_CHECK_FAILED:
        return "check_failed";
    case ROW_FAILED:
        return "failed";
    }
    return "?";
}

/* A simulator row's check against the reference solution: "ΔV 0.12 mV, Δspikes +1 vs rk4 at
 * dt/100", after the check to rounding when there was one. */
static const char *report_check_ref(char *buf, size_t len, const bench_row_t *r)
{
    char same[48] = "";
    if (isfinite(r->check_err))
        snprintf(same, sizeof same, "same scheme %.0e; ", r->check_err);
    snprintf(buf, len, "%s%sΔV %.2g mV, Δspikes %+.0f vs rk4 at dt/%u",
             r->status == ROW_CHECK_FAILED ? "**disagrees**: " : "ok: ", same, r->ref_dv,
             r->ref_dspikes, bench_sim_ref_substeps);
    return buf;
}

/* The check column: "reference", "ok (3e-16)", "ok vs dt/2 (...)", and for a peer with its
 * own noise "ok without noise (5e-16); noise: |z| <= 1.2". */
static const char *report_check(char *buf, size_t len, const bench_row_t *r)
{
    double zmax = 0.0;
    if (r->p.model == BENCH_CABLE && r->status != ROW_FAILED) { /* cable_rows.c */
        if (r->status == ROW_CHECK_FAILED)
            snprintf(buf, len, "**disagrees** (spike times)");
        else
            snprintf(buf, len, "ok: %.0f spikes, times within %.3f ms of the reference's",
                     r->check_vals.spikes, r->check_err);
        return buf;
    }
    if (r->ref_done && r->status != ROW_FAILED)
        return report_check_ref(buf, len, r);
    for (int i = 0; i < BENCH_STAT_Z; ++i)
        zmax = fmax(zmax, fabs(r->stat.z[i]));
    if (r->status == ROW_CHECK_FAILED && r->stat.done)
        snprintf(buf, len, "**disagrees** with noise (max |z| %.1f > %g)", zmax, r->stat.tol);
    else if (r->status == ROW_CHECK_FAILED)
        snprintf(buf, len, "**disagrees**%s (%.1e > %.0e)", r->check_det ? " without noise" : "",
                 r->check_err, r->check_tol);
    else if (r->status == ROW_FAILED)
        snprintf(buf, len, "**failed**");
    else if (r->impl == &bench_impl_hand)
        snprintf(buf, len, "reference");
    else if (r->stat.done)
        snprintf(buf, len, "ok without noise (%.0e); with noise max |z| %.1f", r->check_err, zmax);
    else
        snprintf(buf, len, "ok%s (%.0e)", r->ref_substeps > 1 ? " vs dt/2" : "", r->check_err);
    return buf;
}

/* "1.23 (target <= 1.3: met)", the value in bold for Markdown (md) and the verdict too when
 * the target is missed. */
static const char *report_derived(char *buf, size_t len, const bench_derived_t *d, int md)
{
    const char *b = md ? "**" : "";
    char v[32];
    if (!isfinite(d->med)) {
        snprintf(buf, len, "- (a row is missing)");
        return buf;
    }
    snprintf(v, sizeof v, d->med >= 10.0 ? "%.1f" : "%.2f", d->med);
    if (isfinite(d->target)) {
        const int met = d->at_most ? d->med <= d->target : d->med >= d->target;
        snprintf(buf, len, "%s%s%s (target %s %g: %s%s%s)", b, v, b,
                 d->at_most ? "<=" : ">=", d->target, met ? "" : b, met ? "met" : "not met",
                 met ? "" : b);
    } else {
        snprintf(buf, len, "%s%s%s", b, v, b);
    }
    return buf;
}

void bench_print_workload(const bench_workload_t *w)
{
    char a[32], b[32], c[32], d[32], e[96];
    printf("\n%s: %lu steps x %zu units (dt %g), %.1f s\n", w->label, w->steps, w->p.n, w->p.dt,
           w->wall_s);
    int wl = 38; /* the label column: as wide as the longest label */
    for (size_t i = 0; i < w->n_rows; ++i)
        if (w->rows[i].status != ROW_SKIPPED && (int)strlen(w->rows[i].label) > wl)
            wl = (int)strlen(w->rows[i].label);
    printf("  %-*s %12s %10s %9s %9s  %s\n", wl, "implementation",
           w->kind == BENCH_KIND_CABLE ? "ns/comp-step" : "ns/unit-step", "min", "x hand", "x SIMD",
           "check");
    for (size_t i = 0; i < w->n_rows; ++i) {
        const bench_row_t *r = &w->rows[i];
        if (r->status == ROW_SKIPPED) {
            if (r->impl->own_noise || w->kind == BENCH_KIND_SIMULATORS ||
                w->kind == BENCH_KIND_CABLE) /* why a peer is not there */
                printf("  %-*s skipped: %s\n", wl, r->label, r->msg);
            continue;
        }
        if (r->status != ROW_OK) {
            printf("  %-*s %s\n", wl, r->label, r->msg);
            continue;
        }
        printf("  %-*s %12s %10s %9s %9s  %s", wl, r->label, report_num(a, sizeof a, r->med_ns),
               report_num(b, sizeof b, r->min_ns), report_ratio(c, sizeof c, r->med_ratio_hand),
               report_ratio(d, sizeof d, r->med_ratio_simd), report_check(e, sizeof e, r));
        if (w->kind == BENCH_KIND_CLI && isfinite(r->compile_s))
            printf("; start-up %.3f s = %.2f %% of the run", r->compile_s,
                   100.0 * r->compile_s / (1e-9 * r->med_ns * (double)w->p.n * (double)w->steps));
        else if (isfinite(r->compile_s))
            printf("; compile %.1f s", r->compile_s);
        printf("\n");
    }
    for (size_t i = 0; i < w->n_derived; ++i)
        printf("  => %s: %s\n", w->derived[i].label,
               report_derived(e, sizeof e, &w->derived[i], 0));
}

/* ---- JSON --------------------------------------------------------------------------------- */

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; ++s) {
        const unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

static void json_num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.17g", v);
    else
        fputs("null", f);
}

static void json_values(FILE *f, const bench_values_t *v)
{
    fputs("{\"first\": ", f);
    json_num(f, v->first);
    fputs(", \"last\": ", f);
    json_num(f, v->last);
    fputs(", \"mean\": ", f);
    json_num(f, v->mean);
    fputs(", \"spikes\": ", f);
    json_num(f, v->spikes);
    if (v->threads > 0.0)
        fprintf(f, ", \"threads\": %.0f", v->threads);
    fputc('}', f);
}

static void json_rounds(FILE *f, const double *v, unsigned n)
{
    fputc('[', f);
    for (unsigned i = 0; i < n; ++i) {
        if (i)
            fputs(", ", f);
        json_num(f, v[i]);
    }
    fputc(']', f);
}

static void json_problem(FILE *f, const bench_workload_t *w)
{
    static const char *const kinds[] = {"peers", "noisy_hh", "noise_cost", "simulators", "cli"};
    fputs("\"id\": ", f);
    json_str(f, w->id);
    fputs(", \"label\": ", f);
    json_str(f, w->label);
    fprintf(f, ", \"kind\": \"%s\", \"model\": \"%s\", \"scheme\": \"%s\", \"n\": %zu, \"dt\": ",
            kinds[w->kind], bench_model_name(w->p.model), bench_scheme_name(w->p.scheme), w->p.n);
    json_num(f, w->p.dt);
    fputs(", \"sigma\": ", f);
    json_num(f, w->p.sigma);
    fprintf(f, ", \"steps\": %lu, \"unit_steps\": %.0f", w->steps,
            (double)w->steps * (double)w->p.n);
}

static void json_stat(FILE *f, const bench_stat_t *st)
{
    fprintf(f, "{\"units\": %zu, \"steps\": %lu, \"short_steps\": %lu, \"tol_abs_z\": ", st->n,
            st->steps, st->short_steps);
    json_num(f, st->tol);
    fputs(", \"pairs\": \"[peer, dqhost]\"", f);
    const char *names[] = {"mean_V", "sd_V", "spikes_per_unit", "mean_dev", "sd_dev"};
    const double *v[] = {st->mean, st->sd, st->spikes, st->dev_mean, st->dev_sd};
    for (int i = 0; i < 5; ++i) {
        fprintf(f, ", \"%s\": [", names[i]);
        json_num(f, v[i][0]);
        fputs(", ", f);
        json_num(f, v[i][1]);
        fputc(']', f);
    }
    fputs(", \"z\": ", f);
    json_rounds(f, st->z, BENCH_STAT_Z);
    fputc('}', f);
}

static void json_derived(FILE *f, const bench_workload_t *w, unsigned rounds)
{
    fputs(", \"derived\": [", f);
    for (size_t i = 0; i < w->n_derived; ++i) {
        const bench_derived_t *d = &w->derived[i];
        fputs(i ? ",\n      {\"label\": " : "\n      {\"label\": ", f);
        json_str(f, d->label);
        fprintf(f, ", \"kind\": \"%s\", \"median\": ",
                d->kind == BENCH_DERIVED_RATIO ? "ratio_of_minima" : "ratio_of_differences");
        json_num(f, d->med);
        fputs(", \"median_numerator_ns\": ", f);
        json_num(f, d->med_top);
        fputs(", \"median_denominator_ns\": ", f);
        json_num(f, d->med_bottom);
        fputs(", \"target\": ", f);
        json_num(f, d->target);
        fprintf(f, ", \"target_is\": \"%s\", \"rounds\": ", d->at_most ? "at_most" : "at_least");
        json_rounds(f, d->v, rounds);
        fputc('}', f);
    }
    fputc(']', f);
}

int bench_write_json(const bench_run_t *run, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        return 1;
    }
    const bench_machine_t *m = &run->machine;
    fputs("{\n  \"machine\": {\"cpu\": ", f);
    json_str(f, m->cpu);
    fprintf(f, ", \"cores\": %ld, \"kernel\": ", m->cores);
    json_str(f, m->kernel);
    fputs(", \"cc\": ", f);
    json_str(f, m->cc);
    fputs(", \"cxx\": ", f);
    json_str(f, m->cxx);
    fputs(", \"libc\": ", f);
    json_str(f, m->glibc);
    fputs(", \"c_flags\": ", f);
    json_str(f, m->flags);
    fputs(", \"peers\": ", f);
    json_str(f, m->peers);
    fputs(", \"date\": ", f);
    json_str(f, m->date);
    fputs(", \"git\": ", f);
    json_str(f, m->git);
    fputs(", \"loadavg_1min\": ", f);
    json_num(f, m->loadavg);
    fputs(", \"simd_selftest\": ", f);
    json_str(f, m->simd_selftest);
    fprintf(f,
            "},\n  \"method\": {\"rounds\": %u, \"quick\": %s, \"warm_up_steps\": 2, "
            "\"statistic\": \"median over rounds; ratios are medians of per-round ratios\", "
            "\"unit\": \"ns per unit-step (one step of one neuron)\", "
            "\"hh_i_ext\": \"20 (i + 1/2) / N uA/cm^2\", \"total_s\": ",
            run->rounds, run->quick ? "true" : "false");
    json_num(f, run->total_s);
    fputs("},\n  \"workloads\": [", f);
    for (size_t i = 0; i < run->n_w; ++i) {
        const bench_workload_t *w = &run->w[i];
        fputs(i ? ",\n    {" : "\n    {", f);
        json_problem(f, w);
        fprintf(f, ", \"check_n\": %zu, \"check_steps\": %lu, \"wall_s\": ", w->check_n,
                w->check_steps);
        json_num(f, w->wall_s);
        if (w->kind == BENCH_KIND_CABLE) { /* its times are per compartment-step */
            fputs(", \"unit\": \"ns per compartment-step\", \"compartments_per_cell\": ", f);
            json_num(f, w->compartments);
        }
        fputs(", \"results\": [", f);
        int first = 1;
        for (size_t j = 0; j < w->n_rows; ++j) {
            const bench_row_t *r = &w->rows[j];
            fputs(first ? "\n      {" : ",\n      {", f);
            first = 0;
            fputs("\"impl\": ", f);
            json_str(f, r->impl->name);
            fputs(", \"label\": ", f);
            json_str(f, r->label);
            fprintf(f, ", \"model\": \"%s\", \"scheme\": \"%s\", \"sigma\": ",
                    bench_model_name(r->p.model), bench_scheme_name(r->p.scheme));
            json_num(f, r->p.sigma);
            fprintf(f, ", \"status\": \"%s\", \"message\": ", report_status_name(r->status));
            json_str(f, r->status == ROW_OK ? "" : r->msg);
            if (r->status == ROW_SKIPPED) {
                fputc('}', f);
                continue;
            }
            if (isfinite(r->compile_s)) {
                fputs(w->kind == BENCH_KIND_CLI ? ", \"startup_s\": " : ", \"compile_s\": ", f);
                json_num(f, r->compile_s);
            }
            if (r->ref_done) {
                fprintf(f,
                        ",\n       \"reference_check\": {\"reference\": \"hand rk4 at dt/%u\", "
                        "\"values\": ",
                        bench_sim_ref_substeps);
                json_values(f, &r->ref_vals);
                fputs(", \"max_abs_dV_mV\": ", f);
                json_num(f, r->ref_dv);
                fputs(", \"d_spikes\": ", f);
                json_num(f, r->ref_dspikes);
                fputs(", \"tol_mV\": ", f);
                json_num(f, bench_sim_tol_mv);
                fputs(", \"tol_spikes_rel\": ", f);
                json_num(f, bench_sim_tol_spikes);
                fputc('}', f);
            }
            if (r->check_det)
                fputs(", \"check_without_noise\": true", f);
            if (r->stat.done) {
                fputs(", \"statistical_check\": ", f);
                json_stat(f, &r->stat);
            }
            fprintf(f,
                    ",\n       \"check\": {\"ref_substeps\": %u, \"rel_err\": ", r->ref_substeps);
            json_num(f, r->check_err);
            fputs(", \"tol\": ", f);
            json_num(f, r->check_tol);
            fputs(", \"values\": ", f);
            json_values(f, &r->check_vals);
            fputc('}', f);
            if (r->status == ROW_OK) {
                fputs(",\n       \"ns_per_unit_step\": {\"median\": ", f);
                json_num(f, r->med_ns);
                fputs(", \"min\": ", f);
                json_num(f, r->min_ns);
                fputs(", \"rounds\": ", f);
                json_rounds(f, r->ns, run->rounds);
                fputs("},\n       \"ratio_hand\": ", f);
                json_num(f, r->med_ratio_hand);
                fputs(", \"ratio_hand_simd\": ", f);
                json_num(f, r->med_ratio_simd);
                fputs(", \"ratio_hand_rounds\": ", f);
                json_rounds(f, r->ratio_hand, run->rounds);
                fputs(",\n       \"timed_values\": ", f);
                json_values(f, &r->timed_vals);
                fputs(", \"timed_rel_dev_from_hand\": ", f);
                json_num(f, r->timed_dev);
            }
            fputc('}', f);
        }
        fputc(']', f);
        if (w->n_derived)
            json_derived(f, w, run->rounds);
        fputc('}', f);
    }
    fputs("\n  ]", f);
    if (run->cg) {
        fputs(",\n  \"callgrind\": {\"tool\": \"valgrind --tool=callgrind "
              "--toggle-collect=bench_measured_run\", \"workloads\": [",
              f);
        for (size_t i = 0; i < run->n_cg; ++i) {
            const bench_workload_t *w = &run->cg[i];
            fputs(i ? ",\n    {" : "\n    {", f);
            json_problem(f, w);
            fputs(", \"results\": [", f);
            int first = 1;
            for (size_t j = 0; j < w->n_rows; ++j) {
                const bench_row_t *r = &w->rows[j];
                if (r->status == ROW_SKIPPED)
                    continue;
                fputs(first ? "\n      {" : ",\n      {", f);
                first = 0;
                fputs("\"impl\": ", f);
                json_str(f, r->impl->name);
                fprintf(f, ", \"status\": \"%s\", \"message\": ", report_status_name(r->status));
                json_str(f, r->status == ROW_OK ? "" : r->msg);
                fputs(", \"ir\": ", f);
                json_num(f, r->ir);
                fputs(", \"ir_per_unit_step\": ", f);
                json_num(f, r->ir_per_unit_step);
                fputs(", \"ratio_hand\": ", f);
                json_num(f, r->ir_ratio_hand);
                fputs(", \"ratio_hand_simd\": ", f);
                json_num(f, r->ir_ratio_simd);
                fputc('}', f);
            }
            fputs("]}", f);
        }
        fputs("\n  ]}", f);
    }
    fputs("\n}\n", f);
    return fclose(f) != 0;
}

/* ---- Markdown ----------------------------------------------------------------------------- */

static void md_machine(FILE *f, const bench_run_t *run)
{
    const bench_machine_t *m = &run->machine;
    fprintf(f,
            "Measured %s on **%s**, %ld cores (%s), %s%s%s, %s, C flags `%s`. "
            "Peers: %s. dqhost at `%s`. Load average at the start: %.2f. SIMD self-test "
            "(NaN, infinities, ulp against the scalar functions): %s.\n\n",
            m->date, m->cpu, m->cores, m->kernel, m->cc, m->cxx[0] ? ", " : "", m->cxx, m->glibc,
            m->flags, m->peers[0] ? m->peers : "none", m->git[0] ? m->git : "?", m->loadavg,
            m->simd_selftest);
}

/* One line per workload of the peer suite, one column per implementation: "ns (× hand)". */
static void md_summary(FILE *f, const bench_run_t *run)
{
    const bench_impl_t *cols[BENCH_MAX_IMPLS];
    size_t n_cols = 0;
    for (size_t i = 0; i < run->n_w; ++i)
        for (size_t j = 0; j < run->w[i].n_rows && run->w[i].kind == BENCH_KIND_PEERS; ++j) {
            const bench_impl_t *impl = run->w[i].rows[j].impl;
            size_t k = 0;
            while (k < n_cols && cols[k] != impl)
                ++k;
            if (k == n_cols && n_cols < BENCH_MAX_IMPLS)
                cols[n_cols++] = impl;
        }
    fputs("ns per unit-step (× the hand-fused scalar loop); – where the implementation has no "
          "such scheme:\n\n| workload |",
          f);
    for (size_t k = 0; k < n_cols; ++k)
        fprintf(f, " %s |", cols[k]->label);
    fputs("\n|---|", f);
    for (size_t k = 0; k < n_cols; ++k)
        fputs("---:|", f);
    fputc('\n', f);
    for (size_t i = 0; i < run->n_w; ++i) {
        const bench_workload_t *w = &run->w[i];
        if (w->kind != BENCH_KIND_PEERS)
            continue;
        fprintf(f, "| %s |", w->label);
        for (size_t k = 0; k < n_cols; ++k) {
            const bench_row_t *r = NULL;
            for (size_t j = 0; j < w->n_rows; ++j)
                if (w->rows[j].impl == cols[k])
                    r = &w->rows[j];
            char a[32], b[32];
            if (!r || r->status == ROW_SKIPPED)
                fputs(" – |", f);
            else if (r->status != ROW_OK)
                fputs(" failed |", f);
            else if (r->impl == &bench_impl_hand)
                fprintf(f, " %s |", report_num(a, sizeof a, r->med_ns));
            else
                fprintf(f, " %s (×%s) |", report_num(a, sizeof a, r->med_ns),
                        report_ratio(b, sizeof b, r->med_ratio_hand));
        }
        fputc('\n', f);
    }
}

/* One workload's table (a row per implementation: ns, × hand, × hand SIMD, check, compile or
 * start-up) and its derived ratios. */
static void md_workload(FILE *f, const bench_workload_t *w)
{
    char a[32], b[32], c[32], d[160], s[32], e[96];
    const int cli = w->kind == BENCH_KIND_CLI;
    bench_group_digits(s, sizeof s, w->steps);
    fprintf(f,
            "\n### %s, %s steps\n\n| implementation | ns / %s | × hand | × hand SIMD | "
            "check | %s |\n|---|---:|---:|---:|---|---:|\n",
            w->label, s, w->kind == BENCH_KIND_CABLE ? "compartment-step" : "unit-step",
            cli ? "start-up (1-step run)" : "compile");
    for (size_t j = 0; j < w->n_rows; ++j) {
        const bench_row_t *r = &w->rows[j];
        if (r->status == ROW_SKIPPED) {
            if (r->impl->own_noise || w->kind == BENCH_KIND_SIMULATORS ||
                w->kind == BENCH_KIND_CABLE)
                fprintf(f, "| %s | skipped: %s | | | | |\n", r->label, r->msg);
            continue;
        }
        if (cli && isfinite(r->compile_s))
            snprintf(e, sizeof e, "%.3f s (%.2f %% of the run)", r->compile_s,
                     100.0 * r->compile_s / (1e-9 * r->med_ns * (double)w->p.n * (double)w->steps));
        else if (isfinite(r->compile_s))
            snprintf(e, sizeof e, "%.1f s", r->compile_s);
        else
            snprintf(e, sizeof e, "–");
        fprintf(f, "| %s | %s | %s | %s | %s | %s |\n", r->label,
                r->status == ROW_OK ? report_num(a, sizeof a, r->med_ns) : "–",
                report_ratio(b, sizeof b, r->med_ratio_hand),
                report_ratio(c, sizeof c, r->med_ratio_simd), report_check(d, sizeof d, r), e);
    }
    if (w->n_derived)
        fputc('\n', f);
    for (size_t k = 0; k < w->n_derived; ++k) {
        const bench_derived_t *dv = &w->derived[k];
        if (dv->kind == BENCH_DERIVED_DIFF_RATIO)
            fprintf(f, "- %s: %s; %s ns / %s ns per unit-step\n", dv->label,
                    report_derived(d, sizeof d, dv, 1), report_num(a, sizeof a, dv->med_top),
                    report_num(b, sizeof b, dv->med_bottom));
        else
            fprintf(f, "- %s: %s\n", dv->label, report_derived(d, sizeof d, dv, 1));
    }
}

/* The noise rows (issue #11): one table per workload, its derived ratios, and what the
 * statistical check of each Brian2 row found. */
static void md_noise(FILE *f, const bench_run_t *run)
{
    fputs("\n## Noise (issue #11)\n\n"
          "Noisy HH: the population above with input noise σ = 2 µA/cm²·√ms (V's diffusion "
          "σ/C), Euler–Maruyama with dqhost's keyed noise (seed 1), beside `euler` on the same "
          "model (the noise ignored: the drift's cost alone) and Brian2 on the same equations "
          "with its own noise. × hand compares with the hand-fused loop of the same scheme "
          "(the EM hand loops draw dqhost's normals with the host's own generator, four steps "
          "per Philox call as the host does). Brian2 times are its own measurement of the "
          "stepping loop (start-up, code generation and compilation not counted; the compile "
          "time of its first, fresh build is given apart). Brian2 is checked without noise "
          "against the hand loop to the last digits, then with noise statistically against "
          "dqhost, unit by unit (same I_ext, independent noise): z-scores of the paired "
          "differences of V, (V − mean)² and the spike count at t = 20 ms, and of the noise's "
          "part V(σ) − V(0) and its square at t = 1 ms.\n\n"
          "Noise cost: ou (θ = 1, μ = 0, σ = 0.5, dt = 1 ms) with `euler` (noise ignored) and "
          "`euler_maruyama`, the decay (τ = 10 s, dt = 1 µs) with `euler` and `midpoint`; the "
          "ratio (ou EM − ou euler) / (decay midpoint − decay euler) is the cost of the noise "
          "(normals, g, the g dW term) in units of one more drift evaluation of the cheapest "
          "model, formed from one round's times, median over rounds.\n",
          f);
    for (size_t i = 0; i < run->n_w; ++i) {
        const bench_workload_t *w = &run->w[i];
        if (w->kind != BENCH_KIND_NOISY_HH && w->kind != BENCH_KIND_NOISE_COST)
            continue;
        md_workload(f, w);
        int head = 0;
        for (size_t j = 0; j < w->n_rows; ++j) {
            const bench_row_t *r = &w->rows[j];
            const bench_stat_t *st = &r->stat;
            if (!st->done)
                continue;
            if (!head++)
                fprintf(f,
                        "\nStatistical check, Brian2 vs dqhost on %zu units (V in mV; every "
                        "|z| must be at most %g):\n\n",
                        st->n, st->tol);
            fprintf(f,
                    "- %s: at t = %g ms V's mean %.2f vs %.2f, SD %.2f vs %.2f, spikes per unit "
                    "%.3f vs %.3f (z %.2f, %.2f, %.2f); the noise's part V(σ) − V(0) at t = %g "
                    "ms: mean %.3f vs %.3f, SD %.3f vs %.3f (z %.2f, %.2f)\n",
                    r->label, r->p.dt * (double)st->steps, st->mean[0], st->mean[1], st->sd[0],
                    st->sd[1], st->spikes[0], st->spikes[1], st->z[0], st->z[1], st->z[2],
                    r->p.dt * (double)st->short_steps, st->dev_mean[0], st->dev_mean[1],
                    st->dev_sd[0], st->dev_sd[1], st->z[3], st->z[4]);
        }
    }
}

/* Issue #14: NEURON and Brian2 beside dqhost, and the command line. */
static void md_sims(FILE *f, const bench_run_t *run)
{
    fprintf(f,
            "\n## Neuron simulators and the command line (issue #14)\n\n"
            "NEURON and Brian2 on the same HH population (hh.mod's constants and rates are "
            "hh_eq.h's, checked by the script; el = −54.387 mV, celsius = 6.3 so q10 = 1; I_ext "
            "by an IClamp on a 10⁻³ cm² cell, nA = µA/cm²): NEURON's fixed step (cvode off, "
            "secondorder 0: backward Euler on V, the gates by cnexp half a step apart) beside "
            "dqhost's `ind_exp_euler` and `backward_euler`; Brian2's `exponential_euler` "
            "(cpp_standalone and cython) beside `ind_exp_euler`, its `rk4` (cython) beside "
            "`rk4`. Their times are their own measurement of the stepping loop alone "
            "(NEURON: `ParallelContext.psolve` after `finitialize`; Brian2 as in the noise rows; "
            "compile time apart). The schemes differ, so each row is checked against a reference "
            "solution, the hand rk4 loop at dt/%u, on 1 000 neurons after 10 ms: V(t_end) of "
            "neuron 0, neuron N − 1 and the mean within %g mV, the spike count within %g %%; "
            "rows with the same arithmetic as a hand loop (ind_exp_euler and Brian2's "
            "exponential_euler, rk4) must also agree with it to 10⁻⁹ relative (\"same "
            "scheme\").\n\n"
            "Command line: `dqhost run SPEC --threads 1` (model hh with the population's I_ext, "
            "no output file: the summary only) and a hand-written SIMD program "
            "(`dq_bench_hand_cli`, the SIMD loops above as an executable), each timed as a whole "
            "process, start-up included; the start-up column is the median of three runs of "
            "one step, and its share of the timed run.\n",
            bench_sim_ref_substeps, bench_sim_tol_mv, 100.0 * bench_sim_tol_spikes);
    for (size_t i = 0; i < run->n_w; ++i)
        if (run->w[i].kind == BENCH_KIND_SIMULATORS || run->w[i].kind == BENCH_KIND_CLI)
            md_workload(f, &run->w[i]);
}

/* The cable rows (issue #13): what they run, then a table per workload. */
static void md_cable(FILE *f, const bench_run_t *run)
{
    fprintf(f,
            "\n## Cable (issue #13)\n\n"
            "A reconstructed pyramidal cell (`examples/pyramid.swc`, NEURON's demo cell), "
            "d_lambda 0.1 at 100 Hz (153 compartments), the `cell` model (hh in the soma, pas "
            "elsewhere; cm 1 µF/cm², Ra 35.4 Ω·cm, v_init −65 mV), %d current pulses of %g nA "
            "for %g ms every %g ms from t = %g ms at soma(0.5), dt = %g ms, one thread: "
            "dqhost's `staggered` through `dq_system_step` and `dq_system_run` beside NEURON "
            "8.2's fixed step (`secondorder` 0, `cache_efficient`, Import3d of the same file, "
            "the same rule; `bench/peers/neuron_cable.py`, timing `psolve` alone) with and "
            "without hh's rate tables. n = 1 000 is 1 000 copies in one population (dqhost) "
            "or one process (NEURON). Time per compartment-step (segments; dqhost's zero-area "
            "junctions are not counted, as NEURON's own are not). Before timing, each row's "
            "soma spike times of cell 0 over 100 ms must be within %g ms of NEURON's without "
            "tables (which computes the rates as dqhost does), with the same spike count and "
            "compartments. Issue #13's target: NEURON / dqhost >= 2.\n",
            CABLE_PULSES, CABLE_AMP, CABLE_DUR, CABLE_PERIOD, CABLE_DELAY, CABLE_DT,
            bench_cable_tol_ms);
    for (size_t i = 0; i < run->n_w; ++i)
        if (run->w[i].kind == BENCH_KIND_CABLE)
            md_workload(f, &run->w[i]);
}

int bench_write_markdown(const bench_run_t *run, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        return 1;
    }
    char a[32], b[32], c[32], d[160], s[32];
    size_t n_peers = 0;
    for (size_t i = 0; i < run->n_w; ++i)
        n_peers += run->w[i].kind == BENCH_KIND_PEERS;
    fprintf(f, "# dqhost benchmark%s\n\n", run->quick ? " (quick smoke run: not for quoting)" : "");
    md_machine(f, run);
    if (n_peers) {
        fprintf(f,
                "Time per unit-step (one step of one neuron), median of %u interleaved "
                "round%s; × hand = median over rounds of the time divided by the hand-fused "
                "loop's in the same round (scalar glibc `exp`, and SIMD `exp` from libmvec). "
                "HH at dt = 0.01 ms, I_ext = 20 (i + ½)/N µA/cm², V(0) = −65 mV, gates at rest; "
                "every implementation first reproduced the hand loop's V(t_end) on a "
                "1 000-step check run (the check column gives the relative difference).\n\n",
                run->rounds, run->rounds == 1 ? "" : "s");
        md_summary(f, run);
        fputs("\nIn detail, with the agreement of V(t_end) on the check run:\n\n"
              "| workload | steps | implementation | ns / unit-step | × hand | × hand SIMD | "
              "check |\n|---|---:|---|---:|---:|---:|---|\n",
              f);
        for (size_t i = 0; i < run->n_w; ++i) {
            const bench_workload_t *w = &run->w[i];
            for (size_t j = 0; j < w->n_rows && w->kind == BENCH_KIND_PEERS; ++j) {
                const bench_row_t *r = &w->rows[j];
                if (r->status == ROW_SKIPPED)
                    continue;
                bench_group_digits(s, sizeof s, w->steps);
                fprintf(f, "| %s | %s | %s | %s | %s | %s | %s |\n", w->label, s, r->label,
                        report_num(a, sizeof a, r->med_ns),
                        report_ratio(b, sizeof b, r->med_ratio_hand),
                        report_ratio(c, sizeof c, r->med_ratio_simd), report_check(d, sizeof d, r));
            }
        }
        fputs("\nNot every peer has every scheme: GSL odeiv2 has no explicit Euler, and its "
              "`rk4` estimates its error by step doubling (11 right-hand-side evaluations a "
              "step, returning two half steps, so it is checked against the hand loop at "
              "dt/2); exponential Euler schemes are dqhost's and the hand loops' only.\n",
              f);
    }
    size_t n_noise = 0, n_sims = 0;
    for (size_t i = 0; i < run->n_w; ++i) {
        n_noise += run->w[i].kind == BENCH_KIND_NOISY_HH || run->w[i].kind == BENCH_KIND_NOISE_COST;
        n_sims += run->w[i].kind == BENCH_KIND_SIMULATORS || run->w[i].kind == BENCH_KIND_CLI;
    }
    if (n_noise)
        md_noise(f, run);
    if (n_sims)
        md_sims(f, run);
    for (size_t i = 0; i < run->n_w; ++i)
        if (run->w[i].kind == BENCH_KIND_CABLE) {
            md_cable(f, run);
            break;
        }
    int notes = 0;
    for (size_t i = 0; i < run->n_w; ++i)
        for (size_t j = 0; j < run->w[i].n_rows; ++j) {
            const bench_row_t *r = &run->w[i].rows[j];
            if (r->status != ROW_CHECK_FAILED && r->status != ROW_FAILED)
                continue;
            if (!notes++)
                fputs("\nRows left out of the timing:\n\n", f);
            fprintf(f, "- %s, %s: %s\n", run->w[i].label, r->label, r->msg);
        }
    if (run->cg) {
        fputs("\n## Instruction counts (callgrind)\n\n"
              "`valgrind --tool=callgrind`, counting only inside the measured call: "
              "instructions (Ir) per unit-step, and the ratio to the hand-fused loops. "
              "Noise-free, but blind to memory traffic and to instruction cost (a vector "
              "`exp` counts like a few scalar instructions). Valgrind has no AVX-512, so here "
              "the hand SIMD loops and dqhost's SIMD plugins both run their AVX2 clones.\n\n"
              "| workload | steps | implementation | Ir / unit-step | × hand | × hand SIMD |\n"
              "|---|---:|---|---:|---:|---:|\n",
              f);
        for (size_t i = 0; i < run->n_cg; ++i) {
            const bench_workload_t *w = &run->cg[i];
            for (size_t j = 0; j < w->n_rows; ++j) {
                const bench_row_t *r = &w->rows[j];
                if (r->status == ROW_SKIPPED)
                    continue;
                bench_group_digits(s, sizeof s, w->steps);
                if (r->status != ROW_OK) {
                    fprintf(f, "| %s | %s | %s | failed: %s | | |\n", w->label, s, r->impl->label,
                            r->msg);
                    continue;
                }
                fprintf(f, "| %s | %s | %s | %s | %s | %s |\n", w->label, s, r->impl->label,
                        report_num(a, sizeof a, r->ir_per_unit_step),
                        report_ratio(b, sizeof b, r->ir_ratio_hand),
                        report_ratio(c, sizeof c, r->ir_ratio_simd));
            }
        }
    }
    return fclose(f) != 0;
}
