/* SPDX-License-Identifier: MIT */
/* child.c -- the byte pipe between a forked child and its parent (see child.h). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include "child.h"

double dq__child_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void dq__child_send(int fd, const void *data, size_t size)
{
    const char *p = data;
    while (size > 0) {
        ssize_t n = write(fd, p, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            _exit(3);
        p += n;
        size -= (size_t)n;
    }
    _exit(0);
}

size_t dq__child_receive(int fd, void *out, size_t size, double timeout)
{
    char *buf = out;
    size_t got = 0;
    const double deadline = dq__child_now() + timeout;
    while (got < size) {
        double left = deadline - dq__child_now();
        if (left <= 0)
            return (size_t)-1;
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        double ms = ceil(left * 1000.0);
        int pr = poll(&pfd, 1, ms > INT_MAX ? INT_MAX : (int)ms);
        if (pr < 0 && errno != EINTR)
            break;
        if (pr <= 0)
            continue;
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    return got;
}
