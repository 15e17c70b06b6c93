/* SPDX-License-Identifier: MIT */
/* validate_strings.h -- the checks every string and pointer a plugin hands over passes
 * before the validator reads it: text that is UTF-8, printable, on one line and bounded;
 * pointers aligned for what they point at. The bounds are sdk/ABI.md's (section Strings). */
#ifndef DQ_VALIDATE_STRINGS_H
#define DQ_VALIDATE_STRINGS_H

#include <stddef.h>

#include <dq/host/error.h>

/* Names, aliases, categories, units and time units: at most this many bytes. */
#define DQ__NAME_MAX 64
/* Descriptions and docs: at most this many bytes. */
#define DQ__TEXT_MAX 512
/* Parameters of a model, states of a module: at most this many (a larger count is taken
 * for a count that is not its table's length). */
#define DQ__PARAMS_MAX 1024
#define DQ__STATES_MAX 1024

/* Checks that s (not NULL) is well-formed UTF-8 of at most `max` bytes without control
 * characters (a line break included). Reads at most max + 1 bytes, so a huge string costs
 * nothing. On failure records "<who>: <field> is not valid UTF-8 (byte 0xff at offset 3)."
 * (or "contains control character U+001B at offset 5", "is longer than the 64 bytes
 * allowed") with code DQ_EDESC and returns it. */
int dq__text_check(const char *s, size_t max, const char *who, const char *field,
                   const char *source, dq_error_t *err);

/* The same for an optional string: NULL passes. */
int dq__text_check_opt(const char *s, size_t max, const char *who, const char *field,
                       const char *source, dq_error_t *err);

/* Checks that p (which may be NULL) is a multiple of `align`, without reading it; records
 * "<who>: <field> is at a misaligned address (needs 8-byte alignment)." otherwise. */
int dq__align_check(const void *p, size_t align, const char *who, const char *field,
                    const char *source, dq_error_t *err);

/* What messages about a descriptor start with: "Integrator 'x' in '/p.so'", "Model 'x'", or
 * with name NULL (not yet known to be good) "Integrator descriptor in '/p.so'". */
void dq__validate_who(char *buf, size_t len, const char *kind, const char *name,
                      const char *source);

/* The strings of a table entry (`what` is "option", "parameter", "module 'm' state", `i`
 * its index): the name as text (NULL passes: the caller checks the name's characters),
 * then its unit and doc (NULL passes; unit may be NULL for entries without one). */
int dq__element_text_check(const char *who, const char *source, const char *what, size_t i,
                           const char *name, const char *unit, const char *doc, dq_error_t *err);

#endif
