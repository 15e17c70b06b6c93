/* SPDX-License-Identifier: MIT */
/* test_proc.h -- running the dqhost binary from a test, as a user would. */
#ifndef DQ_TEST_PROC_H
#define DQ_TEST_PROC_H

#include <string.h>

typedef struct run_result {
    int status;        /* exit status, or -1 when killed by a signal */
    char out[1 << 20]; /* dqhost check --json over every built-in solver: 273 KB */
    char err[1 << 15];
} run_result_t;

/* The result of the last run. */
extern run_result_t res;

/* Runs dqhost with the NULL-terminated arguments in directory `cwd` (NULL: the current
 * one) with `env` ("NAME=VALUE" or NULL) added; DQHOST_PLUGIN_PATH is unset. Fills `res`
 * and returns the exit status. */
int dqhost_run(const char *cwd, const char *env, const char *first, ...);

/* A new directory /tmp/dqhost-<tag>-XXXXXX into dir[cap]; 0, or -1. */
int test_tmp_make(char *dir, size_t cap, const char *tag);
/* Removes it and everything in it. */
void test_tmp_remove(const char *dir);
/* The whole file as a string, or NULL. [owned: free()] */
char *test_slurp(const char *path);
/* Writes text to path; 0, or -1. */
int test_put(const char *path, const char *text);
/* Entries of a directory other than "." names (a test's leftovers); -1 when unreadable. */
int test_dir_entries(const char *dir);
/* A CSV trajectory without its provenance header (the leading "# " lines). */
const char *test_csv_body(const char *csv);

#define dqhost_env(env, ...) dqhost_run(NULL, env, __VA_ARGS__)
#define dqhost(...) dqhost_run(NULL, NULL, __VA_ARGS__, (const char *)NULL)
#define dqhost_in(cwd, ...) dqhost_run(cwd, NULL, __VA_ARGS__, (const char *)NULL)
#define ck_assert_contains(hay, needle)                                                            \
    ck_assert_msg(strstr((hay), (needle)) != NULL, "expected '%s' in:\n%s", (needle), (hay))

#endif
