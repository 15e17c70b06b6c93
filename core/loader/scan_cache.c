/* SPDX-License-Identifier: MIT */
/* scan_cache.c -- the scan's verdicts on disk, so a plugin is scanned in a child only when
 * it is new or changed. One text file per dqhost version and ABI in $XDG_CACHE_HOME/dqhost,
 * else ~/.cache/dqhost. Its first line names libdqcore's own identity, so a rebuilt library
 * (another validator, other messages) starts from an empty cache; then a line per file:
 *
 *   <dev> <ino> <size> <mtime s> <mtime ns> <code> <stage>\t<real path>\t<message>
 *
 * A verdict holds while the file's real path and identity match. Paths or messages with a
 * tab or a newline are not cached. The file is replaced atomically, so two dqhost
 * processes at once lose at most a verdict, never the file's sense. */
#define _GNU_SOURCE /* dladdr; st_mtim, mkstemp */

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dq/version.h>

#include "file.h"
#include "internal.h"
#include "loader_impl.h"

/* A cache bigger than this is not ours to read (it would be thousands of plugins). */
#define CACHE_MAX_BYTES ((size_t)4 << 20)

typedef struct cache_entry {
    unsigned long long dev, ino, size, mtime_s, mtime_ns;
    int code, stage;
    char *path;
    char *message;
} cache_entry_t;

struct dq__scan_cache {
    char *dir;  /* [owned] .../dqhost */
    char *file; /* [owned] dir/scan-<version>-abi<major>.<minor>.txt */
    cache_entry_t *entries;
    size_t n, cap;
    int dirty;
    char header[160]; /* the first line: this libdqcore's identity */
};

static char *cache_printf(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 1;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s%s", a, b);
    return p;
}

static void cache_identity(const struct stat *st, cache_entry_t *e)
{
    e->dev = (unsigned long long)st->st_dev;
    e->ino = (unsigned long long)st->st_ino;
    e->size = (unsigned long long)st->st_size;
    e->mtime_s = (unsigned long long)st->st_mtim.tv_sec;
    e->mtime_ns = (unsigned long long)st->st_mtim.tv_nsec;
}

static int cache_same(const cache_entry_t *a, const cache_entry_t *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size && a->mtime_s == b->mtime_s &&
           a->mtime_ns == b->mtime_ns;
}

static void cache_entry_free(cache_entry_t *e)
{
    free(e->path);
    free(e->message);
}

/* Adds an entry taking ownership of its strings; frees them when out of memory. */
static void cache_add(dq__scan_cache_t *c, cache_entry_t *e)
{
    if (dq__loader_grow((void **)&c->entries, &c->cap, c->n + 1, sizeof *c->entries)) {
        cache_entry_free(e);
        return;
    }
    c->entries[c->n++] = *e;
}

/* One line; a line that does not parse is dropped (the next save rewrites the file). */
static void cache_parse_line(dq__scan_cache_t *c, char *line)
{
    char *tab1 = strchr(line, '\t');
    char *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
    if (!tab2)
        return;
    *tab1 = *tab2 = '\0';
    cache_entry_t e = {0};
    if (sscanf(line, "%llu %llu %llu %llu %llu %d %d", &e.dev, &e.ino, &e.size, &e.mtime_s,
               &e.mtime_ns, &e.code, &e.stage) != 7 ||
        e.stage < DQ_STAGE_FOUND || e.stage > DQ_STAGE_REGISTERED || tab1[1] != '/')
        return;
    e.path = dq__strdup(tab1 + 1);
    e.message = dq__strdup(tab2 + 1);
    if (!e.path || !e.message) {
        cache_entry_free(&e);
        return;
    }
    cache_add(c, &e);
}

/* "dqhost scan cache of libdqcore <dev> <ino> <size> <mtime>", or "" when the library
 * cannot be found (then nothing is read or written). */
static const char cache_anchor; /* an address inside libdqcore, for dladdr */

