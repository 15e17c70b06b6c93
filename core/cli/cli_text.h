/* SPDX-License-Identifier: MIT */
/* cli_text.h -- plugin strings and file names on a terminal: escaped and, in tables, cut.
 *
 * Anything that came from a plugin or a file name is written through these: a control
 * character becomes \n, \t, \r, \xNN or \uNNNN, a byte that is not UTF-8 becomes \xNN, so
 * a plugin cannot move the cursor, recolour or retitle the user's terminal. Columns count
 * one per character (wide characters are rare in these strings and counted as one). */
#ifndef DQ_CLI_TEXT_H
#define DQ_CLI_TEXT_H

#include <stddef.h>
#include <stdio.h>

/* The columns s takes escaped; at most `max` (0: no limit), and `max` whenever it would
 * take more. s NULL is "". */
size_t cli_text_cols(const char *s, size_t max);

/* Writes s escaped; when it takes more than `max` columns (max > 3; 0: no limit) writes
 * what fits in max - 3 and "...". Returns the columns written. */
size_t cli_text_put(FILE *f, const char *s, size_t max);

/* cli_text_put, then spaces up to `width` columns (a table cell). */
void cli_text_cell(FILE *f, const char *s, size_t max, size_t width);

#endif
