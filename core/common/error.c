/* SPDX-License-Identifier: MIT */
/* error.c -- the error record and the code table. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <dq/host/error.h>

const char *dq_strerror(int code)
{
    switch (code) {
#define DQ__ERR_TEXT(name, value, text)                                                        \
    case DQ_##name:                                                                            \
        return text;
        DQ_ERROR_MAP(DQ__ERR_TEXT)
#undef DQ__ERR_TEXT
    }
    return "unknown error";
}

const char *dq_err_name(int code)
{
    switch (code) {
#define DQ__ERR_NAME(name, value, text)                                                        \
    case DQ_##name:                                                                            \
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

int dq_error_set(dq_error_t *err, int code, const char *source, const char *fmt, ...)
{
    if (!err || err->code != DQ_OK)
        return code;
    err->code = code;
    if (source && !err->source[0])
        snprintf(err->source, sizeof err->source, "%s", source);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    /* Messages are one line: a newline from a foreign text (dlerror, a model) would break
     * the "one line on stderr" promise. */
    for (char *p = err->message; *p; ++p)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    return code;
}

void dq_error_add_source(dq_error_t *err, const char *source)
{
    if (err && source && !err->source[0])
        snprintf(err->source, sizeof err->source, "%s", source);
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
