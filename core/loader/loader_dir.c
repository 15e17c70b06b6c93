/* SPDX-License-Identifier: MIT */
/* loader_dir.c -- plugin directories: the *.so entries of a directory, loaded in name
 * order. An entry that is not a regular file is loaded too, so that its record says what it
 * is (a directory, a broken symbolic link) instead of its being passed over in silence. */
#define _XOPEN_SOURCE 700

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <dq/host/loader.h>

#include "internal.h"
#include "loader_impl.h"

static int loader_name_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int loader_has_suffix(const char *name)
{
    size_t n = strlen(name), k = strlen(dq_loader_suffix());
    return n > k && strcmp(name + n - k, dq_loader_suffix()) == 0;
}

/* dir + "/" + name, or NULL when out of memory. */
static char *loader_join(const char *dir, const char *name)
{
    size_t nd = strlen(dir), nn = strlen(name);
    int slash = nd > 0 && dir[nd - 1] != '/';
    char *p = malloc(nd + (size_t)slash + nn + 1);
    if (!p)
        return NULL;
    memcpy(p, dir, nd);
    if (slash)
        p[nd] = '/';
    memcpy(p + nd + (size_t)slash, name, nn + 1);
    return p;
}

static void loader_names_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; ++i)
        free(names[i]);
    free(names);
}

/* The names of the *.so entries of dir, unsorted. */
static int loader_scan_dir(const char *dir, char ***out, size_t *count, dq_error_t *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return dq_error_set(err, DQ_EIO, dir, "cannot read plugin directory '%s': %s", dir,
                            strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = DQ_OK;
    for (;;) {
        errno = 0;
        struct dirent *ent = readdir(d);
        if (!ent) {
            if (errno)
                rc = dq_error_set(err, DQ_EIO, dir, "cannot read plugin directory '%s': %s", dir,
                                  strerror(errno));
            break;
        }
        if (!loader_has_suffix(ent->d_name))
            continue;
        char *copy = dq__strdup(ent->d_name);
        if (!copy || dq__loader_grow((void **)&names, &cap, n + 1, sizeof *names)) {
            free(copy);
            rc = dq_error_set(err, DQ_ENOMEM, dir, "out of memory reading '%s'", dir);
            break;
        }
        names[n++] = copy;
    }
    closedir(d);
    if (rc) {
        loader_names_free(names, n);
        return rc;
    }
    *out = names;
    *count = n;
    return DQ_OK;
}

int dq_loader_load_dir(dq_loader_t *l, const char *dir, dq_error_t *err)
{
    if (!l || !dir || !*dir)
        return dq_error_set(err, DQ_EINVAL, NULL,
                            "dq_loader_load_dir: a loader and a directory are required");
    char **names = NULL;
    size_t n = 0;
    int rc = loader_scan_dir(dir, &names, &n, err);
    if (rc)
        return rc;
    /* Sorted so that which of two clashing plugins wins does not depend on the file
     * system's order. */
    if (n > 1)
        qsort(names, n, sizeof *names, loader_name_cmp);
    for (size_t i = 0; i < n && rc == DQ_OK; ++i) {
        char *full = loader_join(dir, names[i]);
        if (!full) {
            rc = dq_error_set(err, DQ_ENOMEM, dir, "out of memory reading '%s'", dir);
            break;
        }
        /* A file's failure is in its record; only a file that could not even get a record
         * (out of memory) stops the scan. */
        dq_error_t e;
        dq_error_clear(&e);
        size_t before = dq_loader_record_count(l);
        if (dq__loader_load_path(l, full, 1, &e) == DQ_ENOMEM &&
            dq_loader_record_count(l) == before)
            rc = dq_error_set(err, DQ_ENOMEM, e.source, "%s", e.message);
        free(full);
    }
    loader_names_free(names, n);
    dq__loader_cache_save(l);
    return rc;
}
