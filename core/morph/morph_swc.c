/* SPDX-License-Identifier: MIT */
/* morph_swc.c -- SWC files into sections, as NEURON's Import3d makes them.
 *
 * Reading: every line is checked on its own (7 fields, numbers, radius > 0), then the file
 * as a whole (duplicate ids, unknown parents, exactly one root, no cycle). The points are
 * then put in depth-first order from the root, children in file order with soma children
 * first, so that a point's first child is the next point and every section is a run of
 * consecutive points.
 *
 * Sections follow share/nrn/lib/hoc/import3d/read_swc.hoc (NEURON 8.2), whose rules are
 * quoted where they are applied: mark_branch and sectionify decide where a section ends,
 * mksection how it connects and which 3-D points it gets, and Import3d_GUI's sphere_rep
 * and contour2centroid how a one-point soma and an outline become cylinders. */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "morph_impl.h"

typedef struct swc_point {
    long id, pid;
    int type;
    int line;
    double x, y, z, r;
} swc_point_t;

typedef struct swc_ctx {
    const char *source;
    dq_error_t *err;
} swc_ctx_t;

static int swc_fail(swc_ctx_t *c, int line, const char *fmt, ...) DQ_PRINTF(3, 4);
static int swc_fail(swc_ctx_t *c, int line, const char *fmt, ...)
{
    char msg[DQ_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    dq_error_set_at(c->err, DQ_ESPEC, DQ_PLACE_FILE, c->source, "%s", msg);
    dq_error_add_position(c->err, line, 0);
    return DQ_ESPEC;
}

/* ---- lines ------------------------------------------------------------------------------ */

static const char *const swc_field_names[7] = {"id", "type", "x", "y", "z", "radius", "parent"};

/* A whole number written as an integer or a whole real ("3", "3.0"), within ±2^53. */
static int swc_whole(const char *s, long *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !isfinite(v) || v != floor(v) || fabs(v) > 9007199254740992.0)
        return 0;
    *out = (long)v;
    return 1;
}

static int swc_number(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}

/* One line (NUL-terminated, comment removed) into p; 0 when blank, 1 when a point. */
static int swc_line(swc_ctx_t *c, char *text, int line, swc_point_t *p)
{
    char *f[8];
    int n = 0;
    for (char *s = text;;) {
        s += strspn(s, " \t\r\v\f");
        if (!*s)
            break;
        if (n == 8) {
            ++n;
            break;
        }
        f[n++] = s;
        s += strcspn(s, " \t\r\v\f");
        if (*s)
            *s++ = '\0';
    }
    if (n == 0)
        return 0;
    if (n != 7)
        return swc_fail(c, line, "expected 7 fields (id type x y z radius parent), found %s%d",
                        n > 8 ? "more than " : "", n > 8 ? 8 : n);
    long whole[3];
    double num[4];
    static const int whole_at[3] = {0, 1, 6}, num_at[4] = {2, 3, 4, 5};
    for (int k = 0; k < 3; ++k)
        if (!swc_whole(f[whole_at[k]], &whole[k]))
            return swc_fail(c, line, "field %d (%s) is not a whole number: '%.40s'",
                            whole_at[k] + 1, swc_field_names[whole_at[k]], f[whole_at[k]]);
    for (int k = 0; k < 4; ++k)
        if (!swc_number(f[num_at[k]], &num[k]))
            return swc_fail(c, line, "field %d (%s) is not a number: '%.40s'", num_at[k] + 1,
                            swc_field_names[num_at[k]], f[num_at[k]]);
    if (whole[0] < 0)
        return swc_fail(c, line, "id %ld is negative", whole[0]);
    if (whole[1] < INT32_MIN || whole[1] > INT32_MAX)
        return swc_fail(c, line, "type %ld is out of range", whole[1]);
    if (whole[2] < -1)
        return swc_fail(c, line, "parent %ld of point %ld: expected -1 (the root) or an id",
                        whole[2], whole[0]);
    if (!(num[3] > 0))
        return swc_fail(c, line, "radius %g of point %ld: must be > 0", num[3], whole[0]);
    *p = (swc_point_t){.id = whole[0],
                       .type = (int)whole[1],
                       .pid = whole[2],
                       .line = line,
                       .x = num[0],
                       .y = num[1],
                       .z = num[2],
                       .r = num[3]};
    return 1;
}

