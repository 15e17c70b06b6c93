/* SPDX-License-Identifier: MIT */
/* test_alloc.h -- counting malloc/calloc/realloc, to prove a loop allocates nothing.
 *
 * test_alloc.c interposes the allocator for the whole process (libdqcore included). ASan
 * brings its own allocator, so counting is off in the sanitizer build and tests that use it
 * check DQ_TEST_COUNT_ALLOCS. */
#ifndef DQ_TEST_ALLOC_H
#define DQ_TEST_ALLOC_H

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define DQ_TEST_COUNT_ALLOCS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define DQ_TEST_COUNT_ALLOCS 0
#endif
#endif
#ifndef DQ_TEST_COUNT_ALLOCS
#define DQ_TEST_COUNT_ALLOCS 1
#endif

/* Allocations since the process started (0 when counting is off). */
extern long allocs;

#endif
