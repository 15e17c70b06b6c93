/* SPDX-License-Identifier: MIT */
/* test_proc.c -- runs dqhost in a child process and captures its output and status. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int test_tmp_make(char *dir, size_t cap, const char *tag)
{
    snprintf(dir, cap, "/tmp/dqhost-%s-XXXXXX", tag);
    return mkdtemp(dir) ? 0 : -1;
}

void test_tmp_remove(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

char *test_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    size_t got = buf ? fread(buf, 1, (size_t)n, f) : 0;
    if (buf)
        buf[got] = '\0';
    fclose(f);
    return buf;
}

int test_put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int bad = fputs(text, f) < 0;
    return fclose(f) != 0 || bad ? -1 : 0;
}

int test_dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    if (!d)
        return -1;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

const char *test_csv_body(const char *csv)
{
    while (csv && strncmp(csv, "# ", 2) == 0) {
        const char *e = strchr(csv, '\n');
        csv = e ? e + 1 : csv + strlen(csv);
    }
    return csv;
}
