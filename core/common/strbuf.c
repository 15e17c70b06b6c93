/* SPDX-License-Identifier: MIT */
/* strbuf.c -- the bounded text builder (see strbuf.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "strbuf.h"

void dq__strbuf_init(dq__strbuf_t *b, char *buf, size_t cap)
{
    b->p = buf;
    b->cap = buf ? cap : 0;
    b->len = 0;
    if (b->cap)
        b->p[0] = '\0';
}

int dq__strbuf_fits(const dq__strbuf_t *b)
{
    return b->len < b->cap;
}

void dq__strbuf_appendn(dq__strbuf_t *b, const char *s, size_t n)
{
    if (b->len + 1 < b->cap) {
        size_t room = b->cap - 1 - b->len;
        memcpy(b->p + b->len, s, n < room ? n : room);
    }
    b->len += n;
    if (b->cap)
        b->p[b->len < b->cap ? b->len : b->cap - 1] = '\0';
}

void dq__strbuf_append(dq__strbuf_t *b, const char *s)
{
    dq__strbuf_appendn(b, s, strlen(s));
}

void dq__strbuf_appendf(dq__strbuf_t *b, const char *fmt, ...)
{
    size_t at = b->len < b->cap ? b->len : b->cap;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(b->cap ? b->p + at : NULL, b->cap - at, fmt, ap);
    va_end(ap);
    if (k > 0)
        b->len += (size_t)k;
}

void dq__strbuf_append_json(dq__strbuf_t *b, const char *s)
{
    dq__strbuf_append(b, "\"");
    for (; *s; ++s) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            dq__strbuf_appendn(b, esc, 2);
        } else if (c < 0x20) {
            dq__strbuf_appendf(b, "\\u%04x", c);
        } else {
            dq__strbuf_appendn(b, s, 1);
        }
    }
    dq__strbuf_append(b, "\"");
}

void dq__strbuf_join(dq__strbuf_t *b, const char *const *items, size_t n, const char *sep)
{
    for (size_t i = 0; items && i < n && items[i]; ++i) {
        if (i)
            dq__strbuf_append(b, sep);
        dq__strbuf_append(b, items[i]);
    }
}

size_t dq__join(char *buf, size_t cap, const char *const *items, size_t n, const char *sep)
{
    dq__strbuf_t b;
    dq__strbuf_init(&b, buf, cap);
    dq__strbuf_join(&b, items, n, sep);
    return b.len;
}
