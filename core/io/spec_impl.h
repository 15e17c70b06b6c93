/* SPDX-License-Identifier: MIT */
/* spec_impl.h -- what the run-spec reader's files share (spec_load.c reads the JSON,
 * spec_sections.c builds dq_spec_t from it, spec_values.c reads typed values, spec_where.c
 * names places and shows values in messages, spec_keys.c checks keys and reports,
 * spec_sweep.c reads generators and sweeps, spec_cable.c the sections of cable models). */
#ifndef DQ_SPEC_IMPL_H
#define DQ_SPEC_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <dq/host/spec.h>

#include "internal.h"

/* Shown values longer than this are cut and end in "...". */
#define SPEC_SHOW_MAX 40
/* Paths in messages are cut here (the message itself is capped at DQ_ERROR_MESSAGE_MAX). */
#define SPEC_PATH_MAX 384

typedef struct dq__spec_ctx {
    const char *source; /* the spec's path, for err->source */
    dq_error_t *err;
} dq__spec_ctx_t;

/* ---- places and shown values (spec_where.c) ---- */

/* parent + ".key" or parent + "[\"key\"]"; returns the full length, like snprintf. */
size_t dq__spec_path_format(char *buf, size_t cap, const char *parent, const char *key);
/* The same, allocated (for the `where` fields, which must not be cut); NULL when out of
 * memory. [owned: free()] */
char *dq__spec_path_dup(const char *parent, const char *key);
/* A JSON document of *len bytes at *text, as the spec and the morphology readers take it: a
 * UTF-8 byte-order mark skipped (*text and *len then point past it), duplicate keys refused.
 * NULL with je filled on a syntax error. [owned: json_decref] */
json_t *dq__json_loadb(const char **text, size_t *len, json_error_t *je);
/* parent + "[i]". */
void dq__spec_path_index(char *buf, size_t cap, const char *parent, size_t i);
/* v as shown in messages: compact JSON, cut to SPEC_SHOW_MAX characters with "...". */
void dq__spec_show(const json_t *v, char *buf, size_t cap);

/* ---- reporting and keys (spec_keys.c) ---- */

/* "<path>: <message>" as DQ_ESPEC at a place in the spec. Returns DQ_ESPEC. */
int dq__spec_fail(dq__spec_ctx_t *c, const char *path, const char *fmt, ...) DQ_PRINTF(3, 4);
/* "<path>: expected <what>, got <value>". */
int dq__spec_expected(dq__spec_ctx_t *c, const char *path, const char *what, const json_t *v);
int dq__spec_nomem(dq__spec_ctx_t *c);
/* Index of key in keys[0..n), or -1 after reporting "<parent.key>: unknown key. Did you
 * mean 'k'? Keys: a, b." */
int dq__spec_key(dq__spec_ctx_t *c, const char *parent, const char *key, const char *const *keys,
                 size_t n);

/* ---- typed values (spec_values.c) ---- */

int dq__spec_read_object(dq__spec_ctx_t *c, const char *path, const json_t *v);
/* A non-empty string, copied to *out. */
int dq__spec_read_string(dq__spec_ctx_t *c, const char *path, const json_t *v, char **out);
/* A finite number > 0. */
int dq__spec_read_positive(dq__spec_ctx_t *c, const char *path, const json_t *v, double *out);
/* A finite number >= 0. */
int dq__spec_read_nonneg(dq__spec_ctx_t *c, const char *path, const json_t *v, double *out);
/* A finite number. */
int dq__spec_read_number(dq__spec_ctx_t *c, const char *path, const json_t *v, double *out);
/* true or false. */
int dq__spec_read_bool(dq__spec_ctx_t *c, const char *path, const json_t *v, int *out);
/* A whole number in [min, max]: an integer, or a real with no fractional part. */
int dq__spec_read_whole(dq__spec_ctx_t *c, const char *path, const json_t *v, uint64_t min,
                        uint64_t max, uint64_t *out);
/* .record.units: a non-empty array of distinct whole numbers. */
int dq__spec_read_units(dq__spec_ctx_t *c, dq_spec_t *s, const json_t *v);
/* .record.states: a non-empty array of distinct non-empty strings. */
int dq__spec_read_states(dq__spec_ctx_t *c, dq_spec_t *s, const json_t *v);

/* ---- sweeps (spec_sweep.c) ---- */

/* A generator object as a parameter's value at path: {"linspace": [a, b]} or
 * {"logspace": [a, b]}. */
int dq__spec_read_gen(dq__spec_ctx_t *c, const char *path, const json_t *obj, dq_spec_param_t *p);
/* The top-level "sweep" array: fills s->sweep, s->n_sweep, s->sweep_units. */
int dq__spec_read_sweep(dq__spec_ctx_t *c, dq_spec_t *s, const json_t *v);
/* Refuses a parameter both swept and in "params", at the place read last (params_last: the
 * "params" entry, else the sweep axis). */
int dq__spec_check_swept(dq__spec_ctx_t *c, const dq_spec_t *s, int params_last);

/* ---- cable models (spec_cable.c) ---- */

/* .morphology: a non-empty string, resolved against the directory of c->source. */
int dq__spec_read_morphology(dq__spec_ctx_t *c, dq_spec_t *s, const json_t *v);
/* .discretisation, .cable and .stimuli: see dq_spec_t. */
int dq__spec_read_discret(dq__spec_ctx_t *c, dq_spec_t *s, const json_t *obj);
int dq__spec_read_cable(dq__spec_ctx_t *c, dq_spec_t *s, const json_t *obj);
int dq__spec_read_stimuli(dq__spec_ctx_t *c, dq_spec_t *s, const json_t *v);

/* ---- sections (spec_sections.c) ---- */

/* Fills s from the top-level object; the first problem in document order is reported. */
int dq__spec_read_top(dq__spec_ctx_t *c, dq_spec_t *s, const json_t *root);

#endif
