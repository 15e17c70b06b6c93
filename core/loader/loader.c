/* SPDX-License-Identifier: MIT */
/* loader.c -- finds plugin files, opens them with libltdl and checks them (loader_register.c
 * registers them).
 *
 * The only file of libdqcore that includes <ltdl.h> (and <dlfcn.h>: libltdl always binds
 * lazily and replaces the dynamic linker's message by "file not found", so the file is
 * first opened with dlopen(RTLD_NOW), which binds every symbol and gives the linker's own
 * words). A file goes through the stages of dq_load_stage_t, after the scan of scan.c
 * unless scanning is off; everything is checked (by the registry's own validator) before
 * anything is registered, and a file whose registration fails midway takes back what it
 * registered.
 *
 * An opened file is wrapped in a reference-counted keep that every registry entry from it
 * retains: the file is closed when its last entry goes, whether the loader is still there
 * or not. */
#define _XOPEN_SOURCE 700 /* realpath */

#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ltdl.h>

#include <dq/host/loader.h>

#include "internal.h"
#include "loader_impl.h"
#include "registry_private.h"

#define LOADER_SUFFIX ".so"

_Static_assert(sizeof(dq_plugin_entry_fn) == sizeof(void *),
               "the entry symbol's address must fit a function pointer");

/* A real path already considered, and the record it produced. */
typedef struct loader_seen {
    char *path;
    size_t record;
} loader_seen_t;

struct dq_loader {
    dq_registry_t *reg;
    lt_dladvise advise;
    dq_load_record_t *records;
    size_t n_records, cap_records;
    loader_seen_t *seen;
    size_t n_seen, cap_seen;
    dq_scan_mode_t scan;
    double scan_timeout;
    dq__scan_cache_t *cache; /* opened at the first scan that may use it */
    int cache_tried;
};

/* Makes room for `need` elements; doubles so a directory of n files costs O(n) copies. */
int dq__loader_grow(void **items, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return DQ_OK;
    size_t n = *cap ? *cap * 2 : 8;
    while (n < need)
        n *= 2;
    void *p = realloc(*items, n * elem);
    if (!p)
        return DQ_ENOMEM;
    *items = p;
    *cap = n;
    return DQ_OK;
}

dq_loader_t *dq_loader_new(dq_registry_t *reg, dq_error_t *err)
{
    if (!reg) {
        dq_error_set(err, DQ_EINVAL, NULL, "dq_loader_new: a registry is required");
        return NULL;
    }
    dq_loader_t *l = calloc(1, sizeof *l);
    if (!l) {
        dq_error_set(err, DQ_ENOMEM, NULL, "out of memory creating the plugin loader");
        return NULL;
    }
    l->reg = reg;
    l->scan = DQ_SCAN_CACHED;
    l->scan_timeout = DQ_SCAN_DEFAULT_TIMEOUT;
    /* lt_dlinit is reference-counted: each loader holds one reference until it is freed. */
    if (lt_dlinit() != 0) {
        const char *why = lt_dlerror();
        dq_error_set(err, DQ_ELOAD, NULL, "cannot initialise libltdl: %s",
                     why ? why : "unknown error");
        free(l);
        return NULL;
    }
    /* Local binding so plugins never see each other's symbols; no lt_dladvise_ext because
     * we always pass the exact file name. */
    if (lt_dladvise_init(&l->advise) != 0 || lt_dladvise_local(&l->advise) != 0) {
        const char *why = lt_dlerror();
        dq_error_set(err, DQ_ENOMEM, NULL, "cannot set up libltdl: %s",
                     why ? why : "out of memory");
        lt_dladvise_destroy(&l->advise);
        lt_dlexit();
        free(l);
        return NULL;
    }
    return l;
}

void dq_loader_free(dq_loader_t *l)
{
    if (!l)
        return;
    /* Plugins still in use are closed by their registry entries (loader_module_close). */
    lt_dladvise_destroy(&l->advise);
    lt_dlexit();
    dq__scan_cache_free(l->cache);
    for (size_t i = 0; i < l->n_seen; ++i)
        free(l->seen[i].path);
    free(l->seen);
    free(l->records);
    free(l);
}

