/* SPDX-License-Identifier: MIT */
/* run_output.c -- where `dqhost run -o FILE` writes, decided before the run.
 *
 * - A symlink is followed (hop by hop, at most 40) to the name it finally points at, and
 *   that name is written: the symlink stays a symlink.
 * - A regular file, or a name that does not exist yet, is written under a temporary name
 *   in the same directory and renamed over the target when the run succeeds, so readers
 *   see the old file or the whole new one. The new file keeps the old one's mode.
 * - A regular file with more than one hard link is also written to a temporary file, but
 *   on success the result is copied into the file in place: renaming would break the link
 *   (the other names would keep the old trajectory), while writing in place from the start
 *   would leave the file cut short by a failed or interrupted run. Only the final copy is
 *   not atomic.
 * - Anything else (a device such as /dev/null, a FIFO, /dev/fd/N, /proc/self/fd/N) is
 *   opened and written in place; nothing is created or renamed.
 * - Refused at once, with exit status 2: a directory, a missing or non-directory parent, a
 *   read-only file (even for root: its mode says not to write it), a directory where the
 *   temporary file cannot be created, a symlink loop. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "numfmt.h"
#include "run.h"
#include "strbuf.h"

#define OUTPUT_MAX_HOPS 40

/* Names under which the kernel's "magic" links live: following them by hand gives names
 * like "pipe:[123]"; opened, they reach the open file itself. */
static int output_is_magic(const char *path)
{
    return strncmp(path, "/proc/", 6) == 0 || strncmp(path, "/dev/fd/", 8) == 0;
}

/* The directory part of path ("." for a bare name). [owned] */
static char *output_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

/* Follows symlinks from path to the name that is not one (it may not exist). Sets *magic
 * when a hop passes through /proc or /dev/fd. NULL with errno set on failure. [owned] */
static char *output_follow(const char *path, int *magic)
{
    char *cur = strdup(path);
    for (int hops = 0; cur; ++hops) {
        struct stat st;
        *magic |= output_is_magic(cur);
        if (*magic || lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode))
            return cur;
        char link[4096];
        ssize_t n = hops < OUTPUT_MAX_HOPS ? readlink(cur, link, sizeof link - 1) : -1;
        if (n < 0 || (size_t)n >= sizeof link - 1) {
            int e = hops < OUTPUT_MAX_HOPS ? (n < 0 ? errno : ENAMETOOLONG) : ELOOP;
            free(cur);
            errno = e;
            return NULL;
        }
        link[n] = '\0';
        char *next = NULL, *dir = NULL;
        if (link[0] == '/' || !strchr(cur, '/'))
            next = strdup(link);
        else if ((dir = output_dir(cur)) && (next = malloc(strlen(dir) + (size_t)n + 2)))
            sprintf(next, "%s/%s", dir, link);
        free(dir);
        free(cur);
        cur = next;
    }
    errno = ENOMEM;
    return NULL;
}

/* "cannot write <what> 'P'[ (-> 'T')]: <why>" on stderr; returns -1. */
static int output_refuse(const run_output_t *o, const char *fmt, ...) DQ_PRINTF(2, 3);

