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
#define DQ_ERROR_MAP(X)                                                                            \
    X(OK, 0, "success")                                                                            \
    X(EINVAL, -1, "invalid argument")                                                              \
    X(ENOMEM, -2, "out of memory")                                                                 \
    X(EEXIST, -3, "name already registered")                                                       \
    X(ENOTFOUND, -4, "not found")                                                                  \
    X(EIO, -5, "cannot read")                                                                      \
    X(ELOAD, -6, "cannot load plugin")                                                             \
    X(ENOENTRY, -7, "plugin has no entry symbol")                                                  \
    X(EABI, -8, "incompatible plugin ABI")                                                         \
    X(EDESC, -9, "invalid descriptor")                                                             \
    X(EUSAGE, -10, "invalid usage")                                                                \
    X(ESPEC, -11, "invalid run specification")                                                     \
    X(ENONFINITE, -12, "non-finite value")                                                         \
    X(ENEWTON, -13, "Newton iteration did not converge")                                           \
    X(ENOTAPPLICABLE, -14, "solver not applicable to this model")                                  \
    X(EMODEL, -15, "model callback failed")                                                        \
    X(ESOLVER, -16, "solver step failed")

typedef enum dq_status {
#define DQ__ERR_ENUM(name, value, text) DQ_##name = value,
    DQ_ERROR_MAP(DQ__ERR_ENUM)
#undef DQ__ERR_ENUM
} dq_status_t;

#define DQ_ERROR_SOURCE_MAX 512
#define DQ_ERROR_MESSAGE_MAX 1024

/* What an error record's `source` names. A message names its subject itself ("plugin 'x'",
 * "state 'V'"), with one exception: an error at a place in a run spec (a JSON path, or a
 * line and column) leaves the file to `source`, so a reader prints "<source>: <message>"
 * for DQ_PLACE_SPEC alone. */
typedef enum dq_place {
    DQ_PLACE_NONE = 0, /* source is empty */
    DQ_PLACE_OTHER,    /* source is set but says nothing more (dq_error_set's default) */
    DQ_PLACE_PLUGIN,   /* a plugin file */
    DQ_PLACE_SPEC,     /* a run spec; the message starts with the JSON path, or line is set;
                          source may be "" until the caller that read the file adds it */
    DQ_PLACE_FILE,     /* a file as a whole (a spec that cannot be read, a directory) */
    DQ_PLACE_FLAG,     /* a command-line flag ("--record") */
    DQ_PLACE_STATE,    /* a state name */
    DQ_PLACE_MODEL,    /* a model name */
    DQ_PLACE_MODULE    /* a module name */
} dq_place_t;

/* The error record. First error wins: layers closer to the cause fill it, outer layers add
 * only what is still unset (source, line/column, time). */
typedef struct dq_error {
    int code;                           /* DQ_OK when no error */
    int line;                           /* 1-based line in `source`, 0 when not applicable */
    int column;                         /* 1-based column, 0 when not applicable */
    int has_time;                       /* non-zero when `time` is meaningful */
    int place;                          /* enum dq_place: what `source` names */
    double time;                        /* model time at which the error happened */
    char source[DQ_ERROR_SOURCE_MAX];   /* plugin path, spec file or state name; may be "" */
    char message[DQ_ERROR_MESSAGE_MAX]; /* one line, no trailing newline */
} dq_error_t;

#endif
