/* SPDX-License-Identifier: MIT */
/* morph_cable.c -- sections into compartments, as NEURON makes its nodes.
 *
 * nseg per section by the rule asked for; then, for each section, diam_from_list of
 * NEURON's treeset.cpp: the segments' areas, mean diameters and left and right half-segment
 * resistances, integrated piece by piece over the 3-D points (a piece ends at a 3-D point,
 * a segment's centre or its end; on a piece of linear taper from diameter y1 to y2 over
 * length Δ, the area is π/2·(y1+y2)·√(Δ² + ((y2-y1)/2)²) and ∫dx/d² = Δ/(y1·y2)).
 * The resistance between neighbouring centres is the right half of one segment plus the
 * left half of the next; a child section's first centre couples to the node it attaches to
 * through its own left half alone (NEURON's rparent = 0 for a section's first node). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "morph_impl.h"

#define MORPH_MAX_NSEG 32767
/* NEURON's PI (treeset.cpp). */
#define CABLE_PI 3.14159265358979323846

void dq_morph_discret_init(dq_morph_discret_t *o)
{
    memset(o, 0, sizeof *o);
    o->rule = DQ_MORPH_RULE_DLAMBDA;
    o->d_lambda = 0.1;
    o->freq = 100.0;
    o->max_length = 0.0;
    o->nseg = 1;
    o->Ra = 35.4;
    o->cm = 1.0;
}

static int cable_positive(double v)
{
    return isfinite(v) && v > 0;
}

static int cable_check(const dq_morph_discret_t *o, dq_error_t *err)
{
    if (!cable_positive(o->Ra))
        return dq_error_set(err, DQ_EINVAL, NULL, "Ra must be a number > 0 (Ω·cm), got %g", o->Ra);
    switch (o->rule) {
    case DQ_MORPH_RULE_DLAMBDA:
        if (!cable_positive(o->d_lambda))
            return dq_error_set(err, DQ_EINVAL, NULL, "d_lambda must be a number > 0, got %g",
                                o->d_lambda);
        if (!cable_positive(o->freq))
            return dq_error_set(err, DQ_EINVAL, NULL,
                                "the d_lambda frequency must be > 0 (Hz), got %g", o->freq);
        if (!cable_positive(o->cm))
            return dq_error_set(err, DQ_EINVAL, NULL, "cm must be a number > 0 (µF/cm²), got %g",
                                o->cm);
        break;
    case DQ_MORPH_RULE_LENGTH:
        if (!cable_positive(o->max_length))
            return dq_error_set(err, DQ_EINVAL, NULL,
                                "the segment length must be a number > 0 (µm), got %g",
                                o->max_length);
        break;
    case DQ_MORPH_RULE_NSEG:
        if (o->nseg < 1 || o->nseg > MORPH_MAX_NSEG)
            return dq_error_set(err, DQ_EINVAL, NULL, "nseg must be from 1 to %d, got %d",
                                MORPH_MAX_NSEG, o->nseg);
        break;
    default:
        return dq_error_set(err, DQ_EINVAL, NULL, "unknown discretisation rule %d", (int)o->rule);
    }
    return DQ_OK;
}

/* NEURON's lambda_f(freq) (stdlib.hoc), over the 3-D points. */
static double cable_lambda_f(const dq_morph_section_t *s, const dq_morph_discret_t *o)
{
    double lam = 0.0, x1 = 0.0;
    for (size_t i = 1; i < s->n_pt; ++i) {
        const dq_morph_point_t *p = &s->pt[i - 1], *q = &s->pt[i];
        double x2 = x1 + dq__morph_dist(p, q);
        lam += (x2 - x1) / sqrt(p->d + q->d);
        x1 = x2;
    }
    lam *= sqrt(2.0) * 1e-5 * sqrt(4 * CABLE_PI * o->freq * o->Ra * o->cm);
    return s->length / lam;
}

int dq_morph_nseg(const dq_morph_section_t *s, const dq_morph_discret_t *o, dq_error_t *err)
{
    if (cable_check(o, err) != DQ_OK)
        return 0;
    double n = 1;
    switch (o->rule) {
    case DQ_MORPH_RULE_DLAMBDA:
        /* geom_nseg: nseg = int((L/(d_lambda*lambda_f(freq))+0.9)/2)*2 + 1 */
        n = floor((s->length / (o->d_lambda * cable_lambda_f(s, o)) + 0.9) / 2) * 2 + 1;
        break;
    case DQ_MORPH_RULE_LENGTH:
        n = fmax(1.0, ceil(s->length / o->max_length));
        break;
    case DQ_MORPH_RULE_NSEG:
        n = o->nseg;
        break;
    }
    if (!(n <= MORPH_MAX_NSEG))
        return dq_error_set(err, DQ_EINVAL, NULL,
                            "section '%s' (%g µm) would have more than %d segments", s->name,
                            s->length, MORPH_MAX_NSEG),
               0;
    return (int)n;
}

