/* SPDX-License-Identifier: MIT */
/* loader.c -- finds plugin files, opens them with libltdl, checks them and registers them.
 *
 * The only file of libdqcore that includes <ltdl.h> (and <dlfcn.h>, used only to recover
 * the dynamic linker's message, which libltdl replaces by "file not found"). A file goes
 * through the stages of dq_load_stage_t; everything is checked (by the registry's own
 * validator) before anything is registered, and a file whose registration fails midway
 * takes back what it registered.
 *
 * An opened file is wrapped in a reference-counted keep that every registry entry from it
 * retains: the file is closed when its last entry goes, whether the loader is still there
 * or not. */
#define _XOPEN_SOURCE 700 /* realpath */

#include <dlfcn.h>
#include <errno.h>
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
    for (size_t i = 0; i < l->n_seen; ++i)
        free(l->seen[i].path);
    free(l->seen);
    free(l->records);
    free(l);
}

/* -- opening ------------------------------------------------------------------------- */

/* Replaces libltdl's text by the dynamic linker's own ("invalid ELF header", "undefined
 * symbol: x"): libltdl reports "file not found" whatever went wrong. A second dlopen of
 * the same file reproduces the failure; it is used for the message only. The linker
 * prefixes its text with the path, which our message already names, so that is dropped. */
static void loader_linker_message(const char *path, char *why, size_t len)
{
    (void)dlerror();
    void *h = dlopen(path, RTLD_LAZY | RTLD_LOCAL);
    if (h) {
        /* It opened after all: keep libltdl's text rather than guess. */
        dlclose(h);
        return;
    }
    const char *msg = dlerror();
    if (!msg || !*msg)
        return;
    size_t n = strlen(path);
    if (strncmp(msg, path, n) == 0 && msg[n] == ':' && msg[n + 1] == ' ')
        msg += n + 2;
    snprintf(why, len, "%s", msg);
}

static int loader_open_file(dq_loader_t *l, const char *path, lt_dlhandle *out, dq_error_t *err)
{
    *out = lt_dlopenadvise(path, l->advise);
    if (*out)
        return DQ_OK;
    /* lt_dlerror's text lives in libltdl's static state: copy it before anything else. */
    char why[DQ_ERROR_MESSAGE_MAX];
    const char *lt = lt_dlerror();
    snprintf(why, sizeof why, "%s", lt ? lt : "unknown error");
    loader_linker_message(path, why, sizeof why);
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
    return DQ_OK;
}

/* -- checking ------------------------------------------------------------------------ */

static size_t loader_list_count(const void *const *list)
{
    size_t n = 0;
    while (list && list[n])
        ++n;
    return n;
}

/* Reads the info block into the host's layout (`in`) and checks every descriptor with the
 * registry's validator: the registry would refuse them too, but only after earlier
 * descriptors of the file were registered. */
static int loader_check_plugin(const dq_plugin_info_t *info, const char *path, dq_plugin_info_t *in,
                               dq_error_t *err)
{
    int rc = dq__plugin_info_read(info, in, path, err);
    if (rc)
        return rc;
    size_t n_int = loader_list_count((const void *const *)in->integrators);
    size_t n_mod = loader_list_count((const void *const *)in->models);
    if (n_int == 0 && n_mod == 0)
        return dq_error_set(err, DQ_EDESC, path,
                            "plugin '%s' declares no integrators and no models", path);
    for (size_t i = 0; i < n_int; ++i) {
        dq_integrator_desc_t d;
        size_t n_options;
        if ((rc = dq__integrator_desc_check(in->integrators[i], path, &d, &n_options, err)))
            return rc;
    }
    for (size_t i = 0; i < n_mod; ++i) {
        dq_model_desc_t m;
        if ((rc = dq__model_desc_check(in->models[i], path, &m, err)))
            return rc;
    }
    return DQ_OK;
}

/* -- registering --------------------------------------------------------------------- */

/* Models cannot be unregistered, so every way a model registration can fail short of
 * memory is found before anything is registered: a clash is reproduced by registering
 * the clashing model, which fails without side effects and gives the registry's message. */
static int loader_precheck_models(dq_registry_t *reg, const dq_plugin_info_t *in,
                                  const dq__origin_t *o, dq_error_t *err)
{
    const char *path = o->path;
    for (size_t i = 0; in->models && in->models[i]; ++i) {
        const char *name = in->models[i]->name;
        for (size_t j = 0; j < i; ++j)
            if (strcmp(in->models[j]->name, name) == 0)
                return dq_error_set(err, DQ_EDESC, path, "plugin '%s' declares model '%s' twice",
                                    path, name);
        if (dq_registry_lookup_model(reg, name, NULL)) {
            int rc = dq__registry_add_model(reg, in->models[i], o, err);
            return rc ? rc
                      : dq_error_set(err, DQ_EEXIST, path, "Model '%s' is already registered.",
                                     name);
        }
    }
    return DQ_OK;
}

/* Registers everything of one file; its warnings (an override, say) go to the record as
 * well as to the registry's handler. */
static int loader_register(dq_loader_t *l, const dq_plugin_info_t *in, const char *path,
                           dq__keep_t *keep, dq_load_record_t *rec, dq_error_t *err)
{
    dq__origin_t o = {
        .path = path, .keep = keep, .warnings = rec->message, .warnings_cap = sizeof rec->message};
    int rc = loader_precheck_models(l->reg, in, &o, err);
    if (rc)
        return rc;
    size_t n_int = 0;
    for (; in->integrators && in->integrators[n_int]; ++n_int) {
        rc = dq__registry_add(l->reg, in->integrators[n_int], &o, err);
        if (rc)
            break;
    }
    if (rc) {
        /* Take back this file's integrators, newest first. */
        while (n_int-- > 0)
            dq_registry_unregister(l->reg, in->integrators[n_int]->name, NULL);
        return rc;
    }
    size_t n_mod = 0;
    for (; in->models && in->models[n_mod]; ++n_mod) {
        rc = dq__registry_add_model(l->reg, in->models[n_mod], &o, err);
        if (rc) {
            /* Only out of memory gets here (see loader_precheck_models); the models that
             * stayed keep the file loaded through their references. */
            for (size_t i = 0; in->integrators && in->integrators[i]; ++i)
                dq_registry_unregister(l->reg, in->integrators[i]->name, NULL);
            rec->n_models = n_mod;
            return rc;
        }
    }
    rec->n_integrators = n_int;
    rec->n_models = n_mod;
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
        if ((rc = loader_check_plugin(info, path, &in, err)) == DQ_OK) {
            rec->stage = DQ_STAGE_CHECKED;
            if ((rc = loader_register(l, &in, path, keep, rec, err)) == DQ_OK)
                rec->stage = DQ_STAGE_REGISTERED;
        }
    }
    /* The loader's own reference: the entries hold theirs. */
    dq__keep_release(keep);
    return rc;
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
        rc = dq_error_set(&e, DQ_ELOAD, given, "cannot open plugin '%s': %s", given,
                          strerror(real_errno));
    else
        rc = loader_load_real(l, real, rec, &e);
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
    return dq__loader_load_path(l, path, 0, err);
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
