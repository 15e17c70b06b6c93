/* SPDX-License-Identifier: MIT */
/* strbuf.h -- the one text builder of libdqcore and the CLI (jansson's strbuffer, bounded).
 *
 * A builder writes into storage the caller gives (usually a stack array). It never fails:
 * text past the capacity is dropped but still counted, like snprintf, so `len` is the
 * length the whole text would have and a caller can size a second, exact buffer. The
 * storage is always NUL-terminated when cap > 0. */
#ifndef DQ_STRBUF_H
#define DQ_STRBUF_H

#include <stddef.h>

#include <dq/export.h>

typedef struct dq__strbuf {
    char *p;    /* storage [borrowed]; may be NULL when cap is 0 (counting only) */
    size_t cap; /* bytes of storage, the terminating NUL included */
    size_t len; /* length of everything appended, stored or not */
} dq__strbuf_t;

/* A builder over buf[0..cap), emptied. */
void dq__strbuf_init(dq__strbuf_t *b, char *buf, size_t cap);
/* True when everything appended so far was stored. */
int dq__strbuf_fits(const dq__strbuf_t *b);

void dq__strbuf_append(dq__strbuf_t *b, const char *s);
void dq__strbuf_appendn(dq__strbuf_t *b, const char *s, size_t n);
void dq__strbuf_appendf(dq__strbuf_t *b, const char *fmt, ...) DQ_PRINTF(2, 3);
/* s as a JSON string literal: quotes, backslashes and control characters escaped; bytes
 * >= 0x80 pass through (names are UTF-8 or ASCII). */
void dq__strbuf_append_json(dq__strbuf_t *b, const char *s);

/* Appends items[0..n) separated by `sep`; with n == (size_t)-1 the list ends at its first
 * NULL (a NULL list is empty). */
void dq__strbuf_join(dq__strbuf_t *b, const char *const *items, size_t n, const char *sep);

/* The same into buf[0..cap) from its start; returns the full length. */
size_t dq__join(char *buf, size_t cap, const char *const *items, size_t n, const char *sep);

#endif
