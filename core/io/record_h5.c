/* SPDX-License-Identifier: MIT */
/* record_h5.c -- writing sampled trajectories to an HDF5 file (the only file that includes
 * <hdf5.h>).
 *
 * Layout: one dataset per recorded state, named after it, sample x unit doubles, chunked,
 * shuffled and deflate-compressed, extendible along samples; "t" (samples) and "units" (the
 * recorded unit indices). The root group's attributes describe the run (model, solver, dt,
 * every, t_end when known, dqhost_version, plugin_abi, time_unit, and the run's provenance
 * as JSON text when given); each state's dataset
 * and "t" carry a "unit" attribute when the model gives one.
 *
 * Samples are buffered a whole number of chunks at a time, so every write but the last
 * covers whole chunks and HDF5 never reads a chunk back to complete it. HDF5's automatic
 * error printing is switched off; its failures become dq_error_t messages naming the file.
 *
 * Built with parallel HDF5 (DQ_HDF5_PARALLEL, the MPI build), the ranks of an MPI run may
 * write one file together (dq_h5_set_parallel): each buffers only its own columns and writes
 * them as a hyperslab of every block of rows, collectively (deflate needs it); rank 0 writes
 * "t" and "units"; the attributes and the datasets' shapes are written alike by every rank
 * (collective metadata). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef DQ_HDF5_PARALLEL
#include <mpi.h>
#endif
#include <hdf5.h>

#include <dq/host/error.h>
#include <dq/host/record.h>
#include <dq/host/system.h>
#include <dq/version.h>

#include "internal.h"
#include "record_h5.h"
#include "system_impl.h"

/* A chunk holds about 64 Ki doubles (512 KiB); a buffer about 512 Ki doubles per state. */
#define H5_CHUNK_DOUBLES 65536u
#define H5_BUFFER_DOUBLES 524288u

struct dq__h5 {
    const dq_system_t *sys;
    char *path;
    hid_t file;
    hid_t *ds; /* [n_states] */
    hid_t t_ds;
    const size_t *states; /* borrowed from the recorder */
    size_t n_states;
    const size_t *units; /* borrowed; NULL: every unit */
    size_t n_units;
    size_t *cols, n_cols; /* the columns this process writes (ascending); NULL: all */
    int lead;             /* writes "t" and "units" (rank 0, or the only process) */
    hid_t dxpl;           /* raw data transfers: collective across ranks, or the default */
    double (*value)(void *, size_t, size_t); /* NULL: the system's values */
    void *value_user;
    double **buf; /* [n_states][rows_cap * n_cols] */
    double *tbuf; /* [rows_cap] */
    size_t rows, rows_cap;
    hsize_t written;
    int failed;
};

#ifdef DQ_HDF5_PARALLEL
/* The ranks writing one file (dq_h5_set_parallel). */
static struct {
    const void *comm; /* an MPI_Comm *; NULL: one process */
    int (*mine)(void *, size_t);
    void *user;
} h5_par;
#endif

int dq_h5_set_parallel(const void *comm, int (*mine)(void *user, size_t i), void *user,
                       dq_error_t *err)
{
#ifdef DQ_HDF5_PARALLEL
    h5_par.comm = comm;
    h5_par.mine = mine;
    h5_par.user = user;
    (void)err;
    return DQ_OK;
#else
    (void)mine;
    (void)user;
    if (!comm)
        return DQ_OK;
    return dq_error_set(err, DQ_EINVAL, NULL,
                        "this libdqcore was built without parallel HDF5 (one file from every "
                        "rank needs -DDQ_MPI=ON)");
#endif
}

/* ---- errors ---------------------------------------------------------------------------- */

typedef struct {
    char text[256];
    int found;
} h5_errmsg_t;

/* The innermost entry of HDF5's error stack: the most specific reason. */
static herr_t h5_walk(unsigned n, const H5E_error2_t *e, void *data)
{
    h5_errmsg_t *m = data;
    (void)n;
    if (!m->found && e && e->desc) {
        snprintf(m->text, sizeof m->text, "%s", e->desc);
        m->found = 1;
    }
    return 0;
}

static int h5_fail(dq__h5_t *h, const char *path, const char *what, dq_error_t *err)
{
    h5_errmsg_t m = {{0}, 0};
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, h5_walk, &m);
    H5Eclear2(H5E_DEFAULT);
    if (h)
        h->failed = 1;
    if (m.found)
        return dq_error_set(err, DQ_EIO, NULL, "cannot write the trajectory '%s': HDF5 %s: %s",
                            path, what, m.text);
    return dq_error_set(err, DQ_EIO, NULL, "cannot write the trajectory '%s': HDF5 %s failed", path,
                        what);
}

