/* SPDX-License-Identifier: MIT */
/* machine.h -- what both benchmark programs say about the machine they ran on. */
#ifndef DQ_BENCH_MACHINE_H
#define DQ_BENCH_MACHINE_H

#include <stddef.h>

/* The CPU's model name from /proc/cpuinfo, or "unknown CPU". */
void bench_cpu_model(char *out, size_t len);

#endif