static int output_refuse(const run_output_t *o, const char *fmt, ...)
{
    char why[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    if (o->target && strcmp(o->target, o->path) != 0)
        cli_errorf("cannot write %s '%s' (-> '%s'): %s", o->what, o->path, o->target, why);
    else
        cli_errorf("cannot write %s '%s': %s", o->what, o->path, why);
    return -1;
}

/* The target's directory must let us create the temporary file there. */
static int output_check_dir(run_output_t *o)
{
    char *dir = output_dir(o->target);
    struct stat st;
    int rc = 0;
    if (!dir)
        rc = output_refuse(o, "out of memory");
    else if (stat(dir, &st) != 0)
        rc = errno == ENOENT ? output_refuse(o, "directory '%s' does not exist", dir)
                             : output_refuse(o, "directory '%s': %s", dir, strerror(errno));
    else if (!S_ISDIR(st.st_mode))
        rc = output_refuse(o, "'%s' is not a directory", dir);
    else if (access(dir, W_OK | X_OK) != 0)
        rc = output_refuse(o, "cannot create files in directory '%s': %s", dir, strerror(errno));
    free(dir);
    return rc;
}

int run_output_check(run_output_t *o, const char *path, const char *what)
{
    *o = (run_output_t){.path = path, .what = what};
    int magic = 0;
    o->target = output_follow(path, &magic);
    if (!o->target)
        return output_refuse(o, "%s", strerror(errno));
    size_t len = strlen(o->target);
    struct stat st;
    if (stat(o->target, &st) != 0) {
        if (errno != ENOENT && errno != ENOTDIR) /* those two: the directory says why */
            return output_refuse(o, "%s", strerror(errno));
        if (len && o->target[len - 1] == '/')
            return output_refuse(o, "directory '%s' does not exist", o->target);
        o->kind = RUN_OUT_REPLACE;
        o->mode = 0666 & ~run_umask();
        return output_check_dir(o);
    }
    if (S_ISDIR(st.st_mode))
        return output_refuse(o, "it is a directory");
    if (!S_ISREG(st.st_mode) || magic) {
        o->kind = RUN_OUT_IN_PLACE;
        if (access(o->target, W_OK) != 0)
            return output_refuse(o, "%s", strerror(errno));
        return 0;
    }
    if (!(st.st_mode & 0222))
        return output_refuse(o, "the file is read-only");
    if (access(o->target, W_OK) != 0)
        return output_refuse(o, "%s", strerror(errno));
    o->kind = st.st_nlink > 1 ? RUN_OUT_COPY : RUN_OUT_REPLACE;
    o->mode = st.st_mode & 07777;
    return output_check_dir(o);
}

mode_t run_umask(void)
{
    mode_t mask = umask(0);
    umask(mask);
    return mask;
}

FILE *run_output_open(run_output_t *o)
{
    int fd;
    if (o->kind == RUN_OUT_IN_PLACE) {
        /* The name as given: the kernel follows /dev/fd and /proc links to the open file.
         * O_APPEND so that a file behind /dev/fd/N opened by `>>` is not overwritten. */
        fd = open(o->path, O_WRONLY | O_NOCTTY | O_APPEND | O_CLOEXEC);
    } else {
        o->tmp = malloc(strlen(o->target) + 16);
        if (!o->tmp) {
            output_refuse(o, "out of memory");
            return NULL;
        }
        sprintf(o->tmp, "%s.tmp.XXXXXX", o->target);
        fd = mkstemp(o->tmp);
        /* mkstemp creates 0600; the trajectory gets the old file's mode, or a new file's. */
        if (fd >= 0)
            fchmod(fd, o->mode);
        else {
            free(o->tmp);
            o->tmp = NULL;
        }
    }
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        if (!(e == EINTR && run_signal)) /* a FIFO with no reader, and Ctrl-C: said later */
            output_refuse(o, "%s", strerror(e));
        run_output_cleanup(o);
        return NULL;
    }
    o->f = f;
    return f;
}

const char *run_output_open_path(run_output_t *o, const char *format)
{
    if (o->kind == RUN_OUT_IN_PLACE) {
        output_refuse(o,
                      "%s output needs a regular file (it is written by name, not as a "
                      "stream)",
                      format);
        return NULL;
    }
    FILE *f = run_output_open(o);
    if (!f)
        return NULL;
    /* The writer opens the file again by name; the stream only created it. */
    fclose(f);
    o->f = NULL;
    return o->tmp;
}

/* Copies the temporary file into the target in place (the hard-link case). */
static int output_copy(run_output_t *o, dq_error_t *err)
{
    int in = open(o->tmp, O_RDONLY | O_CLOEXEC);
    int out = in >= 0 ? open(o->target, O_WRONLY | O_TRUNC | O_NOCTTY | O_CLOEXEC) : -1;
    int rc = in >= 0 && out >= 0 ? 0 : -1;
    char buf[1 << 16];
    for (ssize_t n; rc == 0 && (n = read(in, buf, sizeof buf)) != 0;) {
        if (n < 0 && errno == EINTR)
            continue;
        for (ssize_t done = 0, w; rc == 0 && n > 0 && done<n; done += w> 0 ? w : 0)
            if ((w = write(out, buf + done, (size_t)(n - done))) < 0 && errno != EINTR)
                rc = -1;
        if (n < 0)
            rc = -1;
    }
    int e = errno;
    if (out >= 0 && close(out) != 0 && rc == 0) {
        rc = -1;
        e = errno;
    }
    if (in >= 0)
        close(in);
    if (rc)
        dq_error_set(err, DQ_EIO, NULL, "cannot write %s '%s': %s", o->what, o->path, strerror(e));
    return rc;
}

