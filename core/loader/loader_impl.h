/* SPDX-License-Identifier: MIT */
/* loader_impl.h -- what loader.c shares with loader_dir.c. */
#ifndef DQ_LOADER_IMPL_H
#define DQ_LOADER_IMPL_H

#include <stddef.h>

#include <dq/host/loader.h>

/* Makes room for `need` elements of `elem` bytes; doubles, so n additions cost O(n)
 * copies. Returns DQ_OK or DQ_ENOMEM (the old block stays valid). */
int dq__loader_grow(void **items, size_t *cap, size_t need, size_t elem);

/* Loads `given` unless its real path was seen; `quiet` skips a seen file without a word
 * (directory scans), otherwise the earlier record's outcome is returned. */
int dq__loader_load_path(dq_loader_t *l, const char *given, int quiet, dq_error_t *err);

#endif
