/* SPDX-License-Identifier: MIT */
/* validate_strings.c -- strings and pointers from plugins, checked before use.
 *
 * A description is printed to terminals and put in JSON documents; a name is compared,
 * suggested and listed. Bytes that are not UTF-8, escape sequences and megabyte strings
 * break all of these later and far from the plugin that caused them, so they are refused
 * when the plugin loads, with a message naming the file, the descriptor and the field. */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "utf8.h"
#include "validate_strings.h"

int dq__text_check(const char *s, size_t max, const char *who, const char *field,
                   const char *source, dq_error_t *err)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (u[i]) {
        if (i >= max)
            return dq_error_set(err, DQ_EDESC, source,
                                "%s: %s is longer than the %zu bytes allowed.", who, field, max);
        uint32_t cp;
        size_t n = dq__utf8_decode(u + i, &cp);
        if (n == 0)
            return dq_error_set(err, DQ_EDESC, source,
                                "%s: %s is not valid UTF-8 (byte 0x%02x at offset %zu).", who,
                                field, (unsigned)u[i], i);
        if (dq__utf8_is_control(cp))
            return dq_error_set(err, DQ_EDESC, source,
                                "%s: %s contains control character U+%04X at offset %zu%s.", who,
                                field, (unsigned)cp, i,
                                cp == '\n' || cp == '\r' ? " (it must be one line)" : "");
        i += n;
    }
    /* A sequence that ends past the bound is caught above; one that ends at it is fine. */
    if (i > max)
        return dq_error_set(err, DQ_EDESC, source, "%s: %s is longer than the %zu bytes allowed.",
                            who, field, max);
    return DQ_OK;
}

int dq__text_check_opt(const char *s, size_t max, const char *who, const char *field,
                       const char *source, dq_error_t *err)
{
    return s ? dq__text_check(s, max, who, field, source, err) : DQ_OK;
}

int dq__align_check(const void *p, size_t align, const char *who, const char *field,
                    const char *source, dq_error_t *err)
{
    if (dq__is_aligned(p, align))
        return DQ_OK;
    return dq_error_set(err, DQ_EDESC, source,
                        "%s: %s is at a misaligned address (needs %zu-byte alignment).", who, field,
                        align);
}

/* What messages start with: "Integrator 'x' in '/p.so'", "Model 'x'", or, while the name
 * is not known to be good, "Integrator descriptor in '/p.so'". */
void dq__validate_who(char *buf, size_t len, const char *kind, const char *name, const char *source)
{
    if (name)
        snprintf(buf, len, "%s '%s'%s%s%s", kind, name, source ? " in '" : "", source ? source : "",
                 source ? "'" : "");
    else
        snprintf(buf, len, "%s descriptor%s%s%s", kind, source ? " in '" : "", source ? source : "",
                 source ? "'" : "");
}

/* The strings of a table entry (`what` is "option", "parameter", "module 'm' state"): the
 * name as text (the caller checks its characters), then its unit and doc. */
int dq__element_text_check(const char *who, const char *source, const char *what, size_t i,
                           const char *name, const char *unit, const char *doc, dq_error_t *err)
{
    char field[256];
    snprintf(field, sizeof field, "%s %zu name", what, i);
    int rc = dq__text_check_opt(name, DQ__NAME_MAX, who, field, source, err);
    if (rc || !name)
        return rc;
    snprintf(field, sizeof field, "%s '%s' unit", what, name);
    if ((rc = dq__text_check_opt(unit, DQ__NAME_MAX, who, field, source, err)))
        return rc;
    snprintf(field, sizeof field, "%s '%s' doc", what, name);
    return dq__text_check_opt(doc, DQ__TEXT_MAX, who, field, source, err);
}
