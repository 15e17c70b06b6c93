/* SPDX-License-Identifier: MIT */
/* canary.c -- the instrumented host's memory: every vector it hands a solver sits between
 * two runs of canary doubles, checked after each call. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conform_impl.h"

/* Canary doubles before and after every vector: a NaN bit pattern no arithmetic produces,
 * compared bitwise. CANARY_LEN doubles are 512 bytes, so the payload stays 64-byte
 * aligned. */
#define CANARY_LEN 64
static const uint64_t canary_bits = 0x7ff4dead5eedc0deULL;
static const uint64_t poison_bits = 0x7ff4bad0bad0bad0ULL;

static void fill_bits(double *p, size_t n, uint64_t bits)
{
    for (size_t i = 0; i < n; ++i)
        memcpy(&p[i], &bits, sizeof bits);
}

int dq__conform_region_alloc(conform_region_t *r, size_t len, const char *name)
{
    r->name = name;
    r->len = len;
    /* A bogus scratch_size must not wrap the size computation around. */
    if (len > SIZE_MAX / sizeof(double) / 2 - 2 * CANARY_LEN)
        return DQ_ENOMEM;
    size_t bytes = (2 * CANARY_LEN + len) * sizeof(double);
    bytes = (bytes + 63) / 64 * 64;
    r->base = aligned_alloc(64, bytes);
    if (!r->base)
        return DQ_ENOMEM;
    r->data = r->base + CANARY_LEN;
    fill_bits(r->base, 2 * CANARY_LEN + len, canary_bits);
    memset(r->data, 0, len * sizeof(double));
    return DQ_OK;
}

void dq__conform_region_free(conform_region_t *r)
{
    free(r->base);
    r->base = r->data = NULL;
}

static int region_canary_ok(const conform_region_t *r, size_t i)
{
    return memcmp(&r->base[i], &canary_bits, sizeof canary_bits) == 0;
}

/* Describes the first overwritten canary ("ctx->y[8] (its length is 8)"), or returns 0. */
int dq__conform_region_check(const conform_region_t *r, char *buf, size_t len)
{
    for (size_t i = CANARY_LEN; i-- > 0;)
        if (!region_canary_ok(r, i)) {
            snprintf(buf, len, "%s[-%zu]", r->name, CANARY_LEN - i);
            return 1;
        }
    for (size_t i = 0; i < CANARY_LEN; ++i)
        if (!region_canary_ok(r, CANARY_LEN + r->len + i)) {
            snprintf(buf, len, "%s[%zu] (its length is %zu)", r->name, r->len + i, r->len);
            return 1;
        }
    return 0;
}

/* Within the payload of one region, so a host function may read or write len doubles. */
int dq__conform_region_holds(const conform_region_t *r, const double *p, size_t len)
{
    uintptr_t a = (uintptr_t)p, lo = (uintptr_t)r->data;
    uintptr_t hi = lo + r->len * sizeof(double);
    return a >= lo && a <= hi && len * sizeof(double) <= hi - a;
}

void dq__conform_fill_poison(double *p, size_t n)
{
    fill_bits(p, n, poison_bits);
}
