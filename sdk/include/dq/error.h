/* SPDX-License-Identifier: MIT */
/* dq/error.h -- status codes and the error record.
 *
 * Fallible functions return int: DQ_OK (0) or a negative DQ_E* code. The codes are shared
 * with plugins (a solver's step returns one). The record is plain fixed-size data so it can
 * live on the stack and cross the plugin boundary without ownership questions. */
#ifndef DQ_ERROR_H
#define DQ_ERROR_H

#include <stddef.h>

/* X(name, value, description): one list gives the enum, dq_strerror() and dq_err_name(). */
#define DQ_ERROR_MAP(X)                                                                        \
    X(OK, 0, "success")                                                                        \
    X(EINVAL, -1, "invalid argument")                                                          \
    X(ENOMEM, -2, "out of memory")                                                             \
    X(EEXIST, -3, "name already registered")                                                   \
    X(ENOTFOUND, -4, "not found")                                                              \
    X(EIO, -5, "cannot read")                                                                  \
    X(ELOAD, -6, "cannot load plugin")                                                         \
    X(ENOENTRY, -7, "plugin has no entry symbol")                                              \
    X(EABI, -8, "incompatible plugin ABI")                                                     \
    X(EDESC, -9, "invalid descriptor")                                                         \
    X(EUSAGE, -10, "invalid usage")                                                            \
    X(ESPEC, -11, "invalid run specification")                                                 \
    X(ENONFINITE, -12, "non-finite value")                                                     \
    X(ENEWTON, -13, "Newton iteration did not converge")                                       \
    X(ENOTAPPLICABLE, -14, "solver not applicable to this model")                              \
    X(EMODEL, -15, "model callback failed")                                                    \
    X(ESOLVER, -16, "solver step failed")

typedef enum dq_status {
#define DQ__ERR_ENUM(name, value, text) DQ_##name = value,
    DQ_ERROR_MAP(DQ__ERR_ENUM)
#undef DQ__ERR_ENUM
} dq_status_t;

#define DQ_ERROR_SOURCE_MAX 512
#define DQ_ERROR_MESSAGE_MAX 1024

/* The error record. First error wins: layers closer to the cause fill it, outer layers add
 * only what is still unset (source, line/column, time). */
typedef struct dq_error {
    int code;       /* DQ_OK when no error */
    int line;       /* 1-based line in `source`, 0 when not applicable */
    int column;     /* 1-based column, 0 when not applicable */
    int has_time;   /* non-zero when `time` is meaningful */
    double time;    /* model time at which the error happened */
    char source[DQ_ERROR_SOURCE_MAX];   /* plugin path, spec file or state name; may be "" */
    char message[DQ_ERROR_MESSAGE_MAX]; /* one line, no trailing newline */
} dq_error_t;

#endif
