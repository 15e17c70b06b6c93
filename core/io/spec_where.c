/* SPDX-License-Identifier: MIT */
/* spec_where.c -- how run-spec messages name a place (".record.units[2]",
 * ".params[\"a b\"]") and show the value found there (compact JSON, cut). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numfmt.h"
#include "spec_impl.h"
#include "strbuf.h"

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

/* The root's children start with a dot either way, so a path never starts with a
 * bracket. */
size_t dq__spec_path_format(char *buf, size_t cap, const char *parent, const char *key)
{
    dq__strbuf_t t;
    dq__strbuf_init(&t, buf, cap);
    dq__strbuf_append(&t, parent);
    if (spec_is_plain(key)) {
        dq__strbuf_append(&t, ".");
        dq__strbuf_append(&t, key);
    } else {
        dq__strbuf_append(&t, *parent ? "[" : ".[");
        dq__strbuf_append_json(&t, key);
        dq__strbuf_append(&t, "]");
    }
    return t.len;
}

char *dq__spec_path_dup(const char *parent, const char *key)
{
    size_t n = dq__spec_path_format(NULL, 0, parent, key) + 1;
    char *p = malloc(n);
    if (p)
        dq__spec_path_format(p, n, parent, key);
    return p;
}

void dq__spec_path_index(char *buf, size_t cap, const char *parent, size_t i)
{
    snprintf(buf, cap, "%s[%zu]", parent, i);
}

/* Compact JSON of v; stops descending once the text is longer than anything shown. */
static void spec_show_value(dq__strbuf_t *t, const json_t *v)
{
    char num[DQ__NUMFMT_MAX];
    if (t->len > SPEC_SHOW_MAX)
        return;
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char *key;
        json_t *item;
        int first = 1;
        dq__strbuf_append(t, "{");
        json_object_foreach ((json_t *)v, key, item) {
            if (t->len > SPEC_SHOW_MAX)
                return;
            if (!first)
                dq__strbuf_append(t, ",");
            first = 0;
            dq__strbuf_append_json(t, key);
            dq__strbuf_append(t, ":");
            spec_show_value(t, item);
        }
        dq__strbuf_append(t, "}");
        break;
    }
    case JSON_ARRAY:
        dq__strbuf_append(t, "[");
        for (size_t i = 0; i < json_array_size(v); ++i) {
            if (t->len > SPEC_SHOW_MAX)
                return;
            if (i)
                dq__strbuf_append(t, ",");
            spec_show_value(t, json_array_get(v, i));
        }
        dq__strbuf_append(t, "]");
        break;
    case JSON_STRING:
        dq__strbuf_append_json(t, json_string_value(v));
        break;
    case JSON_INTEGER:
        dq__strbuf_appendf(t, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_REAL:
        dq__strbuf_append(t, dq__numfmt(num, sizeof num, json_real_value(v), DQ__NUM_SHOWN));
        break;
    case JSON_TRUE:
        dq__strbuf_append(t, "true");
        break;
    case JSON_FALSE:
        dq__strbuf_append(t, "false");
        break;
    case JSON_NULL:
        dq__strbuf_append(t, "null");
        break;
    }
}

void dq__spec_show(const json_t *v, char *buf, size_t cap)
{
    char tmp[SPEC_SHOW_MAX * 4];
    dq__strbuf_t t;
    dq__strbuf_init(&t, tmp, sizeof tmp);
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
