/* SPDX-License-Identifier: MIT */
/* spec_values.c -- reading typed values from a run spec: strings, positive numbers, whole
 * numbers that must fit their field, and the record section's arrays. Booleans are not
 * numbers; a real is accepted for a whole-number field when it is whole (10.0), since JSON
 * writers often cannot tell 10 from 10.0. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec_impl.h"

int dq__spec_read_object(dq__spec_ctx_t *c, const char *path, const json_t *v)
{
    return json_is_object(v) ? DQ_OK : dq__spec_expected(c, path, "an object", v);
}

int dq__spec_read_string(dq__spec_ctx_t *c, const char *path, const json_t *v, char **out)
{
    if (!json_is_string(v) || json_string_length(v) == 0)
        return dq__spec_expected(c, path, "a non-empty string", v);
    if (!(*out = dq__strdup(json_string_value(v))))
        return dq__spec_nomem(c);
    return DQ_OK;
}

int dq__spec_read_positive(dq__spec_ctx_t *c, const char *path, const json_t *v, double *out)
{
    double d = json_is_number(v) ? json_number_value(v) : NAN;
    if (!(d > 0) || !isfinite(d))
        return dq__spec_expected(c, path, "a positive number", v);
    *out = d;
    return DQ_OK;
}

int dq__spec_read_nonneg(dq__spec_ctx_t *c, const char *path, const json_t *v, double *out)
{
    double d = json_is_number(v) ? json_number_value(v) : NAN;
    if (!(d >= 0) || !isfinite(d))
        return dq__spec_expected(c, path, "a number >= 0", v);
    *out = d;
    return DQ_OK;
}

int dq__spec_read_number(dq__spec_ctx_t *c, const char *path, const json_t *v, double *out)
{
    double d = json_is_number(v) ? json_number_value(v) : NAN;
    if (!isfinite(d))
        return dq__spec_expected(c, path, "a number", v);
    *out = d;
    return DQ_OK;
}

int dq__spec_read_bool(dq__spec_ctx_t *c, const char *path, const json_t *v, int *out)
{
    if (!json_is_boolean(v))
        return dq__spec_expected(c, path, "true or false", v);
    *out = json_is_true(v);
    return DQ_OK;
}

int dq__spec_read_whole(dq__spec_ctx_t *c, const char *path, const json_t *v, uint64_t min,
                        uint64_t max, uint64_t *out)
{
    char low[64], high[64];
    uint64_t u;
    snprintf(low, sizeof low, "a whole number >= %llu", (unsigned long long)min);
    snprintf(high, sizeof high, "a whole number <= %llu", (unsigned long long)max);
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i < 0)
            return dq__spec_expected(c, path, low, v);
        u = (uint64_t)i;
    } else if (json_is_real(v)) {
        double d = json_real_value(v);
        if (!isfinite(d) || d != floor(d) || d < 0)
            return dq__spec_expected(c, path, low, v);
        if (d >= 18446744073709551616.0) /* 2^64: beyond every field */
            return dq__spec_expected(c, path, high, v);
        u = (uint64_t)d;
    } else {
        return dq__spec_expected(c, path, low, v);
    }
    if (u < min)
        return dq__spec_expected(c, path, low, v);
    if (u > max)
        return dq__spec_expected(c, path, high, v);
    *out = u;
    return DQ_OK;
}

/* Sorting (value, index) pairs finds the first duplicate in O(n log n): unit lists can be
 * long. */
typedef struct spec_unit_slot {
    uint64_t value;
    size_t index;
} spec_unit_slot_t;

static int spec_unit_slot_cmp(const void *a, const void *b)
{
    const spec_unit_slot_t *x = a, *y = b;
    if (x->value != y->value)
        return x->value < y->value ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

int dq__spec_read_units(dq__spec_ctx_t *c, dq_spec_t *s, const json_t *v)
{
    const char *path = ".record.units";
    size_t n = json_array_size(v);
    if (!json_is_array(v) || n == 0)
        return dq__spec_expected(c, path, "a non-empty array of whole numbers", v);
    spec_unit_slot_t *slots = malloc(n * sizeof *slots);
    if (!slots || !(s->record_units = malloc(n * sizeof *s->record_units))) {
        free(slots);
        return dq__spec_nomem(c);
    }
    s->n_record_units = n;
    for (size_t k = 0; k < n; ++k) {
        char elem[64];
        uint64_t u;
        dq__spec_path_index(elem, sizeof elem, path, k);
        int rc = dq__spec_read_whole(c, elem, json_array_get(v, k), 0, SIZE_MAX, &u);
        if (rc) {
            free(slots);
            return rc;
        }
        s->record_units[k] = (size_t)u;
        slots[k].value = u;
        slots[k].index = k;
    }
    qsort(slots, n, sizeof *slots, spec_unit_slot_cmp);
    size_t dup = n;
    for (size_t k = 1; k < n; ++k)
        if (slots[k].value == slots[k - 1].value && slots[k].index < dup)
            dup = slots[k].index;
    free(slots);
    if (dup < n) {
        char elem[64];
        dq__spec_path_index(elem, sizeof elem, path, dup);
        return dq__spec_fail(c, elem, "duplicate unit %zu", s->record_units[dup]);
    }
    return DQ_OK;
}

int dq__spec_read_states(dq__spec_ctx_t *c, dq_spec_t *s, const json_t *v)
{
    const char *path = ".record.states";
    size_t n = json_array_size(v);
    if (!json_is_array(v) || n == 0)
        return dq__spec_expected(c, path, "a non-empty array of state names", v);
    if (!(s->record_states = calloc(n, sizeof *s->record_states)))
        return dq__spec_nomem(c);
    s->n_record_states = n;
    for (size_t k = 0; k < n; ++k) {
        char elem[64];
        const json_t *x = json_array_get(v, k);
        dq__spec_path_index(elem, sizeof elem, path, k);
        int rc = dq__spec_read_string(c, elem, x, &s->record_states[k]);
        if (rc)
            return rc;
        /* States are a handful per model: a quadratic check is fine. */
        for (size_t j = 0; j < k; ++j)
            if (strcmp(s->record_states[j], s->record_states[k]) == 0)
                return dq__spec_fail(c, elem, "duplicate state '%s'", s->record_states[k]);
    }
    return DQ_OK;
}
