/* SPDX-License-Identifier: MIT */
/* run_mpi.h -- `mpirun -np K dqhost run`: the population split across MPI ranks (run_mpi.c,
 * built with -DDQ_MPI=ON; without it the inline stubs below make every run one rank).
 *
 * Every rank reads the spec, loads its plugins and builds a system of its contiguous share
 * of the units (whole blocks, balanced to within one block), whose noise and messages use
 * the global unit (dq_system_set_unit_offset). Only rank 0 prints and writes files; the
 * other ranks' stderr is kept in a temporary file and shown by rank 0 only when that rank
 * failed alone. The ranks meet at fixed points, in the same order on every rank:
 *   - the gate before the run (run_mpi_gate): a failure anywhere before it (spec, plugins,
 *     parameters, output files) stops every rank with one message and one exit status;
 *   - after every chunk of steps (run_mpi_chunk): the ranks' status, the chunk size and a
 *     signal are agreed; a failure is broadcast from the rank of the earliest one;
 *   - at every sample (run_mpi_sample) and after every chunk (run_mpi_spikes), values and
 *     spikes are gathered to rank 0, which writes them in unit order;
 *   - at the end (run_mpi_final): the final values and counts for the summary.
 * Nothing else is exchanged, so a run whose output is small communicates only at samples. */
#ifndef DQ_CLI_RUN_MPI_H
#define DQ_CLI_RUN_MPI_H

#include <stddef.h>
#include <stdint.h>

#include "run.h"

/* This rank's units of the population. A rank with no units (more ranks than blocks) steps
 * a copy of unit 0 and contributes nothing. */
typedef struct run_share {
    size_t first, count, total;
} run_share_t;

/* The agreed outcome of a chunk of steps. */
typedef struct run_chunk_status {
    int failed;     /* some rank failed: err holds the earliest failure's message */
    int signal;     /* a signal some rank caught (0: none) */
    double took;    /* the slowest rank's time for the chunk */
    dq_error_t err; /* valid on every rank when failed */
} run_chunk_status_t;

/* One process's chunk status (without MPI, or started without mpirun). */
static inline void run_chunk_local(run_chunk_status_t *st, int rc, const dq_error_t *err, int sig,
                                   double took)
{
    st->failed = rc != 0;
    st->signal = sig;
    st->took = took;
    if (rc)
        st->err = *err;
}

#ifdef DQ_MPI
/* Starts MPI when the process was started by mpirun (or another PMI launcher); else nothing
 * changes. Call before the plugins are loaded. */
void run_mpi_begin(void);
/* Ends MPI: a rank that did not reach the gate passes its status there; every rank then
 * returns rank 0's exit status. Without MPI returns rc. */
int run_mpi_end(int rc);
int run_mpi_rank(void);
int run_mpi_size(void);
/* The gate before the run: rc is this rank's status. Returns the run's status, the same on
 * every rank (the lowest failing rank's); a failure on another rank than 0 is printed by
 * rank 0 from that rank's stderr. */
int run_mpi_gate(int rc);
/* This rank's share of a population of `total` units in blocks of `block` units. */
void run_mpi_share(run_share_t *sh, size_t total, size_t block);
/* After a chunk: this rank's status (rc != 0: err filled), its signal and its time.
 * `adaptive`: failures are compared by rank only (else by time, then rank). */
void run_mpi_chunk(run_chunk_status_t *st, int rc, const dq_error_t *err, int sig, double took,
                   int adaptive);
/* Gathers the recorded values of the sample to rank 0, which writes it with rec (NULL on
 * the other ranks). DQ_OK or rank 0's write error. */
int run_mpi_sample(dq_recorder_t *rec, const dq_system_t *sys, const run_share_t *sh,
                   dq_error_t *err);
/* Takes this rank's spikes and gathers them to rank 0, which writes them in the order of
 * (time, global unit, event). DQ_OK or rank 0's write error (or DQ_ENOMEM). */
int run_mpi_spikes(run_spikes_t *sp, dq_system_t *sys, const run_share_t *sh, dq_error_t *err);
/* The recorder's source of values on rank 0 (dq_record_opts_t.value): the units of every
 * rank, from the last run_mpi_sample. Sets opts->value/value_user/units_total. -1 when out of
 * memory, -2 when DQHOST_MPI_IO is neither gather nor parallel (both reported). */
int run_mpi_record_opts(dq_record_opts_t *opts, const dq_system_t *sys, const run_share_t *sh);
/* Whether the HDF5 trajectory is written by every rank into one file (parallel HDF5,
 * DQHOST_MPI_IO=parallel; known after run_mpi_record_opts). */
int run_mpi_h5_parallel(void);
/* After the gate, on every rank: creates the recorder *rec of rank 0's file path (the
 * temporary file; NULL on the other ranks) collectively, with rank 0's provenance. DQ_OK or
 * this rank's error (the ranks then agree with run_mpi_chunk). */
int run_mpi_h5_open(dq_recorder_t **rec, const dq_system_t *sys, dq_record_opts_t *opts,
                    const char *path, dq_error_t *err);
/* Gathers the final values, counts and step statistics of every unit into fin on rank 0
 * (the other ranks get their own). -1 when out of memory (every rank fails alike). */
int run_mpi_final(run_final_t *fin, const dq_system_t *sys, const run_share_t *sh);
/* Whether MPI is built in (dqhost --version). */
#define RUN_MPI_BUILT 1
#else
static inline void run_mpi_begin(void) {}
static inline int run_mpi_end(int rc)
{
    return rc;
}
static inline int run_mpi_rank(void)
{
    return 0;
}
static inline int run_mpi_size(void)
{
    return 1;
}
static inline int run_mpi_gate(int rc)
{
    return rc;
}
static inline void run_mpi_share(run_share_t *sh, size_t total, size_t block)
{
    (void)block;
    *sh = (run_share_t){0, total, total};
}
static inline void run_mpi_chunk(run_chunk_status_t *st, int rc, const dq_error_t *err, int sig,
                                 double took, int adaptive)
{
    (void)adaptive;
    run_chunk_local(st, rc, err, sig, took);
}
static inline int run_mpi_sample(dq_recorder_t *rec, const dq_system_t *sys, const run_share_t *sh,
                                 dq_error_t *err)
{
    (void)sys;
    (void)sh;
    return rec ? dq_recorder_sample(rec, err) : DQ_OK;
}
static inline int run_mpi_spikes(run_spikes_t *sp, dq_system_t *sys, const run_share_t *sh,
                                 dq_error_t *err)
{
    (void)sh;
    return run_spikes_drain(sp, sys, err);
}
static inline int run_mpi_record_opts(dq_record_opts_t *o, const dq_system_t *sys,
                                      const run_share_t *sh)
{
    (void)o;
    (void)sys;
    (void)sh;
    return 0;
}
static inline int run_mpi_h5_parallel(void)
{
    return 0;
}
static inline int run_mpi_h5_open(dq_recorder_t **rec, const dq_system_t *sys,
                                  dq_record_opts_t *opts, const char *path, dq_error_t *err)
{
    (void)rec;
    (void)sys;
    (void)opts;
    (void)path;
    return dq_error_set(err, DQ_EINVAL, NULL, "not an MPI run");
}
static inline int run_mpi_final(run_final_t *fin, const dq_system_t *sys, const run_share_t *sh)
{
    (void)sh;
    return run_final_local(fin, sys);
}
#define RUN_MPI_BUILT 0
#endif

#endif
