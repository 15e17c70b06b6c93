/* SPDX-License-Identifier: MIT */
/* file.c -- reading a whole file into memory (see file.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <dq/error.h>

#include "file.h"

int dq__file_read(const char *path, size_t max, dq__file_t *out)
{
    *out = (dq__file_t){0};
    /* Read the whole file first: a read error (a directory gives EISDIR here) is then an
     * I/O error, not one of the format read from it. */
    FILE *f = fopen(path, "rb");
    if (!f) {
        out->sys_errno = errno;
        return DQ_EIO;
    }
    out->opened = 1;
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap + 1);
    while (buf) {
        len += fread(buf + len, 1, cap - len, f);
        if (len < cap || (max && cap >= max))
            break;
        size_t next = max && cap * 2 > max ? max : cap * 2; /* never hold more than max */
        char *bigger = realloc(buf, next + 1);
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap = next;
    }
    int read_errno = errno;
    int failed = ferror(f);
    fclose(f);
    if (!buf) {
        out->sys_errno = ENOMEM;
        return DQ_ENOMEM;
    }
    if (failed) {
        free(buf);
        out->sys_errno = read_errno ? read_errno : EIO;
        return DQ_EIO;
    }
    if (max && len > max)
        len = max;
    buf[len] = '\0';
    out->data = buf;
    out->size = len;
    return DQ_OK;
}
