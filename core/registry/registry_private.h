/* SPDX-License-Identifier: MIT */
/* registry_private.h -- what the loader and the state model use of the registry inside
 * libdqcore: the one descriptor validator, and registration with a kept-alive module. */
#ifndef DQ_REGISTRY_PRIVATE_H
#define DQ_REGISTRY_PRIVATE_H

#include <stddef.h>

#include <dq/host/registry.h>

#include "internal.h"

/* At most this many options (a table that has not ended by then lacks its NULL name). */
#define DQ__OPTIONS_MAX 64

/* The SDE fields of an integrator descriptor (validate_sde.c); `who` starts messages. */
int dq__validate_sde(const dq_integrator_desc_t *d, const char *who, const char *source,
                     dq_error_t *err);

/* The error-control fields (since 2.2): complete with DQ_CAP_ADAPTIVE, absent without. */
int dq__validate_adaptive(const dq_integrator_desc_t *d, const char *who, const char *source,
                          dq_error_t *err);

/* Cable models (since 2.3, validate_cable.c): the root holds "V" alone, every other module
 * is a mechanism with a `current`, no per-unit parameters; a `current` in a model that is
 * not a cable model is refused. Runs after the module checks. */
struct dq_cable_desc;
int dq__validate_cable(const dq_model_desc_t *m, const char *who, const char *source,
                       dq_error_t *err);
/* The model's cable descriptor into the host's layout. */
int dq__cable_desc_read(const dq_model_desc_t *m, const char *source, struct dq_cable_desc *out,
                        dq_error_t *err);

/* Reads an integrator descriptor into the host's layout (`out`, ABI rules) and checks it
 * whole: names, aliases, category, step, options table. *n_options receives the number of
 * options before the NULL-name end. `source` is the plugin path or NULL. Returns DQ_OK,
 * DQ_EABI or DQ_EDESC. Used by the registry and by the loader before it registers. */
int dq__integrator_desc_check(const dq_integrator_desc_t *desc, const char *source,
                              dq_integrator_desc_t *out, size_t *n_options, dq_error_t *err);

/* The same for a model: its name, parameter table (names, flags, binding inside
 * data_size, the population parameter), module table (headers, parents, names, state
 * tables, compute_derivative, reads). Messages name the model and, when given, `source`. */
int dq__model_desc_check(const dq_model_desc_t *desc, const char *source, dq_model_desc_t *out,
                         dq_error_t *err);

/* Where descriptors come from, as the loader hands them over. */
typedef struct dq__origin {
    const char *path; /* plugin path (copied), or NULL: DQ_ORIGIN_BUILTIN */
    /* The plugin's module handle: every entry registered from it keeps a reference, so the
     * plugin stays loaded as long as any entry needs it. NULL for in-process data. */
    dq__keep_t *keep;
    /* When not NULL, warnings about this registration are also appended here ("; "-joined,
     * cut to fit), besides going to the registry's warning handler. */
    char *warnings;
    size_t warnings_cap;
} dq__origin_t;

int dq__registry_add(dq_registry_t *reg, const dq_integrator_desc_t *desc,
                     const dq__origin_t *origin, dq_error_t *err);
int dq__registry_add_model(dq_registry_t *reg, const dq_model_desc_t *desc,
                           const dq__origin_t *origin, dq_error_t *err);

#endif
