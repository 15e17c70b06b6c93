/* SPDX-License-Identifier: MIT */
/* where.c -- errors about a value that came from a `where` (a run spec's JSON path or a
 * command-line flag), marked with that place so no caller reads the message to find it. */
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

dq_place_t dq__where_place(const char *where)
{
    if (!where || !*where)
        return DQ_PLACE_NONE;
    /* The `where` convention of dq_param_arg_t, dq_record_opts_t and the spec: JSON paths
     * start with a dot, flags with a dash. */
    return where[0] == '.' ? DQ_PLACE_SPEC : DQ_PLACE_FLAG;
}

int dq__error_where(dq_error_t *err, int code, const char *where, const char *fmt, ...)
{
    char msg[DQ_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    dq_place_t place = dq__where_place(where);
    /* A spec's file name is added by whoever read the file (dq_error_add_place). */
    return dq_error_set_at(err, code, place, place == DQ_PLACE_FLAG ? where : NULL, "%s", msg);
}

const char *dq__where_prefix(const char *where, char *buf, size_t len)
{
    if (!where || !*where)
        return "";
    snprintf(buf, len, "%s: ", where);
    return buf;
}

int dq__error_mark_where(dq_error_t *err, const char *where, int code)
{
    if (err && where && *where)
        dq_error_add_place(err, dq__where_place(where), NULL);
    return code;
}
