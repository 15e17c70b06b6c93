/* SPDX-License-Identifier: MIT */
/* cmd_morph.c -- `dqhost morph FILE`: reads a morphology (SWC or JSON cell), discretises
 * it and prints a summary (sections, compartments, length and area per region, the root,
 * the deepest path) or, with --json, every section and compartment. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <dq/host/morph.h>

#include "cli_json.h"
#include "cli_text.h"
#include "cmd_morph.h"
#include "help_text.h"

/* Regions shown one a row: the four SWC types, then "other" for the custom ones. */
#define MORPH_ROWS 6

typedef struct morph_row {
    size_t sections, compartments;
    double length, area;
} morph_row_t;

static const char *morph_soma_phrase(dq_morph_soma_t k)
{
    switch (k) {
    case DQ_MORPH_SOMA_NONE:
        return "none";
    case DQ_MORPH_SOMA_SPHERE:
        return "one point (a sphere)";
    case DQ_MORPH_SOMA_THREE_POINT:
        return "three points (a sphere)";
    case DQ_MORPH_SOMA_CONTOUR:
        return "an outline (its equivalent cylinder)";
    case DQ_MORPH_SOMA_STACK:
        return "traced points";
    case DQ_MORPH_SOMA_CYLINDER:
        return "a cylinder";
    }
    return "?";
}

/* Row of a region: 0 undefined, 1-4 the SWC types, 5 any other. */
static size_t morph_row_of(int region)
{
    return region >= 0 && region <= 4 ? (size_t)region : 5;
}

/* "FILE:LINE: message" (":COLUMN" too when known); messages that name their subject
 * (a file that cannot be read) as they are. */
void morph_print_error(const char *path, const dq_error_t *err)
{
    if (err->code == DQ_ESPEC && err->line > 0 && err->column > 0)
        cli_errorf("%s:%d:%d: %s", path, err->line, err->column, err->message);
    else if (err->code == DQ_ESPEC && err->line > 0)
        cli_errorf("%s:%d: %s", path, err->line, err->message);
    else if (err->code == DQ_ESPEC)
        cli_errorf("%s: %s", path, err->message);
    else
        cli_errorf("%s", err->message);
}

/* Distance from the root's x = 0 to each section's far end, along the tree. */
static void morph_depths(const dq_morph_t *m, double *far)
{
    size_t n = dq_morph_section_count(m);
    for (size_t s = 0; s < n; ++s) {
        const dq_morph_section_t *q = dq_morph_section_at(m, s);
        double start = 0.0;
        if (q->parent >= 0) {
            const dq_morph_section_t *p = dq_morph_section_at(m, (size_t)q->parent);
            start = far[q->parent] - p->length + q->parent_x * p->length;
        }
        far[s] = start + q->length;
    }
}

/* The sections from the root to the farthest end, into path (reversed there); returns
 * their number. */
static size_t morph_deepest(const dq_morph_t *m, const double *far, size_t *path)
{
    size_t n = dq_morph_section_count(m), best = 0, k = 0;
    for (size_t s = 1; s < n; ++s)
        if (far[s] > far[best])
            best = s;
    for (long s = (long)best; s >= 0; s = dq_morph_section_at(m, (size_t)s)->parent)
        path[k++] = (size_t)s;
    return k;
}

const char *morph_rule_text(const dq_morph_discret_t *o, char *buf, size_t cap)
{
    switch (o->rule) {
    case DQ_MORPH_RULE_DLAMBDA:
        snprintf(buf, cap, "d_lambda %g at %g Hz (cm %g uF/cm2)", o->d_lambda, o->freq, o->cm);
        break;
    case DQ_MORPH_RULE_LENGTH:
        snprintf(buf, cap, "segments of at most %g um", o->max_length);
        break;
    case DQ_MORPH_RULE_NSEG:
        snprintf(buf, cap, "nseg %d in every section", o->nseg);
        break;
    }
    return buf;
}

static void morph_rows(const dq_morph_t *m, const dq_morph_cable_t *c, morph_row_t *rows)
{
    memset(rows, 0, MORPH_ROWS * sizeof *rows);
    for (size_t s = 0; s < dq_morph_section_count(m); ++s) {
        const dq_morph_section_t *q = dq_morph_section_at(m, s);
        morph_row_t *r = &rows[morph_row_of(q->region)];
        r->sections++;
        r->length += q->length;
    }
    for (size_t i = 0; i < c->n; ++i) {
        morph_row_t *r = &rows[morph_row_of(c->region[i])];
        r->compartments += !c->junction[i];
        r->area += c->area[i];
    }
}