/* One section's segments by diam_from_list: area[k], diam[k], left and right half
 * resistances rl[k], rr[k] in 4/π ∫dx/d² (1/µm); arc has room for the section's points. */
static void cable_segments(const dq_morph_section_t *s, int nseg, double *area, double *diam,
                           double *rl, double *rr, double *arc)
{
    size_t npt = s->n_pt, j = 0;
    double a0 = 0.0;
    for (size_t i = 0; i < npt; ++i) {
        if (i) {
            const dq_morph_point_t *p = &s->pt[i - 1], *q = &s->pt[i];
            a0 += dq__morph_dist(p, q);
        }
        arc[i] = a0;
    }
    double ds = a0 / nseg, x1 = 0.0, y1 = fabs(s->pt[0].d);
    for (int inode = 0; inode < nseg; ++inode) {
        double si = inode * ds, a = 0.0, dsum = 0.0;
        for (int ihalf = 0; ihalf < 2; ++ihalf) {
            double ri = 0.0, sip = si + ds / 2;
            for (;;) {
                size_t jp = j + 1, jnext;
                double xj = arc[j], xjp = arc[jp], x2, y2;
                if (xjp > sip || jp == npt - 1) {
                    double frac = fabs(xjp - xj) < 1e-10 ? 1.0 : (sip - xj) / (xjp - xj);
                    x2 = sip;
                    y2 = (1 - frac) * fabs(s->pt[j].d) + frac * fabs(s->pt[jp].d);
                    jnext = j;
                } else {
                    x2 = xjp;
                    y2 = fabs(s->pt[jp].d);
                    jnext = jp;
                }
                double delta = x2 - x1, t;
                dsum += (y2 + y1) * delta;
                if (delta < 1e-15)
                    delta = 1e-15;
                if ((t = y2 * y1 / delta) == 0)
                    t = 1e-15;
                ri += 1 / t;
                t = 0.5 * (y2 - y1);
                a += (y2 + y1) * sqrt(delta * delta + t * t);
                x1 = x2;
                y1 = y2;
                if (j == jnext)
                    break;
                j = jnext;
            }
            if (ihalf == 0)
                rl[inode] = ri * 4 / CABLE_PI;
            else
                rr[inode] = ri * 4 / CABLE_PI;
            si = sip;
        }
        area[inode] = a * 0.5 * CABLE_PI;
        diam[inode] = dsum * 0.5 / ds;
    }
}

void dq_morph_cable_free(dq_morph_cable_t *c)
{
    if (!c)
        return;
    free(c->parent);
    free(c->area);
    free(c->r_geom);
    free(c->g_axial);
    free(c->length);
    free(c->diam);
    free(c->region);
    free(c->section);
    free(c->x);
    free(c->junction);
    free(c->dist);
    free(c->sec_first);
    free(c->sec_nseg);
    free(c->sec_end);
    free(c);
}

/* Where a child attaching at x of section s connects, as NEURON's node_index: x = 1 the
 * junction at the end, x = 0 the section's own parent node (the root's x = 0 junction for
 * the root), otherwise the segment containing x. mark: record which junctions are needed
 * (first pass) instead of answering. */
static long cable_attach(const dq_morph_t *m, const dq_morph_cable_t *c, size_t s, double x,
                         char *need_end, int *need_root)
{
    for (;;) {
        if (x >= 1.0) {
            if (need_end) {
                need_end[s] = 1;
                return 0;
            }
            return c->sec_end[s];
        }
        if (x <= 0.0) {
            if (m->sec[s].parent < 0) {
                if (need_root) {
                    *need_root = 1;
                    return 0;
                }
                return c->root_junction;
            }
            x = m->sec[s].parent_x;
            s = (size_t)m->sec[s].parent;
            continue;
        }
        size_t k = (size_t)(x * (double)c->sec_nseg[s]);
        if (k >= c->sec_nseg[s])
            k = c->sec_nseg[s] - 1;
        return (long)(c->sec_first[s] + k);
    }
}

long dq_morph_cable_node(const dq_morph_t *m, const dq_morph_cable_t *c, size_t section, double x)
{
    if (!m || !c || section >= c->n_sections || section >= m->n_sec || !(x >= 0 && x <= 1))
        return -1;
    /* NEURON's nodes at x = 0 of the root and x = 1 of a section with nothing attached are
     * left out (they carry no current): the nearest segment stands for them. */
    if (x >= 1.0 && c->sec_end[section] < 0)
        x = 1.0 - 0.5 / (double)c->sec_nseg[section];
    long node = cable_attach(m, c, section, x, NULL, NULL);
    return node >= 0 ? node : (long)c->sec_first[0];
}

