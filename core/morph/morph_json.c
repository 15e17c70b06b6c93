/* SPDX-License-Identifier: MIT */
/* morph_json.c -- hand-made cells in JSON: a soma and cylinders (format in dq/host/morph.h).
 *
 * Messages are made as the run-spec reader makes them (core/io): syntax errors with
 * jansson's text, line and column; other problems start with the JSON path and show the
 * value found, with "Did you mean" for an unknown key. The 3-D points are laid out only so
 * that lengths come out right: the soma from the origin along x, each cylinder along x
 * from its connection point on its parent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "morph_impl.h"
#include "spec_impl.h"

static const char *const json_top_keys[] = {"soma", "cylinders"};
static const char *const json_soma_keys[] = {"length", "diameter"};
static const char *const json_cyl_keys[] = {"name", "length", "diameter", "parent", "x", "region"};

typedef struct json_cyl {
    char *name;
    double length, diameter, x;
    long parent;
    int region;
} json_cyl_t;

/* "soma", "axon", "basal"/"dend", "apical"/"apic", or a whole number. */
static int json_region(dq__spec_ctx_t *c, const char *path, const json_t *v, int *out)
{
    static const struct {
        const char *name;
        int type;
    } names[] = {{"soma", DQ_MORPH_SOMA},  {"axon", DQ_MORPH_AXON},     {"basal", DQ_MORPH_BASAL},
                 {"dend", DQ_MORPH_BASAL}, {"apical", DQ_MORPH_APICAL}, {"apic", DQ_MORPH_APICAL}};
    if (json_is_string(v)) {
        for (size_t i = 0; i < sizeof names / sizeof *names; ++i)
            if (strcmp(json_string_value(v), names[i].name) == 0) {
                *out = names[i].type;
                return DQ_OK;
            }
    } else if (json_is_integer(v) && json_integer_value(v) >= 0 &&
               json_integer_value(v) <= 1000000) {
        *out = (int)json_integer_value(v);
        return DQ_OK;
    }
    return dq__spec_expected(c, path,
                             "\"soma\", \"axon\", \"basal\" (\"dend\"), \"apical\" (\"apic\") or "
                             "an SWC type number",
                             v);
}

/* Reads the keys of an object, each once, into vals[] by index in keys (NULL if absent). */
static int json_fields(dq__spec_ctx_t *c, const char *path, const json_t *obj,
                       const char *const *keys, size_t n, const json_t **vals)
{
    if (dq__spec_read_object(c, path, obj) != DQ_OK)
        return DQ_ESPEC;
    for (size_t i = 0; i < n; ++i)
        vals[i] = NULL;
    const char *key;
    json_t *v;
    json_object_foreach ((json_t *)obj, key, v) {
        int k = dq__spec_key(c, path, key, keys, n);
        if (k < 0)
            return DQ_ESPEC;
        vals[k] = v;
    }
    return DQ_OK;
}

static int json_required(dq__spec_ctx_t *c, const char *path, const char *key, const json_t *v)
{
    if (v)
        return DQ_OK;
    char p[SPEC_PATH_MAX];
    dq__spec_path_format(p, sizeof p, path, key);
    return dq__spec_fail(c, p, "missing (required)");
}

static int json_positive(dq__spec_ctx_t *c, const char *path, const char *key, const json_t *v,
                         double *out)
{
    char p[SPEC_PATH_MAX];
    dq__spec_path_format(p, sizeof p, path, key);
    if (json_required(c, path, key, v) != DQ_OK)
        return DQ_ESPEC;
    return dq__spec_read_positive(c, p, v, out);
}

static int json_cylinders(dq__spec_ctx_t *c, const json_t *arr, json_cyl_t *cyl, size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        char path[SPEC_PATH_MAX], p[SPEC_PATH_MAX];
        dq__spec_path_index(path, sizeof path, ".cylinders", i);
        const json_t *f[6];
        if (json_fields(c, path, json_array_get(arr, i), json_cyl_keys, 6, f) != DQ_OK)
            return DQ_ESPEC;
        json_cyl_t *y = &cyl[i];
        y->x = 1.0;
        y->parent = -1;
        y->region = DQ_MORPH_BASAL;
        dq__spec_path_format(p, sizeof p, path, "name");
        if (json_required(c, path, "name", f[0]) != DQ_OK ||
            dq__spec_read_string(c, p, f[0], &y->name) != DQ_OK)
            return DQ_ESPEC;
        if (strcmp(y->name, "soma") == 0)
            return dq__spec_fail(c, p, "\"soma\" is the soma's name; name the cylinder otherwise");
        for (size_t j = 0; j < i; ++j)
            if (strcmp(cyl[j].name, y->name) == 0)
                return dq__spec_fail(c, p, "the name \"%s\" is taken by .cylinders[%zu]", y->name,
                                     j);
        if (json_positive(c, path, "length", f[1], &y->length) != DQ_OK ||
            json_positive(c, path, "diameter", f[2], &y->diameter) != DQ_OK)
            return DQ_ESPEC;
        if (f[3]) {
            char *parent = NULL;
            dq__spec_path_format(p, sizeof p, path, "parent");
            if (dq__spec_read_string(c, p, f[3], &parent) != DQ_OK)
                return DQ_ESPEC;
            int found = strcmp(parent, "soma") == 0;
            for (size_t j = 0; j < i && !found; ++j)
                if (strcmp(cyl[j].name, parent) == 0) {
                    y->parent = (long)j;
                    found = 1;
                }
            if (!found) {
                int later = 0;
                for (size_t j = i; j < n && !later; ++j) {
                    const json_t *nm = json_object_get(json_array_get(arr, j), "name");
                    later = json_is_string(nm) && strcmp(json_string_value(nm), parent) == 0;
                }
                dq__spec_fail(c, p,
                              later ? "\"%s\" must come before the cylinders attached to it"
                                    : "no soma or cylinder named \"%s\"",
                              parent);
                free(parent);
                return DQ_ESPEC;
            }
            free(parent);
        }
        if (f[4]) {
            dq__spec_path_format(p, sizeof p, path, "x");
            if (dq__spec_read_nonneg(c, p, f[4], &y->x) != DQ_OK)
                return DQ_ESPEC;
            if (y->x > 1)
                return dq__spec_expected(c, p, "a position from 0 to 1", f[4]);
        }
        if (f[5]) {
            dq__spec_path_format(p, sizeof p, path, "region");
            if (json_region(c, p, f[5], &y->region) != DQ_OK)
                return DQ_ESPEC;
        }
    }
    return DQ_OK;
}

