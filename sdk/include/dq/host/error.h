/* SPDX-License-Identifier: MIT */
/* dq/host/error.h -- filling and reading the error record (libdqcore). */
#ifndef DQ_HOST_ERROR_H
#define DQ_HOST_ERROR_H

#include <dq/error.h>
#include <dq/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Receives warnings from the library (which never prints): `source` names what the warning
 * is about (a plugin path, a spec file) and may be ""; `message` is one line. */
typedef void (*dq_warn_fn)(void *user, const char *source, const char *message);

/* Description of a code ("invalid argument"); "unknown error" for other values. */
DQ_API const char *dq_strerror(int code);
/* Symbolic name of a code without the prefix ("EINVAL"); "UNKNOWN" for other values. */
DQ_API const char *dq_err_name(int code);

/* Resets the record to "no error". err may be NULL. */
DQ_API void dq_error_clear(dq_error_t *err);

/* Records an error unless one is recorded already (first error wins) and returns `code`,
 * so one statement reports and returns. err and source may be NULL. */
DQ_API int dq_error_set(dq_error_t *err, int code, const char *source, const char *fmt, ...)
    DQ_PRINTF(4, 5);

/* dq_error_set with the kind of place `source` names (dq_error_set itself records
 * DQ_PLACE_OTHER for a non-empty source, DQ_PLACE_NONE without one). */
DQ_API int dq_error_set_at(dq_error_t *err, int code, dq_place_t place, const char *source,
                           const char *fmt, ...) DQ_PRINTF(5, 6);

/* Fills the place when none is recorded yet: its kind, and `source` if that is still
 * empty (source may be NULL: a spec error raised before the file's name is known). */
DQ_API void dq_error_add_place(dq_error_t *err, dq_place_t place, const char *source);

/* Fill parts still unset (source empty, line 0, no time); they never overwrite. */
DQ_API void dq_error_add_source(dq_error_t *err, const char *source);
DQ_API void dq_error_add_position(dq_error_t *err, int line, int column);
DQ_API void dq_error_add_time(dq_error_t *err, double time);

#ifdef __cplusplus
}
#endif

#endif
