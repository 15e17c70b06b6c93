/* SPDX-License-Identifier: MIT */
/* spec.c -- JSON run specifications: the only file in libdqcore that includes <jansson.h>.
 *
 * Format. The top level is one JSON object; every key is optional here (the CLI decides
 * which are required once its flags are merged in):
 *   model           non-empty string
 *   params          object: name -> number, or non-empty array of numbers (one per unit)
 *   solver          non-empty string
 *   solver_options  object: name -> number
 *   dt, t_end       number > 0 (finite)
 *   submodules      object: module name -> object {solver: non-empty string,
 *                                                  substeps: whole number >= 1}, both optional
 *   record          object {states: non-empty array of unique non-empty strings,
 *                           every: whole number >= 1,
 *                           units: non-empty array of unique whole numbers >= 0}
 *   output          object {path: non-empty string, format: "csv" or "json"}
 *   seed            whole number >= 0
 * Names (params, options, modules, states) must be non-empty. Unknown keys are errors at
 * every level, with "Did you mean" and the list of valid keys.
 *
 * Decisions:
 *  - Booleans are not numbers. Integers are accepted wherever a number is wanted; a real is
 *    accepted for a whole-number field when it is whole (10.0 for "every"), since JSON
 *    writers often cannot tell 10 from 10.0. A whole number must fit its field (substeps: an
 *    unsigned int, units: size_t, every and seed: 64 bits).
 *  - Non-finite numbers cannot be written in JSON; jansson rejects a literal that overflows
 *    a double (1e999: "real number overflow near '1e999'") and an integer beyond 64 bits
 *    ("too big integer"); those are reported like syntax errors, with jansson's text and
 *    position. A literal that underflows (1e-999) reads as 0 and fails its range check.
 *  - A leading UTF-8 byte-order mark is skipped (editors on Windows write one).
 *  - A top level that is a scalar or an array gets "expected a JSON object at the top
 *    level, got <a type>" at the position of its first character; other syntax errors
 *    (empty file, garbage, duplicate keys, trailing commas) keep jansson's text, line and
 *    column (jansson's column is 0 for "near end of file" just after a newline).
 *  - Other messages start with the JSON path (".record.units[2]", ".params[\"a b\"]" for a
 *    name outside [A-Za-z0-9_]) and carry no position; the offending value is shown as
 *    compact JSON cut to about 40 characters, reals in their shortest round-trip form.
 *  - The first problem in document order is the one reported. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <dq/host/registry.h>
#include <dq/host/spec.h>

#include "internal.h"

/* Shown values longer than this are cut and end in "...". */
#define SPEC_SHOW_MAX 40
/* Paths in messages are cut here (the message itself is capped at DQ_ERROR_MESSAGE_MAX). */
#define SPEC_PATH_MAX 384

typedef struct spec_ctx {
    const char *source; /* the spec's path, for err->source */
    dq_error_t *err;
} spec_ctx_t;

/* ---- small text helpers -------------------------------------------------------------- */

/* An appending writer that counts what it could not store, like snprintf. */
typedef struct spec_text {
    char *p;
    size_t cap, len;
} spec_text_t;

static void spec_text_putn(spec_text_t *t, const char *s, size_t n)
{
    if (t->len + 1 < t->cap) {
        size_t room = t->cap - 1 - t->len;
        memcpy(t->p + t->len, s, n < room ? n : room);
    }
    t->len += n;
    if (t->cap)
        t->p[t->len < t->cap ? t->len : t->cap - 1] = '\0';
}

static void spec_text_puts(spec_text_t *t, const char *s)
{
    spec_text_putn(t, s, strlen(s));
}

/* s as a JSON string literal: quotes, backslashes and control characters escaped. */
static void spec_text_quoted(spec_text_t *t, const char *s)
{
    spec_text_puts(t, "\"");
    for (; *s; ++s) {
        unsigned char c = (unsigned char)*s;
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            spec_text_putn(t, esc, 2);
        } else if (c < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", c);
            spec_text_puts(t, esc);
        } else {
            spec_text_putn(t, (const char *)&c, 1);
        }
    }
    spec_text_puts(t, "\"");
}