static dq_morph_t *json_build(dq__spec_ctx_t *c, double soma_l, double soma_d,
                              const json_cyl_t *cyl, size_t n)
{
    dq__morph_builder_t b;
    /* Where each section starts and its direction (all along x). */
    double *x0 = malloc((n + 1) * sizeof *x0);
    int rc = x0 ? dq__morph_builder_init(&b) : DQ_ENOMEM;
    if (rc != DQ_OK) {
        free(x0);
        dq__spec_nomem(c);
        return NULL;
    }
    x0[0] = 0.0;
    rc = dq__morph_builder_section(&b, "soma", DQ_MORPH_SOMA, -1, 0.0, 0);
    if (rc == DQ_OK)
        rc = dq__morph_builder_point(&b, 0.0, 0.0, 0.0, soma_d);
    if (rc == DQ_OK)
        rc = dq__morph_builder_point(&b, soma_l, 0.0, 0.0, soma_d);
    for (size_t i = 0; i < n && rc == DQ_OK; ++i) {
        size_t ps = (size_t)(cyl[i].parent + 1);
        double plen = ps == 0 ? soma_l : cyl[ps - 1].length;
        x0[i + 1] = x0[ps] + cyl[i].x * plen;
        rc = dq__morph_builder_section(&b, cyl[i].name, cyl[i].region, (long)ps, cyl[i].x, 0);
        if (rc == DQ_OK)
            rc = dq__morph_builder_point(&b, x0[i + 1], 0.0, 0.0, cyl[i].diameter);
        if (rc == DQ_OK)
            rc = dq__morph_builder_point(&b, x0[i + 1] + cyl[i].length, 0.0, 0.0, cyl[i].diameter);
    }
    free(x0);
    if (rc != DQ_OK) {
        dq__morph_builder_cleanup(&b);
        dq__spec_nomem(c);
        return NULL;
    }
    dq_morph_t *m = dq__morph_builder_finish(&b);
    m->soma = DQ_MORPH_SOMA_CYLINDER;
    return m;
}

dq_morph_t *dq_morph_parse_json(const char *text, size_t len, const char *source, dq_error_t *err)
{
    dq__spec_ctx_t c = {source ? source : "", err};
    json_error_t je;
    json_t *root = dq__json_loadb(&text, &len, &je);
    if (!root) {
        dq_error_set_at(err, DQ_ESPEC, DQ_PLACE_SPEC, c.source, "%s", je.text);
        dq_error_add_position(err, je.line, je.column);
        return NULL;
    }
    dq_morph_t *m = NULL;
    json_cyl_t *cyl = NULL;
    size_t n = 0;
    const json_t *top[2], *soma[2];
    double soma_l = 0, soma_d = 0;
    if (!json_is_object(root)) {
        /* Where the value starts, as the spec reader says it. */
        int line = 1, column = 1;
        for (size_t i = 0; i < len && strchr(" \t\r\n", text[i]); ++i) {
            column = text[i] == '\n' ? 1 : column + 1;
            line += text[i] == '\n';
        }
        char shown[SPEC_SHOW_MAX * 2];
        dq__spec_show(root, shown, sizeof shown);
        dq_error_set_at(err, DQ_ESPEC, DQ_PLACE_SPEC, c.source,
                        "expected a JSON object at the top level, got %s", shown);
        dq_error_add_position(err, line, column);
        goto out;
    }
    if (json_fields(&c, "", root, json_top_keys, 2, top) != DQ_OK)
        goto out;
    if (!top[0]) {
        dq__spec_fail(&c, ".soma", "missing (required): {\"length\": L, \"diameter\": D} in µm");
        goto out;
    }
    if (json_fields(&c, ".soma", top[0], json_soma_keys, 2, soma) != DQ_OK ||
        json_positive(&c, ".soma", "length", soma[0], &soma_l) != DQ_OK ||
        json_positive(&c, ".soma", "diameter", soma[1], &soma_d) != DQ_OK)
        goto out;
    if (top[1]) {
        if (!json_is_array(top[1])) {
            dq__spec_expected(&c, ".cylinders", "an array of cylinders", top[1]);
            goto out;
        }
        n = json_array_size(top[1]);
        cyl = calloc(n ? n : 1, sizeof *cyl);
        if (!cyl) {
            dq__spec_nomem(&c);
            goto out;
        }
        if (json_cylinders(&c, top[1], cyl, n) != DQ_OK)
            goto out;
    }
    m = json_build(&c, soma_l, soma_d, cyl, n);
out:
    for (size_t i = 0; cyl && i < n; ++i)
        free(cyl[i].name);
    free(cyl);
    json_decref(root);
    return m;
}