static void cache_header(char *buf, size_t len)
{
    Dl_info info;
    struct stat st;
    buf[0] = '\0';
    if (dladdr(&cache_anchor, &info) && info.dli_fname && stat(info.dli_fname, &st) == 0)
        snprintf(buf, len, "dqhost scan cache of libdqcore %llu %llu %llu %llu.%09llu",
                 (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
                 (unsigned long long)st.st_size, (unsigned long long)st.st_mtim.tv_sec,
                 (unsigned long long)st.st_mtim.tv_nsec);
}

static void cache_load(dq__scan_cache_t *c)
{
    dq__file_t f;
    if (dq__file_read(c->file, CACHE_MAX_BYTES, &f) != DQ_OK)
        return;
    char *save = NULL;
    char *line = strtok_r(f.data, "\n", &save);
    if (line && strcmp(line, c->header) == 0)
        for (line = strtok_r(NULL, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
            cache_parse_line(c, line);
    free(f.data);
}

dq__scan_cache_t *dq__scan_cache_open(void)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    char *dir;
    /* The XDG spec ignores a relative XDG_CACHE_HOME. */
    if (xdg && xdg[0] == '/')
        dir = cache_printf(xdg, "/dqhost");
    else if (home && home[0] == '/')
        dir = cache_printf(home, "/.cache/dqhost");
    else
        return NULL;
    dq__scan_cache_t *c = calloc(1, sizeof *c);
    char name[96];
    snprintf(name, sizeof name, "/scan-%s-abi%d.%d.txt", DQ_VERSION_STRING, DQ_ABI_MAJOR,
             DQ_ABI_MINOR);
    char *file = dir ? cache_printf(dir, name) : NULL;
    if (!c || !file) {
        free(c);
        free(dir);
        free(file);
        return NULL;
    }
    c->dir = dir;
    c->file = file;
    cache_header(c->header, sizeof c->header);
    if (!c->header[0]) {
        dq__scan_cache_free(c);
        return NULL;
    }
    cache_load(c);
    return c;
}

int dq__scan_cache_get(const dq__scan_cache_t *c, const char *path, const struct stat *st,
                       dq__scan_verdict_t *v)
{
    cache_entry_t want;
    cache_identity(st, &want);
    for (size_t i = 0; c && i < c->n; ++i) {
        const cache_entry_t *e = &c->entries[i];
        if (strcmp(e->path, path) != 0 || !cache_same(e, &want))
            continue;
        memset(v, 0, sizeof *v);
        v->scanned = 1;
        v->code = e->code;
        v->stage = e->stage;
        snprintf(v->message, sizeof v->message, "%s", e->message);
        return 1;
    }
    return 0;
}

void dq__scan_cache_put(dq__scan_cache_t *c, const char *path, const struct stat *st,
                        const dq__scan_verdict_t *v)
{
    const char *msg = v->code == DQ_OK ? "" : v->message;
    if (!c || !v->scanned || path[0] != '/' || strpbrk(path, "\t\n") || strpbrk(msg, "\t\n"))
        return;
    cache_entry_t e = {.code = v->code, .stage = v->stage};
    cache_identity(st, &e);
    e.path = dq__strdup(path);
    e.message = dq__strdup(msg);
    if (!e.path || !e.message) {
        cache_entry_free(&e);
        return;
    }
    /* The file's older verdict goes. */
    for (size_t i = 0; i < c->n; ++i)
        if (strcmp(c->entries[i].path, path) == 0) {
            cache_entry_free(&c->entries[i]);
            c->entries[i] = c->entries[--c->n];
            break;
        }
    cache_add(c, &e);
    c->dirty = 1;
}

/* mkdir -p for the two levels we may have to create (~/.cache and dqhost). */
static int cache_mkdir(const char *dir)
{
    if (mkdir(dir, 0700) == 0 || errno == EEXIST)
        return 0;
    if (errno != ENOENT)
        return -1;
    char *parent = dq__strdup(dir);
    char *slash = parent ? strrchr(parent, '/') : NULL;
    int ok = slash && slash != parent;
    if (ok) {
        *slash = '\0';
        ok = mkdir(parent, 0700) == 0 || errno == EEXIST;
    }
    free(parent);
    return ok && (mkdir(dir, 0700) == 0 || errno == EEXIST) ? 0 : -1;
}

/* Whether an entry still describes a file that exists as it was (stale ones are dropped). */
static int cache_live(const cache_entry_t *e)
{
    struct stat st;
    cache_entry_t now;
    if (stat(e->path, &st) != 0)
        return 0;
    cache_identity(&st, &now);
    return cache_same(e, &now);
}

void dq__scan_cache_save(dq__scan_cache_t *c)
{
    if (!c || !c->dirty || cache_mkdir(c->dir) != 0)
        return;
    char *tmp = cache_printf(c->dir, "/.scan-XXXXXX");
    int fd = tmp ? mkstemp(tmp) : -1;
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        if (fd >= 0) {
            close(fd);
            unlink(tmp);
        }
        free(tmp);
        return;
    }
    fprintf(f, "%s\n", c->header);
    for (size_t i = 0; i < c->n; ++i) {
        const cache_entry_t *e = &c->entries[i];
        if (cache_live(e))
            fprintf(f, "%llu %llu %llu %llu %llu %d %d\t%s\t%s\n", e->dev, e->ino, e->size,
                    e->mtime_s, e->mtime_ns, e->code, e->stage, e->path, e->message);
    }
    int bad = ferror(f);
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, c->file) != 0)
        unlink(tmp);
    else
        c->dirty = 0;
    free(tmp);
}

void dq__scan_cache_free(dq__scan_cache_t *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; ++i)
        cache_entry_free(&c->entries[i]);
    free(c->entries);
    free(c->dir);
    free(c->file);
    free(c);
}
