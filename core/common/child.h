/* SPDX-License-Identifier: MIT */
/* child.h -- the byte pipe between a forked child and its parent: the plugin scan
 * (core/loader/scan.c) and `dqhost check` (core/cli/cmd_check.c) share it. */
#ifndef DQ_CHILD_H
#define DQ_CHILD_H

#include <stddef.h>

/* Seconds on the monotonic clock. */
double dq__child_now(void);

/* In the child: writes all of data to fd and leaves with _exit(0), or _exit(3) when the
 * pipe fails. Never returns; runs no exit handlers (the parent owns stdio and the
 * plugins' destructors). */
_Noreturn void dq__child_send(int fd, const void *data, size_t size);

/* In the parent: reads until EOF, `size` bytes or `timeout` seconds. Returns the bytes
 * read, or (size_t)-1 when the time ran out first. */
size_t dq__child_receive(int fd, void *out, size_t size, double timeout);

#endif