/* True when name can follow a dot in a path: non-empty, [A-Za-z0-9_] only. */
static int spec_is_plain(const char *name)
{
    if (!*name)
        return 0;
    for (const char *p = name; *p; ++p) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return 0;
    }
    return 1;
}

/* parent + ".key" or parent + "[\"key\"]"; the root's children start with a dot either way,
 * so a path never starts with a bracket. Returns the full length, like snprintf. */
static size_t spec_path_format(char *buf, size_t cap, const char *parent, const char *key)
{
    spec_text_t t = {buf, cap, 0};
    if (cap)
        buf[0] = '\0';
    spec_text_puts(&t, parent);
    if (spec_is_plain(key)) {
        spec_text_puts(&t, ".");
        spec_text_puts(&t, key);
    } else {
        spec_text_puts(&t, *parent ? "[" : ".[");
        spec_text_quoted(&t, key);
        spec_text_puts(&t, "]");
    }
    return t.len;
}

/* The same, allocated (for the `where` fields, which must not be cut). */
static char *spec_path_dup(const char *parent, const char *key)
{
    size_t n = spec_path_format(NULL, 0, parent, key) + 1;
    char *p = malloc(n);
    if (p)
        spec_path_format(p, n, parent, key);
    return p;
}

static void spec_path_index(char *buf, size_t cap, const char *parent, size_t i)
{
    snprintf(buf, cap, "%s[%zu]", parent, i);
}

/* The shortest "%g" form that reads back to the same double, with ".0" on whole values as
 * jansson writes them ("-0.1", not "-0.10000000000000001"; "10.0", not "10"). */
static void spec_format_real(double d, char *buf, size_t cap)
{
    for (int prec = 1; prec <= 17; ++prec) {
        snprintf(buf, cap, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    if (!strpbrk(buf, ".eEni") && strlen(buf) + 3 <= cap)
        strcat(buf, ".0");
}

/* Compact JSON of v; stops descending once the text is longer than anything shown. */
static void spec_show_value(spec_text_t *t, const json_t *v)
{
    char num[40];
    if (t->len > SPEC_SHOW_MAX)
        return;
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char *key;
        json_t *item;
        int first = 1;
        spec_text_puts(t, "{");
        json_object_foreach ((json_t *)v, key, item) {
            if (t->len > SPEC_SHOW_MAX)
                return;
            if (!first)
                spec_text_puts(t, ",");
            first = 0;
            spec_text_quoted(t, key);
            spec_text_puts(t, ":");
            spec_show_value(t, item);
        }
        spec_text_puts(t, "}");
        break;
    }
    case JSON_ARRAY:
        spec_text_puts(t, "[");
        for (size_t i = 0; i < json_array_size(v); ++i) {
            if (t->len > SPEC_SHOW_MAX)
                return;
            if (i)
                spec_text_puts(t, ",");
            spec_show_value(t, json_array_get(v, i));
        }
        spec_text_puts(t, "]");
        break;
    case JSON_STRING:
        spec_text_quoted(t, json_string_value(v));
        break;
    case JSON_INTEGER:
        snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        spec_text_puts(t, num);
        break;
    case JSON_REAL:
        spec_format_real(json_real_value(v), num, sizeof num);
        spec_text_puts(t, num);
        break;
    case JSON_TRUE:
        spec_text_puts(t, "true");
        break;
    case JSON_FALSE:
        spec_text_puts(t, "false");
        break;
    case JSON_NULL:
        spec_text_puts(t, "null");
        break;
    }
}

/* v as shown in messages: compact JSON, cut to SPEC_SHOW_MAX characters with "...". */
static void spec_show(const json_t *v, char *buf, size_t cap)
{
    char tmp[SPEC_SHOW_MAX * 4];
    spec_text_t t = {tmp, sizeof tmp, 0};
    tmp[0] = '\0';
    spec_show_value(&t, v);
    if (t.len > SPEC_SHOW_MAX) {
        size_t cut = SPEC_SHOW_MAX - 3;
        /* Never cut inside a UTF-8 sequence. */
        while (cut > 0 && ((unsigned char)tmp[cut] & 0xC0) == 0x80)
            --cut;
        memcpy(tmp + cut, "...", 4);
    }
    snprintf(buf, cap, "%s", tmp);
}

