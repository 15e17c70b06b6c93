/* SPDX-License-Identifier: MIT */
/* cli_json.h -- the JSON forms of registry entries and load records (list, info). */
#ifndef DQ_CLI_JSON_H
#define DQ_CLI_JSON_H

#include <jansson.h>

#include "cli.h"

/* s as a JSON string (null when s is NULL), never refused for its bytes: each byte that is
 * not UTF-8 (file names may have them) becomes U+FFFD. NULL only when out of memory. */
json_t *cli_json_str(const char *s);

/* Appends item (a new reference, or NULL after a failure) to array; -1 when either is
 * NULL or the append fails, so a caller can say "out of memory" instead of dropping it. */
int cli_json_append(json_t *array, json_t *item);

/* Each returns a new reference, or NULL when out of memory. */
json_t *cli_json_integrator(const dq_integrator_entry_t *e);
json_t *cli_json_model(const dq_model_entry_t *m);
json_t *cli_json_record(const dq_load_record_t *r);

/* Writes the document to stdout (indented, newline-terminated) and releases it.
 * Returns DQ_EXIT_OK, or DQ_EXIT_FAILURE when the document could not be built or written. */
int cli_json_emit(json_t *doc);

/* The flags word as words: "override", "deprecated", "jacobian", "diffusion", "adaptive". */
void cli_flag_words(uint32_t flags, const char **out, size_t *n);

#endif