/* ---- attributes ------------------------------------------------------------------------ */

static int h5_attr_string(hid_t obj, const char *name, const char *value)
{
    hid_t type = H5Tcopy(H5T_C_S1), space = H5Screate(H5S_SCALAR), attr = -1;
    int rc = -1;
    size_t len = strlen(value);
    if (type >= 0 && space >= 0 && H5Tset_size(type, len ? len : 1) >= 0 &&
        H5Tset_cset(type, H5T_CSET_UTF8) >= 0 &&
        (attr = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT)) >= 0 &&
        H5Awrite(attr, type, len ? value : "") >= 0)
        rc = 0;
    if (attr >= 0)
        H5Aclose(attr);
    if (space >= 0)
        H5Sclose(space);
    if (type >= 0)
        H5Tclose(type);
    return rc;
}

static int h5_attr_scalar(hid_t obj, const char *name, hid_t type, const void *value)
{
    hid_t space = H5Screate(H5S_SCALAR), attr = -1;
    int rc = -1;
    if (space >= 0 && (attr = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT)) >= 0 &&
        H5Awrite(attr, type, value) >= 0)
        rc = 0;
    if (attr >= 0)
        H5Aclose(attr);
    if (space >= 0)
        H5Sclose(space);
    return rc;
}

static int h5_root_attrs(dq__h5_t *h, uint64_t every, double t_end, const char *provenance)
{
    const dq_system_t *sys = h->sys;
    hid_t root = h->file;
    const char *solver = dq_system_solver_name(sys), *tu = dq_system_time_unit(sys);
    double dt = dq_system_dt(sys);
    unsigned long long ev = (unsigned long long)every;
    char abi[32];
    snprintf(abi, sizeof abi, "%d.%d", DQ_ABI_MAJOR, DQ_ABI_MINOR);
    if (h5_attr_string(root, "model", dq_system_model_name(sys)) < 0 ||
        (solver && h5_attr_string(root, "solver", solver) < 0) ||
        h5_attr_scalar(root, "dt", H5T_NATIVE_DOUBLE, &dt) < 0 ||
        h5_attr_scalar(root, "every", H5T_NATIVE_ULLONG, &ev) < 0 ||
        (t_end > 0 && h5_attr_scalar(root, "t_end", H5T_NATIVE_DOUBLE, &t_end) < 0) ||
        h5_attr_string(root, "dqhost_version", DQ_VERSION_STRING) < 0 ||
        h5_attr_string(root, "plugin_abi", abi) < 0 ||
        (tu && h5_attr_string(root, "time_unit", tu) < 0) ||
        (provenance && h5_attr_string(root, "provenance", provenance) < 0))
        return -1;
    return 0;
}

/* ---- datasets -------------------------------------------------------------------------- */