/* ---- error reporting ----------------------------------------------------------------- */

/* "<path>: <message>" as DQ_ESPEC with the spec as source. */
static int spec_fail(spec_ctx_t *c, const char *path, const char *fmt, ...) DQ_PRINTF(3, 4);

static int spec_fail(spec_ctx_t *c, const char *path, const char *fmt, ...)
{
    char msg[DQ_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return dq_error_set(c->err, DQ_ESPEC, c->source, "%s: %s", path, msg);
}

/* "<path>: expected <what>, got <value>". */
static int spec_expected(spec_ctx_t *c, const char *path, const char *what, const json_t *v)
{
    char shown[SPEC_SHOW_MAX * 2];
    spec_show(v, shown, sizeof shown);
    return spec_fail(c, path, "expected %s, got %s", what, shown);
}

static int spec_nomem(spec_ctx_t *c)
{
    return dq_error_set(c->err, DQ_ENOMEM, c->source, "out of memory reading the run spec");
}

/* "<path>: unknown key. Did you mean 'k'? Keys: a, b." */
static int spec_unknown_key(spec_ctx_t *c, const char *parent, const char *key,
                            const char *const *keys, size_t n)
{
    char path[SPEC_PATH_MAX], hint[160] = "", list[256];
    spec_text_t t = {list, sizeof list, 0};
    const char *best[1];
    spec_path_format(path, sizeof path, parent, key);
    if (dq_suggest(key, keys, n, 0.6, best, 1))
        snprintf(hint, sizeof hint, " Did you mean '%s'?", best[0]);
    list[0] = '\0';
    for (size_t i = 0; i < n; ++i) {
        if (i)
            spec_text_puts(&t, ", ");
        spec_text_puts(&t, keys[i]);
    }
    return spec_fail(c, path, "unknown key.%s Keys: %s.", hint, list);
}

/* Index of key in keys[0..n), or -1. */
static int spec_key_index(const char *key, const char *const *keys, size_t n)
{
    for (size_t i = 0; i < n; ++i)
        if (strcmp(key, keys[i]) == 0)
            return (int)i;
    return -1;
}

/* ---- typed readers ------------------------------------------------------------------- */

static int spec_read_object(spec_ctx_t *c, const char *path, const json_t *v)
{
    return json_is_object(v) ? DQ_OK : spec_expected(c, path, "an object", v);
}

/* A non-empty string, copied to *out. */
static int spec_read_string(spec_ctx_t *c, const char *path, const json_t *v, char **out)
{
    if (!json_is_string(v) || json_string_length(v) == 0)
        return spec_expected(c, path, "a non-empty string", v);
    if (!(*out = dq__strdup(json_string_value(v))))
        return spec_nomem(c);
    return DQ_OK;
}

static int spec_read_positive(spec_ctx_t *c, const char *path, const json_t *v, double *out)
{
    double d = json_is_number(v) ? json_number_value(v) : NAN;
    if (!(d > 0) || !isfinite(d))
        return spec_expected(c, path, "a positive number", v);
    *out = d;
    return DQ_OK;
}

/* A whole number in [min, max]: an integer, or a real with no fractional part. */
static int spec_read_whole(spec_ctx_t *c, const char *path, const json_t *v, uint64_t min,
                           uint64_t max, uint64_t *out)
{
    char low[64], high[64];
    uint64_t u;
    snprintf(low, sizeof low, "a whole number >= %llu", (unsigned long long)min);
    snprintf(high, sizeof high, "a whole number <= %llu", (unsigned long long)max);
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i < 0)
            return spec_expected(c, path, low, v);
        u = (uint64_t)i;
    } else if (json_is_real(v)) {
        double d = json_real_value(v);
        if (!isfinite(d) || d != floor(d) || d < 0)
            return spec_expected(c, path, low, v);
        if (d >= 18446744073709551616.0) /* 2^64: beyond every field */
            return spec_expected(c, path, high, v);
        u = (uint64_t)d;
    } else {
        return spec_expected(c, path, low, v);
    }
    if (u < min)
        return spec_expected(c, path, low, v);
    if (u > max)
        return spec_expected(c, path, high, v);
    *out = u;
    return DQ_OK;
}

/* ---- sections ------------------------------------------------------------------------ */