static int swc_read_lines(swc_ctx_t *c, const char *text, size_t len, swc_point_t **out,
                          size_t *n_out)
{
    char *buf = malloc(len + 1);
    if (!buf)
        return dq_error_set(c->err, DQ_ENOMEM, c->source, "out of memory");
    memcpy(buf, text, len);
    buf[len] = '\0';
    swc_point_t *pts = NULL;
    size_t n = 0, cap = 0;
    int line = 0, rc = DQ_OK;
    for (char *s = buf; s <= buf + len && rc == DQ_OK;) {
        char *nl = memchr(s, '\n', (size_t)(buf + len - s));
        char *end = nl ? nl : buf + len;
        *end = '\0';
        ++line;
        if (strlen(s) != (size_t)(end - s)) {
            rc = swc_fail(c, line, "a NUL byte in the line: not a text file");
            break;
        }
        char *hash = strchr(s, '#');
        if (hash)
            *hash = '\0';
        swc_point_t p;
        int got = swc_line(c, s, line, &p);
        if (got < 0) {
            rc = got;
            break;
        }
        if (got) {
            if (n == cap) {
                size_t nc = cap ? cap * 2 : 256;
                swc_point_t *q = realloc(pts, nc * sizeof *q);
                if (!q) {
                    rc = dq_error_set(c->err, DQ_ENOMEM, c->source, "out of memory");
                    break;
                }
                pts = q;
                cap = nc;
            }
            pts[n++] = p;
        }
        if (!nl)
            break;
        s = nl + 1;
    }
    free(buf);
    if (rc != DQ_OK) {
        free(pts);
        return rc;
    }
    *out = pts;
    *n_out = n;
    return DQ_OK;
}

/* ---- the tree --------------------------------------------------------------------------- */

typedef struct swc_key {
    long id;
    size_t at;
} swc_key_t;

static int swc_key_cmp(const void *a, const void *b)
{
    const swc_key_t *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return x->at < y->at ? -1 : x->at > y->at;
}

