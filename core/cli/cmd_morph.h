/* SPDX-License-Identifier: MIT */
/* cmd_morph.h -- `dqhost morph`: a morphology read, discretised and summarised. */
#ifndef DQ_CLI_CMD_MORPH_H
#define DQ_CLI_CMD_MORPH_H

#include <dq/host/morph.h>

#include "cli.h"

/* Needs no plugins: main dispatches it before loading them. Returns a DQ_EXIT_* status
 * after reporting. */
int cmd_morph(int argc, char **argv);
/* A morphology's error as "FILE:LINE:COLUMN: message" (the parts known). */
void morph_print_error(const char *path, const dq_error_t *err);
/* The rule in words: "d_lambda 0.1 at 100 Hz (cm 1 uF/cm2)", "nseg 3 in every section". */
const char *morph_rule_text(const dq_morph_discret_t *o, char *buf, size_t cap);

#endif
