/* SPDX-License-Identifier: MIT */
/* record_h5.h -- the HDF5 trajectory writer behind dq_recorder_new_h5 (record_h5.c, the only
 * file that includes <hdf5.h>). */
#ifndef DQ_IO_RECORD_H5_H
#define DQ_IO_RECORD_H5_H

#include <stddef.h>
#include <stdint.h>

#include <dq/host/system.h>

typedef struct dq__h5 dq__h5_t;

/* One file written by every rank of an MPI run (libdqcore built with parallel HDF5,
 * DQ_HDF5_PARALLEL): every later dq__h5_create on this process opens its file collectively
 * on comm (a pointer to an MPI_Comm that outlives the files), and this process writes the
 * columns i (recorded units) for which mine(user, i) is nonzero; every rank creates the same
 * recorder with the same path, attributes and units, and samples at the same times. comm
 * NULL: one process again. DQ_EINVAL when libdqcore was built without parallel HDF5. */
DQ_API int dq_h5_set_parallel(const void *comm, int (*mine)(void *user, size_t i), void *user,
                              dq_error_t *err);

/* Creates (truncates) the file at path with one dataset per chosen state, "t" and "units",
 * and the run's attributes. units NULL: unit i is column i. t_end <= 0: not written.
 * provenance: NULL, or the run's provenance as JSON text, written as the root attribute
 * "provenance". value: NULL, or where the values come from (dq_record_opts_t.value). */
dq__h5_t *dq__h5_create(const char *path, const dq_system_t *sys, const size_t *states,
                        size_t n_states, const size_t *units, size_t n_units, uint64_t every,
                        double t_end, const char *provenance,
                        double (*value)(void *, size_t, size_t), void *value_user, dq_error_t *err);
/* Appends the system's current time and values (buffered; written in whole chunks). */
int dq__h5_sample(dq__h5_t *h, dq_error_t *err);
/* Writes what is buffered and closes the file; the handle stays until dq__h5_free. */
int dq__h5_close(dq__h5_t *h, dq_error_t *err);
void dq__h5_free(dq__h5_t *h);

#endif