static int spec_read_params(spec_ctx_t *c, dq_spec_t *s, const json_t *obj)
{
    const char *key;
    json_t *v;
    size_t i = 0;
    if (spec_read_object(c, ".params", obj))
        return DQ_ESPEC;
    if (json_object_size(obj) == 0)
        return DQ_OK;
    if (!(s->params = calloc(json_object_size(obj), sizeof *s->params)))
        return spec_nomem(c);
    s->n_params = json_object_size(obj);
    json_object_foreach ((json_t *)obj, key, v) {
        dq_spec_param_t *p = &s->params[i++];
        char path[SPEC_PATH_MAX], elem[SPEC_PATH_MAX + 32];
        spec_path_format(path, sizeof path, ".params", key);
        if (!*key)
            return spec_fail(c, path, "expected a non-empty parameter name");
        if (!(p->name = dq__strdup(key)) || !(p->where = spec_path_dup(".params", key)))
            return spec_nomem(c);
        if (json_is_number(v)) {
            if (!(p->v = malloc(sizeof *p->v)))
                return spec_nomem(c);
            p->v[0] = json_number_value(v);
            p->len = 1;
            continue;
        }
        if (!json_is_array(v) || json_array_size(v) == 0)
            return spec_expected(c, path, "a number or an array of numbers", v);
        if (!(p->v = malloc(json_array_size(v) * sizeof *p->v)))
            return spec_nomem(c);
        for (size_t k = 0; k < json_array_size(v); ++k) {
            const json_t *x = json_array_get(v, k);
            if (!json_is_number(x)) {
                spec_path_index(elem, sizeof elem, path, k);
                return spec_expected(c, elem, "a number", x);
            }
            p->v[k] = json_number_value(x);
            p->len = k + 1;
        }
    }
    return DQ_OK;
}

static int spec_read_options(spec_ctx_t *c, dq_spec_t *s, const json_t *obj)
{
    const char *key;
    json_t *v;
    size_t i = 0;
    if (spec_read_object(c, ".solver_options", obj))
        return DQ_ESPEC;
    if (json_object_size(obj) == 0)
        return DQ_OK;
    if (!(s->solver_options = calloc(json_object_size(obj), sizeof *s->solver_options)))
        return spec_nomem(c);
    s->n_solver_options = json_object_size(obj);
    json_object_foreach ((json_t *)obj, key, v) {
        dq_spec_option_t *o = &s->solver_options[i++];
        char path[SPEC_PATH_MAX];
        spec_path_format(path, sizeof path, ".solver_options", key);
        if (!*key)
            return spec_fail(c, path, "expected a non-empty option name");
        if (!json_is_number(v))
            return spec_expected(c, path, "a number", v);
        if (!(o->name = dq__strdup(key)) || !(o->where = spec_path_dup(".solver_options", key)))
            return spec_nomem(c);
        o->value = json_number_value(v);
    }
    return DQ_OK;
}

static const char *const spec_submodule_keys[] = {"solver", "substeps"};

static int spec_read_submodules(spec_ctx_t *c, dq_spec_t *s, const json_t *obj)
{
    const char *key, *k2;
    json_t *v, *x;
    size_t i = 0;
    if (spec_read_object(c, ".submodules", obj))
        return DQ_ESPEC;
    if (json_object_size(obj) == 0)
        return DQ_OK;
    if (!(s->submodules = calloc(json_object_size(obj), sizeof *s->submodules)))
        return spec_nomem(c);
    s->n_submodules = json_object_size(obj);
    json_object_foreach ((json_t *)obj, key, v) {
        dq_spec_submodule_t *m = &s->submodules[i++];
        char path[SPEC_PATH_MAX], sub[SPEC_PATH_MAX];
        spec_path_format(path, sizeof path, ".submodules", key);
        if (!*key)
            return spec_fail(c, path, "expected a non-empty module name");
        if (spec_read_object(c, path, v))
            return DQ_ESPEC;
        if (!(m->name = dq__strdup(key)) || !(m->where = spec_path_dup(".submodules", key)))
            return spec_nomem(c);
        json_object_foreach (v, k2, x) {
            int which = spec_key_index(k2, spec_submodule_keys, 2);
            uint64_t u;
            spec_path_format(sub, sizeof sub, path, k2);
            if (which < 0)
                return spec_unknown_key(c, path, k2, spec_submodule_keys, 2);
            int rc = which == 0 ? spec_read_string(c, sub, x, &m->solver)
                                : spec_read_whole(c, sub, x, 1, UINT_MAX, &u);
            if (rc)
                return rc;
            if (which == 1)
                m->substeps = (unsigned)u;
        }
    }
    return DQ_OK;
}