/* An extendible, chunked, compressed dataset of rank 1 (t) or 2 (sample x unit). */
static hid_t h5_dataset(dq__h5_t *h, const char *name, int rank, hsize_t chunk_rows,
                        hsize_t chunk_units)
{
    hsize_t dims[2] = {0, h->n_units};
    hsize_t maxdims[2] = {H5S_UNLIMITED, h->n_units ? h->n_units : H5S_UNLIMITED};
    hsize_t chunk[2] = {chunk_rows, chunk_units};
    hid_t space = H5Screate_simple(rank, dims, maxdims), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    hid_t ds = -1;
    if (space >= 0 && dcpl >= 0 && H5Pset_chunk(dcpl, rank, chunk) >= 0 &&
        H5Pset_shuffle(dcpl) >= 0 && H5Pset_deflate(dcpl, 1) >= 0)
        ds = H5Dcreate2(h->file, name, H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (space >= 0)
        H5Sclose(space);
    return ds;
}

static int h5_units_dataset(dq__h5_t *h)
{
    hsize_t n = h->n_units;
    unsigned long long *u = malloc((n ? n : 1) * sizeof *u);
    if (!u)
        return -1;
    for (size_t i = 0; i < h->n_units; ++i)
        u[i] = h->units ? h->units[i] : i;
    hid_t space = H5Screate_simple(1, &n, NULL), ds = -1;
    int rc = -1;
    if (space >= 0 &&
        (ds = H5Dcreate2(h->file, "units", H5T_NATIVE_ULLONG, space, H5P_DEFAULT, H5P_DEFAULT,
                         H5P_DEFAULT)) >= 0 &&
        (n == 0 || !h->lead ||
         H5Dwrite(ds, H5T_NATIVE_ULLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, u) >= 0))
        rc = 0;
    if (ds >= 0)
        H5Dclose(ds);
    if (space >= 0)
        H5Sclose(space);
    free(u);
    return rc;
}

/* Selects this process's part of rows [written, written + rows) of ds in fspace: every
 * column (one process), the runs of its columns, "t" on the lead rank only, or nothing. */
static int h5_select(const dq__h5_t *h, hid_t fspace, int rank)
{
    hsize_t start[2] = {h->written, 0}, count[2] = {h->rows, h->n_units};
    if (rank == 1 ? !h->lead : !h->n_cols)
        return H5Sselect_none(fspace) < 0 ? -1 : 0;
    if (rank == 1 || !h->cols)
        return H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ? -1 : 0;
    if (H5Sselect_none(fspace) < 0)
        return -1;
    for (size_t k = 0; k < h->n_cols;) { /* one hyperslab per run of consecutive columns */
        size_t end = k + 1;
        while (end < h->n_cols && h->cols[end] == h->cols[end - 1] + 1)
            ++end;
        start[1] = h->cols[k];
        count[1] = end - k;
        if (H5Sselect_hyperslab(fspace, H5S_SELECT_OR, start, NULL, count, NULL) < 0)
            return -1;
        k = end;
    }
    return 0;
}

/* Appends rows [0, rows) of the buffer to dataset ds (rank 1 or 2). */
static int h5_append(const dq__h5_t *h, hid_t ds, int rank, const double *buf)
{
    hsize_t dims[2] = {h->written + h->rows, h->n_units};
    hsize_t count[2] = {h->rows, h->n_cols ? h->n_cols : 1};
    if (H5Dset_extent(ds, dims) < 0)
        return -1;
    if (rank == 2 && h->n_units == 0)
        return 0;
    hid_t fspace = H5Dget_space(ds), mspace = H5Screate_simple(rank, count, NULL);
    int none = rank == 1 ? !h->lead : !h->n_cols;
    int rc = -1;
    if (fspace >= 0 && mspace >= 0 && h5_select(h, fspace, rank) == 0 &&
        (!none || H5Sselect_none(mspace) >= 0) &&
        H5Dwrite(ds, H5T_NATIVE_DOUBLE, mspace, fspace, h->dxpl, buf) >= 0)
        rc = 0;
    if (mspace >= 0)
        H5Sclose(mspace);
    if (fspace >= 0)
        H5Sclose(fspace);
    return rc;
}

static int h5_flush(dq__h5_t *h, dq_error_t *err)
{
    if (!h->rows)
        return DQ_OK;
    if (h5_append(h, h->t_ds, 1, h->tbuf) < 0)
        return h5_fail(h, h->path, "writing 't'", err);
    for (size_t s = 0; s < h->n_states; ++s)
        if (h5_append(h, h->ds[s], 2, h->buf[s]) < 0)
            return h5_fail(h, h->path, "writing a state", err);
    h->written += h->rows;
    h->rows = 0;
    return DQ_OK;
}

/* ---- public (inside libdqcore) --------------------------------------------------------- */

dq__h5_t *dq__h5_create(const char *path, const dq_system_t *sys, const size_t *states,
                        size_t n_states, const size_t *units, size_t n_units, uint64_t every,
                        double t_end, const char *provenance,
                        double (*value)(void *, size_t, size_t), void *value_user, dq_error_t *err)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    dq__h5_t *h = calloc(1, sizeof *h);
    if (!h || !(h->path = dq__strdup(path))) {
        free(h);
        dq_error_set(err, DQ_ENOMEM, NULL, "out of memory");
        return NULL;
    }
    h->sys = sys;
    h->file = h->t_ds = -1;
    h->states = states;
    h->n_states = n_states;
    h->units = units;
    h->n_units = n_units;
    h->value = value;
    h->value_user = value_user;
    h->lead = 1;
    h->n_cols = n_units;
    h->dxpl = H5P_DEFAULT;
#ifdef DQ_HDF5_PARALLEL
    MPI_Comm comm = h5_par.comm ? *(const MPI_Comm *)h5_par.comm : MPI_COMM_NULL;
    if (h5_par.comm) {
        int me = 0;
        MPI_Comm_rank(comm, &me);
        h->lead = me == 0;
        h->n_cols = 0;
        if (!(h->cols = malloc((n_units ? n_units : 1) * sizeof *h->cols))) {
            dq__h5_free(h);
            dq_error_set(err, DQ_ENOMEM, NULL, "out of memory");
            return NULL;
        }
        for (size_t i = 0; i < n_units; ++i)
            if (h5_par.mine(h5_par.user, i))
                h->cols[h->n_cols++] = i;
        if ((h->dxpl = H5Pcreate(H5P_DATASET_XFER)) < 0 ||
            H5Pset_dxpl_mpio(h->dxpl, H5FD_MPIO_COLLECTIVE) < 0) {
            h5_fail(h, path, "setting up collective writes", err);
            dq__h5_free(h);
            return NULL;
        }
    }
#endif
    /* Chunks: up to 64 Ki units wide, as many rows as make about 64 Ki doubles. */
    hsize_t cu = n_units ? (n_units < H5_CHUNK_DOUBLES ? n_units : H5_CHUNK_DOUBLES) : 1;
    hsize_t cr = H5_CHUNK_DOUBLES / cu;
    size_t per_row = n_units ? n_units : 1, cols = h->n_cols ? h->n_cols : 1;
#ifdef DQ_HDF5_PARALLEL
    if (h5_par.comm) { /* a buffer of this rank's columns: the widest rank's decides */
        unsigned long long mine = h->n_cols, widest = 0;
        MPI_Allreduce(&mine, &widest, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, comm);
        per_row = widest ? (size_t)widest : 1;
    }
#endif
    size_t k = H5_BUFFER_DOUBLES / (cr * per_row); /* alike on every rank */
    h->rows_cap = (size_t)cr * (k ? k : 1);
    h->ds = malloc((n_states ? n_states : 1) * sizeof *h->ds);
    h->buf = calloc(n_states ? n_states : 1, sizeof *h->buf);
    h->tbuf = malloc(h->rows_cap * sizeof *h->tbuf);
    int oom = !h->ds || !h->buf || !h->tbuf;
    for (size_t s = 0; !oom && s < n_states; ++s)
        oom = !(h->buf[s] = malloc(h->rows_cap * cols * sizeof *h->buf[s]));
    if (oom) {
        dq__h5_free(h);
        dq_error_set(err, DQ_ENOMEM, NULL, "out of memory");
        return NULL;
    }
    for (size_t s = 0; s < n_states; ++s)
        h->ds[s] = -1;

    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    int fapl_ok = fapl >= 0 && H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) >= 0;
