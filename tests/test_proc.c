/* SPDX-License-Identifier: MIT */
/* test_proc.c -- runs dqhost in a child process and captures its output and status. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_proc.h"

run_result_t res;

static void proc_drain(int fd, char *buf, size_t cap)
{
    size_t used = 0;
    ssize_t n;
    while ((n = read(fd, buf + used, cap - 1 - used)) > 0) {
        used += (size_t)n;
        if (used == cap - 1)
            break;
    }
    buf[used] = '\0';
}

/* Output goes to files, so a large stdout cannot dead-lock a pipe. */
int dqhost_run(const char *cwd, const char *env, const char *first, ...)
{
    const char *argv[64] = {DQ_TEST_DQHOST};
    size_t argc = 1;
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a && argc < 63; a = va_arg(ap, const char *))
        argv[argc++] = a;
    va_end(ap);
    argv[argc] = NULL;
    FILE *out = tmpfile(), *err = tmpfile();
    pid_t pid = fork();
    if (pid == 0) {
        unsetenv("DQHOST_PLUGIN_PATH");
        if (env)
            putenv((char *)env);
        if (cwd && chdir(cwd) != 0)
            _exit(126);
        dup2(fileno(out), 1);
        dup2(fileno(err), 2);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    res.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    rewind(out);
    rewind(err);
    proc_drain(fileno(out), res.out, sizeof res.out);
    proc_drain(fileno(err), res.err, sizeof res.err);
    fclose(out);
    fclose(err);
    return res.status;
}
