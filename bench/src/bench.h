/* SPDX-License-Identifier: MIT */
/* bench.h -- the interface every benchmarked implementation exposes to the harness.
 *
 * A problem is a model (HH population, decay, Ornstein-Uhlenbeck), a scheme, a population
 * size, a step and a noise amplitude. An implementation builds its state for a problem (setup),
 * advances it by a number of steps (run: the only timed call), reports V (or y) of the first and
 * last unit, the mean over units and the spike count (read), and frees everything (teardown). Every
 * implementation integrates the same equations (plugins/models/hh_eq.h) from the same
 * initial state (workload.h). */
#ifndef BENCH_H
#define BENCH_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum bench_model {
    BENCH_HH = 0,
    BENCH_DECAY,
    BENCH_OU,
    BENCH_LORENZ,
    BENCH_CABLE /* n copies of a pyramidal cell, the `cell` model (cable_rows.c) */
} bench_model_t;
typedef enum bench_scheme {
    BENCH_EULER = 0,
    BENCH_RK4,
    BENCH_IND_EXP_EULER,  /* per-state exponential Euler (Rush-Larsen on the gates) */
    BENCH_EXP_EULER,      /* coupled exponential Euler (per-unit 4x4 Jacobian) */
    BENCH_EM,             /* Euler-Maruyama (issue #11's noise rows) */
    BENCH_MIDPOINT,       /* explicit midpoint: euler plus one drift evaluation (noise cost) */
    BENCH_BACKWARD_EULER, /* linearly implicit backward Euler (issue #14's simulator rows) */
    BENCH_NEURON_FIXED,   /* NEURON's fixed step: V by backward Euler, staggered cnexp gates */
    BENCH_STAGGERED,      /* dqhost's cable solver of that scheme (the cable rows) */
    BENCH_N_SCHEMES
} bench_scheme_t;
/* The schemes of the HH peer suite: the first four. */
#define BENCH_N_HH_SCHEMES 4

typedef struct bench_problem {
    bench_model_t model;
    bench_scheme_t scheme;
    size_t n;  /* units (1 for decay) */
    double dt; /* ms for HH, s for decay and ou */
    /* Noise: hh's sigma (uA/cm^2 sqrt(ms), V's diffusion sigma/C), ou's sigma; 0 for none.
     * Every implementation that draws dqhost's noise uses the seed BENCH_SEED. */
    double sigma;
} bench_problem_t;

#define BENCH_SPIKE_TIMES 16

typedef struct bench_values {
    double first;   /* V (y) of unit 0 */
    double last;    /* V (y) of unit n-1 */
    double mean;    /* mean of V (y) over the units */
    double spikes;  /* upward crossings of 0 mV summed over units (0 for decay) */
    double threads; /* threads that stepped the population (dqhost), else 0 */
    /* Cable workloads: the soma spike times of cell 0 (the first BENCH_SPIKE_TIMES; ms) and
     * the compartments of a cell (segments, junctions left out). */
    double spike_t[BENCH_SPIKE_TIMES];
    int n_spike_t;
    double compartments;
} bench_values_t;

#define BENCH_MSG_MAX 512

typedef struct bench_impl {
    const char *name;  /* short id: hand, hand_simd, dqhost, boost, sundials, gsl */
    const char *label; /* for tables */
    /* 1 when the implementation has this problem's scheme; else 0 and a reason in msg. */
    int (*supports)(const bench_problem_t *p, char *msg, size_t len);
    /* The reference to check against runs `substeps` steps of dt/substeps per step of this
     * implementation (2 for GSL's rk4, which returns two half steps). */
    unsigned (*ref_substeps)(const bench_problem_t *p);
    /* Builds the initial state; NULL with a message on failure. */
    void *(*setup)(const bench_problem_t *p, char *msg, size_t len);
    /* Advances by `steps` steps; 0, or nonzero with a message. */
    int (*run)(void *state, unsigned long steps, char *msg, size_t len);
    void (*read)(const void *state, bench_values_t *out);
    void (*teardown)(void *state);
    /* Optional (NULL: none). V (y) of every unit into v[0..n), and its spike count into
     * spikes[0..n) (0 for models without spikes), for the statistical check. */
    int (*read_all)(const void *state, double *v, double *spikes, size_t n);
    /* Optional: a peer in another process runs `warm` untimed and `steps` timed steps in one
     * go (instead of two run calls) and measures the timed part itself, leaving out its
     * start-up and compilation; the seconds go to *seconds, its compile time (or NAN) to
     * *compile_s. */
    int (*run_self_timed)(void *state, unsigned long warm, unsigned long steps, double *seconds,
                          double *compile_s, char *msg, size_t len);
    /* Nonzero: draws its own noise, not dqhost's. On a noisy problem it is checked without
     * noise to the last digits and with noise statistically (main.c). */
    int own_noise;
} bench_impl_t;