#ifdef DQ_HDF5_PARALLEL
    if (fapl_ok && h5_par.comm)
        fapl_ok = H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL) >= 0 &&
                  H5Pset_all_coll_metadata_ops(fapl, 1) >= 0 &&
                  H5Pset_coll_metadata_write(fapl, 1) >= 0;
#endif
    if (fapl_ok)
        h->file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    if (fapl >= 0)
        H5Pclose(fapl);
    if (h->file < 0) {
        h5_fail(h, path, "creating the file", err);
        dq__h5_free(h);
        return NULL;
    }
    const char *what = "writing the run's attributes";
    int bad = h5_root_attrs(h, every, t_end, provenance) < 0;
    if (!bad) {
        what = "creating 't'";
        hsize_t tchunk = cr * cu < 4096 ? 4096 : cr * cu;
        bad = (h->t_ds = h5_dataset(h, "t", 1, tchunk, 0)) < 0;
        const char *tu = dq_system_time_unit(sys);
        bad = bad || (tu && h5_attr_string(h->t_ds, "unit", tu) < 0);
    }
    if (!bad) {
        what = "creating 'units'";
        bad = h5_units_dataset(h) < 0;
    }
    for (size_t s = 0; !bad && s < n_states; ++s) {
        const dq_state_desc_t *d = sys->states[states[s]];
        what = "creating a state's dataset";
        bad = (h->ds[s] = h5_dataset(h, d->name, 2, cr, cu)) < 0 ||
              (d->unit && h5_attr_string(h->ds[s], "unit", d->unit) < 0);
    }
    /* t's chunks may be longer than the states' buffer: that only costs a re-read of t. */
    if (bad) {
        h5_fail(h, path, what, err);
        dq__h5_free(h);
        return NULL;
    }
    return h;
}