int run_output_close(run_output_t *o, dq_error_t *err)
{
    if (!o->f)
        return 0;
    errno = 0;
    int bad = fclose(o->f) != 0;
    o->f = NULL;
    if (bad)
        return dq_error_set(err, DQ_EIO, NULL, "cannot write %s '%s': %s", o->what, o->path,
                            strerror(errno ? errno : EIO));
    return 0;
}

int run_output_commit(run_output_t *o, dq_error_t *err)
{
    if (run_output_close(o, err))
        return -1;
    if (!o->tmp)
        return 0;
    if (o->kind == RUN_OUT_COPY) {
        if (output_copy(o, err))
            return -1;
        unlink(o->tmp);
    } else if (rename(o->tmp, o->target) != 0) {
        return dq_error_set(err, DQ_EIO, NULL, "cannot write %s '%s': %s", o->what, o->path,
                            strerror(errno));
    }
    free(o->tmp);
    o->tmp = NULL;
    return 0;
}

const char *run_output_keep_partial(run_output_t *o)
{
    dq_error_t ignored = {0};
    run_output_close(o, &ignored);
    if (!o->tmp)
        return NULL;
    free(o->partial);
    o->partial = malloc(strlen(o->target) + sizeof ".partial");
    if (o->partial)
        sprintf(o->partial, "%s.partial", o->target);
    if (!o->partial || rename(o->tmp, o->partial) != 0) {
        run_output_cleanup(o);
        return NULL;
    }
    free(o->tmp);
    o->tmp = NULL;
    return o->partial;
}

void run_output_cleanup(run_output_t *o)
{
    if (o->f)
        fclose(o->f);
    o->f = NULL;
    if (o->tmp)
        unlink(o->tmp);
    free(o->tmp);
    o->tmp = NULL;
}

void run_output_free(run_output_t *o)
{
    run_output_cleanup(o);
    free(o->target);
    free(o->partial);
    o->target = o->partial = NULL;
}

/* ---- the spike file ---------------------------------------------------------------------- */

/* name as a CSV field (quoted, quotes doubled, when it holds a separator or a quote) or a
 * JSON string. [owned] */
static char *spikes_quote(const char *name, int json)
{
    char tmp[512];
    dq__strbuf_t b;
    dq__strbuf_init(&b, tmp, sizeof tmp);
    if (json)
        dq__strbuf_append_json(&b, name);
    else if (!strpbrk(name, ",\"\r\n"))
        dq__strbuf_append(&b, name);
    else {
        dq__strbuf_append(&b, "\"");
        for (const char *c = name; *c; ++c)
            dq__strbuf_append(&b, *c == '"' ? "\"\"" : (char[2]){*c, 0});
        dq__strbuf_append(&b, "\"");
    }
    return dq__strbuf_fits(&b) ? strdup(tmp) : strdup(json ? "\"?\"" : "?");
}

static int spikes_io_error(const run_spikes_t *sp, dq_error_t *err)
{
    dq_error_set(err, DQ_EIO, NULL, "cannot write spike file '%s': %s", sp->path,
                 strerror(errno ? errno : EIO));
    return -1;
}