dq_morph_cable_t *dq_morph_cable_new(const dq_morph_t *m, const dq_morph_discret_t *o,
                                     dq_error_t *err)
{
    if (!m || !o) {
        dq_error_set(err, DQ_EINVAL, NULL, "no morphology or no options");
        return NULL;
    }
    if (cable_check(o, err) != DQ_OK)
        return NULL;
    size_t ns = m->n_sec;
    dq_morph_cable_t *c = calloc(1, sizeof *c);
    char *need_end = calloc(ns ? ns : 1, 1);
    if (!c || !need_end)
        goto nomem;
    c->n_sections = ns;
    c->sec_first = calloc(ns, sizeof *c->sec_first);
    c->sec_nseg = calloc(ns, sizeof *c->sec_nseg);
    c->sec_end = calloc(ns, sizeof *c->sec_end);
    if (!c->sec_first || !c->sec_nseg || !c->sec_end)
        goto nomem;
    size_t total = 0, max_nseg = 1, max_pt = 2;
    for (size_t s = 0; s < ns; ++s) {
        int k = dq_morph_nseg(&m->sec[s], o, err);
        if (k == 0)
            goto fail;
        c->sec_nseg[s] = (size_t)k;
        total += (size_t)k;
        if ((size_t)k > max_nseg)
            max_nseg = (size_t)k;
        if (m->sec[s].n_pt > max_pt)
            max_pt = m->sec[s].n_pt;
    }
    int need_root = 0;
    for (size_t s = 1; s < ns; ++s)
        cable_attach(m, c, (size_t)m->sec[s].parent, m->sec[s].parent_x, need_end, &need_root);
    for (size_t s = 0; s < ns; ++s)
        total += need_end[s] != 0;
    total += need_root != 0;
    c->n = total;
    c->parent = malloc(total * sizeof *c->parent);
    c->area = calloc(total, sizeof *c->area);
    c->r_geom = calloc(total, sizeof *c->r_geom);
    c->g_axial = calloc(total, sizeof *c->g_axial);
    c->length = calloc(total, sizeof *c->length);
    c->diam = calloc(total, sizeof *c->diam);
    c->region = calloc(total, sizeof *c->region);
    c->section = calloc(total, sizeof *c->section);
    c->x = calloc(total, sizeof *c->x);
    c->junction = calloc(total, sizeof *c->junction);
    c->dist = calloc(total, sizeof *c->dist);
    double *scratch = malloc((4 * max_nseg + max_pt) * sizeof *scratch);
    if (!c->parent || !c->area || !c->r_geom || !c->g_axial || !c->length || !c->diam ||
        !c->region || !c->section || !c->x || !c->junction || !c->dist || !scratch) {
        free(scratch);
        goto nomem;
    }
    double *area = scratch, *diam = scratch + max_nseg, *rl = scratch + 2 * max_nseg,
           *rr = scratch + 3 * max_nseg, *arc = scratch + 4 * max_nseg;
    size_t i = 0;
    c->root_junction = -1;
    if (need_root) {
        c->root_junction = 0;
        c->parent[0] = -1;
        c->junction[0] = 1;
        c->region[0] = m->sec[0].region;
        i = 1;
    }
    for (size_t s = 0; s < ns; ++s) {
        const dq_morph_section_t *sec = &m->sec[s];
        size_t nseg = c->sec_nseg[s];
        cable_segments(sec, (int)nseg, area, diam, rl, rr, arc);
        c->sec_first[s] = i;
        long up = s == 0 ? c->root_junction
                         : cable_attach(m, c, (size_t)sec->parent, sec->parent_x, NULL, NULL);
        for (size_t k = 0; k < nseg; ++k, ++i) {
            c->parent[i] = k ? (long)i - 1 : up;
            c->r_geom[i] = k ? rr[k - 1] + rl[k] : (up >= 0 ? rl[0] : 0.0);
            c->area[i] = area[k];
            c->diam[i] = diam[k];
            c->length[i] = sec->length / (double)nseg;
            c->x[i] = ((double)k + 0.5) / (double)nseg;
        }
        c->sec_end[s] = -1;
        if (need_end[s]) {
            c->sec_end[s] = (long)i;
            c->parent[i] = (long)i - 1;
            c->r_geom[i] = rr[nseg - 1];
            c->x[i] = 1.0;
            c->junction[i] = 1;
            ++i;
        }
        /* Path distance: where the section starts on its parent, plus x·L. */
        double start = 0.0;
        if (sec->parent >= 0) {
            size_t p = (size_t)sec->parent;
            size_t pj = c->sec_first[p];
            start = c->dist[pj] - c->x[pj] * m->sec[p].length + sec->parent_x * m->sec[p].length;
        }
        for (size_t k = c->sec_first[s]; k < i; ++k) {
            c->region[k] = sec->region;
            c->section[k] = s;
            c->dist[k] = start + c->x[k] * sec->length;
        }
    }
    free(scratch);
    for (size_t k = 0; k < c->n; ++k)
        c->g_axial[k] = c->r_geom[k] > 0 ? 1.0 / (1e-2 * o->Ra * c->r_geom[k]) : 0.0;
    free(need_end);
    return c;
nomem:
    dq_error_set(err, DQ_ENOMEM, NULL, "out of memory");
fail:
    free(need_end);
    dq_morph_cable_free(c);
    return NULL;
}
