/* SPDX-License-Identifier: MIT */
/* cmd_morph.h -- `dqhost morph`: a morphology read, discretised and summarised. */
#ifndef DQ_CLI_CMD_MORPH_H
#define DQ_CLI_CMD_MORPH_H

#include "cli.h"

/* Needs no plugins: main dispatches it before loading them. Returns a DQ_EXIT_* status
 * after reporting. */
int cmd_morph(int argc, char **argv);

#endif
