/* SPDX-License-Identifier: MIT */
/* sha256.h -- SHA-256 (FIPS 180-4) of a buffer or a file, for the provenance of outputs. */
#ifndef DQ_SHA256_H
#define DQ_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct dq__sha256 {
    uint32_t h[8];
    uint64_t bytes; /* message length so far */
    unsigned char buf[64];
    size_t used; /* bytes in buf */
} dq__sha256_t;

void dq__sha256_init(dq__sha256_t *c);
void dq__sha256_update(dq__sha256_t *c, const void *data, size_t n);
void dq__sha256_final(dq__sha256_t *c, unsigned char digest[32]);
/* The digest of n bytes as 64 lowercase hex digits and a NUL. */
void dq__sha256_hex(const void *data, size_t n, char hex[65]);
/* The digest of a file's contents as hex; -1 with errno set when it cannot be read. */
int dq__sha256_file(const char *path, char hex[65]);

#endif
