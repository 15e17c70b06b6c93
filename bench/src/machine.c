/* SPDX-License-Identifier: MIT */
/* machine.c -- the CPU model for the benchmark reports (dq_bench and dq_bench_workprec). */
#include <stdio.h>
#include <string.h>

#include "machine.h"

void bench_cpu_model(char *out, size_t len)
{
    snprintf(out, len, "unknown CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "model name", 10) == 0) {
            const char *v = strchr(line, ':');
            if (v) {
                v += 1 + strspn(v + 1, " \t");
                snprintf(out, len, "%.*s", (int)strcspn(v, "\n"), v);
            }
            break;
        }
    fclose(f);
}