int dq__h5_sample(dq__h5_t *h, dq_error_t *err)
{
    if (h->failed || h->file < 0)
        return dq_error_set(err, DQ_EIO, NULL, "cannot write the trajectory '%s'", h->path);
    const dq_system_t *sys = h->sys;
    size_t r = h->rows;
    h->tbuf[r] = dq_system_time(sys);
    for (size_t s = 0; s < h->n_states; ++s) {
        double *row = h->buf[s] + r * h->n_cols;
        size_t st = h->states[s];
        if (h->cols)
            for (size_t k = 0; k < h->n_cols; ++k)
                row[k] = h->value ? h->value(h->value_user, s, h->cols[k])
                                  : dq_system_value(sys, st,
                                                    h->units ? h->units[h->cols[k]] : h->cols[k]);
        else if (h->value)
            for (size_t i = 0; i < h->n_units; ++i)
                row[i] = h->value(h->value_user, s, i);
        else if (h->units)
            for (size_t i = 0; i < h->n_units; ++i)
                row[i] = dq_system_value(sys, st, h->units[i]);
        else
            for (size_t i = 0; i < h->n_units; ++i)
                row[i] = dq_system_value(sys, st, i);
    }
    h->rows++;
    return h->rows == h->rows_cap ? h5_flush(h, err) : DQ_OK;
}

int dq__h5_close(dq__h5_t *h, dq_error_t *err)
{
    if (h->file < 0)
        return h->failed
                   ? dq_error_set(err, DQ_EIO, NULL, "cannot write the trajectory '%s'", h->path)
                   : DQ_OK;
    int rc = h->failed ? DQ_EIO : h5_flush(h, err);
    for (size_t s = 0; s < h->n_states; ++s)
        if (h->ds[s] >= 0) {
            H5Dclose(h->ds[s]);
            h->ds[s] = -1;
        }
    if (h->t_ds >= 0)
        H5Dclose(h->t_ds);
    h->t_ds = -1;
    herr_t closed = H5Fclose(h->file);
    h->file = -1;
    if (rc == DQ_OK && closed < 0)
        rc = h5_fail(h, h->path, "closing the file", err);
    else if (rc == DQ_EIO && h->failed && err && err->code == DQ_OK)
        rc = dq_error_set(err, DQ_EIO, NULL, "cannot write the trajectory '%s'", h->path);
    return rc;
}

void dq__h5_free(dq__h5_t *h)
{
    if (!h)
        return;
    if (h->file >= 0) {
        dq_error_t ignored = {0};
        dq__h5_close(h, &ignored);
    }
    for (size_t s = 0; h->buf && s < h->n_states; ++s)
        free(h->buf[s]);
    free(h->buf);
    free(h->ds);
    free(h->tbuf);
    free(h->cols);
    if (h->dxpl > 0 && h->dxpl != H5P_DEFAULT)
        H5Pclose(h->dxpl);
    free(h->path);
    free(h);
}

/* ---- reading back (dqhost plot) ------------------------------------------------------ */

/* A root attribute's string value into buf ("" when absent). */
static void h5_read_attr_string(hid_t obj, const char *name, char *buf, size_t len)
{
    buf[0] = '\0';
    if (H5Aexists(obj, name) <= 0)
        return;
    hid_t attr = H5Aopen(obj, name, H5P_DEFAULT), type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, len);
    H5Tset_cset(type, H5T_CSET_UTF8); /* as written: no conversion between character sets */
    if (attr >= 0 && H5Aread(attr, type, buf) < 0)
        buf[0] = '\0';
    buf[len - 1] = '\0';
    H5Tclose(type);
    if (attr >= 0)
        H5Aclose(attr);
}

/* A dataset read whole into a new array of doubles (n values). [owned] */
static double *h5_read_doubles(hid_t file, const char *name, size_t *rows, size_t *cols)
{
    hid_t ds = H5Dopen2(file, name, H5P_DEFAULT);
    if (ds < 0)
        return NULL;
    hid_t space = H5Dget_space(ds);
    hsize_t dims[2] = {0, 1};
    int rank = space >= 0 ? H5Sget_simple_extent_dims(space, dims, NULL) : -1;
    double *v = NULL;
    if (rank == 1 || rank == 2) {
        size_t n = (size_t)dims[0] * (rank == 2 ? (size_t)dims[1] : 1);
        v = malloc((n ? n : 1) * sizeof *v);
        if (v && H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) {
            free(v);
            v = NULL;
        }
        *rows = (size_t)dims[0];
        *cols = rank == 2 ? (size_t)dims[1] : 1;
    }
    if (space >= 0)
        H5Sclose(space);
    H5Dclose(ds);
    return v;
}