static long swc_find(const swc_key_t *keys, size_t n, long id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (keys[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && keys[lo].id == id ? (long)keys[lo].at : -1;
}

/* The points in depth-first order: order[k] is the file index of the k-th point, par[k] the
 * position of its parent in that order (-1 for the root). */
typedef struct swc_tree {
    size_t n;
    size_t *order;
    long *par;
    size_t *first_child; /* [n] position of the first child, or n when none */
    size_t *nchild;      /* [n] children */
    size_t *nchild_soma; /* [n] soma children of a soma point */
    char *mixed;         /* [n] 1 when a child's type differs from the point's */
} swc_tree_t;

static void swc_tree_free(swc_tree_t *t)
{
    free(t->order);
    free(t->par);
    free(t->first_child);
    free(t->nchild);
    free(t->nchild_soma);
    free(t->mixed);
}

/* Reports the cycle that point `start` leads to through its parents (every point on the
 * way has one), named from its point on the earliest line. */
static int swc_cycle(swc_ctx_t *c, const swc_point_t *p, const long *pidx, size_t start,
                     const char *what)
{
    /* Floyd's walk: `slow` ends on the cycle. */
    size_t slow = start, fast = start;
    do {
        slow = (size_t)pidx[slow];
        fast = (size_t)pidx[(size_t)pidx[fast]];
    } while (slow != fast);
    size_t best = slow, k = slow;
    do {
        if (p[k].line < p[best].line)
            best = k;
        k = (size_t)pidx[k];
    } while (k != slow);
    char path[200];
    size_t len = 0;
    int cut = 0;
    k = best;
    do {
        if (len < sizeof path - 48)
            len += (size_t)snprintf(path + len, sizeof path - len, "%ld -> ", p[k].id);
        else
            cut = 1;
        k = (size_t)pidx[k];
    } while (k != best);
    snprintf(path + len, sizeof path - len, "%s%ld", cut ? "... -> " : "", p[best].id);
    return swc_fail(c, p[best].line, "%spoint %ld is on a cycle of parents (%s)", what, p[best].id,
                    path);
}

static int swc_tree_build(swc_ctx_t *c, const swc_point_t *p, size_t n, swc_tree_t *t)
{
    memset(t, 0, sizeof *t);
    swc_key_t *keys = malloc(n * sizeof *keys);
    long *pidx = malloc(n * sizeof *pidx);
    size_t *cnt = calloc(n + 1, sizeof *cnt), *kids = malloc(n * sizeof *kids);
    size_t *stack = malloc(n * sizeof *stack), *pos = malloc(n * sizeof *pos);
    char *seen = calloc(n, 1);
    t->order = malloc(n * sizeof *t->order);
    t->par = malloc(n * sizeof *t->par);
    t->first_child = malloc(n * sizeof *t->first_child);
    t->nchild = calloc(n, sizeof *t->nchild);
    t->nchild_soma = calloc(n, sizeof *t->nchild_soma);
    t->mixed = calloc(n, 1);
    int rc = DQ_OK;
    if (!keys || !pidx || !cnt || !kids || !stack || !pos || !seen || !t->order || !t->par ||
        !t->first_child || !t->nchild || !t->nchild_soma || !t->mixed) {
        rc = dq_error_set(c->err, DQ_ENOMEM, c->source, "out of memory");
        goto out;
    }
    t->n = n;
    for (size_t i = 0; i < n; ++i)
        keys[i] = (swc_key_t){p[i].id, i};
    qsort(keys, n, sizeof *keys, swc_key_cmp);
    for (size_t i = 1; i < n; ++i)
        if (keys[i].id == keys[i - 1].id) {
            rc = swc_fail(c, p[keys[i].at].line, "duplicate id %ld (first on line %d)", keys[i].id,
                          p[keys[i - 1].at].line);
            goto out;
        }
    size_t root = n, n_roots = 0;
    for (size_t i = 0; i < n && rc == DQ_OK; ++i) {
        if (p[i].pid == -1) {
            pidx[i] = -1;
            if (n_roots++ == 0)
                root = i;
            else
                rc = swc_fail(c, p[i].line,
                              "a second root: point %ld has parent -1, as point %ld on line %d "
                              "has (one cell a file)",
                              p[i].id, p[root].id, p[root].line);
            continue;
        }
        pidx[i] = swc_find(keys, n, p[i].pid);
        if (pidx[i] < 0)
            rc = swc_fail(c, p[i].line, "parent %ld of point %ld is not a point of the file",
                          p[i].pid, p[i].id);
        else if ((size_t)pidx[i] == i)
            rc = swc_fail(c, p[i].line, "point %ld is its own parent", p[i].id);
    }
    if (rc != DQ_OK)
        goto out;
    if (n_roots == 0) {
        rc = swc_cycle(c, p, pidx, 0, "no root (a point with parent -1): ");
        goto out;
    }
    /* Children in file order, soma children first (CSR by parent). */
    for (size_t i = 0; i < n; ++i)
        if (pidx[i] >= 0)
            cnt[pidx[i] + 1]++;
    for (size_t i = 0; i < n; ++i)
        cnt[i + 1] += cnt[i];
    memcpy(pos, cnt, n * sizeof *pos);
    for (int pass = 0; pass < 2; ++pass)
        for (size_t i = 0; i < n; ++i)
            if (pidx[i] >= 0 && (p[i].type == DQ_MORPH_SOMA) == (pass == 0))
                kids[pos[pidx[i]]++] = i;
    /* Depth first from the root; the stack holds file indices, children pushed in reverse. */
    size_t sp = 0, k = 0;
    stack[sp++] = root;
    while (sp) {
        size_t i = stack[--sp];
        seen[i] = 1;
        pos[i] = k; /* pos now maps a file index to its position in the order */
        t->order[k++] = i;
        for (size_t j = cnt[i + 1]; j-- > cnt[i];)
            stack[sp++] = kids[j];
    }
    if (k < n) {
        for (size_t i = 0; i < n; ++i)
            if (!seen[i]) {
                rc = swc_cycle(c, p, pidx, i, "");
                goto out;
            }
    }
    for (size_t q = 0; q < n; ++q) {
        size_t i = t->order[q];
        t->par[q] = pidx[i] < 0 ? -1 : (long)pos[pidx[i]];
        t->first_child[q] = cnt[i + 1] > cnt[i] ? pos[kids[cnt[i]]] : n;
        t->nchild[q] = cnt[i + 1] - cnt[i];
        for (size_t j = cnt[i]; j < cnt[i + 1]; ++j) {
            t->nchild_soma[q] += p[i].type == DQ_MORPH_SOMA && p[kids[j]].type == DQ_MORPH_SOMA;
            t->mixed[q] |= p[kids[j]].type != p[i].type;
        }
    }
out:
    free(keys);
    free(pidx);
    free(cnt);
    free(kids);
    free(stack);
    free(pos);
    free(seen);
    if (rc != DQ_OK)
        swc_tree_free(t);
    return rc;
}

/* ---- sections --------------------------------------------------------------------------- */

/* The points in depth-first order, as plain arrays. */
typedef struct swc_cell {
    size_t n;
    const swc_tree_t *t;
    int *type;
    int *line;
    double *x, *y, *z, *d;
} swc_cell_t;

static double swc_dist(const swc_cell_t *c, size_t a, size_t b)
{
    double dx = c->x[a] - c->x[b], dy = c->y[a] - c->y[b], dz = c->z[a] - c->z[b];
    return sqrt(dx * dx + dy * dy + dz * dz);
}

/* neuromorph_3point_soma: "3 point soma with uniform diameter, middle point as root, length
 * equal diameter, and no connections to index points 1 and 2, is to treat as sphere". */
static int swc_is_three_point(const swc_cell_t *c, size_t n_soma)
{
    const swc_tree_t *t = c->t;
    if (n_soma != 3 || c->n < 3 || c->type[1] != DQ_MORPH_SOMA || c->type[2] != DQ_MORPH_SOMA)
        return 0;
    if (t->par[1] != 0 || t->par[2] != 0 || t->nchild[1] || t->nchild[2])
        return 0;
    if (c->d[1] != c->d[0] || c->d[2] != c->d[0])
        return 0;
    double len = swc_dist(c, 1, 0) + swc_dist(c, 2, 0);
    return fabs(len / c->d[0] - 1.0) < 0.01;
}

/* An outline: the soma points are one chain from the root (each at most one soma child), at
 * least four, and the chain turns back: its last point is nearer to the first than 3/4 of
 * the chain's farthest point. A traced stack of soma points runs away from its first point
 * (the last is the farthest); an outline returns to it. Returns the chain's length or 0. */
static size_t swc_contour_length(const swc_cell_t *c, size_t n_soma)
{
    const swc_tree_t *t = c->t;
    if (n_soma < 4 || c->type[0] != DQ_MORPH_SOMA)
        return 0;
    size_t m = 1;
    for (size_t k = 0; m < c->n && c->type[m] == DQ_MORPH_SOMA; ++k, ++m)
        if (t->par[m] != (long)k || t->nchild_soma[k] != 1)
            return 0;
    if (m != n_soma)
        return 0;
    double far = 0.0;
    for (size_t k = 1; k < m; ++k)
        far = fmax(far, swc_dist(c, k, 0));
    return swc_dist(c, m - 1, 0) < 0.75 * far ? m : 0;
}

/* Section names as Import3d's type2name: soma, axon, dend, apic, dend_<type>, minus_<type>;
 * with an index in brackets unless the type has a single section. */
static void swc_type_name(int type, char *buf, size_t cap)
{
    switch (type) {
    case DQ_MORPH_SOMA:
        snprintf(buf, cap, "soma");
        break;
    case DQ_MORPH_AXON:
        snprintf(buf, cap, "axon");
        break;
    case DQ_MORPH_BASAL:
        snprintf(buf, cap, "dend");
        break;
    case DQ_MORPH_APICAL:
        snprintf(buf, cap, "apic");
        break;
    default:
        snprintf(buf, cap, type < 0 ? "minus_%d" : "dend_%d", type < 0 ? -type : type);
    }
}

typedef struct swc_sec {
    size_t first, last; /* own points (positions in the order), consecutive; role-2 skipped */
    long parent;
    double x;
    int wire;
} swc_sec_t;

static int swc_sections(swc_ctx_t *ctx, const swc_cell_t *c, dq_morph_t **out)
{
    const swc_tree_t *t = c->t;
    size_t n = c->n, n_soma = 0;
    for (size_t k = 0; k < n; ++k)
        n_soma += c->type[k] == DQ_MORPH_SOMA;
    dq_morph_soma_t kind = DQ_MORPH_SOMA_NONE;
    size_t special = 0; /* points 0..special-1 form the root soma section (role 1) */
    size_t dropped = 0; /* 3-point soma: points 1 and 2 are left out */
    size_t contour = 0;
    if (c->type[0] == DQ_MORPH_SOMA) {
        if (n_soma == 1) {
            kind = DQ_MORPH_SOMA_SPHERE;
            special = 1;
        } else if (swc_is_three_point(c, n_soma)) {
            kind = DQ_MORPH_SOMA_THREE_POINT;
            special = 3;
            dropped = 2;
        } else if ((contour = swc_contour_length(c, n_soma)) > 0) {
            kind = DQ_MORPH_SOMA_CONTOUR;
            special = contour;
        } else {
            kind = DQ_MORPH_SOMA_STACK;
        }
    }
    long *sec_of = malloc(n * sizeof *sec_of);
    char *is_end = calloc(n, 1);
    swc_sec_t *secs = malloc(n * sizeof *secs);
    if (!sec_of || !is_end || !secs) {
        free(sec_of);
        free(is_end);
        free(secs);
        return dq_error_set(ctx->err, DQ_ENOMEM, ctx->source, "out of memory");
    }
    /* mark_branch: a point ends its section unless it has exactly one child, contiguous
     * (in our order, the first child), of its own type. "if parent is not soma and parent
     * of parent is soma" (or the parent is a non-soma root), further children connect to
     * the proximal end (connect2prox) and do not end it. sectionify: "adjacent parent,child
     * soma points, then parent not a branch unless there is more than one soma child for
     * that parent" (the root excepted). */
    for (size_t k = 0; k < n; ++k) {
        size_t fc = t->first_child[k];
        if (t->nchild[k] == 0) {
            is_end[k] = 1;
            continue;
        }
        if (c->type[k] == DQ_MORPH_SOMA && c->type[fc] == DQ_MORPH_SOMA) {
            is_end[k] = k != 0 && t->nchild_soma[k] > 1;
            continue;
        }
        int differs = t->mixed[k];
        int prox = c->type[k] != DQ_MORPH_SOMA &&
                   (k == 0 || (k > 1 && c->type[t->par[k]] == DQ_MORPH_SOMA));
        is_end[k] = differs || (t->nchild[k] > 1 && !prox);
    }
    size_t n_sec = 0;
    int rc = DQ_OK;
    for (size_t k = 0; k < n; ++k) {
        if (k < special) {
            sec_of[k] = 0;
            if (k == 0)
                secs[n_sec++] = (swc_sec_t){.first = 0, .last = 0, .parent = -1};
            else if (!dropped)
                secs[0].last = k;
            continue;
        }
        long p = t->par[k];
        int starts = k == 0 || (size_t)p < special || is_end[p] || t->first_child[p] != k;
        if (!starts) {
            sec_of[k] = sec_of[p];
            secs[sec_of[k]].last = k;
            continue;
        }
        sec_of[k] = (long)n_sec;
        secs[n_sec++] = (swc_sec_t){.first = k, .last = k, .parent = k ? sec_of[p] : -1};
    }
    /* mksection: where each section connects and whether by "wire". */
    for (size_t s = 1; s < n_sec; ++s) {
        swc_sec_t *sec = &secs[s];
        size_t f = sec->first, p = (size_t)t->par[f], own = sec->last - sec->first + 1;
        const swc_sec_t *ps = &secs[sec->parent];
        int psoma = c->type[ps->first] == DQ_MORPH_SOMA, soma = c->type[f] == DQ_MORPH_SOMA;
        sec->x = 1.0;
        sec->wire = 0;
        if (sec->parent == 0 && special) {
            /* "If 1 point soma, all branches connect with wire to parentx=0.5" (an outline
             * is one section made of all its points: the same). */
            sec->x = 0.5;
            sec->wire = !soma && own > 1;
        } else if (sec->parent == 0 && p == 0) {
            /* "All branches that connect to first point of root, then parentx=0" */
            sec->x = 0.0;
            sec->wire = !soma && t->nchild_soma[p] > 1 && own > 1;
        } else if (psoma) {
            if (p != ps->last) {
                /* "If branch is not soma and connects to interior of type 1 root, use ...
                 * parentx=0.5" */
                sec->x = 0.5;
                sec->wire = !soma && own > 1;
            } else {
                sec->wire = !soma && own > 1 && t->nchild_soma[p] > 1;
            }
        }
        int prox = t->first_child[p] != f && c->type[p] != DQ_MORPH_SOMA &&
                   (p == 0 || (p > 1 && c->type[t->par[p]] == DQ_MORPH_SOMA));
        if (prox) {
            sec->x = 0.0;
            sec->wire = 0;
        }
    }
    /* The sections with their 3-D points. */
    dq__morph_builder_t b;
    if (dq__morph_builder_init(&b) != DQ_OK) {
        rc = dq_error_set(ctx->err, DQ_ENOMEM, ctx->source, "out of memory");
        goto out;
    }
    int counter[64] = {0}; /* per type, for the names; other types share the last slot */
    size_t count_of_type[64] = {0};
    for (size_t s = 0; s < n_sec; ++s) {
        int ty = c->type[secs[s].first];
        count_of_type[ty >= 0 && ty < 63 ? ty : 63]++;
    }
    for (size_t s = 0; s < n_sec && rc == DQ_OK; ++s) {
        const swc_sec_t *sec = &secs[s];
        size_t f = sec->first;
        int ty = c->type[f], slot = ty >= 0 && ty < 63 ? ty : 63;
        char base[32], name[64];
        swc_type_name(ty, base, sizeof base);
        if (count_of_type[slot] == 1 && slot != 63)
            snprintf(name, sizeof name, "%s", base);
        else
            snprintf(name, sizeof name, "%s[%d]", base, counter[slot]);
        counter[slot]++;
        rc = dq__morph_builder_section(&b, name, ty, sec->parent, s ? sec->x : 0.0, c->line[f]);
        if (s > 0 && rc == DQ_OK && !sec->wire) {
            /* "sec.append(0, pix2ix(first), 1, ...)": the parent point first, with the
             * section's own diameter when the parent is soma and the section is not. */
            size_t p = (size_t)t->par[f];
            int psoma = c->type[secs[sec->parent].first] == DQ_MORPH_SOMA;
            double d = psoma && ty != DQ_MORPH_SOMA ? c->d[f] : c->d[p];
            rc = dq__morph_builder_point(&b, c->x[p], c->y[p], c->z[p], d);
        }
        if (s == 0 && kind == DQ_MORPH_SOMA_CONTOUR) {
            dq_morph_point_t cp[21];
            if (dq__morph_contour(c->x, c->y, c->z, contour, cp) == 0) {
                rc = swc_fail(ctx, c->line[0],
                              "the soma outline of %zu points is degenerate (its points lie "
                              "on a line)",
                              contour);
                break;
            }
            for (size_t i = 0; i < 21 && rc == DQ_OK; ++i)
                rc = dq__morph_builder_point(&b, cp[i].x, cp[i].y, cp[i].z, cp[i].d);
        } else if (s == 0 && sec->first == sec->last) {
            /* sphere_rep: "represent spherical soma as 3 point cylinder with L=diam" */
            double r = c->d[0] / 2;
            for (int i = -1; i <= 1 && rc == DQ_OK; ++i)
                rc = dq__morph_builder_point(&b, c->x[0] + i * r, c->y[0], c->z[0], c->d[0]);
        } else {
            for (size_t k = sec->first; k <= sec->last && rc == DQ_OK; ++k)
                rc = dq__morph_builder_point(&b, c->x[k], c->y[k], c->z[k], c->d[k]);
        }
        if (rc == DQ_ENOMEM)
            rc = dq_error_set(ctx->err, DQ_ENOMEM, ctx->source, "out of memory");
    }
    if (rc == DQ_OK) {
        dq_morph_t *m = dq__morph_builder_finish(&b);
        m->soma = kind;
        m->n_swc_points = n;
        for (size_t s = 0; s < m->n_sec; ++s)
            if (m->sec[s].n_pt < 2 || !(m->sec[s].length > 0)) {
                rc = swc_fail(ctx, m->sec[s].line, "section '%s' has length 0: its points coincide",
                              m->sec[s].name);
                break;
            }
        if (rc == DQ_OK)
            *out = m;
        else
            dq_morph_free(m);
    } else {
        dq__morph_builder_cleanup(&b);
    }
out:
    free(sec_of);
    free(is_end);
    free(secs);
    return rc;
}

dq_morph_t *dq_morph_parse_swc(const char *text, size_t len, const char *source, dq_error_t *err)
{
    swc_ctx_t c = {.source = source ? source : "", .err = err};
    swc_point_t *p = NULL;
    size_t n = 0;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) { /* a UTF-8 byte-order mark */
        text += 3;
        len -= 3;
    }
    if (swc_read_lines(&c, text, len, &p, &n) != DQ_OK)
        return NULL;
    if (n == 0) {
        free(p);
        swc_fail(&c, 0, "no points: an SWC file has lines 'id type x y z radius parent'");
        return NULL;
    }
    swc_tree_t t;
    if (swc_tree_build(&c, p, n, &t) != DQ_OK) {
        free(p);
        return NULL;
    }
    swc_cell_t cell = {.n = n, .t = &t};
    cell.type = malloc(n * sizeof *cell.type);
    cell.line = malloc(n * sizeof *cell.line);
    double *xyzd = malloc(4 * n * sizeof *xyzd);
    dq_morph_t *m = NULL;
    if (!cell.type || !cell.line || !xyzd) {
        dq_error_set(err, DQ_ENOMEM, c.source, "out of memory");
    } else {
        cell.x = xyzd;
        cell.y = xyzd + n;
        cell.z = xyzd + 2 * n;
        cell.d = xyzd + 3 * n;
        for (size_t k = 0; k < n; ++k) {
            const swc_point_t *q = &p[t.order[k]];
            cell.type[k] = q->type;
            cell.line[k] = q->line;
            cell.x[k] = q->x;
            cell.y[k] = q->y;
            cell.z[k] = q->z;
            cell.d[k] = 2 * q->r;
        }
        swc_sections(&c, &cell, &m);
    }
    free(cell.type);
    free(cell.line);
    free(xyzd);
    swc_tree_free(&t);
    free(p);
    return m;
}
