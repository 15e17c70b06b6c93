/* SPDX-License-Identifier: MIT */
/* test_alloc.c -- the counting allocator of test_alloc.h. */
#include <stddef.h>

#include "test_alloc.h"

long allocs;

#if DQ_TEST_COUNT_ALLOCS
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

void *malloc(size_t n);
void *calloc(size_t a, size_t b);
void *realloc(void *p, size_t n);

void *malloc(size_t n)
{
    allocs++;
    return __libc_malloc(n);
}

void *calloc(size_t a, size_t b)
{
    allocs++;
    return __libc_calloc(a, b);
}

void *realloc(void *p, size_t n)
{
    allocs++;
    return __libc_realloc(p, n);
}
#endif
