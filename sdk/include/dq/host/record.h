/* SPDX-License-Identifier: MIT */
/* dq/host/record.h -- recording trajectories to CSV, JSON or HDF5.
 *
 * A recorder samples chosen states of chosen units of a prepared system every k steps
 * (and at the start) and writes them to a stdio stream it does not own:
 *   CSV:  t,V[0],V[1],...,m[0],...      one row per sample
 *   JSON: {"model": ..., "solver": ..., "dt": ..., "every": k, "states": [...],
 *          "units": [...], "samples": [{"t": 0, "V": [..], "m": [..]}, ...]}
 *   HDF5: dq_recorder_new_h5 writes a file by name: one dataset per state (sample x unit
 *         doubles, chunked and compressed), "t", "units", and the run as attributes.
 * Text numbers are the shortest text that reads back to the same double. */
#ifndef DQ_HOST_RECORD_H
#define DQ_HOST_RECORD_H

#include <stdint.h>
#include <stdio.h>

#include <dq/host/spec.h>
#include <dq/host/system.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dq_recorder dq_recorder_t;

typedef struct dq_record_opts {
    const char *const *states; /* names; NULL or n_states 0: every state */
    size_t n_states;
    const char *states_where; /* JSON path or flag named in messages, e.g. ".record.states" */
    const size_t *units;      /* NULL or n_units 0: every unit */
    size_t n_units;
    const char *units_where;
    uint64_t every;            /* 0 or 1: every step */
    dq_output_format_t format; /* DQ_FORMAT_DEFAULT means CSV here; H5: dq_recorder_new_h5 */
    /* NULL, or written before the data: CSV, each line of it as "# line" before the header
     * row; JSON, as the "provenance" member, so it must then be a JSON value's text; HDF5,
     * as the root group's "provenance" attribute (a string). */
    const char *header_comment;
    double t_end; /* HDF5 only: written as the t_end attribute when > 0 */
    /* Values from elsewhere than the system (an MPI run's rank 0 writes the units of every
     * rank): value(value_user, s, i) is the value of the s-th recorded state for the i-th
     * recorded unit at the current sample, and units are checked against units_total. The
     * time, step and names still come from the system. NULL: the system's values. */
    double (*value)(void *value_user, size_t s, size_t i);
    void *value_user;
    size_t units_total;
} dq_record_opts_t;

/* Checks the choice against the system (unknown state: DQ_EINVAL with "did you mean" and
 * the path; unit out of range) and writes the header. `sys` and `out` are borrowed and must
 * outlive the recorder. [owned: free with dq_recorder_free] */
DQ_API dq_recorder_t *dq_recorder_new(const dq_system_t *sys, const dq_record_opts_t *opts,
                                      FILE *out, dq_error_t *err);
/* The HDF5 recorder: creates (truncates) the file at `path` and writes samples into it as
 * the run goes (a few hundred kB per state at a time); dq_recorder_finish writes the rest
 * and closes the file. opts->format is ignored. DQ_EIO names the file when HDF5 fails. */
DQ_API dq_recorder_t *dq_recorder_new_h5(const dq_system_t *sys, const dq_record_opts_t *opts,
                                         const char *path, dq_error_t *err);
/* Call after prepare (records the initial state) and after every step; writes a sample
 * when the step count is a multiple of `every`. DQ_EIO when writing fails. */
DQ_API int dq_recorder_sample(dq_recorder_t *rec, dq_error_t *err);
/* Writes what closes the document (JSON) and flushes (HDF5: writes and closes the file). DQ_EIO
 * when writing fails. */
DQ_API int dq_recorder_finish(dq_recorder_t *rec, dq_error_t *err);
/* Samples written so far. */
DQ_API uint64_t dq_recorder_samples(const dq_recorder_t *rec);
DQ_API void dq_recorder_free(dq_recorder_t *rec);

/* Reads an HDF5 trajectory written by a recorder (dq_recorder_new_h5) and writes it to out
 * as the CSV recorder would (a "# model: NAME" line, the header t,STATE[UNIT],..., one row
 * per sample; doubles printed with 17 significant digits). Errors: DQ_EIO (cannot open or
 * write), DQ_EINVAL (not such a trajectory), naming the file. */
DQ_API int dq_h5_trajectory_to_csv(const char *path, FILE *out, dq_error_t *err);

#ifdef __cplusplus
}
#endif

#endif
