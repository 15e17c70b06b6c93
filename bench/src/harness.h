/* SPDX-License-Identifier: MIT */
/* harness.h -- workloads, per-implementation results and the machine record, shared by the
 * harness (main.c), the reports (report.c) and the instruction counts (callgrind.c). */
#ifndef BENCH_HARNESS_H
#define BENCH_HARNESS_H

#include <stddef.h>

#include "bench.h"

#define BENCH_MAX_ROUNDS 32
#define BENCH_MAX_IMPLS 12
#define BENCH_MAX_ROWS 16
#define BENCH_MAX_WORKLOADS 32
#define BENCH_MAX_DERIVED 8

enum bench_status {
    ROW_OK = 0,       /* checked and timed */
    ROW_SKIPPED,      /* the implementation has no such scheme (msg says why) */
    ROW_CHECK_FAILED, /* V(t_end) disagreed with the reference: not timed */
    ROW_FAILED        /* set-up or a step failed */
};

/* The statistical check of a peer that draws its own noise, against dqhost on check_n units,
 * unit by unit (unit i has the same I_ext in both; the pairs are independent), z-scores of
 * the paired differences:
 *  - after `steps` steps (t = 20 ms): of V (the means agree), of (V - mean)^2 (the variances
 *    agree), of the spike counts;
 *  - after `short_steps` steps (t = 1 ms, before noise-driven spikes): of the deviation
 *    e = V(sigma) - V(0) from each one's own noiseless run, and of (e - mean)^2: the noise's
 *    amplitude, without the spread that I_ext gives V. */
#define BENCH_STAT_Z 5
typedef struct bench_stat {
    int done;
    size_t n;
    unsigned long steps, short_steps;
    double mean[2], sd[2], spikes[2]; /* V at t_end, spikes per unit; [0] the peer, [1] dqhost */
    double dev_mean[2], dev_sd[2];    /* e after short_steps */
    double z[BENCH_STAT_Z];           /* V mean, V variance, spikes; e mean, e variance */
    double tol;                       /* every |z| must be at most this */
} bench_stat_t;

/* One implementation on one problem of a workload (the workload's, or a variant of it). */
typedef struct bench_row {
    const bench_impl_t *impl;
    bench_problem_t p;
    char label[112];
    enum bench_status status;
    char msg[BENCH_MSG_MAX];
    /* the check run against the hand scalar loop */
    unsigned ref_substeps;
    double check_err, check_tol;
    bench_values_t check_vals;
    int check_det; /* the check ran without noise (a peer with its own noise) */
    bench_stat_t stat;
    /* timing */
    bench_values_t timed_vals;           /* after the first round's timed run */
    double timed_dev;                    /* relative deviation from the hand loop's; NAN when n/a */
    double ns[BENCH_MAX_ROUNDS];         /* ns per unit-step, per round */
    double ratio_hand[BENCH_MAX_ROUNDS]; /* / hand scalar in the same round */
    double ratio_simd[BENCH_MAX_ROUNDS]; /* / hand SIMD in the same round (NAN: none) */
    double med_ns, min_ns, med_ratio_hand, med_ratio_simd;
    double compile_s; /* a peer's compile time (its first, fresh build), else NAN; for the
                       * command-line rows the start-up (a one-step run), largest over rounds */
    /* The simulator rows' check against the reference solution (sim_rows.c) */
    int ref_done;
    bench_values_t ref_vals; /* the reference's values */
    double ref_dv;           /* max |V - V_ref| over unit 0, unit N-1 and the mean (mV) */
    double ref_dspikes;      /* spikes - the reference's spikes */
    /* callgrind */
    double ir; /* instructions in the measured run; NAN if none */
    double ir_per_unit_step, ir_ratio_hand, ir_ratio_simd;
} bench_row_t;

enum bench_kind {
    BENCH_KIND_PEERS,      /* one problem, every implementation that has it */
    BENCH_KIND_NOISY_HH,   /* HH with noise: EM rows, euler rows on the same model, Brian2 */
    BENCH_KIND_NOISE_COST, /* ou euler / EM and decay euler / midpoint: what the noise costs */
    BENCH_KIND_SIMULATORS, /* issue #14: NEURON and Brian2 beside dqhost, checked vs a reference */
    BENCH_KIND_CLI,  /* issue #14: whole processes, dqhost run beside a hand-written program */
    BENCH_KIND_CABLE /* issue #13: a pyramidal cell, dqhost staggered beside NEURON */
};

/* A number made of several rows' times in the same round, its median over rounds reported.
 * RATIO: min over num rows / min over den rows. DIFF_RATIO: (num[0] - num[1]) /
 * (den[0] - den[1]). Indices into the workload's rows. */
enum bench_derived_kind { BENCH_DERIVED_RATIO, BENCH_DERIVED_DIFF_RATIO };
typedef struct bench_derived {
    char label[200];
    enum bench_derived_kind kind;
    int num[4], n_num, den[4], n_den;
    double target; /* NAN: none */
    int at_most;   /* 1: the value should be <= target; 0: >= */
    double v[BENCH_MAX_ROUNDS];
    double med;
    double med_top, med_bottom; /* medians of the numerator and denominator (ns) */
} bench_derived_t;

