/* SPDX-License-Identifier: MIT */
/* sorted.h -- the one binary search over arrays kept sorted by a name (bytewise). */
#ifndef DQ_SORTED_H
#define DQ_SORTED_H

#include <stddef.h>

/* The name of the element at `elem`. */
typedef const char *(*dq__name_of_fn)(const void *elem);

/* Searches base[0..n) (elements of `size` bytes, sorted by name_of) for `name`: returns its
 * index with *found = 1, or where it would be inserted with *found = 0. name_of NULL means
 * the elements are `const char *` themselves. */
size_t dq__sorted_find(const void *base, size_t n, size_t size, dq__name_of_fn name_of,
                       const char *name, int *found);

#endif
