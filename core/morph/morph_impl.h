/* SPDX-License-Identifier: MIT */
/* morph_impl.h -- the morphology's body and the section builder shared by the SWC and JSON
 * readers (core/morph). */
#ifndef DQ_MORPH_IMPL_H
#define DQ_MORPH_IMPL_H

#include <math.h>
#include <stddef.h>

#include <dq/host/error.h>
#include <dq/host/morph.h>

struct dq_morph {
    dq_morph_section_t *sec; /* [n_sec] owned; names and points point into the arrays below */
    size_t n_sec;
    dq_morph_point_t *pt; /* [n_pt] owned: every section's points, section after section */
    size_t n_pt;
    char **names; /* [n_sec] owned */
    dq_morph_soma_t soma;
    size_t n_swc_points;
};

/* The distance between two 3-D points, µm. */
static inline double dq__morph_dist(const dq_morph_point_t *p, const dq_morph_point_t *q)
{
    double dx = q->x - p->x, dy = q->y - p->y, dz = q->z - p->z;
    return sqrt(dx * dx + dy * dy + dz * dz);
}

/* Grows a morphology section by section. Sections must be added parent first. */
typedef struct dq__morph_builder {
    dq_morph_t *m;          /* owned until dq__morph_builder_finish */
    size_t cap_sec, cap_pt; /* capacities of m->sec/m->names and m->pt */
    size_t *first_pt;       /* [cap_sec] owned: index of each section's first point in m->pt */
} dq__morph_builder_t;

/* DQ_OK or DQ_ENOMEM. */
int dq__morph_builder_init(dq__morph_builder_t *b);
/* Opens a section (its points follow with dq__morph_builder_point). name is copied. */
int dq__morph_builder_section(dq__morph_builder_t *b, const char *name, int region, long parent,
                              double parent_x, int line);
int dq__morph_builder_point(dq__morph_builder_t *b, double x, double y, double z, double d);
/* Fixes the point pointers and lengths; the builder is spent. [owned: dq_morph_free] */
dq_morph_t *dq__morph_builder_finish(dq__morph_builder_t *b);
void dq__morph_builder_cleanup(dq__morph_builder_t *b);

/* The equivalent frusta of a soma outline (Import3d's contour2centroid): from the n >= 3
 * outline points (x, y, z; their diameters are not used) writes 21 points along the
 * outline's principal axis into out. Returns the number written (21), or 0 when the
 * outline is degenerate (all points on one line, or too few distinct positions). */
size_t dq__morph_contour(const double *x, const double *y, const double *z, size_t n,
                         dq_morph_point_t out[21]);

#endif
