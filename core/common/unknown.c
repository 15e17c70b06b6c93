/* SPDX-License-Identifier: MIT */
/* unknown.c -- the one builder of "unknown name. Did you mean ...? Available: ..." */
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

#define UNKNOWN_MESSAGE_MAX DQ_ERROR_MESSAGE_MAX
#define UNKNOWN_SUGGESTIONS_MAX 8

static void unknown_append(char *buf, size_t cap, size_t *len, const char *fmt, ...)
    DQ_PRINTF(4, 5);

static void unknown_append(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
    if (*len >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(buf + *len, cap - *len, fmt, ap);
    va_end(ap);
    if (k > 0)
        *len = *len + (size_t)k < cap ? *len + (size_t)k : cap;
}

int dq__error_unknown(dq_error_t *err, int code, const char *source, const dq__unknown_t *u,
                      const char *head, ...)
{
    char msg[UNKNOWN_MESSAGE_MAX];
    size_t len = 0;
    msg[0] = '\0';
    va_list ap;
    va_start(ap, head);
    int k = vsnprintf(msg, sizeof msg, head, ap);
    va_end(ap);
    len = k > 0 ? ((size_t)k < sizeof msg ? (size_t)k : sizeof msg) : 0;

    size_t want = u->max_suggestions ? u->max_suggestions : 1;
    if (want > UNKNOWN_SUGGESTIONS_MAX)
        want = UNKNOWN_SUGGESTIONS_MAX;
    const char *close[UNKNOWN_SUGGESTIONS_MAX];
    size_t n_close = u->n_candidates ? dq_suggest(u->name ? u->name : "", u->candidates,
                                                  u->n_candidates, 0.6, close, want)
                                     : 0;
    for (size_t i = 0; i < n_close; ++i)
        unknown_append(msg, sizeof msg, &len, "%s'%s'%s", i ? ", " : " Did you mean ", close[i],
                       i + 1 == n_close ? "?" : "");

    const char *const *listed = u->listed ? u->listed : u->candidates;
    size_t n_listed = u->listed ? u->n_listed : u->n_candidates;
    if (n_listed == 0) {
        if (u->none)
            unknown_append(msg, sizeof msg, &len, " %s", u->none);
    } else {
        for (size_t i = 0; i < n_listed; ++i)
            unknown_append(msg, sizeof msg, &len, "%s%s%s%s", i ? ", " : " ", i ? "" : u->label,
                           i ? "" : ": ", listed[i]);
        unknown_append(msg, sizeof msg, &len, ".");
    }
    return dq_error_set(err, code, source, "%s", msg);
}