/* -- opening ------------------------------------------------------------------------- */

int dq_loader_set_scan(dq_loader_t *l, dq_scan_mode_t mode, double timeout, dq_error_t *err)
{
    if (!l || (mode != DQ_SCAN_CACHED && mode != DQ_SCAN_FRESH && mode != DQ_SCAN_OFF) ||
        !(timeout >= 0.0) || !isfinite(timeout))
        return dq_error_set(err, DQ_EINVAL, NULL,
                            "dq_loader_set_scan: a loader, a known mode and a finite time limit "
                            "of at least 0 s are required");
    l->scan = mode;
    if (timeout > 0.0)
        l->scan_timeout = timeout;
    return DQ_OK;
}

void dq__loader_cache_save(dq_loader_t *l)
{
    dq__scan_cache_save(l->cache);
}

/* The dynamic linker's message without the path it starts with (ours names the file). */
static void loader_linker_message(const char *path, char *why, size_t len)
{
    const char *msg = dlerror();
    if (!msg || !*msg)
        return;
    size_t n = strlen(path);
    if (strncmp(msg, path, n) == 0 && msg[n] == ':' && msg[n + 1] == ' ')
        msg += n + 2;
    snprintf(why, len, "%s", msg);
}

/* The ELF pre-check, then dlopen with RTLD_NOW: libltdl has no way to ask for it, so the
 * file is opened once that way (binding every symbol, so a missing function is found now,
 * not at its first call) and stays open until libltdl's lazy open has found it loaded. */
static int loader_open_file(dq_loader_t *l, const char *path, lt_dlhandle *out, dq_error_t *err)
{
    int rc = dq__elf_precheck(path, err);
    if (rc)
        return rc;
    char why[DQ_ERROR_MESSAGE_MAX] = "unknown error";
    (void)dlerror();
    void *now = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!now) {
        loader_linker_message(path, why, sizeof why);
        return dq_error_set(err, DQ_ELOAD, path, "cannot open plugin '%s': %s", path, why);
    }
    *out = lt_dlopenadvise(path, l->advise);
    if (!*out) {
        /* lt_dlerror's text lives in libltdl's static state: copy it before anything else. */
        const char *lt = lt_dlerror();
        snprintf(why, sizeof why, "%s", lt ? lt : "unknown error");
    }
    dlclose(now);
    if (*out)
        return DQ_OK;
    return dq_error_set(err, DQ_ELOAD, path, "cannot open plugin '%s': %s", path, why);
}

static int loader_call_entry(lt_dlhandle h, const char *path, const dq_plugin_info_t **info,
                             dq_error_t *err)
{
    void *sym = lt_dlsym(h, DQ_PLUGIN_ENTRY_SYMBOL);
    if (!sym) {
        (void)lt_dlerror(); /* our message says it better; clear libltdl's */
        return dq_error_set(err, DQ_ENOENTRY, path, "plugin '%s' does not export %s", path,
                            DQ_PLUGIN_ENTRY_SYMBOL);
    }
    /* POSIX lets a symbol's address convert to a function pointer; memcpy says so without
     * the cast ISO C frowns on, so the file stays clean under -Wpedantic. */
    dq_plugin_entry_fn entry;
    memcpy(&entry, &sym, sizeof entry);
    *info = entry();
    if (!*info)
        return dq_error_set(err, DQ_ENOENTRY, path, "plugin '%s': %s returned NULL", path,
                            DQ_PLUGIN_ENTRY_SYMBOL);
    /* Its alignment is checked, with every descriptor's, before anything reads it
     * (dq__plugin_info_read, shared with in-process registration). */
    return DQ_OK;
}

/* -- one file ------------------------------------------------------------------------ */

