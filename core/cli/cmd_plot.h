/* SPDX-License-Identifier: MIT */
/* cmd_plot.h -- `dqhost plot`: a trajectory or spike file drawn with gnuplot. */
#ifndef DQ_CLI_CMD_PLOT_H
#define DQ_CLI_CMD_PLOT_H

#include <stddef.h>

#include "cli.h"

/* Draws the trajectory (CSV or JSON, as `dqhost run` writes it) or the spike file at `input`
 * into `output` (.png, .svg or .pdf; NULL: input with its extension replaced by .png).
 * `states` is a comma-separated list of states to draw (NULL: all); at most `max_units`
 * lines per panel (0: 8). Returns a DQ_EXIT_* status after reporting. */
int plot_draw(const dq_cli_t *cli, const char *input, const char *output, const char *states,
              size_t max_units);
/* "png", "svg" or "pdf" for a picture's name by its extension, or NULL. */
const char *plot_format_of(const char *path);
int cmd_plot(dq_cli_t *cli, int argc, char **argv);

#endif
