/* SPDX-License-Identifier: MIT */
/* run_mpi.c -- `mpirun -np K dqhost run`: the ranks' meeting points (run_mpi.h). Built only
 * with -DDQ_MPI=ON; a dqhost so built and started without mpirun runs as one process and
 * never calls MPI.
 *
 * Every exchange is a collective that all ranks reach in the same order: the chunk loop is
 * driven by values every rank agrees on (the slowest rank's time, the signal, the step), so
 * no rank waits for one that left. MPI is called from the main thread only (the system's
 * own threads never call it): MPI_THREAD_FUNNELED. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mpi.h>

#include "../io/record_h5.h"
#include "cli.h"
#include "run_mpi.h"

/* A failing rank's stderr shown by rank 0: at most this much of its end. */
#define MPI_STDERR_MAX 65536

_Static_assert(sizeof(dq_step_stats_t) == 4 * sizeof(uint64_t), "gathered as 4 counts");

typedef struct mpi_status {
    int failed, signal;
    double took, t;
} mpi_status_t;

static struct {
    int on, rank, size, gate_passed;
    int alone;           /* a signal came while the others did not: no more collectives */
    FILE *capture;       /* ranks > 0: their stderr */
    mpi_status_t *all;   /* [size] */
    size_t total, block; /* the population and its blocks, for every rank's share */
    /* Recording: the recorded states, this rank's recorded units (local indices), and on
     * rank 0 where each recorded (state, unit) is in the gathered buffer. */
    size_t *states, n_states;
    size_t *mine, n_mine;
    size_t *base, *stride; /* [n_units] rank 0 */
    int *counts, *displs;  /* [size] rank 0 */
    double *send, *recv;
    /* HDF5 written by every rank (DQHOST_MPI_IO=parallel): each recorded unit's local
     * index on this rank, or SIZE_MAX when another rank has it. */
    int h5_parallel;
    size_t *col_local; /* [n_units] */
    const dq_system_t *sys;
    MPI_Comm comm;
    /* Spikes: this rank's, and on rank 0 everyone's. */
    dq_spike_t *sp_mine, *sp_all;
    size_t sp_mine_cap, sp_all_cap;
} mpi;

static int mpi_launched(void)
{
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE") || getenv("PMIX_RANK");
}

void run_mpi_begin(void)
{
    if (!mpi_launched())
        return;
    int provided;
    MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &mpi.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &mpi.size);
    mpi.on = 1;
    mpi.all = calloc((size_t)mpi.size, sizeof *mpi.all);
    if (!mpi.all)
        MPI_Abort(MPI_COMM_WORLD, DQ_EXIT_FAILURE);
    if (mpi.rank == 0)
        return;
    /* Only rank 0 speaks: the others' stdout goes nowhere, their stderr to a file that rank
     * 0 shows when that rank failed alone. */
    fflush(stdout);
    int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, 1);
        close(null);
    }
    if ((mpi.capture = tmpfile()))
        dup2(fileno(mpi.capture), 2);
}

int run_mpi_rank(void)
{
    return mpi.rank;
}

int run_mpi_size(void)
{
    return mpi.on ? mpi.size : 1;
}

