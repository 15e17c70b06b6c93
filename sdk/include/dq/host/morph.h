/* SPDX-License-Identifier: MIT */
/* dq/host/morph.h -- neuron morphologies: SWC files and hand-made JSON cells, read into
 * sections (unbranched cables with 3-D points) and discretised into compartments as NEURON
 * does, for cable models and the Hines solver (dq/hines.h).
 *
 * Units: lengths and diameters in µm, areas in µm², Ra in Ω·cm, cm in µF/cm², axial
 * conductances in µS (so g·mV = nA).
 *
 * SWC (NeuroMorpho.org): one point a line, "id type x y z radius parent", parent -1 for the
 * root; '#' starts a comment; blank lines are skipped; ids are whole numbers >= 0, need
 * not be contiguous, and points may come in any order. Types: 1 soma, 2 axon, 3 basal
 * dendrite, 4 apical dendrite; any other whole number is kept as a custom region.
 * Errors (DQ_ESPEC, err->source the file, err->line its line, err->place DQ_PLACE_FILE): a
 * malformed line (not 7 fields, a field not a number, an id or type not a whole number), a
 * radius <= 0, a duplicate id, an unknown parent, a cycle, no root or several roots, a file
 * with no points.
 *
 * Sections are made as NEURON's Import3d (share/nrn/lib/hoc/import3d/read_swc.hoc) makes
 * them from a file whose points are listed parent before child, depth first:
 *  - a section is an unbranched path; it ends at a branch point, a leaf, and where the
 *    type changes; a non-root section's first 3-D point is its parent point (the "wire"
 *    cases below excepted), with the parent point's diameter, or with the section's own
 *    second diameter when the parent is soma and the section is not;
 *  - one-point soma: a sphere of radius r, represented as Import3d's sphere_rep does, as a
 *    cylinder along x of length and diameter 2r (the sphere's area, 4πr²); its children
 *    attach at soma(0.5) "by wire": their 3-D points start at their own first point;
 *  - three-point soma (NeuroMorpho's convention: the root and two soma children at y ± r
 *    with the same radius, length within 1 % of the diameter, nothing attached to the
 *    outer two): the same sphere, as Import3d's neuromorph_3point_soma decides;
 *  - a soma contour (four or more soma points in one chain from the root that turns back
 *    on itself, see morph_swc.c): Import3d's contour2centroid, an equivalent stack of
 *    frusta along the outline's principal axis, 21 points whose diameters are the outline's
 *    width across that axis; children attach at soma(0.5) by wire (Import3d does this for
 *    Neurolucida outlines; it would read an SWC outline as a chain of frusta, which is no
 *    soma's shape: the outline's equivalent cylinder is our choice for SWC);
 *  - any other soma (a traced stack of points) is sections like any other type; children
 *    of its interior points attach at 0.5, of its last point at 1, of the root point at 0.
 * Points listed out of that order are sorted (depth first, children in file order); for
 * them NEURON would split sections at points whose child is not the next line, which
 * changes only where segments are cut, not the geometry.
 *
 * JSON cells: {"soma": {"length": L, "diameter": D},
 *              "cylinders": [{"name": "dend", "length": L, "diameter": D,
 *                             "parent": "soma", "x": 1, "region": "basal"}, ...]}
 * "parent" (default "soma") names the soma or an earlier cylinder; "x" (default 1) is the
 * connection point on it; "region" is "soma", "axon", "basal" (or "dend"), "apical" (or
 * "apic"), or an SWC type number (default 3). Every cylinder has a unique name other than
 * "soma". Syntax errors carry jansson's line and column; other errors start with the JSON
 * path (".cylinders[2].diameter") and show the value found (err->place DQ_PLACE_SPEC).
 *
 * Compartments (dq_morph_cable_new) are NEURON's nodes: one per segment centre, with the
 * area and axial resistance integrated over the section's 3-D points exactly as NEURON's
 * diam_from_list does (frustum areas π(r1+r2)·slant; resistance 4Ra/π ∫dx/d², which is
 * Σ Δx/(d1 d2) on each piece of linear taper; half segments between neighbouring centres).
 * Where children attach at a section's end (x = 1, or x = 0 of the root section), NEURON
 * has a node of zero area there: so do we (a "junction": area 0, no membrane, capacitance
 * 0). A solver for implicit steps takes it as it is (its row has the axial terms only);
 * an explicit one must eliminate it (its voltage is the conductance-weighted mean of its
 * neighbours'). Nodes NEURON has with nothing attached (a leaf's x = 1) are left out: they
 * carry no current. */