static const char *const morph_row_names[MORPH_ROWS] = {"undefined", "soma",   "axon",
                                                        "basal",     "apical", "other"};

static int morph_summary(const char *path, const dq_morph_t *m, const dq_morph_cable_t *c,
                         const dq_morph_discret_t *o)
{
    size_t ns = dq_morph_section_count(m), junctions = 0;
    for (size_t i = 0; i < c->n; ++i)
        junctions += c->junction[i] != 0;
    char rule[128];
    fputs("morphology: ", stdout);
    cli_text_put(stdout, path, 0);
    if (dq_morph_point_count(m))
        printf(" (SWC, %zu points)\n", dq_morph_point_count(m));
    else
        printf(" (JSON cell)\n");
    printf("soma: %s\n", morph_soma_phrase(dq_morph_soma_kind(m)));
    printf("discretisation: %s, Ra %g ohm cm\n", morph_rule_text(o, rule, sizeof rule), o->Ra);
    printf("sections: %zu\n", ns);
    printf("compartments: %zu", c->n);
    if (junctions)
        printf(" (%zu segments, %zu junctions: nodes of zero area where sections meet)",
               c->n - junctions, junctions);
    putchar('\n');
    const dq_morph_section_t *root = dq_morph_section_at(m, 0);
    fputs("root: section '", stdout);
    cli_text_put(stdout, root->name, 0);
    printf("', compartment 0%s\n", c->root_junction == 0 ? " (its x = 0 end)" : "");
    morph_row_t rows[MORPH_ROWS], total = {0};
    morph_rows(m, c, rows);
    printf("\n%-10s %8s %12s %14s %14s\n", "region", "sections", "compartments", "length (um)",
           "area (um2)");
    for (size_t r = 0; r < MORPH_ROWS; ++r) {
        if (!rows[r].sections)
            continue;
        printf("%-10s %8zu %12zu %14.2f %14.2f\n", morph_row_names[r], rows[r].sections,
               rows[r].compartments, rows[r].length, rows[r].area);
        total.sections += rows[r].sections;
        total.compartments += rows[r].compartments;
        total.length += rows[r].length;
        total.area += rows[r].area;
    }
    printf("%-10s %8zu %12zu %14.2f %14.2f\n", "total", total.sections, total.compartments,
           total.length, total.area);
    double *far = malloc(ns * sizeof *far);
    size_t *deep = malloc(ns * sizeof *deep);
    if (!far || !deep) {
        free(far);
        free(deep);
        cli_errorf("out of memory");
        return DQ_EXIT_FAILURE;
    }
    morph_depths(m, far);
    size_t k = morph_deepest(m, far, deep), segs = 0;
    for (size_t j = 0; j < k; ++j)
        segs += c->sec_nseg[deep[j]];
    printf("\ndeepest path: %.2f um from the root, %zu sections, %zu compartments:\n  ",
           far[deep[0]], k, segs);
    for (size_t j = k; j-- > 0;) {
        /* A long path shows its first and last four sections. */
        if (k > 10 && j < k - 4 && j >= 4) {
            if (j == k - 5)
                printf("... -> ");
            continue;
        }
        cli_text_put(stdout, dq_morph_section_at(m, deep[j])->name, 0);
        fputs(j ? " -> " : "\n", stdout);
    }
    free(far);
    free(deep);
    return DQ_EXIT_OK;
}

static int morph_set(json_t *obj, const char *key, json_t *v)
{
    return v && json_object_set_new(obj, key, v) == 0 ? 0 : -1;
}

