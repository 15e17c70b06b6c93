/* SPDX-License-Identifier: MIT */
/* check.h -- `dqhost check`: the verdicts it collects (cmd_check.c) and prints
 * (check_report.c). */
#ifndef DQ_CLI_CHECK_H
#define DQ_CLI_CHECK_H

#include <stddef.h>

#include <dq/host/conform.h>

#include "cli.h"

typedef struct check_list {
    dq_conform_result_t *solvers;
    size_t n_solvers, cap_solvers;
    dq_conform_model_result_t *models;
    size_t n_models, cap_models;
} check_list_t;

/* The table (solvers, then models), failures, notes and the summary lines, on stdout. */
void check_print_table(const check_list_t *list);
/* One JSON array: an object per solver ("kind": "solver"), then per model ("kind":
 * "model"). Returns a DQ_EXIT_* status. */
int check_print_json(const check_list_t *list);

#endif