/* Releases a file when its last registry entry goes. Each open file holds a reference
 * to libltdl (lt_dlinit is counted) so that freeing every loader, whose lt_dlexit would
 * close all modules, leaves the files that entries still use open. */
static void loader_module_close(void *handle)
{
    lt_dlclose(handle);
    lt_dlexit();
}

/* Takes the file from FOUND as far as it goes. The file stays open while a registry entry
 * refers to it, and is closed at once otherwise. */
static int loader_load_real(dq_loader_t *l, const char *path, dq_load_record_t *rec,
                            dq_error_t *err)
{
    lt_dlhandle h;
    int rc = loader_open_file(l, path, &h, err);
    if (rc)
        return rc;
    if (lt_dlinit() != 0) {
        lt_dlclose(h);
        return dq_error_set(err, DQ_ELOAD, path, "cannot load plugin '%s': libltdl failed", path);
    }
    dq__keep_t *keep = dq__keep_new(loader_module_close, h);
    if (!keep) {
        loader_module_close(h);
        return dq_error_set(err, DQ_ENOMEM, path, "out of memory loading plugin '%s'", path);
    }
    rec->stage = DQ_STAGE_OPENED;
    const dq_plugin_info_t *info = NULL;
    dq_plugin_info_t in;
    if ((rc = loader_call_entry(h, path, &info, err)) == DQ_OK) {
        rec->stage = DQ_STAGE_ENTRY;
        if ((rc = dq__loader_check_plugin(info, path, &in, err)) == DQ_OK) {
            rec->stage = DQ_STAGE_CHECKED;
            if ((rc = dq__loader_register(l->reg, &in, path, keep, rec, err)) == DQ_OK)
                rec->stage = DQ_STAGE_REGISTERED;
        }
    }
    /* The loader's own reference: the entries hold theirs. */
    dq__keep_release(keep);
    return rc;
}

/* Why `given`, which realpath could not resolve, cannot be opened. */
static int loader_unresolved(const char *given, int real_errno, dq_error_t *err)
{
    struct stat st;
    if (real_errno == ENOENT && lstat(given, &st) == 0 && S_ISLNK(st.st_mode))
        return dq_error_set(err, DQ_ELOAD, given,
                            "cannot open plugin '%s': a broken symbolic link (its target does not "
                            "exist)",
                            given);
    return dq_error_set(err, DQ_ELOAD, given, "cannot open plugin '%s': %s", given,
                        strerror(real_errno));
}

/* A regular file only (a FIFO would block the open); then the scan, unless it is off, and
 * the load in this process when the file passed it. */
