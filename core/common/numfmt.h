/* SPDX-License-Identifier: MIT */
/* numfmt.h -- the one number formatter: the shortest text that reads back to the same
 * double, in the forms the spec messages, the trajectories and the CLI print. */
#ifndef DQ_NUMFMT_H
#define DQ_NUMFMT_H

#include <stddef.h>

/* Room for any form below, the terminating NUL included. */
#define DQ__NUMFMT_MAX 32

typedef enum dq__numfmt_style {
    /* CSV and plain text: the shortest of %.15g, %.16g, %.17g that reads back to d (so
     * 0.1 is "0.1", 100 is "100"); nan, inf and -inf for non-finite values (strtod reads
     * them back; printf would write "-nan" for a NaN with its sign bit set). */
    DQ__NUM_TEXT,
    /* JSON documents: the same digits; null for non-finite values (JSON has none) and
     * "-0.0" for -0 (JSON readers take "-0" for the integer 0 and lose the sign). */
    DQ__NUM_JSON,
    /* A JSON real quoted in a message: the shortest %.Ng from one digit up ("-0.1",
     * "1e+02"), with ".0" on whole values as jansson writes reals ("10.0"). */
    DQ__NUM_SHOWN
} dq__numfmt_style_t;

/* Writes d into buf[0..cap) (cap >= DQ__NUMFMT_MAX never truncates) and returns buf. The
 * text assumes the "C" LC_NUMERIC locale. */
char *dq__numfmt(char *buf, size_t cap, double d, dq__numfmt_style_t style);

#endif