/* Implementations (hand_scalar.c, hand_simd.c, impl_*.c). */
extern const bench_impl_t bench_impl_hand;
extern const bench_impl_t bench_impl_hand_simd;
extern const bench_impl_t bench_impl_dqhost;
extern const bench_impl_t bench_impl_dqhost_run1;
extern const bench_impl_t bench_impl_dqhost_mt;
#ifdef BENCH_HAVE_BOOST
extern const bench_impl_t bench_impl_boost;
const char *bench_boost_version(void);
#endif
#ifdef BENCH_HAVE_SUNDIALS
extern const bench_impl_t bench_impl_sundials;
const char *bench_sundials_version(void);
#endif
#ifdef BENCH_HAVE_GSL
extern const bench_impl_t bench_impl_gsl;
const char *bench_gsl_version(void);
#endif
/* Brian2 (peer_brian2.c, bench/peers/brian2_noisy_hh.py): cpp_standalone on one thread and
 * with OpenMP on every core, and the cython runtime target. */
extern const bench_impl_t bench_impl_brian2_cpp;
extern const bench_impl_t bench_impl_brian2_omp;
extern const bench_impl_t bench_impl_brian2_cython;
/* Sets the Python that runs Brian2 ("" or NULL: the Brian2 rows are skipped). */
void bench_brian2_configure(const char *python);
/* Brian2's version, or NULL when it cannot be run (the reason in msg). */
const char *bench_brian2_version(char *msg, size_t len);
/* Removes the temporary build directories. */
void bench_brian2_cleanup(void);

/* NEURON (peer_neuron.c, bench/peers/neuron_hh.py): N single-compartment cells with hh, fixed
 * step, with hh.mod's rate tables (NEURON's default) and without. On BENCH_CABLE the same two
 * rows run bench/peers/neuron_cable.py: n copies of the pyramidal cell. */
extern const bench_impl_t bench_impl_neuron;
extern const bench_impl_t bench_impl_neuron_exact;
/* Sets the Python that runs NEURON ("" or NULL: the NEURON rows are skipped). */
void bench_neuron_configure(const char *python);
/* NEURON's version, or NULL when it cannot be run (the reason in msg). */
const char *bench_neuron_version(char *msg, size_t len);

/* The command-line rows (peer_cli.c): whole processes, start-up included -- `dqhost run SPEC
 * --threads 1` and dq_bench_hand_cli, the hand-fused SIMD loops as a program of their own. */
extern const bench_impl_t bench_impl_cli_hand;
extern const bench_impl_t bench_impl_cli_dqhost;
/* Removes the temporary specs. */
void bench_cli_cleanup(void);

/* Checks that the SIMD build's vector exp/expm1 keep NaN and infinities and agree with the
 * scalar functions to a few ulp; 0, or nonzero with a message. (hand_simd.c) */
int bench_simd_selftest(char *msg, size_t len);
/* The instruction set whose clone of the SIMD loops runs on this machine. (hand_simd.c) */
const char *bench_simd_isa(void);
/* Frees the plugin registry and loader shared by dqhost problems. (impl_dqhost.c) */
void bench_dqhost_cleanup(void);

const char *bench_scheme_name(bench_scheme_t s);

#ifdef __cplusplus
}
#endif

#endif