/* Index of the first element equal to an earlier one, or n when all differ. Sorting keeps
 * this O(n log n) for long unit lists. */
typedef struct spec_unit_slot {
    uint64_t value;
    size_t index;
} spec_unit_slot_t;

static int spec_unit_slot_cmp(const void *a, const void *b)
{
    const spec_unit_slot_t *x = a, *y = b;
    if (x->value != y->value)
        return x->value < y->value ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static int spec_read_units(spec_ctx_t *c, dq_spec_t *s, const json_t *v)
{
    const char *path = ".record.units";
    size_t n = json_array_size(v);
    if (!json_is_array(v) || n == 0)
        return spec_expected(c, path, "a non-empty array of whole numbers", v);
    spec_unit_slot_t *slots = malloc(n * sizeof *slots);
    if (!slots || !(s->record_units = malloc(n * sizeof *s->record_units))) {
        free(slots);
        return spec_nomem(c);
    }
    s->n_record_units = n;
    for (size_t k = 0; k < n; ++k) {
        char elem[64];
        uint64_t u;
        spec_path_index(elem, sizeof elem, path, k);
        int rc = spec_read_whole(c, elem, json_array_get(v, k), 0, SIZE_MAX, &u);
        if (rc) {
            free(slots);
            return rc;
        }
        s->record_units[k] = (size_t)u;
        slots[k].value = u;
        slots[k].index = k;
    }
    qsort(slots, n, sizeof *slots, spec_unit_slot_cmp);
    size_t dup = n;
    for (size_t k = 1; k < n; ++k)
        if (slots[k].value == slots[k - 1].value && slots[k].index < dup)
            dup = slots[k].index;
    free(slots);
    if (dup < n) {
        char elem[64];
        spec_path_index(elem, sizeof elem, path, dup);
        return spec_fail(c, elem, "duplicate unit %zu", s->record_units[dup]);
    }
    return DQ_OK;
}

static int spec_read_states(spec_ctx_t *c, dq_spec_t *s, const json_t *v)
{
    const char *path = ".record.states";
    size_t n = json_array_size(v);
    if (!json_is_array(v) || n == 0)
        return spec_expected(c, path, "a non-empty array of state names", v);
    if (!(s->record_states = calloc(n, sizeof *s->record_states)))
        return spec_nomem(c);
    s->n_record_states = n;
    for (size_t k = 0; k < n; ++k) {
        char elem[64];
        const json_t *x = json_array_get(v, k);
        spec_path_index(elem, sizeof elem, path, k);
        int rc = spec_read_string(c, elem, x, &s->record_states[k]);
        if (rc)
            return rc;
        /* States are a handful per model: a quadratic check is fine. */
        for (size_t j = 0; j < k; ++j)
            if (strcmp(s->record_states[j], s->record_states[k]) == 0)
                return spec_fail(c, elem, "duplicate state '%s'", s->record_states[k]);
    }
    return DQ_OK;
}

static const char *const spec_record_keys[] = {"states", "every", "units"};

static int spec_read_record(spec_ctx_t *c, dq_spec_t *s, const json_t *obj)
{
    const char *key;
    json_t *v;
    if (spec_read_object(c, ".record", obj))
        return DQ_ESPEC;
    json_object_foreach ((json_t *)obj, key, v) {
        int rc = DQ_OK;
        switch (spec_key_index(key, spec_record_keys, 3)) {
        case 0:
            rc = spec_read_states(c, s, v);
            break;
        case 1:
            rc = spec_read_whole(c, ".record.every", v, 1, UINT64_MAX, &s->record_every);
            break;
        case 2:
            rc = spec_read_units(c, s, v);
            break;
        default:
            rc = spec_unknown_key(c, ".record", key, spec_record_keys, 3);
        }
        if (rc)
            return rc;
    }
    return DQ_OK;
}

static const char *const spec_output_keys[] = {"path", "format"};

static int spec_read_output(spec_ctx_t *c, dq_spec_t *s, const json_t *obj)
{
    const char *key;
    json_t *v;
    if (spec_read_object(c, ".output", obj))
        return DQ_ESPEC;
    json_object_foreach ((json_t *)obj, key, v) {
        int rc = DQ_OK;
        switch (spec_key_index(key, spec_output_keys, 2)) {
        case 0:
            rc = spec_read_string(c, ".output.path", v, &s->output_path);
            break;
        case 1: {
            const char *f = json_is_string(v) ? json_string_value(v) : "";
            if (strcmp(f, "csv") == 0)
                s->output_format = DQ_FORMAT_CSV;
            else if (strcmp(f, "json") == 0)
                s->output_format = DQ_FORMAT_JSON;
            else
                rc = spec_expected(c, ".output.format", "\"csv\" or \"json\"", v);
            break;
        }
        default:
            rc = spec_unknown_key(c, ".output", key, spec_output_keys, 2);
        }
        if (rc)
            return rc;
    }
    return DQ_OK;
}

enum spec_top_key {
    SPEC_MODEL,
    SPEC_PARAMS,
    SPEC_SOLVER,
    SPEC_SOLVER_OPTIONS,
    SPEC_DT,
    SPEC_T_END,
    SPEC_SUBMODULES,
    SPEC_RECORD,
    SPEC_OUTPUT,
    SPEC_SEED,
    SPEC_N_TOP_KEYS
};

static const char *const spec_top_keys[SPEC_N_TOP_KEYS] = {
    "model", "params",     "solver", "solver_options", "dt",
    "t_end", "submodules", "record", "output",         "seed"};

static int spec_read_top(spec_ctx_t *c, dq_spec_t *s, const json_t *root)
{
    const char *key;
    json_t *v;
    json_object_foreach ((json_t *)root, key, v) {
        int rc = DQ_OK;
        switch (spec_key_index(key, spec_top_keys, SPEC_N_TOP_KEYS)) {
        case SPEC_MODEL:
            rc = spec_read_string(c, ".model", v, &s->model);
            break;
        case SPEC_PARAMS:
            rc = spec_read_params(c, s, v);
            break;
        case SPEC_SOLVER:
            rc = spec_read_string(c, ".solver", v, &s->solver);
            break;
        case SPEC_SOLVER_OPTIONS:
            rc = spec_read_options(c, s, v);
            break;
        case SPEC_DT:
            rc = spec_read_positive(c, ".dt", v, &s->dt);
            s->has_dt = rc == DQ_OK;
            break;
        case SPEC_T_END:
            rc = spec_read_positive(c, ".t_end", v, &s->t_end);
            s->has_t_end = rc == DQ_OK;
            break;
        case SPEC_SUBMODULES:
            rc = spec_read_submodules(c, s, v);
            break;
        case SPEC_RECORD:
            rc = spec_read_record(c, s, v);
            break;
        case SPEC_OUTPUT:
            rc = spec_read_output(c, s, v);
            break;
        case SPEC_SEED:
            rc = spec_read_whole(c, ".seed", v, 0, UINT64_MAX, &s->seed);
            s->has_seed = rc == DQ_OK;
            break;
        default:
            rc = spec_unknown_key(c, "", key, spec_top_keys, SPEC_N_TOP_KEYS);
        }
        if (rc)
            return rc;
    }
    return DQ_OK;
}

/* ---- entry points -------------------------------------------------------------------- */

static const char *spec_type_phrase(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        break;
    }
    return "null";
}

