/* SPDX-License-Identifier: MIT */
/* morph.c -- the morphology object: building, accessors, freeing, loading by file type. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "internal.h"
#include "morph_impl.h"

/* SWC files of real cells are a few MB; 256 MiB is far beyond any. */
#define MORPH_MAX_BYTES ((size_t)256 << 20)

const char *dq_morph_region_name(int region)
{
    switch (region) {
    case DQ_MORPH_UNDEFINED:
        return "undefined";
    case DQ_MORPH_SOMA:
        return "soma";
    case DQ_MORPH_AXON:
        return "axon";
    case DQ_MORPH_BASAL:
        return "basal";
    case DQ_MORPH_APICAL:
        return "apical";
    }
    return "custom";
}

int dq__morph_builder_init(dq__morph_builder_t *b)
{
    memset(b, 0, sizeof *b);
    b->m = calloc(1, sizeof *b->m);
    return b->m ? DQ_OK : DQ_ENOMEM;
}

static int morph_grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return DQ_OK;
    size_t n = *cap ? *cap * 2 : 16;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * size);
    if (!q)
        return DQ_ENOMEM;
    *p = q;
    *cap = n;
    return DQ_OK;
}

int dq__morph_builder_section(dq__morph_builder_t *b, const char *name, int region, long parent,
                              double parent_x, int line)
{
    dq_morph_t *m = b->m;
    size_t cap = b->cap_sec, need = m->n_sec + 1;
    if (morph_grow((void **)&m->sec, &cap, need, sizeof *m->sec) != DQ_OK)
        return DQ_ENOMEM;
    cap = b->cap_sec;
    if (morph_grow((void **)&m->names, &cap, need, sizeof *m->names) != DQ_OK)
        return DQ_ENOMEM;
    cap = b->cap_sec;
    if (morph_grow((void **)&b->first_pt, &cap, need, sizeof *b->first_pt) != DQ_OK)
        return DQ_ENOMEM;
    b->cap_sec = cap;
    char *copy = dq__strdup(name);
    if (!copy)
        return DQ_ENOMEM;
    m->names[m->n_sec] = copy;
    m->sec[m->n_sec] = (dq_morph_section_t){
        .name = copy, .region = region, .parent = parent, .parent_x = parent_x, .line = line};
    b->first_pt[m->n_sec] = m->n_pt;
    m->n_sec++;
    return DQ_OK;
}

int dq__morph_builder_point(dq__morph_builder_t *b, double x, double y, double z, double d)
{
    dq_morph_t *m = b->m;
    if (morph_grow((void **)&m->pt, &b->cap_pt, m->n_pt + 1, sizeof *m->pt) != DQ_OK)
        return DQ_ENOMEM;
    m->pt[m->n_pt++] = (dq_morph_point_t){x, y, z, d};
    return DQ_OK;
}

dq_morph_t *dq__morph_builder_finish(dq__morph_builder_t *b)
{
    dq_morph_t *m = b->m;
    for (size_t s = 0; s < m->n_sec; ++s) {
        size_t end = s + 1 < m->n_sec ? b->first_pt[s + 1] : m->n_pt;
        dq_morph_section_t *sec = &m->sec[s];
        sec->pt = m->pt + b->first_pt[s];
        sec->n_pt = end - b->first_pt[s];
        double len = 0.0;
        for (size_t i = 1; i < sec->n_pt; ++i) {
            const dq_morph_point_t *p = &sec->pt[i - 1], *q = &sec->pt[i];
            len += dq__morph_dist(p, q);
        }
        sec->length = len;
    }
    free(b->first_pt);
    b->first_pt = NULL;
    b->m = NULL;
    return m;
}

void dq__morph_builder_cleanup(dq__morph_builder_t *b)
{
    dq_morph_free(b->m);
    free(b->first_pt);
    memset(b, 0, sizeof *b);
}

void dq_morph_free(dq_morph_t *m)
{
    if (!m)
        return;
    for (size_t s = 0; s < m->n_sec; ++s)
        free(m->names[s]);
    free(m->names);
    free(m->sec);
    free(m->pt);
    free(m);
}

size_t dq_morph_section_count(const dq_morph_t *m)
{
    return m ? m->n_sec : 0;
}

const dq_morph_section_t *dq_morph_section_at(const dq_morph_t *m, size_t i)
{
    return m && i < m->n_sec ? &m->sec[i] : NULL;
}

dq_morph_soma_t dq_morph_soma_kind(const dq_morph_t *m)
{
    return m ? m->soma : DQ_MORPH_SOMA_NONE;
}

size_t dq_morph_point_count(const dq_morph_t *m)
{
    return m ? m->n_swc_points : 0;
}

/* A JSON cell by its extension, or by its first non-blank byte. */
static int morph_is_json(const char *path, const char *text, size_t len)
{
    size_t n = strlen(path);
    if (n >= 5 && strcmp(path + n - 5, ".json") == 0)
        return 1;
    if (n >= 4 && strcmp(path + n - 4, ".swc") == 0)
        return 0;
    for (size_t i = 0; i < len; ++i)
        if (!strchr(" \t\r\n", text[i]))
            return text[i] == '{';
    return 0;
}

dq_morph_t *dq_morph_load(const char *path, dq_error_t *err)
{
    dq__file_t f;
    int rc = dq__file_read(path, MORPH_MAX_BYTES + 1, &f);
    if (rc == DQ_ENOMEM) {
        dq_error_set_at(err, DQ_ENOMEM, DQ_PLACE_FILE, path, "out of memory reading '%s'", path);
        return NULL;
    }
    if (rc != DQ_OK) {
        dq_error_set_at(err, DQ_EIO, DQ_PLACE_FILE, path, "cannot %s morphology '%s': %s",
                        f.opened ? "read" : "open", path, strerror(f.sys_errno));
        return NULL;
    }
    if (f.size > MORPH_MAX_BYTES) {
        free(f.data);
        dq_error_set_at(err, DQ_ESPEC, DQ_PLACE_FILE, path,
                        "morphology '%s' is larger than %zu MiB", path, MORPH_MAX_BYTES >> 20);
        return NULL;
    }
    dq_morph_t *m = morph_is_json(path, f.data, f.size)
                        ? dq_morph_parse_json(f.data, f.size, path, err)
                        : dq_morph_parse_swc(f.data, f.size, path, err);
    free(f.data);
    return m;
}
