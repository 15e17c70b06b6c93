/* SPDX-License-Identifier: MIT */
/* internal.h -- helpers shared across libdqcore's files (dq__ prefix, not exported). */
#ifndef DQ_CORE_INTERNAL_H
#define DQ_CORE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <dq/host/error.h>
#include <dq/host/registry.h>
#include <dq/integrator.h>
#include <dq/model.h>
#include <dq/plugin.h>

/* True when name is non-empty and made of [A-Za-z0-9_.-] (integrator and model names). */
int dq__name_is_valid(const char *name);
/* True when name is non-empty and made of [A-Za-z0-9_] (states, parameters, options). */
int dq__identifier_is_valid(const char *name);

/* True when p is a multiple of align (a power of two). A plugin's pointer is checked with
 * this before it is read: reading through a misaligned one is undefined behaviour. */
static inline int dq__is_aligned(const void *p, size_t align)
{
    return ((uintptr_t)p & (uintptr_t)(align - 1)) == 0;
}

/* Checks an ABI header: same major, minor not newer, struct_size >= min_size. `what`
 * names the struct in messages ("integrator descriptor 'euler'"); `source` is the plugin
 * path or NULL for in-process data. Returns DQ_OK or DQ_EABI. */
int dq__abi_check(const dq_abi_header_t *h, size_t min_size, const char *what, const char *source,
                  dq_error_t *err);

/* Checks the header at `in` (dq__abi_check) and copies the struct into the host's layout
 * `out` of host_size bytes: the fields that fit in its struct_size, the rest zeroed. */
int dq__abi_read(const void *in, void *out, size_t host_size, size_t min_size, const char *what,
                 const char *source, dq_error_t *err);

/* dq__abi_read for each boundary struct with a header, with ABI 2.0's minimum sizes. */
int dq__integrator_desc_read(const dq_integrator_desc_t *d, dq_integrator_desc_t *out,
                             const char *source, dq_error_t *err);
int dq__model_desc_read(const dq_model_desc_t *d, dq_model_desc_t *out, const char *source,
                        dq_error_t *err);
int dq__module_desc_read(const dq_module_desc_t *d, dq_module_desc_t *out, const char *source,
                         dq_error_t *err);
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
    size_t max_suggestions;    /* 0 means 1 */
    const char *label;         /* "Available", "Parameters", "Keys", ... */
    const char *const *listed; /* printed after the label; NULL: the candidates */
    size_t n_listed;
    const char *none; /* said instead of "<label>: ..." when nothing is listed */
} dq__unknown_t;

/* Records "<head> Did you mean 'a'? <label>: x, y." in err (the one builder of every
 * "unknown name" message: integrators, models, parameters, options, modules, spec keys)
 * and returns code. head is a printf format. */
int dq__error_unknown(dq_error_t *err, int code, const char *source, const dq__unknown_t *u,
                      const char *head, ...) DQ_PRINTF(5, 6);

/* What a `where` names: DQ_PLACE_SPEC for a JSON path (".params.tau"), DQ_PLACE_FLAG for a
 * flag ("--record"), DQ_PLACE_NONE for NULL or "". */
dq_place_t dq__where_place(const char *where);
/* "where: " in buf for a message about a value from `where`, or "" when there is none. */
const char *dq__where_prefix(const char *where, char *buf, size_t len);
/* Marks an error already recorded (by dq_error_set or dq__error_unknown) with where the
 * value came from, so the command line can name the file. Returns code. */
int dq__error_mark_where(dq_error_t *err, const char *where, int code);
/* Records an error about a value that came from `where`, with that place (the message,
 * a printf format, names the where itself). Returns code. */
int dq__error_where(dq_error_t *err, int code, const char *where, const char *fmt, ...)
    DQ_PRINTF(4, 5);

/* The DQ_CATEGORY_* names, sorted and NULL-terminated (categories.c). */
#define DQ__N_CATEGORIES 7
extern const char *const dq__categories[DQ__N_CATEGORIES + 1];
int dq__category_is_known(const char *category);

/* Duplicates a string with malloc; NULL on failure or NULL input. */
char *dq__strdup(const char *s);

/* A reference-counted resource that registry entries keep alive: a plugin's module handle,
 * which the loader wraps so that the registry never learns what it is. `release(ptr)` runs
 * when the last reference goes. Not thread-safe, like the registry that uses it. */
typedef struct dq__keep {
    size_t refs;
    void (*release)(void *ptr);
    void *ptr;
} dq__keep_t;

/* A new keep holding one reference, or NULL when out of memory. */
static inline dq__keep_t *dq__keep_new(void (*release)(void *), void *ptr)
{
    dq__keep_t *k = malloc(sizeof *k);
    if (k)
        *k = (dq__keep_t){1, release, ptr};
    return k;
}

/* Adds a reference; NULL is a no-op. Returns k. */
static inline dq__keep_t *dq__keep_retain(dq__keep_t *k)
{
    if (k)
        k->refs++;
    return k;
}

/* Drops a reference, releasing the resource and freeing k with the last; NULL is a no-op. */
static inline void dq__keep_release(dq__keep_t *k)
{
    if (k && --k->refs == 0) {
        if (k->release)
            k->release(k->ptr);
        free(k);
    }
}

#endif