/* Records an error at a position, adding the position only to an error set here (first
 * error wins: an earlier error must not receive this one's line). */
static void spec_fail_at(spec_ctx_t *c, int line, int column, const char *fmt, ...)
    DQ_PRINTF(4, 5);

static void spec_fail_at(spec_ctx_t *c, int line, int column, const char *fmt, ...)
{
    char msg[DQ_ERROR_MESSAGE_MAX];
    va_list ap;
    if (!c->err || c->err->code != DQ_OK)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    dq_error_set(c->err, DQ_ESPEC, c->source, "%s", msg);
    dq_error_add_position(c->err, line, column);
}

/* Parses len bytes of text read from `name`. */
static dq_spec_t *spec_parse_buffer(const char *text, size_t len, const char *name,
                                    dq_error_t *err)
{
    spec_ctx_t c = {name, err};
    json_error_t je;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        len -= 3;
    }
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        /* jansson refuses a scalar top level with "'[' or '{' expected near '3'"; parse it
         * again as any value so a valid scalar gets the same message as an array. */
        json_error_t any_je;
        json_t *any = strncmp(je.text, "'[' or '{' expected", 19) == 0
                          ? json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
                                       &any_je)
                          : NULL;
        if (!any) {
            spec_fail_at(&c, je.line, je.column, "%s", je.text);
            return NULL;
        }
        root = any;
    }
    if (!json_is_object(root)) {
        /* The position of the value's first character. */
        int line = 1, column = 1;
        for (size_t i = 0; i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' ||
                                       text[i] == '\n');
             ++i) {
            if (text[i] == '\n') {
                ++line;
                column = 1;
            } else {
                ++column;
            }
        }
        spec_fail_at(&c, line, column, "expected a JSON object at the top level, got %s",
                     spec_type_phrase(root));
        json_decref(root);
        return NULL;
    }
    dq_spec_t *s = calloc(1, sizeof *s);
    if (!s || !(s->path = dq__strdup(name))) {
        free(s);
        json_decref(root);
        spec_nomem(&c);
        return NULL;
    }
    int rc = spec_read_top(&c, s, root);
    json_decref(root);
    if (rc) {
        dq_spec_free(s);
        return NULL;
    }
    return s;
}

