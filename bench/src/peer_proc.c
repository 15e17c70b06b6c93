/* SPDX-License-Identifier: MIT */
/* peer_proc.c -- the process plumbing of the peers that run as programs of their own: Brian2
 * and NEURON (Python scripts in bench/peers) and the command-line rows (peer_cli.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "peer_proc.h"

extern char **environ;

static char pp_tmp[4096]; /* "" until needed */

const char *bench_peer_tmpdir(char *msg, size_t len)
{
    if (pp_tmp[0])
        return pp_tmp;
    const char *base = getenv("TMPDIR");
    snprintf(pp_tmp, sizeof pp_tmp, "%s/dq_bench_peers.XXXXXX", base && base[0] ? base : "/tmp");
    if (!mkdtemp(pp_tmp)) {
        snprintf(msg, len, "cannot make a temporary directory %s: %s", pp_tmp, strerror(errno));
        pp_tmp[0] = '\0';
        return NULL;
    }
    return pp_tmp;
}

static int pp_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(path); /* best effort: go on with the rest */
    return 0;
}

void bench_peer_tmp_cleanup(void)
{
    if (pp_tmp[0])
        nftw(pp_tmp, pp_rm, 16, FTW_DEPTH | FTW_PHYS);
    pp_tmp[0] = '\0';
}

void bench_peer_tail(const char *path, char *out, size_t len, size_t keep)
{
    out[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    if (fseek(f, 0, SEEK_END) == 0) {
        long size = ftell(f);
        fseek(f, size > (long)keep ? size - (long)keep : 0, SEEK_SET);
    }
    size_t n = fread(out, 1, len - 1, f);
    out[n] = '\0';
    fclose(f);
    for (char *c = out; *c; ++c)
        if (*c == '\n' || *c == '\t')
            *c = ' ';
}

int bench_peer_spawn(char *const argv[], const char *log, char *out, size_t out_len)
{
    int fd[2];
    if (pipe(fd))
        return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addclose(&fa, fd[0]);
    posix_spawn_file_actions_adddup2(&fa, fd[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&fa, fd[1]);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fd[1]);
    if (rc != 0) {
        close(fd[0]);
        errno = rc;
        return -1;
    }
    size_t o = 0;
    char sink[4096];
    for (;;) {
        ssize_t k = o + 1 < out_len ? read(fd[0], out + o, out_len - 1 - o)
                                    : read(fd[0], sink, sizeof sink);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        if (o + 1 < out_len)
            o += (size_t)k;
    }
    out[o] = '\0';
    close(fd[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

double bench_peer_json_num(const char *js, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(js, pat);
    if (!p)
        return NAN;
    p += strlen(pat);
    while (*p == ' ')
        ++p;
    char *end;
    double v = strtod(p, &end);
    return end == p ? NAN : v;
}

void bench_peer_json_str(const char *js, const char *key, char *out, size_t len)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\": \"", key);
    const char *p = strstr(js, pat);
    out[0] = '\0';
    if (p) {
        p += strlen(pat);
        size_t n = strcspn(p, "\"");
        snprintf(out, len, "%.*s", (int)(n < 120 ? n : 120), p);
    }
}

int bench_peer_script_version(const char *python, const char *script, const char *name,
                              const char *key, const char *packages, char *out, size_t out_len,
                              char *version, size_t vlen, char *msg, size_t len)
{
    char log[4200], tail[300];
    const char *tmp;
    version[0] = '\0';
    if (access(python, X_OK) != 0) {
        snprintf(msg, len, "%s: no Python at %.200s", name, python);
        return 1;
    }
    if (!(tmp = bench_peer_tmpdir(msg, len)))
        return 1;
    snprintf(log, sizeof log, "%s/%s-version.log", tmp, key);
    char *argv[] = {(char *)python, (char *)script, "--version", NULL};
    const int rc = bench_peer_spawn(argv, log, out, out_len);
    bench_peer_json_str(out, key, version, vlen);
    if (rc != 0 || !version[0]) {
        bench_peer_tail(log, tail, sizeof tail, 200);
        snprintf(msg, len, "%s cannot be run by %.120s (Debian: %s): exit %d%s%.200s", name, python,
                 packages, rc, tail[0] ? ", " : "", tail);
        return 1;
    }
    return 0;
}