/* Sends rank `from`'s captured stderr to rank 0, which prints it. */
static void mpi_show_stderr(int from)
{
    long len = 0;
    char *text = NULL;
    if (mpi.rank == from) {
        struct stat st;
        int fd = mpi.capture ? fileno(mpi.capture) : -1;
        off_t size = fd >= 0 && fstat(fd, &st) == 0 ? st.st_size : 0;
        off_t at = size > MPI_STDERR_MAX ? size - MPI_STDERR_MAX : 0;
        if ((text = malloc((size_t)(size - at) + 1))) {
            ssize_t n = pread(fd, text, (size_t)(size - at), at);
            len = n > 0 ? (long)n : 0;
        }
        MPI_Send(&len, 1, MPI_LONG, 0, 0, MPI_COMM_WORLD);
        if (len)
            MPI_Send(text, (int)len, MPI_CHAR, 0, 1, MPI_COMM_WORLD);
    } else if (mpi.rank == 0) {
        MPI_Recv(&len, 1, MPI_LONG, from, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (len > 0 && (text = malloc((size_t)len))) {
            MPI_Recv(text, (int)len, MPI_CHAR, from, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            fwrite(text, 1, (size_t)len, stderr);
        } else if (len > 0) {
            cli_errorf("rank %d failed (out of memory for its message)", from);
        }
        if (len == 0)
            cli_errorf("rank %d failed before the run", from);
    }
    free(text);
}

int run_mpi_gate(int rc)
{
    if (!mpi.on || mpi.gate_passed)
        return rc;
    mpi.gate_passed = 1;
    int in = rc ? mpi.rank : mpi.size, lowest = mpi.size;
    MPI_Allreduce(&in, &lowest, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (lowest == mpi.size)
        return DQ_EXIT_OK;
    MPI_Bcast(&rc, 1, MPI_INT, lowest, MPI_COMM_WORLD);
    if (lowest != 0)
        mpi_show_stderr(lowest);
    return rc;
}

int run_mpi_end(int rc)
{
    if (!mpi.on || mpi.alone) /* alone: the job is being ended by mpirun */
        return rc;
    rc = run_mpi_gate(rc);
    MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
    free(mpi.all);
    free(mpi.states);
    free(mpi.mine);
    free(mpi.base);
    free(mpi.stride);
    free(mpi.counts);
    free(mpi.displs);
    free(mpi.send);
    free(mpi.recv);
    free(mpi.sp_mine);
    free(mpi.sp_all);
    free(mpi.col_local);
    dq_h5_set_parallel(NULL, NULL, NULL, NULL);
    if (mpi.capture)
        fclose(mpi.capture);
    MPI_Finalize();
    return rc;
}

/* ---- shares ------------------------------------------------------------------------------ */

/* Rank r's units: whole blocks, the blocks split as evenly as they go. */
static void mpi_share_of(int r, run_share_t *sh)
{
    size_t nb = (mpi.total + mpi.block - 1) / mpi.block, k = (size_t)mpi.size;
    size_t b0 = nb * (size_t)r / k, b1 = nb * ((size_t)r + 1) / k;
    size_t first = b0 * mpi.block, end = b1 * mpi.block < mpi.total ? b1 * mpi.block : mpi.total;
    *sh = (run_share_t){.first = first < end ? first : 0,
                        .count = first < end ? end - first : 0,
                        .total = mpi.total};
}

/* The rank whose share holds unit u (< total). */
static int mpi_owner(size_t u)
{
    int lo = 0, hi = mpi.size - 1;
    while (lo < hi) { /* the last rank whose first block is at or before u's */
        int mid = (lo + hi + 1) / 2;
        size_t nb = (mpi.total + mpi.block - 1) / mpi.block;
        if (nb * (size_t)mid / (size_t)mpi.size * mpi.block <= u)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

void run_mpi_share(run_share_t *sh, size_t total, size_t block)
{
    mpi.total = total;
    mpi.block = block;
    if (!mpi.on) {
        *sh = (run_share_t){0, total, total};
        return;
    }
    mpi_share_of(mpi.rank, sh);
}

/* ---- the chunk loop ---------------------------------------------------------------------- */

/* How long a rank that caught a signal still waits for the others at the status exchange:
 * they stop together when they caught it too, within a chunk (about 0.05 s). When a rank
 * died, mpirun signals the others and they would wait for it forever. */
#define MPI_SIGNAL_GRACE 0.5

/* Waits for rq. Returns 0 when it completed, or -1 when a signal came and the others did not
 * within MPI_SIGNAL_GRACE: the rank is then on its own (mpi.alone), keeps what it wrote and
 * ends without meeting the others again. */
static int mpi_wait(MPI_Request *rq)
{
    double since = 0.0;
    for (int done = 0;;) {
        MPI_Test(rq, &done, MPI_STATUS_IGNORE);
        if (done)
            return 0;
        if (run_signal && since == 0.0)
            since = run_now();
        else if (run_signal && run_now() - since > MPI_SIGNAL_GRACE) {
            mpi.alone = 1;
            return -1;
        }
        sched_yield(); /* ranks may share cores */
    }
}

void run_mpi_chunk(run_chunk_status_t *st, int rc, const dq_error_t *err, int sig, double took,
                   int adaptive)
{
    *st = (run_chunk_status_t){0};
    run_chunk_local(st, rc, err, sig, took);
    if (!mpi.on || mpi.alone)
        return;
    mpi_status_t me = {
        .failed = rc != 0, .signal = sig, .took = took, .t = rc && err->has_time ? err->time : 0.0};
    MPI_Request rq;
    MPI_Iallgather(&me, (int)sizeof me, MPI_BYTE, mpi.all, (int)sizeof me, MPI_BYTE, MPI_COMM_WORLD,
                   &rq);
    if (mpi_wait(&rq)) { /* a signal, and the others do not come: this rank stops alone */
        st->signal = run_signal;
        return;
    }
    int first = -1;
    for (int r = 0; r < mpi.size; ++r) {
        const mpi_status_t *a = &mpi.all[r];
        st->signal = a->signal > st->signal ? a->signal : st->signal;
        st->took = a->took > st->took ? a->took : st->took;
        /* The earliest failure, then the lowest unit, as one process would report it (an
         * error-controlled run reports the lowest failing block of the chunk). */
        if (a->failed && (first < 0 || (!adaptive && a->t < mpi.all[first].t)))
            first = r;
    }
    st->failed = first >= 0;
    if (!st->failed)
        return;
    if (mpi.rank == first)
        st->err = *err;
    MPI_Ibcast(&st->err, (int)sizeof st->err, MPI_BYTE, first, MPI_COMM_WORLD, &rq);
    if (mpi_wait(&rq) && mpi.rank != first) /* alone: its message cannot come */
        dq_error_set(&st->err, DQ_ESOLVER, NULL, "rank %d failed while the job was ending", first);
}

/* ---- recording --------------------------------------------------------------------------- */

static double mpi_value(void *user, size_t s, size_t i)
{
    (void)user;
    return mpi.recv[mpi.base[i] + s * mpi.stride[i]];
}

/* Every rank's recorder, writing its own units (DQHOST_MPI_IO=parallel). */
static double mpi_local_value(void *user, size_t s, size_t i)
{
    (void)user;
    return dq_system_value(mpi.sys, mpi.states[s], mpi.col_local[i]);
}

static int mpi_local_mine(void *user, size_t i)
{
    (void)user;
    return mpi.col_local[i] != SIZE_MAX;
}

int run_mpi_record_opts(dq_record_opts_t *o, const dq_system_t *sys, const run_share_t *sh)
{
    if (!mpi.on)
        return 0;
    const char *io = getenv("DQHOST_MPI_IO");
    if (io && *io && strcmp(io, "gather") != 0 && strcmp(io, "parallel") != 0) {
        cli_errorf("DQHOST_MPI_IO is '%s'; it must be 'gather' or 'parallel'", io);
        return -2;
    }
    mpi.h5_parallel =
        mpi.size > 1 && o->format == DQ_FORMAT_H5 && io && strcmp(io, "parallel") == 0;
    size_t all_states = dq_system_state_count(sys);
    int every_state = !o->states || o->n_states == 0;
    size_t ns = every_state ? all_states : o->n_states;
    size_t nu = o->units && o->n_units ? o->n_units : sh->total;
    mpi.states = malloc((ns ? ns : 1) * sizeof *mpi.states);
    mpi.mine = malloc((nu ? nu : 1) * sizeof *mpi.mine);
    int oom = !mpi.states || !mpi.mine;
    if (!oom && mpi.rank == 0) {
        mpi.base = malloc((nu ? nu : 1) * sizeof *mpi.base);
        mpi.stride = malloc((nu ? nu : 1) * sizeof *mpi.stride);
        mpi.counts = calloc((size_t)mpi.size, sizeof *mpi.counts);
        mpi.displs = calloc((size_t)mpi.size, sizeof *mpi.displs);
        oom = !mpi.base || !mpi.stride || !mpi.counts || !mpi.displs;
    }
    if (oom) {
        cli_errorf("out of memory");
        return -1;
    }
    /* A state or unit the recorder refuses stops the run at the gate; until then it only
     * must not be read. */
    mpi.n_states = 0;
    for (size_t s = 0; s < ns; ++s) {
        long idx = every_state ? (long)s : dq_system_state_index(sys, o->states[s]);
        if (idx < 0) {
            mpi.n_states = 0;
            break;
        }
        mpi.states[mpi.n_states++] = (size_t)idx;
    }
    mpi.n_mine = 0;
    for (size_t i = 0; i < nu; ++i) {
        size_t u = o->units && o->n_units ? o->units[i] : i;
        if (u >= sh->first && u < sh->first + sh->count)
            mpi.mine[mpi.n_mine++] = u - sh->first;
    }
    if (mpi.h5_parallel) {
        if (!(mpi.col_local = malloc((nu ? nu : 1) * sizeof *mpi.col_local))) {
            cli_errorf("out of memory");
            return -1;
        }
        for (size_t i = 0; i < nu; ++i) {
            size_t u = o->units && o->n_units ? o->units[i] : i;
            mpi.col_local[i] =
                u >= sh->first && u < sh->first + sh->count ? u - sh->first : SIZE_MAX;
        }
        mpi.sys = sys;
        o->value = mpi_local_value;
        o->value_user = NULL;
        o->units_total = sh->total;
        return 0;
    }
    if (mpi.rank == 0) {
        /* Rank r sends its units' values state by state: [state][its recorded units]. */
        size_t *seen = calloc((size_t)mpi.size, sizeof *seen);
        if (!seen) {
            cli_errorf("out of memory");
            return -1;
        }
        for (size_t i = 0; i < nu; ++i) {
            size_t u = o->units && o->n_units ? o->units[i] : i;
            int r = u < sh->total ? mpi_owner(u) : 0;
            mpi.base[i] = seen[r]++;
        }
        size_t at = 0;
        for (int r = 0; r < mpi.size; ++r) {
            mpi.counts[r] = (int)(seen[r] * mpi.n_states);
            mpi.displs[r] = (int)at;
            at += seen[r] * mpi.n_states;
        }
        for (size_t i = 0; i < nu; ++i) {
            size_t u = o->units && o->n_units ? o->units[i] : i;
            int r = u < sh->total ? mpi_owner(u) : 0;
            mpi.stride[i] = seen[r];
            mpi.base[i] += (size_t)mpi.displs[r];
        }
        free(seen);
        if (!(mpi.recv = malloc((at ? at : 1) * sizeof *mpi.recv))) {
            cli_errorf("out of memory");
            return -1;
        }
        o->value = mpi_value;
        o->value_user = NULL;
        o->units_total = sh->total;
    }
    size_t send = mpi.n_mine * mpi.n_states;
    if (!(mpi.send = malloc((send ? send : 1) * sizeof *mpi.send))) {
        cli_errorf("out of memory");
        return -1;
    }
    return 0;
}

int run_mpi_sample(dq_recorder_t *rec, const dq_system_t *sys, const run_share_t *sh,
                   dq_error_t *err)
{
    (void)sh;
    if (!mpi.on)
        return rec ? dq_recorder_sample(rec, err) : DQ_OK;
    if (mpi.alone) /* the others are gone: the sample cannot be whole */
        return DQ_OK;
    if (mpi.h5_parallel) /* every rank writes its units (collectively) */
        return rec ? dq_recorder_sample(rec, err) : DQ_OK;
    for (size_t s = 0; s < mpi.n_states; ++s)
        for (size_t k = 0; k < mpi.n_mine; ++k)
            mpi.send[s * mpi.n_mine + k] = dq_system_value(sys, mpi.states[s], mpi.mine[k]);
    MPI_Request rq;
    MPI_Igatherv(mpi.send, (int)(mpi.n_mine * mpi.n_states), MPI_DOUBLE, mpi.recv, mpi.counts,
                 mpi.displs, MPI_DOUBLE, 0, MPI_COMM_WORLD, &rq);
    if (mpi_wait(&rq))
        return DQ_OK; /* alone: the sample cannot be whole */
    return rec ? dq_recorder_sample(rec, err) : DQ_OK;
}

int run_mpi_h5_parallel(void)
{
    return mpi.on && mpi.h5_parallel;
}

int run_mpi_h5_open(dq_recorder_t **rec, const dq_system_t *sys, dq_record_opts_t *o,
                    const char *path, dq_error_t *err)
{
    /* The temporary file's name and the provenance text (its time and host) are rank 0's. */
    long len[2] = {path ? (long)strlen(path) + 1 : 0,
                   o->header_comment ? (long)strlen(o->header_comment) + 1 : 0};
    MPI_Bcast(len, 2, MPI_LONG, 0, MPI_COMM_WORLD);
    char *name = malloc((size_t)len[0] + 1), *prov = malloc((size_t)len[1] + 1);
    int oom = !name || !prov, any = 0;
    MPI_Allreduce(&oom, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (any) {
        free(name);
        free(prov);
        return dq_error_set(err, DQ_ENOMEM, NULL, "out of memory");
    }
    if (mpi.rank == 0) {
        memcpy(name, path, (size_t)len[0]);
        if (len[1])
            memcpy(prov, o->header_comment, (size_t)len[1]);
    }
    MPI_Bcast(name, (int)len[0], MPI_CHAR, 0, MPI_COMM_WORLD);
    MPI_Bcast(prov, (int)len[1], MPI_CHAR, 0, MPI_COMM_WORLD);
    o->header_comment = len[1] ? prov : NULL;
    mpi.comm = MPI_COMM_WORLD;
    int rc = dq_h5_set_parallel(&mpi.comm, mpi_local_mine, NULL, err);
    if (rc == DQ_OK && !(*rec = dq_recorder_new_h5(sys, o, name, err)))
        rc = err->code ? err->code : DQ_EIO;
    o->header_comment = NULL;
    free(name);
    free(prov);
    return rc;
}

/* ---- spikes ------------------------------------------------------------------------------ */

/* Makes room for n spikes in *buf (capacity *cap). -1 when out of memory. */
static int mpi_spikes_reserve(dq_spike_t **buf, size_t *cap, size_t n)
{
    if (n <= *cap)
        return 0;
    size_t want = *cap ? *cap : RUN_SPIKE_BUF;
    while (want < n)
        want *= 2;
    dq_spike_t *p = realloc(*buf, want * sizeof *p);
    if (!p)
        return -1;
    *buf = p;
    *cap = want;
    return 0;
}

int run_mpi_spikes(run_spikes_t *sp, dq_system_t *sys, const run_share_t *sh, dq_error_t *err)
{
    if (!mpi.on)
        return run_spikes_drain(sp, sys, err);
    if (mpi.alone) { /* the others are gone: their spikes cannot come */
        while (dq_system_spikes_take(sys, sp->buf, RUN_SPIKE_BUF) > 0)
            ;
        return DQ_OK;
    }
    size_t n = 0, got;
    int oom = 0;
    while ((got = dq_system_spikes_take(sys, sp->buf, RUN_SPIKE_BUF)) > 0) {
        size_t keep = 0;
        for (size_t i = 0; i < got; ++i)
            if (sp->buf[i].unit < sh->count) /* a rank without units steps a copy of unit 0 */
                sp->buf[keep++] = sp->buf[i];
        if (!oom && mpi_spikes_reserve(&mpi.sp_mine, &mpi.sp_mine_cap, n + keep) == 0) {
            for (size_t i = 0; i < keep; ++i) {
                mpi.sp_mine[n + i] = sp->buf[i];
                mpi.sp_mine[n + i].unit += sh->first;
            }
            n += keep;
        } else {
            oom = 1;
        }
    }
    long bytes = oom ? -1 : (long)(n * sizeof *mpi.sp_mine);
    long *sizes = mpi.rank == 0 ? calloc((size_t)mpi.size, sizeof *sizes) : NULL;
    int *cnt = mpi.rank == 0 ? calloc((size_t)mpi.size, sizeof *cnt) : NULL;
    int *dsp = mpi.rank == 0 ? calloc((size_t)mpi.size, sizeof *dsp) : NULL;
    int bad = mpi.rank == 0 && (!sizes || !cnt || !dsp);
    MPI_Request rq;
    MPI_Igather(&bytes, 1, MPI_LONG, sizes, 1, MPI_LONG, 0, MPI_COMM_WORLD, &rq);
    if (mpi_wait(&rq)) {
        free(sizes);
        free(cnt);
        free(dsp);
        return DQ_OK; /* alone: the others' spikes cannot come */
    }
    size_t total = 0;
    for (int r = 0; mpi.rank == 0 && !bad && r < mpi.size; ++r) {
        bad |= sizes[r] < 0;
        cnt[r] = sizes[r] > 0 ? (int)sizes[r] : 0;
        dsp[r] = (int)total;
        total += (size_t)cnt[r];
    }
    size_t all = total / sizeof *mpi.sp_all;
    bad |= mpi.rank == 0 && mpi_spikes_reserve(&mpi.sp_all, &mpi.sp_all_cap, all ? all : 1);
    /* Rank 0 always takes part: a failed allocation only empties what it receives. */
    if (bad && cnt)
        memset(cnt, 0, (size_t)mpi.size * sizeof *cnt);
    MPI_Igatherv(mpi.sp_mine, oom ? 0 : (int)(n * sizeof *mpi.sp_mine), MPI_BYTE, mpi.sp_all, cnt,
                 dsp, MPI_BYTE, 0, MPI_COMM_WORLD, &rq);
    free(sizes);
    if (mpi_wait(&rq)) {
        free(cnt);
        free(dsp);
        return DQ_OK;
    }
    if (mpi.rank != 0 || bad) {
        free(cnt);
        free(dsp);
        return oom || bad ? dq_error_set(err, DQ_ENOMEM, NULL, "out of memory for the spikes")
                          : DQ_OK;
    }
    /* Each rank's spikes are ordered by (time, unit, event) and the ranks' units ascend, so
     * taking the earliest head, the lowest rank on a tie, orders them as one system does. */
    for (int r = 0; r < mpi.size; ++r) { /* bytes into spikes */
        cnt[r] /= (int)sizeof(dq_spike_t);
        dsp[r] /= (int)sizeof(dq_spike_t);
    }
    int rc = DQ_OK;
    for (size_t done = 0; rc == DQ_OK && done < all; ++done) {
        int best = -1;
        for (int r = 0; r < mpi.size; ++r)
            if (cnt[r] && (best < 0 || mpi.sp_all[dsp[r]].t < mpi.sp_all[dsp[best]].t))
                best = r;
        rc = run_spikes_write(sp, &mpi.sp_all[dsp[best]++], 1, err);
        cnt[best]--;
    }
    free(cnt);
    free(dsp);
    return rc;
}

/* ---- the summary ------------------------------------------------------------------------- */

int run_mpi_final(run_final_t *fin, const dq_system_t *sys, const run_share_t *sh)
{
    if (!mpi.on)
        return run_final_local(fin, sys);
    run_final_t mine;
    int bad = run_final_alloc(&mine, sys, sh->count) != 0;
    if (!bad)
        run_final_copy(&mine, sys, sh->count, 0);
    if (mpi.rank == 0)
        bad |= run_final_alloc(fin, sys, sh->total) != 0;
    int any = 0;
    MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    int *cnt = NULL, *dsp = NULL;
    if (!any && mpi.rank == 0) {
        cnt = malloc((size_t)mpi.size * sizeof *cnt);
        dsp = malloc((size_t)mpi.size * sizeof *dsp);
        any = !cnt || !dsp;
    }
    MPI_Bcast(&any, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (any) {
        run_final_free(&mine);
        if (mpi.rank == 0)
            run_final_free(fin);
        free(cnt);
        free(dsp);
        cli_errorf("out of memory for the summary");
        return -1;
    }
    for (int r = 0; mpi.rank == 0 && r < mpi.size; ++r) {
        run_share_t s;
        mpi_share_of(r, &s);
        cnt[r] = (int)s.count;
        dsp[r] = (int)s.first;
    }
    const int c = (int)sh->count;
    const size_t n = sh->total;
    for (size_t s = 0; s < mine.n_states; ++s)
        MPI_Gatherv(mine.values + s * sh->count, c, MPI_DOUBLE,
                    mpi.rank == 0 ? fin->values + s * n : NULL, cnt, dsp, MPI_DOUBLE, 0,
                    MPI_COMM_WORLD);
    for (size_t e = 0; e < mine.n_events; ++e)
        MPI_Gatherv(mine.fired + e * sh->count, c, MPI_UINT64_T,
                    mpi.rank == 0 ? fin->fired + e * n : NULL, cnt, dsp, MPI_UINT64_T, 0,
                    MPI_COMM_WORLD);
    /* The statistics as 4 counts per unit. */
    for (int r = 0; mpi.rank == 0 && r < mpi.size; ++r) {
        cnt[r] *= 4;
        dsp[r] *= 4;
    }
    MPI_Gatherv(mine.stats, 4 * c, MPI_UINT64_T, mpi.rank == 0 ? fin->stats : NULL, cnt, dsp,
                MPI_UINT64_T, 0, MPI_COMM_WORLD);
    free(cnt);
    free(dsp);
    if (mpi.rank == 0)
        run_final_free(&mine);
    else
        *fin = mine;
    return 0;
}