static json_t *morph_json(const char *path, const dq_morph_t *m, const dq_morph_cable_t *c,
                          const dq_morph_discret_t *o)
{
    static const char *const rule_names[] = {"d_lambda", "length", "nseg"};
    json_t *doc = json_object(), *disc = json_object(), *secs = json_array(), *comps = json_array(),
           *regions = json_object();
    int bad = !doc || !disc || !secs || !comps || !regions;
    bad |= morph_set(doc, "file", cli_json_str(path));
    bad |= morph_set(doc, "format", json_string(dq_morph_point_count(m) ? "swc" : "json"));
    bad |= morph_set(doc, "points", json_integer((json_int_t)dq_morph_point_count(m)));
    bad |= morph_set(doc, "soma", json_string(morph_soma_phrase(dq_morph_soma_kind(m))));
    bad |= morph_set(disc, "rule", json_string(rule_names[o->rule]));
    if (o->rule == DQ_MORPH_RULE_DLAMBDA) {
        bad |= morph_set(disc, "d_lambda", json_real(o->d_lambda));
        bad |= morph_set(disc, "freq", json_real(o->freq));
        bad |= morph_set(disc, "cm", json_real(o->cm));
    } else if (o->rule == DQ_MORPH_RULE_LENGTH) {
        bad |= morph_set(disc, "max_length", json_real(o->max_length));
    } else {
        bad |= morph_set(disc, "nseg", json_integer(o->nseg));
    }
    bad |= morph_set(disc, "Ra", json_real(o->Ra));
    bad |= json_object_set(doc, "discretisation", disc);
    size_t ns = dq_morph_section_count(m);
    for (size_t s = 0; s < ns && !bad; ++s) {
        const dq_morph_section_t *q = dq_morph_section_at(m, s);
        json_t *e = json_object();
        bad |= morph_set(e, "name", cli_json_str(q->name));
        bad |= morph_set(e, "region", json_integer(q->region));
        bad |= morph_set(e, "parent", json_integer(q->parent));
        bad |= morph_set(e, "parent_x", json_real(q->parent_x));
        bad |= morph_set(e, "length", json_real(q->length));
        bad |= morph_set(e, "points", json_integer((json_int_t)q->n_pt));
        bad |= morph_set(e, "nseg", json_integer((json_int_t)c->sec_nseg[s]));
        bad |= morph_set(e, "first", json_integer((json_int_t)c->sec_first[s]));
        bad |= morph_set(e, "end_junction", json_integer(c->sec_end[s]));
        if (q->line)
            bad |= morph_set(e, "line", json_integer(q->line));
        bad |= cli_json_append(secs, e);
    }
    for (size_t i = 0; i < c->n && !bad; ++i) {
        json_t *e = json_object();
        bad |= morph_set(e, "parent", json_integer(c->parent[i]));
        bad |= morph_set(e, "section", json_integer((json_int_t)c->section[i]));
        bad |= morph_set(e, "x", json_real(c->x[i]));
        bad |= morph_set(e, "region", json_integer(c->region[i]));
        bad |= morph_set(e, "area", json_real(c->area[i]));
        bad |= morph_set(e, "g_axial", json_real(c->g_axial[i]));
        bad |= morph_set(e, "length", json_real(c->length[i]));
        bad |= morph_set(e, "diam", json_real(c->diam[i]));
        bad |= morph_set(e, "dist", json_real(c->dist[i]));
        bad |= morph_set(e, "junction", json_boolean(c->junction[i]));
        bad |= cli_json_append(comps, e);
    }
    morph_row_t rows[MORPH_ROWS];
    morph_rows(m, c, rows);
    for (size_t r = 0; r < MORPH_ROWS && !bad; ++r) {
        if (!rows[r].sections)
            continue;
        json_t *e = json_object();
        bad |= morph_set(e, "sections", json_integer((json_int_t)rows[r].sections));
        bad |= morph_set(e, "compartments", json_integer((json_int_t)rows[r].compartments));
        bad |= morph_set(e, "length", json_real(rows[r].length));
        bad |= morph_set(e, "area", json_real(rows[r].area));
        bad |= morph_set(regions, morph_row_names[r], e);
    }
    double *far = malloc(ns * sizeof *far);
    size_t *deep = malloc(ns * sizeof *deep);
    json_t *dp = json_object(), *names = json_array();
    bad |= !far || !deep || !dp || !names;
    if (!bad) {
        morph_depths(m, far);
        size_t k = morph_deepest(m, far, deep);
        bad |= morph_set(dp, "length", json_real(far[deep[0]]));
        for (size_t j = k; j-- > 0 && !bad;)
            bad |= cli_json_append(names, json_integer((json_int_t)deep[j]));
        bad |= json_object_set(dp, "sections", names);
    }
    free(far);
    free(deep);
    bad |= morph_set(doc, "root", json_integer(0));
    bad |= json_object_set(doc, "deepest_path", dp);
    bad |= json_object_set(doc, "regions", regions);
    bad |= json_object_set(doc, "sections", secs);
    bad |= json_object_set(doc, "compartments", comps);
    json_decref(disc);
    json_decref(secs);
    json_decref(comps);
    json_decref(regions);
    json_decref(dp);
    json_decref(names);
    if (bad) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

static void morph_usage(FILE *out)
{
    fputs(DQ_HELP_MORPH, out);
}

int cmd_morph(int argc, char **argv)
{
    static const char *const flags[] = {"--seg-length", "--d-lambda", "--freq",
                                        "--nseg",       "--Ra",       "--cm"};
    const char *input = NULL, *rule_flag = NULL;
    int json = 0, freq_given = 0;
    dq_morph_discret_t o;
    dq_morph_discret_init(&o);
    for (int i = 1; i < argc; ++i) {
        const char *a = argv[i], *v = NULL;
        int which = -1;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            morph_usage(stdout);
            return DQ_EXIT_OK;
        }
        if (strcmp(a, "--json") == 0) {
            json = 1;
            continue;
        }
        for (int k = 0; k < 6 && which < 0; ++k) {
            size_t n = strlen(flags[k]);
            if (strcmp(a, flags[k]) == 0)
                which = k;
            else if (strncmp(a, flags[k], n) == 0 && a[n] == '=')
                which = k, v = a + n + 1;
        }
        if (which < 0) {
            if (a[0] == '-' && a[1]) {
                cli_errorf("morph: unknown option '%s' (see dqhost morph --help)", a);
                return DQ_EXIT_USAGE;
            }
            if (input) {
                cli_errorf("morph: one morphology at a time ('%s' and '%s')", input, a);
                return DQ_EXIT_USAGE;
            }
            input = a;
            continue;
        }
        if (!v) {
            if (i + 1 >= argc) {
                cli_errorf("morph: %s needs a value", flags[which]);
                return DQ_EXIT_USAGE;
            }
            v = argv[++i];
        }
        if (which == 0 || which == 1 || which == 3) {
            if (rule_flag) {
                cli_errorf("morph: %s and %s: choose one discretisation rule", rule_flag,
                           flags[which]);
                return DQ_EXIT_USAGE;
            }
            rule_flag = flags[which];
        }
        if (which == 3) {
            char *end;
            errno = 0;
            long n = strtol(v, &end, 10);
            if (!*v || *end || errno || n < 1 || n > 32767) {
                cli_errorf("morph: --nseg must be a whole number from 1 to 32767, got '%s'", v);
                return DQ_EXIT_USAGE;
            }
            o.rule = DQ_MORPH_RULE_NSEG;
            o.nseg = (int)n;
            continue;
        }
        double x;
        char what[32];
        snprintf(what, sizeof what, "morph: %s", flags[which]);
        if (cli_parse_double(v, what, &x) != 0)
            return DQ_EXIT_USAGE;
        if (!(x > 0)) {
            cli_errorf("morph: %s must be > 0, got '%s'", flags[which], v);
            return DQ_EXIT_USAGE;
        }
        switch (which) {
        case 0:
            o.rule = DQ_MORPH_RULE_LENGTH;
            o.max_length = x;
            break;
        case 1:
            o.rule = DQ_MORPH_RULE_DLAMBDA;
            o.d_lambda = x;
            break;
        case 2:
            o.freq = x;
            freq_given = 1;
            break;
        case 4:
            o.Ra = x;
            break;
        case 5:
            o.cm = x;
            break;
        }
    }
    if (!input) {
        cli_errorf("morph: which morphology? (dqhost morph FILE.swc|FILE.json)");
        return DQ_EXIT_USAGE;
    }
    if (freq_given && o.rule != DQ_MORPH_RULE_DLAMBDA) {
        cli_errorf("morph: --freq belongs to the d_lambda rule, not to %s", rule_flag);
        return DQ_EXIT_USAGE;
    }
    dq_error_t err = {0};
    /* Exit statuses as everywhere in dqhost: a file that cannot be read or is not a
     * morphology is an input error (2); running out of memory a failure (1). */
    dq_morph_t *m = dq_morph_load(input, &err);
    if (!m) {
        morph_print_error(input, &err);
        return err.code == DQ_ENOMEM ? DQ_EXIT_FAILURE : DQ_EXIT_USAGE;
    }
    dq_morph_cable_t *c = dq_morph_cable_new(m, &o, &err);
    if (!c) {
        morph_print_error(input, &err);
        dq_morph_free(m);
        return err.code == DQ_ENOMEM ? DQ_EXIT_FAILURE : DQ_EXIT_USAGE;
    }
    int rc = json ? cli_json_emit(morph_json(input, m, c, &o)) : morph_summary(input, m, c, &o);
    dq_morph_cable_free(c);
    dq_morph_free(m);
    return rc;
}