#ifndef DQ_HOST_MORPH_H
#define DQ_HOST_MORPH_H

#include <stddef.h>

#include <dq/error.h>
#include <dq/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/* SWC types (regions); other values are custom regions, kept as they are. */
enum {
    DQ_MORPH_UNDEFINED = 0,
    DQ_MORPH_SOMA = 1,
    DQ_MORPH_AXON = 2,
    DQ_MORPH_BASAL = 3,
    DQ_MORPH_APICAL = 4
};

/* "soma", "axon", "basal", "apical", "undefined", or "custom" for other types. */
DQ_API const char *dq_morph_region_name(int region);

/* A 3-D point of a section: position and diameter, µm. */
typedef struct dq_morph_point {
    double x, y, z, d;
} dq_morph_point_t;

/* An unbranched cable. Sections are numbered so that parent < own index (the root is 0). */
typedef struct dq_morph_section {
    const char *name;           /* "soma", "dend[3]", "axon[0]", "apic[1]", "custom7[0]" (SWC);
                                   the JSON name; [borrowed from the morphology] */
    int region;                 /* SWC type */
    long parent;                /* parent section, -1 for the root */
    double parent_x;            /* connection point on the parent, 0..1 (NEURON's parentx) */
    const dq_morph_point_t *pt; /* [n_pt] 3-D points, >= 2; [borrowed from the morphology] */
    size_t n_pt;
    double length; /* arc length of the points, µm */
    int line;      /* SWC: the line of its first own point; JSON: 0 */
} dq_morph_section_t;

typedef struct dq_morph dq_morph_t;

/* Kinds of soma a file had (dq_morph_soma_kind). */
typedef enum dq_morph_soma {
    DQ_MORPH_SOMA_NONE = 0,    /* no soma points; the root is a dendrite or axon point */
    DQ_MORPH_SOMA_SPHERE,      /* one point */
    DQ_MORPH_SOMA_THREE_POINT, /* NeuroMorpho's three points */
    DQ_MORPH_SOMA_CONTOUR,     /* an outline, made an equivalent cylinder */
    DQ_MORPH_SOMA_STACK,       /* traced points, sections like the others */
    DQ_MORPH_SOMA_CYLINDER     /* the JSON form's soma */
} dq_morph_soma_t;

/* Reads an SWC file (.swc) or a JSON cell (.json, or a file whose first non-blank byte is
 * '{'). DQ_EIO when the file cannot be read; DQ_ESPEC for bad content, see above.
 * [owned: free with dq_morph_free] */
DQ_API dq_morph_t *dq_morph_load(const char *path, dq_error_t *err);
/* The SWC and JSON readers on text in memory (len bytes, need not end in NUL); `source`
 * names it in errors. [owned: free with dq_morph_free] */
DQ_API dq_morph_t *dq_morph_parse_swc(const char *text, size_t len, const char *source,
                                      dq_error_t *err);
DQ_API dq_morph_t *dq_morph_parse_json(const char *text, size_t len, const char *source,
                                       dq_error_t *err);
/* m may be NULL. */
DQ_API void dq_morph_free(dq_morph_t *m);

DQ_API size_t dq_morph_section_count(const dq_morph_t *m);
/* [borrowed: valid until dq_morph_free], NULL when i is out of range */
DQ_API const dq_morph_section_t *dq_morph_section_at(const dq_morph_t *m, size_t i);
DQ_API dq_morph_soma_t dq_morph_soma_kind(const dq_morph_t *m);
/* Points read from the SWC file (0 for a JSON cell). */
DQ_API size_t dq_morph_point_count(const dq_morph_t *m);

/* ---- discretisation -------------------------------------------------------------------- */

typedef enum dq_morph_rule {
    DQ_MORPH_RULE_DLAMBDA = 0, /* NEURON's d_lambda rule (the default) */
    DQ_MORPH_RULE_LENGTH,      /* segments no longer than max_length */
    DQ_MORPH_RULE_NSEG         /* nseg segments in every section */
} dq_morph_rule_t;

