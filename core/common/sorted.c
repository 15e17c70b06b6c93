/* SPDX-License-Identifier: MIT */
/* sorted.c -- binary search by name (see sorted.h). */
#include <string.h>

#include "sorted.h"

size_t dq__sorted_find(const void *base, size_t n, size_t size, dq__name_of_fn name_of,
                       const char *name, int *found)
{
    const char *p = base;
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const void *elem = p + mid * size;
        int c = strcmp(name_of ? name_of(elem) : *(const char *const *)elem, name);
        if (c == 0) {
            *found = 1;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = 0;
    return lo;
}
