/* SPDX-License-Identifier: MIT */
/* run_prov.h -- a run's provenance (what produced an output) and `dqhost run --replay`. */
#ifndef DQ_CLI_RUN_PROV_H
#define DQ_CLI_RUN_PROV_H

#include <jansson.h>

#include "run.h"

/* Built once per run, after the system is prepared:
 *   {"dqhost": "0.1.0", "abi": "2.2",
 *    "plugins": [{"role": "model"|"solver", "name": N, "module": M (sub-module solvers),
 *                 "path": P or null (built in), "sha256": H or null}, ...],
 *    "spec": {the resolved spec, as a spec file would hold it},
 *    "seed": S, "threads": T, "host": H, "start_time": "YYYY-MM-DDThh:mm:ssZ"} */
typedef struct run_prov {
    json_t *doc;
    char *lines; /* the CSV comment header, lines without "# " */
    char *json;  /* doc as one line of JSON */
} run_prov_t;

/* 0, or -1 after reporting (out of memory). */
int run_prov_build(run_prov_t *pv, dq_cli_t *cli, const dq_system_t *sys, const run_plan_t *p);
void run_prov_free(run_prov_t *pv);

/* Reads the provenance of an output: a --json summary, a CSV trajectory (its "# provenance"
 * line) or a JSON trajectory. Returns a new reference, or NULL after reporting (the output
 * cannot be read or has none). */
json_t *run_prov_read(const char *path);
/* Prints to stderr, for each recorded plugin, whether the file is the same. */
void run_prov_check(const json_t *prov);

#endif
