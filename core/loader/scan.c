/* SPDX-License-Identifier: MIT */
/* scan.c -- a plugin file is first opened in a child process, as GStreamer's plugin
 * scanner does: a constructor that crashes, calls exit() or never returns costs the child,
 * and the parent gets a one-line verdict. The child runs the loader's own code (ELF
 * pre-check, dlopen with every symbol bound, the entry, every descriptor through the
 * registry's validator) against a throwaway registry, writes its record's outcome to a
 * pipe and leaves with _exit (no exit handlers: the parent owns stdio and the plugins). */
#define _POSIX_C_SOURCE 200809L /* strsignal, kill */

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "internal.h"
#include "loader_impl.h"

static void scan_child(const char *path, int fd)
{
    dq__scan_verdict_t v;
    memset(&v, 0, sizeof v);
    v.scanned = 1;
    dq_error_t e;
    dq_error_clear(&e);
    dq_registry_t *reg = dq_registry_new();
    dq_loader_t *l = reg ? dq_loader_new(reg, &e) : NULL;
    if (!l) {
        v.code = DQ_ENOMEM;
        snprintf(v.message, sizeof v.message, "out of memory scanning plugin '%s'", path);
    } else {
        dq_loader_set_scan(l, DQ_SCAN_OFF, 0.0, NULL);
        dq__loader_load_path(l, path, 0, &e);
        const dq_load_record_t *rec = dq_loader_record_at(l, 0);
        v.code = rec ? rec->code : e.code;
        v.stage = rec ? (int)rec->stage : DQ_STAGE_FOUND;
        snprintf(v.message, sizeof v.message, "%s", rec ? rec->message : e.message);
    }
    dq__child_send(fd, &v, sizeof v);
}

static void scan_fail(dq__scan_verdict_t *v, const char *path, const char *why)
{
    v->scanned = 1;
    v->code = DQ_ELOAD;
    v->stage = DQ_STAGE_FOUND;
    snprintf(v->message, sizeof v->message, "plugin '%s' %s", path, why);
}

void dq__scan_run(const char *path, double timeout, dq__scan_verdict_t *v)
{
    memset(v, 0, sizeof *v);
    int fds[2];
    if (pipe(fds) != 0)
        return; /* not scanned: the caller loads the file as if scanning were off */
    /* Output buffered here would be written twice if the plugin calls exit() in the child. */
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return;
    }
    if (pid == 0) {
        close(fds[0]);
        scan_child(path, fds[1]);
    }
    close(fds[1]);
    dq__scan_verdict_t got_v;
    size_t got = dq__child_receive(fds[0], &got_v, sizeof got_v, timeout);
    close(fds[0]);
    int st = 0;
    if (got == (size_t)-1) {
        kill(pid, SIGKILL);
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
        char why[96];
        snprintf(why, sizeof why, "did not finish loading within %g s (timed out)", timeout);
        scan_fail(v, path, why);
        return;
    }
    pid_t w;
    while ((w = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
        ;
    /* w < 0 (SIGCHLD ignored by the embedder): the verdict alone decides. */
    int clean = w < 0 || (WIFEXITED(st) && WEXITSTATUS(st) == 0);
    if (got == sizeof got_v && clean) {
        *v = got_v;
        v->scanned = 1;
        v->message[sizeof v->message - 1] = '\0';
        if (v->stage < DQ_STAGE_FOUND || v->stage > DQ_STAGE_REGISTERED)
            v->stage = DQ_STAGE_FOUND;
        return;
    }
    char why[160];
    if (w >= 0 && WIFSIGNALED(st))
        snprintf(why, sizeof why, "crashed while loading: %s", strsignal(WTERMSIG(st)));
    else if (w >= 0 && WIFEXITED(st))
        snprintf(why, sizeof why, "exited with status %d while loading", WEXITSTATUS(st));
    else
        snprintf(why, sizeof why, "stopped while loading without a verdict");
    scan_fail(v, path, why);
}