typedef struct h5_names {
    char (*name)[128];
    size_t n, cap;
} h5_names_t;

static herr_t h5_collect(hid_t g, const char *name, const H5L_info_t *info, void *p)
{
    (void)g;
    (void)info;
    h5_names_t *nm = p;
    if (strcmp(name, "t") == 0 || strcmp(name, "units") == 0 || strlen(name) >= 128)
        return 0;
    if (nm->n == nm->cap) {
        size_t cap = nm->cap ? 2 * nm->cap : 16;
        void *q = realloc(nm->name, cap * sizeof *nm->name);
        if (!q)
            return -1;
        nm->name = q;
        nm->cap = cap;
    }
    snprintf(nm->name[nm->n++], 128, "%s", name);
    return 0;
}

int dq_h5_trajectory_to_csv(const char *path, FILE *out, dq_error_t *err)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0)
        return dq_error_set(err, DQ_EIO, path, "cannot read '%s' as HDF5", path);
    size_t nt = 0, one = 0, nu = 0;
    double *t = h5_read_doubles(file, "t", &nt, &one);
    hid_t uds = H5Dopen2(file, "units", H5P_DEFAULT);
    unsigned long long *units = NULL;
    if (uds >= 0) {
        hid_t sp = H5Dget_space(uds);
        hsize_t d = 0;
        if (sp >= 0 && H5Sget_simple_extent_dims(sp, &d, NULL) == 1) {
            nu = (size_t)d;
            units = malloc((nu ? nu : 1) * sizeof *units);
            if (units &&
                H5Dread(uds, H5T_NATIVE_ULLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, units) < 0) {
                free(units);
                units = NULL;
            }
        }
        if (sp >= 0)
            H5Sclose(sp);
        H5Dclose(uds);
    }
    h5_names_t nm = {0};
    int rc = DQ_OK;
    if (!t || !units ||
        H5Literate(file, H5_INDEX_CRT_ORDER, H5_ITER_INC, NULL, h5_collect, &nm) < 0) {
        /* Files without creation order tracked: name order. */
        nm.n = 0;
        if (!t || !units || H5Literate(file, H5_INDEX_NAME, H5_ITER_INC, NULL, h5_collect, &nm) < 0)
            rc = dq_error_set(err, DQ_EINVAL, path,
                              "'%s' is not a trajectory written by dqhost run (no \"t\", "
                              "\"units\" and state datasets)",
                              path);
    }
    double **cols = calloc(nm.n ? nm.n : 1, sizeof *cols);
    if (rc == DQ_OK && !cols)
        rc = dq_error_set(err, DQ_ENOMEM, path, "out of memory reading '%s'", path);
    for (size_t s = 0; rc == DQ_OK && s < nm.n; ++s) {
        size_t r = 0, c = 0;
        cols[s] = h5_read_doubles(file, nm.name[s], &r, &c);
        if (!cols[s] || r != nt || c != nu)
            rc = dq_error_set(err, DQ_EINVAL, path,
                              "'%s': dataset '%s' is not samples x units (%zu x %zu)", path,
                              nm.name[s], nt, nu);
    }
    if (rc == DQ_OK) {
        char model[256];
        h5_read_attr_string(file, "model", model, sizeof model);
        if (model[0])
            fprintf(out, "# model: %s\n", model);
        fputs("t", out);
        for (size_t s = 0; s < nm.n; ++s)
            for (size_t u = 0; u < nu; ++u)
                fprintf(out, ",%s[%llu]", nm.name[s], units[u]);
        fputc('\n', out);
        for (size_t i = 0; i < nt; ++i) {
            fprintf(out, "%.17g", t[i]);
            for (size_t s = 0; s < nm.n; ++s)
                for (size_t u = 0; u < nu; ++u)
                    fprintf(out, ",%.17g", cols[s][i * nu + u]);
            fputc('\n', out);
        }
        if (ferror(out))
            rc = dq_error_set(err, DQ_EIO, path, "cannot write the CSV of '%s'", path);
    }
    for (size_t s = 0; cols && s < nm.n; ++s)
        free(cols[s]);
    free(cols);
    free(nm.name);
    free(t);
    free(units);
    H5Fclose(file);
    return rc;
}