dq_spec_t *dq_spec_parse(const char *text, const char *name, dq_error_t *err)
{
    if (!name)
        name = "<string>";
    if (!text) {
        dq_error_set(err, DQ_EINVAL, name, "dq_spec_parse: no text given");
        return NULL;
    }
    return spec_parse_buffer(text, strlen(text), name, err);
}

dq_spec_t *dq_spec_load(const char *path, dq_error_t *err)
{
    if (!path) {
        dq_error_set(err, DQ_EINVAL, NULL, "dq_spec_load: a path is required");
        return NULL;
    }
    /* Read the whole file first: a read error (a directory gives EISDIR here) is then an
     * I/O error, not a JSON one. */
    FILE *f = fopen(path, "rb");
    if (!f) {
        dq_error_set(err, DQ_EIO, path, "cannot read run spec '%s': %s", path, strerror(errno));
        return NULL;
    }
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    while (buf) {
        len += fread(buf + len, 1, cap - len, f);
        if (len < cap)
            break;
        char *bigger = realloc(buf, cap * 2);
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    int read_errno = errno;
    int failed = ferror(f);
    fclose(f);
    if (!buf) {
        dq_error_set(err, DQ_ENOMEM, path, "out of memory reading run spec '%s'", path);
        return NULL;
    }
    if (failed) {
        free(buf);
        dq_error_set(err, DQ_EIO, path, "cannot read run spec '%s': %s", path,
                     strerror(read_errno));
        return NULL;
    }
    dq_spec_t *s = spec_parse_buffer(buf, len, path, err);
    free(buf);
    return s;
}

void dq_spec_free(dq_spec_t *spec)
{
    if (!spec)
        return;
    free(spec->path);
    free(spec->model);
    for (size_t i = 0; i < spec->n_params; ++i) {
        free(spec->params[i].name);
        free(spec->params[i].v);
        free(spec->params[i].where);
    }
    free(spec->params);
    free(spec->solver);
    for (size_t i = 0; i < spec->n_solver_options; ++i) {
        free(spec->solver_options[i].name);
        free(spec->solver_options[i].where);
    }
    free(spec->solver_options);
    for (size_t i = 0; i < spec->n_submodules; ++i) {
        free(spec->submodules[i].name);
        free(spec->submodules[i].solver);
        free(spec->submodules[i].where);
    }
    free(spec->submodules);
    for (size_t i = 0; i < spec->n_record_states; ++i)
        free(spec->record_states[i]);
    free(spec->record_states);
    free(spec->record_units);
    free(spec->output_path);
    free(spec);
}
