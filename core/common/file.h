/* SPDX-License-Identifier: MIT */
/* file.h -- reading a whole file into memory (the one slurp of libdqcore). */
#ifndef DQ_FILE_H
#define DQ_FILE_H

#include <stddef.h>

typedef struct dq__file {
    char *data;    /* [owned: free()] the bytes read, with a NUL after them; NULL on failure */
    size_t size;   /* bytes read (at most the `max` given) */
    int opened;    /* on failure: 0 when the file could not be opened, 1 when reading failed */
    int sys_errno; /* on failure: errno of the failing call (ENOMEM when out of memory) */
} dq__file_t;

/* Reads up to `max` bytes of `path` (0: no limit). Returns DQ_OK, DQ_EIO (open or read
 * failed, see `opened` and `sys_errno`) or DQ_ENOMEM. The caller words the message. */
int dq__file_read(const char *path, size_t max, dq__file_t *out);

#endif
