/* SPDX-License-Identifier: MIT */
/* internal.h -- helpers shared across libdqcore's files (dq__ prefix, not exported). */
#ifndef DQ_CORE_INTERNAL_H
#define DQ_CORE_INTERNAL_H

#include <stddef.h>

#include <dq/host/error.h>
#include <dq/host/registry.h>
#include <dq/integrator.h>
#include <dq/model.h>
#include <dq/plugin.h>

/* True when name is non-empty and made of [A-Za-z0-9_.-]. */
int dq__name_is_valid(const char *name);

/* Checks an ABI header: same major, minor not newer, struct_size >= min_size. `what`
 * names the struct in messages ("integrator descriptor 'euler'"); `source` is the plugin
 * path or NULL for in-process data. Returns DQ_OK or DQ_EABI. */
int dq__abi_check(const dq_abi_header_t *h, size_t min_size, const char *what,
                  const char *source, dq_error_t *err);

/* Reads a descriptor written for any compatible ABI into the host's layout: copies the
 * fields that fit in its struct_size and zeroes the rest. */
int dq__integrator_desc_read(const dq_integrator_desc_t *d, dq_integrator_desc_t *out,
                             const char *source, dq_error_t *err);
int dq__model_desc_read(const dq_model_desc_t *d, dq_model_desc_t *out, const char *source,
                        dq_error_t *err);
int dq__module_desc_read(const dq_module_desc_t *d, dq_module_desc_t *out,
                         const char *source, dq_error_t *err);
int dq__plugin_info_read(const dq_plugin_info_t *d, dq_plugin_info_t *out, const char *source,
                         dq_error_t *err);

/* Resets an error record to "no error" without touching its buffers' bytes: the step loop
 * does this per block, where a memset of the whole record would cost more than a step. */
static inline void dq__error_reset(dq_error_t *err)
{
    err->code = DQ_OK;
    err->line = err->column = err->has_time = err->place = 0;
    err->source[0] = '\0';
    err->message[0] = '\0';
}

/* An unknown name and what to say about it: "Did you mean" from `candidates`, then the
 * list of what exists. */
typedef struct dq__unknown {
    const char *name;              /* the name that was not found */
    const char *const *candidates; /* suggestions are drawn from these */
    size_t n_candidates;
    size_t max_suggestions;        /* 0 means 1 */
    const char *label;             /* "Available", "Parameters", "Keys", ... */
    const char *const *listed;     /* printed after the label; NULL: the candidates */
    size_t n_listed;
    const char *none;              /* said instead of "<label>: ..." when nothing is listed */
} dq__unknown_t;

/* Records "<head> Did you mean 'a'? <label>: x, y." in err (the one builder of every
 * "unknown name" message: integrators, models, parameters, options, modules, spec keys)
 * and returns code. head is a printf format. */
int dq__error_unknown(dq_error_t *err, int code, const char *source, const dq__unknown_t *u,
                      const char *head, ...) DQ_PRINTF(5, 6);

/* What a `where` names: DQ_PLACE_SPEC for a JSON path (".params.tau"), DQ_PLACE_FLAG for a
 * flag ("--record"), DQ_PLACE_NONE for NULL or "". */
dq_place_t dq__where_place(const char *where);
/* Records an error about a value that came from `where`, with that place (the message,
 * a printf format, names the where itself). Returns code. */
int dq__error_where(dq_error_t *err, int code, const char *where, const char *fmt, ...)
    DQ_PRINTF(4, 5);

/* Duplicates a string with malloc; NULL on failure or NULL input. */
char *dq__strdup(const char *s);

#endif