int run_spikes_open(run_spikes_t *sp, const dq_system_t *sys, FILE *f, int json, const char *path,
                    dq_error_t *err)
{
    *sp = (run_spikes_t){.f = f, .json = json, .path = path};
    sp->n_events = dq_system_event_count(sys);
    if (!(sp->buf = malloc(RUN_SPIKE_BUF * sizeof *sp->buf)) ||
        (sp->n_events && !(sp->names = calloc(sp->n_events, sizeof *sp->names)))) {
        dq_error_set(err, DQ_ENOMEM, NULL, "out of memory");
        return -1;
    }
    if (!f)
        return 0;
    for (size_t e = 0; e < sp->n_events; ++e) {
        const char *name = dq_system_event_name(sys, e);
        if (!(sp->names[e] = spikes_quote(name ? name : "?", json))) {
            dq_error_set(err, DQ_ENOMEM, NULL, "out of memory");
            return -1;
        }
    }
    errno = 0;
    if (!json)
        return fputs("unit,t,event\n", f) < 0 ? spikes_io_error(sp, err) : 0;
    const char *tu = dq_system_time_unit(sys), *solver = dq_system_solver_name(sys);
    char *model = spikes_quote(dq_system_model_name(sys), 1);
    char *sv = solver ? spikes_quote(solver, 1) : NULL;
    char *unit = tu ? spikes_quote(tu, 1) : NULL;
    int bad = !model || (solver && !sv) || (tu && !unit) ||
              fprintf(f, "{\"model\": %s, \"solver\": %s, \"time_unit\": %s, \"events\": [", model,
                      sv ? sv : "null", unit ? unit : "null") < 0;
    free(model);
    free(sv);
    free(unit);
    /* Only spike events appear in the file; the list names them. */
    for (size_t e = 0, k = 0; !bad && e < sp->n_events; ++e)
        if (dq_system_event_flags(sys, e) & DQ_EVENT_SPIKE)
            bad = fprintf(f, "%s%s", k++ ? ", " : "", sp->names[e]) < 0;
    if (bad || fputs("], \"spikes\": [", f) < 0)
        return spikes_io_error(sp, err);
    return 0;
}

int run_spikes_write(run_spikes_t *sp, const dq_spike_t *spikes, size_t n, dq_error_t *err)
{
    errno = 0;
    for (size_t i = 0; sp->f && i < n; ++i) {
        const dq_spike_t *s = &spikes[i];
        char t[DQ__NUMFMT_MAX];
        const char *name = s->event < sp->n_events ? sp->names[s->event] : NULL;
        int rc = sp->json
                     ? fprintf(sp->f, "%s\n{\"unit\": %zu, \"t\": %s, \"event\": %s}",
                               sp->written ? "," : "", s->unit,
                               dq__numfmt(t, sizeof t, s->t, DQ__NUM_JSON), name ? name : "null")
                     : fprintf(sp->f, "%zu,%s,%s\n", s->unit,
                               dq__numfmt(t, sizeof t, s->t, DQ__NUM_TEXT), name ? name : "");
        if (rc < 0)
            return spikes_io_error(sp, err);
        sp->written++;
    }
    return 0;
}

int run_spikes_drain(run_spikes_t *sp, dq_system_t *sys, dq_error_t *err)
{
    size_t n;
    while ((n = dq_system_spikes_take(sys, sp->buf, RUN_SPIKE_BUF)) > 0)
        if (run_spikes_write(sp, sp->buf, n, err))
            return -1;
    return 0;
}

int run_spikes_finish(run_spikes_t *sp, dq_error_t *err)
{
    if (!sp->f)
        return 0;
    errno = 0;
    if ((sp->json && fputs(sp->written ? "\n]}\n" : "]}\n", sp->f) < 0) || fflush(sp->f) == EOF ||
        ferror(sp->f))
        return spikes_io_error(sp, err);
    return 0;
}

void run_spikes_free(run_spikes_t *sp)
{
    for (size_t e = 0; sp->names && e < sp->n_events; ++e)
        free(sp->names[e]);
    free(sp->names);
    free(sp->buf);
    sp->names = NULL;
    sp->buf = NULL;
}

/* ---- signals ---------------------------------------------------------------------------- */

volatile sig_atomic_t run_signal;

static const int run_signals[] = {SIGINT, SIGTERM, SIGHUP};
static struct sigaction run_old_actions[3];

static void run_on_signal(int sig)
{
    run_signal = sig;
}

void run_signals_install(void)
{
    /* No SA_RESTART: a FIFO's open or a write to a pipe blocked when the signal comes
     * returns EINTR, and the run stops instead of waiting. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = run_on_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < 3; ++i)
        sigaction(run_signals[i], &sa, &run_old_actions[i]);
}

void run_signals_restore(void)
{
    for (size_t i = 0; i < 3; ++i)
        sigaction(run_signals[i], &run_old_actions[i], NULL);
}

const char *run_signal_name(int sig)
{
    return sig == SIGINT    ? "SIGINT"
           : sig == SIGTERM ? "SIGTERM"
           : sig == SIGHUP  ? "SIGHUP"
                            : "a signal";
}
