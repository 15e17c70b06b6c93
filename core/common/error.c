/* SPDX-License-Identifier: MIT */
/* error.c -- the error record and the code table. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <dq/host/error.h>

const char *dq_strerror(int code)
{
    switch (code) {
#define DQ__ERR_TEXT(name, value, text)                                                            \
    case DQ_##name:                                                                                \
        return text;
        DQ_ERROR_MAP(DQ__ERR_TEXT)
#undef DQ__ERR_TEXT
    }
    return "unknown error";
}

const char *dq_err_name(int code)
{
    switch (code) {
#define DQ__ERR_NAME(name, value, text)                                                            \
    case DQ_##name:                                                                                \
        return #name;
        DQ_ERROR_MAP(DQ__ERR_NAME)
#undef DQ__ERR_NAME
    }
    return "UNKNOWN";
}

void dq_error_clear(dq_error_t *err)
{
    if (err)
        memset(err, 0, sizeof *err);
}

static int error_vset(dq_error_t *err, int code, dq_place_t place, const char *source,
                      const char *fmt, va_list ap)
{
    if (!err || err->code != DQ_OK)
        return code;
    err->code = code;
    dq_error_add_place(err, place, source);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    /* Messages are one line: a newline from a foreign text (dlerror, a model) would break
     * the "one line on stderr" promise. */
    for (char *p = err->message; *p; ++p)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    return code;
}

int dq_error_set(dq_error_t *err, int code, const char *source, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_vset(err, code, source && *source ? DQ_PLACE_OTHER : DQ_PLACE_NONE, source, fmt, ap);
    va_end(ap);
    return code;
}

int dq_error_set_at(dq_error_t *err, int code, dq_place_t place, const char *source,
                    const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_vset(err, code, place, source, fmt, ap);
    va_end(ap);
    return code;
}

void dq_error_add_place(dq_error_t *err, dq_place_t place, const char *source)
{
    if (!err)
        return;
    if (err->place == DQ_PLACE_NONE)
        err->place = place;
    dq_error_add_source(err, source);
}

void dq_error_add_source(dq_error_t *err, const char *source)
{
    if (err && source && *source && !err->source[0]) {
        snprintf(err->source, sizeof err->source, "%s", source);
        if (err->place == DQ_PLACE_NONE)
            err->place = DQ_PLACE_OTHER;
    }
}

void dq_error_add_position(dq_error_t *err, int line, int column)
{
    if (err && err->line == 0) {
        err->line = line;
        err->column = column;
    }
}

void dq_error_add_time(dq_error_t *err, double time)
{
    if (err && !err->has_time) {
        err->has_time = 1;
        err->time = time;
    }
}
