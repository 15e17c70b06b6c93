/* SPDX-License-Identifier: MIT */
/* dq/abi.h -- the header every struct that crosses the plugin boundary starts with. */
#ifndef DQ_ABI_H
#define DQ_ABI_H

#include <stdint.h>

#include <dq/version.h>

/* struct_size is sizeof() the struct as the plugin (or host) was compiled; the reader uses
 * only the fields that fit inside it. See sdk/ABI.md. */
typedef struct dq_abi_header {
    uint32_t struct_size;
    uint16_t abi_major;
    uint16_t abi_minor;
} dq_abi_header_t;

/* Fills a header for struct type T with the ABI this translation unit is compiled for. */
#define DQ_ABI_HEADER_INIT(T)                                                                      \
    {                                                                                              \
        (uint32_t)sizeof(T), DQ_ABI_MAJOR, DQ_ABI_MINOR                                            \
    }

/* True when the struct at p (with header h) is large enough to hold member `field` of T. */
#define DQ_ABI_HAS_FIELD(h, T, field)                                                              \
    ((h)->struct_size >= offsetof(T, field) + sizeof(((T *)0)->field))

#endif