static int loader_load_scanned(dq_loader_t *l, const char *real, dq_load_record_t *rec,
                               dq_error_t *err)
{
    struct stat st;
    if (stat(real, &st) != 0)
        return dq_error_set(err, DQ_ELOAD, real, "cannot open plugin '%s': %s", real,
                            strerror(errno));
    if (!S_ISREG(st.st_mode))
        return dq_error_set(err, DQ_ELOAD, real, "cannot open plugin '%s': %s", real,
                            S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
    if (l->scan != DQ_SCAN_OFF) {
        if (l->scan == DQ_SCAN_CACHED && !l->cache_tried) {
            l->cache = dq__scan_cache_open();
            l->cache_tried = 1;
        }
        dq__scan_cache_t *cache = l->scan == DQ_SCAN_CACHED ? l->cache : NULL;
        dq__scan_verdict_t v;
        if (!dq__scan_cache_get(cache, real, &st, &v)) {
            dq__scan_run(real, l->scan_timeout, &v);
            dq__scan_cache_put(cache, real, &st, &v);
        }
        /* Not scanned (no fork): load here, as with scanning off. */
        if (v.scanned && v.code != DQ_OK) {
            rec->stage = (dq_load_stage_t)v.stage;
            return dq_error_set(err, v.code, real, "%s", v.message);
        }
    }
    return loader_load_real(l, real, rec, err);
}

static long loader_seen_find(const dq_loader_t *l, const char *real)
{
    for (size_t i = 0; i < l->n_seen; ++i)
        if (strcmp(l->seen[i].path, real) == 0)
            return (long)i;
    return -1;
}

/* Loads `given` unless its real path was seen; `quiet` skips a seen file without a word
 * (directory scans), otherwise the earlier record's outcome is returned. */
int dq__loader_load_path(dq_loader_t *l, const char *given, int quiet, dq_error_t *err)
{
    errno = 0;
    char *real = realpath(given, NULL);
    int real_errno = errno;
    if (!real && real_errno == ENOMEM)
        return dq_error_set(err, DQ_ENOMEM, given, "out of memory loading plugin '%s'", given);
    if (real) {
        long s = loader_seen_find(l, real);
        if (s >= 0) {
            free(real);
            const dq_load_record_t *old = &l->records[l->seen[s].record];
            if (quiet || old->code == DQ_OK)
                return DQ_OK;
            return dq_error_set_at(err, old->code, DQ_PLACE_PLUGIN, old->path, "%s", old->message);
        }
    }
    /* Reserve everything this file may need before touching the registry. */
    if (dq__loader_grow((void **)&l->records, &l->cap_records, l->n_records + 1,
                        sizeof *l->records) ||
        dq__loader_grow((void **)&l->seen, &l->cap_seen, l->n_seen + 1, sizeof *l->seen)) {
        free(real);
        return dq_error_set(err, DQ_ENOMEM, given, "out of memory loading plugin '%s'", given);
    }
    dq_load_record_t *rec = &l->records[l->n_records];
    memset(rec, 0, sizeof *rec);
    rec->stage = DQ_STAGE_FOUND;
    snprintf(rec->path, sizeof rec->path, "%s", real ? real : given);
    if (real)
        l->seen[l->n_seen++] = (loader_seen_t){.path = real, .record = l->n_records};
    l->n_records++;

    dq_error_t e;
    dq_error_clear(&e);
    int rc;
    if (!real)
        rc = loader_unresolved(given, real_errno, &e);
    else
        rc = loader_load_scanned(l, real, rec, &e);
    rec->code = rc;
    if (rc) {
        /* The error replaces any warnings collected before the failure. */
        snprintf(rec->message, sizeof rec->message, "%s", e.message);
        dq_error_set_at(err, rc, e.source[0] ? DQ_PLACE_PLUGIN : DQ_PLACE_NONE, e.source, "%s",
                        e.message);
    }
    return rc;
}

int dq_loader_load_file(dq_loader_t *l, const char *path, dq_error_t *err)
{
    if (!l || !path || !*path)
        return dq_error_set(err, DQ_EINVAL, NULL,
                            "dq_loader_load_file: a loader and a path are required");
    int rc = dq__loader_load_path(l, path, 0, err);
    dq__loader_cache_save(l);
    return rc;
}

/* -- records ------------------------------------------------------------------------- */

size_t dq_loader_record_count(const dq_loader_t *l)
{
    return l ? l->n_records : 0;
}

const dq_load_record_t *dq_loader_record_at(const dq_loader_t *l, size_t i)
{
    return l && i < l->n_records ? &l->records[i] : NULL;
}

size_t dq_loader_failure_count(const dq_loader_t *l)
{
    size_t n = 0;
    for (size_t i = 0; l && i < l->n_records; ++i)
        if (l->records[i].code != DQ_OK)
            ++n;
    return n;
}

const char *dq_load_stage_name(dq_load_stage_t stage)
{
    switch (stage) {
    case DQ_STAGE_FOUND:
        return "found";
    case DQ_STAGE_OPENED:
        return "opened";
    case DQ_STAGE_ENTRY:
        return "entry";
    case DQ_STAGE_CHECKED:
        return "checked";
    case DQ_STAGE_REGISTERED:
        return "registered";
    }
    return "unknown";
}

const char *dq_loader_suffix(void)
{
    return LOADER_SUFFIX;
}
