/* SPDX-License-Identifier: MIT */
/* numfmt.c -- shortest round-trip formatting of doubles (see numfmt.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numfmt.h"

/* The shortest "%.*g" from `min_prec` digits up that reads back to d; 17 digits always do. */
static void numfmt_shortest(char *buf, size_t cap, double d, int min_prec)
{
    for (int prec = min_prec; prec <= 17; ++prec) {
        snprintf(buf, cap, "%.*g", prec, d);
        if (prec == 17 || strtod(buf, NULL) == d)
            break;
    }
}

char *dq__numfmt(char *buf, size_t cap, double d, dq__numfmt_style_t style)
{
    if (!cap)
        return buf;
    const int json = style == DQ__NUM_JSON;
    if (style != DQ__NUM_SHOWN && isnan(d))
        snprintf(buf, cap, "%s", json ? "null" : "nan");
    else if (style != DQ__NUM_SHOWN && isinf(d))
        snprintf(buf, cap, "%s", json ? "null" : d > 0 ? "inf" : "-inf");
    else if (json && d == 0 && signbit(d))
        snprintf(buf, cap, "-0.0");
    else if (style == DQ__NUM_SHOWN) {
        numfmt_shortest(buf, cap, d, 1);
        if (!strpbrk(buf, ".eEni") && strlen(buf) + 3 <= cap)
            strcat(buf, ".0");
    } else {
        /* From 15 digits: shorter precisions give the same digits but switch to exponent
         * notation sooner (100 would be "1e+02"). */
        numfmt_shortest(buf, cap, d, 15);
    }
    return buf;
}