typedef struct dq_morph_discret {
    dq_morph_rule_t rule;
    /* DLAMBDA: nseg = int((L/(d_lambda·λ_f) + 0.9)/2)·2 + 1, with NEURON's lambda_f
     * (stdlib.hoc) over the 3-D points: λ_f = L / (√2·1e-5·√(4π·f·Ra·cm) · Σ Δx/√(d1+d2)),
     * which for a cylinder of diameter d is 1e5·√(d/(4π·f·Ra·cm)) µm. */
    double d_lambda;   /* default 0.1 */
    double freq;       /* Hz, default 100 */
    double max_length; /* LENGTH: nseg = ceil(L/max_length), at least 1; µm */
    int nseg;          /* NSEG: >= 1 */
    double Ra;         /* Ω·cm, default 35.4 (NEURON's) */
    double cm;         /* µF/cm², default 1 (used by the d_lambda rule) */
} dq_morph_discret_t;

/* The defaults: d_lambda 0.1 at 100 Hz, Ra 35.4 Ω·cm, cm 1 µF/cm². */
DQ_API void dq_morph_discret_init(dq_morph_discret_t *o);

/* Compartments, numbered so that parent[i] < i (root 0, parent[0] = -1): section by section
 * in section order, each section's segments from x = 0 to 1, its x = 1 junction after them.
 * All arrays have n entries. [owned: free with dq_morph_cable_free] */
typedef struct dq_morph_cable {
    size_t n;
    long *parent;    /* parent compartment, -1 for the root */
    double *area;    /* membrane area, µm²; 0 for a junction */
    double *r_geom;  /* 4/π ∫dx/d² along the path to the parent, 1/µm: the resistance to the
                        parent is 1e-2·Ra·r_geom MΩ with Ra in Ω·cm (the path lies in the
                        compartment's own section, so the section's Ra applies); 0 at root */
    double *g_axial; /* 1/(1e-2·Ra·r_geom) µS with the options' Ra; 0 at the root */
    double *length;  /* segment length, µm (0 for a junction) */
    double *diam;    /* segment diameter as NEURON's diam: the mean over the segment, µm */
    int *region;     /* SWC type of the section */
    size_t *section; /* section index */
    double *x;       /* position in the section: the segment centre, or 0/1 for a junction */
    int *junction;   /* 1 for a zero-area junction node */
    double *dist;    /* path distance from the root section's x = 0 end, µm */
    size_t n_sections;
    size_t *sec_first;  /* [n_sections] the first segment's compartment */
    size_t *sec_nseg;   /* [n_sections] the number of segments (compartments from sec_first) */
    long *sec_end;      /* [n_sections] the x = 1 junction, or -1 when nothing attaches there */
    long root_junction; /* the root section's x = 0 junction (always compartment 0), or -1 */
} dq_morph_cable_t;

/* Discretises m (borrowed, may be freed afterwards). DQ_EINVAL names the option that is
 * out of range (d_lambda, freq, Ra, cm > 0 and finite; max_length > 0; nseg >= 1; at most
 * 32767 segments a section, NEURON's limit). [owned: free with dq_morph_cable_free] */
DQ_API dq_morph_cable_t *dq_morph_cable_new(const dq_morph_t *m, const dq_morph_discret_t *o,
                                            dq_error_t *err);
/* c may be NULL. */
DQ_API void dq_morph_cable_free(dq_morph_cable_t *c);

/* The compartment at position x (0..1) of a section, as NEURON's node_index finds
 * sec(x): the segment containing x, the junction at x = 1 (the last segment when there is
 * none), at x = 0 the node the section hangs from (the root section: its x = 0 junction,
 * or its first segment). -1 when the section or x is out of range. Where to put a current
 * clamp or read a voltage. */
DQ_API long dq_morph_cable_node(const dq_morph_t *m, const dq_morph_cable_t *c, size_t section,
                                double x);

/* The number of segments the rule gives a section (>= 1), or 0 with DQ_EINVAL in err. */
DQ_API int dq_morph_nseg(const dq_morph_section_t *s, const dq_morph_discret_t *o, dq_error_t *err);

#ifdef __cplusplus
}
#endif

#endif