typedef struct bench_workload {
    char id[48];    /* "hh/n=1000/rk4", "decay/euler": what --only and --child take */
    char label[96]; /* "HH N=1 000, rk4" */
    enum bench_kind kind;
    bench_problem_t p;
    unsigned long steps; /* timed steps */
    size_t check_n;      /* units in the check run */
    unsigned long check_steps;
    bench_row_t rows[BENCH_MAX_ROWS];
    size_t n_rows;
    bench_derived_t derived[BENCH_MAX_DERIVED];
    size_t n_derived;
    double wall_s; /* time the workload took, checks included */
    /* Cable workloads: compartments per cell; times are then per compartment-step */
    double compartments;
} bench_workload_t;

typedef struct bench_machine {
    char cpu[128];
    long cores;
    char kernel[200];
    char cc[64];  /* compiler of the C parts */
    char cxx[64]; /* compiler of the C++ part, or "" */
    char glibc[32];
    char date[32]; /* UTC, ISO 8601 */
    char git[96];  /* --git, e.g. "b1fb532-dirty" */
    char flags[256];
    char peers[256];
    double loadavg;
    char simd_selftest[BENCH_MSG_MAX]; /* "ok" or what the SIMD self-test found */
} bench_machine_t;

typedef struct bench_run {
    bench_machine_t machine;
    unsigned rounds;
    int quick;
    bench_workload_t *w;
    size_t n_w;
    bench_workload_t *cg; /* callgrind workloads, or NULL */
    size_t n_cg;
    double total_s;
} bench_run_t;

/* main.c */
double bench_median(const double *v, size_t n);
double bench_rel_dev(const bench_values_t *a, const bench_values_t *b);
const char *bench_model_name(bench_model_t m);
/* v with a space between groups of three digits ("20 000"). */
void bench_group_digits(char *out, size_t len, unsigned long v);

/* Set-up, `warm` untimed steps, `steps` timed steps, read, teardown (main.c). */
int bench_run_once(const bench_impl_t *impl, const bench_problem_t *p, unsigned long warm,
                   unsigned long steps, bench_values_t *out, double *seconds, double *compile_s,
                   double *const *all, char *msg, size_t len);
/* The hand scalar loop's values after `steps` steps of p, cached. */
int bench_reference(const bench_problem_t *p, unsigned long steps, bench_values_t *out, char *msg,
                    size_t len);
bench_row_t *bench_row_add(bench_workload_t *w, const bench_impl_t *impl, const bench_problem_t *p,
                           const char *label);
int bench_row_index(const bench_workload_t *w, const bench_impl_t *impl, bench_scheme_t scheme,
                    bench_model_t model);
bench_derived_t *bench_derived_add(bench_workload_t *w, enum bench_derived_kind kind, double target,
                                   int at_most, const char *label);

/* 1 when the workload id contains one of the comma-separated ids of --only (or no --only). */
int bench_selected(const char *id, const char *only);

/* sim_rows.c: issue #14's workloads -- NEURON and Brian2 beside dqhost (hh-sim/n=N) and the
 * command line (cli/n=N/SCHEME). Appends the selected ones to w (f scales the steps; quick:
 * N = 1 000 only) and returns how many. */
size_t bench_make_sim_workloads(bench_workload_t *w, int quick, double f, const char *only);
void bench_rows_sim(bench_workload_t *w);
/* Adds impl on the workload's problem with `scheme`, labelled "IMPL, WHAT"; its index. */
int bench_sim_row(bench_workload_t *w, const bench_impl_t *impl, bench_scheme_t scheme,
                  const char *what);
/* Names NEURON (or why it cannot run) among the peers when a simulator workload is selected. */
void bench_sim_peers(bench_run_t *run);
void bench_rows_cli(bench_workload_t *w);
/* The check of a simulator row: to rounding against the hand loop of its scheme where there
 * is one, and against the reference solution (hand rk4 at dt/100) to a stated tolerance. */
void bench_sim_check(const bench_workload_t *w, bench_row_t *r);
/* The reference's tolerances, for the reports. */
extern const double bench_sim_tol_mv, bench_sim_tol_spikes;
extern const unsigned bench_sim_ref_substeps;

/* cable_rows.c: issue #13's workloads cable/pyramid/n=1 and n=1000 (dqhost staggered,
 * dq_system_step and dq_system_run on one thread, beside NEURON's fixed step with and
 * without rate tables), their rows, and the check: every row's soma spike times of cell 0
 * within bench_cable_tol_ms of NEURON's (dqhost's step row when NEURON is off), the same
 * spike count, the same compartments. */
size_t bench_make_cable_workloads(bench_workload_t *w, int quick, double f, const char *only);
void bench_rows_cable(bench_workload_t *w);
void bench_cable_check(bench_workload_t *w);
extern const double bench_cable_tol_ms;

/* The measured call, out of line so that callgrind can count inside it alone. */
int bench_measured_run(const bench_impl_t *impl, void *state, unsigned long steps, char *msg,
                       size_t len);

/* report.c */
void bench_machine_fill(bench_machine_t *m, const char *git);
void bench_print_workload(const bench_workload_t *w);
int bench_write_json(const bench_run_t *run, const char *path);
int bench_write_markdown(const bench_run_t *run, const char *path);

/* callgrind.c: runs each row of `w` once under valgrind --tool=callgrind; 0 on success. */
int bench_callgrind(bench_workload_t *w, size_t n_w, const char *self, const char *tmpdir);
/* The child side: runs one implementation once with the measured call marked. */
int bench_callgrind_child(const bench_workload_t *w, const bench_impl_t *impl);

#endif
