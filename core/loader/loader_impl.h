/* SPDX-License-Identifier: MIT */
/* loader_impl.h -- what the loader's files share: loader.c (opening, checking,
 * opening), loader_register.c (registering), loader_dir.c (directories), elf_check.c (the ELF
 * pre-check), scan.c (the child-process scan) and scan_cache.c (its verdicts on disk). */
#ifndef DQ_LOADER_IMPL_H
#define DQ_LOADER_IMPL_H

#include <stddef.h>
#include <sys/stat.h>

#include <dq/host/loader.h>

#include "internal.h"

/* Makes room for `need` elements of `elem` bytes; doubles, so n additions cost O(n)
 * copies. Returns DQ_OK or DQ_ENOMEM (the old block stays valid). */
int dq__loader_grow(void **items, size_t *cap, size_t need, size_t elem);

/* Loads `given` unless its real path was seen; `quiet` skips a seen file without a word
 * (directory scans), otherwise the earlier record's outcome is returned. */
int dq__loader_load_path(dq_loader_t *l, const char *given, int quiet, dq_error_t *err);

/* Reads the info block into the host's layout (`in`) and checks every descriptor with the
 * registry's validator, before anything is registered. */
int dq__loader_check_plugin(const dq_plugin_info_t *info, const char *path, dq_plugin_info_t *in,
                            dq_error_t *err);

/* Registers everything of one checked file (in the host's layout); its warnings go to the
 * record as well as to the registry's handler. A failure takes back what was registered. */
int dq__loader_register(dq_registry_t *reg, const dq_plugin_info_t *in, const char *path,
                        dq__keep_t *keep, dq_load_record_t *rec, dq_error_t *err);

/* Writes the scan cache if this loader added verdicts to it. */
void dq__loader_cache_save(dq_loader_t *l);

/* Checks, before the dynamic linker sees it, that `path` is a regular file holding an ELF
 * shared object for this machine whose program headers and loadable segments lie inside
 * the file. Returns DQ_OK or DQ_ELOAD with "cannot open plugin '<path>': <reason>". */
int dq__elf_precheck(const char *path, dq_error_t *err);

/* What a scan found out about one file. */
typedef struct dq__scan_verdict {
    int scanned;                        /* 0: no child could be started; the file was not judged */
    int code;                           /* DQ_OK, or the code of the record the file gets */
    int stage;                          /* dq_load_stage_t reached in the child */
    char message[DQ_ERROR_MESSAGE_MAX]; /* the record's message when code is not DQ_OK */
} dq__scan_verdict_t;

/* Opens, checks and registers `path` (a real path) in a child process with a throwaway
 * registry and reports how it went: ok, the record's error, a crash (signal), an exit
 * before answering, or no answer within `timeout` seconds (the child is killed). */
void dq__scan_run(const char *path, double timeout, dq__scan_verdict_t *v);

typedef struct dq__scan_cache dq__scan_cache_t;

/* The cache of this user and dqhost version, read from disk (empty when there is no file).
 * NULL when there is no cache directory to use, or out of memory: then nothing is cached. */
dq__scan_cache_t *dq__scan_cache_open(void);
/* 1 and *v filled when `path` with this identity has a verdict, else 0. */
int dq__scan_cache_get(const dq__scan_cache_t *c, const char *path, const struct stat *st,
                       dq__scan_verdict_t *v);
/* Remembers a verdict (a verdict that cannot be stored is simply not cached). */
void dq__scan_cache_put(dq__scan_cache_t *c, const char *path, const struct stat *st,
                        const dq__scan_verdict_t *v);
/* Writes the cache when it changed (atomically: a temporary file renamed over it); a
 * cache that cannot be written is left alone. */
void dq__scan_cache_save(dq__scan_cache_t *c);
void dq__scan_cache_free(dq__scan_cache_t *c);

#endif
